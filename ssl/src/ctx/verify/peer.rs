//! A client's verifier of the server certificate.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{Peer, SSL_VERIFY_PEER, VerifyCallback, decide, no_roots};

/// A client's server-certificate verifier: webpki against the context's roots, then the verify
/// callback, then the verify mode.
pub(crate) struct PeerVerifier {
    /// The webpki verifier, or why it could not be built (no trust roots).
    webpki: Result<Arc<WebPkiServerVerifier>, rustls::Error>,
    /// Whether a rejected certificate fails the handshake (`SSL_VERIFY_PEER`).
    enforce: bool,
    callback: Option<VerifyCallback>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PeerVerifier {
    /// The verifier for `mode`, `roots` and `callback` on `provider`.
    pub(crate) fn new(
        mode: i32,
        roots: Arc<RootCertStore>,
        callback: Option<VerifyCallback>,
        provider: &Arc<CryptoProvider>,
    ) -> Self {
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(no_roots);
        PeerVerifier {
            webpki,
            enforce: mode & SSL_VERIFY_PEER != 0,
            callback,
            algorithms: provider.signature_verification_algorithms,
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
        let checked = match &self.webpki {
            Ok(webpki) => webpki
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ()),
            Err(e) => Err(e.clone()),
        };
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
