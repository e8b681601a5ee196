//! TLS over TCP on loopback with the same C program (`benches/c/tls_bench.c`) built on qssl's
//! libssl and on the reference OpenSSL 3.5, and the two paired with each other, in one run.
//!
//! - Bulk: one connection fetching 256 MiB (or `QSSL_BENCH_BYTES`) in 64 KiB server writes;
//!   MB/s (10^6 bytes) from the request to the last byte, and both processes' CPU time per
//!   GiB moved.
//! - Handshakes: 500 connections in turn, each a full handshake (no resumption), a 5-byte
//!   request, a 4-byte reply and close_notify; connections per second.
//!
//! Reported: the median of 5 runs of each, taking turns. Run with
//! `cargo bench -p qssl-capi --bench c_tls`; as a test it runs once with 256 KiB and 3
//! connections.
#![allow(clippy::print_stdout)] // A report binary: its figures are printed.

#[path = "shared/client.rs"]
mod client;
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "shared/mod.rs"]
mod shared;

use client::{connection_rate as rate, cpu_per_gib, run_client};
use qssl_tests::bench;
use qssl_tests::identity::Identity;
use shared::{CProgram, build_both, children_cpu};

const BENCH_BYTES: u64 = 256 << 20;
const TEST_BYTES: u64 = 256 << 10;
const RUNS: usize = 5;
const CONNECTIONS: usize = 500;

/// One pairing's bulk transfer: MB/s and CPU seconds per GiB (both processes).
fn bulk(pair: (&CProgram, &CProgram), c: &Identity, total: u64) -> (f64, f64) {
    let before = children_cpu();
    let f = run_client(pair, c, "bulk", total, 1);
    (
        total as f64 / (f[1] as f64 / 1e9) / 1e6,
        cpu_per_gib(children_cpu().saturating_sub(before), total),
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
    let (q, o) = build_both("tls_bench.c", "tls_bench");
    let (mut q_mbps, mut q_cpu, mut q_rate) = (vec![], vec![], vec![]);
    let (mut o_mbps, mut o_cpu, mut o_rate) = (vec![], vec![], vec![]);
    let (mut qo_rate, mut oq_rate) = (vec![], vec![]);
    for _ in 0..runs {
        let (mbps, cpu) = bulk((&q, &q), &certs, total);
        q_mbps.push(mbps);
        q_cpu.push(cpu);
        let (mbps, cpu) = bulk((&o, &o), &certs, total);
        o_mbps.push(mbps);
        o_cpu.push(cpu);
        q_rate.push(rate((&q, &q), &certs, "conns", count));
        o_rate.push(rate((&o, &o), &certs, "conns", count));
        // (server, client): a qssl client with OpenSSL's server, and the reverse.
        qo_rate.push(rate((&o, &q), &certs, "conns", count));
        oq_rate.push(rate((&q, &o), &certs, "conns", count));
    }
    let m = bench::median;
    let (qm, qc, qr) = (m(q_mbps), m(q_cpu), m(q_rate));
    let (om, oc, or) = (m(o_mbps), m(o_cpu), m(o_rate));
    println!(
        "TLS over TCP loopback, the same C program on qssl's libssl and on OpenSSL 3.5, median \
         of {runs} ({} KiB bulk, {count} connections):",
        total >> 10
    );
    println!("C/qssl    bulk {qm:8.1} MB/s   CPU {qc:6.3} s/GiB   handshakes {qr:7.0}/s");
    println!("C/OpenSSL bulk {om:8.1} MB/s   CPU {oc:6.3} s/GiB   handshakes {or:7.0}/s");
    println!(
        "C/qssl vs C/OpenSSL: throughput ×{:.2}, CPU per GiB ×{:.2}, handshakes/s ×{:.2}",
        qm / om,
        qc / oc,
        qr / or
    );
    println!(
        "mixed pairs: qssl client → OpenSSL server {:7.0} handshakes/s, OpenSSL client → \
         qssl server {:7.0}/s",
        m(qo_rate),
        m(oq_rate)
    );
}
