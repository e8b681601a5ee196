//! Certificates as the C library's `X509` and `X509_NAME` present them, and PEM.
//!
//! - [`Certificate`]: a certificate's DER with its subject and issuer parsed once
//!   (x509-parser), parsed from the start of DER as `d2i_X509` parses it, and checked against
//!   host names and IP addresses (webpki, as the verifiers check them).
//! - [`Name`] and [`NameEntry`]: distinguished names with OpenSSL's NIDs and short names,
//!   and the text `X509_NAME_oneline` prints.
//! - [`pem`]: the library's one PEM reader (rustls-pki-types'), used by the contexts'
//!   certificate and key loading as well as by `PEM_read_bio_X509`, and the PEM writer.

use std::net::IpAddr;

use rustls::pki_types::{CertificateDer, DnsName, ServerName};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::error::{ERR_LIB_ASN1, SslError, asn1_r};

mod name;
pub mod pem;

pub use name::{NID_UNDEF, Name, NameEntry};

/// The PEM label of a certificate section.
pub const CERTIFICATE_LABEL: &str = "CERTIFICATE";

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

    /// Whether webpki finds the certificate valid for `name`: a DNS name or an IP address
    /// among its subject alternative names.
    pub fn valid_for(&self, name: &ServerName<'_>) -> bool {
        let der = CertificateDer::from(self.der.as_slice());
        webpki::EndEntityCert::try_from(&der)
            .is_ok_and(|ee| ee.verify_is_valid_for_subject_name(name).is_ok())
    }

    /// Whether the certificate is valid for the IP address `ip` (`X509_check_ip`).
    pub fn valid_for_ip(&self, ip: IpAddr) -> bool {
        self.valid_for(&ServerName::IpAddress(ip.into()))
    }

    /// The certificate's name that `host` matches, if any (`X509_check_host`): decided by
    /// webpki over the DNS alternative names (case-insensitive, a wildcard in the leftmost
    /// label), or without any by comparing the subject's common name (ignoring case), as
    /// OpenSSL does by default. The name returned is the alternative name as written (a
    /// wildcard one if that is what matched), or the common name.
    pub fn matching_dns_name(&self, host: &str) -> Option<String> {
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
}

/// Whether `host` is a syntactically valid DNS name (what `X509_check_host` accepts to
/// compare; it returns -2 for anything else).
pub fn is_dns_name(host: &str) -> bool {
    DnsName::try_from(host).is_ok()
}
