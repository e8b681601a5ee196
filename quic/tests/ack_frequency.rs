//! The ACK frequency extension (draft-ietf-quic-ack-frequency) between two qssl endpoints on
//! the deterministic network simulator.

mod common;
mod sim_nodes;

use std::time::Duration;

use qssl_quic::conn::ConnectionConfig;
use qssl_tests::sim::{Link, Sim};
use sim_nodes::*;

/// A client fetching `size` bytes over a 20 ms round trip at `loss`, its settings and the
/// server's as given.
fn fetch(
    seed: u64,
    client: ConnectionConfig,
    server: ConnectionConfig,
    loss: f64,
    size: usize,
) -> Sim<ClientNode, ServerNode> {
    let link = Link {
        delay: Duration::from_millis(10),
        loss,
        ..Link::default()
    };
    let mut sim = pair_configs(seed, client, server, link, false);
    sim.a.app.requests = vec![size];
    sim.run_until(Duration::from_secs(600), |c, _| c.app.done());
    assert!(sim.a.app.done(), "seed {seed}: the fetch did not finish");
    assert!(sim.a.conn().close_info().is_none());
    sim
}

fn without() -> ConnectionConfig {
    ConnectionConfig {
        ack_frequency: false,
        ..ConnectionConfig::default()
    }
}

#[test]
fn a_fast_sender_asks_its_receiver_for_fewer_acknowledgments() {
    let size = 16 << 20;
    let on = fetch(
        1,
        ConnectionConfig::default(),
        ConnectionConfig::default(),
        0.0,
        size,
    );
    let off = fetch(1, without(), without(), 0.0, size);
    let server = |sim: &Sim<ClientNode, ServerNode>| sim.b.conn().unwrap().stats();
    assert!(server(&on).ack_frequency_sent >= 1);
    assert_eq!(server(&off).ack_frequency_sent, 0);
    let (acks_on, acks_off) = (
        on.a.conn().stats().acks_sent,
        off.a.conn().stats().acks_sent,
    );
    assert!(
        acks_on * 4 < acks_off,
        "the receiver sent {acks_on} ACKs asked, {acks_off} by RFC 9000's rule"
    );
    // Fewer acknowledgments cost the transfer no time worth speaking of.
    let (t_on, t_off) = (on.elapsed(), off.elapsed());
    assert!(t_on < t_off + t_off / 10, "{t_on:?} against {t_off:?}");
}

#[test]
fn nothing_is_asked_of_a_receiver_that_did_not_advertise_min_ack_delay() {
    // The server takes ACK_FREQUENCY frames but the client (the receiver) does not.
    let sim = fetch(2, without(), ConnectionConfig::default(), 0.0, 4 << 20);
    assert_eq!(sim.b.conn().unwrap().stats().ack_frequency_sent, 0);
    // And a receiver that advertises it but sends nothing worth decimating is asked nothing.
    let sim = fetch(
        3,
        ConnectionConfig::default(),
        ConnectionConfig::default(),
        0.0,
        1000,
    );
    assert_eq!(sim.b.conn().unwrap().stats().ack_frequency_sent, 0);
}

#[test]
fn transfers_with_fewer_acknowledgments_survive_loss() {
    // At 1 % the window grows enough to ask for fewer acknowledgments, and loss goes on; at
    // 5 and 30 % it may never (each fetch asserts that it finishes intact).
    for (seed, loss) in [(4, 0.01), (5, 0.05), (6, 0.3)] {
        let sim = fetch(
            seed,
            ConnectionConfig::default(),
            ConnectionConfig::default(),
            loss,
            4 << 20,
        );
        if loss < 0.05 {
            assert!(sim.b.conn().unwrap().stats().ack_frequency_sent >= 1);
        }
    }
}
