//! PINGs the application asks for, and keep-alives: an ack-eliciting packet after
//! [`ConnectionConfig::keep_alive`](super::ConnectionConfig::keep_alive) without one, so an
//! idle connection neither times out nor loses its NAT bindings.

use std::time::Instant;

use super::{Connection, State};

impl Connection {
    /// Sends a PING in the next 1-RTT packet (nothing before the handshake completes or once
    /// the connection closes): the peer acknowledges it, which also measures the RTT.
    pub fn ping(&mut self) {
        if matches!(self.state, State::Open) {
            self.ping_pending = true;
        }
    }

    /// Sends a PING after `interval` without an ack-eliciting packet from now on (`None`:
    /// no keep-alives), as [`ConnectionConfig::keep_alive`](super::ConnectionConfig::keep_alive).
    pub fn set_keep_alive(&mut self, interval: Option<std::time::Duration>) {
        self.config.keep_alive = interval;
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
