//! NEW_TOKEN (RFC 9000 §8.1.3) on the deterministic network simulator: a server that
//! validates addresses gives each client a token, and the client's next connection that
//! presents it skips the Retry round trip; a token used twice, presented from another
//! address or too old is not trusted, and the server asks for a Retry instead.

mod common;
mod sim_nodes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl_quic::conn::{ConnectionConfig, Event};
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use qssl_tests::sim::{Link, Sim};
use sim_nodes::{ClientNode, ServerNode, client_node, established};

/// A server endpoint that validates every address, and clients that trust it.
struct World {
    client_tls: Arc<rustls::ClientConfig>,
    server: Option<Endpoint>,
    /// Where the server's clock has got to.
    now: Instant,
    seed: u64,
}

impl World {
    fn new(new_token_lifetime: Option<Duration>) -> Self {
        let (client_tls, server_tls) =
            common::tls_configs(rustls::crypto::ring::default_provider());
        let now = Instant::now();
        let server = Endpoint::new(
            EndpointConfig {
                retry: true,
                new_token_lifetime,
                ..EndpointConfig::server(server_tls)
            },
            now,
            7,
        );
        World {
            client_tls,
            server: Some(server),
            now,
            seed: 1,
        }
    }

    /// One connection from a new client endpoint presenting `token`, run until both sides
    /// confirmed the handshake; the simulation, for a look at both sides.
    fn connect(
        &mut self,
        token: Option<&[u8]>,
        seen_from: Option<&str>,
    ) -> Sim<ClientNode, ServerNode> {
        self.seed += 1;
        let mut client = client_node(
            self.seed,
            ConnectionConfig::default(),
            self.client_tls.clone(),
            self.now,
        );
        if let Some(token) = token {
            client.conn_mut().set_initial_token(token);
        }
        let mut sim = Sim::new(
            self.seed,
            client,
            ServerNode::new(self.server.take().expect("the server")),
            Link::delay(20),
            Link::delay(20),
            self.now,
        );
        if let Some(addr) = seen_from {
            sim.rebind_client(addr.parse().unwrap());
        }
        sim.run_until(Duration::from_secs(5), established);
        assert!(established(&sim.a, &sim.b), "handshake");
        sim.run_for(Duration::from_millis(200));
        sim
    }

    /// Takes the server back from a finished simulation, its clock moved on by `later`.
    fn finish(&mut self, sim: Sim<ClientNode, ServerNode>, later: Duration) {
        self.now += sim.elapsed() + later;
        let Sim { b, .. } = sim;
        self.server = Some(b.ep);
    }
}

/// Whether the connection took a Retry round trip: the server's transport parameters then
/// name the Retry's connection ID.
fn retried(sim: &Sim<ClientNode, ServerNode>) -> bool {
    let params = sim.a.conn().peer_params().expect("the server's parameters");
    params.retry_source_connection_id.is_some()
}

/// The token the client of `sim` received.
fn token(sim: &mut Sim<ClientNode, ServerNode>) -> Vec<u8> {
    assert!(sim.a.events.contains(&Event::NewToken));
    sim.a.conn_mut().take_new_token().expect("a token")
}

#[test]
fn a_returning_client_with_its_token_skips_the_retry_once() {
    let mut world = World::new(Some(Duration::from_secs(3600)));
    let mut first = world.connect(None, None);
    assert!(retried(&first));
    let token = token(&mut first);
    world.finish(first, Duration::from_secs(60));
    let mut second = world.connect(Some(&token), None);
    assert!(!retried(&second), "the token validated the address");
    let next = self::token(&mut second);
    world.finish(second, Duration::ZERO);
    // Each token counts once: the same again takes a Retry, a fresh one does not.
    let third = world.connect(Some(&token), None);
    assert!(retried(&third));
    world.finish(third, Duration::ZERO);
    let fourth = world.connect(Some(&next), None);
    assert!(!retried(&fourth));
}

#[test]
fn tokens_from_another_address_too_old_or_altered_get_a_retry() {
    let mut world = World::new(Some(Duration::from_secs(600)));
    let mut first = world.connect(None, None);
    let token = token(&mut first);
    let mut first_tokens = vec![token];
    for _ in 0..3 {
        world.finish(first, Duration::ZERO);
        first = world.connect(None, None);
        first_tokens.push(self::token(&mut first));
    }
    world.finish(first, Duration::ZERO);
    let other = world.connect(Some(&first_tokens[0]), Some("10.0.0.99:50000"));
    assert!(retried(&other), "another address");
    world.finish(other, Duration::ZERO);
    let mut altered = first_tokens[1].clone();
    altered[20] ^= 1;
    let bad = world.connect(Some(&altered), None);
    assert!(retried(&bad), "altered");
    world.finish(bad, Duration::from_secs(601));
    let old = world.connect(Some(&first_tokens[2]), None);
    assert!(retried(&old), "expired");
}

#[test]
fn a_server_configured_without_tokens_gives_none() {
    let mut world = World::new(None);
    let first = world.connect(None, None);
    assert!(!first.a.events.contains(&Event::NewToken));
}
