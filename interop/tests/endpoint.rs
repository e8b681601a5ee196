//! The interop runner's endpoint program in both roles on loopback, as the runner drives it:
//! environment variables, a web root, a downloads directory, and certificates made the way
//! the runner's `certs.sh` makes them (`qssl_interop::certs`, with the `openssl` command).

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ENDPOINT: &str = env!("CARGO_BIN_EXE_qssl-interop-endpoint");

/// A scratch directory with `www/`, `downloads/` and `certs/`.
struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["www", "downloads", "certs"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        qssl_interop::certs::make_runner_certs(&dir.path().join("certs"), 1).unwrap();
        Run { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Puts files of the given sizes in the web root; returns their names.
    fn files(&self, sizes: &[usize]) -> Vec<String> {
        qssl_interop::runner::write_files(&self.path("www"), sizes, 0).unwrap()
    }

    /// The endpoint with the runner's variables for `role` and `case`.
    fn endpoint(&self, role: &str, case: &str) -> Command {
        let mut cmd = Command::new(ENDPOINT);
        cmd.env("ROLE", role)
            .env("TESTCASE", case)
            .env("QSSL_WWW", self.path("www"))
            .env("QSSL_DOWNLOADS", self.path("downloads"))
            .env("QSSL_CERTS", self.path("certs"))
            .env("SSLKEYLOGFILE", self.path(&format!("{role}-keys.log")));
        cmd
    }

    /// Starts the server for `case` on a free port; returns once it answers the runner's
    /// readiness probe (a datagram of the unknown version "WAIT", answered with Version
    /// Negotiation).
    fn server(&self, case: &str) -> (Server, u16) {
        let port = free_port();
        let child = self
            .endpoint("server", case)
            .env("QSSL_PORT", port.to_string())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server(child);
        wait_for_version_negotiation(port);
        (server, port)
    }

    /// Runs the client for `case` against `port` for `names`; its exit code and what it
    /// printed (a line per connection).
    fn client(&self, case: &str, port: u16, names: &[String]) -> (i32, String) {
        self.client_via(case, "localhost", port, names)
    }

    /// The same, with `host` in the URLs.
    fn client_via(&self, case: &str, host: &str, port: u16, names: &[String]) -> (i32, String) {
        let requests: Vec<String> = names
            .iter()
            .map(|n| format!("https://{host}:{port}/{n}"))
            .collect();
        let out = self
            .endpoint("client", case)
            .env("REQUESTS", requests.join(" "))
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Whether the downloads are exactly the web root's files.
    fn assert_downloads_match(&self, names: &[String]) {
        let mut got: Vec<String> = std::fs::read_dir(self.path("downloads"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        got.sort();
        let mut want = names.to_vec();
        want.sort();
        assert_eq!(got, want, "the downloaded files");
        for n in names {
            let a = std::fs::read(self.path("www").join(n)).unwrap();
            let b = std::fs::read(self.path("downloads").join(n)).unwrap();
            assert!(a == b, "{n} differs");
        }
    }

    /// The lines of a key log.
    fn keylog(&self, role: &str) -> String {
        std::fs::read_to_string(self.path(&format!("{role}-keys.log"))).unwrap_or_default()
    }
}

/// The server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    UdpSocket::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The runner's readiness check: every 0.1 s a 1207-byte long-header datagram of version
/// 0x57414954, until a Version Negotiation packet comes back (10 s at most).
fn wait_for_version_negotiation(port: u16) {
    let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut wait = vec![0u8; 1207];
    wait[0] = 0xc0;
    wait[1..5].copy_from_slice(b"WAIT");
    let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 1500];
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no Version Negotiation"
        );
        probe.send_to(&wait, server).unwrap();
        if let Ok((n, _)) = probe.recv_from(&mut buf)
            && n > 5
            && buf[1..5] == [0, 0, 0, 0]
        {
            return;
        }
    }
}

/// Runs `client_case` against a server in `server_case` for files of `sizes`, and checks
/// the downloads and the client's key log; the client's connection lines.
fn pair(server_case: &str, client_case: &str, sizes: &[usize]) -> Vec<String> {
    let run = Run::new();
    let names = run.files(sizes);
    let (_server, port) = run.server(server_case);
    let (code, out) = run.client(client_case, port, &names);
    assert_eq!(code, 0, "{client_case} client");
    run.assert_downloads_match(&names);
    assert!(
        run.keylog("client")
            .lines()
            .any(|l| l.starts_with("SERVER_HANDSHAKE_TRAFFIC_SECRET")),
        "the client's key log"
    );
    out.lines()
        .filter(|l| l.starts_with("connection:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn handshake_transfer_and_multiplexing() {
    let conns = pair("handshake", "handshake", &[1024]);
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert!(conns[0].contains("version 0x1,"), "{conns:?}");
    pair("transfer", "transfer", &[2 << 20, 3 << 20, 5 << 20]);
    // More requests than the server's stream limit: the client waits for MAX_STREAMS.
    let conns = pair("transfer", "transfer", &[32; 300]);
    assert!(conns[0].contains("300 files"), "{conns:?}");
}

#[test]
fn chacha20_retry_and_keyupdate() {
    let conns = pair("chacha20", "chacha20", &[3 << 20]);
    assert!(
        conns[0].contains("TLS_CHACHA20_POLY1305_SHA256"),
        "{conns:?}"
    );
    pair("retry", "retry", &[10 << 10]);
    let conns = pair("transfer", "keyupdate", &[3 << 20]);
    assert!(conns[0].contains(" key updates,"), "{conns:?}");
    assert!(!conns[0].contains(" 0 key updates,"), "{conns:?}");
}

#[test]
fn resumption_zerortt_and_multiconnect() {
    let conns = pair("resumption", "resumption", &[5 << 10, 10 << 10]);
    assert_eq!(conns.len(), 2, "{conns:?}");
    assert!(conns[0].contains("resumed false"), "{conns:?}");
    assert!(conns[1].contains("resumed true"), "{conns:?}");
    assert!(conns[1].contains("early data NotSent"), "{conns:?}");
    let conns = pair("zerortt", "zerortt", &[32; 12]);
    assert_eq!(conns.len(), 2, "{conns:?}");
    assert!(
        conns[1].contains("resumed true, early data Accepted"),
        "{conns:?}"
    );
    let conns = pair("multiconnect", "multiconnect", &[1024; 5]);
    assert_eq!(conns.len(), 5, "{conns:?}");
}

#[test]
fn http3_serves_and_fetches_every_file_over_one_connection() {
    let conns = pair("http3", "http3", &[5 << 10, 10 << 10, 500 << 10]);
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert!(conns[0].contains("3 files"), "{conns:?}");
}

#[test]
fn unsupported_cases_exit_127() {
    let run = Run::new();
    for case in ["connectionmigration", "random-slug"] {
        for role in ["client", "server"] {
            let status = run
                .endpoint(role, case)
                .env("REQUESTS", "https://localhost:1/x")
                .status()
                .unwrap();
            assert_eq!(status.code(), Some(127), "{role} {case}");
        }
    }
    // keyupdate is a client case: its server is told "transfer".
    let status = run.endpoint("server", "keyupdate").status().unwrap();
    assert_eq!(status.code(), Some(127));
}

/// Runs `case` in both roles through the relay playing the runner's network for `test`;
/// the relay's record of the run and the client's connection lines.
fn through_relay(
    test: &str,
    case: &str,
    sizes: &[usize],
) -> (Vec<qssl_interop::relay::Record>, Vec<String>) {
    let scenario = qssl_interop::relay::scenario::Scenario::for_test(test).unwrap();
    through_relay_with(scenario, case, sizes)
}

/// The largest datagram of the server's the relay did not drop for its size.
fn largest_to_client(records: &[qssl_interop::relay::Record]) -> usize {
    use qssl_interop::relay::Direction;
    use qssl_interop::relay::link::Fate;
    records
        .iter()
        .filter(|r| r.direction == Direction::ToClient && r.fate != Fate::TooLarge)
        .map(|r| r.len)
        .max()
        .unwrap_or(0)
}

/// Runs `case` in both roles through the relay playing `scenario`; the relay's record of
/// the run and the client's connection lines.
fn through_relay_with(
    scenario: qssl_interop::relay::scenario::Scenario,
    case: &str,
    sizes: &[usize],
) -> (Vec<qssl_interop::relay::Record>, Vec<String>) {
    use qssl_interop::relay::Relay;
    use std::net::ToSocketAddrs;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let run = Run::new();
    let names = run.files(sizes);
    let (_server, port) = run.server(case);
    // The relay sits where the client's "localhost" leads.
    let ip = ("localhost", 0)
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap()
        .ip();
    let relay = Relay::bind(
        SocketAddr::new(ip, 0),
        SocketAddr::new(ip, port),
        scenario,
        9,
    )
    .unwrap();
    let front = relay.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let relaying = {
        let stop = stop.clone();
        std::thread::spawn(move || relay.run(&stop).unwrap())
    };
    let (code, out) = run.client_via(case, "localhost", front, &names);
    stop.store(true, Ordering::Relaxed);
    let records = relaying.join().unwrap();
    assert_eq!(code, 0, "{case} client");
    run.assert_downloads_match(&names);
    let lines = out
        .lines()
        .filter(|l| l.starts_with("connection:"))
        .map(str::to_owned)
        .collect();
    (records, lines)
}

/// The source connection IDs of the server's Initial packets in `records`: the runner
/// counts handshakes by them.
fn server_initial_scids(
    records: &[qssl_interop::relay::Record],
) -> std::collections::BTreeSet<Vec<u8>> {
    use qssl_interop::relay::Direction;
    records
        .iter()
        .filter(|r| r.direction == Direction::ToClient)
        .filter_map(|r| {
            let d = &r.head;
            // Long header, version 1, Initial (type 0).
            if d.len() < 7 || d[0] & 0x80 == 0 || d[1..5] != [0, 0, 0, 1] || d[0] & 0x30 != 0 {
                return None;
            }
            let dcid_len = usize::from(d[5]);
            let scid_len = usize::from(*d.get(6 + dcid_len)?);
            d.get(7 + dcid_len..7 + dcid_len + scid_len)
                .map(<[u8]>::to_vec)
        })
        .collect()
}

#[test]
fn transfers_through_the_runners_lossy_networks() {
    use qssl_interop::relay::link::Fate;
    let (records, conns) = through_relay("transferloss", "transfer", &[2 << 20]);
    assert_eq!(conns.len(), 1);
    assert!(
        records.iter().any(|r| r.fate == Fate::Lost),
        "nothing was lost"
    );
    assert_eq!(server_initial_scids(&records).len(), 1, "one handshake");
    let (records, _) = through_relay("transfercorruption", "transfer", &[2 << 20]);
    assert!(records.iter().any(|r| r.fate == Fate::Corrupted));
}

#[test]
fn handshakes_through_30_percent_loss() {
    // The runner's handshakeloss (with 12 files instead of 50, to keep the test short): one
    // connection per file, 30% loss each way in bursts of at most three; the runner counts
    // handshakes by the server's Initial source IDs.
    let (records, conns) = through_relay("handshakeloss", "multiconnect", &[1024; 12]);
    assert_eq!(conns.len(), 12);
    assert_eq!(server_initial_scids(&records).len(), 12);
}

#[test]
fn a_transfer_keeps_under_a_path_mtu_and_survives_bleached_ecn() {
    use qssl_interop::relay::link::Fate;
    use qssl_interop::relay::scenario::Scenario;
    // Datagrams above 1300 bytes are dropped and ECN marks cleared both ways: path MTU
    // discovery settles under 1300 (only its probes are lost) and ECN validation fails,
    // with the transfer unharmed.
    let scenario = Scenario {
        mtu: Some(1300),
        clear_ecn: true,
        ..Scenario::default()
    };
    let (records, conns) = through_relay_with(scenario, "transfer", &[3 << 20]);
    assert!(records.iter().any(|r| r.fate == Fate::TooLarge), "no probe");
    assert!(conns[0].contains("ECN Failed"), "{conns:?}");
    // The server, which sends the file, searches its datagram size up to what the path
    // carries; the client, which only acknowledges, has no need to.
    let size = largest_to_client(&records);
    assert!(size <= 1300 && size > 1250, "{size}");
    assert!(conns[0].contains("datagrams of 1200 bytes"), "{conns:?}");
    // Through a plain link the marks arrive and datagrams reach the endpoints' limit.
    let (records, conns) = through_relay_with(Scenario::default(), "transfer", &[3 << 20]);
    assert!(conns[0].contains("ECN Capable"), "{conns:?}");
    assert_eq!(largest_to_client(&records), 1452);
}
