//! Verifying a peer's chain for a handshake: the OpenSSL-semantics verifier
//! ([`crate::x509::verify`]) against a context's trusted certificates, each of its steps
//! told to the verify callback, and its result turned into the handshake's verdict.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rustls::CertificateError;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::{VerifyCallback, VerifyInfo, verify_error_string, x509_v};
use crate::x509::verify::{CertInfo, Purpose, Store, VerifyParams, verify};

/// A context's trusted certificates (`X509_STORE`), and the flags, depth and purpose the
/// store adds to each verification with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trusted {
    pub(crate) store: Store,
    pub(crate) params: VerifyParams,
}

impl Trusted {
    /// The parameters of a verification with the store, as OpenSSL's `ssl_verify_internal`
    /// makes them: `own` (the object's or context's parameters), plus the store's flags, with
    /// the store's depth and purpose where `own` leaves them unset, and `role`'s purpose
    /// (what the peer's certificate must be fit for) where neither sets one
    /// ([`Purpose::Any`] standing for unset, as OpenSSL's 0).
    pub(crate) fn params_for(&self, own: &VerifyParams, role: Purpose) -> VerifyParams {
        let mut params = own.clone();
        params.flags |= self.params.flags;
        params.depth = own.depth.or(self.params.depth);
        params.purpose = [own.purpose, self.params.purpose]
            .into_iter()
            .find(|p| *p != Purpose::Any)
            .unwrap_or(role);
        params
    }

    /// Adds `cert`; false if it does not parse (a certificate already there counts as
    /// added).
    pub(crate) fn add(&mut self, cert: &CertificateDer<'_>) -> bool {
        self.store.add_der(cert).is_ok()
    }

    /// How many certificates are trusted.
    pub(crate) fn len(&self) -> usize {
        self.store.len()
    }
}

/// What to verify, and how.
pub(crate) struct Request<'a> {
    pub(crate) end_entity: &'a CertificateDer<'a>,
    pub(crate) intermediates: &'a [CertificateDer<'a>],
    pub(crate) trusted: &'a Trusted,
    pub(crate) now: UnixTime,
    /// The verification parameters, with the purpose and expected names set.
    pub(crate) params: &'a VerifyParams,
    /// The verify callback, if any.
    pub(crate) callback: Option<&'a VerifyCallback>,
    /// The name the client asked for (told to the callback), on a client.
    pub(crate) server_name: Option<&'a ServerName<'a>>,
    /// Whether a failed verification fails the handshake (`SSL_VERIFY_PEER`).
    pub(crate) enforce: bool,
}

/// The outcome of verifying a peer's chain.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// `Ok` to go on with the handshake, else the error it fails with.
    pub(crate) outcome: Result<(), rustls::Error>,
    /// The verify result (`SSL_get_verify_result`).
    pub(crate) code: i64,
    /// The chain built: the leaf, the issuers found, and the trust anchor when one was found.
    pub(crate) chain: Vec<CertificateDer<'static>>,
}

/// Verifies the peer's chain as OpenSSL does, calling the callback at each step (without
/// one, a step passes exactly when it has no error). The verify result is the last error
/// reported or set by the callback; a chain the verifier (or the callback) refuses fails
/// the handshake only when `enforce` is on.
pub(crate) fn check(r: &Request<'_>) -> Verdict {
    // Each entry must be one certificate and nothing else (OpenSSL: cert length mismatch).
    let parsed: Option<Vec<CertInfo>> = std::iter::once(r.end_entity)
        .chain(r.intermediates)
        .map(|c| CertInfo::parse(c).filter(|info| info.der.len() == c.len()))
        .collect();
    let Some(presented) = parsed else {
        // OpenSSL fails such a certificate message before verification, whatever the mode.
        return Verdict {
            outcome: Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            )),
            code: x509_v::ERR_UNSPECIFIED,
            chain: vec![r.end_entity.clone().into_owned()],
        };
    };
    let leaf = presented[0].clone();
    let mut step = |ok: bool, chain: &[CertInfo], depth: usize, code: &mut i64| -> bool {
        let Some(callback) = r.callback else {
            return ok;
        };
        let ders: Vec<CertificateDer<'static>> = chain
            .iter()
            .map(|c| CertificateDer::from(c.der.clone()))
            .collect();
        let error = (*code != x509_v::OK).then(|| error_for_code(*code));
        let info = VerifyInfo {
            chain: &ders,
            depth,
            server_name: r.server_name,
            error: error.as_ref(),
            code: Cell::new(*code),
        };
        let answer = catch_unwind(AssertUnwindSafe(|| callback(ok, &info))).unwrap_or(false);
        *code = info.code();
        answer
    };
    let now = i64::try_from(r.now.as_secs()).unwrap_or(i64::MAX);
    let verified = verify(leaf, presented, &r.trusted.store, r.params, now, &mut step);
    let outcome = if verified.ok || !r.enforce {
        Ok(())
    } else {
        Err(error_for_code(verified.error))
    };
    Verdict {
        outcome,
        code: verified.error,
        chain: verified
            .chain
            .into_iter()
            .map(|c| CertificateDer::from(c.der))
            .collect(),
    }
}

/// The rustls error a handshake fails with for a certificate rejected with `code`: one
/// rustls turns into the alert OpenSSL sends for it (`ssl_x509err2alert`).
pub(crate) fn error_for_code(code: i64) -> rustls::Error {
    use rustls::AlertDescription as A;
    let e = match openssl_alert(code) {
        A::UnknownCA => CertificateError::UnknownIssuer,
        A::CertificateExpired => CertificateError::Expired,
        A::CertificateRevoked => CertificateError::Revoked,
        A::DecryptError => CertificateError::BadSignature,
        A::UnsupportedCertificate => CertificateError::InvalidPurpose,
        A::BadCertificate => match code {
            x509_v::ERR_HOSTNAME_MISMATCH
            | x509_v::ERR_IP_ADDRESS_MISMATCH
            | x509_v::ERR_EMAIL_MISMATCH => CertificateError::NotValidForName,
            _ => CertificateError::BadEncoding,
        },
        A::CertificateUnknown => {
            CertificateError::Other(rustls::OtherError(std::sync::Arc::new(VerifyFailure(code))))
        }
        // Handshake failure and internal error: rustls sends handshake_failure for an error
        // that is not about the certificate itself.
        _ => return rustls::Error::General(verify_error_string(code).to_owned()),
    };
    rustls::Error::InvalidCertificate(e)
}

/// The alert OpenSSL sends for a verify result (`ssl_x509err2alert`'s table).
fn openssl_alert(code: i64) -> rustls::AlertDescription {
    use rustls::AlertDescription as A;
    match code {
        x509_v::ERR_APPLICATION_VERIFICATION => A::HandshakeFailure,
        x509_v::ERR_CA_KEY_TOO_SMALL
        | x509_v::ERR_EC_KEY_EXPLICIT_PARAMS
        | x509_v::ERR_CA_MD_TOO_WEAK
        | x509_v::ERR_CERT_NOT_YET_VALID
        | x509_v::ERR_CERT_REJECTED
        | x509_v::ERR_CERT_UNTRUSTED
        | x509_v::ERR_CRL_NOT_YET_VALID
        | x509_v::ERR_DANE_NO_MATCH
        | x509_v::ERR_EE_KEY_TOO_SMALL
        | x509_v::ERR_EMAIL_MISMATCH
        | x509_v::ERR_ERROR_IN_CERT_NOT_AFTER_FIELD
        | x509_v::ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD
        | x509_v::ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD
        | x509_v::ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD
        | x509_v::ERR_HOSTNAME_MISMATCH
        | x509_v::ERR_IP_ADDRESS_MISMATCH
        | x509_v::ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY
        | x509_v::ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE
        | x509_v::ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE => A::BadCertificate,
        x509_v::ERR_CERT_CHAIN_TOO_LONG
        | x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | x509_v::ERR_INVALID_CA
        | x509_v::ERR_PATH_LENGTH_EXCEEDED
        | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | x509_v::ERR_UNABLE_TO_GET_CRL
        | x509_v::ERR_UNABLE_TO_GET_CRL_ISSUER
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => A::UnknownCA,
        x509_v::ERR_CERT_HAS_EXPIRED | x509_v::ERR_CRL_HAS_EXPIRED => A::CertificateExpired,
        x509_v::ERR_CERT_REVOKED => A::CertificateRevoked,
        x509_v::ERR_CERT_SIGNATURE_FAILURE | x509_v::ERR_CRL_SIGNATURE_FAILURE => A::DecryptError,
        x509_v::ERR_INVALID_PURPOSE => A::UnsupportedCertificate,
        x509_v::ERR_INVALID_CALL
        | x509_v::ERR_OUT_OF_MEM
        | x509_v::ERR_STORE_LOOKUP
        | x509_v::ERR_UNSPECIFIED => A::InternalError,
        _ => A::CertificateUnknown,
    }
}

/// A verify result as an error value (for rustls' `OtherError`).
#[derive(Debug)]
struct VerifyFailure(i64);

impl std::fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(verify_error_string(self.0))
    }
}

impl std::error::Error for VerifyFailure {}
