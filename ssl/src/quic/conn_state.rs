//! The application-side state of one connection: its default stream, the incoming-stream
//! policy, the queue of peer streams waiting to be accepted, and shutdown progress.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use qssl_quic::StreamId;
use qssl_quic::conn::Connection;
use qssl_quic::endpoint::ConnectionHandle;

use crate::ctx::VerifyResult;

/// How `SSL_read`/`SSL_write` on a connection find their stream
/// (`SSL_DEFAULT_STREAM_MODE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultStreamMode {
    /// `NONE`: no default stream; stream I/O on the connection fails.
    None = 0,
    /// `AUTO_BIDI` (the default): a write first opens a bidirectional stream; a read first
    /// binds the peer's first stream.
    AutoBidi = 1,
    /// `AUTO_UNI`: as `AutoBidi`, but a write first opens a unidirectional stream.
    AutoUni = 2,
}

impl DefaultStreamMode {
    /// Decodes `SSL_DEFAULT_STREAM_MODE_*`.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => DefaultStreamMode::None,
            1 => DefaultStreamMode::AutoBidi,
            2 => DefaultStreamMode::AutoUni,
            _ => return None,
        })
    }
}

/// What happens to streams the peer opens (`SSL_INCOMING_STREAM_POLICY_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomingStreamPolicy {
    /// `AUTO`: accept while the connection has no default stream and can still get one (or
    /// in mode NONE); reject once it has had one, or once a stream was opened or accepted
    /// (which rules a default stream out), as OpenSSL 3.5 does.
    Auto = 0,
    /// `ACCEPT`: queue every stream for `accept_stream`.
    Accept = 1,
    /// `REJECT`: refuse every stream (STOP_SENDING and RESET_STREAM with the policy's code).
    Reject = 2,
}

impl IncomingStreamPolicy {
    /// Decodes `SSL_INCOMING_STREAM_POLICY_*`.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => IncomingStreamPolicy::Auto,
            1 => IncomingStreamPolicy::Accept,
            2 => IncomingStreamPolicy::Reject,
            _ => return None,
        })
    }
}

/// Where a shutdown started by the application is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shutdown {
    /// The application error code to close with.
    pub(crate) code: u64,
    /// The reason phrase.
    pub(crate) reason: Vec<u8>,
}

/// One connection's application-side state.
#[derive(Debug)]
pub(crate) struct ConnApp {
    /// The engine connection, once it exists.
    pub(crate) handle: Option<ConnectionHandle>,
    pub(crate) default_mode: DefaultStreamMode,
    pub(crate) default_stream: Option<StreamId>,
    /// A default stream was bound at some point.
    pub(crate) default_created: bool,
    /// `new_stream`/`accept_stream` ran before a default stream existed: none ever will.
    pub(crate) default_forbidden: bool,
    pub(crate) policy: IncomingStreamPolicy,
    /// The application error code streams are rejected with.
    pub(crate) reject_code: u64,
    /// Peer streams waiting to be accepted, oldest first (both directions).
    pub(crate) accept_queue: VecDeque<StreamId>,
    /// Streams whose end a read has reported (ZERO_RETURN): their FIN no longer makes them
    /// readable for `SSL_poll`.
    pub(crate) fin_reported: HashSet<StreamId>,
    /// The shutdown the application started, if any.
    pub(crate) shutdown: Option<Shutdown>,
    /// Where a client connection's verifier records its result.
    pub(crate) verify_result: Option<Arc<VerifyResult>>,
    /// Where a client connection keeps the tokens its server gives it, and under which
    /// server.
    pub(crate) tokens: Option<(Arc<super::tokens::TokenStore>, String)>,
}

impl ConnApp {
    /// State for a client connection not started yet.
    pub(crate) fn client() -> Self {
        ConnApp {
            handle: None,
            default_mode: DefaultStreamMode::AutoBidi,
            default_stream: None,
            default_created: false,
            default_forbidden: false,
            policy: IncomingStreamPolicy::Auto,
            reject_code: 0,
            accept_queue: VecDeque::new(),
            fin_reported: HashSet::new(),
            shutdown: None,
            verify_result: None,
            tokens: None,
        }
    }

    /// State for a connection a listener created.
    pub(crate) fn accepted(handle: ConnectionHandle) -> Self {
        ConnApp {
            handle: Some(handle),
            ..Self::client()
        }
    }

    /// The policy in force (`AUTO` resolved).
    pub(crate) fn effective_policy(&self) -> IncomingStreamPolicy {
        match self.policy {
            IncomingStreamPolicy::Auto => {
                // As OpenSSL 3.5's: opening or accepting a stream, which rules out a default
                // stream, counts as having had one (its `default_xso_created`), so streams
                // the peer opens after that are rejected.
                let no_default = self.default_stream.is_none()
                    && !self.default_created
                    && !self.default_forbidden;
                if no_default || self.default_mode == DefaultStreamMode::None {
                    IncomingStreamPolicy::Accept
                } else {
                    IncomingStreamPolicy::Reject
                }
            }
            p => p,
        }
    }

    /// Whether a default stream can still come into being.
    pub(crate) fn default_possible(&self) -> bool {
        self.default_mode != DefaultStreamMode::None && !self.default_forbidden
    }

    /// A stream the peer opened: queued for acceptance, or refused under the policy.
    pub(crate) fn on_peer_stream(&mut self, conn: &mut Connection, id: StreamId) {
        // Keep the engine's own queue in step: the application's queue replaces it.
        let _ = conn.accept_stream(id.dir());
        if self.effective_policy() == IncomingStreamPolicy::Reject {
            // STOP_SENDING (and RESET_STREAM on a bidirectional stream) with the policy's
            // code; the engine forgets the stream once the peer has reset it.
            conn.stream_discard(id, self.reject_code);
            return;
        }
        conn.stream_hold(id);
        self.accept_queue.push_back(id);
    }

    /// Takes the oldest waiting peer stream.
    pub(crate) fn pop_accept(&mut self) -> Option<StreamId> {
        self.accept_queue.pop_front()
    }
}
