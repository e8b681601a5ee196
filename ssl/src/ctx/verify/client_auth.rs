//! A server's verifier of client certificates.

use std::fmt;
use std::sync::Arc;

use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{
    Peer, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER, VerifyCallback, decide, no_roots,
};

/// A server's client-certificate verifier for `mode`: none without [`SSL_VERIFY_PEER`];
/// otherwise client certificates are requested (with no CA list, as OpenSSL by default),
/// required only with [`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`], and a certificate sent is checked by
/// webpki against `roots` (without roots every certificate fails) and then by `callback`.
pub(crate) fn client_verifier(
    mode: i32,
    roots: Arc<RootCertStore>,
    callback: Option<VerifyCallback>,
    provider: &Arc<CryptoProvider>,
) -> Arc<dyn ClientCertVerifier> {
    if mode & SSL_VERIFY_PEER == 0 {
        return WebPkiClientVerifier::no_client_auth();
    }
    let webpki = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
        .clear_root_hint_subjects()
        .build()
        .map_err(no_roots);
    Arc::new(ClientAuthVerifier {
        webpki,
        mandatory: mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0,
        callback,
        algorithms: provider.signature_verification_algorithms,
    })
}

/// Webpki against the context's roots, then the verify callback; a rejected certificate fails
/// the handshake.
struct ClientAuthVerifier {
    /// The webpki verifier, or why it could not be built (no trust roots).
    webpki: Result<Arc<dyn ClientCertVerifier>, rustls::Error>,
    /// Whether a client without a certificate fails the handshake.
    mandatory: bool,
    callback: Option<VerifyCallback>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ClientAuthVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki
            .as_ref()
            .map_or(&[], |webpki| webpki.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let checked = match &self.webpki {
            Ok(webpki) => webpki
                .verify_client_cert(end_entity, intermediates, now)
                .map(|_| ()),
            Err(e) => Err(e.clone()),
        }
        .map_err(|e| super::x509::normalized(e, end_entity));
        let peer = Peer {
            end_entity,
            intermediates,
            server_name: None,
        };
        decide(checked, peer, self.callback.as_ref(), true)
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
            .field("has_roots", &self.webpki.is_ok())
            .field("mandatory", &self.mandatory)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}
