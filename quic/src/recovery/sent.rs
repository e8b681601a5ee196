//! Sent packets of one packet number space: acknowledgment processing, loss detection (RFC 9002
//! §6.1), persistent congestion (§7.6) and discarding the space (§6.4).

use std::collections::VecDeque;
use std::fmt;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use crate::error::TransportError;

use super::pn_set::PnSet;
use super::rtt::RttEstimator;

/// kPacketThreshold (RFC 9002 §6.1.1): a packet is lost once a packet this many numbers
/// later is acknowledged.
pub const PACKET_THRESHOLD: u64 = 3;

/// Most packets that are not in flight (ACK frames alone) tracked while unacknowledged: a peer
/// that never acknowledges them would otherwise make the sender remember one per packet it
/// answers, without end. Beyond it the oldest is forgotten: its acknowledgment would only have
/// told what the peer saw of an old ACK, which a later one tells as well.
pub const MAX_ACK_ONLY_TRACKED: usize = 1024;

/// One sent packet and what the connection remembers about it (`data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPacket<T> {
    /// The packet number.
    pub pn: u64,
    /// When it was sent.
    pub time_sent: Instant,
    /// Its size in bytes, QUIC header and AEAD overhead included, UDP and IP excluded.
    pub size: u64,
    /// Whether it contains an ack-eliciting frame.
    pub ack_eliciting: bool,
    /// Whether it counts toward bytes in flight (anything but ACK frames alone).
    pub in_flight: bool,
    /// What the connection needs to act on its acknowledgment or loss.
    pub data: T,
}

/// An ACK acknowledged a packet number that was never sent in this space: the connection closes
/// with PROTOCOL_VIOLATION (RFC 9000 §13.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsentPacketAcked {
    /// The largest packet number of the offending range.
    pub pn: u64,
}

impl fmt::Display for UnsentPacketAcked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "acknowledgment of unsent packet {}", self.pn)
    }
}

impl std::error::Error for UnsentPacketAcked {}

impl From<UnsentPacketAcked> for TransportError {
    fn from(_: UnsentPacketAcked) -> Self {
        TransportError::protocol_violation(None, "acknowledgment of an unsent packet")
    }
}

/// What an ACK frame newly acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckOutcome<T> {
    /// The newly acknowledged packets, by increasing packet number.
    pub packets: Vec<SentPacket<T>>,
    /// The largest packet number the frame acknowledges (`None` if it had no non-empty range).
    pub largest_acked: Option<u64>,
    /// The send time of that largest packet, if this frame newly acknowledged it.
    pub largest_newly_acked_sent: Option<Instant>,
    /// Whether any newly acknowledged packet was ack-eliciting.
    pub any_ack_eliciting: bool,
}

impl<T> AckOutcome<T> {
    /// The RTT sample this ACK yields when received at `now` (RFC 9002 §5.1): only if the largest
    /// acknowledged packet is newly acknowledged and some newly acknowledged packet was
    /// ack-eliciting.
    pub fn rtt_sample(&self, now: Instant) -> Option<Duration> {
        let sent = self.largest_newly_acked_sent?;
        self.any_ack_eliciting
            .then(|| now.saturating_duration_since(sent))
    }
}

/// Packets declared lost by [`SentPackets::detect_lost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossOutcome<T> {
    /// The lost packets, by increasing packet number.
    pub packets: Vec<SentPacket<T>>,
    /// When the next packet can be declared lost by the time threshold (the loss timer).
    pub loss_time: Option<Instant>,
}

impl<T> LossOutcome<T> {
    /// Bytes in flight among the lost packets.
    pub fn bytes_in_flight(&self) -> u64 {
        in_flight_bytes(&self.packets)
    }

    /// The latest send time among lost in-flight packets: the congestion event's send time
    /// (RFC 9002 Appendix B.8). `None` if no in-flight packet was lost.
    pub fn largest_lost_sent(&self) -> Option<Instant> {
        self.packets
            .iter()
            .filter(|p| p.in_flight)
            .map(|p| p.time_sent)
            .max()
    }
}

/// What was outstanding in a discarded space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded<T> {
    /// Every packet that was neither acknowledged nor lost, by increasing packet number.
    pub packets: Vec<SentPacket<T>>,
    /// Their bytes in flight, to remove from the congestion controller.
    pub bytes_in_flight: u64,
}

fn in_flight_bytes<T>(packets: &[SentPacket<T>]) -> u64 {
    packets
        .iter()
        .filter(|p| p.in_flight)
        .fold(0u64, |sum, p| sum.saturating_add(p.size))
}

/// An in-flight packet's place among those sent after the oldest outstanding one: empty once
/// acknowledged or declared lost while an older one is still outstanding.
#[derive(Debug, Clone)]
struct Slot<T> {
    pn: u64,
    packet: Option<SentPacket<T>>,
}

/// Capacity a record keeps once empty (an idle connection, a sender between bursts); what
/// it grew to beyond that is given back then.
const KEPT_SLOTS: usize = 4;

/// The packets sent in one packet number space that are neither acknowledged nor declared lost.
///
/// Records live in two queues ordered by packet number, whose storage is reused from packet to
/// packet (a packet costs no allocation): the in-flight packets, where one acknowledged out of
/// order leaves an empty slot until the older ones go, and the packets not in flight (ACK
/// frames alone), at most [`MAX_ACK_ONLY_TRACKED`]. The in-flight queue spans the packets sent
/// since the oldest outstanding one, which loss detection declares lost once three later
/// ones are acknowledged, so its length follows the congestion window; the packets a peer
/// makes this endpoint acknowledge cannot lengthen it.
#[derive(Debug, Clone)]
pub struct SentPackets<T> {
    flight: VecDeque<Slot<T>>,
    /// Records in `flight` that hold a packet.
    in_flight_count: usize,
    ack_only: VecDeque<SentPacket<T>>,
    /// Packet numbers the peer acknowledged, from the oldest outstanding packet up.
    acked: PnSet,
    bytes_in_flight: u64,
    ack_eliciting_in_flight: u64,
    largest_sent: Option<u64>,
    largest_acked: Option<u64>,
    loss_time: Option<Instant>,
    last_ack_eliciting_sent: Option<Instant>,
}

impl<T> Default for SentPackets<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SentPackets<T> {
    /// An empty space.
    pub fn new() -> Self {
        SentPackets {
            flight: VecDeque::new(),
            in_flight_count: 0,
            ack_only: VecDeque::new(),
            acked: PnSet::default(),
            bytes_in_flight: 0,
            ack_eliciting_in_flight: 0,
            largest_sent: None,
            largest_acked: None,
            loss_time: None,
            last_ack_eliciting_sent: None,
        }
    }

    /// Records a sent packet (RFC 9002 Appendix A.5). Packet numbers are expected to increase;
    /// a number already tracked replaces the earlier record.
    pub fn on_sent(&mut self, packet: SentPacket<T>) {
        let pn = packet.pn;
        let in_order = self.largest_sent.is_none_or(|l| pn > l);
        if !in_order && let Some(old) = self.take(pn) {
            self.forget(&old);
        }
        self.largest_sent = Some(self.largest_sent.map_or(pn, |l| l.max(pn)));
        if !packet.in_flight {
            let at = if in_order {
                self.ack_only.len()
            } else {
                self.ack_only.partition_point(|p| p.pn < pn)
            };
            self.ack_only.insert(at, packet);
            while self.ack_only.len() > MAX_ACK_ONLY_TRACKED {
                self.ack_only.pop_front();
            }
            return;
        }
        self.bytes_in_flight = self.bytes_in_flight.saturating_add(packet.size);
        if packet.ack_eliciting {
            self.ack_eliciting_in_flight = self.ack_eliciting_in_flight.saturating_add(1);
            self.last_ack_eliciting_sent = Some(packet.time_sent);
        }
        self.in_flight_count += 1;
        let slot = Slot {
            pn,
            packet: Some(packet),
        };
        if in_order {
            self.flight.push_back(slot);
        } else {
            match self.flight.binary_search_by_key(&pn, |s| s.pn) {
                Ok(i) => self.flight[i] = slot,
                Err(i) => self.flight.insert(i, slot),
            }
        }
    }

    /// Removes `p`'s share of the in-flight counters.
    fn forget(&mut self, p: &SentPacket<T>) {
        if p.in_flight {
            self.bytes_in_flight = self.bytes_in_flight.saturating_sub(p.size);
            if p.ack_eliciting {
                self.ack_eliciting_in_flight = self.ack_eliciting_in_flight.saturating_sub(1);
            }
        }
    }

    /// Takes the outstanding packet `pn` out of the records (counters untouched).
    fn take(&mut self, pn: u64) -> Option<SentPacket<T>> {
        if let Ok(i) = self.flight.binary_search_by_key(&pn, |s| s.pn) {
            let p = self.flight[i].packet.take();
            if p.is_some() {
                self.in_flight_count -= 1;
                self.trim();
            }
            return p;
        }
        let i = self.ack_only.binary_search_by_key(&pn, |p| p.pn).ok()?;
        self.ack_only.remove(i)
    }

    /// Moves the in-flight packets numbered `lo..=hi` to `out`.
    fn take_flight(&mut self, lo: u64, hi: u64, out: &mut Vec<SentPacket<T>>) {
        let from = self.flight.partition_point(|s| s.pn < lo);
        let to = self.flight.partition_point(|s| s.pn <= hi);
        out.reserve(to.saturating_sub(from));
        let start = out.len();
        out.extend(
            self.flight
                .range_mut(from..to.max(from))
                .filter_map(|slot| slot.packet.take()),
        );
        self.forget_flight(&out[start..]);
    }

    /// Removes the counters' share of `taken`, packets just taken out of `flight`.
    fn forget_flight(&mut self, taken: &[SentPacket<T>]) {
        self.in_flight_count -= taken.len();
        for p in taken {
            self.forget(p);
        }
    }

    /// Moves the packets not in flight numbered `lo..=hi` to `out`.
    fn take_ack_only(&mut self, lo: u64, hi: u64, out: &mut Vec<SentPacket<T>>) {
        let from = self.ack_only.partition_point(|p| p.pn < lo);
        let to = self.ack_only.partition_point(|p| p.pn <= hi);
        if from < to {
            out.extend(self.ack_only.drain(from..to));
        }
    }

    /// Drops the empty slots at both ends of the in-flight records, and gives back storage
    /// mostly unused.
    fn trim(&mut self) {
        while self.flight.front().is_some_and(|s| s.packet.is_none()) {
            self.flight.pop_front();
        }
        while self.flight.back().is_some_and(|s| s.packet.is_none()) {
            self.flight.pop_back();
        }
        if self.flight.is_empty() && self.flight.capacity() > KEPT_SLOTS {
            self.flight.shrink_to(KEPT_SLOTS);
        }
        if self.ack_only.is_empty() && self.ack_only.capacity() > KEPT_SLOTS {
            self.ack_only.shrink_to(KEPT_SLOTS);
        }
    }

    /// The smallest packet number still outstanding.
    fn oldest(&self) -> Option<u64> {
        let flight = self.flight.front().map(|s| s.pn);
        let ack_only = self.ack_only.front().map(|p| p.pn);
        match (flight, ack_only) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Processes the ranges of an ACK frame, ideally largest first as the frame lists them:
    /// removes and returns the newly acknowledged packets.
    ///
    /// Each range costs O((1 + packets it acknowledges) log n), whatever its width, plus the
    /// empty slots among packet numbers it acknowledges for the first time. A range reaching
    /// above the largest packet number sent is an error; ranges before it were already
    /// applied (none, if the ranges come largest first), and the connection is to be closed
    /// anyway. Empty ranges are ignored; duplicate acknowledgments acknowledge nothing.
    pub fn on_ack(
        &mut self,
        ranges: impl IntoIterator<Item = RangeInclusive<u64>>,
    ) -> Result<AckOutcome<T>, UnsentPacketAcked> {
        let mut packets = Vec::new();
        let mut largest: Option<u64> = None;
        for range in ranges {
            let (lo, hi) = (*range.start(), *range.end());
            if lo > hi {
                continue;
            }
            if self.largest_sent.is_none_or(|l| hi > l) {
                return Err(UnsentPacketAcked { pn: hi });
            }
            largest = Some(largest.map_or(hi, |l| l.max(hi)));
            // Only numbers not acknowledged before can still be outstanding: a peer repeating
            // a range costs no walk over the slots it emptied.
            for (lo, hi) in self.acked.insert_new(lo, hi) {
                self.take_flight(lo, hi, &mut packets);
                self.take_ack_only(lo, hi, &mut packets);
            }
        }
        self.trim();
        packets.sort_unstable_by_key(|p| p.pn);
        if let Some(l) = largest {
            self.largest_acked = Some(self.largest_acked.map_or(l, |a| a.max(l)));
        }
        match self.oldest() {
            Some(oldest) => self.acked.remove_below(oldest),
            None => self.acked.clear(),
        }
        let largest_newly_acked_sent =
            largest.and_then(|l| packets.last().filter(|p| p.pn == l).map(|p| p.time_sent));
        let any_ack_eliciting = packets.iter().any(|p| p.ack_eliciting);
        Ok(AckOutcome {
            packets,
            largest_acked: largest,
            largest_newly_acked_sent,
            any_ack_eliciting,
        })
    }

    /// Declares lost the packets at or below the largest acknowledged one that are
    /// [`PACKET_THRESHOLD`] numbers older or were sent at least `rtt.loss_delay()` before `now`
    /// (RFC 9002 §6.1, Appendix A.10), and computes when the next one could be (the loss timer).
    pub fn detect_lost(&mut self, now: Instant, rtt: &RttEstimator) -> LossOutcome<T> {
        self.loss_time = None;
        let Some(largest_acked) = self.largest_acked else {
            return LossOutcome {
                packets: Vec::new(),
                loss_time: None,
            };
        };
        let loss_delay = rtt.loss_delay();
        let is_lost = |p: &SentPacket<T>| {
            let lost_at = p.time_sent.checked_add(loss_delay);
            let lost =
                lost_at.is_some_and(|t| t <= now) || largest_acked - p.pn >= PACKET_THRESHOLD;
            (lost, lost_at)
        };
        let mut packets = Vec::new();
        let mut loss_time: Option<Instant> = None;
        for slot in self.flight.iter_mut() {
            if slot.pn > largest_acked {
                break;
            }
            let Some(p) = &slot.packet else { continue };
            match is_lost(p) {
                (true, _) => packets.extend(slot.packet.take()),
                // Only in-flight packets arm the loss timer: an ACK-only packet's loss changes
                // nothing, and it is swept up by the next detection anyway.
                (false, lost_at) => {
                    if let Some(t) = lost_at {
                        loss_time = Some(loss_time.map_or(t, |l| l.min(t)));
                    }
                }
            }
        }
        self.forget_flight(&packets);
        let from_flight = packets.len();
        let mut kept = 0;
        while let Some(p) = self.ack_only.get(kept) {
            if p.pn > largest_acked {
                break;
            }
            if is_lost(p).0 {
                packets.extend(self.ack_only.remove(kept));
            } else {
                kept += 1;
            }
        }
        if packets.len() > from_flight {
            packets.sort_unstable_by_key(|p| p.pn);
        }
        self.trim();
        self.loss_time = loss_time;
        LossOutcome { packets, loss_time }
    }

    /// Whether `lost` (packets of this space declared lost by one detection) establishes
    /// persistent congestion (RFC 9002 §7.6.2): two ack-eliciting lost packets, both sent after
    /// the first RTT sample, more than `rtt.persistent_congestion_duration(max_ack_delay)` apart,
    /// with no packet number between them acknowledged in this space.
    ///
    /// Only this space's acknowledgments are considered, which RFC 9002 §7.6.2 permits.
    pub fn persistent_congestion(
        &self,
        lost: &[SentPacket<T>],
        rtt: &RttEstimator,
        max_ack_delay: Duration,
    ) -> bool {
        let Some(first_sample) = rtt.first_sample_time() else {
            return false;
        };
        let duration = rtt.persistent_congestion_duration(max_ack_delay);
        // Loss detection reports packets in packet number order; sort a copy only otherwise.
        if lost.is_sorted_by_key(|p| p.pn) {
            self.congested_run(lost.iter(), first_sample, duration)
        } else {
            let mut sorted: Vec<&SentPacket<T>> = lost.iter().collect();
            sorted.sort_unstable_by_key(|p| p.pn);
            self.congested_run(sorted.into_iter(), first_sample, duration)
        }
    }

    /// Whether `lost`, in packet number order, holds two ack-eliciting packets sent after
    /// `first_sample`, more than `duration` apart, with no packet number between them
    /// acknowledged.
    fn congested_run<'a>(
        &self,
        lost: impl Iterator<Item = &'a SentPacket<T>>,
        first_sample: Instant,
        duration: Duration,
    ) -> bool
    where
        T: 'a,
    {
        let candidates = lost
            .filter(|p| p.time_sent > first_sample)
            .map(|p| (p.pn, p.time_sent, p.ack_eliciting));
        // Walk runs of lost packets with no acknowledged packet number in between, tracking the
        // earliest and latest ack-eliciting send times of the current run.
        let mut prev_pn: Option<u64> = None;
        let mut run: Option<(Instant, Instant)> = None;
        for (pn, sent, ack_eliciting) in candidates {
            if prev_pn.is_some_and(|prev| self.acked.any_between(prev, pn)) {
                run = None;
            }
            prev_pn = Some(pn);
            if !ack_eliciting {
                continue;
            }
            let (first, last) = run.map_or((sent, sent), |(f, l)| (f.min(sent), l.max(sent)));
            if last.saturating_duration_since(first) > duration {
                return true;
            }
            run = Some((first, last));
        }
        false
    }

    /// Discards the space (its keys are gone, RFC 9002 §6.4): every outstanding packet is
    /// forgotten and returned with the bytes in flight they held; timers and counters reset.
    pub fn discard(&mut self) -> Discarded<T> {
        let mut packets: Vec<SentPacket<T>> = std::mem::take(&mut self.flight)
            .into_iter()
            .filter_map(|s| s.packet)
            .collect();
        packets.extend(std::mem::take(&mut self.ack_only));
        packets.sort_unstable_by_key(|p| p.pn);
        let bytes_in_flight = self.bytes_in_flight;
        self.in_flight_count = 0;
        self.acked.clear();
        self.bytes_in_flight = 0;
        self.ack_eliciting_in_flight = 0;
        self.loss_time = None;
        self.last_ack_eliciting_sent = None;
        Discarded {
            packets,
            bytes_in_flight,
        }
    }

    /// Bytes of outstanding in-flight packets in this space.
    pub fn bytes_in_flight(&self) -> u64 {
        self.bytes_in_flight
    }

    /// Number of outstanding ack-eliciting in-flight packets.
    pub fn ack_eliciting_in_flight(&self) -> u64 {
        self.ack_eliciting_in_flight
    }

    /// When the last ack-eliciting in-flight packet was sent (the PTO base), unless the space
    /// was discarded since.
    pub fn last_ack_eliciting_sent(&self) -> Option<Instant> {
        self.last_ack_eliciting_sent
    }

    /// The largest packet number sent.
    pub fn largest_sent(&self) -> Option<u64> {
        self.largest_sent
    }

    /// The largest packet number the peer acknowledged.
    pub fn largest_acked(&self) -> Option<u64> {
        self.largest_acked
    }

    /// The loss timer set by the last [`detect_lost`](Self::detect_lost).
    pub fn loss_time(&self) -> Option<Instant> {
        self.loss_time
    }

    /// The outstanding packet with number `pn`.
    pub fn get(&self, pn: u64) -> Option<&SentPacket<T>> {
        if let Ok(i) = self.flight.binary_search_by_key(&pn, |s| s.pn) {
            return self.flight[i].packet.as_ref();
        }
        let i = self.ack_only.binary_search_by_key(&pn, |p| p.pn).ok()?;
        self.ack_only.get(i)
    }

    /// Outstanding packets by increasing packet number.
    pub fn iter(&self) -> impl Iterator<Item = &SentPacket<T>> {
        let mut flight = self
            .flight
            .iter()
            .filter_map(|s| s.packet.as_ref())
            .peekable();
        let mut ack_only = self.ack_only.iter().peekable();
        std::iter::from_fn(move || match (flight.peek(), ack_only.peek()) {
            (Some(a), Some(b)) if b.pn < a.pn => ack_only.next(),
            (Some(_), _) => flight.next(),
            (None, _) => ack_only.next(),
        })
    }

    /// Number of outstanding packets.
    pub fn len(&self) -> usize {
        self.in_flight_count + self.ack_only.len()
    }

    /// Whether nothing is outstanding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
