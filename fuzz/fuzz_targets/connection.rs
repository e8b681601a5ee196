//! A server connection driven through its states: a hostile client
//! (`qssl_tests::hostile::HostileClient`) completes a real handshake with a server
//! `Endpoint` (or only sends its first flight, leaving the handshake half done), then the
//! input is a sequence of operations: frames (parsed from the input's bytes) sealed in 1-RTT
//! packets or in an Initial, raw datagrams, time passing, the server's output taken, key
//! updates, forged packets, optimistic ACKs, and the application's calls on the server's
//! connection. Nothing may panic, and after every operation what the connection holds on
//! the peer's behalf stays within its bounds.
//!
//! Handshake-level packets are not sent: the hostile client seals only Initial and 1-RTT
//! packets for a test (the `connection_client` target sends at every level).
#![no_main]

mod conn_shared;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use qssl_quic::{Frame, FrameIter};
use qssl_tests::hostile::HostileClient;

use conn_shared::{AppOp, check_bounds, tls_configs};

/// Where the hostile client's datagrams come from.
const CLIENT: &str = "192.0.2.7:50000";

/// Largest frame sent: one that fits a datagram with the packet's overhead.
const MAX_FRAME: usize = 1200;

/// Most forged packets one operation sends.
const MAX_FORGED: u8 = 16;

/// One input.
#[derive(Arbitrary, Debug)]
struct Run<'a> {
    /// Complete the handshake first; otherwise only the client's first flight is sent and
    /// the server's answer taken, and only Initial packets can follow.
    complete: bool,
    ops: Vec<Op<'a>>,
}

/// What happens next.
#[derive(Arbitrary, Debug)]
enum Op<'a> {
    /// The frames that parse from these bytes (up to the first that does not), in 1-RTT
    /// packets.
    OneRtt(&'a [u8]),
    /// The frames that parse from these bytes in one Initial packet, in a datagram padded
    /// to 1200 bytes or not.
    Initial { frames: &'a [u8], padded: bool },
    /// A datagram of these bytes from the client's address, unprotected.
    Datagram(&'a [u8]),
    /// Time passes (milliseconds) and the server handles its timers.
    Wait(u16),
    /// The client takes what the server sends.
    Take,
    /// The client starts a 1-RTT key update.
    KeyUpdate,
    /// 1-RTT packets that fail authentication.
    Forged(u8),
    /// An ACK of every packet number up to the largest the client received.
    AckEverything,
    /// The application's call on the server's connection.
    App(AppOp<'a>),
}

/// The frames of `bytes`, up to the first that does not parse or is too large to send.
fn frames(bytes: &[u8]) -> Vec<Frame<'_>> {
    FrameIter::new(bytes)
        .map_while(Result::ok)
        .take_while(|f| f.encoded_len() <= MAX_FRAME)
        .collect()
}

fuzz_target!(|run: Run<'_>| {
    let (client_tls, server_tls) = tls_configs();
    let start = Instant::now();
    let mut server = Endpoint::new(EndpointConfig::server(server_tls.clone()), start, 7);
    let addr: SocketAddr = CLIENT.parse().expect("an address");
    let mut peer = HostileClient::new(client_tls.clone(), addr);
    let handle = if run.complete {
        peer.handshake(&mut server, start)
    } else {
        peer.begin(&mut server, start);
        server.handles()[0]
    };
    let mut now = start;
    for op in &run.ops {
        match op {
            Op::OneRtt(bytes) if run.complete => peer.send(&mut server, now, &frames(bytes)),
            Op::Initial {
                frames: bytes,
                padded,
            } => peer.send_initial(&mut server, now, &frames(bytes), *padded),
            Op::Datagram(bytes) => server.handle_datagram(now, addr, &mut bytes.to_vec()),
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(*ms));
                server.handle_timeout(now);
            }
            Op::Take => peer.take_from(&mut server, now),
            Op::KeyUpdate if run.complete => peer.update_keys(),
            Op::Forged(n) if run.complete => {
                peer.send_forged(&mut server, now, usize::from(*n % MAX_FORGED))
            }
            Op::AckEverything => peer.ack_everything(&mut server, now),
            Op::App(call) => {
                if let Some(conn) = server.connection(handle) {
                    call.apply(conn, now);
                }
            }
            // 1-RTT packets before the handshake completed: the client has no keys.
            Op::OneRtt(_) | Op::KeyUpdate | Op::Forged(_) => {}
        }
        check_bounds(&server, handle);
    }
});
