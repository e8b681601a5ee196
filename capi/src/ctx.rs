//! `SSL_METHOD` and `SSL_CTX` for C: the methods, contexts with OpenSSL's reference counting,
//! certificates, keys, trust roots, verification, ALPN, versions, ciphers, options and the
//! `SSL_CTX_ctrl` numbers behind OpenSSL's context macros.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use qssl::ctx::{self as qctx, FileType, Method, SslCtx};
use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::abi::*;
use crate::entry::{CInt, arg, entry, nullable, out, param};
use crate::ex_data::CRYPTO_EX_DATA;
use crate::ffi::{arc_release, arc_share, arc_up_ref, bytes, c_str, obj, text};
use crate::info::InfoCallbackC;
use crate::param::X509_VERIFY_PARAM;
use crate::session::pem_password_cb;
use crate::ssl::callback_ssl;
use crate::store::X509_STORE;

/// `SSL_METHOD`: which kind of context and connection (opaque to C).
#[derive(Debug)]
pub struct SSL_METHOD {
    method: Method,
}

static TLS_CLIENT: SSL_METHOD = SSL_METHOD {
    method: Method::TlsClient,
};
static TLS_SERVER: SSL_METHOD = SSL_METHOD {
    method: Method::TlsServer,
};
static TLS_ANY: SSL_METHOD = SSL_METHOD {
    method: Method::Tls,
};
static QUIC_CLIENT: SSL_METHOD = SSL_METHOD {
    method: Method::QuicClient,
};
static QUIC_CLIENT_THREAD: SSL_METHOD = SSL_METHOD {
    method: Method::QuicClientThread,
};
static QUIC_SERVER: SSL_METHOD = SSL_METHOD {
    method: Method::QuicServer,
};
static QUIC_ANY: SSL_METHOD = SSL_METHOD {
    method: Method::Quic,
};

/// `TLS_client_method`.
#[entry]
pub extern "C" fn TLS_client_method() -> *const SSL_METHOD {
    &TLS_CLIENT
}

/// `TLS_server_method`.
#[entry]
pub extern "C" fn TLS_server_method() -> *const SSL_METHOD {
    &TLS_SERVER
}

/// `TLS_method`.
#[entry]
pub extern "C" fn TLS_method() -> *const SSL_METHOD {
    &TLS_ANY
}

/// `OSSL_QUIC_client_method`.
#[entry]
pub extern "C" fn OSSL_QUIC_client_method() -> *const SSL_METHOD {
    &QUIC_CLIENT
}

/// `OSSL_QUIC_client_thread_method`.
#[entry]
pub extern "C" fn OSSL_QUIC_client_thread_method() -> *const SSL_METHOD {
    &QUIC_CLIENT_THREAD
}

/// `OSSL_QUIC_server_method`.
#[entry]
pub extern "C" fn OSSL_QUIC_server_method() -> *const SSL_METHOD {
    &QUIC_SERVER
}

/// `OSSL_QUIC_method` (OpenSSL 4.0): QUIC with the role chosen later (`SSL_new` makes client
/// connections).
#[entry]
pub extern "C" fn OSSL_QUIC_method() -> *const SSL_METHOD {
    &QUIC_ANY
}

/// `SSL_CTX_is_quic` (OpenSSL 4.0): whether the context has a QUIC method.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_is_quic(ctx: *const SSL_CTX) -> c_int {
    let c = arg!(ctx_ref(ctx));
    c_int::from(c.lock().method().is_quic())
}

/// `SSL_CTX_is_server` (OpenSSL 4.0): whether the context's method can accept: the server
/// methods and `TLS_method` (not `OSSL_QUIC_method`, as OpenSSL answers); 0 for null.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_is_server(ctx: *const SSL_CTX) -> c_int {
    let Some(c) = nullable!(ctx) else {
        return 0;
    };
    c_int::from(matches!(
        c.lock().method(),
        Method::TlsServer | Method::Tls | Method::QuicServer
    ))
}

/// `SSL_CTX`: a context behind a lock, shared by reference count (`Arc`): `SSL_CTX_new`
/// hands out one reference, `SSL_CTX_up_ref` adds one, `SSL_CTX_free` drops one.
#[derive(Debug)]
pub struct SSL_CTX {
    ctx: Mutex<SslCtx>,
    /// `SSL_CTX_set_mode` bits, for the objects made from the context.
    mode: Mutex<u32>,
    /// `SSL_CTX_set_alpn_protos`'s list, as given.
    pub(crate) alpn_protos: crate::alpn_protos::AlpnProtos,
    /// `SSL_CTX_sess_set_cache_size`'s value, which `SSL_CTX_sess_get_cache_size` reads back
    /// (the sessions themselves are kept in rustls' caches, whose size is fixed).
    sess_cache_size: Mutex<c_long>,
    /// `SSL_CTX_set_ex_data`'s pointers.
    pub(crate) ex_data: CRYPTO_EX_DATA,
    /// `SSL_CTX_set_tlsext_servername_arg`'s pointer, shared with the callback.
    pub(crate) servername_arg: Arc<AtomicPtr<c_void>>,
    /// `SSL_CTX_get0_param`'s handle, made on first use.
    pub(crate) param: OnceLock<Box<X509_VERIFY_PARAM>>,
    /// The `X509_STORE` standing for the context's trusted certificates (made on first use
    /// or given with `SSL_CTX_set_cert_store`).
    pub(crate) store: Mutex<Option<Arc<X509_STORE>>>,
    /// The certificate, key and chain objects the context hands out.
    pub(crate) objects: Mutex<crate::certs::CtxObjects>,
    /// `SSL_CTX_set_quiet_shutdown`, for the objects made from the context.
    quiet_shutdown: AtomicBool,
    /// `SSL_CTX_set_read_ahead`'s value (no effect: rustls reads what the BIO gives).
    read_ahead: AtomicI32,
    /// `SSL_CTX_set_info_callback`'s callback.
    pub(crate) info_callback: Mutex<InfoCallbackC>,
    /// `SSL_CTX_set_verify`'s callback, for `SSL_CTX_get_verify_callback`.
    pub(crate) verify_callback: Mutex<crate::verify::VerifyCallbackC>,
    /// `SSL_CTX_set_client_CA_list`'s list.
    pub(crate) ca_list: Mutex<crate::ca_list::CaList>,
    /// The CA names sent without a client CA list (the `ClientCAFile` command's), as DER.
    pub(crate) ca_names: Mutex<Vec<Vec<u8>>>,
    /// `SSL_CTX_set_default_passwd_cb` and its user data: kept for their getters, never
    /// called (qssl reads no encrypted keys, see `PEM_read_bio_PrivateKey`).
    passwd: Mutex<(pem_password_cb, CallbackArg)>,
}

impl Drop for SSL_CTX {
    fn drop(&mut self) {
        let this: *mut SSL_CTX = self;
        self.ex_data.run_free(this.cast());
    }
}

impl SSL_CTX {
    /// The context, locked.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SslCtx> {
        self.ctx.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `SSL_MODE_*` bits objects made from the context start with.
    pub(crate) fn mode(&self) -> u32 {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `SSL_CTX_set_quiet_shutdown`.
    pub(crate) fn set_quiet_shutdown(&self, quiet: bool) {
        self.quiet_shutdown.store(quiet, Ordering::Relaxed);
    }

    /// `SSL_CTX_get_quiet_shutdown`.
    pub(crate) fn quiet_shutdown(&self) -> bool {
        self.quiet_shutdown.load(Ordering::Relaxed)
    }

    /// `SSL_CTX_get_read_ahead`.
    pub(crate) fn read_ahead(&self) -> c_int {
        self.read_ahead.load(Ordering::Relaxed)
    }
}

/// The context behind a C pointer, or `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `ctx` must be null or a pointer from `SSL_CTX_new` still holding a reference.
pub(crate) unsafe fn ctx_ref<'a>(ctx: *const SSL_CTX) -> Option<&'a SSL_CTX> {
    // SAFETY: forwarded contract.
    unsafe { obj(ctx) }
}

/// Changes the QUIC transport settings connections of `ctx` start with: 1, or 0 with
/// `ERR_R_PASSED_INVALID_ARGUMENT` for a context that is not QUIC's.
pub(crate) fn with_quic_config(
    ctx: &SSL_CTX,
    change: impl FnOnce(&mut qssl::ctx::ConnectionConfig),
) -> c_int {
    let mut ctx = ctx.lock();
    if !ctx.method().is_quic() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("not a QUIC context")
            .raise();
        return 0;
    }
    change(ctx.connection_config_mut());
    1
}

/// A reference of its own to the context behind a C pointer, for an object that keeps it;
/// `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `ctx` must be null or a live context.
pub(crate) unsafe fn ctx_shared(ctx: *const SSL_CTX) -> Option<Arc<SSL_CTX>> {
    // SAFETY: per the contract.
    unsafe { ctx_ref(ctx) }?;
    // SAFETY: a live context, per the contract.
    unsafe { arc_share(ctx) }
}

/// `SSL_CTX_new`: a context for `method` (null: `ERR_R_PASSED_NULL_PARAMETER`).
///
/// # Safety
/// `method` must be null or one of the method pointers.
#[entry]
pub unsafe extern "C" fn SSL_CTX_new(method: *const SSL_METHOD) -> *mut SSL_CTX {
    if method.is_null() {
        SslError::ssl(qssl::error::ssl_r::NULL_SSL_METHOD_PASSED).raise();
        return std::ptr::null_mut();
    }
    // SAFETY: one of the static methods, per the contract.
    let method = unsafe { &*method }.method;
    let ctx = Arc::into_raw(Arc::new(SSL_CTX {
        ctx: Mutex::new(SslCtx::new(method)),
        mode: Mutex::new(0),
        alpn_protos: Default::default(),
        sess_cache_size: Mutex::new(SSL_SESSION_CACHE_MAX_SIZE_DEFAULT),
        ex_data: CRYPTO_EX_DATA::new(CRYPTO_EX_INDEX_SSL_CTX),
        servername_arg: Arc::default(),
        param: OnceLock::new(),
        store: Mutex::new(None),
        objects: Mutex::default(),
        quiet_shutdown: AtomicBool::new(false),
        read_ahead: AtomicI32::new(0),
        info_callback: Mutex::new(None),
        verify_callback: Mutex::new(None),
        ca_list: Mutex::new(crate::ca_list::CaList::new()),
        ca_names: Mutex::default(),
        passwd: Mutex::new((None, CallbackArg(std::ptr::null_mut()))),
    }))
    .cast_mut();
    // SAFETY: just made, and live.
    unsafe { &*ctx }.ex_data.run_new(ctx.cast());
    ctx
}

/// `SSL_CTX_up_ref`: another reference.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_up_ref(ctx: *mut SSL_CTX) -> c_int {
    param!(arc_up_ref(ctx))
}

/// `SSL_CTX_free`: drops one reference (null is ignored).
///
/// # Safety
/// `ctx` must be null or a live context whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn SSL_CTX_free(ctx: *mut SSL_CTX) {
    param!(arc_release(ctx))
}

/// `SSL_CTX_get_ssl_method`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_ssl_method(ctx: *const SSL_CTX) -> *const SSL_METHOD {
    let ctx = arg!(ctx_ref(ctx));
    match ctx.lock().method() {
        Method::TlsClient => &TLS_CLIENT,
        Method::TlsServer => &TLS_SERVER,
        Method::Tls => &TLS_ANY,
        Method::QuicClient => &QUIC_CLIENT,
        Method::QuicClientThread => &QUIC_CLIENT_THREAD,
        Method::QuicServer => &QUIC_SERVER,
        Method::Quic => &QUIC_ANY,
    }
}

/// Runs `f` on a context with a string argument: 1 on success, 0 on failure (the error is
/// on the queue).
fn with_text(
    ctx: &SSL_CTX,
    text: &str,
    f: impl FnOnce(&mut SslCtx, &str) -> Result<(), SslError>,
) -> c_int {
    c_int::from(f(&mut ctx.lock(), text).is_ok())
}

/// `SSL_CTX_use_certificate_chain_file`.
///
/// # Safety
/// `ctx` must be null or a live context; `file` null or a NUL-terminated path.
#[entry]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let file = arg!(c_str(file));
    with_text(ctx, &file, |c, p| c.use_certificate_chain_file(p))
}

/// The file type of `SSL_FILETYPE_*`, or `SSL_R_BAD_SSL_FILETYPE`.
fn file_type(kind: c_int) -> Result<FileType, SslError> {
    match kind {
        qctx::SSL_FILETYPE_PEM => Ok(FileType::Pem),
        qctx::SSL_FILETYPE_ASN1 => Ok(FileType::Asn1),
        _ => Err(SslError::ssl(qssl::error::ssl_r::BAD_SSL_FILETYPE).raise()),
    }
}

/// `SSL_CTX_use_certificate_file`.
///
/// # Safety
/// As [`SSL_CTX_use_certificate_chain_file`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_use_certificate_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
    kind: c_int,
) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let file = arg!(c_str(file));
    with_text(ctx, &file, |c, p| {
        c.use_certificate_file(p, file_type(kind)?)
    })
}

/// `SSL_CTX_use_PrivateKey_file`.
///
/// # Safety
/// As [`SSL_CTX_use_certificate_chain_file`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
    kind: c_int,
) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let file = arg!(c_str(file));
    with_text(ctx, &file, |c, p| {
        c.use_private_key_file(p, file_type(kind)?)
    })
}

/// `SSL_CTX_check_private_key`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    c_int::from(ctx.lock().check_private_key().is_ok())
}

/// `SSL_CTX_load_verify_locations`: a file and/or a directory of trusted certificates.
///
/// # Safety
/// `ctx` must be null or a live context; each path null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_CTX_load_verify_locations(
    ctx: *mut SSL_CTX,
    ca_file: *const c_char,
    ca_path: *const c_char,
) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let (file, dir) = (param!(text(ca_file)), param!(text(ca_path)));
    let file = file.as_deref().map(std::path::Path::new);
    let dir = dir.as_deref().map(std::path::Path::new);
    c_int::from(ctx.lock().load_verify_locations(file, dir).is_ok())
}

/// `SSL_CTX_load_verify_file`.
///
/// # Safety
/// As [`SSL_CTX_load_verify_locations`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_load_verify_file(
    ctx: *mut SSL_CTX,
    ca_file: *const c_char,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { SSL_CTX_load_verify_locations(ctx, ca_file, std::ptr::null()) }
}

/// `SSL_CTX_load_verify_dir`.
///
/// # Safety
/// As [`SSL_CTX_load_verify_locations`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_load_verify_dir(
    ctx: *mut SSL_CTX,
    ca_path: *const c_char,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { SSL_CTX_load_verify_locations(ctx, std::ptr::null(), ca_path) }
}

/// `SSL_CTX_set_default_verify_paths`: the system's trust store.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_default_verify_paths(ctx: *mut SSL_CTX) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    ctx.lock().set_default_verify_paths();
    1
}

/// `SSL_CTX_set_alpn_protos`: 0 on success, 1 on failure (OpenSSL's inverted convention).
/// As in OpenSSL the list is the client's offer: on a server context it is checked and
/// otherwise ignored (servers choose with the ALPN select callback).
///
/// # Safety
/// `ctx` must be null or a live context; `protos` valid for `len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_alpn_protos(
    ctx: *mut SSL_CTX,
    protos: *const c_uchar,
    len: c_uint,
) -> CInt<1> {
    let ctx = arg!(ctx_ref(ctx));
    // A null list is an empty one, as OpenSSL takes it.
    let len = if protos.is_null() { 0 } else { len as usize };
    let wire = arg!(bytes(protos, len));
    let mut guard = ctx.lock();
    let set = if guard.method().is_server() {
        // Validate only: a fresh context takes the list and is dropped.
        SslCtx::new(Method::TlsClient).set_alpn_protos(wire)
    } else {
        guard.set_alpn_protos(wire)
    };
    if set.is_ok() {
        ctx.alpn_protos.set(wire);
    }
    c_int::from(set.is_err())
}

/// `SSL_CTX_set_ciphersuites`: TLS 1.3 suites by name.
///
/// # Safety
/// As [`SSL_CTX_use_certificate_chain_file`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_ciphersuites(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let list = arg!(c_str(list));
    with_text(ctx, &list, |c, l| c.set_ciphersuites(l))
}

/// `SSL_CTX_set_cipher_list`: TLS 1.2 suites by OpenSSL cipher string.
///
/// # Safety
/// As [`SSL_CTX_use_certificate_chain_file`].
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_cipher_list(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    let list = arg!(c_str(list));
    with_text(ctx, &list, |c, l| c.set_cipher_list(l))
}

/// `SSL_CTX_set_options`: adds options; returns the new set.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_options(ctx: *mut SSL_CTX, options: u64) -> u64 {
    let c = arg!(ctx_ref(ctx));
    c.lock().set_options(options)
}

/// `SSL_CTX_clear_options`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_clear_options(ctx: *mut SSL_CTX, options: u64) -> u64 {
    let c = arg!(ctx_ref(ctx));
    c.lock().clear_options(options)
}

/// `SSL_CTX_get_options`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_options(ctx: *const SSL_CTX) -> u64 {
    let c = arg!(ctx_ref(ctx));
    c.lock().options()
}

/// `SSL_CTX_set_timeout`: how long sessions stay usable, in seconds; returns the previous
/// value (negative values count as 0).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_timeout(ctx: *mut SSL_CTX, t: c_long) -> c_long {
    let c = arg!(ctx_ref(ctx));
    let secs = u32::try_from(t.max(0)).unwrap_or(u32::MAX);
    c_long::from(c.lock().set_session_timeout(secs))
}

/// `SSL_CTX_get_timeout`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_timeout(ctx: *const SSL_CTX) -> c_long {
    let c = arg!(ctx_ref(ctx));
    c_long::from(c.lock().session_timeout())
}

/// `SSL_CTX_set_session_id_context`: at most 32 bytes, else
/// `SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG`.
///
/// # Safety
/// `ctx` must be null or a live context; `sid_ctx` valid for `len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_session_id_context(
    ctx: *mut SSL_CTX,
    sid_ctx: *const c_uchar,
    len: c_uint,
) -> c_int {
    let c = arg!(ctx_ref(ctx));
    let len = if sid_ctx.is_null() { 0 } else { len as usize };
    let sid_ctx = arg!(bytes(sid_ctx, len));
    c_int::from(c.lock().set_session_id_context(sid_ctx).is_ok())
}

/// `SSL_CTX_ctrl`: the commands behind OpenSSL's context macros (modes, session cache mode,
/// protocol version bounds, groups, read-ahead, chain certificates). Requesting OCSP status
/// (`SSL_CTX_set_tlsext_status_type`) fails with `ERR_R_UNSUPPORTED`; other commands too,
/// returning 0.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    let ctx = arg!(ctx_ref(ctx));
    let bits = u32::try_from(larg).unwrap_or(0);
    match cmd {
        SSL_CTRL_MODE => {
            let mut mode = ctx.mode.lock().unwrap_or_else(PoisonError::into_inner);
            *mode |= bits;
            c_long::from(*mode)
        }
        SSL_CTRL_CLEAR_MODE => {
            let mut mode = ctx.mode.lock().unwrap_or_else(PoisonError::into_inner);
            *mode &= !bits;
            c_long::from(*mode)
        }
        SSL_CTRL_SET_SESS_CACHE_MODE => {
            to_c_long(ctx.lock().set_session_cache_mode(from_c_long(larg)))
        }
        SSL_CTRL_GET_SESS_CACHE_MODE => to_c_long(ctx.lock().session_cache_mode()),
        // A negative size is refused (0); otherwise the previous size.
        SSL_CTRL_SET_SESS_CACHE_SIZE if larg < 0 => 0,
        SSL_CTRL_SET_SESS_CACHE_SIZE => std::mem::replace(
            &mut *ctx
                .sess_cache_size
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            larg,
        ),
        SSL_CTRL_GET_SESS_CACHE_SIZE => *ctx
            .sess_cache_size
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
        SSL_CTRL_SET_MIN_PROTO_VERSION => {
            c_long::from(ctx.lock().set_min_proto_version(larg as i32).is_ok())
        }
        SSL_CTRL_SET_MAX_PROTO_VERSION => {
            c_long::from(ctx.lock().set_max_proto_version(larg as i32).is_ok())
        }
        SSL_CTRL_GET_MIN_PROTO_VERSION => c_long::from(ctx.lock().min_proto_version()),
        SSL_CTRL_GET_MAX_PROTO_VERSION => c_long::from(ctx.lock().max_proto_version()),
        SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG => {
            ctx.servername_arg.store(parg, Ordering::Release);
            1
        }
        SSL_CTRL_GET_READ_AHEAD => c_long::from(ctx.read_ahead()),
        // Returns the previous value, as OpenSSL does.
        SSL_CTRL_SET_READ_AHEAD => {
            c_long::from(ctx.read_ahead.swap(larg as c_int, Ordering::Relaxed))
        }
        SSL_CTRL_SET_GROUPS_LIST => {
            let list = parg.cast::<c_char>();
            let list = arg!(c_str(list));
            c_long::from(ctx.lock().set_groups_list(&list))
        }
        SSL_CTRL_SET_GROUPS => {
            let count = usize::try_from(larg).unwrap_or(0);
            // SAFETY: `larg` ints, per the contract.
            let nids = arg!(ints(parg, count));
            match crate::negotiate::groups_of_nids(nids) {
                Some(groups) => {
                    ctx.lock().set_groups(&groups);
                    1
                }
                None => 0,
            }
        }
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE => crate::unsupported::status_request(),
        SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE => TLSEXT_STATUSTYPE_NOTHING,
        // SAFETY: parg is what the command takes, per the contract.
        _ => match unsafe { crate::certs::chain_ctrl(ctx, cmd, larg, parg) } {
            Some(r) => r,
            None => {
                SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data(format!("SSL_CTX_ctrl command {cmd}"))
                    .raise();
                0
            }
        },
    }
}

/// What `SSL_CTX_get_tlsext_status_type` answers when no status request is set (OpenSSL's
/// internal `TLSEXT_STATUSTYPE_nothing`): qssl never sets one.
pub(crate) const TLSEXT_STATUSTYPE_NOTHING: c_long = -1;

/// The `count` ints at `p` (the NID list of `SSL_CTX_set1_groups`).
///
/// # Safety
/// `p` must be null or valid for `count` ints.
pub(crate) unsafe fn ints<'a>(p: *mut c_void, count: usize) -> Option<&'a [c_int]> {
    if count == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        crate::entry::null_parameter();
        return None;
    }
    // SAFETY: valid for `count` ints, per the contract.
    Some(unsafe { std::slice::from_raw_parts(p.cast::<c_int>(), count) })
}

/// A C `long` (32 bits on some targets) as `i64`.
#[allow(clippy::useless_conversion)] // Not useless where `long` is 32 bits.
fn from_c_long(v: c_long) -> i64 {
    i64::from(v)
}

/// An `i64` as a C `long`, saturating where `long` is 32 bits.
#[allow(clippy::useless_conversion)] // Not useless where `long` is 32 bits.
fn to_c_long(v: i64) -> c_long {
    c_long::try_from(v).unwrap_or(c_long::MAX)
}

/// `SSL_select_next_proto`: the first of the server's protocols the client also lists
/// (`OPENSSL_NPN_NEGOTIATED`), else the client's first (`OPENSSL_NPN_NO_OVERLAP`). `*out`
/// points into `client` (or `server`).
///
/// # Safety
/// `out`/`outlen` must be valid for writes; `server` and `client` valid for their lengths.
#[entry]
pub unsafe extern "C" fn SSL_select_next_proto(
    out: *mut *mut c_uchar,
    outlen: *mut c_uchar,
    server: *const c_uchar,
    server_len: c_uint,
    client: *const c_uchar,
    client_len: c_uint,
) -> CInt<{ qctx::OPENSSL_NPN_NO_OVERLAP }> {
    if out.is_null() || outlen.is_null() {
        return qctx::OPENSSL_NPN_NO_OVERLAP;
    }
    // Null lists are empty ones.
    let server_len = if server.is_null() {
        0
    } else {
        server_len as usize
    };
    let client_len = if client.is_null() {
        0
    } else {
        client_len as usize
    };
    let server = arg!(bytes(server, server_len));
    let client = arg!(bytes(client, client_len));
    let (status, chosen) = qctx::select_next_proto(server, client);
    out!(
        out,
        chosen.map_or(std::ptr::null_mut(), |p| p.as_ptr().cast_mut())
    );
    out!(outlen, chosen.map_or(0, |p| p.len() as c_uchar));
    status
}

/// The C shape of an ALPN select callback.
pub type AlpnSelectCallbackC = Option<
    unsafe extern "C" fn(
        *mut crate::ssl::SSL,
        *mut *const c_uchar,
        *mut c_uchar,
        *const c_uchar,
        c_uint,
        *mut c_void,
    ) -> c_int,
>;

/// The application's pointer for a callback, carried across threads as OpenSSL carries it.
#[derive(Clone, Copy, Debug)]
struct CallbackArg(*mut c_void);

// SAFETY: the pointer is only handed back to the application's own callback, which OpenSSL
// also calls from whichever thread drives the handshake.
unsafe impl Send for CallbackArg {}
// SAFETY: as above.
unsafe impl Sync for CallbackArg {}

/// `SSL_CTX_set_alpn_select_cb`: the server's choice of protocol from the client's offer
/// (in wire format). The callback's `SSL *` is the TLS object; on a QUIC server it is null
/// (qssl calls it before the connection's object exists). `SSL_select_next_proto` inside it
/// works as usual.
///
/// # Safety
/// `ctx` must be null or a live context; `cb` null or a function valid, with `arg`, for the
/// context's lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_alpn_select_cb(
    ctx: *mut SSL_CTX,
    cb: AlpnSelectCallbackC,
    arg: *mut c_void,
) {
    let ctx = arg!(ctx_ref(ctx));
    let arg = CallbackArg(arg);
    let callback = cb.map(|cb| {
        let select: qctx::AlpnSelectCallback = Arc::new(move |offered: &[&[u8]]| {
            let arg = arg;
            let mut wire = Vec::new();
            for p in offered {
                wire.push(p.len() as u8);
                wire.extend_from_slice(p);
            }
            let mut out: *const c_uchar = std::ptr::null();
            let mut out_len: c_uchar = 0;
            // SAFETY: the application's callback with valid out-pointers and input.
            let ret = unsafe {
                cb(
                    callback_ssl(),
                    &mut out,
                    &mut out_len,
                    wire.as_ptr(),
                    c_uint::try_from(wire.len()).unwrap_or(0),
                    arg.0,
                )
            };
            match ret {
                SSL_TLSEXT_ERR_OK if !out.is_null() => {
                    // SAFETY: the callback points at out_len bytes (in `wire` or its
                    // own storage), alive until it returns to us here.
                    let chosen = unsafe { std::slice::from_raw_parts(out, usize::from(out_len)) };
                    qctx::AlpnSelection::Selected(chosen.to_vec())
                }
                SSL_TLSEXT_ERR_NOACK => qctx::AlpnSelection::NoAck,
                _ => qctx::AlpnSelection::Fatal,
            }
        });
        select
    });
    ctx.lock().set_alpn_select_cb(callback);
}

/// `SSL_CTX_callback_ctrl`: the callback commands behind OpenSSL's context macros. The
/// servername callback (`SSL_CTX_set_tlsext_servername_callback`) is offered; other commands
/// fail with `ERR_R_UNSUPPORTED` and return 0.
///
/// # Safety
/// `ctx` must be null or a live context; `fp` null or a function of the type `cmd` takes,
/// valid for the context's lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_callback_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    fp: Option<unsafe extern "C" fn()>,
) -> c_long {
    let c = arg!(ctx_ref(ctx));
    match cmd {
        // SAFETY: per the contract, fp is a servername callback.
        SSL_CTRL_SET_TLSEXT_SERVERNAME_CB => unsafe { crate::servername::set_callback(c, fp) },
        _ => {
            SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data(format!("SSL_CTX_callback_ctrl command {cmd}"))
                .raise();
            0
        }
    }
}

/// The C form of the key-log callback.
pub type KeylogCallbackC = Option<unsafe extern "C" fn(*const crate::ssl::SSL, *const c_char)>;

/// `SSL_CTX_set_keylog_callback`: called with each TLS secret line (NSS key log format) of
/// the context's connections, TLS and QUIC, with the `SSL *` they belong to (null on a QUIC
/// server, whose connections' objects are made when accepted). Null turns it off.
///
/// # Safety
/// `ctx` must be null or a live context; `cb` null or a function valid for the context's
/// lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_keylog_callback(ctx: *mut SSL_CTX, cb: KeylogCallbackC) {
    let c = arg!(ctx_ref(ctx));
    let callback = cb.map(|cb| {
        let f: qctx::KeylogCallback = Arc::new(move |line: &str| {
            let line = std::ffi::CString::new(line).unwrap_or_default();
            // SAFETY: the application's callback with a NUL-terminated line.
            unsafe { cb(callback_ssl(), line.as_ptr()) };
        });
        f
    });
    c.lock().set_keylog_callback(callback);
}

/// `SSL_CTX_set_default_passwd_cb`: kept for `SSL_CTX_get_default_passwd_cb`. It is never
/// called: qssl reads no encrypted private keys (they fail to load with
/// `ERR_R_UNSUPPORTED`).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb(ctx: *mut SSL_CTX, cb: pem_password_cb) {
    let c = arg!(ctx_ref(ctx));
    c.passwd.lock().unwrap_or_else(PoisonError::into_inner).0 = cb;
}

/// `SSL_CTX_set_default_passwd_cb_userdata`: kept for its getter, as the callback is.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut SSL_CTX, u: *mut c_void) {
    let c = arg!(ctx_ref(ctx));
    c.passwd.lock().unwrap_or_else(PoisonError::into_inner).1 = CallbackArg(u);
}

/// `SSL_CTX_get_default_passwd_cb`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb(ctx: *mut SSL_CTX) -> pem_password_cb {
    let c = arg!(ctx_ref(ctx));
    c.passwd.lock().unwrap_or_else(PoisonError::into_inner).0
}

/// `SSL_CTX_get_default_passwd_cb_userdata`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb_userdata(ctx: *mut SSL_CTX) -> *mut c_void {
    let c = arg!(ctx_ref(ctx));
    c.passwd.lock().unwrap_or_else(PoisonError::into_inner).1.0
}
