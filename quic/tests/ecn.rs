//! ECN end to end on the deterministic network simulator (RFC 9000 §13.4, RFC 9002 §7.1): a
//! path that carries the marks is validated, a middlebox that clears them fails validation
//! and marking stops, and CE marks slow the sender down.

mod common;
mod sim_nodes;

use std::time::Duration;

use qssl_quic::conn::{ConnectionConfig, EcnState};
use qssl_tests::sim::{EcnPath, Link, Sim};
use sim_nodes::{ClientNode, ServerNode, pair};

/// A 2 MB fetch over 10 Mbit/s links that treat ECN marks as `ecn` says.
fn fetch(seed: u64, ecn: EcnPath) -> Sim<ClientNode, ServerNode> {
    let link = Link {
        bandwidth: Some(1_250_000),
        ecn,
        ..Link::delay(10)
    };
    let mut sim = pair(seed, ConnectionConfig::default(), link);
    sim.a.app.requests = vec![2_000_000];
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    sim
}

#[test]
fn a_path_that_carries_the_marks_is_validated_both_ways() {
    let sim = fetch(60, EcnPath::Pass);
    assert_eq!(sim.a.conn().ecn_state(), EcnState::Capable);
    assert_eq!(sim.b.conn().unwrap().ecn_state(), EcnState::Capable);
}

#[test]
fn a_middlebox_that_clears_the_marks_fails_validation_and_the_transfer_goes_on() {
    let sim = fetch(61, EcnPath::Clear);
    assert_eq!(sim.a.conn().ecn_state(), EcnState::Failed);
    assert_eq!(sim.b.conn().unwrap().ecn_state(), EcnState::Failed);
}

#[test]
fn ce_marks_reach_the_congestion_controller() {
    // Without marks the window grows to about a megabyte; with 2% of the datagrams
    // marked CE it stays well below, without a packet lost.
    let clear = fetch(62, EcnPath::Pass);
    let marked = fetch(62, EcnPath::MarkCe(0.02));
    let server = marked.b.conn().unwrap();
    assert_eq!(server.ecn_state(), EcnState::Capable);
    let (with, without) = (
        server.congestion_window(),
        clear.b.conn().unwrap().congestion_window(),
    );
    assert!(
        with * 2 < without,
        "window {with} with CE marks, {without} without"
    );
    assert_eq!(marked.stats.dropped, [0, 0]);
}

#[test]
fn ecn_off_marks_nothing() {
    let config = ConnectionConfig {
        ecn: false,
        ..ConnectionConfig::default()
    };
    let mut sim = pair(63, config, Link::delay(10));
    sim.a.app.requests = vec![100_000];
    sim.run_until(Duration::from_secs(10), |c, _| c.app.done());
    assert_eq!(sim.a.conn().ecn_state(), EcnState::Off);
}
