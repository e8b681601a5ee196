//! What the HTTP/3 tests share: a scratch directory with certificates and served files,
//! contexts offering `h3`, a qssl HTTP/3 server (a listener thread handing connections to
//! tokio tasks), a qssl HTTP/3 client, and peer processes that are killed when dropped.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use qssl::SslCtx;
use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER};
use qssl::quic::poll::{POLL_EVENT_IC, PollItem, poll};
use qssl::quic::{ACCEPT_CONNECTION_NO_BLOCK, Ssl};
use qssl_bio::{DatagramBio, UdpBio};

/// The files every fixture serves: name and size.
pub(crate) const FILES: [(&str, usize); 3] = [
    ("small.bin", 1024),
    ("medium.bin", 300_000),
    ("large.bin", 5 << 20),
];

/// Longest time one test may take.
pub(crate) const DEADLINE: Duration = Duration::from_secs(60);

/// A scratch directory with the runner's certificates (`ca.pem`, `cert.pem`, `priv.key`,
/// for `localhost`), the served files in `root/` and an empty `out/`.
pub(crate) struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        qssl_interop::certs::make_runner_certs(dir.path(), 1).unwrap();
        std::fs::create_dir(dir.path().join("root")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        for (i, (name, size)) in FILES.iter().enumerate() {
            let data: Vec<u8> = (0..*size as u64)
                .map(|j| ((j + i as u64).wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            std::fs::write(dir.path().join("root").join(name), data).unwrap();
        }
        Fixture { dir }
    }

    pub(crate) fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// The bytes of a served file.
    pub(crate) fn served(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path("root").join(name)).unwrap()
    }

    /// Checks that `out/<name>` holds what `root/<name>` holds, for every served file.
    pub(crate) fn assert_downloaded(&self) {
        for (name, size) in FILES {
            let got = std::fs::read(self.path("out").join(name))
                .unwrap_or_else(|e| panic!("out/{name}: {e}"));
            assert_eq!(got.len(), size, "{name}: size");
            assert!(got == self.served(name), "{name}: content differs");
        }
    }

    pub(crate) fn client_ctx(&self) -> SslCtx {
        let mut ctx = SslCtx::new(Method::QuicClient);
        ctx.load_verify_locations(Some(&self.path("ca.pem")), None)
            .unwrap();
        ctx.set_verify(SSL_VERIFY_PEER, None);
        ctx.set_alpn_protos(&alpn_wire()).unwrap();
        ctx
    }

    pub(crate) fn server_ctx(&self) -> SslCtx {
        let mut ctx = SslCtx::new(Method::QuicServer);
        ctx.use_certificate_chain_file(self.path("cert.pem"))
            .unwrap();
        ctx.use_private_key_file(self.path("priv.key"), FileType::Pem)
            .unwrap();
        ctx.set_alpn_protos(&alpn_wire()).unwrap();
        ctx
    }
}

fn alpn_wire() -> Vec<u8> {
    let mut wire = vec![qssl_h3::ALPN.len() as u8];
    wire.extend_from_slice(qssl_h3::ALPN);
    wire
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// Runs `f` on `rt`, failing the test if it takes longer than [`DEADLINE`].
pub(crate) fn run_with_deadline<F: std::future::Future>(
    rt: &tokio::runtime::Runtime,
    f: F,
) -> F::Output {
    rt.block_on(async {
        tokio::time::timeout(DEADLINE, f)
            .await
            .expect("deadline passed")
    })
}

// --- qssl server ----------------------------------------------------------------------

/// A qssl HTTP/3 server: a thread accepting connections from a listener and a tokio task
/// per connection and per request. Stops when dropped; [`QsslServer::errors`] tells what
/// went wrong in its tasks.
pub(crate) struct QsslServer {
    pub(crate) addr: SocketAddr,
    errors: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl QsslServer {
    pub(crate) fn start(fx: &Fixture, rt: &tokio::runtime::Runtime) -> QsslServer {
        let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().socket_addr().unwrap();
        let bio: Arc<dyn DatagramBio> = Arc::new(socket);
        let listener = Ssl::new_listener(&fx.server_ctx(), 0).unwrap();
        listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
        listener.set_blocking_mode(false).unwrap();
        listener.listen().unwrap();
        let root = fx.path("root");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = rt.handle().clone();
        let record = errors.clone();
        let thread = thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                while let Some(conn) = listener
                    .accept_connection(ACCEPT_CONNECTION_NO_BLOCK)
                    .unwrap()
                {
                    handle.spawn(serve_connection(conn, root.clone(), record.clone()));
                }
                let mut items = [PollItem {
                    ssl: Some(&listener),
                    events: POLL_EVENT_IC,
                    revents: 0,
                }];
                poll(&mut items, Some(Duration::from_millis(50)), 0).unwrap();
            }
        });
        QsslServer {
            addr,
            errors,
            stop,
            thread: Some(thread),
        }
    }

    /// Waits briefly for the server's tasks to see their connections end, then checks that
    /// nothing went wrong in them.
    pub(crate) fn assert_no_errors(&self) {
        thread::sleep(Duration::from_millis(200));
        let errors = self.errors.lock().unwrap();
        assert!(errors.is_empty(), "server errors: {errors:#?}");
    }
}

impl Drop for QsslServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves one connection, every request on its own task; records what fails in `errors`.
async fn serve_connection(conn: Ssl, root: PathBuf, errors: Arc<Mutex<Vec<String>>>) {
    let quic = qssl_h3::Connection::new(conn).unwrap();
    let mut h3 = match h3::server::Connection::<_, Bytes>::new(quic).await {
        Ok(h3) => h3,
        Err(e) => {
            errors
                .lock()
                .unwrap()
                .push(format!("server connection setup: {e}"));
            return;
        }
    };
    loop {
        match h3.accept().await {
            Ok(Some(resolver)) => {
                let root = root.clone();
                let errors = errors.clone();
                tokio::spawn(async move {
                    let served = async {
                        let (request, stream) = resolver.resolve_request().await?;
                        respond(&root, &request, stream).await
                    };
                    if let Err(e) = served.await {
                        errors.lock().unwrap().push(format!("request: {e}"));
                    }
                });
            }
            Ok(None) => return,
            Err(e) if e.is_h3_no_error() => return,
            Err(e) => {
                errors
                    .lock()
                    .unwrap()
                    .push(format!("server connection: {e}"));
                return;
            }
        }
    }
}

/// Answers a GET for a file of `root`: 200 with the file in 64 KiB DATA frames, or 404.
async fn respond<S: h3::quic::BidiStream<Bytes>>(
    root: &Path,
    request: &http::Request<()>,
    mut stream: h3::server::RequestStream<S, Bytes>,
) -> Result<(), h3::error::StreamError> {
    let name = request.uri().path().trim_start_matches('/');
    let body = (!name.is_empty() && !name.contains(['/', '\\']))
        .then(|| std::fs::read(root.join(name)).ok())
        .flatten();
    let status = if body.is_some() { 200 } else { 404 };
    let body = Bytes::from(body.unwrap_or_default());
    let response = http::Response::builder()
        .status(status)
        .header("content-length", body.len())
        .body(())
        .unwrap();
    stream.send_response(response).await?;
    let mut offset = 0;
    while offset < body.len() {
        let end = (offset + 64 * 1024).min(body.len());
        stream.send_data(body.slice(offset..end)).await?;
        offset = end;
    }
    stream.finish().await
}

// --- qssl client ----------------------------------------------------------------------

/// Fetches `names` from `server` over one connection, all requests at once; returns the
/// bodies in order. Fails on any status but 200.
pub(crate) async fn qssl_fetch(ctx: &SslCtx, server: SocketAddr, names: &[&str]) -> Vec<Vec<u8>> {
    let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.connect(server).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let conn = Ssl::new(ctx).unwrap();
    conn.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    conn.set_host_name("localhost").unwrap();
    let quic = qssl_h3::Connection::new(conn).unwrap();
    let (mut driver, send_request) = h3::client::new(quic).await.unwrap();
    let closed = tokio::spawn(async move { driver.wait_idle().await });
    let requests: Vec<_> = names
        .iter()
        .map(|name| {
            let mut sender = send_request.clone();
            let uri = format!("https://localhost:{}/{name}", server.port());
            tokio::spawn(async move {
                let request = http::Request::get(uri).body(()).unwrap();
                let mut stream = sender.send_request(request).await.unwrap();
                // A server that has the whole request (a GET has no body) may answer and
                // stop the request stream before its FIN arrives (RFC 9114 §4.1; a qssl
                // server's dropped stream does so with code 0): the response still counts.
                match stream.finish().await {
                    Ok(()) | Err(h3::error::StreamError::RemoteTerminate { .. }) => {}
                    Err(e) => panic!("finishing the request: {e}"),
                }
                let response = stream.recv_response().await.unwrap();
                assert_eq!(response.status(), 200);
                let mut body = Vec::new();
                while let Some(mut chunk) = stream.recv_data().await.unwrap() {
                    while chunk.has_remaining() {
                        let part = chunk.chunk();
                        body.extend_from_slice(part);
                        let n = part.len();
                        chunk.advance(n);
                    }
                }
                body
            })
        })
        .collect();
    let mut bodies = Vec::new();
    for request in requests {
        bodies.push(request.await.unwrap());
    }
    // The last sender gone, h3 closes the connection with H3_NO_ERROR.
    drop(send_request);
    let end = closed.await.unwrap();
    assert!(end.is_h3_no_error(), "client connection: {end}");
    bodies
}

/// Fetches every served file with [`qssl_fetch`] and checks the bodies.
pub(crate) async fn qssl_fetch_all(fx: &Fixture, server: SocketAddr) {
    let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
    let bodies = qssl_fetch(&fx.client_ctx(), server, &names).await;
    for (name, body) in names.iter().zip(&bodies) {
        assert_eq!(body.len(), fx.served(name).len(), "{name}: size");
        assert!(*body == fx.served(name), "{name}: content differs");
    }
}

// --- peer processes ---------------------------------------------------------------------

/// A child process, killed when dropped.
pub(crate) struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` to completion within [`DEADLINE`], failing the test with its output if it
/// fails or takes too long.
pub(crate) fn run_peer_client(mut cmd: Command) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let mut peer = Peer(child);
    let start = Instant::now();
    loop {
        if let Some(status) = peer.0.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            use std::io::Read;
            if let Some(s) = peer.0.stdout.as_mut() {
                let _ = s.read_to_string(&mut out);
            }
            if let Some(s) = peer.0.stderr.as_mut() {
                let _ = s.read_to_string(&mut err);
            }
            assert!(
                status.success(),
                "{cmd:?}: {status}\nstdout:\n{out}\nstderr:\n{err}"
            );
            return;
        }
        assert!(start.elapsed() < DEADLINE, "{cmd:?}: deadline passed");
        thread::sleep(Duration::from_millis(20));
    }
}

/// A UDP port free on loopback now.
pub(crate) fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something has bound UDP `port` on loopback.
pub(crate) fn wait_bound(port: u16, peer: &mut Peer) {
    let start = Instant::now();
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
        assert!(peer.0.try_wait().unwrap().is_none(), "the peer exited");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "port {port} never bound"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The path of a file under this crate.
pub(crate) fn crate_path(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}
