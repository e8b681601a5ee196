//! Early data (0-RTT) through QUIC objects over UDP on loopback: a client resuming a session
//! writes with `write_early_data` before its handshake completes, and a listener whose
//! context allows early data reads it on the accepted connection; a server that does not
//! know the session rejects it and the transport sends it again, so the application's
//! request arrives either way; a client without a session that allows early data is refused.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use qssl::SslCtx;
use qssl::error::err_r;
use qssl::quic::{EarlyDataStatus, LISTENER_FLAG_NO_VALIDATE, Ssl, WRITE_FLAG_CONCLUDE};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// A listener of `ctx` echoing `conns` requests, each on its connection's default stream;
/// where it listens, and the early-data status it saw on each connection.
fn echo_server(ctx: &SslCtx, conns: usize) -> (SocketAddr, mpsc::Receiver<EarlyDataStatus>) {
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(ctx, LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for _ in 0..conns {
            let conn = listener.accept_connection(0).unwrap().unwrap();
            let mut request = Vec::new();
            (&conn).read_to_end(&mut request).unwrap();
            tx.send(conn.early_data_status()).unwrap();
            (&conn).write_all(&request).unwrap();
            conn.stream_conclude().unwrap();
            let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
            assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
        }
    });
    (addr, rx)
}

/// Reads `client`'s whole reply.
fn reply(client: &Ssl) -> Vec<u8> {
    let mut reply = Vec::new();
    (&client.clone()).read_to_end(&mut reply).unwrap();
    reply
}

/// A first connection to `server`: a full handshake, and the session it leaves.
fn first_visit(ctx: &SslCtx, server: SocketAddr) -> qssl::tls::SslSession {
    let first = udp_client(ctx, server);
    first.write_ex2(b"hello", WRITE_FLAG_CONCLUDE).unwrap();
    assert_eq!(reply(&first), b"hello");
    assert_eq!(first.early_data_status(), EarlyDataStatus::NotSent);
    let session = first.session().expect("a session");
    assert_eq!(
        session.max_early_data(),
        u32::MAX,
        "QUIC tickets allow early data"
    );
    assert!(first.shutdown_ex(0, 0, b"").unwrap());
    session
}

fn early_ctx(id: &Identity) -> SslCtx {
    let mut ctx = server_ctx(id);
    ctx.set_max_early_data(16384).unwrap();
    assert_eq!(ctx.max_early_data(), 16384);
    ctx
}

#[test]
fn early_data_is_written_before_the_handshake_and_accepted() {
    let id = Identity::localhost();
    let (server, statuses) = echo_server(&early_ctx(&id), 2);
    let ctx = client_ctx(&id.cert);
    let session = first_visit(&ctx, server);
    assert_eq!(statuses.recv().unwrap(), EarlyDataStatus::NotSent);
    let second = udp_client(&ctx, server);
    second.set_session(Some(session)).unwrap();
    assert_eq!(second.write_early_data(b"early ").unwrap(), 6);
    assert!(
        !second.is_init_finished(),
        "written before the handshake completed"
    );
    second.write_ex2(b"request", WRITE_FLAG_CONCLUDE).unwrap();
    assert_eq!(reply(&second), b"early request");
    assert!(second.session_reused());
    assert_eq!(second.early_data_status(), EarlyDataStatus::Accepted);
    assert_eq!(statuses.recv().unwrap(), EarlyDataStatus::Accepted);
    assert!(second.shutdown_ex(0, 0, b"").unwrap());
}

#[test]
fn rejected_early_data_arrives_all_the_same() {
    let id = Identity::localhost();
    let (first_server, _first_statuses) = echo_server(&early_ctx(&id), 1);
    let ctx = client_ctx(&id.cert);
    let session = first_visit(&ctx, first_server);
    // Another server (another session cache): the session does not resume there.
    let (other, statuses) = echo_server(&server_ctx(&id), 1);
    let second = udp_client(&ctx, other);
    second.set_session(Some(session)).unwrap();
    assert_eq!(second.write_early_data(b"early ").unwrap(), 6);
    second.write_ex2(b"request", WRITE_FLAG_CONCLUDE).unwrap();
    assert_eq!(reply(&second), b"early request");
    assert!(!second.session_reused());
    assert_eq!(second.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(statuses.recv().unwrap(), EarlyDataStatus::NotSent);
    assert!(second.shutdown_ex(0, 0, b"").unwrap());
}

#[test]
fn early_data_needs_a_session_that_allows_it() {
    let id = Identity::localhost();
    let ctx = client_ctx(&id.cert);
    let client = udp_client(&ctx, "127.0.0.1:9".parse().unwrap());
    let err = client.write_early_data(b"early").unwrap_err();
    let reason = err.error().map(|e| e.reason());
    assert_eq!(reason, Some(err_r::SHOULD_NOT_HAVE_BEEN_CALLED));
    assert!(client.in_before(), "nothing was started");
}
