//! qssl's QUIC objects over real UDP sockets on loopback, next to quinn in the same run.
//!
//! Each run makes a fresh connection: a server thread accepts it and one bidirectional stream,
//! reads the client's request, answers with n bytes (64 MiB, or `QSSL_BENCH_BYTES`, e.g.
//! `QSSL_BENCH_BYTES=16M`) in 64 KiB writes and finishes the stream; the client reads it all.
//! qssl runs in blocking mode (`Ssl` objects, a blocked call waits in `poll(2)`); quinn runs on
//! one current-thread tokio runtime per side. Reported per stack, the median of 5 runs taking
//! turns: stream payload throughput (MB/s, 10^6 bytes, from the request to the last byte), the
//! process's CPU time per GiB moved (both sides; `/proc/self/stat`), and the handshake time
//! (connect until it completes). Then connections per second: 200 connections in turn, each a
//! 4-byte request, a 4-byte reply and a close (the server waits for the client's close).
//! Both stacks get the same certificate (rcgen ECDSA P-256),
//! rustls on ring, TLS 1.3, and fixed receive windows of 16 MiB per connection and 2 MiB per stream.
//!
//! Run with `cargo bench -p qssl --bench udp_transfer`. As a test (`cargo test --bench
//! udp_transfer`) the transfer is 256 KiB, once per stack.
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

use qssl_tests::identity::Identity;
use qssl_tests::{bench, quinn_peer};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx};
use qssl::quic::{LISTENER_FLAG_NO_VALIDATE, Ssl, WRITE_FLAG_CONCLUDE};
use qssl::{ErrorCode, IoResult};
use qssl_bio::{DatagramBio, UdpBio};

const BENCH_BYTES: u64 = 64 << 20;
const TEST_BYTES: u64 = 256 << 10;
const RUNS: usize = 5;
/// Connections per run of the connections workload.
const CONNECTIONS: usize = 200;
const CHUNK: usize = quinn_peer::CHUNK;
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

fn wire_alpn() -> Vec<u8> {
    let mut w = vec![ALPN.len() as u8];
    w.extend_from_slice(ALPN);
    w
}

fn qssl_ctxs(c: &Identity) -> (SslCtx, SslCtx) {
    let mut server = SslCtx::new(Method::QuicServer);
    server.use_certificate_chain_file(&c.cert).unwrap();
    server.use_private_key_file(&c.key, FileType::Pem).unwrap();
    server.set_alpn_protos(&wire_alpn()).unwrap();
    fixed_windows(&mut server);
    let mut client = SslCtx::new(Method::QuicClient);
    client.load_verify_locations(Some(&c.cert), None).unwrap();
    client.set_verify(SSL_VERIFY_PEER, None);
    client.set_alpn_protos(&wire_alpn()).unwrap();
    fixed_windows(&mut client);
    (client, server)
}

/// Receive windows of quinn's configuration: these sizes from the start, never growing.
fn fixed_windows(ctx: &mut SslCtx) {
    ctx.set_receive_windows(CONN_WINDOW, STREAM_WINDOW);
    let config = ctx.connection_config_mut();
    config.max_data_window = CONN_WINDOW;
    config.max_stream_data_window = STREAM_WINDOW;
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
    let cpu = qssl_tests::bench::process_cpu();
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
    let cpu = qssl_tests::bench::process_cpu().saturating_sub(cpu);
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

/// Closes without lingering in the closing state, as quinn's `close` returns at once (its
/// endpoint drains in the background).
const RAPID: u64 = qssl::quic::SHUTDOWN_FLAG_RAPID;

/// The connections workload on qssl: `count` connections in turn, each a 4-byte request
/// answered by 4 bytes and a close; returns the time they took.
fn qssl_connections(ctxs: &(SslCtx, SslCtx), count: usize) -> Duration {
    let server_bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server_bio.local_addr().socket_addr().unwrap();
    let server_bio: Arc<dyn DatagramBio> = Arc::new(server_bio);
    let listener = Ssl::new_listener(&ctxs.1, LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener
        .set_bio(Some(server_bio.clone()), Some(server_bio))
        .unwrap();
    let server = thread::spawn(move || {
        let mut buf = [0u8; 64];
        for _ in 0..count {
            let conn = listener.accept_connection(0).unwrap().unwrap();
            let stream = conn.accept_stream(0).unwrap().unwrap();
            read_all(&stream, &mut buf).unwrap();
            stream.write_ex2(b"PONG", WRITE_FLAG_CONCLUDE).unwrap();
            conn.shutdown_ex(RAPID | qssl::quic::SHUTDOWN_FLAG_WAIT_PEER, 0, b"")
                .unwrap();
        }
    });
    let start = Instant::now();
    let mut buf = [0u8; 64];
    for _ in 0..count {
        let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.connect(addr).unwrap();
        let bio: Arc<dyn DatagramBio> = Arc::new(socket);
        let client = Ssl::new(&ctxs.0).unwrap();
        client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
        client.set_host_name("localhost").unwrap();
        client.connect().unwrap();
        let stream = client.new_stream(0).unwrap();
        stream.write_ex2(b"PING", WRITE_FLAG_CONCLUDE).unwrap();
        assert_eq!(read_all(&stream, &mut buf).unwrap(), 4);
        drop(stream);
        client.shutdown_ex(RAPID, 0, b"").unwrap();
    }
    let elapsed = start.elapsed();
    server.join().unwrap();
    elapsed
}

fn quinn_run(configs: &(quinn::ClientConfig, quinn::ServerConfig), total: u64) -> Run {
    let run = quinn_peer::quinn_bulk(configs, total);
    figures(total, run.transfer, run.cpu, run.handshake)
}

fn main() {
    let benchmarking = match bench::mode() {
        bench::Mode::List => return,
        bench::Mode::Bench => true,
        bench::Mode::Test => false,
    };
    let (total, runs) = if benchmarking {
        (bench::bench_bytes(BENCH_BYTES), RUNS)
    } else {
        (TEST_BYTES, 1)
    };
    let certs = Identity::localhost();
    let qssl_ctxs = qssl_ctxs(&certs);
    let quinn_configs = quinn_peer::quinn_configs(
        &certs.cert_der,
        &certs.private_key(),
        ALPN,
        CONN_WINDOW,
        STREAM_WINDOW,
    );
    let (mut q, mut n) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        q.push(qssl_run(&qssl_ctxs, total));
        n.push(quinn_run(&quinn_configs, total));
    }
    let report = |name: &str, runs: &[Run]| {
        let mbps = bench::median(runs.iter().map(|r| r.mbps).collect());
        let cpu = bench::median(runs.iter().map(|r| r.cpu_per_gib.as_secs_f64()).collect());
        let hs = bench::median(
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
    let count = if benchmarking { CONNECTIONS } else { 3 };
    let (mut qc, mut nc) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        qc.push(count as f64 / qssl_connections(&qssl_ctxs, count).as_secs_f64());
        nc.push(count as f64 / quinn_peer::quinn_connections(&quinn_configs, count).as_secs_f64());
    }
    let (qr, nr) = (bench::median(qc), bench::median(nc));
    println!(
        "connections in turn ({count} per run, request + reply + close): qssl {qr:.0}/s, \
         quinn {nr:.0}/s, ×{:.2}",
        qr / nr
    );
}
