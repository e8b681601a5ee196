//! NewReno congestion control (RFC 9002 §7, Appendix B).

use std::time::Instant;

use super::{CongestionController, Recovery, datagram_size, initial_window, minimum_window};
use crate::recovery::rtt::RttEstimator;

/// The NewReno controller of RFC 9002: slow start, halving on loss once per recovery period,
/// one datagram of growth per window acknowledged in congestion avoidance.
#[derive(Debug, Clone)]
pub struct NewReno {
    mds: u64,
    window: u64,
    ssthresh: u64,
    bytes_in_flight: u64,
    recovery: Recovery,
    /// Bytes acknowledged in congestion avoidance not yet turned into window growth
    /// (RFC 3465 §2.1 byte counting).
    acked_in_ca: u64,
    /// No acknowledgment or congestion event yet: the window is the initial window.
    untouched: bool,
}

impl NewReno {
    /// A controller in slow start with the initial window for `max_datagram_size`.
    pub fn new(max_datagram_size: u64) -> Self {
        let mds = datagram_size(max_datagram_size);
        NewReno {
            mds,
            window: initial_window(mds),
            ssthresh: u64::MAX,
            bytes_in_flight: 0,
            recovery: Recovery::default(),
            acked_in_ca: 0,
            untouched: true,
        }
    }
}

impl CongestionController for NewReno {
    fn window(&self) -> u64 {
        self.window
    }

    fn bytes_in_flight(&self) -> u64 {
        self.bytes_in_flight
    }

    fn ssthresh(&self) -> u64 {
        self.ssthresh
    }

    fn in_recovery(&self) -> bool {
        self.recovery.active
    }

    fn max_datagram_size(&self) -> u64 {
        self.mds
    }

    fn set_max_datagram_size(&mut self, size: u64) {
        self.mds = datagram_size(size);
        if self.untouched {
            self.window = initial_window(self.mds);
        }
        self.window = self.window.max(minimum_window(self.mds));
    }

    fn on_packet_sent(&mut self, _now: Instant, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_add(bytes);
    }

    fn on_ack(
        &mut self,
        _now: Instant,
        sent_time: Instant,
        bytes: u64,
        _rtt: &RttEstimator,
        app_limited: bool,
    ) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
        self.untouched = false;
        if !self.recovery.on_ack(sent_time) || app_limited {
            return;
        }
        if self.window < self.ssthresh {
            self.window = self.window.saturating_add(bytes);
            return;
        }
        self.acked_in_ca = self.acked_in_ca.saturating_add(bytes);
        if self.acked_in_ca >= self.window {
            self.acked_in_ca -= self.window;
            self.window = self.window.saturating_add(self.mds);
        }
    }

    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent_time: Instant,
        is_persistent_congestion: bool,
        lost_bytes: u64,
    ) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(lost_bytes);
        self.untouched = false;
        if self.recovery.on_congestion(now, sent_time) {
            self.ssthresh = self.window / 2;
            self.window = self.ssthresh.max(minimum_window(self.mds));
            self.acked_in_ca = 0;
        }
        if is_persistent_congestion {
            self.window = minimum_window(self.mds);
            self.recovery.reset();
            self.acked_in_ca = 0;
        }
    }

    fn on_packets_discarded(&mut self, bytes: u64) {
        self.bytes_in_flight = self.bytes_in_flight.saturating_sub(bytes);
    }
}
