//! `SSL_poll`: readiness of many QUIC objects at once, level-triggered, with a timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl_bio::PollDescriptor;
use qssl_bio::poll::{self, Notifier, PollItem as NetItem};
use qssl_quic::Dir;
use qssl_quic::streams::RecvState;

use super::object::{Kind, Ssl};
use super::port::{Port, PortState};
use super::port_watch;
use crate::clock::{Clock, SystemClock};
use crate::error::{ERR_LIB_SSL, SslError, err_r};
use crate::lock::ObjectGuard;

/// `SSL_POLL_EVENT_F`: the item failed (not a QUIC object).
pub const POLL_EVENT_F: u64 = 0x1;
/// `SSL_POLL_EVENT_EL`: the listener's port stopped (network failure).
pub const POLL_EVENT_EL: u64 = 0x2;
/// `SSL_POLL_EVENT_EC`: the connection is terminating or terminated.
pub const POLL_EVENT_EC: u64 = 0x4;
/// `SSL_POLL_EVENT_ECD`: the connection is terminated.
pub const POLL_EVENT_ECD: u64 = 0x8;
/// `SSL_POLL_EVENT_ER`: the peer reset the stream's receiving part.
pub const POLL_EVENT_ER: u64 = 0x10;
/// `SSL_POLL_EVENT_EW`: the peer asked to stop the stream's sending part.
pub const POLL_EVENT_EW: u64 = 0x20;
/// `SSL_POLL_EVENT_R`: data (or the end of the stream) can be read.
pub const POLL_EVENT_R: u64 = 0x40;
/// `SSL_POLL_EVENT_W`: data can be written.
pub const POLL_EVENT_W: u64 = 0x80;
/// `SSL_POLL_EVENT_IC`: a connection waits to be accepted.
pub const POLL_EVENT_IC: u64 = 0x100;
/// `SSL_POLL_EVENT_ISB`: a bidirectional stream waits to be accepted.
pub const POLL_EVENT_ISB: u64 = 0x200;
/// `SSL_POLL_EVENT_ISU`: a unidirectional stream waits to be accepted.
pub const POLL_EVENT_ISU: u64 = 0x400;
/// `SSL_POLL_EVENT_OSB`: a bidirectional stream can be opened.
pub const POLL_EVENT_OSB: u64 = 0x800;
/// `SSL_POLL_EVENT_OSU`: a unidirectional stream can be opened.
pub const POLL_EVENT_OSU: u64 = 0x1000;
/// `SSL_POLL_FLAG_NO_HANDLE_EVENTS`: do not handle events before looking.
pub const POLL_FLAG_NO_HANDLE_EVENTS: u64 = 1;

/// One object to poll (`SSL_POLL_ITEM` with a `BIO_POLL_DESCRIPTOR_TYPE_SSL` descriptor).
#[derive(Debug, Clone)]
pub struct PollItem<'a> {
    /// The object; `None` items are skipped.
    pub ssl: Option<&'a Ssl>,
    /// Events asked for (`SSL_POLL_EVENT_*`).
    pub events: u64,
    /// Events found; always written.
    pub revents: u64,
}

/// `SSL_poll`: finds which of `items` are ready for the events they ask for, waiting up to
/// `timeout` (`None`: without limit; zero: not at all) until at least one is. Returns how
/// many items have events. Each distinct port is ticked first unless
/// [`POLL_FLAG_NO_HANDLE_EVENTS`]; a wait ticks the ports whose network has something.
/// `timeout` is real time; each port's timers run on its own clock. If any item's clock does
/// not follow real time (a [`ManualClock`](crate::clock::ManualClock)) the call does not
/// wait: it only looks, as with a zero timeout.
#[track_caller]
pub fn poll(
    items: &mut [PollItem<'_>],
    timeout: Option<Duration>,
    flags: u64,
) -> Result<usize, SslError> {
    if flags & !POLL_FLAG_NO_HANDLE_EVENTS != 0 {
        for item in items.iter_mut() {
            item.revents = 0;
        }
        return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("unknown poll flags")
            .raise());
    }
    let deadline = timeout.and_then(|t| SystemClock.now().checked_add(t));
    let ports = distinct_ports(items);
    // Sleeping until a deadline of a clock moved by hand would never reach it.
    let may_wait = ports.iter().all(|p| p.is_real_time());
    let mut tick = flags & POLL_FLAG_NO_HANDLE_EVENTS == 0;
    loop {
        if tick {
            for port in &ports {
                port.tick_and_announce();
            }
        }
        let ready = scan(items);
        if ready > 0 || !may_wait || deadline.is_some_and(|d| d <= SystemClock.now()) {
            return Ok(ready);
        }
        let waiter = PollWaiter::register(&ports);
        // What changed between the scan and the registration would not wake the wait.
        let ready = scan(items);
        if ready > 0 {
            return Ok(ready);
        }
        wait_any(&ports, deadline, &waiter)?;
        tick = true;
    }
}

/// A blocking poll's registration with its ports: while it lives, any change another thread
/// makes to one of them (data read, a stream made readable, a timer run) wakes the poll.
struct PollWaiter<'a> {
    ports: &'a [Arc<Port>],
    notifier: Option<Arc<Notifier>>,
}

impl<'a> PollWaiter<'a> {
    fn register(ports: &'a [Arc<Port>]) -> Self {
        let notifier = poll::thread_notifier();
        if let Some(n) = &notifier {
            n.drain();
            for port in ports {
                port.lock().poll_waiters.push(n.clone());
            }
        }
        PollWaiter { ports, notifier }
    }

    /// The descriptor to wait on, if the system gave a notifier.
    fn item(&self) -> Option<NetItem> {
        self.notifier
            .as_ref()
            .map(|n| NetItem::readable(n.descriptor()))
    }
}

impl Drop for PollWaiter<'_> {
    fn drop(&mut self) {
        if let Some(n) = &self.notifier {
            for port in self.ports {
                port.lock().poll_waiters.retain(|w| !Arc::ptr_eq(w, n));
            }
            n.drain();
        }
    }
}

/// The ports of the items, each once.
fn distinct_ports(items: &[PollItem<'_>]) -> Vec<Arc<Port>> {
    let mut ports: Vec<Arc<Port>> = Vec::new();
    for item in items {
        if let Some(ssl) = item.ssl
            && !ports.iter().any(|p| Arc::ptr_eq(p, &ssl.obj.port))
        {
            ports.push(ssl.obj.port.clone());
        }
    }
    ports
}

/// Computes every item's `revents`; returns how many are non-zero. Consecutive items on one
/// port (a server's connections and streams) are read under one lock.
fn scan(items: &mut [PollItem<'_>]) -> usize {
    let mut ready = 0;
    let mut held: Option<(&Arc<Port>, ObjectGuard<'_, PortState>)> = None;
    for item in items.iter_mut() {
        item.revents = match item.ssl {
            Some(ssl) => {
                let port = &ssl.obj.port;
                let st = match held.take() {
                    Some((p, st)) if Arc::ptr_eq(p, port) => st,
                    // One port locked at a time: the previous guard goes first.
                    other => {
                        drop(other);
                        port.lock()
                    }
                };
                let revents = ssl.poll_events(&st) & item.events;
                held = Some((port, st));
                revents
            }
            None => 0,
        };
        if item.revents != 0 {
            ready += 1;
        }
    }
    ready
}

/// Waits until one of `ports` has network activity, another thread changes one of them
/// (through `waiter`), or the earliest deadline (theirs, each on its port's clock, or
/// `deadline`, real time) passes. The sockets of many ports are waited on through the
/// thread's reactor ([`port_watch::wait`]), registered once rather than handed to the system
/// on every wait; those of a few ports, or while a port waits for room to send, or if the
/// thread has no reactor, are polled directly.
fn wait_any(
    ports: &[Arc<Port>],
    deadline: Option<Instant>,
    waiter: &PollWaiter<'_>,
) -> Result<(), SslError> {
    let mut net = Vec::with_capacity(ports.len() * 2 + 1);
    let mut timeout = deadline.map(|d| d.saturating_duration_since(SystemClock.now()));
    let mut backlog = false;
    for port in ports {
        let now = port.now();
        let st = port.lock();
        net.extend(st.net.poll_items());
        backlog |= st.net.backlog();
        if let Some(t) = st.endpoint.poll_timeout() {
            let left = t.saturating_duration_since(now);
            timeout = Some(timeout.map_or(left, |w| w.min(left)));
        }
    }
    let pollable = net.iter().any(|i: &NetItem| i.desc.is_pollable());
    if !pollable && timeout.is_none() {
        return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("nothing to wait on: the objects' network BIOs cannot be polled")
            .raise());
    }
    let writing = net.iter().any(|i| i.write && i.desc.is_pollable());
    let notifier = waiter
        .item()
        .unwrap_or(NetItem::readable(PollDescriptor::None));
    // Datagrams the last tick left in a socket: the reactor reports a socket when data
    // arrives, not while it has some (`ppoll` does), so the next tick comes at once.
    let reactor_timeout = if backlog {
        Some(Duration::ZERO)
    } else {
        timeout
    };
    if !writing
        && ports.len() >= port_watch::REACTOR_MIN_PORTS
        && let Some(waited) = port_watch::wait(ports, notifier, reactor_timeout)
    {
        return waited.map_err(|e| SslError::from(e).raise());
    }
    net.push(notifier);
    poll::wait(&mut net, timeout).map_err(|e| SslError::from(e).raise())?;
    Ok(())
}

impl Ssl {
    /// The events this object has now (all of them; the caller masks).
    pub(super) fn poll_events(&self, st: &PortState) -> u64 {
        match &self.obj.kind {
            Kind::Listener { .. } => {
                let mut ev = 0;
                if !st.incoming.is_empty() {
                    ev |= POLL_EVENT_IC;
                }
                if st.net.failure().is_some() {
                    ev |= POLL_EVENT_EL;
                }
                ev
            }
            Kind::Connection { key, .. } => {
                let mut ev = self.stream_events(st);
                let Some(conn) = st.conn(*key) else {
                    // Not started: only writing (which starts it) is possible.
                    return ev & POLL_EVENT_W;
                };
                if conn.close_info().is_some() {
                    ev |= POLL_EVENT_EC;
                }
                if conn.is_closed() {
                    ev |= POLL_EVENT_ECD;
                }
                if let Some(app) = st.conns.get(key) {
                    for id in &app.accept_queue {
                        ev |= match id.dir() {
                            Dir::Bi => POLL_EVENT_ISB,
                            Dir::Uni => POLL_EVENT_ISU,
                        };
                    }
                }
                if conn.close_info().is_none() {
                    if conn.streams_available(Dir::Bi).0 > 0 {
                        ev |= POLL_EVENT_OSB;
                    }
                    if conn.streams_available(Dir::Uni).0 > 0 {
                        ev |= POLL_EVENT_OSU;
                    }
                }
                ev
            }
            Kind::Stream { .. } => self.stream_events(st),
            Kind::Domain => 0,
        }
    }

    /// R, ER, W and EW for a stream object or a connection's default stream.
    fn stream_events(&self, st: &PortState) -> u64 {
        let Some((key, id)) = self.current_stream(st) else {
            // A connection that can still get a default stream can be written to.
            return match &self.obj.kind {
                Kind::Connection { key, .. }
                    if st.conns.get(key).is_some_and(|a| a.default_possible())
                        && st.conn(*key).is_none_or(|c| c.close_info().is_none()) =>
                {
                    POLL_EVENT_W
                }
                _ => 0,
            };
        };
        let Some(conn) = st.conn(key) else {
            return 0;
        };
        let Some(status) = conn.stream_status(id) else {
            return 0;
        };
        let app = st.conns.get(&key);
        let mut ev = 0;
        if let Some(recv) = status.recv {
            if recv.reset_code.is_some() {
                ev |= POLL_EVENT_ER;
            } else if recv.readable > 0
                || recv.state == RecvState::DataRecvd
                // All data read but the end not reported yet: the next read reports it.
                || (recv.state == RecvState::DataRead
                    && app.is_some_and(|a| !a.fin_reported.contains(&id)))
            {
                ev |= POLL_EVENT_R;
            }
        }
        if let Some(info) = status.send {
            if info.stop_code.is_some() {
                ev |= POLL_EVENT_EW;
            }
            let shutting = app.is_some_and(|a| a.shutdown.is_some());
            if !info.concluded
                && info.reset_code.is_none()
                && info.stop_code.is_none()
                && info.buffered < info.capacity
                && conn.close_info().is_none()
                && !shutting
            {
                ev |= POLL_EVENT_W;
            }
        }
        ev
    }
}
