//! Pacing (RFC 9002 §7.7): a token bucket filled at 1.25 * cwnd / smoothed_rtt, holding at most a
//! burst: what the window sends in [`BURST_INTERVAL`], between a minimum number of datagrams
//! and [`MAX_BURST_DATAGRAMS`]. On a short round trip the burst is large enough for one
//! segmented send of many datagrams; on a long one it stays small. The pacer keeps no timer: it
//! answers when the next packet may leave.

use std::time::{Duration, Instant};

/// Datagrams that may leave back to back when the bucket is full, at least.
pub const DEFAULT_BURST_DATAGRAMS: u64 = 10;

/// Datagrams that may leave back to back at most, however short the round trip.
pub const MAX_BURST_DATAGRAMS: u64 = 64;

/// The bucket holds what the congestion window sends in this long (within the bounds above).
pub const BURST_INTERVAL: Duration = Duration::from_millis(2);

/// The pacing rate as a fraction: `bytes` per `nanos` nanoseconds (5 * cwnd per 4 * srtt,
/// that is N = 1.25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rate {
    bytes: u128,
    nanos: u128,
}

impl Rate {
    /// Bytes earned over `elapsed` (rounded down, saturating).
    fn earned(self, elapsed: Duration) -> u128 {
        elapsed.as_nanos().saturating_mul(self.bytes) / self.nanos
    }

    /// Time to earn `bytes` (rounded up, saturating).
    fn time_for(self, bytes: u64) -> Duration {
        let nanos = u128::from(bytes)
            .saturating_mul(self.nanos)
            .div_ceil(self.bytes);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// A pacer for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    burst_datagrams: u64,
    /// Bytes that may be sent now (as of `last`).
    tokens: u64,
    /// Bucket size in bytes.
    capacity: u64,
    rate: Option<Rate>,
    last: Option<Instant>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(DEFAULT_BURST_DATAGRAMS)
    }
}

impl Pacer {
    /// A pacer allowing bursts of at least `burst_datagrams` (at least 1) full-size datagrams.
    pub fn new(burst_datagrams: u64) -> Self {
        Pacer {
            burst_datagrams: burst_datagrams.max(1),
            tokens: 0,
            capacity: 0,
            rate: None,
            last: None,
        }
    }

    /// Adds the tokens earned since the last update at the last rate, up to the capacity.
    fn refill(&mut self, now: Instant) {
        if let (Some(last), Some(rate)) = (self.last, self.rate)
            && now > last
        {
            let tokens = u128::from(self.tokens).saturating_add(rate.earned(now - last));
            self.tokens = u64::try_from(tokens).unwrap_or(u64::MAX).min(self.capacity);
        }
        self.last = Some(self.last.map_or(now, |last| last.max(now)));
    }

    /// When a packet of `bytes` may be sent, given the congestion window `cwnd`, the smoothed
    /// RTT and the maximum datagram size: `None` to send now, or the instant from which it may.
    ///
    /// Pacing is off (always `None`) when the window is no larger than a burst or the RTT is
    /// zero.
    pub fn delay_until(
        &mut self,
        now: Instant,
        bytes: u64,
        cwnd: u64,
        smoothed_rtt: Duration,
        max_datagram_size: u64,
    ) -> Option<Instant> {
        let size = max_datagram_size.max(1);
        let least = self.burst_datagrams.saturating_mul(size);
        let most = self
            .burst_datagrams
            .max(MAX_BURST_DATAGRAMS)
            .saturating_mul(size);
        let in_interval = u128::from(cwnd).saturating_mul(BURST_INTERVAL.as_nanos())
            / smoothed_rtt.as_nanos().max(1);
        let burst = u64::try_from(in_interval)
            .unwrap_or(u64::MAX)
            .clamp(least, most)
            .max(bytes);
        if cwnd <= burst || smoothed_rtt.is_zero() {
            // Unpaced: the bucket stays full for when pacing resumes.
            self.rate = None;
            self.tokens = burst;
            return None;
        }
        let was_paced = self.rate.is_some();
        self.refill(now);
        if !was_paced {
            self.tokens = burst;
        }
        self.rate = Some(Rate {
            bytes: u128::from(cwnd).saturating_mul(5),
            nanos: smoothed_rtt.as_nanos().saturating_mul(4),
        });
        self.capacity = burst;
        self.tokens = self.tokens.min(burst);
        let deficit = bytes.checked_sub(self.tokens).filter(|&d| d > 0)?;
        let wait = self.rate.map_or(Duration::ZERO, |r| r.time_for(deficit));
        Some(now.checked_add(wait).unwrap_or(now))
    }

    /// A packet of `bytes` was sent at `now`: spends its tokens.
    pub fn on_sent(&mut self, now: Instant, bytes: u64) {
        self.refill(now);
        self.tokens = self.tokens.saturating_sub(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MDS: u64 = 1200;

    #[test]
    fn full_window_takes_about_one_rtt() {
        let t0 = Instant::now();
        let srtt = Duration::from_millis(100);
        let cwnd = 100 * MDS;
        let mut pacer = Pacer::default();
        let mut now = t0;
        let mut sent = 0;
        while sent < cwnd {
            match pacer.delay_until(now, MDS, cwnd, srtt, MDS) {
                None => {
                    pacer.on_sent(now, MDS);
                    sent += MDS;
                }
                Some(at) => {
                    assert!(at > now);
                    now = at;
                }
            }
        }
        // 90 paced datagrams at 1.25 * cwnd / srtt: 90 / 125 of 100 ms = 72 ms.
        let took = now - t0;
        assert!(
            took >= Duration::from_millis(71) && took <= Duration::from_millis(73),
            "{took:?}"
        );
    }

    #[test]
    fn burst_then_paced_interval() {
        let t0 = Instant::now();
        let srtt = Duration::from_millis(100);
        let cwnd = 100 * MDS;
        let mut pacer = Pacer::new(4);
        for _ in 0..4 {
            assert_eq!(pacer.delay_until(t0, MDS, cwnd, srtt, MDS), None);
            pacer.on_sent(t0, MDS);
        }
        // Interval = srtt * size / cwnd / 1.25 = 100 ms / 125 = 800 us.
        let next = pacer.delay_until(t0, MDS, cwnd, srtt, MDS);
        assert_eq!(next, Some(t0 + Duration::from_micros(800)));
        // Asking again at an earlier time than allowed still says to wait until then.
        let half = t0 + Duration::from_micros(400);
        assert_eq!(
            pacer.delay_until(half, MDS, cwnd, srtt, MDS),
            Some(t0 + Duration::from_micros(800))
        );
        // A long idle period refills only up to the burst.
        let later = t0 + Duration::from_secs(10);
        for _ in 0..4 {
            assert_eq!(pacer.delay_until(later, MDS, cwnd, srtt, MDS), None);
            pacer.on_sent(later, MDS);
        }
        assert!(pacer.delay_until(later, MDS, cwnd, srtt, MDS).is_some());
    }

    #[test]
    fn a_short_round_trip_allows_a_burst_of_what_the_window_sends_in_two_ms() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        // 1000 datagrams per 10 ms: 200 in 2 ms, held to 64.
        let (cwnd, srtt) = (1000 * MDS, Duration::from_millis(10));
        for _ in 0..MAX_BURST_DATAGRAMS {
            assert_eq!(pacer.delay_until(t0, MDS, cwnd, srtt, MDS), None);
            pacer.on_sent(t0, MDS);
        }
        assert!(pacer.delay_until(t0, MDS, cwnd, srtt, MDS).is_some());
        // 400 per 40 ms: 20 in 2 ms.
        let mut pacer = Pacer::default();
        let srtt = Duration::from_millis(40);
        let cwnd = 400 * MDS;
        for _ in 0..20 {
            assert_eq!(pacer.delay_until(t0, MDS, cwnd, srtt, MDS), None);
            pacer.on_sent(t0, MDS);
        }
        assert!(pacer.delay_until(t0, MDS, cwnd, srtt, MDS).is_some());
    }

    #[test]
    fn no_pacing_for_small_windows_or_zero_rtt() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        for _ in 0..100 {
            assert_eq!(
                pacer.delay_until(t0, MDS, 10 * MDS, Duration::from_millis(100), MDS),
                None
            );
            pacer.on_sent(t0, MDS);
        }
        for _ in 0..100 {
            assert_eq!(
                pacer.delay_until(t0, MDS, 1000 * MDS, Duration::ZERO, MDS),
                None
            );
            pacer.on_sent(t0, MDS);
        }
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(0);
        let _ = pacer.delay_until(t0, u64::MAX, u64::MAX, Duration::MAX, 0);
        pacer.on_sent(t0, u64::MAX);
        let _ = pacer.delay_until(t0, 1, u64::MAX, Duration::from_nanos(1), u64::MAX);
        let _ = pacer.delay_until(t0, MDS, 3 * MDS, Duration::MAX, 1);
        pacer.on_sent(t0, MDS);
        assert!(
            pacer
                .delay_until(t0, MDS, 3 * MDS, Duration::MAX, 1)
                .is_some()
        );
        // Time going backwards is treated as no time passing.
        if let Some(earlier) = t0.checked_sub(Duration::from_millis(1)) {
            let rtt = Duration::from_millis(1);
            let _ = pacer.delay_until(earlier, MDS, 1000 * MDS, rtt, MDS);
            pacer.on_sent(earlier, MDS);
        }
    }
}
