//! Registration-based waiting on many QUIC objects (`QSSL_POLL_GROUP`, beyond OpenSSL): an
//! object is registered once with the events it is wanted for and a token, and a wait returns
//! the tokens of only the objects that are ready, at a cost that follows how many are ready
//! and how many the network moved on, not how many are registered.
//!
//! How it knows without looking at every object: each port tells the groups it serves which
//! connections the network or time moved on (a datagram, a timer, a transmit) whenever it
//! handles events, and a wait looks only at the objects of those connections, at the objects
//! registered or changed since the last wait, at those it reported ready last time (the events
//! are level-triggered: an object stays reported while it is ready), and at listeners. The
//! ports' sockets are registered once in a [`Reactor`] (mio), so a wait that finds nothing
//! sleeps on it until a socket has data, a timer of one of the ports is due, another thread
//! changes a port, or the timeout passes.
//!
//! A group is itself a [`mio::event::Source`]: a program registers it in its own `mio::Poll`
//! next to its other sockets, waits there with [`PollGroup::timeout`] as the timeout (the
//! ports' timers), and calls [`PollGroup::wait`] with a zero timeout when the group's token is
//! reported or the timeout passed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use qssl_bio::reactor::{Reactor, ReactorWaker, Registrar};

use super::object::{Object, Ssl};
use super::port::{ConnKey, Port};
use super::port_watch::PortWatch;
use crate::clock::{Clock, SystemClock};
use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// One ready object: its token and the events it has of those it was registered for
/// (`QSSL_POLL_EVENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollEvent {
    /// The token the object was registered with.
    pub token: u64,
    /// Its events (`SSL_POLL_EVENT_*`), never zero.
    pub revents: u64,
}

/// Objects registered once and waited on together (see the module documentation).
#[derive(Debug)]
pub struct PollGroup {
    state: Mutex<GroupState>,
    /// Taken by the thread that sleeps on the ports' sockets.
    reactor: Mutex<Reactor>,
    /// The reactor's descriptor.
    fd: std::os::fd::RawFd,
    shared: Arc<GroupShared>,
}

/// What the group's ports reach: where they report the connections they moved on.
#[derive(Debug)]
pub(crate) struct GroupShared {
    /// (port, connection) pairs moved on since the group last looked.
    moved: Mutex<Vec<(usize, ConnKey)>>,
    /// A wait sleeps, or the group is registered in another poll: reports wake it.
    listening: AtomicBool,
    nested: AtomicBool,
    waker: ReactorWaker,
}

impl GroupShared {
    /// A port (`port`, its identity) moved these connections on.
    pub(crate) fn ports_moved(&self, port: usize, keys: &[ConnKey]) {
        if keys.is_empty() {
            return;
        }
        lock(&self.moved).extend(keys.iter().map(|k| (port, *k)));
        if self.listening.load(Ordering::SeqCst) || self.nested.load(Ordering::SeqCst) {
            self.waker.wake();
        }
    }
}

/// One registration.
#[derive(Debug)]
struct Registration {
    obj: Weak<Object>,
    events: u64,
    token: u64,
    port: usize,
    conn: Option<ConnKey>,
}

/// A port with registrations in the group.
#[derive(Debug)]
struct Watched {
    port: Arc<Port>,
    registrations: usize,
    /// Its socket's registration in the reactor.
    watch: PortWatch,
}

#[derive(Debug)]
struct GroupState {
    registrar: Registrar,
    registrations: HashMap<usize, Registration>,
    by_conn: HashMap<(usize, ConnKey), Vec<usize>>,
    /// Listeners and domains: looked at on every wait (their events are the port's).
    port_level: HashSet<usize>,
    ports: HashMap<usize, Watched>,
    /// Registrations to look at on the next wait whatever moved: new, changed, or ready.
    recheck: HashSet<usize>,
    /// The wait that last reported each registration: the ready ones are reported longest
    /// waiting first, so that those a full buffer left out get their turn.
    reported: HashMap<usize, u64>,
    /// Waits so far.
    turn: u64,
    /// Registrations the last look examined.
    looked: usize,
}

/// Locks a mutex whose holder cannot leave it inconsistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The identity of an object or port: its address, stable while it lives.
fn id<T>(arc: &Arc<T>) -> usize {
    Arc::as_ptr(arc) as usize
}

impl PollGroup {
    /// An empty group (`QSSL_POLL_GROUP_new`).
    #[track_caller]
    pub fn new() -> Result<Self, SslError> {
        let reactor = Reactor::new().map_err(|e| SslError::from(e).raise())?;
        let registrar = reactor.registrar().map_err(|e| SslError::from(e).raise())?;
        Ok(PollGroup {
            shared: Arc::new(GroupShared {
                moved: Mutex::new(Vec::new()),
                listening: AtomicBool::new(false),
                nested: AtomicBool::new(false),
                waker: reactor.waker(),
            }),
            state: Mutex::new(GroupState {
                registrar,
                registrations: HashMap::new(),
                by_conn: HashMap::new(),
                port_level: HashSet::new(),
                ports: HashMap::new(),
                recheck: HashSet::new(),
                reported: HashMap::new(),
                turn: 0,
                looked: 0,
            }),
            fd: std::os::fd::AsRawFd::as_raw_fd(&reactor),
            reactor: Mutex::new(reactor),
        })
    }

    /// Registers `ssl` for `events` (`SSL_POLL_EVENT_*`) under `token`
    /// (`QSSL_POLL_GROUP_add`). An object already in the group is refused
    /// (`SSL_R_PASSED_INVALID_ARGUMENT`); the group holds no reference to it: an object freed
    /// while registered, or given up with [`Ssl::release`] (a C `SSL_free` of a connection
    /// whose streams keep it alive), leaves the group.
    #[track_caller]
    pub fn add(&self, ssl: &Ssl, events: u64, token: u64) -> Result<(), SslError> {
        let mut st = lock(&self.state);
        let key = id(&ssl.obj);
        if st.registrations.contains_key(&key) {
            return Err(invalid("the object is in the group already"));
        }
        let port = &ssl.obj.port;
        let port_id = id(port);
        if !st.ports.contains_key(&port_id) {
            let watch = PortWatch::new(port, &st.registrar, port_id)
                .map_err(|e| SslError::from(e).raise())?;
            port.lock()
                .groups
                .push((Arc::downgrade(&self.shared), port_id));
            st.ports.insert(
                port_id,
                Watched {
                    port: port.clone(),
                    registrations: 0,
                    watch,
                },
            );
        }
        if let Some(w) = st.ports.get_mut(&port_id) {
            w.registrations += 1;
        }
        let conn = ssl.conn_key();
        match conn {
            Some(c) => st.by_conn.entry((port_id, c)).or_default().push(key),
            None => {
                st.port_level.insert(key);
            }
        }
        st.registrations.insert(
            key,
            Registration {
                obj: Arc::downgrade(&ssl.obj),
                events,
                token,
                port: port_id,
                conn,
            },
        );
        st.recheck.insert(key);
        drop(st);
        self.shared.waker.wake();
        Ok(())
    }

    /// Changes the events and token of a registered object (`QSSL_POLL_GROUP_modify`).
    #[track_caller]
    pub fn modify(&self, ssl: &Ssl, events: u64, token: u64) -> Result<(), SslError> {
        let mut st = lock(&self.state);
        let key = id(&ssl.obj);
        let Some(reg) = st.registrations.get_mut(&key) else {
            return Err(invalid("the object is not in the group"));
        };
        reg.events = events;
        reg.token = token;
        st.recheck.insert(key);
        drop(st);
        self.shared.waker.wake();
        Ok(())
    }

    /// Takes an object out of the group (`QSSL_POLL_GROUP_remove`).
    #[track_caller]
    pub fn remove(&self, ssl: &Ssl) -> Result<(), SslError> {
        let mut st = lock(&self.state);
        if st.forget(id(&ssl.obj), &self.shared) {
            Ok(())
        } else {
            Err(invalid("the object is not in the group"))
        }
    }

    /// How many objects are registered.
    pub fn len(&self) -> usize {
        lock(&self.state).registrations.len()
    }

    /// Whether no object is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A descriptor that polls readable whenever a [`wait`](Self::wait) might return
    /// something (network activity on the ports' sockets, a change another thread made), for
    /// a program that waits in its own `poll` or `epoll` loop: it waits at most
    /// [`timeout`](Self::timeout), then waits on the group with a zero timeout. From the first
    /// call on, changes other threads make always wake the descriptor.
    pub fn descriptor(&self) -> std::os::fd::RawFd {
        self.shared.nested.store(true, Ordering::SeqCst);
        self.fd
    }

    /// How many registrations the last wait examined (its last look, if it looked more than
    /// once): the ready and the moved ones, not every registered one. For measuring.
    pub fn looked_at(&self) -> usize {
        lock(&self.state).looked
    }

    /// How long until the earliest timer of the group's ports is due (zero: now); `None`
    /// without one. A program waiting on the group inside its own `mio::Poll` waits at most
    /// this long, then calls [`wait`](Self::wait).
    pub fn timeout(&self) -> Option<Duration> {
        self.ports().iter().filter_map(|p| p.event_timeout()).min()
    }

    /// The ports the group's objects are on.
    fn ports(&self) -> Vec<Arc<Port>> {
        lock(&self.state)
            .ports
            .values()
            .map(|w| w.port.clone())
            .collect()
    }

    /// Waits until at least one registered object is ready, for at most `timeout` (`None`:
    /// without limit; zero: only looks), and puts up to `max` of the ready ones in `out`
    /// (cleared first); returns how many (`QSSL_POLL_GROUP_wait`). Ready objects beyond `max`
    /// are reported by the next wait. The group's ports handle their events first (as
    /// `SSL_poll` does). If a port's clock does not follow real time, the call does not
    /// sleep. One thread sleeps at a time; others calling meanwhile wait their turn.
    #[track_caller]
    pub fn wait(
        &self,
        out: &mut Vec<PollEvent>,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<usize, SslError> {
        out.clear();
        if max == 0 {
            return Err(invalid("room for no events"));
        }
        let deadline = timeout.and_then(|t| SystemClock.now().checked_add(t));
        let mut reactor = lock(&self.reactor);
        // Take what the reactor has gathered since the last wait (each port is ticked below
        // whatever it reports).
        reactor
            .wait(Some(Duration::ZERO))
            .map_err(|e| SslError::from(e).raise())?;
        loop {
            let ports = self.tick_ports();
            lock(&self.state).collect(&self.shared, out, max);
            let time_left = deadline.is_none_or(|d| d > SystemClock.now());
            let may_sleep = ports.iter().all(|p| p.is_real_time());
            if !out.is_empty() || !time_left || !may_sleep || timeout == Some(Duration::ZERO) {
                return Ok(out.len());
            }
            self.shared.listening.store(true, Ordering::SeqCst);
            let pending =
                !lock(&self.shared.moved).is_empty() || !lock(&self.state).recheck.is_empty();
            let nap = if pending || ports.iter().any(|p| p.lock().net.backlog()) {
                Some(Duration::ZERO)
            } else {
                let left = deadline.map(|d| d.saturating_duration_since(SystemClock.now()));
                ports
                    .iter()
                    .filter_map(|p| p.event_timeout())
                    .chain(left)
                    .min()
            };
            self.resync_watches();
            let woke = reactor.wait(nap);
            self.shared.listening.store(false, Ordering::SeqCst);
            woke.map_err(|e| SslError::from(e).raise())?;
        }
    }

    /// Ticks every port of the group (which reports what it moved on); returns them.
    fn tick_ports(&self) -> Vec<Arc<Port>> {
        let ports = self.ports();
        for port in &ports {
            port.tick_and_announce();
        }
        ports
    }

    /// Registers each port's read descriptor again if the port's BIO changed.
    fn resync_watches(&self) {
        let mut st = lock(&self.state);
        let GroupState {
            registrar, ports, ..
        } = &mut *st;
        for (port_id, w) in ports.iter_mut() {
            w.watch.resync(&w.port, registrar, *port_id);
        }
    }
}

impl GroupState {
    /// Looks at the registrations that can have changed and puts up to `max` ready ones in
    /// `out`.
    fn collect(&mut self, shared: &Arc<GroupShared>, out: &mut Vec<PollEvent>, max: usize) {
        let mut look: Vec<usize> = self.recheck.drain().collect();
        look.extend(self.port_level.iter().copied());
        for pair in lock(&shared.moved).drain(..) {
            if let Some(ids) = self.by_conn.get(&pair) {
                look.extend(ids.iter().copied());
            }
        }
        look.sort_unstable_by_key(|k| (self.reported.get(k).copied().unwrap_or(0), *k));
        look.dedup();
        self.looked = look.len();
        self.turn += 1;
        for key in look {
            let Some(reg) = self.registrations.get(&key) else {
                continue;
            };
            let ssl = match reg.obj.upgrade().map(|obj| Ssl { obj }) {
                Some(ssl) if !ssl.is_released() => ssl,
                // Gone, or given up by the application (a connection its streams keep).
                _ => {
                    self.forget(key, shared);
                    continue;
                }
            };
            let revents = {
                let st = ssl.obj.port.lock();
                ssl.poll_events(&st)
            } & reg.events;
            if revents == 0 {
                continue;
            }
            // Level-triggered: looked at again next time, reported or not.
            self.recheck.insert(key);
            if out.len() < max {
                out.push(PollEvent {
                    token: reg.token,
                    revents,
                });
                self.reported.insert(key, self.turn);
            }
        }
    }

    /// Removes a registration; false if there was none. The last one of a port detaches the
    /// group from it.
    fn forget(&mut self, key: usize, shared: &Arc<GroupShared>) -> bool {
        let Some(reg) = self.registrations.remove(&key) else {
            return false;
        };
        self.recheck.remove(&key);
        self.reported.remove(&key);
        self.port_level.remove(&key);
        if let Some(c) = reg.conn
            && let Some(ids) = self.by_conn.get_mut(&(reg.port, c))
        {
            ids.retain(|k| *k != key);
            if ids.is_empty() {
                self.by_conn.remove(&(reg.port, c));
            }
        }
        let last = self.ports.get_mut(&reg.port).is_some_and(|w| {
            w.registrations -= 1;
            w.registrations == 0
        });
        if last && let Some(w) = self.ports.remove(&reg.port) {
            w.watch.unwatch(&self.registrar);
            detach(&w.port, shared);
        }
        true
    }
}

/// Takes the group out of the port's list.
fn detach(port: &Port, shared: &Arc<GroupShared>) {
    port.lock()
        .groups
        .retain(|(g, _)| g.upgrade().is_some_and(|g| !Arc::ptr_eq(&g, shared)));
}

impl Drop for PollGroup {
    fn drop(&mut self) {
        let st = lock(&self.state);
        for w in st.ports.values() {
            detach(&w.port, &self.shared);
        }
    }
}

#[track_caller]
fn invalid(what: &'static str) -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
        .with_data(what)
        .raise()
}

impl mio::event::Source for PollGroup {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> std::io::Result<()> {
        lock(&self.reactor).register(registry, token, interests)?;
        self.shared.nested.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> std::io::Result<()> {
        lock(&self.reactor).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> std::io::Result<()> {
        self.shared.nested.store(false, Ordering::SeqCst);
        lock(&self.reactor).deregister(registry)
    }
}
