//! Certificates and private keys from PEM files and from PEM or DER bytes.
//!
//! Parsing is `rustls-pki-types`' PEM reader; every certificate is also parsed as X.509 (through
//! webpki) so that garbage fails when it is loaded, as it does in OpenSSL, not at handshake time.

use std::io;
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::ParsedCertificate;

use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};

/// `SSL_FILETYPE_PEM`.
pub const SSL_FILETYPE_PEM: i32 = 1;
/// `SSL_FILETYPE_ASN1`.
pub const SSL_FILETYPE_ASN1: i32 = 2;

/// The `type` argument of `SSL_CTX_use_certificate_file` and `SSL_CTX_use_PrivateKey_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// `SSL_FILETYPE_PEM`: base64 with `-----BEGIN ...-----` armour.
    Pem,
    /// `SSL_FILETYPE_ASN1`: raw DER.
    Asn1,
}

impl FileType {
    /// The file type for OpenSSL's integer constant; anything else fails with
    /// `SSL_R_BAD_SSL_FILETYPE` on the queue, as the `*_file` functions do.
    #[track_caller]
    pub fn from_raw(raw: i32) -> Result<Self, SslError> {
        match raw {
            SSL_FILETYPE_PEM => Ok(FileType::Pem),
            SSL_FILETYPE_ASN1 => Ok(FileType::Asn1),
            _ => Err(SslError::ssl(ssl_r::BAD_SSL_FILETYPE).raise()),
        }
    }
}

/// The error OpenSSL records when opening a file fails: the `errno` as a system error (or
/// `ERR_R_SYS_LIB` when there is none), with the `fopen` call as data.
pub(crate) fn io_error(err: &io::Error, path: &Path) -> SslError {
    let error = match err.raw_os_error() {
        Some(errno) => SslError::sys(errno),
        None => SslError::new(ERR_LIB_SSL, err_r::SYS_LIB),
    };
    error.with_data(format!("calling fopen({}, r)", path.display()))
}

/// Reads a whole file, raising the open or read error.
#[track_caller]
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, SslError> {
    std::fs::read(path).map_err(|e| io_error(&e, path).raise())
}

/// Checks that DER bytes are an X.509 certificate; `reason` is what to raise if not.
#[track_caller]
fn check_certificate(cert: &CertificateDer<'_>, reason: i32) -> Result<(), SslError> {
    match ParsedCertificate::try_from(cert) {
        Ok(_) => Ok(()),
        Err(e) => Err(SslError::new(ERR_LIB_SSL, reason)
            .with_data(format!("certificate: {e}"))
            .raise()),
    }
}

/// Every certificate in PEM text, in order (other PEM sections are skipped). Fails with
/// `ERR_R_PEM_LIB` when the text is malformed or holds no certificate.
#[track_caller]
pub(crate) fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SslError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
                .with_data(format!("PEM: {e}"))
                .raise()
        })?;
    if certs.is_empty() {
        return Err(SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
            .with_data("no certificate found")
            .raise());
    }
    for cert in &certs {
        check_certificate(cert, err_r::PEM_LIB)?;
    }
    Ok(certs)
}

/// One DER certificate; fails with `ERR_R_ASN1_LIB` if it does not parse.
#[track_caller]
pub(crate) fn certificate_from_der(der: &[u8]) -> Result<CertificateDer<'static>, SslError> {
    let cert = CertificateDer::from(der.to_vec());
    check_certificate(&cert, err_r::ASN1_LIB)?;
    Ok(cert)
}

/// The first private key in PEM text (PKCS#8, PKCS#1 or SEC1); `ERR_R_PEM_LIB` if none.
#[track_caller]
pub(crate) fn private_key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, SslError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
            .with_data(format!("private key: {e}"))
            .raise()
    })
}

/// A DER private key (PKCS#8, PKCS#1 or SEC1, told apart by structure); `ERR_R_ASN1_LIB` if
/// it is none of them.
#[track_caller]
pub(crate) fn private_key_from_der(der: &[u8]) -> Result<PrivateKeyDer<'static>, SslError> {
    PrivateKeyDer::try_from(der.to_vec()).map_err(|e| {
        SslError::new(ERR_LIB_SSL, err_r::ASN1_LIB)
            .with_data(format!("private key: {e}"))
            .raise()
    })
}
