//! rustls configurations for TLS over a byte stream, made from a context: protocol versions,
//! cipher suites (with OpenSSL's names and cipher-string syntax), certificates, verification,
//! ALPN, session caching, key logging, and per-client choices (SNI and ALPN callbacks).

use std::sync::{Arc, PoisonError};

use rustls::client::{ClientSessionStore, Resumption};
use rustls::crypto::CryptoProvider;
use rustls::server::{
    ClientHello, NoServerSessionStorage, ProducesTickets, ServerSessionMemoryCache,
};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{CipherSuite, ClientConfig, ServerConfig, SupportedCipherSuite};

use super::tls_settings::{
    SSL_OP_CIPHER_SERVER_PREFERENCE, SSL_OP_NO_TICKET, SSL_SESS_CACHE_SERVER, SessionTimeout,
    SniAction, TLS1_2_VERSION, TLS1_3_VERSION, no_cipher_match, wrong_method,
};
use super::{AlpnSelection, SslCtx, keylog, verify};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};

/// A suite's OpenSSL name and, for TLS 1.2 suites, the aliases that select it.
struct SuiteName {
    suite: CipherSuite,
    openssl: &'static str,
    aliases: &'static [&'static str],
}

/// The suites rustls offers on ring, by OpenSSL name.
const SUITES: &[SuiteName] = &[
    SuiteName {
        suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        openssl: "TLS_AES_128_GCM_SHA256",
        aliases: &[],
    },
    SuiteName {
        suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
        openssl: "TLS_AES_256_GCM_SHA384",
        aliases: &[],
    },
    SuiteName {
        suite: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        openssl: "TLS_CHACHA20_POLY1305_SHA256",
        aliases: &[],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
        aliases: &["aECDSA", "ECDSA", "AESGCM", "AES128", "AES"],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
        aliases: &["aECDSA", "ECDSA", "AESGCM", "AES256", "AES"],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
        aliases: &["aECDSA", "ECDSA", "CHACHA20"],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
        aliases: &["aRSA", "RSA", "AESGCM", "AES128", "AES"],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-RSA-AES256-GCM-SHA384",
        aliases: &["aRSA", "RSA", "AESGCM", "AES256", "AES"],
    },
    SuiteName {
        suite: CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-RSA-CHACHA20-POLY1305",
        aliases: &["aRSA", "RSA", "CHACHA20"],
    },
];

/// Aliases every TLS 1.2 suite here belongs to (all are ECDHE with AEAD ciphers).
const COMMON_ALIASES: &[&str] = &[
    "DEFAULT", "ALL", "HIGH", "ECDHE", "EECDH", "kECDHE", "AEAD", "TLSv1.2", "SECURE",
];

/// `SSL_CIPHER_get_name`: the OpenSSL name of a suite.
pub fn cipher_name(suite: SupportedCipherSuite) -> &'static str {
    SUITES
        .iter()
        .find(|s| s.suite == suite.suite())
        .map_or("(NONE)", |s| s.openssl)
}

/// The provider's suite of a name entry.
fn supported(provider: &CryptoProvider, suite: CipherSuite) -> Option<SupportedCipherSuite> {
    provider
        .cipher_suites
        .iter()
        .find(|s| s.suite() == suite)
        .copied()
}

/// `SSL_CTX_set_ciphersuites`: TLS 1.3 suites by name, in the order given.
#[track_caller]
pub(crate) fn parse_ciphersuites(
    list: &str,
    provider: &CryptoProvider,
) -> Result<Vec<SupportedCipherSuite>, SslError> {
    let mut out = Vec::new();
    let mut named = false;
    for name in list.split(':').map(str::trim).filter(|n| !n.is_empty()) {
        named = true;
        let found = SUITES
            .iter()
            .filter(|s| s.aliases.is_empty())
            .find(|s| s.openssl == name)
            .and_then(|s| supported(provider, s.suite));
        if let Some(suite) = found
            && !out.contains(&suite)
        {
            out.push(suite);
        }
    }
    if named && out.is_empty() {
        return Err(no_cipher_match(list));
    }
    Ok(out)
}

/// `SSL_CTX_set_cipher_list`: TLS 1.2 suites from an OpenSSL cipher string.
#[track_caller]
pub(crate) fn parse_cipher_list(
    list: &str,
    provider: &CryptoProvider,
) -> Result<Vec<SupportedCipherSuite>, SslError> {
    let tls12: Vec<&SuiteName> = SUITES.iter().filter(|s| !s.aliases.is_empty()).collect();
    let mut selected: Vec<CipherSuite> = Vec::new();
    let mut removed: Vec<CipherSuite> = Vec::new();
    for token in list
        .split([':', ',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let (remove, word) = match token.strip_prefix(['!', '-']) {
            Some(w) => (true, w),
            None => (false, token.strip_prefix('+').unwrap_or(token)),
        };
        // `A+B` selects the suites with both aliases.
        let parts: Vec<&str> = word.split('+').collect();
        let matches = tls12.iter().filter(|s| {
            parts
                .iter()
                .all(|p| s.openssl == *p || s.aliases.contains(p) || COMMON_ALIASES.contains(p))
        });
        for s in matches {
            if remove {
                removed.push(s.suite);
            } else if !selected.contains(&s.suite) {
                selected.push(s.suite);
            }
        }
    }
    let out: Vec<SupportedCipherSuite> = selected
        .into_iter()
        .filter(|s| !removed.contains(s))
        .filter_map(|s| supported(provider, s))
        .collect();
    if out.is_empty() {
        return Err(no_cipher_match(list));
    }
    Ok(out)
}

/// Everything a TLS server needs to make each client's configuration.
pub(crate) struct TlsServerTemplate {
    config: ServerConfig,
    default_key: Option<Arc<CertifiedKey>>,
    servername: Option<super::ServernameCallback>,
    alpn_select: Option<super::AlpnSelectCallback>,
}

/// TLS alert `internal_error`.
const ALERT_INTERNAL_ERROR: u8 = 80;
/// TLS alert `unrecognized_name`.
const ALERT_UNRECOGNIZED_NAME: u8 = 112;
/// TLS alert `no_application_protocol`.
const ALERT_NO_APPLICATION_PROTOCOL: u8 = 120;

/// Runs a servername callback for the name a client asked for: `Ok(Some(key))` to answer
/// with that certificate (another context's), `Ok(None)` to go on with the context's own,
/// `Err` with the alert that refuses the client (`unrecognized_name`; `internal_error` if the
/// callback panicked).
pub(crate) fn run_servername(
    callback: &super::ServernameCallback,
    name: Option<&str>,
) -> Result<Option<Arc<CertifiedKey>>, u8> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(name))) {
        Ok(SniAction::Continue) => Ok(None),
        Ok(SniAction::UseIdentity(k)) => Ok(Some(k)),
        Ok(SniAction::Refuse) => Err(ALERT_UNRECOGNIZED_NAME),
        Err(_) => Err(ALERT_INTERNAL_ERROR),
    }
}

/// Runs an ALPN select callback on the protocols a client offers: the protocol list to
/// answer with (empty: no ALPN), or the alert that refuses the client
/// (`no_application_protocol` for a refusal or a protocol not offered; `internal_error` if
/// the callback panicked).
pub(crate) fn run_alpn_select(
    callback: &super::AlpnSelectCallback,
    offered: &[&[u8]],
) -> Result<Vec<Vec<u8>>, u8> {
    let choice = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(offered)))
        .map_err(|_| ALERT_INTERNAL_ERROR)?;
    match choice {
        AlpnSelection::Selected(p) if offered.contains(&p.as_slice()) => Ok(vec![p]),
        AlpnSelection::Selected(_) | AlpnSelection::Fatal => Err(ALERT_NO_APPLICATION_PROTOCOL),
        AlpnSelection::NoAck => Ok(Vec::new()),
    }
}

impl TlsServerTemplate {
    /// The configuration for a client whose ClientHello is `hello`: the SNI callback picks the
    /// certificate, the ALPN select callback the protocol. `Err` carries the alert to refuse
    /// the client with.
    pub(crate) fn for_client(&self, hello: &ClientHello<'_>) -> Result<Arc<ServerConfig>, u8> {
        let mut config = self.config.clone();
        let key = match &self.servername {
            None => self.default_key.clone(),
            Some(cb) => run_servername(cb, hello.server_name())?.or(self.default_key.clone()),
        };
        let key = key.ok_or(ALERT_INTERNAL_ERROR)?;
        config.cert_resolver = Arc::new(SingleCertAndKey::from(key));
        if let (Some(cb), Some(offered)) = (&self.alpn_select, hello.alpn()) {
            let offered: Vec<&[u8]> = offered.collect();
            // Without a protocol chosen TLS goes on without ALPN.
            config.alpn_protocols = run_alpn_select(cb, &offered)?;
        }
        Ok(Arc::new(config))
    }
}

/// The cipher suites an object chose for itself (`SSL_set_ciphersuites`,
/// `SSL_set_cipher_list`) in place of its context's.
#[derive(Debug, Clone, Default)]
pub struct SuiteChoice {
    tls13: Option<Vec<SupportedCipherSuite>>,
    tls12: Option<Vec<SupportedCipherSuite>>,
}

impl SslCtx {
    /// `SSL_set_ciphersuites` for an object of this context: its TLS 1.3 suites by name.
    #[track_caller]
    pub fn choose_ciphersuites(
        &self,
        choice: &mut SuiteChoice,
        list: &str,
    ) -> Result<(), SslError> {
        choice.tls13 = Some(parse_ciphersuites(list, &self.provider)?);
        Ok(())
    }

    /// `SSL_set_cipher_list` for an object of this context: its TLS 1.2 suites.
    #[track_caller]
    pub fn choose_cipher_list(&self, choice: &mut SuiteChoice, list: &str) -> Result<(), SslError> {
        choice.tls12 = Some(parse_cipher_list(list, &self.provider)?);
        Ok(())
    }

    /// The provider restricted to the context's suite and group choices.
    pub(super) fn tls_provider(&self) -> Arc<CryptoProvider> {
        self.tls_provider_for(&SuiteChoice::default())
    }

    /// The provider restricted to an object's suite `choice` (the context's where it made
    /// none) and the context's groups.
    pub(super) fn tls_provider_for(&self, choice: &SuiteChoice) -> Arc<CryptoProvider> {
        let all = &self.provider.cipher_suites;
        let tls13 = choice
            .tls13
            .clone()
            .or_else(|| self.tls.tls13_suites.clone());
        let tls12 = choice
            .tls12
            .clone()
            .or_else(|| self.tls.tls12_suites.clone());
        let tls13 = tls13.unwrap_or_else(|| {
            all.iter()
                .filter(|s| matches!(s, SupportedCipherSuite::Tls13(_)))
                .copied()
                .collect()
        });
        let tls12 = tls12.unwrap_or_else(|| {
            all.iter()
                .filter(|s| matches!(s, SupportedCipherSuite::Tls12(_)))
                .copied()
                .collect()
        });
        Arc::new(CryptoProvider {
            cipher_suites: tls13.into_iter().chain(tls12).collect(),
            ..(*self.kx_provider()).clone()
        })
    }

    /// The protocol versions between the context's bounds, or `SSL_R_NO_PROTOCOLS_AVAILABLE`.
    #[track_caller]
    fn tls_versions(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, SslError> {
        let min = self.tls.min_version;
        let max = if self.tls.max_version == 0 {
            TLS1_3_VERSION
        } else {
            self.tls.max_version
        };
        let mut versions = Vec::new();
        if min <= TLS1_2_VERSION && max >= TLS1_2_VERSION {
            versions.push(&rustls::version::TLS12);
        }
        if min <= TLS1_3_VERSION && max >= TLS1_3_VERSION {
            versions.push(&rustls::version::TLS13);
        }
        if versions.is_empty() {
            return Err(SslError::ssl(ssl_r::NO_PROTOCOLS_AVAILABLE).raise());
        }
        Ok(versions)
    }

    /// The client configuration of a TLS context, with `verifier` (made per connection) and
    /// sessions kept in `sessions`.
    #[track_caller]
    pub(crate) fn tls_client_config(
        &self,
        sessions: Arc<dyn ClientSessionStore>,
        choice: &SuiteChoice,
    ) -> Result<ClientConfig, SslError> {
        if self.method.is_quic() {
            return Err(wrong_method("TLS configuration of a QUIC context"));
        }
        self.resumable_client_config(
            self.tls_provider_for(choice),
            &self.tls_versions()?,
            sessions,
        )
        .map_err(|e| tls_setup_error(&e))
    }

    /// A client configuration whose sessions resume on the context's other clients: one
    /// verifier (with per-connection names and results, see `verify::in_connection`) and one
    /// certificate resolver for all of them, as rustls requires, and `sessions` as the store.
    pub(crate) fn resumable_client_config(
        &self,
        provider: Arc<CryptoProvider>,
        versions: &[&'static rustls::SupportedProtocolVersion],
        sessions: Arc<dyn ClientSessionStore>,
    ) -> Result<ClientConfig, rustls::Error> {
        let verifier = self
            .tls
            .client_verifier
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| Arc::new(self.peer_verifier().per_thread()))
            .clone();
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match (self.identity.presented(), &self.identity.key) {
            (chain, Some((key, _))) if !chain.is_empty() => {
                builder.with_client_auth_cert(chain, key.clone_key())?
            }
            _ => builder.with_no_client_auth(),
        };
        config.client_auth_cert_resolver = self
            .tls
            .client_identity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| config.client_auth_cert_resolver.clone())
            .clone();
        config.alpn_protocols = self.alpn.names().to_vec();
        config.resumption = Resumption::store(sessions);
        if let Some(keylog) = keylog::CtxKeyLog::for_ctx(self.keylog.as_ref()) {
            config.key_log = keylog;
        }
        Ok(config)
    }

    /// What a TLS server object needs to configure each client's handshake.
    #[track_caller]
    pub(crate) fn tls_server_template(
        &self,
        choice: &SuiteChoice,
    ) -> Result<TlsServerTemplate, SslError> {
        if self.method.is_quic() {
            return Err(wrong_method("TLS configuration of a QUIC context"));
        }
        let default_key = self.certified_key();
        if default_key.is_none() && self.tls.servername.is_none() {
            let reason = if self.identity.chain.is_empty() {
                ssl_r::NO_CERTIFICATE_ASSIGNED
            } else {
                ssl_r::NO_PRIVATE_KEY_ASSIGNED
            };
            return Err(SslError::ssl(reason).raise());
        }
        let client_verifier = self.with_ca_names(verify::client_verifier(
            self.verify.clone(),
            self.roots.trusted(),
            &self.provider,
        ));
        let resolver: Arc<dyn rustls::server::ResolvesServerCert> = match &default_key {
            Some(k) => Arc::new(SingleCertAndKey::from(k.clone())),
            None => Arc::new(rustls::server::ResolvesServerCertUsingSni::new()),
        };
        let mut config = ServerConfig::builder_with_provider(self.tls_provider_for(choice))
            .with_protocol_versions(&self.tls_versions()?)
            .map_err(|e| tls_setup_error(&e))?
            .with_client_cert_verifier(client_verifier)
            .with_cert_resolver(resolver);
        config.alpn_protocols = self.alpn.names().to_vec();
        config.ignore_client_order = self.tls.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0;
        if self.session_cache_mode() & SSL_SESS_CACHE_SERVER != 0 {
            config.session_storage = self
                .tls
                .session_store
                .get_or_init(|| ServerSessionMemoryCache::new(1024))
                .clone();
        } else {
            config.session_storage = Arc::new(NoServerSessionStorage {});
        }
        if self.tls.options & SSL_OP_NO_TICKET == 0 {
            let ticketer = self.tls.ticketer.get_or_init(|| {
                let inner = rustls::crypto::ring::Ticketer::new()
                    .unwrap_or_else(|_| Arc::new(NoTickets) as Arc<dyn ProducesTickets>);
                Arc::new(TimedTickets {
                    inner,
                    lifetime: self.session_timeout_handle(),
                })
            });
            config.ticketer = ticketer.clone();
        }
        if let Some(keylog) = keylog::CtxKeyLog::for_ctx(self.keylog.as_ref()) {
            config.key_log = keylog;
        }
        Ok(TlsServerTemplate {
            config,
            default_key,
            servername: self.tls.servername.clone(),
            alpn_select: self.alpn_select.clone(),
        })
    }
}

/// The context's ticket producer, advertising the context's session timeout as the tickets'
/// lifetime.
#[derive(Debug)]
struct TimedTickets {
    inner: Arc<dyn ProducesTickets>,
    lifetime: SessionTimeout,
}

impl ProducesTickets for TimedTickets {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    fn lifetime(&self) -> u32 {
        self.lifetime.secs()
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.inner.encrypt(plain)
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        self.inner.decrypt(cipher)
    }
}

/// A ticket producer that issues none (when the system could not make a ticket key).
#[derive(Debug)]
struct NoTickets;

impl ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }

    fn lifetime(&self) -> u32 {
        0
    }

    fn encrypt(&self, _plain: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn decrypt(&self, _cipher: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// A configuration rustls refuses (no suite for the versions, a bad key): reported as
/// `SSL_R_NO_CIPHERS_AVAILABLE` or `ERR_R_INTERNAL_ERROR` with rustls' text.
#[track_caller]
fn tls_setup_error(err: &rustls::Error) -> SslError {
    let reason = match err {
        rustls::Error::General(_) => ssl_r::NO_CIPHERS_AVAILABLE,
        _ => err_r::INTERNAL_ERROR,
    };
    SslError::new(ERR_LIB_SSL, reason)
        .with_data(err.to_string())
        .raise()
}
