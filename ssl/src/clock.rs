//! Where the QUIC objects read the time: the system's monotonic clock, or one that tests and
//! simulations move by hand.
//!
//! A context carries a [`Clock`] ([`SslCtx::set_clock`](crate::SslCtx::set_clock); the
//! [`SystemClock`] unless set), and every QUIC object made from it (connection, listener, the
//! listener's connections, streams, and the port they share) reads the time only through that
//! clock: timers, deadlines, `SSL_get_event_timeout`, the engine's `now`. With a
//! [`ManualClock`] a run depends only on what the application does and on when it moves the
//! clock, so it can be replayed exactly, and an idle timeout of minutes passes in no real
//! time.
//!
//! A clock that does not follow real time ([`Clock::is_real_time`] false, as
//! [`ManualClock`]) cannot be waited on: sleeping on the system until its deadline would
//! never reach it. Objects on such a clock therefore never wait. They are non-blocking
//! whatever their blocking mode says (`blocking_mode` reports false and
//! `set_blocking_mode(true)` fails), so a call that would have to wait reports
//! WANT_READ/WANT_WRITE, and `SSL_poll` over them only looks (as with a zero timeout).
//!
//! Not everything is on the clock: TLS session lifetimes (`SSL_SESSION_get_time`, the
//! session timeout) stay in wall-clock seconds from [`std::time::SystemTime`], as OpenSSL
//! reads them from `time()`; and the timeouts an application passes to a wait (`SSL_poll`,
//! the TLS objects' `wait`) are real time.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A source of the current time for QUIC objects: their timers, deadlines and event
/// timeouts. TLS session lifetimes are not read from it: they are wall-clock seconds from
/// [`SystemTime`](std::time::SystemTime), as OpenSSL reads them from `time()`.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time. It must never go backwards.
    fn now(&self) -> Instant;

    /// Whether [`now`](Self::now) advances with real time, so that an object may sleep on the
    /// system until one of its deadlines. Only then do blocking calls wait; see the
    /// [module](self) documentation. The default, false, is the safe answer for a clock
    /// that is moved by hand.
    fn is_real_time(&self) -> bool {
        false
    }
}

/// The system's monotonic clock ([`Instant::now`]): the default clock of every context.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn is_real_time(&self) -> bool {
        true
    }
}

/// A clock that moves only when told to, for tests and simulations. Share it as an
/// `Arc<ManualClock>`: one handle is given to the context, the other moves the time.
///
/// Objects on a manual clock never wait (see the [module](self) documentation): drive them
/// non-blocking, with `handle_events` after moving the clock.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Instant>,
}

impl ManualClock {
    /// A clock reading `start` until moved.
    pub fn new(start: Instant) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock to `now`.
    ///
    /// # Panics
    /// If `now` is earlier than the time the clock reads: time on a clock never goes back.
    pub fn set(&self, now: Instant) {
        let mut current = self.now.lock().unwrap_or_else(|p| p.into_inner());
        assert!(
            now >= *current,
            "a manual clock cannot go back ({:?} earlier)",
            *current - now
        );
        *current = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut current = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *current += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Instant::now();
        let clock = ManualClock::new(start);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(30));
        assert_eq!(clock.now(), start + Duration::from_secs(30));
        clock.set(start + Duration::from_secs(31));
        assert_eq!(clock.now(), start + Duration::from_secs(31));
        assert!(!clock.is_real_time());
    }

    #[test]
    #[should_panic(expected = "cannot go back")]
    fn manual_clock_refuses_to_go_back() {
        let start = Instant::now();
        let clock = ManualClock::new(start + Duration::from_secs(1));
        clock.set(start);
    }

    #[test]
    fn system_clock_is_real_time() {
        let before = Instant::now();
        let now = SystemClock.now();
        assert!(now >= before && SystemClock.is_real_time());
    }
}
