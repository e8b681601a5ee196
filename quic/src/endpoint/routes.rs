//! The endpoint's routing of datagrams to connections by destination connection ID.

use std::collections::HashMap;

use crate::cid::ConnectionId;

use super::ConnectionHandle;

/// Local connection IDs (and clients' first destination IDs) to the connections they reach.
///
/// The map hashes with SipHash, as a peer chooses the IDs its datagrams carry; the route
/// found last is kept beside it, so a run of datagrams for one connection (a transfer) is
/// routed by comparing IDs rather than hashing each. Every change to the map forgets it.
#[derive(Debug, Default)]
pub(super) struct Routes {
    map: HashMap<ConnectionId, ConnectionHandle>,
    last: Option<(ConnectionId, ConnectionHandle)>,
}

impl Routes {
    /// The connection `cid` reaches.
    pub(super) fn route(&mut self, cid: &ConnectionId) -> Option<ConnectionHandle> {
        if let Some((last, handle)) = &self.last
            && last == cid
        {
            return Some(*handle);
        }
        let handle = *self.map.get(cid)?;
        self.last = Some((*cid, handle));
        Some(handle)
    }

    /// Whether `cid` reaches `handle`.
    fn reaches(&self, cid: &ConnectionId, handle: ConnectionHandle) -> bool {
        self.map.get(cid) == Some(&handle)
    }

    /// Routes `cid` to `handle`, replacing any route it had.
    pub(super) fn insert(&mut self, cid: ConnectionId, handle: ConnectionHandle) {
        self.last = None;
        self.map.insert(cid, handle);
    }

    /// Routes `cid` to `handle` unless it has a route.
    pub(super) fn insert_new(&mut self, cid: ConnectionId, handle: ConnectionHandle) {
        self.last = None;
        self.map.entry(cid).or_insert(handle);
    }

    /// Removes `cid`'s route if it reaches `handle`.
    pub(super) fn remove_to(&mut self, cid: &ConnectionId, handle: ConnectionHandle) {
        if self.reaches(cid, handle) {
            self.last = None;
            self.map.remove(cid);
        }
    }

    /// Removes every route to `handle`.
    pub(super) fn remove_all_to(&mut self, handle: ConnectionHandle) {
        self.last = None;
        self.map.retain(|_, h| *h != handle);
    }

    /// How many IDs have routes.
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(b: u8) -> ConnectionId {
        ConnectionId::new(&[b; 8]).unwrap()
    }

    #[test]
    fn the_route_kept_from_the_last_lookup_never_outlives_a_change() {
        let (h1, h2, h3) = (
            ConnectionHandle(1),
            ConnectionHandle(2),
            ConnectionHandle(3),
        );
        let mut routes = Routes::default();
        routes.insert(cid(1), h1);
        assert_eq!(routes.route(&cid(1)), Some(h1));
        assert_eq!(routes.route(&cid(1)), Some(h1));
        // Removing a route to another connection leaves it.
        routes.remove_to(&cid(1), h2);
        assert_eq!(routes.route(&cid(1)), Some(h1));
        routes.remove_to(&cid(1), h1);
        assert_eq!(routes.route(&cid(1)), None);
        routes.insert(cid(1), h2);
        assert_eq!(routes.route(&cid(1)), Some(h2));
        routes.insert(cid(1), h1);
        assert_eq!(routes.route(&cid(1)), Some(h1));
        routes.insert_new(cid(1), h3);
        assert_eq!(routes.route(&cid(1)), Some(h1));
        routes.insert(cid(2), h1);
        assert_eq!(routes.route(&cid(2)), Some(h1));
        routes.remove_all_to(h1);
        assert_eq!(routes.route(&cid(2)), None);
        assert_eq!(routes.route(&cid(1)), None);
        assert_eq!(routes.len(), 0);
        assert_eq!(routes.route(&cid(9)), None);
    }
}
