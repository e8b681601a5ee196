//! Many connections and streams: C programs on qssl's libssl and on the reference OpenSSL 3.5
//! (`benches/c/quic_scale.c`: a server with one `SSL_poll` loop, as OpenSSL's non-blocking
//! guide server, and its clients), next to quinn, in one run:
//!
//! - Streams: one connection, 10,000 exchanges of a 1 KiB request and a 1 KiB reply on a
//!   stream each, at most 100 at once; streams per second.
//! - Idle connections: 1,000 connections on one listener, each used once (16 bytes) and then
//!   held open; the server's resident memory per connection (quinn's server runs in a process
//!   of its own, as the C servers do).
//! - 10,000 connections on one listener, opened one after another and each fetching 64 KiB,
//!   all held open (the client keeps them alive); the time, both processes' CPU, and the
//!   server's memory per connection. qssl's server waits on a poll group here, as a server
//!   with that many connections would (`quic_scale server ... group`).
//!   OpenSSL's server holds 200 in these two workloads: its loop slows with each connection.
//! - `SSL_poll` with those connections and 10 ready streams: the server's time per call over
//!   every object (without waiting) and over the ready ones alone, and (qssl) a poll group's
//!   wait.
//!
//! Run with `cargo bench -p qssl-capi --bench c_scale` (`-- streams`, `-- idle`: that
//! workload alone; `idle` also runs the 10,000 connections); as a test it runs once with
//! small counts. Medians of 3 runs, of 15 for streams (with their range).
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "shared/mod.rs"]
mod shared;

use qssl_tests::identity::Identity;
use qssl_tests::{bench, quinn_peer};
use shared::{CProgram, build_both, children_cpu, rusage_cpu, start_server};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const RUNS: usize = 3;
/// Runs of the streams workload per run of the others.
const STREAM_TURNS: usize = 5;
const ALPN: &[u8] = b"scale";
/// Set in the environment of this binary run again as quinn's idle server: the count.
const QUINN_SERVER: &str = "QSSL_SCALE_QUINN_SERVER";

/// The workload sizes.
struct Sizes {
    streams: usize,
    idle: usize,
    many: usize,
    many_bytes: usize,
    /// Connections OpenSSL's server holds in the idle and many workloads: its `SSL_poll`
    /// loop slows with every connection (each handshake costs a pass over all of them), so
    /// 1,000 would take minutes.
    openssl_conns: usize,
}

/// Runs a C client workload against a fresh C server of `server` serving `connections`
/// (waiting on a poll group if `group`); returns each line the client printed, split into
/// fields.
fn c_run(
    (server, client): (&CProgram, &CProgram),
    c: &Identity,
    (connections, group): (usize, bool),
    args: &[String],
) -> Vec<Vec<String>> {
    let extra: &[&str] = if group { &["group"] } else { &[] };
    let (mut server, port) = start_server(server, c, connections, extra);
    let out = client
        .command()
        .arg(&args[0])
        .arg(&port)
        .arg(&c.cert)
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "C {} client failed: {}",
        args[0],
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.wait().unwrap().success(), "C server failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn num(fields: &[String], i: usize) -> f64 {
    fields[i].parse().unwrap()
}

/// Streams per second, and both processes' CPU time per stream in µs (start-up and
/// handshake included).
fn c_streams(pair: (&CProgram, &CProgram), c: &Identity, count: usize) -> (f64, f64) {
    let before = children_cpu();
    let lines = c_run(
        pair,
        c,
        (1, false),
        &["streams".into(), count.to_string(), "100".into()],
    );
    let cpu = children_cpu().saturating_sub(before);
    (
        count as f64 / (num(&lines[0], 2) / 1e9),
        cpu.as_secs_f64() * 1e6 / count as f64,
    )
}

/// What the hold workload measured.
struct Hold {
    /// Connections per second while opening them.
    rate: f64,
    /// The server's resident memory per held connection, in bytes.
    server_per_conn: f64,
    /// Both processes' CPU time.
    cpu: Duration,
    /// With `ready`: the objects, and ns per `SSL_poll` over all of them, per `SSL_poll` over
    /// the ready ones, and per wait of a poll group holding all of them (qssl only).
    poll: Option<(f64, f64, f64, Option<f64>)>,
}

/// The hold workload: `n` connections fetching `bytes` each and held, then (with `ready`)
/// the poll measurement; the server waits on a poll group if `group`.
fn c_hold(
    pair: (&CProgram, &CProgram),
    c: &Identity,
    (n, bytes, ready): (usize, usize, usize),
    group: bool,
) -> Hold {
    let mut args = vec!["hold".to_string(), n.to_string(), bytes.to_string()];
    if ready > 0 {
        args.extend([ready.to_string(), "100".to_string()]);
    }
    let before = children_cpu();
    // The held connections and the client's two control connections.
    let lines = c_run(pair, c, (n + 2, group), &args);
    let cpu = children_cpu().saturating_sub(before);
    let h = &lines[0];
    Hold {
        rate: n as f64 / (num(h, 2) / 1e9),
        server_per_conn: (num(h, 4) - num(h, 3)) * 1024.0 / n as f64,
        cpu,
        poll: lines.get(1).map(|p| {
            let group = num(p, 5);
            (
                num(p, 1),
                num(p, 3),
                num(p, 4),
                (group >= 0.0).then_some(group),
            )
        }),
    }
}

/// quinn's server memory per idle connection: its server in a process of its own (this
/// binary again), `n` connections from here.
fn quinn_idle(c: &Identity, configs: &(quinn::ClientConfig, quinn::ServerConfig), n: usize) -> f64 {
    let child = Command::new(std::env::current_exe().unwrap())
        .env(QUINN_SERVER, n.to_string())
        .arg(&c.cert)
        .arg(&c.key)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        rest
    });
    quinn_peer::quinn_idle_client(&configs.0, addr, n, Duration::from_millis(400));
    assert!(
        child.wait().unwrap().success(),
        "quinn's idle server failed"
    );
    let rest = reader.join().unwrap();
    let fields: Vec<String> = rest
        .lines()
        .find(|l| l.starts_with("idle "))
        .unwrap_or_else(|| panic!("no figures from quinn's server: {rest:?}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    (num(&fields, 2) - num(&fields, 3)) * 1024.0 / n as f64
}

fn main() {
    if let Ok(n) = std::env::var(QUINN_SERVER) {
        let args: Vec<String> = std::env::args().collect();
        let configs = quinn_peer::quinn_configs_from_pem(
            Path::new(&args[1]),
            Path::new(&args[2]),
            ALPN,
            16 << 20,
            8 << 20,
        );
        quinn_peer::quinn_idle_server(&configs.1, n.parse().unwrap());
        return;
    }
    let benchmarking = match bench::mode() {
        bench::Mode::List => return,
        bench::Mode::Bench => true,
        bench::Mode::Test => false,
    };
    let (sizes, runs) = if benchmarking {
        let sizes = Sizes {
            streams: 10_000,
            idle: 1_000,
            many: 10_000,
            many_bytes: 64 << 10,
            openssl_conns: 200,
        };
        (sizes, RUNS)
    } else {
        let sizes = Sizes {
            streams: 200,
            idle: 20,
            many: 30,
            many_bytes: 4096,
            openssl_conns: 20,
        };
        (sizes, 1)
    };
    let certs = Identity::localhost();
    let (q, o) = build_both("quic_scale.c", "quic_scale");
    let quinn = quinn_peer::quinn_configs(
        &certs.cert_der,
        &certs.private_key(),
        ALPN,
        16 << 20,
        8 << 20,
    );
    println!(
        "QUIC at scale on UDP loopback: C programs on qssl's libssl and on OpenSSL 3.5 \
         (a server loop of SSL_poll over every object; for qssl's held connections, of a poll \
         group), and quinn"
    );
    if bench::selected("streams") {
        streams((&q, &o), &certs, &quinn, sizes.streams, runs);
    }
    if bench::selected("idle") {
        held((&q, &o), &certs, &quinn, &sizes, runs);
    }
}

/// The streams workload, `runs` × [`STREAM_TURNS`] times for each stack in turns (one run
/// takes a tenth of a second, and its figure moves with how the two processes' wake-ups
/// fall: one run says little).
fn streams(
    (q, o): (&CProgram, &CProgram),
    certs: &Identity,
    quinn: &(quinn::ClientConfig, quinn::ServerConfig),
    count: usize,
    runs: usize,
) {
    let [mut qs, mut os, mut ns] = [vec![], vec![], vec![]];
    let [mut qc, mut oc, mut nc] = [vec![], vec![], vec![]];
    for _ in 0..runs * STREAM_TURNS {
        let (rate, cpu) = c_streams((q, q), certs, count);
        qs.push(rate);
        qc.push(cpu);
        let (rate, cpu) = c_streams((o, o), certs, count);
        os.push(rate);
        oc.push(cpu);
        // quinn's client and server run in this process.
        let before = rusage_cpu(libc::RUSAGE_SELF);
        let t = quinn_peer::quinn_streams(quinn, count, 100);
        let cpu = rusage_cpu(libc::RUSAGE_SELF).saturating_sub(before);
        ns.push(count as f64 / t.as_secs_f64());
        nc.push(cpu.as_secs_f64() * 1e6 / count as f64);
    }
    let m = |v: &[f64]| bench::median(v.to_vec());
    println!(
        "streams/s ({count} × 1 KiB + 1 KiB, 100 at once, one connection; median (min–max) \
         of {}): qssl {}, quinn {}, OpenSSL {}; qssl/quinn ×{:.2}, qssl/OpenSSL ×{:.2}",
        qs.len(),
        bench::spread(&qs, 0),
        bench::spread(&ns, 0),
        bench::spread(&os, 0),
        m(&qs) / m(&ns),
        m(&qs) / m(&os)
    );
    println!(
        "  CPU µs per stream, both ends (start-up and handshake included): qssl {}, quinn {}, \
         OpenSSL {}; qssl/quinn ×{:.2}",
        bench::spread(&qc, 1),
        bench::spread(&nc, 1),
        bench::spread(&oc, 1),
        m(&qc) / m(&nc)
    );
}

/// The idle and many-connections workloads, `runs` times for each stack in turns.
fn held(
    (q, o): (&CProgram, &CProgram),
    certs: &Identity,
    quinn: &(quinn::ClientConfig, quinn::ServerConfig),
    sizes: &Sizes,
    runs: usize,
) {
    let m = bench::median;
    let (mut qi, mut oi, mut ni) = (vec![], vec![], vec![]);
    let mut many: [Vec<Hold>; 2] = [vec![], vec![]];
    for _ in 0..runs {
        qi.push(c_hold((q, q), certs, (sizes.idle, 16, 0), false).server_per_conn);
        oi.push(c_hold((o, o), certs, (sizes.openssl_conns, 16, 0), false).server_per_conn);
        ni.push(quinn_idle(certs, quinn, sizes.idle));
        many[0].push(c_hold(
            (q, q),
            certs,
            (sizes.many, sizes.many_bytes, 10),
            true,
        ));
        many[1].push(c_hold(
            (o, o),
            certs,
            (sizes.openssl_conns, sizes.many_bytes, 10),
            false,
        ));
    }
    let (qi, oi, ni) = (m(qi), m(oi), m(ni));
    println!(
        "server memory per idle connection ({} on one listener; OpenSSL {}; median of \
         {runs}): qssl {:.1} KB, quinn {:.1} KB, OpenSSL {:.1} KB",
        sizes.idle,
        sizes.openssl_conns,
        qi / 1e3,
        ni / 1e3,
        oi / 1e3
    );
    let counts = [sizes.many, sizes.openssl_conns];
    for ((name, runs), count) in ["qssl", "OpenSSL"].into_iter().zip(&many).zip(counts) {
        let rate = m(runs.iter().map(|h| h.rate).collect());
        let mem = m(runs.iter().map(|h| h.server_per_conn).collect());
        let cpu = m(runs.iter().map(|h| h.cpu.as_secs_f64()).collect());
        let polls: Vec<_> = runs.iter().filter_map(|h| h.poll).collect();
        let items = polls.first().map_or(0.0, |p| p.0);
        let all = m(polls.iter().map(|p| p.1).collect());
        let ready = m(polls.iter().map(|p| p.2).collect());
        let group = polls
            .iter()
            .map(|p| p.3)
            .collect::<Option<Vec<f64>>>()
            .map_or_else(String::new, |g| {
                format!(", a poll group holding all {:.1} µs", m(g) / 1e3)
            });
        println!(
            "{name:8} {count} connections × {} KiB held at once: {rate:.0} connections/s, CPU \
             {cpu:.2} s (both), server {:.1} KB per connection; SSL_poll over {items:.0} \
             objects {:.1} µs, over the ready ones {:.1} µs (×{:.0}){group}",
            sizes.many_bytes >> 10,
            mem / 1e3,
            all / 1e3,
            ready / 1e3,
            all / ready.max(1.0)
        );
    }
}
