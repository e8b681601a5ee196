//! Poll groups over real UDP sockets on loopback: a server registers its listener, its
//! connections and their streams once, and each wait reports only what is ready, whether the
//! group is waited on directly or from the program's own `mio::Poll`.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use qssl::quic::poll::{POLL_EVENT_EC, POLL_EVENT_ER, POLL_EVENT_IC, POLL_EVENT_ISB, POLL_EVENT_R};
use qssl::quic::{ACCEPT_CONNECTION_NO_BLOCK, ACCEPT_STREAM_NO_BLOCK, PollEvent, PollGroup, Ssl};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

const LISTENER: u64 = 0;
const LONG: Option<Duration> = Some(Duration::from_secs(20));

/// A non-blocking listener on a loopback UDP socket, and its address.
fn listener(id: &Identity) -> (Ssl, std::net::SocketAddr) {
    let (l, addr) = udp_listener(&server_ctx(id));
    l.set_blocking_mode(false).unwrap();
    l.listen().unwrap();
    (l, addr)
}

/// A started blocking client of `addr`.
fn client(id: &Identity, addr: std::net::SocketAddr) -> Ssl {
    let c = udp_client(&client_ctx(&id.cert), addr);
    c.connect().unwrap();
    c
}

/// Sends `request` on the client's default stream, concludes it, and reads the whole reply.
fn exchange(c: &Ssl, request: &[u8]) -> Vec<u8> {
    (&*c).write_all(request).unwrap();
    c.stream_conclude().unwrap();
    let mut reply = Vec::new();
    (&*c).read_to_end(&mut reply).unwrap();
    reply
}

/// What the serving loop saw.
#[derive(Debug, Default)]
struct Seen {
    /// Tokens of connections reported with a stream to accept.
    connections_with_streams: BTreeSet<u64>,
    /// Connections accepted.
    accepted: usize,
    /// Most events one wait returned.
    most_in_one_wait: usize,
    /// Registrations each wait examined once every client was accepted.
    looked: Vec<usize>,
}

/// The server's side of one group event loop turn: accepts connections (token = their number),
/// accepts their streams (token = 1,000,000 + a count) and answers each request, reversed,
/// once it ends.
struct Server {
    listener: Ssl,
    conns: HashMap<u64, Ssl>,
    streams: HashMap<u64, (Ssl, Vec<u8>)>,
    next_stream: u64,
    seen: Seen,
}

impl Server {
    fn new(listener: Ssl, group: &PollGroup) -> Self {
        group.add(&listener, POLL_EVENT_IC, LISTENER).unwrap();
        Server {
            listener,
            conns: HashMap::new(),
            streams: HashMap::new(),
            next_stream: 1_000_000,
            seen: Seen::default(),
        }
    }

    fn handle(&mut self, group: &PollGroup, events: &[PollEvent]) {
        self.seen.most_in_one_wait = self.seen.most_in_one_wait.max(events.len());
        for ev in events {
            if ev.token == LISTENER {
                while let Some(conn) = self
                    .listener
                    .accept_connection(ACCEPT_CONNECTION_NO_BLOCK)
                    .unwrap()
                {
                    self.seen.accepted += 1;
                    let token = self.seen.accepted as u64;
                    group
                        .add(&conn, POLL_EVENT_ISB | POLL_EVENT_EC, token)
                        .unwrap();
                    self.conns.insert(token, conn);
                }
            } else if let Some(conn) = self.conns.get(&ev.token) {
                if ev.revents & POLL_EVENT_ISB != 0 {
                    self.seen.connections_with_streams.insert(ev.token);
                    while let Ok(Some(s)) = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK) {
                        self.next_stream += 1;
                        group.add(&s, POLL_EVENT_R, self.next_stream).unwrap();
                        self.streams.insert(self.next_stream, (s, Vec::new()));
                    }
                }
                if ev.revents & POLL_EVENT_EC != 0 {
                    group.remove(conn).unwrap();
                    self.conns.remove(&ev.token);
                }
            } else if let Some((s, got)) = self.streams.get_mut(&ev.token) {
                let mut buf = [0u8; 4096];
                loop {
                    match Ssl::read(s, &mut buf) {
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        Err(e) if e.is_end_of_data() => {
                            let reply: Vec<u8> = got.iter().rev().copied().collect();
                            Ssl::write(s, &reply).unwrap();
                            s.stream_conclude().unwrap();
                            group.remove(s).unwrap();
                            self.streams.remove(&ev.token);
                            break;
                        }
                        Err(_) => break,
                    }
                }
            }
        }
    }
}

#[test]
fn a_wait_reports_only_the_connections_with_something_to_do() {
    let id = Identity::localhost();
    let (l, addr) = listener(&id);
    const CLIENTS: usize = 60;
    const TALKERS: [usize; 3] = [7, 30, 59];
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let group = PollGroup::new().unwrap();
        let mut server = Server::new(l, &group);
        let mut out = Vec::new();
        while stop_rx.try_recv().is_err() {
            group
                .wait(&mut out, 64, Some(Duration::from_millis(50)))
                .unwrap();
            if server.seen.accepted == CLIENTS {
                server.seen.looked.push(group.looked_at());
            }
            server.handle(&group, &out);
        }
        assert!(group.len() > CLIENTS);
        server.seen
    });
    let clients: Vec<Ssl> = (0..CLIENTS).map(|_| client(&id, addr)).collect();
    for &i in &TALKERS {
        let reply = exchange(&clients[i], format!("request {i}").as_bytes());
        assert_eq!(
            reply,
            format!("request {i}").bytes().rev().collect::<Vec<_>>()
        );
    }
    stop_tx.send(()).unwrap();
    let seen = server.join().unwrap();
    assert_eq!(seen.accepted, CLIENTS);
    // Connections are numbered in the order they were accepted, which is the order the
    // clients connected in (one after another).
    let expected: BTreeSet<u64> = TALKERS.iter().map(|i| *i as u64 + 1).collect();
    assert_eq!(seen.connections_with_streams, expected);
    // The waits looked at the few objects that moved, not at every registration.
    let mut looked = seen.looked.clone();
    looked.sort_unstable();
    let median = looked[looked.len() / 2];
    assert!(
        median <= 10,
        "a wait looked at {median} registrations: {looked:?}"
    );
    drop(clients);
}

#[test]
fn events_are_level_triggered_and_spill_over_a_full_buffer() {
    let id = Identity::localhost();
    let (l, addr) = listener(&id);
    let group = PollGroup::new().unwrap();
    group.add(&l, POLL_EVENT_IC, LISTENER).unwrap();
    let clients: Vec<Ssl> = (0..3)
        .map(|_| {
            let c = udp_client(&client_ctx(&id.cert), addr);
            c.set_blocking_mode(false).unwrap();
            let _ = c.connect();
            c
        })
        .collect();
    let mut out = Vec::new();
    let mut conns = Vec::new();
    for _ in 0..500 {
        if conns.len() == 3 {
            break;
        }
        for c in &clients {
            let _ = c.connect();
        }
        group
            .wait(&mut out, 8, Some(Duration::from_millis(20)))
            .unwrap();
        while let Some(conn) = l.accept_connection(ACCEPT_CONNECTION_NO_BLOCK).unwrap() {
            conns.push(conn);
        }
    }
    // Each client sends a request: all three connections get a stream to accept.
    for (i, c) in clients.iter().enumerate() {
        group.add(&conns[i], POLL_EVENT_ISB, 10 + i as u64).unwrap();
        retry(&[c], || Ssl::write(c, b"x")).unwrap();
    }
    // Until all three have their stream, then three waits with room for one event each:
    // the ready objects a full buffer left out come first next time.
    for _ in 0..500 {
        for c in &clients {
            c.handle_events();
        }
        if group.wait(&mut out, 8, LONG).unwrap() == 3 {
            break;
        }
    }
    let ready: BTreeSet<u64> = (0..3)
        .map(|_| {
            assert_eq!(group.wait(&mut out, 1, LONG).unwrap(), 1);
            out[0].token
        })
        .collect();
    assert_eq!(ready, BTreeSet::from([10, 11, 12]));
    // Not taken yet: still reported.
    group.wait(&mut out, 8, Some(Duration::ZERO)).unwrap();
    assert_eq!(out.len(), 3);
    // Taken: no longer reported, and a zero timeout returns at once.
    for conn in &conns {
        assert!(
            conn.accept_stream(ACCEPT_STREAM_NO_BLOCK)
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(group.wait(&mut out, 8, Some(Duration::ZERO)).unwrap(), 0);
    // A timeout with nothing ready returns none.
    assert_eq!(
        group
            .wait(&mut out, 8, Some(Duration::from_millis(30)))
            .unwrap(),
        0
    );
}

#[test]
fn registrations_are_checked_and_a_freed_object_leaves_the_group() {
    let id = Identity::localhost();
    let (l, _) = listener(&id);
    let group = PollGroup::new().unwrap();
    group.add(&l, POLL_EVENT_IC, 1).unwrap();
    let err = group.add(&l, POLL_EVENT_IC, 2).unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");
    group.modify(&l, POLL_EVENT_IC, 3).unwrap();
    let other = Ssl::new_listener(&server_ctx(&id), 0).unwrap();
    assert!(group.remove(&other).is_err());
    assert!(group.modify(&other, POLL_EVENT_IC, 1).is_err());
    let mut out = Vec::new();
    assert!(group.wait(&mut out, 0, Some(Duration::ZERO)).is_err());
    let (gone, _) = listener(&id);
    group.add(&gone, POLL_EVENT_IC, 9).unwrap();
    assert_eq!(group.len(), 2);
    drop(gone);
    group.wait(&mut out, 8, Some(Duration::ZERO)).unwrap();
    assert_eq!(group.len(), 1);
    group.remove(&l).unwrap();
    assert!(group.is_empty());
}

#[test]
fn a_released_connection_its_stream_keeps_alive_leaves_the_group() {
    const CONN: u64 = 1;
    const STREAM: u64 = 2;
    let id = Identity::localhost();
    let (l, addr) = listener(&id);
    let group = PollGroup::new().unwrap();
    group.add(&l, POLL_EVENT_IC, LISTENER).unwrap();
    let cert = id.cert.clone();
    let (close_tx, close_rx) = mpsc::channel::<()>();
    let client = thread::spawn(move || {
        let c = udp_client(&client_ctx(&cert), addr);
        c.connect().unwrap();
        (&c).write_all(b"x").unwrap();
        close_rx.recv().unwrap();
        // Without waiting for the "x" to be acknowledged: nothing drives the server's port
        // while the test waits for this thread, so the acknowledgment could come only after
        // the idle timeout.
        let flags = qssl::quic::SHUTDOWN_FLAG_RAPID | qssl::quic::SHUTDOWN_FLAG_NO_STREAM_FLUSH;
        c.shutdown_ex(flags, 0, b"").ok();
    });
    let mut out = Vec::new();
    let wait_for = |out: &mut Vec<PollEvent>, token: u64, events: u64| {
        for _ in 0..400 {
            group.wait(out, 8, Some(Duration::from_millis(25))).unwrap();
            if out
                .iter()
                .any(|e| e.token == token && e.revents & events != 0)
            {
                return true;
            }
        }
        false
    };
    assert!(wait_for(&mut out, LISTENER, POLL_EVENT_IC));
    let conn = l
        .accept_connection(ACCEPT_CONNECTION_NO_BLOCK)
        .unwrap()
        .unwrap();
    group
        .add(&conn, POLL_EVENT_ISB | POLL_EVENT_EC, CONN)
        .unwrap();
    assert!(wait_for(&mut out, CONN, POLL_EVENT_ISB));
    let stream = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK).unwrap().unwrap();
    group
        .add(&stream, POLL_EVENT_R | POLL_EVENT_ER, STREAM)
        .unwrap();
    // The application gives the connection up; its stream keeps the object alive.
    conn.release();
    drop(conn);
    // The client goes: the stream is still reported, the connection never again.
    close_tx.send(()).unwrap();
    client.join().unwrap();
    assert!(wait_for(&mut out, STREAM, POLL_EVENT_R | POLL_EVENT_ER));
    for _ in 0..20 {
        assert!(out.iter().all(|e| e.token != CONN), "{out:?}");
        group
            .wait(&mut out, 8, Some(Duration::from_millis(10)))
            .unwrap();
    }
    assert!(out.iter().all(|e| e.token != CONN), "{out:?}");
    assert_eq!(group.len(), 2, "the listener and the stream");
}

#[test]
fn a_group_waits_inside_the_programs_own_mio_poll() {
    use mio::{Events, Interest, Poll, Token};
    let id = std::sync::Arc::new(Identity::localhost());
    let (l, addr) = listener(&id);
    let mut group = PollGroup::new().unwrap();
    let mut poll = Poll::new().unwrap();
    poll.registry()
        .register(&mut group, Token(1), Interest::READABLE)
        .unwrap();
    // The program's own socket, next to the group.
    let mut side = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let side_addr = side.local_addr().unwrap();
    poll.registry()
        .register(&mut side, Token(2), Interest::READABLE)
        .unwrap();
    let talker_id = id.clone();
    let talker = thread::spawn(move || {
        let c = client(&talker_id, addr);
        let reply = exchange(&c, b"through mio");
        std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .send_to(b"done", side_addr)
            .unwrap();
        reply
    });
    let mut server = Server::new(l, &group);
    let mut events = Events::with_capacity(16);
    let mut out = Vec::new();
    let mut done = false;
    while !done {
        poll.poll(&mut events, group.timeout().or(LONG)).unwrap();
        for ev in events.iter() {
            if ev.token() == Token(2) {
                let mut buf = [0u8; 16];
                while let Ok(n) = side.recv(&mut buf) {
                    done |= &buf[..n] == b"done";
                }
            }
        }
        // Readable, or a timer of the group's ports is due: either way the group looks.
        group.wait(&mut out, 16, Some(Duration::ZERO)).unwrap();
        server.handle(&group, &out);
    }
    assert_eq!(talker.join().unwrap(), b"oim hguorht".to_vec());
    assert_eq!(server.seen.accepted, 1);
    poll.registry().deregister(&mut group).unwrap();
}
