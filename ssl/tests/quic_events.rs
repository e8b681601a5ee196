//! The event-loop surface of QUIC objects: SSL_poll, event timeouts, poll descriptors,
//! net_read/write_desired, the generic value API and explicit event handling.

use std::time::Duration;

use qssl::quic::poll::{
    POLL_EVENT_EC, POLL_EVENT_ECD, POLL_EVENT_ER, POLL_EVENT_IC, POLL_EVENT_ISB, POLL_EVENT_ISU,
    POLL_EVENT_OSB, POLL_EVENT_OSU, POLL_EVENT_R, POLL_EVENT_W, PollItem, poll,
};
use qssl::quic::value::*;
use qssl::quic::{
    ACCEPT_STREAM_NO_BLOCK, IncomingStreamPolicy, STREAM_FLAG_UNI, Ssl, StreamEnd, StreamState,
};
use qssl_bio::PollDescriptor;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// Leaves event handling to explicit `handle_events` calls on `ssl`.
fn handle_events_explicitly(ssl: &Ssl) {
    ssl.set_value_uint(
        VALUE_CLASS_GENERIC,
        VALUE_EVENT_HANDLING_MODE,
        EVENT_HANDLING_MODE_EXPLICIT,
    )
    .unwrap();
}

fn item(ssl: &Ssl, events: u64) -> PollItem<'_> {
    PollItem {
        ssl: Some(ssl),
        events,
        revents: 0,
    }
}

#[test]
fn poll_reports_listener_connection_and_stream_events() {
    let s = pair_setup(false);
    // A client writing first makes a connection for the listener to report.
    s.client.write(b"ping").unwrap_err();
    let mut items = [item(&s.listener, POLL_EVENT_IC)];
    run_until(&[&s.client, &s.listener], || {
        poll(&mut items, Some(Duration::ZERO), 0).unwrap() == 1
    });
    assert_eq!(items[0].revents, POLL_EVENT_IC);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    s.client.write(b"ping").unwrap();
    let uni = s.client.new_stream(STREAM_FLAG_UNI);
    // The default stream was bound by the write; new_stream still works for more streams.
    let uni = uni.unwrap();
    uni.write(b"u").unwrap();
    let mut items = [
        item(
            &server,
            POLL_EVENT_ISB | POLL_EVENT_ISU | POLL_EVENT_OSB | POLL_EVENT_OSU,
        ),
        item(&s.listener, POLL_EVENT_IC),
    ];
    run_until(&objs, || {
        poll(&mut items, Some(Duration::ZERO), 0).unwrap();
        items[0].revents & (POLL_EVENT_ISB | POLL_EVENT_ISU) == POLL_EVENT_ISB | POLL_EVENT_ISU
    });
    assert_eq!(
        items[0].revents & (POLL_EVENT_OSB | POLL_EVENT_OSU),
        POLL_EVENT_OSB | POLL_EVENT_OSU
    );
    assert_eq!(items[1].revents, 0, "the only connection was accepted");
    let srv = server
        .accept_stream(ACCEPT_STREAM_NO_BLOCK)
        .unwrap()
        .unwrap();
    let mut items = [
        item(&srv, POLL_EVENT_R | POLL_EVENT_W | POLL_EVENT_ER),
        PollItem {
            ssl: None,
            events: POLL_EVENT_R,
            revents: 7,
        },
    ];
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 1);
    assert_eq!(items[0].revents, POLL_EVENT_R | POLL_EVENT_W);
    assert_eq!(items[1].revents, 0, "empty items are cleared");
    let mut buf = [0u8; 8];
    srv.read(&mut buf).unwrap();
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 1);
    assert_eq!(
        items[0].revents, POLL_EVENT_W,
        "level-triggered: nothing left to read"
    );
    // A reset shows as ER.
    s.client.stream_reset(3).unwrap();
    run_until(&objs, || {
        poll(&mut items, Some(Duration::ZERO), 0).unwrap();
        items[0].revents & POLL_EVENT_ER != 0
    });
    // Closing shows as EC then ECD on the connection.
    let mut items = [item(&s.client, POLL_EVENT_EC | POLL_EVENT_ECD)];
    let _ = s
        .client
        .shutdown_ex(qssl::quic::SHUTDOWN_FLAG_NO_STREAM_FLUSH, 0, b"");
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 1);
    assert_eq!(items[0].revents & POLL_EVENT_EC, POLL_EVENT_EC);
    run_until(&objs, || {
        poll(&mut items, Some(Duration::ZERO), 0).unwrap();
        items[0].revents & POLL_EVENT_ECD != 0
    });
}

#[test]
fn poll_blocks_on_udp_until_data_or_timeout() {
    let id = Identity::localhost();
    let (listener, addr) = udp_listener(&server_ctx(&id));
    listener.listen().unwrap();
    // Nothing arrives: a bounded wait times out with no events.
    let mut items = [item(&listener, POLL_EVENT_IC)];
    let start = std::time::Instant::now();
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(50)), 0).unwrap(),
        0
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
    // A client connecting from another thread wakes an unbounded wait.
    let client = {
        let (cbio, _) = udp_bio();
        let c = Ssl::new(&client_ctx(&id.cert)).unwrap();
        c.set_bio(Some(cbio.clone()), Some(cbio)).unwrap();
        c.set_initial_peer_addr(addr).unwrap();
        c.set_host_name("localhost").unwrap();
        c
    };
    let t = std::thread::spawn(move || {
        client.connect().unwrap();
        client
    });
    assert_eq!(poll(&mut items, None, 0).unwrap(), 1);
    assert_eq!(items[0].revents, POLL_EVENT_IC);
    let conn = listener.accept_connection(0).unwrap().unwrap();
    conn.connect().unwrap();
    let client = t.join().unwrap();
    assert!(client.is_init_finished());
}

#[test]
fn event_timeout_descriptors_and_desires() {
    let s = pair_setup(false);
    // Datagram pairs cannot be polled: descriptors say so and blocking is off.
    assert_eq!(s.client.rpoll_descriptor(), PollDescriptor::None);
    assert!(!s.client.blocking_mode());
    assert!(s.client.set_blocking_mode(true).is_err());
    qssl::error::clear_error();
    assert!(
        s.client.event_timeout().is_none(),
        "nothing started, no timer"
    );
    let server = connect_pair(&s);
    // An established connection always has a timer (idle timeout at least).
    let t = s.client.event_timeout().unwrap();
    assert!(t <= Duration::from_secs(30));
    assert!(s.client.net_read_desired());
    assert!(!s.client.net_write_desired());
    let _ = server;

    let (bio, _) = udp_bio();
    let c = Ssl::new(&client_ctx(&s.id.cert)).unwrap();
    c.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    assert!(matches!(c.rpoll_descriptor(), PollDescriptor::SockFd(_)));
    assert_eq!(c.rpoll_descriptor(), c.wpoll_descriptor());
    assert!(c.blocking_mode());
    c.set_blocking_mode(false).unwrap();
    assert!(!c.blocking_mode());
    // No peer address on an unconnected socket: connecting fails with the OpenSSL reason.
    let err = c.connect().unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::REMOTE_PEER_ADDRESS_NOT_SET
    );
}

#[test]
fn a_manual_clock_runs_the_timers_and_nothing_waits() {
    use std::sync::Arc;
    use std::time::Instant;

    use qssl::clock::{Clock, ManualClock};
    let id = Identity::localhost();
    let start = Instant::now();
    let clock = Arc::new(ManualClock::new(start));
    let mut ctx = client_ctx(&id.cert);
    ctx.set_clock(clock.clone());
    // Pollable sockets, but a clock that does not follow real time: no blocking.
    let (bio, _) = udp_bio();
    let (_silent, nobody) = udp_bio();
    let c = Ssl::new(&ctx).unwrap();
    c.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    c.set_initial_peer_addr(nobody).unwrap();
    c.set_host_name("localhost").unwrap();
    assert!(!c.blocking_mode());
    assert!(c.set_blocking_mode(true).is_err());
    qssl::error::clear_error();
    assert!(!c.blocking_mode());
    // A blocking connect would wait for an answer that never comes; this one returns.
    assert!(c.connect().unwrap_err().is_retry());
    let mut items = [item(&c, POLL_EVENT_R)];
    assert_eq!(poll(&mut items, None, 0).unwrap(), 0);
    // The Initial's retransmission timer runs on the manual clock: real time passing does
    // not bring it closer, moving the clock does.
    let pto = c.event_timeout().unwrap();
    assert!(pto > Duration::from_millis(100), "{pto:?}");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.event_timeout(), Some(pto));
    clock.advance(pto - Duration::from_millis(1));
    assert_eq!(c.event_timeout(), Some(Duration::from_millis(1)));
    let sent = c.connection_info().unwrap().stats.packets_sent;
    clock.advance(Duration::from_millis(1));
    assert_eq!(c.event_timeout(), Some(Duration::ZERO));
    c.handle_events();
    assert!(
        c.connection_info().unwrap().stats.packets_sent > sent,
        "no probe sent"
    );
    assert_eq!(clock.now(), start + pto);
}

#[test]
fn generic_values() {
    let s = pair_setup(false);
    // The idle timeout can be requested before the connection starts.
    assert_eq!(
        s.client
            .value_uint(VALUE_CLASS_FEATURE_REQUEST, VALUE_QUIC_IDLE_TIMEOUT)
            .unwrap(),
        30_000
    );
    s.client
        .set_value_uint(VALUE_CLASS_FEATURE_REQUEST, VALUE_QUIC_IDLE_TIMEOUT, 12_000)
        .unwrap();
    let err = s
        .client
        .value_uint(VALUE_CLASS_FEATURE_NEGOTIATED, VALUE_QUIC_IDLE_TIMEOUT)
        .unwrap_err();
    assert_eq!(
        err.reason(),
        qssl::error::ssl_r::FEATURE_NEGOTIATION_NOT_COMPLETE
    );
    let err = s
        .client
        .value_uint(VALUE_CLASS_GENERIC, VALUE_QUIC_IDLE_TIMEOUT)
        .unwrap_err();
    assert_eq!(
        err.reason(),
        qssl::error::ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS
    );
    let server = connect_pair(&s);
    assert_eq!(
        s.client
            .value_uint(VALUE_CLASS_FEATURE_NEGOTIATED, VALUE_QUIC_IDLE_TIMEOUT)
            .unwrap(),
        12_000
    );
    assert_eq!(
        s.client
            .value_uint(VALUE_CLASS_FEATURE_PEER_REQUEST, VALUE_QUIC_IDLE_TIMEOUT)
            .unwrap(),
        30_000
    );
    assert_eq!(
        server
            .value_uint(VALUE_CLASS_FEATURE_PEER_REQUEST, VALUE_QUIC_IDLE_TIMEOUT)
            .unwrap(),
        12_000
    );
    let err = s
        .client
        .set_value_uint(VALUE_CLASS_FEATURE_REQUEST, VALUE_QUIC_IDLE_TIMEOUT, 1000)
        .unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::FEATURE_NOT_RENEGOTIABLE);
    // Stream counts.
    let avail = |id| s.client.value_uint(VALUE_CLASS_GENERIC, id).unwrap();
    assert_eq!(avail(VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL), 100);
    assert_eq!(avail(VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL), 100);
    assert_eq!(avail(VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL), 100);
    let stream = s.client.new_stream(0).unwrap();
    assert_eq!(avail(VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL), 99);
    // A value without a setter: OpenSSL's reason.
    let err = s
        .client
        .set_value_uint(VALUE_CLASS_GENERIC, VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL, 5)
        .unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::UNSUPPORTED_CONFIG_VALUE);
    // Setting what was negotiated is an operation the value does not have.
    let err = s
        .client
        .set_value_uint(VALUE_CLASS_FEATURE_NEGOTIATED, VALUE_QUIC_IDLE_TIMEOUT, 5)
        .unwrap_err();
    assert_eq!(
        err.reason(),
        qssl::error::ssl_r::UNSUPPORTED_CONFIG_VALUE_OP
    );
    // Write buffer figures on a stream.
    let size = stream
        .value_uint(VALUE_CLASS_GENERIC, VALUE_STREAM_WRITE_BUF_SIZE)
        .unwrap();
    assert!(size > 0);
    stream.write(&[7u8; 1000]).unwrap();
    let used = stream
        .value_uint(VALUE_CLASS_GENERIC, VALUE_STREAM_WRITE_BUF_USED)
        .unwrap();
    let free = stream
        .value_uint(VALUE_CLASS_GENERIC, VALUE_STREAM_WRITE_BUF_AVAIL)
        .unwrap();
    assert_eq!(used, 1000);
    assert_eq!(used + free, size);
    // On a connection without a default stream they fail with NO_STREAM.
    let err = s
        .client
        .value_uint(VALUE_CLASS_GENERIC, VALUE_STREAM_WRITE_BUF_SIZE)
        .unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::NO_STREAM);
    let err = s.client.value_uint(VALUE_CLASS_GENERIC, 99).unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::UNSUPPORTED_CONFIG_VALUE);
    qssl::error::clear_error();
}

#[test]
fn explicit_event_handling_leaves_ticking_to_the_application() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    s.client.write(b"x").unwrap();
    handle_events_explicitly(&server);
    assert_eq!(
        server
            .value_uint(VALUE_CLASS_GENERIC, VALUE_EVENT_HANDLING_MODE)
            .unwrap(),
        EVENT_HANDLING_MODE_EXPLICIT
    );
    // Without handle_events the server never sees the data, however often it reads.
    let mut buf = [0u8; 4];
    for _ in 0..50 {
        s.client.handle_events();
        assert!(server.read(&mut buf).unwrap_err().is_retry());
    }
    server.handle_events();
    assert_eq!(server.read(&mut buf).unwrap(), 1);
}

#[test]
fn explicit_event_handling_holds_writes_until_events_are_handled() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    handle_events_explicitly(&s.client);
    s.client.write(b"one ").unwrap();
    s.client.write(b"two").unwrap();
    // Nothing left the client: the server has nothing however often it looks.
    let mut buf = [0u8; 16];
    for _ in 0..20 {
        server.handle_events();
        assert!(server.read(&mut buf).unwrap_err().is_retry());
    }
    s.client.handle_events();
    let got = retry(&[&s.client, &server], || server.read(&mut buf)).unwrap();
    assert_eq!(&buf[..got], b"one two", "both writes left together");
}

#[test]
fn explicit_event_handling_holds_conclusions_resets_and_freed_streams_too() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    server
        .set_incoming_stream_policy(IncomingStreamPolicy::Accept, 0)
        .unwrap();
    handle_events_explicitly(&s.client);
    // A stream written, concluded and freed; another written and reset (the stream objects
    // inherit the connection's mode).
    let done = s.client.new_stream(0).unwrap();
    done.write(b"done").unwrap();
    done.stream_conclude().unwrap();
    drop(done);
    let reset = s.client.new_stream(0).unwrap();
    reset.write(b"r").unwrap();
    reset.stream_reset(7).unwrap();
    // None of it left the client.
    for _ in 0..20 {
        server.handle_events();
        assert!(
            server
                .accept_stream(ACCEPT_STREAM_NO_BLOCK)
                .unwrap()
                .is_none()
        );
    }
    s.client.handle_events();
    let first = next_stream(&[&s.client, &server], &server);
    let mut got = Vec::new();
    run_until(&[&s.client, &server], || {
        let mut buf = [0u8; 16];
        match first.read(&mut buf) {
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                false
            }
            Err(e) => !e.is_retry(),
        }
    });
    assert_eq!(got, b"done");
    assert_eq!(first.stream_read_state(), StreamState::Finished);
    let second = next_stream(&[&s.client, &server], &server);
    run_until(&[&s.client, &server], || {
        second.stream_read_state() == StreamState::ResetRemote
    });
    assert_eq!(second.stream_read_end(), StreamEnd::Reset(7));
}

#[test]
fn injected_datagrams_drive_a_connection() {
    use std::sync::Arc;

    use qssl_bio::{DatagramBio, new_dgram_pair};
    // The client sends through a pair to the listener but reads from a BIO that never has
    // anything: the server's answers reach it only by injection.
    let id = Identity::localhost();
    let (client_end, server_end) = new_dgram_pair(0, 0);
    let (silent, _other) = new_dgram_pair(0, 0);
    let client_end: Arc<dyn DatagramBio> = Arc::new(client_end);
    let server_end: Arc<dyn DatagramBio> = Arc::new(server_end);
    let listener =
        Ssl::new_listener(&server_ctx(&id), qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener
        .set_bio(Some(server_end.clone()), Some(server_end))
        .unwrap();
    listener.listen().unwrap();
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    client
        .set_bio(Some(Arc::new(silent)), Some(client_end.clone()))
        .unwrap();
    client.set_host_name("localhost").unwrap();
    let mut server = None;
    let mut injected = 0;
    run_until(&[&client, &listener], || {
        if server.is_none() {
            server = listener.accept_connection(0).unwrap();
        }
        if let Some(s) = &server {
            let _ = s.connect();
        }
        let mut buf = [0u8; 2048];
        while let Ok(n) = client_end.read(&mut buf) {
            client.inject_net_dgram(&buf[..n], None, None).unwrap();
            injected += 1;
        }
        matches!(client.connect(), Ok(()))
    });
    assert!(injected > 0);
    assert!(client.is_init_finished());
    // Streams are not connections: injection is refused on them.
    let stream = client.new_stream(0).unwrap();
    assert!(stream.inject_net_dgram(b"x", None, None).is_err());
    qssl::error::clear_error();
}

#[test]
fn poll_reports_a_pending_end_of_stream_until_a_read_reports_it() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    let stream = s.client.new_stream(0).unwrap();
    stream
        .write_ex2(b"data", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let srv = next_stream(&objs, &server);
    let mut items = [item(&srv, POLL_EVENT_R)];
    run_until(&objs, || {
        poll(&mut items, Some(Duration::ZERO), 0).unwrap();
        items[0].revents == POLL_EVENT_R
    });
    // Until a read takes the FIN the stream is not finished, as OpenSSL reports it.
    assert_eq!(srv.stream_read_state(), qssl::quic::StreamState::Ok);
    let mut buf = [0u8; 16];
    assert_eq!(srv.read(&mut buf).unwrap(), 4);
    assert_eq!(srv.stream_read_state(), qssl::quic::StreamState::Finished);
    // The data is read; its end is not reported yet, so the stream is still readable.
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 1);
    assert_eq!(items[0].revents, POLL_EVENT_R);
    // A peek does not count as reporting it.
    assert_eq!(
        srv.peek(&mut buf).unwrap_err().code(),
        qssl::ErrorCode::ZeroReturn
    );
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 1);
    assert_eq!(
        srv.read(&mut buf).unwrap_err().code(),
        qssl::ErrorCode::ZeroReturn
    );
    assert_eq!(poll(&mut items, Some(Duration::ZERO), 0).unwrap(), 0);
    assert_eq!(items[0].revents, 0);
}
