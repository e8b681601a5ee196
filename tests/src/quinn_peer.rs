//! quinn, the reference QUIC stack of the workspace's report benchmarks: its configurations
//! for a given certificate and windows, and the two workloads the benchmarks compare, over
//! UDP on loopback with one current-thread tokio runtime per side.
//!
//! - Bulk: one connection; the client opens a bidirectional stream, sends a short request and
//!   finishes it; the server answers with `total` bytes in `CHUNK` writes and finishes.
//! - Connections: `count` connections one after another, each with a 4-byte request answered
//!   by 4 bytes, then closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Bytes per server write.
pub const CHUNK: usize = 64 << 10;

/// Client and server configurations: TLS 1.3 on ring, `alpn`, the certificate trusted by the
/// client, the given connection and stream receive windows.
pub fn quinn_configs(
    cert: &CertificateDer<'static>,
    key: &PrivateKeyDer<'static>,
    alpn: &[u8],
    conn_window: u64,
    stream_window: u64,
) -> (quinn::ClientConfig, quinn::ServerConfig) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![alpn.to_vec()];
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key.clone_key())
        .unwrap();
    server.alpn_protocols = vec![alpn.to_vec()];
    let transport = || {
        let mut t = quinn::TransportConfig::default();
        t.receive_window(quinn::VarInt::from_u64(conn_window).unwrap());
        t.stream_receive_window(quinn::VarInt::from_u64(stream_window).unwrap());
        Arc::new(t)
    };
    let mut client = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(client).unwrap(),
    ));
    client.transport_config(transport());
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(
        quinn::crypto::rustls::QuicServerConfig::try_from(server).unwrap(),
    ));
    server.transport_config(transport());
    (client, server)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A server endpoint on loopback, run on its own thread by `serve` until it returns.
fn server<F, Fut>(config: &quinn::ServerConfig, serve: F) -> (SocketAddr, thread::JoinHandle<()>)
where
    F: FnOnce(quinn::Endpoint) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let rt = runtime();
    let endpoint = {
        let _guard = rt.enter();
        quinn::Endpoint::server(config.clone(), "127.0.0.1:0".parse().unwrap()).unwrap()
    };
    let addr = endpoint.local_addr().unwrap();
    let handle = thread::spawn(move || rt.block_on(serve(endpoint)));
    (addr, handle)
}

/// What one bulk run measured on the client.
pub struct BulkRun {
    /// From the request to the last byte.
    pub transfer: Duration,
    /// From connecting until the handshake completed.
    pub handshake: Duration,
    /// The process's CPU time during the run (both sides).
    pub cpu: Duration,
}

/// The bulk workload: `total` bytes from server to client.
pub fn quinn_bulk(configs: &(quinn::ClientConfig, quinn::ServerConfig), total: u64) -> BulkRun {
    let (addr, handle) = server(&configs.1, move |endpoint| async move {
        let conn = endpoint.accept().await.unwrap().await.unwrap();
        let (mut send, mut recv) = conn.accept_bi().await.unwrap();
        recv.read_to_end(1024).await.unwrap();
        let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            send.write_all(&chunk[..n]).await.unwrap();
            left -= n as u64;
        }
        send.finish().unwrap();
        conn.closed().await;
        endpoint.wait_idle().await;
    });
    let client_config = configs.0.clone();
    let run = runtime().block_on(async move {
        let cpu = crate::bench::process_cpu();
        let start = Instant::now();
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
        endpoint.set_default_client_config(client_config);
        let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
        let handshake = start.elapsed();
        let started = Instant::now();
        let (mut send, mut recv) = conn.open_bi().await.unwrap();
        send.write_all(b"GET").await.unwrap();
        send.finish().unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0u64;
        while let Some(n) = recv.read(&mut buf).await.unwrap() {
            got += n as u64;
        }
        let transfer = started.elapsed();
        let cpu = crate::bench::process_cpu().saturating_sub(cpu);
        assert_eq!(got, total);
        conn.close(0u32.into(), b"");
        endpoint.wait_idle().await;
        BulkRun {
            transfer,
            handshake,
            cpu,
        }
    });
    handle.join().unwrap();
    run
}

/// The connections workload: `count` connections in turn; returns the time they took.
pub fn quinn_connections(
    configs: &(quinn::ClientConfig, quinn::ServerConfig),
    count: usize,
) -> Duration {
    let (addr, handle) = server(&configs.1, move |endpoint| async move {
        for _ in 0..count {
            let conn = endpoint.accept().await.unwrap().await.unwrap();
            let (mut send, mut recv) = conn.accept_bi().await.unwrap();
            recv.read_to_end(64).await.unwrap();
            send.write_all(b"PONG").await.unwrap();
            send.finish().unwrap();
            conn.closed().await;
        }
        endpoint.wait_idle().await;
    });
    let client_config = configs.0.clone();
    let elapsed = runtime().block_on(async move {
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
        endpoint.set_default_client_config(client_config);
        let start = Instant::now();
        for _ in 0..count {
            let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
            let (mut send, mut recv) = conn.open_bi().await.unwrap();
            send.write_all(b"PING").await.unwrap();
            send.finish().unwrap();
            let reply = recv.read_to_end(64).await.unwrap();
            assert_eq!(reply, b"PONG");
            conn.close(0u32.into(), b"");
        }
        let elapsed = start.elapsed();
        endpoint.wait_idle().await;
        elapsed
    });
    handle.join().unwrap();
    elapsed
}

/// A scale request asking for `reply` bytes: `size` bytes, the first eight the reply's
/// length in ASCII decimal, space-padded (the protocol of the scale benchmark's C server).
pub fn scale_request(reply: usize, size: usize) -> Vec<u8> {
    let mut request = format!("{reply:<8}").into_bytes();
    request.resize(size.max(8), b' ');
    request
}

/// The reply length a scale request asks for.
fn scale_reply_len(request: &[u8]) -> usize {
    std::str::from_utf8(&request[..request.len().min(8)])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Serves scale requests on every stream of `conn` until it closes.
async fn serve_scale_streams(conn: quinn::Connection) {
    while let Ok((mut send, mut recv)) = conn.accept_bi().await {
        tokio::spawn(async move {
            let Ok(request) = recv.read_to_end(1 << 20).await else {
                return;
            };
            let reply = vec![7u8; scale_reply_len(&request)];
            let _ = send.write_all(&reply).await;
            let _ = send.finish();
        });
    }
}

/// One scale exchange on a new stream of `conn`: `request` out, the whole reply back; its
/// length.
async fn scale_exchange(conn: quinn::Connection, request: Arc<Vec<u8>>) -> usize {
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    send.write_all(&request).await.unwrap();
    send.finish().unwrap();
    recv.read_to_end(1 << 20).await.unwrap().len()
}

/// The streams workload: one connection, `count` exchanges of a 1 KiB request and a 1 KiB
/// reply on a stream each, at most `concurrency` at once; returns the time they took.
pub fn quinn_streams(
    configs: &(quinn::ClientConfig, quinn::ServerConfig),
    count: usize,
    concurrency: usize,
) -> Duration {
    let (addr, handle) = server(&configs.1, move |endpoint| async move {
        let conn = endpoint.accept().await.unwrap().await.unwrap();
        serve_scale_streams(conn).await;
        endpoint.wait_idle().await;
    });
    let client_config = configs.0.clone();
    let elapsed = runtime().block_on(async move {
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
        endpoint.set_default_client_config(client_config);
        let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
        let request = Arc::new(scale_request(1024, 1024));
        let start = Instant::now();
        let mut running = tokio::task::JoinSet::new();
        let mut started = 0;
        while started < count || !running.is_empty() {
            while started < count && running.len() < concurrency {
                running.spawn(scale_exchange(conn.clone(), request.clone()));
                started += 1;
            }
            let got = running.join_next().await.unwrap().unwrap();
            assert_eq!(got, 1024);
        }
        let elapsed = start.elapsed();
        conn.close(0u32.into(), b"");
        endpoint.wait_idle().await;
        elapsed
    });
    handle.join().unwrap();
    elapsed
}

/// A quinn server for the idle-connections workload, meant to run in a process of its own:
/// prints `listening on <port>`, serves scale requests on every connection, and once
/// `count` connections have each had one exchange prints `idle <count> <RSS kB now> <RSS kB
/// before the first connection>`; returns when they have all closed.
#[allow(clippy::print_stdout)] // Its figures go to its standard output, for the parent.
pub fn quinn_idle_server(config: &quinn::ServerConfig, count: usize) {
    use std::io::Write;
    let before = crate::bench::rss_kib();
    let (addr, handle) = server(config, move |endpoint| async move {
        let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut conns = tokio::task::JoinSet::new();
        for _ in 0..count {
            let conn = endpoint.accept().await.unwrap().await.unwrap();
            let served = served.clone();
            conns.spawn(async move {
                let (mut send, mut recv) = conn.accept_bi().await.unwrap();
                let request = recv.read_to_end(1 << 20).await.unwrap();
                send.write_all(&vec![7u8; scale_reply_len(&request)])
                    .await
                    .unwrap();
                send.finish().unwrap();
                if served.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == count {
                    // Every connection is open and has been used once: measure now.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    println!("idle {count} {} {before}", crate::bench::rss_kib());
                    let _ = std::io::stdout().flush();
                }
                conn.closed().await;
            });
        }
        while conns.join_next().await.is_some() {}
        endpoint.wait_idle().await;
    });
    println!("listening on {}", addr.port());
    let _ = std::io::stdout().flush();
    handle.join().unwrap();
}

/// The client of the idle-connections workload: opens `count` connections to `addr`, one
/// exchange each, keeps them all open for `hold`, then closes them.
pub fn quinn_idle_client(
    config: &quinn::ClientConfig,
    addr: SocketAddr,
    count: usize,
    hold: Duration,
) {
    let config = config.clone();
    runtime().block_on(async move {
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
        endpoint.set_default_client_config(config);
        let request = Arc::new(scale_request(16, 16));
        let mut conns = Vec::with_capacity(count);
        for _ in 0..count {
            let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
            assert_eq!(scale_exchange(conn.clone(), request.clone()).await, 16);
            conns.push(conn);
        }
        tokio::time::sleep(hold).await;
        for conn in &conns {
            conn.close(0u32.into(), b"");
        }
        endpoint.wait_idle().await;
    });
}

/// The configurations of [`quinn_configs`] from a certificate and key in PEM files (for a
/// quinn endpoint in a process of its own).
pub fn quinn_configs_from_pem(
    cert: &std::path::Path,
    key: &std::path::Path,
    alpn: &[u8],
    conn_window: u64,
    stream_window: u64,
) -> (quinn::ClientConfig, quinn::ServerConfig) {
    use rustls::pki_types::pem::PemObject;
    let cert = CertificateDer::from_pem_file(cert).expect("a PEM certificate");
    let key = PrivateKeyDer::from_pem_file(key).expect("a PEM private key");
    quinn_configs(&cert, &key, alpn, conn_window, stream_window)
}
