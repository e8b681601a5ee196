//! What a connection holds on its peer's behalf, counted: tests assert bounds on these
//! directly, and applications can watch them.

/// Entries and bytes one connection holds, by structure (from
/// [`Connection::resources`](super::Connection::resources)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionResources {
    /// Packet-number spaces held: three during the handshake, one once the Initial and
    /// Handshake spaces are discarded.
    pub spaces: usize,
    /// Sent packets awaiting acknowledgment or loss, all packet number spaces.
    pub sent_packets: usize,
    /// Ranges of received packet numbers tracked for ACK frames, all spaces.
    pub ack_ranges: usize,
    /// Received CRYPTO bytes not yet consumed by the handshake, all spaces.
    pub crypto_recv_bytes: u64,
    /// Separate chunks of received CRYPTO data, all spaces.
    pub crypto_recv_chunks: usize,
    /// CRYPTO bytes written and not yet acknowledged, all spaces.
    pub crypto_send_bytes: usize,
    /// Streams in the stream map.
    pub streams: usize,
    /// Received stream bytes not yet read by the application.
    pub stream_recv_bytes: u64,
    /// Separate chunks of received stream data.
    pub stream_recv_chunks: usize,
    /// Stream bytes written and not yet acknowledged.
    pub stream_send_bytes: usize,
    /// Events waiting for the application (connection and stream events).
    pub events: usize,
    /// PATH_RESPONSE frames owed.
    pub path_responses: usize,
    /// Connection IDs from the peer (usable or waiting to be retired).
    pub remote_cids: usize,
    /// Connection IDs this endpoint issued and has not seen retired.
    pub local_cids: usize,
    /// The connection-level receive window: what the peer may send beyond what the
    /// application has read.
    pub receive_window: u64,
}
