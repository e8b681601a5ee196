//! QUIC objects over real UDP sockets on loopback in blocking mode: a listener serving
//! several clients at once, and several threads sharing one connection.

use std::io::{Read, Write};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::ErrorCode;
use qssl::ctx::{Method, SSL_VERIFY_PEER, SslCtx, x509_v};
use qssl::quic::Ssl;
use qssl_bio::{DatagramBio, UdpBio};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// A blocking client connection to `server` over its own connected UDP socket.
fn blocking_client(id: &Identity, server: std::net::SocketAddr) -> Ssl {
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    bio.connect(server).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(bio);
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    assert!(client.blocking_mode(), "blocking by default on a socket");
    client
}

/// Reads a whole stream (until the peer's FIN).
fn read_to_end(ssl: &Ssl) -> Vec<u8> {
    let mut out = Vec::new();
    (&*ssl).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn listener_serves_several_blocking_clients() {
    let id = Identity::localhost();
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(&server_ctx(&id), 0).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    assert!(listener.blocking_mode());
    const CLIENTS: usize = 4;
    let server = {
        let listener = listener.clone();
        thread::spawn(move || {
            let mut workers = Vec::new();
            for _ in 0..CLIENTS {
                let conn = listener.accept_connection(0).unwrap().unwrap();
                assert!(conn.blocking_mode(), "inherited from the listener");
                workers.push(thread::spawn(move || {
                    let request = read_to_end(&conn);
                    let reply: Vec<u8> = request.iter().rev().copied().collect();
                    conn.write_ex2(&reply, qssl::quic::WRITE_FLAG_CONCLUDE)
                        .unwrap();
                    // Wait for the client to close.
                    let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
                    assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
                    let info = conn.conn_close_info().unwrap().unwrap();
                    assert!(!info.local);
                    assert_eq!(info.reason, b"done");
                }));
            }
            for w in workers {
                w.join().unwrap();
            }
        })
    };
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let client = blocking_client(&id, addr);
            thread::spawn(move || {
                client.connect().unwrap();
                let request = format!("request number {i}").into_bytes();
                client
                    .write_ex2(&request, qssl::quic::WRITE_FLAG_CONCLUDE)
                    .unwrap();
                let reply = read_to_end(&client);
                let expected: Vec<u8> = request.iter().rev().copied().collect();
                assert_eq!(reply, expected);
                assert_eq!(
                    client.read(&mut [0u8; 1]).unwrap_err().code(),
                    ErrorCode::ZeroReturn
                );
                assert!(client.shutdown_ex(0, 0, b"done").unwrap());
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    server.join().unwrap();
}

#[test]
fn eight_threads_share_one_connection() {
    const STREAMS: usize = 8;
    const BYTES: usize = 10 << 20;
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        conn.set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
            .unwrap();
        let readers: Vec<_> = (0..STREAMS)
            .map(|_| {
                let stream = conn.accept_stream(0).unwrap().unwrap();
                thread::spawn(move || {
                    let mut total = 0usize;
                    let mut sum = 0u64;
                    let mut buf = vec![0u8; 64 << 10];
                    loop {
                        match stream.read(&mut buf) {
                            Ok(n) => {
                                total += n;
                                sum += buf[..n].iter().map(|&b| u64::from(b)).sum::<u64>();
                            }
                            Err(e) if e.code() == ErrorCode::ZeroReturn => break,
                            Err(e) => panic!("read failed: {e}"),
                        }
                    }
                    (stream.stream_id(), total, sum)
                })
            })
            .collect();
        let results: Vec<_> = readers.into_iter().map(|r| r.join().unwrap()).collect();
        // Everything read: the server closes.
        assert!(conn.shutdown().unwrap());
        results
    });
    let client = blocking_client(&id, addr);
    client.connect().unwrap();
    let writers: Vec<_> = (0..STREAMS)
        .map(|i| {
            let stream = client.new_stream(0).unwrap();
            thread::spawn(move || {
                let chunk: Vec<u8> = (0..64 << 10).map(|j| ((i + j) % 256) as u8).collect();
                let mut left = BYTES;
                let mut sum = 0u64;
                while left > 0 {
                    let n = left.min(chunk.len());
                    (&stream).write_all(&chunk[..n]).unwrap();
                    sum += chunk[..n].iter().map(|&b| u64::from(b)).sum::<u64>();
                    left -= n;
                }
                stream.stream_conclude().unwrap();
                (stream.stream_id(), sum, stream)
            })
        })
        .collect();
    let sent: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    // The client waits for the server to close once it has read everything; the streams
    // are kept until then.
    let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
    assert!(client.shutdown_ex(flags, 0, b"").unwrap());
    let mut results = server.join().unwrap();
    results.sort();
    let mut expected: Vec<_> = sent.iter().map(|(id, sum, _)| (*id, BYTES, *sum)).collect();
    expected.sort();
    assert_eq!(results, expected);
}

#[test]
fn blocking_new_stream_waits_for_credit_and_objects_outlive_each_other() {
    let id = Identity::localhost();
    let mut sctx = server_ctx(&id);
    sctx.set_max_streams(1, 1);
    let (listener, addr) = udp_listener(&sctx);
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        conn.set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
            .unwrap();
        for _ in 0..2 {
            let stream = conn.accept_stream(0).unwrap().unwrap();
            let data = read_to_end(&stream);
            stream
                .write_ex2(&data, qssl::quic::WRITE_FLAG_CONCLUDE)
                .unwrap();
            // Dropping a finished stream lets the peer open the next one.
        }
        let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
        assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
    });
    // A client over a socket handed over as such (SSL_set_fd), with the peer set by address.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client.set_socket(socket).unwrap();
    client.set_initial_peer_addr(addr).unwrap();
    client.set_host_name("localhost").unwrap();
    client
        .set_default_stream_mode(qssl::quic::DefaultStreamMode::None)
        .unwrap();
    let first = client.new_stream(0).unwrap();
    // The limit is one stream: without blocking the second is refused.
    let err = client
        .new_stream(qssl::quic::STREAM_FLAG_NO_BLOCK)
        .unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_COUNT_LIMITED
    );
    qssl::error::clear_error();
    first
        .write_ex2(b"one", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    // The connection object may go before its streams: the stream keeps it alive.
    let conn = first.connection();
    drop(client);
    assert_eq!(read_to_end(&first), b"one");
    drop(first);
    // Blocks until the server's MAX_STREAMS arrives.
    let second = conn.new_stream(0).unwrap();
    assert_eq!(second.stream_id(), 4);
    second
        .write_ex2(b"two", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    assert_eq!(read_to_end(&second), b"two");
    // And a stream may outlive its connection handle the other way round.
    drop(conn);
    assert_eq!(
        second.stream_read_state(),
        qssl::quic::StreamState::Finished
    );
    let conn = second.connection();
    drop(second);
    assert!(conn.shutdown().unwrap());
    server.join().unwrap();
}

#[test]
fn a_failed_network_fails_the_connection() {
    // A datagram pair whose other end is gone: the connection reports the failure as
    // SSL_ERROR_SSL with a network reason, not a hang.
    let id = Identity::localhost();
    let (a, b) = qssl_bio::new_dgram_pair(0, 0);
    let a: Arc<dyn DatagramBio> = Arc::new(a);
    drop(b);
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client.set_bio(Some(a.clone()), Some(a)).unwrap();
    client.set_host_name("localhost").unwrap();
    let err = client.connect().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::QUIC_NETWORK_ERROR
    );
    assert_eq!(client.get_error(-1), ErrorCode::Ssl);
    qssl::error::clear_error();
}

#[test]
fn a_blocking_poll_wakes_when_another_thread_changes_the_connection() {
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        // Until the client closes: the peer's close arrives as an error or the end.
        let _ = conn.read(&mut [0u8; 1]);
    });
    let client = blocking_client(&id, addr);
    client.connect().unwrap();
    let poller = {
        let client = client.clone();
        thread::spawn(move || {
            let mut items = [qssl::quic::PollItem {
                ssl: Some(&client),
                events: qssl::quic::poll::POLL_EVENT_EC,
                revents: 0,
            }];
            // Far longer than the test takes: no timer of an idle connection ends it first
            // (the idle timeout is 30 s), so only the other thread's close can. At the
            // deadline the poll would find the close too, so what shows a missed wake-up is
            // the poll lasting until then.
            let limit = std::time::Duration::from_secs(25);
            let started = std::time::Instant::now();
            let n = qssl::quic::poll(&mut items, Some(limit), 0);
            assert!(started.elapsed() < limit, "the close did not wake the poll");
            (n.unwrap(), items[0].revents)
        })
    };
    // Give the poll time to block first (had it not, its first look finds the close anyway).
    thread::sleep(std::time::Duration::from_millis(200));
    let flags = qssl::quic::SHUTDOWN_FLAG_RAPID | qssl::quic::SHUTDOWN_FLAG_NO_BLOCK;
    assert!(client.shutdown_ex(flags, 0, b"bye").unwrap());
    let (n, revents) = poller.join().unwrap();
    assert_eq!(n, 1);
    assert_ne!(revents & qssl::quic::poll::POLL_EVENT_EC, 0);
    server.join().unwrap();
}

/// A non-blocking client connection of `method` to `server` over its own UDP socket, its
/// handshake begun with one `connect` call (which cannot finish at once).
fn started_client(id: &Identity, server: std::net::SocketAddr, method: Method) -> Ssl {
    let mut ctx = SslCtx::new(method);
    ctx.load_verify_locations(Some(&id.cert), None).unwrap();
    ctx.set_verify(SSL_VERIFY_PEER, None);
    ctx.set_alpn_protos(ALPN).unwrap();
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    bio.connect(server).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(bio);
    let client = Ssl::new(&ctx).unwrap();
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.set_blocking_mode(false).unwrap();
    let first = client.connect().unwrap_err();
    assert!(first.is_retry(), "{first:?}");
    client
}

#[test]
fn a_thread_assisted_client_completes_its_handshake_between_calls() {
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    let server = thread::spawn(move || {
        let mut accepted = Vec::new();
        for _ in 0..2 {
            accepted.push(listener.accept_connection(0).unwrap().unwrap());
        }
        // Until both handshakes are done, the listener's port must keep running.
        run_until(&[&listener], || accepted.iter().all(Ssl::is_init_finished));
    });

    // OSSL_QUIC_client_thread_method: the connection's own thread finishes the handshake
    // while the application makes no call that drives it (is_init_finished only looks).
    let assisted = started_client(&id, addr, Method::QuicClientThread);
    let start = Instant::now();
    while !assisted.is_init_finished() {
        assert!(start.elapsed() < Duration::from_secs(10), "no progress");
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(assisted.verify_result(), x509_v::OK);

    // Without the thread, nothing happens until the application calls again.
    let plain = started_client(&id, addr, Method::QuicClient);
    thread::sleep(Duration::from_millis(300));
    assert!(!plain.is_init_finished());
    run_until(&[&plain], || plain.connect().is_ok());
    server.join().unwrap();
}

#[test]
fn a_domain_handles_the_events_of_all_its_listeners() {
    let id = Identity::localhost();
    let sctx = server_ctx(&id);
    let domain = Ssl::new_domain(&sctx, 0).unwrap();
    assert!(domain.is_domain() && !domain.is_connection());
    let listeners: Vec<(Ssl, std::net::SocketAddr)> = (0..2)
        .map(|_| {
            let (bio, addr) = udp_bio();
            let l = domain
                .new_listener_from(&sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE)
                .unwrap();
            l.set_bio(Some(bio.clone()), Some(bio)).unwrap();
            l.set_blocking_mode(false).unwrap();
            assert!(l.domain().unwrap().same_object(&domain));
            (l, addr)
        })
        .collect();
    let clients: Vec<Ssl> = listeners
        .iter()
        .map(|(_, addr)| {
            let c = blocking_client(&id, *addr);
            c.set_blocking_mode(false).unwrap();
            c
        })
        .collect();
    // Nothing but the clients' calls and the domain's event handling runs: the clients'
    // handshakes complete only if the domain drives both listeners.
    let deadline = Instant::now() + Duration::from_secs(10);
    while clients.iter().any(|c| !c.is_init_finished()) {
        assert!(Instant::now() < deadline, "handshakes did not complete");
        for c in &clients {
            let _ = c.connect();
        }
        domain.handle_events();
        thread::sleep(Duration::from_millis(1));
    }
    let accepted: Vec<Ssl> = listeners
        .iter()
        .map(|(l, _)| {
            l.accept_connection(qssl::quic::ACCEPT_CONNECTION_NO_BLOCK)
                .unwrap()
                .expect("a connection waits")
        })
        .collect();
    assert!(domain.event_timeout().is_some(), "the connections' timers");
    for (i, (c, a)) in clients.iter().zip(&accepted).enumerate() {
        assert!(a.listener().unwrap().same_object(&listeners[i].0));
        let msg = format!("to listener {i}");
        c.write_ex2(msg.as_bytes(), qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while Instant::now() < deadline {
            c.handle_events();
            domain.handle_events();
            match a.read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.code() == ErrorCode::ZeroReturn => break,
                Err(e) if e.is_retry() => thread::sleep(Duration::from_millis(1)),
                Err(e) => panic!("read: {e:?}"),
            }
        }
        assert_eq!(got, msg.as_bytes());
    }
}

#[test]
fn both_ends_name_their_peers_address() {
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let client_addr = bio.local_addr().socket_addr().unwrap();
    bio.connect(addr).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(bio);
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    assert_eq!(client.peer_addr(), None, "not started");
    let server = thread::spawn(move || listener.accept_connection(0).unwrap().unwrap());
    client.connect().unwrap();
    let conn = server.join().unwrap();
    assert_eq!(client.peer_addr(), Some(addr));
    assert_eq!(conn.peer_addr(), Some(client_addr));
}

#[test]
fn connections_that_die_before_they_are_accepted_leave_the_queue() {
    let id = Identity::localhost();
    let mut sctx = server_ctx(&id);
    sctx.connection_config_mut().handshake_timeout = Some(Duration::from_millis(300));
    let (listener, addr) = udp_listener(&sctx);
    listener.set_blocking_mode(false).unwrap();
    listener.listen().unwrap();
    // A client that sends its first flight and never goes on.
    let client = blocking_client(&id, addr);
    client.set_blocking_mode(false).unwrap();
    assert!(client.connect().unwrap_err().is_retry());
    let began = Instant::now();
    while listener.accept_connection_queue_len() == 0 {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "no connection arrived"
        );
        thread::sleep(Duration::from_millis(5));
    }
    // Its handshake times out on the server, and the dead connection is not handed out.
    while listener.accept_connection_queue_len() != 0 {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "a dead connection stays in the accept queue"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        listener
            .accept_connection(qssl::quic::ACCEPT_CONNECTION_NO_BLOCK)
            .unwrap()
            .is_none()
    );
}

/// Serves one connection of `listener`: answers the request with `size` bytes, then waits
/// for the client's "bye" on a second stream and returns the connection's state then.
fn serve_until_bye(listener: Ssl, size: usize) -> thread::JoinHandle<qssl::quic::ConnectionInfo> {
    thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        // Two streams: under the default policy the first accepted would refuse the second.
        conn.set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
            .unwrap();
        let stream = conn.accept_stream(0).unwrap().unwrap();
        read_to_end(&stream);
        stream
            .write_ex2(&vec![1u8; size], qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        let bye = conn.accept_stream(0).unwrap().unwrap();
        assert_eq!(read_to_end(&bye), b"bye");
        conn.connection_info().unwrap()
    })
}

#[test]
fn ecn_marks_cross_loopback_and_validate_both_ways() {
    use qssl_quic::conn::EcnState;
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    // The client's second stream comes once it has the whole reply, so the server has had
    // acknowledgments with ECN counts for its marked packets.
    let server = serve_until_bye(listener, 1 << 20);
    let client = blocking_client(&id, addr);
    client.connect().unwrap();
    let stream = client.new_stream(0).unwrap();
    stream
        .write_ex2(b"GET", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    assert_eq!(read_to_end(&stream).len(), 1 << 20);
    let bye = client.new_stream(0).unwrap();
    bye.write_ex2(b"bye", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    assert_eq!(client.connection_info().unwrap().ecn, EcnState::Capable);
    assert_eq!(server.join().unwrap().ecn, EcnState::Capable);
}

#[test]
fn datagrams_grow_to_the_bios_mtu_on_loopback() {
    // With the BIOs' MTU set to 9000 bytes, path MTU discovery takes loopback (MTU 65536)
    // up to it; without it, to 1452.
    for (mtu, want) in [(Some(9000), 9000), (None, 1452)] {
        let id = Identity::localhost();
        let (bio, addr) = udp_bio();
        if let Some(mtu) = mtu {
            bio.set_mtu(mtu).unwrap();
        }
        let listener =
            Ssl::new_listener(&server_ctx(&id), qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
        listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
        let server = serve_until_bye(listener, 2 << 20);
        let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
        let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        bio.connect(addr).unwrap();
        if let Some(mtu) = mtu {
            bio.set_mtu(mtu).unwrap();
        }
        let bio: Arc<dyn DatagramBio> = Arc::new(bio);
        client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
        client.set_host_name("localhost").unwrap();
        client.connect().unwrap();
        let stream = client.new_stream(0).unwrap();
        stream
            .write_ex2(b"GET", qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        assert_eq!(read_to_end(&stream).len(), 2 << 20);
        let bye = client.new_stream(0).unwrap();
        bye.write_ex2(b"bye", qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        assert_eq!(server.join().unwrap().datagram_size, want, "{mtu:?}");
    }
}

#[test]
fn a_client_contexts_listener_lends_its_socket_to_the_connections_made_from_it() {
    let id = Identity::localhost();
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(&server_ctx(&id), 0).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    const CLIENTS: usize = 3;
    let server = thread::spawn(move || {
        (0..CLIENTS)
            .map(|_| {
                let conn = listener.accept_connection(0).unwrap().unwrap();
                let request = read_to_end(&conn);
                conn.write_ex2(&request, qssl::quic::WRITE_FLAG_CONCLUDE)
                    .unwrap();
                let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
                assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
                conn.peer_addr().unwrap()
            })
            .collect::<Vec<_>>()
    });
    let ctx = client_ctx(&id.cert);
    let (client_bio, client_addr) = udp_bio();
    let out = Ssl::new_listener(&ctx, 0).unwrap();
    out.set_bio(Some(client_bio.clone()), Some(client_bio))
        .unwrap();
    // It accepts nothing.
    let err = out.accept_connection(0).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::err_r::SHOULD_NOT_HAVE_BEEN_CALLED
    );
    assert!(out.listen_ex().is_err());
    qssl::error::clear_error();
    for i in 0..CLIENTS {
        let conn = out.new_from_listener(&ctx).unwrap();
        conn.set_initial_peer_addr(addr).unwrap();
        conn.set_host_name("localhost").unwrap();
        conn.connect().unwrap();
        let request = format!("connection {i}").into_bytes();
        conn.write_ex2(&request, qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        assert_eq!(read_to_end(&conn), request);
        assert!(conn.shutdown_ex(0, 0, b"").unwrap());
    }
    // Every connection came from the client listener's one socket.
    for peer in server.join().unwrap() {
        assert_eq!(peer, client_addr);
    }
}
