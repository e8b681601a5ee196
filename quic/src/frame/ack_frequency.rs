//! The ACK_FREQUENCY frame (draft-ietf-quic-ack-frequency §4): a sender's request that its
//! peer acknowledge less (or more) often. IMMEDIATE_ACK has no fields and is a plain
//! [`Frame::ImmediateAck`](super::Frame::ImmediateAck).

/// An ACK_FREQUENCY frame (type 0xaf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckFrequency {
    /// Orders the frames of one sender: a receiver ignores one not newer than the newest it
    /// has processed.
    pub sequence: u64,
    /// The most ack-eliciting packets the receiver may take without acknowledging them (0:
    /// acknowledge every one; RFC 9000's rule is 1).
    pub ack_eliciting_threshold: u64,
    /// The max_ack_delay the receiver is to use from now on, in microseconds (at least the
    /// receiver's min_ack_delay).
    pub request_max_ack_delay: u64,
    /// How far packets may arrive out of order before the receiver acknowledges at once (0:
    /// never for reordering; 1, RFC 9000's rule: at the first out-of-order packet).
    pub reordering_threshold: u64,
}
