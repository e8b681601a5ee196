//! Peer verification: verify modes, the verify callback, and the rustls verifiers built from
//! a context's trust roots.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{ERR_LIB_SSL, SslError, err_r};

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

/// What the verify callback is told about the server certificate being checked.
#[derive(Debug)]
pub struct VerifyInfo<'a> {
    /// The server's end-entity certificate.
    pub end_entity: &'a CertificateDer<'a>,
    /// The other certificates the server sent.
    pub intermediates: &'a [CertificateDer<'a>],
    /// The name the certificate was checked against.
    pub server_name: &'a ServerName<'a>,
    /// Why the chain did not verify; `None` when it did.
    pub error: Option<&'a rustls::Error>,
}

/// The callback of `SSL_CTX_set_verify`: given `preverify_ok` (whether the chain verified) and
/// the details, returns whether to accept the certificate. Unlike OpenSSL's, it is called once
/// for the whole chain, not once per depth.
pub type VerifyCallback = Arc<dyn Fn(bool, &VerifyInfo<'_>) -> bool + Send + Sync>;

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
        roots: &RootCertStore,
        callback: Option<VerifyCallback>,
        provider: &Arc<CryptoProvider>,
    ) -> Self {
        let webpki =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots.clone()), provider.clone())
                .build()
                .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer));
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
        let preverify_ok = checked.is_ok();
        let accepted = match &self.callback {
            Some(callback) => callback(
                preverify_ok,
                &VerifyInfo {
                    end_entity,
                    intermediates,
                    server_name,
                    error: checked.as_ref().err(),
                },
            ),
            None => preverify_ok,
        };
        if accepted || !self.enforce {
            return Ok(ServerCertVerified::assertion());
        }
        Err(match checked {
            Err(e) => e,
            Ok(()) => {
                rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
            }
        })
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

/// A server's client-certificate verifier for `mode`: none without [`SSL_VERIFY_PEER`],
/// optional client certificates unless [`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`]. Fails with
/// `ERR_R_X509_LIB` when client certificates are requested but there are no trust roots.
#[track_caller]
pub(crate) fn client_verifier(
    mode: i32,
    roots: &RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, SslError> {
    if mode & SSL_VERIFY_PEER == 0 {
        return Ok(WebPkiClientVerifier::no_client_auth());
    }
    let mut builder =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots.clone()), provider.clone());
    if mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT == 0 {
        builder = builder.allow_unauthenticated();
    }
    builder.build().map_err(|e| {
        SslError::new(ERR_LIB_SSL, err_r::X509_LIB)
            .with_data(format!("client certificate verifier: {e}"))
            .raise()
    })
}
