//! Connections end to end on the deterministic network simulator.

mod common;
mod sim_nodes;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use qssl_quic::Version;
use qssl_quic::coding::Writer;
use qssl_quic::conn::{ConnectionConfig, DatagramInfo, EcnCodepoint, Event, StreamError};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, EndpointConfig};
use qssl_quic::packet::header::{self, ParsedHeader, write_version_negotiation};
use qssl_quic::streams::{RecvState, SendState};
use qssl_quic::{Dir, StreamId};
use qssl_tests::sim::{Envelope, Link, Node, Sim};
use sim_nodes::*;

/// A datagram from `from` to `to`, unmarked.
fn envelope(from: SocketAddr, to: SocketAddr) -> Envelope {
    Envelope {
        from,
        to,
        ecn: None,
    }
}

#[test]
fn handshake_completes_and_confirms() {
    for version in Version::ALL {
        let config = ConnectionConfig {
            version,
            ..ConnectionConfig::default()
        };
        let mut sim = pair(1, config, Link::delay(20));
        sim.run_until(Duration::from_secs(5), established);
        let server = sim.b.conn().unwrap();
        assert_eq!(sim.a.conn_mut().alpn(), Some(common::ALPN));
        assert_eq!(server.alpn(), Some(common::ALPN));
        assert_eq!(
            sim.a.events[..2],
            [Event::HandshakeCompleted, Event::HandshakeConfirmed]
        );
        assert_eq!(
            sim.b.events[..2],
            [Event::HandshakeCompleted, Event::HandshakeConfirmed]
        );
        // One round trip for the client, about 1.5 for the server's confirmation.
        assert!(
            sim.elapsed() < Duration::from_millis(200),
            "{:?}",
            sim.elapsed()
        );
        let rtt = sim.a.conn_mut().rtt();
        assert!(
            rtt >= Duration::from_millis(40) && rtt < Duration::from_millis(60),
            "client RTT {rtt:?}"
        );
        assert_eq!(sim.a.conn_mut().stats().packets_dropped, 0);
        assert_eq!(server.stats().packets_dropped, 0);
        assert!(server.peer_params().is_some());
    }
}

#[test]
fn discarded_initial_and_handshake_spaces_are_freed_for_good() {
    for seed in 1..=10 {
        // Lossy from the start: Handshake packets are sent and received again, and each
        // discards the Initial space once more.
        let link = Link {
            loss: 0.3,
            ..Link::delay(20)
        };
        let mut sim = pair(seed, ConnectionConfig::default(), link);
        sim.a.app.requests = vec![256 << 10];
        assert_eq!(sim.a.conn().resources().spaces, 3);
        sim.run_until(Duration::from_secs(60), established);
        // A transfer with loss, probes and a key update brings none of them back.
        sim.a.conn_mut().request_key_update().unwrap();
        sim.run_until(Duration::from_secs(600), |c, _| c.app.done());
        assert!(sim.a.conn().stats().key_updates >= 1);
        assert_eq!(sim.a.conn().resources().spaces, 1, "seed {seed}");
        assert_eq!(sim.b.conn().unwrap().resources().spaces, 1, "seed {seed}");
        let now = sim.now;
        sim.a.conn_mut().close(now, 0, b"bye");
        sim.run_for(Duration::from_secs(2));
        assert_eq!(sim.a.conn().resources().spaces, 1);
    }
}

#[test]
fn application_close_reaches_the_peer() {
    let mut sim = pair(2, ConnectionConfig::default(), Link::delay(10));
    sim.run_until(Duration::from_secs(5), established);
    let now = sim.now;
    sim.a.conn_mut().close(now, 0x42, b"bye");
    sim.run_until(Duration::from_secs(10), |c, s| {
        c.conn().is_closed() && s.conn().unwrap().is_closed()
    });
    let Some(Event::Closed(theirs)) = sim.b.events.last().cloned() else {
        panic!("server events {:?}", sim.b.events)
    };
    assert_eq!(theirs.error_code, 0x42);
    assert_eq!(theirs.reason, b"bye");
    assert!(!theirs.local && !theirs.transport);
    let Some(Event::Closed(ours)) = sim.a.events.last().cloned() else {
        panic!("client events {:?}", sim.a.events)
    };
    assert!(ours.local);
    assert_eq!(ours.error_code, 0x42);
}

#[test]
fn idle_connections_time_out() {
    let config = ConnectionConfig {
        idle_timeout: Some(Duration::from_secs(3)),
        ..ConnectionConfig::default()
    };
    let mut sim = pair(3, config, Link::delay(10));
    sim.run_until(Duration::from_secs(5), established);
    let established_at = sim.elapsed();
    sim.run_until(Duration::from_secs(10), |c, s| {
        c.conn().is_closed() && s.conn().unwrap().is_closed()
    });
    let idle = sim.elapsed() - established_at;
    assert!(
        idle >= Duration::from_millis(2900) && idle < Duration::from_millis(3500),
        "closed after {idle:?}"
    );
    let info = sim.a.conn_mut().close_info().unwrap();
    assert_eq!(info.reason, b"idle timeout");
    assert_eq!(info.error_code, qssl_quic::conn::IDLE_TIMEOUT_CODE);
    assert!(info.transport && info.local);
}

#[test]
fn handshake_survives_heavy_loss() {
    for seed in 0..20 {
        let link = Link {
            delay: Duration::from_millis(15),
            loss: 0.3,
            ..Link::default()
        };
        let mut sim = pair(seed, ConnectionConfig::default(), link);
        sim.run_until(Duration::from_secs(60), established);
    }
}

#[test]
fn handshake_survives_reordering_duplication_and_corruption() {
    for seed in 0..20 {
        let link = Link {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(15),
            duplicate: 0.2,
            corrupt: 0.1,
            ..Link::default()
        };
        let mut sim = pair(seed, ConnectionConfig::default(), link);
        sim.run_until(Duration::from_secs(60), established);
    }
}

/// Runs `requests` (response sizes) over a fresh pair until every response arrived intact.
fn fetch(
    seed: u64,
    link: Link,
    requests: Vec<usize>,
    limit: Duration,
) -> Sim<ClientNode, ServerNode> {
    let mut sim = pair(seed, ConnectionConfig::default(), link);
    sim.a.app.requests = requests;
    sim.run_until(limit, |c, _| c.app.done());
    sim
}

#[test]
fn transfer_one_megabyte() {
    let sim = fetch(4, Link::delay(10), vec![1 << 20], Duration::from_secs(10));
    assert_eq!(sim.a.conn().stats().packets_dropped, 0);
}

#[test]
fn transfer_under_loss() {
    for (seed, loss) in [(5, 0.05), (6, 0.05), (7, 0.3)] {
        let link = Link {
            delay: Duration::from_millis(10),
            loss,
            ..Link::default()
        };
        fetch(seed, link, vec![200_000], Duration::from_secs(120));
    }
}

#[test]
fn many_concurrent_streams() {
    let sizes: Vec<usize> = (0..50).map(|i| 1000 + i * 997).collect();
    fetch(8, Link::delay(5), sizes, Duration::from_secs(20));
}

#[test]
fn reset_and_stop_sending_carry_codes_both_ways() {
    let mut sim = pair(9, ConnectionConfig::default(), Link::delay(5));
    sim.run_until(Duration::from_secs(5), established);
    // The client resets a stream it opened; the server sees the code.
    let id = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
    sim.a.conn_mut().stream_write(id, b"partial").unwrap();
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.events.contains(&Event::StreamOpened(id))
    });
    sim.a.conn_mut().stream_reset(id, 77).unwrap();
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.events.contains(&Event::StreamReset(id, 77))
    });
    // Reading the stream on the server reported the reset and its code.
    assert_eq!(sim.b.app.resets, [(id, 77)]);
    // The client's sending part records the reset it sent.
    let (state, reset, stopped) = sim.a.conn().stream_send_state(id).unwrap();
    assert!(matches!(
        state,
        SendState::ResetSent | SendState::ResetRecvd
    ));
    assert_eq!((reset, stopped), (Some(77), None));

    // The server asks the client to stop sending on a new stream; the client's stream is
    // reset with that code and writing reports it.
    let id2 = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
    sim.a.conn_mut().stream_write(id2, b"hello").unwrap();
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.events.contains(&Event::StreamOpened(id2))
    });
    sim.b
        .conn_mut()
        .unwrap()
        .stream_stop_sending(id2, 99)
        .unwrap();
    sim.run_until(Duration::from_secs(5), |c, _| {
        c.events.contains(&Event::StreamStopped(id2, 99))
    });
    assert_eq!(
        sim.a.conn_mut().stream_write(id2, b"more"),
        Err(StreamError::Stopped(99))
    );
    let (_, reset, stopped) = sim.a.conn().stream_send_state(id2).unwrap();
    assert_eq!((reset, stopped), (Some(99), Some(99)));
    // The server's receiving part of the stream it asked to stop still exists, in Recv.
    let (state, _) = sim.b.conn().unwrap().stream_recv_state(id2).unwrap();
    assert_eq!(state, RecvState::Recv);
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.events.contains(&Event::StreamReset(id2, 99))
    });
}

#[test]
fn stream_ids_follow_the_rules() {
    let mut sim = pair(10, ConnectionConfig::default(), Link::delay(5));
    assert_eq!(
        sim.a.conn_mut().open_stream(Dir::Bi),
        Err(StreamError::NotReady)
    );
    sim.run_until(Duration::from_secs(5), established);
    let ids: Vec<u64> = (0..3)
        .map(|_| {
            sim.a
                .conn_mut()
                .open_stream(Dir::Bi)
                .unwrap()
                .varint()
                .get()
        })
        .collect();
    assert_eq!(ids, [0, 4, 8]);
    assert_eq!(
        sim.a
            .conn_mut()
            .open_stream(Dir::Uni)
            .unwrap()
            .varint()
            .get(),
        2
    );
    let server = sim.b.conn_mut().unwrap();
    assert_eq!(server.open_stream(Dir::Bi).unwrap().varint().get(), 1);
    assert_eq!(server.open_stream(Dir::Uni).unwrap().varint().get(), 3);
}

/// Fetches `requests` with receive windows of `conn` and `stream` bytes that never grow;
/// neither side may close (any byte beyond a limit would be a FLOW_CONTROL_ERROR).
fn fetch_with_windows(
    seed: u64,
    conn: u64,
    stream: u64,
    requests: Vec<usize>,
) -> Sim<ClientNode, ServerNode> {
    let config = ConnectionConfig {
        initial_max_data: conn,
        max_data_window: conn,
        initial_max_stream_data: stream,
        max_stream_data_window: stream,
        ..ConnectionConfig::default()
    };
    let mut sim = pair(seed, config, Link::delay(5));
    sim.a.app.requests = requests;
    sim.run_until(Duration::from_secs(60), |c, _| c.app.done());
    assert!(sim.a.conn_mut().close_info().is_none());
    assert!(sim.b.conn().unwrap().close_info().is_none());
    sim
}

#[test]
fn tiny_flow_control_windows_are_respected() {
    fetch_with_windows(11, 32 * 1024, 8 * 1024, vec![300_000, 200_000]);
}

#[test]
fn many_streams_waiting_for_credit_all_finish() {
    // Twenty responses share a connection window smaller than one of them: each MAX_DATA
    // wakes the streams waiting for connection credit, each MAX_STREAM_DATA its own stream,
    // and the server says where it is blocked.
    let sim = fetch_with_windows(13, 16 * 1024, 4 * 1024, vec![40_000; 20]);
    assert!(
        sim.b.conn().unwrap().stats().blocked_reports > 0,
        "no *_BLOCKED frame sent"
    );
}

#[test]
fn congestion_window_reacts_to_loss_at_a_bottleneck() {
    let link = Link {
        delay: Duration::from_millis(20),
        bandwidth: Some(2_000_000),
        loss: 0.02,
        ..Link::default()
    };
    let sim = fetch(12, link, vec![2_000_000], Duration::from_secs(60));
    let server = sim.b.conn().unwrap();
    // Losses brought the window down from where unlimited growth would take it.
    assert!(
        server.congestion_window() < 2_000_000,
        "window {}",
        server.congestion_window()
    );
    assert!(sim.stats.dropped[1] > 0);
}

#[test]
fn retry_validates_the_client_address() {
    let mut sim = pair_with(13, ConnectionConfig::default(), Link::delay(10), true);
    sim.run_until(Duration::from_secs(5), established);
    let from_server = sim.a.conn().peer_params().unwrap();
    assert!(
        from_server.retry_source_connection_id.is_some(),
        "the server authenticated its Retry"
    );
    // The Retry cost one extra round trip.
    assert!(sim.elapsed() >= Duration::from_millis(40));
    let mut sim = pair_with(14, ConnectionConfig::default(), Link::delay(10), true);
    sim.a.app.requests = vec![100_000];
    sim.run_until(Duration::from_secs(10), |c, _| c.app.done());
}

/// Answers the client's first Initial with a Version Negotiation listing only version 2, as a
/// server that does not speak version 1 would.
struct OnlyV2 {
    inner: ServerNode,
    answered: bool,
    pending: Option<Vec<u8>>,
}

impl Node for OnlyV2 {
    fn addr(&self) -> SocketAddr {
        self.inner.addr()
    }
    fn receive(&mut self, now: Instant, envelope: Envelope, datagram: &mut [u8]) {
        if !self.answered
            && let Ok((ParsedHeader::Protected(h), _)) = ParsedHeader::parse(datagram, 8)
            && h.version == Some(Version::V1)
        {
            self.answered = true;
            let mut buf = [0u8; 128];
            let mut w = Writer::new(&mut buf);
            write_version_negotiation(&mut w, &h.dcid, &h.scid, &[Version::V2.wire()], 0x3c)
                .unwrap();
            self.pending = Some(w.written().to_vec());
            return;
        }
        self.inner.receive(now, envelope, datagram);
    }
    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, Envelope)> {
        if let Some(vn) = self.pending.take() {
            buf[..vn.len()].copy_from_slice(&vn);
            let envelope = Envelope {
                from: self.inner.addr(),
                to: CLIENT.parse().unwrap(),
                ecn: None,
            };
            return Some((vn.len(), envelope));
        }
        self.inner.transmit(now, buf)
    }
    fn next_timeout(&self) -> Option<Instant> {
        self.inner.next_timeout()
    }
    fn on_timeout(&mut self, now: Instant) {
        self.inner.on_timeout(now);
    }
}

#[test]
fn client_follows_version_negotiation_to_a_common_version() {
    // A server that speaks only v2 answers the client's v1 Initial with Version Negotiation.
    let server = ConnectionConfig {
        versions: vec![Version::V2],
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(
        15,
        ConnectionConfig::default(),
        server,
        Link::delay(10),
        false,
    );
    sim.run_until(Duration::from_secs(5), established);
    assert_eq!(sim.a.conn().version(), Version::V2);
    assert_eq!(sim.b.conn().unwrap().version(), Version::V2);
}

#[test]
fn a_forged_version_negotiation_cannot_move_the_client_off_a_version_both_prefer() {
    // The server speaks v1 and v2, but an attacker's Version Negotiation lists only v2: the
    // server's version_information shows the client would have stayed in v1 (RFC 9368 §4).
    let base = pair(15, ConnectionConfig::default(), Link::delay(10));
    let start = Instant::now();
    let server = OnlyV2 {
        inner: base.b,
        answered: false,
        pending: None,
    };
    let mut sim = Sim::new(15, base.a, server, Link::delay(10), Link::delay(10), start);
    sim.run_until(Duration::from_secs(5), |c, _| {
        c.conn().close_info().is_some()
    });
    let info = sim.a.conn().close_info().expect("the client closed");
    assert_eq!(
        info.error_code,
        qssl_quic::error::TransportErrorCode::VERSION_NEGOTIATION_ERROR.0
    );
}

#[test]
fn server_answers_unknown_versions_with_version_negotiation() {
    let (_, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let now = Instant::now();
    let mut server = Endpoint::new(EndpointConfig::server(server_tls), now, 1);
    let mut initial = vec![0xc0, 0xff, 0x00, 0x00, 0x1d, 4, 1, 2, 3, 4, 2, 9, 9];
    initial.resize(1200, 0);
    let from: SocketAddr = CLIENT.parse().unwrap();
    // Too small to be a first Initial: ignored.
    server.handle_datagram(now, from, &mut initial.clone()[..1199]);
    let mut buf = [0u8; 1500];
    assert!(server.poll_transmit(now, &mut buf).is_none());
    server.handle_datagram(now, from, &mut initial);
    let t = server
        .poll_transmit(now, &mut buf)
        .expect("a Version Negotiation");
    assert_eq!(t.destination, from);
    let (parsed, _) = ParsedHeader::parse(&buf[..t.len], 0).unwrap();
    let ParsedHeader::VersionNegotiation {
        dcid,
        scid,
        versions,
    } = parsed
    else {
        panic!("{parsed:?}")
    };
    assert_eq!(&buf[dcid], &[9, 9]);
    assert_eq!(&buf[scid], &[1, 2, 3, 4]);
    let listed: Vec<u32> = header::versions(&buf[versions]).collect();
    assert!(listed.contains(&Version::V1.wire()) && listed.contains(&Version::V2.wire()));
    assert!(listed.iter().any(|v| qssl_quic::version::is_reserved(*v)));
}

#[test]
fn stateless_reset_after_the_server_forgets_the_connection() {
    let mut sim = pair(16, ConnectionConfig::default(), Link::delay(10));
    sim.run_until(Duration::from_secs(5), established);
    // The server restarts with the same secret (same seed) and no connections.
    let (_, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    sim.b.ep = Endpoint::new(EndpointConfig::server(server_tls), sim.now, 16 ^ 0x5eed);
    sim.b.handle = None;
    let id = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
    sim.a.conn_mut().stream_write(id, b"anyone there?").unwrap();
    sim.run_until(Duration::from_secs(5), |c, _| c.conn().is_closed());
    let info = sim.a.conn().close_info().unwrap();
    assert_eq!(info.reason, b"stateless reset");
    assert!(!info.local);
}

#[test]
fn garbage_datagrams_are_dropped_without_harm() {
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};
    let mut sim = pair(17, ConnectionConfig::default(), Link::delay(10));
    sim.a.app.requests = vec![300_000];
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (client, server): (SocketAddr, SocketAddr) =
        (CLIENT.parse().unwrap(), SERVER.parse().unwrap());
    let mut rounds = 0;
    while !sim.a.app.done() {
        assert!(sim.step(), "stalled");
        rounds += 1;
        if rounds % 5 == 0 {
            let now = sim.now;
            for _ in 0..3 {
                let len = (rng.next_u32() % 1400) as usize;
                let mut junk = vec![0u8; len];
                rng.fill_bytes(&mut junk);
                // Also truncated copies of a plausible short header.
                if len > 10 {
                    junk[0] = 0x40 | (junk[0] & 0x3f);
                }
                sim.a
                    .receive(now, envelope(server, client), &mut junk.clone());
                sim.b.receive(now, envelope(client, server), &mut junk);
            }
        }
        assert!(sim.elapsed() < Duration::from_secs(30));
    }
    assert!(sim.a.conn().close_info().is_none());
    assert!(sim.b.conn().unwrap().close_info().is_none());
}

/// A 20 Mbit/s link with a one-way `delay_ms`: with [`key_update_windows`], a transfer lasts
/// long enough for several key updates three PTOs apart.
fn key_update_link(delay_ms: u64) -> Link {
    Link {
        bandwidth: Some(2_500_000),
        ..Link::delay(delay_ms)
    }
}

/// A receiver's 64 KB flow-control windows, which keep the link's queue (and so the RTT and
/// PTO) short.
fn key_update_windows() -> ConnectionConfig {
    ConnectionConfig {
        initial_max_data: 65_536,
        max_data_window: 65_536,
        initial_max_stream_data: 65_536,
        max_stream_data_window: 65_536,
        ..ConnectionConfig::default()
    }
}

#[test]
fn key_updates_every_n_packets_during_a_transfer() {
    for (seed, loss, jitter) in [(18, 0.0, 0), (19, 0.05, 8)] {
        let link = Link {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(jitter),
            loss,
            ..key_update_link(10)
        };
        let config = ConnectionConfig {
            key_update_interval: Some(40),
            ..key_update_windows()
        };
        let mut sim = pair(seed, config, link);
        sim.a.app.requests = vec![4_000_000];
        sim.run_until(Duration::from_secs(60), |c, _| c.app.done());
        let client = sim.a.conn().stats().key_updates;
        let server = sim.b.conn().unwrap().stats().key_updates;
        assert!(client >= 5, "seed {seed}: client saw {client} updates");
        assert!(server >= 5, "seed {seed}: server saw {server} updates");
        assert!(sim.a.conn().close_info().is_none());
    }
}

#[test]
fn an_endpoint_waits_three_ptos_after_an_update_is_confirmed_before_the_next() {
    // The client would update every 10 packets; the server never starts one. A peer keeps
    // its previous keys for up to three PTOs and may drop a new phase meanwhile (RFC 9001
    // §6.5), so the client's updates are at least three PTOs (each over one 20 ms RTT)
    // apart.
    let client = ConnectionConfig {
        key_update_interval: Some(10),
        ..key_update_windows()
    };
    let mut sim = pair_configs(
        23,
        client,
        ConnectionConfig::default(),
        key_update_link(10),
        false,
    );
    sim.a.app.requests = vec![4_000_000];
    let mut updates_at = Vec::new();
    let mut seen = 0;
    while !sim.a.app.done() {
        assert!(sim.step() && sim.elapsed() < Duration::from_secs(30));
        let updates = sim.a.conn().stats().key_updates;
        if updates > seen {
            seen = updates;
            updates_at.push(sim.elapsed());
        }
    }
    assert!(updates_at.len() >= 3, "{updates_at:?}");
    for gap in updates_at.windows(2).map(|w| w[1] - w[0]) {
        assert!(gap >= Duration::from_millis(60), "{updates_at:?}");
    }
    assert!(sim.a.conn().close_info().is_none());
}

/// A 4 MB fetch over [`key_update_link`] from a server that updates its keys every 25 packets (the client never
/// starts an update).
fn fetch_from_a_server_updating_keys(seed: u64) -> Sim<ClientNode, ServerNode> {
    let server = ConnectionConfig {
        key_update_interval: Some(25),
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(
        seed,
        key_update_windows(),
        server,
        key_update_link(5),
        false,
    );
    sim.a.app.requests = vec![4_000_000];
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    sim
}

#[test]
fn only_one_side_initiating_key_updates_is_followed() {
    // The server updates often; the client never initiates but must follow every time.
    let sim = fetch_from_a_server_updating_keys(20);
    let updates = sim.a.conn().stats().key_updates;
    assert!(updates >= 5, "client followed {updates} updates");
    assert_eq!(updates, sim.b.conn().unwrap().stats().key_updates);
}

#[test]
fn rapid_close_sends_once_and_is_gone() {
    let mut sim = pair(21, ConnectionConfig::default(), Link::delay(10));
    sim.run_until(Duration::from_secs(5), established);
    let now = sim.now;
    sim.a.conn_mut().close_rapid(now, 5, b"now");
    // Gone as soon as the close is sent, without a closing period.
    sim.step();
    assert!(sim.a.conn().is_closed());
    sim.run_until(Duration::from_secs(5), |_, s| s.conn().unwrap().is_closed());
    let Some(Event::Closed(info)) = sim.b.events.last().cloned() else {
        panic!("{:?}", sim.b.events)
    };
    assert_eq!((info.error_code, info.reason.as_slice()), (5, &b"now"[..]));
}

#[test]
fn closing_endpoint_repeats_its_close_when_the_first_is_lost() {
    let mut sim = pair(22, ConnectionConfig::default(), Link::delay(10));
    sim.a.app.requests = vec![20_000_000];
    sim.run_until(Duration::from_secs(10), |c, _| {
        c.app
            .fetches
            .first()
            .is_some_and(|(_, got, _)| *got > 200_000)
    });
    // Everything the client sends is lost for a while: its CONNECTION_CLOSE too. The server
    // keeps sending, and the closing client keeps answering.
    sim.link_mut(0).loss = 1.0;
    let now = sim.now;
    sim.a.conn_mut().close(now, 9, b"enough");
    let lost_until = sim.elapsed() + Duration::from_millis(150);
    while sim.elapsed() < lost_until {
        assert!(sim.step());
    }
    sim.link_mut(0).loss = 0.0;
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().is_closed()
    });
    let Some(Event::Closed(info)) = sim.b.events.last().cloned() else {
        panic!("{:?}", sim.b.events)
    };
    assert_eq!(info.error_code, 9);
    assert!(sim.stats.dropped[0] > 0, "the first close was lost");
}

/// 50 MB through a 20 ms link at `loss`, intact.
fn fifty_megabytes(seed: u64, loss: f64) {
    let link = Link {
        delay: Duration::from_millis(10),
        loss,
        ..Link::default()
    };
    let sim = fetch(seed, link, vec![50 << 20], Duration::from_secs(3600));
    assert!(sim.a.conn().close_info().is_none(), "seed {seed}");
}

#[test]
fn fifty_megabytes_without_loss() {
    fifty_megabytes(30, 0.0);
}

#[test]
fn fifty_megabytes_at_5_percent_loss() {
    fifty_megabytes(31, 0.05);
}

#[test]
fn fifty_megabytes_at_30_percent_loss() {
    fifty_megabytes(32, 0.3);
}

#[test]
fn a_congestion_window_not_in_use_does_not_grow() {
    // A client sending 100 bytes every 20 ms never fills its window: the acknowledgments
    // of five seconds of it leave the window where it started (RFC 9002 §7.8).
    let mut sim = pair(35, ConnectionConfig::default(), Link::delay(5));
    sim.run_until(Duration::from_secs(5), established);
    let start = sim.a.conn().congestion_window();
    let id = sim.a.conn_mut().open_stream(Dir::Uni).unwrap();
    for _ in 0..250 {
        sim.a.conn_mut().stream_write(id, &[1; 100]).unwrap();
        sim.run_for(Duration::from_millis(20));
    }
    assert!(sim.b.conn().unwrap().stats().packets_received > 250);
    assert_eq!(sim.a.conn().congestion_window(), start);
}

#[test]
fn receive_windows_grow_only_to_their_maximum() {
    // A fast reader lets the windows grow (fewer round trips per window), up to the
    // configured maximum: what a peer can make this endpoint buffer stays bounded.
    let config = ConnectionConfig {
        initial_max_data: 256 * 1024,
        max_data_window: 1 << 20,
        initial_max_stream_data: 128 * 1024,
        max_stream_data_window: 512 * 1024,
        ..ConnectionConfig::default()
    };
    let link = Link {
        delay: Duration::from_millis(20),
        bandwidth: Some(50_000_000),
        ..Link::default()
    };
    let mut sim = pair(34, config, link);
    sim.a.app.requests = vec![20 << 20];
    let (mut window, mut unread) = (0, 0);
    sim.run_until(Duration::from_secs(120), |c, _| {
        let r = c.conn().resources();
        window = window.max(r.receive_window);
        unread = unread.max(r.stream_recv_bytes);
        c.app.done()
    });
    assert!(window > 256 * 1024, "the window never grew");
    assert!(window <= 1 << 20, "window {window}");
    assert!(unread <= 512 * 1024, "{unread} bytes held for one stream");
}

/// Runs `run(seed)` for every seed in `seeds`, on as many threads as there are cores.
fn for_seeds(seeds: std::ops::Range<u64>, run: impl Fn(u64) + Sync) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    std::thread::scope(|s| {
        for w in 0..workers {
            let (seeds, run) = (seeds.clone(), &run);
            s.spawn(move || seeds.filter(|seed| seed % workers == w).for_each(run));
        }
    });
}

#[test]
fn fifty_megabytes_arrive_intact_at_30_percent_loss_for_100_seeds() {
    // Every byte is checked against the pattern as it is read.
    for_seeds(1000..1100, |seed| fifty_megabytes(seed, 0.3));
}

#[test]
fn transfers_survive_reordering_duplication_corruption_and_loss_together() {
    let link = Link {
        delay: Duration::from_millis(10),
        jitter: Duration::from_millis(10),
        loss: 0.05,
        duplicate: 0.05,
        corrupt: 0.05,
        ..Link::default()
    };
    for_seeds(2000..2020, |seed| {
        let sim = fetch(
            seed,
            link.clone(),
            vec![50 << 20],
            Duration::from_secs(3600),
        );
        assert!(sim.a.conn().close_info().is_none(), "seed {seed}");
        assert!(
            sim.stats.dropped[0] + sim.stats.dropped[1] > 0,
            "seed {seed}"
        );
    });
}

#[test]
fn probes_back_off_no_further_than_a_sixteenth_of_the_idle_timeout() {
    // The client's acknowledgments are all lost for 25 s: the server's probe timeout backs
    // off, but probes still go out at least every 30 s / 16, so one getting through keeps
    // both idle timers from firing.
    let mut link = Link::delay(10);
    link.blackholes = vec![(Duration::from_millis(100), Duration::from_secs(25))];
    let mut sim = pair(36, ConnectionConfig::default(), Link::delay(10));
    *sim.link_mut(0) = link;
    sim.a.app.requests = vec![50 << 20];
    sim.run_until(Duration::from_secs(1), |_, s| s.conn().is_some());
    let (mut last, mut sent, mut longest) = (sim.elapsed(), sim.stats.sent[1], Duration::ZERO);
    while sim.elapsed() < Duration::from_secs(25) {
        assert!(sim.step());
        if sim.stats.sent[1] != sent {
            if sim.elapsed() > Duration::from_secs(5) {
                longest = longest.max(sim.elapsed() - last);
            }
            (last, sent) = (sim.elapsed(), sim.stats.sent[1]);
        }
    }
    assert!(
        longest <= Duration::from_secs(30) / 16 + Duration::from_millis(50),
        "{longest:?} without a probe"
    );
    sim.run_until(Duration::from_secs(120), |c, _| c.app.done());
}

#[test]
fn transfer_survives_a_blackhole() {
    let link = Link {
        delay: Duration::from_millis(10),
        blackholes: vec![(Duration::from_millis(80), Duration::from_millis(2080))],
        ..Link::default()
    };
    let sim = fetch(33, link, vec![5 << 20], Duration::from_secs(60));
    assert!(
        sim.elapsed() > Duration::from_millis(2080),
        "the outage was felt"
    );
    assert!(sim.stats.dropped[0] + sim.stats.dropped[1] > 0);
}

#[test]
fn lost_flow_control_updates_are_sent_again() {
    // Packets carrying MAX_STREAM_DATA are lost at 5%; without a resend of the current
    // limit the transfer stops at the stream window (1 MiB to start with).
    let link = Link {
        delay: Duration::from_millis(10),
        loss: 0.05,
        ..Link::default()
    };
    fetch(6, link, vec![3 << 20], Duration::from_secs(120));
}

#[test]
fn batched_transmits_are_equal_segments_for_one_system_call() {
    let mut sim = pair(40, ConnectionConfig::default(), Link::delay(5));
    sim.a.app.requests = vec![2_000_000];
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.app
            .streams
            .first()
            .is_some_and(|(_, _, size, _)| size.is_some())
    });
    let now = sim.now;
    let mut buf = vec![0u8; 64 * 1024];
    let (server, client): (SocketAddr, SocketAddr) =
        (SERVER.parse().unwrap(), CLIENT.parse().unwrap());
    // A probe of a larger datagram size goes alone; the data after it goes in batches.
    let t = loop {
        let t = sim
            .b
            .conn_mut()
            .unwrap()
            .poll_transmit_batch(now, &mut buf, 16)
            .expect("the server has data to send");
        if t.len > t.segment_size {
            break t;
        }
        sim.a
            .receive(now, envelope(server, client), &mut buf[..t.len].to_vec());
    };
    let segments: Vec<_> = t.segments().collect();
    assert!(segments.len() > 1, "a batch of {}", segments.len());
    for s in &segments[..segments.len() - 1] {
        assert_eq!(s.len(), t.segment_size);
    }
    assert!(segments.last().unwrap().len() <= t.segment_size);
    // Each segment is a datagram of its own for the client.
    for r in segments {
        sim.a
            .receive(now, envelope(server, client), &mut buf[r].to_vec());
    }
    assert_eq!(sim.a.conn().stats().packets_dropped, 0);
    sim.run_until(Duration::from_secs(20), |c, _| c.app.done());
}

#[test]
fn ecn_ce_marks_are_reported_and_slow_the_sender() {
    let mut sim = pair(41, ConnectionConfig::default(), Link::delay(5));
    sim.a.app.requests = vec![5_000_000];
    sim.run_until(Duration::from_secs(10), |c, _| {
        c.app
            .fetches
            .first()
            .is_some_and(|(_, got, _)| *got > 1_000_000)
    });
    let before = sim.b.conn().unwrap().congestion_window();
    // The server's next datagrams reach the client marked congestion-experienced.
    let mut buf = vec![0u8; 64 * 1024];
    let (now, t) = loop {
        assert!(sim.step());
        let now = sim.now;
        if let Some(t) = sim
            .b
            .conn_mut()
            .unwrap()
            .poll_transmit_batch(now, &mut buf, 8)
        {
            break (now, t);
        }
    };
    let info = DatagramInfo {
        from: SERVER.parse().unwrap(),
        local: Some(CLIENT.parse().unwrap()),
        ecn: Some(EcnCodepoint::Ce),
    };
    for r in t.segments() {
        sim.a
            .ep
            .handle_datagram_with(now, info, &mut buf[r].to_vec());
    }
    sim.a.after();
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().congestion_window() < before
    });
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
}

#[test]
fn reset_streams_give_their_connection_credit_back() {
    // Each reset stream's final size counts against the connection's window; what was never
    // read must be given back, or the connection stalls once resets add up to the window.
    let config = ConnectionConfig {
        initial_max_data: 32 * 1024,
        initial_max_stream_data: 16 * 1024,
        ..ConnectionConfig::default()
    };
    let mut sim = pair(12, config, Link::delay(5));
    sim.run_until(Duration::from_secs(5), established);
    for round in 0..8u64 {
        let id = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
        // The data goes out and is lost; the stream is reset before it is sent again, so
        // the server never receives (or reads) bytes the reset's final size counts.
        sim.link_mut(0).loss = 1.0;
        sim.a.conn_mut().stream_write(id, &[7; 8 * 1024]).unwrap();
        let before = sim.a.conn().stats().packets_sent;
        sim.run_until(Duration::from_secs(5), |c, _| {
            c.conn().stats().packets_sent >= before + 6
        });
        sim.link_mut(0).loss = 0.0;
        sim.a.conn_mut().stream_reset(id, round).unwrap();
        sim.run_until(Duration::from_secs(5), |_, s| {
            s.events.contains(&Event::StreamReset(id, round))
        });
    }
    // After twice the connection's window in reset streams, a request is still answered.
    let id = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
    sim.a.conn_mut().stream_write(id, b"GET 5000\r\n").unwrap();
    sim.a.conn_mut().stream_finish(id).unwrap();
    let mut got = 0;
    let mut buf = [0u8; 8192];
    let began = sim.elapsed();
    loop {
        match sim.a.conn_mut().stream_read(id, &mut buf) {
            Ok(r) => {
                got += r.len;
                if r.fin {
                    break;
                }
            }
            Err(StreamError::WouldBlock) => {
                assert!(
                    sim.elapsed() - began < Duration::from_secs(10),
                    "no answer: the reset streams' credit was not given back"
                );
                assert!(sim.step(), "nothing left to happen");
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(got, 5000);
}

/// A server endpoint with the test configuration.
fn server_endpoint(retry: bool, start: Instant) -> Endpoint {
    let (_, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    Endpoint::new(
        EndpointConfig {
            retry,
            ..EndpointConfig::server(server_tls)
        },
        start,
        41,
    )
}

/// Datagrams waiting to be sent by `ep`.
fn queued(ep: &mut Endpoint, now: Instant) -> usize {
    let mut buf = vec![0u8; 1500];
    std::iter::from_fn(|| ep.poll_transmit(now, &mut buf)).count()
}

#[test]
fn a_flood_of_datagrams_to_answer_queues_a_bounded_number_of_answers() {
    use qssl_quic::endpoint::MAX_QUEUED_ANSWERS;
    let start = Instant::now();
    for retry in [false, true] {
        let mut ep = server_endpoint(retry, start);
        // Unknown versions (Version Negotiation) and short-header packets for no connection
        // (stateless resets), never sent out while they arrive.
        for i in 0..20_000u32 {
            let from: SocketAddr = format!("10.1.{}.{}:4433", i % 250, i / 250 % 250)
                .parse()
                .unwrap();
            let mut vn = vec![0u8; 1200];
            vn[0] = 0xc0;
            vn[1..5].copy_from_slice(&0x1a2a_3a4a_u32.to_be_bytes());
            vn[5] = 8;
            vn[14] = 8;
            ep.handle_datagram(start, from, &mut vn);
            let mut short = vec![0x41u8; 60];
            short[1..9].copy_from_slice(&i.to_be_bytes().repeat(2));
            ep.handle_datagram(start, from, &mut short);
        }
        let n = queued(&mut ep, start);
        assert!(n > 0, "answers are sent");
        assert!(
            n <= MAX_QUEUED_ANSWERS,
            "{n} answers queued (retry {retry})"
        );
    }
}

#[test]
fn clients_beyond_the_incoming_limit_wait_until_connections_are_accepted() {
    use qssl_quic::endpoint::MAX_INCOMING;
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = Instant::now();
    let server_addr: SocketAddr = SERVER.parse().unwrap();
    // Half-open connections never turn Retry on here: every client gets a connection
    // until nobody accepts them.
    let mut server = Endpoint::new(
        EndpointConfig {
            max_unvalidated: usize::MAX,
            ..EndpointConfig::server(server_tls)
        },
        start,
        41,
    );
    let mut buf = vec![0u8; 1500];
    let mut first_datagram = |i: u32| {
        let mut client = Endpoint::new(EndpointConfig::client(), start, u64::from(i));
        client
            .connect(
                start,
                client_tls.clone(),
                "localhost".try_into().unwrap(),
                server_addr,
            )
            .unwrap();
        let t = client.poll_transmit(start, &mut buf).unwrap();
        buf[..t.len].to_vec()
    };
    let clients = MAX_INCOMING as u32 + 200;
    for i in 0..clients {
        let from: SocketAddr = format!("10.2.{}.{}:5000", i % 250, i / 250)
            .parse()
            .unwrap();
        server.handle_datagram(start, from, &mut first_datagram(i));
    }
    let mut accepted = 0;
    while server.accept().is_some() {
        accepted += 1;
    }
    assert_eq!(
        accepted, MAX_INCOMING,
        "no more connections than the limit were made"
    );
    // Once they are accepted, a new client gets a connection.
    let from: SocketAddr = "10.3.0.1:5000".parse().unwrap();
    server.handle_datagram(start, from, &mut first_datagram(clients));
    assert!(server.accept().is_some());
}

/// Starts a client at `from` against `server` and passes datagrams between them for a
/// while (the clock `now` moving on); the client's endpoint and connection.
fn attempt(
    server: &mut Endpoint,
    client_tls: &std::sync::Arc<rustls::ClientConfig>,
    from: &str,
    seed: u64,
    now: &mut Instant,
) -> (Endpoint, ConnectionHandle) {
    let server_addr: SocketAddr = SERVER.parse().unwrap();
    let from: SocketAddr = from.parse().unwrap();
    let mut client = Endpoint::new(EndpointConfig::client(), *now, seed);
    let handle = client
        .connect(
            *now,
            client_tls.clone(),
            "localhost".try_into().unwrap(),
            server_addr,
        )
        .unwrap();
    let mut buf = vec![0u8; 1500];
    for _ in 0..40 {
        *now += Duration::from_millis(5);
        client.handle_timeout(*now);
        server.handle_timeout(*now);
        while let Some(t) = client.poll_transmit(*now, &mut buf) {
            server.handle_datagram(*now, from, &mut buf[..t.len]);
        }
        while let Some(t) = server.poll_transmit(*now, &mut buf) {
            if t.destination == from {
                client.handle_datagram(*now, server_addr, &mut buf[..t.len]);
            }
        }
    }
    (client, handle)
}

/// Whether the client's attempt was refused with CONNECTION_REFUSED.
fn refused(client: &Endpoint, handle: ConnectionHandle) -> bool {
    client
        .get(handle)
        .and_then(|c| c.close_info())
        .is_some_and(|i| i.transport && i.error_code == 0x2 && !i.local)
}

#[test]
fn clients_beyond_the_connection_limits_are_refused() {
    let mut now = Instant::now();
    let (tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let mut server = Endpoint::new(
        EndpointConfig {
            max_connections: 4,
            max_connections_per_address: 2,
            ..EndpointConfig::server(server_tls)
        },
        now,
        48,
    );
    // Two from one address are taken, the third is refused at once.
    for (port, seed) in [(5001, 1), (5002, 2)] {
        let (c, h) = attempt(
            &mut server,
            &tls,
            &format!("10.4.0.1:{port}"),
            seed,
            &mut now,
        );
        assert!(c.get(h).unwrap().is_handshake_complete());
    }
    let (c, h) = attempt(&mut server, &tls, "10.4.0.1:5003", 3, &mut now);
    assert!(refused(&c, h), "{:?}", c.get(h).unwrap().close_info());
    // Other addresses, up to four connections in all.
    for (ip, seed) in [("10.4.0.2", 4), ("10.4.0.3", 5)] {
        let (c, h) = attempt(&mut server, &tls, &format!("{ip}:5000"), seed, &mut now);
        assert!(c.get(h).unwrap().is_handshake_complete());
    }
    let (c, h) = attempt(&mut server, &tls, "10.4.0.4:5000", 6, &mut now);
    assert!(refused(&c, h));
    assert_eq!(server.resources().connections, 4);
    // A connection gone makes room for one more from its address.
    let first = server.accept().unwrap();
    server.remove(first);
    let (c, h) = attempt(&mut server, &tls, "10.4.0.1:5004", 7, &mut now);
    assert!(c.get(h).unwrap().is_handshake_complete());
}

/// A 1200-byte datagram shaped like a client's first Initial (version 1, random
/// connection IDs) whose protected part is junk.
fn junk_initial(n: u64) -> Vec<u8> {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    };
    let mut d: Vec<u8> = (0..1200).map(|_| next()).collect();
    d[0] = 0xc3;
    d[1..5].copy_from_slice(&1u32.to_be_bytes());
    d[5] = 8;
    d[14] = 8;
    d[23] = 0; // no token
    d[24..26].copy_from_slice(&(0x4000u16 | 1174).to_be_bytes());
    d
}

#[test]
fn a_flood_of_junk_initials_makes_nothing_and_a_client_still_connects() {
    for retry in [false, true] {
        let mut now = Instant::now();
        let (tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
        let mut server = Endpoint::new(
            EndpointConfig {
                retry,
                ..EndpointConfig::server(server_tls)
            },
            now,
            49,
        );
        // 10k a second for ten seconds, from 100k addresses.
        for i in 0..100_000u64 {
            if i % 100 == 0 {
                now += Duration::from_millis(10);
                server.handle_timeout(now);
            }
            let from: SocketAddr = format!("10.{}.{}.{}:4433", i % 200, i / 200 % 250, i / 50_000)
                .parse()
                .unwrap();
            server.handle_datagram(now, from, &mut junk_initial(i));
            let r = server.resources();
            assert_eq!(
                (r.connections, r.queued_answers, r.routes),
                (0, 0, 0),
                "junk made state (retry {retry})"
            );
        }
        let (c, h) = attempt(&mut server, &tls, "10.250.0.1:5000", 1, &mut now);
        assert!(c.get(h).unwrap().is_handshake_complete(), "retry {retry}");
    }
}

#[test]
fn a_flood_of_half_open_connections_turns_on_retry() {
    let mut now = Instant::now();
    let (tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let mut server = Endpoint::new(
        EndpointConfig {
            max_unvalidated: 32,
            ..EndpointConfig::server(server_tls)
        },
        now,
        50,
    );
    // Real first Initials from spoofed addresses: nobody answers the server.
    let mut buf = vec![0u8; 1500];
    for i in 0..300u32 {
        let mut client = Endpoint::new(EndpointConfig::client(), now, u64::from(i) + 100);
        client
            .connect(
                now,
                tls.clone(),
                "localhost".try_into().unwrap(),
                SERVER.parse().unwrap(),
            )
            .unwrap();
        let t = client.poll_transmit(now, &mut buf).unwrap();
        let from: SocketAddr = format!("10.5.{}.{}:6000", i % 250, i / 250)
            .parse()
            .unwrap();
        server.handle_datagram(now, from, &mut buf[..t.len]);
        while server.poll_transmit(now, &mut buf).is_some() {}
        let r = server.resources();
        assert!(r.unvalidated <= 32 && r.connections <= 32, "{r:?}");
    }
    // A real client is asked for a Retry and gets through.
    let (c, h) = attempt(&mut server, &tls, "10.6.0.1:5000", 1, &mut now);
    assert!(c.get(h).unwrap().is_handshake_complete());
    // The half-open ones end at the handshake timeout and stop counting.
    now += ConnectionConfig::default().handshake_timeout.unwrap() + Duration::from_secs(1);
    server.handle_timeout(now);
    assert_eq!(server.resources().unvalidated, 0);
}

#[test]
fn a_flood_of_path_challenges_leaves_a_few_responses() {
    use qssl_quic::frame::Frame;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(43, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    assert!(server.get(handle).unwrap().is_handshake_complete());
    let challenges: Vec<Frame<'_>> = (0..10_000u64)
        .map(|i| Frame::PathChallenge(i.to_be_bytes()))
        .collect();
    peer.send(&mut server, start, &challenges);
    assert!(
        server.get(handle).unwrap().resources().path_responses
            <= qssl_quic::conn::MAX_PATH_RESPONSES
    );
    peer.take_from(&mut server, start);
    let responses = peer.count_received(|f| matches!(f, Frame::PathResponse(_)));
    assert!(responses > 0, "challenges are answered");
    assert!(
        responses <= qssl_quic::conn::MAX_PATH_RESPONSES,
        "{responses} PATH_RESPONSEs for one flood"
    );
}

#[test]
fn pings_never_acknowledged_leave_a_bounded_record_of_sent_packets() {
    use qssl_quic::frame::Frame;
    use qssl_quic::recovery::MAX_ACK_ONLY_TRACKED;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(47, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    let mut now = start;
    let mut most = 0;
    for i in 0..100_000u32 {
        peer.send(&mut server, now, &[Frame::Ping]);
        if i % 4 == 0 {
            now += Duration::from_millis(1);
            server.handle_timeout(now);
            peer.take_from(&mut server, now);
        }
        most = most.max(server.get(handle).unwrap().resources().sent_packets);
    }
    let conn = server.get(handle).unwrap();
    assert!(!conn.is_closed());
    assert!(
        conn.stats().packets_sent > 20_000,
        "the PINGs were acknowledged"
    );
    // ACK-only packets up to their cap, the handshake's packets and two probes per
    // probe timeout, which backs off to a sixteenth of the idle timeout at most.
    assert!(
        most <= MAX_ACK_ONLY_TRACKED + 48,
        "{most} sent packets tracked at once"
    );
    // However much the peer sends, a whole idle timeout (30 s) without an acknowledgment
    // of anything ends the connection.
    while !server.get(handle).unwrap().is_closed() {
        assert!(now - start < Duration::from_secs(35), "still open");
        now += Duration::from_millis(10);
        peer.send(&mut server, now, &[Frame::Ping]);
        server.handle_timeout(now);
        peer.take_from(&mut server, now);
    }
    let info = server.get(handle).unwrap().close_info().unwrap();
    assert_eq!(info.reason, b"nothing acknowledged");
}

#[test]
fn an_optimistic_ack_of_a_skipped_packet_number_closes_the_connection() {
    use qssl_quic::frame::Frame;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(51, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    // Enough packets from the server that it skipped a number on the way.
    let mut now = start;
    for _ in 0..600 {
        now += Duration::from_millis(1);
        peer.send(&mut server, now, &[Frame::Ping]);
        server.handle_timeout(now);
        peer.take_from(&mut server, now);
    }
    assert!(!server.get(handle).unwrap().is_closed());
    peer.ack_everything(&mut server, now);
    let info = server.get(handle).unwrap().close_info().expect("closed");
    assert_eq!(
        (info.transport, info.error_code, info.reason.as_slice()),
        (true, 0x0a, &b"acknowledged a packet number never sent"[..])
    );
}

#[test]
fn both_probes_of_a_lost_client_hello_carry_it() {
    use qssl_quic::crypto::initial_keys;
    use qssl_quic::frame::{Frame, FrameIter};
    use qssl_quic::packet::protect::{open, remove_header_protection};
    use qssl_quic::{Side, packet::PacketKind};
    let (client_tls, _) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = Instant::now();
    let mut client = Endpoint::new(EndpointConfig::client(), start, 52);
    client
        .connect(
            start,
            client_tls,
            "localhost".try_into().unwrap(),
            SERVER.parse().unwrap(),
        )
        .unwrap();
    let mut buf = vec![0u8; 1500];
    // The first flight is lost.
    while client.poll_transmit(start, &mut buf).is_some() {}
    let pto = client.poll_timeout().unwrap();
    client.handle_timeout(pto);
    // Whichever probe gets through, the server learns the ClientHello from it.
    let mut probes = 0;
    while let Some(t) = client.poll_transmit(pto, &mut buf) {
        let datagram = &mut buf[..t.len];
        let ParsedHeader::Protected(h) = ParsedHeader::parse(datagram, 0).unwrap().0 else {
            panic!("a protected packet");
        };
        assert_eq!(h.kind, PacketKind::Initial);
        let keys = initial_keys(Version::V1, &h.dcid, Side::Server);
        let packet = &mut datagram[..h.len];
        let un =
            remove_header_protection(packet, h.pn_offset, keys.remote.header.as_ref()).unwrap();
        let pn = un.packet_number(None);
        let body = open(packet, &un, pn, keys.remote.packet.as_ref()).unwrap();
        let crypto = FrameIter::new(&packet[body])
            .filter_map(Result::ok)
            .any(|f| matches!(f, Frame::Crypto(c) if c.offset == 0));
        assert!(crypto, "probe {probes} without the ClientHello");
        probes += 1;
    }
    assert_eq!(probes, 2);
}

#[test]
fn a_server_probe_after_a_lost_first_flight_is_full_size_and_carries_the_whole_flight() {
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = Instant::now();
    let (client_addr, server_addr): (SocketAddr, SocketAddr) =
        (CLIENT.parse().unwrap(), SERVER.parse().unwrap());
    let mut client = Endpoint::new(EndpointConfig::client(), start, 53);
    let handle = client
        .connect(
            start,
            client_tls,
            "localhost".try_into().unwrap(),
            server_addr,
        )
        .unwrap();
    let mut server = Endpoint::new(EndpointConfig::server(server_tls), start, 54);
    let mut buf = vec![0u8; 1500];
    // The ClientHello reaches the server; the server's first flight is lost.
    while let Some(t) = client.poll_transmit(start, &mut buf) {
        server.handle_datagram(start, client_addr, &mut buf[..t.len]);
    }
    while server.poll_transmit(start, &mut buf).is_some() {}
    let pto = server.poll_timeout().unwrap();
    server.handle_timeout(pto);
    let mut probes = Vec::new();
    while let Some(t) = server.poll_transmit(pto, &mut buf) {
        probes.push(buf[..t.len].to_vec());
    }
    assert!(!probes.is_empty(), "no probe");
    for p in &probes {
        // Each carries an ack-eliciting Initial (RFC 9000 §14.1).
        assert!(p.len() >= 1200, "a probe of {} bytes", p.len());
    }
    // The first probe alone brings the client the ServerHello and the Handshake flight.
    client.handle_datagram(pto, server_addr, &mut probes[0]);
    assert!(client.get(handle).unwrap().is_handshake_complete());
}

#[test]
fn a_client_initial_in_a_small_datagram_is_dropped() {
    use qssl_quic::frame::Frame;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(44, ConnectionConfig::default(), start);
    peer.begin(&mut server, start);
    let handle = server.handles()[0];
    let stats = |server: &mut Endpoint| server.get(handle).unwrap().stats();
    let before = stats(&mut server);
    peer.send_initial(&mut server, start, &[Frame::Ping], false);
    let after = stats(&mut server);
    assert_eq!(
        after.packets_received, before.packets_received,
        "not processed"
    );
    assert_eq!(after.packets_dropped, before.packets_dropped + 1);
    // In a full-sized datagram the same is taken, and the handshake goes on.
    peer.send_initial(&mut server, start, &[Frame::Ping], true);
    assert_eq!(
        stats(&mut server).packets_received,
        after.packets_received + 1
    );
    peer.handshake(&mut server, start);
}

#[test]
fn initials_with_a_changed_source_cid_are_dropped() {
    use qssl_quic::cid::ConnectionId;
    use qssl_quic::frame::{CloseKind, ConnectionClose, Frame};
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(46, ConnectionConfig::default(), start);
    peer.begin(&mut server, start);
    let handle = server.handles()[0];
    let real = peer.source_cid();
    // Someone who saw the Initial keys closes "the connection" from another source ID.
    peer.set_source_cid(ConnectionId::new(&[0x5e; 8]).unwrap());
    let close = Frame::ConnectionClose(ConnectionClose {
        error_code: 0x0a,
        kind: CloseKind::Transport { frame_type: 0 },
        reason: b"forged",
    });
    let before = server.get(handle).unwrap().stats();
    peer.send_initial(&mut server, start, &[close], true);
    let conn = server.get(handle).unwrap();
    assert!(
        !conn.is_closed(),
        "closed by a packet from another source ID"
    );
    assert_eq!(conn.stats().packets_dropped, before.packets_dropped + 1);
    // The real source ID goes on with the handshake.
    peer.set_source_cid(real);
    peer.handshake(&mut server, start);
}

#[test]
fn a_server_after_its_handshake_reports_it_and_refuses_more_handshake_data() {
    use qssl_quic::frame::{CryptoFrame, Frame};
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(52, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    let conn = server.get(handle).unwrap();
    assert!(conn.is_handshake_complete());
    // What the handshake negotiated outlives it.
    assert_eq!(conn.alpn(), Some(common::ALPN));
    assert_eq!(conn.sni(), Some("localhost"));
    assert!(conn.cipher_suite().is_some());
    assert!(!conn.is_resumed());
    assert!(conn.peer_certificates().is_none());
    // A KeyUpdate handshake message, which QUIC forbids (RFC 9001 §6): unexpected_message.
    let key_update = [24u8, 0, 0, 1, 0];
    peer.send(
        &mut server,
        start,
        &[Frame::Crypto(CryptoFrame {
            offset: 0,
            data: &key_update,
        })],
    );
    let info = server.get(handle).unwrap().close_info().cloned();
    let info = info.expect("the server closed");
    assert_eq!(
        info.error_code,
        0x100 + 10,
        "CRYPTO_ERROR(unexpected_message)"
    );
}

#[test]
fn a_handshake_kept_alive_with_initial_pings_ends_at_the_handshake_timeout() {
    use qssl_quic::frame::Frame;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(45, ConnectionConfig::default(), start);
    peer.begin(&mut server, start);
    let handle = server.handles()[0];
    // A PING every two seconds keeps the idle timer from ever firing.
    let mut now = start;
    while now < start + Duration::from_secs(60) {
        now += Duration::from_secs(2);
        server.handle_timeout(now);
        if server.get(handle).unwrap().is_closed() {
            break;
        }
        peer.send_initial(&mut server, now, &[Frame::Ping], true);
        peer.take_from(&mut server, now);
    }
    let conn = server.get(handle).unwrap();
    assert!(conn.is_closed(), "still handshaking after a minute");
    assert_eq!(conn.close_info().unwrap().reason, b"handshake timeout");
    let limit = ConnectionConfig::default().handshake_timeout.unwrap();
    assert!(
        now - start <= limit + Duration::from_secs(2),
        "closed after {:?}",
        now - start
    );
}

#[test]
fn datagrams_for_no_connection_earn_no_amplification_credit() {
    let start = Instant::now();
    let config = ConnectionConfig {
        handshake_timeout: Some(Duration::from_secs(600)),
        idle_timeout: Some(Duration::from_secs(600)),
        ..ConnectionConfig::default()
    };
    let (mut server, mut peer) = hostile_pair(46, config, start);
    peer.begin(&mut server, start);
    let sent_after = |server: &mut Endpoint, now: Instant| {
        server.handle_timeout(now);
        let mut buf = vec![0u8; 1500];
        std::iter::from_fn(|| server.poll_transmit(now, &mut buf)).count()
    };
    // The unvalidated client never answers: the server's probes use up three times what it
    // received, then it may send nothing more.
    let mut now = start;
    let mut quiet = 0;
    while quiet < 3 {
        now += Duration::from_secs(20);
        quiet = if sent_after(&mut server, now) == 0 {
            quiet + 1
        } else {
            0
        };
        assert!(
            now - start < Duration::from_secs(500),
            "the server never ran out of credit"
        );
    }
    // Datagrams from the client's address for no connection of it are not the connection's:
    // they must not buy the server more to send.
    for i in 0..20u8 {
        let mut junk = vec![i; 1200];
        junk[0] = 0x40;
        server.handle_datagram(now, peer.addr, &mut junk);
    }
    now += Duration::from_secs(20);
    assert_eq!(
        sent_after(&mut server, now),
        0,
        "junk bought amplification credit"
    );
}

#[test]
fn packets_the_peer_sent_before_seeing_an_update_are_still_read() {
    // The server updates its keys; until the client's packets show the new phase, those in
    // the old one are opened with the old key, not dropped.
    let sim = fetch_from_a_server_updating_keys(23);
    let s = sim.b.conn().unwrap().stats();
    assert!(s.key_updates >= 5, "{} updates", s.key_updates);
    assert_eq!(
        s.packets_dropped, 0,
        "the server dropped packets ({:?})",
        s.last_drop
    );
}

#[test]
fn packets_failing_authentication_past_the_integrity_limit_close_the_connection() {
    use qssl_quic::TransportErrorCode;
    let start = Instant::now();
    let config = ConnectionConfig {
        aead_integrity_limit: Some(100),
        ..ConnectionConfig::default()
    };
    let (mut server, mut peer) = hostile_pair(47, config, start);
    let handle = peer.handshake(&mut server, start);
    peer.send_forged(&mut server, start, 100);
    let conn = server.get(handle).unwrap();
    assert!(
        conn.close_info().is_none(),
        "up to the limit, forgeries are dropped"
    );
    assert_eq!(conn.stats().packets_dropped, 100);
    peer.send_forged(&mut server, start, 1);
    let info = server.get(handle).unwrap().close_info().unwrap();
    assert_eq!(info.error_code, TransportErrorCode::AEAD_LIMIT_REACHED.0);
}

#[test]
fn every_byte_of_a_full_seed_counts() {
    // Two endpoints whose seeds differ in their last byte only start connections with
    // different IDs: nothing of the 256 bits is thrown away.
    let (client_tls, _) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = Instant::now();
    let first_datagram = |seed: [u8; 32]| {
        let mut ep = Endpoint::new(EndpointConfig::client(), start, seed);
        ep.connect(
            start,
            client_tls.clone(),
            "localhost".try_into().unwrap(),
            SERVER.parse().unwrap(),
        )
        .unwrap();
        let mut buf = vec![0u8; 1500];
        ep.poll_transmit(start, &mut buf).unwrap();
        // The long header's destination and source IDs.
        buf[5..5 + 1 + 20].to_vec()
    };
    let mut a = [7u8; 32];
    let same = first_datagram(a);
    assert_eq!(first_datagram(a), same, "a seed gives the same run");
    a[31] ^= 1;
    assert_ne!(first_datagram(a), same);
}

#[test]
fn a_second_key_update_before_the_first_is_acknowledged_is_an_error() {
    use qssl_quic::TransportErrorCode;
    use qssl_quic::frame::Frame;
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(48, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    peer.send(&mut server, start, &[Frame::Ping]);
    // An update the server acknowledges (it sends in the new phase) may be followed by another.
    peer.update_keys();
    peer.send(&mut server, start, &[Frame::Ping]);
    peer.take_from(&mut server, start);
    peer.update_keys();
    peer.send(&mut server, start, &[Frame::Ping]);
    assert!(server.get(handle).unwrap().close_info().is_none());
    assert_eq!(server.get(handle).unwrap().stats().key_updates, 2);
    // One straight after another, with nothing acknowledged in between, is not.
    peer.update_keys();
    peer.send(&mut server, start, &[Frame::Ping]);
    let info = server.get(handle).unwrap().close_info().unwrap();
    assert_eq!(info.error_code, TransportErrorCode::KEY_UPDATE_ERROR.0);
}

#[test]
fn many_small_stream_frames_queue_one_readable_event() {
    use qssl_quic::frame::{Frame, StreamFrame};
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(49, ConnectionConfig::default(), start);
    let handle = peer.handshake(&mut server, start);
    let conn = server.connection(handle).unwrap();
    while conn.poll_event().is_some() {}
    let id = StreamId::from(qssl_quic::coding::VarInt::from_u32(0));
    let data = [7u8; 1];
    let frames: Vec<Frame<'_>> = (0..10_000u64)
        .map(|offset| {
            Frame::Stream(StreamFrame {
                id,
                offset,
                data: &data,
                fin: false,
            })
        })
        .collect();
    peer.send(&mut server, start, &frames);
    let conn = server.connection(handle).unwrap();
    assert!(conn.close_info().is_none());
    assert_eq!(conn.stream_readable(id), 10_000);
    let readable = std::iter::from_fn(|| conn.poll_event())
        .filter(|e| *e == Event::StreamReadable(id))
        .count();
    assert_eq!(readable, 1, "one event for the stream, not one per frame");
}

#[test]
fn a_client_whose_handshake_done_is_lost_reaches_the_server_in_its_probes() {
    // Everything the server sends once the client has completed its handshake is lost: the
    // HANDSHAKE_DONE, the acknowledgments of the client's Finished and request, the probes.
    // The client keeps probing its Handshake space (its handshake is not confirmed), which
    // the server has discarded; its 1-RTT packets have no timer of their own until the
    // confirmation (RFC 9002 §6.2.1), so only probes coalesced into 1-RTT (§6.2.4) reach the
    // server, and with them the ACKs that tell it its HANDSHAKE_DONE was lost.
    let mut sim = pair(4, ConnectionConfig::default(), Link::delay(10));
    sim.a.app.requests = vec![10_000];
    sim.run_until(Duration::from_secs(5), |c, _| {
        c.conn().is_handshake_complete()
    });
    sim.link_mut(1).loss = 1.0;
    sim.run_for(Duration::from_millis(100));
    let server = |sim: &Sim<ClientNode, ServerNode>| sim.b.conn().unwrap().stats();
    assert!(sim.b.conn().unwrap().is_handshake_confirmed());
    assert!(!sim.a.conn().is_handshake_confirmed());
    let heard = server(&sim).packets_received;
    sim.run_for(Duration::from_secs(3));
    assert!(
        server(&sim).packets_received > heard,
        "the server heard nothing decryptable from the client's probes"
    );
    // Once the server's datagrams get through again, the transfer completes.
    sim.link_mut(1).loss = 0.0;
    sim.run_until(Duration::from_secs(60), |c, _| c.app.done());
    assert!(sim.a.conn().is_handshake_confirmed());
}
