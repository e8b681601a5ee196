//! Streams: creating and accepting them, the default stream of a connection, and their
//! identity, states and error codes.

use qssl_quic::conn::Connection;
use qssl_quic::streams::{RecvState, SendState};
use qssl_quic::{Dir, Side, StreamId};

use super::conn_state::{ConnApp, DefaultStreamMode, IncomingStreamPolicy};
use super::handshake::{connection_failure, streams_state};
use super::object::{Kind, Ssl};
use super::port::{ConnKey, PortState};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::result::{IoError, IoResult};

/// `SSL_STREAM_FLAG_UNI`: open a unidirectional stream.
pub const STREAM_FLAG_UNI: u64 = 1;
/// `SSL_STREAM_FLAG_NO_BLOCK`: fail at once rather than wait for stream credit.
pub const STREAM_FLAG_NO_BLOCK: u64 = 2;
/// `SSL_STREAM_FLAG_ADVANCE`: accepted; streams are opened when credit allows.
pub const STREAM_FLAG_ADVANCE: u64 = 4;
/// `SSL_ACCEPT_STREAM_NO_BLOCK`: return at once if no stream waits.
pub const ACCEPT_STREAM_NO_BLOCK: u64 = 1;

/// A stream's type as `SSL_get_stream_type` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamType {
    /// `SSL_STREAM_TYPE_NONE`: no stream (a connection without a default stream).
    None = 0,
    /// `SSL_STREAM_TYPE_READ`: a unidirectional stream the peer opened.
    Read = 1,
    /// `SSL_STREAM_TYPE_WRITE`: a unidirectional stream this side opened.
    Write = 2,
    /// `SSL_STREAM_TYPE_BIDI`.
    Bidi = 3,
}

/// One direction of a stream as `SSL_get_stream_{read,write}_state` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// `SSL_STREAM_STATE_NONE`: no stream.
    None = 0,
    /// `SSL_STREAM_STATE_OK`: usable.
    Ok = 1,
    /// `SSL_STREAM_STATE_WRONG_DIR`: the stream has no part in this direction.
    WrongDir = 2,
    /// `SSL_STREAM_STATE_FINISHED`: ended normally (read: the application's reads have taken
    /// all the data up to the peer's FIN, the next read reports the end; write: concluded).
    Finished = 3,
    /// `SSL_STREAM_STATE_RESET_LOCAL`: this side reset it (write) or asked the peer to stop
    /// (read).
    ResetLocal = 4,
    /// `SSL_STREAM_STATE_RESET_REMOTE`: the peer reset it (read) or asked this side to stop
    /// (write).
    ResetRemote = 5,
    /// `SSL_STREAM_STATE_CONN_CLOSED`: the connection is closed.
    ConnClosed = 6,
}

/// How a direction of a stream ended, as `SSL_get_stream_{read,write}_error_code` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// Returns -1: still healthy, no such direction, or closed with the connection.
    Open,
    /// Returns 0: ended normally.
    Finished,
    /// Returns 1: reset, with this application error code: by the peer (RESET_STREAM on the
    /// read part, STOP_SENDING on the write part) or by this side (the reverse).
    Reset(u64),
}

impl Ssl {
    // --- Default stream and policies -------------------------------------------------------

    /// `SSL_set_default_stream_mode`: only on a connection whose default stream mode can
    /// still change (see
    /// [`check_default_stream_mode_settable`](Self::check_default_stream_mode_settable)).
    #[track_caller]
    pub fn set_default_stream_mode(&self, mode: DefaultStreamMode) -> Result<(), SslError> {
        let key = self.expect_connection()?;
        let mut st = self.obj.port.lock();
        let app = app_mut(&mut st, key)?;
        default_mode_settable(app)?;
        app.default_mode = mode;
        Ok(())
    }

    /// What `SSL_set_default_stream_mode` checks before the mode, as OpenSSL does: the
    /// object is a connection, and its default stream mode can still change, which it cannot
    /// once a default stream was made or `new_stream`/`accept_stream` ruled one out
    /// (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`).
    #[track_caller]
    pub fn check_default_stream_mode_settable(&self) -> Result<(), SslError> {
        let key = self.expect_connection()?;
        let mut st = self.obj.port.lock();
        default_mode_settable(app_mut(&mut st, key)?)
    }

    /// `SSL_set_incoming_stream_policy`: what happens to streams the peer opens, and the
    /// application error code refused streams get.
    #[track_caller]
    pub fn set_incoming_stream_policy(
        &self,
        policy: IncomingStreamPolicy,
        code: u64,
    ) -> Result<(), SslError> {
        let key = self.expect_connection()?;
        check_app_code(code)?;
        let mut st = self.obj.port.lock();
        let app = app_mut(&mut st, key)?;
        app.policy = policy;
        app.reject_code = code;
        Ok(())
    }

    // --- Creating and accepting streams ----------------------------------------------------

    /// `SSL_new_stream`: opens a stream (bidirectional unless [`STREAM_FLAG_UNI`]). Waits for
    /// the handshake and, in blocking mode without [`STREAM_FLAG_NO_BLOCK`], for stream credit;
    /// otherwise fails with `SSL_R_STREAM_COUNT_LIMITED` when the peer's limit is reached.
    /// Once a stream was opened, a connection that has no default stream yet will never get
    /// one (and under the `AUTO` policy rejects the streams the peer opens, as OpenSSL's).
    pub fn new_stream(&self, flags: u64) -> IoResult<Ssl> {
        let key = match self.expect_conn_only() {
            Ok(k) => k,
            Err(e) => return Err(IoError::from(e)),
        };
        let dir = if flags & STREAM_FLAG_UNI != 0 {
            Dir::Uni
        } else {
            Dir::Bi
        };
        let no_block = flags & STREAM_FLAG_NO_BLOCK != 0;
        let id = self.run(no_block, |st, now| {
            self.start(st, key, now)?;
            streams_state(st, key)?;
            let id = open_stream(st, key, dir)?;
            // As OpenSSL's: a stream opened rules a default stream out.
            if let Some(app) = st.conns.get_mut(&key)
                && app.default_stream.is_none()
            {
                app.default_forbidden = true;
            }
            Ok(id)
        });
        match id {
            Ok(id) => Ok(self.stream_object(id)),
            // Without credit a blocking wait was not possible or not asked for.
            Err(e) if e.is_retry() => {
                let e = IoError::ssl(SslError::ssl(ssl_r::STREAM_COUNT_LIMITED));
                self.record::<()>(&Err(e.clone()));
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// `SSL_accept_stream`: the oldest stream the peer opened that waits to be accepted.
    /// Waits in blocking mode unless [`ACCEPT_STREAM_NO_BLOCK`]; otherwise `Ok(None)` when
    /// there is none. Fails when the incoming-stream policy rejects streams or the
    /// connection has terminated. Once a stream was accepted, a connection that has no
    /// default stream yet will never get one (and under the `AUTO` policy rejects the
    /// streams the peer opens from then on, as OpenSSL's does).
    pub fn accept_stream(&self, flags: u64) -> IoResult<Option<Ssl>> {
        let key = match self.expect_conn_only() {
            Ok(k) => k,
            Err(e) => return Err(IoError::from(e)),
        };
        let no_block = flags & ACCEPT_STREAM_NO_BLOCK != 0;
        let id = self.run(no_block, |st, now| {
            self.start(st, key, now)?;
            let app = app_mut(st, key).map_err(IoError::from)?;
            if app.effective_policy() == IncomingStreamPolicy::Reject {
                return Err(IoError::ssl(
                    SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                        .with_data("incoming stream policy rejects streams"),
                ));
            }
            if let Some(id) = app.pop_accept() {
                // As OpenSSL's: a stream accepted rules a default stream out.
                if app.default_stream.is_none() {
                    app.default_forbidden = true;
                }
                return Ok(id);
            }
            if let Some(err) = connection_failure(st, key) {
                return Err(err);
            }
            Err(IoError::want_read())
        });
        match id {
            Ok(id) => Ok(Some(self.stream_object(id))),
            Err(e) if e.is_retry() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `SSL_get_accept_stream_queue_len`: peer streams waiting to be accepted (0 for objects
    /// other than connections; with `SSL_R_CONN_USE_ONLY` for listeners and domains).
    pub fn accept_stream_queue_len(&self) -> usize {
        let key = match &self.obj.kind {
            Kind::Connection { key, .. } => *key,
            Kind::Stream { .. } => return 0,
            Kind::Listener { .. } | Kind::Domain => {
                let _ = self.expect_conn_only();
                return 0;
            }
        };
        let now = self.obj.port.now();
        let mut st = self.obj.port.lock();
        if !self.explicit_events() {
            st.tick(now);
        }
        st.conns.get(&key).map_or(0, |a| a.accept_queue.len())
    }

    // --- Identity --------------------------------------------------------------------------

    /// The stream a stream object (or a connection's default stream) is, if any.
    pub(crate) fn current_stream(&self, st: &PortState) -> Option<(ConnKey, StreamId)> {
        match &self.obj.kind {
            Kind::Stream { conn, id } => Some((conn.conn_key()?, *id)),
            Kind::Connection { key, .. } => Some((*key, st.conns.get(key)?.default_stream?)),
            Kind::Listener { .. } | Kind::Domain => None,
        }
    }

    /// `SSL_get_stream_id`: the stream's ID, or `u64::MAX` without a stream (with
    /// `SSL_R_NO_STREAM` for listeners and domains).
    pub fn stream_id(&self) -> u64 {
        if let Kind::Listener { .. } | Kind::Domain = self.obj.kind {
            SslError::ssl(ssl_r::NO_STREAM).raise();
            return u64::MAX;
        }
        let st = self.obj.port.lock();
        self.current_stream(&st)
            .map_or(u64::MAX, |(_, id)| id.varint().get())
    }

    /// `SSL_get_stream_type`. A connection whose default stream may still be made (by the
    /// first read or write, in an automatic default stream mode) reports `Bidi`, as the
    /// application can still choose either direction; with no default stream possible,
    /// `None`.
    pub fn stream_type(&self) -> StreamType {
        let st = self.obj.port.lock();
        let Some((key, id)) = self.current_stream(&st) else {
            let pending_default = match &self.obj.kind {
                Kind::Connection { key, .. } => st.conns.get(key).is_some_and(|app| {
                    app.default_stream.is_none()
                        && !app.default_created
                        && !app.default_forbidden
                        && app.default_mode != DefaultStreamMode::None
                }),
                _ => false,
            };
            return if pending_default {
                StreamType::Bidi
            } else {
                StreamType::None
            };
        };
        let local = is_local(&st, key, id);
        match (id.dir(), local) {
            (Dir::Bi, _) => StreamType::Bidi,
            (Dir::Uni, true) => StreamType::Write,
            (Dir::Uni, false) => StreamType::Read,
        }
    }

    /// `SSL_is_stream_local`: `Some(true)` if this side opened the stream, `None` without a
    /// stream (OpenSSL's -1).
    pub fn is_stream_local(&self) -> Option<bool> {
        let st = self.obj.port.lock();
        let (key, id) = self.current_stream(&st)?;
        Some(is_local(&st, key, id))
    }

    // --- States ----------------------------------------------------------------------------

    /// `SSL_get_stream_read_state`.
    pub fn stream_read_state(&self) -> StreamState {
        self.stream_state(false)
    }

    /// `SSL_get_stream_write_state`.
    pub fn stream_write_state(&self) -> StreamState {
        self.stream_state(true)
    }

    fn stream_state(&self, write: bool) -> StreamState {
        let now = self.obj.port.now();
        let mut st = self.obj.port.lock();
        if !self.explicit_events() {
            st.tick(now);
        }
        let Some((key, id)) = self.current_stream(&st) else {
            return StreamState::None;
        };
        let Some(conn) = st.conn(key) else {
            return StreamState::ConnClosed;
        };
        let local = is_local(&st, key, id);
        let has_part = if write {
            id.dir() == Dir::Bi || local
        } else {
            id.dir() == Dir::Bi || !local
        };
        if !has_part {
            return StreamState::WrongDir;
        }
        if write {
            send_state(conn, id)
        } else {
            recv_state(conn, id)
        }
    }

    /// `SSL_get_stream_read_error_code`.
    pub fn stream_read_end(&self) -> StreamEnd {
        match self.stream_read_state() {
            StreamState::ResetRemote => self.stream_code(|c, id| c.stream_recv_state(id)?.1),
            StreamState::ResetLocal => self.stream_code(Connection::stream_stop_sent),
            StreamState::Finished => StreamEnd::Finished,
            _ => StreamEnd::Open,
        }
    }

    /// `SSL_get_stream_write_error_code`.
    pub fn stream_write_end(&self) -> StreamEnd {
        match self.stream_write_state() {
            StreamState::ResetRemote => self.stream_code(|c, id| c.stream_send_info(id)?.stop_code),
            StreamState::ResetLocal => self.stream_code(|c, id| c.stream_send_info(id)?.reset_code),
            StreamState::Finished => StreamEnd::Finished,
            _ => StreamEnd::Open,
        }
    }

    /// A reset's application error code, as `code` reads it from the current stream.
    fn stream_code(&self, code: impl FnOnce(&Connection, StreamId) -> Option<u64>) -> StreamEnd {
        let st = self.obj.port.lock();
        self.current_stream(&st)
            .and_then(|(key, id)| code(st.conn(key)?, id))
            .map_or(StreamEnd::Open, StreamEnd::Reset)
    }

    // --- Ending streams --------------------------------------------------------------------

    /// `SSL_stream_conclude`: ends the sending part after the data written (FIN). Later calls
    /// succeed without effect. Fails on a receive-only stream, a connection without a default
    /// stream, and after a reset.
    #[track_caller]
    pub fn stream_conclude(&self) -> Result<(), SslError> {
        let mut st = self.obj.port.lock();
        let (key, id) = self.require_stream(&st)?;
        let now = self.obj.port.now();
        let result = conclude(&mut st, key, id);
        if !self.explicit_events() {
            st.flush(now);
        }
        result
    }

    /// Asks the peer to stop sending on this stream with an application error code in
    /// [0, 2^62-1] (STOP_SENDING): a qssl extension (OpenSSL sends STOP_SENDING only when a
    /// stream with unread data is freed, with code 0), which HTTP/3 needs to stop a request
    /// stream with H3_NO_ERROR. Data still arriving is discarded. Repeated calls succeed;
    /// the first code is the one sent. Fails on a send-only stream.
    #[track_caller]
    pub fn stream_stop_sending(&self, code: u64) -> Result<(), SslError> {
        // A stream of ours that only sends has nothing to stop.
        self.end_stream_part(
            code,
            true,
            ssl_r::STREAM_SEND_ONLY,
            Connection::stream_stop_sending,
        )
    }

    /// `SSL_stream_reset`: abandons the sending part with an application error code in
    /// [0, 2^62-1] (RESET_STREAM). Repeated calls succeed; the first code is the one sent.
    #[track_caller]
    pub fn stream_reset(&self, code: u64) -> Result<(), SslError> {
        // A peer's stream that only sends to us has nothing to reset.
        self.end_stream_part(
            code,
            false,
            ssl_r::STREAM_RECV_ONLY,
            Connection::stream_reset,
        )
    }

    /// Ends one part of the stream with `code` through `end`; a unidirectional stream opened
    /// locally (`local_uni_refused`) or by the peer (otherwise) fails with `wrong_way`. A
    /// stream already finished or gone has nothing left to end: success.
    #[track_caller]
    fn end_stream_part(
        &self,
        code: u64,
        local_uni_refused: bool,
        wrong_way: i32,
        end: fn(&mut Connection, StreamId, u64) -> Result<(), qssl_quic::conn::StreamError>,
    ) -> Result<(), SslError> {
        check_app_code(code)?;
        let mut st = self.obj.port.lock();
        let (key, id) = self.require_stream(&st)?;
        if is_local(&st, key, id) == local_uni_refused && id.dir() == Dir::Uni {
            return Err(SslError::ssl(wrong_way).raise());
        }
        let now = self.obj.port.now();
        let Some(conn) = st.conn_mut(key).1 else {
            return Err(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN).raise());
        };
        if let Err(qssl_quic::conn::StreamError::ConnectionClosed) = end(conn, id, code) {
            return Err(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN).raise());
        }
        if !self.explicit_events() {
            st.flush(now);
        }
        Ok(())
    }

    /// The stream of a stream object or a connection's default stream, or
    /// `SSL_R_NO_STREAM` (also for listeners and domains, which have none).
    #[track_caller]
    pub(crate) fn require_stream(&self, st: &PortState) -> Result<(ConnKey, StreamId), SslError> {
        self.current_stream(st)
            .ok_or_else(|| SslError::ssl(ssl_r::NO_STREAM).raise())
    }

    /// The stream I/O on this object goes to: a stream object's own, or the connection's
    /// default stream, bound on first use (a write opens one, a read takes the peer's
    /// oldest). Starts a client connection and waits for its handshake first.
    pub(crate) fn io_stream(
        &self,
        st: &mut PortState,
        now: std::time::Instant,
        write: bool,
    ) -> IoResult<(ConnKey, StreamId)> {
        let key = match &self.obj.kind {
            Kind::Stream { conn, id } => {
                return conn
                    .conn_key()
                    .map(|k| (k, *id))
                    .ok_or_else(|| IoError::ssl(SslError::ssl(ssl_r::NO_STREAM)));
            }
            Kind::Listener { .. } | Kind::Domain => return Err(super::object::listener_io_error()),
            Kind::Connection { key, .. } => *key,
        };
        if let Some(id) = st.conns.get(&key).and_then(|a| a.default_stream) {
            return Ok((key, id));
        }
        let possible = st.conns.get(&key).is_some_and(ConnApp::default_possible);
        if !possible {
            return Err(IoError::ssl(SslError::ssl(ssl_r::NO_STREAM)));
        }
        self.start(st, key, now)?;
        streams_state(st, key)?;
        let mode = st.conns.get(&key).map(|a| a.default_mode);
        let id = if write {
            let dir = if mode == Some(DefaultStreamMode::AutoUni) {
                Dir::Uni
            } else {
                Dir::Bi
            };
            open_stream(st, key, dir)?
        } else {
            let app = app_mut(st, key).map_err(IoError::from)?;
            match app.pop_accept() {
                Some(id) => id,
                None => {
                    return Err(connection_failure(st, key).unwrap_or_else(IoError::want_read));
                }
            }
        };
        if let Some(app) = st.conns.get_mut(&key) {
            app.default_stream = Some(id);
            app.default_created = true;
        }
        Ok((key, id))
    }
}

/// Whether `app`'s default stream mode can still change: not once a default stream was made
/// or ruled out (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`, "too late", as OpenSSL says).
#[track_caller]
fn default_mode_settable(app: &ConnApp) -> Result<(), SslError> {
    if app.default_created || app.default_forbidden {
        return Err(
            SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
                .with_data("too late to change default stream mode")
                .raise(),
        );
    }
    Ok(())
}

/// Opens a stream of `dir` on `key` and holds it for its object.
fn open_stream(st: &mut PortState, key: ConnKey, dir: Dir) -> IoResult<StreamId> {
    if let Some(err) = connection_failure(st, key) {
        return Err(err);
    }
    let Some(conn) = st.conn_mut(key).1 else {
        return Err(IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)));
    };
    match conn.open_stream(dir) {
        Ok(id) => {
            conn.stream_hold(id);
            Ok(id)
        }
        Err(qssl_quic::conn::StreamError::LimitReached) => Err(IoError::want_write()),
        Err(e) => Err(IoError::ssl(
            SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN).with_data(e.to_string()),
        )),
    }
}

/// Concludes the sending part of `id`.
#[track_caller]
pub(crate) fn conclude(st: &mut PortState, key: ConnKey, id: StreamId) -> Result<(), SslError> {
    let Some(conn) = st.conn_mut(key).1 else {
        return Err(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN).raise());
    };
    let Some(info) = conn.stream_send_info(id) else {
        return Err(SslError::ssl(ssl_r::STREAM_RECV_ONLY).raise());
    };
    if info.concluded {
        return Ok(());
    }
    if info.reset_code.is_some() || info.stop_code.is_some() {
        return Err(SslError::ssl(ssl_r::STREAM_RESET).raise());
    }
    conn.stream_finish(id).map_err(|e| {
        SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)
            .with_data(e.to_string())
            .raise()
    })
}

/// A stream's object is gone: an unconcluded sending part is reset and an unfinished
/// receiving part stopped (both with code 0); the engine forgets the stream once both parts
/// are done.
pub(crate) fn release_stream(st: &mut PortState, key: ConnKey, id: StreamId) {
    if let Some(app) = st.conns.get_mut(&key) {
        app.fin_reported.remove(&id);
    }
    if let Some(conn) = st.conn_mut(key).1 {
        conn.stream_discard(id, 0);
    }
}

/// Whether this side opened `id`.
fn is_local(st: &PortState, key: ConnKey, id: StreamId) -> bool {
    let side = st.conn(key).map(|c| c.side()).unwrap_or(Side::Client);
    id.initiator() == side
}

/// The write state of `id`.
fn send_state(conn: &Connection, id: StreamId) -> StreamState {
    let Some(info) = conn.stream_send_info(id) else {
        return if conn.is_closed() || conn.close_info().is_some() {
            StreamState::ConnClosed
        } else {
            StreamState::None
        };
    };
    if info.stop_code.is_some() {
        return StreamState::ResetRemote;
    }
    if info.reset_code.is_some() {
        return StreamState::ResetLocal;
    }
    if conn.close_info().is_some() {
        return StreamState::ConnClosed;
    }
    match info.state {
        SendState::DataSent | SendState::DataRecvd => StreamState::Finished,
        _ if info.concluded => StreamState::Finished,
        _ => StreamState::Ok,
    }
}

/// The read state of `id`.
fn recv_state(conn: &Connection, id: StreamId) -> StreamState {
    let Some((state, _)) = conn.stream_recv_state(id) else {
        return if conn.close_info().is_some() {
            StreamState::ConnClosed
        } else {
            StreamState::None
        };
    };
    match state {
        RecvState::ResetRecvd | RecvState::ResetRead => StreamState::ResetRemote,
        _ if conn.close_info().is_some() => StreamState::ConnClosed,
        // As OpenSSL: finished once the application's reads have taken the FIN (all data
        // read), not when the FIN merely arrived.
        RecvState::DataRead => StreamState::Finished,
        _ if conn.stream_stop_sent(id).is_some() => StreamState::ResetLocal,
        RecvState::Recv | RecvState::SizeKnown | RecvState::DataRecvd => StreamState::Ok,
    }
}

/// The application state of `key`, or an internal error if it is gone.
#[track_caller]
pub(crate) fn app_mut(st: &mut PortState, key: ConnKey) -> Result<&mut ConnApp, SslError> {
    st.conns.get_mut(&key).ok_or_else(|| {
        SslError::new(ERR_LIB_SSL, err_r::INTERNAL_ERROR)
            .with_data("connection state missing")
            .raise()
    })
}

/// Fails with `ERR_R_PASSED_INVALID_ARGUMENT` for an application error code above 2^62-1.
#[track_caller]
pub(crate) fn check_app_code(code: u64) -> Result<(), SslError> {
    if code > qssl_quic::VarInt::MAX.get() {
        return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("application error code above 2^62-1")
            .raise());
    }
    Ok(())
}
