//! Datagram size on the deterministic network simulator (DPLPMTUD, RFC 8899 with RFC 9000
//! §14.3): datagrams start at 1200 bytes and grow to what the path carries while the
//! application sends, and fall back when the path's MTU shrinks under a transfer; an endpoint
//! that only acknowledges spends no probes.

mod common;
mod sim_nodes;

use std::time::Duration;

use qssl_quic::conn::ConnectionConfig;
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{ClientNode, ServerNode, pair};

/// A client fetching `bytes` over 20 Mbit/s links carrying datagrams up to `mtu`.
fn fetch_over(seed: u64, mtu: Option<usize>, bytes: usize) -> Sim<ClientNode, ServerNode> {
    let link = Link {
        bandwidth: Some(2_500_000),
        mtu,
        ..Link::delay(10)
    };
    let mut sim = pair(seed, ConnectionConfig::default(), link);
    sim.a.app.requests = vec![bytes];
    sim
}

#[test]
fn datagrams_grow_to_the_endpoints_limit_on_a_path_that_carries_it() {
    let mut sim = fetch_over(70, None, 2_000_000);
    assert_eq!(
        sim.a.conn().datagram_size(),
        1200,
        "1200 bytes to start with"
    );
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    assert_eq!(sim.b.conn().unwrap().datagram_size(), 1452);
    // The client's request left before its handshake was confirmed; after it the client only
    // acknowledged, which larger datagrams would not help: it spent no probes.
    assert_eq!(sim.a.conn().datagram_size(), 1200);
}

#[test]
fn datagrams_grow_to_what_a_smaller_path_carries_without_losing_data() {
    let mut sim = fetch_over(71, Some(1350), 8_000_000);
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    // The server's search, made while it sent the file, found the path's size; the client,
    // which sent one request and then only acknowledged, searched while it had data and
    // never went over the path's size.
    let server = sim.b.conn().unwrap().datagram_size();
    assert!(server <= 1350 && server > 1350 - 16, "{server}");
    assert!(sim.a.conn().datagram_size() <= 1350);
    // Only probes were too large (three of each size that failed): no data was lost.
    assert_eq!(sim.stats.dropped[1] % 3, 0, "{:?}", sim.stats);
    assert!(sim.b.conn().unwrap().close_info().is_none());
}

#[test]
fn a_path_whose_mtu_shrinks_is_a_black_hole_and_the_size_falls_back() {
    let mut sim = fetch_over(72, None, 6_000_000);
    sim.run_until(Duration::from_secs(30), |c, _| {
        c.app.fetches.first().is_some_and(|f| f.1 > 1_000_000)
    });
    assert_eq!(sim.b.conn().unwrap().datagram_size(), 1452);
    for dir in [0, 1] {
        sim.link_mut(dir).mtu = Some(1280);
    }
    sim.run_until(Duration::from_secs(60), |c, _| c.app.done());
    let server = sim.b.conn().unwrap();
    assert_eq!(server.stats().mtu_black_holes, 1);
    assert_eq!(server.datagram_size(), 1200);
}
