//! Peer verification: verify modes, the verify callback, the verification parameters, and
//! the rustls verifiers built from a context's trusted certificates ([`chain`] runs the
//! OpenSSL-semantics verifier for a handshake) — [`PeerVerifier`] for a client checking its
//! server, [`client_verifier`] for a server checking its clients.

mod chain;
mod client_auth;
mod peer;
mod signature;
mod x509;

use std::cell::Cell;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};

use crate::x509::verify::VerifyParams;
pub(crate) use chain::Trusted;
pub(crate) use client_auth::client_verifier;
pub(crate) use peer::{ConnectionVerify, PeerVerifier, VerifyResult, in_connection};
pub use x509::{verify_error_string, x509_v};

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

/// What the verify callback is told at one step of the chain walk.
#[derive(Debug)]
pub struct VerifyInfo<'a> {
    /// The chain as OpenSSL builds it (`X509_STORE_CTX_get0_chain`): the peer's certificate,
    /// the issuers found among the certificates it sent, and the trust anchor's certificate
    /// when one was found.
    pub chain: &'a [CertificateDer<'static>],
    /// The certificate this step is about: an index into [`chain`](Self::chain), 0 being the
    /// peer's own (`X509_STORE_CTX_get_error_depth`).
    pub depth: usize,
    /// On a client, the name the server's certificate was checked against; `None` on a server
    /// checking a client certificate.
    pub server_name: Option<&'a ServerName<'a>>,
    /// Why the chain did not verify; `None` when it did.
    pub error: Option<&'a rustls::Error>,
    code: Cell<i64>,
}

impl VerifyInfo<'_> {
    /// The certificate at [`depth`](Self::depth) (`X509_STORE_CTX_get_current_cert`).
    pub fn current(&self) -> &CertificateDer<'static> {
        &self.chain[self.depth]
    }

    /// The verify result so far as an `X509_V_*` code (`X509_STORE_CTX_get_error`): this
    /// step's error, or the last one an earlier step reported (and the callback accepted).
    pub fn code(&self) -> i64 {
        self.code.get()
    }

    /// `X509_STORE_CTX_set_error`: changes the verify result from here on, as the callback
    /// sees it in later steps and as the connection reports it in the end.
    pub fn set_code(&self, code: i64) {
        self.code.set(code);
    }
}

/// The callback of `SSL_CTX_set_verify`, called as OpenSSL calls it: for each error found in
/// the chain (`preverify_ok` false), then for each certificate from the top of the chain down
/// to the peer's own (true), with the details of the step. Returning false stops the walk
/// and rejects the certificate. A callback that panics rejects it (the panic does not unwind
/// into the TLS stack). The object being verified is busy while the callback runs: a call on
/// it from inside the callback panics instead of waiting.
pub type VerifyCallback = Arc<dyn Fn(bool, &VerifyInfo<'_>) -> bool + Send + Sync>;

/// OpenSSL's default verify depth: at most 100 CA certificates between leaf and anchor.
pub const DEFAULT_VERIFY_DEPTH: usize = crate::x509::verify::DEFAULT_DEPTH;

/// How a context or client object verifies its peers: `SSL_CTX_set_verify`'s (or
/// `SSL_set_verify`'s) mode and callback, and the verification parameters
/// (`SSL_CTX_get0_param`: flags, depth, expected names).
#[derive(Clone)]
pub(crate) struct VerifyPolicy {
    pub(crate) mode: i32,
    pub(crate) callback: Option<VerifyCallback>,
    pub(crate) params: VerifyParams,
}

impl std::fmt::Debug for VerifyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyPolicy")
            .field("mode", &self.mode)
            .field("callback", &self.callback.is_some())
            .field("params", &self.params)
            .finish()
    }
}

impl VerifyPolicy {
    /// `SSL_set_verify`'s change: the mode, and the callback (kept as it was when `None`, as
    /// OpenSSL keeps it).
    pub(crate) fn set(&mut self, mode: i32, callback: Option<VerifyCallback>) {
        self.mode = mode;
        if callback.is_some() {
            self.callback = callback;
        }
    }

    /// `SSL_set_verify_depth`'s change (a negative depth unsets it).
    pub(crate) fn set_depth(&mut self, depth: i32) {
        self.params.depth = usize::try_from(depth).ok();
    }

    /// The depth as `SSL_get_verify_depth` reports it: -1 while unset.
    pub(crate) fn c_depth(&self) -> i32 {
        self.params
            .depth
            .map_or(-1, |d| i32::try_from(d).unwrap_or(i32::MAX))
    }

    /// `SSL_get_verify_mode` and `SSL_get_verify_depth`.
    pub(crate) fn settings(&self) -> (i32, i32) {
        (self.mode, self.c_depth())
    }
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            mode: SSL_VERIFY_NONE,
            callback: None,
            params: VerifyParams::default(),
        }
    }
}
