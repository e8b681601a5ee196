//! The calls no rustls-based implementation can honour: each exists for linking and fails
//! with `ERR_R_UNSUPPORTED` on the error queue (with what is missing as the error's data),
//! returning the failure value OpenSSL documents; a setter of a callback refuses a callback
//! (a null one asks for nothing and is accepted). The README lists them with the reason.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uint, c_void};

use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::ctx::SSL_CTX;
use crate::entry::{entry, out};
use crate::pkey::EVP_PKEY;
use crate::ssl::SSL;

/// Records `ERR_R_UNSUPPORTED` with `what` as data.
pub(crate) fn raise(what: &str) {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data(what.to_owned())
        .raise();
}

/// `SSL_CTX_set_tlsext_status_type`/`SSL_set_tlsext_status_type` (OCSP stapling requests):
/// rustls hands the stapled response to its certificate verifier only, so it could not be
/// given back (`SSL_get_tlsext_status_ocsp_resp`); 0.
pub(crate) fn status_request() -> c_long {
    raise("certificate status requests (OCSP stapling)");
    0
}

/// Records `ERR_R_UNSUPPORTED` for a callback being set (a null one is accepted silently:
/// it asks for nothing).
fn callback_refused(set: bool, what: &str) {
    if set {
        raise(what);
    }
}

/// The C form of a message callback.
pub type MsgCallbackC =
    Option<unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, usize, *mut SSL, *mut c_void)>;

/// `SSL_CTX_set_msg_callback`: rustls does not show the protocol messages it reads and
/// writes (TLS 1.3 encrypts most of them before qssl sees the records), so there is nothing
/// to call the callback with: a callback is refused with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_CTX_set_msg_callback(_ctx: *mut SSL_CTX, cb: MsgCallbackC) {
    callback_refused(cb.is_some(), "protocol message callbacks");
}

/// `SSL_set_msg_callback`: as [`SSL_CTX_set_msg_callback`].
#[entry]
pub extern "C" fn SSL_set_msg_callback(_ssl: *mut SSL, cb: MsgCallbackC) {
    callback_refused(cb.is_some(), "protocol message callbacks");
}

/// The C form of an NPN select callback.
pub type NpnSelectCallbackC = Option<
    unsafe extern "C" fn(*mut SSL, *mut *mut u8, *mut u8, *const u8, c_uint, *mut c_void) -> c_int,
>;
/// The C form of an NPN advertise callback.
pub type NpnAdvertisedCallbackC =
    Option<unsafe extern "C" fn(*mut SSL, *mut *const u8, *mut c_uint, *mut c_void) -> c_int>;

/// `SSL_CTX_set_next_proto_select_cb`: rustls has no NPN (the pre-ALPN extension): a
/// callback is refused with `ERR_R_UNSUPPORTED`; protocols are negotiated with ALPN.
#[entry]
pub extern "C" fn SSL_CTX_set_next_proto_select_cb(
    _ctx: *mut SSL_CTX,
    cb: NpnSelectCallbackC,
    _arg: *mut c_void,
) {
    callback_refused(cb.is_some(), "NPN (use ALPN)");
}

/// `SSL_CTX_set_next_protos_advertised_cb`: as [`SSL_CTX_set_next_proto_select_cb`].
#[entry]
pub extern "C" fn SSL_CTX_set_next_protos_advertised_cb(
    _ctx: *mut SSL_CTX,
    cb: NpnAdvertisedCallbackC,
    _arg: *mut c_void,
) {
    callback_refused(cb.is_some(), "NPN (use ALPN)");
}

/// `SSL_get0_next_proto_negotiated`: nothing is ever negotiated with NPN: null and 0.
///
/// # Safety
/// `data` and `len` must be null or valid for writes.
#[entry]
pub unsafe extern "C" fn SSL_get0_next_proto_negotiated(
    _ssl: *const SSL,
    data: *mut *const u8,
    len: *mut c_uint,
) {
    out!(data, std::ptr::null());
    out!(len, 0);
}

/// `SSL_CTX_add_custom_ext`: rustls cannot add or parse extensions of an application's:
/// `ERR_R_UNSUPPORTED`, 0.
#[entry]
pub extern "C" fn SSL_CTX_add_custom_ext(
    _ctx: *mut SSL_CTX,
    _ext_type: c_uint,
    _context: c_uint,
    _add_cb: *const c_void,
    _free_cb: *const c_void,
    _add_arg: *mut c_void,
    _parse_cb: *const c_void,
    _parse_arg: *mut c_void,
) -> c_int {
    raise("custom TLS extensions");
    0
}

/// `SSL_CTX_add_server_custom_ext`: as [`SSL_CTX_add_custom_ext`].
#[entry]
pub extern "C" fn SSL_CTX_add_server_custom_ext(
    _ctx: *mut SSL_CTX,
    _ext_type: c_uint,
    _add_cb: *const c_void,
    _free_cb: *const c_void,
    _add_arg: *mut c_void,
    _parse_cb: *const c_void,
    _parse_arg: *mut c_void,
) -> c_int {
    raise("custom TLS extensions");
    0
}

/// `SSL_CTX_add_client_custom_ext`: as [`SSL_CTX_add_custom_ext`].
#[entry]
pub extern "C" fn SSL_CTX_add_client_custom_ext(
    _ctx: *mut SSL_CTX,
    _ext_type: c_uint,
    _add_cb: *const c_void,
    _free_cb: *const c_void,
    _add_arg: *mut c_void,
    _parse_cb: *const c_void,
    _parse_arg: *mut c_void,
) -> c_int {
    raise("custom TLS extensions");
    0
}

/// `SSL_CTX_has_client_custom_ext`: 0, as no custom extension can be added.
#[entry]
pub extern "C" fn SSL_CTX_has_client_custom_ext(_ctx: *const SSL_CTX, _ext_type: c_uint) -> c_int {
    0
}

/// `SSL_CTX_set0_tmp_dh_pkey`: rustls offers no finite-field Diffie-Hellman (its key
/// exchanges are elliptic curves): `ERR_R_UNSUPPORTED`, 0 (the caller keeps the key).
#[entry]
pub extern "C" fn SSL_CTX_set0_tmp_dh_pkey(_ctx: *mut SSL_CTX, _dhpkey: *mut EVP_PKEY) -> c_int {
    raise("finite-field Diffie-Hellman parameters");
    0
}

/// `SSL_CTX_set_tlsext_ticket_key_evp_cb`: ticket keys come from qssl's own ticket
/// encrypter, which an application's EVP callback cannot replace: `ERR_R_UNSUPPORTED`, 0.
#[entry]
pub extern "C" fn SSL_CTX_set_tlsext_ticket_key_evp_cb(
    _ctx: *mut SSL_CTX,
    _fp: *const c_void,
) -> c_int {
    raise("application session ticket keys");
    0
}

/// `SSL_CTX_set_srp_username`: rustls has no SRP: `ERR_R_UNSUPPORTED`, 0.
#[entry]
pub extern "C" fn SSL_CTX_set_srp_username(_ctx: *mut SSL_CTX, _name: *mut c_char) -> c_int {
    raise("SRP");
    0
}

/// `SSL_CTX_set_srp_password`: as [`SSL_CTX_set_srp_username`].
#[entry]
pub extern "C" fn SSL_CTX_set_srp_password(_ctx: *mut SSL_CTX, _password: *mut c_char) -> c_int {
    raise("SRP");
    0
}

/// `SSL_CTX_set_post_handshake_auth`: rustls has no TLS 1.3 post-handshake
/// authentication: turning it on is refused with `ERR_R_UNSUPPORTED` (turning it off is
/// what qssl does anyway).
#[entry]
pub extern "C" fn SSL_CTX_set_post_handshake_auth(_ctx: *mut SSL_CTX, val: c_int) {
    callback_refused(val != 0, "post-handshake authentication");
}

/// `SSL_set_post_handshake_auth`: as [`SSL_CTX_set_post_handshake_auth`].
#[entry]
pub extern "C" fn SSL_set_post_handshake_auth(_ssl: *mut SSL, val: c_int) {
    callback_refused(val != 0, "post-handshake authentication");
}

/// `SSL_verify_client_post_handshake`: as [`SSL_CTX_set_post_handshake_auth`]; 0.
#[entry]
pub extern "C" fn SSL_verify_client_post_handshake(_ssl: *mut SSL) -> c_int {
    raise("post-handshake authentication");
    0
}

/// The C form of a ClientHello callback.
pub type ClientHelloCallbackC =
    Option<unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int>;

/// `SSL_CTX_set_client_hello_cb`: rustls gives servers the ClientHello parsed, not the
/// extensions as sent, so `SSL_client_hello_get0_ext` could not be answered: a callback is
/// refused with `ERR_R_UNSUPPORTED` (the servername and ALPN callbacks see the hello).
#[entry]
pub extern "C" fn SSL_CTX_set_client_hello_cb(
    _ctx: *mut SSL_CTX,
    cb: ClientHelloCallbackC,
    _arg: *mut c_void,
) {
    callback_refused(cb.is_some(), "ClientHello callbacks");
}

/// `SSL_client_hello_get0_ciphers`: only meaningful inside a ClientHello callback, which
/// cannot be set: `ERR_R_UNSUPPORTED`, 0.
#[entry]
pub extern "C" fn SSL_client_hello_get0_ciphers(_ssl: *mut SSL, _out: *mut *const u8) -> usize {
    raise("ClientHello callbacks");
    0
}

/// `SSL_client_hello_get0_ext`: as [`SSL_client_hello_get0_ciphers`].
#[entry]
pub extern "C" fn SSL_client_hello_get0_ext(
    _ssl: *mut SSL,
    _type: c_uint,
    _out: *mut *const u8,
    _outlen: *mut usize,
) -> c_int {
    raise("ClientHello callbacks");
    0
}

/// The C form of a certificate callback.
pub type CertCallbackC = Option<unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int>;

/// `SSL_CTX_set_cert_cb`: an object cannot be given a certificate of its own while its
/// handshake runs (see `SSL_use_certificate`): a callback is refused with
/// `ERR_R_UNSUPPORTED` (the servername callback can switch contexts instead).
#[entry]
pub extern "C" fn SSL_CTX_set_cert_cb(_ctx: *mut SSL_CTX, cb: CertCallbackC, _arg: *mut c_void) {
    callback_refused(
        cb.is_some(),
        "certificate callbacks (use the servername callback)",
    );
}

/// `SSL_get_finished`: rustls does not expose the Finished messages: 0 bytes, with
/// `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_get_finished(_ssl: *const SSL, _buf: *mut c_void, _count: usize) -> usize {
    raise("the Finished messages (tls-unique)");
    0
}

/// `SSL_get_peer_finished`: as [`SSL_get_finished`].
#[entry]
pub extern "C" fn SSL_get_peer_finished(
    _ssl: *const SSL,
    _buf: *mut c_void,
    _count: usize,
) -> usize {
    raise("the Finished messages (tls-unique)");
    0
}

/// `SSL_get_peer_signature_type_nid`: rustls does not say which signature scheme the peer
/// used: 0, with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_get_peer_signature_type_nid(_ssl: *const SSL, _pnid: *mut c_int) -> c_int {
    raise("the peer's signature type");
    0
}
