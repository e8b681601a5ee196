//! The QUIC transport for qssl, sans-I/O.
//!
//! This crate reads and writes QUIC packets and (in later layers) runs connections. It performs
//! no I/O: it takes datagrams and the current time, and gives back datagrams and deadlines. TLS
//! 1.3 comes from rustls and cryptography from ring.
//!
//! - [`ack_tracker`]: received packet numbers per space and when to acknowledge them.
//! - [`conn`]: one QUIC connection, sans-I/O: handshake, packets, timers, closing.
//! - [`coding`]: variable-length integers and bounds-checked readers and writers.
//! - [`endpoint`]: connection-ID routing, server connections, Version Negotiation, Retry and
//!   stateless resets for one socket.
//! - [`error`]: transport error codes, connection errors and packet errors.
//! - [`cid`], [`version`], [`stream_id`]: identifiers.
//! - [`cid_manager`]: connection IDs issued and received over a connection's life.
//! - [`packet`]: packet kinds, headers (long, short, Retry, Version Negotiation, coalesced),
//!   packet numbers and packet protection.
//! - [`crypto`]: cipher suites, Initial keys, Retry integrity and stateless reset tokens.
//! - [`frame`]: the frame codec (RFC 9000 §19, DATAGRAM) and per-packet-type frame rules.
//! - [`recovery`]: RTT estimation, sent packets and loss detection, congestion control (NewReno,
//!   CUBIC) and pacing (RFC 9002, RFC 9438).
//! - [`seed`]: the seeds of endpoints' and connections' randomness (256 bits in real use).
//! - [`streams`]: stream data buffers, stream state machines and flow control (RFC 9000
//!   §2-4).
//! - [`tls`]: the TLS 1.3 handshake on rustls' QUIC API, by encryption level.
//! - [`token`]: authenticated address-validation tokens for Retry.
//! - [`transport_params`]: the transport parameters codec and its validation rules.
#![forbid(unsafe_code)]

pub mod ack_tracker;
pub mod cid;
pub mod cid_manager;
pub mod client_hello;
pub mod coding;
pub mod conn;
pub mod crypto;
pub mod endpoint;
pub mod error;
pub mod frame;
pub mod packet;
pub mod qlog;
pub mod recovery;
pub mod seed;
pub mod stream_id;
pub mod streams;
pub mod tls;
pub mod token;
pub mod transport_params;
pub mod version;

pub use cid::ConnectionId;
pub use coding::VarInt;
pub use error::{PacketError, TransportError, TransportErrorCode};
pub use frame::{Frame, FrameIter, FrameType};
pub use packet::PacketKind;
pub use seed::Seed;
pub use stream_id::{Dir, Side, StreamId};
pub use transport_params::TransportParameters;
pub use version::Version;
