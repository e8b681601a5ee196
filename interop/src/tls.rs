//! TLS configurations for hq-interop from PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The ALPN of hq-interop.
pub const ALPN_HQ: &[u8] = b"hq-interop";

/// Why a TLS configuration could not be built.
#[derive(Debug)]
pub struct TlsSetupError(String);

impl std::fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsSetupError {}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration trusting the certificates in `ca_pem`, offering hq-interop.
pub fn client_config(ca_pem: &Path) -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem)
        .map_err(|e| TlsSetupError(format!("{}: {e}", ca_pem.display())))?
    {
        let cert = cert.map_err(|e| TlsSetupError(format!("{}: {e}", ca_pem.display())))?;
        roots
            .add(cert)
            .map_err(|e| TlsSetupError(format!("bad CA certificate: {e}")))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsSetupError(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_HQ.to_vec()];
    Ok(Arc::new(config))
}

/// A server configuration with the chain in `cert_pem` and the key in `key_pem`, answering
/// hq-interop.
pub fn server_config(
    cert_pem: &Path,
    key_pem: &Path,
) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    let chain = CertificateDer::pem_file_iter(cert_pem)
        .map_err(|e| TlsSetupError(format!("{}: {e}", cert_pem.display())))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError(format!("{}: {e}", cert_pem.display())))?;
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .map_err(|e| TlsSetupError(format!("{}: {e}", key_pem.display())))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsSetupError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsSetupError(format!("certificate and key: {e}")))?;
    config.alpn_protocols = vec![ALPN_HQ.to_vec()];
    Ok(Arc::new(config))
}
