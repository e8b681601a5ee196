//! Certificates for C: `X509` (reference counted, from a peer or from DER/PEM) and its subject
//! and issuer names (`X509_NAME`, printed as OpenSSL prints them).
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use std::fmt::Write as _;
use std::sync::Arc;

use qssl::error::{ERR_LIB_ASN1, ERR_LIB_PEM, ERR_LIB_X509, SslError, asn1_r, err_r, pem_r};
use rustls::pki_types::{CertificateDer, DnsName, ServerName};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Name};

use crate::bio::{BIO, BIO_write, read_line};
use crate::crypto::CRYPTO_malloc;
use crate::entry::{CInt, entry};
use crate::ffi::{arc_release, arc_up_ref};
use crate::session::pem_password_cb;
use crate::ssl::{Obj, SSL, ssl_ref};

/// The attribute types qssl names, as OpenSSL does: dotted OID, NID and short name.
const ATTRIBUTES: &[(&str, c_int, &str)] = &[
    ("2.5.4.3", 13, "CN"),
    ("2.5.4.6", 14, "C"),
    ("2.5.4.7", 15, "L"),
    ("2.5.4.8", 16, "ST"),
    ("2.5.4.10", 17, "O"),
    ("2.5.4.11", 18, "OU"),
    ("1.2.840.113549.1.9.1", 48, "emailAddress"),
    ("2.5.4.42", 99, "GN"),
    ("2.5.4.4", 100, "SN"),
    ("2.5.4.43", 101, "initials"),
    ("2.5.4.5", 105, "serialNumber"),
    ("2.5.4.12", 106, "title"),
    ("2.5.4.13", 107, "description"),
    ("2.5.4.41", 173, "name"),
    ("2.5.4.46", 174, "dnQualifier"),
    ("0.9.2342.19200300.100.1.25", 391, "DC"),
    ("0.9.2342.19200300.100.1.1", 458, "UID"),
    ("2.5.4.65", 510, "pseudonym"),
    ("2.5.4.9", 660, "street"),
    ("2.5.4.17", 661, "postalCode"),
    ("2.5.4.15", 860, "businessCategory"),
];

/// One attribute of a name.
#[derive(Debug)]
struct NameEntry {
    /// OpenSSL's NID, or 0 (`NID_undef`) for a type qssl does not name.
    nid: c_int,
    /// The short name, or the dotted OID.
    label: String,
    /// The value's content bytes.
    value: Vec<u8>,
}

/// `X509_NAME`: a distinguished name, its attributes in order.
#[derive(Debug)]
pub struct X509_NAME {
    entries: Vec<NameEntry>,
}

impl X509_NAME {
    fn from_parsed(name: &X509Name<'_>) -> Self {
        let entries = name
            .iter_attributes()
            .map(|attr| {
                let oid = attr.attr_type().to_id_string();
                let (nid, label) = ATTRIBUTES
                    .iter()
                    .find(|(dotted, _, _)| *dotted == oid)
                    .map_or((0, oid.clone()), |(_, nid, short)| {
                        (*nid, (*short).to_owned())
                    });
                NameEntry {
                    nid,
                    label,
                    value: attr.as_slice().to_vec(),
                }
            })
            .collect();
        Self { entries }
    }

    /// `X509_NAME_oneline`'s text: `/type=value` per attribute, bytes outside printable ASCII
    /// as `\xHH`; at most `limit` bytes, cut at an attribute's end.
    fn oneline(&self, limit: usize) -> String {
        let mut line = String::new();
        for e in &self.entries {
            let mut part = format!("/{}=", e.label);
            for &b in &e.value {
                if (b' '..=b'~').contains(&b) {
                    part.push(char::from(b));
                } else {
                    let _ = write!(part, "\\x{b:02X}");
                }
            }
            if line.len() + part.len() > limit {
                break;
            }
            line.push_str(&part);
        }
        line
    }
}

/// `X509`: a certificate, shared by reference count.
#[derive(Debug)]
pub struct X509 {
    der: Vec<u8>,
    subject: X509_NAME,
    issuer: X509_NAME,
}

impl X509 {
    /// Parses the certificate at the start of `der`: it and how many bytes it took.
    pub(crate) fn from_der(der: &[u8]) -> Result<(X509, usize), SslError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| {
            let reason = match e {
                x509_parser::nom::Err::Incomplete(_) => asn1_r::NOT_ENOUGH_DATA,
                _ => asn1_r::WRONG_TAG,
            };
            SslError::new(ERR_LIB_ASN1, reason).with_data(format!("certificate: {e}"))
        })?;
        let used = der.len() - rest.len();
        Ok((
            X509 {
                der: der[..used].to_vec(),
                subject: X509_NAME::from_parsed(cert.subject()),
                issuer: X509_NAME::from_parsed(cert.issuer()),
            },
            used,
        ))
    }

    /// A shared certificate from `der`, or `None` (with the error raised) if it does not parse.
    pub(crate) fn shared(der: &[u8]) -> Option<Arc<X509>> {
        match X509::from_der(der) {
            Ok((x, _)) => Some(Arc::new(x)),
            Err(e) => {
                e.raise();
                None
            }
        }
    }

    /// Whether webpki finds the certificate valid for `name` (its alternative names).
    pub(crate) fn valid_for(&self, name: &ServerName<'_>) -> bool {
        let der = CertificateDer::from(self.der.as_slice());
        webpki::EndEntityCert::try_from(&der)
            .is_ok_and(|ee| ee.verify_is_valid_for_subject_name(name).is_ok())
    }

    /// The certificate's name that `host` matches, if any: decided by webpki over the DNS
    /// alternative names, or without any by comparing the subject's common name (ignoring
    /// case). The name returned is the alternative name as written (a wildcard one if that
    /// is what matched).
    pub(crate) fn matching_dns_name(&self, host: &str) -> Option<String> {
        let (_, cert) = X509Certificate::from_der(&self.der).ok()?;
        let dns: Vec<&str> = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::DNSName(d) => Some(*d),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if dns.is_empty() {
            let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
            return cn.eq_ignore_ascii_case(host).then(|| cn.to_owned());
        }
        let name = ServerName::DnsName(DnsName::try_from(host.to_owned()).ok()?);
        if !self.valid_for(&name) {
            return None;
        }
        let parent = host.split_once('.').map(|(_, rest)| rest);
        let exact = dns.iter().find(|d| d.eq_ignore_ascii_case(host));
        let wildcard = dns.iter().find(|d| {
            d.strip_prefix("*.")
                .is_some_and(|rest| parent.is_some_and(|p| p.eq_ignore_ascii_case(rest)))
        });
        Some(exact.or(wildcard).map_or(host, |d| *d).to_owned())
    }

    /// Hands a new reference to C.
    fn into_c(x: Arc<X509>) -> *mut X509 {
        Arc::into_raw(x).cast_mut()
    }
}

/// `X509_up_ref`.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_up_ref(x: *mut X509) -> c_int {
    // SAFETY: forwarded.
    unsafe { arc_up_ref(x.cast_const()) }
}

/// `X509_free`.
///
/// # Safety
/// `x` must be null or a live certificate whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn X509_free(x: *mut X509) {
    // SAFETY: forwarded.
    unsafe { arc_release(x.cast_const()) }
}

/// The certificate the peer of `s` presented, kept on the object once known.
fn peer_certificate(s: &SSL) -> Option<&Arc<X509>> {
    if let Some(x) = s.peer_certificate.get() {
        return Some(x);
    }
    let der = match &s.obj {
        Obj::Tls(t) => t.peer_certificate(),
        Obj::Quic(q) => q.peer_certificate(),
    }?;
    let x = X509::shared(&der)?;
    Some(s.peer_certificate.get_or_init(|| x))
}

/// `SSL_get0_peer_certificate`: the peer's certificate, valid while the object lives; null
/// before the handshake got it or if the peer sent none.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_peer_certificate(ssl: *const SSL) -> *mut X509 {
    // SAFETY: per the contract.
    unsafe { ssl_ref(ssl) }
        .and_then(peer_certificate)
        .map_or(std::ptr::null_mut(), |x| Arc::as_ptr(x).cast_mut())
}

/// `SSL_get1_peer_certificate` (`SSL_get_peer_certificate` in the headers): as
/// [`SSL_get0_peer_certificate`], with a reference the caller frees with `X509_free`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get1_peer_certificate(ssl: *const SSL) -> *mut X509 {
    // SAFETY: per the contract.
    unsafe { ssl_ref(ssl) }
        .and_then(peer_certificate)
        .map_or(std::ptr::null_mut(), |x| X509::into_c(x.clone()))
}

/// `X509_get_subject_name`: valid while the certificate lives.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_get_subject_name(x: *const X509) -> *mut X509_NAME {
    // SAFETY: per the contract.
    match unsafe { x.as_ref() } {
        Some(x) => std::ptr::from_ref(&x.subject).cast_mut(),
        None => null_argument(),
    }
}

/// `X509_get_issuer_name`: valid while the certificate lives.
///
/// # Safety
/// `x` must be null or a live certificate.
#[entry]
pub unsafe extern "C" fn X509_get_issuer_name(x: *const X509) -> *mut X509_NAME {
    // SAFETY: per the contract.
    match unsafe { x.as_ref() } {
        Some(x) => std::ptr::from_ref(&x.issuer).cast_mut(),
        None => null_argument(),
    }
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
    // SAFETY: per the contract.
    let name = unsafe { name.as_ref() };
    let (text, dest) = if buf.is_null() {
        let text = name.map_or_else(|| "NO X509_NAME".to_owned(), |n| n.oneline(usize::MAX));
        let dest = CRYPTO_malloc(text.len() + 1, std::ptr::null(), 0).cast::<c_char>();
        if dest.is_null() {
            SslError::new(ERR_LIB_X509, err_r::MALLOC_FAILURE).raise();
            return std::ptr::null_mut();
        }
        (text, dest)
    } else {
        let Some(room) = usize::try_from(size).ok().filter(|n| *n > 0) else {
            return std::ptr::null_mut();
        };
        let mut text = name.map_or_else(|| "NO X509_NAME".to_owned(), |n| n.oneline(room - 1));
        text.truncate(room - 1);
        (text, buf)
    };
    // SAFETY: dest has room for the text and its NUL (allocated so, or size bytes with the
    // text at most size - 1 long).
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), text.len());
        *dest.add(text.len()) = 0;
    }
    dest
}

/// `X509_NAME_get_text_by_NID`: the first attribute of type `nid` into `buf` (at most
/// `len - 1` bytes and a NUL): its length, or with `buf` null its whole length; -1 if the
/// name has none.
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
    // SAFETY: per the contract.
    let Some(name) = (unsafe { name.as_ref() }) else {
        SslError::new(ERR_LIB_X509, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    };
    let Some(entry) = name.entries.iter().find(|e| e.nid == nid && nid != 0) else {
        return -1;
    };
    if buf.is_null() {
        return c_int::try_from(entry.value.len()).unwrap_or(c_int::MAX);
    }
    let Some(room) = usize::try_from(len).ok().filter(|n| *n > 0) else {
        return -1;
    };
    let n = entry.value.len().min(room - 1);
    // SAFETY: buf has room for len bytes; n < len.
    unsafe {
        std::ptr::copy_nonoverlapping(entry.value.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    c_int::try_from(n).unwrap_or(-1)
}

/// `i2d_X509`: the certificate's DER length; with `out` set, also the DER: into a new buffer
/// (the caller frees it with `OPENSSL_free`) if `*out` is null, else at `*out`, which is moved
/// past it. -1 on failure.
///
/// # Safety
/// `x` null or a live certificate; `out` null or valid, `*out` null or with room for the DER.
#[entry]
pub unsafe extern "C" fn i2d_X509(x: *const X509, out: *mut *mut c_uchar) -> CInt<-1> {
    // SAFETY: per the contract.
    let Some(x) = (unsafe { x.as_ref() }) else {
        SslError::new(ERR_LIB_X509, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    };
    let Ok(n) = c_int::try_from(x.der.len()) else {
        return -1;
    };
    // SAFETY: per the contract.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return n;
    };
    if out.is_null() {
        let dest = CRYPTO_malloc(x.der.len(), std::ptr::null(), 0).cast::<c_uchar>();
        if dest.is_null() {
            SslError::new(ERR_LIB_X509, err_r::MALLOC_FAILURE).raise();
            return -1;
        }
        // SAFETY: a fresh block of the DER's length.
        unsafe { std::ptr::copy_nonoverlapping(x.der.as_ptr(), dest, x.der.len()) };
        *out = dest;
    } else {
        // SAFETY: *out has room for the DER, per the contract.
        unsafe {
            std::ptr::copy_nonoverlapping(x.der.as_ptr(), *out, x.der.len());
            *out = out.add(x.der.len());
        }
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
/// an ASN.1 error.
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
    let len = usize::try_from(len).unwrap_or(0);
    // SAFETY: *input is valid for len bytes, per the contract.
    let der = unsafe { std::slice::from_raw_parts(*pos, len) };
    match X509::from_der(der) {
        Ok((x, used)) => {
            // SAFETY: within the len bytes.
            *pos = unsafe { pos.add(used) };
            // SAFETY: per the contract.
            unsafe { store(a, Arc::new(x)) }
        }
        Err(e) => {
            e.raise();
            std::ptr::null_mut()
        }
    }
}

/// The longest PEM line read before giving up on a section.
const MAX_PEM_LINE: usize = 4096;
/// The most PEM text one section may take.
const MAX_PEM_SECTION: usize = 1 << 20;

/// Reads PEM sections from `bio` until one labelled `label`: its contents, or the error.
///
/// # Safety
/// `bio` null or live.
unsafe fn read_pem_section(bio: *mut BIO, label: &str) -> Result<Vec<u8>, SslError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut text = String::new();
    let mut inside = false;
    loop {
        // SAFETY: per the contract.
        let line = unsafe { read_line(bio, MAX_PEM_LINE) }.unwrap_or_default();
        if line.is_empty() {
            let reason = if inside {
                pem_r::BAD_END_LINE
            } else {
                pem_r::NO_START_LINE
            };
            return Err(SslError::new(ERR_LIB_PEM, reason));
        }
        let line = String::from_utf8_lossy(&line);
        let trimmed = line.trim_end();
        if !inside {
            inside = trimmed == begin;
        }
        if inside {
            text.push_str(trimmed);
            text.push('\n');
            if text.len() > MAX_PEM_SECTION {
                return Err(SslError::new(ERR_LIB_PEM, pem_r::BAD_END_LINE)
                    .with_data("PEM section too long"));
            }
            if trimmed == end {
                break;
            }
        }
    }
    pem::parse(text)
        .map(pem::Pem::into_contents)
        .map_err(|e| SslError::new(ERR_LIB_PEM, pem_r::BAD_BASE64_DECODE).with_data(e.to_string()))
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
    // SAFETY: per the contract.
    let parsed = unsafe { read_pem_section(bp, "CERTIFICATE") }
        .and_then(|der| X509::from_der(&der).map(|(c, _)| c));
    match parsed {
        // SAFETY: per the contract.
        Ok(c) => unsafe { store(x, Arc::new(c)) },
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
    // SAFETY: per the contract.
    let Some(x) = (unsafe { x.as_ref() }) else {
        SslError::new(ERR_LIB_PEM, err_r::PASSED_NULL_PARAMETER).raise();
        return 0;
    };
    let text = pem::encode_config(
        &pem::Pem::new("CERTIFICATE", x.der.clone()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    );
    let Ok(len) = c_int::try_from(text.len()) else {
        return 0;
    };
    // SAFETY: forwarded; the text is valid for its length.
    let n = unsafe { BIO_write(bp, text.as_ptr().cast(), len) };
    c_int::from(n == len)
}
