//! NewReno congestion control (RFC 9002 §7, Appendix B).

use std::time::Instant;

use super::{CcCommon, CongestionController, initial_window, minimum_window};
use crate::recovery::rtt::RttEstimator;

/// The NewReno controller of RFC 9002: slow start, halving on loss once per recovery period,
/// one datagram of growth per window acknowledged in congestion avoidance.
#[derive(Debug, Clone)]
pub struct NewReno {
    common: CcCommon,
    window: u64,
    /// Bytes acknowledged in congestion avoidance not yet turned into window growth
    /// (RFC 3465 §2.1 byte counting).
    acked_in_ca: u64,
}

impl NewReno {
    /// A controller in slow start with the initial window for `max_datagram_size`.
    pub fn new(max_datagram_size: u64) -> Self {
        let common = CcCommon::new(max_datagram_size);
        NewReno {
            window: initial_window(common.mds),
            common,
            acked_in_ca: 0,
        }
    }
}

impl CongestionController for NewReno {
    fn window(&self) -> u64 {
        self.window
    }

    fn bytes_in_flight(&self) -> u64 {
        self.common.bytes_in_flight
    }

    fn ssthresh(&self) -> u64 {
        self.common.ssthresh
    }

    fn in_recovery(&self) -> bool {
        self.common.recovery.active
    }

    fn max_datagram_size(&self) -> u64 {
        self.common.mds
    }

    fn set_max_datagram_size(&mut self, size: u64) {
        if self.common.set_mds(size) {
            self.window = initial_window(self.common.mds);
        }
        self.window = self.window.max(minimum_window(self.common.mds));
    }

    fn on_packet_sent(&mut self, _now: Instant, bytes: u64) {
        self.common.sent(bytes);
    }

    fn on_ack(
        &mut self,
        _now: Instant,
        sent_time: Instant,
        bytes: u64,
        _rtt: &RttEstimator,
        app_limited: bool,
    ) {
        if !self.common.acked(sent_time, bytes) || app_limited {
            return;
        }
        if self.window < self.common.ssthresh {
            self.window = self.window.saturating_add(bytes);
            return;
        }
        self.acked_in_ca = self.acked_in_ca.saturating_add(bytes);
        if self.acked_in_ca >= self.window {
            self.acked_in_ca -= self.window;
            self.window = self.window.saturating_add(self.common.mds);
        }
    }

    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent_time: Instant,
        is_persistent_congestion: bool,
        lost_bytes: u64,
    ) {
        if self.common.congestion(now, sent_time, lost_bytes) {
            self.common.ssthresh = self.window / 2;
            self.window = self.common.ssthresh.max(minimum_window(self.common.mds));
            self.acked_in_ca = 0;
        }
        if is_persistent_congestion {
            self.window = minimum_window(self.common.mds);
            self.common.recovery.reset();
            self.acked_in_ca = 0;
        }
    }

    fn on_packets_discarded(&mut self, bytes: u64) {
        self.common.discarded(bytes);
    }
}
