//! The TLS 1.3 handshake for a QUIC connection, on rustls' QUIC API (RFC 9001 §4).
//!
//! rustls consumes and produces handshake bytes; this wrapper knows which encryption level each
//! outgoing byte belongs to, surfaces key changes as they happen, carries the transport
//! parameters both ways, and turns TLS failures into `CRYPTO_ERROR` transport errors.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::quic::{self, DirectionalKeys, KeyChange, Keys, Secrets};

use crate::client_hello::{
    self, MAX_CLIENT_HELLO, ServerConfigSelector, ServerTls, complete_message_len,
};
use crate::error::{TransportError, TransportErrorCode};
use crate::stream_id::Side;
use crate::transport_params::TransportParameters;
use crate::version::Version;

/// The encryption levels that carry CRYPTO data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Initial packets.
    Initial,
    /// Handshake packets.
    Handshake,
    /// 1-RTT packets (post-handshake messages such as session tickets).
    OneRtt,
}

/// Something the handshake produced.
pub enum TlsOutput {
    /// Handshake bytes to send in CRYPTO frames at a level.
    Data(Level, Vec<u8>),
    /// Handshake keys are ready (both directions).
    HandshakeKeys(Keys),
    /// 1-RTT keys are ready, with the secrets later key updates derive from.
    OneRttKeys(Keys, Secrets),
    /// 0-RTT keys (RFC 9001 §4.6.1): a client resuming with early data seals 0-RTT packets
    /// with them; a server that accepted early data opens them.
    ZeroRttKeys(DirectionalKeys),
    /// A server switched the connection to another version the client offered (compatible
    /// version negotiation, RFC 9368 §2.3): its handshake runs in this version.
    VersionChanged(Version),
}

impl std::fmt::Debug for TlsOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsOutput::Data(level, data) => write!(f, "Data({level:?}, {} bytes)", data.len()),
            TlsOutput::HandshakeKeys(_) => f.write_str("HandshakeKeys"),
            TlsOutput::OneRttKeys(..) => f.write_str("OneRttKeys"),
            TlsOutput::ZeroRttKeys(_) => f.write_str("ZeroRttKeys"),
            TlsOutput::VersionChanged(v) => write!(f, "VersionChanged({v:?})"),
        }
    }
}

/// A server session whose configuration and version wait for the whole ClientHello.
struct PendingServer {
    select: ServerConfigSelector,
    /// The version of the client's Initial packets.
    version: Version,
    /// The versions the server speaks, by preference.
    versions: Vec<Version>,
    params: TransportParameters,
    /// CRYPTO bytes received so far (at most [`MAX_CLIENT_HELLO`]).
    received: Vec<u8>,
}

/// What a server keeps of its handshake once it is over: the facts the connection reports.
/// The rustls connection, its buffers and its record-layer keys (about 4 KB) go.
#[derive(Debug)]
struct Concluded {
    alpn: Option<Box<[u8]>>,
    peer_certificates: Option<Box<[rustls::pki_types::CertificateDer<'static>]>>,
    cipher_suite: Option<rustls::SupportedCipherSuite>,
    resumed: bool,
    server_name: Option<Box<str>>,
}

/// The TLS alert a server sends for handshake data after its handshake (RFC 8446 §6.2:
/// unexpected_message; QUIC has no post-handshake message a client may send, RFC 9001 §4.1.3
/// and §6).
const UNEXPECTED_MESSAGE_ALERT: u8 = 10;

/// Where a session's handshake is.
enum Stage {
    /// A server waits for the whole ClientHello to choose its configuration (boxed: every
    /// connection holds its session for its lifetime, this part only briefly).
    AwaitingClientHello(Box<PendingServer>),
    /// rustls runs the handshake (and, on a client, takes session tickets after it).
    Running(Box<quic::Connection>),
    /// A server's handshake is over, its rustls connection freed.
    Concluded(Box<Concluded>),
}

/// One side's TLS session.
pub struct TlsSession {
    stage: Stage,
    side: Side,
    write_level: Level,
    /// The 0-RTT keys were handed out (they are asked for once).
    zero_rtt_checked: bool,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("side", &self.side)
            .field("write_level", &self.write_level)
            .field("handshaking", &self.is_handshaking())
            .field(
                "waiting_for_client_hello",
                &matches!(self.stage, Stage::AwaitingClientHello(_)),
            )
            .finish()
    }
}

/// The TLS alert sent when rustls names none: internal_error.
const INTERNAL_ERROR_ALERT: u8 = 80;

/// A TLS failure as the transport error that closes the connection: rustls decides which alert
/// the failure maps to, and CRYPTO_ERROR carries it.
fn tls_error(conn: &quic::Connection) -> TransportError {
    let alert = conn.alert().map_or(INTERNAL_ERROR_ALERT, u8::from);
    TransportError::new(TransportErrorCode::crypto(alert), "TLS handshake failed")
}

/// The version a server switches a client whose Initial packets are of `current` to: the first
/// of the client's `offered` versions (by its preference) that is `current` or one of
/// `ours`; `current` when none is.
fn compatible_choice(current: Version, ours: &[Version], offered: &[u32]) -> Version {
    offered
        .iter()
        .find_map(|&wire| match Version::from_wire(wire) {
            Some(v) if v == current || ours.contains(&v) => Some(v),
            _ => None,
        })
        .unwrap_or(current)
}

/// A rustls server connection for QUIC.
fn server_connection(
    config: Arc<rustls::ServerConfig>,
    version: Version,
    params: Vec<u8>,
) -> Result<quic::Connection, TransportError> {
    quic::ServerConnection::new(config, version.rustls(), params)
        .map(Into::into)
        .map_err(|_| {
            TransportError::new(
                TransportErrorCode::INTERNAL_ERROR,
                "TLS server configuration unusable for QUIC",
            )
        })
}

impl TlsSession {
    /// A client session connecting to `server_name`, offering `params`.
    pub fn client(
        config: Arc<rustls::ClientConfig>,
        version: Version,
        server_name: ServerName<'static>,
        params: &TransportParameters,
    ) -> Result<Self, TransportError> {
        let conn =
            quic::ClientConnection::new(config, version.rustls(), server_name, params.to_vec())
                .map_err(|_| {
                    TransportError::new(
                        TransportErrorCode::INTERNAL_ERROR,
                        "TLS client configuration unusable for QUIC",
                    )
                })?;
        Ok(TlsSession {
            stage: Stage::Running(Box::new(conn.into())),
            side: Side::Client,
            write_level: Level::Initial,
            zero_rtt_checked: false,
        })
    }

    /// A server session answering a client whose Initial packets are of `version` with
    /// `params`. Once the whole ClientHello has arrived, its configuration is chosen (fixed,
    /// or per ClientHello) and so is its version: the first of the versions the client's
    /// version_information offers that is `version` or one of `versions` (RFC 9368 §2.3; the
    /// client's order, as its list is by preference), announced with
    /// [`TlsOutput::VersionChanged`] when it is another.
    pub fn server(
        tls: impl Into<ServerTls>,
        version: Version,
        versions: &[Version],
        params: &TransportParameters,
    ) -> Result<Self, TransportError> {
        let select: ServerConfigSelector = match tls.into() {
            ServerTls::Fixed(config) => Arc::new(move |_| Ok(config.clone())),
            ServerTls::PerClientHello(select) => select,
        };
        Ok(TlsSession {
            stage: Stage::AwaitingClientHello(Box::new(PendingServer {
                select,
                version,
                versions: versions.to_vec(),
                params: params.clone(),
                received: Vec::new(),
            })),
            side: Side::Server,
            write_level: Level::Initial,
            zero_rtt_checked: false,
        })
    }

    /// Which side this session is.
    pub fn side(&self) -> Side {
        self.side
    }

    /// Feeds handshake bytes received in order at one level, and returns what the handshake
    /// answers. Answering before the next read is what keeps every outgoing byte at the right
    /// level: rustls queues messages across a key change, and only the order of reads, key
    /// changes and writes tells them apart.
    pub fn read(&mut self, data: &[u8]) -> Result<Vec<TlsOutput>, TransportError> {
        let conn = match &mut self.stage {
            Stage::AwaitingClientHello(_) => return self.read_client_hello(data),
            Stage::Running(conn) => conn,
            Stage::Concluded(_) if data.is_empty() => return Ok(Vec::new()),
            Stage::Concluded(_) => {
                return Err(TransportError::new(
                    TransportErrorCode::crypto(UNEXPECTED_MESSAGE_ALERT),
                    "handshake data after the handshake",
                ));
            }
        };
        conn.read_hs(data).map_err(|_| tls_error(conn))?;
        Ok(self.poll())
    }

    /// [`read`](Self::read) while a server waits for the whole ClientHello: once it is
    /// there, chooses the configuration and version, starts rustls and reads it all.
    fn read_client_hello(&mut self, data: &[u8]) -> Result<Vec<TlsOutput>, TransportError> {
        let Stage::AwaitingClientHello(pending) = &mut self.stage else {
            return Ok(Vec::new());
        };
        if pending.received.len() + data.len() > MAX_CLIENT_HELLO {
            return Err(TransportError::new(
                TransportErrorCode::CRYPTO_BUFFER_EXCEEDED,
                "ClientHello too long",
            ));
        }
        pending.received.extend_from_slice(data);
        client_hello::check_start(&pending.received).map_err(|e| {
            TransportError::new(TransportErrorCode::crypto(e.alert()), "not a ClientHello")
        })?;
        let Some(len) = complete_message_len(&pending.received) else {
            return Ok(Vec::new());
        };
        let (config, version) = match client_hello::parse(&pending.received[..len]) {
            Ok(info) => (pending.select)(&info).map(|config| {
                let offered = info
                    .transport_parameters
                    .and_then(|raw| TransportParameters::decode(raw, Side::Client).ok())
                    .and_then(|p| p.version_information)
                    .map(|vi| vi.available)
                    .unwrap_or_default();
                (
                    config,
                    compatible_choice(pending.version, &pending.versions, &offered),
                )
            }),
            Err(e) => Err(e.alert()),
        }
        .map_err(|alert| {
            TransportError::new(TransportErrorCode::crypto(alert), "ClientHello refused")
        })?;
        let first_version = pending.version;
        let received = std::mem::take(&mut pending.received);
        let mut params = std::mem::take(&mut pending.params);
        if let Some(info) = &mut params.version_information {
            info.chosen = version.wire();
        }
        let conn = server_connection(config, version, params.to_vec())?;
        self.stage = Stage::Running(Box::new(conn));
        let mut out = Vec::new();
        if version != first_version {
            out.push(TlsOutput::VersionChanged(version));
        }
        out.extend(self.read(&received)?);
        Ok(out)
    }

    /// Collects everything the handshake has to say now (the client's first flight, or
    /// anything left after a read): bytes per level and key changes, in the order they
    /// happened. Bytes written before a key change belong to the old level.
    pub fn poll(&mut self) -> Vec<TlsOutput> {
        let mut out = Vec::new();
        let Stage::Running(conn) = &mut self.stage else {
            return out;
        };
        // A client knows at once whether its session allows early data; a server once it has
        // read the ClientHello and accepted it.
        if !self.zero_rtt_checked
            && (self.side == Side::Client || conn.quic_transport_parameters().is_some())
        {
            self.zero_rtt_checked = true;
            if let Some(keys) = conn.zero_rtt_keys() {
                out.push(TlsOutput::ZeroRttKeys(keys));
            }
        }
        loop {
            let mut buf = Vec::new();
            let change = conn.write_hs(&mut buf);
            let wrote = !buf.is_empty();
            if wrote {
                out.push(TlsOutput::Data(self.write_level, buf));
            }
            match change {
                Some(KeyChange::Handshake { keys }) => {
                    self.write_level = Level::Handshake;
                    out.push(TlsOutput::HandshakeKeys(keys));
                }
                Some(KeyChange::OneRtt { keys, next }) => {
                    self.write_level = Level::OneRtt;
                    out.push(TlsOutput::OneRttKeys(keys, next));
                }
                // More may be waiting at the same level.
                None if wrote => {}
                None => return out,
            }
        }
    }

    /// Whether the handshake is still running (RFC 9001 §4.1.1: complete once this is false).
    pub fn is_handshaking(&self) -> bool {
        match &self.stage {
            Stage::AwaitingClientHello(_) => true,
            Stage::Running(conn) => conn.is_handshaking(),
            Stage::Concluded(_) => false,
        }
    }

    /// Ends a server's handshake once it is complete and everything it wrote was taken
    /// ([`TlsSession::read`] and [`TlsSession::poll`] take it all): keeps what the connection
    /// reports of it and frees the rustls connection, which a server has no further use for
    /// (a QUIC client sends no post-handshake message, and the session tickets were written
    /// as the handshake completed). Does nothing on a client, which may still receive
    /// tickets, or while the handshake runs.
    pub fn conclude(&mut self) {
        let Stage::Running(conn) = &self.stage else {
            return;
        };
        let quic::Connection::Server(server) = &**conn else {
            return;
        };
        if server.is_handshaking() {
            return;
        }
        self.stage = Stage::Concluded(Box::new(Concluded {
            alpn: server.alpn_protocol().map(Into::into),
            peer_certificates: server.peer_certificates().map(Into::into),
            cipher_suite: server.negotiated_cipher_suite(),
            resumed: server.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            server_name: server.server_name().map(Into::into),
        }));
    }

    /// The rustls connection, while it runs.
    fn running(&self) -> Option<&quic::Connection> {
        match &self.stage {
            Stage::Running(conn) => Some(conn),
            _ => None,
        }
    }

    /// The peer's transport parameters, once received, decoded and validated for its role.
    pub fn peer_params(&self) -> Option<Result<TransportParameters, TransportError>> {
        self.running()?
            .quic_transport_parameters()
            .map(|raw| TransportParameters::decode(raw, self.side.peer()))
    }

    /// The negotiated application protocol.
    pub fn alpn(&self) -> Option<&[u8]> {
        match &self.stage {
            Stage::Running(conn) => conn.alpn_protocol(),
            Stage::Concluded(c) => c.alpn.as_deref(),
            Stage::AwaitingClientHello(_) => None,
        }
    }

    /// The certificate chain the peer presented, end-entity first.
    pub fn peer_certificates(&self) -> Option<&[rustls::pki_types::CertificateDer<'static>]> {
        match &self.stage {
            Stage::Running(conn) => conn.peer_certificates(),
            Stage::Concluded(c) => c.peer_certificates.as_deref(),
            Stage::AwaitingClientHello(_) => None,
        }
    }

    /// The negotiated TLS cipher suite.
    pub fn cipher_suite(&self) -> Option<rustls::SupportedCipherSuite> {
        match &self.stage {
            Stage::Running(conn) => conn.negotiated_cipher_suite(),
            Stage::Concluded(c) => c.cipher_suite,
            Stage::AwaitingClientHello(_) => None,
        }
    }

    /// Whether the server accepted the client's early data (client side, once the handshake is
    /// done; a server that accepts it hands out 0-RTT keys).
    pub fn is_early_data_accepted(&self) -> bool {
        match self.running() {
            Some(quic::Connection::Client(c)) => c.is_early_data_accepted(),
            _ => false,
        }
    }

    /// Whether the handshake resumed a session (once it is done).
    pub fn is_resumed(&self) -> bool {
        let kind = match &self.stage {
            Stage::Running(conn) => conn.handshake_kind(),
            Stage::Concluded(c) => return c.resumed,
            Stage::AwaitingClientHello(_) => None,
        };
        kind == Some(rustls::HandshakeKind::Resumed)
    }

    /// The server name the client asked for (server side).
    pub fn server_name(&self) -> Option<&str> {
        match &self.stage {
            Stage::Running(conn) => match &**conn {
                quic::Connection::Server(s) => s.server_name(),
                quic::Connection::Client(_) => None,
            },
            Stage::Concluded(c) => c.server_name.as_deref(),
            Stage::AwaitingClientHello(_) => None,
        }
    }
}
