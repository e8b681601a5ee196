//! Which of an endpoint's connections need attention, kept up to date as they are touched, so
//! that the endpoint's work follows the connections that are busy rather than how many it
//! holds: the next deadline, the connections due at a time, those that may have something to
//! send, and those whose state changed since the layer above last looked.
//!
//! A connection's deadline and whether it can send change only when something happens to it:
//! a datagram, a timer, a transmit, or the application's access through the endpoint. Each of
//! those *touches* it; [`Schedule::settle`] then files its deadline again and queues it to
//! send. Between settles, a touched connection's recorded deadline may be stale, which
//! [`Schedule::next_deadline`] allows for by also asking the touched connections.

use std::collections::{BTreeSet, VecDeque};

use rustc_hash::{FxHashMap, FxHashSet};
use std::time::Instant;

use super::ConnectionHandle;
use crate::conn::Connection;

/// The endpoint's attention list (see the module documentation).
#[derive(Debug, Default)]
pub(super) struct Schedule {
    /// Every connection's deadline, ordered by time.
    timers: BTreeSet<(Instant, ConnectionHandle)>,
    /// The deadline each connection has in `timers`.
    filed: FxHashMap<ConnectionHandle, Instant>,
    /// Connections that may have something to send, served in turn.
    sending: VecDeque<ConnectionHandle>,
    /// The members of `sending`.
    in_sending: FxHashSet<ConnectionHandle>,
    /// Connections touched since the last settle.
    touched: Vec<ConnectionHandle>,
    in_touched: FxHashSet<ConnectionHandle>,
    /// Connections moved on since the layer above last collected them.
    changed: Vec<ConnectionHandle>,
    in_changed: FxHashSet<ConnectionHandle>,
}

impl Schedule {
    /// Notes that `handle`'s deadline or what it has to send may have changed.
    pub(super) fn touch(&mut self, handle: ConnectionHandle) {
        if self.in_touched.insert(handle) {
            self.touched.push(handle);
        }
    }

    /// Notes that the network or time moved `handle` on (and touches it): its events, streams
    /// or state may have changed without the layer above knowing.
    pub(super) fn moved(&mut self, handle: ConnectionHandle) {
        self.touch(handle);
        if self.in_changed.insert(handle) {
            self.changed.push(handle);
        }
    }

    /// Files the touched connections' deadlines again and queues them to send.
    pub(super) fn settle(&mut self, connections: &FxHashMap<ConnectionHandle, Box<Connection>>) {
        for handle in self.touched.drain(..) {
            let Some(conn) = connections.get(&handle) else {
                continue;
            };
            Self::file(
                &mut self.timers,
                &mut self.filed,
                handle,
                conn.poll_timeout(),
            );
            if self.in_sending.insert(handle) {
                self.sending.push_back(handle);
            }
        }
        self.in_touched.clear();
    }

    /// Files `handle`'s deadline again at once, without queueing it to send (it just had
    /// nothing to send, which may have moved its deadline: pacing, an ACK given up on).
    pub(super) fn refile(&mut self, handle: ConnectionHandle, deadline: Option<Instant>) {
        Self::file(&mut self.timers, &mut self.filed, handle, deadline);
    }

    /// Replaces `handle`'s entry in the timers.
    fn file(
        timers: &mut BTreeSet<(Instant, ConnectionHandle)>,
        filed: &mut FxHashMap<ConnectionHandle, Instant>,
        handle: ConnectionHandle,
        deadline: Option<Instant>,
    ) {
        if let Some(old) = filed.remove(&handle) {
            timers.remove(&(old, handle));
        }
        if let Some(t) = deadline {
            timers.insert((t, handle));
            filed.insert(handle, t);
        }
    }

    /// The earliest deadline of any connection.
    pub(super) fn next_deadline(
        &self,
        connections: &FxHashMap<ConnectionHandle, Box<Connection>>,
    ) -> Option<Instant> {
        let filed = self.timers.first().map(|(t, _)| *t);
        let touched = self
            .touched
            .iter()
            .filter_map(|h| connections.get(h)?.poll_timeout())
            .min();
        filed.into_iter().chain(touched).min()
    }

    /// The connections whose filed deadline is at or before `now`, earliest first (call
    /// [`Self::settle`] first).
    pub(super) fn due(&self, now: Instant) -> Vec<ConnectionHandle> {
        self.timers
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, h)| *h)
            .collect()
    }

    /// The next connection that may have something to send, taken off the queue; the caller
    /// puts it back with [`Self::sent`] if it had.
    pub(super) fn next_sender(&mut self) -> Option<ConnectionHandle> {
        let handle = self.sending.pop_front()?;
        self.in_sending.remove(&handle);
        Some(handle)
    }

    /// `handle` sent: it goes to the back of the queue (it may have more).
    pub(super) fn sent(&mut self, handle: ConnectionHandle) {
        if self.in_sending.insert(handle) {
            self.sending.push_back(handle);
        }
    }

    /// The connections moved on since the last call, each once, in the order first moved.
    pub(super) fn take_changed(&mut self) -> Vec<ConnectionHandle> {
        self.in_changed.clear();
        std::mem::take(&mut self.changed)
    }

    /// Forgets a removed connection.
    pub(super) fn remove(&mut self, handle: ConnectionHandle) {
        Self::file(&mut self.timers, &mut self.filed, handle, None);
        if self.in_sending.remove(&handle) {
            self.sending.retain(|h| *h != handle);
        }
        if self.in_touched.remove(&handle) {
            self.touched.retain(|h| *h != handle);
        }
        if self.in_changed.remove(&handle) {
            self.changed.retain(|h| *h != handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_queued_once_and_reported_once() {
        let mut s = Schedule::default();
        let h = ConnectionHandle(3);
        s.moved(h);
        s.moved(h);
        s.sent(h);
        s.sent(h);
        assert_eq!(s.next_sender(), Some(h));
        assert_eq!(s.next_sender(), None);
        assert_eq!(s.take_changed(), vec![h]);
        assert!(s.take_changed().is_empty());
    }

    #[test]
    fn a_removed_connection_leaves_every_list() {
        let mut s = Schedule::default();
        let (a, b) = (ConnectionHandle(1), ConnectionHandle(2));
        for h in [a, b] {
            s.moved(h);
            s.sent(h);
        }
        s.remove(a);
        // Touched but gone: not filed, not queued.
        s.settle(&FxHashMap::default());
        assert_eq!(s.next_sender(), Some(b));
        assert_eq!(s.next_sender(), None);
        assert_eq!(s.take_changed(), vec![b]);
        assert_eq!(s.next_deadline(&FxHashMap::default()), None);
    }
}
