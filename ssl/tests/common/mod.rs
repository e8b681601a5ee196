//! Shared helpers of the QUIC object tests: certificates, contexts, object pairs over a
//! datagram pair or UDP, and a loop that runs non-blocking objects until a condition holds.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::quic::Ssl;
use qssl_bio::{DatagramBio, UdpBio, new_dgram_pair};

/// The ALPN the tests speak, in wire format.
pub(crate) const ALPN: &[u8] = b"\x0ahq-interop";

pub(crate) use qssl_tests::identity::Identity;

/// A self-signed certificate for "localhost" and its key, as PEM files.
pub(crate) fn identity() -> Identity {
    Identity::localhost()
}

pub(crate) fn server_ctx(id: &Identity) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(&id.cert).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx
}

pub(crate) fn client_ctx(roots: &Path) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(roots), None).unwrap();
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx
}

/// A client connection and a listener joined by a datagram pair (non-blocking: pairs
/// cannot be polled).
pub(crate) struct PairSetup {
    pub(crate) id: Identity,
    pub(crate) client: Ssl,
    pub(crate) listener: Ssl,
}

pub(crate) fn pair_setup(validate: bool) -> PairSetup {
    let id = identity();
    let (a, b) = new_dgram_pair(0, 0);
    let a: Arc<dyn DatagramBio> = Arc::new(a);
    let b: Arc<dyn DatagramBio> = Arc::new(b);
    let flags = if validate {
        0
    } else {
        qssl::quic::LISTENER_FLAG_NO_VALIDATE
    };
    let listener = Ssl::new_listener(&server_ctx(&id), flags).unwrap();
    listener.set_bio(Some(b.clone()), Some(b)).unwrap();
    listener.listen().unwrap();
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client.set_bio(Some(a.clone()), Some(a)).unwrap();
    client.set_host_name("localhost").unwrap();
    PairSetup {
        id,
        client,
        listener,
    }
}

/// Handles events on `objects` until `done` holds; panics after 10 s.
#[track_caller]
pub(crate) fn run_until(objects: &[&Ssl], mut done: impl FnMut() -> bool) {
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

/// Retries `op` (handling events on `objects` between tries) until it stops reporting
/// WANT_READ/WANT_WRITE.
#[track_caller]
pub(crate) fn retry<T>(
    objects: &[&Ssl],
    mut op: impl FnMut() -> qssl::IoResult<T>,
) -> qssl::IoResult<T> {
    let mut out = None;
    run_until(objects, || match op() {
        Err(e) if e.is_retry() => false,
        r => {
            out = Some(r);
            true
        }
    });
    out.unwrap()
}

/// Connects the pair's client and accepts it: both handshakes complete.
pub(crate) fn connect_pair(s: &PairSetup) -> Ssl {
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
    server.unwrap()
}

/// A UDP socket BIO bound to an ephemeral loopback port.
pub(crate) fn udp_bio() -> (Arc<dyn DatagramBio>, SocketAddr) {
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = bio.local_addr().socket_addr().unwrap();
    (Arc::new(bio), addr)
}

/// A TLS server context with the identity's certificate and `alpn` (wire format).
pub(crate) fn tls_server_ctx(id: &Identity, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::TlsServer);
    ctx.use_certificate_chain_file(&id.cert).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

/// A TLS client context trusting `roots`, verifying the server.
pub(crate) fn tls_client_ctx(roots: &Path, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::TlsClient);
    ctx.load_verify_locations(Some(roots), None).unwrap();
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

/// Drives a client and a server TLS object over non-blocking BIOs until both handshakes
/// complete (or one fails): returns each side's outcome.
pub(crate) fn tls_handshake(
    client: &qssl::tls::Tls,
    server: &qssl::tls::Tls,
) -> (qssl::IoResult<()>, qssl::IoResult<()>) {
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
pub(crate) fn tls_bio_pair(
    client_ctx: &SslCtx,
    server_ctx: &SslCtx,
    buf_len: usize,
) -> (qssl::tls::Tls, qssl::tls::Tls) {
    use qssl::tls::{SharedStreamBio, Tls};
    let (a, b) = qssl_bio::new_bio_pair(buf_len, buf_len);
    let a: SharedStreamBio = Arc::new(std::sync::Mutex::new(a));
    let b: SharedStreamBio = Arc::new(std::sync::Mutex::new(b));
    let client = Tls::new(client_ctx).unwrap();
    client.set_bio(Some(a.clone()), Some(a));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(server_ctx).unwrap();
    server.set_bio(Some(b.clone()), Some(b));
    (client, server)
}

/// The next stream the peer opened on `conn`, handling events on `objects` until one is
/// there.
#[track_caller]
pub(crate) fn next_stream(objects: &[&Ssl], conn: &Ssl) -> Ssl {
    retry(objects, || {
        conn.accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
            .and_then(|o| o.ok_or_else(qssl::IoError::want_read))
    })
    .unwrap()
}
