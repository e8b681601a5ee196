//! DATAGRAM frames (RFC 9221) on the deterministic network simulator: negotiation, sizes,
//! both directions, loss (never sent again, counted), bounded queues, and a hostile peer's
//! frames that were not offered or are larger than offered.

mod common;
mod sim_nodes;

use std::time::{Duration, Instant};

use qssl_quic::conn::{ConnectionConfig, DatagramError, Event};
use qssl_quic::error::TransportErrorCode;
use qssl_quic::frame::{DatagramFrame, Frame};
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{ClientNode, ServerNode, established, hostile_pair, pair_configs};

fn with_datagrams(max: u64) -> ConnectionConfig {
    ConnectionConfig {
        max_datagram_frame_size: Some(max),
        ..ConnectionConfig::default()
    }
}

/// A client and server with these settings, run until the handshake is confirmed.
fn connected(
    seed: u64,
    client: ConnectionConfig,
    server: ConnectionConfig,
    link: Link,
) -> Sim<ClientNode, ServerNode> {
    let mut sim = pair_configs(seed, client, server, link, false);
    sim.run_until(Duration::from_secs(5), established);
    assert!(established(&sim.a, &sim.b), "handshake");
    sim
}

/// The datagram numbered `i`: its number, then `len` bytes of it.
fn datagram(i: u16, len: usize) -> Vec<u8> {
    let mut d = i.to_be_bytes().to_vec();
    d.resize(len.max(2), i as u8);
    d
}

#[test]
fn datagrams_flow_both_ways_in_order_on_a_clean_link() {
    let mut sim = connected(
        1,
        with_datagrams(65535),
        with_datagrams(65535),
        Link::delay(10),
    );
    let max = sim.a.conn().datagram_max_size().expect("negotiated");
    // Both sides' datagrams start at 1200 bytes: a short header, a tag and a frame header
    // less than that.
    assert!((1150..1200).contains(&max), "max {max}");
    let sizes = [2, 100, max, 17, max - 1];
    for (i, len) in sizes.iter().enumerate() {
        sim.a
            .conn_mut()
            .datagram_send(&datagram(i as u16, *len))
            .unwrap();
    }
    sim.run_until(Duration::from_secs(1), |_, s| {
        s.conn().unwrap().datagrams_readable() == sizes.len()
    });
    assert!(sim.b.events.contains(&Event::DatagramReceived));
    let server = sim.b.conn_mut().unwrap();
    let mut echoed = 0;
    while let Some(d) = server.datagram_recv() {
        assert_eq!(d, datagram(echoed, sizes[usize::from(echoed)]));
        server.datagram_send(&d).unwrap();
        echoed += 1;
    }
    assert_eq!(usize::from(echoed), sizes.len());
    sim.run_until(Duration::from_secs(1), |c, _| {
        c.conn().datagrams_readable() == sizes.len()
    });
    let client = sim.a.conn_mut();
    for (i, len) in sizes.iter().enumerate() {
        assert_eq!(client.datagram_peek_len(), Some(*len));
        assert_eq!(client.datagram_recv().unwrap(), datagram(i as u16, *len));
    }
    sim.run_for(Duration::from_millis(200));
    let stats = sim.a.conn().datagram_stats();
    assert_eq!((stats.sent, stats.acked, stats.lost), (5, 5, 0));
    assert_eq!((stats.received, stats.recv_dropped), (5, 0));
}

#[test]
fn sizes_follow_the_peers_limit_and_larger_ones_are_refused() {
    // A 100-byte frame: type and a 2-byte length leave 97 bytes of data.
    let mut sim = connected(2, with_datagrams(1000), with_datagrams(100), Link::delay(5));
    let client = sim.a.conn_mut();
    assert_eq!(client.datagram_max_size(), Some(97));
    assert_eq!(
        client.datagram_send(&[0; 98]),
        Err(DatagramError::TooLarge { max: 97 })
    );
    client.datagram_send(&[7; 97]).unwrap();
    sim.run_until(Duration::from_secs(1), |_, s| {
        s.conn().unwrap().datagrams_readable() == 1
    });
    assert_eq!(sim.b.conn_mut().unwrap().datagram_recv(), Some(vec![7; 97]));
}

#[test]
fn a_peer_that_did_not_offer_datagrams_gets_none() {
    let mut sim = connected(
        3,
        with_datagrams(65535),
        ConnectionConfig::default(),
        Link::delay(5),
    );
    assert_eq!(sim.a.conn().datagram_max_size(), None);
    assert_eq!(
        sim.a.conn_mut().datagram_send(b"hi"),
        Err(DatagramError::NotNegotiated)
    );
    // The server may send: the client offered them.
    let server = sim.b.conn_mut().unwrap();
    assert!(server.datagram_max_size().is_some());
    server.datagram_send(b"hello").unwrap();
    sim.run_until(Duration::from_secs(1), |c, _| {
        c.conn().datagrams_readable() == 1
    });
    assert_eq!(sim.a.conn_mut().datagram_recv(), Some(b"hello".to_vec()));
}

#[test]
fn lost_datagrams_are_counted_and_never_sent_again() {
    let link = Link {
        loss: 0.2,
        ..Link::delay(10)
    };
    let server = ConnectionConfig {
        datagram_recv_queue: 1000,
        ..with_datagrams(65535)
    };
    let mut sim = connected(4, with_datagrams(65535), server, link);
    let mut queued = 0u16;
    let deadline = sim.elapsed() + Duration::from_secs(5);
    while queued < 400 && sim.elapsed() < deadline {
        // Fill the queue, let packets take it, repeat.
        while queued < 400
            && sim
                .a
                .conn_mut()
                .datagram_send(&datagram(queued, 500))
                .is_ok()
        {
            queued += 1;
        }
        sim.run_for(Duration::from_millis(20));
    }
    assert_eq!(queued, 400);
    sim.run_for(Duration::from_secs(2));
    let stats = sim.a.conn().datagram_stats();
    let server = sim.b.conn_mut().unwrap();
    let mut received = Vec::new();
    while let Some(d) = server.datagram_recv() {
        received.push(u16::from_be_bytes([d[0], d[1]]));
    }
    assert_eq!(stats.sent, 400);
    assert_eq!(stats.acked + stats.lost, 400, "{stats:?}");
    assert!(stats.lost > 20, "{stats:?}");
    // Each arrives at most once: a lost one is not sent again.
    let mut unique = received.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), received.len());
    assert!(received.len() as u64 >= stats.acked);
    assert!((received.len() as u64) < 400);
}

#[test]
fn queues_are_bounded_and_what_is_dropped_is_counted() {
    let client = ConnectionConfig {
        datagram_send_queue: 8,
        ..with_datagrams(65535)
    };
    let server = ConnectionConfig {
        datagram_recv_queue: 16,
        ..with_datagrams(65535)
    };
    let mut sim = connected(5, client, server, Link::delay(5));
    let mut sent = 0u16;
    for _ in 0..10 {
        let conn = sim.a.conn_mut();
        for _ in 0..8 {
            conn.datagram_send(&datagram(sent, 50)).unwrap();
            sent += 1;
        }
        assert_eq!(
            conn.datagram_send(b"one too many"),
            Err(DatagramError::QueueFull)
        );
        assert_eq!(conn.datagrams_queued(), 8);
        sim.run_for(Duration::from_millis(30));
    }
    // The server never read: it keeps the newest 16 of 80.
    let server = sim.b.conn_mut().unwrap();
    let stats = server.datagram_stats();
    assert_eq!((stats.received, stats.recv_dropped), (80, 64));
    assert_eq!(server.datagrams_readable(), 16);
    assert_eq!(server.datagram_recv(), Some(datagram(64, 50)));
}

#[test]
fn nothing_is_accepted_once_the_connection_closes() {
    let mut sim = connected(
        6,
        with_datagrams(65535),
        with_datagrams(65535),
        Link::delay(5),
    );
    let client = sim.a.conn_mut();
    client.close(Instant::now(), 0, b"bye");
    assert_eq!(
        client.datagram_send(b"late"),
        Err(DatagramError::ConnectionClosed)
    );
}

/// The error a hostile client's frames close the server's connection with.
fn hostile_close(config: ConnectionConfig, frame: Frame<'_>) -> (u64, Option<u64>) {
    let start = Instant::now();
    let (mut server, mut peer) = hostile_pair(7, config, start);
    let handle = peer.handshake(&mut server, start);
    peer.send(&mut server, start, &[frame]);
    let info = server
        .get(handle)
        .and_then(|c| c.close_info().cloned())
        .expect("the connection closed");
    (info.error_code, info.frame_type)
}

#[test]
fn datagrams_not_offered_or_larger_than_offered_are_protocol_violations() {
    let violation = TransportErrorCode::PROTOCOL_VIOLATION.0;
    let small = DatagramFrame { data: b"hello" };
    assert_eq!(
        hostile_close(ConnectionConfig::default(), Frame::Datagram(small)),
        (violation, Some(0x30))
    );
    let big = DatagramFrame { data: &[0; 200] };
    assert_eq!(
        hostile_close(with_datagrams(100), Frame::Datagram(big)),
        (violation, Some(0x30))
    );
    // DATAGRAM is allowed in 0-RTT and 1-RTT packets only (RFC 9221 §4).
    for kind in [
        qssl_quic::packet::PacketKind::Initial,
        qssl_quic::packet::PacketKind::Handshake,
    ] {
        let e = Frame::Datagram(small).check_allowed(kind).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION);
    }
}
