//! PINGs the application asks for, keep-alives (an ack-eliciting packet after
//! [`ConnectionConfig::keep_alive`](super::ConnectionConfig::keep_alive) without one, so an
//! idle connection neither times out nor loses its NAT bindings), and PINGs that prompt the
//! peer to acknowledge stream data a closing application waits for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Connection, State};

impl Connection {
    /// Sends a PING in the next 1-RTT packet (nothing before the handshake completes or once
    /// the connection closes): the peer acknowledges it, which also measures the RTT.
    pub fn ping(&mut self) {
        if matches!(self.state, State::Open) {
            self.ping_pending = true;
        }
    }

    /// Asks the peer to acknowledge the stream data in flight now rather than after its ACK
    /// delay, for an application that waits for those acknowledgments (a close that
    /// delivers the streams first): a PING makes a second ack-eliciting packet since the
    /// peer's last ACK, which RFC 9000 §13.2.2 has it acknowledge at once. At most once per
    /// probe period (without the ACK delay); nothing when every stream's data is
    /// acknowledged or the connection is not open.
    pub fn prompt_ack(&mut self, now: Instant) {
        if !matches!(self.state, State::Open) || self.streams_flushed() {
            return;
        }
        let period = self.rtt.pto_period(Duration::ZERO, false);
        if self.ack_prompted.is_some_and(|at| now < at + period) {
            return;
        }
        self.ack_prompted = Some(now);
        self.ping_pending = true;
    }

    /// Sends a PING after `interval` without an ack-eliciting packet from now on (`None`:
    /// no keep-alives), as [`ConnectionConfig::keep_alive`](super::ConnectionConfig::keep_alive).
    pub fn set_keep_alive(&mut self, interval: Option<std::time::Duration>) {
        Arc::make_mut(&mut self.config).keep_alive = interval;
    }

    /// When the next keep-alive PING is due: the configured interval after the last
    /// ack-eliciting packet, once the handshake has completed.
    pub(super) fn keep_alive_timer(&self) -> Option<Instant> {
        let interval = self.config.keep_alive?;
        if self.ping_pending || !self.is_handshake_complete() {
            return None;
        }
        Some(self.last_eliciting_sent? + interval)
    }
}
