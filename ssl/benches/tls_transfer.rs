//! qssl's TLS objects over TCP loopback next to the system's OpenSSL in the same run.
//!
//! OpenSSL is measured through its command-line tool (`openssl`, or `QSSL_OPENSSL`), so what
//! is compared is two whole stacks, each talking to itself (qssl client and server, OpenSSL
//! client and server), not qssl against OpenSSL on one connection:
//!
//! - **Bulk** (median of 5 runs, taking turns): a client downloads n bytes (256 MiB, or
//!   `QSSL_BENCH_BYTES`, e.g. `QSSL_BENCH_BYTES=64M`) over a fresh connection, handshake
//!   included, and reads it all. qssl: a client and a server `Tls` object in two threads of
//!   this process, blocking sockets, the server writing 64 KiB at a time. OpenSSL: `openssl
//!   s_time -new -www /FILE` fetching an n-byte file from `openssl s_server -WWW` (which reads
//!   it from a temporary directory and writes 16 KiB at a time), over and over for 1 to 2 s
//!   per run (s_time stops on a whole-second clock); s_time reads with `SSL_read` into 8 KiB
//!   and discards. Its rate is the bytes of all fetches over s_time's wall time, measured
//!   here from spawn to exit (so with a few ms of process start-up). CPU time is this
//!   process's for qssl, s_server's plus s_time's for OpenSSL (from `/proc`). Both run with
//!   Nagle's algorithm on, so qssl's time includes the handshake stall shown below.
//! - **Handshakes**: `openssl s_time -new -time 5` makes full handshakes with the same
//!   s_server, one fresh connection at a time, for 5 to 6 s (wall time measured here;
//!   s_time's own "real seconds" are whole seconds). qssl then makes as many full
//!   handshakes between a client and a server thread, one connection at a time (stopping
//!   early after 5 s); like s_time, the client closes without close_notify once its
//!   handshake completes, and the server, like s_server, reads until the connection ends.
//!   Reported: handshakes per second and CPU time per handshake (both ends). qssl runs twice:
//!   with Nagle's algorithm on, as the tools run, and with TCP_NODELAY on both sockets.
//!
//! Both stacks use TLS 1.3 with TLS_AES_256_GCM_SHA384 (the servers allow only it), X25519,
//! and the same ECDSA P-256 certificate (rcgen). The qssl clients verify the certificate;
//! s_time builds the chain but ignores the result. Other load on the machine shows in the
//! rates more than in the CPU figures.
//!
//! Run with `cargo bench -p qssl --bench tls_transfer`. As a test (`cargo test --bench
//! tls_transfer`) the file is 256 KiB, each stack runs once, s_time runs for 1 s and qssl
//! makes at most 20 handshakes each way.
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

use qssl_tests::bench;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use qssl::ErrorCode;
use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER, SslCtx, TLS1_3_VERSION};
use qssl::tls::Tls;

const BENCH_BYTES: u64 = 256 << 20;
const TEST_BYTES: u64 = 256 << 10;
const RUNS: usize = 5;
const CHUNK: usize = 64 << 10;
const BENCH_HANDSHAKE_SECS: u64 = 5;
const TEST_HANDSHAKE_SECS: u64 = 1;
const TEST_HANDSHAKES: u64 = 20;
const SUITE: &str = "TLS_AES_256_GCM_SHA384";
const FILE_NAME: &str = "bulk.bin";
const REQUEST: &[u8] = b"GET /bulk.bin HTTP/1.0\r\n\r\n";
/// What `s_server -WWW` sends before a file; the qssl server sends the same.
const HEADER: &[u8] = b"HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n";
/// The longest any one step may take before the benchmark gives up.
const TIMEOUT: Duration = Duration::from_secs(120);

fn openssl_bin() -> String {
    std::env::var("QSSL_OPENSSL").unwrap_or_else(|_| "openssl".to_owned())
}

/// The CPU time of this process's ended and reaped children (cutime, cstime).
fn children_cpu() -> Duration {
    qssl_tests::bench::stat_cpu("/proc/self/stat", 13)
}

/// A running process's CPU time.
fn pid_cpu(pid: u32) -> Duration {
    qssl_tests::bench::stat_cpu(&format!("/proc/{pid}/stat"), 11)
}

/// The certificate, key and the file s_server serves, in a temporary directory.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new(total: u64) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.path().join("cert.pem"), generated.cert.pem()).unwrap();
        std::fs::write(
            dir.path().join("key.pem"),
            generated.signing_key.serialize_pem(),
        )
        .unwrap();
        let mut file = std::fs::File::create(dir.path().join(FILE_NAME)).unwrap();
        let chunk = pattern();
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            file.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        Files { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }
}

/// The client's and the server's context.
type Ctxs = (Arc<SslCtx>, Arc<SslCtx>);

fn pattern() -> Vec<u8> {
    (0..CHUNK).map(|i| (i % 251) as u8).collect()
}

fn qssl_ctxs(files: &Files) -> Ctxs {
    let mut server = SslCtx::new(Method::TlsServer);
    server
        .use_certificate_chain_file(files.path("cert.pem"))
        .unwrap();
    server
        .use_private_key_file(files.path("key.pem"), FileType::Pem)
        .unwrap();
    server.set_min_proto_version(TLS1_3_VERSION).unwrap();
    server.set_ciphersuites(SUITE).unwrap();
    let mut client = SslCtx::new(Method::TlsClient);
    client
        .load_verify_locations(Some(&files.path("cert.pem")), None)
        .unwrap();
    client.set_verify(SSL_VERIFY_PEER, None);
    client.set_min_proto_version(TLS1_3_VERSION).unwrap();
    (Arc::new(client), Arc::new(server))
}

/// One bulk run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    mbps: f64,
    cpu_per_gib: Duration,
}

fn run(total: u64, elapsed: Duration, cpu: Duration) -> Run {
    Run {
        mbps: total as f64 / elapsed.as_secs_f64() / 1e6,
        cpu_per_gib: cpu.mul_f64((1u64 << 30) as f64 / total as f64),
    }
}

/// A connection's stream with every wait bounded.
fn bounded(stream: &TcpStream) {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
}

fn accept_tls(listener: &TcpListener, ctx: &SslCtx) -> Tls {
    let (stream, _) = listener.accept().unwrap();
    bounded(&stream);
    let tls = Tls::new(ctx).unwrap();
    tls.set_tcp(stream);
    tls
}

fn connect_tls(port: u16, ctx: &SslCtx) -> Tls {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    bounded(&stream);
    let tls = Tls::new(ctx).unwrap();
    tls.set_host_name("localhost").unwrap();
    tls.set_tcp(stream);
    tls
}

fn qssl_bulk(ctxs: &Ctxs, total: u64) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_ctx = Arc::clone(&ctxs.1);
    let server = thread::spawn(move || {
        let tls = accept_tls(&listener, &server_ctx);
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.ends_with(b"\r\n\r\n") {
            let n = tls.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
        }
        assert_eq!(request, REQUEST);
        tls.write(HEADER).unwrap();
        let chunk = pattern();
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            tls.write(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        tls.shutdown().unwrap();
    });
    let cpu = qssl_tests::bench::process_cpu();
    let start = Instant::now();
    let tls = connect_tls(port, &ctxs.0);
    tls.connect().unwrap();
    assert_eq!(tls.cipher_name(), Some(SUITE));
    tls.write(REQUEST).unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0u64;
    loop {
        match tls.read(&mut buf) {
            Ok(n) => got += n as u64,
            Err(e) if e.code() == ErrorCode::ZeroReturn => break,
            Err(e) => panic!("qssl bulk read: {e}"),
        }
    }
    let elapsed = start.elapsed();
    let cpu = qssl_tests::bench::process_cpu().saturating_sub(cpu);
    assert_eq!(got, HEADER.len() as u64 + total);
    server.join().unwrap();
    run(total, elapsed, cpu)
}

/// `openssl s_server -WWW` in the files' directory, serving until dropped.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(files: &Files) -> SServer {
        let mut child = Command::new(openssl_bin())
            .current_dir(files.dir.path())
            .args(["s_server", "-accept", "127.0.0.1:0", "-WWW", "-tls1_3"])
            .args(["-ciphersuites", SUITE])
            .args([
                "-cert",
                &files.arg("cert.pem"),
                "-key",
                &files.arg("key.pem"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", openssl_bin()));
        // OpenSSL 3 reports the port it bound ("ACCEPT 127.0.0.1:PORT"); the rest of its
        // output is drained until it ends.
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { return };
                if let Some(port) = line
                    .strip_prefix("ACCEPT ")
                    .and_then(|a| a.rsplit_once(':'))
                    .and_then(|(_, p)| p.parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("s_server did not report its port");
        SServer { child, port }
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child to end, killing it after [`TIMEOUT`].
fn wait_bounded(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish in {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `openssl s_time` against the server with `args` for about `secs` seconds: the
/// number of connections it made, the bytes it read on each, its wall time, and the CPU time
/// of it and the server.
fn s_time(server: &SServer, args: &[&str], secs: u64) -> (u64, u64, Duration, Duration) {
    let children = children_cpu();
    let server_cpu = pid_cpu(server.child.id());
    let start = Instant::now();
    let mut child = Command::new(openssl_bin())
        .args(["s_time", "-connect", &format!("127.0.0.1:{}", server.port)])
        .args(["-new", "-tls1_3", "-time", &secs.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", openssl_bin()));
    let mut out = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let status = wait_bounded(&mut child, "s_time");
    let elapsed = start.elapsed();
    let cpu = children_cpu().saturating_sub(children)
        + pid_cpu(server.child.id()).saturating_sub(server_cpu);
    let text = reader.join().unwrap();
    // "N connections in T real seconds, B bytes read per connection"
    let summary = text
        .lines()
        .find(|l| l.contains("real seconds"))
        .unwrap_or_else(|| panic!("no summary from s_time:\n{text}"));
    let words: Vec<&str> = summary.split_whitespace().collect();
    let number = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
    let (Some(count), Some(bytes)) = (number(0), number(6)) else {
        panic!("unexpected s_time summary: {summary}");
    };
    assert!(status.success() && count > 0, "s_time {status}:\n{text}");
    (count, bytes, elapsed, cpu)
}

fn openssl_bulk(server: &SServer, total: u64) -> Run {
    let page = format!("/{FILE_NAME}");
    let (count, bytes, elapsed, cpu) = s_time(server, &["-www", &page], 1);
    assert_eq!(bytes, HEADER.len() as u64 + total, "bytes per fetch");
    run(count * total, elapsed, cpu)
}

/// Handshake figures: how many, in how long, with how much CPU (both ends).
#[derive(Debug, Clone, Copy)]
struct Handshakes {
    count: u64,
    elapsed: Duration,
    cpu: Duration,
}

impl Handshakes {
    fn per_sec(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.count as f64
    }
}

fn openssl_handshakes(server: &SServer, secs: u64) -> Handshakes {
    let (count, _, elapsed, cpu) = s_time(server, &[], secs);
    Handshakes {
        count,
        elapsed,
        cpu,
    }
}

/// Up to `count` full handshakes, one connection at a time, stopping after `limit`.
fn qssl_handshakes(ctxs: &Ctxs, count: u64, limit: Duration, nodelay: bool) -> Handshakes {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_ctx = Arc::clone(&ctxs.1);
    let stop = Arc::new(AtomicBool::new(false));
    let server_stop = Arc::clone(&stop);
    let server = thread::spawn(move || {
        let mut buf = [0u8; 1024];
        loop {
            let (stream, _) = listener.accept().unwrap();
            if server_stop.load(Ordering::SeqCst) {
                return;
            }
            bounded(&stream);
            stream.set_nodelay(nodelay).unwrap();
            let tls = Tls::new(&server_ctx).unwrap();
            tls.set_tcp(stream);
            // The client may be gone before the tickets are out: that fails the accept here,
            // as it makes s_server log an error.
            if tls.accept().is_ok() {
                // Like s_server, wait for a request; the client just closes.
                while tls.read(&mut buf).is_ok() {}
            }
        }
    });
    let cpu = qssl_tests::bench::process_cpu();
    let start = Instant::now();
    let mut made = 0;
    while made < count && start.elapsed() < limit {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        bounded(&stream);
        stream.set_nodelay(nodelay).unwrap();
        let tls = Tls::new(&ctxs.0).unwrap();
        tls.set_host_name("localhost").unwrap();
        tls.set_tcp(stream);
        tls.connect().unwrap();
        made += 1;
        // Closed without close_notify, as s_time does.
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::SeqCst);
    drop(TcpStream::connect(("127.0.0.1", port)).unwrap());
    server.join().unwrap();
    Handshakes {
        count: made,
        elapsed,
        cpu: qssl_tests::bench::process_cpu().saturating_sub(cpu),
    }
}

fn main() {
    let benchmarking = match bench::mode() {
        bench::Mode::List => return,
        bench::Mode::Bench => true,
        bench::Mode::Test => false,
    };
    let (total, runs, secs) = if benchmarking {
        (bench::bench_bytes(BENCH_BYTES), RUNS, BENCH_HANDSHAKE_SECS)
    } else {
        (TEST_BYTES, 1, TEST_HANDSHAKE_SECS)
    };
    let files = Files::new(total);
    let ctxs = qssl_ctxs(&files);
    let server = SServer::start(&files);

    let (mut q, mut o) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        q.push(qssl_bulk(&ctxs, total));
        o.push(openssl_bulk(&server, total));
    }
    let ossl_hs = openssl_handshakes(&server, secs);
    drop(server);
    let count = if benchmarking {
        ossl_hs.count
    } else {
        ossl_hs.count.min(TEST_HANDSHAKES)
    };
    let limit = Duration::from_secs(secs);
    let qssl_hs = qssl_handshakes(&ctxs, count, limit, false);
    let qssl_hs_nodelay = qssl_handshakes(&ctxs, count, limit, true);

    println!(
        "TLS 1.3 {SUITE} over TCP loopback, {} KiB per download, median of {runs} runs:",
        total >> 10
    );
    let bulk = |name: &str, runs: &[Run]| {
        let mbps = bench::median(runs.iter().map(|r| r.mbps).collect());
        let cpu = bench::median(runs.iter().map(|r| r.cpu_per_gib.as_secs_f64()).collect());
        println!("{name:26} bulk {mbps:8.1} MB/s   CPU {cpu:6.3} s/GiB (both ends)");
        (mbps, cpu)
    };
    let (qm, qc) = bulk("qssl", &q);
    let (om, oc) = bulk("openssl", &o);
    let handshakes = |name: &str, hs: &Handshakes| {
        println!(
            "{name:26} {:8.1} handshakes/s ({} in {:.2} s), CPU {:5.0} µs each (both ends)",
            hs.per_sec(),
            hs.count,
            hs.elapsed.as_secs_f64(),
            hs.cpu_us()
        );
    };
    handshakes("qssl", &qssl_hs);
    handshakes("qssl with TCP_NODELAY", &qssl_hs_nodelay);
    handshakes("openssl (s_time/s_server)", &ossl_hs);
    println!(
        "qssl/openssl: throughput ×{:.2}, CPU per GiB ×{:.2}, handshakes/s ×{:.2} \
         (×{:.2} with TCP_NODELAY), CPU per handshake ×{:.2}",
        qm / om,
        qc / oc.max(f64::MIN_POSITIVE),
        qssl_hs.per_sec() / ossl_hs.per_sec(),
        qssl_hs_nodelay.per_sec() / ossl_hs.per_sec(),
        qssl_hs.cpu_us() / ossl_hs.cpu_us().max(f64::MIN_POSITIVE)
    );
}
