//! 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1) on the deterministic network simulator: a client
//! resuming a session sends its requests in 0-RTT packets and has its answers within one
//! round trip when the server accepts them; when the server rejects them the client sends
//! the same requests again in 1-RTT packets; a Retry makes the client send its early data
//! again; and a replayed first flight gets no early data accepted (single-use tickets).

mod common;
mod sim_nodes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl_quic::Dir;
use qssl_quic::conn::{ConnectionConfig, Event, ZeroRttStatus};
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{CLIENT, ClientNode, ServerNode, client_node};

/// One-way delay of the simulated path: a round trip is 40 ms.
const DELAY_MS: u64 = 20;

/// A client that resumes sessions with early data, and a server that allows it.
struct World {
    client_tls: Arc<rustls::ClientConfig>,
    server_tls: Arc<rustls::ServerConfig>,
    server: Option<Endpoint>,
    now: Instant,
    seed: u64,
}

impl World {
    fn new() -> Self {
        let (client_tls, server_tls) =
            common::tls_configs(rustls::crypto::ring::default_provider());
        let mut client_tls = (*client_tls).clone();
        client_tls.enable_early_data = true;
        let mut server_tls = (*server_tls).clone();
        server_tls.max_early_data_size = u32::MAX;
        let server_tls = Arc::new(server_tls);
        let now = Instant::now();
        let mut world = World {
            client_tls: Arc::new(client_tls),
            server_tls: server_tls.clone(),
            server: None,
            now,
            seed: 1,
        };
        world.restart_server(server_tls, false);
        world
    }

    /// A new server endpoint on `tls` (which may share the session store of the last).
    fn restart_server(&mut self, tls: Arc<rustls::ServerConfig>, retry: bool) {
        self.server = Some(Endpoint::new(
            EndpointConfig {
                retry,
                ..EndpointConfig::server(tls)
            },
            self.now,
            7,
        ));
    }

    /// A client whose requests go out as early data when it can.
    fn client(&mut self, requests: Vec<usize>) -> ClientNode {
        self.seed += 1;
        let mut client = client_node(
            self.seed,
            ConnectionConfig::default(),
            self.client_tls.clone(),
            self.now,
        );
        client.app.requests = requests;
        client.app.early = true;
        // The application's first turn: its requests go out with the first flight.
        client.after();
        client
    }

    fn sim(&mut self, client: ClientNode) -> Sim<ClientNode, ServerNode> {
        Sim::new(
            self.seed,
            client,
            ServerNode::new(self.server.take().expect("the server")),
            Link::delay(DELAY_MS),
            Link::delay(DELAY_MS),
            self.now,
        )
    }

    /// Runs a client fetching `requests` to the end; the simulation and when the fetches
    /// completed.
    fn fetch(&mut self, client: ClientNode) -> (Sim<ClientNode, ServerNode>, Duration) {
        let mut sim = self.sim(client);
        sim.run_until(Duration::from_secs(5), |c, _| c.app.done());
        assert!(sim.a.app.done(), "the fetches completed");
        let took = sim.elapsed();
        // Long enough for the server's session ticket to arrive.
        sim.run_for(Duration::from_millis(200));
        (sim, took)
    }

    /// Takes the server back from a finished simulation.
    fn finish(&mut self, sim: Sim<ClientNode, ServerNode>) {
        self.now += sim.elapsed();
        let Sim { b, .. } = sim;
        self.server = Some(b.ep);
    }

    /// A first, full connection: the client leaves with a ticket allowing early data.
    fn first_visit(&mut self) {
        let client = self.client(vec![100]);
        let (sim, took) = self.fetch(client);
        assert_eq!(sim.a.conn().zero_rtt_status(), ZeroRttStatus::None);
        assert!(
            took >= Duration::from_millis(4 * DELAY_MS),
            "two round trips: {took:?}"
        );
        self.finish(sim);
    }
}

#[test]
fn accepted_early_data_is_answered_within_one_round_trip() {
    let mut world = World::new();
    world.first_visit();
    let client = world.client(vec![1000, 300]);
    let (sim, took) = world.fetch(client);
    assert!(sim.a.conn().is_resumed());
    assert_eq!(sim.a.conn().zero_rtt_status(), ZeroRttStatus::Accepted);
    let server = sim.b.conn().expect("the server's connection");
    assert_eq!(server.zero_rtt_status(), ZeroRttStatus::Accepted);
    assert!(
        took < Duration::from_millis(3 * DELAY_MS),
        "the answers took one round trip: {took:?}"
    );
}

#[test]
fn rejected_early_data_is_sent_again_in_one_rtt_packets() {
    let mut world = World::new();
    world.first_visit();
    // The same sessions, a server that no longer takes early data.
    let mut rejecting = (*world.server_tls).clone();
    rejecting.max_early_data_size = 0;
    world.restart_server(Arc::new(rejecting), false);
    let client = world.client(vec![1000, 300]);
    let (sim, took) = world.fetch(client);
    assert!(sim.a.conn().is_resumed());
    assert_eq!(sim.a.conn().zero_rtt_status(), ZeroRttStatus::Rejected);
    let server = sim.b.conn().expect("the server's connection");
    assert_eq!(server.zero_rtt_status(), ZeroRttStatus::None);
    assert!(
        server.stats().packets_dropped > 0,
        "the 0-RTT packets were dropped"
    );
    assert!(
        took >= Duration::from_millis(4 * DELAY_MS),
        "two round trips: {took:?}"
    );
}

#[test]
fn after_a_retry_early_data_goes_again() {
    let mut world = World::new();
    world.first_visit();
    let tls = world.server_tls.clone();
    world.restart_server(tls, true);
    let client = world.client(vec![2000]);
    let (sim, _) = world.fetch(client);
    let params = sim.a.conn().peer_params().expect("the server's parameters");
    assert!(
        params.retry_source_connection_id.is_some(),
        "a Retry came first"
    );
    assert_eq!(sim.a.conn().zero_rtt_status(), ZeroRttStatus::Accepted);
}

#[test]
fn a_replayed_first_flight_gets_no_early_data_accepted() {
    let mut world = World::new();
    world.first_visit();
    let mut client = world.client(vec![1000]);
    // The requests are written as early data before anything is sent; the first flight
    // (Initial and 0-RTT packets) is what an attacker records.
    assert!(client.conn().is_sending_zero_rtt());
    let mut flight = Vec::new();
    let mut buf = vec![0u8; 1500];
    while let Some(t) = client.ep.poll_transmit(world.now, &mut buf) {
        flight.push(buf[..t.len].to_vec());
    }
    assert!(!flight.is_empty());
    let mut sim = world.sim(client);
    for d in &flight {
        sim.send_from_a(d.clone());
    }
    sim.run_until(Duration::from_secs(5), |c, _| c.app.done());
    assert_eq!(sim.a.conn().zero_rtt_status(), ZeroRttStatus::Accepted);
    // The genuine connection is over; the recorded flight arrives again.
    let handle = sim.b.handle.expect("the server's connection");
    sim.b.ep.remove(handle);
    world.finish(sim);
    let from: SocketAddr = CLIENT.parse().unwrap();
    let server = world.server.as_mut().expect("the server");
    for d in &flight {
        server.handle_datagram(world.now, from, &mut d.clone());
    }
    let replay = server
        .accept()
        .expect("the replayed Initial makes a connection");
    let conn = server.connection(replay).expect("the connection");
    assert_eq!(
        conn.zero_rtt_status(),
        ZeroRttStatus::None,
        "the ticket was used"
    );
    assert!(
        conn.accept_stream(Dir::Bi).is_none(),
        "no early request was read"
    );
    assert!(!std::iter::from_fn(|| conn.poll_event()).any(|e| matches!(e, Event::StreamOpened(_))));
    assert!(
        conn.stats().packets_dropped > 0,
        "the 0-RTT packets were dropped"
    );
}
