//! qssl: OpenSSL's SSL-object model for QUIC and TLS as a safe Rust API.
//!
//! Start with [`guide`]: the common tasks as whole, tested programs.
//!
//! - `asyncio` (features `async`, `tokio`): the objects in async code; with `tokio`, QUIC
//!   streams and TLS objects as tokio's `AsyncRead`/`AsyncWrite`.
//! - [`clock`]: where the QUIC objects read the time (the system's clock, or a manual one for
//!   tests and simulations).
//! - [`error`]: the per-thread error queue with OpenSSL's packing and reason strings.
//! - [`ctx`]: `SSL_CTX` for the QUIC methods: certificates, trust roots and verification,
//!   ALPN, key logging, transport settings, and the rustls configurations built from them.
//! - [`quic`]: the QUIC objects (connections, streams, listeners) as [`Ssl`] handles.
//! - [`result`]: what I/O calls report (`SSL_get_error`'s codes).
//! - [`tls`]: TLS over byte streams (TCP, socket pairs, memory BIOs) as [`tls::Tls`] objects.
//! - [`x509`]: certificates and their names as `X509` and `X509_NAME` present them, and PEM
//!   (the one PEM reader the contexts and the C library share).
#![forbid(unsafe_code)]

#[cfg(feature = "async")]
pub mod asyncio;
pub mod clock;
pub mod ctx;
pub mod error;
pub mod guide;
pub mod key_update;
mod lock;
pub mod quic;
pub mod result;
pub mod tls;
pub mod x509;

pub use ctx::{Method, SslCtx};
pub use quic::Ssl;
pub use result::{ErrorCode, IoError, IoResult};
