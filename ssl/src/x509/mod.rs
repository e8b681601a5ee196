//! Certificates as the C library's `X509` and `X509_NAME` present them, and PEM.
//!
//! - [`Certificate`]: a certificate's DER with its subject and issuer parsed once
//!   (x509-parser), parsed from the start of DER as `d2i_X509` parses it, and checked against
//!   host names, IP addresses and e-mail addresses as OpenSSL checks them.
//! - [`Name`] and [`NameEntry`]: distinguished names with OpenSSL's NIDs and short names,
//!   and the text `X509_NAME_oneline` prints.
//! - [`verify`]: chain verification with OpenSSL's semantics (`X509_verify_cert`).
//! - [`pem`]: the library's one PEM reader (rustls-pki-types'), used by the contexts'
//!   certificate and key loading as well as by `PEM_read_bio_X509`, and the PEM writer.

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{ERR_LIB_ASN1, SslError, asn1_r};

mod name;
pub mod pem;
pub mod verify;

pub use name::{NID_UNDEF, Name, NameEntry};

/// The PEM label of a certificate section.
pub const CERTIFICATE_LABEL: &str = "CERTIFICATE";

/// The DER `SubjectPublicKeyInfo` of the certificate `der`, or `None` if it does not parse.
pub(crate) fn public_key_der(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.public_key().raw.to_vec())
}

/// A parsed X.509 certificate (`X509`): its DER and its subject and issuer names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    subject: Name,
    issuer: Name,
}

impl Certificate {
    /// Parses the certificate at the start of `der` (`d2i_X509`): it and how many bytes it
    /// took; what follows is not looked at. Fails, without raising, with
    /// `ASN1_R_NOT_ENOUGH_DATA` when the input ends inside the certificate and
    /// `ASN1_R_WRONG_TAG` when it is not a certificate.
    pub fn from_der(der: &[u8]) -> Result<(Certificate, usize), SslError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| {
            let reason = match e {
                x509_parser::nom::Err::Incomplete(_) => asn1_r::NOT_ENOUGH_DATA,
                _ => asn1_r::WRONG_TAG,
            };
            SslError::new(ERR_LIB_ASN1, reason).with_data(format!("certificate: {e}"))
        })?;
        let used = der.len() - rest.len();
        let parsed = Certificate {
            der: der[..used].to_vec(),
            subject: Name::from_parsed(cert.subject()),
            issuer: Name::from_parsed(cert.issuer()),
        };
        Ok((parsed, used))
    }

    /// The first certificate section of PEM text (sections of other labels before it are
    /// skipped), as `PEM_read_bio_X509` reads it: fails, without raising, with the PEM errors
    /// of [`pem::decode_section`] or the ASN.1 errors of [`Certificate::from_der`].
    pub fn from_pem(text: &[u8]) -> Result<Certificate, SslError> {
        let (der, _) = pem::decode_section(text, CERTIFICATE_LABEL)?;
        Certificate::from_der(&der).map(|(cert, _)| cert)
    }

    /// The certificate's DER (`i2d_X509`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a PEM `CERTIFICATE` section (`PEM_write_bio_X509`).
    pub fn to_pem(&self) -> String {
        pem::encode(CERTIFICATE_LABEL, &self.der)
    }

    /// The subject's name (`X509_get_subject_name`).
    pub fn subject(&self) -> &Name {
        &self.subject
    }

    /// The issuer's name (`X509_get_issuer_name`).
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }

    /// `X509_check_host`: the certificate's name that `host` matches under `flags`
    /// (`X509_CHECK_FLAG_*`), as OpenSSL matches it: the DNS alternative names (wildcards in
    /// the leftmost label, partial ones too unless forbidden), or without any the subject's
    /// common names. The name returned is the one written in the certificate.
    pub fn check_host(&self, host: &str, flags: u32) -> Option<String> {
        let info = verify::CertInfo::parse(&self.der)?;
        verify::match_host(&info, host, flags)
    }

    /// `X509_check_ip`: whether the certificate carries the address `ip` (network-order
    /// bytes) among its alternative names.
    pub fn check_ip(&self, ip: &[u8]) -> bool {
        verify::CertInfo::parse(&self.der).is_some_and(|info| verify::match_ip(&info, ip))
    }

    /// `X509_check_email`: whether the certificate carries the address `email`.
    pub fn check_email(&self, email: &str) -> bool {
        verify::CertInfo::parse(&self.der).is_some_and(|info| verify::match_email(&info, email))
    }
}
