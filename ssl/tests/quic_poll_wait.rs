//! `SSL_poll`'s blocking wait over many connections, each on its own UDP socket on loopback:
//! the sockets stay registered with the thread's reactor between calls, and a wait must
//! still wake for exactly the socket that receives, including after connections are freed
//! and new ones take their socket numbers.

use std::io::Write;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::quic::poll::POLL_EVENT_R;
use qssl::quic::{PollItem, Ssl};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// Connections per round.
const CONNS: usize = 24;

/// A connected client with one stream whose request the server has (one byte, concluded).
fn client_stream(id: &Identity, server: std::net::SocketAddr) -> (Ssl, Ssl) {
    let client = udp_client(&client_ctx(&id.cert), server);
    client.connect().unwrap();
    let stream = client.new_stream(0).unwrap();
    (&stream).write_all(b"x").unwrap();
    stream.stream_conclude().unwrap();
    (client, stream)
}

/// A blocking `SSL_poll` over every stream of `streams` for readability, which the server
/// thread makes true of stream `which` only, some time after the poll started.
fn poll_wakes_for(streams: &[Ssl], which: usize, reply: &mpsc::Sender<usize>) {
    let mut items: Vec<PollItem<'_>> = streams
        .iter()
        .map(|s| PollItem {
            ssl: Some(s),
            events: POLL_EVENT_R,
            revents: 0,
        })
        .collect();
    // Nothing is readable yet.
    assert_eq!(
        qssl::quic::poll(&mut items, Some(Duration::ZERO), 0).unwrap(),
        0
    );
    reply.send(which).unwrap();
    let limit = Duration::from_secs(20);
    let started = Instant::now();
    let n = qssl::quic::poll(&mut items, Some(limit), 0).unwrap();
    assert!(started.elapsed() < limit, "the reply did not wake the poll");
    assert_eq!(n, 1);
    let ready: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].revents != 0)
        .collect();
    assert_eq!(ready, [which]);
}

#[test]
fn a_blocking_poll_over_many_sockets_wakes_for_the_one_that_receives() {
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    let (reply_tx, reply_rx) = mpsc::channel::<usize>();
    let server = thread::spawn(move || {
        let mut served = Vec::new();
        for _ in 0..2 {
            let mut streams = Vec::new();
            for _ in 0..CONNS {
                let conn = listener.accept_connection(0).unwrap().unwrap();
                let stream = conn.accept_stream(0).unwrap().unwrap();
                let mut byte = [0u8; 1];
                assert_eq!(stream.read(&mut byte).unwrap(), 1);
                streams.push((conn, stream));
            }
            // Each round, two replies, each once the client's poll has started.
            for _ in 0..2 {
                let which = reply_rx.recv().unwrap();
                thread::sleep(Duration::from_millis(100));
                let (_, stream) = &streams[which];
                stream.write_ex2(b"y", 0).unwrap();
            }
            served.push(streams);
        }
        served
    });
    for round in 0..2 {
        // The second round's sockets are new, most likely with the numbers of the first's.
        let conns: Vec<(Ssl, Ssl)> = (0..CONNS).map(|_| client_stream(&id, addr)).collect();
        let streams: Vec<Ssl> = conns.iter().map(|(_, s)| s.clone()).collect();
        for which in [CONNS - 1 - round, round * 7 + 3] {
            poll_wakes_for(&streams, which, &reply_tx);
            // Read the reply so that the stream is not readable again.
            let mut byte = [0u8; 1];
            assert_eq!(streams[which].read(&mut byte).unwrap(), 1);
        }
        drop(streams);
        drop(conns);
    }
    drop(reply_tx);
    server.join().unwrap();
}
