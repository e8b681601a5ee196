//! A soak test: one server endpoint and a crowd of clients for two minutes of virtual time,
//! with random requests, stream resets, STOP_SENDING, aborted connections, address
//! changes (NAT rebinding) and loss. Each connection's holdings stay within their bounds
//! throughout, and once the clients are gone the server holds nothing.

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl_quic::conn::{ConnectionConfig, StreamError};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, EndpointConfig, EndpointResources};
use qssl_quic::{Dir, StreamId};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const SERVER: &str = "10.9.0.1:443";
/// Clients alive at once.
const CLIENTS: usize = 24;
const TICK: Duration = Duration::from_millis(2);
const LOSS: f64 = 0.02;
const ONE_WAY: Duration = Duration::from_millis(10);

/// A datagram on its way.
struct InFlight {
    at: Instant,
    to_server: bool,
    client: usize,
    from: SocketAddr,
    data: Vec<u8>,
}

/// One client: its own endpoint and address, its connection and its requests.
struct Client {
    ep: Endpoint,
    addr: SocketAddr,
    handle: ConnectionHandle,
    requests: Vec<StreamId>,
}

/// What happened, to check the soak did what it says.
#[derive(Debug, Default)]
struct Counts {
    connections: usize,
    requests: usize,
    answers: usize,
    resets: usize,
    aborts: usize,
    rebinds: usize,
}

struct Soak {
    rng: ChaCha8Rng,
    now: Instant,
    server: Endpoint,
    clients: Vec<Option<Client>>,
    wire: VecDeque<InFlight>,
    tls: Arc<rustls::ClientConfig>,
    next_port: u16,
    config: ConnectionConfig,
    /// The server's streams, by connection.
    server_streams: std::collections::HashMap<ConnectionHandle, Vec<StreamId>>,
    counts: Counts,
}

impl Soak {
    fn chance(&mut self, p: f64) -> bool {
        (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    fn fresh_addr(&mut self) -> SocketAddr {
        self.next_port = self.next_port.wrapping_add(1).max(1024);
        let host = self.rng.next_u32() % 4;
        format!("10.8.0.{host}:{}", self.next_port).parse().unwrap()
    }

    fn start_client(&mut self, slot: usize) {
        let seed = self.rng.next_u64();
        let mut ep = Endpoint::new(
            EndpointConfig {
                connection: self.config.clone(),
                ..EndpointConfig::client()
            },
            self.now,
            seed,
        );
        let handle = ep
            .connect(
                self.now,
                self.tls.clone(),
                "localhost".try_into().unwrap(),
                SERVER.parse().unwrap(),
            )
            .unwrap();
        let addr = self.fresh_addr();
        self.clients[slot] = Some(Client {
            ep,
            addr,
            handle,
            requests: Vec::new(),
        });
        self.counts.connections += 1;
    }

    /// Random application activity on client `slot`.
    fn client_acts(&mut self, slot: usize) {
        let roll = self.rng.next_u32() % 1000;
        let size = (self.rng.next_u32() % 200_000) as usize;
        let fresh = self.fresh_addr();
        let now = self.now;
        let Some(c) = self.clients[slot].as_mut() else {
            return;
        };
        let Some(conn) = c.ep.connection(c.handle) else {
            return;
        };
        match roll {
            // A request: the size of the answer wanted, and some upload.
            0..=19 if conn.is_handshake_complete() => {
                if let Ok(id) = conn.open_stream(Dir::Bi) {
                    let _ = conn.stream_write(id, format!("{size}\n").as_bytes());
                    let _ = conn.stream_write(id, &vec![7; size / 4]);
                    let _ = conn.stream_finish(id);
                    c.requests.push(id);
                    self.counts.requests += 1;
                }
            }
            // Give up on a request, or ask the server to stop answering one.
            20..=24 => {
                if let Some(&id) = c.requests.first() {
                    let _ = conn.stream_reset(id, 7);
                    let _ = conn.stream_stop_sending(id, 8);
                    self.counts.resets += 1;
                }
            }
            // Abort the connection.
            25 => {
                conn.close(now, 9, b"bye");
                self.counts.aborts += 1;
            }
            // The NAT in front of the client gives it another address.
            26 => {
                c.addr = fresh;
                self.counts.rebinds += 1;
            }
            _ => {}
        }
    }

    /// Reads everything the client's connection has for it; forgets finished requests.
    fn client_reads(c: &mut Client, counts: &mut Counts) {
        let Some(conn) = c.ep.connection(c.handle) else {
            return;
        };
        while conn.poll_event().is_some() {}
        let mut buf = vec![0u8; 65536];
        for id in &c.requests {
            while let Ok(r) = conn.stream_read(*id, &mut buf) {
                if r.fin {
                    counts.answers += 1;
                }
                if r.len == 0 || r.fin {
                    break;
                }
            }
        }
        c.requests.retain(|id| conn.stream_exists(*id));
    }

    /// The server reads requests and answers them, sometimes with a reset instead.
    fn server_acts(&mut self) {
        while self.server.accept().is_some() {}
        let mut buf = vec![0u8; 65536];
        let answer = vec![5u8; 65536];
        for handle in self.server.handles() {
            let roll = self.rng.next_u32() % 10_000;
            let now = self.now;
            let Some(conn) = self.server.connection(handle) else {
                continue;
            };
            while conn.poll_event().is_some() {}
            let streams = self.server_streams.entry(handle).or_default();
            while let Some(id) = conn.accept_stream(Dir::Bi) {
                streams.push(id);
            }
            for &id in streams.iter() {
                loop {
                    match conn.stream_read(id, &mut buf) {
                        Ok(r) if r.fin => {
                            let _ = conn.stream_write(id, &answer[..(r.len % 4096) + 1]);
                            let _ = conn.stream_write(id, &answer);
                            let _ = conn.stream_finish(id);
                            break;
                        }
                        Ok(r) if r.len > 0 => {}
                        Err(StreamError::WouldBlock) | Ok(_) => break,
                        Err(_) => break,
                    }
                }
                if roll < 20 {
                    let _ = conn.stream_reset(id, 3);
                }
            }
            streams.retain(|id| conn.stream_exists(*id));
            if roll == 9_999 {
                conn.close(now, 4, b"server closes");
            }
        }
        // Closed connections whose events were taken are forgotten.
        for handle in self.server.handles() {
            if self.server.get(handle).is_some_and(|c| c.is_closed()) {
                self.server.remove(handle);
                self.server_streams.remove(&handle);
            }
        }
    }

    /// One tick: timers, application activity, sending, and delivery of what is due.
    fn tick(&mut self, starting: bool) {
        self.now += TICK;
        let now = self.now;
        self.server.handle_timeout(now);
        for slot in 0..self.clients.len() {
            let gone = self.clients[slot].as_mut().is_none_or(|c| {
                c.ep.handle_timeout(now);
                Self::client_reads(c, &mut self.counts);
                c.ep.get(c.handle).is_none_or(|conn| conn.is_closed())
            });
            if gone {
                self.clients[slot] = None;
                if starting && self.chance(0.05) {
                    self.start_client(slot);
                }
            } else if starting {
                self.client_acts(slot);
            }
        }
        self.server_acts();
        self.send_all();
        deadline_covers_every_connection(&self.server);
        self.deliver();
    }

    fn send_all(&mut self) {
        let mut buf = vec![0u8; 65536];
        for slot in 0..self.clients.len() {
            while let Some(c) = self.clients[slot].as_mut()
                && let Some(t) = c.ep.poll_transmit(self.now, &mut buf)
            {
                let (from, data) = (c.addr, buf[..t.len].to_vec());
                self.put(true, slot, from, data);
            }
        }
        while let Some(t) = self.server.poll_transmit(self.now, &mut buf) {
            let slot = self
                .clients
                .iter()
                .position(|c| c.as_ref().is_some_and(|c| c.addr == t.destination));
            if let Some(slot) = slot {
                let data = buf[..t.len].to_vec();
                self.put(false, slot, SERVER.parse().unwrap(), data);
            }
        }
    }

    fn put(&mut self, to_server: bool, client: usize, from: SocketAddr, data: Vec<u8>) {
        if !self.chance(LOSS) {
            self.wire.push_back(InFlight {
                at: self.now + ONE_WAY,
                to_server,
                client,
                from,
                data,
            });
        }
    }

    fn deliver(&mut self) {
        while self.wire.front().is_some_and(|d| d.at <= self.now) {
            let mut d = self.wire.pop_front().unwrap();
            if d.to_server {
                self.server.handle_datagram(self.now, d.from, &mut d.data);
            } else if let Some(c) = self.clients[d.client].as_mut() {
                c.ep.handle_datagram(self.now, d.from, &mut d.data);
            }
        }
    }
}

/// The endpoint's next deadline, kept by the connections' activity rather than computed over
/// all of them, is never later than any connection's.
fn deadline_covers_every_connection(ep: &Endpoint) {
    let earliest = ep
        .handles()
        .into_iter()
        .filter_map(|h| ep.get(h)?.poll_timeout())
        .min();
    if let Some(earliest) = earliest {
        assert!(
            ep.poll_timeout().is_some_and(|t| t <= earliest),
            "the endpoint's deadline {:?} misses a connection's {earliest:?}",
            ep.poll_timeout()
        );
    }
}

#[test]
fn two_minutes_of_churn_leave_the_server_holding_nothing() {
    let (tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let config = ConnectionConfig {
        idle_timeout: Some(Duration::from_secs(5)),
        max_streams_bidi: 16,
        ..ConnectionConfig::default()
    };
    let start = Instant::now();
    let server = Endpoint::new(
        EndpointConfig {
            connection: config.clone(),
            ..EndpointConfig::server(server_tls)
        },
        start,
        61,
    );
    let baseline = server.resources();
    let mut soak = Soak {
        rng: ChaCha8Rng::seed_from_u64(62),
        now: start,
        server,
        clients: (0..CLIENTS).map(|_| None).collect(),
        wire: VecDeque::new(),
        tls,
        next_port: 1024,
        config: config.clone(),
        server_streams: std::collections::HashMap::new(),
        counts: Counts::default(),
    };
    let (mut most_conns, mut served) = (0, 0);
    let window = config.max_data_window;
    while soak.now - start < Duration::from_secs(120) {
        soak.tick(true);
        let r = soak.server.resources();
        most_conns = most_conns.max(r.connections);
        served = served.max(r.routes);
        for handle in soak.server.handles() {
            let c = soak.server.get(handle).unwrap().resources();
            assert!(c.stream_recv_bytes <= window, "{c:?}");
            assert!(c.sent_packets <= 4096, "{c:?}");
            assert!(c.events <= 64, "{c:?}");
        }
    }
    let n = &soak.counts;
    assert!(most_conns > CLIENTS / 2, "{most_conns} connections at most");
    assert!(served > 0);
    assert!(
        n.connections > 200
            && n.answers > 1000
            && n.resets > 100
            && n.aborts > 50
            && n.rebinds > 50,
        "{n:?}"
    );
    // No new clients; the live ones stop acting and close, or idle out.
    for slot in 0..CLIENTS {
        if let Some(c) = soak.clients[slot].as_mut() {
            let now = soak.now;
            if let Some(conn) = c.ep.connection(c.handle) {
                conn.close(now, 0, b"done");
            }
        }
    }
    while soak.server.resources() != baseline {
        assert!(
            soak.now - start < Duration::from_secs(150),
            "the server still holds {:?}",
            soak.server.resources()
        );
        soak.tick(false);
    }
    assert_eq!(soak.server.resources(), EndpointResources::default());
}
