//! A competing TCP flow for the crosstraffic case, where the runner runs iperf over the same
//! link: a Reno-style sender of full-sized packets that take their turn in the link's queue
//! and on its wire like the relay's datagrams. Each packet's acknowledgment comes back one
//! delay after it crossed the link (acknowledgments are small and not queued); the window
//! grows by one packet per acknowledgment in slow start and by one per window after, and
//! halves, once per round trip, when the queue drops one of its packets. It carries nothing
//! anyone reads: it only takes the link's capacity, as a bulk TCP transfer would.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Bytes each packet takes on the link (with the link's header count: 1500-byte IP packets).
pub(super) const PACKET: usize = 1472;
/// The window a flow starts with, in packets (RFC 6928).
const INITIAL_WINDOW: f64 = 10.0;
/// The smallest window, in packets.
const MIN_WINDOW: f64 = 2.0;

/// The competing flow's sender.
#[derive(Debug)]
pub(super) struct CrossFlow {
    /// Congestion window, in packets.
    window: f64,
    /// Slow-start threshold, in packets.
    threshold: f64,
    /// Packets sent and neither acknowledged nor dropped.
    in_flight: usize,
    /// When the acknowledgments of the packets that crossed the link come back, in order.
    acks: VecDeque<Instant>,
    /// A drop before this time belongs to the loss event already answered.
    recovering_until: Option<Instant>,
    /// The one-way delay: acknowledgments take it to come back.
    delay: Duration,
}

impl CrossFlow {
    /// A flow over a link of one-way `delay`.
    pub(super) fn new(delay: Duration) -> Self {
        CrossFlow {
            window: INITIAL_WINDOW,
            threshold: f64::INFINITY,
            in_flight: 0,
            acks: VecDeque::new(),
            recovering_until: None,
            delay,
        }
    }

    /// When the next acknowledgment comes back.
    pub(super) fn next_ack(&self) -> Option<Instant> {
        self.acks.front().copied()
    }

    /// Takes the acknowledgments back by `now`, growing the window.
    pub(super) fn take_acks(&mut self, now: Instant) {
        while self.acks.front().is_some_and(|t| *t <= now) {
            self.acks.pop_front();
            self.in_flight = self.in_flight.saturating_sub(1);
            self.window += if self.window < self.threshold {
                1.0
            } else {
                1.0 / self.window
            };
        }
    }

    /// Whether the window has room for another packet.
    pub(super) fn may_send(&self) -> bool {
        (self.in_flight as f64) < self.window.floor()
    }

    /// A packet went into the link's queue.
    pub(super) fn on_sent(&mut self) {
        self.in_flight += 1;
    }

    /// A packet the link delivered at `arrived`: its acknowledgment comes back a delay later.
    pub(super) fn on_delivered(&mut self, arrived: Instant) {
        self.acks.push_back(arrived + self.delay);
    }

    /// The queue dropped a packet at `now`: the window halves, once per round trip.
    pub(super) fn on_dropped(&mut self, now: Instant) {
        if self.recovering_until.is_none_or(|t| now >= t) {
            self.threshold = (self.window / 2.0).max(MIN_WINDOW);
            self.window = self.threshold;
            self.recovering_until = Some(now + 2 * self.delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_grows_with_acknowledgments_and_halves_once_per_loss_event() {
        let start = Instant::now();
        let mut flow = CrossFlow::new(Duration::from_millis(15));
        for _ in 0..10 {
            assert!(flow.may_send());
            flow.on_sent();
        }
        assert!(!flow.may_send(), "ten packets fill the initial window");
        for _ in 0..10 {
            flow.on_delivered(start);
        }
        assert_eq!(flow.next_ack(), Some(start + Duration::from_millis(15)));
        flow.take_acks(start + Duration::from_millis(15));
        assert_eq!(flow.window, 20.0, "slow start doubles it in a round trip");
        flow.on_dropped(start);
        flow.on_dropped(start + Duration::from_millis(10));
        assert_eq!(flow.window, 10.0, "one halving for drops of one round trip");
        flow.on_dropped(start + Duration::from_millis(31));
        assert_eq!(flow.window, 5.0);
    }
}
