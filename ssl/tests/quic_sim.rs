//! QUIC objects on the deterministic network simulator: a client connection and a listener,
//! non-blocking, on manual clocks that follow the simulator's virtual time. Delay, loss,
//! reordering and blackholes come from the links; a run depends only on its seed, and
//! minutes of virtual time take milliseconds.

use std::time::{Duration, Instant};

use qssl::ErrorCode;
use qssl::SslCtx;
use qssl::quic::{
    ACCEPT_STREAM_NO_BLOCK, LISTENER_FLAG_NO_VALIDATE, MODE_ENABLE_PARTIAL_WRITE, Ssl,
};
use qssl_quic::conn::{ConnectionStats, IDLE_TIMEOUT_CODE};
use qssl_tests::fixtures::{client_ctx, server_ctx};
use qssl_tests::identity::Identity;
use qssl_tests::sim::{Link, Sim, Stats};
use qssl_tests::ssl_node::{App, SslNode};

/// A client node and a listener node on the simulator.
type SslSim<C, S> = Sim<SslNode<C>, SslNode<S>>;

/// A client of `client_ctx` and a listener of `server_ctx` (with `flags`) joined by `link`
/// in both directions, the network seeded with `seed`.
fn network<C: App, S: App>(
    seed: u64,
    (mut client_ctx, mut server_ctx): (SslCtx, SslCtx),
    flags: u64,
    link: Link,
    (client, server): (C, S),
) -> SslSim<C, S> {
    // The objects' randomness follows the run's seed too, so a run replays exactly.
    client_ctx.set_random_seed(Some(seed << 8));
    server_ctx.set_random_seed(Some((seed << 8) | 0x80));
    let start = Instant::now();
    let a = SslNode::client(client_ctx, "localhost", start, client);
    let b = SslNode::listener(server_ctx, flags, start, server);
    Sim::new(seed, a, b, link.clone(), link, start)
}

/// The contexts for `id`: a client trusting it and a server presenting it.
fn contexts(id: &Identity) -> (SslCtx, SslCtx) {
    (client_ctx(&id.cert), server_ctx(id))
}

/// Whether both handshakes are complete.
fn established<C: App, S: App>(c: &SslNode<C>, s: &SslNode<S>) -> bool {
    c.connection().is_some_and(Ssl::is_init_finished)
        && s.connection().is_some_and(Ssl::is_init_finished)
}

/// How the client's connection was closed, once it was.
fn close_info<P: App>(node: &SslNode<P>) -> Option<qssl::quic::ConnCloseInfo> {
    node.connection()?.conn_close_info().unwrap()
}

/// `len` bytes that differ from one offset to the next (a byte counter would repeat every
/// 256 bytes and hide misplaced blocks).
fn pattern(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Client application: once the handshake is complete, sends `data` on a stream of its own
/// and concludes it.
#[derive(Debug)]
struct Sender {
    data: Vec<u8>,
    sent: usize,
    stream: Option<Ssl>,
    concluded: bool,
}

impl Sender {
    fn new(data: Vec<u8>) -> Self {
        Sender {
            data,
            sent: 0,
            stream: None,
            concluded: false,
        }
    }
}

impl App for Sender {
    fn run(&mut self, conn: &Ssl) {
        if !conn.is_init_finished() || self.concluded {
            return;
        }
        let stream = self.stream.get_or_insert_with(|| {
            let s = conn.new_stream(0).expect("a stream");
            s.set_mode(MODE_ENABLE_PARTIAL_WRITE);
            s
        });
        while self.sent < self.data.len() {
            match stream.write(&self.data[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(e) if e.is_retry() => return,
                Err(e) => panic!("write failed: {e}"),
            }
        }
        stream.stream_conclude().expect("conclude");
        self.concluded = true;
    }
}

/// Server application: reads the first stream the client opens to its end.
#[derive(Debug, Default)]
struct Receiver {
    stream: Option<Ssl>,
    received: Vec<u8>,
    finished: bool,
}

impl App for Receiver {
    fn run(&mut self, conn: &Ssl) {
        if self.stream.is_none() {
            self.stream = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK).expect("accept");
        }
        let Some(stream) = &self.stream else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        while !self.finished {
            match stream.read(&mut buf) {
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.code() == ErrorCode::ZeroReturn => self.finished = true,
                Err(e) if e.is_retry() => return,
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }
}

/// A lossy, reordering, duplicating link with a 20 ms one-way delay.
fn rough_link() -> Link {
    Link {
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(10),
        loss: 0.03,
        duplicate: 0.01,
        ..Link::default()
    }
}

/// Sends `len` bytes from client to server over `link` and returns the finished network.
fn transfer(
    seed: u64,
    id: &Identity,
    flags: u64,
    link: Link,
    len: usize,
) -> SslSim<Sender, Receiver> {
    let apps = (Sender::new(pattern(len)), Receiver::default());
    let mut sim = network(seed, contexts(id), flags, link, apps);
    sim.run_until(Duration::from_secs(120), |_, s| s.app.finished);
    sim
}

#[test]
fn a_megabyte_arrives_intact_through_delay_loss_and_reordering() {
    let id = Identity::localhost();
    let len = 1 << 20;
    // The listener demands a Retry round trip first.
    let sim = transfer(1, &id, 0, rough_link(), len);
    let got = &sim.b.app.received;
    assert_eq!(got.len(), len);
    assert!(
        *got == pattern(len),
        "the stream's bytes differ from those sent"
    );
    // The links did drop datagrams both ways, and the transport repaired it.
    assert!(sim.stats.dropped.iter().all(|&d| d > 0), "{:?}", sim.stats);
    // Times come from the virtual clock: the RTT the client measured is the links' 40 ms
    // (plus jitter and ACK delay), not the microseconds the run takes.
    let rtt = sim.a.connection().unwrap().connection_info().unwrap().rtt;
    assert!(
        rtt >= Duration::from_millis(40) && rtt < Duration::from_millis(120),
        "rtt {rtt:?}"
    );
    // Four round trips at least (Retry, handshake, stream data, FIN) of 40 ms each.
    assert!(
        sim.elapsed() > Duration::from_millis(160),
        "{:?}",
        sim.elapsed()
    );
}

#[test]
fn the_idle_timeout_fires_at_its_virtual_time() {
    let wall = Instant::now();
    let id = Identity::localhost();
    let (mut cctx, mut sctx) = contexts(&id);
    // The smaller value is the one both sides use.
    cctx.set_idle_timeout(Some(Duration::from_secs(30)));
    sctx.set_idle_timeout(Some(Duration::from_secs(45)));
    let mut sim = network(
        2,
        (cctx, sctx),
        LISTENER_FLAG_NO_VALIDATE,
        Link::delay(20),
        ((), ()),
    );
    sim.run_until(Duration::from_secs(5), established);
    // Step until the client's connection ends, noting when the server last sent: the
    // handshake's tail (HANDSHAKE_DONE, tickets, ACKs) goes on after establishment, and each
    // datagram the client receives restarts its idle timer.
    let mut last_arrival = sim.now;
    while close_info(&sim.a).is_none() {
        assert!(sim.elapsed() < Duration::from_secs(120), "never timed out");
        let (before, sent) = (sim.now, sim.stats.sent[1]);
        assert!(sim.step(), "nothing left to happen");
        if sim.stats.sent[1] != sent {
            last_arrival = before + Duration::from_millis(20);
        }
    }
    let idle = sim.now - last_arrival;
    assert!(
        idle >= Duration::from_secs(30) && idle <= Duration::from_millis(30_050),
        "closed {idle:?} after the last datagram arrived"
    );
    let info = close_info(&sim.a).unwrap();
    assert_eq!(info.error_code, IDLE_TIMEOUT_CODE);
    assert_eq!(info.reason, b"idle timeout");
    assert!(info.local && info.transport);
    let err = sim.a.connection().unwrap().read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    // The server times out on the same negotiated 30 s, silently: nothing more is sent.
    let sent = sim.stats.sent;
    sim.run_until(Duration::from_secs(120), |_, s| close_info(s).is_some());
    assert_eq!(close_info(&sim.b).unwrap().error_code, IDLE_TIMEOUT_CODE);
    assert_eq!(sim.stats.sent, sent);
    // Over half a minute of virtual time in (much) less than that of real time.
    assert!(sim.elapsed() > Duration::from_secs(30));
    assert!(
        wall.elapsed() < Duration::from_secs(10),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn the_handshake_completes_through_a_blackhole() {
    let id = Identity::localhost();
    // The client's first Initial gets through; the server's answer and everything else
    // sent in the next three seconds is lost, both ways.
    let blackhole = (Duration::from_millis(10), Duration::from_secs(3));
    let link = Link {
        blackholes: vec![blackhole],
        ..Link::delay(20)
    };
    let mut sim = network(3, contexts(&id), LISTENER_FLAG_NO_VALIDATE, link, ((), ()));
    sim.run_until(Duration::from_secs(30), established);
    assert!(sim.elapsed() > blackhole.1, "{:?}", sim.elapsed());
    assert!(
        sim.elapsed() < Duration::from_secs(10),
        "{:?}",
        sim.elapsed()
    );
    // Both sides' flights went into the hole and were sent again (probes on timeouts).
    assert!(
        sim.stats.dropped[0] >= 1 && sim.stats.dropped[1] >= 1,
        "{:?}",
        sim.stats
    );
    assert!(sim.a.connection().unwrap().verify_result() == qssl::ctx::x509_v::OK);
}

#[test]
fn the_same_seed_replays_the_same_run() {
    // Ed25519 signatures have one size, so every handshake has the same length.
    let id = Identity::localhost_ed25519();
    let run = |seed| -> (Stats, Duration, ConnectionStats, ConnectionStats) {
        let sim = transfer(seed, &id, 0, rough_link(), 200_000);
        let stats = |conn: &Ssl| conn.connection_info().unwrap().stats;
        (
            sim.stats.clone(),
            sim.elapsed(),
            stats(sim.a.connection().unwrap()),
            stats(sim.b.connection().unwrap()),
        )
    };
    let first = run(7);
    assert_eq!(run(7), first);
    // Another seed loses other datagrams: the comparison above can tell runs apart.
    assert_ne!(run(8).0, first.0);
}

/// Client application: each time it is told to `go`, sends a short message on a stream of
/// its own and concludes it; on the third, it also closes the connection (delivering the
/// message first).
#[derive(Debug, Default)]
struct SendThenClose {
    go: bool,
    /// The streams, kept (freeing them unread would send STOP_SENDING).
    streams: Vec<Ssl>,
    closed: bool,
}

impl App for SendThenClose {
    fn run(&mut self, conn: &Ssl) {
        if self.closed {
            return;
        }
        if self.go {
            let stream = conn.new_stream(0).expect("a stream");
            stream
                .write_ex2(b"a message", qssl::quic::WRITE_FLAG_CONCLUDE)
                .expect("the message");
            self.streams.push(stream);
            self.go = false;
        }
        if self.streams.len() < 3 {
            return;
        }
        match conn.shutdown_ex(0, 0, b"done") {
            Ok(closed) => self.closed = closed,
            Err(e) if e.is_retry() => {}
            Err(e) => panic!("shutdown failed: {e}"),
        }
    }
}

#[test]
fn a_close_does_not_wait_out_the_peers_ack_delay() {
    // The server's application does nothing, so the server's acknowledgment of the single
    // request packet waits for its ACK delay (25 ms) with nothing to ride on; the closing
    // client asks for it at once instead (as it must of OpenSSL's server, which sends even
    // its answer without one).
    let id = Identity::localhost();
    let apps = (SendThenClose::default(), ());
    let mut sim = network(
        7,
        contexts(&id),
        LISTENER_FLAG_NO_VALIDATE,
        Link::delay(1),
        apps,
    );
    sim.run_until(Duration::from_secs(5), established);
    // The client's turn now, on its clock.
    let go = |sim: &mut SslSim<SendThenClose, ()>| {
        sim.a.app.go = true;
        let now = sim.now;
        qssl_tests::sim::Node::on_timeout(&mut sim.a, now);
        assert!(!sim.a.app.go);
    };
    // Two messages, with which the handshake is confirmed and the path MTU search runs its
    // course; then, with every packet acknowledged, the last message goes alone.
    for _ in 0..2 {
        go(&mut sim);
        sim.run_for(Duration::from_secs(1));
    }
    go(&mut sim);
    let requested = sim.now;
    sim.run_until(Duration::from_secs(5), |c, _| close_info(c).is_some());
    let closing = sim.now - requested;
    assert!(
        closing < Duration::from_millis(10),
        "the close waited {closing:?} for the request's acknowledgment"
    );
}
