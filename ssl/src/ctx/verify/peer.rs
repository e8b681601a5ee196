//! A client's verifier of the server certificate.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::chain::{Request, check};
use super::signature;
use super::x509::x509_v;
use super::{SSL_VERIFY_PEER, VerifyPolicy};
use crate::ctx::TrustStore;
use crate::x509::verify::Purpose;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Which name a server certificate is checked against.
#[derive(Debug, Clone)]
pub(crate) enum NameCheck {
    /// The name the connection was started with (its SNI): a context's own configuration.
    Presented,
    /// OpenSSL's per-connection rule: the chain is verified, and the name only if one was set
    /// with `SSL_set1_host` (or in the connection's verification parameters), independently
    /// of the SNI. The settings and the result slot are those of the connection the calling
    /// thread is driving (see [`in_connection`]): one verifier serves every connection of a
    /// context, as rustls requires for resuming their sessions.
    PerThread,
}

/// What a client connection's verification uses: its verify settings (`SSL_set_verify`,
/// `SSL_set1_host` and the rest of its verification parameters, copied from the context
/// when the object was made) and where its result goes. Objects keep theirs in an `Arc`, so
/// entering the scope costs no copy.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionVerify {
    /// The connection's verify mode, callback and parameters.
    pub(crate) policy: VerifyPolicy,
    /// Where the result is recorded.
    pub(crate) result: Arc<VerifyResult>,
}

impl ConnectionVerify {
    /// `policy`, and an empty result slot.
    pub(crate) fn new(policy: VerifyPolicy) -> Self {
        ConnectionVerify {
            policy,
            result: Arc::new(VerifyResult::default()),
        }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<ConnectionVerify>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` (which may verify a server certificate) as the connection `scope` describes, for
/// verifiers with [`NameCheck::PerThread`].
pub(crate) fn in_connection<R>(scope: Arc<ConnectionVerify>, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|c| c.replace(Some(scope)));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = previous);
    out
}

/// What a connection's verifier found: the verify result, the chain it built and the
/// certificates the peer presented.
#[derive(Debug, Default)]
struct Found {
    code: i64,
    chain: Vec<CertificateDer<'static>>,
    presented: Vec<CertificateDer<'static>>,
}

/// Where a connection's verifier records what it found (`SSL_get_verify_result`,
/// `SSL_get0_verified_chain`).
#[derive(Debug, Default)]
pub(crate) struct VerifyResult(Mutex<Option<Found>>);

impl VerifyResult {
    /// The recorded `X509_V_*` code; `X509_V_OK` when nothing was verified.
    pub(crate) fn get(&self) -> i64 {
        self.0
            .lock()
            .map_or(x509_v::OK, |r| r.as_ref().map_or(x509_v::OK, |f| f.code))
    }

    /// The chain the verifier built (leaf first; up to the trust anchor when one was found);
    /// `None` when nothing was verified.
    pub(crate) fn chain(&self) -> Option<Vec<CertificateDer<'static>>> {
        self.0.lock().ok()?.as_ref().map(|f| f.chain.clone())
    }

    /// The certificates the peer presented (end-entity first), kept even when the handshake
    /// failed on them; `None` when nothing was verified.
    pub(crate) fn presented(&self) -> Option<Vec<CertificateDer<'static>>> {
        self.0.lock().ok()?.as_ref().map(|f| f.presented.clone())
    }

    fn set(&self, found: Found) {
        if let Ok(mut r) = self.0.lock() {
            *r = Some(found);
        }
    }
}

/// A client's server-certificate verifier: webpki against the context's store (as it is at
/// each verification), walked step by step through the verify callback as OpenSSL does, then
/// the verify mode.
#[derive(Clone)]
pub(crate) struct PeerVerifier {
    trusted: TrustStore,
    policy: VerifyPolicy,
    algorithms: WebPkiSupportedAlgorithms,
    names: NameCheck,
}

impl PeerVerifier {
    /// The verifier for `policy` and `trusted` on `provider`.
    pub(crate) fn new(
        policy: VerifyPolicy,
        trusted: TrustStore,
        provider: &Arc<CryptoProvider>,
    ) -> Self {
        PeerVerifier {
            trusted,
            policy,
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

    /// The verify settings, with the expected name per [`NameCheck`].
    fn settings(&self, presented: &ServerName<'_>) -> VerifyPolicy {
        match &self.names {
            NameCheck::Presented => {
                let mut policy = self.policy.clone();
                policy.params.set_host_or_ip(Some(&presented.to_str()));
                policy
            }
            NameCheck::PerThread => CURRENT.with(|c| match c.borrow().as_ref() {
                Some(scope) => scope.policy.clone(),
                None => self.policy.clone(),
            }),
        }
    }
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let policy = self.settings(server_name);
        let trusted = self.trusted.snapshot();
        let params = trusted.params_for(&policy.params, Purpose::SslServer);
        let verdict = check(&Request {
            end_entity,
            intermediates,
            trusted: &trusted,
            now,
            params: &params,
            callback: policy.callback.as_ref(),
            server_name: Some(server_name),
            enforce: policy.mode & SSL_VERIFY_PEER != 0,
        });
        if matches!(self.names, NameCheck::PerThread) {
            CURRENT.with(|c| {
                if let Some(scope) = c.borrow().as_ref() {
                    let presented = std::iter::once(end_entity)
                        .chain(intermediates)
                        .map(|c| c.clone().into_owned())
                        .collect();
                    scope.result.set(Found {
                        code: verdict.code,
                        chain: verdict.chain,
                        presented,
                    });
                }
            });
        }
        verdict.outcome.map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        signature::tls12(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        signature::tls13(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl fmt::Debug for PeerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerVerifier")
            .field("trusted", &self.trusted.len())
            .field("mode", &self.policy.mode)
            .field("callback", &self.policy.callback.is_some())
            .field("params", &self.policy.params)
            .finish()
    }
}
