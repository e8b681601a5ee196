//! What the tests of qssl's objects start from: contexts for the test [`Identity`], QUIC
//! objects joined by a datagram pair or on UDP sockets, TLS objects joined by a BIO pair,
//! and the loops that drive non-blocking objects until a condition holds.
//!
//! The loops here run on the system clock (they poll and sleep briefly between tries);
//! [`ssl_node`](crate::ssl_node) runs objects on the simulator's virtual clock instead.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::quic::Ssl;
use qssl::tls::{SharedStreamBio, Tls};
use qssl::{IoError, IoResult};
use qssl_bio::{DatagramBio, UdpBio, new_dgram_pair};

use crate::identity::Identity;

/// The ALPN the QUIC tests speak (hq-interop), in wire format.
pub const ALPN: &[u8] = b"\x0ahq-interop";

/// A QUIC server context presenting `id`'s certificate, speaking [`ALPN`].
pub fn server_ctx(id: &Identity) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(&id.cert).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx
}

/// A QUIC client context trusting the certificates of the PEM file `roots`, verifying the
/// server, offering [`ALPN`].
pub fn client_ctx(roots: &Path) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(roots), None).unwrap();
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx
}

/// The two ends of a datagram pair whose write buffers hold `buf_len` bytes each (0: the
/// pair's default), as the network BIOs objects take.
pub fn dgram_pair(buf_len: usize) -> (Arc<dyn DatagramBio>, Arc<dyn DatagramBio>) {
    let (a, b) = new_dgram_pair(buf_len, buf_len);
    (Arc::new(a), Arc::new(b))
}

/// A client connection of `client_ctx` (not started, no names set) and a listening
/// listener of `server_ctx` made with `listener_flags`, joined by a datagram pair.
pub fn objects_over_pair(
    client_ctx: &SslCtx,
    server_ctx: &SslCtx,
    listener_flags: u64,
) -> (Ssl, Ssl) {
    let (a, b) = dgram_pair(0);
    let listener = Ssl::new_listener(server_ctx, listener_flags).unwrap();
    listener.set_bio(Some(b.clone()), Some(b)).unwrap();
    listener.listen().unwrap();
    let client = Ssl::new(client_ctx).unwrap();
    client.set_bio(Some(a.clone()), Some(a)).unwrap();
    (client, listener)
}

/// A client connection and a listener joined by a datagram pair (non-blocking: pairs
/// cannot be polled).
#[derive(Debug)]
pub struct PairSetup {
    /// The server's identity, also the client's trust root.
    pub id: Identity,
    /// The client connection, for "localhost", not started.
    pub client: Ssl,
    /// The listener, listening.
    pub listener: Ssl,
}

/// A [`PairSetup`] for a new identity; `validate` makes the listener demand a Retry round
/// trip.
pub fn pair_setup(validate: bool) -> PairSetup {
    let id = Identity::localhost();
    let flags = if validate {
        0
    } else {
        qssl::quic::LISTENER_FLAG_NO_VALIDATE
    };
    let (client, server) = (client_ctx(&id.cert), server_ctx(&id));
    pair_setup_with(id, &client, &server, flags)
}

/// A [`PairSetup`] of contexts made for `id` (and changed as a test needs), the listener
/// made with `listener_flags`.
pub fn pair_setup_with(
    id: Identity,
    client_ctx: &SslCtx,
    server_ctx: &SslCtx,
    listener_flags: u64,
) -> PairSetup {
    let (client, listener) = objects_over_pair(client_ctx, server_ctx, listener_flags);
    client.set_host_name("localhost").unwrap();
    PairSetup {
        id,
        client,
        listener,
    }
}

/// Handles events on `objects` until `done` holds, pausing 200 µs between tries.
///
/// # Panics
/// After 10 s of real time.
#[track_caller]
pub fn run_until(objects: &[&Ssl], mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if done() {
            return;
        }
        assert!(Instant::now() < deadline, "condition not reached in time");
        for o in objects {
            o.handle_events();
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Retries `op` (handling events on `objects` between tries, as [`run_until`]) until it
/// stops reporting WANT_READ/WANT_WRITE, and returns what it reported then.
#[track_caller]
pub fn retry<T>(objects: &[&Ssl], mut op: impl FnMut() -> IoResult<T>) -> IoResult<T> {
    let mut out = None;
    run_until(objects, || match op() {
        Err(e) if e.is_retry() => false,
        r => {
            out = Some(r);
            true
        }
    });
    out.expect("run_until returns once op is done")
}

/// Connects the pair's client and accepts it: returns the server's connection once both
/// handshakes are complete.
///
/// # Panics
/// If either handshake fails.
#[track_caller]
pub fn connect_pair(s: &PairSetup) -> Ssl {
    let mut server = None;
    run_until(&[&s.client, &s.listener], || {
        if server.is_none() {
            server = s.listener.accept_connection(0).unwrap();
        }
        let client_done = match s.client.connect() {
            Ok(()) => true,
            Err(e) if e.is_retry() => false,
            Err(e) => panic!("client handshake failed: {e}"),
        };
        let server_done = server.as_ref().is_some_and(|c| match c.connect() {
            Ok(()) => true,
            Err(e) if e.is_retry() => false,
            Err(e) => panic!("server handshake failed: {e}"),
        });
        client_done && server_done
    });
    server.expect("accepted before the handshake completed")
}

/// The next stream the peer opened on `conn`, handling events on `objects` until one is
/// there.
#[track_caller]
pub fn next_stream(objects: &[&Ssl], conn: &Ssl) -> Ssl {
    retry(objects, || {
        conn.accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
            .and_then(|o| o.ok_or_else(IoError::want_read))
    })
    .unwrap()
}

/// A listener of `ctx` (no address validation) on a UDP socket bound to an ephemeral
/// loopback port, not listening yet, and that port's address.
pub fn udp_listener(ctx: &SslCtx) -> (Ssl, SocketAddr) {
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(ctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    (listener, addr)
}

/// A UDP socket BIO bound to an ephemeral loopback port, and that port's address.
pub fn udp_bio() -> (Arc<dyn DatagramBio>, SocketAddr) {
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = bio.local_addr().socket_addr().unwrap();
    (Arc::new(bio), addr)
}

/// A QUIC client object of `ctx` for "localhost" on a UDP socket connected to `server`, not
/// started.
pub fn udp_client(ctx: &SslCtx, server: SocketAddr) -> Ssl {
    let client = Ssl::new(ctx).unwrap();
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    bio.connect(server).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(bio);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client
}

/// A TLS server context with the identity's certificate and `alpn` (wire format).
pub fn tls_server_ctx(id: &Identity, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::TlsServer);
    ctx.use_certificate_chain_file(&id.cert).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

/// A TLS client context trusting `roots`, verifying the server.
pub fn tls_client_ctx(roots: &Path, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::TlsClient);
    ctx.load_verify_locations(Some(roots), None).unwrap();
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

/// Drives a client and a server TLS object over non-blocking BIOs until both handshakes
/// complete (or one fails): returns each side's outcome.
///
/// # Panics
/// If neither finishes nor fails within 1000 rounds.
pub fn tls_handshake(client: &Tls, server: &Tls) -> (IoResult<()>, IoResult<()>) {
    let (mut c, mut s) = (None, None);
    for _ in 0..1000 {
        if c.is_none() {
            match client.connect() {
                Err(e) if e.is_retry() => {}
                r => c = Some(r),
            }
        }
        if s.is_none() {
            match server.accept() {
                Err(e) if e.is_retry() => {}
                r => s = Some(r),
            }
        }
        if c.is_some() && s.is_some() {
            break;
        }
        // A failed side stops answering; the other then waits forever.
        if c.as_ref().is_some_and(|r| r.is_err()) || s.as_ref().is_some_and(|r| r.is_err()) {
            let c = c.take().unwrap_or_else(|| client.connect());
            let s = s.take().unwrap_or_else(|| server.accept());
            return (c, s);
        }
    }
    (
        c.expect("client handshake finished"),
        s.expect("server handshake finished"),
    )
}

/// A client (named "localhost") and a server TLS object joined by an in-memory BIO pair
/// whose buffers hold `buf_len` bytes (0: the default).
pub fn tls_bio_pair(client_ctx: &SslCtx, server_ctx: &SslCtx, buf_len: usize) -> (Tls, Tls) {
    let (a, b) = qssl_bio::new_bio_pair(buf_len, buf_len);
    let a: SharedStreamBio = Arc::new(Mutex::new(a));
    let b: SharedStreamBio = Arc::new(Mutex::new(b));
    let client = Tls::new(client_ctx).unwrap();
    client.set_bio(Some(a.clone()), Some(a));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(server_ctx).unwrap();
    server.set_bio(Some(b.clone()), Some(b));
    (client, server)
}
