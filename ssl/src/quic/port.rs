//! The port: one endpoint, its network BIOs, and the application-side state of its
//! connections, behind one lock shared by every object on it (listener, connections, streams).
//!
//! Every call locks the port, lets the endpoint catch up with the network ("ticks": reads what
//! arrived, fires due timers, handles events, sends what is due), tries its operation, and
//! sends what the operation queued. A blocking call that cannot complete waits: one waiting
//! thread at a time polls the network BIOs with the endpoint's next deadline as timeout; the
//! others sleep on a condition variable and are woken whenever the poller (or any other
//! call) has moved the state on. A call that changes what the poller should wait for (queued
//! data, an earlier timer) wakes it through a notifier descriptor. No call ever spins or sleeps
//! for a fixed time.
//!
//! The port reads the time only from its clock, the clock of the context its first object
//! was made from. A clock that does not follow real time cannot be waited on: a port on one
//! never blocks (see [`Port::can_wait`]).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use qssl_bio::poll::{self, Notifier, PollItem};
use qssl_quic::conn::{Connection, DatagramInfo, Event};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint};
use rustc_hash::FxHashMap;

use super::conn_state::ConnApp;
use super::domain::DomainPorts;
use super::net::Net;
use super::object::Object;
use super::poll_group::GroupShared;
use super::scope::ConnScopes;
use crate::clock::Clock;
use crate::ctx::{ConnectionVerify, in_connection};
use crate::lock::{ObjectGuard, ObjectLock};
use crate::result::{IoError, IoResult};

/// Most new connections a listener keeps waiting to be accepted; more are refused.
pub(crate) const MAX_ACCEPT_QUEUE: usize = 1024;

/// Identifies a connection's application-side state within its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ConnKey(pub(crate) u64);

/// How a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drive {
    /// Wait until the operation completes instead of reporting WANT_READ/WANT_WRITE.
    pub(crate) blocking: bool,
    /// Tick and try again when the operation would wait (implicit event handling).
    pub(crate) tick: bool,
}

/// How a listener hands out the connections it receives: OpenSSL's listeners use one way for
/// good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handout {
    /// Neither yet.
    Unset,
    /// `SSL_accept_connection` makes an object for each.
    Accept,
    /// `SSL_listen_ex` gives each to an object the application made.
    Listen,
}

/// Everything behind a port's lock.
#[derive(Debug)]
pub(crate) struct PortState {
    /// The sans-I/O endpoint.
    pub(crate) endpoint: Endpoint,
    /// The network BIOs.
    pub(crate) net: Net,
    /// Application-side state of each connection.
    pub(crate) conns: FxHashMap<ConnKey, ConnApp>,
    /// A listener's port: new connections are created from clients' Initials.
    pub(crate) is_listener: bool,
    /// New connections not accepted yet, oldest first.
    pub(crate) incoming: VecDeque<ConnKey>,
    /// How a listener hands out its connections, fixed by the first way used.
    pub(crate) handout: Handout,
    /// Each connection's scope (see `scope`).
    scopes: Arc<ConnScopes>,
    /// A thread is waiting on the network BIOs.
    net_waiter: bool,
    /// Threads sleeping on the condition variable.
    sleepers: usize,
    /// Blocking `SSL_poll` calls waiting on this port among others, each woken through its
    /// own notifier when the state moves on.
    pub(crate) poll_waiters: Vec<Arc<Notifier>>,
    /// The poll groups with objects on this port, each with the port's identity there: told
    /// which connections the port moved on.
    pub(crate) groups: Vec<(Weak<GroupShared>, usize)>,
}

impl PortState {
    /// Wakes the blocking `SSL_poll` calls waiting on the port.
    fn wake_pollers(&self) {
        for n in &self.poll_waiters {
            n.notify();
        }
    }

    /// Adds a connection's state, returning its key.
    pub(crate) fn add_conn(&mut self, app: ConnApp) -> ConnKey {
        let key = self.scopes.next_key();
        self.conns.insert(key, app);
        key
    }

    /// A connection's state and engine connection (`None` before a client connects, or once
    /// the connection has been removed).
    pub(crate) fn conn_mut(
        &mut self,
        key: ConnKey,
    ) -> (Option<&mut ConnApp>, Option<&mut Connection>) {
        let app = self.conns.get_mut(&key);
        let handle = app.as_ref().and_then(|a| a.handle);
        let conn = handle.and_then(|h| self.endpoint.connection(h));
        (app, conn)
    }

    /// The engine connection of `key`, read-only.
    pub(crate) fn conn(&self, key: ConnKey) -> Option<&Connection> {
        let handle = self.conns.get(&key)?.handle?;
        self.endpoint.get(handle)
    }

    /// Catches up with the network and the clock: reads every waiting datagram, fires due
    /// timers, handles the connections' events, and sends what is due.
    pub(crate) fn tick(&mut self, now: Instant) {
        self.net.receive(&mut self.endpoint, now);
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        self.handle_events(now);
        self.net.flush(&mut self.endpoint, now);
    }

    /// Hands a datagram the application received itself to the endpoint, as if read from
    /// the network (`SSL_inject_net_dgram`).
    pub(crate) fn inject(&mut self, now: Instant, info: DatagramInfo, datagram: &[u8]) {
        let mut copy = datagram.to_vec();
        self.endpoint.handle_datagram_with(now, info, &mut copy);
        self.handle_events(now);
        self.net.flush(&mut self.endpoint, now);
    }

    /// Starts the client connection `key` (the application's `object`) on the endpoint,
    /// verifying its server's certificate as `verify` says.
    pub(crate) fn connect(
        &mut self,
        now: Instant,
        (key, object): (ConnKey, Weak<Object>),
        tls: Arc<rustls::ClientConfig>,
        name: rustls::pki_types::ServerName<'static>,
        peer: std::net::SocketAddr,
        verify: Arc<ConnectionVerify>,
    ) -> Result<ConnectionHandle, qssl_quic::TransportError> {
        let handle = in_connection(verify.clone(), || {
            self.endpoint.connect(now, tls, name, peer)
        })?;
        self.scopes.client(handle, key, verify, object);
        Ok(handle)
    }

    /// Sends what is due without reading.
    pub(crate) fn flush(&mut self, now: Instant) {
        self.net.flush(&mut self.endpoint, now);
    }

    /// Takes new connections into the accept queue (refusing them with CONNECTION_REFUSED
    /// once [`MAX_ACCEPT_QUEUE`] wait already) and applies each connection's events.
    fn handle_events(&mut self, now: Instant) {
        if self.is_listener {
            while let Some(handle) = self.endpoint.accept() {
                if self.scopes.is_refused(handle) {
                    // Discarded by the new-pending-connection callback: it never answered.
                    self.endpoint.remove(handle);
                    self.scopes.remove(handle);
                    continue;
                }
                if self.incoming.len() >= MAX_ACCEPT_QUEUE {
                    if let Some(conn) = self.endpoint.connection(handle) {
                        conn.refuse(now, "accept queue full");
                    }
                    self.net.flush(&mut self.endpoint, now);
                    self.endpoint.remove(handle);
                    self.scopes.remove(handle);
                    continue;
                }
                let key = self.scopes.server_key(handle);
                self.conns.insert(key, ConnApp::accepted(handle));
                self.incoming.push_back(key);
                // A connection arriving before `SSL_listen_ex` commits the listener to
                // `SSL_accept_connection`, as OpenSSL's.
                if self.handout == Handout::Unset {
                    self.handout = Handout::Accept;
                }
            }
            self.drop_dead_incoming(now);
        }
        // Only connections with activity since the last look can have events.
        let changed = self.endpoint.take_changed();
        self.tell_groups(&changed);
        for handle in changed {
            let Some(app) = self
                .scopes
                .key(handle)
                .and_then(|key| self.conns.get_mut(&key))
            else {
                continue;
            };
            let Some(conn) = self.endpoint.connection(handle) else {
                continue;
            };
            while let Some(event) = conn.poll_event() {
                match event {
                    Event::StreamOpened(id) => app.on_peer_stream(conn, id),
                    Event::NewToken => {
                        if let (Some((store, server)), Some(token)) =
                            (&app.tokens, conn.take_new_token())
                        {
                            store.insert(server, token);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Tells the poll groups on the port which connections moved on.
    fn tell_groups(&mut self, changed: &[ConnectionHandle]) {
        if self.groups.is_empty() || changed.is_empty() {
            return;
        }
        self.groups.retain(|(g, _)| g.strong_count() > 0);
        let keys: Vec<ConnKey> = changed.iter().filter_map(|h| self.scopes.key(*h)).collect();
        for (group, port) in &self.groups {
            if let Some(group) = group.upgrade() {
                group.ports_moved(*port, &keys);
            }
        }
    }

    /// Forgets connections that ended (a failed or timed-out handshake) before anyone
    /// accepted them: they neither count against the accept queue nor are handed out.
    fn drop_dead_incoming(&mut self, now: Instant) {
        let dead: Vec<ConnKey> = self
            .incoming
            .iter()
            .copied()
            .filter(|key| {
                self.conns
                    .get(key)
                    .and_then(|app| app.handle)
                    .and_then(|h| self.endpoint.get(h))
                    .is_none_or(|conn| conn.is_closed())
            })
            .collect();
        for key in dead {
            self.remove_conn(key, now);
        }
    }

    /// Removes a connection whose last object is gone: closes it at once if it is still open
    /// (sending one CONNECTION_CLOSE) and forgets it.
    pub(crate) fn remove_conn(&mut self, key: ConnKey, now: Instant) {
        let Some(app) = self.conns.remove(&key) else {
            return;
        };
        self.incoming.retain(|k| *k != key);
        let Some(handle) = app.handle else {
            return;
        };
        if let Some(conn) = self.endpoint.connection(handle)
            && !conn.is_closed()
        {
            conn.close_rapid(now, 0, b"");
            self.net.flush(&mut self.endpoint, now);
        }
        self.endpoint.remove(handle);
        self.scopes.remove(handle);
    }

    /// Handle of the connection `key`, if it exists on the endpoint.
    pub(crate) fn handle(&self, key: ConnKey) -> Option<ConnectionHandle> {
        self.conns.get(&key)?.handle
    }
}

/// A port and the means to wait on it.
#[derive(Debug)]
pub(crate) struct Port {
    state: ObjectLock<PortState>,
    /// Where every object on the port reads the time.
    clock: Arc<dyn Clock>,
    progress: Condvar,
    /// The notifier of the thread waiting on the network, while one does: each thread has
    /// one (`poll::thread_notifier`), so a port holds no descriptor of its own for it. `None`
    /// also if the system could not provide one (then waits end only on network activity
    /// or the deadline).
    waiter: Mutex<Option<Arc<Notifier>>>,
    /// The ports of the domain this port is in (a domain's own port names them too).
    domain: Option<Arc<DomainPorts>>,
    /// The scopes of the port's connections (also behind the lock, for the endpoint).
    scopes: Arc<ConnScopes>,
}

impl Port {
    /// A port over `endpoint`, with no BIOs yet, reading the time from `clock`.
    pub(crate) fn new(mut endpoint: Endpoint, is_listener: bool, clock: Arc<dyn Clock>) -> Self {
        let scopes = Arc::new(ConnScopes::default());
        endpoint.set_connection_scope(Some(scopes.clone()));
        let port_scopes = scopes.clone();
        Port {
            state: ObjectLock::new(PortState {
                endpoint,
                net: Net::default(),
                conns: FxHashMap::default(),
                is_listener,
                incoming: VecDeque::new(),
                handout: Handout::Unset,
                scopes: port_scopes,
                net_waiter: false,
                sleepers: 0,
                poll_waiters: Vec::new(),
                groups: Vec::new(),
            }),
            clock,
            progress: Condvar::new(),
            waiter: Mutex::new(None),
            domain: None,
            scopes,
        }
    }

    /// The scopes of the port's connections.
    pub(crate) fn scopes(&self) -> &Arc<ConnScopes> {
        &self.scopes
    }

    /// The port, in the domain whose ports are `ports`.
    pub(crate) fn in_domain(self, ports: Arc<DomainPorts>) -> Self {
        Port {
            domain: Some(ports),
            ..self
        }
    }

    /// The ports of the port's domain, if it is in one.
    pub(crate) fn domain(&self) -> Option<&Arc<DomainPorts>> {
        self.domain.as_ref()
    }

    /// How long until the endpoint's next deadline (zero: now); `None` without one.
    pub(crate) fn event_timeout(&self) -> Option<Duration> {
        let now = self.now();
        let st = self.lock();
        st.endpoint
            .poll_timeout()
            .map(|t| t.saturating_duration_since(now))
    }

    /// The time on the port's clock.
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Whether a call on the port may wait: both network BIOs can be polled and the clock
    /// follows real time (the wait sleeps on the system until the endpoint's next deadline,
    /// which a clock moved by hand would never reach).
    pub(crate) fn can_wait(&self, st: &PortState) -> bool {
        st.net.can_block() && self.clock.is_real_time()
    }

    /// Whether the port's clock follows real time.
    pub(crate) fn is_real_time(&self) -> bool {
        self.clock.is_real_time()
    }

    /// Locks the port. A panic in another thread while it held the lock leaves the state as
    /// that thread left it, which every operation tolerates, so poisoning is ignored.
    ///
    /// # Panics
    /// If this thread holds the lock already: a callback called back into the port.
    pub(crate) fn lock(&self) -> ObjectGuard<'_, PortState> {
        self.state.lock()
    }

    /// Runs `op` under the lock: ticks first if `drive.tick`, then tries `op`; a blocking
    /// drive waits for progress and tries again while `op` reports WANT_READ/WANT_WRITE.
    /// Whatever `op` queued is sent before returning.
    pub(crate) fn drive<T>(
        &self,
        drive: Drive,
        mut op: impl FnMut(&mut PortState, Instant) -> IoResult<T>,
    ) -> IoResult<T> {
        let mut st = self.lock();
        let mut tick = drive.tick;
        loop {
            let mut now = self.now();
            let mut result = op(&mut st, now);
            if tick && matches!(&result, Err(e) if e.is_retry()) {
                // Nothing ready: take in what the network has and run the timers, then try
                // again. What was already there (data and a FIN that arrived before a close)
                // is delivered first, as OpenSSL's calls do.
                st.tick(now);
                now = self.now();
                result = op(&mut st, now);
            }
            let retry = matches!(&result, Err(e) if e.is_retry());
            if !retry || !drive.blocking || !self.can_wait(&st) {
                // With events handled explicitly, what the call queued leaves with the next
                // `handle_events` (as OpenSSL's calls then do not transmit either): writes
                // made one after another go out together.
                if drive.tick {
                    st.flush(now);
                }
                self.announce(&st);
                return result;
            }
            st.flush(now);
            st = self.wait(st, None);
            // `wait` ticked (or another thread did): try again at once.
            tick = false;
        }
    }

    /// Tells waiting threads the state moved on: wakes the network waiter (its deadline or
    /// write interest may have changed) and the sleepers.
    fn announce(&self, st: &PortState) {
        if st.net_waiter {
            self.wake_network_waiter();
        }
        if st.sleepers > 0 {
            self.progress.notify_all();
        }
        st.wake_pollers();
    }

    /// Waits for progress: as the network waiter if there is none (polling the BIOs until
    /// something arrives, room frees up, the deadline passes or another thread notifies, then
    /// ticking), or else asleep until the network waiter or another call reports progress;
    /// in either case for at most `cap`, if given.
    fn wait<'a>(
        &'a self,
        mut st: ObjectGuard<'a, PortState>,
        cap: Option<Duration>,
    ) -> ObjectGuard<'a, PortState> {
        if st.net_waiter {
            st.sleepers += 1;
            let mut st = st.wait(&self.progress, cap);
            st.sleepers -= 1;
            return st;
        }
        st.net_waiter = true;
        let [read, write] = st.net.poll_items();
        let notifier = poll::thread_notifier();
        if let Some(n) = &notifier {
            // Wake-ups meant for this thread's earlier waits.
            n.drain();
        }
        *self.waiter() = notifier.clone();
        let notify = PollItem::readable(
            notifier
                .as_ref()
                .map_or(poll::PollDescriptor::None, |n| n.descriptor()),
        );
        let deadline = st
            .endpoint
            .poll_timeout()
            .map(|t| t.saturating_duration_since(self.now()));
        let timeout = match (deadline, cap) {
            (Some(d), Some(c)) => Some(d.min(c)),
            (d, c) => d.or(c),
        };
        drop(st);
        let mut items = [read, write, notify];
        // A failed poll (nothing pollable and no deadline) is reported by the next try of
        // the operation finding nothing changed; it cannot happen with pollable BIOs.
        let _ = poll::wait(&mut items, timeout);
        let mut st = self.lock();
        st.net_waiter = false;
        *self.waiter() = None;
        st.tick(self.now());
        if st.sleepers > 0 {
            self.progress.notify_all();
        }
        st.wake_pollers();
        st
    }
}

/// The error for a call on a connection whose network failed.
pub(crate) fn network_error(st: &PortState) -> Option<IoError> {
    st.net.failure().map(|e| {
        let err = crate::error::SslError::from(e.clone());
        if err.is_system() {
            IoError::syscall(err)
        } else {
            IoError::ssl(crate::error::SslError::ssl(
                crate::error::ssl_r::QUIC_NETWORK_ERROR,
            ))
        }
    })
}

impl Port {
    /// One turn of a thread assisting the port (`OSSL_QUIC_client_thread_method`): waits, as
    /// the network waiter, for the network or the endpoint's next deadline (at most `cap`),
    /// then ticks and tells the other waiting threads. Without pollable BIOs or a real-time
    /// clock it only sleeps `cap`.
    pub(crate) fn assist(&self, cap: Duration) {
        let st = self.lock();
        if !self.can_wait(&st) {
            drop(st);
            std::thread::sleep(cap);
            return;
        }
        drop(self.wait(st, Some(cap)));
    }

    /// The network waiter's notifier.
    fn waiter(&self) -> MutexGuard<'_, Option<Arc<Notifier>>> {
        self.waiter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the thread waiting on the network, without taking the lock (so it can be called
    /// from anywhere, even while this thread holds it).
    pub(crate) fn wake_network_waiter(&self) {
        if let Some(n) = self.waiter().as_ref() {
            n.notify();
        }
    }

    /// Ticks the port at its clock's time and tells its waiting threads (for callers outside
    /// [`Port::drive`], such as `SSL_poll` and `SSL_handle_events`).
    pub(crate) fn tick_and_announce(&self) {
        let mut st = self.lock();
        st.tick(self.now());
        self.announce(&st);
    }
}
