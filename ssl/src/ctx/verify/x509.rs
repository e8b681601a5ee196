//! Certificate verification results as OpenSSL reports them: `X509_V_*` codes (what
//! `SSL_get_verify_result` returns) and `X509_verify_cert_error_string`'s texts.

use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, Error};

/// `X509_V_*` codes.
pub mod x509_v {
    /// `X509_V_OK`.
    pub const OK: i64 = 0;
    /// `X509_V_ERR_UNSPECIFIED`.
    pub const ERR_UNSPECIFIED: i64 = 1;
    /// `X509_V_ERR_CERT_SIGNATURE_FAILURE`.
    pub const ERR_CERT_SIGNATURE_FAILURE: i64 = 7;
    /// `X509_V_ERR_CERT_NOT_YET_VALID`.
    pub const ERR_CERT_NOT_YET_VALID: i64 = 9;
    /// `X509_V_ERR_CERT_HAS_EXPIRED`.
    pub const ERR_CERT_HAS_EXPIRED: i64 = 10;
    /// `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`.
    pub const ERR_DEPTH_ZERO_SELF_SIGNED_CERT: i64 = 18;
    /// `X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN`.
    pub const ERR_SELF_SIGNED_CERT_IN_CHAIN: i64 = 19;
    /// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
    pub const ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i64 = 20;
    /// `X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE`.
    pub const ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: i64 = 21;
    /// `X509_V_ERR_CERT_CHAIN_TOO_LONG`.
    pub const ERR_CERT_CHAIN_TOO_LONG: i64 = 22;
    /// `X509_V_ERR_CERT_REVOKED`.
    pub const ERR_CERT_REVOKED: i64 = 23;
    /// `X509_V_ERR_INVALID_PURPOSE`.
    pub const ERR_INVALID_PURPOSE: i64 = 26;
    /// `X509_V_ERR_CERT_REJECTED`.
    pub const ERR_CERT_REJECTED: i64 = 28;
    /// `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
    pub const ERR_UNHANDLED_CRITICAL_EXTENSION: i64 = 34;
    /// `X509_V_ERR_APPLICATION_VERIFICATION`.
    pub const ERR_APPLICATION_VERIFICATION: i64 = 50;
    /// `X509_V_ERR_HOSTNAME_MISMATCH`.
    pub const ERR_HOSTNAME_MISMATCH: i64 = 62;
    /// `X509_V_ERR_IP_ADDRESS_MISMATCH`.
    pub const ERR_IP_ADDRESS_MISMATCH: i64 = 64;
    /// `X509_V_ERR_UNABLE_TO_GET_CRL`.
    pub const ERR_UNABLE_TO_GET_CRL: i64 = 3;
    /// `X509_V_ERR_CRL_HAS_EXPIRED`.
    pub const ERR_CRL_HAS_EXPIRED: i64 = 12;
}

/// `X509_verify_cert_error_string`: OpenSSL 3's text for a verify result code.
pub fn verify_error_string(code: i64) -> String {
    match known_verify_error(code) {
        Some(text) => text.to_owned(),
        None => format!("error number {code}"),
    }
}

/// Whether `code` is a verify result qssl has a text for.
pub fn is_known_verify_error(code: i64) -> bool {
    known_verify_error(code).is_some()
}

fn known_verify_error(code: i64) -> Option<&'static str> {
    let text = match code {
        x509_v::OK => "ok",
        x509_v::ERR_UNSPECIFIED => "unspecified certificate verification error",
        x509_v::ERR_UNABLE_TO_GET_CRL => "unable to get certificate CRL",
        x509_v::ERR_CERT_SIGNATURE_FAILURE => "certificate signature failure",
        x509_v::ERR_CERT_NOT_YET_VALID => "certificate is not yet valid",
        x509_v::ERR_CERT_HAS_EXPIRED => "certificate has expired",
        x509_v::ERR_CRL_HAS_EXPIRED => "CRL has expired",
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT => "self-signed certificate",
        x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN => "self-signed certificate in certificate chain",
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY => "unable to get local issuer certificate",
        x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => "unable to verify the first certificate",
        x509_v::ERR_CERT_CHAIN_TOO_LONG => "certificate chain too long",
        x509_v::ERR_CERT_REVOKED => "certificate revoked",
        x509_v::ERR_INVALID_PURPOSE => "unsupported certificate purpose",
        x509_v::ERR_CERT_REJECTED => "certificate rejected",
        x509_v::ERR_UNHANDLED_CRITICAL_EXTENSION => "unhandled critical extension",
        x509_v::ERR_APPLICATION_VERIFICATION => "application verification failure",
        x509_v::ERR_HOSTNAME_MISMATCH => "hostname mismatch",
        x509_v::ERR_IP_ADDRESS_MISMATCH => "IP address mismatch",
        _ => return None,
    };
    Some(text)
}

/// The verify result code for a rustls verification error.
pub(crate) fn verify_code(error: &Error) -> i64 {
    let Error::InvalidCertificate(e) = error else {
        return x509_v::ERR_UNSPECIFIED;
    };
    match e {
        CertificateError::UnknownIssuer => x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            x509_v::ERR_CERT_HAS_EXPIRED
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            x509_v::ERR_CERT_NOT_YET_VALID
        }
        CertificateError::Revoked => x509_v::ERR_CERT_REVOKED,
        CertificateError::BadSignature => x509_v::ERR_CERT_SIGNATURE_FAILURE,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            x509_v::ERR_HOSTNAME_MISMATCH
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            x509_v::ERR_INVALID_PURPOSE
        }
        CertificateError::UnhandledCriticalExtension => x509_v::ERR_UNHANDLED_CRITICAL_EXTENSION,
        CertificateError::ApplicationVerificationFailure => x509_v::ERR_APPLICATION_VERIFICATION,
        CertificateError::UnknownRevocationStatus => x509_v::ERR_UNABLE_TO_GET_CRL,
        CertificateError::ExpiredRevocationList
        | CertificateError::ExpiredRevocationListContext { .. } => x509_v::ERR_CRL_HAS_EXPIRED,
        _ => x509_v::ERR_CERT_REJECTED,
    }
}

/// The rustls error for a webpki one, as rustls' own verifiers report it.
pub(crate) fn pki_error(error: webpki::Error) -> Error {
    use webpki::Error as E;
    let e = match error {
        E::BadDer | E::BadDerTime | E::TrailingData(_) => CertificateError::BadEncoding,
        E::CertNotValidYet { .. } => CertificateError::NotValidYet,
        E::CertExpired { .. } | E::InvalidCertValidity => CertificateError::Expired,
        E::UnknownIssuer => CertificateError::UnknownIssuer,
        E::CertNotValidForName(_) => CertificateError::NotValidForName,
        E::CertRevoked => CertificateError::Revoked,
        E::UnknownRevocationStatus => CertificateError::UnknownRevocationStatus,
        E::CrlExpired { .. } => CertificateError::ExpiredRevocationList,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => CertificateError::BadSignature,
        E::RequiredEkuNotFoundContext(_) => CertificateError::InvalidPurpose,
        E::UnsupportedCriticalExtension => CertificateError::UnhandledCriticalExtension,
        other => CertificateError::Other(rustls::OtherError(std::sync::Arc::new(other))),
    };
    Error::InvalidCertificate(e)
}

/// The error a verifier reports for `error` about `end_entity`: an untrusted self-signed
/// leaf is "unknown issuer" (alert unknown_ca, as OpenSSL sends) even when webpki said "bad
/// signature" after trying a trusted certificate of the same name as its issuer.
pub(crate) fn normalized(error: rustls::Error, end_entity: &CertificateDer<'_>) -> rustls::Error {
    match error {
        Error::InvalidCertificate(CertificateError::BadSignature) if is_self_signed(end_entity) => {
            Error::InvalidCertificate(CertificateError::UnknownIssuer)
        }
        other => other,
    }
}

/// Whether a certificate names itself as its issuer.
fn is_self_signed(cert: &CertificateDer<'_>) -> bool {
    names(cert).is_some_and(|(issuer, subject)| issuer == subject)
}

/// A certificate's raw issuer and subject names.
pub(super) fn names(cert: &CertificateDer<'_>) -> Option<(Vec<u8>, Vec<u8>)> {
    let parsed = webpki::EndEntityCert::try_from(cert).ok()?;
    Some((parsed.issuer().to_vec(), parsed.subject().to_vec()))
}
