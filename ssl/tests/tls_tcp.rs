//! TLS objects over real sockets: TCP loopback blocking and non-blocking (with the
//! OpenSSL-style retry loop and `wait`), a Unix socket pair, and a buffering filter between
//! the object and the socket on both sides.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use qssl::ErrorCode;
use qssl::ctx::{TLS1_2_VERSION, TLS1_3_VERSION};
use qssl::tls::{SharedStreamBio, Tls};
use qssl_bio::{BioChain, BufferFilter, SocketBio};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

const ALPN: &[u8] = b"\x08http/1.1";

/// Serves one connection on `listener`: reads a request line, answers it reversed, shuts
/// down.
fn serve_once(listener: TcpListener, ctx: qssl::SslCtx) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let tls = Tls::new(&ctx).unwrap();
        tls.set_tcp(stream);
        tls.accept().unwrap();
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\n") {
            assert_eq!(tls.read(&mut byte).unwrap(), 1);
            line.push(byte[0]);
        }
        let reply: Vec<u8> = line.iter().rev().copied().collect();
        (&tls).write_all(&reply).unwrap();
        // Wait for the client's close_notify, then answer it.
        let mut rest = Vec::new();
        (&tls).read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
        assert!(tls.shutdown().unwrap());
    })
}

#[test]
fn blocking_tcp_both_versions() {
    let id = Identity::localhost();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut sctx = tls_server_ctx(&id, ALPN);
        sctx.set_max_proto_version(version).unwrap();
        let server = serve_once(listener, sctx);
        let client = Tls::new(&tls_client_ctx(&id.cert, ALPN)).unwrap();
        client.set_tcp(TcpStream::connect(addr).unwrap());
        client.set_host_name("localhost").unwrap();
        client.connect().unwrap();
        assert_eq!(client.version(), Some(version));
        (&client).write_all(b"hello\n").unwrap();
        let mut reply = [0u8; 6];
        (&client).read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"\nolleh");
        assert!(!client.shutdown().unwrap());
        assert!(client.shutdown().unwrap());
        server.join().unwrap();
    }
}

#[test]
fn nonblocking_tcp_with_the_openssl_retry_loop() {
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        nonblocking_round_trip(version);
    }
}

/// A non-blocking client of `version` against a blocking server, driven by OpenSSL's retry
/// loop.
fn nonblocking_round_trip(version: i32) {
    let id = Identity::localhost();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_once(listener, tls_server_ctx(&id, ALPN));
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nonblocking(true).unwrap();
    let mut cctx = tls_client_ctx(&id.cert, ALPN);
    cctx.set_max_proto_version(version).unwrap();
    let client = Tls::new(&cctx).unwrap();
    client.set_tcp(stream);
    client.set_host_name("localhost").unwrap();
    // The loop of seed 000: retry on WANT_READ/WANT_WRITE after waiting on the socket.
    loop {
        match client.connect() {
            Ok(()) => break,
            Err(e) => {
                assert!(
                    matches!(
                        client.get_error(-1),
                        ErrorCode::WantRead | ErrorCode::WantWrite
                    ),
                    "{e}"
                );
                assert_eq!(client.want(), client.get_error(-1));
                assert!(client.wait(Some(Duration::from_secs(10))).unwrap());
            }
        }
    }
    assert_eq!(client.version(), Some(version));
    // Nothing was asked yet: a read wants the network and says so at once.
    let mut buf = [0u8; 64];
    assert_eq!(
        client.read(&mut buf).unwrap_err().code(),
        ErrorCode::WantRead
    );
    assert_eq!(client.want(), ErrorCode::WantRead);
    // Only session tickets may arrive now: whatever the wait sees, no data is readable.
    client.wait(Some(Duration::from_millis(20))).unwrap();
    assert_eq!(
        client.read(&mut buf).unwrap_err().code(),
        ErrorCode::WantRead
    );
    let request = b"non-blocking\n";
    let mut off = 0;
    while off < request.len() {
        match client.write(&request[off..]) {
            Ok(n) => off += n,
            Err(e) if e.is_retry() => {
                client.wait(Some(Duration::from_secs(10))).unwrap();
            }
            Err(e) => panic!("write: {e}"),
        }
    }
    let mut got = Vec::new();
    while got.len() < request.len() {
        match client.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.code() == ErrorCode::WantRead => {
                client.wait(Some(Duration::from_secs(10))).unwrap();
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    let expected: Vec<u8> = request.iter().rev().copied().collect();
    assert_eq!(got, expected);
    // Shutdown: 0, then 1 once the server's close_notify is in.
    assert!(!client.shutdown().unwrap());
    loop {
        match client.shutdown() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) if e.is_retry() => {
                client.wait(Some(Duration::from_secs(10))).unwrap();
            }
            Err(e) => panic!("shutdown: {e}"),
        }
    }
    server.join().unwrap();
}

#[test]
fn unix_socket_pair_and_buffering_filters_on_both_sides() {
    let id = Identity::localhost();
    let (a, b) = UnixStream::pair().unwrap();
    // Each side writes through a 16 KiB buffering filter: only protocol-aware flushing gets
    // the handshake's small flights through.
    let chain = |s: UnixStream| -> SharedStreamBio {
        let mut chain = BioChain::new(Box::new(SocketBio::from_unix(s)));
        chain.push(Box::new(BufferFilter::with_size(16 * 1024)));
        Arc::new(Mutex::new(chain))
    };
    let server_bio = chain(b);
    let sctx = tls_server_ctx(&id, ALPN);
    let server = thread::spawn(move || {
        let tls = Tls::new(&sctx).unwrap();
        tls.set_bio(Some(server_bio.clone()), Some(server_bio));
        tls.accept().unwrap();
        let mut buf = [0u8; 5];
        (&tls).read_exact(&mut buf).unwrap();
        (&tls).write_all(&buf).unwrap();
        let mut rest = Vec::new();
        (&tls).read_to_end(&mut rest).unwrap();
        tls.shutdown().unwrap();
    });
    let client_bio = chain(a);
    let client = Tls::new(&tls_client_ctx(&id.cert, ALPN)).unwrap();
    client.set_bio(Some(client_bio.clone()), Some(client_bio));
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    (&client).write_all(b"echo!").unwrap();
    let mut buf = [0u8; 5];
    (&client).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"echo!");
    assert!(!client.shutdown().unwrap());
    assert!(client.shutdown().unwrap());
    server.join().unwrap();
}

#[test]
fn auto_retry_off_reports_want_read_on_a_blocking_socket() {
    let id = Identity::localhost();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_once(listener, tls_server_ctx(&id, ALPN));
    let client = Tls::new(&tls_client_ctx(&id.cert, ALPN)).unwrap();
    client.set_tcp(TcpStream::connect(addr).unwrap());
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    assert_eq!(client.version(), Some(TLS1_3_VERSION));
    // The server's first records after the handshake are session tickets: with AUTO_RETRY
    // cleared, a blocking read that finds only them says WANT_READ instead of waiting on.
    client.clear_mode(qssl::tls::MODE_AUTO_RETRY);
    let mut buf = [0u8; 16];
    assert_eq!(
        client.read(&mut buf).unwrap_err().code(),
        ErrorCode::WantRead
    );
    client.set_mode(qssl::tls::MODE_AUTO_RETRY);
    (&client).write_all(b"ok\n").unwrap();
    let mut reply = [0u8; 3];
    (&client).read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"\nko");
    assert!(!client.shutdown().unwrap());
    assert!(client.shutdown().unwrap());
    server.join().unwrap();
}
