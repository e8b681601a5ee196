//! Loss recovery and congestion control (RFC 9002, RFC 9438), sans-I/O: every function takes the
//! current time as an argument and none arms a timer; the connection asks for deadlines.
//!
//! - [`rtt`]: the RTT estimator and the durations derived from it (PTO, loss delay, persistent
//!   congestion duration).
//! - [`sent`]: sent packets of one packet number space: acknowledgments, loss detection,
//!   persistent congestion, discarding the space.
//! - [`cc`]: the [`CongestionController`] interface, NewReno and CUBIC.
//! - [`pacing`]: the [`Pacer`].

pub mod cc;
pub mod pacing;
mod pn_set;
pub mod rtt;
pub mod sent;

pub use cc::{CongestionController, CongestionKind, Cubic, NewReno};
pub use pacing::Pacer;
pub use rtt::{GRANULARITY, RttEstimator};
pub use sent::{
    AckOutcome, Discarded, LossOutcome, MAX_ACK_ONLY_TRACKED, PACKET_THRESHOLD, SentPacket,
    SentPackets, UnsentPacketAcked,
};
