//! qssl: OpenSSL's SSL-object model for QUIC and TLS as a safe Rust API.
//!
//! - [`error`]: the per-thread error queue with OpenSSL's packing and reason strings.
#![forbid(unsafe_code)]

pub mod error;
