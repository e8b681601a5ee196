//! Sim nodes for the connection tests: a client fetching `GET <n>` responses through an
//! engine endpoint, a server answering them, and the pairs they run in.
// Shared by several test binaries, each of which uses a part of it.
#![allow(dead_code)]

use std::time::Instant;

use qssl_quic::conn::{Connection, ConnectionConfig, Event, StreamError};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, EndpointConfig};
use qssl_quic::{Dir, StreamId};
use qssl_tests::sim::{EndpointNode, Link, Sim};

use crate::common;

pub(crate) const CLIENT: &str = "10.0.0.1:50000";
pub(crate) const SERVER: &str = "10.0.0.2:443";

/// A client fetching one response per request it was given.
#[derive(Default)]
pub(crate) struct ClientApp {
    /// Requests to send, with the response size each asks for.
    pub(crate) requests: Vec<usize>,
    /// Open requests: stream, bytes received, finished.
    pub(crate) fetches: Vec<(StreamId, usize, bool)>,
    pub(crate) started: bool,
    /// Send the requests as early data when the connection can (0-RTT).
    pub(crate) early: bool,
}

pub(crate) struct ClientNode {
    pub(crate) ep: Endpoint,
    pub(crate) handle: ConnectionHandle,
    pub(crate) events: Vec<Event>,
    pub(crate) app: ClientApp,
}

impl ClientNode {
    pub(crate) fn conn(&self) -> &Connection {
        self.ep.get(self.handle).expect("client connection")
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        self.ep.connection(self.handle).expect("client connection")
    }

    pub(crate) fn after(&mut self) {
        let handle = self.handle;
        if let Some(conn) = self.ep.connection(handle) {
            drain(conn, &mut self.events);
            self.app.run(conn);
        }
    }
}

/// A server answering `GET <n>` with n pattern bytes.
#[derive(Default)]
pub(crate) struct ServerApp {
    /// Stream, request bytes, response size, bytes written.
    pub(crate) streams: Vec<(StreamId, Vec<u8>, Option<usize>, usize)>,
    /// Request streams the client reset, with the code the read reported.
    pub(crate) resets: Vec<(StreamId, u64)>,
}

pub(crate) struct ServerNode {
    pub(crate) ep: Endpoint,
    pub(crate) handle: Option<ConnectionHandle>,
    pub(crate) events: Vec<Event>,
    pub(crate) app: ServerApp,
}

impl ServerNode {
    /// A server node on `ep` with the `GET <n>` application.
    pub(crate) fn new(ep: Endpoint) -> Self {
        ServerNode {
            ep,
            handle: None,
            events: Vec::new(),
            app: ServerApp::default(),
        }
    }

    pub(crate) fn conn(&self) -> Option<&Connection> {
        self.ep.get(self.handle?)
    }

    pub(crate) fn conn_mut(&mut self) -> Option<&mut Connection> {
        self.ep.connection(self.handle?)
    }

    pub(crate) fn after(&mut self) {
        if let Some(h) = self.ep.accept() {
            self.handle = Some(h);
        }
        let Some(handle) = self.handle else { return };
        if let Some(conn) = self.ep.connection(handle) {
            drain(conn, &mut self.events);
            self.app.run(conn);
        }
    }
}

pub(crate) fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// The pattern from 0 for one read buffer and one period more: the bytes from offset `n`
/// on are `patterns()[n % 251..]`.
pub(crate) fn patterns() -> &'static [u8] {
    static PATTERNS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| (0..65536 + 251).map(pattern).collect())
}

impl ClientApp {
    pub(crate) fn run(&mut self, conn: &mut Connection) {
        if conn.close_info().is_some() {
            return;
        }
        if !self.started
            && (conn.is_handshake_complete() || (self.early && conn.is_sending_zero_rtt()))
        {
            self.started = true;
            for size in self.requests.clone() {
                let id = conn.open_stream(Dir::Bi).expect("open a request stream");
                let req = format!("GET {size}\r\n");
                assert_eq!(conn.stream_write(id, req.as_bytes()).unwrap(), req.len());
                conn.stream_finish(id).unwrap();
                self.fetches.push((id, 0, false));
            }
        }
        let mut buf = vec![0u8; 65536];
        for (id, got, fin) in &mut self.fetches {
            while !*fin {
                match conn.stream_read(*id, &mut buf) {
                    Ok(r) => {
                        let want = &patterns()[*got % 251..][..r.len];
                        if buf[..r.len] != *want {
                            let k = (0..r.len).find(|k| buf[*k] != want[*k]).unwrap_or(0);
                            panic!("byte {} of stream {id} is wrong", *got + k);
                        }
                        *got += r.len;
                        *fin = r.fin;
                    }
                    Err(StreamError::WouldBlock) => break,
                    Err(e) => panic!("read on {id}: {e}"),
                }
            }
        }
    }

    pub(crate) fn done(&self) -> bool {
        self.started
            && self
                .fetches
                .iter()
                .zip(&self.requests)
                .all(|((_, got, fin), want)| *fin && got == want)
    }
}

impl ServerApp {
    pub(crate) fn run(&mut self, conn: &mut Connection) {
        if conn.close_info().is_some() {
            return;
        }
        while let Some(id) = conn.accept_stream(Dir::Bi) {
            self.streams.push((id, Vec::new(), None, 0));
        }
        let mut buf = [0u8; 1024];
        let resets = &mut self.resets;
        for (id, req, size, sent) in &mut self.streams {
            while size.is_none() {
                match conn.stream_read(*id, &mut buf) {
                    Ok(r) => {
                        req.extend_from_slice(&buf[..r.len]);
                        if r.fin {
                            let text = String::from_utf8(req.clone()).unwrap();
                            let n = text.trim().strip_prefix("GET ").unwrap();
                            *size = Some(n.parse().unwrap());
                        }
                    }
                    Err(StreamError::WouldBlock) => break,
                    // A reset request stream gets no answer.
                    Err(StreamError::Reset(code)) => {
                        resets.push((*id, code));
                        *size = Some(0);
                        break;
                    }
                    Err(e) => panic!("request read: {e}"),
                }
            }
            let Some(total) = *size else { continue };
            while *sent < total {
                let len = (total - *sent).min(65536);
                match conn.stream_write(*id, &patterns()[*sent % 251..][..len]) {
                    Ok(n) => *sent += n,
                    Err(StreamError::WouldBlock) => break,
                    Err(e) => panic!("response write: {e}"),
                }
            }
            if *sent == total {
                let _ = conn.stream_finish(*id);
            }
        }
    }
}

pub(crate) fn drain(conn: &mut Connection, events: &mut Vec<Event>) {
    while let Some(e) = conn.poll_event() {
        events.push(e);
    }
}

impl EndpointNode for ClientNode {
    const ADDR: &'static str = CLIENT;
    fn endpoint(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn endpoint_ref(&self) -> &Endpoint {
        &self.ep
    }
    fn after(&mut self) {
        ClientNode::after(self)
    }
}

impl EndpointNode for ServerNode {
    const ADDR: &'static str = SERVER;
    fn endpoint(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn endpoint_ref(&self) -> &Endpoint {
        &self.ep
    }
    fn after(&mut self) {
        ServerNode::after(self)
    }
}

/// A client and server with the same settings over the same `link` both ways.
pub(crate) fn pair(seed: u64, config: ConnectionConfig, link: Link) -> Sim<ClientNode, ServerNode> {
    pair_with(seed, config, link, false)
}

/// [`pair`], with the server sending Retry if `retry`.
pub(crate) fn pair_with(
    seed: u64,
    config: ConnectionConfig,
    link: Link,
    retry: bool,
) -> Sim<ClientNode, ServerNode> {
    pair_configs(seed, config.clone(), config, link, retry)
}

/// A pair whose client and server use different connection settings.
pub(crate) fn pair_configs(
    seed: u64,
    config: ConnectionConfig,
    server_config: ConnectionConfig,
    link: Link,
    retry: bool,
) -> Sim<ClientNode, ServerNode> {
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = Instant::now();
    let client = client_node(seed, config, client_tls, start);
    let server = Endpoint::new(
        EndpointConfig {
            connection: server_config,
            retry,
            ..EndpointConfig::server(server_tls)
        },
        start,
        seed ^ 0x5eed,
    );
    Sim::new(
        seed,
        client,
        ServerNode::new(server),
        link.clone(),
        link,
        start,
    )
}

/// A client endpoint with `config` (seeded with `seed`) connecting at `start` with `tls` to
/// "localhost" at [`SERVER`].
pub(crate) fn client_node(
    seed: u64,
    config: ConnectionConfig,
    tls: std::sync::Arc<rustls::ClientConfig>,
    start: Instant,
) -> ClientNode {
    let mut ep = Endpoint::new(
        EndpointConfig {
            connection: config,
            ..EndpointConfig::client()
        },
        start,
        seed,
    );
    let handle = ep
        .connect(
            start,
            tls,
            "localhost".try_into().unwrap(),
            SERVER.parse().unwrap(),
        )
        .unwrap();
    ClientNode {
        ep,
        handle,
        events: Vec::new(),
        app: ClientApp::default(),
    }
}

/// Both sides have confirmed the handshake.
pub(crate) fn established(c: &ClientNode, s: &ServerNode) -> bool {
    c.conn().is_handshake_confirmed() && s.conn().is_some_and(|s| s.is_handshake_confirmed())
}

/// A server endpoint with `config` (seeded with `seed`) and a hostile client that trusts its
/// certificate, both at `start`.
pub(crate) fn hostile_pair(
    seed: u64,
    config: ConnectionConfig,
    start: Instant,
) -> (Endpoint, qssl_tests::hostile::HostileClient) {
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let server = Endpoint::new(
        EndpointConfig {
            connection: config,
            ..EndpointConfig::server(server_tls)
        },
        start,
        seed,
    );
    let peer = qssl_tests::hostile::HostileClient::new(client_tls, CLIENT.parse().unwrap());
    (server, peer)
}
