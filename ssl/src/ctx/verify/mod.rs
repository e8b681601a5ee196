//! Peer verification: verify modes, the verify callback, and the rustls verifiers built from
//! a context's trust roots — [`PeerVerifier`] for a client checking its server,
//! [`client_verifier`] for a server checking its clients.

mod client_auth;
mod peer;
mod x509;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rustls::CertificateError;
use rustls::pki_types::{CertificateDer, ServerName};

pub(crate) use client_auth::client_verifier;
pub(crate) use peer::{PeerVerifier, VerifyResult, in_connection};
pub use x509::{is_known_verify_error, verify_error_string, x509_v};

/// `SSL_VERIFY_NONE`: a client does not fail the handshake on a bad server certificate (the
/// chain is still checked, and the callback still told; handshake signatures are always
/// verified); a server does not ask for a client certificate.
pub const SSL_VERIFY_NONE: i32 = 0;
/// `SSL_VERIFY_PEER`: verify the peer's certificate and fail the handshake if it is not trusted
/// (on a server: ask the client for a certificate).
pub const SSL_VERIFY_PEER: i32 = 1;
/// `SSL_VERIFY_FAIL_IF_NO_PEER_CERT`: server only, with [`SSL_VERIFY_PEER`]: a client that sends
/// no certificate fails the handshake.
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: i32 = 2;

/// What the verify callback is told about the peer certificate being checked.
#[derive(Debug)]
pub struct VerifyInfo<'a> {
    /// The peer's end-entity certificate.
    pub end_entity: &'a CertificateDer<'a>,
    /// The other certificates the peer sent.
    pub intermediates: &'a [CertificateDer<'a>],
    /// On a client, the name the server's certificate was checked against; `None` on a server
    /// checking a client certificate.
    pub server_name: Option<&'a ServerName<'a>>,
    /// Why the chain did not verify; `None` when it did.
    pub error: Option<&'a rustls::Error>,
    /// The same as an `X509_V_*` code (`X509_STORE_CTX_get_error`): [`x509_v::OK`] when the
    /// chain verified.
    pub code: i64,
}

/// The callback of `SSL_CTX_set_verify`: given `preverify_ok` (whether the chain verified) and
/// the details, returns whether to accept the certificate. Unlike OpenSSL's, it is called once
/// for the whole chain, not once per depth. A callback that panics rejects the certificate
/// (the panic does not unwind into the TLS stack). The object being verified is busy while
/// the callback runs: a call on it from inside the callback panics instead of waiting.
pub type VerifyCallback = Arc<dyn Fn(bool, &VerifyInfo<'_>) -> bool + Send + Sync>;

/// The peer certificate a verifier is deciding on.
struct Peer<'a> {
    end_entity: &'a CertificateDer<'a>,
    intermediates: &'a [CertificateDer<'a>],
    server_name: Option<&'a ServerName<'a>>,
}

/// The verdict on a certificate webpki `checked`: the callback's answer (webpki's without a
/// callback; `false` if it panics), then, if rejected, `checked`'s error or
/// `ApplicationVerificationFailure` — unless `enforce` is off, when everything is accepted.
fn decide(
    checked: Result<(), rustls::Error>,
    peer: Peer<'_>,
    callback: Option<&VerifyCallback>,
    enforce: bool,
) -> Result<(), rustls::Error> {
    let preverify_ok = checked.is_ok();
    let accepted = match callback {
        Some(callback) => {
            let info = VerifyInfo {
                end_entity: peer.end_entity,
                intermediates: peer.intermediates,
                server_name: peer.server_name,
                error: checked.as_ref().err(),
                code: checked
                    .as_ref()
                    .err()
                    .map_or(x509_v::OK, |e| x509::verify_code(e, peer.end_entity)),
            };
            catch_unwind(AssertUnwindSafe(|| callback(preverify_ok, &info))).unwrap_or(false)
        }
        None => preverify_ok,
    };
    if accepted || !enforce {
        return Ok(());
    }
    Err(match checked {
        Err(e) => e,
        Ok(()) => {
            rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
        }
    })
}

/// What a webpki verifier that cannot be built (no trust roots) reports for every certificate:
/// the issuer is unknown, as OpenSSL's `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
fn no_roots<E>(_: E) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
}
