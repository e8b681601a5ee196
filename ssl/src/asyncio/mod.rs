//! qssl's objects in async code.
//!
//! - [`driver`]: a thread per QUIC connection that waits with [`poll()`](crate::quic::poll())
//!   and wakes the tasks whose objects became ready; it works with any async runtime (the
//!   `qssl-h3` adapter is built on it).
//! - With the `tokio` feature: `QuicConnection` and `QuicStream` (a stream as tokio's
//!   `AsyncRead`/`AsyncWrite`) and `TlsStream` (a TLS object over a tokio `TcpStream`,
//!   itself `AsyncRead`/`AsyncWrite`).
//!
#![cfg_attr(
    feature = "tokio",
    doc = r#"
```
use qssl::asyncio::{QuicConnection, TlsStream};
use qssl::ctx::{Method, SSL_VERIFY_PEER};
use qssl::{Ssl, SslCtx};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

# fn main() -> Result<(), Box<dyn std::error::Error>> {
# tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
let mut server_ctx = SslCtx::new(Method::TlsServer);
server_ctx.use_certificate_der(made.cert.der())?;
server_ctx.use_private_key_der(made.signing_key.serialized_der())?;
let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
let addr = listener.local_addr()?;
let server = tokio::spawn(async move {
    let (tcp, _) = listener.accept().await?;
    let tls = qssl::tls::Tls::new(&server_ctx).expect("a TLS server context");
    tls.set_accept_state();
    let mut stream = TlsStream::new(tls, tcp)?;
    let mut request = Vec::new();
    stream.read_to_end(&mut request).await?; // to the client's close_notify
    stream.write_all(&request.to_ascii_uppercase()).await?;
    stream.shutdown().await
});

let mut client_ctx = SslCtx::new(Method::TlsClient);
client_ctx.add_trusted_certificate(made.cert.der())?;
client_ctx.set_verify(SSL_VERIFY_PEER, None);
let tls = qssl::tls::Tls::new(&client_ctx)?;
tls.set_host_name("localhost")?;
let mut stream = TlsStream::new(tls, tokio::net::TcpStream::connect(addr).await?)?;
stream.handshake().await?;
stream.write_all(b"hello").await?;
stream.shutdown().await?; // close_notify: TLS 1.3 lets the server answer after it
let mut answer = String::new();
stream.read_to_string(&mut answer).await?;
assert_eq!(answer, "HELLO");
server.await??;
# Ok::<_, Box<dyn std::error::Error>>(())
# })
# }
```
"#
)]

pub mod driver;
#[cfg(feature = "tokio")]
mod tokio_io;

#[cfg(feature = "tokio")]
pub use tokio_io::{QuicConnection, QuicStream, TlsStream};

use crate::error::{SslError, clear_error, ssl_r};
use crate::quic::{DefaultStreamMode, IncomingStreamPolicy, Ssl, StreamType};

/// Makes the QUIC connection object `conn` (a client connection not started yet, or a
/// connection accepted from a listener) ready for async use: non-blocking, without a
/// default stream, accepting every stream the peer opens. Fails if `conn` is not a
/// connection or already has a default stream.
pub fn prepare_connection(conn: &Ssl) -> Result<(), SslError> {
    conn.set_blocking_mode(false)?;
    if conn.check_default_stream_mode_settable().is_ok() {
        conn.set_default_stream_mode(DefaultStreamMode::None)?;
    } else {
        // A connection that started with new_stream/accept_stream can have no default
        // stream any more; one that has a default stream is refused.
        clear_error();
        if conn.stream_type() != StreamType::None {
            return Err(SslError::ssl(ssl_r::CONN_USE_ONLY)
                .with_data("the connection has a default stream: async use needs none"));
        }
    }
    conn.set_incoming_stream_policy(IncomingStreamPolicy::Accept, 0)
}
