//! Congestion control: the interface the connection drives, and NewReno (RFC 9002 §7) and CUBIC
//! (RFC 9438) behind it.
//!
//! The connection reports every in-flight packet sent ([`CongestionController::on_packet_sent`]),
//! every in-flight packet newly acknowledged ([`CongestionController::on_ack`]), lost in-flight
//! packets as one congestion event per loss detection
//! ([`CongestionController::on_congestion_event`]), increases of the peer's ECN-CE count and
//! discarded packets. The controller keeps its own count of bytes in flight from those calls.

use std::fmt;
use std::time::Instant;

use super::rtt::RttEstimator;

mod cubic;
mod new_reno;

pub use cubic::Cubic;
pub use new_reno::NewReno;

/// The largest initial window (RFC 9002 §7.2), kept as the byte limit for small datagrams.
const INITIAL_WINDOW_LIMIT: u64 = 14_720;

/// The initial congestion window for `max_datagram_size` (RFC 9002 §7.2):
/// min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
pub fn initial_window(max_datagram_size: u64) -> u64 {
    max_datagram_size
        .saturating_mul(10)
        .min(INITIAL_WINDOW_LIMIT.max(max_datagram_size.saturating_mul(2)))
}

/// The minimum congestion window for `max_datagram_size` (RFC 9002 §7.2): two datagrams.
pub fn minimum_window(max_datagram_size: u64) -> u64 {
    max_datagram_size.saturating_mul(2)
}

/// A congestion controller, as the connection drives it. All byte counts are of QUIC packets
/// (headers and AEAD overhead included, UDP and IP excluded).
pub trait CongestionController: fmt::Debug + Send {
    /// The congestion window in bytes: bytes in flight may not exceed it (RFC 9002 §7), except
    /// for probes.
    fn window(&self) -> u64;

    /// Bytes in flight as reported to this controller.
    fn bytes_in_flight(&self) -> u64;

    /// The slow start threshold in bytes (`u64::MAX` while infinite).
    fn ssthresh(&self) -> u64;

    /// Whether the controller is in a recovery period: it reduced its window and no packet sent
    /// since then has been acknowledged.
    fn in_recovery(&self) -> bool;

    /// Whether the controller is in slow start (window below the slow start threshold).
    fn in_slow_start(&self) -> bool {
        self.window() < self.ssthresh()
    }

    /// The maximum datagram size the window is counted in.
    fn max_datagram_size(&self) -> u64;

    /// Changes the maximum datagram size (at least 1). The minimum window follows; before any
    /// acknowledgment or loss, the window is reset to the new initial window (RFC 9002 §7.2).
    fn set_max_datagram_size(&mut self, size: u64);

    /// An in-flight packet of `bytes` was sent at `now`.
    fn on_packet_sent(&mut self, now: Instant, bytes: u64);

    /// An in-flight packet of `bytes` sent at `sent_time` was newly acknowledged at `now`.
    /// `app_limited`: the sender was not using its window (application or flow control
    /// limited, RFC 9002 §7.8), so the window must not grow.
    fn on_ack(
        &mut self,
        now: Instant,
        sent_time: Instant,
        bytes: u64,
        rtt: &RttEstimator,
        app_limited: bool,
    );

    /// In-flight packets totalling `lost_bytes` were declared lost at `now`, the latest of them
    /// sent at `sent_time`. Reduces the window unless `sent_time` falls in the current recovery
    /// period; `is_persistent_congestion` then collapses it to the minimum window (RFC 9002
    /// §7.6.2, Appendix B.8).
    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent_time: Instant,
        is_persistent_congestion: bool,
        lost_bytes: u64,
    );

    /// The peer's ECN-CE count increased in an ACK whose largest acknowledged packet was sent
    /// at `sent_time` (RFC 9002 Appendix B.7): a congestion event without lost bytes.
    fn on_ecn_ce(&mut self, now: Instant, sent_time: Instant) {
        self.on_congestion_event(now, sent_time, false, 0);
    }

    /// In-flight packets totalling `bytes` were discarded with their keys (RFC 9002 §6.4) or
    /// otherwise stopped counting without being acknowledged or lost.
    fn on_packets_discarded(&mut self, bytes: u64);
}

/// Which congestion controller to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CongestionKind {
    /// NewReno, RFC 9002 §7.
    #[default]
    NewReno,
    /// CUBIC, RFC 9438.
    Cubic,
}

impl CongestionKind {
    /// A new controller of this kind for `max_datagram_size`.
    pub fn build(self, max_datagram_size: u64) -> Box<dyn CongestionController> {
        match self {
            CongestionKind::NewReno => Box::new(NewReno::new(max_datagram_size)),
            CongestionKind::Cubic => Box::new(Cubic::new(max_datagram_size)),
        }
    }
}

/// Recovery period bookkeeping shared by the controllers (RFC 9002 §7.3.2, Appendix B.5/B.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Recovery {
    /// When the current or last recovery period started.
    start: Option<Instant>,
    /// Whether no packet sent after `start` has been acknowledged yet.
    active: bool,
}

impl Recovery {
    /// InCongestionRecovery: whether a packet sent at `sent_time` belongs to the recovery
    /// period (it was sent before the period started).
    fn covers(&self, sent_time: Instant) -> bool {
        self.start.is_some_and(|start| sent_time <= start)
    }

    /// An acknowledgment of a packet sent at `sent_time`; returns whether the window may grow.
    /// Acknowledging a packet sent after the start ends the period.
    fn on_ack(&mut self, sent_time: Instant) -> bool {
        if self.covers(sent_time) {
            return false;
        }
        self.active = false;
        true
    }

    /// A congestion event for a packet sent at `sent_time`: starts a period at `now` and
    /// returns true, unless the packet belongs to the current one.
    fn on_congestion(&mut self, now: Instant, sent_time: Instant) -> bool {
        if self.covers(sent_time) {
            return false;
        }
        self.start = Some(now);
        self.active = true;
        true
    }

    /// Leaves recovery after persistent congestion (congestion_recovery_start_time = 0).
    fn reset(&mut self) {
        *self = Recovery::default();
    }
}

/// State every controller keeps besides its window: the maximum datagram size, the slow start
/// threshold, bytes in flight and the recovery period (RFC 9002 Appendix B.2).
#[derive(Debug, Clone)]
struct CcCommon {
    /// The maximum datagram size the window is counted in (at least 1).
    mds: u64,
    /// The slow start threshold in bytes (`u64::MAX` while infinite).
    ssthresh: u64,
    /// Bytes in flight as reported to the controller.
    bytes_in_flight: u64,
    /// The recovery period.
    recovery: Recovery,
    /// No acknowledgment or congestion event yet: the window is the initial window.
    untouched: bool,
}

impl CcCommon {
    /// The state of a new controller for `max_datagram_size`: infinite ssthresh, nothing in
    /// flight, no recovery period.
    fn new(max_datagram_size: u64) -> Self {
        CcCommon {
            mds: datagram_size(max_datagram_size),
            ssthresh: u64::MAX,
            bytes_in_flight: 0,
            recovery: Recovery::default(),
            untouched: true,
        }
    }

    /// Changes the maximum datagram size; returns whether the window is still the initial
    /// window and must follow it (RFC 9002 §7.2).
    fn set_mds(&mut self, size: u64) -> bool {
        self.mds = datagram_size(size);
        self.untouched
    }

    /// An in-flight packet of `bytes` was sent.
    fn sent(&mut self, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_add(bytes);
    }

    /// An in-flight packet of `bytes` sent at `sent_time` was acknowledged; returns whether
    /// the window may grow (the packet is outside the recovery period).
    fn acked(&mut self, sent_time: Instant, bytes: u64) -> bool {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
        self.untouched = false;
        self.recovery.on_ack(sent_time)
    }

    /// A congestion event at `now` for `lost` bytes, the latest sent at `sent_time`; returns
    /// whether it starts a new recovery period, so the window must be reduced.
    fn congestion(&mut self, now: Instant, sent_time: Instant, lost: u64) -> bool {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(lost);
        self.untouched = false;
        self.recovery.on_congestion(now, sent_time)
    }

    /// In-flight packets of `bytes` stopped counting without acknowledgment or loss.
    fn discarded(&mut self, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
    }
}

/// Sanitises a maximum datagram size: at least 1, so no window computation divides by zero.
fn datagram_size(size: u64) -> u64 {
    size.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_and_minimum_windows() {
        assert_eq!(initial_window(1200), 12_000);
        assert_eq!(initial_window(1472), 14_720);
        assert_eq!(initial_window(1500), 14_720);
        assert_eq!(initial_window(9000), 18_000);
        assert_eq!(initial_window(u64::MAX), u64::MAX);
        assert_eq!(minimum_window(1200), 2400);
    }

    #[test]
    fn recovery_period_keyed_on_send_time() {
        let t = Instant::now();
        let later = |ms| t + std::time::Duration::from_millis(ms);
        let mut r = Recovery::default();
        assert!(r.on_ack(t));
        assert!(r.on_congestion(later(10), t));
        assert!(r.active);
        assert!(!r.on_congestion(later(20), later(10)));
        assert!(!r.on_ack(later(5)));
        assert!(r.active);
        assert!(r.on_ack(later(11)));
        assert!(!r.active);
        assert!(!r.on_congestion(later(30), later(9)));
        assert!(r.on_congestion(later(30), later(12)));
        r.reset();
        assert_eq!(r, Recovery::default());
    }
}
