//! The certificate, private key and chains of contexts and objects, as objects:
//! `SSL_CTX_use_certificate`/`SSL_CTX_use_PrivateKey` with an `X509`/`EVP_PKEY`, what
//! `SSL_CTX_get0_certificate`, `SSL_get_certificate` and their key counterparts hand back
//! (the very objects given, or objects made once for what was loaded from files), and the
//! chain commands of `SSL_CTX_ctrl` (`SSL_CTX_add_extra_chain_cert`, `SSL_CTX_set1_chain`,
//! `SSL_CTX_add1_chain_cert`, `SSL_CTX_get0_chain_certs`, ...). An object presents its
//! context's certificate; per-object certificates (`SSL_use_certificate`) are not offered.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, PoisonError};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry};
use crate::ffi::{arc_share, arc_take, obj};
use crate::pkey::EVP_PKEY;
use crate::ssl::{SSL, ssl_ref};
use crate::stack::{CertificateStack, OPENSSL_STACK, OPENSSL_sk_num, OPENSSL_sk_value};
use crate::x509::X509;

/// The objects a context hands out for its certificate, key and chains, kept so that the
/// pointers stay valid (and the same) while what they stand for does not change.
#[derive(Default)]
pub(crate) struct CtxObjects {
    /// The end-entity certificate (the one given to `SSL_CTX_use_certificate`, or one made
    /// from what a file loaded).
    certificate: Option<Arc<X509>>,
    /// The private key, likewise.
    key: Option<Arc<EVP_PKEY>>,
    /// `SSL_CTX_get0_chain_certs`' stack.
    chain: Option<Box<CertificateStack>>,
    /// `SSL_CTX_get_extra_chain_certs`' stack.
    extra: Option<Box<CertificateStack>>,
}

impl std::fmt::Debug for CtxObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CtxObjects")
            .field("certificate", &self.certificate.is_some())
            .field("key", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl SSL_CTX {
    /// The objects the context has handed out, locked.
    fn objects(&self) -> std::sync::MutexGuard<'_, CtxObjects> {
        self.objects.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The end-entity certificate as an `X509` (null without one).
    pub(crate) fn certificate_object(&self) -> *mut X509 {
        let Some(der) = self.lock().certificate().map(|c| c.to_vec()) else {
            return std::ptr::null_mut();
        };
        let mut objects = self.objects();
        let current = objects
            .certificate
            .as_ref()
            .filter(|x| x.certificate().der() == der.as_slice());
        let x = match current {
            Some(x) => x.clone(),
            None => match X509::shared(&der) {
                Some(x) => objects.certificate.insert(x).clone(),
                None => return std::ptr::null_mut(),
            },
        };
        Arc::as_ptr(&x).cast_mut()
    }

    /// The private key as an `EVP_PKEY` (null without one).
    pub(crate) fn key_object(&self) -> *mut EVP_PKEY {
        let Some(key) = self.lock().private_key() else {
            return std::ptr::null_mut();
        };
        let mut objects = self.objects();
        let k = match objects.key.as_ref().filter(|k| k.0.same_key(&key)) {
            Some(k) => k.clone(),
            None => objects.key.insert(Arc::new(EVP_PKEY(key))).clone(),
        };
        Arc::as_ptr(&k).cast_mut()
    }
}

/// A stack kept in `slot` for `ders` (reused while they are the same), or null for none.
fn stack_of(slot: &mut Option<Box<CertificateStack>>, ders: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    if ders.is_empty() {
        *slot = None;
        return std::ptr::null_mut();
    }
    let same = slot.as_ref().is_some_and(|s| {
        s.certs.len() == ders.len()
            && s.certs
                .iter()
                .zip(ders)
                .all(|(x, d)| x.certificate().der() == d.as_slice())
    });
    if !same {
        let Some(certs) = ders
            .iter()
            .map(|d| X509::shared(d))
            .collect::<Option<Vec<_>>>()
        else {
            return std::ptr::null_mut();
        };
        *slot = Some(Box::new(CertificateStack::new(certs)));
    }
    slot.as_ref().map_or(std::ptr::null_mut(), |s| s.as_c())
}

/// The certificates of a C `STACK_OF(X509)` (null: none).
///
/// # Safety
/// `sk` must be null or a live stack of live certificates.
unsafe fn stack_certificates(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: a live stack, per the contract.
    let n = unsafe { OPENSSL_sk_num(sk) }.0;
    (0..n)
        .filter_map(|i| {
            // SAFETY: a live stack of live certificates, per the contract.
            let x = unsafe { OPENSSL_sk_value(sk, i) }.cast::<X509>();
            // SAFETY: as above.
            unsafe { x.as_ref() }.map(|x| x.certificate().der().to_vec())
        })
        .collect()
}

/// The chain commands of `SSL_CTX_ctrl`: `Some` of the result for one of them.
///
/// # Safety
/// `parg` must be what the command takes (an `X509 *`, a `STACK_OF(X509) *` or a pointer to
/// one), and certificates handed over (`add0`, `set0`, extra) live references.
pub(crate) unsafe fn chain_ctrl(
    ctx: &SSL_CTX,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> Option<c_long> {
    use crate::abi::*;
    let r = match cmd {
        SSL_CTRL_EXTRA_CHAIN_CERT => {
            // SAFETY: a certificate whose reference the caller hands over, per the contract.
            let Some(x) = (unsafe { arc_take(parg.cast::<X509>()) }) else {
                crate::entry::null_parameter();
                return Some(0);
            };
            let added = ctx
                .lock()
                .add_extra_chain_certificate(x.certificate().der());
            c_long::from(added.is_ok())
        }
        SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS => {
            ctx.lock().clear_extra_chain_certificates();
            1
        }
        SSL_CTRL_GET_EXTRA_CHAIN_CERTS | SSL_CTRL_GET_CHAIN_CERTS => {
            let (extra, chain): (Vec<Vec<u8>>, Vec<Vec<u8>>) = {
                let c = ctx.lock();
                (
                    c.extra_chain_certificates()
                        .iter()
                        .map(|d| d.to_vec())
                        .collect(),
                    c.chain_certificates().iter().map(|d| d.to_vec()).collect(),
                )
            };
            let mut objects = ctx.objects();
            // Without extra certificates, `SSL_CTX_get_extra_chain_certs` (larg 0) answers
            // the chain, as OpenSSL does.
            let stack = if cmd == SSL_CTRL_GET_CHAIN_CERTS || (extra.is_empty() && larg == 0) {
                stack_of(&mut objects.chain, &chain)
            } else {
                stack_of(&mut objects.extra, &extra)
            };
            if !parg.is_null() {
                // SAFETY: a STACK_OF(X509) **, per the contract.
                unsafe { *parg.cast::<*mut OPENSSL_STACK>() = stack };
            }
            1
        }
        SSL_CTRL_CHAIN => {
            let sk = parg.cast::<OPENSSL_STACK>();
            // SAFETY: null or a live stack of live certificates, per the contract.
            let ders = unsafe { stack_certificates(sk) };
            let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
            let set = ctx.lock().set_chain_certificates(&refs).is_ok();
            if set && larg == 0 && !sk.is_null() {
                // set0: the context owns the stack and its certificates; it keeps copies.
                // SAFETY: the caller hands the stack and its references over.
                unsafe {
                    crate::stack::OPENSSL_sk_pop_free(sk, Some(free_certificate));
                }
            }
            c_long::from(set)
        }
        SSL_CTRL_CHAIN_CERT => {
            let x = parg.cast::<X509>();
            // SAFETY: null or a live certificate, per the contract.
            let Some(cert) = (unsafe { obj(x) }) else {
                return Some(0);
            };
            let added = ctx
                .lock()
                .add_chain_certificate(cert.certificate().der())
                .is_ok();
            if added && larg == 0 {
                // add0: the context owns the certificate; it keeps a copy.
                // SAFETY: the caller hands the reference over.
                unsafe { crate::x509::X509_free(x) };
            }
            c_long::from(added)
        }
        _ => return None,
    };
    Some(r)
}

/// `X509_free` as a stack's free function.
///
/// # Safety
/// `x` must be a certificate whose reference is given up.
unsafe extern "C" fn free_certificate(x: *mut c_void) {
    // SAFETY: per the contract.
    unsafe { crate::x509::X509_free(x.cast()) }
}

/// `SSL_CTX_use_certificate`: `x` becomes the end-entity certificate (the context takes a
/// reference; `SSL_CTX_get0_certificate` hands it back), keeping the chain certificates.
///
/// # Safety
/// `ctx` must be null or a live context; `x` null or a live certificate.
#[entry]
pub unsafe extern "C" fn SSL_CTX_use_certificate(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
    let c = arg!(ctx_ref(ctx));
    let cert = arg!(obj(x));
    if c.lock()
        .use_certificate_der(cert.certificate().der())
        .is_err()
    {
        return 0;
    }
    // SAFETY: a live certificate, per the contract.
    c.objects().certificate = unsafe { arc_share(x) };
    1
}

/// `SSL_CTX_use_PrivateKey`: `pkey` becomes the context's key (it takes a reference). Fails
/// with `X509_R_KEY_VALUES_MISMATCH` if a certificate is set whose key it is not.
///
/// # Safety
/// `ctx` must be null or a live context; `pkey` null or a live key.
#[entry]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey(ctx: *mut SSL_CTX, pkey: *mut EVP_PKEY) -> c_int {
    let c = arg!(ctx_ref(ctx));
    let key = arg!(obj(pkey));
    if c.lock().use_private_key(&key.0).is_err() {
        return 0;
    }
    // SAFETY: a live key, per the contract.
    c.objects().key = unsafe { arc_share(pkey) };
    1
}

/// `SSL_CTX_get0_certificate`: the end-entity certificate (not a new reference), or null.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get0_certificate(ctx: *const SSL_CTX) -> *mut X509 {
    let c = arg!(ctx_ref(ctx));
    c.certificate_object()
}

/// `SSL_CTX_get0_privatekey`: the private key (not a new reference), or null.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get0_privatekey(ctx: *const SSL_CTX) -> *mut EVP_PKEY {
    let c = arg!(ctx_ref(ctx));
    c.key_object()
}

/// `SSL_get_certificate`: the certificate the object presents (its context's; not a new
/// reference), or null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_certificate(ssl: *const SSL) -> *mut X509 {
    let s = arg!(ssl_ref(ssl));
    s.ctx().certificate_object()
}

/// `SSL_get_privatekey`: the object's private key (its context's; not a new reference), or
/// null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_privatekey(ssl: *const SSL) -> *mut EVP_PKEY {
    let s = arg!(ssl_ref(ssl));
    s.ctx().key_object()
}

/// `SSL_use_certificate`: per-object certificates are not offered (an object presents its
/// context's, or the one `SSL_set_SSL_CTX` switches to): `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_use_certificate(_ssl: *mut SSL, _x: *mut X509) -> c_int {
    crate::unsupported::raise("per-object certificates (SSL_use_certificate)");
    0
}

/// `SSL_use_PrivateKey`: as [`SSL_use_certificate`], `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_use_PrivateKey(_ssl: *mut SSL, _pkey: *mut EVP_PKEY) -> c_int {
    crate::unsupported::raise("per-object private keys (SSL_use_PrivateKey)");
    0
}
