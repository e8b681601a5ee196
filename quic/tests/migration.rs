//! Connection migration on the deterministic network simulator (RFC 9000 §8.2, §9): NAT
//! rebinding of the client's port or address mid-transfer, the client's own move with a fresh
//! connection ID, a spoofed source address, a failed validation, and disable_active_migration.

mod common;
mod sim_nodes;

use std::net::SocketAddr;
use std::time::Duration;

use qssl_quic::conn::{ConnectionConfig, MigrationError, PreferredAddressConfig};
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{CLIENT, ClientNode, SERVER, ServerNode, established, pair, pair_configs};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A client fetching `bytes` over a 10 ms link, stopped once a quarter of it has arrived.
fn fetch_started(seed: u64, bytes: usize, config: ConnectionConfig) -> Sim<ClientNode, ServerNode> {
    let mut sim = pair(seed, config, Link::delay(10));
    sim.a.app.requests = vec![bytes];
    sim.run_until(Duration::from_secs(10), |c, _| {
        c.app.fetches.first().is_some_and(|f| f.1 >= bytes / 4)
    });
    sim
}

/// Runs `sim` until the client has its whole response.
fn finish(sim: &mut Sim<ClientNode, ServerNode>) {
    sim.run_until(Duration::from_secs(60), |c, _| c.app.done());
    assert!(sim.a.conn().close_info().is_none());
}

#[test]
fn a_nat_rebinding_of_the_port_mid_transfer_keeps_congestion_state() {
    let mut sim = fetch_started(40, 4_000_000, ConnectionConfig::default());
    let rtt_before = sim.b.conn().unwrap().rtt();
    sim.rebind_client(addr("10.0.0.1:40000"));
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().stats().migrations == 1
    });
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr("10.0.0.1:40000"));
    // Only the port changed: the RTT estimate carries over (RFC 9000 §9.4).
    assert_eq!(server.rtt(), rtt_before);
    finish(&mut sim);
    let server = sim.b.conn().unwrap();
    assert!(server.is_address_validated(), "the new path was validated");
    assert_eq!(server.stats().failed_validations, 0);
}

#[test]
fn a_nat_rebinding_to_a_new_address_starts_congestion_state_over() {
    let mut sim = fetch_started(41, 4_000_000, ConnectionConfig::default());
    sim.rebind_client(addr("10.0.0.9:50000"));
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().stats().migrations == 1
    });
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr("10.0.0.9:50000"));
    assert_eq!(
        server.rtt(),
        Duration::from_millis(333),
        "initial RTT again"
    );
    assert!(!server.is_address_validated());
    finish(&mut sim);
    assert!(sim.b.conn().unwrap().is_address_validated());
}

#[test]
fn a_50_mb_transfer_survives_a_rebinding_every_second() {
    // Without loss: a rebinding whose first datagram is lost leaves a client that only
    // acknowledges with nothing to send, and the server with its old address, until the idle
    // timeout (for any implementation without keep-alives).
    let link = Link {
        bandwidth: Some(2_500_000),
        ..Link::delay(10)
    };
    let mut sim = pair(42, ConnectionConfig::default(), link);
    sim.a.app.requests = vec![50_000_000];
    let mut port = 40000;
    while !sim.a.app.done() {
        let until = sim.elapsed() + Duration::from_secs(1);
        while sim.elapsed() < until && !sim.a.app.done() {
            assert!(sim.step() && sim.elapsed() < Duration::from_secs(300));
        }
        port += 1;
        sim.rebind_client(SocketAddr::new(addr(CLIENT).ip(), port));
    }
    assert!(sim.a.conn().close_info().is_none());
    let migrations = sim.b.conn().unwrap().stats().migrations;
    assert!(migrations >= 20, "{migrations} migrations");
    assert_eq!(sim.b.conn().unwrap().stats().failed_validations, 0);
}

#[test]
fn a_client_migrates_under_loss_with_a_fresh_connection_id_and_retires_the_old() {
    let mut sim = fetch_started(43, 4_000_000, ConnectionConfig::default());
    sim.link_mut(0).loss = 0.03;
    sim.link_mut(1).loss = 0.03;
    let first_cid = *sim.b.conn().unwrap().local_cids().next().unwrap();
    let issued = sim.b.conn().unwrap().local_cids().count();
    let now = sim.now;
    sim.a.conn_mut().migrate(now, addr(SERVER)).unwrap();
    sim.client_seen_as = Some(addr("192.168.1.7:6000"));
    finish(&mut sim);
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr("192.168.1.7:6000"));
    assert_eq!(server.stats().migrations, 1);
    assert!(server.is_address_validated());
    // The client retired the ID it used before; the server issued another in its place.
    assert!(server.local_cids().all(|c| *c != first_cid));
    assert_eq!(server.local_cids().count(), issued);
    assert_eq!(sim.a.conn().stats().migrations, 1);
    assert_eq!(sim.a.conn().stats().failed_validations, 0);
}

#[test]
fn a_client_cannot_migrate_before_confirmation_or_when_the_server_disabled_it() {
    let mut sim = pair(44, ConnectionConfig::default(), Link::delay(10));
    let now = sim.now;
    assert_eq!(
        sim.a.conn_mut().migrate(now, addr(SERVER)),
        Err(MigrationError::HandshakeNotConfirmed)
    );
    let server = ConnectionConfig {
        disable_active_migration: true,
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(
        44,
        ConnectionConfig::default(),
        server,
        Link::delay(10),
        false,
    );
    sim.run_until(Duration::from_secs(5), established);
    let now = sim.now;
    assert_eq!(
        sim.a.conn_mut().migrate(now, addr(SERVER)),
        Err(MigrationError::DisabledByPeer)
    );
}

#[test]
fn a_server_that_disabled_migration_drops_packets_from_a_new_address() {
    let server = ConnectionConfig {
        disable_active_migration: true,
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(
        45,
        ConnectionConfig::default(),
        server,
        Link::delay(10),
        false,
    );
    sim.a.app.requests = vec![4_000_000];
    sim.run_until(Duration::from_secs(10), |c, _| {
        c.app.fetches.first().is_some_and(|f| f.1 > 0)
    });
    sim.client_seen_as = Some(addr("10.0.0.1:40000"));
    sim.run_for(Duration::from_secs(2));
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr(CLIENT));
    assert_eq!(server.stats().migrations, 0);
    assert!(!sim.a.app.done());
}

#[test]
fn a_spoofed_source_gets_three_times_its_bytes_and_the_server_returns() {
    let mut sim = fetch_started(46, 4_000_000, ConnectionConfig::default());
    // One of the client's datagrams reaches the server from a spoofed address first (an
    // on-path attacker's copy, RFC 9000 §9.3.3); the genuine one is then a duplicate.
    sim.client_seen_as = Some(addr(CLIENT));
    sim.spoof_next_client_datagram(addr("203.0.113.5:9999"), true);
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().stats().migrations == 2
    });
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr(CLIENT), "back on the client's path");
    assert!(
        server.is_address_validated(),
        "the old path stays validated"
    );
    finish(&mut sim);
    // What the server sent to the spoofed address, dropped as misaddressed at the client:
    // at most three times what came from there (RFC 9000 §8.1).
    let (to_spoofed, from_spoofed) = (sim.stats.misaddressed_bytes, sim.stats.spoofed_bytes);
    assert!(
        to_spoofed > 0 && to_spoofed <= 3 * from_spoofed,
        "{to_spoofed} for {from_spoofed}"
    );
}

#[test]
fn a_failed_validation_returns_to_the_previous_path() {
    let mut sim = pair(47, ConnectionConfig::default(), Link::delay(10));
    sim.run_until(Duration::from_secs(5), established);
    sim.run_for(Duration::from_millis(200));
    // The server sends something ack-eliciting; the client's acknowledgment comes only from
    // an address that never answers.
    let server = sim.b.conn_mut().unwrap();
    let stream = server.open_stream(qssl_quic::Dir::Uni).unwrap();
    server.stream_write(stream, b"ping").unwrap();
    sim.client_seen_as = Some(addr(CLIENT));
    sim.spoof_next_client_datagram(addr("203.0.113.5:9999"), false);
    sim.run_until(Duration::from_secs(5), |_, s| {
        s.conn().unwrap().stats().migrations == 1
    });
    sim.run_until(Duration::from_secs(10), |_, s| {
        s.conn().unwrap().stats().failed_validations == 1
    });
    let server = sim.b.conn().unwrap();
    assert_eq!(server.remote(), addr(CLIENT));
    assert!(server.is_address_validated());
    assert!(sim.a.conn().close_info().is_none());
}

/// A fetch of `bytes` from a server preferring `preferred`, with `client` settings.
fn fetch_from_a_server_preferring(
    seed: u64,
    preferred: &str,
    client: ConnectionConfig,
    bytes: usize,
) -> Sim<ClientNode, ServerNode> {
    let SocketAddr::V4(v4) = addr(preferred) else {
        unreachable!()
    };
    let server = ConnectionConfig {
        preferred_address: Some(PreferredAddressConfig {
            ipv4: Some(v4),
            ipv6: None,
        }),
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(seed, client, server, Link::delay(10), false);
    sim.a.app.requests = vec![bytes];
    sim
}

#[test]
fn a_client_moves_to_the_servers_preferred_address_with_its_connection_id() {
    let mut sim =
        fetch_from_a_server_preferring(48, "10.0.0.3:443", ConnectionConfig::default(), 2_000_000);
    sim.run_until(Duration::from_secs(5), established);
    let server = sim.b.conn().unwrap();
    // Sequence numbers 0 (the handshake's) and 1 (the preferred address's).
    let first_cid = *server.local_cids().next().unwrap();
    let preferred_cid = *server.local_cids().nth(1).unwrap();
    finish(&mut sim);
    let client = sim.a.conn();
    assert_eq!(client.remote(), addr("10.0.0.3:443"));
    assert_eq!(client.stats().migrations, 1);
    assert_eq!(client.stats().failed_validations, 0);
    let server = sim.b.conn().unwrap();
    // The client retired the handshake's ID and uses the preferred address's.
    assert!(server.local_cids().all(|c| *c != first_cid));
    assert!(server.local_cids().any(|c| *c == preferred_cid));
    assert_eq!(server.remote(), addr(CLIENT), "the client did not move");
}

#[test]
fn an_unreachable_preferred_address_leaves_the_client_where_it_was() {
    let mut sim =
        fetch_from_a_server_preferring(49, "10.0.0.3:443", ConnectionConfig::default(), 2_000_000);
    sim.unreachable.push(addr("10.0.0.3:443"));
    finish(&mut sim);
    let client = sim.a.conn();
    assert_eq!(client.remote(), addr(SERVER));
    assert_eq!(client.stats().failed_validations, 1);
}

#[test]
fn a_client_can_be_told_not_to_follow_a_preferred_address() {
    let client = ConnectionConfig {
        follow_preferred_address: false,
        ..ConnectionConfig::default()
    };
    let mut sim = fetch_from_a_server_preferring(50, "10.0.0.3:443", client, 500_000);
    finish(&mut sim);
    assert_eq!(sim.a.conn().remote(), addr(SERVER));
    assert_eq!(sim.a.conn().stats().migrations, 0);
}
