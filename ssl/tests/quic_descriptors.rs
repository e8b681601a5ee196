//! What a QUIC object costs in descriptors: a client connection holds its socket and nothing
//! else, however many calls waited on it, so a program can hold as many connections as it
//! may open sockets.
#![cfg(target_os = "linux")]

use std::sync::mpsc;
use std::thread;

use qssl::quic::Ssl;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// Descriptors this process has open.
fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_connection_that_waited_holds_only_its_socket() {
    const CLIENTS: usize = 24;
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    listener.listen().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    // The server accepts every connection (blocking) and keeps them until the test is done.
    let server = thread::spawn(move || {
        let held: Vec<Ssl> = (0..=CLIENTS)
            .map(|_| listener.accept_connection(0).unwrap().unwrap())
            .collect();
        done_rx.recv().unwrap();
        drop(held);
    });
    let ctx = client_ctx(&id.cert);
    // A first connection: this thread's own notifier (one per thread) exists after it.
    let first = udp_client(&ctx, addr);
    first.connect().unwrap();
    let before = open_descriptors();
    let clients: Vec<Ssl> = (0..CLIENTS)
        .map(|_| {
            let c = udp_client(&ctx, addr);
            // A blocking handshake: it waits on the network many times.
            c.connect().unwrap();
            c
        })
        .collect();
    let grown = open_descriptors() - before;
    assert_eq!(
        grown, CLIENTS,
        "{CLIENTS} connected clients should hold {CLIENTS} sockets and nothing more"
    );
    done_tx.send(()).unwrap();
    drop(clients);
    drop(first);
    server.join().unwrap();
}
