//! Starting a client connection and waiting for the handshake (`SSL_connect`,
//! `SSL_do_handshake`), and the errors a failed connection reports.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use qssl_quic::conn::IDLE_TIMEOUT_CODE;
use rustls::pki_types::ServerName;

use super::net::UNADDRESSED;
use super::object::Ssl;
use super::port::{ConnKey, PortState, network_error};
use crate::error::{SslError, ssl_r};
use crate::result::{IoError, IoResult};

impl Ssl {
    /// `SSL_connect` / `SSL_do_handshake`: starts a client connection if it has not started
    /// and waits for the handshake to complete (not to be confirmed). Idempotent: once
    /// complete it returns at once. In non-blocking mode reports WANT_READ until then. On an
    /// accepted connection it waits for the server side of the handshake.
    pub fn connect(&self) -> IoResult<()> {
        let key = match self.expect_connection() {
            Ok(k) => k,
            Err(e) => {
                let r = Err(IoError::from(e));
                self.record(&r);
                return r;
            }
        };
        self.run(false, |st, now| {
            self.start(st, key, now)?;
            handshake_state(st, key)
        })
    }

    /// `SSL_do_handshake`: the same as [`connect`](Self::connect).
    pub fn do_handshake(&self) -> IoResult<()> {
        self.connect()
    }

    /// `SSL_get_verify_result`: the `X509_V_*` code of the peer certificate's
    /// verification (`X509_V_OK` before any). On a client it is what this connection's
    /// verifier found (also when `SSL_VERIFY_NONE` let the handshake go on); on a server a
    /// completed handshake means the client certificate, if asked for, was accepted.
    pub fn verify_result(&self) -> i64 {
        let verify = self.connection();
        match verify.client_setup() {
            Some(setup) => setup.checks.result.get(),
            None => crate::ctx::x509_v::OK,
        }
    }

    /// `SSL_get0_verified_chain`: on a client, the chain its verifier built for the server's
    /// certificate (end-entity first, up to the trust anchor when one was found; also when
    /// verification failed); `None` before verification and on a server.
    pub fn verified_chain(&self) -> Option<Vec<rustls::pki_types::CertificateDer<'static>>> {
        self.connection().client_setup()?.checks.result.chain()
    }

    /// `SSL_get_peer_certificate` / `SSL_get0_peer_certificate`: the peer's end-entity
    /// certificate (DER).
    pub fn peer_certificate(&self) -> Option<rustls::pki_types::CertificateDer<'static>> {
        self.peer_cert_chain()?.into_iter().next()
    }

    /// `SSL_get_peer_cert_chain`: the certificates the peer presented, end-entity first (on
    /// a client also when the handshake failed on them).
    pub fn peer_cert_chain(&self) -> Option<Vec<rustls::pki_types::CertificateDer<'static>>> {
        let key = self.conn_key()?;
        let certs = {
            let st = self.obj.port.lock();
            st.conn(key)
                .and_then(|c| c.peer_certificates())
                .map(<[_]>::to_vec)
        };
        certs.or_else(|| self.connection().client_setup()?.checks.result.presented())
    }

    /// `SSL_in_before`: whether the connection has not started yet (a client before its
    /// first datagram; never for an accepted connection, a stream or a listener).
    pub fn in_before(&self) -> bool {
        let Some(key) = self.conn_key() else {
            return false;
        };
        self.obj.port.lock().handle(key).is_none()
    }

    /// `SSL_set_session`: the session a client connection offers to resume, before it
    /// starts (`None` clears it). Sessions come from [`session`](Self::session) or the
    /// new-session callback of a connection of the same context.
    #[track_caller]
    pub fn set_session(&self, session: Option<crate::tls::SslSession>) -> Result<(), SslError> {
        let Some(setup) = self.client_setup() else {
            return Err(SslError::ssl(ssl_r::CONN_USE_ONLY)
                .with_data("sessions are offered by client connections")
                .raise());
        };
        setup.sessions.offer(session);
        Ok(())
    }

    /// `SSL_get1_session`: the session this client connection made (filled as the server
    /// sends tickets), or `None` for other objects.
    pub fn session(&self) -> Option<crate::tls::SslSession> {
        Some(self.client_setup()?.sessions.current())
    }

    /// `SSL_session_reused`: whether the handshake resumed a session.
    pub fn session_reused(&self) -> bool {
        let Some(key) = self.conn_key() else {
            return false;
        };
        let st = self.obj.port.lock();
        st.conn(key).is_some_and(|c| c.is_resumed())
    }

    /// `SSL_is_init_finished`: whether the handshake has completed.
    pub fn is_init_finished(&self) -> bool {
        let Some(key) = self.conn_key() else {
            return false;
        };
        let st = self.obj.port.lock();
        st.conn(key).is_some_and(|c| c.is_handshake_complete())
    }

    /// Starts the client connection of `key` if it has not started: needs the network BIOs
    /// and a peer address (set, detected from a connected socket, or none needed because the
    /// BIO carries no addresses).
    pub(crate) fn start(&self, st: &mut PortState, key: ConnKey, now: Instant) -> IoResult<()> {
        if st.handle(key).is_some() {
            return Ok(());
        }
        let Some(mut setup) = self.client_setup() else {
            return Err(IoError::ssl(SslError::ssl(ssl_r::NO_STREAM)));
        };
        if st.net.rbio().is_none() || st.net.wbio().is_none() {
            return Err(IoError::ssl(SslError::ssl(ssl_r::BIO_NOT_SET)));
        }
        let peer = match setup.peer.or_else(|| st.net.detect_peer()) {
            Some(p) => p,
            None if !st.net.needs_peer_addr() => UNADDRESSED,
            None => {
                return Err(IoError::ssl(SslError::ssl(
                    ssl_r::REMOTE_PEER_ADDRESS_NOT_SET,
                )));
            }
        };
        let name = server_name(setup.sni.as_deref(), peer);
        let tls = if setup.early_data {
            let mut config = (*setup.tls).clone();
            config.enable_early_data = true;
            Arc::new(config)
        } else {
            setup.tls.clone()
        };
        // The context's verifier serves every connection (so sessions resume); it checks
        // this one's expected name and records its result through the connection's scope.
        let handle = st
            .connect(
                now,
                (key, Arc::downgrade(&self.obj)),
                tls,
                name,
                peer,
                setup.checks.clone(),
            )
            .map_err(|e| {
                IoError::ssl(
                    SslError::ssl(ssl_r::QUIC_HANDSHAKE_LAYER_ERROR).with_data(e.to_string()),
                )
            })?;
        // A token this context was given by the same server saves a Retry round trip.
        let server = format!(
            "{}:{}",
            server_label(setup.sni.as_deref(), peer),
            peer.port()
        );
        if let Some(token) = setup.tokens.take(&server)
            && let Some(conn) = st.endpoint.connection(handle)
        {
            conn.set_initial_token(&token);
        }
        if let Some(app) = st.conns.get_mut(&key) {
            app.handle = Some(handle);
            app.verify_result = Some(setup.checks.result.clone());
            app.tokens = Some((setup.tokens.clone(), server));
        }
        if setup.assisted && setup.assist.is_none() {
            // Best effort, as OpenSSL's: without a thread the application's calls still
            // drive the connection.
            setup.assist = super::assist::Assist::start(&self.obj.port).ok();
        }
        Ok(())
    }
}

/// The server a client connection's tokens are kept under: the SNI name set, else the peer's
/// IP address.
fn server_label(host: Option<&str>, peer: SocketAddr) -> String {
    host.map_or_else(|| peer.ip().to_string(), str::to_owned)
}

/// The name a client connection presents: the SNI name set, or else the peer's IP address
/// (which rustls does not send as SNI).
fn server_name(host: Option<&str>, peer: SocketAddr) -> ServerName<'static> {
    host.and_then(|h| ServerName::try_from(h.to_owned()).ok())
        .unwrap_or_else(|| ServerName::IpAddress(peer.ip().into()))
}

/// Ready once the handshake of `key` has completed; WANT_READ before; an error once the
/// connection has failed.
pub(crate) fn handshake_state(st: &PortState, key: ConnKey) -> IoResult<()> {
    let Some(conn) = st.conn(key) else {
        return Err(IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)));
    };
    if conn.is_handshake_complete() {
        return Ok(());
    }
    if let Some(err) = connection_failure(st, key) {
        return Err(err);
    }
    Err(IoError::want_read())
}

/// Ready once streams of `key` can be opened and written: the handshake has completed, or
/// the connection carries early data (a client sending 0-RTT, a server that accepted it);
/// otherwise as [`handshake_state`].
pub(crate) fn streams_state(st: &PortState, key: ConnKey) -> IoResult<()> {
    let early = st.conn(key).is_some_and(|c| {
        c.is_sending_zero_rtt()
            || (c.side() == qssl_quic::Side::Server
                && c.zero_rtt_status() == qssl_quic::conn::ZeroRttStatus::Accepted)
    });
    if early {
        return Ok(());
    }
    handshake_state(st, key)
}

/// The error a call on a terminated connection reports: the network failure, or a protocol
/// error naming how the connection was closed. `None` while the connection is open.
pub(crate) fn connection_failure(st: &PortState, key: ConnKey) -> Option<IoError> {
    if let Some(err) = network_error(st) {
        return Some(err);
    }
    let conn = st.conn(key)?;
    let info = conn.close_info()?;
    let who = if info.local { "locally" } else { "by peer" };
    let reason = match (info.transport, info.error_code) {
        (true, IDLE_TIMEOUT_CODE) => ssl_r::QUIC_NETWORK_ERROR,
        // This side's verifier refused the peer's certificate.
        (true, 0x100..=0x1ff) if info.local && verify_failed(st, key) => {
            ssl_r::CERTIFICATE_VERIFY_FAILED
        }
        (true, code @ 0x100..=0x1ff) => ssl_r::SSL_AD_REASON_OFFSET + (code - 0x100) as i32,
        (true, _) => ssl_r::QUIC_PROTOCOL_ERROR,
        (false, _) => ssl_r::PROTOCOL_IS_SHUTDOWN,
    };
    let kind = if info.transport {
        "transport"
    } else {
        "application"
    };
    Some(IoError::ssl(SslError::ssl(reason).with_data(format!(
        "connection closed {who} with {kind} error code {:#x} ({})",
        info.error_code,
        String::from_utf8_lossy(&info.reason)
    ))))
}

/// Whether the connection's certificate verification failed.
fn verify_failed(st: &PortState, key: ConnKey) -> bool {
    st.conns
        .get(&key)
        .and_then(|a| a.verify_result.as_ref())
        .is_some_and(|r| r.get() != crate::ctx::x509_v::OK)
}
