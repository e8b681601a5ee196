//! Starting a client connection and waiting for the handshake (`SSL_connect`,
//! `SSL_do_handshake`), and the errors a failed connection reports.

use std::net::SocketAddr;
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
        let Some(setup) = self.client_setup() else {
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
        let name = server_name(setup.host.as_deref(), peer);
        let handle = st
            .endpoint
            .connect(now, setup.tls.clone(), name, peer)
            .map_err(|e| {
                IoError::ssl(
                    SslError::ssl(ssl_r::QUIC_HANDSHAKE_LAYER_ERROR).with_data(e.to_string()),
                )
            })?;
        if let Some(app) = st.conns.get_mut(&key) {
            app.handle = Some(handle);
        }
        Ok(())
    }
}

/// The name a client connection presents: the host name set, or else the peer's IP address
/// (sent as no SNI).
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
        (true, code @ 0x100..=0x1ff) => {
            let alert = (code - 0x100) as i32;
            // This side's verifier refusing the peer's certificate.
            if info.local && matches!(alert, 42..=46 | 48 | 116) {
                ssl_r::CERTIFICATE_VERIFY_FAILED
            } else {
                ssl_r::SSL_AD_REASON_OFFSET + alert
            }
        }
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
