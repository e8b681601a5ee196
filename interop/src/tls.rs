//! Contexts for hq-interop and HTTP/3 from PEM files.

use std::path::Path;

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::error::SslError;

/// The ALPN of hq-interop.
pub const ALPN_HQ: &[u8] = b"hq-interop";
/// The ALPN of HTTP/3.
pub const ALPN_H3: &[u8] = qssl_h3::ALPN;

/// One protocol as an ALPN list in wire format.
fn alpn_wire(alpn: &[u8]) -> Vec<u8> {
    let mut wire = vec![alpn.len() as u8];
    wire.extend_from_slice(alpn);
    wire
}

/// A client context trusting the certificates in `ca_pem`, verifying the server and
/// offering `alpn` (hq-interop or h3).
pub fn client_ctx(ca_pem: &Path, alpn: &[u8]) -> Result<SslCtx, SslError> {
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(ca_pem), None)?;
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(&alpn_wire(alpn))?;
    Ok(ctx)
}

/// A server context with the chain in `cert_pem` and the key in `key_pem`, answering
/// `alpn` (hq-interop or h3).
pub fn server_ctx(cert_pem: &Path, key_pem: &Path, alpn: &[u8]) -> Result<SslCtx, SslError> {
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(cert_pem)?;
    ctx.use_private_key_file(key_pem, FileType::Pem)?;
    ctx.check_private_key()?;
    ctx.set_alpn_protos(&alpn_wire(alpn))?;
    Ok(ctx)
}
