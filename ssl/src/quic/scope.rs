//! Which connection the endpoint is working on. Each connection of a port has a scope,
//! entered while the endpoint processes it (see `qssl_quic::endpoint::ConnectionScope`), so
//! what runs inside (TLS callbacks: certificate verification, ALPN and server-name choices,
//! key logging) knows the connection it is about: a client connection's verification
//! settings and result slot, and the object the application knows the connection by. A
//! server connection gets its object as soon as a callback asks for it, before it is
//! accepted, as OpenSSL makes the `SSL *` of a connection when it arrives; accepting it hands
//! out that same object.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use qssl_quic::endpoint::{ConnectionHandle, ConnectionScope};
use rustc_hash::FxHashMap;

use super::object::{Object, Ssl};

/// The callback of `SSL_CTX_set_new_pending_conn_cb`: given the object of a connection a
/// listener just made (before its handshake and before it is accepted), true keeps it,
/// false discards it.
pub type NewPendingConnCallback = Arc<dyn Fn(&Ssl) -> bool + Send + Sync>;
use super::port::{ConnKey, Port};
use crate::ctx::{ConnectionVerify, in_connection};

/// The scopes of a port's connections.
#[derive(Default)]
pub(crate) struct ConnScopes {
    map: Mutex<FxHashMap<ConnectionHandle, Arc<ConnScope>>>,
    next_key: AtomicU64,
    /// The port, for the objects made for callbacks (set once the port is shared).
    port: OnceLock<Weak<Port>>,
    /// A listener's port: the listener, whose settings those objects inherit.
    listener: OnceLock<Weak<Object>>,
    /// A listener's new-pending-connection callback.
    on_new: OnceLock<NewPendingConnCallback>,
}

impl std::fmt::Debug for ConnScopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnScopes")
            .field("connections", &self.map().len())
            .field("new_pending_conn_cb", &self.on_new.get().is_some())
            .finish_non_exhaustive()
    }
}

/// One connection's scope.
#[derive(Debug)]
pub(crate) struct ConnScope {
    /// The connection's key in its port.
    pub(crate) key: ConnKey,
    /// A client connection's verification settings and result slot.
    verify: Option<Arc<ConnectionVerify>>,
    object: Mutex<ScopeObject>,
    /// The new-pending-connection callback discarded it: nothing it receives is processed.
    refused: std::sync::atomic::AtomicBool,
    port: Weak<Port>,
    listener: Weak<Object>,
}

/// The object the application knows a connection by.
#[derive(Debug)]
enum ScopeObject {
    /// None made yet.
    None,
    /// The application's (a client connection, or an accepted one).
    Known(Weak<Object>),
    /// Made for a callback before the connection was accepted, kept until it is.
    Pending(Ssl),
}

thread_local! {
    /// The scope of the connection the endpoint is processing on this thread.
    static CURRENT: RefCell<Option<Arc<ConnScope>>> = const { RefCell::new(None) };
}

impl ConnScopes {
    fn map(&self) -> MutexGuard<'_, FxHashMap<ConnectionHandle, Arc<ConnScope>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the shared port (and its listener, on a listener's port).
    pub(crate) fn set_owners(&self, port: &Arc<Port>, listener: Option<&Arc<Object>>) {
        let _ = self.port.set(Arc::downgrade(port));
        if let Some(l) = listener {
            let _ = self.listener.set(Arc::downgrade(l));
        }
    }

    /// Sets a listener's new-pending-connection callback.
    pub(crate) fn set_new_pending_conn_cb(&self, callback: NewPendingConnCallback) {
        let _ = self.on_new.set(callback);
    }

    /// Whether the new-pending-connection callback discarded the connection `handle`.
    pub(crate) fn is_refused(&self, handle: ConnectionHandle) -> bool {
        self.map()
            .get(&handle)
            .is_some_and(|s| s.refused.load(Ordering::Relaxed))
    }

    /// A key for a new connection.
    pub(crate) fn next_key(&self) -> ConnKey {
        ConnKey(self.next_key.fetch_add(1, Ordering::Relaxed))
    }

    /// A new scope under `key` (a fresh key if `None`).
    fn make(&self, key: Option<ConnKey>, verify: Option<Arc<ConnectionVerify>>) -> ConnScope {
        ConnScope {
            key: key.unwrap_or_else(|| self.next_key()),
            verify,
            object: Mutex::new(ScopeObject::None),
            refused: std::sync::atomic::AtomicBool::new(false),
            port: self.port.get().cloned().unwrap_or_default(),
            listener: self.listener.get().cloned().unwrap_or_default(),
        }
    }

    /// Records a started client connection: its key, verification and object.
    pub(crate) fn client(
        &self,
        handle: ConnectionHandle,
        key: ConnKey,
        verify: Arc<ConnectionVerify>,
        object: Weak<Object>,
    ) {
        let scope = self.make(Some(key), Some(verify));
        *scope.object() = ScopeObject::Known(object);
        self.map().insert(handle, Arc::new(scope));
    }

    /// The key of the server connection `handle`, given when the endpoint first processed it.
    pub(crate) fn server_key(&self, handle: ConnectionHandle) -> ConnKey {
        self.map()
            .entry(handle)
            .or_insert_with(|| Arc::new(self.make(None, None)))
            .key
    }

    /// The key of the connection `handle`, if it has a scope.
    pub(crate) fn key(&self, handle: ConnectionHandle) -> Option<ConnKey> {
        self.map().get(&handle).map(|s| s.key)
    }

    /// Forgets the connection `handle`; the object made for its callbacks, if it was never
    /// accepted, goes too (once this thread holds no lock).
    pub(crate) fn remove(&self, handle: ConnectionHandle) {
        let scope = self.map().remove(&handle);
        if let Some(scope) = scope {
            scope.discard();
        }
    }

    /// The object made for the callbacks of the connection `handle`, now accepted: it is
    /// the application's from now on (`None` if no callback asked for one).
    pub(crate) fn take_pending(&self, handle: ConnectionHandle) -> Option<Ssl> {
        let scope = self.map().get(&handle).cloned()?;
        let mut object = scope.object();
        match std::mem::replace(&mut *object, ScopeObject::None) {
            ScopeObject::Pending(ssl) => {
                *object = ScopeObject::Known(Arc::downgrade(&ssl.obj));
                Some(ssl)
            }
            other => {
                *object = other;
                None
            }
        }
    }

    /// Records the object an accepted connection `handle` was handed out as.
    pub(crate) fn set_known(&self, handle: ConnectionHandle, object: &Ssl) {
        if let Some(scope) = self.map().get(&handle) {
            *scope.object() = ScopeObject::Known(Arc::downgrade(&object.obj));
        }
    }

    /// Discards the objects made for connections never accepted (their listener is gone).
    pub(crate) fn discard_pending(&self) {
        let scopes: Vec<Arc<ConnScope>> = self.map().values().cloned().collect();
        for scope in scopes {
            scope.discard();
        }
    }
}

impl ConnScope {
    fn object(&self) -> MutexGuard<'_, ScopeObject> {
        self.object.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops the object made for a callback if the connection was never accepted (with
    /// what the application attached to it), once this thread holds no lock.
    fn discard(&self) {
        let taken = std::mem::replace(&mut *self.object(), ScopeObject::None);
        match taken {
            ScopeObject::Pending(ssl) => {
                let attached = ssl.set_attachment(None);
                crate::lock::drop_unlocked(Box::new((attached, ssl)));
            }
            other => *self.object() = other,
        }
    }

    /// The connection's object: the application's, or else (for a server connection) one
    /// made now and kept until the connection is accepted.
    fn ssl(&self) -> Option<Ssl> {
        let mut object = self.object();
        match &*object {
            ScopeObject::Known(weak) => weak.upgrade().map(|obj| Ssl { obj }),
            ScopeObject::Pending(ssl) => Some(ssl.clone()),
            ScopeObject::None => {
                let ssl = Ssl::pending_connection(self.port.upgrade()?, self.key, &self.listener)?;
                *object = ScopeObject::Pending(ssl.clone());
                Some(ssl)
            }
        }
    }
}

impl ConnectionScope for ConnScopes {
    fn enter(&self, handle: ConnectionHandle, work: &mut dyn FnMut()) {
        let (scope, new) = {
            let mut map = self.map();
            match map.get(&handle) {
                Some(s) => (s.clone(), false),
                None => {
                    let s = Arc::new(self.make(None, None));
                    map.insert(handle, s.clone());
                    (s, true)
                }
            }
        };
        let outer = CURRENT.with(|c| c.replace(Some(scope.clone())));
        if new && let Some(on_new) = self.on_new.get() {
            let keep = scope.ssl().is_some_and(|ssl| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| on_new(&ssl)))
                    .unwrap_or(false)
            });
            if !keep {
                scope.refused.store(true, Ordering::Relaxed);
                scope.discard();
            }
        }
        if !scope.refused.load(Ordering::Relaxed) {
            match scope.verify.clone() {
                Some(verify) => in_connection(verify, work),
                None => work(),
            }
        }
        CURRENT.with(|c| *c.borrow_mut() = outer);
    }
}

impl Ssl {
    /// The connection a TLS callback running on this thread is about, while an endpoint
    /// processes one: a client connection's object, or a server connection's, made at the
    /// first such call if the connection has not been accepted yet (then
    /// `accept_connection` hands out this same object). `None` outside the processing of a
    /// connection.
    pub fn in_callback() -> Option<Ssl> {
        CURRENT.with(|c| c.borrow().clone())?.ssl()
    }
}
