//! The CA names a server sends when it asks for a client certificate
//! (`SSL_CTX_set_client_CA_list`): the subjects of the authorities whose certificates it
//! takes, in the certificate request, so the client can pick a certificate. They are given as
//! DER names; without any, none are sent (as in OpenSSL).

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::SslCtx;

/// The DER subject and issuer names of a DER certificate (`None` if it does not parse).
pub fn name_ders(cert: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, parsed) = X509Certificate::from_der(cert).ok()?;
    Some((
        parsed.subject().as_raw().to_vec(),
        parsed.issuer().as_raw().to_vec(),
    ))
}

/// A client certificate verifier that sends `hints` as the acceptable CA names and leaves
/// everything else to the verifier it wraps.
#[derive(Debug)]
struct Hinted {
    inner: Arc<dyn ClientCertVerifier>,
    hints: Vec<DistinguishedName>,
}

impl ClientCertVerifier for Hinted {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    /// The context's CA names.
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}

impl SslCtx {
    /// `SSL_CTX_set_client_CA_list`: the CA names (DER) the server sends with its certificate
    /// request, replacing those set before; empty: none are sent.
    pub fn set_client_ca_names(&mut self, names: Vec<Vec<u8>>) {
        self.tls.client_ca_names = names;
    }

    /// The CA names a server sends.
    pub fn client_ca_names(&self) -> &[Vec<u8>] {
        &self.tls.client_ca_names
    }

    /// `verifier`, sending the context's CA names when it asks for a certificate.
    pub(crate) fn with_ca_names(
        &self,
        verifier: Arc<dyn ClientCertVerifier>,
    ) -> Arc<dyn ClientCertVerifier> {
        if self.tls.client_ca_names.is_empty() {
            return verifier;
        }
        Arc::new(Hinted {
            inner: verifier,
            hints: self
                .tls
                .client_ca_names
                .iter()
                .map(|n| DistinguishedName::from(n.clone()))
                .collect(),
        })
    }
}
