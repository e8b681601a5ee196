//! A server's verifier of client certificates.

use std::fmt;
use std::sync::Arc;

use super::chain::{Request, check};
use super::signature;
use super::{SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER, VerifyPolicy};
use crate::ctx::TrustStore;
use crate::x509::verify::Purpose;
use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// A server's client-certificate verifier for `policy`: none without [`SSL_VERIFY_PEER`];
/// otherwise client certificates are requested (with no CA list, as OpenSSL by default),
/// required only with [`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`], and a certificate sent is verified
/// as OpenSSL verifies it against `trusted` (without trusted certificates every certificate
/// fails), each step told to the callback.
pub(crate) fn client_verifier(
    policy: VerifyPolicy,
    trusted: TrustStore,
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

/// OpenSSL's verification against the context's trusted certificates, with the verify
/// callback; a rejected certificate fails the handshake.
struct ClientAuthVerifier {
    /// Whether a client without a certificate fails the handshake.
    mandatory: bool,
    trusted: TrustStore,
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
        let trusted = self.trusted.snapshot();
        let params = trusted.params_for(&self.policy.params, Purpose::SslClient);
        check(&Request {
            end_entity,
            intermediates,
            trusted: &trusted,
            now,
            params: &params,
            callback: self.policy.callback.as_ref(),
            server_name: None,
            enforce: true,
        })
        .outcome
        .map(|()| ClientCertVerified::assertion())
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

impl fmt::Debug for ClientAuthVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuthVerifier")
            .field("trusted", &self.trusted.len())
            .field("mandatory", &self.mandatory)
            .field("callback", &self.policy.callback.is_some())
            .finish()
    }
}
