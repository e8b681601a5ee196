//! hq-interop: the client sends `GET /<name>\r\n` and FIN on a bidirectional stream, the server
//! answers with the file's bytes and FIN.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qssl_bio::UdpBio;
use qssl_quic::conn::{Connection, ConnectionConfig, StreamError};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, EndpointConfig};
use qssl_quic::{Dir, StreamId};
use rustls::pki_types::ServerName;

use crate::driver::{DriveError, Driver};

/// Application error code for a request that cannot be served.
pub const H09_REQUEST_REJECTED: u64 = 0x10;
/// Longest request line accepted.
const MAX_REQUEST: usize = 4096;
/// Bytes read from a file per write attempt.
const CHUNK: usize = 64 * 1024;

/// Why an hq-interop run failed.
#[derive(Debug)]
pub enum HqError {
    /// Driving the socket failed or timed out.
    Drive(DriveError),
    /// The connection closed before the transfers finished.
    Closed(String),
    /// A stream failed.
    Stream(StreamError),
    /// A local file could not be written or read.
    File(std::io::Error),
    /// The connection could not start.
    Setup(String),
}

impl std::fmt::Display for HqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HqError::Drive(e) => write!(f, "{e}"),
            HqError::Closed(why) => write!(f, "connection closed: {why}"),
            HqError::Stream(e) => write!(f, "stream: {e}"),
            HqError::File(e) => write!(f, "file: {e}"),
            HqError::Setup(e) => write!(f, "setup: {e}"),
        }
    }
}

impl std::error::Error for HqError {}

/// One request of a client and where its response goes.
#[derive(Debug)]
struct Fetch {
    name: String,
    stream: Option<StreamId>,
    file: File,
    received: u64,
    done: bool,
}

/// What to download and from where.
#[derive(Debug, Clone, Copy)]
pub struct Download<'a> {
    /// The server's address.
    pub server: SocketAddr,
    /// The name the server's certificate must carry (and SNI).
    pub server_name: &'a str,
    /// The files to request.
    pub names: &'a [String],
    /// Where to write them.
    pub out_dir: &'a Path,
}

/// Downloads the files of `download` over one connection; returns each name with the bytes
/// received. Fails if it takes longer than `limit`.
pub fn fetch(
    socket: UdpBio,
    tls: Arc<rustls::ClientConfig>,
    config: ConnectionConfig,
    download: &Download<'_>,
    limit: Duration,
) -> Result<Vec<(String, u64)>, HqError> {
    let Download {
        server,
        server_name,
        names,
        out_dir,
    } = *download;
    let now = Instant::now();
    let mut endpoint = Endpoint::new(
        EndpointConfig {
            connection: config,
            ..EndpointConfig::client()
        },
        now,
        u64::from(std::process::id()),
    );
    let name =
        ServerName::try_from(server_name.to_string()).map_err(|e| HqError::Setup(e.to_string()))?;
    let handle = endpoint
        .connect(now, tls, name, server)
        .map_err(|e| HqError::Setup(e.to_string()))?;
    let mut fetches = names
        .iter()
        .map(|n| {
            Ok(Fetch {
                name: n.clone(),
                stream: None,
                file: File::create(out_dir.join(n)).map_err(HqError::File)?,
                received: 0,
                done: false,
            })
        })
        .collect::<Result<Vec<_>, HqError>>()?;
    let mut driver = Driver::new(endpoint, socket).map_err(HqError::Drive)?;
    let mut failure = None;
    let mut buf = vec![0u8; CHUNK];
    let result = driver.run(limit, |ep, _| {
        let Some(conn) = ep.connection(handle) else {
            failure = Some(HqError::Closed("connection gone".into()));
            return true;
        };
        match client_step(conn, &mut fetches, &mut buf) {
            Ok(done) => done,
            Err(e) => {
                failure = Some(e);
                true
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    result.map_err(HqError::Drive)?;
    // Close politely; the driver lingers briefly so the close goes out.
    if let Some(conn) = driver.endpoint.connection(handle) {
        conn.close(Instant::now(), 0, b"done");
    }
    let _ = driver.run(Duration::from_millis(20), |_, _| false);
    Ok(fetches.into_iter().map(|f| (f.name, f.received)).collect())
}

fn client_step(
    conn: &mut Connection,
    fetches: &mut [Fetch],
    buf: &mut [u8],
) -> Result<bool, HqError> {
    if let Some(info) = conn.close_info() {
        return Err(HqError::Closed(format!(
            "code {:#x}: {}",
            info.error_code,
            String::from_utf8_lossy(&info.reason)
        )));
    }
    if !conn.is_handshake_complete() {
        return Ok(false);
    }
    for f in fetches.iter_mut() {
        if f.stream.is_none() {
            let id = match conn.open_stream(Dir::Bi) {
                Ok(id) => id,
                // More requests than the server allows at once: open the rest later.
                Err(StreamError::LimitReached) => break,
                Err(e) => return Err(HqError::Stream(e)),
            };
            let request = format!("GET /{}\r\n", f.name);
            conn.stream_write(id, request.as_bytes())
                .map_err(HqError::Stream)?;
            conn.stream_finish(id).map_err(HqError::Stream)?;
            f.stream = Some(id);
        }
    }
    for f in fetches.iter_mut().filter(|f| !f.done) {
        let Some(id) = f.stream else { continue };
        loop {
            match conn.stream_read(id, buf) {
                Ok(r) => {
                    f.file.write_all(&buf[..r.len]).map_err(HqError::File)?;
                    f.received += r.len as u64;
                    if r.fin {
                        f.done = true;
                        break;
                    }
                }
                Err(StreamError::WouldBlock) => break,
                Err(e) => return Err(HqError::Stream(e)),
            }
        }
    }
    Ok(fetches.iter().all(|f| f.done))
}

/// A response being sent.
#[derive(Debug)]
struct Response {
    request: Vec<u8>,
    file: Option<File>,
    /// Read from the file but not yet taken by the stream.
    pending: Vec<u8>,
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

/// Serves files from `root` on `socket` until `stop` is set.
pub fn serve(
    socket: UdpBio,
    config: EndpointConfig,
    root: &Path,
    stop: &AtomicBool,
) -> Result<(), HqError> {
    let endpoint = Endpoint::new(config, Instant::now(), u64::from(std::process::id()) ^ 0x5e);
    let mut driver = Driver::new(endpoint, socket).map_err(HqError::Drive)?;
    let mut responses: HashMap<(ConnectionHandle, StreamId), Response> = HashMap::new();
    let mut accepted: Vec<ConnectionHandle> = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let outcome = driver.run(Duration::from_millis(100), |ep, _| {
            if stop.load(Ordering::Relaxed) {
                return true;
            }
            while let Some(h) = ep.accept() {
                accepted.push(h);
            }
            accepted.retain(|h| {
                let closed = ep.get(*h).is_none_or(|c| c.is_closed());
                if closed {
                    ep.remove(*h);
                    responses.retain(|(c, _), _| c != h);
                }
                !closed
            });
            for h in &accepted {
                if let Some(conn) = ep.connection(*h) {
                    serve_step(conn, *h, root, &mut responses, &mut buf);
                }
            }
            false
        });
        match outcome {
            Ok(()) => return Ok(()),
            Err(DriveError::TimedOut) => continue,
            Err(e) => return Err(HqError::Drive(e)),
        }
    }
}

fn serve_step(
    conn: &mut Connection,
    handle: ConnectionHandle,
    root: &Path,
    responses: &mut HashMap<(ConnectionHandle, StreamId), Response>,
    buf: &mut [u8],
) {
    if conn.close_info().is_some() {
        return;
    }
    while let Some(id) = conn.accept_stream(Dir::Bi) {
        responses.insert(
            (handle, id),
            Response {
                request: Vec::new(),
                file: None,
                pending: Vec::new(),
                finished: false,
            },
        );
    }
    for ((_, id), r) in responses
        .iter_mut()
        .filter(|((h, _), r)| *h == handle && !r.finished)
    {
        if r.file.is_none() {
            let mut complete = false;
            loop {
                match conn.stream_read(*id, buf) {
                    Ok(read) => {
                        r.request.extend_from_slice(&buf[..read.len]);
                        if read.fin {
                            complete = true;
                            break;
                        }
                    }
                    Err(StreamError::WouldBlock) => break,
                    Err(_) => {
                        r.finished = true;
                        break;
                    }
                }
            }
            if r.request.len() > MAX_REQUEST {
                let _ = conn.stream_reset(*id, H09_REQUEST_REJECTED);
                r.finished = true;
            }
            if !complete || r.finished {
                continue;
            }
            match requested_file(&r.request, root).and_then(|p| File::open(p).ok()) {
                Some(f) => r.file = Some(f),
                None => {
                    let _ = conn.stream_reset(*id, H09_REQUEST_REJECTED);
                    r.finished = true;
                    continue;
                }
            }
        }
        // Feed the file into the stream as fast as it takes it.
        loop {
            if r.pending.is_empty() {
                let n = match r.file.as_mut().map(|f| f.read(buf)) {
                    Some(Ok(n)) => n,
                    _ => 0,
                };
                if n == 0 {
                    let _ = conn.stream_finish(*id);
                    r.finished = true;
                    break;
                }
                r.pending.extend_from_slice(&buf[..n]);
            }
            match conn.stream_write(*id, &r.pending) {
                Ok(n) => {
                    r.pending.drain(..n);
                }
                Err(StreamError::WouldBlock) => break,
                Err(_) => {
                    r.finished = true;
                    break;
                }
            }
        }
    }
}
