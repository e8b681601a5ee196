//! QUIC packets: kinds, headers, packet numbers and protection.

pub mod header;
pub mod number;
pub mod protect;
pub mod refusal;

/// The kinds of packet that carry frames, each with its own keys (and, except 0-RTT and 1-RTT
/// which share one, its own packet-number space).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// Initial packets (long header).
    Initial,
    /// 0-RTT packets (long header).
    ZeroRtt,
    /// Handshake packets (long header).
    Handshake,
    /// 1-RTT packets (short header).
    OneRtt,
}
