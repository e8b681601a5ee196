//! A client's verifier of the server certificate.

use std::fmt;
use std::sync::Arc;

use std::sync::Mutex;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor, verify_server_name,
};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::x509::{normalized, verify_code, x509_v};
use super::{Peer, SSL_VERIFY_PEER, VerifyCallback, decide, no_roots};

/// Which name a server certificate is checked against.
#[derive(Debug, Clone)]
pub(crate) enum NameCheck {
    /// The name the connection was started with (its SNI): a context's own configuration.
    Presented,
    /// OpenSSL's per-connection rule: the chain is verified, and the name only if one was set
    /// with `SSL_set1_host`, independently of the SNI.
    Expected(Option<ServerName<'static>>),
    /// The same rule with the expected name and the result slot of the connection the
    /// calling thread is driving (see [`in_connection`]): one verifier serves every
    /// connection of a context, as rustls requires for resuming their sessions.
    PerThread,
}

/// The connection a thread drives: its expected name and verify-result slot.
type Scope = (Option<ServerName<'static>>, Arc<VerifyResult>);

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Scope>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (which may verify a server certificate) as the connection expecting `expected`
/// and recording into `result`, for verifiers with [`NameCheck::PerThread`].
pub(crate) fn in_connection<R>(
    expected: Option<ServerName<'static>>,
    result: Arc<VerifyResult>,
    f: impl FnOnce() -> R,
) -> R {
    let previous = CURRENT.with(|c| c.replace(Some((expected, result))));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    out
}

/// Where a connection's verifier records its result (`SSL_get_verify_result`).
#[derive(Debug, Default)]
pub(crate) struct VerifyResult(Mutex<Option<i64>>);

impl VerifyResult {
    /// The recorded `X509_V_*` code; `X509_V_OK` when nothing was verified.
    pub(crate) fn get(&self) -> i64 {
        self.0
            .lock()
            .map_or(x509_v::OK, |r| r.unwrap_or(x509_v::OK))
    }

    fn set(&self, code: i64) {
        if let Ok(mut r) = self.0.lock() {
            *r = Some(code);
        }
    }
}

/// A client's server-certificate verifier: webpki against the context's roots, then the verify
/// callback, then the verify mode.
#[derive(Clone)]
pub(crate) struct PeerVerifier {
    /// The webpki verifier, or why it could not be built (no trust roots).
    webpki: Result<Arc<WebPkiServerVerifier>, rustls::Error>,
    roots: Arc<RootCertStore>,
    /// Whether a rejected certificate fails the handshake (`SSL_VERIFY_PEER`).
    enforce: bool,
    callback: Option<VerifyCallback>,
    algorithms: WebPkiSupportedAlgorithms,
    names: NameCheck,
}

impl PeerVerifier {
    /// The verifier for `mode`, `roots` and `callback` on `provider`.
    pub(crate) fn new(
        mode: i32,
        roots: Arc<RootCertStore>,
        callback: Option<VerifyCallback>,
        provider: &Arc<CryptoProvider>,
    ) -> Self {
        let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(no_roots);
        PeerVerifier {
            webpki,
            roots,
            enforce: mode & SSL_VERIFY_PEER != 0,
            callback,
            algorithms: provider.signature_verification_algorithms,
            names: NameCheck::Presented,
        }
    }

    /// The same verifier for every connection of a context, taking each connection's
    /// expected name and result slot from the thread driving it ([`in_connection`]).
    pub(crate) fn per_thread(&self) -> Self {
        PeerVerifier {
            names: NameCheck::PerThread,
            ..self.clone()
        }
    }

    /// webpki's verdict on the chain and, as [`NameCheck`] says, the name.
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        let webpki = self.webpki.as_ref().map_err(Clone::clone)?;
        let scoped;
        let names = match &self.names {
            NameCheck::PerThread => {
                scoped = CURRENT.with(|c| c.borrow().as_ref().map(|(name, _)| name.clone()));
                NameCheck::Expected(scoped.flatten())
            }
            other => other.clone(),
        };
        match &names {
            NameCheck::Presented => webpki
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ()),
            NameCheck::PerThread => Ok(()),
            NameCheck::Expected(expected) => {
                let cert = ParsedCertificate::try_from(end_entity)?;
                verify_server_cert_signed_by_trust_anchor(
                    &cert,
                    &self.roots,
                    intermediates,
                    now,
                    self.algorithms.all,
                )?;
                match expected {
                    Some(name) => verify_server_name(&cert, name),
                    None => Ok(()),
                }
            }
        }
    }
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let checked = self
            .check(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| normalized(e, end_entity));
        let code = match &checked {
            Ok(()) => x509_v::OK,
            Err(e) => verify_code(e, end_entity),
        };
        if matches!(self.names, NameCheck::PerThread) {
            CURRENT.with(|c| {
                if let Some((_, result)) = c.borrow().as_ref() {
                    result.set(code);
                }
            });
        }
        let peer = Peer {
            end_entity,
            intermediates,
            server_name: Some(server_name),
        };
        decide(checked, peer, self.callback.as_ref(), self.enforce)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl fmt::Debug for PeerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerVerifier")
            .field("has_roots", &self.webpki.is_ok())
            .field("enforce", &self.enforce)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}
