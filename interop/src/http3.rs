//! HTTP/3 file serving and fetching over qssl's objects, through the `h3` crate and
//! `qssl-h3`: what the interop endpoint does in the `http3` test case.
//!
//! The server accepts connections from a listener on one thread and serves each on a task
//! of a small tokio runtime, every request on its own task (`GET /<name>` answered with
//! 200 and the file, or 404). The client sends every request at once over one connection
//! and writes each body to a file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::{Buf, Bytes};
use qssl::SslCtx;
use qssl::quic::poll::{POLL_EVENT_IC, PollItem, poll};
use qssl::quic::{ACCEPT_CONNECTION_NO_BLOCK, Ssl};
use qssl_bio::UdpBio;
use tokio::io::AsyncWriteExt;

use crate::hq::{Download, HqError, Progress, client_connection, listener};

/// Bytes of a file per DATA frame.
const CHUNK: usize = 64 * 1024;
/// How often the listener looks at its stop flag while idle.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// A runtime for the connections' tasks (the adapter's driver threads do the waiting).
fn runtime() -> Result<tokio::runtime::Runtime, HqError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .map_err(HqError::File)
}

/// An h3 failure as the endpoint reports it.
fn h3_error(what: &str, e: impl std::fmt::Display) -> HqError {
    HqError::Closed(format!("HTTP/3 {what}: {e}"))
}

/// Serves the files of `root` over HTTP/3 on `socket` until `stop` is set.
pub fn serve(
    ctx: &SslCtx,
    socket: UdpBio,
    flags: u64,
    root: &Path,
    stop: &AtomicBool,
) -> Result<(), HqError> {
    let rt = runtime()?;
    let listener = listener(ctx, socket, flags)?;
    while !stop.load(Ordering::Relaxed) {
        while let Some(conn) = listener.accept_connection(ACCEPT_CONNECTION_NO_BLOCK)? {
            rt.spawn(serve_connection(conn, root.to_path_buf()));
        }
        let mut items = [PollItem {
            ssl: Some(&listener),
            events: POLL_EVENT_IC,
            revents: 0,
        }];
        poll(&mut items, Some(STOP_CHECK), 0)?;
    }
    Ok(())
}

/// Serves one connection, every request on its own task.
async fn serve_connection(conn: Ssl, root: PathBuf) {
    let quic = match qssl_h3::Connection::new(conn) {
        Ok(quic) => quic,
        Err(e) => return eprintln!("an HTTP/3 connection: {e}"),
    };
    let mut h3 = match h3::server::Connection::<_, Bytes>::new(quic).await {
        Ok(h3) => h3,
        Err(e) => return eprintln!("an HTTP/3 connection's set-up: {e}"),
    };
    loop {
        match h3.accept().await {
            Ok(Some(resolver)) => {
                let root = root.clone();
                tokio::spawn(async move {
                    let served = async {
                        let (request, stream) = resolver.resolve_request().await?;
                        respond(&root, &request, stream).await
                    };
                    if let Err(e) = served.await {
                        eprintln!("an HTTP/3 request: {e}");
                    }
                });
            }
            Ok(None) => return,
            Err(e) if e.is_h3_no_error() => return,
            Err(e) => return eprintln!("an HTTP/3 connection: {e}"),
        }
    }
}

/// Answers a GET for a file of `root`: 200 with the file in DATA frames, or 404.
async fn respond<S: h3::quic::BidiStream<Bytes>>(
    root: &Path,
    request: &http::Request<()>,
    mut stream: h3::server::RequestStream<S, Bytes>,
) -> Result<(), h3::error::StreamError> {
    let name = request.uri().path().trim_start_matches('/');
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']);
    let body = match plain {
        true => tokio::fs::read(root.join(name)).await.ok(),
        false => None,
    };
    let status = if body.is_some() { 200 } else { 404 };
    let body = Bytes::from(body.unwrap_or_default());
    let mut response = http::Response::new(());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    response
        .headers_mut()
        .insert(http::header::CONTENT_LENGTH, body.len().into());
    stream.send_response(response).await?;
    let mut offset = 0;
    while offset < body.len() {
        let end = (offset + CHUNK).min(body.len());
        stream.send_data(body.slice(offset..end)).await?;
        offset = end;
    }
    stream.finish().await
}

/// Fetches `download.names` over one HTTP/3 connection from `socket`, every request at
/// once, within `limit`; each file's name and size, and the connection (closed).
pub fn fetch(
    ctx: &SslCtx,
    socket: UdpBio,
    download: &Download<'_>,
    limit: Duration,
) -> Result<(Vec<(String, u64)>, Ssl), HqError> {
    let conn = client_connection(ctx, socket, download)?;
    let rt = runtime()?;
    let fetched = rt.block_on(async {
        tokio::time::timeout(limit, fetch_all(conn.clone(), download))
            .await
            .map_err(|_| HqError::TimedOut)?
    })?;
    Ok((fetched, conn))
}

/// The requests of one connection, then its close.
async fn fetch_all(conn: Ssl, download: &Download<'_>) -> Result<Vec<(String, u64)>, HqError> {
    let quic = qssl_h3::Connection::new(conn)?;
    let (mut driver, send_request) = h3::client::new(quic)
        .await
        .map_err(|e| h3_error("connection", e))?;
    let closed = tokio::spawn(async move { driver.wait_idle().await });
    let requests: Vec<_> = download
        .names
        .iter()
        .map(|name| {
            let sender = send_request.clone();
            let uri = authority_uri(download.server_name, download.server, name);
            let out = download.out_dir.join(name);
            let progress = download.progress.clone().map(|p| (p, name.clone()));
            tokio::spawn(request(sender, uri, out, progress))
        })
        .collect();
    let mut fetched = Vec::new();
    for (task, name) in requests.into_iter().zip(download.names) {
        let size = task
            .await
            .map_err(|e| h3_error("request task", e))?
            .map_err(|e| HqError::Closed(format!("{name}: {e}")))?;
        fetched.push((name.clone(), size));
    }
    // The last sender gone, h3 closes the connection with H3_NO_ERROR.
    drop(send_request);
    let end = closed.await.map_err(|e| h3_error("connection task", e))?;
    if !end.is_h3_no_error() {
        return Err(h3_error("connection", end));
    }
    Ok(fetched)
}

/// `https://host:port/name`, the host in brackets if it is an IPv6 literal.
fn authority_uri(host: &str, server: SocketAddr, name: &str) -> String {
    if host.contains(':') {
        format!("https://[{host}]:{}/{name}", server.port())
    } else {
        format!("https://{host}:{}/{name}", server.port())
    }
}

/// One GET: the body written to `out`, each part told to `progress` (with the file's
/// name); its size. Fails on any status but 200, and on a body whose size is not the
/// content-length the response announced.
async fn request<T, B>(
    mut sender: h3::client::SendRequest<T, B>,
    uri: String,
    out: PathBuf,
    progress: Option<(Arc<dyn Progress>, String)>,
) -> Result<u64, String>
where
    T: h3::quic::OpenStreams<B>,
    B: Buf,
{
    let request = http::Request::get(uri)
        .body(())
        .map_err(|e| e.to_string())?;
    let mut stream = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    // A server with the whole request (a GET has no body) may answer and stop the request
    // stream before its FIN arrives (RFC 9114 §4.1): the response still counts.
    match stream.finish().await {
        Ok(()) | Err(h3::error::StreamError::RemoteTerminate { .. }) => {}
        Err(e) => return Err(format!("finishing the request: {e}")),
    }
    let response = stream.recv_response().await.map_err(|e| e.to_string())?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("status {}", response.status()));
    }
    let announced = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let (Some((p, name)), Some(size)) = (&progress, announced) {
        p.sized(name, size);
    }
    let mut file = tokio::fs::File::create(&out)
        .await
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let mut size = 0u64;
    while let Some(mut chunk) = stream.recv_data().await.map_err(|e| e.to_string())? {
        while chunk.has_remaining() {
            let part = chunk.chunk();
            file.write_all(part)
                .await
                .map_err(|e| format!("{}: {e}", out.display()))?;
            size += part.len() as u64;
            let n = part.len();
            if let Some((p, name)) = &progress {
                p.received(name, n as u64);
            }
            chunk.advance(n);
        }
    }
    file.flush().await.map_err(|e| e.to_string())?;
    if let Some(expected) = announced.filter(|&a| a != size) {
        return Err(format!(
            "{size} bytes where the response announced {expected}"
        ));
    }
    if let Some((p, name)) = &progress {
        p.finished(name);
    }
    Ok(size)
}
