//! The connection engine end to end, in memory, next to quinn-proto in the same run.
//!
//! Each engine runs a client and a server in this one thread; every datagram goes straight
//! from one side's `poll_transmit` to the other side's receive call: no sockets, no loss, no
//! delay. Time is `Instant::now()` plus the idle time skipped so far: when neither side has
//! anything to send, the clock jumps to the earliest timer instead of sleeping, so the figures
//! measure the engines' work, not their timers.
//!
//! - bulk: the client opens a bidirectional stream and sends `GET n`; the server answers with
//!   n bytes (64 MiB, or `QSSL_BENCH_BYTES`, e.g. `QSSL_BENCH_BYTES=8M`) and finishes; the
//!   client reads them all. Reported: stream payload throughput over wall time (MB/s, 10^6
//!   bytes) and the thread's CPU time (`/proc/thread-self/schedstat`) per GiB, the median of 9 runs
//!   per engine, the engines taking turns.
//! - handshake: one full TLS 1.3 handshake (no resumption) from `connect` until both sides
//!   have finished it and nothing is left to send, as a criterion benchmark; the ratio uses the
//!   median of criterion's per-sample means.
//!
//! Both engines get the same rustls configurations (an rcgen ECDSA P-256 certificate, the ring
//! provider, TLS 1.3), 1452-byte datagrams from the start, CUBIC, and the same fixed receive
//! windows (16 MiB per connection, 2 MiB per stream); quinn-proto gives one datagram per
//! `poll_transmit` (no GSO batches) like qssl. Each side sends at most 32 datagrams in a turn
//! before the other answers. qssl's connections are driven directly (the server one made from
//! the client's first Initial); quinn-proto's through its `Endpoint`, which it requires.
//!
//! Run with `cargo bench -p qssl-quic --bench engine`. As a test (`cargo test --bench engine`)
//! the transfer is 256 KiB, run once, and criterion runs each benchmark once.
// A report binary: its figures are printed to standard output.
#![allow(clippy::print_stdout)]

use qssl_tests::bench;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::Criterion;
use qssl_quic::conn::{Connection, ConnectionConfig, Incoming, StreamError};
use qssl_quic::crypto::ResetTokenKey;
use qssl_quic::packet::PacketKind;
use qssl_quic::packet::header::ParsedHeader;
use qssl_quic::{Dir, StreamId};
use quinn_proto::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use quinn_proto::{ConnectionHandle, DatagramEvent, Endpoint, EndpointConfig, VarInt};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 50000);
const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 443);
const ALPN: &[u8] = b"hq-interop";
/// Datagram size for both engines.
const MTU: u16 = 1452;
/// Receive windows for both engines, fixed at these sizes.
const CONN_WINDOW: u64 = 1 << 24;
const STREAM_WINDOW: u64 = 1 << 21;
/// Transfer size by default, and as a test.
const BENCH_BYTES: u64 = 64 << 20;
const TEST_BYTES: u64 = 256 << 10;
/// Datagrams one side sends in a turn before the other side gets to answer: a
/// `recvmmsg`-sized batch, so that acknowledgments flow back during the transfer as they
/// would over a network instead of once per congestion window.
const BATCH: u64 = 32;
/// Bulk runs per engine when benchmarking.
const RUNS: usize = 9;
/// Largest write the server application makes at once, and read buffer of the client.
const CHUNK: usize = 64 << 10;
/// A drive fails after skipping this much idle time (the engines were waiting on timers
/// instead of moving data), or after this much wall time.
const MAX_IDLE_SKIPPED: Duration = Duration::from_secs(10);
const MAX_WALL: Duration = Duration::from_secs(600);

/// `Instant::now()` plus the idle time skipped so far.
#[derive(Default)]
struct Clock {
    skipped: Duration,
    timers: u64,
}

impl Clock {
    fn now(&self) -> Instant {
        Instant::now() + self.skipped
    }

    /// Jumps to `t` if it is still ahead.
    fn advance_to(&mut self, t: Instant) {
        let now = self.now();
        if t > now {
            self.skipped += t - now;
        }
        self.timers += 1;
    }
}

/// The server side of the request/response exchange, common to both engines.
struct ServerApp<S> {
    stream: Option<S>,
    request: Vec<u8>,
    /// The response size, once the whole request arrived.
    answer: Option<u64>,
    written: u64,
    finished: bool,
}

/// The client side of the request/response exchange.
struct ClientApp<S> {
    stream: Option<S>,
    received: u64,
    fin: bool,
}

impl<S> ServerApp<S> {
    fn new() -> Self {
        ServerApp {
            stream: None,
            request: Vec::new(),
            answer: None,
            written: 0,
            finished: false,
        }
    }
}

impl<S> ClientApp<S> {
    fn new() -> Self {
        ClientApp {
            stream: None,
            received: 0,
            fin: false,
        }
    }
}

/// The response size a request asks for.
fn parse_request(request: &[u8]) -> u64 {
    std::str::from_utf8(request)
        .ok()
        .and_then(|r| r.trim().strip_prefix("GET "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad request {:?}", String::from_utf8_lossy(request)))
}

/// A client and a server of one engine joined in memory.
trait Pair {
    /// Gives each side a turn: moves up to `BATCH` datagrams it has to send now to the other
    /// side; false if neither had any.
    fn exchange(&mut self, now: Instant) -> bool;
    /// The earliest timer of either side.
    fn next_timeout(&mut self) -> Option<Instant>;
    /// Fires the timers due at `now`.
    fn fire_timers(&mut self, now: Instant);
    /// Both sides have finished the handshake.
    fn established(&self) -> bool;
    /// Why a side closed, if one did.
    fn failure(&self) -> Option<String>;
    /// Moves the request/response exchange forward; true once the client read the whole
    /// response (`total` bytes) and its end.
    fn app(&mut self, total: u64) -> bool;
    /// Datagrams moved so far: client to server, server to client.
    fn datagrams(&self) -> [u64; 2];
}

/// Runs `pair` until `done`: moves datagrams while there are any, else jumps to the next
/// timer. Panics, saying why, if the engines stall or a side closes.
fn drive<P: Pair>(
    pair: &mut P,
    clock: &mut Clock,
    what: &str,
    mut done: impl FnMut(&mut P) -> bool,
) {
    let start = Instant::now();
    let skipped_before = clock.skipped;
    loop {
        if let Some(why) = pair.failure() {
            panic!("{what}: a side closed the connection: {why}");
        }
        if done(pair) {
            return;
        }
        let now = clock.now();
        if pair.exchange(now) {
            if start.elapsed() > MAX_WALL {
                panic!(
                    "{what}: no completion after {MAX_WALL:?} of datagrams going back and forth"
                );
            }
            continue;
        }
        let Some(t) = pair.next_timeout() else {
            panic!("{what}: stalled: nothing to send and no timer armed on either side");
        };
        clock.advance_to(t);
        if clock.skipped - skipped_before > MAX_IDLE_SKIPPED {
            panic!(
                "{what}: stalled: waited {:?} on timers ({} timer jumps) without finishing",
                clock.skipped - skipped_before,
                clock.timers
            );
        }
        pair.fire_timers(clock.now());
    }
}

/// Runs a fresh pair through its handshake, then delivers whatever is due (the server's
/// HANDSHAKE_DONE among it) until both sides are quiet.
fn handshake<P: Pair>(pair: &mut P, clock: &mut Clock, what: &str) {
    drive(pair, clock, what, |p| p.established());
    let mut turns = 0;
    while pair.exchange(clock.now()) {
        turns += 1;
        assert!(
            turns < 100,
            "{what}: datagrams still flowing {turns} turns after the handshake"
        );
    }
}

// ---------------------------------------------------------------------------------------
// TLS

/// Client and server TLS configurations shared by both engines: a self-signed ECDSA P-256
/// certificate for "localhost", ring, TLS 1.3 only, ALPN set, resumption off so that every
/// handshake is a full one.
fn tls_configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("rcgen");
    let cert_der = CertificateDer::from(cert.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der.clone()).expect("root certificate");
    let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![ALPN.to_vec()];
    client.resumption = rustls::client::Resumption::disabled();
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key)
        .expect("server certificate");
    server.alpn_protocols = vec![ALPN.to_vec()];
    server.send_tls13_tickets = 0;
    (Arc::new(client), Arc::new(server))
}

// ---------------------------------------------------------------------------------------
// qssl

/// What qssl connections are made from.
struct QsslSetup {
    config: ConnectionConfig,
    client_tls: Arc<rustls::ClientConfig>,
    server_tls: Arc<rustls::ServerConfig>,
}

impl QsslSetup {
    fn new(client_tls: Arc<rustls::ClientConfig>, server_tls: Arc<rustls::ServerConfig>) -> Self {
        let config = ConnectionConfig {
            max_udp_payload_size: MTU,
            initial_max_data: CONN_WINDOW,
            max_data_window: CONN_WINDOW,
            initial_max_stream_data: STREAM_WINDOW,
            max_stream_data_window: STREAM_WINDOW,
            ..ConnectionConfig::default()
        };
        QsslSetup {
            config,
            client_tls,
            server_tls,
        }
    }
}

struct QsslPair<'a> {
    setup: &'a QsslSetup,
    client: Connection,
    /// Created by the client's first Initial.
    server: Option<Connection>,
    buf: Vec<u8>,
    read_buf: Vec<u8>,
    data: &'a [u8],
    client_app: ClientApp<StreamId>,
    server_app: ServerApp<StreamId>,
    datagrams: [u64; 2],
}

impl<'a> QsslPair<'a> {
    fn new(setup: &'a QsslSetup, data: &'a [u8], now: Instant, seed: u64) -> Self {
        let client = Connection::connect(
            setup.config.clone(),
            setup.client_tls.clone(),
            "localhost".try_into().expect("server name"),
            SERVER,
            now,
            seed,
        )
        .expect("qssl connect");
        QsslPair {
            setup,
            client,
            server: None,
            buf: vec![0; 2048],
            read_buf: vec![0; CHUNK],
            data,
            client_app: ClientApp::new(),
            server_app: ServerApp::new(),
            datagrams: [0; 2],
        }
    }
}

impl Pair for QsslPair<'_> {
    fn exchange(&mut self, now: Instant) -> bool {
        let start = self.datagrams;
        while self.datagrams[0] - start[0] < BATCH
            && let Some(t) = self.client.poll_transmit(now, &mut self.buf)
        {
            self.datagrams[0] += 1;
            let datagram = &mut self.buf[..t.len];
            let server = match &mut self.server {
                Some(server) => server,
                None => {
                    // The first Initial creates the server connection (an endpoint's job).
                    let Ok((ParsedHeader::Protected(h), _)) = ParsedHeader::parse(datagram, 8)
                    else {
                        panic!("qssl: the client's first datagram does not parse");
                    };
                    assert_eq!(h.kind, PacketKind::Initial, "qssl: client's first packet");
                    let incoming = Incoming {
                        remote: CLIENT,
                        version: h.version.expect("a long header has a version"),
                        dcid: h.dcid,
                        scid: h.scid,
                        original_dcid: h.dcid,
                        retry_scid: None,
                        address_validated: false,
                    };
                    let server = Connection::accept(
                        self.setup.config.clone(),
                        self.setup.server_tls.clone(),
                        incoming,
                        ResetTokenKey::new(&[7; 32]),
                        now,
                        7,
                    )
                    .expect("qssl accept");
                    self.server.insert(server)
                }
            };
            server.handle_datagram(now, CLIENT, datagram);
        }
        if let Some(server) = &mut self.server {
            while self.datagrams[1] - start[1] < BATCH
                && let Some(t) = server.poll_transmit(now, &mut self.buf)
            {
                self.datagrams[1] += 1;
                self.client
                    .handle_datagram(now, SERVER, &mut self.buf[..t.len]);
            }
            // Events are not needed: the application polls its streams.
            while server.poll_event().is_some() {}
        }
        while self.client.poll_event().is_some() {}
        self.datagrams != start
    }

    fn next_timeout(&mut self) -> Option<Instant> {
        let server = self.server.as_ref().and_then(|s| s.poll_timeout());
        [self.client.poll_timeout(), server]
            .into_iter()
            .flatten()
            .min()
    }

    fn fire_timers(&mut self, now: Instant) {
        for conn in std::iter::once(&mut self.client).chain(self.server.as_mut()) {
            if conn.poll_timeout().is_some_and(|t| t <= now) {
                conn.handle_timeout(now);
            }
        }
    }

    fn established(&self) -> bool {
        self.client.is_handshake_confirmed()
            && self
                .server
                .as_ref()
                .is_some_and(|s| s.is_handshake_confirmed())
    }

    fn failure(&self) -> Option<String> {
        let server = self.server.as_ref().and_then(|s| s.close_info());
        match (self.client.close_info(), server) {
            (Some(info), _) => Some(format!("client: {info:?}")),
            (_, Some(info)) => Some(format!("server: {info:?}")),
            _ => None,
        }
    }

    fn app(&mut self, total: u64) -> bool {
        let client = &mut self.client;
        let capp = &mut self.client_app;
        if capp.stream.is_none() {
            if !client.is_handshake_complete() {
                return false;
            }
            let id = client.open_stream(Dir::Bi).expect("qssl open_stream");
            let request = format!("GET {total}\r\n");
            let n = client
                .stream_write(id, request.as_bytes())
                .expect("qssl write request");
            assert_eq!(n, request.len(), "qssl: short request write");
            client.stream_finish(id).expect("qssl finish request");
            capp.stream = Some(id);
        }
        let Some(server) = &mut self.server else {
            return false;
        };
        let sapp = &mut self.server_app;
        if sapp.stream.is_none() {
            sapp.stream = server.accept_stream(Dir::Bi);
        }
        if let Some(id) = sapp.stream {
            while sapp.answer.is_none() {
                match server.stream_read(id, &mut self.read_buf) {
                    Ok(r) => {
                        sapp.request.extend_from_slice(&self.read_buf[..r.len]);
                        if r.fin {
                            sapp.answer = Some(parse_request(&sapp.request));
                        }
                    }
                    Err(StreamError::WouldBlock) => break,
                    Err(e) => panic!("qssl: server reading the request: {e}"),
                }
            }
            if let Some(answer) = sapp.answer {
                while sapp.written < answer {
                    let left = usize::try_from(answer - sapp.written).unwrap_or(usize::MAX);
                    match server.stream_write(id, &self.data[..left.min(self.data.len())]) {
                        Ok(0) | Err(StreamError::WouldBlock) => break,
                        Ok(n) => sapp.written += n as u64,
                        Err(e) => panic!("qssl: server writing the response: {e}"),
                    }
                }
                if sapp.written == answer && !sapp.finished {
                    server.stream_finish(id).expect("qssl finish response");
                    sapp.finished = true;
                }
            }
        }
        if let Some(id) = capp.stream {
            while !capp.fin {
                match client.stream_read(id, &mut self.read_buf) {
                    Ok(r) => {
                        capp.received += r.len as u64;
                        capp.fin = r.fin;
                    }
                    Err(StreamError::WouldBlock) => break,
                    Err(e) => panic!("qssl: client reading the response: {e}"),
                }
            }
        }
        if capp.fin {
            assert_eq!(capp.received, total, "qssl: response length");
        }
        capp.fin
    }

    fn datagrams(&self) -> [u64; 2] {
        self.datagrams
    }
}

// ---------------------------------------------------------------------------------------
// quinn-proto

/// What quinn-proto endpoints and connections are made from.
struct QuinnSetup {
    endpoint: Arc<EndpointConfig>,
    client: quinn_proto::ClientConfig,
    server: Arc<quinn_proto::ServerConfig>,
}

impl QuinnSetup {
    fn new(client_tls: Arc<rustls::ClientConfig>, server_tls: Arc<rustls::ServerConfig>) -> Self {
        let mut transport = quinn_proto::TransportConfig::default();
        transport
            .initial_mtu(MTU)
            .mtu_discovery_config(None)
            .receive_window(VarInt::from_u64(CONN_WINDOW).expect("window"))
            .stream_receive_window(VarInt::from_u64(STREAM_WINDOW).expect("window"));
        let transport = Arc::new(transport);
        let mut client = quinn_proto::ClientConfig::new(Arc::new(
            QuicClientConfig::try_from(client_tls).expect("quinn client TLS"),
        ));
        client.transport_config(transport.clone());
        let mut server = quinn_proto::ServerConfig::with_crypto(Arc::new(
            QuicServerConfig::try_from(server_tls).expect("quinn server TLS"),
        ));
        server.transport_config(transport);
        // No NEW_TOKEN frames, whichever quinn-proto features the workspace unifies to (qssl
        // sends none).
        let mut tokens = quinn_proto::ValidationTokenConfig::default();
        tokens.sent(0);
        server.validation_token_config(tokens);
        QuinnSetup {
            endpoint: Arc::new(EndpointConfig::default()),
            client,
            server: Arc::new(server),
        }
    }
}

/// One quinn-proto endpoint with its one connection.
struct QuinnSide {
    endpoint: Endpoint,
    conn: Option<(ConnectionHandle, quinn_proto::Connection)>,
    /// Received datagrams are copied here and split off (quinn's own socket layer copies each
    /// received batch into a `BytesMut` too).
    rx: BytesMut,
}

impl QuinnSide {
    fn new(setup: &QuinnSetup, server: bool) -> Self {
        let server_config = server.then(|| setup.server.clone());
        QuinnSide {
            endpoint: Endpoint::new(setup.endpoint.clone(), server_config, false, Some([7; 32])),
            conn: None,
            rx: BytesMut::new(),
        }
    }

    fn conn(&mut self) -> &mut quinn_proto::Connection {
        &mut self.conn.as_mut().expect("quinn connection").1
    }

    /// Hands a datagram to the endpoint and the event it makes to the connection.
    fn receive(&mut self, now: Instant, from: SocketAddr, data: &[u8], scratch: &mut Vec<u8>) {
        // Reclaims the space of earlier datagrams once quinn has dropped them.
        self.rx.reserve(data.len());
        self.rx.extend_from_slice(data);
        let datagram = self.rx.split();
        scratch.clear();
        match self
            .endpoint
            .handle(now, from, None, None, datagram, scratch)
        {
            Some(DatagramEvent::ConnectionEvent(ch, event)) => {
                let (handle, conn) = self.conn.as_mut().expect("quinn connection");
                assert_eq!(ch, *handle, "quinn: datagram for another connection");
                conn.handle_event(event);
            }
            Some(DatagramEvent::NewConnection(incoming)) => {
                assert!(self.conn.is_none(), "quinn: a second connection");
                let accepted = self.endpoint.accept(incoming, now, scratch, None);
                let accepted = accepted.unwrap_or_else(|e| panic!("quinn accept: {:?}", e.cause));
                self.conn = Some(accepted);
            }
            Some(DatagramEvent::Response(t)) => {
                panic!("quinn: unexpected stateless response ({} bytes)", t.size)
            }
            None => {}
        }
    }

    /// Writes the next datagram into `buf`; returns its length.
    fn transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let (ch, conn) = self.conn.as_mut()?;
        while let Some(event) = conn.poll_endpoint_events() {
            if let Some(event) = self.endpoint.handle_event(*ch, event) {
                conn.handle_event(event);
            }
        }
        // Events are not needed: the application polls its streams.
        while conn.poll().is_some() {}
        buf.clear();
        conn.poll_transmit(now, 1, buf).map(|t| t.size)
    }
}

struct QuinnPair<'a> {
    client: QuinnSide,
    server: QuinnSide,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    data: &'a [u8],
    client_app: ClientApp<quinn_proto::StreamId>,
    server_app: ServerApp<quinn_proto::StreamId>,
    datagrams: [u64; 2],
}

impl<'a> QuinnPair<'a> {
    fn new(setup: &QuinnSetup, data: &'a [u8], now: Instant) -> Self {
        let mut client = QuinnSide::new(setup, false);
        let conn = client
            .endpoint
            .connect(now, setup.client.clone(), SERVER, "localhost")
            .expect("quinn connect");
        client.conn = Some(conn);
        QuinnPair {
            client,
            server: QuinnSide::new(setup, true),
            buf: Vec::with_capacity(2048),
            scratch: Vec::with_capacity(2048),
            data,
            client_app: ClientApp::new(),
            server_app: ServerApp::new(),
            datagrams: [0; 2],
        }
    }
}

impl Pair for QuinnPair<'_> {
    fn exchange(&mut self, now: Instant) -> bool {
        let start = self.datagrams;
        while self.datagrams[0] - start[0] < BATCH
            && let Some(len) = self.client.transmit(now, &mut self.buf)
        {
            self.datagrams[0] += 1;
            self.server
                .receive(now, CLIENT, &self.buf[..len], &mut self.scratch);
        }
        while self.datagrams[1] - start[1] < BATCH
            && let Some(len) = self.server.transmit(now, &mut self.buf)
        {
            self.datagrams[1] += 1;
            self.client
                .receive(now, SERVER, &self.buf[..len], &mut self.scratch);
        }
        self.datagrams != start
    }

    fn next_timeout(&mut self) -> Option<Instant> {
        [&mut self.client, &mut self.server]
            .into_iter()
            .filter_map(|side| side.conn.as_mut()?.1.poll_timeout())
            .min()
    }

    fn fire_timers(&mut self, now: Instant) {
        for side in [&mut self.client, &mut self.server] {
            if let Some((_, conn)) = &mut side.conn
                && conn.poll_timeout().is_some_and(|t| t <= now)
            {
                conn.handle_timeout(now);
            }
        }
    }

    fn established(&self) -> bool {
        [&self.client, &self.server]
            .iter()
            .all(|side| side.conn.as_ref().is_some_and(|(_, c)| !c.is_handshaking()))
    }

    fn failure(&self) -> Option<String> {
        [("client", &self.client), ("server", &self.server)]
            .into_iter()
            .find_map(|(name, side)| {
                let (_, conn) = side.conn.as_ref()?;
                conn.is_closed().then(|| format!("{name} closed"))
            })
    }

    fn app(&mut self, total: u64) -> bool {
        use quinn_proto::{ReadError, WriteError};
        let capp = &mut self.client_app;
        if capp.stream.is_none() {
            let client = self.client.conn();
            if client.is_handshaking() {
                return false;
            }
            let id = client
                .streams()
                .open(quinn_proto::Dir::Bi)
                .expect("quinn open");
            let request = format!("GET {total}\r\n");
            let mut send = client.send_stream(id);
            let n = send.write(request.as_bytes()).expect("quinn write request");
            assert_eq!(n, request.len(), "quinn: short request write");
            send.finish().expect("quinn finish request");
            capp.stream = Some(id);
        }
        let Some((_, server)) = &mut self.server.conn else {
            return false;
        };
        let sapp = &mut self.server_app;
        if sapp.stream.is_none() {
            sapp.stream = server.streams().accept(quinn_proto::Dir::Bi);
        }
        if let Some(id) = sapp.stream {
            if sapp.answer.is_none() {
                let mut recv = server.recv_stream(id);
                let mut chunks = recv.read(true).expect("quinn request stream");
                loop {
                    match chunks.next(usize::MAX) {
                        Ok(Some(chunk)) => sapp.request.extend_from_slice(&chunk.bytes),
                        Ok(None) => {
                            sapp.answer = Some(parse_request(&sapp.request));
                            break;
                        }
                        Err(ReadError::Blocked) => break,
                        Err(e) => panic!("quinn: server reading the request: {e}"),
                    }
                }
                let _ = chunks.finalize();
            }
            if let Some(answer) = sapp.answer {
                let mut send = server.send_stream(id);
                while sapp.written < answer {
                    let left = usize::try_from(answer - sapp.written).unwrap_or(usize::MAX);
                    match send.write(&self.data[..left.min(self.data.len())]) {
                        Ok(0) | Err(WriteError::Blocked) => break,
                        Ok(n) => sapp.written += n as u64,
                        Err(e) => panic!("quinn: server writing the response: {e}"),
                    }
                }
                if sapp.written == answer && !sapp.finished {
                    send.finish().expect("quinn finish response");
                    sapp.finished = true;
                }
            }
        }
        if let Some(id) = capp.stream
            && !capp.fin
        {
            let client = self.client.conn();
            let mut recv = client.recv_stream(id);
            let mut chunks = recv.read(true).expect("quinn response stream");
            loop {
                match chunks.next(usize::MAX) {
                    Ok(Some(chunk)) => capp.received += chunk.bytes.len() as u64,
                    Ok(None) => {
                        capp.fin = true;
                        break;
                    }
                    Err(ReadError::Blocked) => break,
                    Err(e) => panic!("quinn: client reading the response: {e}"),
                }
            }
            let _ = chunks.finalize();
        }
        if capp.fin {
            assert_eq!(capp.received, total, "quinn: response length");
        }
        capp.fin
    }

    fn datagrams(&self) -> [u64; 2] {
        self.datagrams
    }
}

// ---------------------------------------------------------------------------------------
// Measurements

/// CPU time the calling thread has used so far, which is all a bulk run uses: the first field
/// of Linux's `/proc/thread-self/schedstat`, in nanoseconds.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("/proc/thread-self/schedstat is readable");
    let nanos = stat
        .split_whitespace()
        .next()
        .and_then(|field| field.parse().ok())
        .expect("schedstat starts with the on-CPU time in nanoseconds");
    Duration::from_nanos(nanos)
}

/// One bulk run's figures.
#[derive(Clone, Copy)]
struct Bulk {
    wall: Duration,
    cpu: Duration,
    skipped: Duration,
    timers: u64,
    datagrams: [u64; 2],
}

/// Handshakes, then times the transfer of `total` bytes alone.
fn bulk<P: Pair>(what: &str, total: u64, make: impl FnOnce(Instant) -> P) -> Bulk {
    let mut clock = Clock::default();
    let mut pair = make(clock.now());
    handshake(&mut pair, &mut clock, what);
    let (skipped, timers) = (clock.skipped, clock.timers);
    let datagrams = pair.datagrams();
    let (wall, cpu) = (Instant::now(), cpu_time());
    drive(&mut pair, &mut clock, what, |p| p.app(total));
    Bulk {
        wall: wall.elapsed(),
        cpu: cpu_time() - cpu,
        skipped: clock.skipped - skipped,
        timers: clock.timers - timers,
        datagrams: [0, 1].map(|i| pair.datagrams()[i] - datagrams[i]),
    }
}

/// Median throughput (MB/s) and CPU seconds per GiB over `runs`; prints them.
fn report_bulk(name: &str, total: u64, runs: &[Bulk]) -> (f64, f64) {
    let mbps = bench::median(
        runs.iter()
            .map(|r| total as f64 / 1e6 / r.wall.as_secs_f64())
            .collect(),
    );
    let cpu_gib = bench::median(
        runs.iter()
            .map(|r| r.cpu.as_secs_f64() / (total as f64 / f64::from(1 << 30)))
            .collect(),
    );
    let last = runs[runs.len() - 1];
    println!(
        "bulk {name:5}: {mbps:9.1} MB/s  {cpu_gib:7.3} CPU-s/GiB  (median of {} runs; last run: \
         {:.3} s wall, {:.3} s CPU, datagrams {} to the server and {} back, {} timer jumps \
         skipping {:?})",
        runs.len(),
        last.wall.as_secs_f64(),
        last.cpu.as_secs_f64(),
        last.datagrams[0],
        last.datagrams[1],
        last.timers,
        last.skipped,
    );
    (mbps, cpu_gib)
}

/// Runs a criterion benchmark of `f` and returns the median of its per-sample mean times.
fn bench_handshake(c: &mut Criterion, name: &str, mut f: impl FnMut(u64)) -> Duration {
    let mut samples: Vec<Duration> = Vec::new();
    c.bench_function(&format!("handshake/{name}"), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters {
                f(i);
            }
            let elapsed = start.elapsed();
            samples.push(elapsed.div_f64(iters.max(1) as f64));
            elapsed
        })
    });
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn main() {
    // Listing runs nothing; criterion lists its benchmarks.
    let mode = bench::mode();
    let listing = mode == bench::Mode::List;
    let (total, runs) = match mode {
        bench::Mode::List => (0, 0),
        bench::Mode::Bench => (bench::bench_bytes(BENCH_BYTES), RUNS),
        bench::Mode::Test => (TEST_BYTES, 1),
    };

    let (client_tls, server_tls) = tls_configs();
    let qssl = QsslSetup::new(client_tls.clone(), server_tls.clone());
    let quinn = QuinnSetup::new(client_tls, server_tls);
    let data: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();

    let (mut qssl_runs, mut quinn_runs) = (Vec::new(), Vec::new());
    for run in 0..runs {
        qssl_runs.push(bulk("qssl bulk", total, |now| {
            QsslPair::new(&qssl, &data, now, run as u64)
        }));
        quinn_runs.push(bulk("quinn bulk", total, |now| {
            QuinnPair::new(&quinn, &data, now)
        }));
    }

    let mut c = Criterion::default().configure_from_args();
    let qssl_hs = bench_handshake(&mut c, "qssl", |i| {
        let mut clock = Clock::default();
        let mut pair = QsslPair::new(&qssl, &data, clock.now(), i);
        handshake(&mut pair, &mut clock, "qssl handshake");
        std::hint::black_box(&pair);
    });
    let quinn_hs = bench_handshake(&mut c, "quinn", |_| {
        let mut clock = Clock::default();
        let mut pair = QuinnPair::new(&quinn, &data, clock.now());
        handshake(&mut pair, &mut clock, "quinn handshake");
        std::hint::black_box(&pair);
    });
    c.final_summary();
    if listing {
        return;
    }

    println!("bulk: one stream, {total} bytes from server to client, in memory");
    let (qssl_mbps, qssl_cpu) = report_bulk("qssl", total, &qssl_runs);
    let (quinn_mbps, quinn_cpu) = report_bulk("quinn", total, &quinn_runs);

    // A criterion filter may have skipped a handshake benchmark: its time is then zero.
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("handshake qssl : {:9.1} µs", us(qssl_hs));
    println!("handshake quinn: {:9.1} µs", us(quinn_hs));
    let ratio = |a: f64, b: f64| {
        if a > 0.0 && b > 0.0 {
            format!("{:.2}x", a / b)
        } else {
            "n/a".to_string()
        }
    };
    println!(
        "qssl/quinn: throughput {}, CPU/GiB {}, handshake time {}",
        ratio(qssl_mbps, quinn_mbps),
        ratio(qssl_cpu, quinn_cpu),
        ratio(us(qssl_hs), us(quinn_hs)),
    );
}
