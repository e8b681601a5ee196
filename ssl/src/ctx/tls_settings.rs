//! A context's settings for TLS over a byte stream: protocol versions, cipher suites, options,
//! session caching and the callbacks of session creation and SNI.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::client::danger::ServerCertVerifier;

use rustls::SupportedCipherSuite;
use rustls::sign::CertifiedKey;

use super::SslCtx;
use super::tls_config::{parse_cipher_list, parse_ciphersuites};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};

/// `TLS1_2_VERSION`.
pub const TLS1_2_VERSION: i32 = 0x0303;
/// `TLS1_3_VERSION`.
pub const TLS1_3_VERSION: i32 = 0x0304;
/// `SSL_OP_NO_COMPRESSION`: on by default, as in OpenSSL; rustls never compresses records.
pub const SSL_OP_NO_COMPRESSION: u64 = 0x2_0000;
/// `SSL_OP_ENABLE_MIDDLEBOX_COMPAT`: on by default, as in OpenSSL; rustls always sends the
/// TLS 1.3 compatibility records, so clearing it has no effect.
pub const SSL_OP_ENABLE_MIDDLEBOX_COMPAT: u64 = 0x10_0000;
/// The options a new context has (OpenSSL's defaults).
pub const DEFAULT_OPTIONS: u64 = SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT;
/// `SSL_OP_IGNORE_UNEXPECTED_EOF`: a peer closing without close_notify reads as a clean end.
pub const SSL_OP_IGNORE_UNEXPECTED_EOF: u64 = 0x80;
/// `SSL_OP_NO_TICKET`: a server issues no session tickets.
pub const SSL_OP_NO_TICKET: u64 = 0x4000;
/// `SSL_OP_CIPHER_SERVER_PREFERENCE`: a server picks the cipher suite by its own order.
pub const SSL_OP_CIPHER_SERVER_PREFERENCE: u64 = 0x40_0000;
/// `SSL_OP_NO_RENEGOTIATION`: accepted; TLS renegotiation is never done.
pub const SSL_OP_NO_RENEGOTIATION: u64 = 0x4000_0000;
/// `SSL_SESS_CACHE_OFF`.
pub const SSL_SESS_CACHE_OFF: i64 = 0;
/// `SSL_SESS_CACHE_CLIENT`: a client keeps sessions for resumption on its own.
pub const SSL_SESS_CACHE_CLIENT: i64 = 1;
/// `SSL_SESS_CACHE_SERVER` (the default): a server keeps sessions.
pub const SSL_SESS_CACHE_SERVER: i64 = 2;
/// `SSL_SESS_CACHE_BOTH`.
pub const SSL_SESS_CACHE_BOTH: i64 = 3;
/// `SSL_SESS_CACHE_NO_INTERNAL_STORE`: sessions are not kept in the context's own cache
/// (the application keeps them, from the new-session callback).
pub const SSL_SESS_CACHE_NO_INTERNAL_STORE: i64 = 0x200;

/// `SSL_CTX_sess_set_new_cb`: called on a client with each new session the server sent, for
/// the application to keep (to resume with `set_session` later).
pub type NewSessionCallback = Arc<dyn Fn(crate::tls::SslSession) + Send + Sync>;

/// What an SNI callback decided (`SSL_TLSEXT_ERR_*`, plus `SSL_set_SSL_CTX`).
#[derive(Clone)]
pub enum SniAction {
    /// `SSL_TLSEXT_ERR_OK`: go on with the context's certificate.
    Continue,
    /// `SSL_set_SSL_CTX` then `SSL_TLSEXT_ERR_OK`: answer with this certificate and key
    /// (typically another context's, see [`SslCtx::certified_key`]).
    UseIdentity(Arc<CertifiedKey>),
    /// `SSL_TLSEXT_ERR_ALERT_FATAL`: refuse the client (unrecognized_name).
    Refuse,
}

impl std::fmt::Debug for SniAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SniAction::Continue => f.write_str("Continue"),
            SniAction::UseIdentity(_) => f.write_str("UseIdentity"),
            SniAction::Refuse => f.write_str("Refuse"),
        }
    }
}

/// `SSL_CTX_set_tlsext_servername_callback` (server): given the name the client asked for
/// (if any), decides which certificate answers. A callback that panics refuses the client.
pub type ServernameCallback = Arc<dyn Fn(Option<&str>) -> SniAction + Send + Sync>;

/// `SSL_SESSION_ID_CONTEXT` room (`SSL_MAX_SID_CTX_LENGTH`).
pub const MAX_SID_CTX_LENGTH: usize = 32;

/// How long sessions stay usable (`SSL_CTX_set_timeout`), shared with what was built from the
/// context so a change applies at once: servers advertise it as their tickets' lifetime and
/// clients stop offering sessions older than it.
#[derive(Debug, Clone)]
pub(crate) struct SessionTimeout(Arc<AtomicU32>);

impl Default for SessionTimeout {
    /// OpenSSL's default for TLS: two hours.
    fn default() -> Self {
        SessionTimeout(Arc::new(AtomicU32::new(7200)))
    }
}

impl SessionTimeout {
    /// The timeout in seconds.
    pub(crate) fn secs(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// The timeout.
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_secs(u64::from(self.secs()))
    }

    fn set(&self, secs: u32) -> u32 {
        self.0.swap(secs, Ordering::Relaxed)
    }
}

/// TLS-over-TCP settings of a context.
#[derive(Default)]
pub(crate) struct TlsSettings {
    /// Lowest and highest protocol version (0: no bound).
    pub(crate) min_version: i32,
    pub(crate) max_version: i32,
    /// TLS 1.3 suites (`SSL_CTX_set_ciphersuites`); `None`: the provider's.
    pub(crate) tls13_suites: Option<Vec<SupportedCipherSuite>>,
    /// TLS 1.2 suites (`SSL_CTX_set_cipher_list`); `None`: the provider's.
    pub(crate) tls12_suites: Option<Vec<SupportedCipherSuite>>,
    /// Key exchange groups (`SSL_CTX_set1_groups_list`); `None`: the provider's.
    pub(crate) groups: Option<Vec<rustls::NamedGroup>>,
    /// `SSL_CTX_set_client_CA_list`'s names (DER), sent with a certificate request.
    pub(crate) client_ca_names: Vec<Vec<u8>>,
    pub(crate) options: u64,
    /// `SSL_SESS_CACHE_*`; `None` for the default (server caching).
    pub(crate) cache_mode: Option<i64>,
    pub(crate) new_session: Option<NewSessionCallback>,
    pub(crate) servername: Option<ServernameCallback>,
    pub(crate) session_timeout: SessionTimeout,
    /// `SSL_CTX_set_session_id_context`.
    pub(crate) sid_ctx: Vec<u8>,
    /// One ticket encrypter for every server connection of the context, so tickets one
    /// connection issues resume on another.
    pub(crate) ticketer: OnceLock<Arc<dyn rustls::server::ProducesTickets>>,
    /// `SSL_CTX_set_max_early_data` (QUIC servers: nonzero accepts early data).
    pub(crate) max_early_data: u32,
    /// One session cache for the context's server connections.
    pub(crate) session_store: OnceLock<Arc<dyn rustls::server::StoresServerSessions>>,
    /// One session cache for the context's client connections (`SSL_SESS_CACHE_CLIENT`).
    pub(crate) client_cache: OnceLock<Arc<dyn rustls::client::ClientSessionStore>>,
    /// rustls resumes a session only with the very verifier and client-certificate resolver
    /// it was made with: the context keeps one of each for its client objects until the
    /// settings behind them change.
    pub(crate) client_verifier: Mutex<Option<Arc<dyn ServerCertVerifier>>>,
    pub(crate) client_identity: Mutex<Option<Arc<dyn ResolvesClientCert>>>,
}

impl TlsSettings {
    /// The trust or verify settings changed: client objects made from now on get a new
    /// verifier (and cannot resume older sessions).
    pub(crate) fn forget_verifier(&mut self) {
        *self
            .client_verifier
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The certificate or key changed: client objects get a new certificate resolver.
    pub(crate) fn forget_client_identity(&mut self) {
        *self
            .client_identity
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl SslCtx {
    /// `SSL_CTX_set_min_proto_version`: the lowest TLS version (`TLS1_2_VERSION`,
    /// `TLS1_3_VERSION`; 0 for the lowest supported, TLS 1.2). Older versions are accepted
    /// as bounds but never negotiated. Fails with `SSL_R_UNSUPPORTED_SSL_VERSION` for values
    /// that are not TLS versions.
    #[track_caller]
    pub fn set_min_proto_version(&mut self, version: i32) -> Result<(), SslError> {
        check_version(version)?;
        self.tls.min_version = version;
        Ok(())
    }

    /// `SSL_CTX_set_max_proto_version`: the highest TLS version (0: the highest, TLS 1.3).
    #[track_caller]
    pub fn set_max_proto_version(&mut self, version: i32) -> Result<(), SslError> {
        check_version(version)?;
        self.tls.max_version = version;
        Ok(())
    }

    /// `SSL_CTX_get_min_proto_version`.
    pub fn min_proto_version(&self) -> i32 {
        self.tls.min_version
    }

    /// `SSL_CTX_get_max_proto_version`.
    pub fn max_proto_version(&self) -> i32 {
        self.tls.max_version
    }

    /// `SSL_CTX_set_ciphersuites`: the TLS 1.3 suites, as OpenSSL names separated by colons
    /// (`TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256`). Unknown names are skipped;
    /// an empty string disables TLS 1.3 suites. Fails with `SSL_R_NO_CIPHER_MATCH` if names
    /// were given and none is known.
    #[track_caller]
    pub fn set_ciphersuites(&mut self, list: &str) -> Result<(), SslError> {
        self.tls.tls13_suites = Some(parse_ciphersuites(list, &self.provider)?);
        Ok(())
    }

    /// `SSL_CTX_set_cipher_list`: the TLS 1.2 suites, in OpenSSL's cipher-string syntax:
    /// suite names (`ECDHE-RSA-AES128-GCM-SHA256`) and the aliases that select among the
    /// suites available here (`DEFAULT`, `ALL`, `HIGH`, `ECDHE`, `EECDH`, `aRSA`, `aECDSA`,
    /// `AESGCM`, `AES128`, `AES256`, `CHACHA20`), joined by `:`, `,` or spaces, with `!`/`-`
    /// to remove. Fails with `SSL_R_NO_CIPHER_MATCH` when nothing is selected.
    #[track_caller]
    pub fn set_cipher_list(&mut self, list: &str) -> Result<(), SslError> {
        self.tls.tls12_suites = Some(parse_cipher_list(list, &self.provider)?);
        Ok(())
    }

    /// `SSL_CTX_set_options`: adds `SSL_OP_*` bits; returns the new options.
    pub fn set_options(&mut self, options: u64) -> u64 {
        self.tls.options |= options;
        self.tls.options
    }

    /// `SSL_CTX_clear_options`: removes bits; returns the new options.
    pub fn clear_options(&mut self, options: u64) -> u64 {
        self.tls.options &= !options;
        self.tls.options
    }

    /// `SSL_CTX_get_options`.
    pub fn options(&self) -> u64 {
        self.tls.options
    }

    /// `SSL_CTX_set_session_cache_mode`: returns the previous mode. A client caches
    /// sessions by itself only with `SSL_SESS_CACHE_CLIENT`; otherwise it resumes only the
    /// session given to `set_session`.
    pub fn set_session_cache_mode(&mut self, mode: i64) -> i64 {
        let old = self.session_cache_mode();
        self.tls.cache_mode = Some(mode);
        old
    }

    /// `SSL_CTX_get_session_cache_mode` (`SSL_SESS_CACHE_SERVER` by default).
    pub fn session_cache_mode(&self) -> i64 {
        self.tls.cache_mode.unwrap_or(SSL_SESS_CACHE_SERVER)
    }

    /// The context's client session cache, when `SSL_SESS_CACHE_CLIENT` is on.
    pub(crate) fn client_session_cache(
        &self,
    ) -> Option<Arc<dyn rustls::client::ClientSessionStore>> {
        let mode = self.session_cache_mode();
        let store =
            mode & SSL_SESS_CACHE_CLIENT != 0 && mode & SSL_SESS_CACHE_NO_INTERNAL_STORE == 0;
        store.then(|| {
            self.tls
                .client_cache
                .get_or_init(|| Arc::new(rustls::client::ClientSessionMemoryCache::new(256)))
                .clone()
        })
    }

    /// The callback told of new client sessions: as in OpenSSL, only when client caching is
    /// on (`SSL_SESS_CACHE_CLIENT`).
    pub(crate) fn new_session_callback(&self) -> Option<NewSessionCallback> {
        if self.session_cache_mode() & SSL_SESS_CACHE_CLIENT == 0 {
            return None;
        }
        self.tls.new_session.clone()
    }

    /// `SSL_CTX_set_timeout`: how long sessions stay usable, in seconds; returns the
    /// previous value (7200 by default). Servers advertise it as their tickets' lifetime;
    /// client objects made from the context no longer offer sessions older than it.
    pub fn set_session_timeout(&mut self, secs: u32) -> u32 {
        self.tls.session_timeout.set(secs)
    }

    /// `SSL_CTX_get_timeout`.
    pub fn session_timeout(&self) -> u32 {
        self.tls.session_timeout.secs()
    }

    /// `SSL_CTX_set_session_id_context`: the context sessions are bound to (at most 32
    /// bytes). qssl's sessions never resume across contexts, which is what binding them to a
    /// context ensures, so the value is only kept and reported.
    #[track_caller]
    pub fn set_session_id_context(&mut self, sid_ctx: &[u8]) -> Result<(), SslError> {
        if sid_ctx.len() > MAX_SID_CTX_LENGTH {
            return Err(SslError::ssl(ssl_r::SSL_SESSION_ID_CONTEXT_TOO_LONG).raise());
        }
        self.tls.sid_ctx = sid_ctx.to_vec();
        Ok(())
    }

    /// The session ID context.
    pub fn session_id_context(&self) -> &[u8] {
        &self.tls.sid_ctx
    }

    /// The shared session timeout, for what is built from the context.
    pub(crate) fn session_timeout_handle(&self) -> SessionTimeout {
        self.tls.session_timeout.clone()
    }

    /// `SSL_CTX_sess_set_new_cb`: called only while `SSL_SESS_CACHE_CLIENT` is on, as in
    /// OpenSSL (with `SSL_SESS_CACHE_NO_INTERNAL_STORE` the application alone keeps them).
    pub fn set_new_session_callback(&mut self, callback: Option<NewSessionCallback>) {
        self.tls.new_session = callback;
    }

    /// `SSL_CTX_set_tlsext_servername_callback`.
    pub fn set_servername_callback(&mut self, callback: Option<ServernameCallback>) {
        self.tls.servername = callback;
    }

    /// The context's certificate and key as one unit, for another context's SNI callback to
    /// answer with ([`SniAction::UseIdentity`]). `None` without both.
    pub fn certified_key(&self) -> Option<Arc<CertifiedKey>> {
        let (_, signing) = self.identity.key.as_ref()?;
        if self.identity.chain.is_empty() {
            return None;
        }
        Some(Arc::new(CertifiedKey::new(
            self.identity.presented(),
            signing.clone(),
        )))
    }
}

/// Fails with `SSL_R_UNSUPPORTED_SSL_VERSION` for a value that is neither 0 nor a TLS
/// version number (SSL 3.0 to TLS 1.3).
#[track_caller]
fn check_version(version: i32) -> Result<(), SslError> {
    match version {
        0 | 0x0300..=0x0304 => Ok(()),
        _ => Err(SslError::ssl(ssl_r::UNSUPPORTED_SSL_VERSION)
            .with_data(format!("protocol version {version:#x}"))
            .raise()),
    }
}

/// `SSL_R_NO_CIPHER_MATCH` for a cipher string that selects nothing.
#[track_caller]
pub(crate) fn no_cipher_match(list: &str) -> SslError {
    SslError::ssl(ssl_r::NO_CIPHER_MATCH)
        .with_data(format!("no cipher suite matches {list:?}"))
        .raise()
}

/// `ERR_R_PASSED_INVALID_ARGUMENT` for a TLS call on a QUIC context or the reverse.
#[track_caller]
pub(crate) fn wrong_method(what: &str) -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
        .with_data(what.to_owned())
        .raise()
}
