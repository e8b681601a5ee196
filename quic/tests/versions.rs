//! Compatible version negotiation (RFC 9368) with QUIC v2 (RFC 9369) on the deterministic
//! network simulator: a client that starts in v1 and asks for v2 is switched by the server,
//! also when the first packets are lost; a server that does not switch fails the handshake
//! cleanly; a server that speaks only v2 is reached through Version Negotiation.

mod common;
mod sim_nodes;

use std::time::Duration;

use qssl_quic::Version;
use qssl_quic::conn::ConnectionConfig;
use qssl_quic::error::TransportErrorCode;
use qssl_tests::sim::Link;
use sim_nodes::{established, pair_configs};

fn upgrading() -> ConnectionConfig {
    ConnectionConfig {
        upgrade_to: Some(Version::V2),
        ..ConnectionConfig::default()
    }
}

#[test]
fn a_client_asking_for_v2_is_switched_and_the_transfer_runs_in_v2() {
    for (seed, loss) in [(1, 0.0), (2, 0.2), (3, 0.2), (4, 0.3)] {
        let link = Link {
            loss,
            ..Link::delay(10)
        };
        let mut sim = pair_configs(seed, upgrading(), ConnectionConfig::default(), link, false);
        sim.a.app.requests = vec![200_000];
        sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
        assert!(sim.a.app.done(), "seed {seed}");
        let (client, server) = (sim.a.conn(), sim.b.conn().unwrap());
        assert_eq!(client.version(), Version::V2, "seed {seed}");
        assert_eq!(server.version(), Version::V2, "seed {seed}");
        assert_eq!(
            server.original_version(),
            Version::V1,
            "the client began in v1"
        );
        let info = client
            .peer_params()
            .unwrap()
            .version_information
            .clone()
            .unwrap();
        assert_eq!(info.chosen, Version::V2.wire());
    }
}

#[test]
fn a_client_that_does_not_ask_stays_in_its_version() {
    let mut sim = pair_configs(
        5,
        ConnectionConfig::default(),
        ConnectionConfig::default(),
        Link::delay(10),
        false,
    );
    sim.run_until(Duration::from_secs(5), established);
    assert_eq!(sim.a.conn().version(), Version::V1);
    assert_eq!(sim.b.conn().unwrap().version(), Version::V1);
    // And one that starts in v2 is served in v2.
    let v2 = ConnectionConfig {
        version: Version::V2,
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(6, v2, ConnectionConfig::default(), Link::delay(10), false);
    sim.run_until(Duration::from_secs(5), established);
    assert_eq!(sim.b.conn().unwrap().version(), Version::V2);
}

#[test]
fn a_server_that_does_not_switch_ends_the_upgrading_handshake_at_once() {
    let v1_only = ConnectionConfig {
        versions: vec![Version::V1],
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(7, upgrading(), v1_only, Link::delay(10), false);
    sim.run_until(Duration::from_secs(5), |c, _| {
        c.conn().close_info().is_some()
    });
    let info = sim.a.conn().close_info().expect("closed");
    assert_eq!(
        info.error_code,
        TransportErrorCode::VERSION_NEGOTIATION_ERROR.0
    );
    assert!(
        sim.elapsed() < Duration::from_secs(1),
        "no wait for a timeout"
    );
}

#[test]
fn a_server_speaking_only_v1_answers_a_v2_client_with_version_negotiation() {
    let v2 = ConnectionConfig {
        version: Version::V2,
        ..ConnectionConfig::default()
    };
    let v1_only = ConnectionConfig {
        versions: vec![Version::V1],
        ..ConnectionConfig::default()
    };
    let mut sim = pair_configs(8, v2, v1_only, Link::delay(10), false);
    sim.run_until(Duration::from_secs(5), established);
    assert_eq!(sim.a.conn().version(), Version::V1);
}

#[test]
fn a_client_whose_chosen_version_is_not_its_initials_is_refused() {
    use qssl_quic::endpoint::{Endpoint, EndpointConfig};
    use qssl_quic::transport_params::VersionInformation;
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let start = std::time::Instant::now();
    let mut server = Endpoint::new(EndpointConfig::server(server_tls), start, 3);
    // Its Initial packets are v1, its version_information claims it chose v2 (and prefers
    // v1, so the server stays in v1).
    let mut peer = qssl_tests::hostile::HostileClient::with_params(
        client_tls,
        sim_nodes::CLIENT.parse().unwrap(),
        |p| {
            p.version_information = Some(VersionInformation {
                chosen: Version::V2.wire(),
                available: vec![Version::V1.wire(), Version::V2.wire()],
            });
        },
    );
    let handle = peer.handshake(&mut server, start);
    let info = server
        .get(handle)
        .and_then(|c| c.close_info().cloned())
        .expect("the server closed the connection");
    assert_eq!(
        info.error_code,
        TransportErrorCode::VERSION_NEGOTIATION_ERROR.0
    );
}
