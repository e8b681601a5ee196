//! One direction of the simulated link, without sockets or clocks: datagrams arrive at a
//! time, the error models decide their fate, a drop-tail queue and the link rate space them
//! out, the one-way delay follows, and they come out when due. A competing TCP flow
//! (`relay::cross`) may share the queue and the rate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use super::cross::{self, CrossFlow};
use super::scenario::{Blackhole, ErrorRate};

/// Bytes of IPv4 and UDP headers the link rate counts for each datagram.
const HEADERS: u64 = 28;
/// The error models corrupt one byte among this many at the front of a datagram.
const CORRUPT_SPAN: usize = 50;

/// What became of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Passed on unchanged.
    Forwarded,
    /// Passed on with one byte changed.
    Corrupted,
    /// Dropped by the drop-rate model.
    Lost,
    /// Dropped during an outage.
    Blackholed,
    /// Dropped by its index.
    Listed,
    /// Dropped because the queue was full.
    QueueFull,
    /// Dropped for being larger than the link's MTU.
    TooLarge,
}

/// The settings of one direction.
#[derive(Debug, Clone, Default)]
pub struct LinkConfig {
    /// One-way delay.
    pub delay: Duration,
    /// Bits per second (0: no limit).
    pub bandwidth: u64,
    /// The largest datagram carried (`None`: any).
    pub mtu: Option<usize>,
    /// Queue length in datagrams.
    pub queue: usize,
    /// Percent dropped, and the longest run of drops.
    pub drop: Option<(u8, Option<u32>)>,
    /// Percent corrupted, and the longest run.
    pub corrupt: Option<(u8, Option<u32>)>,
    /// Outages, counted from the link's start.
    pub blackhole: Option<Blackhole>,
    /// Indices (from 1) of the datagrams to drop.
    pub droplist: Vec<u64>,
    /// A competing TCP flow shares the queue and the rate.
    pub cross_traffic: bool,
}

impl LinkConfig {
    /// `rate`'s share of this direction (`to_server` or not).
    pub fn rate(rate: Option<ErrorRate>, to_server: bool) -> Option<(u8, Option<u32>)> {
        rate.map(|r| (if to_server { r.to_server } else { r.to_client }, r.burst))
    }
}

/// One direction of the link, carrying datagrams with a label `L` of the caller's.
#[derive(Debug)]
pub struct Link<L = usize> {
    config: LinkConfig,
    start: Instant,
    rng: ChaCha8Rng,
    /// Datagrams that arrived so far (the droplist's index).
    arrived: u64,
    /// Consecutive drops, and consecutive corruptions, so far.
    dropped_in_a_row: u32,
    corrupted_in_a_row: u32,
    /// When the link finishes sending what it has taken.
    busy_until: Instant,
    /// Datagrams on their way: when each leaves the queue (serialised), when it arrives,
    /// the caller's label for it (none for the competing flow's packets), and its bytes.
    in_flight: VecDeque<(Instant, Instant, Option<L>, Vec<u8>)>,
    /// The competing flow, if the link has one.
    cross: Option<CrossFlow>,
}

impl<L> Link<L> {
    /// A link started at `start`, its random choices from `rng`.
    pub fn new(config: LinkConfig, start: Instant, rng: ChaCha8Rng) -> Self {
        Link {
            start,
            rng,
            arrived: 0,
            dropped_in_a_row: 0,
            corrupted_in_a_row: 0,
            busy_until: start,
            in_flight: VecDeque::new(),
            cross: config.cross_traffic.then(|| CrossFlow::new(config.delay)),
            config,
        }
    }

    /// A datagram arrives at `now`, labelled `label` by the caller (which client it is
    /// for): its fate, and it is on its way unless dropped.
    pub fn arrive(&mut self, now: Instant, label: L, mut data: Vec<u8>) -> Fate {
        self.run_cross(now);
        self.arrived += 1;
        if self.in_outage(now) {
            return Fate::Blackholed;
        }
        if self.config.droplist.contains(&self.arrived) {
            return Fate::Listed;
        }
        if self.config.mtu.is_some_and(|mtu| data.len() > mtu) {
            return Fate::TooLarge;
        }
        if let Some((rate, burst)) = self.config.drop
            && chosen(&mut self.rng, rate, burst, &mut self.dropped_in_a_row)
        {
            return Fate::Lost;
        }
        let mut fate = Fate::Forwarded;
        // Version Negotiation (version 0) is never corrupted, and breaks a run.
        let negotiation = data.len() >= 5 && data[0] & 0x80 != 0 && data[1..5] == [0; 4];
        if let Some((rate, burst)) = self.config.corrupt {
            if negotiation {
                self.corrupted_in_a_row = 0;
            } else if !data.is_empty()
                && chosen(&mut self.rng, rate, burst, &mut self.corrupted_in_a_row)
            {
                let span = data.len().min(CORRUPT_SPAN) as u64;
                let i = (self.rng.next_u64() % span) as usize;
                let old = data[i];
                data[i] = loop {
                    let b = self.rng.next_u32() as u8;
                    if b != old {
                        break b;
                    }
                };
                fate = Fate::Corrupted;
            }
        }
        let len = data.len();
        if !self.enqueue(now, Some(label), len, data) {
            return Fate::QueueFull;
        }
        fate
    }

    /// Puts `len` bytes labelled `label` in the queue at `now`, unless it is full; whether it
    /// took them.
    fn enqueue(&mut self, now: Instant, label: Option<L>, len: usize, data: Vec<u8>) -> bool {
        // The queue: datagrams not yet on the wire, plus the one being sent.
        // Send times only grow along the queue: count from its end.
        let waiting = self
            .in_flight
            .iter()
            .rev()
            .take_while(|(sent, ..)| *sent > now)
            .count();
        if waiting > self.config.queue {
            return false;
        }
        let start = self.busy_until.max(now);
        let sent = match self.config.bandwidth {
            0 => start,
            bps => {
                let bits = (len as u64 + HEADERS) * 8;
                start + Duration::from_nanos(bits * 1_000_000_000 / bps)
            }
        };
        self.busy_until = sent;
        self.in_flight
            .push_back((sent, sent + self.config.delay, label, data));
        true
    }

    /// Moves the competing flow on to `now`: takes its acknowledgments back and sends what
    /// its window allows into the queue.
    fn run_cross(&mut self, now: Instant) {
        let Some(mut flow) = self.cross.take() else {
            return;
        };
        flow.take_acks(now);
        while flow.may_send() {
            if self.enqueue(now, None, cross::PACKET, Vec::new()) {
                flow.on_sent();
            } else {
                flow.on_dropped(now);
                break;
            }
        }
        self.cross = Some(flow);
    }

    /// When the next datagram comes out (or the competing flow next acts), if any is on its
    /// way.
    pub fn next_due(&self) -> Option<Instant> {
        let due = self.in_flight.front().map(|(_, due, ..)| *due);
        let ack = self.cross.as_ref().and_then(CrossFlow::next_ack);
        due.into_iter().chain(ack).min()
    }

    /// The next datagram due by `now`, with its label; the competing flow's packets that
    /// arrive meanwhile are acknowledged.
    pub fn pop_due(&mut self, now: Instant) -> Option<(L, Vec<u8>)> {
        self.run_cross(now);
        while self
            .in_flight
            .front()
            .is_some_and(|(_, due, ..)| *due <= now)
        {
            let (_, due, label, data) = self.in_flight.pop_front()?;
            match label {
                Some(label) => return Some((label, data)),
                None => {
                    if let Some(flow) = &mut self.cross {
                        flow.on_delivered(due);
                    }
                }
            }
        }
        None
    }

    fn in_outage(&self, now: Instant) -> bool {
        let Some(b) = self.config.blackhole else {
            return false;
        };
        let since = now.saturating_duration_since(self.start);
        let period = b.on + b.off;
        if period.is_zero() {
            return false;
        }
        let n = since.as_nanos() / period.as_nanos();
        let within = since.as_nanos() % period.as_nanos();
        n < u128::from(b.repeat) && within >= b.on.as_nanos()
    }
}

/// The simulator's choice for one datagram at `rate` percent: after `burst` chosen in a
/// row the next is spared (and the run ends); otherwise chosen with probability `rate`%.
fn chosen(rng: &mut ChaCha8Rng, rate: u8, burst: Option<u32>, in_a_row: &mut u32) -> bool {
    if burst.is_some_and(|b| *in_a_row >= b) {
        *in_a_row = 0;
        return false;
    }
    if (rng.next_u32() % 100) < u32::from(rate) {
        *in_a_row += 1;
        true
    } else {
        *in_a_row = 0;
        false
    }
}
