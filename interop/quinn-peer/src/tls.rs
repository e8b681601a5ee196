//! quinn's configurations from the runner's certificates, with hq-interop as the ALPN and
//! TLS secrets written to `SSLKEYLOGFILE`.

use std::path::Path;
use std::sync::Arc;

use qssl_interop::tls::ALPN_HQ;
use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration with `certs/cert.pem` and `certs/priv.key`, accepting early data
/// (0-RTT) when `early_data`.
pub(crate) fn server(certs: &Path, early_data: bool) -> Result<quinn::ServerConfig, String> {
    let chain = CertificateDer::pem_file_iter(certs.join("cert.pem"))
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cert.pem: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(certs.join("priv.key"))
        .map_err(|e| format!("priv.key: {e}"))?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| e.to_string())?;
    tls.alpn_protocols = vec![ALPN_HQ.to_vec()];
    tls.key_log = Arc::new(rustls::KeyLogFile::new());
    if early_data {
        // What QUIC requires of a ticket allowing early data (RFC 9001 §4.6.1).
        tls.max_early_data_size = u32::MAX;
    }
    let crypto = QuicServerConfig::try_from(tls).map_err(|e| e.to_string())?;
    Ok(quinn::ServerConfig::with_crypto(Arc::new(crypto)))
}

/// Checks the server's handshake signatures but not its chain, as the interop runner's
/// clients mostly do: webpki refuses chains of more than six intermediates, and the
/// amplificationlimit test's has eight.
#[derive(Debug)]
struct SignaturesOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for SignaturesOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A client configuration offering only ChaCha20-Poly1305 when `chacha20_only` and early
/// data when `early_data`, checking the server's signatures but not its chain
/// ([`SignaturesOnly`]).
pub(crate) fn client(chacha20_only: bool, early_data: bool) -> Result<quinn::ClientConfig, String> {
    let mut provider = rustls::crypto::ring::default_provider();
    if chacha20_only {
        provider.cipher_suites =
            vec![rustls::crypto::ring::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256];
    }
    let provider = Arc::new(provider);
    let mut tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(SignaturesOnly(provider)))
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN_HQ.to_vec()];
    tls.key_log = Arc::new(rustls::KeyLogFile::new());
    tls.enable_early_data = early_data;
    // Initial packets are always sealed with AES-128-GCM, whatever the suites offered.
    let initial = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256
        .tls13()
        .and_then(|suite| suite.quic_suite())
        .ok_or("no AES-128-GCM for Initial packets")?;
    let crypto =
        QuicClientConfig::with_initial(Arc::new(tls), initial).map_err(|e| e.to_string())?;
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    if early_data {
        // The zerortt case allows the client 5000 bytes of 1-RTT packets, which quinn's
        // path MTU probes (up to four of 1452 bytes) would take alone.
        let mut transport = quinn::TransportConfig::default();
        transport.mtu_discovery_config(None);
        config.transport_config(Arc::new(transport));
    }
    Ok(config)
}
