//! Address-validation tokens of NEW_TOKEN frames (RFC 9000 §8.1.3) on a connection: the one a
//! server gives its client (sealed by the endpoint), sent once the handshake completes and
//! again if lost; the last one a client received, for its next connection; and the one a
//! client presents in its Initial packets.

use std::sync::Arc;

use crate::coding::Writer;
use crate::frame::Frame;
use crate::stream_id::Side;

use super::Connection;

/// A connection's tokens.
#[derive(Debug, Default)]
pub(super) struct Tokens {
    /// What a client's Initial packets carry (until a Retry gives another).
    initial: Option<Arc<[u8]>>,
    /// What a server owes its client.
    to_send: Option<Vec<u8>>,
    /// The last token a client received.
    received: Option<Vec<u8>>,
}

impl Tokens {
    /// The token a client's Initial packets carry (empty for none).
    pub(super) fn initial(&self) -> &[u8] {
        self.initial.as_deref().unwrap_or_default()
    }

    /// Whether a NEW_TOKEN frame is owed: a server's, once its handshake is complete.
    pub(super) fn wants_send(&self, side: Side, handshake_complete: bool) -> bool {
        side == Side::Server && handshake_complete && self.to_send.is_some()
    }

    /// Writes the owed NEW_TOKEN frame if it fits; the token it carried.
    pub(super) fn write_frame(&mut self, w: &mut Writer<'_>) -> Option<Vec<u8>> {
        let token = self.to_send.as_deref()?;
        Frame::NewToken { token }.encode(w).ok()?;
        self.to_send.take()
    }

    /// A packet carrying `token` was lost: it goes again.
    pub(super) fn on_lost(&mut self, token: Vec<u8>) {
        self.to_send.get_or_insert(token);
    }

    /// A client received `token`: the newest replaces any before it.
    pub(super) fn on_received(&mut self, token: &[u8]) {
        self.received = Some(token.to_vec());
    }
}

impl Connection {
    /// Presents `token` (from a NEW_TOKEN frame of an earlier connection to this server) in
    /// this client connection's Initial packets, so a server that validates addresses need
    /// not ask for a Retry round trip. Call it before the first
    /// [`poll_transmit`](Self::poll_transmit).
    pub fn set_initial_token(&mut self, token: &[u8]) {
        if self.side == Side::Client && !token.is_empty() {
            self.tokens.initial = Some(token.into());
        }
    }

    /// The last token the server gave this client connection in a NEW_TOKEN frame (announced
    /// by [`Event::NewToken`](super::Event::NewToken)), for a later connection to it.
    pub fn take_new_token(&mut self) -> Option<Vec<u8>> {
        self.tokens.received.take()
    }

    /// Gives a server connection the token to send its client once the handshake completes
    /// (the endpoint seals it).
    pub(crate) fn give_new_token(&mut self, token: Vec<u8>) {
        if self.side == Side::Server {
            self.tokens.to_send = Some(token);
        }
    }
}
