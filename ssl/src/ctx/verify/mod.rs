//! Peer verification: verify modes, the verify callback, and the rustls verifiers built from
//! a context's trust roots ([`chain`] walks a chain as OpenSSL reports it) — [`PeerVerifier`] for a client checking its server,
//! [`client_verifier`] for a server checking its clients.

mod chain;
mod client_auth;
mod peer;
mod x509;

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};

pub(crate) use chain::Trusted;
use chain::{Examined, error_for_code};
pub(crate) use client_auth::client_verifier;
pub(crate) use peer::{ConnectionVerify, PeerVerifier, VerifyResult, in_connection};
pub use x509::{is_known_verify_error, verify_error_string, x509_v};

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
pub const DEFAULT_VERIFY_DEPTH: usize = 100;

/// How a context or client object verifies its peers: `SSL_CTX_set_verify`'s (or
/// `SSL_set_verify`'s) mode and callback, and `SSL_CTX_set_verify_depth`'s limit.
#[derive(Clone)]
pub(crate) struct VerifyPolicy {
    pub(crate) mode: i32,
    pub(crate) callback: Option<VerifyCallback>,
    /// `None` until set: the default, [`DEFAULT_VERIFY_DEPTH`].
    pub(crate) depth: Option<usize>,
}

impl std::fmt::Debug for VerifyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyPolicy")
            .field("mode", &self.mode)
            .field("callback", &self.callback.is_some())
            .field("depth", &self.depth)
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
        self.depth = usize::try_from(depth).ok();
    }

    /// The depth as `SSL_get_verify_depth` reports it: -1 while unset.
    pub(crate) fn c_depth(&self) -> i32 {
        self.depth
            .map_or(-1, |d| i32::try_from(d).unwrap_or(i32::MAX))
    }

    /// `SSL_get_verify_mode` and `SSL_get_verify_depth`.
    pub(crate) fn settings(&self) -> (i32, i32) {
        (self.mode, self.c_depth())
    }

    /// The most CA certificates allowed between leaf and anchor.
    pub(crate) fn max_depth(&self) -> usize {
        self.depth.unwrap_or(DEFAULT_VERIFY_DEPTH)
    }
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            mode: SSL_VERIFY_NONE,
            callback: None,
            depth: None,
        }
    }
}

/// The outcome of verifying a peer's chain.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// `Ok` to go on with the handshake, else the error it fails with.
    pub(crate) outcome: Result<(), rustls::Error>,
    /// The verify result (`SSL_get_verify_result`).
    pub(crate) code: i64,
}

/// Walks the steps of an examined chain through the callback (without one, a step passes
/// exactly when it has no error), stopping at the first step refused. The verify result is
/// the last error reported (or set by the callback); a step refused without an error makes
/// it `X509_V_ERR_UNSPECIFIED`, as in OpenSSL. A refusal fails the handshake only when
/// `enforce` is on (`SSL_VERIFY_PEER`).
fn decide(
    examined: &Examined,
    server_name: Option<&ServerName<'_>>,
    callback: Option<&VerifyCallback>,
    enforce: bool,
) -> Verdict {
    let mut code = x509_v::OK;
    let mut refused = false;
    for step in &examined.steps {
        if let Some(error) = step.error {
            code = error;
        }
        let ok = step.error.is_none();
        let accepted = match callback {
            Some(callback) => {
                let info = VerifyInfo {
                    chain: &examined.chain,
                    depth: step.depth,
                    server_name,
                    error: examined.verdict.as_ref().err(),
                    code: Cell::new(code),
                };
                let answer =
                    catch_unwind(AssertUnwindSafe(|| callback(ok, &info))).unwrap_or(false);
                code = info.code();
                answer
            }
            None => ok,
        };
        if !accepted {
            refused = true;
            break;
        }
    }
    if refused && code == x509_v::OK {
        code = x509_v::ERR_UNSPECIFIED;
    }
    let outcome = if refused && enforce {
        Err(refusal(&examined.verdict, code))
    } else {
        Ok(())
    };
    Verdict { outcome, code }
}

/// The error a refused certificate fails the handshake with: webpki's own when it is about
/// the same thing as the verify result, else one matching the result.
fn refusal(verdict: &Result<(), rustls::Error>, code: i64) -> rustls::Error {
    match verdict {
        Err(e) if x509::verify_code(e) == code => e.clone(),
        _ => error_for_code(code),
    }
}
