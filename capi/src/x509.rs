//! Certificates for C: `X509` (reference counted, from a peer or from DER/PEM) and its subject
//! and issuer names (`X509_NAME`, printed as OpenSSL prints them). The C types wrap
//! `qssl::x509`'s `Certificate` and `Name`, which hold the parsing, the names' text and PEM;
//! this module is the C ABI over them.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use std::sync::Arc;

use qssl::error::{ERR_LIB_ASN1, ERR_LIB_OBJ, ERR_LIB_X509, SslError, asn1_r, err_r, obj_r};
use qssl::x509::{CERTIFICATE_LABEL, Certificate, Name, pem};

use crate::bio::BIO;
use crate::bio::rw::{BIO_write, read_line};
use crate::crypto::{malloc_c_string, malloc_copy};
use crate::entry::{CInt, arg, entry, nullable, nullable_mut, param};
use crate::ffi::{arc_release, arc_up_ref, bytes_mut, obj, put_c_string};
use crate::session::pem_password_cb;
use crate::ssl::{Obj, SSL, ssl_ref};

/// `X509_NAME`: a distinguished name, as parsed and as DER (what a server's CA list sends).
/// A certificate's subject and issuer live inside its `X509`; the names of a CA list
/// (`SSL_load_client_CA_file`, `X509_NAME_dup`) are objects of their own, freed with
/// `X509_NAME_free`.
#[derive(Debug, Clone)]
pub struct X509_NAME {
    name: Name,
    der: Vec<u8>,
}

impl X509_NAME {
    /// The C pointer to `name`, valid while what holds it lives.
    fn as_c(name: &X509_NAME) -> *mut X509_NAME {
        std::ptr::from_ref(name).cast_mut()
    }

    /// The name's DER.
    pub(crate) fn der(&self) -> &[u8] {
        &self.der
    }

    /// A name of its own, for C (freed with `X509_NAME_free`).
    pub(crate) fn into_c(self) -> *mut X509_NAME {
        Box::into_raw(Box::new(self))
    }
}

/// `X509`: a certificate, shared by reference count, with its names.
#[derive(Debug)]
pub struct X509 {
    cert: Certificate,
    subject: X509_NAME,
    issuer: X509_NAME,
}

impl X509 {
    /// The C object of a parsed certificate.
    fn new(cert: Certificate) -> X509 {
        let (subject_der, issuer_der) = qssl::ctx::name_ders(cert.der()).unwrap_or_default();
        X509 {
            subject: X509_NAME {
                name: cert.subject().clone(),
                der: subject_der,
            },
            issuer: X509_NAME {
                name: cert.issuer().clone(),
                der: issuer_der,
            },
            cert,
        }
    }

    /// A shared certificate from `der`, or `None` (with the error raised) if it does not parse.
    pub(crate) fn shared(der: &[u8]) -> Option<Arc<X509>> {
        match Certificate::from_der(der) {
            Ok((x, _)) => Some(Arc::new(X509::new(x))),
            Err(e) => {
                e.raise();
                None
            }
        }
    }

    /// The certificate.
    pub(crate) fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The subject name.
    pub(crate) fn subject(&self) -> &X509_NAME {
        &self.subject
    }

    /// Hands a new reference to C.
    pub(crate) fn into_c(x: Arc<X509>) -> *mut X509 {
        Arc::into_raw(x).cast_mut()
    }
}

/// `X509_up_ref`.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_up_ref(x: *mut X509) -> c_int {
    param!(arc_up_ref(x))
}

/// `X509_free`.
///
/// # Safety
/// `x` must be null or a live certificate whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn X509_free(x: *mut X509) {
    param!(arc_release(x))
}

/// The certificate the peer of `s` presented, kept on the object once known.
fn peer_certificate(s: &SSL) -> Option<Arc<X509>> {
    let negotiated = s.negotiated();
    if let Some(x) = negotiated.peer_certificate.get() {
        return Some(x.clone());
    }
    let der = match &s.obj {
        Obj::Tls(t) => t.peer_certificate(),
        Obj::Quic(q) => q.peer_certificate(),
    }?;
    let x = X509::shared(&der)?;
    Some(negotiated.peer_certificate.get_or_init(|| x).clone())
}

/// `SSL_get0_peer_certificate`: the peer's certificate, valid while the object lives; null
/// before the handshake got it or if the peer sent none.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_peer_certificate(ssl: *const SSL) -> *mut X509 {
    let s = arg!(ssl_ref(ssl));
    // The object keeps the certificate: the pointer stays valid while it lives.
    peer_certificate(s).map_or(std::ptr::null_mut(), |x| Arc::as_ptr(&x).cast_mut())
}

/// `SSL_get1_peer_certificate` (`SSL_get_peer_certificate` in the headers): as
/// [`SSL_get0_peer_certificate`], with a reference the caller frees with `X509_free`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get1_peer_certificate(ssl: *const SSL) -> *mut X509 {
    let s = arg!(ssl_ref(ssl));
    peer_certificate(s).map_or(std::ptr::null_mut(), X509::into_c)
}

/// `X509_get_subject_name`: valid while the certificate lives.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_get_subject_name(x: *const X509) -> *mut X509_NAME {
    let x = arg!(obj(x));
    X509_NAME::as_c(&x.subject)
}

/// `X509_get_issuer_name`: valid while the certificate lives.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_get_issuer_name(x: *const X509) -> *mut X509_NAME {
    let x = arg!(obj(x));
    X509_NAME::as_c(&x.issuer)
}

/// Raises `ERR_R_PASSED_NULL_PARAMETER` and returns null.
fn null_argument<T>() -> *mut T {
    SslError::new(ERR_LIB_X509, err_r::PASSED_NULL_PARAMETER).raise();
    std::ptr::null_mut()
}

/// `X509_NAME_oneline`: the name as `/C=../O=../CN=..` in `buf` (at most `size - 1` bytes and
/// a NUL, cut at an attribute's end), or with `buf` null in a new buffer the caller frees
/// with `OPENSSL_free`. A null name gives `NO X509_NAME`. Null if `size` is not positive.
///
/// # Safety
/// `name` null or a live name; `buf` null or valid for `size` bytes.
#[entry]
pub unsafe extern "C" fn X509_NAME_oneline(
    name: *const X509_NAME,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    let name = nullable!(name);
    let oneline = |max| name.map_or_else(|| "NO X509_NAME".to_owned(), |n| n.name.oneline(max));
    if buf.is_null() {
        return malloc_c_string(oneline(usize::MAX).as_bytes());
    }
    let Some(room) = usize::try_from(size).ok().filter(|n| *n > 0) else {
        return std::ptr::null_mut();
    };
    let dest = arg!(bytes_mut(buf, room));
    put_c_string(dest, oneline(room - 1).as_bytes());
    buf
}

/// OpenSSL 3.5's `NUM_NID`: its objects' NIDs are below it.
const NUM_NID: c_int = 1487;

/// The NIDs below [`NUM_NID`] that OpenSSL 3.5's object table leaves empty.
const UNASSIGNED_NIDS: [c_int; 9] = [118, 124, 350, 511, 772, 774, 775, 1054, 1055];

/// Whether `nid` is an object OpenSSL 3.5 knows (`OBJ_nid2obj` finds it): `NID_undef` or one
/// of its built-in objects (qssl offers no way to add objects).
fn is_known_nid(nid: c_int) -> bool {
    (0..NUM_NID).contains(&nid) && !UNASSIGNED_NIDS.contains(&nid)
}

/// `X509_NAME_get_text_by_NID`: the first attribute of type `nid` into `buf` (at most
/// `len - 1` bytes and a NUL): its length, or with `buf` null its whole length, or 0 for
/// `len <= 0`; -1 if the name has none (for a number that is no object's NID, with
/// `OBJ_R_UNKNOWN_NID`).
///
/// # Safety
/// `name` null or a live name; `buf` null or valid for `len` bytes.
#[entry]
pub unsafe extern "C" fn X509_NAME_get_text_by_NID(
    name: *const X509_NAME,
    nid: c_int,
    buf: *mut c_char,
    len: c_int,
) -> CInt<-1> {
    let name = arg!(obj(name));
    if !is_known_nid(nid) {
        SslError::new(ERR_LIB_OBJ, obj_r::UNKNOWN_NID).raise();
        return -1;
    }
    let Some(value) = name.name.entry_by_nid(nid).map(|e| e.value()) else {
        return -1;
    };
    if buf.is_null() {
        return c_int::try_from(value.len()).unwrap_or(c_int::MAX);
    }
    let Some(room) = usize::try_from(len).ok().filter(|n| *n > 0) else {
        return 0;
    };
    let dest = arg!(bytes_mut(buf, room));
    c_int::try_from(put_c_string(dest, value)).unwrap_or(-1)
}

/// `i2d_X509`: the certificate's DER length; with `out` set, also the DER: into a new buffer
/// (the caller frees it with `OPENSSL_free`) if `*out` is null, else at `*out`, which is moved
/// past it. -1 on failure.
///
/// # Safety
/// `x` null or a live certificate; `out` null or valid, `*out` null or with room for the DER.
#[entry]
pub unsafe extern "C" fn i2d_X509(x: *const X509, out: *mut *mut c_uchar) -> CInt<-1> {
    let x = arg!(obj(x));
    let der = x.cert.der();
    let Ok(n) = c_int::try_from(der.len()) else {
        return -1;
    };
    let Some(out) = nullable_mut!(out) else {
        return n;
    };
    if out.is_null() {
        let dest = malloc_copy(der, false);
        if dest.is_null() {
            return -1;
        }
        *out = dest;
    } else {
        let at = *out;
        let len = der.len();
        let dest = arg!(bytes_mut(at, len));
        dest.copy_from_slice(der);
        *out = at.wrapping_add(len);
    }
    n
}

/// Stores a new certificate where `d2i`/PEM readers put it: if `a` is not null, frees what
/// `*a` held and points it at the new one. As in OpenSSL, `*a` and the returned pointer are
/// the same single reference.
///
/// # Safety
/// `a` null or valid, `*a` null or a live certificate the caller gives up.
unsafe fn store(a: *mut *mut X509, x: Arc<X509>) -> *mut X509 {
    let p = X509::into_c(x);
    // SAFETY: per the contract.
    if let Some(slot) = unsafe { a.as_mut() } {
        // SAFETY: the old certificate's reference is given up, per the contract.
        unsafe { X509_free(*slot) };
        *slot = p;
    }
    p
}

/// `d2i_X509`: the certificate in the `len` bytes at `*input` (moved past it), or null with
/// an ASN.1 error (`ASN1_R_TOO_SMALL` for `len <= 0`).
///
/// # Safety
/// `input` valid, `*input` valid for `len` bytes; `a` as for the PEM readers.
#[entry]
pub unsafe extern "C" fn d2i_X509(
    a: *mut *mut X509,
    input: *mut *const c_uchar,
    len: c_long,
) -> *mut X509 {
    // SAFETY: per the contract.
    let Some(pos) = (unsafe { input.as_mut() }).filter(|p| !p.is_null()) else {
        return null_argument();
    };
    let Some(len) = usize::try_from(len).ok().filter(|n| *n > 0) else {
        SslError::new(ERR_LIB_ASN1, asn1_r::TOO_SMALL).raise();
        return std::ptr::null_mut();
    };
    // SAFETY: *input is valid for len bytes, per the contract.
    let der = unsafe { std::slice::from_raw_parts(*pos, len) };
    match Certificate::from_der(der) {
        Ok((x, used)) => {
            // SAFETY: within the len bytes.
            *pos = unsafe { pos.add(used) };
            // SAFETY: per the contract.
            unsafe { store(a, Arc::new(X509::new(x))) }
        }
        Err(e) => {
            e.raise();
            std::ptr::null_mut()
        }
    }
}

/// `PEM_read_bio_X509`: the next certificate in `bp` (sections of other kinds before it are
/// skipped), or null with `PEM_R_NO_START_LINE` at the end of the input.
///
/// # Safety
/// `bp` null or live; `x` null or valid, `*x` null or a live certificate it replaces.
#[entry]
pub unsafe extern "C" fn PEM_read_bio_X509(
    bp: *mut BIO,
    x: *mut *mut X509,
    _cb: pem_password_cb,
    _u: *mut c_void,
) -> *mut X509 {
    // A failed or retried read ends the input, as the end of the stream does.
    // SAFETY: per the contract.
    let next_line = |max| unsafe { read_line(bp, max) };
    let parsed = pem::read_section_lines(next_line, CERTIFICATE_LABEL)
        .and_then(|der| Certificate::from_der(&der).map(|(c, _)| c));
    match parsed {
        // SAFETY: per the contract.
        Ok(c) => unsafe { store(x, Arc::new(X509::new(c))) },
        Err(e) => {
            e.raise();
            std::ptr::null_mut()
        }
    }
}

/// `PEM_write_bio_X509`: the certificate as a PEM `CERTIFICATE` section; 1, or 0.
///
/// # Safety
/// `bp` null or live; `x` null or a live certificate.
#[entry]
pub unsafe extern "C" fn PEM_write_bio_X509(bp: *mut BIO, x: *const X509) -> c_int {
    let x = arg!(obj(x));
    let text = x.cert.to_pem();
    let Ok(len) = c_int::try_from(text.len()) else {
        return 0;
    };
    // SAFETY: bp is null or live, per the contract; the text is valid for its length.
    let n = unsafe { BIO_write(bp, text.as_ptr().cast(), len) };
    c_int::from(n == len)
}

/// `X509_NAME_free`: frees a name of its own (from `X509_NAME_dup`, a CA list); null is
/// ignored. Not for a certificate's names.
///
/// # Safety
/// `name` must be null or a name of its own, not used afterwards.
#[entry]
pub unsafe extern "C" fn X509_NAME_free(name: *mut X509_NAME) {
    if !name.is_null() {
        // SAFETY: a Box-made name the caller gives up, per the contract.
        drop(unsafe { Box::from_raw(name) });
    }
}

/// `X509_NAME_dup`: a copy of the name, of its own.
///
/// # Safety
/// `name` must be null or a live name.
#[entry]
pub unsafe extern "C" fn X509_NAME_dup(name: *const X509_NAME) -> *mut X509_NAME {
    let n = arg!(obj(name));
    n.clone().into_c()
}
