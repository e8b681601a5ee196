//! `SSL_CTX`: the shared settings QUIC connections are created from.
//!
//! An [`SslCtx`] is made for a [`Method`] and carries what OpenSSL's `SSL_CTX` carries for QUIC:
//! certificate and private key, trust roots and verify mode/callback, ALPN, key logging, and
//! the transport settings of [`ConnectionConfig`], plus the [`Clock`] its QUIC objects read
//! the time from. [`SslCtx::client_config`] and
//! [`SslCtx::server_config`] turn it into the rustls configurations the QUIC engine takes:
//! TLS 1.3 only, on the *ring* provider.
//!
//! Every failing call returns an [`SslError`] and also leaves the same record on the calling
//! thread's error queue, with the reason OpenSSL would record.
//!
//! **Modules.** `certs` parses certificates and keys, `roots` loads trust roots, `verify`
//! holds the verify modes, callback and verifiers, `alpn` the wire format, `keylog` the NSS key
//! log, `qlog` the qlog trace files (`QLOGDIR`).

mod alpn;
mod ca_names;
mod certs;
mod early_data;
mod groups;
mod keylog;
mod qlog;
mod roots;
pub use roots::TrustStore;
mod tls_config;
mod tls_settings;
mod verify;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use qssl_quic::Version;
use qssl_quic::client_hello::ServerTls;
pub use qssl_quic::conn::{ConnectionConfig, PreferredAddressConfig};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::SigningKey;
use rustls::{ClientConfig, ServerConfig};

pub use alpn::{
    AlpnSelectCallback, AlpnSelection, OPENSSL_NPN_NEGOTIATED, OPENSSL_NPN_NO_OVERLAP,
    select_next_proto,
};
pub use ca_names::name_ders;
pub use certs::{
    FileType, KeyKind, MAX_FILE_SIZE, PrivateKey, SSL_FILETYPE_ASN1, SSL_FILETYPE_PEM,
};
pub use keylog::KeylogCallback;
pub(crate) use tls_config::TlsServerTemplate;
pub use tls_config::{SuiteChoice, cipher_name};
pub(crate) use tls_settings::SessionTimeout;
pub use tls_settings::{
    DEFAULT_OPTIONS, MAX_SID_CTX_LENGTH, NewSessionCallback, SSL_OP_CIPHER_SERVER_PREFERENCE,
    SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_IGNORE_UNEXPECTED_EOF, SSL_OP_NO_COMPRESSION,
    SSL_OP_NO_RENEGOTIATION, SSL_OP_NO_TICKET, SSL_SESS_CACHE_BOTH, SSL_SESS_CACHE_CLIENT,
    SSL_SESS_CACHE_NO_INTERNAL_STORE, SSL_SESS_CACHE_OFF, SSL_SESS_CACHE_SERVER,
    ServernameCallback, SniAction, TLS1_2_VERSION, TLS1_3_VERSION,
};
pub(crate) use verify::{ConnectionVerify, VerifyPolicy, VerifyResult, in_connection};
pub use verify::{
    DEFAULT_VERIFY_DEPTH, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_NONE, SSL_VERIFY_PEER,
    VerifyCallback, VerifyInfo, verify_error_string, x509_v,
};

use crate::clock::{Clock, SystemClock};
use crate::error::{ERR_LIB_SSL, ERR_LIB_X509, SslError, err_r, ssl_r, x509_r};
use crate::x509::verify::VerifyParams;

/// The `SSL_METHOD` a context is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `OSSL_QUIC_client_method`.
    QuicClient,
    /// `OSSL_QUIC_client_thread_method`: as [`Method::QuicClient`], and each connection, once
    /// started, has a thread of its own that takes in the network and runs its timers
    /// between the application's calls.
    QuicClientThread,
    /// `OSSL_QUIC_server_method`.
    QuicServer,
    /// `OSSL_QUIC_method` (OpenSSL 4.0): QUIC with the role chosen later; its objects from
    /// `SSL_new` are client connections, as OpenSSL's are.
    Quic,
    /// `TLS_client_method`: TLS over a byte stream, connecting.
    TlsClient,
    /// `TLS_server_method`: TLS over a byte stream, accepting.
    TlsServer,
    /// `TLS_method`: TLS over a byte stream; each object's role is set with
    /// `set_connect_state`/`set_accept_state` (or by calling connect or accept).
    Tls,
}

/// The domain flags a new context of `method` has, as OpenSSL's: thread assistance and
/// blocking for the thread-assisted client method, multi-threading with legacy blocking
/// for the other QUIC methods, none for TLS.
fn default_domain_flags(method: Method) -> u64 {
    use crate::quic::domain::*;
    match method {
        Method::QuicClientThread => {
            DOMAIN_FLAG_MULTI_THREAD | DOMAIN_FLAG_THREAD_ASSISTED | DOMAIN_FLAG_BLOCKING
        }
        m if m.is_quic() => DOMAIN_FLAG_MULTI_THREAD | DOMAIN_FLAG_LEGACY_BLOCKING,
        _ => 0,
    }
}

impl Method {
    /// Whether connections of this method accept rather than connect.
    pub fn is_server(self) -> bool {
        matches!(self, Method::QuicServer | Method::TlsServer)
    }

    /// Whether this is one of the QUIC methods.
    pub fn is_quic(self) -> bool {
        matches!(
            self,
            Method::QuicClient | Method::QuicClientThread | Method::QuicServer | Method::Quic
        )
    }
}

/// The certificate chain and key a context presents.
struct Identity {
    /// The end-entity certificate first, then its chain certificates
    /// (`SSL_CTX_add0_chain_cert`, the rest of a chain file).
    chain: Vec<CertificateDer<'static>>,
    /// `SSL_CTX_add_extra_chain_cert`'s certificates: sent after the end-entity certificate
    /// when it has no chain certificates of its own, as in OpenSSL.
    extra: Vec<CertificateDer<'static>>,
    key: Option<(PrivateKeyDer<'static>, Arc<dyn SigningKey>)>,
}

impl Identity {
    /// The certificates presented to the peer: the end-entity certificate and its chain
    /// certificates, or the extra chain certificates when it has none (empty without an
    /// end-entity certificate).
    fn presented(&self) -> Vec<CertificateDer<'static>> {
        match self.chain.len() {
            0 => Vec::new(),
            1 => self.chain.iter().chain(&self.extra).cloned().collect(),
            _ => self.chain.clone(),
        }
    }
}

/// `SSL_CTX` for the QUIC methods.
pub struct SslCtx {
    method: Method,
    provider: Arc<CryptoProvider>,
    identity: Identity,
    roots: TrustStore,
    verify: VerifyPolicy,
    alpn: alpn::AlpnList,
    alpn_select: Option<AlpnSelectCallback>,
    /// `SSL_CTX_set_new_pending_conn_cb`.
    new_pending_conn: Option<crate::quic::NewPendingConnCallback>,
    keylog: Option<KeylogCallback>,
    quic: ConnectionConfig,
    /// NEW_TOKEN tokens its client connections were given, per server.
    tokens: Arc<crate::quic::tokens::TokenStore>,
    /// `SSL_CTX_set_domain_flags` (0 for TLS contexts, which have none).
    domain_flags: u64,
    tls: tls_settings::TlsSettings,
    clock: Arc<dyn Clock>,
    /// Seeds for the QUIC objects' endpoints when set (a counter), else the system's.
    seeds: Option<Arc<std::sync::atomic::AtomicU64>>,
}

impl SslCtx {
    /// `SSL_CTX_new(method)`: no certificate, no trust roots, `SSL_VERIFY_NONE`, no ALPN, the
    /// engine's default transport settings.
    pub fn new(method: Method) -> Self {
        SslCtx {
            method,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            identity: Identity {
                chain: Vec::new(),
                extra: Vec::new(),
                key: None,
            },
            roots: TrustStore::empty(),
            verify: VerifyPolicy::default(),
            alpn: alpn::AlpnList::default(),
            alpn_select: None,
            new_pending_conn: None,
            keylog: None,
            quic: ConnectionConfig {
                qlog: qlog::from_env(),
                ..ConnectionConfig::default()
            },
            tokens: Arc::default(),
            domain_flags: default_domain_flags(method),
            tls: tls_settings::TlsSettings {
                options: tls_settings::DEFAULT_OPTIONS,
                ..Default::default()
            },
            clock: Arc::new(SystemClock),
            seeds: None,
        }
    }

    /// `SSL_CTX_get_ssl_method`: the method the context was made for.
    pub fn method(&self) -> Method {
        self.method
    }

    /// `SSL_CTX_get_domain_flags`: the domain flags (`SSL_DOMAIN_FLAG_*`) QUIC objects made
    /// from the context get; `None` for a TLS context.
    pub fn domain_flags(&self) -> Option<u64> {
        self.method.is_quic().then_some(self.domain_flags)
    }

    /// `SSL_CTX_set_domain_flags`: checked and completed as
    /// [`adjust_domain_flags`](crate::quic::adjust_domain_flags) does; objects made from now
    /// on get them. Fails with `ERR_R_UNSUPPORTED` on a TLS context.
    #[track_caller]
    pub fn set_domain_flags(&mut self, flags: u64) -> Result<(), SslError> {
        if !self.method.is_quic() {
            return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data("domain flags unsupported on this kind of SSL_CTX")
                .raise());
        }
        self.domain_flags = crate::quic::adjust_domain_flags(flags)?;
        Ok(())
    }

    // --- Certificate and private key -------------------------------------------------------

    /// `SSL_CTX_use_certificate_chain_file`: the first PEM certificate of the file is the
    /// end-entity certificate, the rest its chain. Fails with the `errno` (or `ERR_R_SYS_LIB`,
    /// `ERR_R_BUF_LIB`; see [`MAX_FILE_SIZE`]) if the file cannot be read, `ERR_R_PEM_LIB` if
    /// it holds no valid certificate.
    #[track_caller]
    pub fn use_certificate_chain_file(&mut self, path: impl AsRef<Path>) -> Result<(), SslError> {
        let pem = certs::read_file(path.as_ref())?;
        self.use_certificate_chain_pem(&pem)
    }

    /// `SSL_CTX_use_certificate_chain_file` on PEM bytes in memory (OpenSSL reads the same
    /// through a memory BIO).
    #[track_caller]
    pub fn use_certificate_chain_pem(&mut self, pem: &[u8]) -> Result<(), SslError> {
        let chain = certs::certificates_from_pem(pem)?;
        self.set_chain(chain);
        Ok(())
    }

    /// `SSL_CTX_use_certificate_file`: replaces the end-entity certificate, keeping the chain
    /// certificates set before. `type_` picks PEM (only the first certificate of the file is
    /// read) or DER. Fails as [`SslCtx::use_certificate_pem`] / [`SslCtx::use_certificate_der`]
    /// do, or with the `errno` (or `ERR_R_SYS_LIB`, `ERR_R_BUF_LIB`; see [`MAX_FILE_SIZE`]) if
    /// the file cannot be read.
    #[track_caller]
    pub fn use_certificate_file(
        &mut self,
        path: impl AsRef<Path>,
        type_: FileType,
    ) -> Result<(), SslError> {
        let bytes = certs::read_file(path.as_ref())?;
        match type_ {
            FileType::Pem => self.use_certificate_pem(&bytes),
            FileType::Asn1 => self.use_certificate_der(&bytes),
        }
    }

    /// `PEM_read_bio_X509` + `SSL_CTX_use_certificate`: the first certificate of PEM bytes
    /// (later sections are not read) replaces the end-entity certificate; the chain
    /// certificates set before are kept. `ERR_R_PEM_LIB` if there is none or it is malformed.
    #[track_caller]
    pub fn use_certificate_pem(&mut self, pem: &[u8]) -> Result<(), SslError> {
        let cert = certs::first_certificate_from_pem(pem)?;
        self.set_leaf(cert);
        Ok(())
    }

    /// `SSL_CTX_use_certificate_ASN1`: a DER certificate replaces the end-entity certificate,
    /// keeping the chain certificates set before. `ERR_R_ASN1_LIB` if it does not parse.
    #[track_caller]
    pub fn use_certificate_der(&mut self, der: &[u8]) -> Result<(), SslError> {
        let cert = certs::certificate_from_der(der)?;
        self.set_leaf(cert);
        Ok(())
    }

    /// Replaces the end-entity certificate (the first of the chain), keeping the rest.
    fn set_leaf(&mut self, cert: CertificateDer<'static>) {
        let mut chain = std::mem::take(&mut self.identity.chain);
        match chain.first_mut() {
            Some(leaf) => *leaf = cert,
            None => chain.push(cert),
        }
        self.set_chain(chain);
    }

    /// Installs a chain. As in OpenSSL's `ssl_set_cert`, a private key already set that does
    /// not match the new certificate is dropped (not an error).
    fn set_chain(&mut self, chain: Vec<CertificateDer<'static>>) {
        self.tls.forget_client_identity();
        self.identity.chain = chain;
        if let Some((_, signer)) = &self.identity.key
            && self.keys_match(signer.clone()).is_err()
        {
            self.identity.key = None;
        }
    }

    /// `SSL_CTX_get0_certificate`: the end-entity certificate, if one is set.
    pub fn certificate(&self) -> Option<&CertificateDer<'static>> {
        self.identity.chain.first()
    }

    /// The end-entity certificate's chain certificates (`SSL_CTX_get0_chain_certs`).
    pub fn chain_certificates(&self) -> &[CertificateDer<'static>] {
        self.identity.chain.get(1..).unwrap_or_default()
    }

    /// `SSL_CTX_add1_chain_cert`: a DER certificate appended to the end-entity certificate's
    /// chain. `SSL_R_NO_CERTIFICATE_SET` without an end-entity certificate (as OpenSSL has
    /// nothing to chain it to), `ERR_R_ASN1_LIB` if it does not parse.
    #[track_caller]
    pub fn add_chain_certificate(&mut self, der: &[u8]) -> Result<(), SslError> {
        if self.identity.chain.is_empty() {
            return Err(SslError::ssl(ssl_r::NO_CERTIFICATE_SET).raise());
        }
        let cert = certs::certificate_from_der(der)?;
        self.tls.forget_client_identity();
        self.identity.chain.push(cert);
        Ok(())
    }

    /// `SSL_CTX_set1_chain` (`SSL_CTX_clear_chain_certs` with none): the end-entity
    /// certificate's chain certificates, replacing those set before. Fails as
    /// [`SslCtx::add_chain_certificate`] does (and then changes nothing).
    #[track_caller]
    pub fn set_chain_certificates(&mut self, ders: &[&[u8]]) -> Result<(), SslError> {
        if self.identity.chain.is_empty() && !ders.is_empty() {
            return Err(SslError::ssl(ssl_r::NO_CERTIFICATE_SET).raise());
        }
        let certs = ders
            .iter()
            .map(|d| certs::certificate_from_der(d))
            .collect::<Result<Vec<_>, _>>()?;
        self.tls.forget_client_identity();
        self.identity.chain.truncate(1);
        self.identity.chain.extend(certs);
        Ok(())
    }

    /// `SSL_CTX_add_extra_chain_cert`: a DER certificate sent after the end-entity certificate
    /// when that has no chain certificates. `ERR_R_ASN1_LIB` if it does not parse.
    #[track_caller]
    pub fn add_extra_chain_certificate(&mut self, der: &[u8]) -> Result<(), SslError> {
        let cert = certs::certificate_from_der(der)?;
        self.tls.forget_client_identity();
        self.identity.extra.push(cert);
        Ok(())
    }

    /// `SSL_CTX_clear_extra_chain_certs`.
    pub fn clear_extra_chain_certificates(&mut self) {
        self.tls.forget_client_identity();
        self.identity.extra.clear();
    }

    /// `SSL_CTX_get_extra_chain_certs_only`: the extra chain certificates.
    pub fn extra_chain_certificates(&self) -> &[CertificateDer<'static>] {
        &self.identity.extra
    }

    /// `SSL_CTX_get0_privatekey`: the private key, if one is set.
    pub fn private_key(&self) -> Option<PrivateKey> {
        let (der, signer) = self.identity.key.as_ref()?;
        Some(PrivateKey::loaded(der.clone_key(), &**signer))
    }

    /// `SSL_CTX_use_PrivateKey`: a private key already read (`PEM_read_bio_PrivateKey`).
    /// Fails as [`SslCtx::use_private_key_der`] does for a key that does not match the
    /// certificate.
    #[track_caller]
    pub fn use_private_key(&mut self, key: &PrivateKey) -> Result<(), SslError> {
        self.set_key(key.der.clone_key())
    }

    /// `SSL_CTX_use_PrivateKey_file`: the first private key of a PEM file, or a DER file.
    #[track_caller]
    pub fn use_private_key_file(
        &mut self,
        path: impl AsRef<Path>,
        type_: FileType,
    ) -> Result<(), SslError> {
        let bytes = certs::read_file(path.as_ref())?;
        match type_ {
            FileType::Pem => self.use_private_key_pem(&bytes),
            FileType::Asn1 => self.use_private_key_der(&bytes),
        }
    }

    /// `PEM_read_bio_PrivateKey` + `SSL_CTX_use_PrivateKey`: the first private key (PKCS#8,
    /// PKCS#1 or SEC1) of PEM bytes. `ERR_R_PEM_LIB` if there is none; see
    /// [`SslCtx::use_private_key_der`] for the other failures.
    #[track_caller]
    pub fn use_private_key_pem(&mut self, pem: &[u8]) -> Result<(), SslError> {
        let key = certs::private_key_from_pem(pem)?;
        self.set_key(key)
    }

    /// `SSL_CTX_use_PrivateKey_ASN1`: a DER private key. Fails with `ERR_R_ASN1_LIB` if it
    /// does not parse, `ERR_R_EVP_LIB` if its algorithm is not supported, and — as
    /// `X509_check_private_key` inside OpenSSL's `ssl_set_pkey` — with
    /// `X509_R_KEY_VALUES_MISMATCH` if a certificate is set and the key is not its key (the
    /// context keeps its previous key then).
    #[track_caller]
    pub fn use_private_key_der(&mut self, der: &[u8]) -> Result<(), SslError> {
        let key = certs::private_key_from_der(der)?;
        self.set_key(key)
    }

    #[track_caller]
    fn set_key(&mut self, key: PrivateKeyDer<'static>) -> Result<(), SslError> {
        let signer = self
            .provider
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| {
                SslError::new(ERR_LIB_SSL, err_r::EVP_LIB)
                    .with_data(format!("private key: {e}"))
                    .raise()
            })?;
        if !self.identity.chain.is_empty() {
            self.keys_match(signer.clone()).map_err(|e| e.raise())?;
        }
        self.tls.forget_client_identity();
        self.identity.key = Some((key, signer));
        Ok(())
    }

    /// Whether `signer` is the key of the end-entity certificate: `X509_R_KEY_VALUES_MISMATCH`
    /// (not raised) if not. A key whose public half the provider cannot expose counts as
    /// matching, as rustls' own `CertifiedKey::from_der` treats it.
    fn keys_match(&self, signer: Arc<dyn SigningKey>) -> Result<(), SslError> {
        // The leaf's public key as x509-parser reads it (any certificate OpenSSL loads)
        // against the key's public half (unknown for some keys: those pass).
        let (Some(leaf), Some(key)) = (self.identity.chain.first(), signer.public_key()) else {
            return Ok(());
        };
        match crate::x509::public_key_der(leaf) {
            Some(spki) if spki == key.as_ref() => Ok(()),
            _ => Err(SslError::new(ERR_LIB_X509, x509_r::KEY_VALUES_MISMATCH)
                .with_data("the private key is not the certificate's")),
        }
    }

    /// `SSL_CTX_check_private_key`: whether the private key matches the certificate.
    /// `SSL_R_NO_CERTIFICATE_ASSIGNED` without a certificate, `SSL_R_NO_PRIVATE_KEY_ASSIGNED`
    /// without a key, `X509_R_KEY_VALUES_MISMATCH` if they do not match.
    #[track_caller]
    pub fn check_private_key(&self) -> Result<(), SslError> {
        if self.identity.chain.is_empty() {
            return Err(SslError::ssl(ssl_r::NO_CERTIFICATE_ASSIGNED).raise());
        }
        let Some((_, signer)) = &self.identity.key else {
            return Err(SslError::ssl(ssl_r::NO_PRIVATE_KEY_ASSIGNED).raise());
        };
        self.keys_match(signer.clone()).map_err(SslError::raise)
    }

    // --- Trust roots and verification ------------------------------------------------------

    /// `SSL_CTX_load_verify_locations(ctx, file, dir)`: adds the PEM certificates of `file`
    /// and of every regular file in `dir` (whatever the names; unparseable files are skipped)
    /// to the trust roots; certificates already there are not added again. With neither,
    /// fails with `ERR_R_PASSED_NULL_PARAMETER`; a file that cannot be read fails with its
    /// `errno` (or `ERR_R_SYS_LIB`, `ERR_R_BUF_LIB`; see [`MAX_FILE_SIZE`]), one with a
    /// malformed PEM section with `ERR_R_PEM_LIB` (adding none of its certificates), one
    /// without certificates with `X509_R_NO_CERTIFICATE_OR_CRL_FOUND`.
    #[track_caller]
    pub fn load_verify_locations(
        &mut self,
        file: Option<&Path>,
        dir: Option<&Path>,
    ) -> Result<(), SslError> {
        if file.is_none() && dir.is_none() {
            return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_NULL_PARAMETER).raise());
        }
        if let Some(file) = file {
            self.tls.forget_verifier();
            self.roots.add_file(file)?;
        }
        if let Some(dir) = dir {
            self.tls.forget_verifier();
            self.roots.add_dir(dir)?;
        }
        Ok(())
    }

    /// `SSL_CTX_set_default_verify_paths`: adds the system's trust roots (via
    /// `rustls-native-certs`, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`). Like OpenSSL,
    /// which reports success even when the default locations cannot be loaded, it loads what
    /// it can and cannot fail; nothing is recorded on the error queue.
    pub fn set_default_verify_paths(&mut self) {
        self.tls.forget_verifier();
        self.roots.add_system();
    }

    /// `X509_STORE_add_cert` on the context's store: trusts one more certificate (DER); a
    /// certificate already trusted is accepted again, one that does not parse fails with its
    /// ASN.1 error.
    #[track_caller]
    pub fn add_trusted_certificate(&mut self, der: &[u8]) -> Result<(), SslError> {
        self.tls.forget_verifier();
        self.roots.add_der(der).map_err(SslError::raise)
    }

    /// `SSL_CTX_set_cert_store`: the context trusts `store`'s certificates instead of its
    /// own.
    pub fn set_trust_store(&mut self, store: TrustStore) {
        self.tls.forget_verifier();
        self.roots = store;
    }

    /// The context's trusted certificates (`SSL_CTX_get_cert_store`).
    pub fn trust_store(&self) -> &TrustStore {
        &self.roots
    }

    /// Number of trust roots loaded (OpenSSL: the objects of `SSL_CTX_get_cert_store`).
    pub fn trust_root_count(&self) -> usize {
        self.roots.len()
    }

    /// `SSL_CTX_set_verify(ctx, mode, callback)`: the `SSL_VERIFY_*` bits and the callback
    /// that may override the chain's verdict (see [`VerifyCallback`]). On a client it judges
    /// the server's certificate; on a server (with [`SSL_VERIFY_PEER`]) each client
    /// certificate received.
    pub fn set_verify(&mut self, mode: i32, callback: Option<VerifyCallback>) {
        self.tls.forget_verifier();
        self.verify.mode = mode;
        self.verify.callback = callback;
    }

    /// `SSL_CTX_get_verify_mode`.
    pub fn verify_mode(&self) -> i32 {
        self.verify.mode
    }

    /// `SSL_CTX_set_verify_depth`: at most `depth` CA certificates between the peer's
    /// certificate and the trust anchor (a longer chain fails with
    /// `X509_V_ERR_CERT_CHAIN_TOO_LONG`); a negative depth unsets it: the default,
    /// [`DEFAULT_VERIFY_DEPTH`], applies.
    pub fn set_verify_depth(&mut self, depth: i32) {
        self.tls.forget_verifier();
        self.verify.set_depth(depth);
    }

    /// `SSL_CTX_get_verify_depth`: -1 while unset, as OpenSSL reports it.
    pub fn verify_depth(&self) -> i32 {
        self.verify.settings().1
    }

    /// The verification parameters (`SSL_CTX_get0_param`): flags, depth, expected names,
    /// purpose and security level, which objects made afterwards start from.
    pub fn verify_params(&self) -> &VerifyParams {
        &self.verify.params
    }

    /// Changes the verification parameters (`X509_VERIFY_PARAM_set_*` on
    /// `SSL_CTX_get0_param`'s parameters).
    pub fn update_verify_params(&mut self, change: impl FnOnce(&mut VerifyParams)) {
        self.tls.forget_verifier();
        change(&mut self.verify.params);
    }

    /// The verify settings an object made now starts from.
    pub(crate) fn verify_policy(&self) -> VerifyPolicy {
        self.verify.clone()
    }

    // --- ALPN ------------------------------------------------------------------------------

    /// `SSL_CTX_set_alpn_protos`: the protocol list in wire format (each name preceded by its
    /// length). OpenSSL returns 0 on success and 1 on failure: here `Ok(())` is the 0 and
    /// `Err` the 1. An empty list clears ALPN; a list longer than `0xFFFD` bytes (more than the
    /// extension can carry), a zero-length name or a length running past the end fails with `ERR_R_PASSED_INVALID_ARGUMENT` (OpenSSL records nothing there) and
    /// leaves the previous list. On a client the list is offered in order; on a server (a qssl
    /// extension, standing in for an ALPN select callback) it is the server's preference
    /// order: the first of its names the client offers is chosen, and a client offering none
    /// is refused with the `no_application_protocol` alert.
    #[track_caller]
    pub fn set_alpn_protos(&mut self, wire: &[u8]) -> Result<(), SslError> {
        self.alpn = alpn::AlpnList::parse(wire)?;
        Ok(())
    }

    /// The ALPN list set by [`SslCtx::set_alpn_protos`], in wire format.
    pub fn alpn_protos(&self) -> &[u8] {
        self.alpn.wire()
    }

    /// `SSL_CTX_set_new_pending_conn_cb`: `callback` sees each connection a listener of this
    /// context makes, as it arrives (before its handshake, and before it is accepted); false
    /// discards it (its first datagram goes unanswered). Listeners made from now on use it.
    pub fn set_new_pending_conn_cb(
        &mut self,
        callback: Option<crate::quic::NewPendingConnCallback>,
    ) {
        self.new_pending_conn = callback;
    }

    /// The callback of [`set_new_pending_conn_cb`](Self::set_new_pending_conn_cb).
    pub fn new_pending_conn_cb(&self) -> Option<crate::quic::NewPendingConnCallback> {
        self.new_pending_conn.clone()
    }

    /// `SSL_CTX_set_alpn_select_cb` (server): `callback` chooses each client's protocol from
    /// its offer, once the whole ClientHello has arrived; it replaces the server's list of
    /// [`SslCtx::set_alpn_protos`]. `None` removes it.
    pub fn set_alpn_select_cb(&mut self, callback: Option<AlpnSelectCallback>) {
        self.alpn_select = callback;
    }

    // --- Key logging -----------------------------------------------------------------------

    /// `SSL_CTX_set_keylog_callback`: `callback` receives one NSS key log line per secret of
    /// every connection made from the context. Independently, when `SSLKEYLOGFILE` is set the
    /// lines are also appended to that file.
    pub fn set_keylog_callback(&mut self, callback: Option<KeylogCallback>) {
        self.keylog = callback;
    }

    // --- QUIC transport settings -----------------------------------------------------------

    /// The transport settings connections from this context start with (OpenSSL sets them per
    /// connection with `SSL_set_value_uint` / `SSL_set_feature_request_uint`; here the context
    /// carries the defaults).
    pub fn connection_config(&self) -> &ConnectionConfig {
        &self.quic
    }

    /// The transport settings, to change (`SSL_VALUE_QUIC_IDLE_TIMEOUT`, stream limits and
    /// windows, and the engine's other knobs).
    pub fn connection_config_mut(&mut self) -> &mut ConnectionConfig {
        &mut self.quic
    }

    /// `SSL_VALUE_QUIC_IDLE_TIMEOUT`: the idle timeout this endpoint advertises (`None`: none).
    pub fn set_idle_timeout(&mut self, timeout: Option<Duration>) {
        self.quic.idle_timeout = timeout;
    }

    /// The bidirectional and unidirectional streams the peer may open (what OpenSSL reports
    /// as `SSL_VALUE_QUIC_STREAM_{BIDI,UNI}_REMOTE_AVAIL` to the peer).
    pub fn set_max_streams(&mut self, bidi: u64, uni: u64) {
        self.quic.max_streams_bidi = bidi;
        self.quic.max_streams_uni = uni;
    }

    /// The initial connection-level and per-stream receive windows.
    pub fn set_receive_windows(&mut self, connection: u64, stream: u64) {
        self.quic.initial_max_data = connection;
        self.quic.initial_max_stream_data = stream;
    }

    // --- Clock -----------------------------------------------------------------------------

    /// The clock the QUIC objects made from this context read the time from (a Rust-only
    /// API: OpenSSL has no public equivalent). Objects keep the clock of the context they
    /// were made from; the default is the [`SystemClock`]. Under a clock that does not follow
    /// real time, such as a [`ManualClock`](crate::clock::ManualClock), objects never wait:
    /// they must be used non-blocking (`set_blocking_mode(true)` fails and a call that would
    /// wait reports WANT_READ/WANT_WRITE), with `handle_events` run after the clock moves.
    /// TLS session lifetimes stay on the wall clock. See [`clock`](crate::clock).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// The address-validation tokens servers gave this context's client connections (in
    /// NEW_TOKEN frames), which its next connections to them present.
    pub fn token_store(&self) -> &Arc<crate::quic::tokens::TokenStore> {
        &self.tokens
    }

    /// The clock set by [`SslCtx::set_clock`].
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Where the QUIC objects made from this context get their randomness (connection IDs,
    /// reset and token keys, skipped packet numbers): `None`, the default, draws 256 bits
    /// from the system's secure random source for each; `Some(seed)` gives them the seeds
    /// `seed`, `seed + 1`, … in the order they are made, so that a simulation under a
    /// [`ManualClock`](crate::clock::ManualClock) replays exactly (a Rust-only API for
    /// tests; such seeds are 64 bits and predictable, never for real use).
    pub fn set_random_seed(&mut self, seed: Option<u64>) {
        self.seeds = seed.map(|s| Arc::new(std::sync::atomic::AtomicU64::new(s)));
    }

    /// The seed for the next QUIC endpoint made from this context.
    pub(crate) fn endpoint_seed(&self) -> qssl_quic::Seed {
        match &self.seeds {
            Some(next) => {
                qssl_quic::Seed::Short(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            }
            None => {
                let mut bytes = [0u8; 32];
                // ring's SystemRandom (getrandom) does not fail on supported systems.
                let _ = rustls::crypto::ring::default_provider()
                    .secure_random
                    .fill(&mut bytes);
                qssl_quic::Seed::Full(bytes)
            }
        }
    }

    // --- rustls configurations -------------------------------------------------------------

    /// The rustls client configuration for connections of a client context (the server name
    /// is given per connection): TLS 1.3, the context's verifier, ALPN, key log, and its
    /// certificate as a client certificate if both certificate and key are set. On a server
    /// context fails with `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
    #[track_caller]
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, SslError> {
        if self.method.is_server() {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("client configuration of a server context")
                    .raise(),
            );
        }
        let sessions = Arc::new(crate::tls::ObjectSessions::new(
            self.client_session_cache(),
            self.new_session_callback(),
            self.session_timeout_handle(),
        ));
        self.quic_client_config(sessions, &SuiteChoice::default())
    }

    /// The QUIC client configuration with `sessions` as its session store (an object's, so
    /// `SSL_set_session` and the new-session callback work): TLS 1.3, the context's shared
    /// verifier (names and results per connection), ALPN, key log, client certificate. Also
    /// for a server context, whose listeners connect out with it (`SSL_new_from_listener`).
    #[track_caller]
    pub(crate) fn quic_client_config(
        &self,
        sessions: Arc<crate::tls::ObjectSessions>,
        choice: &SuiteChoice,
    ) -> Result<Arc<ClientConfig>, SslError> {
        if !self.method.is_quic() {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("QUIC client configuration of a TLS context")
                    .raise(),
            );
        }
        let config = self
            .resumable_client_config(
                self.tls_provider_for(choice),
                &[&rustls::version::TLS13],
                sessions,
            )
            .map_err(|e| rustls_error(&e).raise())?;
        Ok(Arc::new(config))
    }

    /// Where a listener's connections get their TLS configuration: the fixed
    /// [`server_config`](Self::server_config), or with a servername or ALPN select callback
    /// one made per client from its ClientHello (the servername callback may pick another
    /// context's certificate or refuse the client with `unrecognized_name`).
    #[track_caller]
    pub fn server_tls(&self) -> Result<ServerTls, SslError> {
        let base = self.server_config()?;
        let alpn_select = self.alpn_select.clone();
        let servername = self.tls.servername.clone();
        if alpn_select.is_none() && servername.is_none() {
            return Ok(ServerTls::Fixed(base));
        }
        Ok(ServerTls::PerClientHello(Arc::new(move |hello| {
            let mut config = (*base).clone();
            if let Some(callback) = &servername
                && let Some(key) = tls_config::run_servername(callback, hello.server_name)?
            {
                config.cert_resolver = Arc::new(rustls::sign::SingleCertAndKey::from(key));
            }
            if let Some(callback) = &alpn_select {
                // QUIC requires ALPN: a handshake left without a protocol fails.
                config.alpn_protocols = tls_config::run_alpn_select(callback, &hello.alpn)?;
            }
            Ok(Arc::new(config))
        })))
    }

    /// The verifier of server certificates the context's settings make.
    pub(crate) fn peer_verifier(&self) -> verify::PeerVerifier {
        verify::PeerVerifier::new(self.verify.clone(), self.roots.trusted(), &self.provider)
    }

    /// The rustls server configuration for connections of a server context: TLS 1.3, the
    /// certificate and key, client certificates per the verify mode, ALPN preference list, key
    /// log. Fails with `SSL_R_NOT_SERVER` on a client context, `SSL_R_NO_CERTIFICATE_ASSIGNED`
    /// / `SSL_R_NO_PRIVATE_KEY_ASSIGNED` without certificate or key. With `SSL_VERIFY_PEER` and
    /// no trust roots, every client certificate fails verification (unless the verify callback
    /// accepts it), as in OpenSSL.
    #[track_caller]
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, SslError> {
        if !self.method.is_server() || !self.method.is_quic() {
            return Err(SslError::ssl(ssl_r::NOT_SERVER).raise());
        }
        if self.identity.chain.is_empty() {
            return Err(SslError::ssl(ssl_r::NO_CERTIFICATE_ASSIGNED).raise());
        }
        let Some((key, _)) = &self.identity.key else {
            return Err(SslError::ssl(ssl_r::NO_PRIVATE_KEY_ASSIGNED).raise());
        };
        let client_verifier = self.with_ca_names(verify::client_verifier(
            self.verify.clone(),
            self.roots.trusted(),
            &self.provider,
        ));
        let mut config = ServerConfig::builder_with_provider(self.tls_provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| rustls_error(&e).raise())?
            .with_client_cert_verifier(client_verifier)
            .with_single_cert(self.identity.presented(), key.clone_key())
            .map_err(|e| rustls_error(&e).raise())?;
        config.alpn_protocols = self.alpn.names().to_vec();
        if let Some(keylog) = keylog::CtxKeyLog::for_ctx(self.keylog.as_ref()) {
            config.key_log = keylog;
        }
        self.set_early_data(&mut config);
        Ok(Arc::new(config))
    }
}

/// A rustls configuration error: `ERR_R_INTERNAL_ERROR` with rustls' text.
fn rustls_error(err: &rustls::Error) -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::INTERNAL_ERROR).with_data(err.to_string())
}

impl fmt::Debug for SslCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslCtx")
            .field("method", &self.method)
            .field("certificates", &self.identity.chain.len())
            .field("private_key", &self.identity.key.is_some())
            .field("trust_roots", &self.roots.len())
            .field("verify_mode", &self.verify.mode)
            .field("verify_callback", &self.verify.callback.is_some())
            .field("verify_params", &self.verify.params)
            .field("alpn", &self.alpn.names())
            .field("keylog", &self.keylog.is_some())
            .field("quic", &self.quic)
            .field("clock", &self.clock)
            .finish()
    }
}

/// Parses an ALPN list in wire format into its names, with [`SslCtx::set_alpn_protos`]'s
/// rules.
#[track_caller]
pub(crate) fn parse_alpn_wire(wire: &[u8]) -> Result<Vec<Vec<u8>>, SslError> {
    Ok(alpn::AlpnList::parse(wire)?.names().to_vec())
}

/// A host name as rustls accepts it (for SNI or `SSL_set1_host`), or
/// `ERR_R_PASSED_INVALID_ARGUMENT`.
#[track_caller]
pub(crate) fn checked_host_name(name: &str) -> Result<String, SslError> {
    match rustls::pki_types::ServerName::try_from(name) {
        Ok(_) => Ok(name.to_owned()),
        Err(_) => Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data(format!("invalid host name {name:?}"))
            .raise()),
    }
}
