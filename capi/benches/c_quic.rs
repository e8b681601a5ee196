//! QUIC over UDP on loopback with C programs on qssl's libssl (client and server both), next
//! to the same workloads in quinn and in the same C programs on the reference OpenSSL 3.5,
//! and qssl and OpenSSL paired with each other, in one run.
//!
//! The C side is `benches/c/quic_bench.c`, built with `cc -O2` twice: against `include/`
//! and the libssl.so.3 of this build (`scripts/c-libs.sh`), and against the reference
//! OpenSSL 3.5 (`scripts/reference-openssl.sh`); each pairing runs as two processes: blocking objects, the default stream,
//! qssl's default receive windows (4 MiB per connection and 1 MiB per stream to start with,
//! growing to 16 MiB and 8 MiB while the reader keeps up). quinn (`qssl_tests::quinn_peer`)
//! gets the same certificate and ALPN, the largest of those windows from the start (16 MiB
//! and 8 MiB), and one current-thread tokio runtime per side.
//!
//! - Bulk: one connection fetching 64 MiB (or `QSSL_BENCH_BYTES`) in 64 KiB server writes;
//!   MB/s (10^6 bytes) from the request to the last byte, CPU time per GiB moved (both
//!   sides: the C processes' from `getrusage(RUSAGE_CHILDREN)`, quinn's from
//!   `/proc/self/stat`), and the handshake time.
//! - Connections: 200 connections in turn, each a 4-byte request, a 4-byte reply and a close
//!   that does not linger (quinn's `close` returns at once too); connections per second.
//!   The C client opens a socket per connection, as OpenSSL's guide programs do; the same
//!   workload once more with every connection made by `SSL_new_from_listener` on one client
//!   listener, sharing its socket as quinn's endpoint shares its own (OpenSSL 3.5's
//!   client-only listener).
//!
//! Reported: the median of 5 runs of each, taking turns. Run with
//! `cargo bench -p qssl-capi --bench c_quic`; as a test it runs once with 256 KiB and 3
//! connections.
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

#[path = "shared/client.rs"]
mod client;
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "shared/mod.rs"]
mod shared;

use client::{connection_rate as c_rate, cpu_per_gib, run_client};
use qssl_tests::identity::Identity;
use qssl_tests::{bench, quinn_peer};
use shared::{CProgram, build_both, children_cpu};

const BENCH_BYTES: u64 = 64 << 20;
const TEST_BYTES: u64 = 256 << 10;
const RUNS: usize = 5;
const CONNECTIONS: usize = 200;
const CONN_WINDOW: u64 = 16 << 20;
const STREAM_WINDOW: u64 = 8 << 20;

/// One pairing's bulk transfer: MB/s, CPU per GiB (both processes), handshake µs.
fn c_bulk(pair: (&CProgram, &CProgram), c: &Identity, total: u64) -> (f64, f64, f64) {
    let before = children_cpu();
    let f = run_client(pair, c, "bulk", total, 1);
    let cpu = cpu_per_gib(children_cpu().saturating_sub(before), total);
    (
        total as f64 / (f[1] as f64 / 1e9) / 1e6,
        cpu,
        f[2] as f64 / 1e3,
    )
}

fn main() {
    let benchmarking = match bench::mode() {
        bench::Mode::List => return,
        bench::Mode::Bench => true,
        bench::Mode::Test => false,
    };
    let (total, runs, count) = if benchmarking {
        (bench::bench_bytes(BENCH_BYTES), RUNS, CONNECTIONS)
    } else {
        (TEST_BYTES, 1, 3)
    };
    let certs = Identity::localhost();
    let (q, o) = build_both("quic_bench.c", "quic_bench");
    let quinn = quinn_peer::quinn_configs(
        &certs.cert_der,
        &certs.private_key(),
        b"bench",
        CONN_WINDOW,
        STREAM_WINDOW,
    );
    let (mut c_mbps, mut c_hs, mut q_mbps, mut q_hs) = (vec![], vec![], vec![], vec![]);
    let (mut c_rate_v, mut q_rate, mut c_cpu, mut q_cpu) = (vec![], vec![], vec![], vec![]);
    let (mut o_mbps, mut o_cpu, mut o_hs, mut o_rate) = (vec![], vec![], vec![], vec![]);
    let (mut qo_rate, mut oq_rate) = (vec![], vec![]);
    let (mut c_shared, mut o_shared) = (vec![], vec![]);
    for _ in 0..runs {
        let (mbps, cpu, hs) = c_bulk((&q, &q), &certs, total);
        c_mbps.push(mbps);
        c_cpu.push(cpu);
        c_hs.push(hs);
        let r = quinn_peer::quinn_bulk(&quinn, total);
        q_mbps.push(total as f64 / r.transfer.as_secs_f64() / 1e6);
        q_hs.push(r.handshake.as_secs_f64() * 1e6);
        q_cpu.push(cpu_per_gib(r.cpu, total));
        let (mbps, cpu, hs) = c_bulk((&o, &o), &certs, total);
        o_mbps.push(mbps);
        o_cpu.push(cpu);
        o_hs.push(hs);
        c_rate_v.push(c_rate((&q, &q), &certs, "conns", count));
        let t = quinn_peer::quinn_connections(&quinn, count);
        q_rate.push(count as f64 / t.as_secs_f64());
        o_rate.push(c_rate((&o, &o), &certs, "conns", count));
        // (server, client): a qssl client against OpenSSL's server, and the reverse.
        qo_rate.push(c_rate((&o, &q), &certs, "conns", count));
        oq_rate.push(c_rate((&q, &o), &certs, "conns", count));
        c_shared.push(c_rate((&q, &q), &certs, "conns-shared", count));
        o_shared.push(c_rate((&o, &o), &certs, "conns-shared", count));
    }
    let m = bench::median;
    let (cm, qm, ch, qh) = (m(c_mbps), m(q_mbps), m(c_hs), m(q_hs));
    let (cr, qr, cc, qc) = (m(c_rate_v), m(q_rate), m(c_cpu), m(q_cpu));
    let (om, oc, oh, or) = (m(o_mbps), m(o_cpu), m(o_hs), m(o_rate));
    let (qor, oqr) = (m(qo_rate), m(oq_rate));
    let (cs, os) = (m(c_shared), m(o_shared));
    println!(
        "UDP loopback, C programs on qssl's libssl vs quinn and vs OpenSSL 3.5, median of \
         {runs} ({} KiB bulk, {count} connections):",
        total >> 10
    );
    println!(
        "C/qssl   bulk {cm:8.1} MB/s   CPU {cc:6.3} s/GiB   handshake {ch:6.0} µs   \
         connections {cr:6.0}/s"
    );
    println!(
        "quinn    bulk {qm:8.1} MB/s   CPU {qc:6.3} s/GiB   handshake {qh:6.0} µs   \
         connections {qr:6.0}/s"
    );
    println!(
        "C/OpenSSL bulk {om:7.1} MB/s   CPU {oc:6.3} s/GiB   handshake {oh:6.0} µs   \
         connections {or:6.0}/s"
    );
    println!(
        "C/qssl vs quinn: throughput ×{:.2}, CPU per GiB ×{:.2}, handshake time ×{:.2}, \
         connections/s ×{:.2}",
        cm / qm,
        cc / qc.max(f64::MIN_POSITIVE),
        ch / qh,
        cr / qr
    );
    println!(
        "C/qssl vs C/OpenSSL: throughput ×{:.2}, CPU per GiB ×{:.2}, handshake time ×{:.2}, \
         connections/s ×{:.2}",
        cm / om,
        cc / oc.max(f64::MIN_POSITIVE),
        ch / oh,
        cr / or
    );
    println!(
        "mixed pairs: qssl client → OpenSSL server {qor:6.0} connections/s, OpenSSL client → \
         qssl server {oqr:6.0}/s (×{:.2})",
        qor / oqr
    );
    println!(
        "connections sharing one client socket (SSL_new_from_listener): C/qssl {cs:6.0}/s \
         (×{:.2} quinn's, whose client endpoint shares one socket too), C/OpenSSL {os:6.0}/s",
        cs / qr
    );
}
