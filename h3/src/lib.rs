//! HTTP/3 on qssl: the [h3](https://docs.rs/h3/0.0.8) crate's QUIC traits implemented on
//! qssl's QUIC connection and stream objects ([`qssl::quic::Ssl`]), as `h3-quinn` implements
//! them on quinn.
//!
//! ```no_run
//! # async fn run(ssl: qssl::quic::Ssl) -> Result<(), Box<dyn std::error::Error>> {
//! // `ssl`: a client connection of a context offering ALPN "h3", with its BIO and peer set.
//! let (mut driver, mut send_request) = h3::client::new(qssl_h3::Connection::new(ssl)?).await?;
//! # let _ = (&mut driver, &mut send_request);
//! # Ok(())
//! # }
//! ```
//!
//! A server wraps each connection it accepts from a listener the same way and hands it to
//! `h3::server::Connection::new`.
//!
//! - [`connection`]: [`Connection`] and [`OpenStreams`].
//! - [`stream`]: [`SendStream`], [`RecvStream`] and [`BidiStream`].
//! - `error`: qssl's failures as h3's error types; the waiting is
//!   [`qssl::asyncio::driver`]'s: a thread per connection that waits with
//!   [`qssl::quic::poll()`] and wakes tasks.
//!
//! Waking: a call that would block records its object, the events it waits for and its
//! waker; the connection's driver thread polls all recorded objects with a timeout of a
//! few milliseconds, so an object recorded while it waits is watched from its next poll on.
//! The adapter needs no particular async runtime.
//!
//! [`RecvStream`]'s `stop_sending` sends STOP_SENDING with h3's code through qssl's
//! [`Ssl::stream_stop_sending`](qssl::quic::Ssl::stream_stop_sending).

#![forbid(unsafe_code)]

pub mod connection;
mod error;
pub mod stream;

pub use connection::{Connection, OpenStreams};
pub use stream::{BidiStream, RecvStream, SendStream};

/// The ALPN protocol ID of HTTP/3 (RFC 9114 §3.1).
pub const ALPN: &[u8] = b"h3";

#[cfg(test)]
mod tests {
    /// The adapter shares qssl objects between tasks and its driver thread.
    #[test]
    fn qssl_objects_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<qssl::quic::Ssl>();
        send_sync::<super::Connection>();
        send_sync::<super::BidiStream>();
    }
}
