//! A userspace UDP relay that plays the interop runner's network: clients send to the
//! relay's front socket, the relay passes their datagrams to the server through a socket of
//! its own per client (a new one, on a new port or address, at each NAT rebinding), and the
//! server's answers come back the same way. Each direction is a [`link::Link`] with the
//! scenario's delay, rate, queue and error models. Every datagram is recorded with its fate,
//! for the checks that judge a run, and can be written whole to a pcap file
//! ([`capture`]) for the checks that decrypt it.
//!
//! The relay only ever sends to the server address it was given and to the clients that
//! wrote to it, its queues are bounded by the scenario, and it runs until told to stop.

pub mod capture;
mod cross;
pub mod link;
pub mod scenario;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qssl_bio::{BioAddr, DatagramBio, RecvMsg, SendMsg, UdpBio};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use capture::Capture;
use link::{Fate, Link, LinkConfig};
use scenario::Scenario;

/// Longest datagram relayed.
const MAX_DATAGRAM: usize = 65_535;
/// Bytes of each datagram kept in its record.
pub const RECORDED: usize = 64;
/// Longest the relay sleeps when nothing is due.
const IDLE: Duration = Duration::from_millis(1);

/// Which way a datagram went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// One datagram the relay saw.
#[derive(Debug, Clone)]
pub struct Record {
    /// When it reached the relay, since the relay started.
    pub at: Duration,
    /// Which way.
    pub direction: Direction,
    /// The client's address as the server saw it (the relay's socket for that client).
    pub client_side: SocketAddr,
    /// What became of it.
    pub fate: Fate,
    /// Its length (UDP payload).
    pub len: usize,
    /// The datagram's first [`RECORDED`] bytes as it arrived (enough for the clear fields
    /// of a long header), so a long run's record stays small.
    pub head: Vec<u8>,
}

/// The relay's side of one client on one front socket: where the client is, the socket that
/// stands for it towards the server, and the sockets it had before a rebinding (whose
/// answers are dropped).
struct Mapping {
    client: SocketAddr,
    /// The front socket the client reached (answers leave from it).
    front: usize,
    back: UdpBio,
    /// `back`'s address, as the server sees the client.
    back_addr: SocketAddr,
    stale: Vec<UdpBio>,
}

/// The relay, bound and ready to [`run`](Relay::run).
pub struct Relay {
    /// Where clients send to: the first, and any added with [`Relay::add_front`].
    fronts: Vec<UdpBio>,
    server: SocketAddr,
    scenario: Scenario,
    seed: u64,
    capture: Option<Capture>,
}

impl Relay {
    /// A relay listening on `front` (port 0 for any) in front of `server`.
    pub fn bind(
        front: SocketAddr,
        server: SocketAddr,
        scenario: Scenario,
        seed: u64,
    ) -> std::io::Result<Relay> {
        let front = relay_socket(front)?;
        Ok(Relay {
            fronts: vec![front],
            server,
            scenario,
            seed,
            capture: None,
        })
    }

    /// Also writes the datagrams as the server's side of the link sees them to a pcap file
    /// at `path`: the server's as they reach the relay, the clients' as the relay delivers
    /// them (those the link lost left out, corrupted ones as corrupted), with the addresses
    /// the server sees.
    pub fn capture_to(&mut self, path: &Path) -> std::io::Result<()> {
        self.capture = Some(Capture::create(path)?);
        Ok(())
    }

    /// Where clients send to.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        socket_addr(&self.fronts[0])
    }

    /// Another address on which clients reach the same server, such as one the server
    /// offers as its preferred address; returns it. A client arriving there gets a mapping of
    /// its own, so the server sees it come from a new address, and the answers leave from
    /// this address.
    pub fn add_front(&mut self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let front = relay_socket(addr)?;
        let addr = socket_addr(&front)?;
        self.fronts.push(front);
        Ok(addr)
    }

    /// Relays until `stop` is set; returns every datagram seen. The scenario's clock (for
    /// outages and rebinding) starts with the first datagram from a client.
    pub fn run(mut self, stop: &AtomicBool) -> std::io::Result<Vec<Record>> {
        let mut capture = self.capture.take();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut records = Vec::new();
        let mut mappings: Vec<Mapping> = Vec::new();
        let mut by_client: HashMap<(usize, SocketAddr), usize> = HashMap::new();
        let mut links: Option<(Instant, [Link<Label>; 2])> = None;
        let mut rebinds = 0u32;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            // From clients.
            for f in 0..self.fronts.len() {
                while let Some((n, from, ecn)) = receive(&self.fronts[f], &mut buf)? {
                    let (start, links) =
                        links.get_or_insert_with(|| (now, self.links(now, &mut rng)));
                    let i = match by_client.get(&(f, from)) {
                        Some(&i) => i,
                        None => {
                            let back = self.back_socket(self.server.ip())?;
                            mappings.push(Mapping {
                                client: from,
                                front: f,
                                back_addr: socket_addr(&back)?,
                                back,
                                stale: Vec::new(),
                            });
                            by_client.insert((f, from), mappings.len() - 1);
                            mappings.len() - 1
                        }
                    };
                    let ecn = if self.scenario.clear_ecn { 0 } else { ecn };
                    let fate = links[0].arrive(now, (i, ecn), buf[..n].to_vec());
                    records.push(Record {
                        at: now - *start,
                        direction: Direction::ToServer,
                        client_side: mappings[i].back_addr,
                        fate,
                        len: n,
                        head: buf[..n.min(RECORDED)].to_vec(),
                    });
                }
            }
            // From the server, on each client's current socket; stale ones are drained.
            for (i, m) in mappings.iter_mut().enumerate() {
                for old in &m.stale {
                    while receive(old, &mut buf)?.is_some() {}
                }
                while let Some((n, from, ecn)) = receive(&m.back, &mut buf)? {
                    let Some((start, links)) = links.as_mut() else {
                        break;
                    };
                    if from != self.server {
                        continue;
                    }
                    if let Some(c) = capture.as_mut() {
                        c.write(now - *start, (self.server, m.back_addr), ecn, &buf[..n])?;
                    }
                    let ecn = if self.scenario.clear_ecn { 0 } else { ecn };
                    let fate = links[1].arrive(now, (i, ecn), buf[..n].to_vec());
                    records.push(Record {
                        at: now - *start,
                        direction: Direction::ToClient,
                        client_side: m.back_addr,
                        fate,
                        len: n,
                        head: buf[..n.min(RECORDED)].to_vec(),
                    });
                }
            }
            // NAT rebinding: every mapping moves to a new port (and address).
            if let (Some(r), Some((start, _))) = (self.scenario.rebind, links.as_ref()) {
                let due = r.first + r.every * rebinds;
                if now - *start >= due {
                    rebinds += 1;
                    for m in &mut mappings {
                        let ip = match (r.addr, self.server.ip()) {
                            (true, IpAddr::V4(_)) => {
                                IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (rebinds % 250) as u8))
                            }
                            (_, ip) => ip,
                        };
                        let fresh = self.back_socket(ip)?;
                        m.back_addr = socket_addr(&fresh)?;
                        let old = std::mem::replace(&mut m.back, fresh);
                        m.stale.push(old);
                    }
                }
            }
            // What is due goes out.
            let mut next = now + IDLE;
            if let Some((start, links)) = links.as_mut() {
                while let Some(((i, ecn), data)) = links[0].pop_due(now) {
                    if let Some(c) = capture.as_mut() {
                        let addrs = (mappings[i].back_addr, self.server);
                        c.write(now - *start, addrs, ecn, &data)?;
                    }
                    send(&mappings[i].back, &data, self.server, ecn)?;
                }
                while let Some(((i, ecn), data)) = links[1].pop_due(now) {
                    let m = &mappings[i];
                    send(&self.fronts[m.front], &data, m.client, ecn)?;
                }
                for link in links.iter() {
                    if let Some(t) = link.next_due() {
                        next = next.min(t);
                    }
                }
            }
            let wait = next.saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        if let Some(c) = capture {
            c.finish()?;
        }
        Ok(records)
    }

    /// The two directions at `now`: towards the server, towards the client.
    fn links<L>(&self, now: Instant, rng: &mut ChaCha8Rng) -> [Link<L>; 2] {
        let s = &self.scenario;
        let (to_server_drops, to_client_drops) = s.droplist.clone().unwrap_or_default();
        let config = |to_server: bool, droplist: Vec<u64>| LinkConfig {
            delay: s.delay,
            bandwidth: s.bandwidth,
            queue: s.queue,
            drop: LinkConfig::rate(s.drop, to_server),
            corrupt: LinkConfig::rate(s.corrupt, to_server),
            blackhole: s.blackhole,
            droplist,
            mtu: s.mtu,
            // The competing flow goes the way the files do, towards the client.
            cross_traffic: s.cross_traffic && !to_server,
        };
        [
            Link::new(
                config(true, to_server_drops),
                now,
                ChaCha8Rng::seed_from_u64(rand_core::Rng::next_u64(rng)),
            ),
            Link::new(
                config(false, to_client_drops),
                now,
                ChaCha8Rng::seed_from_u64(rand_core::Rng::next_u64(rng)),
            ),
        ]
    }

    /// A socket on `ip` (any port) for one client's side towards the server.
    fn back_socket(&self, ip: IpAddr) -> std::io::Result<UdpBio> {
        relay_socket(SocketAddr::new(ip, 0))
    }
}

/// What labels a datagram on its way: its client's mapping, and its ECN bits.
type Label = (usize, u8);

/// A non-blocking UDP socket bound to `addr` that reads and writes the ECN field, so the
/// marks of what it relays survive.
fn relay_socket(addr: SocketAddr) -> std::io::Result<UdpBio> {
    let socket = UdpBio::bind(addr)?;
    socket.set_nonblocking(true)?;
    socket.set_ecn(true)?;
    Ok(socket)
}

/// The address `socket` is bound to.
fn socket_addr(socket: &UdpBio) -> std::io::Result<SocketAddr> {
    socket
        .local_addr()
        .socket_addr()
        .ok_or_else(|| std::io::Error::other("socket without an address"))
}

/// One datagram from `socket` into `buf`: its length, sender and ECN bits; `None` when
/// none is waiting (or it came from no IP address).
fn receive(socket: &UdpBio, buf: &mut [u8]) -> std::io::Result<Option<(usize, SocketAddr, u8)>> {
    let mut msg = [RecvMsg::new(buf)];
    match socket.recv_mmsg(&mut msg) {
        Ok(_) => {
            let [m] = msg;
            Ok(m.peer
                .socket_addr()
                .map(|from| (m.len, from, m.ecn.unwrap_or(0))))
        }
        Err(e) if e.is_non_fatal() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Sends `data` to `to` from `socket`, marked with the ECN bits `ecn`. A full socket buffer
/// loses the datagram, as a network would.
fn send(socket: &UdpBio, data: &[u8], to: SocketAddr, ecn: u8) -> std::io::Result<()> {
    match socket.send_mmsg(&[SendMsg::new(data).to(BioAddr::from(to)).ecn(ecn)]) {
        Ok(_) => Ok(()),
        Err(e) if e.is_non_fatal() => Ok(()),
        Err(e) => Err(e.into()),
    }
}
