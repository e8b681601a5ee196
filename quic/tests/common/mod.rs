//! Certificates and TLS configurations shared by the connection-level tests.

use std::sync::Arc;

/// ALPN both sides of the tests speak.
pub(crate) const ALPN: &[u8] = b"hq-interop";

/// A client and server configuration pair on `provider`: a fresh self-signed certificate for
/// "localhost" that the client trusts, TLS 1.3 only, ALPN set.
pub(crate) fn tls_configs(
    provider: rustls::crypto::CryptoProvider,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let id = qssl_tests::identity::Identity::localhost();
    let (cert_der, key) = (id.cert_der.clone(), id.private_key());
    let provider = Arc::new(provider);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der.clone()).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![ALPN.to_vec()];
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key)
        .unwrap();
    server.alpn_protocols = vec![ALPN.to_vec()];
    (Arc::new(client), Arc::new(server))
}
