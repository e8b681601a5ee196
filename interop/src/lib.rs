//! Interop tooling for qssl's QUIC engine: a blocking UDP driver that runs an
//! [`Endpoint`](qssl_quic::endpoint::Endpoint) over a [`UdpBio`](qssl_bio::UdpBio), and
//! hq-interop (HTTP/0.9 over QUIC) client and server logic on top, as the QUIC interop runner
//! uses them.
#![forbid(unsafe_code)]

pub mod driver;
pub mod hq;
pub mod tls;
