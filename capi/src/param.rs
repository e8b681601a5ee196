//! `X509_VERIFY_PARAM` for C: the verification parameters of a context
//! (`SSL_CTX_get0_param`) or of a client object (`SSL_get0_param`), changed in place as
//! OpenSSL's are, and `SSL_add1_host`/`SSL_set_hostflags` on top of them.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_uint, c_ulong};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, Weak};

use qssl::error::{ERR_LIB_SSL, ERR_LIB_X509V3, SslError, err_r, x509v3_r};
use qssl::x509::verify::{Purpose, VerifyParams, ip_bytes, x509_v_flag};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{CInt, arg, entry, param};
use crate::ffi::{arc_share, bytes, obj, text};
use crate::ssl::{Obj, SSL, ssl_ref};

/// `X509_VERIFY_PARAM`: a handle on the parameters of the context or object it came from;
/// valid while that lives, as OpenSSL's `get0` pointer is.
#[derive(Debug)]
pub struct X509_VERIFY_PARAM {
    owner: Owner,
}

/// Whose parameters a handle changes.
#[derive(Debug)]
enum Owner {
    Ctx(Weak<SSL_CTX>),
    Ssl(Weak<SSL>),
}

impl X509_VERIFY_PARAM {
    /// The parameters as they are now (the defaults for an object whose side cannot hold
    /// its own: a server object's are its context's).
    fn read(&self) -> VerifyParams {
        match &self.owner {
            Owner::Ctx(c) => c
                .upgrade()
                .map(|c| c.lock().verify_params().clone())
                .unwrap_or_default(),
            Owner::Ssl(s) => s.upgrade().map(|s| ssl_params(&s)).unwrap_or_default(),
        }
    }

    /// Changes the parameters: 1, or 0 with the reason on the queue.
    fn update(&self, change: impl FnOnce(&mut VerifyParams)) -> c_int {
        let done = match &self.owner {
            Owner::Ctx(c) => c
                .upgrade()
                .map(|c| c.lock().update_verify_params(change))
                .is_some(),
            Owner::Ssl(s) => return s.upgrade().map_or(0, |s| update_ssl(&s, change)),
        };
        c_int::from(done)
    }
}

/// An object's parameters, or for a server object its context's.
fn ssl_params(s: &SSL) -> VerifyParams {
    let own = match &s.obj {
        Obj::Tls(t) => t.verify_params(),
        Obj::Quic(q) => q.verify_params(),
    };
    own.unwrap_or_else(|| s.ctx().lock().verify_params().clone())
}

/// The handle kept in `slot`, made for `owner` on first use: the pointer `get0_param` hands
/// out, valid while its owner lives.
fn handle(
    slot: &OnceLock<Box<X509_VERIFY_PARAM>>,
    owner: impl FnOnce() -> Owner,
) -> *mut X509_VERIFY_PARAM {
    let handle = slot.get_or_init(|| Box::new(X509_VERIFY_PARAM { owner: owner() }));
    std::ptr::from_ref::<X509_VERIFY_PARAM>(handle).cast_mut()
}

/// `SSL_CTX_get0_param`: the context's parameters, changed in place by the
/// `X509_VERIFY_PARAM_*` calls; objects made afterwards start from them.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get0_param(ctx: *mut SSL_CTX) -> *mut X509_VERIFY_PARAM {
    let c = arg!(ctx_ref(ctx));
    let Some(shared) = param!(arc_share(ctx)) else {
        return std::ptr::null_mut();
    };
    handle(&c.param, || Owner::Ctx(Arc::downgrade(&shared)))
}

/// `SSL_get0_param`: a client object's parameters (its context's when it was made), changed
/// in place before its handshake starts. A server object verifies clients with its
/// context's: changes through its handle fail.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_param(ssl: *mut SSL) -> *mut X509_VERIFY_PARAM {
    let s = arg!(ssl_ref(ssl));
    let Some(shared) = param!(arc_share(ssl)) else {
        return std::ptr::null_mut();
    };
    handle(&s.param, || Owner::Ssl(Arc::downgrade(&shared)))
}

/// `X509_VERIFY_PARAM_set_flags`: adds `X509_V_FLAG_*` flags (a policy flag adds
/// `X509_V_FLAG_POLICY_CHECK`, as in OpenSSL).
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_flags(
    param: *mut X509_VERIFY_PARAM,
    flags: c_ulong,
) -> c_int {
    let p = arg!(obj(param));
    p.update(|v| {
        v.flags |= flags;
        if flags & POLICY_MASK != 0 {
            v.flags |= x509_v_flag::POLICY_CHECK;
        }
    })
}

/// The policy flags (`X509_V_FLAG_POLICY_MASK`).
const POLICY_MASK: u64 = x509_v_flag::POLICY_CHECK
    | x509_v_flag::EXPLICIT_POLICY
    | x509_v_flag::INHIBIT_ANY
    | x509_v_flag::INHIBIT_MAP;

/// `X509_VERIFY_PARAM_clear_flags`.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_clear_flags(
    param: *mut X509_VERIFY_PARAM,
    flags: c_ulong,
) -> c_int {
    let p = arg!(obj(param));
    p.update(|v| v.flags &= !flags)
}

/// `X509_VERIFY_PARAM_get_flags`.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_flags(param: *const X509_VERIFY_PARAM) -> c_ulong {
    let p = arg!(obj(param));
    p.read().flags
}

/// `X509_VERIFY_PARAM_set_depth`: at most `depth` CA certificates between leaf and anchor
/// (negative: the default).
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_depth(param: *mut X509_VERIFY_PARAM, depth: c_int) {
    let p = arg!(obj(param));
    p.update(|v| v.depth = usize::try_from(depth).ok());
}

/// `X509_VERIFY_PARAM_get_depth`: -1 while unset.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_depth(param: *const X509_VERIFY_PARAM) -> CInt<-1> {
    let p = arg!(obj(param));
    p.read()
        .depth
        .map_or(-1, |d| c_int::try_from(d).unwrap_or(c_int::MAX))
}

/// A host or e-mail name argument: `len` bytes, or up to the NUL when 0. `Ok(None)` for
/// null; `Err` for an embedded NUL or text that is not UTF-8 (OpenSSL's failure).
///
/// # Safety
/// `name` must be null, NUL-terminated or valid for `len` bytes.
unsafe fn name_arg(name: *const c_char, len: usize) -> Result<Option<String>, ()> {
    if name.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null, and NUL-terminated or valid for len bytes, per the contract.
    let raw = unsafe {
        if len == 0 {
            crate::ffi::c_bytes(name)
        } else {
            bytes(name, len)
        }
    }
    .ok_or(())?;
    let raw = raw.strip_suffix(b"\0").unwrap_or(raw);
    if raw.contains(&0) {
        return Err(());
    }
    std::str::from_utf8(raw)
        .map(|s| Some(s.to_owned()))
        .map_err(|_| ())
}

/// `X509_VERIFY_PARAM_set1_host`: the one host name the leaf must match (null or empty:
/// none); 0 for a name with an embedded NUL.
///
/// # Safety
/// `param` must be null or a live handle; `name` null, NUL-terminated or valid for
/// `namelen` bytes.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    let p = arg!(obj(param));
    let Ok(name) = param!(name_arg(name, namelen)) else {
        return 0;
    };
    p.update(|v| {
        v.hosts.clear();
        v.hosts.extend(name.filter(|n| !n.is_empty()));
    })
}

/// `X509_VERIFY_PARAM_add1_host`: one more host name the leaf may match.
///
/// # Safety
/// As [`X509_VERIFY_PARAM_set1_host`].
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_add1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    let p = arg!(obj(param));
    let Ok(name) = param!(name_arg(name, namelen)) else {
        return 0;
    };
    p.update(|v| v.hosts.extend(name.filter(|n| !n.is_empty())))
}

/// `X509_VERIFY_PARAM_set_hostflags`: `X509_CHECK_FLAG_*` for the host check.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_hostflags(
    param: *mut X509_VERIFY_PARAM,
    flags: c_uint,
) {
    let p = arg!(obj(param));
    p.update(|v| v.host_flags = flags);
}

/// `X509_VERIFY_PARAM_get_hostflags`.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_hostflags(
    param: *const X509_VERIFY_PARAM,
) -> c_uint {
    let p = arg!(obj(param));
    p.read().host_flags
}

/// `X509_VERIFY_PARAM_set1_ip`: the address the leaf must carry (4 or 16 bytes; null or
/// length 0 clears it); 0 for another length.
///
/// # Safety
/// `param` must be null or a live handle; `ip` null or valid for `iplen` bytes.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_ip(
    param: *mut X509_VERIFY_PARAM,
    ip: *const u8,
    iplen: usize,
) -> c_int {
    let p = arg!(obj(param));
    let len = if ip.is_null() { 0 } else { iplen };
    if len != 0 && len != 4 && len != 16 {
        return 0;
    }
    let raw = arg!(bytes(ip, len));
    p.update(|v| v.ip = (!raw.is_empty()).then(|| raw.to_vec()))
}

/// `X509_VERIFY_PARAM_set1_ip_asc`: as [`X509_VERIFY_PARAM_set1_ip`] for an address written
/// out; 0 if it is not one.
///
/// # Safety
/// `param` must be null or a live handle; `ipasc` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_ip_asc(
    param: *mut X509_VERIFY_PARAM,
    ipasc: *const c_char,
) -> c_int {
    let p = arg!(obj(param));
    let Some(ip) = param!(text(ipasc)).and_then(|t| t.parse::<IpAddr>().ok()) else {
        return 0;
    };
    p.update(|v| v.ip = Some(ip_bytes(ip)))
}

/// `X509_VERIFY_PARAM_set1_email`: the e-mail address the leaf must carry (null: none).
///
/// # Safety
/// As [`X509_VERIFY_PARAM_set1_host`].
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_email(
    param: *mut X509_VERIFY_PARAM,
    email: *const c_char,
    emaillen: usize,
) -> c_int {
    let p = arg!(obj(param));
    let Ok(email) = param!(name_arg(email, emaillen)) else {
        return 0;
    };
    p.update(|v| v.email = email)
}

/// `X509_VERIFY_PARAM_set_purpose`: `X509_PURPOSE_SSL_CLIENT`, `X509_PURPOSE_SSL_SERVER` or
/// `X509_PURPOSE_ANY`; other purposes fail with `X509V3_R_INVALID_PURPOSE`.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_purpose(
    param: *mut X509_VERIFY_PARAM,
    purpose: c_int,
) -> c_int {
    let p = arg!(obj(param));
    let Some(purpose) = Purpose::from_id(purpose) else {
        SslError::new(ERR_LIB_X509V3, x509v3_r::INVALID_PURPOSE)
            .with_data(format!("purpose {purpose}"))
            .raise();
        return 0;
    };
    p.update(|v| v.purpose = purpose)
}

/// `X509_VERIFY_PARAM_set_time`: verify at time `t` (seconds since the epoch) instead of
/// now (`X509_V_FLAG_USE_CHECK_TIME`).
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_time(
    param: *mut X509_VERIFY_PARAM,
    t: libc::time_t,
) {
    let p = arg!(obj(param));
    p.update(|v| {
        v.check_time = Some(t);
        v.flags |= x509_v_flag::USE_CHECK_TIME;
    });
}

/// `X509_VERIFY_PARAM_set_auth_level`: the security level keys and digests are held to.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_auth_level(
    param: *mut X509_VERIFY_PARAM,
    level: c_int,
) {
    let p = arg!(obj(param));
    p.update(|v| v.auth_level = u32::try_from(level).unwrap_or(0));
}

/// `X509_VERIFY_PARAM_get_auth_level`.
///
/// # Safety
/// `param` must be null or a live handle.
#[entry]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_auth_level(
    param: *const X509_VERIFY_PARAM,
) -> c_int {
    let p = arg!(obj(param));
    c_int::try_from(p.read().auth_level).unwrap_or(c_int::MAX)
}

/// `SSL_add1_host`: one more host name the server's certificate may match, or the one IP
/// address (a second fails with `ERR_R_PASSED_INVALID_ARGUMENT`), as OpenSSL's.
///
/// # Safety
/// `ssl` must be null or a live object; `host` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_add1_host(ssl: *mut SSL, host: *const c_char) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let Some(host) = param!(text(host)) else {
        return 1;
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        if ssl_params(s).ip.is_some() {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("IP address was already set")
                .raise();
            return 0;
        }
        return update_ssl(s, |v| v.ip = Some(ip_bytes(ip)));
    }
    update_ssl(s, |v| v.hosts.push(host.into_owned()))
}

/// `SSL_set_hostflags`: `X509_CHECK_FLAG_*` for the object's host check.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_hostflags(ssl: *mut SSL, flags: c_uint) {
    let s = arg!(ssl_ref(ssl));
    update_ssl(s, |v| v.host_flags = flags);
}

/// Changes an object's parameters: 1, or 0 with the reason on the queue.
fn update_ssl(s: &SSL, change: impl FnOnce(&mut VerifyParams)) -> c_int {
    let r = match &s.obj {
        Obj::Tls(t) => t.update_verify_params(change),
        Obj::Quic(q) => q.update_verify_params(change),
    };
    c_int::from(r.is_ok())
}
