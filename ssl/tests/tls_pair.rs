//! TLS objects over an in-memory BIO pair (non-blocking): handshakes with both versions,
//! data both ways, close_notify, SSL_get_error codes, ALPN, verification and errors.

use qssl::ErrorCode;
use qssl::ctx::{TLS1_2_VERSION, TLS1_3_VERSION, x509_v};
use qssl::tls::Tls;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

const ALPN_H2: &[u8] = b"\x02h2";

/// A client and a server object joined by a BIO pair.
fn pair(client_ctx: &qssl::SslCtx, server_ctx: &qssl::SslCtx) -> (Tls, Tls) {
    tls_bio_pair(client_ctx, server_ctx, 0)
}

#[test]
fn handshake_data_and_close_both_versions() {
    let id = Identity::localhost();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let mut cctx = tls_client_ctx(&id.cert, ALPN_H2);
        cctx.set_max_proto_version(version).unwrap();
        let sctx = tls_server_ctx(&id, ALPN_H2);
        let (client, server) = pair(&cctx, &sctx);
        // Before the handshake a read wants the network.
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        assert_eq!(client.version(), Some(version));
        assert_eq!(server.version(), Some(version));
        assert_eq!(client.alpn_selected().as_deref(), Some(&b"h2"[..]));
        assert!(client.cipher_name().is_some());
        assert_eq!(client.cipher_name(), server.cipher_name());
        assert_eq!(client.verify_result(), x509_v::OK);
        assert!(client.peer_certificate().is_some());
        assert_eq!(server.servername().as_deref(), Some("localhost"));

        assert_eq!(client.write(b"ping").unwrap(), 4);
        let mut buf = [0u8; 16];
        let n = server.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(
            server.read(&mut buf).unwrap_err().code(),
            ErrorCode::WantRead
        );
        assert_eq!(server.get_error(-1), ErrorCode::WantRead);
        server.write(b"pong").unwrap();
        let n = client.peek(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"pong");
        assert_eq!(client.pending(), 4);
        let n = client.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"pong");

        // Bidirectional shutdown: 0 after sending, ZERO_RETURN at the peer, then 1.
        assert!(!client.shutdown().unwrap());
        assert_eq!(client.shutdown_state(), (true, false));
        assert_eq!(
            server.read(&mut buf).unwrap_err().code(),
            ErrorCode::ZeroReturn
        );
        assert_eq!(server.get_error(0), ErrorCode::ZeroReturn);
        assert!(server.shutdown().unwrap());
        assert!(client.shutdown().unwrap());
        assert_eq!(client.shutdown_state(), (true, true));
        // Writing after shutdown is refused.
        assert_eq!(client.write(b"x").unwrap_err().code(), ErrorCode::Ssl);
        qssl::error::clear_error();
    }
}

#[test]
fn alpn_mismatch_and_untrusted_issuer_fail_with_the_right_errors() {
    let id = Identity::localhost();
    let stranger = Identity::localhost();
    // The server offers only h2, the client only http/1.1: no_application_protocol.
    let (client, server) = pair(
        &tls_client_ctx(&id.cert, b"\x08http/1.1"),
        &tls_server_ctx(&id, ALPN_H2),
    );
    let (c, s) = tls_handshake(&client, &server);
    let s = s.unwrap_err();
    assert_eq!(
        s.error().unwrap().reason(),
        qssl::error::ssl_r::NO_APPLICATION_PROTOCOL
    );
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::SSL_AD_REASON_OFFSET + 120
    );
    // An untrusted self-signed server certificate (with the same subject as the trusted
    // one): the server hears unknown_ca, as from OpenSSL.
    let (client, server) = pair(
        &tls_client_ctx(&stranger.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    let (c, s) = tls_handshake(&client, &server);
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(
        s.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::SSL_AD_REASON_OFFSET + 48
    );
    assert_eq!(
        client.verify_result(),
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    );
    // A wrong expected host name.
    let (client, server) = pair(
        &tls_client_ctx(&id.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    client.set1_host("example.com").unwrap();
    let (c, _) = tls_handshake(&client, &server);
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(client.verify_result(), x509_v::ERR_HOSTNAME_MISMATCH);
    // Once failed, every call reports the failure again.
    assert_eq!(
        client.read(&mut [0u8; 4]).unwrap_err().code(),
        ErrorCode::Ssl
    );
    qssl::error::clear_error();
}

/// A client and server over a BIO pair with small buffers, so writes fill them.
fn small_pair(client_ctx: &qssl::SslCtx, server_ctx: &qssl::SslCtx) -> (Tls, Tls) {
    tls_bio_pair(client_ctx, server_ctx, 4096)
}

#[test]
fn write_retry_partial_and_moving_buffers() {
    let id = Identity::localhost();
    let (client, server) = small_pair(
        &tls_client_ctx(&id.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    let data: Vec<u8> = (0..200_000).map(|i| (i % 251) as u8).collect();
    // Without partial writes: WANT_WRITE until the peer drains, then the whole length.
    let mut received = Vec::new();
    let mut buf = vec![0u8; 16384];
    let mut written = None;
    for _ in 0..10_000 {
        match client.write(&data) {
            Ok(n) => {
                written = Some(n);
                break;
            }
            Err(e) => assert_eq!(e.code(), ErrorCode::WantWrite),
        }
        while let Ok(n) = server.read(&mut buf) {
            received.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(written, Some(data.len()));
    while received.len() < data.len() {
        let n = server.read(&mut buf).unwrap();
        received.extend_from_slice(&buf[..n]);
    }
    assert!(received == data);
    // A retry with another buffer is refused.
    assert_eq!(
        client.write(&data).unwrap_err().code(),
        ErrorCode::WantWrite
    );
    let err = client.write(&data[..100]).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::BAD_WRITE_RETRY
    );
    // The rejected write's bytes already taken are sent; drain them.
    while server.read(&mut buf).is_ok() {}
    qssl::error::clear_error();

    // Moving buffer: the same bytes from another address are accepted on retry.
    let (client, server) = small_pair(
        &tls_client_ctx(&id.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    tls_handshake(&client, &server).0.unwrap();
    client.set_mode(qssl::tls::MODE_ACCEPT_MOVING_WRITE_BUFFER);
    assert_eq!(
        client.write(&data).unwrap_err().code(),
        ErrorCode::WantWrite
    );
    let copy = data.clone();
    let mut done = false;
    let mut total = 0;
    for _ in 0..10_000 {
        while let Ok(n) = server.read(&mut buf) {
            total += n;
        }
        if !done {
            match client.write(&copy) {
                Ok(n) => {
                    assert_eq!(n, data.len());
                    done = true;
                }
                Err(e) => assert_eq!(e.code(), ErrorCode::WantWrite),
            }
        }
        if done && total == data.len() {
            break;
        }
    }
    assert!(done && total == data.len());

    // Partial writes: a write reports what it took.
    let (client, server) = small_pair(
        &tls_client_ctx(&id.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    tls_handshake(&client, &server).0.unwrap();
    client.set_mode(qssl::tls::MODE_ENABLE_PARTIAL_WRITE);
    let mut n = None;
    for _ in 0..100 {
        match client.write(&data) {
            Ok(k) => {
                n = Some(k);
                break;
            }
            Err(e) => assert_eq!(e.code(), ErrorCode::WantWrite),
        }
        while server.read(&mut buf).is_ok() {}
    }
    let n = n.unwrap();
    assert!(n > 0 && n <= 16384, "one record at most: {n}");
}

#[test]
fn generic_method_takes_its_role_from_connect_or_accept() {
    let id = Identity::localhost();
    let mut cctx = qssl::SslCtx::new(qssl::ctx::Method::Tls);
    cctx.load_verify_locations(Some(&id.cert), None).unwrap();
    cctx.set_verify(qssl::ctx::SSL_VERIFY_PEER, None);
    let mut sctx = qssl::SslCtx::new(qssl::ctx::Method::Tls);
    sctx.use_certificate_chain_file(&id.cert).unwrap();
    sctx.use_private_key_file(&id.key, qssl::ctx::FileType::Pem)
        .unwrap();
    let (client, server) = pair(&cctx, &sctx);
    // Without a role, I/O fails with CONNECTION_TYPE_NOT_SET.
    let err = client.read(&mut [0u8; 4]).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::CONNECTION_TYPE_NOT_SET
    );
    qssl::error::clear_error();
    server.set_accept_state();
    assert!(server.is_server());
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    assert!(!client.is_server());
    assert_eq!(client.version(), Some(TLS1_3_VERSION));
}

/// A memory BIO that records the size of every write.
#[derive(Debug, Default)]
struct CountingBio {
    inner: qssl_bio::MemBio,
    writes: Vec<usize>,
}

impl qssl_bio::StreamBio for CountingBio {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, qssl_bio::BioError> {
        self.inner.read(buf)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, qssl_bio::BioError> {
        self.writes.push(buf.len());
        self.inner.write(buf)
    }
}

#[test]
fn each_flight_reaches_the_bio_in_one_write() {
    use std::sync::{Arc, Mutex};

    use qssl::tls::SharedStreamBio;
    let id = Identity::localhost();
    let mut cctx = tls_client_ctx(&id.cert, b"");
    cctx.set_max_proto_version(TLS1_3_VERSION).unwrap();
    let c2s = Arc::new(Mutex::new(CountingBio::default()));
    let s2c = Arc::new(Mutex::new(CountingBio::default()));
    let (c2s_bio, s2c_bio): (SharedStreamBio, SharedStreamBio) = (c2s.clone(), s2c.clone());
    let client = Tls::new(&cctx).unwrap();
    client.set_bio(Some(s2c_bio.clone()), Some(c2s_bio.clone()));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(&tls_server_ctx(&id, b"")).unwrap();
    server.set_bio(Some(c2s_bio), Some(s2c_bio));
    assert_eq!(client.connect().unwrap_err().code(), ErrorCode::WantRead);
    assert_eq!(
        c2s.lock().unwrap().writes.len(),
        1,
        "ClientHello in one write"
    );
    let _ = server.accept();
    client.connect().unwrap();
    let server_flight = s2c.lock().unwrap().writes.clone();
    let client_flight = c2s.lock().unwrap().writes[1..].to_vec();
    // ServerHello..Finished in one write (tickets may follow in a second); the client's
    // Finished in one.
    assert_eq!(server_flight.len(), 1, "server flight {server_flight:?}");
    assert_eq!(client_flight.len(), 1, "client flight {client_flight:?}");
}

/// `SSL_get_error` in OpenSSL's order: a queued error first (a system one is `SYSCALL`), then
/// the last call's WANT_READ/WANT_WRITE, then the peer's close_notify, else `SYSCALL`; and
/// `SSL_shutdown` needs a completed handshake.
#[test]
fn get_error_reads_the_queue_first_and_shutdown_needs_a_handshake() {
    use qssl::error::{self, ERR_LIB_SYS, ERR_LIB_USER, ssl_r};
    let id = Identity::localhost();
    let cctx = tls_client_ctx(&id.cert, ALPN_H2);
    let sctx = tls_server_ctx(&id, ALPN_H2);
    let (client, _server) = pair(&cctx, &sctx);
    error::clear_error();
    assert_eq!(client.get_error(1), ErrorCode::None);
    // Nothing failed, so nothing says why: OpenSSL answers SYSCALL.
    assert_eq!(client.get_error(0), ErrorCode::Syscall);

    let err = client.shutdown().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    assert_eq!(
        err.error().map(|e| e.reason()),
        Some(ssl_r::SHUTDOWN_WHILE_IN_INIT)
    );
    assert_eq!(client.get_error(-1), ErrorCode::Ssl);
    error::clear_error();
    assert_eq!(client.get_error(-1), ErrorCode::Syscall);

    // The handshake waits for the server.
    assert_eq!(client.connect().unwrap_err().code(), ErrorCode::WantRead);
    assert_eq!(client.get_error(-1), ErrorCode::WantRead);
    error::raise(ERR_LIB_USER, 1);
    assert_eq!(client.get_error(-1), ErrorCode::Ssl);
    error::clear_error();
    error::raise(ERR_LIB_SYS, 104);
    assert_eq!(client.get_error(-1), ErrorCode::Syscall);
    error::clear_error();
    assert_eq!(client.get_error(-1), ErrorCode::WantRead);
}
