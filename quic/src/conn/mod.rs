//! One QUIC connection (OpenSSL's "channel"), sans-I/O.
//!
//! The connection is driven from outside with four calls, in any order, as often as needed:
//! [`Connection::handle_datagram`] when a datagram arrives, [`Connection::poll_transmit`] until
//! it returns `None` to collect datagrams to send, [`Connection::poll_timeout`] for the next
//! deadline and [`Connection::handle_timeout`] when it passes. Time only ever comes in as an
//! argument; randomness comes from a seeded RNG. Events (handshake progress, closure) are
//! collected with [`Connection::poll_event`].

mod ack_frequency;
mod config;
mod datagrams;
mod ecn;
mod keep_alive;
mod key_update;
mod migration;
mod new_token;
mod path;
mod pmtud;
mod recv;
mod resources;
mod send;
mod space;
mod streams;
mod trace;
mod versions;
mod zero_rtt;

pub use config::{ConnectionConfig, PreferredAddressConfig};
pub use datagrams::{DatagramError, DatagramStats};
pub use ecn::EcnState;
pub use key_update::KeyUpdateError;
pub use migration::MigrationError;
pub use path::MAX_PATH_RESPONSES;
pub use resources::ConnectionResources;
pub use streams::{ReadOutcome, RecvInfo, SendInfo, StreamError, StreamStatus};
pub use zero_rtt::ZeroRttStatus;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;
use rustls::pki_types::ServerName;

use crate::ack_tracker::AckTracker;
pub use crate::ack_tracker::EcnCodepoint;
use crate::cid::ConnectionId;
use crate::cid_manager::{LocalCids, RemoteCids};
use crate::crypto::{ResetTokenKey, initial_keys};
use crate::error::{PacketError, TransportError, TransportErrorCode};
use crate::frame::NewConnectionId;
use crate::recovery::{CongestionController, Pacer, RttEstimator};
use crate::stream_id::{Dir, Side, StreamId};
use crate::streams::{RecvBuf, SendBuf};
use crate::tls::{TlsOutput, TlsSession};
use crate::transport_params::TransportParameters;
use crate::version::Version;
use space::{SpaceId, Spaces};
use streams::{StreamEvent, Streams};

/// What arrived with a datagram besides its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramInfo {
    /// The sender's address.
    pub from: SocketAddr,
    /// The local address it was sent to, where the socket reports it.
    pub local: Option<SocketAddr>,
    /// Its ECN codepoint, where the socket reports it.
    pub ecn: Option<EcnCodepoint>,
}

impl DatagramInfo {
    /// A datagram from `from`, with nothing else known.
    pub fn from(from: SocketAddr) -> Self {
        DatagramInfo {
            from,
            local: None,
            ecn: None,
        }
    }
}

/// Datagrams [`Connection::poll_transmit`] wrote: one, or with
/// [`Connection::poll_transmit_batch`] several to the same destination back to back, each
/// `segment_size` bytes but the last (which may be shorter), as UDP segmentation offload takes
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send them.
    pub destination: SocketAddr,
    /// Bytes written in the caller's buffer, all datagrams together.
    pub len: usize,
    /// Size of each datagram but the last.
    pub segment_size: usize,
    /// The local address to send from (the one the peer reached this endpoint on), where
    /// known.
    pub source: Option<SocketAddr>,
    /// The ECN codepoint to mark them with, if any.
    pub ecn: Option<EcnCodepoint>,
}

impl Transmit {
    /// The datagrams' ranges in the caller's buffer.
    pub fn segments(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let seg = self.segment_size.max(1);
        (0..self.len)
            .step_by(seg)
            .map(move |start| start..(start + seg).min(self.len))
    }
}

/// What the endpoint learned from a client's first Initial, to start the server connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incoming {
    /// The client's address.
    pub remote: SocketAddr,
    /// The version of the client's Initial.
    pub version: Version,
    /// The destination connection ID of this Initial: the Initial keys derive from it.
    pub dcid: ConnectionId,
    /// The client's source connection ID.
    pub scid: ConnectionId,
    /// The destination ID of the client's very first Initial (differs from `dcid` after a
    /// Retry).
    pub original_dcid: ConnectionId,
    /// The source connection ID of the Retry this Initial answers, if any.
    pub retry_scid: Option<ConnectionId>,
    /// The client proved its address with a token: one from a Retry or a NEW_TOKEN frame.
    pub address_validated: bool,
}

/// Counters of a connection's traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Datagrams received.
    pub datagrams_received: u64,
    /// Packets processed.
    pub packets_received: u64,
    /// Packets dropped (undecryptable, duplicate, malformed, of an unknown kind).
    pub packets_dropped: u64,
    /// Why the last packet was dropped.
    pub last_drop: Option<PacketError>,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets sent with an ACK frame in them.
    pub acks_sent: u64,
    /// ACK_FREQUENCY frames sent: the peer was asked to acknowledge less (or more) often.
    pub ack_frequency_sent: u64,
    /// 1-RTT key updates, initiated by either side.
    pub key_updates: u64,
    /// Packets that told the peer flow control or its stream limit held this endpoint back.
    pub blocked_reports: u64,
    /// Moves to a new path: the client's own, or a server following its client.
    pub migrations: u64,
    /// Path validations that ran out of time.
    pub failed_validations: u64,
    /// Times the datagram size fell back to 1200 bytes because larger ones stopped
    /// arriving (a path MTU black hole).
    pub mtu_black_holes: u64,
}

/// The error code a [`CloseInfo`] reports for a connection that ended silently because its
/// idle timeout passed: outside the QUIC code space (as OpenSSL's
/// `OSSL_QUIC_LOCAL_ERR_IDLE_TIMEOUT`), since nothing was sent or received.
pub const IDLE_TIMEOUT_CODE: u64 = u64::MAX;

/// Why and by whom a connection was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The error code (transport or application).
    pub error_code: u64,
    /// For transport closes, the frame type that caused it (0 if none).
    pub frame_type: Option<u64>,
    /// The reason phrase.
    pub reason: Vec<u8>,
    /// Whether this endpoint closed the connection.
    pub local: bool,
    /// Whether the code is a transport error code (rather than an application's).
    pub transport: bool,
}

/// Something that happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed (RFC 9001 §4.1.1): 1-RTT data can flow.
    HandshakeCompleted,
    /// The handshake is confirmed (RFC 9001 §4.1.2): handshake keys are gone.
    HandshakeConfirmed,
    /// The peer opened a stream (it waits in the accept queue).
    StreamOpened(StreamId),
    /// A stream has data (or its end) to read.
    StreamReadable(StreamId),
    /// The peer reset a stream with an application error code.
    StreamReset(StreamId, u64),
    /// The peer asked this endpoint to stop sending on a stream, with a code; the stream has
    /// been reset with that code.
    StreamStopped(StreamId, u64),
    /// A client received a NEW_TOKEN token for its next connection to this server:
    /// [`Connection::take_new_token`] takes it.
    NewToken,
    /// A DATAGRAM frame arrived: its payload waits for
    /// [`Connection::datagram_recv`].
    DatagramReceived,
    /// The connection is closed; no more datagrams will be sent or accepted.
    Closed(CloseInfo),
}

/// Where the connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Handshaking or established.
    Open,
    /// This endpoint closed: CONNECTION_CLOSE is sent in answer to incoming packets until
    /// `until`.
    Closing {
        until: Instant,
        /// A CONNECTION_CLOSE is owed.
        send_close: bool,
        /// Rapid close: gone as soon as the CONNECTION_CLOSE is out.
        rapid: bool,
        /// When CONNECTION_CLOSE was last sent: it is repeated at most once per RTT.
        last_sent: Option<Instant>,
    },
    /// The peer closed: nothing is sent until `until`.
    Draining { until: Instant },
    /// Gone.
    Closed,
}

/// Initial RTT before any sample (RFC 9002 §6.2.2).
const INITIAL_RTT: Duration = Duration::from_millis(333);
/// Full-size datagrams the pacer lets go back to back.
const PACING_BURST: u64 = 10;
/// Most 1-RTT packets kept from before the handshake completed.
const MAX_EARLY_ONE_RTT: usize = 4;
/// Smallest datagram carrying an ack-eliciting Initial packet (RFC 9000 §14.1).
pub(crate) const MIN_INITIAL_SIZE: usize = 1200;

/// One QUIC connection.
pub struct Connection {
    side: Side,
    /// Shared with the endpoint's other connections until changed for this one.
    config: Arc<ConnectionConfig>,
    version: Version,
    tls: TlsSession,
    spaces: Spaces,
    /// 1-RTT key-update state, once 1-RTT keys exist.
    key_update: Option<key_update::KeyUpdate>,
    /// The path packets go out on.
    path: path::Path,
    /// ECN marking and its validation on that path.
    ecn: ecn::Ecn,
    /// The marking of the datagram being written.
    datagram_ecn: Option<EcnCodepoint>,
    /// The path's datagram size and its search.
    pmtud: pmtud::Pmtud,
    /// A probe of a larger size waits for room in the congestion window: other data waits
    /// with it.
    probe_holds_data: bool,
    /// The last validated path before a migration, returned to if the new one fails
    /// validation (RFC 9000 §9.3.2).
    prev_path: Option<Box<migration::PrevPath>>,
    /// A path the peer probed with PATH_CHALLENGE, which this endpoint challenges in turn.
    probe_path: Option<path::Path>,
    /// The peer's address when the connection started.
    first_remote: SocketAddr,
    /// A client is to move to the server's preferred address (set when the handshake is
    /// confirmed, acted on by the next send).
    preferred_pending: bool,
    /// The destination connection ID of the last 1-RTT packet from the current path: a
    /// peer that migrates to a new ID gets a new one in return (RFC 9000 §9.5).
    last_dcid: Option<ConnectionId>,
    /// The local address the peer reaches this endpoint on, where known.
    local: Option<SocketAddr>,
    local_cids: LocalCids,
    remote_cids: RemoteCids,
    /// The destination connection ID of the client's first Initial (Initial keys, and the
    /// server's original_destination_connection_id).
    original_dcid: ConnectionId,
    /// The source connection ID of the peer's first long-header packet: its later long-header
    /// packets must carry the same one (RFC 9000 §7.2). For a client, set means it has
    /// switched its destination to the server's chosen ID.
    peer_scid: Option<ConnectionId>,
    /// The Retry the client accepted: the server's new ID and the token to echo.
    retry: Option<(ConnectionId, Arc<[u8]>)>,
    /// Address-validation tokens (`conn::new_token`): the one a client presents, the one a
    /// server owes its client, the last one a client received.
    tokens: new_token::Tokens,
    /// A version both sides speak, learned from Version Negotiation: the endpoint starts a new
    /// connection with it.
    vn_offer: Option<Version>,
    /// The original version, the Initial keys' connection ID, and what compatible version
    /// negotiation needs.
    versions: versions::VersionState,
    rtt: RttEstimator,
    cc: Box<dyn CongestionController>,
    pacer: Pacer,
    /// Until when the pacer holds back ack-eliciting data (set by each `poll_transmit`).
    paced_until: Option<Instant>,
    /// The last `poll_transmit` found nothing to send with room in the congestion window:
    /// acknowledgments do not grow a window that is not in use (RFC 9002 §7.8).
    app_limited: bool,
    rng: ChaCha8Rng,
    reset_key: ResetTokenKey,
    peer_params: Option<TransportParameters>,
    state: State,
    handshake_confirmed: bool,
    /// The server owes HANDSHAKE_DONE.
    handshake_done_pending: bool,
    /// An ack-eliciting 1-RTT packet is owed: the application's PING, a keep-alive, to
    /// carry a requested key update, or to prompt an acknowledgment.
    ping_pending: bool,
    /// When an acknowledgment was last prompted ([`Connection::prompt_ack`]).
    ack_prompted: Option<Instant>,
    events: VecDeque<Event>,
    close_info: Option<CloseInfo>,
    idle_deadline: Option<Instant>,
    /// When an unfinished handshake is given up.
    handshake_deadline: Option<Instant>,
    /// Consecutive PTO expirations without an acknowledgment.
    pto_count: u32,
    /// When the probe timeout last fired.
    last_probe_due: Option<Instant>,
    /// When the probe timeout first fired since the peer last acknowledged anything: a
    /// peer that acknowledges nothing for an idle timeout is treated as gone, however
    /// much else it sends.
    probe_streak_since: Option<Instant>,
    /// When the last ack-eliciting packet was sent (or a probe was due), for the client's
    /// anti-deadlock probe timer.
    last_eliciting_sent: Option<Instant>,
    /// NEW_CONNECTION_ID frames to send.
    pending_new_cids: Vec<NewConnectionId>,
    /// Local IDs the peer retired, for the endpoint to drop from its routes.
    retired_local_cids: Vec<ConnectionId>,
    /// How many local IDs had been issued when the endpoint last routed them.
    routed_cids: u64,
    /// PATH_RESPONSE frames owed.
    path_responses: Vec<path::PathResponse>,
    /// Streams, once the handshake has completed.
    streams: Option<Streams>,
    /// DATAGRAM frames to send and received ones not yet read.
    datagrams: datagrams::Datagrams,
    stats: ConnectionStats,
    /// The qlog trace, when traced.
    qlog: Option<crate::qlog::Qlog>,
    /// The congestion state the trace last recorded.
    traced_cc_state: Option<&'static str>,
    /// 1-RTT packets that failed authentication (RFC 9001 §6.6).
    auth_failures: u64,
    /// Early data: the 0-RTT keys and what became of it.
    zero_rtt: zero_rtt::ZeroRtt,
    /// Acknowledgment frequency: what the peer asked of this endpoint, and what it asks.
    ack_frequency: ack_frequency::AckFrequencyState,
    /// An acknowledgment was due and no datagram could be written (the anti-amplification
    /// limit of an unvalidated path): its timer waits for the next datagram received.
    ack_blocked: bool,
    /// 1-RTT packets that arrived before the handshake completed, to read once it has.
    early_one_rtt: Vec<(recv::Arrival, Vec<u8>)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("side", &self.side)
            .field("version", &self.version)
            .field("remote", &self.path.remote)
            .field("state", &self.state)
            .field("handshake_complete", &self.is_handshake_complete())
            .field("handshake_confirmed", &self.handshake_confirmed)
            .field("spaces", &self.spaces)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts a client connection to `remote` for `server_name`; the first datagrams are ready
    /// from [`poll_transmit`](Self::poll_transmit) at once.
    pub fn connect(
        config: impl Into<Arc<ConnectionConfig>>,
        tls_config: Arc<rustls::ClientConfig>,
        server_name: ServerName<'static>,
        remote: SocketAddr,
        now: Instant,
        seed: impl Into<crate::Seed>,
    ) -> Result<Self, TransportError> {
        let config = config.into();
        let mut rng = seed.into().rng();
        let original_dcid = ConnectionId::random(&mut rng, 8);
        let scid = ConnectionId::random(&mut rng, config.cid_len);
        let reset_key = random_reset_key(&mut rng);
        let mut params = config.transport_parameters();
        params.initial_source_connection_id = Some(scid);
        params.version_information = Some(versions::version_information(
            Side::Client,
            config.version,
            config.upgrade_to,
            &config.versions,
        ));
        // rustls derives the handshake's keys with the labels of the version it is given.
        let tls_version = config.upgrade_to.unwrap_or(config.version);
        let tls = TlsSession::client(tls_config, tls_version, server_name, &params)?;
        let mut conn = Self::new(
            Side::Client,
            config,
            tls,
            remote,
            (scid, original_dcid, original_dcid),
            rng,
            reset_key,
            now,
        );
        conn.path.validated = true;
        conn.start_qlog(now, &params);
        let out = conn.tls.poll();
        conn.apply_tls(out)?;
        Ok(conn)
    }

    /// Starts a server connection for the client described by `incoming`. `reset_key` is the
    /// endpoint's stateless-reset key, so that the endpoint can reset this connection's IDs
    /// even after forgetting it.
    pub fn accept(
        config: impl Into<Arc<ConnectionConfig>>,
        tls_config: impl Into<crate::client_hello::ServerTls>,
        incoming: Incoming,
        reset_key: ResetTokenKey,
        now: Instant,
        seed: impl Into<crate::Seed>,
    ) -> Result<Self, TransportError> {
        let mut config: Arc<ConnectionConfig> = config.into();
        let mut rng = seed.into().rng();
        let scid = ConnectionId::random(&mut rng, config.cid_len);
        if config.version != incoming.version {
            Arc::make_mut(&mut config).version = incoming.version;
        }
        let mut params = config.transport_parameters();
        params.initial_source_connection_id = Some(scid);
        params.original_destination_connection_id = Some(incoming.original_dcid);
        params.retry_source_connection_id = incoming.retry_scid;
        params.stateless_reset_token = Some(reset_key.token(&scid));
        let mut local_cids = LocalCids::new(scid);
        if let Some(pa) = config.preferred_address
            && let Some(cid) = local_cids.issue_preferred(&mut rng, &reset_key)
        {
            params.preferred_address = Some(crate::transport_params::PreferredAddress {
                ipv4: pa.ipv4,
                ipv6: pa.ipv6,
                connection_id: cid.id,
                stateless_reset_token: cid.reset_token,
            });
        }
        params.version_information = Some(versions::version_information(
            Side::Server,
            config.version,
            None,
            &config.versions,
        ));
        let tls = TlsSession::server(tls_config, config.version, &config.versions, &params)?;
        let mut conn = Self::new(
            Side::Server,
            config,
            tls,
            incoming.remote,
            (scid, incoming.scid, incoming.dcid),
            rng,
            reset_key,
            now,
        );
        conn.original_dcid = incoming.original_dcid;
        conn.local_cids = local_cids;
        conn.peer_scid = Some(incoming.scid);
        conn.path.validated = incoming.retry_scid.is_some() || incoming.address_validated;
        conn.start_qlog(now, &params);
        Ok(conn)
    }

    /// A connection of `side` with its IDs `(ours, the peer's, the client's first
    /// destination)`.
    #[allow(clippy::too_many_arguments)]
    fn new(
        side: Side,
        config: Arc<ConnectionConfig>,
        tls: TlsSession,
        remote: SocketAddr,
        (scid, dcid, initial_dcid): (ConnectionId, ConnectionId, ConnectionId),
        rng: ChaCha8Rng,
        reset_key: ResetTokenKey,
        now: Instant,
    ) -> Self {
        let version = config.version;
        let mut spaces = Spaces::new();
        spaces[SpaceId::Initial as usize].keys = Some(initial_keys(version, &initial_dcid, side));
        let idle_deadline = config.idle_timeout.map(|t| now + t);
        let handshake_deadline = config.handshake_timeout.map(|t| now + t);
        Connection {
            side,
            version,
            tls,
            spaces,
            key_update: None,
            path: path::Path::new(remote, false),
            ecn: ecn::Ecn::new(config.ecn),
            datagram_ecn: None,
            pmtud: pmtud::Pmtud::new(usize::from(config.max_udp_payload_size)),
            probe_holds_data: false,
            prev_path: None,
            probe_path: None,
            first_remote: remote,
            preferred_pending: false,
            last_dcid: None,
            local: None,
            local_cids: LocalCids::new(scid),
            remote_cids: RemoteCids::new(dcid, None),
            original_dcid: initial_dcid,
            peer_scid: None,
            retry: None,
            vn_offer: None,
            versions: versions::VersionState {
                original: version,
                initial_cid: initial_dcid,
                original_initial: None,
                after_negotiation: false,
            },
            tokens: new_token::Tokens::default(),
            rtt: RttEstimator::new(INITIAL_RTT),
            cc: config.congestion.build(MIN_INITIAL_SIZE as u64),
            pacer: Pacer::new(PACING_BURST),
            paced_until: None,
            app_limited: false,
            rng,
            reset_key,
            peer_params: None,
            state: State::Open,
            handshake_confirmed: false,
            handshake_done_pending: false,
            ping_pending: false,
            ack_prompted: None,
            events: VecDeque::new(),
            close_info: None,
            idle_deadline,
            handshake_deadline,
            pto_count: 0,
            last_probe_due: None,
            probe_streak_since: None,
            last_eliciting_sent: None,
            pending_new_cids: Vec::new(),
            retired_local_cids: Vec::new(),
            routed_cids: 0,
            path_responses: Vec::new(),
            streams: None,
            datagrams: datagrams::Datagrams::new(
                config.max_datagram_frame_size.unwrap_or(0),
                config.datagram_send_queue,
                config.datagram_recv_queue,
            ),
            stats: ConnectionStats::default(),
            qlog: None,
            traced_cc_state: None,
            auth_failures: 0,
            zero_rtt: zero_rtt::ZeroRtt::new(),
            ack_frequency: ack_frequency::AckFrequencyState::new(),
            ack_blocked: false,
            early_one_rtt: Vec::new(),
            config,
        }
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The peer's address.
    pub fn remote(&self) -> SocketAddr {
        self.path.remote
    }

    /// The negotiated version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Whether the handshake has completed.
    pub fn is_handshake_complete(&self) -> bool {
        // The peer's parameters are taken exactly when the handshake completes (streams may
        // exist before, for early data).
        self.peer_params.is_some()
    }

    /// Whether the handshake is confirmed.
    pub fn is_handshake_confirmed(&self) -> bool {
        self.handshake_confirmed
    }

    /// Whether the connection is gone for good.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// How and by whom the connection was closed, once it is closing or closed.
    pub fn close_info(&self) -> Option<&CloseInfo> {
        self.close_info.as_ref()
    }

    /// The peer's transport parameters, once received.
    pub fn peer_params(&self) -> Option<&TransportParameters> {
        self.peer_params.as_ref()
    }

    /// After the connection ended on a Version Negotiation packet, a version the server
    /// offered that this endpoint also speaks.
    pub fn version_negotiation_offer(&self) -> Option<Version> {
        self.vn_offer
    }

    /// The destination connection ID of the client's first Initial.
    pub fn original_dcid(&self) -> ConnectionId {
        self.original_dcid
    }

    /// The negotiated application protocol.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.tls.alpn()
    }

    /// The negotiated TLS cipher suite.
    pub fn cipher_suite(&self) -> Option<rustls::SupportedCipherSuite> {
        self.tls.cipher_suite()
    }

    /// Whether the handshake resumed a TLS session.
    pub fn is_resumed(&self) -> bool {
        self.tls.is_resumed()
    }

    /// The certificate chain the peer presented, end-entity first.
    pub fn peer_certificates(&self) -> Option<&[rustls::pki_types::CertificateDer<'static>]> {
        self.tls.peer_certificates()
    }

    /// The server name the client sent (SNI), on a server connection.
    pub fn sni(&self) -> Option<&str> {
        self.tls.server_name()
    }

    /// The connection IDs this endpoint currently answers to.
    pub fn local_cids(&self) -> impl Iterator<Item = &ConnectionId> {
        self.local_cids.active()
    }

    /// Whether local IDs were issued since the last call (which the endpoint makes when it
    /// routes them).
    pub(crate) fn take_cids_issued(&mut self) -> bool {
        let issued = self.local_cids.issued();
        std::mem::replace(&mut self.routed_cids, issued) != issued
    }

    /// The local IDs the peer retired since the last call, taken.
    pub(crate) fn take_retired_cids(&mut self) -> Vec<ConnectionId> {
        std::mem::take(&mut self.retired_local_cids)
    }

    /// Traffic counters.
    pub fn stats(&self) -> ConnectionStats {
        let mut stats = self.stats.clone();
        stats.mtu_black_holes = self.pmtud.black_holes();
        stats.blocked_reports = self.streams.as_ref().map_or(0, |s| s.blocked_sent);
        stats.key_updates = self.key_update.as_ref().map_or(0, |ku| ku.updates);
        stats
    }

    /// The size of the datagrams sent now on the current path: 1200 bytes until path MTU
    /// discovery finds more (RFC 9000 §14.3).
    pub fn datagram_size(&self) -> usize {
        self.max_datagram_size()
    }

    /// Where ECN validation of the current path stands (RFC 9000 §13.4.2).
    pub fn ecn_state(&self) -> EcnState {
        self.ecn.state()
    }

    /// Whether the peer has proven it owns its current address (a server's view: a Retry
    /// token or a Handshake packet from the client, RFC 9000 §8.1, or a PATH_RESPONSE after
    /// it moved; always for a client).
    pub fn is_address_validated(&self) -> bool {
        self.path.validated
    }

    /// What the connection holds on its peer's behalf, counted by structure.
    pub fn resources(&self) -> ConnectionResources {
        let mut r = ConnectionResources {
            events: self.events.len(),
            path_responses: self.path_responses.len(),
            remote_cids: self.remote_cids.held(),
            local_cids: self.local_cids.active().count(),
            spaces: self.spaces.held(),
            ..ConnectionResources::default()
        };
        for space in self.spaces.iter() {
            r.sent_packets += space.sent.len();
            r.ack_ranges += space.acks.ranges().len();
            r.crypto_recv_bytes += space.crypto_recv.buffered();
            r.crypto_recv_chunks += space.crypto_recv.chunk_count();
            r.crypto_send_bytes += space.crypto_send.buffered();
        }
        if let Some(streams) = &self.streams {
            streams.count_resources(&mut r);
        }
        r
    }

    /// The congestion window in bytes.
    pub fn congestion_window(&self) -> u64 {
        self.cc.window()
    }

    /// The smoothed round-trip time.
    pub fn rtt(&self) -> Duration {
        self.rtt.smoothed()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(streams) = self.streams.as_mut().filter(|s| !s.events.is_empty()) {
            streams.readable_queued.clear();
            self.events
                .extend(streams.events.drain(..).map(|e| match e {
                    StreamEvent::Opened(id) => Event::StreamOpened(id),
                    StreamEvent::Readable(id) => Event::StreamReadable(id),
                    StreamEvent::Reset(id, code) => Event::StreamReset(id, code),
                    StreamEvent::Stopped(id, code) => Event::StreamStopped(id, code),
                }));
        }
        self.events.pop_front()
    }

    fn streams(&mut self) -> Result<&mut Streams, StreamError> {
        if self.state != State::Open {
            return Err(StreamError::ConnectionClosed);
        }
        self.streams.as_mut().ok_or(StreamError::NotReady)
    }

    /// Opens a stream of `dir`.
    pub fn open_stream(&mut self, dir: Dir) -> Result<StreamId, StreamError> {
        self.streams()?.open(dir)
    }

    /// The oldest stream of `dir` the peer opened that has not been accepted yet.
    pub fn accept_stream(&mut self, dir: Dir) -> Option<StreamId> {
        self.streams().ok()?.accept(dir)
    }

    /// Streams of `dir` the peer opened that wait to be accepted.
    pub fn accept_queue_len(&self, dir: Dir) -> usize {
        self.streams.as_ref().map_or(0, |s| s.accept_queue_len(dir))
    }

    /// Queues data on a stream; returns how much was taken (less when the send buffer fills).
    pub fn stream_write(&mut self, id: StreamId, data: &[u8]) -> Result<usize, StreamError> {
        self.streams()?.write(id, data)
    }

    /// Ends a stream after the data written so far.
    pub fn stream_finish(&mut self, id: StreamId) -> Result<(), StreamError> {
        self.streams()?.finish(id)
    }

    /// Reads in-order data from a stream.
    pub fn stream_read(
        &mut self,
        id: StreamId,
        buf: &mut [u8],
    ) -> Result<ReadOutcome, StreamError> {
        self.streams()?.read(id, buf)
    }

    /// Copies in-order data from a stream without consuming it.
    pub fn stream_peek(
        &mut self,
        id: StreamId,
        buf: &mut [u8],
    ) -> Result<ReadOutcome, StreamError> {
        self.streams()?.peek(id, buf)
    }

    /// Bytes that can be read from a stream now.
    pub fn stream_readable(&self, id: StreamId) -> u64 {
        self.streams.as_ref().map_or(0, |s| s.readable(id))
    }

    /// The state of a stream's sending part (RFC 9000 §3.1), with the code of the RESET_STREAM
    /// this endpoint sent and of the STOP_SENDING it received, if any. `None` for a stream
    /// with no sending part here, or one finished and forgotten.
    pub fn stream_send_state(
        &self,
        id: StreamId,
    ) -> Option<(crate::streams::SendState, Option<u64>, Option<u64>)> {
        self.streams.as_ref()?.send_state(id)
    }

    /// The state of a stream's receiving part (RFC 9000 §3.2), with the code of the
    /// RESET_STREAM received, if any. `None` as for [`stream_send_state`](Self::stream_send_state).
    pub fn stream_recv_state(
        &self,
        id: StreamId,
    ) -> Option<(crate::streams::RecvState, Option<u64>)> {
        self.streams.as_ref()?.recv_state(id)
    }

    /// The sending part's state, codes and buffer use; `None` as for
    /// [`stream_send_state`](Self::stream_send_state).
    pub fn stream_send_info(&self, id: StreamId) -> Option<SendInfo> {
        self.streams.as_ref()?.send_info(id)
    }

    /// Both parts of a stream at once (one lookup, for polling); `None` for a stream not
    /// known: never opened, or finished and forgotten.
    pub fn stream_status(&self, id: StreamId) -> Option<StreamStatus> {
        self.streams.as_ref()?.status(id)
    }

    /// The code of the STOP_SENDING this endpoint sent on a stream, if it asked the peer to
    /// stop sending.
    pub fn stream_stop_sent(&self, id: StreamId) -> Option<u64> {
        self.streams.as_ref()?.stop_sent(id)
    }

    /// Whether a stream is known: opened and not yet forgotten.
    pub fn stream_exists(&self, id: StreamId) -> bool {
        self.streams.as_ref().is_some_and(|s| s.contains(id))
    }

    /// Keeps a stream's state queryable while the application holds an object for it: a held
    /// stream is not forgotten when both its parts are done (and a peer's stream does not
    /// return its credit) until [`stream_release`](Self::stream_release).
    pub fn stream_hold(&mut self, id: StreamId) {
        if let Some(s) = &mut self.streams {
            s.hold(id);
        }
    }

    /// Ends a [`stream_hold`](Self::stream_hold).
    pub fn stream_release(&mut self, id: StreamId) {
        if let Some(s) = &mut self.streams {
            s.release(id);
        }
    }

    /// Gives a stream up (an application's refused or abandoned stream): RESET_STREAM and
    /// STOP_SENDING with `code` where the parts are not finished, and whatever still arrives
    /// on it is consumed, so the stream ends and its credit returns to the peer without
    /// further calls.
    pub fn stream_discard(&mut self, id: StreamId, code: u64) {
        if let Some(s) = &mut self.streams {
            s.discard(id, code);
        }
    }

    /// Whether all stream data written, with every FIN, has been acknowledged (reset streams
    /// count as done). True before the handshake completes.
    pub fn streams_flushed(&self) -> bool {
        self.streams.as_ref().is_none_or(|s| s.all_acked())
    }

    /// For streams of `dir`: how many more this endpoint may open now, and how many more the
    /// peer may open. Zero before the handshake completes.
    pub fn streams_available(&self, dir: Dir) -> (u64, u64) {
        self.streams.as_ref().map_or((0, 0), |s| s.available(dir))
    }

    /// Resets the sending part of a stream with an application error code.
    pub fn stream_reset(&mut self, id: StreamId, code: u64) -> Result<(), StreamError> {
        self.streams()?.reset(id, code)
    }

    /// Asks the peer to stop sending on a stream, with an application error code.
    pub fn stream_stop_sending(&mut self, id: StreamId, code: u64) -> Result<(), StreamError> {
        self.streams()?.stop_sending(id, code)
    }

    /// Closes the connection with an application error code and reason (RFC 9000 §10.2):
    /// CONNECTION_CLOSE is sent, then the connection lingers in the closing state for three
    /// PTOs before it is gone.
    pub fn close(&mut self, now: Instant, error_code: u64, reason: &[u8]) {
        self.start_closing(now, Self::app_close(error_code, reason), false);
    }

    /// Closes at once: CONNECTION_CLOSE is sent a single time and the connection is then gone,
    /// without waiting in the closing state.
    pub fn close_rapid(&mut self, now: Instant, error_code: u64, reason: &[u8]) {
        self.start_closing(now, Self::app_close(error_code, reason), true);
    }

    /// Ends a draining connection (the peer closed) at once, skipping the draining period as
    /// a rapid close skips the closing period; otherwise does nothing.
    pub fn end_draining(&mut self) {
        if let State::Draining { .. } = self.state {
            self.finish_closed();
        }
    }

    fn app_close(error_code: u64, reason: &[u8]) -> CloseInfo {
        CloseInfo {
            error_code,
            frame_type: None,
            reason: reason.to_vec(),
            local: true,
            transport: false,
        }
    }

    /// Refuses the connection: a transport CONNECTION_CLOSE with CONNECTION_REFUSED, sent
    /// once, then gone (a server turning a client away, for instance when too many new
    /// connections wait to be accepted).
    pub fn refuse(&mut self, now: Instant, reason: &str) {
        self.start_closing(
            now,
            CloseInfo {
                error_code: TransportErrorCode::CONNECTION_REFUSED.0,
                frame_type: Some(0),
                reason: reason.as_bytes().to_vec(),
                local: true,
                transport: true,
            },
            true,
        );
    }

    /// Closes the connection because of a transport error of this endpoint's detection.
    fn close_with_error(&mut self, now: Instant, err: &TransportError) {
        self.start_closing(
            now,
            CloseInfo {
                error_code: err.code.0,
                frame_type: Some(err.frame_type.unwrap_or(0)),
                reason: err.reason.as_bytes().to_vec(),
                local: true,
                transport: true,
            },
            false,
        );
    }

    fn start_closing(&mut self, now: Instant, info: CloseInfo, rapid: bool) {
        if self.state != State::Open {
            return;
        }
        self.state = State::Closing {
            until: now + self.three_ptos(),
            send_close: true,
            rapid,
            last_sent: None,
        };
        self.close_info = Some(info);
        self.trace_state("closing");
    }

    /// The peer closed: drain for three PTOs, then report the closure.
    fn start_draining(&mut self, now: Instant, info: CloseInfo) {
        match self.state {
            State::Open => {
                self.close_info = Some(info);
                self.state = State::Draining {
                    until: now + self.three_ptos(),
                };
                self.trace_state("draining");
            }
            // A close crossing ours: stop sending, keep our own close info.
            State::Closing { until, .. } => self.state = State::Draining { until },
            State::Draining { .. } | State::Closed => {}
        }
    }

    fn three_ptos(&self) -> Duration {
        self.rtt.pto_period(self.peer_max_ack_delay(), true) * 3
    }

    /// Queues `event` unless the same one waits already: a notice that something can be
    /// taken, which a peer's flood of frames must not repeat without bound.
    fn notify(&mut self, event: Event) {
        if !self.events.contains(&event) {
            self.events.push_back(event);
        }
    }

    fn finish_closed(&mut self) {
        self.state = State::Closed;
        self.datagrams.on_closed();
        for space in self.spaces.iter_live_mut() {
            space.keys = None;
        }
        let info = self.close_info.clone().unwrap_or(CloseInfo {
            error_code: 0,
            frame_type: None,
            reason: Vec::new(),
            local: true,
            transport: true,
        });
        self.trace_state("closed");
        self.trace_closed(&info);
        self.events.push_back(Event::Closed(info));
    }

    /// Applies what the TLS handshake produced: queues CRYPTO data and installs keys.
    fn apply_tls(&mut self, outputs: Vec<TlsOutput>) -> Result<(), TransportError> {
        for out in outputs {
            match out {
                TlsOutput::Data(level, data) => {
                    let space = &mut self.spaces[SpaceId::of_level(level) as usize];
                    if space.crypto_send.write(&data) < data.len() {
                        return Err(TransportError::new(
                            TransportErrorCode::INTERNAL_ERROR,
                            "handshake data exceeds the CRYPTO send buffer",
                        ));
                    }
                }
                TlsOutput::HandshakeKeys(keys) => {
                    self.spaces[SpaceId::Handshake as usize].keys = Some(keys);
                }
                TlsOutput::VersionChanged(version) => self.on_version_changed(version),
                TlsOutput::ZeroRttKeys(keys) => self.on_zero_rtt_keys(keys)?,
                TlsOutput::OneRttKeys(keys, next) => {
                    let gap = send::skip_gap(&mut self.rng);
                    let data = &mut self.spaces[SpaceId::Data as usize];
                    data.keys = Some(keys);
                    data.next_skip = data.next_pn + gap;
                    self.key_update = Some(key_update::KeyUpdate::new(next));
                    self.on_one_rtt_keys();
                }
            }
        }
        if !self.is_handshake_complete() && !self.tls.is_handshaking() {
            self.on_handshake_complete()?;
            self.tls.conclude();
        }
        Ok(())
    }

    fn on_handshake_complete(&mut self) -> Result<(), TransportError> {
        let params = self
            .tls
            .peer_params()
            .ok_or(TransportError::transport_parameter(
                "peer sent no transport parameters",
            ))??;
        self.validate_version_information(&params)?;
        self.trace_state("handshake_complete");
        self.trace_parameters(None, "remote", &params);
        let expected_retry = self.retry.as_ref().map(|(scid, _)| scid);
        match self.side {
            Side::Client => params.validate_cids(
                &self.remote_cids.current(),
                Some(&self.original_dcid),
                expected_retry,
            )?,
            Side::Server => params.validate_cids(&self.remote_cids.current(), None, None)?,
        }
        if let Some(token) = params.stateless_reset_token {
            self.remote_cids.set_initial_reset_token(token);
        }
        if let Some(pa) = &params.preferred_address {
            // The preferred address's ID is the server's sequence number 1 (RFC 9000 §5.1.1).
            self.remote_cids.on_new(&NewConnectionId {
                sequence: 1,
                retire_prior_to: 0,
                id: pa.connection_id,
                reset_token: pa.stateless_reset_token,
            })?;
        }
        // Give the peer spare connection IDs, up to its limit (RFC 9000 §5.1.1).
        self.pending_new_cids = self.local_cids.issue(
            params.active_connection_id_limit.get(),
            &mut self.rng,
            &self.reset_key,
        );
        // Streams opened for early data carry on under the parameters now known.
        if self.streams.is_none() {
            self.streams = Some(Streams::new(self.side, &self.config, &params));
        }
        self.settle_zero_rtt(&params)?;
        // Datagrams grow from 1200 bytes up to the smaller of both endpoints' limits.
        let ours = usize::from(self.config.max_udp_payload_size);
        let theirs = usize::try_from(params.max_udp_payload_size.get()).unwrap_or(ours);
        self.pmtud.set_max(ours.min(theirs));
        self.peer_params = Some(params);
        self.events.push_back(Event::HandshakeCompleted);
        if self.side == Side::Server {
            // The server's handshake is confirmed once complete (RFC 9001 §4.1.2).
            self.handshake_done_pending = true;
            self.confirm_handshake();
        }
        Ok(())
    }

    /// Handshake confirmed: Handshake keys are discarded (RFC 9001 §4.9.2).
    fn confirm_handshake(&mut self) {
        if self.handshake_confirmed {
            return;
        }
        self.handshake_confirmed = true;
        self.trace_state("handshake_confirmed");
        self.discard_space(SpaceId::Handshake);
        self.events.push_back(Event::HandshakeConfirmed);
        // A client follows a server's preferred address from its next send.
        self.preferred_pending = self.side == Side::Client && self.config.follow_preferred_address;
    }

    /// Drops a space's keys and what it had in flight (RFC 9001 §4.9).
    fn discard_space(&mut self, id: SpaceId) {
        // Checked through a shared reference: a released space must not come back.
        if self.spaces[id as usize].discarded {
            return;
        }
        if id == SpaceId::Initial {
            self.versions.original_initial = None;
        }
        let space = &mut self.spaces[id as usize];
        space.discarded = true;
        space.keys = None;
        space.probes = 0;
        let discarded = space.sent.discard();
        // Nothing more is sent or accepted here: the space goes (Initial and Handshake), or
        // its buffers do.
        space.crypto_recv = RecvBuf::crypto(0);
        space.crypto_send = SendBuf::new(0);
        space.acks = AckTracker::new();
        self.spaces.release(id);
        self.cc.on_packets_discarded(discarded.bytes_in_flight);
        self.pto_count = 0;
        self.probe_streak_since = None;
    }

    /// The effective idle timeout: the smaller of both sides' non-zero values, and at least
    /// three PTOs (RFC 9000 §10.1).
    pub(super) fn idle_timeout(&self) -> Option<Duration> {
        let local = self.config.idle_timeout;
        let peer = self
            .peer_params
            .as_ref()
            .and_then(|p| p.max_idle_timeout_duration());
        let t = match (local, peer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }?;
        Some(t.max(self.three_ptos()))
    }

    fn reset_idle(&mut self, now: Instant) {
        self.idle_deadline = self.idle_timeout().map(|t| now + t);
    }

    /// The next time [`handle_timeout`](Self::handle_timeout) should be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Closed => None,
            State::Closing { until, .. } | State::Draining { until } => Some(until),
            State::Open => [
                self.idle_deadline,
                self.handshake_deadline
                    .filter(|_| !self.is_handshake_complete()),
                self.loss_detection_timer(),
                // An acknowledgment that could not be sent (the amplification limit held it
                // back) waits for the peer's next datagram, which raises the limit.
                self.ack_timer().filter(|_| !self.ack_blocked),
                self.path.timer(),
                self.probe_path.as_ref().and_then(path::Path::timer),
                // A search starts when the application sends; its writes ask for a transmit.
                self.pmtud
                    .timer()
                    .filter(|_| self.handshake_confirmed && self.has_application_data()),
                self.keep_alive_timer(),
                self.key_update_timer(),
                self.paced_until,
            ]
            .into_iter()
            .flatten()
            .min(),
        }
    }

    /// Handles whatever deadline has passed at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Closed => {}
            State::Closing { until, .. } | State::Draining { until } => {
                if now >= until {
                    self.finish_closed();
                }
            }
            State::Open => {
                let handshake_over = !self.is_handshake_complete()
                    && self.handshake_deadline.is_some_and(|d| now >= d);
                let unacknowledged = self
                    .probe_streak_since
                    .zip(self.idle_timeout())
                    .is_some_and(|(since, idle)| now >= since + idle);
                let idle = self.idle_deadline.is_some_and(|d| now >= d);
                if handshake_over || unacknowledged || idle {
                    // Silent close (RFC 9000 §10.1), as for an idle connection.
                    let reason: &[u8] = if handshake_over {
                        b"handshake timeout"
                    } else if unacknowledged {
                        b"nothing acknowledged"
                    } else {
                        b"idle timeout"
                    };
                    self.close_info = Some(CloseInfo {
                        error_code: IDLE_TIMEOUT_CODE,
                        frame_type: None,
                        reason: reason.to_vec(),
                        local: true,
                        transport: true,
                    });
                    self.finish_closed();
                    return;
                }
                if self.loss_detection_timer().is_some_and(|t| now >= t) {
                    self.on_loss_detection_timeout(now);
                }
                let ping_due = [self.keep_alive_timer(), self.key_update_timer()];
                if ping_due.into_iter().flatten().any(|t| now >= t) {
                    self.ping();
                }
                if self.path.validation_failed(now) {
                    self.on_path_validation_failed(now);
                }
                if self
                    .probe_path
                    .as_ref()
                    .is_some_and(|p| p.validation_failed(now))
                {
                    self.probe_path = None;
                }
            }
        }
    }

    /// The earliest delayed-ACK deadline over the spaces.
    fn ack_timer(&self) -> Option<Instant> {
        self.spaces
            .iter()
            .filter(|s| s.keys.is_some())
            .filter_map(|s| s.acks.ack_deadline())
            .min()
    }
}

/// A fresh stateless-reset key (for a connection's or an endpoint's IDs).
pub(crate) fn random_reset_key(rng: &mut impl Rng) -> ResetTokenKey {
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    ResetTokenKey::new(&secret)
}
