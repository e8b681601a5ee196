//! TLS sessions for resumption (`SSL_SESSION`): what a client keeps from a server to resume
//! with later, and the per-object store rustls reads and fills.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use rustls::NamedGroup;
use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;

use crate::ctx::NewSessionCallback;
use crate::ctx::SessionTimeout;
use crate::error::{SslError, ssl_r};

/// What a session holds.
#[derive(Default)]
struct SessionData {
    /// TLS 1.3 tickets (each resumes one connection).
    tls13: Vec<Tls13ClientSessionValue>,
    /// A TLS 1.2 session (ID or ticket).
    tls12: Option<Tls12ClientSessionValue>,
    /// The key-exchange group the server chose, to guess right the next time.
    kx_hint: Option<NamedGroup>,
    /// When the session arrived (or `SSL_SESSION_set_time` says it did).
    created: Option<SystemTime>,
    /// `SSL_SESSION_set_timeout`'s timeout, in seconds; without it the context's timeout
    /// applies (as it is when the session is offered).
    timeout: Option<u32>,
    /// The context's timeout when the session arrived (`SSL_SESSION_get_timeout` without one
    /// set).
    arrival_timeout: u32,
    /// `SSL_SESSION_set1_id`'s ID (rustls does not expose a session's own).
    id: Vec<u8>,
    /// `SSL_SESSION_set1_id_context`'s context.
    sid_ctx: Vec<u8>,
}

/// The longest session ID and ID context (`SSL_MAX_SSL_SESSION_ID_LENGTH`,
/// `SSL_MAX_SID_CTX_LENGTH`).
const MAX_SESSION_ID_LENGTH: usize = 32;

/// A client's TLS session with one server (`SSL_SESSION`), from
/// [`Tls::session`](super::Tls::session) or the new-session callback, to pass to
/// [`Tls::set_session`](super::Tls::set_session) on a later connection. Cloning shares it.
///
/// TLS 1.3 tickets are single-use: each resumption consumes one of the session's tickets
/// (servers send two by default), after which the session resumes no more. A session
/// resumes on objects of the client context that made it (rustls ties sessions to the
/// context's verifier and client certificate), until that context's trust, verify or
/// certificate settings change.
#[derive(Clone, Default)]
pub struct SslSession {
    inner: Arc<Mutex<SessionData>>,
}

impl fmt::Debug for SslSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.lock();
        f.debug_struct("SslSession")
            .field("tls13_tickets", &data.tls13.len())
            .field("tls12", &data.tls12.is_some())
            .finish()
    }
}

impl SslSession {
    fn lock(&self) -> MutexGuard<'_, SessionData> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `SSL_SESSION_is_resumable`: whether it still holds something to resume with.
    pub fn is_resumable(&self) -> bool {
        let data = self.lock();
        !data.tls13.is_empty() || data.tls12.is_some()
    }

    /// `SSL_SESSION_get_time`: when the session arrived.
    pub fn time(&self) -> Option<SystemTime> {
        self.lock().created
    }

    /// `SSL_SESSION_set_time`: when the session counts as made (its age is counted from
    /// there).
    pub fn set_time(&self, time: SystemTime) {
        self.lock().created = Some(time);
    }

    /// `SSL_SESSION_get_timeout`: how long the session stays usable, in seconds (the one
    /// set, else the context's timeout when it arrived; 0 before it did).
    pub fn timeout(&self) -> u32 {
        let data = self.lock();
        data.timeout.unwrap_or(data.arrival_timeout)
    }

    /// `SSL_SESSION_set_timeout`: the session is offered only while younger than `secs`
    /// (instead of the context's timeout).
    pub fn set_timeout(&self, secs: u32) {
        self.lock().timeout = Some(secs);
    }

    /// `SSL_SESSION_get_id`: the ID set with [`SslSession::set_id`] (empty otherwise: rustls
    /// keeps a session's own ID to itself), as where it is and its length: the bytes stay
    /// there until the ID is set again.
    pub fn id_location(&self) -> (*const u8, usize) {
        let data = self.lock();
        (data.id.as_ptr(), data.id.len())
    }

    /// `SSL_SESSION_set1_id`: at most 32 bytes, else `SSL_R_SSL_SESSION_ID_TOO_LONG`.
    #[track_caller]
    pub fn set_id(&self, id: &[u8]) -> Result<(), SslError> {
        if id.len() > MAX_SESSION_ID_LENGTH {
            return Err(SslError::ssl(ssl_r::SSL_SESSION_ID_TOO_LONG).raise());
        }
        self.lock().id = id.to_vec();
        Ok(())
    }

    /// `SSL_SESSION_set1_id_context`: at most 32 bytes, else
    /// `SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG`.
    #[track_caller]
    pub fn set_id_context(&self, sid_ctx: &[u8]) -> Result<(), SslError> {
        if sid_ctx.len() > MAX_SESSION_ID_LENGTH {
            return Err(SslError::ssl(ssl_r::SSL_SESSION_ID_CONTEXT_TOO_LONG).raise());
        }
        self.lock().sid_ctx = sid_ctx.to_vec();
        Ok(())
    }

    /// `SSL_SESSION_get_max_early_data`: how much 0-RTT data the server would take with the
    /// session's next ticket (0 for TLS 1.2 or without tickets).
    pub fn max_early_data(&self) -> u32 {
        self.lock()
            .tls13
            .last()
            .map_or(0, Tls13ClientSessionValue::max_early_data_size)
    }

    /// Whether two handles are the same session.
    pub fn same_session(&self, other: &SslSession) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Notes that the session was (re)filled now, under the context's `timeout`.
    fn arrived(data: &mut SessionData, timeout: u32) {
        data.created = Some(SystemTime::now());
        data.arrival_timeout = timeout;
    }
}

/// The session store of one client object: it offers the session set with `set_session`,
/// collects what the server sends into the object's current session, optionally keeps
/// sessions per server for later objects of the context (`SSL_SESS_CACHE_CLIENT`), and tells
/// the new-session callback.
pub(crate) struct ObjectSessions {
    offered: Mutex<Option<SslSession>>,
    current: SslSession,
    shared: Option<Arc<dyn ClientSessionStore>>,
    callback: Option<NewSessionCallback>,
    /// Sessions older than this are not offered (`SSL_CTX_set_timeout`).
    timeout: SessionTimeout,
}

impl fmt::Debug for ObjectSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectSessions")
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl ObjectSessions {
    /// A store that also uses `shared` (the context's cache) when given.
    pub(crate) fn new(
        shared: Option<Arc<dyn ClientSessionStore>>,
        callback: Option<NewSessionCallback>,
        timeout: SessionTimeout,
    ) -> Self {
        ObjectSessions {
            offered: Mutex::new(None),
            current: SslSession::default(),
            shared,
            callback,
            timeout,
        }
    }

    /// `SSL_set_session`.
    pub(crate) fn offer(&self, session: Option<SslSession>) {
        *self.offered.lock().unwrap_or_else(PoisonError::into_inner) = session;
    }

    /// The session this object's connection made (`SSL_get1_session`).
    pub(crate) fn current(&self) -> SslSession {
        self.current.clone()
    }

    /// The session given to `set_session`, unless it has timed out.
    /// How much 0-RTT data the session the object will offer allows (0 without one).
    pub(crate) fn offered_max_early_data(&self) -> u32 {
        self.offered().map_or(0, |s| s.max_early_data())
    }

    fn offered(&self) -> Option<SslSession> {
        let offered = self
            .offered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        let created = offered.time()?;
        let age = SystemTime::now()
            .duration_since(created)
            .unwrap_or_default();
        let limit = offered.lock().timeout.map_or_else(
            || self.timeout.duration(),
            |s| Duration::from_secs(s.into()),
        );
        (age <= limit).then_some(offered)
    }

    /// A new session arrived: the callback hears of it.
    fn announce(&self) {
        if let Some(cb) = &self.callback {
            let session = self.current.clone();
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(session)));
        }
    }
}

impl ClientSessionStore for ObjectSessions {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.current.lock().kx_hint = Some(group);
        if let Some(s) = &self.shared {
            s.set_kx_hint(server_name, group);
        }
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.offered()
            .and_then(|o| o.lock().kx_hint)
            .or_else(|| self.shared.as_ref()?.kx_hint(server_name))
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        {
            let mut data = self.current.lock();
            data.tls12 = Some(value.clone());
            SslSession::arrived(&mut data, self.timeout.secs());
        }
        if let Some(s) = &self.shared {
            s.set_tls12_session(server_name, value);
        }
        self.announce();
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        if let Some(found) = self.offered().and_then(|o| o.lock().tls12.clone()) {
            return Some(found);
        }
        self.shared.as_ref()?.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        if let Some(o) = self.offered() {
            o.lock().tls12 = None;
        }
        if let Some(s) = &self.shared {
            s.remove_tls12_session(server_name);
        }
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        match &self.shared {
            // The context's cache keeps tickets for later objects; this object's session
            // records that one arrived.
            Some(s) => {
                s.insert_tls13_ticket(server_name, value);
                SslSession::arrived(&mut self.current.lock(), self.timeout.secs());
            }
            None => {
                let mut data = self.current.lock();
                data.tls13.push(value);
                SslSession::arrived(&mut data, self.timeout.secs());
            }
        }
        self.announce();
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        if let Some(ticket) = self.offered().and_then(|o| o.lock().tls13.pop()) {
            return Some(ticket);
        }
        self.shared.as_ref()?.take_tls13_ticket(server_name)
    }
}
