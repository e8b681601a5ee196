//! Datagram size (DPLPMTUD, RFC 8899 with RFC 9000 §14.3): start at 1200 bytes, search upward
//! with PING probes padded to the size tried (their loss is no congestion signal), keep the
//! largest acknowledged, and fall back to 1200 when losses of full-size packets keep coming
//! with none of that size getting through (a black hole), searching again later.

use std::time::{Duration, Instant};

/// The base size: every QUIC path carries 1200-byte datagrams (RFC 9000 §14).
pub(super) const BASE: usize = 1200;

/// Probes of one size before the size is taken to be too large (RFC 8899's MAX_PROBES).
const MAX_PROBES: u8 = 3;

/// A search stops once the size known to work and the smallest known not to are this close.
const SEARCH_DONE_GAP: usize = 16;

/// Loss events that took packets above the base size, none of that size acknowledged
/// meanwhile, taken as a black hole. Events, not packets: congestion loses a burst at once,
/// and the packets after it get through.
const BLACK_HOLE_LOSSES: u64 = 3;

/// How long after a search ends (or after a black hole) the next one starts, to find a path
/// that got larger (RFC 8899's PMTU_RAISE_TIMER).
const RAISE_INTERVAL: Duration = Duration::from_secs(600);

/// A search in progress.
#[derive(Debug, Clone, Copy)]
struct Search {
    /// The smallest size known not to work, plus one: the search's upper end.
    high: usize,
    /// The size of the probe in flight, if any.
    in_flight: Option<usize>,
    /// Probes of the size being tried that were lost.
    lost: u8,
}

/// The datagram size of the current path and its search.
#[derive(Debug, Clone)]
pub(super) struct Pmtud {
    /// The largest size acknowledged on this path (at least [`BASE`]).
    current: usize,
    /// The most the endpoints allow: the search's ceiling.
    max: usize,
    search: Option<Search>,
    /// When the next search starts, if none is running.
    next_search: Option<Instant>,
    /// Loss events with packets above the base size since one was last acknowledged.
    large_lost: u64,
    /// Black holes detected.
    black_holes: u64,
}

impl Pmtud {
    /// A path at the base size whose search starts at once, up to `max`.
    pub(super) fn new(max: usize) -> Self {
        Pmtud {
            current: BASE,
            max: max.max(BASE),
            search: None,
            next_search: None,
            large_lost: 0,
            black_holes: 0,
        }
    }

    /// The size datagrams are sent at.
    pub(super) fn current(&self) -> usize {
        self.current
    }

    /// Black holes detected so far.
    pub(super) fn black_holes(&self) -> u64 {
        self.black_holes
    }

    /// Sets the ceiling (the smaller of both endpoints' `max_udp_payload_size`).
    pub(super) fn set_max(&mut self, max: usize) {
        self.max = max.max(BASE);
        self.current = self.current.min(self.max);
    }

    /// Starts the path over at the base size, searching at once (a new path).
    pub(super) fn new_path(&mut self) {
        *self = Pmtud::new(self.max);
    }

    /// The size of a probe to send now, if one is due; the caller sends it and reports it
    /// with [`on_probe_sent`](Self::on_probe_sent).
    pub(super) fn probe_due(&mut self, now: Instant) -> Option<usize> {
        if self.search.is_none() && self.next_search.is_none_or(|t| now >= t) {
            self.next_search = None;
            if self.max - self.current >= SEARCH_DONE_GAP {
                self.search = Some(Search {
                    high: self.max + 1,
                    in_flight: None,
                    lost: 0,
                });
            } else {
                self.next_search = Some(now + RAISE_INTERVAL);
            }
        }
        let search = self.search.as_ref()?;
        if search.in_flight.is_some() {
            return None;
        }
        // The ceiling first (most paths carry it), then halving the interval.
        Some(if search.high > self.max {
            self.max
        } else {
            (self.current + search.high) / 2
        })
    }

    /// Notes a probe of `size` sent.
    pub(super) fn on_probe_sent(&mut self, size: usize) {
        if let Some(s) = &mut self.search {
            s.in_flight = Some(size);
        }
    }

    /// A probe of `size` was acknowledged: the path carries it.
    pub(super) fn on_probe_acked(&mut self, now: Instant, size: usize) {
        self.current = self.current.max(size);
        self.large_lost = 0;
        if let Some(s) = &mut self.search {
            s.in_flight = None;
            s.lost = 0;
            if s.high.saturating_sub(self.current) <= SEARCH_DONE_GAP {
                self.end_search(now);
            }
        }
    }

    /// A probe of `size` was declared lost: after [`MAX_PROBES`] the size is too large.
    pub(super) fn on_probe_lost(&mut self, now: Instant, size: usize) {
        let Some(s) = &mut self.search else { return };
        s.in_flight = None;
        s.lost += 1;
        if s.lost >= MAX_PROBES {
            s.lost = 0;
            s.high = size;
            if s.high.saturating_sub(self.current) <= SEARCH_DONE_GAP {
                self.end_search(now);
            }
        }
    }

    /// A packet of `size` (not a probe) was acknowledged.
    pub(super) fn on_packet_acked(&mut self, size: usize) {
        if size > BASE {
            self.large_lost = 0;
        }
    }

    /// Packets above the base size (not probes) were declared lost at once: enough such
    /// events in a row mean a black hole, and the size falls back to the base until a later
    /// search.
    pub(super) fn on_large_lost(&mut self, now: Instant) {
        self.large_lost += 1;
        if self.large_lost >= BLACK_HOLE_LOSSES && self.current > BASE {
            self.current = BASE;
            self.large_lost = 0;
            self.black_holes += 1;
            self.end_search(now);
        }
    }

    /// When the next search starts, if one is waiting.
    pub(super) fn timer(&self) -> Option<Instant> {
        self.next_search.filter(|_| self.search.is_none())
    }

    fn end_search(&mut self, now: Instant) {
        self.search = None;
        self.next_search = Some(now + RAISE_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a search on a path carrying `path_mtu`, every probe answered at once.
    fn search(max: usize, path_mtu: usize) -> (Pmtud, usize) {
        let now = Instant::now();
        let mut p = Pmtud::new(max);
        let mut probes = 0;
        while let Some(size) = p.probe_due(now) {
            probes += 1;
            assert!(probes < 50, "the search ends");
            p.on_probe_sent(size);
            assert!(p.probe_due(now).is_none(), "one probe at a time");
            if size <= path_mtu {
                p.on_probe_acked(now, size);
            } else {
                p.on_probe_lost(now, size);
            }
        }
        (p, probes)
    }

    #[test]
    fn a_path_that_carries_the_ceiling_takes_one_probe() {
        let (p, probes) = search(1452, 1500);
        assert_eq!((p.current(), probes), (1452, 1));
        assert!(p.timer().is_some(), "a later search is planned");
    }

    #[test]
    fn a_smaller_path_is_found_within_the_gap() {
        let (p, _) = search(1452, 1350);
        assert!(p.current() <= 1350 && p.current() > 1350 - SEARCH_DONE_GAP);
        let (p, _) = search(1452, 1000);
        assert_eq!(p.current(), BASE, "below the base: nothing better than it");
    }

    #[test]
    fn a_ceiling_near_the_base_needs_no_search() {
        let mut p = Pmtud::new(1205);
        assert_eq!(p.probe_due(Instant::now()), None);
        assert_eq!(p.current(), BASE);
    }

    #[test]
    fn losses_of_large_packets_in_a_row_are_a_black_hole() {
        let now = Instant::now();
        let (mut p, _) = search(1452, 1500);
        p.on_large_lost(now);
        p.on_large_lost(now);
        p.on_packet_acked(1452);
        p.on_large_lost(now);
        p.on_large_lost(now);
        assert_eq!(
            p.current(),
            1452,
            "a large packet got through between the losses"
        );
        p.on_large_lost(now);
        assert_eq!((p.current(), p.black_holes()), (BASE, 1));
        // The next search waits for the raise timer.
        assert_eq!(p.probe_due(now), None);
        assert!(p.probe_due(now + RAISE_INTERVAL).is_some());
    }

    #[test]
    fn a_new_path_starts_at_the_base() {
        let (mut p, _) = search(1452, 1500);
        p.new_path();
        assert_eq!(p.current(), BASE);
        assert_eq!(p.probe_due(Instant::now()), Some(1452));
    }
}
