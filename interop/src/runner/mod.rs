//! A local interop runner: pairs qssl's endpoint with a peer in each role for each test
//! case, puts the relay playing the case's network between them, and judges the run the
//! way the QUIC interop runner does, from the files and the relay's record of the
//! datagrams.
//!
//! What it checks: the downloaded files equal the served ones; the number of handshakes
//! (distinct source connection IDs of the server's Initial packets); that every server
//! Initial is QUIC v1; a Retry where the case asks for one and none where it must not be;
//! and, from the relay's capture decrypted by tshark with the endpoints' key logs
//! ([`trace`]), the cipher suites offered (chacha20), the key phases of both sides
//! (keyupdate), a second handshake without a certificate (resumption), the server's stream
//! limit (multiplexing), the Retry's token in the client's Initial (retry), a repeated
//! ClientHello (longrtt), the amplification limit with a 9-certificate chain
//! (amplificationlimit), and the client's 0-RTT packets and its few 1-RTT bytes (zerortt).

pub mod peers;
pub mod tests;
pub mod trace;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::time::{Duration, Instant};

use crate::relay::link::Fate;
use crate::relay::scenario::Scenario;
use crate::relay::{Direction, Record, Relay};
use peers::{Dirs, Peer};
use tests::{Handshakes, TestSpec};
use trace::TraceCheck;

/// The exit code of an endpoint that does not support a test case.
const UNSUPPORTED: i32 = 127;
/// How long a server gets to answer the readiness probe.
const SERVER_START: Duration = Duration::from_secs(10);

/// Which side qssl plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// qssl is the client, the peer the server.
    Client,
    /// qssl is the server, the peer the client.
    Server,
}

impl Role {
    /// The role's name in results.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
}

/// A run's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed.
    Pass,
    /// Every check passed in every repetition of a measurement, whose goodputs had this
    /// mean and standard deviation, in kbit/s.
    Goodput {
        /// The mean.
        mean: u64,
        /// The standard deviation.
        stddev: u64,
    },
    /// A check failed, or a side failed or ran out of time: why.
    Fail(String),
    /// A side does not support the case: which.
    Unsupported(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Pass => f.write_str("pass"),
            Outcome::Goodput { mean, stddev } => write!(f, "pass ({mean} ± {stddev} kbit/s)"),
            Outcome::Fail(why) => write!(f, "fail ({why})"),
            Outcome::Unsupported(why) => write!(f, "unsupported ({why})"),
        }
    }
}

/// The results as a Markdown document: one row per test case, one column per peer and
/// qssl role, with the reasons of failures and unsupported runs listed under the table.
pub fn matrix(results: &[(&str, &str, Role, Outcome)]) -> String {
    let mut columns: Vec<(&str, Role)> = Vec::new();
    let mut rows: Vec<&str> = Vec::new();
    for (case, peer, role, _) in results {
        if !columns.contains(&(*peer, *role)) {
            columns.push((*peer, *role));
        }
        if !rows.contains(case) {
            rows.push(case);
        }
    }
    let mut out = format!(
        "# Interop matrix\n\nMeasured on {} by `scripts/interop.sh` (the local runner, \
         `qssl-interop-runner`): qssl's interop endpoint against each peer through the relay \
         playing the runner's network for each case. A column is a peer and the role qssl \
         played. The checks are the runner's: files, handshake count, versions and Retry \
         from the datagrams' clear headers, and from the relay's capture decrypted by \
         tshark with the endpoints' key logs the cipher suites offered (chacha20), both \
         sides' key phases (keyupdate), a second handshake without a certificate \
         (resumption), the server's stream limit (multiplexing), the Retry's token \
         (retry), a repeated ClientHello (longrtt), the amplification limit \
         (amplificationlimit), ECN marks and counts both ways (ecn), PATH_CHALLENGE first \
         on each new path of the client and every challenge answered (rebind-port, \
         rebind-addr, connectionmigration), a new connection ID on the client's new \
         path (connectionmigration) and the client's 0-RTT packets with at most 5000 \
         bytes of 1-RTT ones (zerortt); see `interop/src/runner/`. qssl is the endpoint \
         itself; quinn 0.11 runs through `interop/quinn-peer` and OpenSSL 3.5 through \
         `interop/peers/openssl/hq_endpoint.c`, programs that read the same contract as \
         qssl's endpoint; aioquic 1.7.2 runs through `interop/peers/aioquic_hq.py`.\n\n\
         | case |",
        utc_date()
    );
    for (peer, role) in &columns {
        out.push_str(&format!(" {peer}, qssl {} |", role.name()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(columns.len()));
    out.push('\n');
    let mut notes = Vec::new();
    for case in &rows {
        out.push_str(&format!("| {case} |"));
        for (peer, role) in &columns {
            let cell = results
                .iter()
                .find(|(c, p, r, _)| c == case && p == peer && r == role)
                .map_or(String::new(), |(.., outcome)| match outcome {
                    Outcome::Pass => "pass".into(),
                    Outcome::Goodput { mean, stddev } => format!("{mean} ± {stddev} kbit/s"),
                    Outcome::Fail(why) => {
                        notes.push(format!("{case}, {peer}, qssl {}: fail: {why}", role.name()));
                        "**fail**".into()
                    }
                    Outcome::Unsupported(why) => {
                        notes.push(format!("{case}, {peer}, qssl {}: {why}", role.name()));
                        "unsupported".into()
                    }
                });
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out
}

/// Today's date (UTC) as YYYY-MM-DD.
fn utc_date() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days to a civil date (the proleptic Gregorian calendar).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Runs `spec` with qssl (`qssl`) in `role` against `peer`, in a scratch directory under
/// `work`; a measurement as many times as the runner repeats it, every run passing.
pub fn run_one(spec: &TestSpec, qssl: &Peer, peer: &Peer, role: Role, work: &Path) -> Outcome {
    let mut goodputs = Vec::new();
    for _ in 0..spec.repetitions.max(1) {
        match try_run(spec, qssl, peer, role, work) {
            Ok(Outcome::Goodput { mean, .. }) => goodputs.push(mean),
            Ok(outcome) | Err(outcome) => return outcome,
        }
    }
    let (mean, stddev) = mean_and_stddev(&goodputs);
    Outcome::Goodput { mean, stddev }
}

/// The mean and (population) standard deviation of `values`, rounded.
fn mean_and_stddev(values: &[u64]) -> (u64, u64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|v| *v as f64).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|v| (*v as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean.round() as u64, var.sqrt().round() as u64)
}

fn try_run(
    spec: &TestSpec,
    qssl: &Peer,
    peer: &Peer,
    role: Role,
    work: &Path,
) -> Result<Outcome, Outcome> {
    let fail = |why: String| Outcome::Fail(why);
    let (server_peer, client_peer) = match role {
        Role::Client => (peer, qssl),
        Role::Server => (qssl, peer),
    };
    let dir = work.join(format!("{}-{}-{}", spec.name, peer.name(), role.name()));
    let _ = std::fs::remove_dir_all(&dir);
    let dirs = Dirs {
        www: dir.join("www"),
        downloads: dir.join("downloads"),
        certs: dir.join("certs"),
        logs: dir.join("logs"),
    };
    for d in [&dirs.www, &dirs.downloads, &dirs.certs, &dirs.logs] {
        std::fs::create_dir_all(d).map_err(|e| fail(format!("{}: {e}", d.display())))?;
    }
    crate::certs::make_runner_certs(&dirs.certs, spec.chain).map_err(fail)?;
    let names =
        write_files(&dirs.www, &spec.sizes, spec.name_len).map_err(|e| fail(e.to_string()))?;
    let ip: IpAddr = if spec.ipv6 {
        Ipv6Addr::LOCALHOST.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let port = free_port(ip).map_err(|e| fail(e.to_string()))?;
    let scenario = Scenario::for_test(spec.name)
        .ok_or_else(|| fail(format!("no scenario for {}", spec.name)))?;
    let mut relay = Relay::bind(
        SocketAddr::new(ip, 0),
        SocketAddr::new(ip, port),
        scenario,
        1,
    )
    .map_err(|e| fail(format!("relay: {e}")))?;
    // The server's preferred address is a second address of the relay's, which the client
    // reaches the server through from a new address.
    let preferred = if spec.preferred_address {
        let front = relay.add_front(SocketAddr::new(ip, 0));
        Some(front.map_err(|e| fail(format!("relay: {e}")))?)
    } else {
        None
    };
    let Some(mut server_cmd) =
        server_peer.server(spec.server_case, SocketAddr::new(ip, port), &dirs)
    else {
        return Ok(Outcome::Unsupported(format!(
            "{} server has no {}",
            server_peer.name(),
            spec.server_case
        )));
    };
    if let Some(preferred) = preferred {
        server_cmd.env("QSSL_PREFERRED_ADDRESS", preferred.to_string());
    }
    let mut server = Process::spawn(server_cmd, &dirs.logs, "server").map_err(fail)?;
    if let Some(status) = wait_ready(&mut server, SocketAddr::new(ip, port)) {
        return Ok(match status.code() {
            Some(UNSUPPORTED) => Outcome::Unsupported(format!(
                "{} server: {}",
                server_peer.name(),
                spec.server_case
            )),
            _ => fail(format!("the server did not start ({status})")),
        });
    }
    // Kept for every run: what the checks read, and what explains a failure.
    let capture = dirs.logs.join("capture.pcap");
    relay
        .capture_to(&capture)
        .map_err(|e| fail(format!("{}: {e}", capture.display())))?;
    let front = relay.local_addr().map_err(|e| fail(e.to_string()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let relaying = {
        let stop = stop.clone();
        std::thread::spawn(move || relay.run(&stop))
    };
    let client_result = run_clients(spec, client_peer, front, &names, &dirs);
    stop.store(true, Ordering::Relaxed);
    let records = relaying
        .join()
        .map_err(|_| fail("the relay panicked".into()))?
        .map_err(|e| fail(format!("relay: {e}")))?;
    drop(server);
    if let Some(outcome) = client_result {
        return Ok(outcome);
    }
    let verdict = judge(spec, &records, &dirs, &names);
    if verdict != Outcome::Pass {
        return Ok(verdict);
    }
    if spec.measure_goodput {
        let bytes: usize = spec.sizes.iter().sum();
        return Ok(goodput_kbps(&records, bytes as u64).map_or_else(
            || fail("no server 1-RTT packets to time".into()),
            |kbps| Outcome::Goodput {
                mean: kbps,
                stddev: 0,
            },
        ));
    }
    if spec.trace.is_empty() {
        return Ok(verdict);
    }
    let keys = dirs.logs.join("keys.log");
    let mut all = Vec::new();
    for side in ["client", "server"] {
        all.extend(std::fs::read(dirs.logs.join(format!("{side}-keys.log"))).unwrap_or_default());
    }
    std::fs::write(&keys, all).map_err(|e| fail(format!("{}: {e}", keys.display())))?;
    let datagrams = trace::dissect(&capture, &keys, port).map_err(fail)?;
    for check in spec.trace {
        if let Err(why) = trace::check(*check, &datagrams) {
            return Ok(fail(format!("{check:?}: {why}")));
        }
    }
    Ok(Outcome::Pass)
}

/// Runs the client's commands in turn within the test's time limit; `None` when all
/// succeeded, else the verdict.
fn run_clients(
    spec: &TestSpec,
    client_peer: &Peer,
    front: SocketAddr,
    names: &[String],
    dirs: &Dirs,
) -> Option<Outcome> {
    let Some(commands) = client_peer.client(spec.client_case, front, names, dirs) else {
        return Some(Outcome::Unsupported(format!(
            "{} client has no {}",
            client_peer.name(),
            spec.client_case
        )));
    };
    let deadline = Instant::now() + spec.timeout;
    for (i, cmd) in commands.into_iter().enumerate() {
        let mut client = match Process::spawn(cmd, &dirs.logs, &format!("client-{i}")) {
            Ok(p) => p,
            Err(why) => return Some(Outcome::Fail(why)),
        };
        let status = loop {
            if let Ok(Some(status)) = client.child.try_wait() {
                break status;
            }
            if Instant::now() >= deadline {
                return Some(Outcome::Fail(format!("timed out after {:?}", spec.timeout)));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        match status.code() {
            Some(0) => {}
            Some(UNSUPPORTED) => {
                return Some(Outcome::Unsupported(format!(
                    "{} client: {}",
                    client_peer.name(),
                    spec.client_case
                )));
            }
            _ => return Some(Outcome::Fail(format!("the client exited with {status}"))),
        }
    }
    None
}

/// The runner's checks on a finished run.
fn judge(spec: &TestSpec, records: &[Record], dirs: &Dirs, names: &[String]) -> Outcome {
    if let Err(why) = same_files(&dirs.www, &dirs.downloads, names) {
        return Outcome::Fail(why);
    }
    if spec.trace.contains(&TraceCheck::V2) {
        // Neither the version nor the handshake count is checked for v2 (the trace is).
        return Outcome::Pass;
    }
    let initials = server_long_headers(records);
    let versions: BTreeSet<u32> = initials.iter().map(|h| h.version).collect();
    if versions.iter().any(|v| *v != 1) {
        return Outcome::Fail(format!("server Initial versions {versions:?}"));
    }
    let scids: BTreeSet<&[u8]> = initials
        .iter()
        .filter(|h| h.kind == LongKind::Initial)
        .map(|h| h.scid.as_slice())
        .collect();
    let Handshakes::Exactly(want) = spec.handshakes;
    if scids.len() != want {
        return Outcome::Fail(format!("{} handshakes, not {want}", scids.len()));
    }
    let retried = initials.iter().any(|h| h.kind == LongKind::Retry);
    match spec.retry {
        Some(true) if !retried => return Outcome::Fail("no Retry".into()),
        Some(false) if retried => return Outcome::Fail("a Retry".into()),
        _ => {}
    }
    Outcome::Pass
}

/// The runner's goodput: 8 × the files' bytes ÷ the milliseconds between the first and
/// the last server 1-RTT datagram that reached the client, in kbit/s.
fn goodput_kbps(records: &[Record], bytes: u64) -> Option<u64> {
    let mut times = records
        .iter()
        .filter(|r| r.direction == Direction::ToClient)
        .filter(|r| matches!(r.fate, Fate::Forwarded | Fate::Corrupted))
        .filter(|r| r.head.first().is_some_and(|b| b & 0x80 == 0))
        .map(|r| r.at);
    let first = times.next()?;
    let last = times.next_back()?;
    let millis = (last - first).as_millis().max(1);
    u64::try_from(u128::from(8 * bytes) / millis).ok()
}

/// A long-header packet's kind, as far as the checks need it (QUIC v1 type bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LongKind {
    Initial,
    Retry,
    Other,
}

/// The clear fields of a long-header packet.
#[derive(Debug, Clone)]
struct LongHeader {
    version: u32,
    kind: LongKind,
    scid: Vec<u8>,
}

/// The first long-header packet of each datagram the server sent that reached the relay,
/// Version Negotiation left out.
fn server_long_headers(records: &[Record]) -> Vec<LongHeader> {
    records
        .iter()
        .filter(|r| r.direction == Direction::ToClient)
        .filter_map(|r| {
            let d = &r.head;
            if d.len() < 7 || d[0] & 0x80 == 0 {
                return None;
            }
            let version = u32::from_be_bytes([d[1], d[2], d[3], d[4]]);
            if version == 0 {
                return None;
            }
            let dcid_len = usize::from(d[5]);
            let scid_len = usize::from(*d.get(6 + dcid_len)?);
            let scid = d.get(7 + dcid_len..7 + dcid_len + scid_len)?.to_vec();
            let kind = match (version, (d[0] >> 4) & 0x3) {
                (1, 0) => LongKind::Initial,
                (1, 3) => LongKind::Retry,
                _ => LongKind::Other,
            };
            Some(LongHeader {
                version,
                kind,
                scid,
            })
        })
        .collect()
}

/// Whether `got` holds exactly the files `names` of `want`, byte for byte.
fn same_files(want: &Path, got: &Path, names: &[String]) -> Result<(), String> {
    let mut present: Vec<String> = std::fs::read_dir(got)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    present.sort();
    let mut expected = names.to_vec();
    expected.sort();
    if present != expected {
        return Err(format!(
            "{} of {} files downloaded",
            present.len(),
            expected.len()
        ));
    }
    for n in names {
        let a = std::fs::read(want.join(n)).map_err(|e| e.to_string())?;
        let b = std::fs::read(got.join(n)).map_err(|e| e.to_string())?;
        if a != b {
            return Err(format!("{n} differs"));
        }
    }
    Ok(())
}

/// Writes incompressible files of `sizes` into `dir` (as the runner's are), their names
/// padded with letters to `name_len` characters; their names.
pub fn write_files(dir: &Path, sizes: &[usize], name_len: usize) -> std::io::Result<Vec<String>> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut names = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let mut name = format!("f{i}-{size}");
        if name.len() < name_len {
            name.push('-');
        }
        while name.len() < name_len {
            name.push(char::from(b'a' + (name.len() % 26) as u8));
        }
        let data: Vec<u8> = (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(dir.join(&name), data)?;
        names.push(name);
    }
    Ok(names)
}

/// A free UDP port on `ip` for a server: below the kernel's ephemeral range (so no socket
/// bound to port 0 meanwhile takes it) and never the same twice in one runner (so runs at
/// once do not collide).
fn free_port(ip: IpAddr) -> std::io::Result<u16> {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // Each runner process starts somewhere else in 20000..32000.
    let _ = NEXT.compare_exchange(
        0,
        20_000 + (std::process::id() % 1000) as u16 * 12,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    for _ in 0..1000 {
        let port = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (port - 20_000) % 12_000;
        if UdpSocket::bind(SocketAddr::new(ip, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no free port in 20000..32000",
    ))
}

/// The runner's readiness probe: a 1207-byte datagram of the unknown version "WAIT" every
/// 0.1 s until a Version Negotiation packet answers. `None` when the server is ready; its
/// exit status if it ended first (or the probe gave up).
fn wait_ready(server: &mut Process, addr: SocketAddr) -> Option<ExitStatus> {
    let any: IpAddr = match addr {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let probe = UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .ok()?;
    let mut wait = vec![0u8; 1207];
    wait[0] = 0xc0;
    wait[1..5].copy_from_slice(b"WAIT");
    let start = Instant::now();
    let mut buf = [0u8; 1500];
    while start.elapsed() < SERVER_START {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Some(status);
        }
        let _ = probe.send_to(&wait, addr);
        if let Ok((n, _)) = probe.recv_from(&mut buf)
            && n > 5
            && buf[1..5] == [0; 4]
        {
            return None;
        }
    }
    let _ = server.child.kill();
    server.child.wait().ok()
}

/// A child process whose output goes to a log file, killed when dropped.
struct Process {
    child: Child,
}

impl Process {
    fn spawn(mut cmd: Command, logs: &Path, name: &str) -> Result<Process, String> {
        let log = |suffix: &str| {
            std::fs::File::create(logs.join(format!("{name}.{suffix}")))
                .map(Stdio::from)
                .map_err(|e| e.to_string())
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log("out")?)
            .stderr(log("err")?)
            .spawn()
            .map_err(|e| format!("{cmd:?}: {e}"))?;
        Ok(Process { child })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests_goodput {
    use super::*;

    fn record(ms: u64, direction: Direction, first_byte: u8, fate: Fate) -> Record {
        Record {
            at: Duration::from_millis(ms),
            direction,
            client_side: "127.0.0.1:1".parse().unwrap(),
            fate,
            len: 1200,
            head: vec![first_byte],
        }
    }

    #[test]
    fn goodput_spans_the_server_one_rtt_datagrams_that_got_through() {
        let records = [
            // A server Initial and a client datagram do not count, nor a lost one.
            record(0, Direction::ToClient, 0xc0, Fate::Forwarded),
            record(100, Direction::ToClient, 0x40, Fate::Forwarded),
            record(500, Direction::ToServer, 0x40, Fate::Forwarded),
            record(1100, Direction::ToClient, 0x40, Fate::Forwarded),
            record(2000, Direction::ToClient, 0x40, Fate::Lost),
        ];
        // 1 MB over one second: 8000 kbit/s.
        assert_eq!(goodput_kbps(&records, 1_000_000), Some(8000));
        assert_eq!(goodput_kbps(&records[..2], 1_000_000), None);
    }

    #[test]
    fn repetitions_give_mean_and_deviation() {
        assert_eq!(mean_and_stddev(&[9000, 9000, 9000]), (9000, 0));
        assert_eq!(mean_and_stddev(&[2, 4, 4, 4, 5, 5, 7, 9]), (5, 2));
    }
}
