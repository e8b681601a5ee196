//! hq-interop over qssl's SSL objects: the client sends `GET /<name>\r\n` and FIN on a
//! bidirectional stream, the server answers with the file's bytes and FIN.
//!
//! Both sides run non-blocking in one thread and wait with [`qssl::quic::poll()`], as an
//! OpenSSL application using `SSL_poll` does: the client opens as many request streams as
//! the server's limit allows and reads every response at once; the server accepts
//! connections and streams and feeds files into streams as fast as they take them.

use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qssl::quic::poll::{
    POLL_EVENT_EC, POLL_EVENT_ER, POLL_EVENT_EW, POLL_EVENT_IC, POLL_EVENT_ISB, POLL_EVENT_OSB,
    POLL_EVENT_R, POLL_EVENT_W, PollItem, poll,
};
use qssl::quic::value::{
    EVENT_HANDLING_MODE_EXPLICIT, EVENT_HANDLING_MODE_IMPLICIT, VALUE_CLASS_GENERIC,
    VALUE_EVENT_HANDLING_MODE,
};
use qssl::quic::{
    ACCEPT_CONNECTION_NO_BLOCK, ACCEPT_STREAM_NO_BLOCK, DefaultStreamMode, IncomingStreamPolicy,
    MODE_ENABLE_PARTIAL_WRITE, STREAM_FLAG_NO_BLOCK, Ssl, WRITE_FLAG_CONCLUDE,
};
use qssl::{ErrorCode, IoError, SslCtx};
use qssl_bio::{DatagramBio, UdpBio};

/// Application error code for a request that cannot be served.
pub const H09_REQUEST_REJECTED: u64 = 0x10;
/// Longest request line accepted.
const MAX_REQUEST: usize = 4096;
/// Bytes read from a file per write attempt.
const CHUNK: usize = 64 * 1024;
/// How often the server looks at its stop flag while idle.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Why an hq-interop run failed.
#[derive(Debug)]
pub enum HqError {
    /// An SSL call failed.
    Ssl(IoError),
    /// The connection closed before the transfers finished.
    Closed(String),
    /// A local file could not be written or read.
    File(std::io::Error),
    /// The transfers did not finish in time.
    TimedOut,
}

impl std::fmt::Display for HqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HqError::Ssl(e) => write!(f, "{e}"),
            HqError::Closed(why) => write!(f, "connection closed: {why}"),
            HqError::File(e) => write!(f, "file: {e}"),
            HqError::TimedOut => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for HqError {}

impl From<IoError> for HqError {
    fn from(e: IoError) -> Self {
        HqError::Ssl(e)
    }
}

impl From<qssl::error::SslError> for HqError {
    fn from(e: qssl::error::SslError) -> Self {
        HqError::Ssl(e.into())
    }
}

/// Told how a download goes, file by file: a progress display.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// The server announced `name`'s size (HTTP/3's content-length).
    fn sized(&self, _name: &str, _size: u64) {}
    /// `bytes` more of `name` arrived.
    fn received(&self, name: &str, bytes: u64);
    /// `name` arrived whole.
    fn finished(&self, _name: &str) {}
}

/// What to download and from where.
#[derive(Debug, Clone)]
pub struct Download<'a> {
    /// The server's address.
    pub server: SocketAddr,
    /// The name the server's certificate must carry (and SNI).
    pub server_name: &'a str,
    /// The files to request.
    pub names: &'a [String],
    /// Where to write them.
    pub out_dir: &'a Path,
    /// A session from an earlier connection to resume, if any.
    pub session: Option<&'a qssl::tls::SslSession>,
    /// Send the requests as early data (0-RTT) when the session allows it.
    pub early_data: bool,
    /// Told of the bytes as they arrive, if given.
    pub progress: Option<Arc<dyn Progress>>,
}

/// One request of a client and where its response goes.
#[derive(Debug)]
struct Fetch {
    name: String,
    stream: Option<Ssl>,
    file: File,
    received: u64,
    done: bool,
}

/// A client connection of `ctx` to `download.server` on `socket`, naming the server and
/// resuming `download.session` if given; not yet started. The socket stays unconnected, so
/// that the connection can follow the server to a preferred address.
pub(crate) fn client_connection(
    ctx: &SslCtx,
    socket: UdpBio,
    download: &Download<'_>,
) -> Result<Ssl, HqError> {
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let conn = Ssl::new(ctx)?;
    conn.set_bio(Some(bio.clone()), Some(bio))?;
    conn.set_initial_peer_addr(download.server)?;
    conn.set_host_name(download.server_name)?;
    if let Some(session) = download.session {
        conn.set_session(Some(session.clone()))?;
        // A session that does not allow early data gets the requests after the handshake.
        if download.early_data && conn.offer_early_data().is_err() {
            qssl::error::clear_error();
        }
    }
    Ok(conn)
}

/// A non-blocking listener of `ctx` (with `flags`) on `socket`, listening.
pub(crate) fn listener(ctx: &SslCtx, socket: UdpBio, flags: u64) -> Result<Ssl, HqError> {
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let listener = Ssl::new_listener(ctx, flags)?;
    listener.set_bio(Some(bio.clone()), Some(bio))?;
    listener.set_blocking_mode(false)?;
    listener.listen()?;
    Ok(listener)
}

/// Downloads the files of `download` over one connection of `ctx` on `socket`; returns
/// each name with the bytes received. Fails if it takes longer than `limit`. The
/// connection that did the work is returned too, still open, for its figures.
pub fn fetch(
    ctx: &SslCtx,
    socket: UdpBio,
    download: &Download<'_>,
    limit: Duration,
) -> Result<(Vec<(String, u64)>, Ssl), HqError> {
    let deadline = Instant::now() + limit;
    let conn = client_connection(ctx, socket, download)?;
    conn.set_blocking_mode(false)?;
    conn.set_default_stream_mode(DefaultStreamMode::None)?;
    let mut fetches = download
        .names
        .iter()
        .map(|n| {
            Ok(Fetch {
                name: n.clone(),
                stream: None,
                file: File::create(download.out_dir.join(n)).map_err(HqError::File)?,
                received: 0,
                done: false,
            })
        })
        .collect::<Result<Vec<_>, HqError>>()?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        match conn.connect() {
            Ok(()) => {
                open_requests(&conn, &mut fetches)?;
                read_responses(&mut fetches, &mut buf, download.progress.as_deref())?;
            }
            // Requests go out as early data while the handshake runs, when it can take them.
            Err(e) if e.is_retry() && conn.is_sending_early_data() => {
                open_requests(&conn, &mut fetches)?;
            }
            Err(e) if e.is_retry() => {}
            Err(e) => return Err(e.into()),
        }
        if fetches.iter().all(|f| f.done) {
            break;
        }
        if let Some(info) = conn.conn_close_info()? {
            return Err(HqError::Closed(format!(
                "code {:#x}: {}",
                info.error_code,
                String::from_utf8_lossy(&info.reason)
            )));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(HqError::TimedOut);
        }
        let waiting_to_open = fetches.iter().any(|f| f.stream.is_none() && !f.done);
        let mut items = vec![PollItem {
            ssl: Some(&conn),
            events: POLL_EVENT_EC | if waiting_to_open { POLL_EVENT_OSB } else { 0 },
            revents: 0,
        }];
        items.extend(fetches.iter().filter(|f| !f.done).filter_map(|f| {
            f.stream.as_ref().map(|s| PollItem {
                ssl: Some(s),
                events: POLL_EVENT_R | POLL_EVENT_ER,
                revents: 0,
            })
        }));
        // Before the handshake completes only the connection's timers and datagrams matter.
        poll(&mut items, Some(deadline - now), 0)?;
    }
    let received = fetches
        .iter()
        .map(|f| (f.name.clone(), f.received))
        .collect();
    Ok((received, conn))
}

/// Closes a client connection politely and waits until it is gone.
pub fn close(conn: &Ssl) -> Result<(), HqError> {
    conn.set_blocking_mode(true)?;
    conn.shutdown_ex(0, 0, b"done")?;
    Ok(())
}

/// Opens request streams for fetches that have none, while the server's limit allows.
fn open_requests(conn: &Ssl, fetches: &mut [Fetch]) -> Result<(), HqError> {
    // With events handled explicitly while the requests are written, they leave together,
    // several to a packet, when the events are handled after.
    conn.set_value_uint(
        VALUE_CLASS_GENERIC,
        VALUE_EVENT_HANDLING_MODE,
        EVENT_HANDLING_MODE_EXPLICIT,
    )?;
    let opened = open_each_request(conn, fetches);
    conn.set_value_uint(
        VALUE_CLASS_GENERIC,
        VALUE_EVENT_HANDLING_MODE,
        EVENT_HANDLING_MODE_IMPLICIT,
    )?;
    conn.handle_events();
    opened
}

/// Opens a stream for each request that has none, until the server's limit.
fn open_each_request(conn: &Ssl, fetches: &mut [Fetch]) -> Result<(), HqError> {
    for f in fetches.iter_mut().filter(|f| f.stream.is_none() && !f.done) {
        let stream = match conn.new_stream(STREAM_FLAG_NO_BLOCK) {
            Ok(s) => s,
            Err(e)
                if e.error().map(|e| e.reason())
                    == Some(qssl::error::ssl_r::STREAM_COUNT_LIMITED) =>
            {
                // More requests than the server allows at once: open the rest later.
                qssl::error::clear_error();
                break;
            }
            Err(e) => return Err(e.into()),
        };
        let request = format!("GET /{}\r\n", f.name);
        stream.write_ex2(request.as_bytes(), WRITE_FLAG_CONCLUDE)?;
        f.stream = Some(stream);
    }
    Ok(())
}

/// Reads whatever the response streams have, telling `progress`.
fn read_responses(
    fetches: &mut [Fetch],
    buf: &mut [u8],
    progress: Option<&dyn Progress>,
) -> Result<(), HqError> {
    for f in fetches.iter_mut().filter(|f| !f.done) {
        let Some(stream) = &f.stream else { continue };
        loop {
            match stream.read(buf) {
                Ok(n) => {
                    f.file.write_all(&buf[..n]).map_err(HqError::File)?;
                    f.received += n as u64;
                    if let Some(p) = progress {
                        p.received(&f.name, n as u64);
                    }
                }
                Err(e) if e.code() == ErrorCode::ZeroReturn => {
                    f.done = true;
                    f.stream = None;
                    if let Some(p) = progress {
                        p.finished(&f.name);
                    }
                    break;
                }
                Err(e) if e.is_retry() => break,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// A response being sent.
#[derive(Debug)]
struct Response {
    stream: Ssl,
    request: Vec<u8>,
    file: Option<File>,
    /// Read from the file but not yet taken by the stream.
    pending: Vec<u8>,
    /// Bytes of the file not read yet: the last ones go with the stream's end.
    unread: u64,
    finished: bool,
}

/// Whether `name` is a plain file name: no directories, nothing hidden.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The file a request line asks for, if it is well formed and names a plain file in `root`.
fn requested_file(request: &[u8], root: &Path) -> Option<PathBuf> {
    let line = std::str::from_utf8(request).ok()?;
    let path = line.trim_end_matches(['\r', '\n']).strip_prefix("GET /")?;
    plain_name(path).then(|| root.join(path))
}

/// Serves files from `root` with a listener of `ctx` on `socket` (listener `flags` as
/// `SSL_new_listener` takes them) until `stop` is set.
pub fn serve(
    ctx: &SslCtx,
    socket: UdpBio,
    flags: u64,
    root: &Path,
    stop: &AtomicBool,
) -> Result<(), HqError> {
    let listener = listener(ctx, socket, flags)?;
    let mut conns: Vec<Ssl> = Vec::new();
    let mut responses: Vec<Response> = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    while !stop.load(Ordering::Relaxed) {
        while let Some(conn) = listener.accept_connection(ACCEPT_CONNECTION_NO_BLOCK)? {
            conn.set_incoming_stream_policy(IncomingStreamPolicy::Accept, 0)?;
            conns.push(conn);
        }
        // Connections the peer closed are dropped (with their responses).
        conns.retain(|c| matches!(c.conn_close_info(), Ok(None)));
        responses
            .retain(|r| !r.finished && conns.iter().any(|c| c.same_object(&r.stream.connection())));
        for conn in &conns {
            while let Ok(Some(stream)) = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK) {
                stream.set_mode(MODE_ENABLE_PARTIAL_WRITE);
                responses.push(Response {
                    stream,
                    request: Vec::new(),
                    file: None,
                    pending: Vec::new(),
                    unread: 0,
                    finished: false,
                });
            }
        }
        for r in &mut responses {
            serve_step(r, root, &mut buf).map_err(HqError::File)?;
        }
        let mut items = vec![PollItem {
            ssl: Some(&listener),
            events: POLL_EVENT_IC,
            revents: 0,
        }];
        items.extend(conns.iter().map(|c| PollItem {
            ssl: Some(c),
            events: POLL_EVENT_ISB | POLL_EVENT_EC,
            revents: 0,
        }));
        items.extend(responses.iter().filter(|r| !r.finished).map(|r| PollItem {
            ssl: Some(&r.stream),
            events: if r.file.is_some() {
                POLL_EVENT_W | POLL_EVENT_EW
            } else {
                POLL_EVENT_R | POLL_EVENT_ER
            },
            revents: 0,
        }));
        poll(&mut items, Some(STOP_CHECK), 0)?;
    }
    Ok(())
}

/// Moves one response on: reads the request until its end, then feeds the file into the
/// stream until the stream is full or the file ends.
fn serve_step(r: &mut Response, root: &Path, buf: &mut [u8]) -> std::io::Result<()> {
    if r.finished {
        return Ok(());
    }
    if r.file.is_none() {
        loop {
            match r.stream.read(buf) {
                Ok(n) => r.request.extend_from_slice(&buf[..n]),
                Err(e) if e.code() == ErrorCode::ZeroReturn => break,
                Err(e) if e.is_retry() => {
                    if r.request.len() > MAX_REQUEST {
                        reject(r);
                    }
                    return Ok(());
                }
                Err(_) => {
                    r.finished = true;
                    return Ok(());
                }
            }
        }
        match requested_file(&r.request, root).and_then(|p| File::open(p).ok()) {
            Some(f) => {
                r.unread = f.metadata()?.len();
                r.file = Some(f);
            }
            None => {
                reject(r);
                return Ok(());
            }
        }
    }
    loop {
        if r.pending.is_empty() {
            let n = match r.file.as_mut() {
                Some(f) => f.read(buf)?,
                None => 0,
            };
            if n == 0 {
                // A stream the peer stopped meanwhile cannot be concluded; either way it is
                // done.
                let _ = r.stream.stream_conclude();
                r.finished = true;
                return Ok(());
            }
            r.pending.extend_from_slice(&buf[..n]);
            r.unread = r.unread.saturating_sub(n as u64);
        }
        // The file's last bytes end the stream in the same packet.
        let last = r.unread == 0;
        let flags = if last { WRITE_FLAG_CONCLUDE } else { 0 };
        match r.stream.write_ex2(&r.pending, flags) {
            Ok(n) => {
                r.pending.drain(..n);
                if last && r.pending.is_empty() {
                    r.finished = true;
                    return Ok(());
                }
            }
            Err(e) if e.is_retry() => return Ok(()),
            Err(_) => {
                r.finished = true;
                return Ok(());
            }
        }
    }
}

/// Refuses a request: the stream is reset with [`H09_REQUEST_REJECTED`].
fn reject(r: &mut Response) {
    let _ = r.stream.stream_reset(H09_REQUEST_REJECTED);
    r.finished = true;
}
