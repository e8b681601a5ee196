//! Round-trip time estimation (RFC 9002 §5) and the durations derived from it: the probe
//! timeout (§6.2.1), the time threshold of loss detection (§6.1.2) and the persistent congestion
//! duration (§7.6.1).

use std::time::{Duration, Instant};

/// Timer granularity, kGranularity (RFC 9002 §6.1.2): 1 ms.
pub const GRANULARITY: Duration = Duration::from_millis(1);

/// The initial RTT used before any sample, kInitialRtt (RFC 9002 §6.2.2): 333 ms.
pub const DEFAULT_INITIAL_RTT: Duration = Duration::from_millis(333);

/// kPersistentCongestionThreshold (RFC 9002 §7.6.1).
pub const PERSISTENT_CONGESTION_THRESHOLD: u32 = 3;

/// The RTT estimate of one network path: latest, smoothed, variation and minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RttEstimator {
    initial: Duration,
    latest: Duration,
    smoothed: Duration,
    var: Duration,
    min: Duration,
    first_sample: Option<Instant>,
}

impl Default for RttEstimator {
    fn default() -> Self {
        Self::new(DEFAULT_INITIAL_RTT)
    }
}

impl RttEstimator {
    /// An estimator with no sample yet: smoothed RTT `initial_rtt`, variation half of it.
    pub fn new(initial_rtt: Duration) -> Self {
        RttEstimator {
            initial: initial_rtt,
            latest: Duration::ZERO,
            smoothed: initial_rtt,
            var: initial_rtt / 2,
            min: Duration::ZERO,
            first_sample: None,
        }
    }

    /// Forgets every sample and starts again from the initial RTT (a new path).
    pub fn reset(&mut self) {
        *self = Self::new(self.initial);
    }

    /// Takes an RTT sample (RFC 9002 §5.3): `latest_rtt` is the time from sending the largest
    /// newly acknowledged packet to receiving its acknowledgment at `now`, `ack_delay` the
    /// decoded ACK Delay field (pass zero to ignore it, as for Initial packets).
    ///
    /// Once `handshake_confirmed`, the ack delay is capped at the peer's `max_ack_delay`; it is
    /// subtracted only if the result stays at or above min_rtt. The first sample sets every
    /// value from `latest_rtt` alone. The variation is updated from the smoothed RTT before the
    /// latter absorbs the sample, as in RFC 9002 Appendix A.7 and RFC 6298.
    pub fn update(
        &mut self,
        now: Instant,
        latest_rtt: Duration,
        ack_delay: Duration,
        handshake_confirmed: bool,
        max_ack_delay: Duration,
    ) {
        self.latest = latest_rtt;
        if self.first_sample.is_none() {
            self.first_sample = Some(now);
            self.min = latest_rtt;
            self.smoothed = latest_rtt;
            self.var = latest_rtt / 2;
            return;
        }
        self.min = self.min.min(latest_rtt);
        let ack_delay = if handshake_confirmed {
            ack_delay.min(max_ack_delay)
        } else {
            ack_delay
        };
        let adjusted = match self.min.checked_add(ack_delay) {
            Some(floor) if latest_rtt >= floor => latest_rtt - ack_delay,
            _ => latest_rtt,
        };
        let var_sample = self.smoothed.abs_diff(adjusted);
        self.var = (self.var - self.var / 4).saturating_add(var_sample / 4);
        self.smoothed = (self.smoothed - self.smoothed / 8).saturating_add(adjusted / 8);
    }

    /// Sets min_rtt to the latest sample, as RFC 9002 §5.2 asks after persistent congestion.
    pub fn on_persistent_congestion(&mut self) {
        if self.first_sample.is_some() {
            self.min = self.latest;
        }
    }

    /// The initial RTT this estimator started from.
    pub fn initial_rtt(&self) -> Duration {
        self.initial
    }

    /// The latest RTT sample (zero before the first).
    pub fn latest(&self) -> Duration {
        self.latest
    }

    /// The smoothed RTT (the initial RTT before the first sample).
    pub fn smoothed(&self) -> Duration {
        self.smoothed
    }

    /// The RTT variation, rttvar.
    pub fn rttvar(&self) -> Duration {
        self.var
    }

    /// The minimum RTT seen, without ack delay adjustment (zero before the first sample).
    pub fn min_rtt(&self) -> Duration {
        self.min
    }

    /// When the first sample was taken, if there was one.
    pub fn first_sample_time(&self) -> Option<Instant> {
        self.first_sample
    }

    /// The PTO period without backoff (RFC 9002 §6.2.1): smoothed_rtt + max(4*rttvar,
    /// kGranularity), plus `max_ack_delay` if `include_ack_delay` (Application Data space only).
    pub fn pto_period(&self, max_ack_delay: Duration, include_ack_delay: bool) -> Duration {
        let base = self
            .smoothed
            .saturating_add(self.var.saturating_mul(4).max(GRANULARITY));
        if include_ack_delay {
            base.saturating_add(max_ack_delay)
        } else {
            base
        }
    }

    /// The time threshold of loss detection (RFC 9002 §6.1.2):
    /// max(9/8 * max(smoothed_rtt, latest_rtt), kGranularity).
    pub fn loss_delay(&self) -> Duration {
        let rtt = self.smoothed.max(self.latest);
        rtt.saturating_add(rtt / 8).max(GRANULARITY)
    }

    /// The persistent congestion duration (RFC 9002 §7.6.1): (smoothed_rtt + max(4*rttvar,
    /// kGranularity) + max_ack_delay) * kPersistentCongestionThreshold.
    pub fn persistent_congestion_duration(&self, max_ack_delay: Duration) -> Duration {
        self.pto_period(max_ack_delay, true)
            .saturating_mul(PERSISTENT_CONGESTION_THRESHOLD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn initial_values() {
        let rtt = RttEstimator::default();
        assert_eq!(rtt.smoothed(), ms(333));
        assert_eq!(rtt.rttvar(), us(166_500));
        assert_eq!(rtt.latest(), Duration::ZERO);
        assert!(rtt.first_sample_time().is_none());
        // 333 + 4 * 166.5 = 999 ms, the "PTO of 1 second" of RFC 9002 §6.2.2.
        assert_eq!(rtt.pto_period(ms(25), false), ms(999));
        assert_eq!(rtt.pto_period(ms(25), true), ms(1024));
        let custom = RttEstimator::new(ms(100));
        assert_eq!((custom.smoothed(), custom.rttvar()), (ms(100), ms(50)));
    }

    #[test]
    fn first_sample_resets_and_ignores_ack_delay() {
        let t = Instant::now();
        let mut rtt = RttEstimator::default();
        rtt.update(t, ms(100), ms(40), true, ms(25));
        assert_eq!(rtt.smoothed(), ms(100));
        assert_eq!(rtt.rttvar(), ms(50));
        assert_eq!(rtt.min_rtt(), ms(100));
        assert_eq!(rtt.latest(), ms(100));
        assert_eq!(rtt.first_sample_time(), Some(t));
    }

    #[test]
    fn later_samples_follow_the_formulas() {
        let t = Instant::now();
        let mut rtt = RttEstimator::default();
        rtt.update(t, ms(100), Duration::ZERO, true, ms(25));
        // latest 180, ack delay 20 <= max_ack_delay, 180 >= 100 + 20: adjusted 160.
        rtt.update(t, ms(180), ms(20), true, ms(25));
        // rttvar = 3/4 * 50 + 1/4 * |100 - 160| = 37.5 + 15 = 52.5
        assert_eq!(rtt.rttvar(), us(52_500));
        // smoothed = 7/8 * 100 + 1/8 * 160 = 107.5
        assert_eq!(rtt.smoothed(), us(107_500));
        assert_eq!(rtt.min_rtt(), ms(100));
        // A lower sample moves min_rtt; no ack delay.
        rtt.update(t, ms(80), Duration::ZERO, true, ms(25));
        assert_eq!(rtt.min_rtt(), ms(80));
        // rttvar = 3/4 * 52.5 + 1/4 * |107.5 - 80| = 39.375 + 6.875 = 46.25
        assert_eq!(rtt.rttvar(), us(46_250));
        // smoothed = 7/8 * 107.5 + 1/8 * 80 = 94.0625 + 10 = 104.0625
        assert_eq!(rtt.smoothed(), Duration::from_nanos(104_062_500));
    }

    #[test]
    fn ack_delay_capped_once_confirmed() {
        let t = Instant::now();
        let mut confirmed = RttEstimator::default();
        confirmed.update(t, ms(100), Duration::ZERO, true, ms(25));
        // ack delay 60 capped to 25: adjusted 175.
        confirmed.update(t, ms(200), ms(60), true, ms(25));
        // smoothed = 87.5 + 175/8 = 109.375
        assert_eq!(confirmed.smoothed(), us(109_375));

        let mut unconfirmed = RttEstimator::default();
        unconfirmed.update(t, ms(100), Duration::ZERO, false, ms(25));
        // Not confirmed: the full 60 ms is subtracted: adjusted 140.
        unconfirmed.update(t, ms(200), ms(60), false, ms(25));
        // smoothed = 87.5 + 140/8 = 105
        assert_eq!(unconfirmed.smoothed(), ms(105));
    }

    #[test]
    fn ack_delay_never_takes_sample_below_min_rtt() {
        let t = Instant::now();
        let mut rtt = RttEstimator::default();
        rtt.update(t, ms(100), Duration::ZERO, true, ms(25));
        // 110 < 100 + 20: the ack delay is not subtracted, adjusted stays 110.
        rtt.update(t, ms(110), ms(20), true, ms(25));
        // smoothed = 87.5 + 13.75 = 101.25
        assert_eq!(rtt.smoothed(), us(101_250));
        // A huge (attacker-chosen) ack delay cannot overflow or be subtracted.
        rtt.update(t, ms(110), Duration::MAX, false, ms(25));
        assert!(rtt.smoothed() > ms(100));
    }

    #[test]
    fn pto_loss_delay_and_persistent_congestion_duration() {
        let t = Instant::now();
        let mut rtt = RttEstimator::default();
        rtt.update(t, ms(100), Duration::ZERO, true, ms(25));
        // 100 + max(4 * 50, 1) = 300, + 25 = 325.
        assert_eq!(rtt.pto_period(ms(25), false), ms(300));
        assert_eq!(rtt.pto_period(ms(25), true), ms(325));
        assert_eq!(rtt.loss_delay(), ms(112) + us(500));
        assert_eq!(rtt.persistent_congestion_duration(ms(25)), ms(975));

        // Zero RTT: the granularity floors apply.
        let mut zero = RttEstimator::default();
        zero.update(t, Duration::ZERO, Duration::ZERO, true, Duration::ZERO);
        assert_eq!(zero.pto_period(Duration::ZERO, true), GRANULARITY);
        assert_eq!(zero.loss_delay(), GRANULARITY);
        assert_eq!(
            zero.persistent_congestion_duration(Duration::ZERO),
            3 * GRANULARITY
        );
        // Saturation instead of overflow.
        let mut huge = RttEstimator::new(Duration::MAX);
        assert_eq!(huge.pto_period(Duration::MAX, true), Duration::MAX);
        huge.update(t, Duration::MAX, Duration::MAX, true, Duration::MAX);
        huge.update(t, Duration::MAX, Duration::ZERO, true, Duration::MAX);
        assert_eq!(huge.loss_delay(), Duration::MAX);
    }

    #[test]
    fn min_rtt_reset_after_persistent_congestion_and_path_reset() {
        let t = Instant::now();
        let mut rtt = RttEstimator::new(ms(50));
        rtt.on_persistent_congestion();
        assert_eq!(rtt.min_rtt(), Duration::ZERO);
        rtt.update(t, ms(40), Duration::ZERO, true, ms(25));
        rtt.update(t, ms(90), Duration::ZERO, true, ms(25));
        assert_eq!(rtt.min_rtt(), ms(40));
        rtt.on_persistent_congestion();
        assert_eq!(rtt.min_rtt(), ms(90));
        rtt.reset();
        assert_eq!(rtt, RttEstimator::new(ms(50)));
    }
}
