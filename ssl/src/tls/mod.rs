//! TLS over a byte stream (TCP, a socket pair, memory BIOs) with OpenSSL's SSL-object
//! semantics, on rustls.
//!
//! [`Tls`] is `SSL *` for the `TLS_*_method` contexts: set the stream BIOs (or a TCP
//! stream), then `connect`/`accept`/`do_handshake`, `read`/`peek`/`write`, `shutdown`. With
//! non-blocking BIOs every call reports WANT_READ/WANT_WRITE exactly where OpenSSL does, so
//! the retry loop of an OpenSSL program works unchanged; [`Tls::wait`] waits on the BIOs'
//! descriptors for what the last call wanted, with a timeout. Every flight and every write is
//! flushed through the write BIO chain (see the `engine` module).

mod engine;
mod errors;
mod info;
mod key_update;
mod records;
mod session;
mod suites;

pub use info::{
    CB_ALERT, CB_EXIT, CB_HANDSHAKE_DONE, CB_HANDSHAKE_START, CB_LOOP, CB_READ, CB_WRITE,
    HandshakeState, InfoEvent, InfoHook, ST_ACCEPT, ST_CONNECT,
};
pub(crate) use session::ObjectSessions;
pub use session::SslSession;

use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use qssl_bio::poll::{self, PollItem};
use qssl_bio::{PollDescriptor, SocketBio, StreamBio};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection};

use crate::ctx::{
    ConnectionVerify, Method, SslCtx, SuiteChoice, TLS1_2_VERSION, TLS1_3_VERSION,
    TlsServerTemplate, VerifyCallback, cipher_name, in_connection, x509_v,
};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::lock::{ObjectGuard, ObjectLock};
use crate::result::{ErrorCode, IoError, IoResult};
use crate::x509::verify::VerifyParams;
use engine::{Engine, Pump, WriteMode};

/// A stream BIO shared between an object's read and write sides (and the application).
pub type SharedStreamBio = Arc<Mutex<dyn StreamBio>>;

/// `SSL_MODE_ENABLE_PARTIAL_WRITE`.
pub const MODE_ENABLE_PARTIAL_WRITE: u32 = 0x1;
/// `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`.
pub const MODE_ACCEPT_MOVING_WRITE_BUFFER: u32 = 0x2;
/// `SSL_MODE_AUTO_RETRY` (on by default, as in OpenSSL 3): a read that processes only
/// non-application records (session tickets, key updates) goes on reading; cleared, such a
/// read reports WANT_READ, even on a blocking BIO.
pub const MODE_AUTO_RETRY: u32 = 0x4;

/// Which side of the handshake an object plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Client,
    Server,
}

/// A client object's settings, fixed when the handshake starts.
struct ClientSide {
    template: ClientConfig,
    sessions: Arc<ObjectSessions>,
    sni: Option<String>,
    /// The expected name, verify settings (the context's when the object was made until
    /// `SSL_set_verify`) and result slot, entered as the verify scope of each call.
    checks: Arc<ConnectionVerify>,
}

struct State {
    role: Option<Role>,
    /// Client settings (for client and generic methods), or why they could not be made.
    client: Result<ClientSide, SslError>,
    /// Server settings (for server and generic methods), or why they could not be made.
    server: Result<Arc<TlsServerTemplate>, SslError>,
    pump: Pump,
    mode: u32,
    last_error: ErrorCode,
    /// The peer's address, when set from a TCP stream: the name presented without SNI.
    peer_ip: Option<IpAddr>,
    /// `SSL_set_quiet_shutdown`: `SSL_shutdown` sends nothing.
    quiet_shutdown: bool,
    /// Where info events go once a call has let go of the object.
    info: Option<InfoHook>,
    /// The cipher suites this object chose in place of its context's.
    suites: SuiteChoice,
}

/// A TLS object (OpenSSL's `SSL *` of a `TLS_*_method` context). Cloning takes another
/// reference (`SSL_up_ref`). Calls lock the object: like OpenSSL's, one object is used by
/// one thread at a time.
#[derive(Clone)]
pub struct Tls {
    state: Arc<ObjectLock<State>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        f.debug_struct("Tls")
            .field("role", &st.role)
            .field(
                "handshake_done",
                &st.pump.conn().is_some_and(|c| !c.is_handshaking()),
            )
            .field("last_error", &st.last_error)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// `SSL_new` on a TLS context. Fails on a QUIC context.
    #[track_caller]
    pub fn new(ctx: &SslCtx) -> Result<Tls, SslError> {
        let method = ctx.method();
        if method.is_quic() {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("a TLS object needs a TLS method context")
                    .raise(),
            );
        }
        let role = match method {
            Method::TlsClient => Some(Role::Client),
            Method::TlsServer => Some(Role::Server),
            _ => None,
        };
        let not_for = |side: &str| {
            SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                .with_data(format!("context has no {side} role"))
        };
        let client = if method == Method::TlsServer {
            Err(not_for("client"))
        } else {
            let sessions = Arc::new(ObjectSessions::new(
                ctx.client_session_cache(),
                ctx.new_session_callback(),
                ctx.session_timeout_handle(),
            ));
            ctx.tls_client_config(sessions.clone(), &SuiteChoice::default())
                .map(|template| ClientSide {
                    template,
                    sessions,
                    sni: None,
                    checks: Arc::new(ConnectionVerify::new(ctx.verify_policy())),
                })
        };
        let server = if method == Method::TlsClient {
            Err(not_for("server"))
        } else {
            // As in OpenSSL, a server object may be made before its context has a
            // certificate (or with a generic context that never acts as a server): what is
            // missing is reported when the handshake starts.
            crate::error::set_mark();
            let t = ctx
                .tls_server_template(&SuiteChoice::default())
                .map(Arc::new);
            crate::error::pop_to_mark();
            t
        };
        if let (Some(Role::Client), Err(e)) = (role, &client) {
            return Err(e.clone());
        }
        Ok(Tls {
            state: Arc::new(ObjectLock::new(State {
                role,
                client,
                server,
                pump: Pump::new(ctx.options()),
                mode: MODE_AUTO_RETRY,
                last_error: ErrorCode::None,
                peer_ip: None,
                quiet_shutdown: false,
                info: None,
                suites: SuiteChoice::default(),
            })),
        })
    }

    /// Locks the object.
    ///
    /// # Panics
    /// If this thread holds the lock already: a callback called back into the object.
    fn lock(&self) -> ObjectGuard<'_, State> {
        self.state.lock()
    }

    /// Whether a call on this object is running on this thread, so this thread is inside one
    /// of its callbacks: other calls on the object would panic (see `SSL_CTX_set_verify`).
    pub fn is_busy_here(&self) -> bool {
        self.state.is_held_here()
    }

    /// Whether two handles are the same object.
    pub fn same_object(&self, other: &Tls) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }

    // --- Role and BIOs ---------------------------------------------------------------------

    /// `SSL_set_connect_state`: this object connects.
    pub fn set_connect_state(&self) {
        self.lock().role = Some(Role::Client);
    }

    /// `SSL_set_accept_state`: this object accepts.
    pub fn set_accept_state(&self) {
        self.lock().role = Some(Role::Server);
    }

    /// `SSL_is_server`.
    pub fn is_server(&self) -> bool {
        self.lock().role == Some(Role::Server)
    }

    /// `SSL_set_bio`: the BIOs records are read from and written to (often the same one).
    pub fn set_bio(&self, rbio: Option<SharedStreamBio>, wbio: Option<SharedStreamBio>) {
        let mut st = self.lock();
        st.pump.rbio = rbio;
        st.pump.wbio = wbio;
    }

    /// One BIO for both directions.
    pub fn set_stream_bio(&self, bio: impl StreamBio + 'static) {
        let bio: SharedStreamBio = Arc::new(Mutex::new(bio));
        self.set_bio(Some(bio.clone()), Some(bio));
    }

    /// `SSL_set_fd` for a Rust `TcpStream`: a socket BIO over it for both directions. The
    /// stream's blocking mode decides whether calls block.
    pub fn set_tcp(&self, stream: TcpStream) {
        let peer = stream.peer_addr().ok().map(|a| a.ip());
        self.set_stream_bio(SocketBio::from_tcp(stream));
        self.lock().peer_ip = peer;
    }

    /// `SSL_get_rbio`.
    pub fn rbio(&self) -> Option<SharedStreamBio> {
        self.lock().pump.rbio.clone()
    }

    /// `SSL_get_wbio`.
    pub fn wbio(&self) -> Option<SharedStreamBio> {
        self.lock().pump.wbio.clone()
    }

    // --- Client settings -------------------------------------------------------------------

    #[track_caller]
    fn client_setting(&self, change: impl FnOnce(&mut ClientSide)) -> Result<(), SslError> {
        let mut st = self.lock();
        if !matches!(st.pump.engine, Engine::Idle) {
            return Err(
                SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                    .with_data("handshake already started")
                    .raise(),
            );
        }
        match &mut st.client {
            Ok(c) => {
                change(c);
                Ok(())
            }
            Err(e) => Err(e.clone().raise()),
        }
    }

    /// `SSL_set_tlsext_host_name`: the server name a client sends (SNI): 1 to 255 bytes (else
    /// `SSL_R_SSL3_EXT_INVALID_SERVERNAME`) that rustls can send (else
    /// `ERR_R_PASSED_INVALID_ARGUMENT`). A name refused leaves none set, as in OpenSSL.
    #[track_caller]
    pub fn set_tlsext_host_name(&self, name: &str) -> Result<(), SslError> {
        self.clear_tlsext_host_name()?;
        let name = checked_sni_name(name)?;
        self.client_setting(|c| c.sni = Some(name))
    }

    /// `SSL_set_tlsext_host_name(ssl, NULL)`: no server name is sent.
    #[track_caller]
    pub fn clear_tlsext_host_name(&self) -> Result<(), SslError> {
        self.client_setting(|c| c.sni = None)
    }

    /// `SSL_set1_host`: the name the server's certificate must carry; without it only the
    /// chain is verified, as in OpenSSL.
    #[track_caller]
    pub fn set1_host(&self, name: &str) -> Result<(), SslError> {
        let name = crate::ctx::checked_host_name(name)?;
        self.client_setting(|c| {
            Arc::make_mut(&mut c.checks)
                .policy
                .params
                .set_host_or_ip(Some(&name));
        })
    }

    /// Both [`set_tlsext_host_name`](Self::set_tlsext_host_name) and
    /// [`set1_host`](Self::set1_host).
    #[track_caller]
    pub fn set_host_name(&self, name: &str) -> Result<(), SslError> {
        self.set_tlsext_host_name(name)?;
        self.set1_host(name)
    }

    /// `SSL_set_verify`: this client object's verify mode and callback (`None` keeps the
    /// callback it has), before the handshake starts. Servers verify clients as their
    /// context says: on a server-only object this fails with
    /// `SSL_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
    #[track_caller]
    pub fn set_verify(&self, mode: i32, callback: Option<VerifyCallback>) -> Result<(), SslError> {
        self.client_setting(|c| Arc::make_mut(&mut c.checks).policy.set(mode, callback))
    }

    /// `SSL_set_verify_depth`: as [`SslCtx::set_verify_depth`] for this client object.
    #[track_caller]
    pub fn set_verify_depth(&self, depth: i32) -> Result<(), SslError> {
        self.client_setting(|c| Arc::make_mut(&mut c.checks).policy.set_depth(depth))
    }

    /// `SSL_get0_param`'s parameters: the client side's verification parameters (its
    /// context's when the object was made, then its own changes), or `None` for a
    /// server-only object (which verifies clients with its context's).
    pub fn verify_params(&self) -> Option<VerifyParams> {
        let st = self.lock();
        st.client
            .as_ref()
            .ok()
            .map(|c| c.checks.policy.params.clone())
    }

    /// Changes the client side's verification parameters, before the handshake starts
    /// (`X509_VERIFY_PARAM_set_*` on `SSL_get0_param`'s parameters); elsewhere fails as
    /// [`set_verify`](Self::set_verify) does.
    #[track_caller]
    pub fn update_verify_params(
        &self,
        change: impl FnOnce(&mut VerifyParams),
    ) -> Result<(), SslError> {
        self.client_setting(|c| change(&mut Arc::make_mut(&mut c.checks).policy.params))
    }

    /// `SSL_get_verify_mode` and `SSL_get_verify_depth`: the client side's settings, or
    /// `None` for a server-only object.
    pub fn verify_settings(&self) -> Option<(i32, i32)> {
        let st = self.lock();
        st.client.as_ref().ok().map(|c| c.checks.policy.settings())
    }

    /// `SSL_set_alpn_protos` on a client: the protocols offered, in wire format.
    #[track_caller]
    pub fn set_alpn_protos(&self, wire: &[u8]) -> Result<(), SslError> {
        let names = crate::ctx::parse_alpn_wire(wire)?;
        self.client_setting(|c| c.template.alpn_protocols = names)
    }

    /// `SSL_set_session`: the session a client offers to resume (`None` clears it).
    #[track_caller]
    pub fn set_session(&self, session: Option<SslSession>) -> Result<(), SslError> {
        self.client_setting(|c| c.sessions.offer(session))
    }

    /// `SSL_get1_session`: the session this client's connection made (filled as the server
    /// sends tickets), for a later connection to resume.
    pub fn session(&self) -> Option<SslSession> {
        let st = self.lock();
        st.client.as_ref().ok().map(|c| c.sessions.current())
    }

    /// How much 0-RTT data the session this client will offer allows (0 without one, on a
    /// server, or once the handshake started).
    pub fn offered_max_early_data(&self) -> u32 {
        let st = self.lock();
        match (&st.client, &st.pump.engine, st.role) {
            (Ok(c), Engine::Idle, Some(Role::Client) | None) => c.sessions.offered_max_early_data(),
            _ => 0,
        }
    }

    /// `SSL_session_reused`: whether the handshake resumed a session.
    pub fn session_reused(&self) -> bool {
        let st = self.lock();
        let Some(conn) = st.pump.conn() else {
            return false;
        };
        !conn.is_handshaking()
            && matches!(conn.handshake_kind(), Some(rustls::HandshakeKind::Resumed))
    }

    // --- Modes and options -----------------------------------------------------------------

    /// `SSL_set_mode`: adds bits; returns the new mode.
    pub fn set_mode(&self, mode: u32) -> u32 {
        let mut st = self.lock();
        st.mode |= mode;
        st.mode
    }

    /// `SSL_clear_mode`.
    pub fn clear_mode(&self, mode: u32) -> u32 {
        let mut st = self.lock();
        st.mode &= !mode;
        st.mode
    }

    /// `SSL_get_mode`.
    pub fn mode(&self) -> u32 {
        self.lock().mode
    }

    /// `SSL_set_options`: adds `SSL_OP_*` bits; returns the new options.
    pub fn set_options(&self, options: u64) -> u64 {
        let mut st = self.lock();
        st.pump.options |= options;
        st.pump.options
    }

    /// `SSL_clear_options`: removes `SSL_OP_*` bits; returns the new options.
    pub fn clear_options(&self, options: u64) -> u64 {
        let mut st = self.lock();
        st.pump.options &= !options;
        st.pump.options
    }

    /// `SSL_get_options`.
    pub fn options(&self) -> u64 {
        self.lock().pump.options
    }

    /// `SSL_set_quiet_shutdown`: with `quiet`, `SSL_shutdown` sends no close_notify and
    /// counts both directions as shut.
    pub fn set_quiet_shutdown(&self, quiet: bool) {
        self.lock().quiet_shutdown = quiet;
    }

    /// `SSL_get_quiet_shutdown`.
    pub fn quiet_shutdown(&self) -> bool {
        self.lock().quiet_shutdown
    }

    // --- Info callback, states, reuse -------------------------------------------------------

    /// Where the object's info events go (`SSL_set_info_callback`); `None` drops them.
    pub fn set_info_hook(&self, hook: Option<InfoHook>) {
        self.lock().info = hook;
    }

    /// Hands the events the last call produced to the info hook, outside the object's lock.
    fn deliver_info(&self) {
        let (hook, events) = {
            let mut st = self.lock();
            (st.info.clone(), std::mem::take(&mut st.pump.events))
        };
        if let Some(hook) = hook {
            for event in &events {
                hook(event);
            }
        }
    }

    /// `SSL_get_state`: where the handshake is (see [`HandshakeState`] for what qssl can
    /// tell).
    pub fn handshake_state(&self) -> HandshakeState {
        self.lock().pump.handshake_state()
    }

    /// Whether a fatal error ended the connection (`SSL_state_string` then says "error").
    pub fn in_error(&self) -> bool {
        self.lock().pump.in_error()
    }

    /// `SSL_in_init`: the handshake has not completed (also before it starts).
    pub fn in_init(&self) -> bool {
        !self.lock().pump.handshake_done
    }

    /// `SSL_clear`: makes the object ready for a new connection in the same role, with the
    /// same BIOs, settings and options. A client that closed its connection cleanly
    /// (`SSL_shutdown`) offers that connection's session next, as OpenSSL keeps it; after an
    /// unclean end it offers none.
    pub fn clear(&self) {
        let mut st = self.lock();
        let clean = st.pump.sent_shutdown;
        st.pump.reset();
        st.last_error = ErrorCode::None;
        if let Ok(c) = &mut st.client {
            let session = c.sessions.current();
            c.sessions
                .offer((clean && session.is_resumable()).then_some(session));
            c.checks = Arc::new(ConnectionVerify::new(c.checks.policy.clone()));
        }
    }

    /// `SSL_get_negotiated_group`: the TLS number (`NamedGroup`) of the key exchange group
    /// the handshake used.
    pub fn negotiated_group(&self) -> Option<u16> {
        let st = self.lock();
        Some(u16::from(
            st.pump.conn()?.negotiated_key_exchange_group()?.name(),
        ))
    }

    /// `SSL_get_client_random` / `SSL_get_server_random`: the randoms of the ClientHello and
    /// the ServerHello as they went over the wire (each `None` until seen; after a
    /// HelloRetryRequest the server's is the retry request's).
    pub fn hello_randoms(&self) -> (Option<[u8; 32]>, Option<[u8; 32]>) {
        self.lock().pump.randoms()
    }

    /// The TLS number of the negotiated cipher suite.
    pub fn cipher_suite_id(&self) -> Option<u16> {
        let st = self.lock();
        Some(u16::from(
            st.pump.conn()?.negotiated_cipher_suite()?.suite(),
        ))
    }

    // --- I/O -------------------------------------------------------------------------------

    /// Runs `op` with the handshake done first, recording the outcome for `get_error`; the
    /// info events go out once the object is let go of.
    fn io<T>(&self, role: Option<Role>, op: impl FnOnce(&mut Pump) -> IoResult<T>) -> IoResult<T> {
        let result = {
            let mut guard = self.lock();
            let st = &mut *guard;
            // A client's verifier learns this object's name, settings and result slot through
            // the scope; servers verify clients with their context's settings.
            match st.client.as_ref().map(|c| c.checks.clone()) {
                Ok(scope) => in_connection(scope, || Self::io_locked(st, role, op)),
                Err(_) => Self::io_locked(st, role, op),
            }
        };
        self.deliver_info();
        result
    }

    fn io_locked<T>(
        st: &mut State,
        role: Option<Role>,
        op: impl FnOnce(&mut Pump) -> IoResult<T>,
    ) -> IoResult<T> {
        if let Some(r) = role
            && matches!(st.pump.engine, Engine::Idle)
        {
            st.role = Some(r);
        }
        let idle = st.pump.is_idle();
        let was_done = st.pump.handshake_done;
        let before = st.pump.handshake_state();
        let result = start(st).and_then(|()| {
            if idle {
                st.pump
                    .event_in(CB_HANDSHAKE_START, 1, HandshakeState::Before);
            }
            let server = st.server.as_ref().ok().map(|s| &**s);
            st.pump.handshake(server)
        });
        if !was_done && !st.pump.is_idle() {
            let side = st.pump.side_bits();
            if !st.pump.handshake_done && st.pump.handshake_state() != before {
                st.pump.event(side | CB_LOOP, 1);
            }
            let ret = if result.is_ok() { 1 } else { -1 };
            st.pump.event(side | CB_EXIT, ret);
        }
        let result = result.and_then(|()| op(&mut st.pump));
        st.last_error = match &result {
            Ok(_) => ErrorCode::None,
            Err(e) => e.code(),
        };
        result
    }

    /// `SSL_connect`: makes this object the client (if no role was set) and runs the
    /// handshake. `Ok` once complete; WANT_READ/WANT_WRITE with non-blocking BIOs.
    pub fn connect(&self) -> IoResult<()> {
        self.io(Some(Role::Client), |_| Ok(()))
    }

    /// `SSL_accept`: makes this object the server (if no role was set) and runs the
    /// handshake.
    pub fn accept(&self) -> IoResult<()> {
        self.io(Some(Role::Server), |_| Ok(()))
    }

    /// `SSL_do_handshake`: runs the handshake in the role already set.
    pub fn do_handshake(&self) -> IoResult<()> {
        self.io(None, |_| Ok(()))
    }

    /// `SSL_read_ex`: reads application data (completing the handshake first). ZERO_RETURN
    /// after the peer's close_notify; `SSL_R_UNEXPECTED_EOF_WHILE_READING` (SSL) if the
    /// transport ends without one, unless `SSL_OP_IGNORE_UNEXPECTED_EOF`.
    pub fn read(&self, buf: &mut [u8]) -> IoResult<usize> {
        let auto_retry = self.mode() & MODE_AUTO_RETRY != 0;
        self.io(None, |p| p.read(buf, false, auto_retry))
    }

    /// `SSL_peek_ex`: as [`read`](Self::read) without consuming.
    pub fn peek(&self, buf: &mut [u8]) -> IoResult<usize> {
        let auto_retry = self.mode() & MODE_AUTO_RETRY != 0;
        self.io(None, |p| p.read(buf, true, auto_retry))
    }

    /// `SSL_write_ex`: writes application data, flushed through the write BIO chain. Without
    /// `SSL_MODE_ENABLE_PARTIAL_WRITE` it succeeds only once all of `buf` is out; on
    /// WANT_WRITE the call must be repeated with the same buffer (or the same bytes
    /// elsewhere with `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`), else `SSL_R_BAD_WRITE_RETRY`.
    pub fn write(&self, buf: &[u8]) -> IoResult<usize> {
        let mode = self.mode();
        let mode = WriteMode {
            partial: mode & MODE_ENABLE_PARTIAL_WRITE != 0,
            moving: mode & MODE_ACCEPT_MOVING_WRITE_BUFFER != 0,
        };
        self.io(None, |p| p.write(buf, mode))
    }

    /// `SSL_shutdown`: sends close_notify. `Ok(false)` (OpenSSL's 0) when sent but the
    /// peer's has not arrived; `Ok(true)` once both are done (call again to wait for the
    /// peer's). Before the handshake has completed it fails with
    /// `SSL_R_SHUTDOWN_WHILE_IN_INIT`, as in OpenSSL.
    pub fn shutdown(&self) -> IoResult<bool> {
        let result = {
            let mut st = self.lock();
            if st.role.is_none() {
                return Err(IoError::ssl(SslError::ssl(ssl_r::UNINITIALIZED)));
            }
            let quiet = st.quiet_shutdown;
            let result = st.pump.shutdown(quiet);
            st.last_error = match &result {
                Ok(_) => ErrorCode::None,
                Err(e) => e.code(),
            };
            result
        };
        self.deliver_info();
        result
    }

    /// `SSL_get_shutdown`: (close_notify sent, close_notify received).
    pub fn shutdown_state(&self) -> (bool, bool) {
        let st = self.lock();
        (st.pump.sent_shutdown, st.pump.received_shutdown)
    }

    /// `SSL_set_shutdown`: marks close_notify as sent and/or received without sending or
    /// reading one; `SSL_shutdown` then sends or waits only for what is not marked, and a
    /// write after a close_notify marked sent fails with `SSL_R_PROTOCOL_IS_SHUTDOWN`.
    pub fn set_shutdown_state(&self, sent: bool, received: bool) {
        let mut st = self.lock();
        st.pump.sent_shutdown = sent;
        st.pump.received_shutdown = received;
    }

    /// `SSL_get_error(ssl, ret)`, in OpenSSL's order: `NONE` for a positive `ret`; else
    /// `SSL` for an error on this thread's queue (`SYSCALL` for a system error); else the last
    /// call's WANT_READ or WANT_WRITE; else `ZERO_RETURN` once the peer's close_notify has
    /// arrived; else `SYSCALL`.
    pub fn get_error(&self, ret: i32) -> ErrorCode {
        if ret > 0 {
            return ErrorCode::None;
        }
        if let Some(code) = ErrorCode::from_queue() {
            return code;
        }
        let st = self.lock();
        match st.last_error {
            want @ (ErrorCode::WantRead | ErrorCode::WantWrite) => want,
            _ if st.pump.received_shutdown => ErrorCode::ZeroReturn,
            _ => ErrorCode::Syscall,
        }
    }

    /// `SSL_pending`: decrypted bytes ready to read.
    pub fn pending(&self) -> usize {
        self.lock().pump.pending()
    }

    /// `SSL_has_pending`: decrypted data ready, or records received but not yet processed.
    pub fn has_pending(&self) -> bool {
        let mut st = self.lock();
        st.pump.pending() > 0
            || st
                .pump
                .rbio
                .as_ref()
                .is_some_and(|b| b.lock().unwrap_or_else(PoisonError::into_inner).pending() > 0)
    }

    /// `SSL_want_read` / `SSL_want_write` of the last call: which way it needs the network.
    pub fn want(&self) -> ErrorCode {
        match self.lock().last_error {
            c @ (ErrorCode::WantRead | ErrorCode::WantWrite) => c,
            _ => ErrorCode::None,
        }
    }

    /// Waits until the BIO the last call wanted (read side for WANT_READ, write side for
    /// WANT_WRITE) is ready, or `timeout` passes (`None`: no limit). Returns whether it is
    /// ready. With nothing wanted it returns at once; on BIOs that cannot be polled it fails
    /// with `ERR_R_PASSED_INVALID_ARGUMENT`.
    #[track_caller]
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool, SslError> {
        let (want, rd, wd) = {
            let st = self.lock();
            let desc = |b: &Option<SharedStreamBio>, read: bool| {
                b.as_ref().map_or(PollDescriptor::None, |b| {
                    let b = b.lock().unwrap_or_else(PoisonError::into_inner);
                    if read {
                        b.rpoll_descriptor()
                    } else {
                        b.wpoll_descriptor()
                    }
                })
            };
            (
                st.last_error,
                desc(&st.pump.rbio, true),
                desc(&st.pump.wbio, false),
            )
        };
        let mut item = match want {
            ErrorCode::WantRead => [PollItem::readable(rd)],
            ErrorCode::WantWrite => [PollItem::writable(wd)],
            _ => return Ok(true),
        };
        if !item[0].desc.is_pollable() {
            return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("the BIO cannot be waited on")
                .raise());
        }
        let ready = poll::wait(&mut item, timeout).map_err(|e| SslError::from(e).raise())?;
        Ok(ready > 0)
    }

    // --- What was negotiated ---------------------------------------------------------------

    /// `SSL_is_init_finished`.
    pub fn is_init_finished(&self) -> bool {
        self.lock().pump.conn().is_some_and(|c| !c.is_handshaking())
    }

    /// `SSL_in_before`: whether the handshake has not started yet.
    pub fn in_before(&self) -> bool {
        self.lock().pump.is_idle()
    }

    /// `SSL_version`: `TLS1_2_VERSION` or `TLS1_3_VERSION`, once negotiated.
    pub fn version(&self) -> Option<i32> {
        let st = self.lock();
        match st.pump.conn()?.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_2 => Some(TLS1_2_VERSION),
            rustls::ProtocolVersion::TLSv1_3 => Some(TLS1_3_VERSION),
            _ => None,
        }
    }

    /// `SSL_get_version`: "TLSv1.2" or "TLSv1.3" ("unknown" before the handshake).
    pub fn version_string(&self) -> &'static str {
        match self.version() {
            Some(TLS1_2_VERSION) => "TLSv1.2",
            Some(TLS1_3_VERSION) => "TLSv1.3",
            _ => "unknown",
        }
    }

    /// `SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))`: the suite's OpenSSL name.
    pub fn cipher_name(&self) -> Option<&'static str> {
        let st = self.lock();
        Some(cipher_name(st.pump.conn()?.negotiated_cipher_suite()?))
    }

    /// `SSL_get0_alpn_selected`.
    pub fn alpn_selected(&self) -> Option<Vec<u8>> {
        let st = self.lock();
        st.pump.conn()?.alpn_protocol().map(<[u8]>::to_vec)
    }

    /// `SSL_get_servername`: on a server the name the client asked for, on a client the
    /// name it sends.
    pub fn servername(&self) -> Option<String> {
        let st = self.lock();
        match st.pump.conn() {
            Some(rustls::Connection::Server(s)) => s.server_name().map(str::to_owned),
            _ if st.role == Some(Role::Server) => None,
            _ => st.client.as_ref().ok().and_then(|c| c.sni.clone()),
        }
    }

    /// `SSL_get_peer_certificate`: the peer's end-entity certificate.
    pub fn peer_certificate(&self) -> Option<CertificateDer<'static>> {
        self.peer_cert_chain()?.into_iter().next()
    }

    /// `SSL_get_peer_cert_chain`: the certificates the peer presented (on a client also when
    /// the handshake failed on them).
    pub fn peer_cert_chain(&self) -> Option<Vec<CertificateDer<'static>>> {
        let st = self.lock();
        if let Some(certs) = st.pump.conn().and_then(|c| c.peer_certificates()) {
            return Some(certs.to_vec());
        }
        match (&st.role, &st.client) {
            (Some(Role::Client), Ok(c)) => c.checks.result.presented(),
            _ => None,
        }
    }

    /// `SSL_get0_verified_chain`: on a client, the chain this connection's verifier built
    /// for the server's certificate (end-entity first, up to the trust anchor when one was
    /// found; also when verification failed); `None` before verification and on a server.
    pub fn verified_chain(&self) -> Option<Vec<CertificateDer<'static>>> {
        let st = self.lock();
        match (&st.role, &st.client) {
            (Some(Role::Client), Ok(c)) => c.checks.result.chain(),
            _ => None,
        }
    }

    /// `SSL_get_verify_result`: on a client, what this connection's verifier found
    /// (`X509_V_OK` before verification); on a server, `X509_V_OK` (a client certificate
    /// that failed fails the handshake unless the verify callback accepts it).
    pub fn verify_result(&self) -> i64 {
        let st = self.lock();
        match (&st.role, &st.client) {
            (Some(Role::Client), Ok(c)) => c.checks.result.get(),
            _ => x509_v::OK,
        }
    }
}

/// `TLSEXT_MAXLEN_host_name`: the longest server name SNI carries.
const MAX_SNI_NAME_LEN: usize = 255;

/// A server name for SNI, as OpenSSL's `SSL_CTRL_SET_TLSEXT_HOSTNAME` takes it: 1 to 255
/// bytes (else `SSL_R_SSL3_EXT_INVALID_SERVERNAME`), and a host name rustls can send (else
/// `ERR_R_PASSED_INVALID_ARGUMENT`).
#[track_caller]
pub(crate) fn checked_sni_name(name: &str) -> Result<String, SslError> {
    if name.is_empty() || name.len() > MAX_SNI_NAME_LEN {
        return Err(SslError::ssl(ssl_r::SSL3_EXT_INVALID_SERVERNAME).raise());
    }
    crate::ctx::checked_host_name(name)
}

/// Creates the session for the object's role, if not yet done.
fn start(st: &mut State) -> IoResult<()> {
    if !matches!(st.pump.engine, Engine::Idle) {
        return Ok(());
    }
    let Some(role) = st.role else {
        return Err(IoError::ssl(SslError::ssl(ssl_r::CONNECTION_TYPE_NOT_SET)));
    };
    match role {
        Role::Server => {
            if let Err(e) = &st.server {
                return Err(IoError::ssl(e.clone()));
            }
        }
        Role::Client => {
            if let Err(e) = &st.client {
                return Err(IoError::ssl(e.clone()));
            }
        }
    }
    let client = st.client.as_ref();
    let peer_ip = st.peer_ip;
    st.pump.start(role, || {
        let c = client.map_err(Clone::clone)?;
        let mut config = c.template.clone();
        let name = match &c.sni {
            Some(sni) => ServerName::try_from(sni.clone()).map_err(|_| {
                SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                    .with_data("invalid SNI name")
            })?,
            None => {
                // No SNI: rustls still wants a name; an address is never sent as SNI.
                config.enable_sni = false;
                ServerName::IpAddress(peer_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)).into())
            }
        };
        ClientConnection::new(Arc::new(config), name)
            .map_err(|e| SslError::new(ERR_LIB_SSL, err_r::INTERNAL_ERROR).with_data(e.to_string()))
    })
}

impl std::io::Read for &Tls {
    /// Reads application data; the peer's close_notify reads as `Ok(0)`.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match Tls::read(self, buf) {
            Ok(n) => Ok(n),
            Err(e) if e.code() == ErrorCode::ZeroReturn => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

impl std::io::Write for &Tls {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(Tls::write(self, buf)?)
    }

    /// Writes the buffers as one: rustls packs them into as few records as it can.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let joined: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
        Ok(Tls::write(self, &joined)?)
    }

    /// Every write is flushed through the BIO chain already.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Read for Tls {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::io::Read::read(&mut &*self, buf)
    }
}

impl std::io::Write for Tls {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::Write::write(&mut &*self, buf)
    }

    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        std::io::Write::write_vectored(&mut &*self, bufs)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
