//! qssl's QUIC objects as nodes of the simulator ([`sim`](crate::sim)): a client connection
//! or a listener, non-blocking, on a [`ManualClock`] that follows the simulator's virtual
//! time.
//!
//! The object's network BIOs are one end of a datagram pair; the node holds the other end
//! and moves datagrams between it and the simulated links. Before each thing it does the
//! node sets the clock to the simulator's `now`, so the object's timers, RTT samples and
//! idle timeout run on virtual time and a run of minutes takes milliseconds. After every
//! datagram and timer the node accepts new connections (on a listener) and gives the
//! application ([`App`]) its turn on each connection.
//!
//! The pair carries no addresses: each node has a fixed address ([`CLIENT_ADDR`],
//! [`SERVER_ADDR`]) and everything it sends goes to the other.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use qssl::SslCtx;
use qssl::clock::{Clock, ManualClock};
use qssl::quic::{ACCEPT_CONNECTION_NO_BLOCK, Ssl};
use qssl_bio::DatagramBio;

use crate::fixtures::dgram_pair;
use crate::sim::{Envelope, Node};

/// The address of a client node.
pub const CLIENT_ADDR: &str = "10.0.0.1:50000";
/// The address of a listener node.
pub const SERVER_ADDR: &str = "10.0.0.2:4433";

/// Room in each direction of the datagram pair: far more than a congestion window, so the
/// object finds the pair full only if the simulator stops reading.
const PAIR_BUF: usize = 8 << 20;

/// What the application does with a node's connections.
pub trait App {
    /// The application's turn on `conn` (the client connection, or each connection the
    /// listener accepted), after every datagram and timer the node handles, at the node's
    /// time.
    fn run(&mut self, conn: &Ssl);
}

/// No application: the objects only handle events.
impl App for () {
    fn run(&mut self, _conn: &Ssl) {}
}

/// A qssl QUIC object on the simulated network.
#[derive(Debug)]
pub struct SslNode<P: App = ()> {
    /// The client connection or the listener.
    object: Ssl,
    /// The client connection, or the connections the listener accepted, oldest first.
    connections: Vec<Ssl>,
    clock: Arc<ManualClock>,
    /// The simulator's end of the object's datagram pair.
    net: Arc<dyn DatagramBio>,
    addr: SocketAddr,
    peer: SocketAddr,
    /// The application, run after every datagram and timer.
    pub app: P,
}

impl<P: App> SslNode<P> {
    /// A client connection of `ctx` to `host` (its SNI and expected certificate name),
    /// started at `start`: its first flight is waiting to be sent.
    ///
    /// # Panics
    /// If the connection cannot be made or started.
    pub fn client(mut ctx: SslCtx, host: &str, start: Instant, app: P) -> Self {
        let clock = Arc::new(ManualClock::new(start));
        ctx.set_clock(clock.clone());
        let (bio, net) = dgram_pair(PAIR_BUF);
        let conn = Ssl::new(&ctx).expect("a client connection");
        conn.set_bio(Some(bio.clone()), Some(bio))
            .expect("network BIOs");
        conn.set_host_name(host).expect("a host name");
        match conn.connect() {
            Err(e) if e.is_retry() => {}
            other => panic!("a non-blocking connect should wait for the server: {other:?}"),
        }
        SslNode {
            object: conn.clone(),
            connections: vec![conn],
            clock,
            net,
            addr: CLIENT_ADDR.parse().expect("an address"),
            peer: SERVER_ADDR.parse().expect("an address"),
            app,
        }
    }

    /// A listener of `ctx` made with `flags` (`SSL_new_listener`'s), listening from `start`.
    ///
    /// # Panics
    /// If the listener cannot be made or cannot listen.
    pub fn listener(mut ctx: SslCtx, flags: u64, start: Instant, app: P) -> Self {
        let clock = Arc::new(ManualClock::new(start));
        ctx.set_clock(clock.clone());
        let (bio, net) = dgram_pair(PAIR_BUF);
        let listener = Ssl::new_listener(&ctx, flags).expect("a listener");
        listener
            .set_bio(Some(bio.clone()), Some(bio))
            .expect("network BIOs");
        listener.listen().expect("listening");
        SslNode {
            object: listener,
            connections: Vec::new(),
            clock,
            net,
            addr: SERVER_ADDR.parse().expect("an address"),
            peer: CLIENT_ADDR.parse().expect("an address"),
            app,
        }
    }

    /// The client connection, or the first connection the listener accepted.
    pub fn connection(&self) -> Option<&Ssl> {
        self.connections.first()
    }

    /// Accepts what the listener has, then runs the application on every connection.
    fn after(&mut self) {
        if self.object.is_listener() {
            while let Some(conn) = self
                .object
                .accept_connection(ACCEPT_CONNECTION_NO_BLOCK)
                .expect("accepting a connection")
            {
                self.connections.push(conn);
            }
        }
        for conn in &self.connections {
            self.app.run(conn);
        }
    }
}

impl<P: App> Node for SslNode<P> {
    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn receive(&mut self, now: Instant, _envelope: Envelope, datagram: &mut [u8]) {
        self.clock.set(now);
        self.net.write(datagram).expect("room in the datagram pair");
        self.object.handle_events();
        self.after();
    }

    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, Envelope)> {
        self.clock.set(now);
        let len = match self.net.read(buf) {
            Ok(len) => len,
            Err(e) if e.is_non_fatal() && self.object.net_write_desired() => {
                // Datagrams the pair had no room for wait in the object: let it send them.
                self.object.handle_events();
                self.net.read(buf).ok()?
            }
            Err(e) if e.is_non_fatal() => return None,
            Err(e) => panic!("reading the datagram pair: {e}"),
        };
        // The datagram pair carries no ECN marks.
        let envelope = Envelope {
            from: self.addr,
            to: self.peer,
            ecn: None,
        };
        Some((len, envelope))
    }

    fn next_timeout(&self) -> Option<Instant> {
        self.object
            .event_timeout()
            .map(|left| self.clock.now() + left)
    }

    fn on_timeout(&mut self, now: Instant) {
        self.clock.set(now);
        self.object.handle_events();
        self.after();
    }
}
