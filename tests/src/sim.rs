//! A deterministic two-node network on a virtual clock.
//!
//! Each direction is a link with delay, jitter (reordering), loss, duplication, corruption,
//! bandwidth and blackhole periods, all driven by one seeded RNG: the same seed replays the
//! same run, and failures print it. The harness also checks, from the wire alone, that the
//! server never sends more than three times what it received before the client's address is
//! validated (RFC 9000 §8.1).
//!
//! A node is anything that implements [`Node`]: an engine [`Endpoint`] through
//! [`EndpointNode`], or a qssl object through [`SslNode`](crate::ssl_node::SslNode).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use qssl_quic::conn::{DatagramInfo, EcnCodepoint};
use qssl_quic::endpoint::Endpoint;
use qssl_quic::packet::PacketKind;
use qssl_quic::packet::header::{Coalesced, ParsedHeader};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// What the network knows of a datagram besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// Its source address.
    pub from: SocketAddr,
    /// Its destination address.
    pub to: SocketAddr,
    /// Its ECN codepoint.
    pub ecn: Option<EcnCodepoint>,
}

/// One endpoint as the network sees it.
pub trait Node {
    /// This node's address.
    fn addr(&self) -> SocketAddr;
    /// A datagram arrives, as the network delivered it.
    fn receive(&mut self, now: Instant, envelope: Envelope, datagram: &mut [u8]);
    /// The next datagram to send, written into `buf`: its length, and where it goes from
    /// and to with which ECN marking.
    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, Envelope)>;
    /// When the node next wants `on_timeout`.
    fn next_timeout(&self) -> Option<Instant>;
    /// Time has reached the node's timeout.
    fn on_timeout(&mut self, now: Instant);
}

/// A node whose traffic goes through an endpoint, with an application run after each event.
pub trait EndpointNode {
    /// The node's address.
    const ADDR: &'static str;
    /// The endpoint, to feed.
    fn endpoint(&mut self) -> &mut Endpoint;
    /// The endpoint, to ask for its timeout.
    fn endpoint_ref(&self) -> &Endpoint;
    /// The application's turn, after each datagram or timeout.
    fn after(&mut self);
}

impl<T: EndpointNode> Node for T {
    fn addr(&self) -> SocketAddr {
        T::ADDR.parse().unwrap()
    }
    fn receive(&mut self, now: Instant, envelope: Envelope, datagram: &mut [u8]) {
        // The node answers on whichever of its addresses a datagram reached.
        let info = DatagramInfo {
            from: envelope.from,
            local: Some(envelope.to),
            ecn: envelope.ecn,
        };
        self.endpoint().handle_datagram_with(now, info, datagram);
        self.after();
    }
    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, Envelope)> {
        let addr = self.addr();
        self.endpoint().poll_transmit(now, buf).map(|t| {
            let envelope = Envelope {
                from: t.source.unwrap_or(addr),
                to: t.destination,
                ecn: t.ecn,
            };
            (t.len, envelope)
        })
    }
    fn next_timeout(&self) -> Option<Instant> {
        self.endpoint_ref().poll_timeout()
    }
    fn on_timeout(&mut self, now: Instant) {
        self.endpoint().handle_timeout(now);
        self.after();
    }
}

/// How one direction of the network behaves.
#[derive(Debug, Clone, Default)]
pub struct Link {
    /// One-way delay.
    pub delay: Duration,
    /// Extra random delay up to this much, which reorders datagrams.
    pub jitter: Duration,
    /// Probability a datagram is lost.
    pub loss: f64,
    /// Probability a datagram is delivered twice.
    pub duplicate: f64,
    /// Probability one byte of a datagram is flipped.
    pub corrupt: f64,
    /// Bytes per second the link carries (`None`: unlimited).
    pub bandwidth: Option<u64>,
    /// Periods, from the start of the run, during which everything is dropped.
    pub blackholes: Vec<(Duration, Duration)>,
    /// What the link does to ECN marks.
    pub ecn: EcnPath,
    /// The largest datagram (UDP payload) it carries; larger ones are dropped (`None`: any).
    pub mtu: Option<usize>,
}

/// What a link does to the ECN field of the datagrams it carries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum EcnPath {
    /// Marks arrive as sent.
    #[default]
    Pass,
    /// A middlebox clears them: every datagram arrives Not-ECT.
    Clear,
    /// A congested router marks this share of the ECN-capable datagrams CE.
    MarkCe(f64),
}

impl Link {
    /// A link with only a delay.
    pub fn delay(ms: u64) -> Self {
        Link {
            delay: Duration::from_millis(ms),
            ..Link::default()
        }
    }
}

/// A datagram on its way.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to_b: bool,
    from: SocketAddr,
    /// Where it was sent.
    to: SocketAddr,
    /// Its ECN codepoint as delivered.
    ecn: Option<EcnCodepoint>,
    data: Vec<u8>,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams sent by a and by b.
    pub sent: [u64; 2],
    /// Bytes sent by a and by b.
    pub bytes_sent: [u64; 2],
    /// Datagrams the links dropped, per direction (a→b, b→a).
    pub dropped: [u64; 2],
    /// Datagrams from b dropped at a because they were sent to an address a is not reached
    /// at (any longer).
    pub misaddressed: u64,
    /// Bytes of those datagrams.
    pub misaddressed_bytes: u64,
    /// Bytes of a's datagrams delivered from a spoofed address
    /// ([`Sim::spoof_next_client_datagram`]).
    pub spoofed_bytes: u64,
}

/// Two nodes, `a` (the client) and `b` (the server), joined by two links.
pub struct Sim<A: Node, B: Node> {
    /// The client.
    pub a: A,
    /// The server.
    pub b: B,
    /// The virtual clock.
    pub now: Instant,
    start: Instant,
    seed: u64,
    rng: ChaCha8Rng,
    links: [Link; 2],
    queue: BinaryHeap<Reverse<InFlight>>,
    seq: u64,
    /// When each link finishes serialising what it already carries.
    busy_until: [Instant; 2],
    /// What the links did so far.
    pub stats: Stats,
    /// Bytes delivered to b from a, and sent by b, while a is not yet validated.
    amplification: Option<(u64, u64)>,
    /// The address a's datagrams come from as b sees them, as a NAT in front of a maps it
    /// (`None`: a's own address). Datagrams from b reach a only when sent to this address:
    /// changing it mid-run is a NAT rebinding, or a's move to a new network.
    pub client_seen_as: Option<SocketAddr>,
    /// a's next datagram also reaches b from this address, just before the genuine one (or
    /// instead of it when the flag is false).
    spoof_next: Option<(SocketAddr, bool)>,
    /// The NAT maps a to this address from a's next datagram on.
    rebind_next: Option<SocketAddr>,
    /// Destinations the network cannot reach: datagrams to them are dropped.
    pub unreachable: Vec<SocketAddr>,
    /// Steps in a row that delivered nothing and left the clock where it was: a deadline
    /// that keeps coming due without its handling changing anything.
    stalled_steps: u32,
}

/// Steps in a row without a delivery at one instant that make a run fail as a timer storm
/// (a node whose deadline stays in the past would otherwise spin the simulation for good).
const MAX_STALLED_STEPS: u32 = 10_000;

/// Largest datagram the harness carries.
const MAX_DATAGRAM: usize = 65_536;

impl<A: Node, B: Node> Sim<A, B> {
    /// A network carrying `a_to_b` one way and `b_to_a` the other, seeded with `seed`.
    pub fn new(seed: u64, a: A, b: B, a_to_b: Link, b_to_a: Link, start: Instant) -> Self {
        Sim {
            a,
            b,
            now: start,
            start,
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
            links: [a_to_b, b_to_a],
            queue: BinaryHeap::new(),
            seq: 0,
            busy_until: [start, start],
            stats: Stats::default(),
            amplification: Some((0, 0)),
            client_seen_as: None,
            spoof_next: None,
            rebind_next: None,
            unreachable: Vec::new(),
            stalled_steps: 0,
        }
    }

    /// The link in direction `dir` (0: a→b, 1: b→a), to change conditions mid-run.
    pub fn link_mut(&mut self, dir: usize) -> &mut Link {
        &mut self.links[dir]
    }

    /// Delivers a's next datagram to b from `from` as well, just before the genuine one (an
    /// on-path attacker's copy, RFC 9000 §9.3.3), or only from there if not `keep_genuine`.
    pub fn spoof_next_client_datagram(&mut self, from: SocketAddr, keep_genuine: bool) {
        self.spoof_next = Some((from, keep_genuine));
    }

    /// A NAT rebinding: from a's next datagram on, b sees a at `to`, and datagrams sent to
    /// a's previous address are lost.
    pub fn rebind_client(&mut self, to: SocketAddr) {
        self.rebind_next = Some(to);
    }

    /// Whether a spoofed datagram is still to come.
    pub fn spoof_pending(&self) -> bool {
        self.spoof_next.is_some()
    }

    /// Puts `data` on the link from `a` to `b` as though `a` sent it now: for a datagram a
    /// test took from `a` itself (to record it before it goes out).
    pub fn send_from_a(&mut self, data: Vec<u8>) {
        let ends = (self.a.addr(), self.b.addr());
        self.send(0, ends, None, data);
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    /// Puts a datagram sent now on link `dir` (0: a→b, 1: b→a).
    fn send(
        &mut self,
        dir: usize,
        (from, to): (SocketAddr, SocketAddr),
        ecn: Option<EcnCodepoint>,
        mut data: Vec<u8>,
    ) {
        self.stats.sent[dir] += 1;
        self.stats.bytes_sent[dir] += data.len() as u64;
        if dir == 1
            && let Some((received, sent)) = &mut self.amplification
        {
            *sent += data.len() as u64;
            assert!(
                *sent <= 3 * *received,
                "seed {}: server sent {sent} bytes to an unvalidated client that sent {received}",
                self.seed
            );
        }
        let link = self.links[dir].clone();
        let since_start = self.now - self.start;
        let blackholed = link
            .blackholes
            .iter()
            .any(|(from, to)| since_start >= *from && since_start < *to);
        let too_large = link.mtu.is_some_and(|mtu| data.len() > mtu);
        let unreachable = self.unreachable.contains(&to);
        if blackholed || too_large || unreachable || self.chance(link.loss) {
            self.stats.dropped[dir] += 1;
            return;
        }
        if self.chance(link.corrupt) && !data.is_empty() {
            let i = (self.rng.next_u64() % data.len() as u64) as usize;
            data[i] ^= 1 << (self.rng.next_u32() % 8);
        }
        // Serialisation: the link carries one datagram after another at its bandwidth.
        let start = self.busy_until[dir].max(self.now);
        let done = match link.bandwidth {
            Some(bps) if bps > 0 => {
                start + Duration::from_nanos(data.len() as u64 * 1_000_000_000 / bps)
            }
            _ => self.now,
        };
        self.busy_until[dir] = done;
        let jitter = if link.jitter.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos(self.rng.next_u64() % link.jitter.as_nanos().max(1) as u64)
        };
        let ecn = match (link.ecn, ecn) {
            (EcnPath::Pass, ecn) | (EcnPath::MarkCe(_), ecn @ None) => ecn,
            (EcnPath::Clear, _) => None,
            (EcnPath::MarkCe(p), Some(ecn)) => Some(if self.chance(p) {
                EcnCodepoint::Ce
            } else {
                ecn
            }),
        };
        let copies = if self.chance(link.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            self.seq += 1;
            self.queue.push(Reverse(InFlight {
                at: done + link.delay + jitter,
                seq: self.seq,
                to_b: dir == 0,
                from,
                to,
                ecn,
                data: data.clone(),
            }));
        }
    }

    /// Lets both nodes send everything they have now.
    fn drain_transmits(&mut self) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let mut any = false;
            while let Some((len, Envelope { to, ecn, .. })) = self.a.transmit(self.now, &mut buf) {
                if let Some(rebound) = self.rebind_next.take() {
                    self.client_seen_as = Some(rebound);
                }
                let from = self.client_seen_as.unwrap_or(self.a.addr());
                let genuine = match self.spoof_next.take() {
                    Some((spoofed, keep_genuine)) => {
                        self.stats.spoofed_bytes += len as u64;
                        self.send(0, (spoofed, to), ecn, buf[..len].to_vec());
                        keep_genuine
                    }
                    None => true,
                };
                if genuine {
                    self.send(0, (from, to), ecn, buf[..len].to_vec());
                }
                any = true;
            }
            while let Some((len, Envelope { from, to, ecn })) = self.b.transmit(self.now, &mut buf)
            {
                self.send(1, (from, to), ecn, buf[..len].to_vec());
                any = true;
            }
            if !any {
                return;
            }
        }
    }

    /// Whether a datagram from the client validates its address: it holds a Handshake packet
    /// (RFC 9000 §8.1), told from the clear long-header fields of each coalesced packet.
    fn validates(data: &[u8]) -> bool {
        Coalesced::new(data, 0).flatten().any(|(header, _)| {
            matches!(header, ParsedHeader::Protected(p) if p.kind == PacketKind::Handshake)
        })
    }

    /// When the next delivery or timeout is due, once both sides have sent what they have.
    fn next_event(&mut self) -> Option<Instant> {
        self.drain_transmits();
        let next_delivery = self.queue.peek().map(|Reverse(d)| d.at);
        [next_delivery, self.a.next_timeout(), self.b.next_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handles every event due in the next `d` of virtual time and ends at its end.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while self.next_event().is_some_and(|t| t <= end) {
            self.step();
        }
        self.now = self.now.max(end);
    }

    /// Advances to the next event (delivery or timeout) and handles it. Returns false when
    /// nothing is left to happen; panics (with the seed) when a node's deadline keeps coming
    /// due at one instant without effect.
    pub fn step(&mut self) -> bool {
        let Some(next) = self.next_event() else {
            return false;
        };
        let moved = next > self.now;
        self.now = self.now.max(next);
        let delivers = self.queue.peek().is_some_and(|Reverse(d)| d.at <= self.now);
        if moved || delivers {
            self.stalled_steps = 0;
        } else {
            self.stalled_steps += 1;
            assert!(
                self.stalled_steps < MAX_STALLED_STEPS,
                "seed {}: a deadline {:?} in keeps firing without effect",
                self.seed,
                self.elapsed()
            );
        }
        while let Some(Reverse(d)) = self.queue.peek() {
            if d.at > self.now {
                break;
            }
            let Reverse(mut d) = self.queue.pop().expect("peeked");
            if d.to_b {
                if let Some((received, _)) = &mut self.amplification {
                    if Self::validates(&d.data) {
                        self.amplification = None;
                    } else {
                        *received += d.data.len() as u64;
                    }
                }
                let envelope = Envelope {
                    from: d.from,
                    to: d.to,
                    ecn: d.ecn,
                };
                self.b.receive(self.now, envelope, &mut d.data);
            } else if self.client_seen_as.is_some_and(|at| at != d.to) {
                self.stats.misaddressed += 1;
                self.stats.misaddressed_bytes += d.data.len() as u64;
            } else {
                let envelope = Envelope {
                    from: d.from,
                    to: d.to,
                    ecn: d.ecn,
                };
                self.a.receive(self.now, envelope, &mut d.data);
            }
        }
        if self.a.next_timeout().is_some_and(|t| t <= self.now) {
            self.a.on_timeout(self.now);
        }
        if self.b.next_timeout().is_some_and(|t| t <= self.now) {
            self.b.on_timeout(self.now);
        }
        true
    }

    /// Runs until `done` holds, failing (with the seed) if `limit` of virtual time passes or
    /// the network falls silent first.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&A, &B) -> bool) {
        while !done(&self.a, &self.b) {
            assert!(
                self.elapsed() < limit,
                "seed {}: not done after {:?} of virtual time",
                self.seed,
                limit
            );
            assert!(
                self.step(),
                "seed {}: nothing left to happen after {:?}",
                self.seed,
                self.elapsed()
            );
        }
    }
}
