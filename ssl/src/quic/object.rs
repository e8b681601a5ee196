//! The SSL object: one handle type for QUIC connections, streams and listeners, as OpenSSL's
//! `SSL *` is one type for all three; calls that do not apply to an object's kind fail with
//! OpenSSL's reason.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Instant;

use qssl_bio::DatagramBio;
use qssl_quic::StreamId;
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use rustls::ClientConfig;

use super::conn_state::ConnApp;
use super::port::{ConnKey, Drive, Port, PortState};
use crate::ctx::{ConnectionVerify, SslCtx, VerifyCallback};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::result::{ErrorCode, IoError, IoResult};
use crate::tls::ObjectSessions;
use crate::x509::verify::VerifyParams;

/// `SSL_LISTENER_FLAG_NO_VALIDATE`: accept clients without a Retry round trip.
pub const LISTENER_FLAG_NO_VALIDATE: u64 = 1 << 1;

/// `SSL_MODE_ENABLE_PARTIAL_WRITE`: a write may report success after writing part.
pub const MODE_ENABLE_PARTIAL_WRITE: u32 = 0x1;
/// `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`: a retried write may pass a different buffer.
pub const MODE_ACCEPT_MOVING_WRITE_BUFFER: u32 = 0x2;
/// `SSL_MODE_AUTO_RETRY`: accepted and ignored for QUIC (its reads never stop for
/// handshake messages).
pub const MODE_AUTO_RETRY: u32 = 0x4;

/// What an [`Ssl`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A QUIC connection (possibly with a default stream).
    Connection,
    /// A QUIC stream.
    Stream,
    /// A QUIC listener.
    Listener,
    /// A QUIC event domain.
    Domain,
}

/// Blocking preference of an object.
const BLOCKING_AUTO: u8 = 0;
const BLOCKING_OFF: u8 = 1;
const BLOCKING_ON: u8 = 2;

/// Client settings fixed when the connection starts.
#[derive(Debug)]
pub(crate) struct ClientSetup {
    /// The rustls configuration, on the context's shared verifier (which learns this
    /// connection's expected name and result slot through the port's verify scope).
    pub(crate) tls: Arc<ClientConfig>,
    /// The object's sessions: the one offered (`SSL_set_session`), the one being made.
    pub(crate) sessions: Arc<ObjectSessions>,
    /// `SSL_set_tlsext_host_name`: the name sent as SNI.
    pub(crate) sni: Option<String>,
    /// `SSL_set1_initial_peer_addr`.
    pub(crate) peer: Option<SocketAddr>,
    /// `SSL_set1_host`'s expected name, the verify settings (the context's when the object
    /// was made until `SSL_set_verify`) and where the verifier records its result: the port's
    /// verify scope once the connection starts.
    pub(crate) checks: Arc<ConnectionVerify>,
    /// Where NEW_TOKEN tokens are kept and found (the context's).
    pub(crate) tokens: Arc<super::tokens::TokenStore>,
    /// The cipher suites the object chose in place of its context's.
    pub(crate) suites: crate::ctx::SuiteChoice,
    /// Whether a thread assists the connection once it starts
    /// (`OSSL_QUIC_client_thread_method`).
    pub(crate) assisted: bool,
    /// That thread, while the connection lives.
    pub(crate) assist: Option<super::assist::Assist>,
    /// The connection offers early data (`SSL_write_early_data` before it started).
    pub(crate) early_data: bool,
}

/// A write that could not complete at once without partial writes: the caller must retry
/// with the same buffer, and the bytes already taken are remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingWrite {
    pub(crate) ptr: usize,
    pub(crate) len: usize,
    pub(crate) done: usize,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Connection {
        key: ConnKey,
        /// The listener it came from: the one that accepted it (set when it is accepted) or
        /// made it (`SSL_new_from_listener`).
        listener: OnceLock<Ssl>,
        /// The listener of a server connection, from its arrival (before it is accepted).
        origin: Weak<Object>,
        /// `Some` for a client connection.
        client: Option<Box<Mutex<ClientSetup>>>,
    },
    Stream {
        conn: Ssl,
        id: StreamId,
    },
    Listener {
        /// The domain it was made from (`SSL_new_listener_from`).
        domain: Option<Ssl>,
    },
    /// Its port has no network: it only names the ports of its listeners (`Port::domain`).
    Domain,
}

#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) port: Arc<Port>,
    pub(crate) kind: Kind,
    blocking: AtomicU8,
    mode: AtomicU32,
    last_error: AtomicI32,
    /// `SSL_VALUE_EVENT_HANDLING_MODE_*`.
    pub(crate) event_mode: AtomicU32,
    pub(crate) pending_write: Mutex<Option<PendingWrite>>,
    /// `SSL_get_domain_flags`: the context's domain flags when the object was made (a
    /// domain's own).
    domain_flags: u64,
    /// What the embedding layer attached (see [`Ssl::set_attachment`]).
    attachment: Mutex<Option<Arc<dyn Any + Send + Sync>>>,
    /// The application gave its handle up ([`Ssl::release`]).
    released: AtomicBool,
}

/// An SSL object: a QUIC connection, stream or listener (OpenSSL's `SSL *`).
///
/// Cloning takes another reference (`SSL_up_ref`); the object goes when the last reference
/// does (`SSL_free`). A stream keeps its connection alive, and a connection its listener,
/// so they may be dropped in any order. All calls take `&self`: several threads may use
/// different streams of one connection at once, and a blocked call does not stop the others.
#[derive(Debug, Clone)]
pub struct Ssl {
    pub(crate) obj: Arc<Object>,
}

impl Ssl {
    fn from_kind(port: Arc<Port>, kind: Kind, blocking: u8, mode: u32, domain_flags: u64) -> Ssl {
        Ssl {
            obj: Arc::new(Object {
                port,
                kind,
                blocking: AtomicU8::new(blocking),
                mode: AtomicU32::new(mode),
                last_error: AtomicI32::new(0),
                event_mode: AtomicU32::new(0),
                pending_write: Mutex::new(None),
                domain_flags,
                attachment: Mutex::new(None),
                released: AtomicBool::new(false),
            }),
        }
    }

    /// `SSL_new`: a client connection of a QUIC client context. Fails with
    /// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` on a server context (whose connections come from a
    /// listener).
    #[track_caller]
    pub fn new(ctx: &SslCtx) -> Result<Ssl, SslError> {
        if ctx.method().is_server() {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("a server context's connections come from a listener")
                    .raise(),
            );
        }
        let clock = ctx.clock().clone();
        let endpoint = Endpoint::new(
            EndpointConfig {
                connection: ctx.connection_config().clone(),
                ..EndpointConfig::client()
            },
            clock.now(),
            ctx.endpoint_seed(),
        );
        let port = Arc::new(Port::new(endpoint, false, clock));
        port.scopes().set_owners(&port, None);
        Ssl::client_on(ctx, port, None)
    }

    /// `SSL_new_from_listener`: a client connection of the listener `self` (made from `ctx`,
    /// the listener's context): it connects out through the listener's network BIOs, with
    /// the context's verification settings. Fails with `SSL_R_LISTENER_USE_ONLY` on other
    /// objects.
    #[track_caller]
    pub fn new_from_listener(&self, ctx: &SslCtx) -> Result<Ssl, SslError> {
        self.expect_listener()?;
        Ssl::client_on(ctx, self.obj.port.clone(), Some(self.clone()))
    }

    /// A client connection of `ctx` on `port`, made from `listener` if given.
    #[track_caller]
    fn client_on(ctx: &SslCtx, port: Arc<Port>, listener: Option<Ssl>) -> Result<Ssl, SslError> {
        let sessions = Arc::new(ObjectSessions::new(
            ctx.client_session_cache(),
            ctx.new_session_callback(),
            ctx.session_timeout_handle(),
        ));
        let tls = ctx.quic_client_config(sessions.clone(), &crate::ctx::SuiteChoice::default())?;
        let domain_flags = ctx.domain_flags().unwrap_or(0);
        let key = port.lock().add_conn(ConnApp::client());
        let client = ClientSetup {
            tls,
            sessions,
            sni: None,
            peer: None,
            checks: Arc::new(ConnectionVerify::new(ctx.verify_policy())),
            tokens: ctx.token_store().clone(),
            suites: crate::ctx::SuiteChoice::default(),
            assisted: domain_flags & super::domain::DOMAIN_FLAG_THREAD_ASSISTED != 0,
            assist: None,
            early_data: false,
        };
        let blocking = listener
            .as_ref()
            .map_or(BLOCKING_AUTO, |l| l.obj.blocking.load(Ordering::Relaxed));
        let link = OnceLock::new();
        if let Some(l) = listener {
            let _ = link.set(l);
        }
        Ok(Ssl::from_kind(
            port,
            Kind::Connection {
                key,
                listener: link,
                origin: Weak::new(),
                client: Some(Box::new(Mutex::new(client))),
            },
            blocking,
            0,
            domain_flags,
        ))
    }

    /// `SSL_new_listener`: a listener of a QUIC server context. With
    /// [`LISTENER_FLAG_NO_VALIDATE`] clients are accepted without a Retry round trip. A
    /// listener of a QUIC client context accepts nothing (OpenSSL 3.5's client-only use):
    /// the connections made from it ([`new_from_listener`](Self::new_from_listener)) share
    /// its network BIOs.
    #[track_caller]
    pub fn new_listener(ctx: &SslCtx, flags: u64) -> Result<Ssl, SslError> {
        Ssl::listener_in(ctx, flags, None)
    }

    /// `SSL_new_listener_from`: a listener of the domain `self` (made from `ctx`, the
    /// domain's context), handled with the domain's other listeners. Fails with
    /// `SSL_R_DOMAIN_USE_ONLY` on other objects.
    #[track_caller]
    pub fn new_listener_from(&self, ctx: &SslCtx, flags: u64) -> Result<Ssl, SslError> {
        if !matches!(self.obj.kind, Kind::Domain) {
            return Err(SslError::ssl(ssl_r::DOMAIN_USE_ONLY).raise());
        }
        Ssl::listener_in(ctx, flags, Some(self.clone()))
    }

    /// `SSL_new_domain`: a QUIC event domain of `ctx` with `flags` (`SSL_DOMAIN_FLAG_*`):
    /// the context's domain flags plus `flags`, or `flags` alone if they name a concurrency
    /// model; checked as [`adjust_domain_flags`](super::domain::adjust_domain_flags) checks
    /// them. Fails with `ERR_R_UNSUPPORTED` on a TLS context.
    #[track_caller]
    pub fn new_domain(ctx: &SslCtx, flags: u64) -> Result<Ssl, SslError> {
        let Some(ctx_flags) = ctx.domain_flags() else {
            return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data("domains need a QUIC context")
                .raise());
        };
        let flags = if flags & super::domain::DOMAIN_MODEL_FLAGS != 0 {
            flags
        } else {
            ctx_flags | flags
        };
        let flags = super::domain::adjust_domain_flags(flags)?;
        let clock = ctx.clock().clone();
        let endpoint = Endpoint::new(EndpointConfig::client(), clock.now(), ctx.endpoint_seed());
        let port = Arc::new(
            Port::new(endpoint, false, clock)
                .in_domain(Arc::new(super::domain::DomainPorts::default())),
        );
        port.scopes().set_owners(&port, None);
        Ok(Ssl::from_kind(port, Kind::Domain, BLOCKING_AUTO, 0, flags))
    }

    /// A listener of `ctx`, in `domain` if given.
    #[track_caller]
    fn listener_in(ctx: &SslCtx, flags: u64, domain: Option<Ssl>) -> Result<Ssl, SslError> {
        if flags & !LISTENER_FLAG_NO_VALIDATE != 0 {
            return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("unknown listener flags")
                .raise());
        }
        // A client context's listener accepts nothing: it lends its socket to the
        // connections made from it (`SSL_new_from_listener`), OpenSSL 3.5's client-only use.
        let method = ctx.method();
        let config = if method.is_quic() && !method.is_server() {
            EndpointConfig::client()
        } else {
            EndpointConfig {
                retry: flags & LISTENER_FLAG_NO_VALIDATE == 0,
                ..EndpointConfig::server(ctx.server_tls()?)
            }
        };
        let clock = ctx.clock().clone();
        let endpoint = Endpoint::new(
            EndpointConfig {
                connection: ctx.connection_config().clone(),
                ..config
            },
            clock.now(),
            ctx.endpoint_seed(),
        );
        let mut port = Port::new(endpoint, true, clock);
        if let Some(ports) = domain.as_ref().and_then(|d| d.obj.port.domain()) {
            port = port.in_domain(ports.clone());
        }
        let port = Arc::new(port);
        if let Some(ports) = port.domain() {
            ports.add(&port);
        }
        let domain_flags = ctx.domain_flags().unwrap_or(0);
        let listener = Ssl::from_kind(
            port.clone(),
            Kind::Listener { domain },
            BLOCKING_AUTO,
            0,
            domain_flags,
        );
        port.scopes().set_owners(&port, Some(&listener.obj));
        if let Some(callback) = ctx.new_pending_conn_cb() {
            port.scopes().set_new_pending_conn_cb(callback);
        }
        Ok(listener)
    }

    /// A connection the listener `self` accepted, under `key`: the object made for its
    /// callbacks if one was, else a new one.
    pub(crate) fn accepted_connection(&self, key: ConnKey) -> Ssl {
        let port = &self.obj.port;
        let handle = port.lock().handle(key);
        let pending = handle.and_then(|h| port.scopes().take_pending(h));
        let conn = pending.unwrap_or_else(|| {
            Ssl::from_kind(
                port.clone(),
                Kind::Connection {
                    key,
                    listener: OnceLock::new(),
                    origin: Arc::downgrade(&self.obj),
                    client: None,
                },
                self.obj.blocking.load(Ordering::Relaxed),
                self.mode(),
                self.obj.domain_flags,
            )
        });
        if let Kind::Connection { listener, .. } = &conn.obj.kind {
            let _ = listener.set(self.clone());
        }
        if let Some(h) = handle {
            port.scopes().set_known(h, &conn);
        }
        conn
    }

    /// The object of a server connection made for a callback before the connection is
    /// accepted (see [`Ssl::in_callback`]), with its listener's settings; `None` once the
    /// listener is gone.
    pub(crate) fn pending_connection(
        port: Arc<Port>,
        key: ConnKey,
        listener: &Weak<Object>,
    ) -> Option<Ssl> {
        let l = listener.upgrade()?;
        Some(Ssl::from_kind(
            port,
            Kind::Connection {
                key,
                listener: OnceLock::new(),
                origin: listener.clone(),
                client: None,
            },
            l.blocking.load(Ordering::Relaxed),
            l.mode.load(Ordering::Relaxed),
            l.domain_flags,
        ))
    }

    /// What the embedding layer attached to this object (the C library attaches its
    /// `SSL *`), if anything.
    pub fn attachment(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.obj
            .attachment
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Attaches `value` to this object, returning what was attached. The object keeps it
    /// until it is replaced: an attachment that refers back to the object keeps both alive
    /// until then. (An object the library made for a callback and discards, its connection
    /// never accepted, drops its attachment first.)
    pub fn set_attachment(
        &self,
        value: Option<Arc<dyn Any + Send + Sync>>,
    ) -> Option<Arc<dyn Any + Send + Sync>> {
        std::mem::replace(
            &mut *self
                .obj
                .attachment
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
            value,
        )
    }

    /// Tells the object that the application gave its handle up (a C program's `SSL_free`
    /// of it), though the object itself may live on: a connection lives while any of its
    /// stream objects does. Poll groups then forget it, as they forget objects that are
    /// gone; nothing else changes.
    pub fn release(&self) {
        self.obj.released.store(true, Ordering::Relaxed);
    }

    /// Whether [`release`](Self::release) was called.
    pub(crate) fn is_released(&self) -> bool {
        self.obj.released.load(Ordering::Relaxed)
    }

    /// A stream object for `id` on the connection `self`; it inherits the connection's
    /// blocking mode and SSL modes.
    pub(crate) fn stream_object(&self, id: StreamId) -> Ssl {
        Ssl::from_kind(
            self.obj.port.clone(),
            Kind::Stream {
                conn: self.clone(),
                id,
            },
            self.obj.blocking.load(Ordering::Relaxed),
            self.mode(),
            self.obj.domain_flags,
        )
    }

    // --- Identity --------------------------------------------------------------------------

    /// What the object is.
    pub fn kind(&self) -> ObjectKind {
        match self.obj.kind {
            Kind::Connection { .. } => ObjectKind::Connection,
            Kind::Stream { .. } => ObjectKind::Stream,
            Kind::Listener { .. } => ObjectKind::Listener,
            Kind::Domain => ObjectKind::Domain,
        }
    }

    /// `SSL_is_connection`: true for a connection only (OpenSSL's `SSL_get0_connection`
    /// has no answer for listeners and domains).
    pub fn is_connection(&self) -> bool {
        self.kind() == ObjectKind::Connection
    }

    /// `SSL_is_listener`.
    pub fn is_listener(&self) -> bool {
        self.kind() == ObjectKind::Listener
    }

    /// `SSL_is_domain`.
    pub fn is_domain(&self) -> bool {
        self.kind() == ObjectKind::Domain
    }

    /// `SSL_get0_domain`: a domain itself, or the domain a listener was made from; `None`
    /// otherwise (OpenSSL 3.5 names no domain for connections and streams, even those of a
    /// domain's listener).
    pub fn domain(&self) -> Option<Ssl> {
        match &self.obj.kind {
            Kind::Domain => Some(self.clone()),
            Kind::Listener { domain } => domain.clone(),
            _ => None,
        }
    }

    /// `SSL_get_domain_flags`: the domain flags of the context the object was made from, as
    /// they were then (a domain's own flags for a domain).
    pub fn domain_flags(&self) -> u64 {
        self.obj.domain_flags
    }

    /// `SSL_is_server`: true for a connection a listener accepted; false for client
    /// connections, and for listeners and streams, which have no handshake of their own (as
    /// OpenSSL answers).
    pub fn is_server(&self) -> bool {
        matches!(&self.obj.kind, Kind::Connection { client: None, .. })
    }

    /// `SSL_is_quic`: every object of this kind is.
    pub fn is_quic(&self) -> bool {
        true
    }

    /// Whether two handles are the same object.
    pub fn same_object(&self, other: &Ssl) -> bool {
        Arc::ptr_eq(&self.obj, &other.obj)
    }

    /// A stream's connection; any other object itself (`SSL_get0_connection` answers this
    /// for connections and streams).
    pub fn connection(&self) -> Ssl {
        match &self.obj.kind {
            Kind::Stream { conn, .. } => conn.clone(),
            _ => self.clone(),
        }
    }

    /// `SSL_get0_listener`: a listener itself, the listener that accepted a connection (or a
    /// stream's connection), `None` otherwise.
    pub fn listener(&self) -> Option<Ssl> {
        match &self.obj.kind {
            Kind::Listener { .. } => Some(self.clone()),
            Kind::Connection { listener, .. } => listener.get().cloned(),
            Kind::Stream { conn, .. } => conn.listener(),
            Kind::Domain => None,
        }
    }

    /// The listener a server connection arrived at, also before it is accepted (when
    /// [`listener`](Self::listener) still answers `None`, as OpenSSL's `SSL_get0_listener`
    /// does in the connection's callbacks).
    pub fn arrived_at(&self) -> Option<Ssl> {
        match &self.obj.kind {
            Kind::Connection { origin, .. } => origin.upgrade().map(|obj| Ssl { obj }),
            _ => None,
        }
    }

    /// The connection key of a connection or a stream's connection.
    pub(crate) fn conn_key(&self) -> Option<ConnKey> {
        match &self.obj.kind {
            Kind::Connection { key, .. } => Some(*key),
            Kind::Stream { conn, .. } => conn.conn_key(),
            Kind::Listener { .. } | Kind::Domain => None,
        }
    }

    /// The connection key, or `SSL_R_CONN_USE_ONLY` for a stream and `SSL_R_NO_STREAM` for
    /// a listener or domain (as OpenSSL answers calls made on a connection or a stream).
    #[track_caller]
    pub(crate) fn expect_connection(&self) -> Result<ConnKey, SslError> {
        match &self.obj.kind {
            Kind::Connection { key, .. } => Ok(*key),
            Kind::Stream { .. } => Err(SslError::ssl(ssl_r::CONN_USE_ONLY).raise()),
            Kind::Listener { .. } | Kind::Domain => Err(SslError::ssl(ssl_r::NO_STREAM).raise()),
        }
    }

    /// The connection key, or `SSL_R_CONN_USE_ONLY` for any other object: for the calls
    /// OpenSSL takes on connections only.
    #[track_caller]
    pub(crate) fn expect_conn_only(&self) -> Result<ConnKey, SslError> {
        match &self.obj.kind {
            Kind::Connection { key, .. } => Ok(*key),
            _ => Err(SslError::ssl(ssl_r::CONN_USE_ONLY).raise()),
        }
    }

    /// For listener-only calls: `SSL_R_LISTENER_USE_ONLY` on anything else.
    #[track_caller]
    pub(crate) fn expect_listener(&self) -> Result<(), SslError> {
        match self.obj.kind {
            Kind::Listener { .. } => Ok(()),
            _ => Err(SslError::ssl(ssl_r::LISTENER_USE_ONLY).raise()),
        }
    }

    /// `SSL_set_ciphersuites` on a client connection not started yet: its TLS 1.3 suites
    /// by name (`ctx` is the context it was made from), as a client forcing
    /// TLS_CHACHA20_POLY1305_SHA256 does. `SSL_R_NO_CIPHER_MATCH` when none is known;
    /// `ERR_R_UNSUPPORTED` on other objects (a listener's connections take their context's)
    /// and `SSL_R_FEATURE_NOT_RENEGOTIABLE` once the connection started.
    #[track_caller]
    pub fn set_ciphersuites(&self, ctx: &SslCtx, list: &str) -> Result<(), SslError> {
        let key = self.expect_conn_only()?;
        let Some(mut setup) = self.client_setup() else {
            return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data("a listener's connections take their context's cipher suites")
                .raise());
        };
        if self.obj.port.lock().handle(key).is_some() {
            return Err(SslError::ssl(ssl_r::FEATURE_NOT_RENEGOTIABLE).raise());
        }
        let mut suites = setup.suites.clone();
        ctx.choose_ciphersuites(&mut suites, list)?;
        let mut tls = ctx.quic_client_config(setup.sessions.clone(), &suites)?;
        // The object's own ALPN list stays.
        Arc::make_mut(&mut tls).alpn_protocols = setup.tls.alpn_protocols.clone();
        setup.tls = tls;
        setup.suites = suites;
        Ok(())
    }

    /// The client setup of a client connection.
    pub(crate) fn client_setup(&self) -> Option<MutexGuard<'_, ClientSetup>> {
        match &self.obj.kind {
            Kind::Connection {
                client: Some(c), ..
            } => Some(c.lock().unwrap_or_else(|p| p.into_inner())),
            _ => None,
        }
    }

    // --- Network BIOs ----------------------------------------------------------------------

    /// `SSL_set_bio` (QUIC): the datagram BIOs the port reads from and writes to; both are
    /// switched to non-blocking I/O. Setting the write BIO detects the initial peer address
    /// from a connected socket. On a stream fails with `SSL_R_CONN_USE_ONLY`.
    ///
    /// A write BIO with an MTU set (`BIO_dgram_set_mtu`, in bytes of datagram payload, at
    /// least 1200) makes it the largest datagram the connections made afterwards receive and
    /// search their path for (path MTU discovery; 1452 bytes otherwise).
    ///
    /// Beyond OpenSSL: a client connection whose handshake is confirmed moves to the new
    /// BIOs' path (connection migration, RFC 9000 §9): a fresh connection ID, congestion
    /// control started over, and the path validated, to the peer the new write BIO is
    /// connected to or else the same one. Where the connection cannot migrate (the server
    /// sent disable_active_migration, or gave no spare connection ID) the BIOs are set all
    /// the same and the call fails with `ERR_R_OPERATION_FAIL` saying why.
    #[track_caller]
    pub fn set_bio(
        &self,
        rbio: Option<Arc<dyn DatagramBio>>,
        wbio: Option<Arc<dyn DatagramBio>>,
    ) -> Result<(), SslError> {
        match self.obj.kind {
            Kind::Stream { .. } => return Err(SslError::ssl(ssl_r::CONN_USE_ONLY).raise()),
            Kind::Domain => return Err(domain_unsupported()),
            _ => {}
        }
        let mut st = self.obj.port.lock();
        st.net.set_rbio(rbio);
        st.net.set_wbio(wbio);
        let mtu = st.net.wbio().map_or(0, |b| b.mtu());
        if mtu as u64 >= qssl_quic::transport_params::MIN_MAX_UDP_PAYLOAD_SIZE {
            st.endpoint.connection_config_mut().max_udp_payload_size =
                u16::try_from(mtu).unwrap_or(u16::MAX);
        }
        let Kind::Connection {
            key,
            client: Some(_),
            ..
        } = &self.obj.kind
        else {
            return Ok(());
        };
        let peer = st.net.detect_peer();
        let now = self.obj.port.now();
        match st.conn_mut(*key).1 {
            Some(conn) if conn.is_handshake_confirmed() && !conn.is_closed() => {
                let to = peer.unwrap_or(conn.remote());
                conn.migrate(now, to).map_err(|e| {
                    SslError::new(ERR_LIB_SSL, err_r::OPERATION_FAIL)
                        .with_data(format!("connection migration: {e}"))
                        .raise()
                })
            }
            _ => Ok(()),
        }
    }

    /// `SSL_set_fd` for Rust: a UDP socket BIO over `socket` becomes both network BIOs.
    #[track_caller]
    pub fn set_socket(&self, socket: std::net::UdpSocket) -> Result<(), SslError> {
        let bio: Arc<dyn DatagramBio> =
            Arc::new(qssl_bio::UdpBio::from_socket(socket).map_err(|e| SslError::from(e).raise())?);
        self.set_bio(Some(bio.clone()), Some(bio))
    }

    /// `SSL_get_rbio`: the port's read BIO (shared by all objects on it).
    pub fn rbio(&self) -> Option<Arc<dyn DatagramBio>> {
        self.obj.port.lock().net.rbio().cloned()
    }

    /// `SSL_get_wbio`: the port's write BIO.
    pub fn wbio(&self) -> Option<Arc<dyn DatagramBio>> {
        self.obj.port.lock().net.wbio().cloned()
    }

    /// `SSL_set1_initial_peer_addr`: where a client connection sends its first datagrams
    /// (otherwise detected from a connected write BIO). Only before the connection starts.
    #[track_caller]
    pub fn set_initial_peer_addr(&self, addr: SocketAddr) -> Result<(), SslError> {
        self.before_start(|setup| setup.peer = Some(addr))
    }

    /// `SSL_set_tlsext_host_name`: the server name a client connection sends (SNI), checked
    /// as [`Tls::set_tlsext_host_name`](crate::tls::Tls::set_tlsext_host_name) checks it. Only
    /// before the connection starts. A name refused leaves none set, as in OpenSSL.
    #[track_caller]
    pub fn set_tlsext_host_name(&self, name: &str) -> Result<(), SslError> {
        self.clear_tlsext_host_name()?;
        let name = crate::tls::checked_sni_name(name)?;
        self.before_start(|setup| setup.sni = Some(name))
    }

    /// `SSL_set_tlsext_host_name(ssl, NULL)`: no server name is sent. Only before the
    /// connection starts.
    #[track_caller]
    pub fn clear_tlsext_host_name(&self) -> Result<(), SslError> {
        self.before_start(|setup| setup.sni = None)
    }

    /// `SSL_set1_host`: the name the server's certificate must carry, checked whatever SNI
    /// is sent. Without it only the chain is verified, as in OpenSSL. Only before the
    /// connection starts.
    #[track_caller]
    pub fn set1_host(&self, name: &str) -> Result<(), SslError> {
        let name = crate::ctx::checked_host_name(name)?;
        self.before_start(|setup| {
            Arc::make_mut(&mut setup.checks)
                .policy
                .params
                .set_host_or_ip(Some(&name));
        })
    }

    /// Both [`set_tlsext_host_name`](Self::set_tlsext_host_name) and
    /// [`set1_host`](Self::set1_host): send `name` as SNI and require it in the certificate.
    #[track_caller]
    pub fn set_host_name(&self, name: &str) -> Result<(), SslError> {
        self.set_tlsext_host_name(name)?;
        self.set1_host(name)
    }

    /// `SSL_set_verify`: this client connection's verify mode and callback (`None` keeps the
    /// callback it has), before it starts. A listener's connections verify clients as their
    /// context says: elsewhere this fails with `SSL_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
    #[track_caller]
    pub fn set_verify(&self, mode: i32, callback: Option<VerifyCallback>) -> Result<(), SslError> {
        self.before_start(|setup| Arc::make_mut(&mut setup.checks).policy.set(mode, callback))
    }

    /// `SSL_set_verify_depth`: as [`SslCtx::set_verify_depth`] for this client connection.
    #[track_caller]
    pub fn set_verify_depth(&self, depth: i32) -> Result<(), SslError> {
        self.before_start(|setup| Arc::make_mut(&mut setup.checks).policy.set_depth(depth))
    }

    /// `SSL_get0_param`'s parameters: a client connection's verification parameters, or
    /// `None` for other objects (a listener's connections verify clients with its
    /// context's).
    pub fn verify_params(&self) -> Option<VerifyParams> {
        let conn = self.connection();
        let setup = conn.client_setup()?;
        Some(setup.checks.policy.params.clone())
    }

    /// Changes a client connection's verification parameters before it starts; elsewhere
    /// fails as [`set_verify`](Self::set_verify) does.
    #[track_caller]
    pub fn update_verify_params(
        &self,
        change: impl FnOnce(&mut VerifyParams),
    ) -> Result<(), SslError> {
        self.before_start(|setup| change(&mut Arc::make_mut(&mut setup.checks).policy.params))
    }

    /// `SSL_get_verify_mode` and `SSL_get_verify_depth`: a client connection's settings, or
    /// `None` for other objects.
    pub fn verify_settings(&self) -> Option<(i32, i32)> {
        let conn = self.connection();
        let setup = conn.client_setup()?;
        Some(setup.checks.policy.settings())
    }

    /// Applies `change` to the client setup of a client connection that has not started.
    #[track_caller]
    fn before_start(&self, change: impl FnOnce(&mut ClientSetup)) -> Result<(), SslError> {
        let key = self.expect_connection()?;
        let Some(mut setup) = self.client_setup() else {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("not a client connection")
                    .raise(),
            );
        };
        if self.obj.port.lock().handle(key).is_some() {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("connection already started")
                    .raise(),
            );
        }
        change(&mut setup);
        Ok(())
    }

    /// `SSL_set_alpn_protos` on a client connection: the ALPN list in wire format, replacing
    /// the context's. Only before the connection starts.
    #[track_caller]
    pub fn set_alpn_protos(&self, wire: &[u8]) -> Result<(), SslError> {
        let names = crate::ctx::parse_alpn_wire(wire)?;
        let Some(mut setup) = self.client_setup() else {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("not a client connection")
                    .raise(),
            );
        };
        let mut tls = (*setup.tls).clone();
        tls.alpn_protocols = names;
        setup.tls = Arc::new(tls);
        Ok(())
    }

    // --- Modes -----------------------------------------------------------------------------

    /// `SSL_set_mode`: adds `SSL_MODE_*` bits; returns the new mode.
    pub fn set_mode(&self, mode: u32) -> u32 {
        self.obj.mode.fetch_or(mode, Ordering::Relaxed) | mode
    }

    /// `SSL_clear_mode`: removes bits; returns the new mode.
    pub fn clear_mode(&self, mode: u32) -> u32 {
        self.obj.mode.fetch_and(!mode, Ordering::Relaxed) & !mode
    }

    /// `SSL_get_mode`.
    pub fn mode(&self) -> u32 {
        self.obj.mode.load(Ordering::Relaxed)
    }

    /// `SSL_set_blocking_mode`: whether I/O calls on this object wait. Turning blocking on
    /// fails with `ERR_R_UNSUPPORTED` (as in OpenSSL) if the network BIOs cannot be waited
    /// on, if the object's domain flags allow no blocking, or if the object's clock does not
    /// follow real time (a [`ManualClock`](crate::clock::ManualClock): see
    /// [`SslCtx::set_clock`]). A domain has no blocking mode: `ERR_R_UNSUPPORTED`.
    #[track_caller]
    pub fn set_blocking_mode(&self, blocking: bool) -> Result<(), SslError> {
        if self.is_domain() {
            return Err(domain_unsupported());
        }
        if blocking {
            if !super::domain::flags_allow_blocking(self.obj.domain_flags) {
                return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data("the domain flags allow no blocking")
                    .raise());
            }
            if !self.obj.port.is_real_time() {
                return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data("the clock does not follow real time: blocking mode unavailable")
                    .raise());
            }
            let st = self.obj.port.lock();
            let bios_set = st.net.rbio().is_some() || st.net.wbio().is_some();
            if bios_set && !st.net.can_block() {
                return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data("network BIOs cannot be polled: blocking mode unavailable")
                    .raise());
            }
        }
        let value = if blocking { BLOCKING_ON } else { BLOCKING_OFF };
        self.obj.blocking.store(value, Ordering::Relaxed);
        Ok(())
    }

    /// `SSL_get_blocking_mode`: whether I/O calls wait (on by default when both network BIOs
    /// can be polled and the clock follows real time).
    pub fn blocking_mode(&self) -> bool {
        let st = self.obj.port.lock();
        self.blocking_with(&st)
    }

    fn blocking_with(&self, st: &PortState) -> bool {
        match self.obj.blocking.load(Ordering::Relaxed) {
            BLOCKING_OFF => false,
            _ => {
                super::domain::flags_allow_blocking(self.obj.domain_flags)
                    && self.obj.port.can_wait(st)
            }
        }
    }

    /// How a call on this object runs: blocking unless `no_block`, ticking when it would
    /// wait unless events are handled explicitly (and the call does not block).
    pub(crate) fn drive_mode(&self, no_block: bool) -> Drive {
        let blocking = !no_block && self.blocking_mode();
        Drive {
            blocking,
            tick: blocking || !self.explicit_events(),
        }
    }

    /// Runs `op` on the port as [`drive_mode`](Self::drive_mode) says, recording the result
    /// for [`get_error`](Self::get_error).
    pub(crate) fn run<T>(
        &self,
        no_block: bool,
        op: impl FnMut(&mut PortState, Instant) -> IoResult<T>,
    ) -> IoResult<T> {
        let result = self.obj.port.drive(self.drive_mode(no_block), op);
        self.record(&result);
        result
    }

    /// Records an I/O call's outcome for [`get_error`](Self::get_error).
    pub(crate) fn record<T>(&self, result: &IoResult<T>) {
        let code = match result {
            Ok(_) => ErrorCode::None,
            Err(e) => e.code(),
        };
        self.obj.last_error.store(code.code(), Ordering::Relaxed);
    }

    /// `SSL_get_error(ssl, ret)`, as OpenSSL answers for QUIC objects: `NONE` for a positive
    /// `ret`; otherwise what the last I/O call on this object reported, or when that
    /// succeeded: for a connection `SSL` if an error is on this thread's queue (`SYSCALL` for a
    /// system error), else `SYSCALL`; for a stream `SSL`. A listener always answers `SSL`.
    pub fn get_error(&self, ret: i32) -> ErrorCode {
        if ret > 0 {
            return ErrorCode::None;
        }
        if self.is_listener() {
            return ErrorCode::Ssl;
        }
        let last = self.obj.last_error.load(Ordering::Relaxed);
        match ErrorCode::from_code(last).unwrap_or(ErrorCode::Ssl) {
            ErrorCode::None if self.kind() == ObjectKind::Connection => {
                ErrorCode::from_queue().unwrap_or(ErrorCode::Syscall)
            }
            ErrorCode::None => ErrorCode::Ssl,
            code => code,
        }
    }
}

impl Object {
    /// Whether non-blocking calls on this object leave event handling to the application
    /// (`SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT`, set here or inherited from the connection).
    pub(crate) fn explicit_events(&self) -> bool {
        match u64::from(self.event_mode.load(Ordering::Relaxed)) {
            super::value::EVENT_HANDLING_MODE_EXPLICIT => true,
            super::value::EVENT_HANDLING_MODE_IMPLICIT => false,
            _ => match &self.kind {
                Kind::Stream { conn, .. } => conn.obj.explicit_events(),
                _ => false,
            },
        }
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        let now = self.port.now();
        match &self.kind {
            Kind::Stream { conn, id } => {
                if let Some(key) = conn.conn_key() {
                    let mut st = self.port.lock();
                    super::stream::release_stream(&mut st, key, *id);
                    // A reset or STOP_SENDING the release queued leaves now unless events
                    // are handled explicitly (then with the next `handle_events`).
                    if !self.explicit_events() {
                        st.flush(now);
                    }
                }
            }
            Kind::Connection { key, .. } => {
                self.port.lock().remove_conn(*key, now);
            }
            // Connections never accepted go with their listener.
            Kind::Listener { .. } => self.port.scopes().discard_pending(),
            Kind::Domain => {}
        }
    }
}

/// The error for a call a domain does not support (OpenSSL raises `ERR_R_UNSUPPORTED` for
/// calls on the wrong kind of object that name no more specific reason).
#[track_caller]
pub(crate) fn domain_unsupported() -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data("not supported on a domain")
        .raise()
}

/// Error for an I/O call on a listener or a domain, which have no streams.
#[track_caller]
pub(crate) fn listener_io_error() -> IoError {
    IoError::ssl(SslError::ssl(ssl_r::NO_STREAM).with_data("a listener cannot read or write"))
}
