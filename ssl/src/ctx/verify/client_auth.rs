//! A server's verifier of client certificates.

use std::fmt;
use std::sync::Arc;

use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, SignatureScheme};
use webpki::KeyUsage;

use super::chain::{Request, Trusted, examine};
use super::{SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER, VerifyPolicy, decide};

/// A server's client-certificate verifier for `policy`: none without [`SSL_VERIFY_PEER`];
/// otherwise client certificates are requested (with no CA list, as OpenSSL by default),
/// required only with [`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`], and a certificate sent is checked by
/// webpki against `trusted` (without roots every certificate fails) and walked through the
/// callback.
pub(crate) fn client_verifier(
    policy: VerifyPolicy,
    trusted: Arc<Trusted>,
    provider: &Arc<CryptoProvider>,
) -> Arc<dyn ClientCertVerifier> {
    if policy.mode & SSL_VERIFY_PEER == 0 {
        return WebPkiClientVerifier::no_client_auth();
    }
    Arc::new(ClientAuthVerifier {
        mandatory: policy.mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0,
        trusted,
        policy,
        algorithms: provider.signature_verification_algorithms,
    })
}

/// Webpki against the context's roots, then the verify callback; a rejected certificate fails
/// the handshake.
struct ClientAuthVerifier {
    /// Whether a client without a certificate fails the handshake.
    mandatory: bool,
    trusted: Arc<Trusted>,
    policy: VerifyPolicy,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ClientAuthVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let examined = examine(&Request {
            end_entity,
            intermediates,
            trusted: &self.trusted,
            now,
            algorithms: self.algorithms.all,
            usage: KeyUsage::client_auth(),
            name: None,
            max_depth: self.policy.max_depth(),
        });
        decide(&examined, None, self.policy.callback.as_ref(), true)
            .outcome
            .map(|()| ClientCertVerified::assertion())
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

impl fmt::Debug for ClientAuthVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuthVerifier")
            .field("roots", &self.trusted.certs.len())
            .field("mandatory", &self.mandatory)
            .field("callback", &self.policy.callback.is_some())
            .finish()
    }
}
