//! The record pump of a TLS object: rustls on one side, the object's stream BIOs on the other.
//!
//! Every complete flight rustls produces, and every write, goes out through the write BIO and
//! is followed by a flush of the BIO chain, so a buffering filter never holds a handshake
//! message back (the failure seed 000 describes). A BIO that cannot take or give bytes now
//! turns into WANT_WRITE / WANT_READ, exactly where OpenSSL reports them; the caller retries
//! the same call later.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use qssl_bio::{BioError, StreamBio};
use rustls::server::Acceptor;
use rustls::{ClientConnection, Connection};

use super::errors::tls_failure;
use super::info::{
    CB_ALERT, CB_HANDSHAKE_DONE, CB_LOOP, CB_READ, CB_WRITE, HandshakeState, InfoEvent, ST_ACCEPT,
    ST_CONNECT,
};
use super::records::RecordCheck;
use super::{Role, SharedStreamBio};
use crate::ctx::{SSL_OP_IGNORE_UNEXPECTED_EOF, TlsServerTemplate};
use crate::error::{SslError, ssl_r};
use crate::result::{ErrorCode, IoError, IoResult};

/// Where the TLS session is.
pub(crate) enum Engine {
    /// Nothing started yet.
    Idle,
    /// A server waiting for the whole ClientHello, to choose its configuration.
    Accepting(Box<Acceptor>),
    /// The handshake is under way or done.
    Running(Box<Connection>),
}

/// A write that could not finish: the caller retries with the same buffer, and the bytes
/// rustls already took are not taken again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingWrite {
    pub(crate) ptr: usize,
    pub(crate) len: usize,
    pub(crate) taken: usize,
}

/// A stream BIO as `io::Read`/`io::Write` for rustls, keeping the BIO's own error. On the
/// read side the record headers are followed by `check`.
struct BioIo<'a> {
    bio: &'a Mutex<dyn StreamBio>,
    error: &'a mut Option<BioError>,
    check: Option<&'a mut RecordCheck>,
    /// Where the first bytes of this direction are kept (see [`HELLO_HEAD`]).
    head: Option<&'a mut Vec<u8>>,
}

/// How many of the first bytes each direction keeps: a record header (5), the handshake
/// message header (4), the legacy version (2) and the hello's random (32).
const HELLO_HEAD: usize = 43;

/// Keeps the first bytes of a direction in `head`, up to [`HELLO_HEAD`].
fn keep_head(head: &mut Option<&mut Vec<u8>>, bytes: &[u8]) {
    if let Some(head) = head {
        let room = HELLO_HEAD.saturating_sub(head.len());
        head.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
}

/// The random of the hello of type `kind` (1: ClientHello, 2: ServerHello) at the start of
/// a direction's bytes, if they begin with one.
fn hello_random(head: &[u8], kind: u8) -> Option<[u8; 32]> {
    if head.len() < HELLO_HEAD || head[0] != 22 || head[5] != kind {
        return None;
    }
    head[11..HELLO_HEAD].try_into().ok()
}

/// Most bytes of several records one BIO write carries (a flight, or queued records).
const JOINED_WRITE: usize = 64 * 1024;

/// Marks a read refused by the record check (the reason is kept in the check's slot).
const RECORD_REFUSED: &str = "record refused";

impl BioIo<'_> {
    fn map(&mut self, e: BioError) -> io::Error {
        if e == BioError::WouldBlock {
            return io::ErrorKind::WouldBlock.into();
        }
        let err = io::Error::other(e.to_string());
        *self.error = Some(e);
        err
    }
}

impl Read for BioIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.read_raw(buf)?;
        keep_head(&mut self.head, &buf[..n]);
        if let Some(check) = self.check.as_deref_mut()
            && let Err(reason) = check.scan(&buf[..n])
        {
            check.refused = Some(reason);
            return Err(io::Error::other(RECORD_REFUSED));
        }
        Ok(n)
    }
}

impl BioIo<'_> {
    fn read_raw(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = self
            .bio
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .read(buf);
        r.map_err(|e| self.map(e))
    }
}

impl Write for BioIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self
            .bio
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf);
        let n = r.map_err(|e| self.map(e))?;
        keep_head(&mut self.head, &buf[..n]);
        Ok(n)
    }

    /// rustls hands a whole flight over as several slices: they go to the BIO in one write,
    /// as OpenSSL writes a flight, so a socket sends them in one segment (one Nagle delay
    /// per flight at most, not one per record). Queued application records are joined the
    /// same way up to [`JOINED_WRITE`] bytes a write; a slice that large goes alone, uncopied.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut slices = bufs.iter().filter(|b| !b.is_empty());
        let Some(first) = slices.next() else {
            return Ok(0);
        };
        if first.len() >= JOINED_WRITE {
            return self.write(first);
        }
        let mut joined = Vec::with_capacity(JOINED_WRITE);
        joined.extend_from_slice(first);
        for b in slices {
            if joined.len() + b.len() > JOINED_WRITE {
                break;
            }
            joined.extend_from_slice(b);
        }
        self.write(&joined)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self
            .bio
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
        r.map_err(|e| self.map(e))
    }
}

/// The I/O half of a TLS object's state.
pub(crate) struct Pump {
    pub(crate) engine: Engine,
    pub(crate) rbio: Option<SharedStreamBio>,
    pub(crate) wbio: Option<SharedStreamBio>,
    /// The first fatal error; every later call reports it again.
    pub(crate) fatal: Option<SslError>,
    /// close_notify sent / received (`SSL_SENT_SHUTDOWN` / `SSL_RECEIVED_SHUTDOWN`).
    pub(crate) sent_shutdown: bool,
    pub(crate) received_shutdown: bool,
    pub(crate) options: u64,
    pub(crate) pending_write: Option<PendingWrite>,
    /// The handshake completed and its last flight went out: later calls skip it.
    pub(crate) handshake_done: bool,
    /// Follows the peer's record headers.
    records: RecordCheck,
    /// The role the session was started in.
    role: Option<Role>,
    /// Bytes have come from the peer (the handshake state tells a client that has heard
    /// nothing yet from one that has).
    received: bool,
    /// Bytes went out after some came in (a TLS 1.2 client answered the server's flight).
    answered: bool,
    /// Info callback events not yet delivered.
    pub(crate) events: Vec<InfoEvent>,
    /// The first bytes this object wrote and read (the hellos, for their randoms).
    sent_head: Vec<u8>,
    received_head: Vec<u8>,
    /// `SSL_key_update`'s type while its KeyUpdate message waits to be written.
    pub(crate) key_update: Option<i32>,
}

/// `SSL_AD_CLOSE_NOTIFY` at warning level, as alert events carry it (`level << 8 | desc`).
pub(crate) const CLOSE_NOTIFY_ALERT: i32 = 0x100;

/// A fatal alert with `description`, as alert events carry it.
pub(crate) fn fatal_alert(description: u8) -> i32 {
    0x200 | i32::from(description)
}

/// Fails with a fatal SSL error, remembering it.
fn fail(fatal: &mut Option<SslError>, err: SslError) -> IoError {
    let err = err.raise();
    *fatal = Some(err.clone());
    IoError::from(err)
}

/// What a rustls read or write through a BIO came to: the count, WANT_READ/WANT_WRITE
/// (`want`) for a BIO that would block, or the BIO's failure (fatal).
fn bio_outcome(
    result: io::Result<usize>,
    error: &mut Option<BioError>,
    fatal: &mut Option<SslError>,
    want: fn() -> IoError,
) -> IoResult<usize> {
    match result {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(want()),
        Err(_) => Err(bio_failure(fatal, error.take().unwrap_or(BioError::Os(0)))),
    }
}

/// Fails (fatally) if the record check refused a header in the bytes just read.
fn check_records(records: &mut RecordCheck, fatal: &mut Option<SslError>) -> IoResult<()> {
    match records.refused.take() {
        Some(reason) => Err(fail(
            fatal,
            SslError::ssl(reason).with_data("record header of a protected TLS 1.3 record"),
        )),
        None => Ok(()),
    }
}

/// A BIO failure: a system error as SYSCALL, anything else as SSL (both fatal).
fn bio_failure(fatal: &mut Option<SslError>, e: BioError) -> IoError {
    let err = SslError::from(e).raise();
    *fatal = Some(err.clone());
    if err.is_system() {
        IoError::syscall(err)
    } else {
        IoError::from(err)
    }
}

impl Pump {
    /// The state of a new object.
    pub(crate) fn new(options: u64) -> Self {
        Pump {
            engine: Engine::Idle,
            rbio: None,
            wbio: None,
            fatal: None,
            sent_shutdown: false,
            received_shutdown: false,
            options,
            pending_write: None,
            handshake_done: false,
            records: RecordCheck::default(),
            role: None,
            received: false,
            answered: false,
            events: Vec::new(),
            sent_head: Vec::new(),
            received_head: Vec::new(),
            key_update: None,
        }
    }

    /// `SSL_get_client_random` and `SSL_get_server_random`: the randoms of the hellos this
    /// connection sent and received, as they went over the wire (`None` before).
    pub(crate) fn randoms(&self) -> (Option<[u8; 32]>, Option<[u8; 32]>) {
        let (client_head, server_head) = match self.role {
            Some(Role::Server) => (&self.received_head, &self.sent_head),
            _ => (&self.sent_head, &self.received_head),
        };
        (hello_random(client_head, 1), hello_random(server_head, 2))
    }

    /// Back to the state of a new object (`SSL_clear`), keeping the BIOs and options.
    pub(crate) fn reset(&mut self) {
        let (rbio, wbio, options) = (self.rbio.take(), self.wbio.take(), self.options);
        *self = Pump::new(options);
        self.rbio = rbio;
        self.wbio = wbio;
    }

    /// Whether a fatal error has ended the connection.
    pub(crate) fn in_error(&self) -> bool {
        self.fatal.is_some()
    }

    /// The handshake state, as OpenSSL numbers it (see the `info` module).
    pub(crate) fn handshake_state(&self) -> HandshakeState {
        let conn = match &self.engine {
            Engine::Idle | Engine::Accepting(_) => return HandshakeState::Before,
            Engine::Running(_) if self.handshake_done => return HandshakeState::Ok,
            Engine::Running(conn) => conn,
        };
        let tls12 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_2);
        match self.role {
            Some(Role::Server) if !tls12 => HandshakeState::EarlyData,
            Some(Role::Server)
                if matches!(conn.handshake_kind(), Some(rustls::HandshakeKind::Resumed)) =>
            {
                HandshakeState::ServerWroteFinished
            }
            Some(Role::Server) => HandshakeState::ServerWroteDone,
            _ if !self.received => HandshakeState::ClientWroteHello,
            _ if tls12 && self.answered => HandshakeState::ClientWroteFinished,
            _ => HandshakeState::ClientReadServerHello,
        }
    }

    /// Records an info event in the current state.
    pub(crate) fn event(&mut self, where_: i32, ret: i32) {
        let state = self.handshake_state();
        self.event_in(where_, ret, state);
    }

    /// Records an info event in `state`.
    pub(crate) fn event_in(&mut self, where_: i32, ret: i32, state: HandshakeState) {
        self.events.push(InfoEvent { where_, ret, state });
    }

    /// `SSL_ST_CONNECT` or `SSL_ST_ACCEPT`, for loop and exit events.
    pub(crate) fn side_bits(&self) -> i32 {
        match self.role {
            Some(Role::Server) => ST_ACCEPT,
            _ => ST_CONNECT,
        }
    }

    fn bios(&self) -> Result<(SharedStreamBio, SharedStreamBio), IoError> {
        match (&self.rbio, &self.wbio) {
            (Some(r), Some(w)) => Ok((r.clone(), w.clone())),
            (None, _) => Err(IoError::ssl(SslError::ssl(ssl_r::READ_BIO_NOT_SET))),
            (_, None) => Err(IoError::ssl(SslError::ssl(ssl_r::BIO_NOT_SET))),
        }
    }

    /// The error of an earlier fatal failure, if any.
    pub(crate) fn check_fatal(&self) -> IoResult<()> {
        match &self.fatal {
            Some(e) => Err(IoError::ssl(e.clone())),
            None => Ok(()),
        }
    }

    /// Starts the session for `role`: a client connection at once, a server acceptor.
    pub(crate) fn start(
        &mut self,
        role: Role,
        client: impl FnOnce() -> Result<ClientConnection, SslError>,
    ) -> IoResult<()> {
        if !matches!(self.engine, Engine::Idle) {
            return Ok(());
        }
        self.role = Some(role);
        self.engine = match role {
            Role::Client => match client() {
                Ok(c) => Engine::Running(Box::new(c.into())),
                Err(e) => return Err(fail(&mut self.fatal, e)),
            },
            Role::Server => Engine::Accepting(Box::default()),
        };
        Ok(())
    }

    /// Writes everything rustls has to send, then flushes the write BIO chain.
    pub(crate) fn send_pending(&mut self) -> IoResult<()> {
        if !matches!(self.engine, Engine::Running(_)) {
            return Ok(());
        }
        let (_, wbio) = self.bios()?;
        let Engine::Running(conn) = &mut self.engine else {
            return Ok(());
        };
        let mut error = None;
        let mut io = BioIo {
            bio: &*wbio,
            error: &mut error,
            check: None,
            head: Some(&mut self.sent_head),
        };
        while conn.wants_write() {
            let r = conn.write_tls(&mut io);
            if bio_outcome(r, io.error, &mut self.fatal, IoError::want_write)? > 0 && self.received
            {
                self.answered = true;
            }
        }
        // Everything queued went to the BIO, a KeyUpdate message with it.
        self.key_update = None;
        let r = io.flush().map(|()| 0);
        bio_outcome(r, io.error, &mut self.fatal, IoError::want_write).map(|_| ())
    }

    /// Reads once from the read BIO into rustls and processes the records. Returns whether
    /// the BIO reached its end.
    fn receive(&mut self) -> IoResult<bool> {
        let (rbio, _) = self.bios()?;
        let Engine::Running(conn) = &mut self.engine else {
            return Ok(false);
        };
        let mut error = None;
        let mut io = BioIo {
            bio: &*rbio,
            error: &mut error,
            check: Some(&mut self.records),
            head: Some(&mut self.received_head),
        };
        let r = conn.read_tls(&mut io);
        check_records(&mut self.records, &mut self.fatal)?;
        let n = bio_outcome(r, &mut error, &mut self.fatal, IoError::want_read)?;
        self.received |= n > 0;
        if let Err(e) = conn.process_new_packets() {
            if let rustls::Error::AlertReceived(alert) = &e {
                self.event(CB_ALERT | CB_READ, fatal_alert(u8::from(*alert)));
            }
            // Let the alert rustls queued go out, then fail.
            let _ = self.send_pending();
            return Err(fail(&mut self.fatal, tls_failure(&e)));
        }
        Ok(n == 0)
    }

    /// The error for the transport ending without close_notify: a clean end with
    /// `SSL_OP_IGNORE_UNEXPECTED_EOF`, otherwise `SSL_R_UNEXPECTED_EOF_WHILE_READING`.
    fn unexpected_eof(&mut self) -> IoError {
        if self.options & SSL_OP_IGNORE_UNEXPECTED_EOF != 0 {
            self.received_shutdown = true;
            return IoError::zero_return();
        }
        fail(
            &mut self.fatal,
            SslError::ssl(ssl_r::UNEXPECTED_EOF_WHILE_READING),
        )
    }

    /// Drives the handshake until it completes or would block.
    pub(crate) fn handshake(&mut self, server: Option<&TlsServerTemplate>) -> IoResult<()> {
        self.check_fatal()?;
        if self.handshake_done {
            return Ok(());
        }
        loop {
            match &mut self.engine {
                Engine::Idle => {
                    return Err(IoError::ssl(SslError::ssl(ssl_r::CONNECTION_TYPE_NOT_SET)));
                }
                Engine::Accepting(_) => self.accept_step(server)?,
                Engine::Running(conn) => {
                    let handshaking = conn.is_handshaking();
                    let tls13 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
                    self.send_pending()?;
                    if !handshaking {
                        self.handshake_done = true;
                        if tls13 {
                            self.records.require_tls13_protection();
                        }
                        // A TLS 1.3 server's handshake ends as its tickets go out.
                        let done_state = match self.role {
                            Some(Role::Server) if tls13 => HandshakeState::ServerWroteTicket,
                            _ => HandshakeState::Ok,
                        };
                        self.event(self.side_bits() | CB_LOOP, 1);
                        self.event_in(CB_HANDSHAKE_DONE, 1, done_state);
                        return Ok(());
                    }
                    if self.receive()? {
                        return Err(self.eof_in_handshake());
                    }
                }
            }
        }
    }

    /// The transport ended during the handshake.
    fn eof_in_handshake(&mut self) -> IoError {
        fail(
            &mut self.fatal,
            SslError::ssl(ssl_r::UNEXPECTED_EOF_WHILE_READING)
                .with_data("connection closed during the handshake"),
        )
    }

    /// Reads toward a complete ClientHello; once it is there, makes the connection with the
    /// configuration chosen for this client.
    fn accept_step(&mut self, server: Option<&TlsServerTemplate>) -> IoResult<()> {
        let (rbio, wbio) = self.bios()?;
        let Engine::Accepting(acceptor) = &mut self.engine else {
            return Ok(());
        };
        let mut error = None;
        let mut io = BioIo {
            bio: &*rbio,
            error: &mut error,
            check: Some(&mut self.records),
            head: Some(&mut self.received_head),
        };
        let r = acceptor.read_tls(&mut io);
        check_records(&mut self.records, &mut self.fatal)?;
        let n = bio_outcome(r, &mut error, &mut self.fatal, IoError::want_read)?;
        let accepted = match acceptor.accept() {
            Ok(Some(a)) => a,
            Ok(None) if n == 0 => return Err(self.eof_in_handshake()),
            Ok(None) => return Ok(()),
            Err((e, alert)) => return Err(self.refuse(&wbio, &e, alert)),
        };
        let Some(server) = server else {
            return Err(fail(
                &mut self.fatal,
                SslError::ssl(ssl_r::NO_CERTIFICATE_SET),
            ));
        };
        let config = match server.for_client(&accepted.client_hello()) {
            Ok(c) => c,
            Err(alert) => {
                send_plain_alert(&wbio, alert);
                self.event(CB_ALERT | CB_WRITE, fatal_alert(alert));
                return Err(fail(
                    &mut self.fatal,
                    SslError::ssl(ssl_r::SSL_HANDSHAKE_FAILURE).with_data(format!(
                        "client refused by the SNI or ALPN callback (alert {alert})"
                    )),
                ));
            }
        };
        match accepted.into_connection(config) {
            Ok(conn) => {
                self.engine = Engine::Running(Box::new(conn.into()));
                Ok(())
            }
            Err((e, alert)) => Err(self.refuse(&wbio, &e, alert)),
        }
    }

    /// Sends the alert rustls made for a refused ClientHello and fails with `err`.
    fn refuse(
        &mut self,
        wbio: &SharedStreamBio,
        err: &rustls::Error,
        mut alert: rustls::server::AcceptedAlert,
    ) -> IoError {
        let mut ignored = None;
        let _ = alert.write_all(&mut BioIo {
            bio: &**wbio,
            error: &mut ignored,
            check: None,
            head: None,
        });
        let _ = wbio.lock().unwrap_or_else(PoisonError::into_inner).flush();
        fail(&mut self.fatal, tls_failure(err))
    }

    /// Reads (or with `peek` copies without consuming) application data into `buf`. Without
    /// `auto_retry` (`SSL_MODE_AUTO_RETRY` cleared), a read that processed records but found
    /// no application data in them reports WANT_READ even on a blocking BIO, as OpenSSL does.
    pub(crate) fn read(&mut self, buf: &mut [u8], peek: bool, auto_retry: bool) -> IoResult<usize> {
        self.check_fatal()?;
        if self.received_shutdown {
            return Err(IoError::zero_return());
        }
        let mut received = false;
        loop {
            let Engine::Running(conn) = &mut self.engine else {
                return Err(IoError::ssl(SslError::ssl(ssl_r::CONNECTION_TYPE_NOT_SET)));
            };
            let mut reader = conn.reader();
            let outcome = if peek {
                reader.fill_buf().map(|chunk| {
                    let n = chunk.len().min(buf.len());
                    buf[..n].copy_from_slice(&chunk[..n]);
                    n
                })
            } else {
                reader.read(buf)
            };
            match outcome {
                Ok(0) if !buf.is_empty() => {
                    self.received_shutdown = true;
                    self.event(CB_ALERT | CB_READ, CLOSE_NOTIFY_ALERT);
                    return Err(IoError::zero_return());
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(self.unexpected_eof());
                }
                Err(e) => {
                    return Err(fail(
                        &mut self.fatal,
                        SslError::ssl(ssl_r::BAD_PACKET).with_data(e.to_string()),
                    ));
                }
            }
            if received && !auto_retry {
                return Err(IoError::want_read());
            }
            // Answers (a key update) go out before waiting for more.
            self.send_pending()?;
            let _ = self.receive()?;
            received = true;
        }
    }

    /// Writes `buf` (see the object's `write` for the retry and partial-write rules).
    pub(crate) fn write(&mut self, buf: &[u8], mode: WriteMode) -> IoResult<usize> {
        self.check_fatal()?;
        if self.sent_shutdown {
            return Err(IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)));
        }
        let ptr = buf.as_ptr() as usize;
        let start = match self.pending_write {
            Some(p) if p.len == buf.len() && (p.ptr == ptr || mode.moving) => p.taken,
            Some(_) => {
                self.pending_write = None;
                return Err(IoError::ssl(SslError::ssl(ssl_r::BAD_WRITE_RETRY)));
            }
            None => 0,
        };
        let mut taken = start;
        loop {
            if let Err(e) = self.send_pending() {
                self.pending_write = e.is_retry().then_some(PendingWrite {
                    ptr,
                    len: buf.len(),
                    taken,
                });
                return Err(e);
            }
            if taken == buf.len() || (mode.partial && taken > 0) {
                self.pending_write = None;
                return Ok(taken);
            }
            let Engine::Running(conn) = &mut self.engine else {
                return Err(IoError::ssl(SslError::ssl(ssl_r::CONNECTION_TYPE_NOT_SET)));
            };
            // A partial write takes one record's worth at a time, as OpenSSL's does.
            let end = if mode.partial {
                buf.len().min(taken + MAX_RECORD_PLAINTEXT)
            } else {
                buf.len()
            };
            match conn.writer().write(&buf[taken..end]) {
                Ok(n) => taken += n,
                Err(e) => {
                    return Err(fail(
                        &mut self.fatal,
                        SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN).with_data(e.to_string()),
                    ));
                }
            }
        }
    }

    /// `SSL_shutdown`: sends close_notify (once); `Ok(true)` once the peer's has arrived too.
    /// The first call that sends returns `Ok(false)` without waiting (OpenSSL's 0); a later
    /// call reads until the peer's close_notify, discarding data. Before the handshake has
    /// completed: `SSL_R_SHUTDOWN_WHILE_IN_INIT`, as in OpenSSL. With `quiet`
    /// (`SSL_set_quiet_shutdown`) nothing is sent: both directions count as shut, `Ok(true)`.
    /// A close_notify marked sent with `SSL_set_shutdown` is not sent.
    pub(crate) fn shutdown(&mut self, quiet: bool) -> IoResult<bool> {
        self.check_fatal()?;
        // Before the handshake has completed (or even started) there is nothing to close yet.
        let conn = match &mut self.engine {
            Engine::Running(conn) if !conn.is_handshaking() => conn,
            _ => return Err(IoError::ssl(SslError::ssl(ssl_r::SHUTDOWN_WHILE_IN_INIT))),
        };
        if quiet {
            self.sent_shutdown = true;
            self.received_shutdown = true;
            return Ok(true);
        }
        let first = !self.sent_shutdown;
        if first {
            conn.send_close_notify();
            self.sent_shutdown = true;
            self.event(CB_ALERT | CB_WRITE, CLOSE_NOTIFY_ALERT);
        }
        self.send_pending()?;
        if self.received_shutdown {
            return Ok(true);
        }
        if first {
            return Ok(false);
        }
        let mut scratch = [0u8; 4096];
        match self.read(&mut scratch, false, true) {
            Err(e) if e.code() == ErrorCode::ZeroReturn => Ok(true),
            Err(e) => Err(e),
            // Application data after our close_notify is dropped.
            Ok(_) => self.shutdown(false),
        }
    }

    /// Plaintext bytes ready to read (`SSL_pending`).
    pub(crate) fn pending(&mut self) -> usize {
        let Engine::Running(conn) = &mut self.engine else {
            return 0;
        };
        match conn.process_new_packets() {
            Ok(state) => state.plaintext_bytes_to_read(),
            Err(e) => {
                self.fatal = Some(tls_failure(&e));
                0
            }
        }
    }

    /// Whether nothing has started yet.
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self.engine, Engine::Idle)
    }

    /// The connection, once running.
    pub(crate) fn conn(&self) -> Option<&Connection> {
        match &self.engine {
            Engine::Running(c) => Some(c),
            _ => None,
        }
    }
}

/// Most plaintext one TLS record carries.
const MAX_RECORD_PLAINTEXT: usize = 16 * 1024;

/// How a write may complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriteMode {
    /// `SSL_MODE_ENABLE_PARTIAL_WRITE`.
    pub(crate) partial: bool,
    /// `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`.
    pub(crate) moving: bool,
}

/// Sends a fatal alert as a plaintext record (before the server's first flight, alerts are
/// not encrypted) and flushes.
fn send_plain_alert(wbio: &Arc<Mutex<dyn StreamBio>>, description: u8) {
    let record = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description];
    let mut bio = wbio.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = bio.write(&record);
    let _ = bio.flush();
}

#[cfg(test)]
mod tests {
    use std::io::{IoSlice, Write};
    use std::sync::Mutex;

    use qssl_bio::{MemBio, StreamBio};

    use super::{BioIo, JOINED_WRITE};

    /// Each BIO write `write_vectored` makes for `slices`, by length, until all are written.
    fn writes(slices: &[Vec<u8>]) -> Vec<usize> {
        let bio: Mutex<MemBio> = Mutex::new(MemBio::new());
        let mut error = None;
        let mut io = BioIo {
            bio: &bio as &Mutex<dyn StreamBio>,
            error: &mut error,
            check: None,
            head: None,
        };
        let mut sizes = Vec::new();
        let total: usize = slices.iter().map(Vec::len).sum();
        let mut done = 0;
        while done < total {
            // The slices not yet written, as rustls hands them over again.
            let mut skip = done;
            let rest: Vec<IoSlice<'_>> = slices
                .iter()
                .filter_map(|s| {
                    let from = skip.min(s.len());
                    skip -= from;
                    (from < s.len()).then(|| IoSlice::new(&s[from..]))
                })
                .collect();
            let n = io.write_vectored(&rest).unwrap();
            sizes.push(n);
            done += n;
        }
        let expected: Vec<u8> = slices.concat();
        assert_eq!(
            bio.lock().unwrap().contents(),
            &expected[..],
            "bytes in order"
        );
        sizes
    }

    #[test]
    fn a_flight_goes_in_one_write_and_queued_records_in_bounded_ones() {
        // A flight of small records: one write.
        assert_eq!(writes(&[vec![1; 100], vec![2; 900], vec![3; 52]]), [1052]);
        // Full records: joined up to the bound, never beyond it.
        let record = 16 * 1024 + 22;
        let sizes = writes(&vec![vec![7u8; record]; 10]);
        assert_eq!(sizes, [3 * record, 3 * record, 3 * record, record]);
        assert!(sizes.iter().all(|&n| n <= JOINED_WRITE));
        // A slice as large as the bound goes alone.
        assert_eq!(
            writes(&[vec![1; JOINED_WRITE], vec![2; 10]]),
            [JOINED_WRITE, 10]
        );
    }
}
