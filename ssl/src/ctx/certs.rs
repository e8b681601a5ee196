//! Certificates and private keys from PEM files and from PEM or DER bytes.
//!
//! PEM is read by [`crate::x509::pem`] (the library's one PEM reader, `rustls-pki-types`'), as
//! `PEM_read_bio_X509` reads it; every certificate is also parsed as X.509 (x509-parser) so
//! that garbage fails when it is loaded, as it does in OpenSSL, not at handshake time.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::x509::{CERTIFICATE_LABEL, Certificate, pem};

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

/// The most bytes qssl reads from one certificate, key or trust-root file (also from each file
/// of a verify directory): 16 MiB, far above any real PEM bundle, so that a wrong path (a log
/// file, a disk image) cannot take unbounded memory. A larger file fails to load with
/// `ERR_R_BUF_LIB`.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Reads a whole file, raising the failure of [`read_bounded`].
#[track_caller]
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, SslError> {
    read_bounded(path).map_err(SslError::raise)
}

/// Reads a regular file of at most [`MAX_FILE_SIZE`] bytes, without raising: fails with the
/// `errno` if it cannot be opened or read, `ERR_R_SYS_LIB` if it is not a regular file (checked
/// before opening, so that a FIFO cannot block), `ERR_R_BUF_LIB` if it is larger.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, SslError> {
    let metadata = std::fs::metadata(path).map_err(|e| io_error(&e, path))?;
    if !metadata.is_file() {
        return Err(SslError::new(ERR_LIB_SSL, err_r::SYS_LIB)
            .with_data(format!("{}: not a regular file", path.display())));
    }
    let file = File::open(path).map_err(|e| io_error(&e, path))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&e, path))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(
            SslError::new(ERR_LIB_SSL, err_r::BUF_LIB).with_data(format!(
                "{}: larger than {MAX_FILE_SIZE} bytes",
                path.display()
            )),
        );
    }
    Ok(bytes)
}

/// Checks that DER bytes are an X.509 certificate, as OpenSSL's loading does (any version,
/// any extensions: what verification makes of them is decided when verifying); `reason` is
/// what to raise if not.
#[track_caller]
fn check_certificate(cert: &CertificateDer<'_>, reason: i32) -> Result<(), SslError> {
    match Certificate::from_der(cert) {
        Ok((_, used)) if used == cert.len() => Ok(()),
        Ok(_) => Err(SslError::new(ERR_LIB_SSL, reason)
            .with_data("certificate: trailing data")
            .raise()),
        Err(e) => Err(SslError::new(ERR_LIB_SSL, reason)
            .with_data(format!("certificate: {e}"))
            .raise()),
    }
}

/// Every certificate section of PEM text, in order (other sections are skipped), without
/// raising: `ERR_R_PEM_LIB` if any section is malformed.
pub(crate) fn pem_certificates(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, SslError> {
    pem::sections(text, CERTIFICATE_LABEL)
        .map(|der| der.map(CertificateDer::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error)
}

/// A malformed PEM section (the reader's `PEM_R_*` error): `ERR_R_PEM_LIB`, not raised.
fn pem_error(err: SslError) -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::PEM_LIB).with_data(format!("PEM: {err}"))
}

/// The error for PEM text without a certificate: `ERR_R_PEM_LIB`, raised.
#[track_caller]
fn no_certificate() -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
        .with_data("no certificate found")
        .raise()
}

/// Every certificate in PEM text, in order (other PEM sections are skipped). Fails with
/// `ERR_R_PEM_LIB` when the text is malformed or holds no certificate.
#[track_caller]
pub(crate) fn certificates_from_pem(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, SslError> {
    let certs = pem_certificates(text).map_err(SslError::raise)?;
    if certs.is_empty() {
        return Err(no_certificate());
    }
    for cert in &certs {
        check_certificate(cert, err_r::PEM_LIB)?;
    }
    Ok(certs)
}

/// The first certificate in PEM text, as `PEM_read_bio_X509` reads it: sections before it that
/// are not certificates are skipped, anything after it is not read. Fails with `ERR_R_PEM_LIB`
/// when there is no certificate, or it (or a section before it) is malformed.
#[track_caller]
pub(crate) fn first_certificate_from_pem(text: &[u8]) -> Result<CertificateDer<'static>, SslError> {
    let first = pem::sections(text, CERTIFICATE_LABEL).next().transpose();
    let Some(der) = first.map_err(|e| pem_error(e).raise())? else {
        return Err(no_certificate());
    };
    let cert = CertificateDer::from(der);
    check_certificate(&cert, err_r::PEM_LIB)?;
    Ok(cert)
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
pub(crate) fn private_key_from_pem(text: &[u8]) -> Result<PrivateKeyDer<'static>, SslError> {
    let key = pem::next_section(&mut &text[..], PrivateKeyDer::from_pem).map_err(|e| {
        SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
            .with_data(format!("private key: {e}"))
            .raise()
    })?;
    key.ok_or_else(|| {
        SslError::new(ERR_LIB_SSL, err_r::PEM_LIB)
            .with_data("private key: no key found")
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

/// What kind of key a [`PrivateKey`] is (`EVP_PKEY_get_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `EVP_PKEY_RSA`.
    Rsa,
    /// `EVP_PKEY_EC`.
    Ec,
    /// `EVP_PKEY_ED25519`.
    Ed25519,
}

/// A private key read on its own (`EVP_PKEY` from `PEM_read_bio_PrivateKey`), for
/// `SSL_CTX_use_PrivateKey`: its DER and kind. Only keys the provider can sign with are
/// taken.
pub struct PrivateKey {
    pub(crate) der: PrivateKeyDer<'static>,
    kind: KeyKind,
}

impl Clone for PrivateKey {
    fn clone(&self) -> Self {
        PrivateKey {
            der: self.der.clone_key(),
            kind: self.kind,
        }
    }
}

impl std::fmt::Debug for PrivateKey {
    /// The kind only: the key's bytes stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// The first private key (PKCS#8, PKCS#1 or SEC1) in PEM text: `ERR_R_PEM_LIB` if there is
    /// none, `ERR_R_EVP_LIB` if its algorithm is not one the provider signs with.
    #[track_caller]
    pub fn from_pem(text: &[u8]) -> Result<PrivateKey, SslError> {
        Self::new(private_key_from_pem(text)?)
    }

    /// A DER private key: `ERR_R_ASN1_LIB` if it does not parse, `ERR_R_EVP_LIB` as
    /// [`PrivateKey::from_pem`].
    #[track_caller]
    pub fn from_der(der: &[u8]) -> Result<PrivateKey, SslError> {
        Self::new(private_key_from_der(der)?)
    }

    #[track_caller]
    fn new(der: PrivateKeyDer<'static>) -> Result<PrivateKey, SslError> {
        let signer = rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(der.clone_key())
            .map_err(|e| {
                SslError::new(ERR_LIB_SSL, err_r::EVP_LIB)
                    .with_data(format!("private key: {e}"))
                    .raise()
            })?;
        Ok(Self::loaded(der, &*signer))
    }

    /// A key the provider has loaded as `signer`.
    pub(crate) fn loaded(
        der: PrivateKeyDer<'static>,
        signer: &dyn rustls::sign::SigningKey,
    ) -> Self {
        let kind = match signer.algorithm() {
            rustls::SignatureAlgorithm::RSA => KeyKind::Rsa,
            rustls::SignatureAlgorithm::ED25519 => KeyKind::Ed25519,
            _ => KeyKind::Ec,
        };
        PrivateKey { der, kind }
    }

    /// Whether two keys are the same key (the same DER).
    pub fn same_key(&self, other: &PrivateKey) -> bool {
        self.der.secret_der() == other.der.secret_der()
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }
}
