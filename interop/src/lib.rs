//! Interop tooling for qssl: hq-interop (HTTP/0.9 over QUIC) client and server written
//! against qssl's SSL-object API, as the QUIC interop runner uses them, and the contexts they
//! run with.
#![forbid(unsafe_code)]

pub mod certs;
pub mod endpoint;
pub mod hq;
pub mod relay;
pub mod runner;
pub mod tls;
