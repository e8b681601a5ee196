//! The endpoint (OpenSSL's "port"): one socket's worth of connections.
//!
//! It routes each datagram to its connection by destination connection ID, creates server
//! connections from clients' first Initials, answers unknown versions with Version
//! Negotiation, optionally asks for address validation with Retry, and answers packets for
//! connections it does not know with stateless resets. Like the connection, it does no I/O and
//! reads no clock.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;
use rustc_hash::{FxHashMap, FxHashSet};
use rustls::pki_types::ServerName;

use crate::cid::ConnectionId;
use crate::client_hello::ServerTls;
use crate::coding::Writer;
use crate::conn::{
    Connection, ConnectionConfig, DatagramInfo, Incoming, MIN_INITIAL_SIZE, Transmit,
    random_reset_key,
};
use crate::crypto::{ResetTokenKey, write_retry, write_stateless_reset};
use crate::error::TransportError;
use crate::packet::PacketKind;
use crate::packet::header::{ParsedHeader, write_version_negotiation};
use crate::packet::protect::client_initial_opens;
use crate::packet::refusal::write_refusal;
use crate::token::{
    RetryTokenContents, RotatingTokenKey, TOKEN_KEY_MAX_SEALS, TOKEN_KEY_PERIOD, UsedTokens,
};
use crate::version::Version;
use routes::Routes;
use schedule::Schedule;

mod routes;
mod schedule;

/// Smallest stateless reset sent; also the smallest packet answered with one.
const MIN_RESET_LEN: usize = 21 + 1;

/// Most answers of the endpoint's own (Version Negotiation, Retry, stateless reset) waiting to
/// be sent; datagrams that would add more go unanswered, so a flood costs a fixed amount of
/// memory however slowly the answers drain.
pub const MAX_QUEUED_ANSWERS: usize = 256;

/// Most new server connections waiting to be accepted; the Initials of more clients are
/// dropped unanswered until some are accepted (the clients try again).
pub const MAX_INCOMING: usize = 1024;
/// [`EndpointConfig::max_connections`] by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 65_536;
/// Default [`EndpointConfig::new_token_lifetime`]: a day.
pub const DEFAULT_NEW_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// [`EndpointConfig::max_unvalidated`] by default.
pub const DEFAULT_MAX_UNVALIDATED: usize = 512;
/// [`EndpointConfig::max_connections_per_address`] by default.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 1024;

/// Identifies a connection of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionHandle(pub usize);

/// Lets the layer above know which connection the endpoint is working on, so that what
/// runs inside (TLS callbacks: certificate verification, session storage, key logging) can
/// be attributed to that connection.
pub trait ConnectionScope: Send + Sync {
    /// Runs `work`, which processes the connection `handle`.
    fn enter(&self, handle: ConnectionHandle, work: &mut dyn FnMut());
}

/// Runs `work` for the connection `handle` inside `scope`, if there is one.
fn scoped(
    scope: Option<&Arc<dyn ConnectionScope>>,
    handle: ConnectionHandle,
    work: &mut dyn FnMut(),
) {
    match scope {
        Some(scope) => scope.enter(handle, work),
        None => work(),
    }
}

/// Settings of an endpoint.
#[derive(Clone)]
pub struct EndpointConfig {
    /// Settings for every connection.
    pub connection: ConnectionConfig,
    /// TLS settings for server connections (fixed, or chosen per ClientHello); `None` for a
    /// client-only endpoint.
    pub server_tls: Option<ServerTls>,
    /// Ask every new client to prove its address with a Retry round trip first.
    pub retry: bool,
    /// How long a Retry token stays valid.
    pub retry_token_lifetime: Duration,
    /// Give each client a NEW_TOKEN token valid this long, for its next connection to
    /// skip the Retry round trip (RFC 9000 §8.1.3); `None`: give none (and accept none).
    pub new_token_lifetime: Option<Duration>,
    /// Answer packets for unknown connections with stateless resets.
    pub stateless_reset: bool,
    /// Server connections alive at once; a client beyond it is refused with
    /// CONNECTION_REFUSED.
    pub max_connections: usize,
    /// Server connections whose client has not proven its address yet, at once; beyond it
    /// new clients are asked for a Retry round trip first even when `retry` is off, so a
    /// flood of Initials from spoofed addresses makes no more half-open connections.
    pub max_unvalidated: usize,
    /// Server connections alive at once from one IP address; a client beyond it is refused
    /// with CONNECTION_REFUSED.
    pub max_connections_per_address: usize,
}

impl std::fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointConfig")
            .field("connection", &self.connection)
            .field("server", &self.server_tls.is_some())
            .field("retry", &self.retry)
            .field("stateless_reset", &self.stateless_reset)
            .field("max_connections", &self.max_connections)
            .field("max_unvalidated", &self.max_unvalidated)
            .field(
                "max_connections_per_address",
                &self.max_connections_per_address,
            )
            .finish()
    }
}

impl EndpointConfig {
    /// A client-only endpoint with default connection settings.
    pub fn client() -> Self {
        EndpointConfig {
            connection: ConnectionConfig::default(),
            server_tls: None,
            retry: false,
            retry_token_lifetime: Duration::from_secs(10),
            new_token_lifetime: Some(DEFAULT_NEW_TOKEN_LIFETIME),
            stateless_reset: true,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_unvalidated: DEFAULT_MAX_UNVALIDATED,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        }
    }

    /// An endpoint that also accepts connections, with default connection settings.
    pub fn server(tls: impl Into<ServerTls>) -> Self {
        EndpointConfig {
            server_tls: Some(tls.into()),
            ..Self::client()
        }
    }
}

/// What a client connection needs to be restarted after Version Negotiation.
struct ClientSetup {
    tls: Arc<rustls::ClientConfig>,
    server_name: ServerName<'static>,
}

/// Entries an endpoint holds, by structure (from [`Endpoint::resources`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointResources {
    /// Live connections.
    pub connections: usize,
    /// Server connections made and not yet accepted.
    pub unaccepted: usize,
    /// Open server connections whose client has not proven its address yet.
    pub unvalidated: usize,
    /// Client IP addresses with server connections (each with its count).
    pub addresses: usize,
    /// Connection IDs routed to connections.
    pub routes: usize,
    /// Datagrams the endpoint itself answers with (Version Negotiation, Retry, stateless
    /// resets), waiting to be sent.
    pub queued_answers: usize,
}

/// One socket's connections.
pub struct Endpoint {
    config: EndpointConfig,
    /// Boxed: a connection is several kilobytes, and a map's spare slots would each
    /// cost as much.
    connections: FxHashMap<ConnectionHandle, Box<Connection>>,
    /// The keys of `connections`, sorted: the order connections are served in.
    order: Vec<ConnectionHandle>,
    clients: FxHashMap<ConnectionHandle, ClientSetup>,
    /// Local connection IDs (and clients' first destination IDs) to connections.
    routes: Routes,
    next_handle: usize,
    rng: ChaCha8Rng,
    reset_key: ResetTokenKey,
    /// Seals and opens both kinds of token.
    token_key: RotatingTokenKey,
    /// NEW_TOKEN tokens already presented.
    used_tokens: UsedTokens,
    epoch: Instant,
    /// Datagrams the endpoint itself answers with (Version Negotiation, Retry, resets).
    responses: VecDeque<(SocketAddr, Vec<u8>)>,
    /// New server connections not yet accepted.
    incoming: VecDeque<ConnectionHandle>,
    /// Server connections by the client's IP address when they were made, and how many
    /// there are per address.
    server_conns: FxHashMap<ConnectionHandle, IpAddr>,
    per_address: HashMap<IpAddr, usize>,
    /// Open server connections whose client has not proven its address yet.
    unvalidated: FxHashSet<ConnectionHandle>,
    /// The route each server connection has besides its own IDs: the destination ID of the
    /// client's first Initial.
    extra_routes: FxHashMap<ConnectionHandle, ConnectionId>,
    /// Which connections need attention: deadlines, sending, changes.
    schedule: Schedule,
    /// The connection settings new connections share (`config.connection`), made on first
    /// use after a change.
    shared_config: Option<Arc<ConnectionConfig>>,
    /// Told which connection is being processed.
    scope: Option<Arc<dyn ConnectionScope>>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("connections", &self.connections.len())
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint whose randomness comes from `seed` (256 bits from the system's secure
    /// random source in real use; a number for a reproducible test), created at `now`. The
    /// connections it starts get seeds of 256 bits from it.
    pub fn new(config: EndpointConfig, now: Instant, seed: impl Into<crate::Seed>) -> Self {
        let mut rng = seed.into().rng();
        let reset_key = random_reset_key(&mut rng);
        let token_key = RotatingTokenKey::new(
            &mut rng,
            Duration::ZERO,
            TOKEN_KEY_PERIOD
                .max(config.retry_token_lifetime)
                .max(config.new_token_lifetime.unwrap_or_default()),
            TOKEN_KEY_MAX_SEALS,
        );
        Endpoint {
            config,
            connections: FxHashMap::default(),
            order: Vec::new(),
            clients: FxHashMap::default(),
            routes: Routes::default(),
            next_handle: 0,
            rng,
            reset_key,
            token_key,
            used_tokens: UsedTokens::default(),
            epoch: now,
            responses: VecDeque::new(),
            incoming: VecDeque::new(),
            server_conns: FxHashMap::default(),
            per_address: HashMap::new(),
            unvalidated: FxHashSet::default(),
            extra_routes: FxHashMap::default(),
            schedule: Schedule::default(),
            shared_config: None,
            scope: None,
        }
    }

    /// Queues one of the endpoint's own answers, unless [`MAX_QUEUED_ANSWERS`] wait already.
    fn answer(&mut self, to: SocketAddr, datagram: Vec<u8>) {
        if self.responses.len() < MAX_QUEUED_ANSWERS {
            self.responses.push_back((to, datagram));
        }
    }

    /// Sets what is told which connection the endpoint processes (see [`ConnectionScope`]).
    pub fn set_connection_scope(&mut self, scope: Option<Arc<dyn ConnectionScope>>) {
        self.scope = scope;
    }

    /// Lets the connection `handle` handle a datagram, in its scope.
    fn deliver(
        &mut self,
        now: Instant,
        handle: ConnectionHandle,
        info: DatagramInfo,
        datagram: &mut [u8],
    ) {
        if let Some(conn) = self.connections.get_mut(&handle) {
            scoped(self.scope.as_ref(), handle, &mut || {
                conn.handle_datagram_with(now, info, datagram);
            });
        }
    }

    fn add(&mut self, conn: Connection, extra_route: Option<ConnectionId>) -> ConnectionHandle {
        let handle = ConnectionHandle(self.next_handle);
        self.next_handle += 1;
        for cid in conn.local_cids() {
            self.routes.insert(*cid, handle);
        }
        if let Some(cid) = extra_route {
            self.routes.insert(cid, handle);
            self.extra_routes.insert(handle, cid);
        }
        self.connections.insert(handle, Box::new(conn));
        // Handles only grow, so pushing keeps `order` sorted.
        self.order.push(handle);
        self.schedule.moved(handle);
        handle
    }

    /// Starts a client connection to `remote`.
    pub fn connect(
        &mut self,
        now: Instant,
        tls: Arc<rustls::ClientConfig>,
        server_name: ServerName<'static>,
        remote: SocketAddr,
    ) -> Result<ConnectionHandle, TransportError> {
        let seed = crate::Seed::draw(&mut self.rng);
        let conn = Connection::connect(
            self.new_connection_config(),
            tls.clone(),
            server_name.clone(),
            remote,
            now,
            seed,
        )?;
        let handle = self.add(conn, None);
        self.clients
            .insert(handle, ClientSetup { tls, server_name });
        Ok(handle)
    }

    /// The settings connections created from now on get.
    pub fn connection_config(&self) -> &ConnectionConfig {
        &self.config.connection
    }

    /// Changes the settings connections created from now on get.
    pub fn connection_config_mut(&mut self) -> &mut ConnectionConfig {
        self.shared_config = None;
        &mut self.config.connection
    }

    /// The settings for a new connection, shared with the others made since the last change.
    fn new_connection_config(&mut self) -> Arc<ConnectionConfig> {
        let config = &self.config.connection;
        self.shared_config
            .get_or_insert_with(|| Arc::new(config.clone()))
            .clone()
    }

    /// A connection, if it still exists (its deadline and what it has to send are looked at
    /// again after the caller is done with it).
    pub fn connection(&mut self, handle: ConnectionHandle) -> Option<&mut Connection> {
        let conn = self.connections.get_mut(&handle)?;
        self.schedule.touch(handle);
        Some(conn)
    }

    /// The connections the network or time moved on (a datagram, a timer, a transmit, or
    /// being created) since the last call, each once: besides what the caller did through
    /// [`Self::connection`], the only ones whose events, streams or state can have changed.
    pub fn take_changed(&mut self) -> Vec<ConnectionHandle> {
        self.schedule.take_changed()
    }

    /// A connection, read-only.
    pub fn get(&self, handle: ConnectionHandle) -> Option<&Connection> {
        self.connections.get(&handle).map(|c| &**c)
    }

    /// Whether the endpoint takes connections from clients (it has a server configuration).
    pub fn accepts_connections(&self) -> bool {
        self.config.server_tls.is_some()
    }

    /// The next server connection created by a client, if any.
    pub fn accept(&mut self) -> Option<ConnectionHandle> {
        self.incoming.pop_front()
    }

    /// What the endpoint holds, counted by structure (each connection's own report is
    /// [`Connection::resources`]).
    pub fn resources(&self) -> EndpointResources {
        EndpointResources {
            connections: self.connections.len(),
            unaccepted: self.incoming.len(),
            unvalidated: self.unvalidated.len(),
            addresses: self.per_address.len(),
            routes: self.routes.len(),
            queued_answers: self.responses.len(),
        }
    }

    /// The handles of every live connection.
    pub fn handles(&self) -> Vec<ConnectionHandle> {
        self.order.clone()
    }

    /// Handles a datagram from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) {
        self.handle_datagram_with(now, DatagramInfo::from(from), datagram);
    }

    /// Handles a datagram with what the socket reported about it (local address, ECN).
    pub fn handle_datagram_with(&mut self, now: Instant, info: DatagramInfo, datagram: &mut [u8]) {
        let from = info.from;
        let cid_len = self.config.connection.cid_len;
        let Ok((header, _)) = ParsedHeader::parse(datagram, cid_len) else {
            return;
        };
        let dcid = match &header {
            ParsedHeader::Protected(h) => Some(h.dcid),
            ParsedHeader::Retry { dcid, .. } => Some(*dcid),
            ParsedHeader::VersionNegotiation { dcid, .. } => {
                ConnectionId::new(&datagram[dcid.clone()])
            }
            ParsedHeader::UnsupportedVersion { .. } => None,
        };
        if let Some(handle) = dcid.and_then(|d| self.routes.route(&d)) {
            self.deliver(now, handle, info, datagram);
            self.after_receive(now, handle);
            return;
        }
        match header {
            ParsedHeader::UnsupportedVersion { dcid, scid, .. }
                if datagram.len() >= MIN_INITIAL_SIZE && self.config.server_tls.is_some() =>
            {
                self.send_version_negotiation(from, &datagram[dcid], &datagram[scid]);
            }
            ParsedHeader::Protected(h)
                if h.kind == PacketKind::Initial
                    && datagram.len() >= MIN_INITIAL_SIZE
                    && self.config.server_tls.is_some()
                    && h.version
                        .is_some_and(|v| !self.config.connection.versions.contains(&v)) =>
            {
                // A version this server was told not to speak: as if unknown.
                let (dcid, scid) = (h.dcid, h.scid);
                self.send_version_negotiation(from, &dcid, &scid);
            }
            ParsedHeader::Protected(h)
                if h.kind == PacketKind::Initial && datagram.len() >= MIN_INITIAL_SIZE =>
            {
                self.on_new_initial(now, info, &h, datagram);
            }
            ParsedHeader::Protected(h) if h.kind == PacketKind::OneRtt => {
                // A stateless reset carries a random destination ID: let the connections with
                // this peer check it against their reset tokens before answering in kind.
                let peers: Vec<ConnectionHandle> = self
                    .connections
                    .iter()
                    .filter(|(_, c)| c.remote() == from)
                    .map(|(h, _)| *h)
                    .collect();
                for handle in &peers {
                    if let Some(conn) = self.connections.get_mut(handle) {
                        conn.handle_unrouted(now, from, datagram);
                    }
                    self.after_activity(now, *handle);
                }
                if peers.is_empty() {
                    self.send_stateless_reset(from, &h.dcid, datagram.len());
                }
            }
            _ => {}
        }
    }

    fn on_new_initial(
        &mut self,
        now: Instant,
        info: DatagramInfo,
        h: &crate::packet::header::ProtectedHeader,
        datagram: &mut [u8],
    ) {
        let from = info.from;
        let Some(tls) = self.config.server_tls.clone() else {
            return;
        };
        let Some(version) = h.version else {
            return;
        };
        if !client_initial_opens(version, h, datagram) {
            // Junk shaped like an Initial: nothing is made or sent for it.
            return;
        }
        let mut incoming = Incoming {
            remote: from,
            version,
            dcid: h.dcid,
            scid: h.scid,
            original_dcid: h.dcid,
            retry_scid: None,
            address_validated: false,
        };
        // Retry when configured, or when too many clients have not proven their address; a
        // token from an earlier Retry or a NEW_TOKEN frame is honoured either way.
        let require = self.config.retry || self.unvalidated.len() >= self.config.max_unvalidated;
        let token = &datagram[h.token.clone()];
        if !token.is_empty() {
            self.check_token(now, from, h.dcid, token, &mut incoming);
        }
        if require && !incoming.address_validated {
            // No token (or a bad, old or used one): ask for address validation. A token
            // that is not ours is otherwise ignored (RFC 9000 §8.1.3).
            self.send_retry(now, from, h, version);
            return;
        }
        if self.incoming.len() >= MAX_INCOMING {
            // No connection is made before some are accepted; the client tries again.
            return;
        }
        let ip = from.ip();
        if self.server_conns.len() >= self.config.max_connections
            || self.per_address.get(&ip).copied().unwrap_or(0)
                >= self.config.max_connections_per_address
        {
            self.refuse(from, h, version);
            return;
        }
        let seed = crate::Seed::draw(&mut self.rng);
        let Ok(conn) = Connection::accept(
            self.new_connection_config(),
            tls,
            incoming,
            self.reset_key.clone(),
            now,
            seed,
        ) else {
            return;
        };
        let mut conn = conn;
        if self.config.new_token_lifetime.is_some() {
            let since = now.saturating_duration_since(self.epoch);
            conn.give_new_token(self.token_key.seal_new_token(&mut self.rng, ip, since));
        }
        let validated = conn.is_address_validated();
        let handle = self.add(conn, Some(h.dcid));
        self.incoming.push_back(handle);
        self.server_conns.insert(handle, ip);
        *self.per_address.entry(ip).or_default() += 1;
        if !validated {
            self.unvalidated.insert(handle);
        }
        self.deliver(now, handle, info, datagram);
        self.after_receive(now, handle);
    }

    /// Checks the token of a client's first Initial (to `dcid`, from `from`): a Retry token
    /// for this Initial, or a NEW_TOKEN token for the client's IP address used for the first
    /// time, validates its address.
    fn check_token(
        &mut self,
        now: Instant,
        from: SocketAddr,
        dcid: ConnectionId,
        token: &[u8],
        incoming: &mut Incoming,
    ) {
        let since = now.saturating_duration_since(self.epoch);
        let retry =
            self.token_key
                .open_retry(&from, token, since, self.config.retry_token_lifetime);
        if let Ok(RetryTokenContents {
            original_dcid,
            retry_scid,
        }) = retry
            && retry_scid == dcid
        {
            incoming.original_dcid = original_dcid;
            incoming.retry_scid = Some(retry_scid);
            incoming.address_validated = true;
            return;
        }
        let Some(lifetime) = self.config.new_token_lifetime else {
            return;
        };
        if let Ok(id) = self
            .token_key
            .open_new_token(from.ip(), token, since, lifetime)
        {
            incoming.address_validated = self.used_tokens.first_use(id, since + lifetime, since);
        }
    }

    /// Closes a connection attempt with CONNECTION_REFUSED, keeping no state for it.
    fn refuse(
        &mut self,
        to: SocketAddr,
        h: &crate::packet::header::ProtectedHeader,
        version: Version,
    ) {
        let scid = ConnectionId::random(&mut self.rng, self.config.connection.cid_len);
        if let Some(datagram) = write_refusal(version, &h.dcid, &h.scid, &scid, b"server busy") {
            self.answer(to, datagram);
        }
    }

    fn send_version_negotiation(&mut self, to: SocketAddr, dcid: &[u8], scid: &[u8]) {
        // The versions this server speaks, and a reserved one that exercises the client's
        // version negotiation.
        let grease = (self.rng.next_u32() & 0xf0f0_f0f0) | 0x0a0a_0a0a;
        let versions: Vec<u32> = (self.config.connection.versions.iter().map(|v| v.wire()))
            .chain([grease])
            .collect();
        let mut buf = vec![0u8; 1 + 4 + 2 + dcid.len() + scid.len() + 4 * versions.len()];
        let unused = (self.rng.next_u32() & 0x7f) as u8;
        let mut w = Writer::new(&mut buf);
        if write_version_negotiation(&mut w, dcid, scid, &versions, unused).is_ok() {
            let len = w.position();
            buf.truncate(len);
            self.answer(to, buf);
        }
    }

    fn send_retry(
        &mut self,
        now: Instant,
        to: SocketAddr,
        h: &crate::packet::header::ProtectedHeader,
        version: Version,
    ) {
        let len = self.config.connection.cid_len.clamp(8, 20);
        let retry_scid = ConnectionId::random(&mut self.rng, len);
        let token = self.token_key.seal_retry(
            &mut self.rng,
            &to,
            &RetryTokenContents {
                original_dcid: h.dcid,
                retry_scid,
            },
            now.saturating_duration_since(self.epoch),
        );
        let mut buf = vec![0u8; 1 + 4 + 2 + 40 + token.len() + 16];
        let unused = (self.rng.next_u32() & 0x0f) as u8;
        let mut w = Writer::new(&mut buf);
        if write_retry(
            &mut w,
            version,
            &h.scid,
            &retry_scid,
            &token,
            &h.dcid,
            unused,
        )
        .is_ok()
        {
            let len = w.position();
            buf.truncate(len);
            self.answer(to, buf);
        }
    }

    fn send_stateless_reset(&mut self, to: SocketAddr, dcid: &ConnectionId, received: usize) {
        // Never answer something that could itself be a reset of ours with one as large: the
        // answer is smaller than what arrived, so two endpoints cannot loop.
        if !self.config.stateless_reset || received <= MIN_RESET_LEN {
            return;
        }
        // MIN_RESET_LEN < 43, so the clamp bounds are ordered.
        let len = (received - 1).clamp(MIN_RESET_LEN, 43);
        let mut random = [0u8; 43 - crate::crypto::RESET_TOKEN_LEN];
        let random = &mut random[..len - crate::crypto::RESET_TOKEN_LEN];
        self.rng.fill_bytes(random);
        let token = self.reset_key.token(dcid);
        let mut buf = vec![0u8; len];
        if let Ok(n) = write_stateless_reset(&mut buf, &token, random) {
            buf.truncate(n);
            self.answer(to, buf);
        }
    }

    /// After a connection handled a datagram (the only time its local IDs change): keeps the
    /// routing table in step with its IDs, then does what [`Self::after_activity`] does.
    fn after_receive(&mut self, now: Instant, handle: ConnectionHandle) {
        if let Some(conn) = self.connections.get_mut(&handle) {
            for cid in conn.take_retired_cids() {
                self.routes.remove_to(&cid, handle);
            }
            if conn.take_cids_issued() {
                for cid in conn.local_cids() {
                    self.routes.insert_new(*cid, handle);
                }
            }
        }
        self.after_activity(now, handle);
    }

    /// Notes that the connection moved on, for the schedule, and restarts a client connection
    /// closed by Version Negotiation.
    fn after_activity(&mut self, now: Instant, handle: ConnectionHandle) {
        self.schedule.moved(handle);
        let Some(conn) = self.connections.get(&handle) else {
            return;
        };
        if conn.is_address_validated() || conn.is_closed() {
            self.unvalidated.remove(&handle);
        }
        if !conn.is_closed() {
            return;
        }
        // A client turned away by Version Negotiation starts again with a common version.
        if let (Some(version), Some(setup)) =
            (conn.version_negotiation_offer(), self.clients.get(&handle))
        {
            let config = ConnectionConfig {
                version,
                ..self.config.connection.clone()
            };
            let remote = conn.remote();
            let seed = crate::Seed::draw(&mut self.rng);
            let mut fresh = None;
            scoped(self.scope.as_ref(), handle, &mut || {
                fresh = Some(Connection::connect(
                    config.clone(),
                    setup.tls.clone(),
                    setup.server_name.clone(),
                    remote,
                    now,
                    seed,
                ));
            });
            if let Some(Ok(mut fresh)) = fresh {
                fresh.after_version_negotiation();
                self.routes.remove_all_to(handle);
                for cid in fresh.local_cids() {
                    self.routes.insert(*cid, handle);
                }
                self.connections.insert(handle, Box::new(fresh));
            }
        }
    }

    /// Removes a closed connection whose events have been collected.
    pub fn remove(&mut self, handle: ConnectionHandle) -> Option<Connection> {
        self.unvalidated.remove(&handle);
        // Its routes: its own IDs and the extra one (retired IDs left the routes already).
        let own: Vec<ConnectionId> = self
            .connections
            .get(&handle)
            .map(|c| c.local_cids().copied().collect())
            .unwrap_or_default();
        for cid in own.iter().chain(self.extra_routes.remove(&handle).iter()) {
            self.routes.remove_to(cid, handle);
        }
        if let Some(ip) = self.server_conns.remove(&handle)
            && let Some(n) = self.per_address.get_mut(&ip)
        {
            *n -= 1;
            if *n == 0 {
                self.per_address.remove(&ip);
            }
        }
        self.clients.remove(&handle);
        self.schedule.remove(handle);
        if let Ok(i) = self.order.binary_search(&handle) {
            self.order.remove(i);
        }
        self.connections.remove(&handle).map(|c| *c)
    }

    /// The next datagram to send: endpoint answers first, then each connection in turn.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        self.poll_transmit_batch(now, buf, 1)
    }

    /// Up to `max_datagrams` datagrams for one system call, from one connection (see
    /// [`Connection::poll_transmit_batch`]); endpoint answers go out one at a time first.
    pub fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        max_datagrams: usize,
    ) -> Option<Transmit> {
        if let Some((to, data)) = self.responses.pop_front() {
            let len = data.len().min(buf.len());
            buf[..len].copy_from_slice(&data[..len]);
            return Some(Transmit {
                destination: to,
                len,
                segment_size: len,
                source: None,
                ecn: None,
            });
        }
        // Only connections touched since they last had nothing to send can have something.
        self.schedule.settle(&self.connections);
        while let Some(handle) = self.schedule.next_sender() {
            let Some(conn) = self.connections.get_mut(&handle) else {
                continue;
            };
            if let Some(t) = conn.poll_transmit_batch(now, buf, max_datagrams) {
                self.schedule.sent(handle);
                self.after_activity(now, handle);
                return Some(t);
            }
            self.schedule.refile(handle, conn.poll_timeout());
        }
        None
    }

    /// The earliest deadline over all connections.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.schedule.next_deadline(&self.connections)
    }

    /// Handles every connection deadline that has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.schedule.settle(&self.connections);
        for handle in self.schedule.due(now) {
            let deadline = self.connections.get(&handle).and_then(|c| c.poll_timeout());
            if deadline.is_some_and(|t| t <= now) {
                if let Some(conn) = self.connections.get_mut(&handle) {
                    scoped(self.scope.as_ref(), handle, &mut || {
                        conn.handle_timeout(now)
                    });
                }
                self.after_activity(now, handle);
            } else {
                // Filed before its deadline moved on: filed again, not handled.
                self.schedule.refile(handle, deadline);
            }
        }
    }
}
