//! Unreliable datagrams (RFC 9221) between QUIC objects over real UDP sockets on loopback:
//! blocking send and receive, an echo both ways, the size and buffer errors, and a peer that
//! did not offer them.

use std::thread;

use qssl::ErrorCode;
use qssl::error::{err_r, ssl_r};
use qssl::quic::Ssl;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// A listener offering DATAGRAM frames of up to `max` bytes (`None`: none), and its address.
fn listener(id: &Identity, max: Option<u64>) -> (Ssl, std::net::SocketAddr) {
    let mut ctx = server_ctx(id);
    ctx.connection_config_mut().max_datagram_frame_size = max;
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(&ctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    (listener, addr)
}

/// A blocking client of `server` that offers DATAGRAM frames (set on the object, not the
/// context).
fn client(id: &Identity, server: std::net::SocketAddr) -> Ssl {
    let client = udp_client(&client_ctx(&id.cert), server);
    client.set_max_datagram_frame_size(Some(65535)).unwrap();
    client
}

fn reason(e: &qssl::IoError) -> i32 {
    e.error().expect("an error on the queue").reason()
}

#[test]
fn datagrams_echo_between_blocking_objects() {
    const COUNT: usize = 20;
    let id = Identity::localhost();
    let (listener, addr) = listener(&id, Some(65535));
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let mut buf = vec![0u8; 2000];
        for _ in 0..COUNT {
            let n = conn.recv_datagram(&mut buf).unwrap();
            conn.send_datagram(&buf[..n]).unwrap();
        }
        // The client's close ends the connection.
        let mut byte = [0u8; 1];
        conn.recv_datagram(&mut byte).unwrap_err()
    });
    let client = client(&id, addr);
    // The first call starts the connection and waits for its handshake.
    for i in 0..COUNT {
        client.send_datagram(&vec![i as u8; 10 + i * 50]).unwrap();
    }
    let max = client.datagram_max_size().expect("negotiated");
    assert!(max >= 1150, "max {max}");
    let e = client.send_datagram(&vec![0; max + 1]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Ssl);
    assert_eq!(reason(&e), ssl_r::DATA_LENGTH_TOO_LONG);
    let mut echoed = Vec::new();
    let mut small = [0u8; 5];
    while echoed.len() < COUNT {
        // A buffer too short for the datagram leaves it queued.
        let e = client.recv_datagram(&mut small).unwrap_err();
        assert_eq!(reason(&e), ssl_r::BAD_LENGTH);
        let len = client.datagram_pending_len().unwrap();
        let mut buf = vec![0u8; len];
        assert_eq!(client.recv_datagram(&mut buf).unwrap(), len);
        echoed.push(buf);
    }
    // Loopback loses nothing here, but datagrams promise no order: compare as sets.
    echoed.sort();
    let mut sent: Vec<Vec<u8>> = (0..COUNT).map(|i| vec![i as u8; 10 + i * 50]).collect();
    sent.sort();
    assert_eq!(echoed, sent);
    let stats = client.datagram_stats();
    assert_eq!((stats.sent, stats.received), (COUNT as u64, COUNT as u64));
    assert!(client.shutdown_ex(0, 0, b"done").unwrap());
    let end = server.join().unwrap();
    assert_ne!(end.code(), ErrorCode::WantRead);
}

#[test]
fn a_server_that_offers_none_refuses_to_send_and_gets_none() {
    let id = Identity::localhost();
    let (listener, addr) = listener(&id, None);
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        // The client offered them: the server may send.
        conn.send_datagram(b"from the server").unwrap();
        assert!(conn.datagram_max_size().is_some());
        conn
    });
    let client = client(&id, addr);
    let e = client.send_datagram(b"hello").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Ssl);
    assert_eq!(reason(&e), err_r::UNSUPPORTED);
    assert_eq!(client.datagram_max_size(), None);
    let mut buf = [0u8; 100];
    let n = client.recv_datagram(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"from the server");
    // Fixed once the connection started.
    let e = client.set_max_datagram_frame_size(None).unwrap_err();
    assert_eq!(e.reason(), ssl_r::FEATURE_NOT_RENEGOTIABLE);
    drop(server.join().unwrap());
}

#[test]
fn non_blocking_receive_wants_read_until_one_arrives() {
    let id = Identity::localhost();
    let (listener, addr) = listener(&id, Some(1200));
    let client = client(&id, addr);
    client.set_blocking_mode(false).unwrap();
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let mut buf = [0u8; 64];
        let n = conn.recv_datagram(&mut buf).unwrap();
        conn.send_datagram(&buf[..n]).unwrap();
        conn
    });
    let mut buf = [0u8; 64];
    let mut sent = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let n = loop {
        assert!(std::time::Instant::now() < deadline, "no echo");
        if !sent {
            match client.send_datagram(b"ping") {
                Ok(()) => sent = true,
                Err(e) => assert!(e.is_retry(), "{e}"),
            }
        }
        match client.recv_datagram(&mut buf) {
            Ok(n) => break n,
            Err(e) => assert_eq!(e.code(), ErrorCode::WantRead),
        }
        thread::sleep(std::time::Duration::from_millis(1));
    };
    assert_eq!(&buf[..n], b"ping");
    drop(server.join().unwrap());
}
