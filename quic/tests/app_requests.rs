//! What an application asks of a connection besides data, on the deterministic network
//! simulator: key updates on request (RFC 9001 §6, rate-limited as §6.5 requires), PINGs,
//! and keep-alives that hold an idle connection open.

mod common;
mod sim_nodes;

use std::time::Duration;

use qssl_quic::conn::{ConnectionConfig, KeyUpdateError};
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{ClientNode, ServerNode, established, pair, pair_configs};

fn confirmed(seed: u64, config: ConnectionConfig) -> Sim<ClientNode, ServerNode> {
    let mut sim = pair(seed, config, Link::delay(20));
    sim.run_until(Duration::from_secs(5), established);
    assert!(established(&sim.a, &sim.b));
    sim
}

#[test]
fn a_requested_key_update_happens_once_and_the_next_waits_for_its_acknowledgment() {
    let mut sim = pair(1, ConnectionConfig::default(), Link::delay(20));
    assert_eq!(
        sim.a.conn_mut().request_key_update(),
        Err(KeyUpdateError::NotConfirmed)
    );
    sim.run_until(Duration::from_secs(5), established);
    sim.run_for(Duration::from_millis(100));
    let client = sim.a.conn_mut();
    client.request_key_update().unwrap();
    assert_eq!(
        client.request_key_update(),
        Err(KeyUpdateError::InProgress),
        "asked for and not started"
    );
    // With no data to send, a PING carries the update; the peer follows.
    sim.run_for(Duration::from_millis(30));
    assert_eq!(sim.a.conn().stats().key_updates, 1);
    assert_eq!(
        sim.a.conn_mut().request_key_update(),
        Err(KeyUpdateError::InProgress),
        "started, not yet acknowledged"
    );
    sim.run_for(Duration::from_millis(200));
    assert_eq!(sim.b.conn().unwrap().stats().key_updates, 1);
    // Acknowledged: another may be asked for, and starts three PTOs after that ACK.
    sim.a.conn_mut().request_key_update().unwrap();
    sim.run_for(Duration::from_millis(20));
    assert_eq!(
        sim.a.conn().stats().key_updates,
        1,
        "too soon after the last"
    );
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.a.conn().stats().key_updates, 2);
    assert_eq!(sim.b.conn().unwrap().stats().key_updates, 2);
    // Data flows under the new keys, and the server may update too.
    sim.b.conn_mut().unwrap().request_key_update().unwrap();
    sim.a.app.requests = vec![300_000];
    sim.a.app.started = false;
    sim.run_until(Duration::from_secs(10), |c, _| c.app.done());
    assert!(sim.a.app.done());
    assert_eq!(sim.b.conn().unwrap().stats().key_updates, 3);
    assert!(sim.a.conn().close_info().is_none());
}

#[test]
fn a_ping_is_acknowledged() {
    let mut sim = confirmed(2, ConnectionConfig::default());
    sim.run_for(Duration::from_millis(200));
    let before = sim.b.conn().unwrap().stats().packets_received;
    sim.a.conn_mut().ping();
    sim.run_for(Duration::from_millis(100));
    assert_eq!(sim.b.conn().unwrap().stats().packets_received, before + 1);
}

#[test]
fn keep_alives_hold_an_idle_connection_open() {
    let idle = ConnectionConfig {
        idle_timeout: Some(Duration::from_secs(1)),
        ..ConnectionConfig::default()
    };
    let kept = ConnectionConfig {
        keep_alive: Some(Duration::from_millis(300)),
        ..idle.clone()
    };
    // Only the client keeps the connection alive; the server's ACKs are enough for both.
    let mut sim = pair_configs(3, kept, idle.clone(), Link::delay(20), false);
    sim.run_until(Duration::from_secs(5), established);
    sim.run_for(Duration::from_secs(10));
    assert!(sim.a.conn().close_info().is_none());
    assert!(sim.b.conn().unwrap().close_info().is_none());
    // Without keep-alives the same connection idles out.
    let mut sim = confirmed(3, idle);
    sim.run_for(Duration::from_secs(10));
    assert!(sim.a.conn().close_info().is_some());
}
