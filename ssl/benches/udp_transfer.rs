//! qssl's QUIC objects over real UDP sockets on loopback, next to quinn in the same run.
//!
//! Each run makes a fresh connection: a server thread accepts it and one bidirectional stream,
//! reads the client's request, answers with n bytes (64 MiB, or `QSSL_BENCH_BYTES`, e.g.
//! `QSSL_BENCH_BYTES=16M`) in 64 KiB writes and finishes the stream; the client reads it all.
//! qssl runs in blocking mode (`Ssl` objects, a blocked call waits in `poll(2)`); quinn runs on
//! one current-thread tokio runtime per side. Reported per stack, the median of 5 runs taking
//! turns: stream payload throughput (MB/s, 10^6 bytes, from the request to the last byte), the
//! process's CPU time per GiB moved (both sides; `/proc/self/stat`), and the handshake time
//! (connect until it completes). Both stacks get the same certificate (rcgen ECDSA P-256),
//! rustls on ring, TLS 1.3, and receive windows of 16 MiB per connection and 2 MiB per stream.
//!
//! Run with `cargo bench -p qssl --bench udp_transfer`. As a test (`cargo test --bench
//! udp_transfer`) the transfer is 256 KiB, once per stack.
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

#[path = "../../benches-support/args.rs"]
mod args;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::quic::{LISTENER_FLAG_NO_VALIDATE, Ssl, WRITE_FLAG_CONCLUDE};
use qssl::{ErrorCode, IoResult};
use qssl_bio::{DatagramBio, UdpBio};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const BENCH_BYTES: u64 = 64 << 20;
const TEST_BYTES: u64 = 256 << 10;
const RUNS: usize = 5;
const CHUNK: usize = 64 << 10;
const CONN_WINDOW: u64 = 16 << 20;
const STREAM_WINDOW: u64 = 2 << 20;
const ALPN: &[u8] = b"bench";

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    mbps: f64,
    cpu_per_gib: Duration,
    handshake: Duration,
}

/// The process's user + system CPU time.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (in parentheses, possibly with spaces): utime and stime
    // are the 12th and 13th of them, in USER_HZ (100 per second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Certs {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    dir: tempfile::TempDir,
}

fn certs() -> Certs {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), generated.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        generated.signing_key.serialize_pem(),
    )
    .unwrap();
    Certs {
        cert: generated.cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            generated.signing_key.serialize_der(),
        )),
        dir,
    }
}

fn wire_alpn() -> Vec<u8> {
    let mut w = vec![ALPN.len() as u8];
    w.extend_from_slice(ALPN);
    w
}

fn qssl_ctxs(c: &Certs) -> (SslCtx, SslCtx) {
    let mut server = SslCtx::new(Method::QuicServer);
    server
        .use_certificate_chain_file(c.dir.path().join("cert.pem"))
        .unwrap();
    server
        .use_private_key_file(c.dir.path().join("key.pem"), FileType::Pem)
        .unwrap();
    server.set_alpn_protos(&wire_alpn()).unwrap();
    server.set_receive_windows(CONN_WINDOW, STREAM_WINDOW);
    let mut client = SslCtx::new(Method::QuicClient);
    client
        .load_verify_locations(Some(&c.dir.path().join("cert.pem")), None)
        .unwrap();
    client.set_verify(SSL_VERIFY_PEER, None);
    client.set_alpn_protos(&wire_alpn()).unwrap();
    client.set_receive_windows(CONN_WINDOW, STREAM_WINDOW);
    (client, server)
}

fn read_all(stream: &Ssl, buf: &mut [u8]) -> IoResult<u64> {
    let mut total = 0u64;
    loop {
        match stream.read(buf) {
            Ok(n) => total += n as u64,
            Err(e) if e.code() == ErrorCode::ZeroReturn => return Ok(total),
            Err(e) => return Err(e),
        }
    }
}

fn qssl_run(ctxs: &(SslCtx, SslCtx), total: u64) -> Run {
    let server_bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server_bio.local_addr().socket_addr().unwrap();
    let server_bio: Arc<dyn DatagramBio> = Arc::new(server_bio);
    let listener = Ssl::new_listener(&ctxs.1, LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener
        .set_bio(Some(server_bio.clone()), Some(server_bio))
        .unwrap();
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let stream = conn.accept_stream(0).unwrap().unwrap();
        let mut buf = vec![0u8; 1024];
        read_all(&stream, &mut buf).unwrap();
        let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            stream.write(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        stream.stream_conclude().unwrap();
        conn.shutdown_ex(qssl::quic::SHUTDOWN_FLAG_WAIT_PEER, 0, b"")
            .unwrap();
    });
    let cpu = process_cpu();
    let start = Instant::now();
    let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.connect(addr).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let client = Ssl::new(&ctxs.0).unwrap();
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    let handshake = start.elapsed();
    let transfer = Instant::now();
    let stream = client.new_stream(0).unwrap();
    stream.write_ex2(b"GET", WRITE_FLAG_CONCLUDE).unwrap();
    let mut buf = vec![0u8; CHUNK];
    let got = read_all(&stream, &mut buf).unwrap();
    let elapsed = transfer.elapsed();
    let cpu = process_cpu().saturating_sub(cpu);
    assert_eq!(got, total);
    drop(stream);
    client.shutdown().unwrap();
    server.join().unwrap();
    figures(total, elapsed, cpu, handshake)
}

fn figures(total: u64, elapsed: Duration, cpu: Duration, handshake: Duration) -> Run {
    Run {
        mbps: total as f64 / elapsed.as_secs_f64() / 1e6,
        cpu_per_gib: cpu.mul_f64((1u64 << 30) as f64 / total as f64),
        handshake,
    }
}

fn quinn_configs(c: &Certs) -> (quinn::ClientConfig, quinn::ServerConfig) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(c.cert.clone()).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![ALPN.to_vec()];
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![c.cert.clone()], c.key.clone_key())
        .unwrap();
    server.alpn_protocols = vec![ALPN.to_vec()];
    let transport = || {
        let mut t = quinn::TransportConfig::default();
        t.receive_window(quinn::VarInt::from_u64(CONN_WINDOW).unwrap());
        t.stream_receive_window(quinn::VarInt::from_u64(STREAM_WINDOW).unwrap());
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

fn quinn_run(configs: &(quinn::ClientConfig, quinn::ServerConfig), total: u64) -> Run {
    let server_rt = runtime();
    let endpoint = {
        let _guard = server_rt.enter();
        quinn::Endpoint::server(configs.1.clone(), "127.0.0.1:0".parse().unwrap()).unwrap()
    };
    let addr: SocketAddr = endpoint.local_addr().unwrap();
    let server = thread::spawn(move || {
        server_rt.block_on(async move {
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
        })
    });
    let client_config = configs.0.clone();
    let run = runtime().block_on(async move {
        let cpu = process_cpu();
        let start = Instant::now();
        let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
        endpoint.set_default_client_config(client_config);
        let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
        let handshake = start.elapsed();
        let transfer = Instant::now();
        let (mut send, mut recv) = conn.open_bi().await.unwrap();
        send.write_all(b"GET").await.unwrap();
        send.finish().unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0u64;
        while let Some(n) = recv.read(&mut buf).await.unwrap() {
            got += n as u64;
        }
        let elapsed = transfer.elapsed();
        let cpu = process_cpu().saturating_sub(cpu);
        assert_eq!(got, total);
        conn.close(0u32.into(), b"");
        endpoint.wait_idle().await;
        figures(total, elapsed, cpu, handshake)
    });
    server.join().unwrap();
    run
}

fn main() {
    let benchmarking = match args::mode() {
        args::Mode::List => return,
        args::Mode::Bench => true,
        args::Mode::Test => false,
    };
    let (total, runs) = if benchmarking {
        (args::bench_bytes(BENCH_BYTES), RUNS)
    } else {
        (TEST_BYTES, 1)
    };
    let certs = certs();
    let qssl_ctxs = qssl_ctxs(&certs);
    let quinn_configs = quinn_configs(&certs);
    let (mut q, mut n) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        q.push(qssl_run(&qssl_ctxs, total));
        n.push(quinn_run(&quinn_configs, total));
    }
    let report = |name: &str, runs: &[Run]| {
        let mbps = args::median(runs.iter().map(|r| r.mbps).collect());
        let cpu = args::median(runs.iter().map(|r| r.cpu_per_gib.as_secs_f64()).collect());
        let hs = args::median(
            runs.iter()
                .map(|r| r.handshake.as_secs_f64() * 1e6)
                .collect(),
        );
        println!("{name:6} bulk {mbps:8.1} MB/s   CPU {cpu:6.3} s/GiB   handshake {hs:7.0} µs");
        (mbps, cpu, hs)
    };
    println!(
        "UDP loopback, {} KiB per run, median of {runs}:",
        total >> 10
    );
    let (qm, qc, qh) = report("qssl", &q);
    let (nm, nc, nh) = report("quinn", &n);
    println!(
        "qssl/quinn: throughput ×{:.2}, CPU per GiB ×{:.2}, handshake time ×{:.2}",
        qm / nm,
        qc / nc.max(f64::MIN_POSITIVE),
        qh / nh
    );
}
