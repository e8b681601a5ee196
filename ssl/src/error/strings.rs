//! Library and reason strings, and the printed forms of errors.

use std::borrow::Cow;
use std::io;

use super::codes::*;
use super::record::*;

/// Size of `ERR_error_string`'s buffer, the length [`error_string`] renders into.
const ERROR_STRING_LEN: usize = 256;
/// Size of `ERR_print_errors_cb`'s line buffer, terminator included.
const PRINT_LINE_LEN: usize = 4096;

/// `ERR_lib_error_string`: the library's registered name, `None` if it has none.
pub fn lib_error_string(code: u32) -> Option<&'static str> {
    Some(match lib_of(code) {
        ERR_LIB_NONE => "unknown library",
        ERR_LIB_SYS => "system library",
        ERR_LIB_BN => "bignum routines",
        ERR_LIB_RSA => "rsa routines",
        5 => "Diffie-Hellman routines",
        ERR_LIB_EVP => "digital envelope routines",
        ERR_LIB_BUF => "memory buffer routines",
        ERR_LIB_OBJ => "object identifier routines",
        ERR_LIB_PEM => "PEM routines",
        10 => "dsa routines",
        ERR_LIB_X509 => "x509 certificate routines",
        ERR_LIB_ASN1 => "asn1 encoding routines",
        ERR_LIB_CONF => "configuration file routines",
        ERR_LIB_CRYPTO => "common libcrypto routines",
        ERR_LIB_EC => "elliptic curve routines",
        ERR_LIB_SSL => "SSL routines",
        ERR_LIB_BIO => "BIO routines",
        33 => "PKCS7 routines",
        ERR_LIB_X509V3 => "X509 V3 routines",
        35 => "PKCS12 routines",
        ERR_LIB_RAND => "random number generator",
        37 => "DSO support routines",
        38 => "engine routines",
        39 => "OCSP routines",
        40 => "UI routines",
        42 => "ECDSA routines",
        43 => "ECDH routines",
        44 => "STORE routines",
        45 => "FIPS routines",
        46 => "CMS routines",
        47 => "time stamp routines",
        48 => "HMAC routines",
        50 => "CT routines",
        51 => "ASYNC routines",
        52 => "KDF routines",
        53 => "SM2 routines",
        54 => "ESS routines",
        56 => "CRMF routines",
        ERR_LIB_PROV => "Provider routines",
        58 => "CMP routines",
        59 => "ENCODER routines",
        60 => "DECODER routines",
        61 => "HTTP routines",
        _ => return None,
    })
}

/// `ERR_reason_error_string`: the reason's registered text, looked up for the code's library and
/// then among the generic `ERR_R_*` reasons. `None` for unknown reasons and, as in OpenSSL, for
/// every system error (see [`reason_string`]).
pub fn reason_error_string(code: u32) -> Option<&'static str> {
    if is_system_error(code) {
        return None;
    }
    let reason = reason_of(code);
    let specific = match lib_of(code) {
        ERR_LIB_SSL => ssl_reason_text(reason),
        ERR_LIB_BIO => bio_reason_text(reason),
        ERR_LIB_X509 => x509_reason_text(reason),
        ERR_LIB_X509V3 => x509v3_reason_text(reason),
        ERR_LIB_PEM => pem_reason_text(reason),
        ERR_LIB_ASN1 => asn1_reason_text(reason),
        ERR_LIB_CRYPTO => crypto_reason_text(reason),
        ERR_LIB_OBJ => obj_reason_text(reason),
        _ => None,
    };
    specific.or_else(|| generic_reason_text(reason))
}

/// The library name as `ERR_error_string` prints it: the registered name or `lib(N)`.
pub fn lib_string(code: u32) -> Cow<'static, str> {
    match lib_error_string(code) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("lib({})", lib_of(code))),
    }
}

/// The reason as `ERR_error_string` prints it: the OS's text for a system error, the registered
/// text, or `reason(N)`.
pub fn reason_string(code: u32) -> Cow<'static, str> {
    if is_system_error(code) {
        return Cow::Owned(strerror(reason_of(code)));
    }
    match reason_error_string(code) {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(format!("reason({})", reason_of(code))),
    }
}

/// `ERR_error_string_n`: `error:%08lX:<lib>::<reason>`, cut to at most `len - 1` bytes (the C
/// buffer keeps one byte for the terminator). When the text fills the buffer (fits exactly or is
/// cut), OpenSSL switches to the compact `err:<code>:<lib>:0:<reason>` in lower-case hex, itself
/// cut to fit.
pub fn error_string_n(code: u32, len: usize) -> String {
    err_string_int(code, "", len)
}

/// `ERR_error_string` with its 256-byte buffer.
pub fn error_string(code: u32) -> String {
    error_string_n(code, ERROR_STRING_LEN)
}

/// One `ERR_print_errors` line for `record`, newline included:
/// `<thread id>:error:<code>:<lib>:<func>:<reason>:<file>:<line>:<data>`, within OpenSSL's
/// 4096-byte line buffer.
pub fn error_line(thread_id: &str, record: &ErrorRecord) -> String {
    let mut line = truncated(format!("{thread_id}:"), PRINT_LINE_LEN);
    let func = record.func.as_deref().unwrap_or("");
    line.push_str(&err_string_int(
        record.code,
        func,
        PRINT_LINE_LEN - line.len(),
    ));
    let tail = format!(
        ":{}:{}:{}\n",
        record.file.as_deref().unwrap_or(""),
        record.line,
        record.data.as_deref().unwrap_or("")
    );
    let room = PRINT_LINE_LEN - line.len();
    line.push_str(&truncated(tail, room));
    line
}

/// `ossl_err_string_int`: `error:%08lX:<lib>:<func>:<reason>` within a C buffer of `len` bytes,
/// falling back to `err:%lx:%lx:%lx:%lx` when the pretty form fills the buffer.
fn err_string_int(code: u32, func: &str, len: usize) -> String {
    if len == 0 {
        return String::new();
    }
    let full = format!(
        "error:{code:08X}:{}:{func}:{}",
        lib_string(code),
        reason_string(code)
    );
    // OpenSSL tests `strlen(buf) == len - 1` after a bounded write: the text filled the buffer,
    // whether it fit exactly or was cut.
    if full.len() >= len - 1 {
        let compact = format!(
            "err:{code:x}:{:x}:{:x}:{:x}",
            lib_of(code),
            0,
            reason_of(code)
        );
        return truncated(compact, len);
    }
    full
}

/// `text` as `snprintf` leaves it in a `len`-byte buffer: at most `len - 1` bytes, cut back to a
/// character boundary.
pub(super) fn truncated(mut text: String, len: usize) -> String {
    let mut end = len.saturating_sub(1);
    if text.len() > end {
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The OS's text for `errno`, without the ` (os error N)` suffix Rust adds.
fn strerror(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    let suffix = format!(" (os error {errno})");
    match text.strip_suffix(&suffix) {
        Some(bare) => bare.trim_end().to_owned(),
        None => text,
    }
}

/// `SSL_str_reasons` (`ssl/ssl_err.c`) for the reasons in [`ssl_r`].
fn ssl_reason_text(reason: i32) -> Option<&'static str> {
    use ssl_r::*;
    Some(match reason {
        NO_SUITABLE_KEY_SHARE => "no suitable key share",
        BAD_EXTENSION => "bad extension",
        MISSING_SIGALGS_EXTENSION => "missing sigalgs extension",
        NO_SUITABLE_SIGNATURE_ALGORITHM => "no suitable signature algorithm",
        STILL_IN_INIT => "still in init",
        BAD_KEY_UPDATE => "bad key update",
        INVALID_KEY_UPDATE_TYPE => "invalid key update type",
        BAD_SSL_FILETYPE => "bad ssl filetype",
        BAD_WRITE_RETRY => "bad write retry",
        BIO_NOT_SET => "bio not set",
        TOO_MANY_KEY_UPDATES => "too many key updates",
        CERTIFICATE_VERIFY_FAILED => "certificate verify failed",
        CONNECTION_TYPE_NOT_SET => "connection type not set",
        EXCESSIVE_MESSAGE_SIZE => "excessive message size",
        EXTRA_DATA_IN_MESSAGE => "extra data in message",
        LENGTH_MISMATCH => "length mismatch",
        LENGTH_TOO_SHORT => "length too short",
        VERSION_TOO_HIGH => "version too high",
        NO_CERTIFICATES_RETURNED => "no certificates returned",
        NO_CERTIFICATE_ASSIGNED => "no certificate assigned",
        NO_CERTIFICATE_SET => "no certificate set",
        NO_CIPHERS_AVAILABLE => "no ciphers available",
        NO_CIPHER_MATCH => "no cipher match",
        NO_METHOD_SPECIFIED => "no method specified",
        NO_PRIVATE_KEY_ASSIGNED => "no private key assigned",
        NO_PROTOCOLS_AVAILABLE => "no protocols available",
        NO_SHARED_CIPHER => "no shared cipher",
        NULL_SSL_CTX => "null ssl ctx",
        NULL_SSL_METHOD_PASSED => "null ssl method passed",
        PEER_DID_NOT_RETURN_A_CERTIFICATE => "peer did not return a certificate",
        INVALID_ALERT => "invalid alert",
        PROTOCOL_IS_SHUTDOWN => "protocol is shutdown",
        READ_BIO_NOT_SET => "read bio not set",
        UNSOLICITED_EXTENSION => "unsolicited extension",
        SSL_HANDSHAKE_FAILURE => "ssl handshake failure",
        CALLBACK_FAILED => "callback failed",
        NO_APPLICATION_PROTOCOL => "no application protocol",
        BAD_HANDSHAKE_STATE => "bad handshake state",
        BAD_PACKET => "bad packet",
        BAD_RECORD_TYPE => "bad record type",
        UNEXPECTED_MESSAGE => "unexpected message",
        UNEXPECTED_RECORD => "unexpected record",
        UNKNOWN_PROTOCOL => "unknown protocol",
        UNSUPPORTED_PROTOCOL => "unsupported protocol",
        UNSUPPORTED_SSL_VERSION => "unsupported ssl version",
        WRONG_SSL_VERSION => "wrong ssl version",
        WRONG_VERSION_NUMBER => "wrong version number",
        X509_LIB => "x509 lib",
        BAD_LENGTH => "bad length",
        DATA_LENGTH_TOO_LONG => "data length too long",
        SSL_SESSION_ID_CONTEXT_TOO_LONG => "ssl session id context too long",
        LIBRARY_BUG => "library bug",
        UNINITIALIZED => "uninitialized",
        INVALID_COMMAND => "invalid command",
        DECRYPTION_FAILED_OR_BAD_RECORD_MAC => "decryption failed or bad record mac",
        INVALID_CONFIG => "invalid config",
        NOT_SERVER => "not server",
        PRIVATE_KEY_MISMATCH => "private key mismatch",
        APPLICATION_DATA_AFTER_CLOSE_NOTIFY => "application data after close notify",
        UNEXPECTED_EOF_WHILE_READING => "unexpected eof while reading",
        RECORD_LAYER_FAILURE => "record layer failure",
        SSL3_EXT_INVALID_SERVERNAME => "ssl3 ext invalid servername",
        SSL3_EXT_INVALID_SERVERNAME_TYPE => "ssl3 ext invalid servername type",
        NO_RENEGOTIATION => "no renegotiation",
        REMOTE_PEER_ADDRESS_NOT_SET => "remote peer address not set",
        NO_STREAM => "no stream",
        CONN_USE_ONLY => "conn use only",
        STREAM_FINISHED => "stream finished",
        STREAM_RECV_ONLY => "stream recv only",
        STREAM_RESET => "stream reset",
        STREAM_SEND_ONLY => "stream send only",
        QUIC_PROTOCOL_ERROR => "quic protocol error",
        BAD_VALUE => "bad value",
        INVALID_NULL_CMD_NAME => "invalid null cmd name",
        UNKNOWN_CMD_NAME => "unknown cmd name",
        SSL_SESSION_ID_TOO_LONG => "ssl session id too long",
        QUIC_NETWORK_ERROR => "quic network error",
        BAD_DATA => "bad data",
        QUIC_HANDSHAKE_LAYER_ERROR => "quic handshake layer error",
        VERSION_TOO_LOW => "version too low",
        LENGTH_TOO_LONG => "length too long",
        SHUTDOWN_WHILE_IN_INIT => "shutdown while in init",
        NO_SHARED_GROUPS => "no shared groups",
        STREAM_COUNT_LIMITED => "stream count limited",
        UNSUPPORTED_WRITE_FLAG => "unsupported write flag",
        FEATURE_NOT_RENEGOTIABLE => "feature not renegotiable",
        UNSUPPORTED_CONFIG_VALUE => "unsupported config value",
        UNSUPPORTED_CONFIG_VALUE_CLASS => "unsupported config value class",
        UNSUPPORTED_CONFIG_VALUE_OP => "unsupported config value op",
        FEATURE_NEGOTIATION_NOT_COMPLETE => "feature negotiation not complete",
        POLL_REQUEST_NOT_SUPPORTED => "poll request not supported",
        MISSING_SUPPORTED_VERSIONS_EXTENSION => "missing supported versions extension",
        LISTENER_USE_ONLY => "listener use only",
        DOMAIN_USE_ONLY => "domain use only",
        INVALID_SESSION_ID => "invalid session id",
        SSLV3_ALERT_UNEXPECTED_MESSAGE => "ssl/tls alert unexpected message",
        SSLV3_ALERT_BAD_RECORD_MAC => "ssl/tls alert bad record mac",
        TLSV1_ALERT_RECORD_OVERFLOW => "tlsv1 alert record overflow",
        SSLV3_ALERT_HANDSHAKE_FAILURE => "ssl/tls alert handshake failure",
        SSLV3_ALERT_BAD_CERTIFICATE => "ssl/tls alert bad certificate",
        SSLV3_ALERT_UNSUPPORTED_CERTIFICATE => "ssl/tls alert unsupported certificate",
        SSLV3_ALERT_CERTIFICATE_REVOKED => "ssl/tls alert certificate revoked",
        SSLV3_ALERT_CERTIFICATE_EXPIRED => "ssl/tls alert certificate expired",
        SSLV3_ALERT_CERTIFICATE_UNKNOWN => "ssl/tls alert certificate unknown",
        SSLV3_ALERT_ILLEGAL_PARAMETER => "ssl/tls alert illegal parameter",
        TLSV1_ALERT_UNKNOWN_CA => "tlsv1 alert unknown ca",
        TLSV1_ALERT_ACCESS_DENIED => "tlsv1 alert access denied",
        TLSV1_ALERT_DECODE_ERROR => "tlsv1 alert decode error",
        TLSV1_ALERT_DECRYPT_ERROR => "tlsv1 alert decrypt error",
        TLSV1_ALERT_PROTOCOL_VERSION => "tlsv1 alert protocol version",
        TLSV1_ALERT_INSUFFICIENT_SECURITY => "tlsv1 alert insufficient security",
        TLSV1_ALERT_INTERNAL_ERROR => "tlsv1 alert internal error",
        TLSV1_ALERT_INAPPROPRIATE_FALLBACK => "tlsv1 alert inappropriate fallback",
        TLSV1_ALERT_USER_CANCELLED => "tlsv1 alert user cancelled",
        TLSV1_ALERT_NO_RENEGOTIATION => "tlsv1 alert no renegotiation",
        TLSV13_ALERT_MISSING_EXTENSION => "tlsv13 alert missing extension",
        TLSV1_UNSUPPORTED_EXTENSION => "tlsv1 unsupported extension",
        TLSV1_UNRECOGNIZED_NAME => "tlsv1 unrecognized name",
        TLSV1_ALERT_UNKNOWN_PSK_IDENTITY => "tlsv1 alert unknown psk identity",
        TLSV13_ALERT_CERTIFICATE_REQUIRED => "tlsv13 alert certificate required",
        TLSV1_ALERT_NO_APPLICATION_PROTOCOL => "tlsv1 alert no application protocol",
        _ => return None,
    })
}

/// `X509_str_reasons` (`crypto/x509/x509_err.c`) for the reasons in [`x509_r`].
fn x509_reason_text(reason: i32) -> Option<&'static str> {
    use x509_r::*;
    Some(match reason {
        KEY_TYPE_MISMATCH => "key type mismatch",
        KEY_VALUES_MISMATCH => "key values mismatch",
        NO_CERTIFICATE_OR_CRL_FOUND => "no certificate or crl found",
        _ => return None,
    })
}

/// `X509V3_str_reasons` (`crypto/x509/v3err.c`) for the reasons in [`x509v3_r`].
fn x509v3_reason_text(reason: i32) -> Option<&'static str> {
    Some(match reason {
        x509v3_r::INVALID_PURPOSE => "invalid purpose",
        _ => return None,
    })
}

/// `PEM_str_reasons` (`crypto/pem/pem_err.c`) for the reasons in [`pem_r`].
fn pem_reason_text(reason: i32) -> Option<&'static str> {
    use pem_r::*;
    Some(match reason {
        BAD_BASE64_DECODE => "bad base64 decode",
        BAD_END_LINE => "bad end line",
        NO_START_LINE => "no start line",
        _ => return None,
    })
}

/// `ASN1_str_reasons` (`crypto/asn1/asn1_err.c`) for the reasons in [`asn1_r`].
fn asn1_reason_text(reason: i32) -> Option<&'static str> {
    use asn1_r::*;
    Some(match reason {
        HEADER_TOO_LONG => "header too long",
        NOT_ENOUGH_DATA => "not enough data",
        TOO_SMALL => "too small",
        WRONG_TAG => "wrong tag",
        _ => return None,
    })
}

/// `CRYPTO_str_reasons` (`crypto/cpt_err.c`) for the reasons in [`crypto_r`].
fn crypto_reason_text(reason: i32) -> Option<&'static str> {
    Some(match reason {
        crypto_r::TOO_MANY_RECORDS => "too many records",
        _ => return None,
    })
}

/// `OBJ_str_reasons` (`crypto/objects/obj_err.c`) for the reasons in [`obj_r`].
fn obj_reason_text(reason: i32) -> Option<&'static str> {
    Some(match reason {
        obj_r::UNKNOWN_NID => "unknown nid",
        _ => return None,
    })
}

/// `BIO_str_reasons` (`crypto/bio/bio_err.c`, the compiled texts) for the reasons in [`bio_r`].
fn bio_reason_text(reason: i32) -> Option<&'static str> {
    use bio_r::*;
    Some(match reason {
        ACCEPT_ERROR => "accept error",
        BAD_FOPEN_MODE => "bad fopen mode",
        LENGTH_TOO_LONG => "length too long",
        CONNECT_ERROR => "connect error",
        TRANSFER_ERROR => "transfer error",
        TRANSFER_TIMEOUT => "transfer timeout",
        NBIO_CONNECT_ERROR => "nbio connect error",
        LOCAL_ADDR_NOT_AVAILABLE => "local address not available",
        NON_FATAL => "non-fatal or transient error",
        NO_PORT_DEFINED => "no port defined",
        UNABLE_TO_BIND_SOCKET => "unable to bind socket",
        UNABLE_TO_CREATE_SOCKET => "unable to create socket",
        UNABLE_TO_LISTEN_SOCKET => "unable to listen socket",
        UNINITIALIZED => "uninitialized",
        UNSUPPORTED_METHOD => "unsupported method",
        WSASTARTUP => "WSAStartup",
        IN_USE => "in use",
        BROKEN_PIPE => "broken pipe",
        INVALID_ARGUMENT => "invalid argument",
        WRITE_TO_READ_ONLY_BIO => "write to read only BIO",
        NO_SUCH_FILE => "no such file",
        AMBIGUOUS_HOST_OR_SERVICE => "ambiguous host or service",
        MALFORMED_HOST_OR_SERVICE => "malformed host or service",
        UNSUPPORTED_PROTOCOL_FAMILY => "unsupported protocol family",
        GETSOCKNAME_ERROR => "getsockname error",
        GETSOCKNAME_TRUNCATED_ADDRESS => "getsockname truncated address",
        GETTING_SOCKTYPE => "getting socktype",
        INVALID_SOCKET => "invalid socket",
        LISTEN_V6_ONLY => "listen v6 only",
        UNABLE_TO_KEEPALIVE => "unable to keepalive",
        UNABLE_TO_NODELAY => "unable to nodelay",
        UNABLE_TO_REUSEADDR => "unable to reuseaddr",
        UNKNOWN_INFO_TYPE => "unknown info type",
        ADDRINFO_ADDR_IS_NOT_AF_INET => "addrinfo addr is not af inet",
        LOOKUP_RETURNED_NOTHING => "lookup returned nothing",
        NO_ACCEPT_ADDR_OR_SERVICE_SPECIFIED => "no accept addr or service specified",
        NO_HOSTNAME_OR_SERVICE_SPECIFIED => "no hostname or service specified",
        UNAVAILABLE_IP_FAMILY => "unavailable ip family",
        UNSUPPORTED_IP_FAMILY => "unsupported ip family",
        CONNECT_TIMEOUT => "connect timeout",
        PORT_MISMATCH => "port mismatch",
        PEER_ADDR_NOT_AVAILABLE => "peer address not available",
        _ => return None,
    })
}

/// `ERR_str_reasons` (`crypto/err/err.c`): the generic reasons, valid with any library.
fn generic_reason_text(reason: i32) -> Option<&'static str> {
    use err_r::*;
    Some(match reason {
        SYS_LIB => "system lib",
        BN_LIB => "BN lib",
        RSA_LIB => "RSA lib",
        EVP_LIB => "EVP lib",
        BUF_LIB => "BUF lib",
        PEM_LIB => "PEM lib",
        X509_LIB => "X509 lib",
        ASN1_LIB => "ASN1 lib",
        CRYPTO_LIB => "CRYPTO lib",
        EC_LIB => "EC lib",
        BIO_LIB => "BIO lib",
        X509V3_LIB => "X509V3 lib",
        FATAL_ERROR => "fatal",
        MALLOC_FAILURE => "malloc failure",
        SHOULD_NOT_HAVE_BEEN_CALLED => "called a function you should not call",
        PASSED_NULL_PARAMETER => "passed a null parameter",
        INTERNAL_ERROR => "internal error",
        DISABLED => "called a function that was disabled at compile-time",
        INIT_FAIL => "init fail",
        PASSED_INVALID_ARGUMENT => "passed invalid argument",
        OPERATION_FAIL => "operation fail",
        INVALID_PROVIDER_FUNCTIONS => "invalid provider functions",
        INTERRUPTED_OR_CANCELLED => "interrupted or cancelled",
        NESTED_ASN1_ERROR => "nested asn1 error",
        MISSING_ASN1_EOS => "missing asn1 eos",
        UNSUPPORTED => "unsupported",
        FETCH_FAILED => "fetch failed",
        INVALID_PROPERTY_DEFINITION => "invalid property definition",
        UNABLE_TO_GET_READ_LOCK => "unable to get read lock",
        UNABLE_TO_GET_WRITE_LOCK => "unable to get write lock",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_room_for_the_terminator() {
        assert_eq!(truncated("abcdef".to_owned(), 4), "abc");
        assert_eq!(truncated("abc".to_owned(), 4), "abc");
        assert_eq!(truncated("abc".to_owned(), 0), "");
        // Never splits a character: "é" is two bytes.
        assert_eq!(truncated("aé".to_owned(), 3), "a");
    }

    #[test]
    fn strerror_drops_rust_suffix() {
        let text = strerror(1); // EPERM

        assert!(!text.contains("os error"), "{text}");
        assert!(!text.is_empty());
    }

    #[test]
    fn compact_form_when_buffer_is_filled_exactly() {
        let code = pack(ERR_LIB_SSL, ssl_r::NO_STREAM);
        let full = error_string_n(code, 256);
        assert_eq!(full, "error:0A000163:SSL routines::no stream");
        // A buffer that holds exactly the text plus terminator still triggers the fallback,
        // because OpenSSL cannot tell a full buffer from a cut one.
        assert_eq!(
            err_string_int(code, "", full.len() + 1),
            "err:a000163:14:0:163"
        );
        assert_eq!(err_string_int(code, "", full.len() + 2), full);
    }

    #[test]
    fn every_tabled_reason_has_text() {
        for code in [bio_r::ACCEPT_ERROR, bio_r::PEER_ADDR_NOT_AVAILABLE] {
            assert!(bio_reason_text(code).is_some());
        }
        for code in [err_r::SYS_LIB, err_r::UNABLE_TO_GET_WRITE_LOCK] {
            assert!(generic_reason_text(code).is_some());
        }
    }
}
