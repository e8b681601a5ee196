//! The workloads `quic_bench.c` and `tls_bench.c` share: a client run against a fresh
//! server (`bulk` and `conns`), connections per second, and CPU time per GiB.

use std::time::Duration;

use crate::shared::{CProgram, start_server};

/// Runs the client workload `workload` of `client` (`<workload> <port> <ca.pem> <arg>`)
/// against a fresh server of `server` serving `connections`; returns the numbers it printed
/// after the workload's name.
pub(crate) fn run_client(
    (server, client): (&CProgram, &CProgram),
    c: &qssl_tests::identity::Identity,
    workload: &str,
    arg: u64,
    connections: usize,
) -> Vec<u64> {
    let (mut server, port) = start_server(server, c, connections, &[]);
    let out = client
        .command()
        .args([workload, &port])
        .arg(&c.cert)
        .arg(arg.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "C {workload} client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.wait().unwrap().success(), "C server failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap())
        .collect()
}

/// Connections per second of the connections workload `workload` (`conns`, or
/// `conns-shared` of `quic_bench.c`) over `count` connections (the client prints the
/// workload's time in ns second).
pub(crate) fn connection_rate(
    pair: (&CProgram, &CProgram),
    c: &qssl_tests::identity::Identity,
    workload: &str,
    count: usize,
) -> f64 {
    let f = run_client(pair, c, workload, count as u64, count);
    count as f64 / Duration::from_nanos(f[1]).as_secs_f64()
}

/// CPU time per GiB moved.
pub(crate) fn cpu_per_gib(cpu: Duration, total: u64) -> f64 {
    cpu.as_secs_f64() * (1u64 << 30) as f64 / total as f64
}
