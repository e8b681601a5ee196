//! Packed error codes: library and reason numbers, flags, and the packing helpers.

/// `ERR_LIB_NONE`: "unknown library".
pub const ERR_LIB_NONE: i32 = 1;
/// `ERR_LIB_SYS`: the reason is an `errno` value (packed with [`ERR_SYSTEM_FLAG`]).
pub const ERR_LIB_SYS: i32 = 2;
/// `ERR_LIB_BN`.
pub const ERR_LIB_BN: i32 = 3;
/// `ERR_LIB_RSA`.
pub const ERR_LIB_RSA: i32 = 4;
/// `ERR_LIB_EVP`.
pub const ERR_LIB_EVP: i32 = 6;
/// `ERR_LIB_BUF`.
pub const ERR_LIB_BUF: i32 = 7;
/// `ERR_LIB_OBJ`: the reason is one of [`obj_r`].
pub const ERR_LIB_OBJ: i32 = 8;
/// `ERR_LIB_PEM`.
pub const ERR_LIB_PEM: i32 = 9;
/// `ERR_LIB_X509`.
pub const ERR_LIB_X509: i32 = 11;
/// `ERR_LIB_ASN1`.
pub const ERR_LIB_ASN1: i32 = 13;
/// `ERR_LIB_CONF`.
pub const ERR_LIB_CONF: i32 = 14;
/// `ERR_LIB_CRYPTO`.
pub const ERR_LIB_CRYPTO: i32 = 15;
/// `ERR_LIB_EC`.
pub const ERR_LIB_EC: i32 = 16;
/// `ERR_LIB_SSL`: the reason is one of [`ssl_r`].
pub const ERR_LIB_SSL: i32 = 20;
/// `ERR_LIB_BIO`: the reason is one of [`bio_r`].
pub const ERR_LIB_BIO: i32 = 32;
/// `ERR_LIB_X509V3`.
pub const ERR_LIB_X509V3: i32 = 34;
/// `ERR_LIB_RAND`.
pub const ERR_LIB_RAND: i32 = 36;
/// `ERR_LIB_PROV`.
pub const ERR_LIB_PROV: i32 = 57;
/// `ERR_LIB_USER`: the first number free for applications; OpenSSL registers no name for it.
pub const ERR_LIB_USER: i32 = 128;

/// `ERR_LIB_OFFSET`: bit position of the library in a packed code.
pub const ERR_LIB_OFFSET: u32 = 23;
/// `ERR_LIB_MASK`: width of the library field.
pub const ERR_LIB_MASK: u32 = 0xFF;
/// `ERR_REASON_MASK`: the reason field, reason flags included.
pub const ERR_REASON_MASK: u32 = 0x7F_FFFF;
/// `ERR_SYSTEM_FLAG`: set on codes that carry an `errno`.
pub const ERR_SYSTEM_FLAG: u32 = 0x8000_0000;
/// `ERR_SYSTEM_MASK`: the `errno` bits of a system error.
pub const ERR_SYSTEM_MASK: u32 = 0x7FFF_FFFF;
/// `ERR_RFLAG_FATAL`: reason flag marking a fatal generic reason.
pub const ERR_RFLAG_FATAL: u32 = 0x1 << 18;
/// `ERR_RFLAG_COMMON`: reason flag carried by every `ERR_R_*` generic reason.
pub const ERR_RFLAG_COMMON: u32 = 0x2 << 18;

/// `ERR_TXT_MALLOCED`: record flag, the data string is owned by the queue.
pub const ERR_TXT_MALLOCED: i32 = 0x01;
/// `ERR_TXT_STRING`: record flag, the data is a text string.
pub const ERR_TXT_STRING: i32 = 0x02;

/// `ERR_NUM_ERRORS`: slots in OpenSSL's per-thread ring.
pub const ERR_NUM_ERRORS: usize = 16;
/// Records the queue holds at most: one ring slot always separates `top` from `bottom`.
pub const QUEUE_CAPACITY: usize = ERR_NUM_ERRORS - 1;
/// `ERR_MAX_DATA_SIZE`: `ERR_raise_data` formats into this many bytes, terminator included.
pub const ERR_MAX_DATA_SIZE: usize = 1024;

/// `SSL_R_*` reason codes (`include/openssl/sslerr.h`), for use with [`ERR_LIB_SSL`].
pub mod ssl_r {
    /// `SSL_R_NO_SUITABLE_KEY_SHARE`.
    pub const NO_SUITABLE_KEY_SHARE: i32 = 101;
    /// `SSL_R_BAD_EXTENSION`.
    pub const BAD_EXTENSION: i32 = 110;
    /// `SSL_R_MISSING_SIGALGS_EXTENSION`.
    pub const MISSING_SIGALGS_EXTENSION: i32 = 112;
    /// `SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM`.
    pub const NO_SUITABLE_SIGNATURE_ALGORITHM: i32 = 118;
    /// `SSL_R_INVALID_KEY_UPDATE_TYPE`.
    pub const INVALID_KEY_UPDATE_TYPE: i32 = 120;
    /// `SSL_R_STILL_IN_INIT`.
    pub const STILL_IN_INIT: i32 = 121;
    /// `SSL_R_BAD_KEY_UPDATE`.
    pub const BAD_KEY_UPDATE: i32 = 122;
    /// `SSL_R_BAD_SSL_FILETYPE`.
    pub const BAD_SSL_FILETYPE: i32 = 124;
    /// `SSL_R_BAD_WRITE_RETRY`.
    pub const BAD_WRITE_RETRY: i32 = 127;
    /// `SSL_R_BIO_NOT_SET`.
    pub const BIO_NOT_SET: i32 = 128;
    /// `SSL_R_TOO_MANY_KEY_UPDATES`.
    pub const TOO_MANY_KEY_UPDATES: i32 = 132;
    /// `SSL_R_CERTIFICATE_VERIFY_FAILED`.
    pub const CERTIFICATE_VERIFY_FAILED: i32 = 134;
    /// `SSL_R_CONNECTION_TYPE_NOT_SET`.
    pub const CONNECTION_TYPE_NOT_SET: i32 = 144;
    /// `SSL_R_DATA_LENGTH_TOO_LONG`.
    pub const DATA_LENGTH_TOO_LONG: i32 = 146;
    /// `SSL_R_EXCESSIVE_MESSAGE_SIZE`.
    pub const EXCESSIVE_MESSAGE_SIZE: i32 = 152;
    /// `SSL_R_EXTRA_DATA_IN_MESSAGE`.
    pub const EXTRA_DATA_IN_MESSAGE: i32 = 153;
    /// `SSL_R_LENGTH_MISMATCH`.
    pub const LENGTH_MISMATCH: i32 = 159;
    /// `SSL_R_LENGTH_TOO_SHORT`.
    pub const LENGTH_TOO_SHORT: i32 = 160;
    /// `SSL_R_VERSION_TOO_HIGH`.
    pub const VERSION_TOO_HIGH: i32 = 166;
    /// `SSL_R_NO_CERTIFICATES_RETURNED`.
    pub const NO_CERTIFICATES_RETURNED: i32 = 176;
    /// `SSL_R_NO_CERTIFICATE_ASSIGNED`.
    pub const NO_CERTIFICATE_ASSIGNED: i32 = 177;
    /// `SSL_R_NO_CERTIFICATE_SET`.
    pub const NO_CERTIFICATE_SET: i32 = 179;
    /// `SSL_R_NO_CIPHERS_AVAILABLE`.
    pub const NO_CIPHERS_AVAILABLE: i32 = 181;
    /// `SSL_R_NO_CIPHER_MATCH`.
    pub const NO_CIPHER_MATCH: i32 = 185;
    /// `SSL_R_NO_METHOD_SPECIFIED`.
    pub const NO_METHOD_SPECIFIED: i32 = 188;
    /// `SSL_R_NO_PRIVATE_KEY_ASSIGNED`.
    pub const NO_PRIVATE_KEY_ASSIGNED: i32 = 190;
    /// `SSL_R_NO_PROTOCOLS_AVAILABLE`.
    pub const NO_PROTOCOLS_AVAILABLE: i32 = 191;
    /// `SSL_R_NO_SHARED_CIPHER`.
    pub const NO_SHARED_CIPHER: i32 = 193;
    /// `SSL_R_NULL_SSL_CTX`.
    pub const NULL_SSL_CTX: i32 = 195;
    /// `SSL_R_NULL_SSL_METHOD_PASSED`.
    pub const NULL_SSL_METHOD_PASSED: i32 = 196;
    /// `SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE`.
    pub const PEER_DID_NOT_RETURN_A_CERTIFICATE: i32 = 199;
    /// `SSL_R_INVALID_ALERT`.
    pub const INVALID_ALERT: i32 = 205;
    /// `SSL_R_PROTOCOL_IS_SHUTDOWN`.
    pub const PROTOCOL_IS_SHUTDOWN: i32 = 207;
    /// `SSL_R_READ_BIO_NOT_SET`.
    pub const READ_BIO_NOT_SET: i32 = 211;
    /// `SSL_R_UNSOLICITED_EXTENSION`.
    pub const UNSOLICITED_EXTENSION: i32 = 217;
    /// `SSL_R_SSL_HANDSHAKE_FAILURE`.
    pub const SSL_HANDSHAKE_FAILURE: i32 = 229;
    /// `SSL_R_CALLBACK_FAILED`.
    pub const CALLBACK_FAILED: i32 = 234;
    /// `SSL_R_NO_APPLICATION_PROTOCOL`.
    pub const NO_APPLICATION_PROTOCOL: i32 = 235;
    /// `SSL_R_BAD_HANDSHAKE_STATE`.
    pub const BAD_HANDSHAKE_STATE: i32 = 236;
    /// `SSL_R_BAD_PACKET`.
    pub const BAD_PACKET: i32 = 240;
    /// `SSL_R_UNEXPECTED_MESSAGE`.
    pub const UNEXPECTED_MESSAGE: i32 = 244;
    /// `SSL_R_UNEXPECTED_RECORD`.
    pub const UNEXPECTED_RECORD: i32 = 245;
    /// `SSL_R_UNKNOWN_PROTOCOL`.
    pub const UNKNOWN_PROTOCOL: i32 = 252;
    /// `SSL_R_UNSUPPORTED_PROTOCOL`.
    pub const UNSUPPORTED_PROTOCOL: i32 = 258;
    /// `SSL_R_UNSUPPORTED_SSL_VERSION`.
    pub const UNSUPPORTED_SSL_VERSION: i32 = 259;
    /// `SSL_R_WRONG_SSL_VERSION`.
    pub const WRONG_SSL_VERSION: i32 = 266;
    /// `SSL_R_WRONG_VERSION_NUMBER`.
    pub const WRONG_VERSION_NUMBER: i32 = 267;
    /// `SSL_R_X509_LIB`.
    pub const X509_LIB: i32 = 268;
    /// `SSL_R_BAD_LENGTH`.
    pub const BAD_LENGTH: i32 = 271;
    /// `SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG`.
    pub const SSL_SESSION_ID_CONTEXT_TOO_LONG: i32 = 273;
    /// `SSL_R_LIBRARY_BUG`.
    pub const LIBRARY_BUG: i32 = 274;
    /// `SSL_R_UNINITIALIZED`.
    pub const UNINITIALIZED: i32 = 276;
    /// `SSL_R_INVALID_COMMAND`.
    pub const INVALID_COMMAND: i32 = 280;
    /// `SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC`.
    pub const DECRYPTION_FAILED_OR_BAD_RECORD_MAC: i32 = 281;
    /// `SSL_R_INVALID_CONFIG`.
    pub const INVALID_CONFIG: i32 = 283;
    /// `SSL_R_NOT_SERVER`.
    pub const NOT_SERVER: i32 = 284;
    /// `SSL_R_PRIVATE_KEY_MISMATCH`.
    pub const PRIVATE_KEY_MISMATCH: i32 = 288;
    /// `SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY`.
    pub const APPLICATION_DATA_AFTER_CLOSE_NOTIFY: i32 = 291;
    /// `SSL_R_UNEXPECTED_EOF_WHILE_READING`.
    pub const UNEXPECTED_EOF_WHILE_READING: i32 = 294;
    /// `SSL_R_RECORD_LAYER_FAILURE`.
    pub const RECORD_LAYER_FAILURE: i32 = 313;
    /// `SSL_R_SSL3_EXT_INVALID_SERVERNAME`: an SNI host name that is empty or longer than
    /// 255 bytes.
    pub const SSL3_EXT_INVALID_SERVERNAME: i32 = 319;
    /// `SSL_R_SSL3_EXT_INVALID_SERVERNAME_TYPE`: an SNI name type other than
    /// `TLSEXT_NAMETYPE_host_name`.
    pub const SSL3_EXT_INVALID_SERVERNAME_TYPE: i32 = 320;
    /// `SSL_R_NO_RENEGOTIATION`.
    pub const NO_RENEGOTIATION: i32 = 339;
    /// `SSL_R_REMOTE_PEER_ADDRESS_NOT_SET`.
    pub const REMOTE_PEER_ADDRESS_NOT_SET: i32 = 346;
    /// `SSL_R_NO_STREAM`.
    pub const NO_STREAM: i32 = 355;
    /// `SSL_R_CONN_USE_ONLY`.
    pub const CONN_USE_ONLY: i32 = 356;
    /// `SSL_R_STREAM_FINISHED`.
    pub const STREAM_FINISHED: i32 = 365;
    /// `SSL_R_STREAM_RECV_ONLY`.
    pub const STREAM_RECV_ONLY: i32 = 366;
    /// `SSL_R_STREAM_RESET`.
    pub const STREAM_RESET: i32 = 375;
    /// `SSL_R_STREAM_SEND_ONLY`.
    pub const STREAM_SEND_ONLY: i32 = 379;
    /// `SSL_R_QUIC_PROTOCOL_ERROR`.
    pub const QUIC_PROTOCOL_ERROR: i32 = 382;
    /// `SSL_R_BAD_VALUE`.
    pub const BAD_VALUE: i32 = 384;
    /// `SSL_R_INVALID_NULL_CMD_NAME`.
    pub const INVALID_NULL_CMD_NAME: i32 = 385;
    /// `SSL_R_UNKNOWN_CMD_NAME`.
    pub const UNKNOWN_CMD_NAME: i32 = 386;
    /// `SSL_R_SSL_SESSION_ID_TOO_LONG`.
    pub const SSL_SESSION_ID_TOO_LONG: i32 = 408;
    /// `SSL_R_QUIC_NETWORK_ERROR`.
    pub const QUIC_NETWORK_ERROR: i32 = 387;
    /// `SSL_R_BAD_DATA`.
    pub const BAD_DATA: i32 = 390;
    /// `SSL_R_QUIC_HANDSHAKE_LAYER_ERROR`.
    pub const QUIC_HANDSHAKE_LAYER_ERROR: i32 = 393;
    /// `SSL_R_VERSION_TOO_LOW`.
    pub const VERSION_TOO_LOW: i32 = 396;
    /// `SSL_R_LENGTH_TOO_LONG`.
    pub const LENGTH_TOO_LONG: i32 = 404;
    /// `SSL_R_SHUTDOWN_WHILE_IN_INIT`.
    pub const SHUTDOWN_WHILE_IN_INIT: i32 = 407;
    /// `SSL_R_NO_SHARED_GROUPS`.
    pub const NO_SHARED_GROUPS: i32 = 410;
    /// `SSL_R_BAD_RECORD_TYPE`.
    pub const BAD_RECORD_TYPE: i32 = 443;
    /// `SSL_R_STREAM_COUNT_LIMITED`.
    pub const STREAM_COUNT_LIMITED: i32 = 411;
    /// `SSL_R_UNSUPPORTED_WRITE_FLAG`.
    pub const UNSUPPORTED_WRITE_FLAG: i32 = 412;
    /// `SSL_R_FEATURE_NOT_RENEGOTIABLE`.
    pub const FEATURE_NOT_RENEGOTIABLE: i32 = 413;
    /// `SSL_R_UNSUPPORTED_CONFIG_VALUE`.
    pub const UNSUPPORTED_CONFIG_VALUE: i32 = 414;
    /// `SSL_R_UNSUPPORTED_CONFIG_VALUE_CLASS`.
    pub const UNSUPPORTED_CONFIG_VALUE_CLASS: i32 = 415;
    /// `SSL_R_UNSUPPORTED_CONFIG_VALUE_OP`.
    pub const UNSUPPORTED_CONFIG_VALUE_OP: i32 = 416;
    /// `SSL_R_FEATURE_NEGOTIATION_NOT_COMPLETE`.
    pub const FEATURE_NEGOTIATION_NOT_COMPLETE: i32 = 417;
    /// `SSL_R_POLL_REQUEST_NOT_SUPPORTED`.
    pub const POLL_REQUEST_NOT_SUPPORTED: i32 = 418;
    /// `SSL_R_MISSING_SUPPORTED_VERSIONS_EXTENSION`.
    pub const MISSING_SUPPORTED_VERSIONS_EXTENSION: i32 = 420;
    /// `SSL_R_LISTENER_USE_ONLY`.
    pub const LISTENER_USE_ONLY: i32 = 421;
    /// `SSL_R_DOMAIN_USE_ONLY`.
    pub const DOMAIN_USE_ONLY: i32 = 422;
    /// `SSL_R_INVALID_SESSION_ID`.
    pub const INVALID_SESSION_ID: i32 = 999;

    /// `SSL_AD_REASON_OFFSET`: a received TLS alert `n` is reported as reason `1000 + n`.
    pub const SSL_AD_REASON_OFFSET: i32 = 1000;
    /// `SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE` (alert 10).
    pub const SSLV3_ALERT_UNEXPECTED_MESSAGE: i32 = 1010;
    /// `SSL_R_SSLV3_ALERT_BAD_RECORD_MAC` (alert 20).
    pub const SSLV3_ALERT_BAD_RECORD_MAC: i32 = 1020;
    /// `SSL_R_TLSV1_ALERT_RECORD_OVERFLOW` (alert 22).
    pub const TLSV1_ALERT_RECORD_OVERFLOW: i32 = 1022;
    /// `SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE` (alert 40).
    pub const SSLV3_ALERT_HANDSHAKE_FAILURE: i32 = 1040;
    /// `SSL_R_SSLV3_ALERT_BAD_CERTIFICATE` (alert 42).
    pub const SSLV3_ALERT_BAD_CERTIFICATE: i32 = 1042;
    /// `SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE` (alert 43).
    pub const SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: i32 = 1043;
    /// `SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED` (alert 44).
    pub const SSLV3_ALERT_CERTIFICATE_REVOKED: i32 = 1044;
    /// `SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED` (alert 45).
    pub const SSLV3_ALERT_CERTIFICATE_EXPIRED: i32 = 1045;
    /// `SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN` (alert 46).
    pub const SSLV3_ALERT_CERTIFICATE_UNKNOWN: i32 = 1046;
    /// `SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER` (alert 47).
    pub const SSLV3_ALERT_ILLEGAL_PARAMETER: i32 = 1047;
    /// `SSL_R_TLSV1_ALERT_UNKNOWN_CA` (alert 48).
    pub const TLSV1_ALERT_UNKNOWN_CA: i32 = 1048;
    /// `SSL_R_TLSV1_ALERT_ACCESS_DENIED` (alert 49).
    pub const TLSV1_ALERT_ACCESS_DENIED: i32 = 1049;
    /// `SSL_R_TLSV1_ALERT_DECODE_ERROR` (alert 50).
    pub const TLSV1_ALERT_DECODE_ERROR: i32 = 1050;
    /// `SSL_R_TLSV1_ALERT_DECRYPT_ERROR` (alert 51).
    pub const TLSV1_ALERT_DECRYPT_ERROR: i32 = 1051;
    /// `SSL_R_TLSV1_ALERT_PROTOCOL_VERSION` (alert 70).
    pub const TLSV1_ALERT_PROTOCOL_VERSION: i32 = 1070;
    /// `SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY` (alert 71).
    pub const TLSV1_ALERT_INSUFFICIENT_SECURITY: i32 = 1071;
    /// `SSL_R_TLSV1_ALERT_INTERNAL_ERROR` (alert 80).
    pub const TLSV1_ALERT_INTERNAL_ERROR: i32 = 1080;
    /// `SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK` (alert 86).
    pub const TLSV1_ALERT_INAPPROPRIATE_FALLBACK: i32 = 1086;
    /// `SSL_R_TLSV1_ALERT_USER_CANCELLED` (alert 90).
    pub const TLSV1_ALERT_USER_CANCELLED: i32 = 1090;
    /// `SSL_R_TLSV1_ALERT_NO_RENEGOTIATION` (alert 100).
    pub const TLSV1_ALERT_NO_RENEGOTIATION: i32 = 1100;
    /// `SSL_R_TLSV13_ALERT_MISSING_EXTENSION` (alert 109).
    pub const TLSV13_ALERT_MISSING_EXTENSION: i32 = 1109;
    /// `SSL_R_TLSV1_UNSUPPORTED_EXTENSION` (alert 110).
    pub const TLSV1_UNSUPPORTED_EXTENSION: i32 = 1110;
    /// `SSL_R_TLSV1_UNRECOGNIZED_NAME` (alert 112).
    pub const TLSV1_UNRECOGNIZED_NAME: i32 = 1112;
    /// `SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY` (alert 115).
    pub const TLSV1_ALERT_UNKNOWN_PSK_IDENTITY: i32 = 1115;
    /// `SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED` (alert 116).
    pub const TLSV13_ALERT_CERTIFICATE_REQUIRED: i32 = 1116;
    /// `SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL` (alert 120).
    pub const TLSV1_ALERT_NO_APPLICATION_PROTOCOL: i32 = 1120;
}

/// `X509_R_*` reason codes (`include/openssl/x509err.h`), for use with [`ERR_LIB_X509`]: the
/// ones certificate and key loading raise.
pub mod x509_r {
    /// `X509_R_KEY_TYPE_MISMATCH`.
    pub const KEY_TYPE_MISMATCH: i32 = 115;
    /// `X509_R_KEY_VALUES_MISMATCH`: `X509_check_private_key` found a key that is not the
    /// certificate's.
    pub const KEY_VALUES_MISMATCH: i32 = 116;
    /// `X509_R_NO_CERTIFICATE_OR_CRL_FOUND`: a verify-locations file held nothing usable.
    pub const NO_CERTIFICATE_OR_CRL_FOUND: i32 = 136;
}

/// `X509V3_R_*` reason codes (`include/openssl/x509v3err.h`), for use with
/// [`ERR_LIB_X509V3`].
pub mod x509v3_r {
    /// `X509V3_R_INVALID_PURPOSE`: a purpose id that is not one of `X509_PURPOSE_*`.
    pub const INVALID_PURPOSE: i32 = 146;
}

/// `PEM_R_*` reason codes (`include/openssl/pemerr.h`), for use with [`ERR_LIB_PEM`].
pub mod pem_r {
    /// `PEM_R_BAD_BASE64_DECODE`.
    pub const BAD_BASE64_DECODE: i32 = 100;
    /// `PEM_R_BAD_END_LINE`.
    pub const BAD_END_LINE: i32 = 102;
    /// `PEM_R_NO_START_LINE`: no PEM section of the wanted kind before the end of the input.
    pub const NO_START_LINE: i32 = 108;
}

/// `ASN1_R_*` reason codes (`include/openssl/asn1err.h`), for use with [`ERR_LIB_ASN1`].
pub mod asn1_r {
    /// `ASN1_R_HEADER_TOO_LONG`: the input ends inside a DER header.
    pub const HEADER_TOO_LONG: i32 = 123;
    /// `ASN1_R_NOT_ENOUGH_DATA`: the input ends inside a DER value.
    pub const NOT_ENOUGH_DATA: i32 = 142;
    /// `ASN1_R_TOO_SMALL`: a DER input length of 0 or less.
    pub const TOO_SMALL: i32 = 224;
    /// `ASN1_R_WRONG_TAG`: the DER is not what was asked for.
    pub const WRONG_TAG: i32 = 168;
}

/// `CRYPTO_R_*` reason codes (`include/openssl/cryptoerr.h`), for use with
/// [`ERR_LIB_CRYPTO`].
pub mod crypto_r {
    /// `CRYPTO_R_TOO_MANY_RECORDS`: a stack would hold more than `INT_MAX` items.
    pub const TOO_MANY_RECORDS: i32 = 114;
}

/// `OBJ_R_*` reason codes (`include/openssl/objectserr.h`), for use with [`ERR_LIB_OBJ`].
pub mod obj_r {
    /// `OBJ_R_UNKNOWN_NID`: a number that is not an object's NID.
    pub const UNKNOWN_NID: i32 = 101;
}

/// `BIO_R_*` reason codes (`include/openssl/bioerr.h`), for use with [`ERR_LIB_BIO`].
///
/// The ones `qssl-bio` raises are the same constants as `qssl_bio::error::reason`.
pub mod bio_r {
    use qssl_bio::error::reason;

    /// `BIO_R_ACCEPT_ERROR`.
    pub const ACCEPT_ERROR: i32 = 100;
    /// `BIO_R_BAD_FOPEN_MODE`.
    pub const BAD_FOPEN_MODE: i32 = 101;
    /// `BIO_R_LENGTH_TOO_LONG`.
    pub const LENGTH_TOO_LONG: i32 = reason::LENGTH_TOO_LONG;
    /// `BIO_R_CONNECT_ERROR`.
    pub const CONNECT_ERROR: i32 = 103;
    /// `BIO_R_TRANSFER_ERROR`.
    pub const TRANSFER_ERROR: i32 = 104;
    /// `BIO_R_TRANSFER_TIMEOUT`.
    pub const TRANSFER_TIMEOUT: i32 = 105;
    /// `BIO_R_NBIO_CONNECT_ERROR`.
    pub const NBIO_CONNECT_ERROR: i32 = 110;
    /// `BIO_R_LOCAL_ADDR_NOT_AVAILABLE`.
    pub const LOCAL_ADDR_NOT_AVAILABLE: i32 = reason::LOCAL_ADDR_NOT_AVAILABLE;
    /// `BIO_R_NON_FATAL`: a transient condition; retry later.
    pub const NON_FATAL: i32 = reason::NON_FATAL;
    /// `BIO_R_NO_PORT_DEFINED`.
    pub const NO_PORT_DEFINED: i32 = 113;
    /// `BIO_R_UNABLE_TO_BIND_SOCKET`.
    pub const UNABLE_TO_BIND_SOCKET: i32 = 117;
    /// `BIO_R_UNABLE_TO_CREATE_SOCKET`.
    pub const UNABLE_TO_CREATE_SOCKET: i32 = 118;
    /// `BIO_R_UNABLE_TO_LISTEN_SOCKET`.
    pub const UNABLE_TO_LISTEN_SOCKET: i32 = 119;
    /// `BIO_R_UNINITIALIZED`.
    pub const UNINITIALIZED: i32 = reason::UNINITIALIZED;
    /// `BIO_R_UNSUPPORTED_METHOD`.
    pub const UNSUPPORTED_METHOD: i32 = reason::UNSUPPORTED_METHOD;
    /// `BIO_R_WSASTARTUP`.
    pub const WSASTARTUP: i32 = 122;
    /// `BIO_R_IN_USE`.
    pub const IN_USE: i32 = 123;
    /// `BIO_R_BROKEN_PIPE`.
    pub const BROKEN_PIPE: i32 = reason::BROKEN_PIPE;
    /// `BIO_R_INVALID_ARGUMENT`.
    pub const INVALID_ARGUMENT: i32 = reason::INVALID_ARGUMENT;
    /// `BIO_R_WRITE_TO_READ_ONLY_BIO`.
    pub const WRITE_TO_READ_ONLY_BIO: i32 = reason::WRITE_TO_READ_ONLY_BIO;
    /// `BIO_R_NO_SUCH_FILE`.
    pub const NO_SUCH_FILE: i32 = 128;
    /// `BIO_R_AMBIGUOUS_HOST_OR_SERVICE`.
    pub const AMBIGUOUS_HOST_OR_SERVICE: i32 = 129;
    /// `BIO_R_MALFORMED_HOST_OR_SERVICE`.
    pub const MALFORMED_HOST_OR_SERVICE: i32 = 130;
    /// `BIO_R_UNSUPPORTED_PROTOCOL_FAMILY`.
    pub const UNSUPPORTED_PROTOCOL_FAMILY: i32 = 131;
    /// `BIO_R_GETSOCKNAME_ERROR`.
    pub const GETSOCKNAME_ERROR: i32 = 132;
    /// `BIO_R_GETSOCKNAME_TRUNCATED_ADDRESS`.
    pub const GETSOCKNAME_TRUNCATED_ADDRESS: i32 = 133;
    /// `BIO_R_GETTING_SOCKTYPE`.
    pub const GETTING_SOCKTYPE: i32 = 134;
    /// `BIO_R_INVALID_SOCKET`.
    pub const INVALID_SOCKET: i32 = 135;
    /// `BIO_R_LISTEN_V6_ONLY`.
    pub const LISTEN_V6_ONLY: i32 = 136;
    /// `BIO_R_UNABLE_TO_KEEPALIVE`.
    pub const UNABLE_TO_KEEPALIVE: i32 = 137;
    /// `BIO_R_UNABLE_TO_NODELAY`.
    pub const UNABLE_TO_NODELAY: i32 = 138;
    /// `BIO_R_UNABLE_TO_REUSEADDR`.
    pub const UNABLE_TO_REUSEADDR: i32 = 139;
    /// `BIO_R_UNKNOWN_INFO_TYPE`.
    pub const UNKNOWN_INFO_TYPE: i32 = 140;
    /// `BIO_R_ADDRINFO_ADDR_IS_NOT_AF_INET`.
    pub const ADDRINFO_ADDR_IS_NOT_AF_INET: i32 = 141;
    /// `BIO_R_LOOKUP_RETURNED_NOTHING`.
    pub const LOOKUP_RETURNED_NOTHING: i32 = 142;
    /// `BIO_R_NO_ACCEPT_ADDR_OR_SERVICE_SPECIFIED`.
    pub const NO_ACCEPT_ADDR_OR_SERVICE_SPECIFIED: i32 = 143;
    /// `BIO_R_NO_HOSTNAME_OR_SERVICE_SPECIFIED`.
    pub const NO_HOSTNAME_OR_SERVICE_SPECIFIED: i32 = 144;
    /// `BIO_R_UNAVAILABLE_IP_FAMILY`.
    pub const UNAVAILABLE_IP_FAMILY: i32 = 145;
    /// `BIO_R_UNSUPPORTED_IP_FAMILY`.
    pub const UNSUPPORTED_IP_FAMILY: i32 = reason::UNSUPPORTED_IP_FAMILY;
    /// `BIO_R_CONNECT_TIMEOUT`.
    pub const CONNECT_TIMEOUT: i32 = 147;
    /// `BIO_R_PORT_MISMATCH`.
    pub const PORT_MISMATCH: i32 = 150;
    /// `BIO_R_PEER_ADDR_NOT_AVAILABLE` (151 in the header; `openssl.txt` wrongly says 114).
    pub const PEER_ADDR_NOT_AVAILABLE: i32 = reason::PEER_ADDR_NOT_AVAILABLE;
}

/// `ERR_R_*` generic reasons (`include/openssl/err.h`), valid with any library.
///
/// Each value already includes its reason flags, as the C macros do.
pub mod err_r {
    use super::{ERR_RFLAG_COMMON, ERR_RFLAG_FATAL};

    const COMMON: i32 = ERR_RFLAG_COMMON as i32;
    const FATAL: i32 = (ERR_RFLAG_FATAL | ERR_RFLAG_COMMON) as i32;

    /// `ERR_R_SYS_LIB`: a system call failed underneath.
    pub const SYS_LIB: i32 = super::ERR_LIB_SYS | COMMON;
    /// `ERR_R_BN_LIB`.
    pub const BN_LIB: i32 = super::ERR_LIB_BN | COMMON;
    /// `ERR_R_RSA_LIB`.
    pub const RSA_LIB: i32 = super::ERR_LIB_RSA | COMMON;
    /// `ERR_R_EVP_LIB`.
    pub const EVP_LIB: i32 = super::ERR_LIB_EVP | COMMON;
    /// `ERR_R_BUF_LIB`.
    pub const BUF_LIB: i32 = super::ERR_LIB_BUF | COMMON;
    /// `ERR_R_PEM_LIB`.
    pub const PEM_LIB: i32 = super::ERR_LIB_PEM | COMMON;
    /// `ERR_R_X509_LIB`.
    pub const X509_LIB: i32 = super::ERR_LIB_X509 | COMMON;
    /// `ERR_R_ASN1_LIB`.
    pub const ASN1_LIB: i32 = super::ERR_LIB_ASN1 | COMMON;
    /// `ERR_R_CRYPTO_LIB`.
    pub const CRYPTO_LIB: i32 = super::ERR_LIB_CRYPTO | COMMON;
    /// `ERR_R_EC_LIB`.
    pub const EC_LIB: i32 = super::ERR_LIB_EC | COMMON;
    /// `ERR_R_BIO_LIB`: a BIO call failed underneath.
    pub const BIO_LIB: i32 = super::ERR_LIB_BIO | COMMON;
    /// `ERR_R_X509V3_LIB`.
    pub const X509V3_LIB: i32 = super::ERR_LIB_X509V3 | COMMON;
    /// `ERR_R_FATAL`.
    pub const FATAL_ERROR: i32 = FATAL;
    /// `ERR_R_MALLOC_FAILURE`.
    pub const MALLOC_FAILURE: i32 = 256 | FATAL;
    /// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
    pub const SHOULD_NOT_HAVE_BEEN_CALLED: i32 = 257 | FATAL;
    /// `ERR_R_PASSED_NULL_PARAMETER` (`0xC0102`).
    pub const PASSED_NULL_PARAMETER: i32 = 258 | FATAL;
    /// `ERR_R_INTERNAL_ERROR` (`0xC0103`).
    pub const INTERNAL_ERROR: i32 = 259 | FATAL;
    /// `ERR_R_DISABLED`.
    pub const DISABLED: i32 = 260 | FATAL;
    /// `ERR_R_INIT_FAIL`.
    pub const INIT_FAIL: i32 = 261 | FATAL;
    /// `ERR_R_PASSED_INVALID_ARGUMENT` (`0x80106`; not fatal).
    pub const PASSED_INVALID_ARGUMENT: i32 = 262 | COMMON;
    /// `ERR_R_OPERATION_FAIL` (`0xC0107`).
    pub const OPERATION_FAIL: i32 = 263 | FATAL;
    /// `ERR_R_INVALID_PROVIDER_FUNCTIONS`.
    pub const INVALID_PROVIDER_FUNCTIONS: i32 = 264 | FATAL;
    /// `ERR_R_INTERRUPTED_OR_CANCELLED`.
    pub const INTERRUPTED_OR_CANCELLED: i32 = 265 | COMMON;
    /// `ERR_R_NESTED_ASN1_ERROR`.
    pub const NESTED_ASN1_ERROR: i32 = 266 | COMMON;
    /// `ERR_R_MISSING_ASN1_EOS`.
    pub const MISSING_ASN1_EOS: i32 = 267 | COMMON;
    /// `ERR_R_UNSUPPORTED`: what is unsupported goes in the record's data.
    pub const UNSUPPORTED: i32 = 268 | COMMON;
    /// `ERR_R_FETCH_FAILED`.
    pub const FETCH_FAILED: i32 = 269 | COMMON;
    /// `ERR_R_INVALID_PROPERTY_DEFINITION`.
    pub const INVALID_PROPERTY_DEFINITION: i32 = 270 | COMMON;
    /// `ERR_R_UNABLE_TO_GET_READ_LOCK`.
    pub const UNABLE_TO_GET_READ_LOCK: i32 = 271 | FATAL;
    /// `ERR_R_UNABLE_TO_GET_WRITE_LOCK`.
    pub const UNABLE_TO_GET_WRITE_LOCK: i32 = 272 | FATAL;
}

/// The code `ERR_raise(lib, reason)` records: `ERR_SYSTEM_FLAG | errno` for [`ERR_LIB_SYS`],
/// otherwise `ERR_PACK(lib, 0, reason)` (library and reason masked to their fields).
pub fn pack(lib: i32, reason: i32) -> u32 {
    if lib == ERR_LIB_SYS {
        ERR_SYSTEM_FLAG | reason as u32
    } else {
        ((lib as u32 & ERR_LIB_MASK) << ERR_LIB_OFFSET) | (reason as u32 & ERR_REASON_MASK)
    }
}

/// `ERR_GET_LIB`: [`ERR_LIB_SYS`] for a system error, else bits 23..31.
pub fn lib_of(code: u32) -> i32 {
    if is_system_error(code) {
        ERR_LIB_SYS
    } else {
        ((code >> ERR_LIB_OFFSET) & ERR_LIB_MASK) as i32
    }
}

/// `ERR_GET_REASON`: the `errno` of a system error, else the 23-bit reason (flags included).
pub fn reason_of(code: u32) -> i32 {
    if is_system_error(code) {
        (code & ERR_SYSTEM_MASK) as i32
    } else {
        (code & ERR_REASON_MASK) as i32
    }
}

/// `ERR_SYSTEM_ERROR`: whether the code carries an `errno`.
pub fn is_system_error(code: u32) -> bool {
    code & ERR_SYSTEM_FLAG != 0
}

/// `ERR_FATAL_ERROR`: whether the reason has [`ERR_RFLAG_FATAL`] (never for system errors).
pub fn is_fatal_error(code: u32) -> bool {
    !is_system_error(code) && code & ERR_RFLAG_FATAL != 0
}

/// `ERR_COMMON_ERROR`: whether the reason is an `ERR_R_*` generic one.
pub fn is_common_error(code: u32) -> bool {
    !is_system_error(code) && code & ERR_RFLAG_COMMON != 0
}

/// `BIO_err_is_non_fatal`: a transient system error, or `ERR_LIB_BIO`/`BIO_R_NON_FATAL`.
pub fn bio_err_is_non_fatal(code: u32) -> bool {
    if is_system_error(code) {
        qssl_bio::error::errno_is_non_fatal(reason_of(code))
    } else {
        lib_of(code) == ERR_LIB_BIO && reason_of(code) == bio_r::NON_FATAL
    }
}
