//! Contexts for hq-interop from PEM files.

use std::path::Path;

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::error::SslError;

/// The ALPN of hq-interop.
pub const ALPN_HQ: &[u8] = b"hq-interop";

/// ALPN list in wire format: hq-interop only.
fn alpn_wire() -> Vec<u8> {
    let mut wire = vec![ALPN_HQ.len() as u8];
    wire.extend_from_slice(ALPN_HQ);
    wire
}

/// A client context trusting the certificates in `ca_pem`, verifying the server and
/// offering hq-interop.
pub fn client_ctx(ca_pem: &Path) -> Result<SslCtx, SslError> {
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(ca_pem), None)?;
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(&alpn_wire())?;
    Ok(ctx)
}

/// A server context with the chain in `cert_pem` and the key in `key_pem`, answering
/// hq-interop.
pub fn server_ctx(cert_pem: &Path, key_pem: &Path) -> Result<SslCtx, SslError> {
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(cert_pem)?;
    ctx.use_private_key_file(key_pem, FileType::Pem)?;
    ctx.check_private_key()?;
    ctx.set_alpn_protos(&alpn_wire())?;
    Ok(ctx)
}
