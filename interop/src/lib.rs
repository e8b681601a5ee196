//! Interop tooling for qssl: hq-interop (HTTP/0.9 over QUIC) and HTTP/3 clients and servers
//! written against qssl's SSL-object API, as the QUIC interop runner uses them, and the contexts they
//! run with.
#![forbid(unsafe_code)]

pub mod certs;
pub mod endpoint;
pub mod hq;
pub mod http3;
pub mod relay;
pub mod runner;
pub mod tls;
