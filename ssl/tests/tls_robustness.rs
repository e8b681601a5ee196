//! TLS objects fed bad input: truncated and corrupted records, garbage instead of a
//! ClientHello, a peer that drops the TCP connection mid-handshake, and a transport that ends
//! without close_notify. Each case must end in a clear error (the reason OpenSSL's error queue
//! would hold), without a panic or a hang, and a failed object must stay failed.
//!
//! Bytes are tampered with in memory BIOs between the two objects: `c2s` carries what the
//! client writes to the server, `s2c` the reverse.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use qssl::ErrorCode;
use qssl::ctx::{SSL_OP_IGNORE_UNEXPECTED_EOF, TLS1_2_VERSION, TLS1_3_VERSION};
use qssl::error::ssl_r;
use qssl::tls::{SharedStreamBio, Tls};
use qssl_bio::{MemBio, StreamBio, StreamPairEnd, new_bio_pair};
use qssl_tests::fixtures::{tls_client_ctx, tls_handshake, tls_server_ctx};
use qssl_tests::identity::Identity;

/// Bounds every blocking socket wait in these tests.
const TIMEOUT: Duration = Duration::from_secs(10);

type Mem = Arc<Mutex<MemBio>>;

fn mem() -> Mem {
    Arc::new(Mutex::new(MemBio::new()))
}

fn shared(m: &Mem) -> SharedStreamBio {
    m.clone()
}

/// Replaces what `m` holds with `bytes`.
fn replace(m: &Mem, bytes: &[u8]) {
    let mut m = m.lock().unwrap();
    m.reset();
    m.write(bytes).unwrap();
}

fn contents(m: &Mem) -> Vec<u8> {
    m.lock().unwrap().contents().to_vec()
}

/// A client (max `version`) and a server joined by two memory BIOs.
struct Link {
    client: Tls,
    server: Tls,
    c2s: Mem,
    s2c: Mem,
}

fn link(version: i32, server_options: u64) -> Link {
    let id = Identity::localhost();
    let mut cctx = tls_client_ctx(&id.cert, b"");
    cctx.set_max_proto_version(version).unwrap();
    let mut sctx = tls_server_ctx(&id, b"");
    sctx.set_options(server_options);
    let (c2s, s2c) = (mem(), mem());
    let client = Tls::new(&cctx).unwrap();
    client.set_bio(Some(shared(&s2c)), Some(shared(&c2s)));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(&sctx).unwrap();
    server.set_bio(Some(shared(&c2s)), Some(shared(&s2c)));
    Link {
        client,
        server,
        c2s,
        s2c,
    }
}

/// A link with the handshake done and nothing left in flight toward the server.
fn connected(version: i32, server_options: u64) -> Link {
    let l = link(version, server_options);
    let (c, s) = tls_handshake(&l.client, &l.server);
    c.unwrap();
    s.unwrap();
    assert_eq!(l.client.version(), Some(version));
    assert!(contents(&l.c2s).is_empty());
    l
}

/// The `SSL_R_*` reason of a failed call, asserting it is `SSL_ERROR_SSL`.
#[track_caller]
fn ssl_reason<T: std::fmt::Debug>(r: qssl::IoResult<T>) -> i32 {
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Ssl, "{e}");
    e.error().unwrap().reason()
}

/// The reason of the newest record on this thread's error queue.
fn queued_reason() -> i32 {
    qssl::error::reason_of(qssl::error::peek_last_error())
}

/// The client's first flight: one handshake record holding a ClientHello.
fn client_hello(version: i32) -> Vec<u8> {
    let l = link(version, 0);
    assert_eq!(l.client.connect().unwrap_err().code(), ErrorCode::WantRead);
    let hello = contents(&l.c2s);
    assert_eq!(hello[0], 0x16, "a handshake record");
    assert_eq!(hello[5], 0x01, "a ClientHello");
    assert_eq!(
        usize::from(u16::from_be_bytes([hello[3], hello[4]])),
        hello.len() - 5
    );
    hello
}

/// A server object reading `input` (then end of stream if `eof`), writing to the returned
/// BIO.
fn server_reading(input: &[u8], eof: bool) -> (Tls, Mem) {
    let id = Identity::localhost();
    let server = Tls::new(&tls_server_ctx(&id, b"")).unwrap();
    let rd = mem();
    replace(&rd, input);
    rd.lock().unwrap().set_eof_on_empty(eof);
    let wr = mem();
    server.set_bio(Some(shared(&rd)), Some(shared(&wr)));
    (server, wr)
}

#[test]
fn truncated_client_hello_then_eof_fails_accept_with_unexpected_eof() {
    qssl::error::clear_error();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let hello = client_hello(version);
        for cut in [0, 1, 4, 5, 6, hello.len() / 2, hello.len() - 1] {
            // Without the end of stream, a partial ClientHello is only "not yet".
            let (server, _) = server_reading(&hello[..cut], false);
            assert_eq!(
                server.accept().unwrap_err().code(),
                ErrorCode::WantRead,
                "cut at {cut}"
            );
            let (server, out) = server_reading(&hello[..cut], true);
            assert_eq!(
                ssl_reason(server.accept()),
                ssl_r::UNEXPECTED_EOF_WHILE_READING,
                "cut at {cut} of {}",
                hello.len()
            );
            assert_eq!(server.get_error(-1), ErrorCode::Ssl);
            assert_eq!(queued_reason(), ssl_r::UNEXPECTED_EOF_WHILE_READING);
            // No alert on a closed transport, and the failure sticks.
            assert!(contents(&out).is_empty());
            assert_eq!(
                ssl_reason(server.accept()),
                ssl_r::UNEXPECTED_EOF_WHILE_READING
            );
            assert_eq!(
                ssl_reason(server.read(&mut [0u8; 8])),
                ssl_r::UNEXPECTED_EOF_WHILE_READING
            );
            qssl::error::clear_error();
        }
        // The whole ClientHello, one byte at a time: the server waits, then answers.
        let (server, out) = server_reading(&[], false);
        let rbio = server.rbio().unwrap();
        for (i, byte) in hello.iter().enumerate() {
            assert_eq!(
                server.accept().unwrap_err().code(),
                ErrorCode::WantRead,
                "after {i} bytes"
            );
            rbio.lock().unwrap().write(&[*byte]).unwrap();
        }
        assert_eq!(server.accept().unwrap_err().code(), ErrorCode::WantRead);
        assert_eq!(contents(&out)[0], 0x16, "the server's first flight");
    }
}

#[test]
fn truncated_application_record_then_eof_is_an_unexpected_eof() {
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let l = connected(version, 0);
        l.client.write(&[7u8; 1000]).unwrap();
        let record = contents(&l.c2s);
        let mut buf = [0u8; 2048];
        for cut in [3, 5, record.len() / 2, record.len() - 1] {
            let l = connected(version, 0);
            l.client.write(&[7u8; 1000]).unwrap();
            let record = contents(&l.c2s);
            replace(&l.c2s, &record[..cut]);
            assert_eq!(
                l.server.read(&mut buf).unwrap_err().code(),
                ErrorCode::WantRead,
                "cut at {cut}"
            );
            l.c2s.lock().unwrap().set_eof_on_empty(true);
            assert_eq!(
                ssl_reason(l.server.read(&mut buf)),
                ssl_r::UNEXPECTED_EOF_WHILE_READING,
                "cut at {cut} of {}",
                record.len()
            );
            qssl::error::clear_error();
        }
        // A record whose length field grew is incomplete in the same way.
        let l = connected(version, 0);
        l.client.write(b"secret").unwrap();
        let mut record = contents(&l.c2s);
        record[3] ^= 0x01;
        replace(&l.c2s, &record);
        assert_eq!(
            l.server.read(&mut buf).unwrap_err().code(),
            ErrorCode::WantRead
        );
        l.c2s.lock().unwrap().set_eof_on_empty(true);
        assert_eq!(
            ssl_reason(l.server.read(&mut buf)),
            ssl_r::UNEXPECTED_EOF_WHILE_READING
        );
        qssl::error::clear_error();
    }
}

#[test]
fn corrupted_application_record_fails_with_bad_record_mac_and_stays_failed() {
    qssl::error::clear_error();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let l = connected(version, 0);
        l.client.write(b"secret").unwrap();
        let len = contents(&l.c2s).len();
        // Every byte after the record header: explicit nonce (TLS 1.2), ciphertext, tag.
        for pos in 5..len {
            let l = connected(version, 0);
            l.client.write(b"secret").unwrap();
            let mut record = contents(&l.c2s);
            record[pos] ^= 0x01;
            replace(&l.c2s, &record);
            let alert_start = contents(&l.s2c).len();
            let mut buf = [0u8; 64];
            assert_eq!(
                ssl_reason(l.server.read(&mut buf)),
                ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
                "byte {pos} of {len} flipped"
            );
            assert_eq!(l.server.get_error(0), ErrorCode::Ssl);
            assert_eq!(queued_reason(), ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
            // The connection stays failed, for reads and writes, even with good data next.
            l.client.write(b"more").unwrap();
            assert_eq!(
                ssl_reason(l.server.read(&mut buf)),
                ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC
            );
            assert_eq!(
                ssl_reason(l.server.write(b"x")),
                ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC
            );
            // The server told the client with an (encrypted) alert: bad_record_mac (20).
            assert!(contents(&l.s2c).len() > alert_start, "an alert was sent");
            assert_eq!(
                ssl_reason(l.client.read(&mut buf)),
                ssl_r::SSL_AD_REASON_OFFSET + 20
            );
            qssl::error::clear_error();
        }
        // A record version that is not TLS at all.
        let l = connected(version, 0);
        l.client.write(b"secret").unwrap();
        let mut record = contents(&l.c2s);
        record[1] ^= 0x01;
        replace(&l.c2s, &record);
        assert_eq!(
            ssl_reason(l.server.read(&mut [0u8; 64])),
            ssl_r::WRONG_VERSION_NUMBER
        );
        qssl::error::clear_error();
    }
}

#[test]
fn tls13_record_headers_are_checked_as_openssl_checks_them() {
    // Under TLS 1.3 a protected record must say application_data and version 0x0303 in
    // its header; rustls would still decrypt a record with another header.
    for (pos, reason) in [
        (0usize, ssl_r::BAD_RECORD_TYPE),
        (2, ssl_r::WRONG_VERSION_NUMBER),
    ] {
        let l = connected(TLS1_3_VERSION, 0);
        l.client.write(b"secret").unwrap();
        let mut record = contents(&l.c2s);
        record[pos] ^= 0x01;
        replace(&l.c2s, &record);
        assert_eq!(
            ssl_reason(l.server.read(&mut [0u8; 64])),
            reason,
            "header byte {pos} flipped"
        );
        assert_eq!(queued_reason(), reason);
        // Failed for good.
        assert_eq!(ssl_reason(l.server.read(&mut [0u8; 64])), reason);
        qssl::error::clear_error();
    }
    // Untampered records of both directions still pass after the handshake, tickets
    // included.
    let l = connected(TLS1_3_VERSION, 0);
    l.client.write(b"ping").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(l.server.read(&mut buf).unwrap(), 4);
    l.server.write(b"pong").unwrap();
    assert_eq!(l.client.read(&mut buf).unwrap(), 4);
}

#[test]
fn corrupted_record_between_bio_pairs_fails_the_reader() {
    // The client and server each have a BIO pair; a relay copies between the pairs and
    // flips one byte of the first application-data record.
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let id = Identity::localhost();
        let mut cctx = tls_client_ctx(&id.cert, b"");
        cctx.set_max_proto_version(version).unwrap();
        let (client_end, relay_c) = new_bio_pair(0, 0);
        let (server_end, relay_s) = new_bio_pair(0, 0);
        let client = Tls::new(&cctx).unwrap();
        client.set_stream_bio(client_end);
        client.set_host_name("localhost").unwrap();
        let server = Tls::new(&tls_server_ctx(&id, b"")).unwrap();
        server.set_stream_bio(server_end);
        let (mut relay_c, mut relay_s) = (relay_c, relay_s);
        let relay = |from: &mut StreamPairEnd, to: &mut StreamPairEnd, flip: bool| {
            let mut buf = vec![0u8; 64 * 1024];
            let Ok(n) = from.read(&mut buf) else {
                return 0;
            };
            if flip {
                buf[n - 1] ^= 0x80;
            }
            assert_eq!(to.write(&buf[..n]).unwrap(), n);
            n
        };
        let mut done = (false, false);
        for _ in 0..100 {
            if !done.0 {
                done.0 = match client.connect() {
                    Ok(()) => true,
                    Err(e) if e.is_retry() => false,
                    Err(e) => panic!("client: {e}"),
                };
            }
            if !done.1 {
                done.1 = match server.accept() {
                    Ok(()) => true,
                    Err(e) if e.is_retry() => false,
                    Err(e) => panic!("server: {e}"),
                };
            }
            relay(&mut relay_c, &mut relay_s, false);
            relay(&mut relay_s, &mut relay_c, false);
            if done == (true, true) {
                break;
            }
        }
        assert_eq!(done, (true, true), "handshake over the relay");
        client.write(b"hello through the relay").unwrap();
        assert!(relay(&mut relay_c, &mut relay_s, true) > 0);
        let mut buf = [0u8; 64];
        assert_eq!(
            ssl_reason(server.read(&mut buf)),
            ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC
        );
        assert_eq!(
            ssl_reason(server.read(&mut buf)),
            ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC
        );
        qssl::error::clear_error();
    }
}

#[test]
fn garbage_instead_of_a_client_hello_fails_accept() {
    qssl::error::clear_error();
    // The reasons qssl gives (OpenSSL 3.0 gives SSL_R_HTTP_REQUEST for the HTTP request and
    // SSL_R_PACKET_LENGTH_TOO_LONG for the oversized record).
    let cases: [(&str, &[u8], i32); 5] = [
        (
            "an HTTP request",
            b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            ssl_r::WRONG_VERSION_NUMBER,
        ),
        ("zeros", &[0u8; 64], ssl_r::WRONG_VERSION_NUMBER),
        (
            "an SSLv2-style header",
            &[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15],
            ssl_r::WRONG_VERSION_NUMBER,
        ),
        (
            "a record longer than TLS allows",
            &[0x16, 0x03, 0x01, 0xff, 0xff],
            ssl_r::EXCESSIVE_MESSAGE_SIZE,
        ),
        (
            "an empty handshake record",
            &[0x16, 0x03, 0x01, 0x00, 0x00],
            ssl_r::BAD_PACKET,
        ),
    ];
    for (what, input, reason) in cases {
        let (server, _) = server_reading(input, false);
        assert_eq!(ssl_reason(server.accept()), reason, "{what}");
        assert_eq!(queued_reason(), reason, "{what}");
        assert_eq!(ssl_reason(server.accept()), reason, "{what}: stays failed");
        assert!(!server.is_init_finished());
        qssl::error::clear_error();
    }
    // And a client that gets an HTTP answer instead of a ServerHello.
    let l = link(TLS1_3_VERSION, 0);
    assert_eq!(l.client.connect().unwrap_err().code(), ErrorCode::WantRead);
    replace(&l.s2c, b"HTTP/1.1 400 Bad Request\r\n\r\n");
    assert_eq!(ssl_reason(l.client.connect()), ssl_r::WRONG_VERSION_NUMBER);
    qssl::error::clear_error();
}

#[test]
fn peer_closing_tcp_mid_handshake_fails_the_client() {
    // `abort`: drop the connection with the ClientHello unread, which makes the kernel reset
    // it; otherwise read the ClientHello first, for an orderly close (FIN).
    for abort in [false, true] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(TIMEOUT)).unwrap();
            let mut header = [0u8; 5];
            if abort {
                // Wait until the record header is there without taking it.
                while s.peek(&mut header).unwrap() < 5 {
                    thread::yield_now();
                }
                return header.to_vec();
            }
            s.read_exact(&mut header).unwrap();
            let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
            s.read_exact(&mut body).unwrap();
            [&header[..], &body].concat()
        });
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let id = Identity::localhost();
        let client = Tls::new(&tls_client_ctx(&id.cert, b"")).unwrap();
        client.set_host_name("localhost").unwrap();
        client.set_tcp(stream);
        let err = client.connect().unwrap_err();
        let seen = peer.join().unwrap();
        assert_eq!(seen[0], 0x16, "the peer got a handshake record");
        let error = err.error().unwrap().clone();
        if abort {
            assert_eq!(err.code(), ErrorCode::Syscall, "{err}");
            assert!(error.is_system());
            assert_eq!(error.reason(), 104, "ECONNRESET: {err}");
        } else {
            assert_eq!(seen[5], 0x01, "a whole ClientHello");
            assert_eq!(err.code(), ErrorCode::Ssl, "{err}");
            assert_eq!(error.reason(), ssl_r::UNEXPECTED_EOF_WHILE_READING);
            assert_eq!(queued_reason(), ssl_r::UNEXPECTED_EOF_WHILE_READING);
        }
        assert!(!client.is_init_finished());
        // The failure sticks.
        assert_eq!(client.connect().unwrap_err().error(), Some(&error));
        qssl::error::clear_error();
    }
}

/// Two objects over a BIO pair, handshake done; the BIO ends are kept to close them.
struct Paired {
    client: Tls,
    server: Tls,
    client_end: Arc<Mutex<StreamPairEnd>>,
    server_end: Arc<Mutex<StreamPairEnd>>,
}

fn paired(version: i32, server_options: u64) -> Paired {
    let id = Identity::localhost();
    let mut cctx = tls_client_ctx(&id.cert, b"");
    cctx.set_max_proto_version(version).unwrap();
    let mut sctx = tls_server_ctx(&id, b"");
    sctx.set_options(server_options);
    let (a, b) = new_bio_pair(0, 0);
    let (a, b) = (Arc::new(Mutex::new(a)), Arc::new(Mutex::new(b)));
    let client = Tls::new(&cctx).unwrap();
    client.set_bio(Some(a.clone()), Some(a.clone()));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(&sctx).unwrap();
    server.set_bio(Some(b.clone()), Some(b.clone()));
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    Paired {
        client,
        server,
        client_end: a,
        server_end: b,
    }
}

#[test]
fn eof_without_close_notify_is_an_error_unless_ignored() {
    qssl::error::clear_error();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        // The client's transport ends after its data, without close_notify.
        let p = paired(version, 0);
        p.client.write(b"last words").unwrap();
        p.client_end.lock().unwrap().shutdown_wr().unwrap();
        let mut buf = [0u8; 64];
        let n = p.server.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"last words");
        assert_eq!(
            ssl_reason(p.server.read(&mut buf)),
            ssl_r::UNEXPECTED_EOF_WHILE_READING
        );
        assert_eq!(p.server.get_error(0), ErrorCode::Ssl);
        assert_eq!(queued_reason(), ssl_r::UNEXPECTED_EOF_WHILE_READING);
        assert_eq!(
            ssl_reason(p.server.read(&mut buf)),
            ssl_r::UNEXPECTED_EOF_WHILE_READING
        );
        assert_eq!(p.server.shutdown_state(), (false, false));
        qssl::error::clear_error();

        // The same toward the client.
        let p = paired(version, 0);
        p.server.write(b"bye").unwrap();
        p.server_end.lock().unwrap().shutdown_wr().unwrap();
        let n = p.client.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"bye");
        assert_eq!(
            ssl_reason(p.client.read(&mut buf)),
            ssl_r::UNEXPECTED_EOF_WHILE_READING
        );
        qssl::error::clear_error();

        // With SSL_OP_IGNORE_UNEXPECTED_EOF on the context: a clean end, nothing queued.
        let p = paired(version, SSL_OP_IGNORE_UNEXPECTED_EOF);
        p.client.write(b"last words").unwrap();
        p.client_end.lock().unwrap().shutdown_wr().unwrap();
        let n = p.server.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"last words");
        let err = p.server.read(&mut buf).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ZeroReturn);
        assert_eq!(p.server.get_error(0), ErrorCode::ZeroReturn);
        assert_eq!(qssl::error::error_count(), 0);
        assert_eq!(p.server.shutdown_state(), (false, true));
        assert_eq!(
            p.server.read(&mut buf).unwrap_err().code(),
            ErrorCode::ZeroReturn
        );

        // The same option set on the object only.
        let p = paired(version, 0);
        p.client.set_options(SSL_OP_IGNORE_UNEXPECTED_EOF);
        p.server_end.lock().unwrap().shutdown_wr().unwrap();
        assert_eq!(
            p.client.read(&mut buf).unwrap_err().code(),
            ErrorCode::ZeroReturn
        );
        assert_eq!(qssl::error::error_count(), 0);
    }
}
