//! The ABI shared with C: every numeric constant the library's code uses that OpenSSL's
//! headers define (control commands, flags, type codes, reason codes), under OpenSSL's own
//! name, and every `repr(C)` structure C passes in, with its layout checked at compile time.
//! `tests/abi.rs` compares each constant with the value qssl's headers and OpenSSL 3.5's
//! headers give it.
#![allow(non_camel_case_types, non_upper_case_globals)] // OpenSSL's names.

use std::ffi::{c_char, c_int, c_long, c_uint, c_void};
use std::mem::{offset_of, size_of};

use crate::addr::BIO_ADDR;

/// Defines constants and [`CONSTANTS`], the list of them by name.
macro_rules! constants {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty = $value:expr; )*) => {
        $( $(#[$doc])* pub const $name: $ty = $value; )*

        /// Every constant of this module by its OpenSSL name, with its value.
        pub const CONSTANTS: &[(&str, i128)] = &[$( (stringify!($name), $name as i128) ),*];
    };
}

constants! {
    // BIO_ctrl commands (bio.h).
    /// `BIO_CTRL_RESET`.
    BIO_CTRL_RESET: c_int = 1;
    /// `BIO_CTRL_EOF`.
    BIO_CTRL_EOF: c_int = 2;
    /// `BIO_CTRL_INFO`.
    BIO_CTRL_INFO: c_int = 3;
    /// `BIO_CTRL_GET_CLOSE`.
    BIO_CTRL_GET_CLOSE: c_int = 8;
    /// `BIO_CTRL_SET_CLOSE`.
    BIO_CTRL_SET_CLOSE: c_int = 9;
    /// `BIO_CTRL_PENDING`.
    BIO_CTRL_PENDING: c_int = 10;
    /// `BIO_CTRL_FLUSH`.
    BIO_CTRL_FLUSH: c_int = 11;
    /// `BIO_CTRL_WPENDING`.
    BIO_CTRL_WPENDING: c_int = 13;
    /// `BIO_CTRL_DGRAM_CONNECT`.
    BIO_CTRL_DGRAM_CONNECT: c_int = 31;
    /// `BIO_CTRL_DGRAM_SET_CONNECTED`.
    BIO_CTRL_DGRAM_SET_CONNECTED: c_int = 32;
    /// `BIO_CTRL_DGRAM_QUERY_MTU`.
    BIO_CTRL_DGRAM_QUERY_MTU: c_int = 40;
    /// `BIO_CTRL_DGRAM_GET_MTU`.
    BIO_CTRL_DGRAM_GET_MTU: c_int = 41;
    /// `BIO_CTRL_DGRAM_SET_MTU`.
    BIO_CTRL_DGRAM_SET_MTU: c_int = 42;
    /// `BIO_CTRL_DGRAM_SET_PEER`.
    BIO_CTRL_DGRAM_SET_PEER: c_int = 44;
    /// `BIO_CTRL_DGRAM_GET_PEER`.
    BIO_CTRL_DGRAM_GET_PEER: c_int = 46;
    /// `BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP`.
    BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP: c_int = 82;
    /// `BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE`.
    BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE: c_int = 83;
    /// `BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE`.
    BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE: c_int = 84;
    /// `BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS`.
    BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS: c_int = 85;
    /// `BIO_CTRL_DGRAM_GET_CAPS`.
    BIO_CTRL_DGRAM_GET_CAPS: c_int = 86;
    /// `BIO_CTRL_DGRAM_SET_CAPS`.
    BIO_CTRL_DGRAM_SET_CAPS: c_int = 87;
    /// `BIO_CTRL_DGRAM_GET_NO_TRUNC`.
    BIO_CTRL_DGRAM_GET_NO_TRUNC: c_int = 88;
    /// `BIO_CTRL_DGRAM_SET_NO_TRUNC`.
    BIO_CTRL_DGRAM_SET_NO_TRUNC: c_int = 89;
    /// `BIO_CTRL_DGRAM_SET0_LOCAL_ADDR`.
    BIO_CTRL_DGRAM_SET0_LOCAL_ADDR: c_int = 94;
    /// `BIO_CTRL_GET_RPOLL_DESCRIPTOR`.
    BIO_CTRL_GET_RPOLL_DESCRIPTOR: c_int = 91;
    /// `BIO_CTRL_GET_WPOLL_DESCRIPTOR`.
    BIO_CTRL_GET_WPOLL_DESCRIPTOR: c_int = 92;
    /// `BIO_C_SET_CONNECT`.
    BIO_C_SET_CONNECT: c_int = 100;
    /// `BIO_C_DO_STATE_MACHINE`.
    BIO_C_DO_STATE_MACHINE: c_int = 101;
    /// `BIO_C_SET_NBIO`.
    BIO_C_SET_NBIO: c_int = 102;
    /// `BIO_C_SET_FD`.
    BIO_C_SET_FD: c_int = 104;
    /// `BIO_C_GET_FD`.
    BIO_C_GET_FD: c_int = 105;
    /// `BIO_C_SET_FILENAME`.
    BIO_C_SET_FILENAME: c_int = 108;
    /// `BIO_C_SET_SSL`.
    BIO_C_SET_SSL: c_int = 109;
    /// `BIO_C_GET_SSL`.
    BIO_C_GET_SSL: c_int = 110;
    /// `BIO_C_SET_ACCEPT`.
    BIO_C_SET_ACCEPT: c_int = 118;
    /// `BIO_C_GET_CONNECT`.
    BIO_C_GET_CONNECT: c_int = 123;
    /// `BIO_C_FILE_SEEK`.
    BIO_C_FILE_SEEK: c_int = 128;
    /// `BIO_C_SET_BIND_MODE`.
    BIO_C_SET_BIND_MODE: c_int = 131;
    /// `BIO_C_GET_BIND_MODE`.
    BIO_C_GET_BIND_MODE: c_int = 132;
    /// `BIO_C_FILE_TELL`.
    BIO_C_FILE_TELL: c_int = 133;
    /// `BIO_C_SET_WRITE_BUF_SIZE`.
    BIO_C_SET_WRITE_BUF_SIZE: c_int = 136;
    /// `BIO_C_GET_WRITE_BUF_SIZE`.
    BIO_C_GET_WRITE_BUF_SIZE: c_int = 137;
    /// `BIO_C_MAKE_BIO_PAIR`.
    BIO_C_MAKE_BIO_PAIR: c_int = 138;
    /// `BIO_C_DESTROY_BIO_PAIR`.
    BIO_C_DESTROY_BIO_PAIR: c_int = 139;
    /// `BIO_C_GET_WRITE_GUARANTEE`.
    BIO_C_GET_WRITE_GUARANTEE: c_int = 140;
    /// `BIO_C_GET_READ_REQUEST`.
    BIO_C_GET_READ_REQUEST: c_int = 141;
    /// `BIO_C_SHUTDOWN_WR`.
    BIO_C_SHUTDOWN_WR: c_int = 142;
    /// `BIO_C_RESET_READ_REQUEST`.
    BIO_C_RESET_READ_REQUEST: c_int = 147;
    /// `BIO_C_SET_SOCK_TYPE`.
    BIO_C_SET_SOCK_TYPE: c_int = 157;
    /// `BIO_C_GET_SOCK_TYPE`.
    BIO_C_GET_SOCK_TYPE: c_int = 158;

    // BIO flags and types (bio.h).
    /// `BIO_FLAGS_READ`.
    BIO_FLAGS_READ: c_int = 0x01;
    /// `BIO_FLAGS_WRITE`.
    BIO_FLAGS_WRITE: c_int = 0x02;
    /// `BIO_FLAGS_IO_SPECIAL`.
    BIO_FLAGS_IO_SPECIAL: c_int = 0x04;
    /// `BIO_FLAGS_SHOULD_RETRY`.
    BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
    /// `BIO_BIND_REUSEADDR`.
    BIO_BIND_REUSEADDR: c_long = 1;
    /// `BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD`.
    BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD: u32 = 1;
    /// `BIO_POLL_DESCRIPTOR_TYPE_SSL`.
    BIO_POLL_DESCRIPTOR_TYPE_SSL: u32 = 2;
    /// `BIO_SOCK_REUSEADDR`.
    BIO_SOCK_REUSEADDR: c_int = 0x01;
    /// `BIO_SOCK_V6_ONLY`.
    BIO_SOCK_V6_ONLY: c_int = 0x02;
    /// `BIO_SOCK_KEEPALIVE`.
    BIO_SOCK_KEEPALIVE: c_int = 0x04;
    /// `BIO_SOCK_NONBLOCK`.
    BIO_SOCK_NONBLOCK: c_int = 0x08;
    /// `BIO_SOCK_NODELAY`.
    BIO_SOCK_NODELAY: c_int = 0x10;
    /// `BIO_LOOKUP_SERVER`.
    BIO_LOOKUP_SERVER: c_int = 1;

    // BIO reason codes (bioerr.h).
    /// `BIO_R_ACCEPT_ERROR`.
    BIO_R_ACCEPT_ERROR: c_int = 100;
    /// `BIO_R_CONNECT_ERROR`.
    BIO_R_CONNECT_ERROR: c_int = 103;
    /// `BIO_R_UNABLE_TO_BIND_SOCKET`.
    BIO_R_UNABLE_TO_BIND_SOCKET: c_int = 117;
    /// `BIO_R_UNABLE_TO_CREATE_SOCKET`.
    BIO_R_UNABLE_TO_CREATE_SOCKET: c_int = 118;
    /// `BIO_R_UNABLE_TO_LISTEN_SOCKET`.
    BIO_R_UNABLE_TO_LISTEN_SOCKET: c_int = 119;
    /// `BIO_R_INVALID_SOCKET`.
    BIO_R_INVALID_SOCKET: c_int = 135;
    /// `BIO_R_LOOKUP_RETURNED_NOTHING`.
    BIO_R_LOOKUP_RETURNED_NOTHING: c_int = 142;

    // SSL_ctrl and SSL_CTX_ctrl commands (ssl.h, tls1.h).
    /// `SSL_CTRL_EXTRA_CHAIN_CERT`.
    SSL_CTRL_EXTRA_CHAIN_CERT: c_int = 14;
    /// `SSL_CTRL_MODE`.
    SSL_CTRL_MODE: c_int = 33;
    /// `SSL_CTRL_GET_READ_AHEAD`.
    SSL_CTRL_GET_READ_AHEAD: c_int = 40;
    /// `SSL_CTRL_SET_READ_AHEAD`.
    SSL_CTRL_SET_READ_AHEAD: c_int = 41;
    /// `SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE`.
    SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE: c_int = 65;
    /// `SSL_CTRL_GET_EXTRA_CHAIN_CERTS`.
    SSL_CTRL_GET_EXTRA_CHAIN_CERTS: c_int = 82;
    /// `SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS`.
    SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS: c_int = 83;
    /// `SSL_CTRL_CHAIN`.
    SSL_CTRL_CHAIN: c_int = 88;
    /// `SSL_CTRL_CHAIN_CERT`.
    SSL_CTRL_CHAIN_CERT: c_int = 89;
    /// `SSL_CTRL_SET_GROUPS`.
    SSL_CTRL_SET_GROUPS: c_int = 91;
    /// `SSL_CTRL_SET_GROUPS_LIST`.
    SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
    /// `SSL_CTRL_GET_CHAIN_CERTS`.
    SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;
    /// `SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE`.
    SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE: c_int = 127;
    /// `SSL_CTRL_GET_NEGOTIATED_GROUP`.
    SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
    /// `SSL_SENT_SHUTDOWN`.
    SSL_SENT_SHUTDOWN: c_int = 1;
    /// `SSL_RECEIVED_SHUTDOWN`.
    SSL_RECEIVED_SHUTDOWN: c_int = 2;
    /// `TLSEXT_nid_unknown`: added to a group's TLS number for a group without a NID.
    TLSEXT_nid_unknown: c_int = 0x0100_0000;
    /// `SSL_SESSION_CACHE_MAX_SIZE_DEFAULT`: the session cache size a context starts with.
    SSL_SESSION_CACHE_MAX_SIZE_DEFAULT: c_long = 1024 * 20;
    /// `SSL_CTRL_SET_SESS_CACHE_SIZE`.
    SSL_CTRL_SET_SESS_CACHE_SIZE: c_int = 42;
    /// `SSL_CTRL_GET_SESS_CACHE_SIZE`.
    SSL_CTRL_GET_SESS_CACHE_SIZE: c_int = 43;
    /// `SSL_CTRL_SET_SESS_CACHE_MODE`.
    SSL_CTRL_SET_SESS_CACHE_MODE: c_int = 44;
    /// `SSL_CTRL_GET_SESS_CACHE_MODE`.
    SSL_CTRL_GET_SESS_CACHE_MODE: c_int = 45;
    /// `SSL_CTRL_SET_TLSEXT_SERVERNAME_CB`.
    SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: c_int = 53;
    /// `SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG`.
    SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: c_int = 54;
    /// `SSL_CTRL_SET_TLSEXT_HOSTNAME`.
    SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
    /// `SSL_CTRL_CLEAR_MODE`.
    SSL_CTRL_CLEAR_MODE: c_int = 78;
    /// `SSL_CTRL_SET_MIN_PROTO_VERSION`.
    SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
    /// `SSL_CTRL_SET_MAX_PROTO_VERSION`.
    SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
    /// `SSL_CTRL_GET_MIN_PROTO_VERSION`.
    SSL_CTRL_GET_MIN_PROTO_VERSION: c_int = 130;
    /// `SSL_CTRL_GET_MAX_PROTO_VERSION`.
    SSL_CTRL_GET_MAX_PROTO_VERSION: c_int = 131;

    // SSL values (ssl.h, tls1.h, quic.h).
    /// `SSL_ERROR_SSL`: what `SSL_get_error` answers when it cannot tell.
    SSL_ERROR_SSL: c_int = 1;
    /// `SSL_TLSEXT_ERR_OK`.
    SSL_TLSEXT_ERR_OK: c_int = 0;
    /// `SSL_TLSEXT_ERR_ALERT_FATAL`.
    SSL_TLSEXT_ERR_ALERT_FATAL: c_int = 2;
    /// `SSL_TLSEXT_ERR_NOACK`.
    SSL_TLSEXT_ERR_NOACK: c_int = 3;
    /// `SSL_AD_UNRECOGNIZED_NAME`.
    SSL_AD_UNRECOGNIZED_NAME: c_int = 112;
    /// `TLSEXT_NAMETYPE_host_name`.
    TLSEXT_NAMETYPE_host_name: c_int = 0;
    /// `SSL_POLL_EVENT_F`: the item could not be polled.
    SSL_POLL_EVENT_F: u64 = 1;
    /// `SSL_STREAM_TYPE_BIDI`.
    SSL_STREAM_TYPE_BIDI: c_int = 3;
    /// `OSSL_QUIC1_VERSION`.
    OSSL_QUIC1_VERSION: c_int = 1;

    // libcrypto values (crypto.h, opensslv.h, x509v3.h).
    /// `CRYPTO_EX_INDEX_SSL`.
    CRYPTO_EX_INDEX_SSL: c_int = 0;
    /// `CRYPTO_EX_INDEX_SSL_CTX`.
    CRYPTO_EX_INDEX_SSL_CTX: c_int = 1;
    /// `CRYPTO_EX_INDEX_X509_STORE_CTX`.
    CRYPTO_EX_INDEX_X509_STORE_CTX: c_int = 5;
    /// `X509_CHECK_FLAG_NO_WILDCARDS`.
    X509_CHECK_FLAG_NO_WILDCARDS: c_uint = 0x2;
}

/// `BIO_POLL_DESCRIPTOR`'s value union.
#[repr(C)]
#[derive(Clone, Copy)]
pub union BIO_POLL_DESCRIPTOR_VALUE {
    /// A socket descriptor (`BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD`).
    pub fd: c_int,
    /// A custom pointer.
    pub custom: *mut c_void,
    /// A custom integer.
    pub custom_ui: usize,
    /// An SSL object (`BIO_POLL_DESCRIPTOR_TYPE_SSL`).
    pub ssl: *mut c_void,
}

/// `BIO_POLL_DESCRIPTOR`: what to wait on.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BIO_POLL_DESCRIPTOR {
    /// `BIO_POLL_DESCRIPTOR_TYPE_*`.
    pub type_: u32,
    /// The descriptor.
    pub value: BIO_POLL_DESCRIPTOR_VALUE,
}

/// `BIO_MSG`: one datagram for `BIO_sendmmsg`/`BIO_recvmmsg`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct BIO_MSG {
    /// The payload.
    pub data: *mut c_void,
    /// Its length (on receipt: how much was filled).
    pub data_len: usize,
    /// The peer's address, or null.
    pub peer: *mut BIO_ADDR,
    /// The local address, or null.
    pub local: *mut BIO_ADDR,
    /// Per-message flags.
    pub flags: u64,
}

/// `SSL_STREAM_RESET_ARGS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SSL_STREAM_RESET_ARGS {
    /// The application error code.
    pub quic_error_code: u64,
}

/// `SSL_POLL_ITEM`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SSL_POLL_ITEM {
    /// What to poll (`BIO_POLL_DESCRIPTOR_TYPE_SSL` with the object).
    pub desc: BIO_POLL_DESCRIPTOR,
    /// Events asked for.
    pub events: u64,
    /// Events found.
    pub revents: u64,
}

/// `SSL_SHUTDOWN_EX_ARGS`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SSL_SHUTDOWN_EX_ARGS {
    /// The application error code sent in CONNECTION_CLOSE.
    pub quic_error_code: u64,
    /// The reason phrase (NUL-terminated), or null.
    pub quic_reason: *const c_char,
}

/// `SSL_CONN_CLOSE_INFO`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SSL_CONN_CLOSE_INFO {
    /// The error code.
    pub error_code: u64,
    /// The frame type of a transport error.
    pub frame_type: u64,
    /// The reason phrase, NUL-terminated (valid while the object lives).
    pub reason: *const c_char,
    /// Its length.
    pub reason_len: usize,
    /// `SSL_CONN_CLOSE_FLAG_*`.
    pub flags: u32,
}

/// Defines [`LAYOUTS`] and checks each size and offset at compile time.
macro_rules! layouts {
    ($( $ty:ident: $size:literal { $( $field:ident @ $offset:literal as $c_field:literal ),* } )*) => {
        $(
            const _: () = assert!(size_of::<$ty>() == $size);
            $( const _: () = assert!(offset_of!($ty, $field) == $offset); )*
        )*

        /// Each structure's C name and size, then each field's C name and offset.
        pub const LAYOUTS: &[(&str, usize, &[(&str, usize)])] = &[$(
            (stringify!($ty), $size, &[$( ($c_field, $offset) ),*])
        ),*];
    };
}

layouts! {
    BIO_POLL_DESCRIPTOR: 16 { type_ @ 0 as "type", value @ 8 as "value" }
    BIO_MSG: 40 {
        data @ 0 as "data", data_len @ 8 as "data_len", peer @ 16 as "peer",
        local @ 24 as "local", flags @ 32 as "flags"
    }
    SSL_STREAM_RESET_ARGS: 8 { quic_error_code @ 0 as "quic_error_code" }
    SSL_POLL_ITEM: 32 { desc @ 0 as "desc", events @ 16 as "events", revents @ 24 as "revents" }
    SSL_SHUTDOWN_EX_ARGS: 16 {
        quic_error_code @ 0 as "quic_error_code", quic_reason @ 8 as "quic_reason"
    }
    SSL_CONN_CLOSE_INFO: 40 {
        error_code @ 0 as "error_code", frame_type @ 8 as "frame_type", reason @ 16 as "reason",
        reason_len @ 24 as "reason_len", flags @ 32 as "flags"
    }
}
