//! CUBIC congestion control (RFC 9438) over QUIC's loss signals (RFC 9002 §7).
//!
//! Windows are kept in bytes; the cubic function works in segments of the maximum datagram size
//! as RFC 9438 writes it, with time in seconds measured from the start of the congestion
//! avoidance stage (`Instant` arithmetic only).

use std::time::Instant;

use super::{CcCommon, CongestionController, initial_window, minimum_window};
use crate::recovery::rtt::RttEstimator;

/// C, the cubic scaling constant, in segments per second cubed (RFC 9438 §4.1.1).
const C: f64 = 0.4;
/// beta_cubic, the multiplicative decrease factor (RFC 9438 §4.6).
const BETA_CUBIC: f64 = 0.7;
/// alpha_cubic, the additive increase of the Reno-friendly estimate in segments per RTT
/// (RFC 9438 §4.3): 3 * (1 - beta_cubic) / (1 + beta_cubic).
const ALPHA_CUBIC: f64 = 3.0 * (1.0 - BETA_CUBIC) / (1.0 + BETA_CUBIC);

/// A congestion avoidance stage.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Epoch {
    /// t_epoch, moved later by application-limited periods.
    start: Instant,
    /// K in seconds.
    k: f64,
    /// W_est in bytes.
    w_est: f64,
    /// The current alpha_cubic (1 once W_est reached cwnd_prior).
    alpha: f64,
}

/// The CUBIC controller of RFC 9438, with Reno slow start, fast convergence and the
/// Reno-friendly region.
#[derive(Debug, Clone)]
pub struct Cubic {
    common: CcCommon,
    /// cwnd in bytes, fractional so that small per-ACK increments add up.
    window: f64,
    /// W_max in bytes; zero when undefined (before the first congestion event, after
    /// persistent congestion).
    w_max: f64,
    /// cwnd_prior in bytes.
    cwnd_prior: f64,
    epoch: Option<Epoch>,
    /// Since when acknowledgments have been application limited.
    app_limited_since: Option<Instant>,
    fast_convergence: bool,
}

impl Cubic {
    /// A controller in slow start with the initial window for `max_datagram_size`, fast
    /// convergence enabled.
    pub fn new(max_datagram_size: u64) -> Self {
        let common = CcCommon::new(max_datagram_size);
        Cubic {
            window: initial_window(common.mds) as f64,
            common,
            w_max: 0.0,
            cwnd_prior: 0.0,
            epoch: None,
            app_limited_since: None,
            fast_convergence: true,
        }
    }

    /// Enables or disables fast convergence (RFC 9438 §4.7; it SHOULD be disabled when this
    /// is known to be the only flow on the path).
    pub fn set_fast_convergence(&mut self, enabled: bool) {
        self.fast_convergence = enabled;
    }

    /// W_max in bytes: the window before the last reduction, possibly lowered by fast
    /// convergence (0 when undefined).
    pub fn w_max(&self) -> u64 {
        self.w_max.round() as u64
    }

    fn mds_f(&self) -> f64 {
        self.common.mds as f64
    }

    fn min_window_f(&self) -> f64 {
        minimum_window(self.common.mds) as f64
    }

    /// W_cubic(t) in bytes for an epoch, `t` in seconds (RFC 9438 §4.2, Eq. 1).
    fn w_cubic(&self, epoch: &Epoch, t: f64) -> f64 {
        let d = t - epoch.k;
        C * d * d * d * self.mds_f() + self.w_max
    }

    /// Starts a congestion avoidance stage at `now` with the current window as cwnd_epoch
    /// (RFC 9438 §4.2). Without a larger W_max (first stage after persistent congestion),
    /// W_max becomes cwnd_epoch and K is 0 (§4.8).
    fn start_epoch(&mut self, now: Instant) -> Epoch {
        let cwnd_epoch = self.window;
        let k = if self.w_max > cwnd_epoch {
            ((self.w_max - cwnd_epoch) / self.mds_f() / C).cbrt()
        } else {
            self.w_max = cwnd_epoch;
            0.0
        };
        let alpha = if cwnd_epoch >= self.cwnd_prior {
            1.0
        } else {
            ALPHA_CUBIC
        };
        Epoch {
            start: now,
            k,
            w_est: cwnd_epoch,
            alpha,
        }
    }

    /// Window growth for `bytes` acknowledged in congestion avoidance (RFC 9438 §4.2-§4.5).
    fn congestion_avoidance(&mut self, now: Instant, bytes: u64, rtt: &RttEstimator) {
        let mut epoch = match self.epoch {
            Some(e) => e,
            None => self.start_epoch(now),
        };
        let cwnd = self.window;
        let acked = bytes as f64;
        let t = now.saturating_duration_since(epoch.start).as_secs_f64();

        // Reno-friendly estimate, Eq. 4 in bytes: W_est += alpha * segments_acked / cwnd.
        epoch.w_est += epoch.alpha * acked / cwnd * self.mds_f();
        if epoch.w_est >= self.cwnd_prior {
            epoch.alpha = 1.0;
        }

        let next = if self.w_cubic(&epoch, t) < epoch.w_est {
            // Reno-friendly region.
            cwnd.max(epoch.w_est)
        } else {
            // Concave or convex region: grow by (target - cwnd) / cwnd per segment acked.
            let rtt_s = rtt.smoothed().as_secs_f64();
            let target = self.w_cubic(&epoch, t + rtt_s).max(cwnd).min(1.5 * cwnd);
            cwnd + (target - cwnd) * acked / cwnd
        };
        if next.is_finite() {
            self.window = next.max(self.min_window_f());
        }
        self.epoch = Some(epoch);
    }
}

impl CongestionController for Cubic {
    fn window(&self) -> u64 {
        self.window as u64
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
            self.window = initial_window(self.common.mds) as f64;
        }
        self.window = self.window.max(self.min_window_f());
    }

    fn on_packet_sent(&mut self, _now: Instant, bytes: u64) {
        self.common.sent(bytes);
    }

    fn on_ack(
        &mut self,
        now: Instant,
        sent_time: Instant,
        bytes: u64,
        rtt: &RttEstimator,
        app_limited: bool,
    ) {
        if !self.common.acked(sent_time, bytes) {
            return;
        }
        if app_limited {
            // No growth, and the time does not count toward t (RFC 9438 §5.8).
            self.app_limited_since.get_or_insert(now);
            return;
        }
        if let Some(since) = self.app_limited_since.take()
            && let Some(epoch) = &mut self.epoch
            && let Some(start) = epoch
                .start
                .checked_add(now.saturating_duration_since(since))
        {
            epoch.start = start;
        }
        if self.window < self.common.ssthresh as f64 {
            self.window += bytes as f64;
            return;
        }
        self.congestion_avoidance(now, bytes, rtt);
    }

    fn on_congestion_event(
        &mut self,
        now: Instant,
        sent_time: Instant,
        is_persistent_congestion: bool,
        lost_bytes: u64,
    ) {
        if self.common.congestion(now, sent_time, lost_bytes) {
            let cwnd = self.window;
            // Fast convergence (RFC 9438 §4.7), then multiplicative decrease (§4.6) from cwnd:
            // the connection keeps the window from growing while it is not used (§4.6, RFC
            // 9002 §7.8).
            self.w_max = if self.fast_convergence && cwnd < self.w_max {
                cwnd * (1.0 + BETA_CUBIC) / 2.0
            } else {
                cwnd
            };
            self.cwnd_prior = cwnd;
            let ssthresh = (cwnd * BETA_CUBIC).round().max(self.min_window_f());
            self.common.ssthresh = ssthresh as u64;
            self.window = ssthresh;
            self.epoch = None;
            self.app_limited_since = None;
        }
        if is_persistent_congestion {
            // Like a TCP timeout (RFC 9438 §4.8): minimum window, slow start back to
            // ssthresh, then a stage with K = 0 and W_max = cwnd_epoch.
            self.window = self.min_window_f();
            self.w_max = 0.0;
            self.epoch = None;
            self.common.recovery.reset();
        }
    }

    fn on_packets_discarded(&mut self, bytes: u64) {
        self.common.discarded(bytes);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MDS: u64 = 1000;

    fn rtt_of(ms: u64) -> RttEstimator {
        let mut rtt = RttEstimator::default();
        rtt.update(
            Instant::now(),
            Duration::from_millis(ms),
            Duration::ZERO,
            true,
            Duration::ZERO,
        );
        rtt
    }

    /// A controller whose window was `segments` when a loss at `t0` cut it.
    fn after_loss(t0: Instant, segments: u64) -> Cubic {
        let mut cc = Cubic::new(MDS);
        let rtt = rtt_of(100);
        let grow = segments * MDS - cc.window();
        cc.on_packet_sent(t0, grow);
        cc.on_ack(t0, t0, grow, &rtt, false);
        assert_eq!(cc.window(), segments * MDS);
        cc.on_congestion_event(t0, t0, false, 0);
        cc
    }

    /// Acknowledges `bytes` at `now` in segments, for packets sent at `sent`.
    fn ack(cc: &mut Cubic, now: Instant, sent: Instant, bytes: u64, rtt: &RttEstimator) {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(MDS);
            cc.on_ack(now, sent, n, rtt, false);
            left -= n;
        }
    }

    #[test]
    fn constants() {
        assert!((ALPHA_CUBIC - 0.9 / 1.7).abs() < 1e-12);
    }

    #[test]
    fn slow_start_then_multiplicative_decrease() {
        let t0 = Instant::now();
        let rtt = rtt_of(100);
        let mut cc = Cubic::new(MDS);
        assert_eq!(cc.window(), 10 * MDS);
        assert!(cc.in_slow_start());
        ack(&mut cc, t0, t0, 10 * MDS, &rtt);
        assert_eq!(cc.window(), 20 * MDS);
        let t1 = t0 + Duration::from_millis(100);
        cc.on_congestion_event(t1, t0, false, MDS);
        assert_eq!(cc.window(), 14 * MDS);
        assert_eq!(cc.ssthresh(), 14 * MDS);
        assert_eq!(cc.w_max(), 20 * MDS);
        assert!(cc.in_recovery());
        // Another loss of a packet sent before the recovery started: no further reduction.
        cc.on_congestion_event(t1 + Duration::from_millis(5), t1, false, MDS);
        assert_eq!(cc.window(), 14 * MDS);
        // Acks of packets sent before the recovery: no growth.
        ack(&mut cc, t1, t0, 5 * MDS, &rtt);
        assert_eq!(cc.window(), 14 * MDS);
        assert!(cc.in_recovery());
        // An ack of a packet sent afterwards ends it.
        let t2 = t1 + Duration::from_millis(1);
        cc.on_ack(t2, t2, MDS, &rtt, false);
        assert!(!cc.in_recovery());
        assert!(cc.window() >= 14 * MDS);
    }

    #[test]
    fn fast_convergence_lowers_w_max() {
        let t0 = Instant::now();
        let mut cc = after_loss(t0, 100);
        assert_eq!(cc.w_max(), 100 * MDS);
        // A second loss at 70 segments (< W_max): W_max = 70 * (1 + 0.7) / 2 = 59.5.
        let t1 = t0 + Duration::from_millis(10);
        cc.on_congestion_event(t1, t1, false, 0);
        assert_eq!(cc.w_max(), 59_500);
        assert_eq!(cc.window(), 49_000);

        let mut plain = after_loss(t0, 100);
        plain.set_fast_convergence(false);
        plain.on_congestion_event(t1, t1, false, 0);
        assert_eq!(plain.w_max(), 70 * MDS);
    }

    #[test]
    fn w_cubic_matches_the_formula() {
        let t0 = Instant::now();
        let mut cc = after_loss(t0, 100);
        let rtt = rtt_of(100);
        let t1 = t0 + Duration::from_millis(1);
        cc.on_ack(t1, t1, 1, &rtt, false);
        let epoch = cc.epoch.expect("congestion avoidance started");
        let k = 75f64.cbrt(); // (100 - 70) / 0.4 = 75 segments
        assert!((epoch.k - k).abs() < 1e-9);
        assert_eq!(epoch.start, t1);
        let seg = |t: f64| cc.w_cubic(&epoch, t) / MDS as f64;
        assert!((seg(0.0) - 70.0).abs() < 1e-6);
        assert!((seg(k) - 100.0).abs() < 1e-9);
        assert!((seg(k + 1.0) - 100.4).abs() < 1e-9);
        assert!((seg(1.0) - (100.0 - 0.4 * (k - 1.0).powi(3))).abs() < 1e-9);
        assert!((seg(2.0 * k) - 130.0).abs() < 1e-6);
    }

    #[test]
    fn concave_growth_tracks_w_cubic() {
        let t0 = Instant::now();
        let rtt = rtt_of(100);
        let mut cc = after_loss(t0, 100);
        let epoch_start = t0 + Duration::from_millis(1);
        let k = 75f64.cbrt();
        let mut now = epoch_start;
        // One window acknowledged per RTT, every packet sent after the recovery started.
        for round in 0..50u32 {
            let w = cc.window();
            ack(&mut cc, now, now, w, &rtt);
            let t = now.duration_since(epoch_start).as_secs_f64();
            let cubic = |t: f64| 0.4 * (t - k).powi(3) + 100.0;
            let got = cc.window() as f64 / MDS as f64;
            // After acknowledging a window at t, cwnd sits between W_cubic(t) and
            // W_cubic(t + RTT), within a segment.
            assert!(
                got >= cubic(t).min(cubic(t + 0.1)) - 1.0 && got <= cubic(t + 0.1) + 1.0,
                "round {round}: t {t}, cwnd {got}, W_cubic {}",
                cubic(t)
            );
            now += Duration::from_millis(100);
        }
        // t = 4.9 s, about K: back at W_max.
        assert!(cc.window() > 99 * MDS, "{}", cc.window());
    }

    #[test]
    fn reno_friendly_region() {
        let t0 = Instant::now();
        let rtt = rtt_of(10);
        // Small window, short RTT: W_cubic grows more slowly than Reno would.
        let mut cc = after_loss(t0, 20);
        assert_eq!(cc.window(), 14 * MDS);
        let mut now = t0 + Duration::from_millis(1);
        let mut previous = cc.window();
        let mut increments = Vec::new();
        for _ in 0..20 {
            let w = cc.window();
            ack(&mut cc, now, now, w, &rtt);
            increments.push(cc.window() - previous);
            previous = cc.window();
            now += Duration::from_millis(10);
        }
        let epoch = cc.epoch.expect("congestion avoidance");
        let t = now.duration_since(t0).as_secs_f64();
        assert!(cc.w_cubic(&epoch, t) < epoch.w_est);
        // First rounds: alpha_cubic = 0.529 segments per RTT.
        for inc in &increments[..5] {
            assert!((500..=545).contains(inc), "{increments:?}");
        }
        // Once W_est passed cwnd_prior (20 segments), alpha_cubic = 1: one segment per RTT.
        for inc in &increments[14..] {
            assert!((950..=1010).contains(inc), "{increments:?}");
        }
    }

    #[test]
    fn persistent_congestion_restarts_from_minimum() {
        let t0 = Instant::now();
        let rtt = rtt_of(100);
        let mut cc = after_loss(t0, 100);
        let t1 = t0 + Duration::from_secs(1);
        cc.on_congestion_event(t1, t1, true, 0);
        assert_eq!(cc.window(), 2 * MDS);
        assert!(!cc.in_recovery());
        assert!(cc.in_slow_start());
        // The event before it set ssthresh to 70 * 0.7 = 49 segments. Slow start up to it,
        // then congestion avoidance with K = 0 and W_max = cwnd_epoch = 49 segments.
        assert_eq!(cc.ssthresh(), 49 * MDS);
        let mut now = t1 + Duration::from_millis(1);
        while cc.epoch.is_none() {
            let w = cc.window();
            ack(&mut cc, now, now, w, &rtt);
            now += Duration::from_millis(100);
        }
        let epoch = cc.epoch.expect("congestion avoidance");
        assert_eq!(epoch.k, 0.0);
        assert_eq!(cc.w_max(), 49 * MDS);
        assert!(cc.window() > 49 * MDS);
    }

    #[test]
    fn app_limited_acks_do_not_grow_or_age_the_epoch() {
        let t0 = Instant::now();
        let rtt = rtt_of(100);
        let mut cc = after_loss(t0, 100);
        let t1 = t0 + Duration::from_millis(1);
        cc.on_ack(t1, t1, 1, &rtt, false);
        let w = cc.window();
        let t2 = t1 + Duration::from_secs(2);
        cc.on_ack(t2, t2, 10 * MDS, &rtt, true);
        assert_eq!(cc.window(), w);
        let t3 = t2 + Duration::from_secs(3);
        cc.on_ack(t3, t3, 1, &rtt, false);
        // The 3 s spent application limited do not count toward t.
        let epoch = cc.epoch.expect("congestion avoidance");
        assert_eq!(epoch.start, t1 + Duration::from_secs(3));
    }

    #[test]
    fn never_below_minimum_and_max_datagram_size() {
        let t0 = Instant::now();
        let mut cc = Cubic::new(MDS);
        cc.set_max_datagram_size(1200);
        assert_eq!(cc.window(), 12_000);
        for i in 0..50 {
            let t = t0 + Duration::from_millis(i);
            cc.on_congestion_event(t, t, false, 0);
            assert!(cc.window() >= 2400);
        }
        assert_eq!(cc.window(), 2400);
        cc.set_max_datagram_size(1500);
        assert_eq!(cc.window(), 3000);
        cc.set_max_datagram_size(0);
        assert_eq!(cc.max_datagram_size(), 1);
    }
}
