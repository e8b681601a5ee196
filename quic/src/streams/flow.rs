//! Flow control (RFC 9000 §4): credit to send within the peer's limits, the receive window
//! advertised to the peer, and the stream count limits of §4.6.
//!
//! Each type serves one level: a connection keeps one [`SendCredit`] and one [`RecvWindow`]
//! for `MAX_DATA`, each stream one of each for `MAX_STREAM_DATA`, and one [`StreamLimits`] per
//! stream direction for `MAX_STREAMS`.

use std::ops::Range;
use std::time::{Duration, Instant};

use crate::coding::VarInt;
use crate::error::{TransportError, TransportErrorCode};
use crate::frame::MAX_STREAM_COUNT;
use crate::stream_id::{Dir, Side, StreamId};

/// Credit to send data within a limit set by the peer (`MAX_DATA` or `MAX_STREAM_DATA`).
#[derive(Debug, Clone)]
pub struct SendCredit {
    limit: u64,
    used: u64,
    /// The limit a `*_BLOCKED` frame was last produced for.
    blocked_reported: Option<u64>,
}

impl SendCredit {
    /// Credit under the peer's initial `limit` (from its transport parameters).
    pub fn new(limit: u64) -> Self {
        SendCredit {
            limit,
            used: 0,
            blocked_reported: None,
        }
    }

    /// The peer's current limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes sent against the limit.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Bytes that may still be sent.
    pub fn available(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Records `n` new bytes sent; returns how many of them the credit covered (all of them
    /// unless the caller overran [`SendCredit::available`]).
    pub fn consume(&mut self, n: u64) -> u64 {
        let granted = n.min(self.available());
        self.used += granted;
        granted
    }

    /// Applies a limit from the peer (`MAX_DATA` / `MAX_STREAM_DATA`); only an increase
    /// counts (RFC 9000 §4.1). Returns whether the limit grew.
    pub fn update_limit(&mut self, limit: u64) -> bool {
        if limit > self.limit {
            self.limit = limit;
            true
        } else {
            false
        }
    }

    /// Replaces the limit, lower or higher: the peer's parameters for a connection replace
    /// the remembered ones its early data was sent under (RFC 9000 §7.4.1).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
        self.blocked_reported = None;
    }

    /// Whether no credit is left.
    pub fn is_blocked(&self) -> bool {
        self.available() == 0
    }

    /// When blocked, the limit to report in a `DATA_BLOCKED` / `STREAM_DATA_BLOCKED` frame,
    /// once per limit: later calls return `None` until the limit grows or
    /// [`SendCredit::on_blocked_lost`]. Call it when data is waiting for credit.
    pub fn take_blocked(&mut self) -> Option<u64> {
        if self.is_blocked() && self.blocked_reported != Some(self.limit) {
            self.blocked_reported = Some(self.limit);
            Some(self.limit)
        } else {
            None
        }
    }

    /// The `*_BLOCKED` frame for `limit` was lost: report it again if still blocked there.
    pub fn on_blocked_lost(&mut self, limit: u64) {
        if self.blocked_reported == Some(limit) {
            self.blocked_reported = None;
        }
    }
}

/// The receive window advertised to the peer (`MAX_DATA` or `MAX_STREAM_DATA`), with
/// auto-tuning of its size.
#[derive(Debug, Clone)]
pub struct RecvWindow {
    /// Credit granted beyond what the application has consumed.
    window: u64,
    /// The largest `window` may grow to.
    max_window: u64,
    /// The limit advertised.
    limit: u64,
    /// Bytes received (the highest offset, or the connection's sum of them).
    received: u64,
    /// Bytes the application has consumed.
    consumed: u64,
    /// When the limit was last raised.
    last_update: Option<Instant>,
}

impl RecvWindow {
    /// A window of `window` bytes, which is also the initial limit (the transport
    /// parameter), growing up to `max_window` bytes (at least `window`).
    pub fn new(window: u64, max_window: u64) -> Self {
        let window = window.min(VarInt::MAX.get());
        RecvWindow {
            window,
            max_window: max_window.clamp(window, VarInt::MAX.get()),
            limit: window,
            received: 0,
            consumed: 0,
            last_update: None,
        }
    }

    /// The limit advertised to the peer.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The current window size.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Bytes the application has consumed.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Counts `n` newly received bytes (a rise of a stream's highest offset, or of the final
    /// size on RESET_STREAM). `FLOW_CONTROL_ERROR` (nothing counted) if the total would pass
    /// the advertised limit.
    pub fn on_received(&mut self, n: u64) -> Result<(), TransportError> {
        match self.received.checked_add(n) {
            Some(total) if total <= self.limit => {
                self.received = total;
                Ok(())
            }
            _ => Err(TransportError::new(
                TransportErrorCode::FLOW_CONTROL_ERROR,
                "data beyond the advertised limit",
            )),
        }
    }

    /// Counts `n` bytes consumed by the application (or discarded on its behalf); never beyond
    /// what was received.
    pub fn on_consumed(&mut self, n: u64) {
        self.consumed = self.consumed.saturating_add(n).min(self.received);
    }

    /// Whether a raised limit is due: at least half the window has been consumed since the
    /// limit was last set.
    pub fn should_update(&self) -> bool {
        let target = self.target();
        target > self.limit && target - self.limit >= self.window / 2
    }

    /// If [`RecvWindow::should_update`], raises the limit to consumed bytes plus the window
    /// and returns it for a `MAX_DATA` / `MAX_STREAM_DATA` frame. When the previous raise was
    /// less than two round trips (`rtt`) before `now`, the peer is being held back by the
    /// window rather than by the path, so the window doubles first, up to its maximum.
    pub fn take_update(&mut self, now: Instant, rtt: Duration) -> Option<u64> {
        if !self.should_update() {
            return None;
        }
        if let Some(last) = self.last_update
            && now.saturating_duration_since(last) < rtt.saturating_mul(2)
        {
            self.window = self.window.saturating_mul(2).min(self.max_window);
        }
        self.last_update = Some(now);
        self.limit = self.target();
        Some(self.limit)
    }

    /// The limit to advertise now: consumed bytes plus the window, below 2^62.
    fn target(&self) -> u64 {
        self.consumed
            .saturating_add(self.window)
            .min(VarInt::MAX.get())
    }
}

/// Stream count limits for one direction (bidirectional or unidirectional): how many streams
/// this endpoint may open (granted by the peer's `MAX_STREAMS`) and how many the peer may open
/// (granted by ours, returned as the peer's streams close).
#[derive(Debug, Clone)]
pub struct StreamLimits {
    local: Side,
    dir: Dir,
    /// Streams the peer lets us open (cumulative).
    peer_max: u64,
    /// Streams we have opened.
    opened: u64,
    /// The limit a STREAMS_BLOCKED was last produced for.
    blocked_reported: Option<u64>,
    /// Streams the peer may open (cumulative), as last advertised.
    local_max: u64,
    /// How many of the peer's streams may be open at once.
    concurrency: u64,
    /// Streams the peer has opened (the highest index seen plus one).
    accepted: u64,
    /// The peer's streams that have closed.
    closed: u64,
}

impl StreamLimits {
    /// Limits for `dir` streams on the endpoint `local`: the peer allows `peer_max` (its
    /// `initial_max_streams_*` parameter), and we allow `concurrency` of the peer's streams at
    /// a time (our parameter). Counts above 2^60 are reduced to 2^60.
    pub fn new(local: Side, dir: Dir, peer_max: u64, concurrency: u64) -> Self {
        let concurrency = concurrency.min(MAX_STREAM_COUNT);
        StreamLimits {
            local,
            dir,
            peer_max: peer_max.min(MAX_STREAM_COUNT),
            opened: 0,
            blocked_reported: None,
            local_max: concurrency,
            concurrency,
            accepted: 0,
            closed: 0,
        }
    }

    /// Opens our next stream, or `None` if the peer's limit is reached (then see
    /// [`StreamLimits::take_blocked`]).
    pub fn open(&mut self) -> Option<StreamId> {
        if self.opened >= self.peer_max {
            return None;
        }
        let id = StreamId::new(self.local, self.dir, self.opened)?;
        self.opened += 1;
        Some(id)
    }

    /// Streams we have opened.
    pub fn opened(&self) -> u64 {
        self.opened
    }

    /// The peer's limit on the streams we open.
    pub fn peer_max(&self) -> u64 {
        self.peer_max
    }

    /// Replaces the peer's limit, lower or higher: its parameters for a connection replace
    /// the remembered ones early data was sent under (RFC 9000 §7.4.1).
    pub fn set_peer_max(&mut self, peer_max: u64) {
        self.peer_max = peer_max.min(MAX_STREAM_COUNT);
        self.blocked_reported = None;
    }

    /// Applies a `MAX_STREAMS` from the peer; only an increase counts (RFC 9000 §4.6), and
    /// values above 2^60 (rejected by the frame parser) are reduced to 2^60. Returns whether
    /// the limit grew.
    pub fn on_max_streams(&mut self, max: u64) -> bool {
        let max = max.min(MAX_STREAM_COUNT);
        if max > self.peer_max {
            self.peer_max = max;
            true
        } else {
            false
        }
    }

    /// When [`StreamLimits::open`] is blocked, the limit to report in a `STREAMS_BLOCKED`
    /// frame, once per limit.
    pub fn take_blocked(&mut self) -> Option<u64> {
        if self.opened >= self.peer_max && self.blocked_reported != Some(self.peer_max) {
            self.blocked_reported = Some(self.peer_max);
            Some(self.peer_max)
        } else {
            None
        }
    }

    /// The `STREAMS_BLOCKED` frame for `limit` was lost: report it again if still blocked.
    pub fn on_blocked_lost(&mut self, limit: u64) {
        if self.blocked_reported == Some(limit) {
            self.blocked_reported = None;
        }
    }

    /// A frame from the peer names its stream `id` (of this direction, initiated by the peer).
    /// Returns the indices of the streams this opens: `id` and every lower-numbered stream not
    /// opened yet (RFC 9000 §3.2), empty if `id` was already open.
    ///
    /// `STREAM_LIMIT_ERROR` if `id` is beyond the limit we advertised. `id` of the wrong
    /// direction or initiator is the caller's mistake and opens nothing.
    pub fn on_peer_stream(&mut self, id: StreamId) -> Result<Range<u64>, TransportError> {
        if id.dir() != self.dir || id.initiator() == self.local {
            return Ok(self.accepted..self.accepted);
        }
        let index = id.index();
        if index >= self.local_max {
            return Err(TransportError::new(
                TransportErrorCode::STREAM_LIMIT_ERROR,
                "stream opened beyond the advertised limit",
            ));
        }
        let first = self.accepted;
        self.accepted = self.accepted.max(index + 1);
        Ok(first..self.accepted)
    }

    /// Streams the peer has opened.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    /// Our limit on the streams the peer opens, as last advertised.
    pub fn local_max(&self) -> u64 {
        self.local_max
    }

    /// One of the peer's streams has closed (both its parts are in terminal states and the
    /// application is done with it), returning its credit.
    pub fn on_peer_stream_closed(&mut self) {
        self.closed = self.closed.saturating_add(1).min(self.accepted);
    }

    /// A raised limit for a `MAX_STREAMS` frame, once enough of the peer's streams have closed
    /// to grant half the concurrency again (at least one).
    pub fn take_max_streams_update(&mut self) -> Option<u64> {
        let target = self
            .closed
            .saturating_add(self.concurrency)
            .min(MAX_STREAM_COUNT);
        let step = (self.concurrency / 2).max(1);
        if target >= self.local_max.saturating_add(step) {
            self.local_max = target;
            Some(target)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_credit() {
        let mut c = SendCredit::new(100);
        assert_eq!(c.consume(60), 60);
        assert_eq!(c.available(), 40);
        assert_eq!(c.take_blocked(), None);
        assert_eq!(c.consume(50), 40);
        assert!(c.is_blocked());
        assert_eq!(c.take_blocked(), Some(100));
        assert_eq!(c.take_blocked(), None);
        c.on_blocked_lost(90);
        assert_eq!(c.take_blocked(), None);
        c.on_blocked_lost(100);
        assert_eq!(c.take_blocked(), Some(100));
        assert!(!c.update_limit(80));
        assert!(!c.update_limit(100));
        assert!(c.update_limit(150));
        assert_eq!((c.limit(), c.used(), c.available()), (150, 100, 50));
        assert_eq!(c.take_blocked(), None);
        c.consume(50);
        assert_eq!(c.take_blocked(), Some(150));
    }

    #[test]
    fn recv_window_updates_at_half() {
        let t0 = Instant::now();
        let rtt = Duration::from_millis(100);
        let mut w = RecvWindow::new(1000, 1000);
        w.on_received(1000).unwrap();
        assert_eq!(
            w.on_received(1).unwrap_err().code,
            TransportErrorCode::FLOW_CONTROL_ERROR
        );
        w.on_consumed(499);
        assert!(!w.should_update());
        assert_eq!(w.take_update(t0, rtt), None);
        w.on_consumed(1);
        assert!(w.should_update());
        assert_eq!(w.take_update(t0, rtt), Some(1500));
        assert!(!w.should_update());
        w.on_received(500).unwrap();
        w.on_consumed(10_000);
        assert_eq!(w.consumed(), 1500);
        assert_eq!(w.received(), 1500);
    }
}
