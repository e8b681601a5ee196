//! The `qssl` command as a user runs it: the binary, real sockets on loopback, certificates
//! it makes itself, and the reference OpenSSL 3.5 as the other side where it has one.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The longest any one command may take before the test calls it a hang.
const LIMIT: Duration = Duration::from_secs(60);

fn qssl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qssl"))
}

/// Waits for `child` at most [`LIMIT`], then collects its output.
fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("waiting").is_none() {
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the command hung for {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Runs `cmd` with `input` on its standard input.
fn run(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting qssl");
    child.stdin.take().unwrap().write_all(input).unwrap();
    finish(child)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A failed command's shape: exit code 1, a first line naming the subcommand, no panic.
fn assert_clean_failure(out: &Output, command: &str, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("qssl {command}: ")), "{err}");
    assert!(first.contains(needle), "{needle:?} not in {first:?}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A certificate authority and a certificate for localhost and 127.0.0.1 it signed, made by
/// `qssl cert`: `ca.pem`, `ca.key`, `cert.pem`, `key.pem` in a temporary directory.
fn certificates() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = qssl().args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    ok(&[
        "cert",
        "qssl test CA",
        "-ca",
        "-cert-out",
        "ca.pem",
        "-key-out",
        "ca.key",
    ]);
    ok(&[
        "cert",
        "localhost",
        "-san",
        "127.0.0.1",
        "-ca-cert",
        "ca.pem",
        "-ca-key",
        "ca.key",
    ]);
    dir
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `cmd` (which listens on port 0) and reads the port from its `ACCEPT` line.
    fn start(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the server");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.next().expect("an ACCEPT line").unwrap();
        let port = line
            .strip_prefix("ACCEPT ")
            .and_then(|a| a.rsplit(':').next()?.parse().ok())
            .unwrap_or_else(|| panic!("not an ACCEPT line: {line}"));
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, port }
    }

    /// `qssl s_server` (or `perf server`) with the certificates of `dir` and `args`.
    fn qssl(dir: &Path, args: &[&str]) -> Server {
        let mut cmd = qssl();
        cmd.current_dir(dir)
            .args(args)
            .args(["-cert", "cert.pem", "-key", "key.pem", "-port", "0"]);
        Server::start(cmd)
    }

    fn target(&self) -> String {
        format!("localhost:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `qssl s_client` in `dir` with `args`.
fn s_client(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = qssl();
    cmd.current_dir(dir).arg("s_client").args(args);
    cmd
}

#[test]
fn certificates_from_qssl_cert_verify_with_openssl() {
    let dir = certificates();
    let openssl = |args: &[&str]| {
        let out = qssl_tests::reference::openssl_command()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    assert_eq!(
        openssl(&["verify", "-CAfile", "ca.pem", "cert.pem"]),
        "cert.pem: OK\n"
    );
    let names = openssl(&[
        "x509",
        "-in",
        "cert.pem",
        "-noout",
        "-ext",
        "subjectAltName",
    ]);
    assert!(
        names.contains("DNS:localhost") && names.contains("IP Address:127.0.0.1"),
        "{names}"
    );
    let ca = openssl(&[
        "x509",
        "-in",
        "ca.pem",
        "-noout",
        "-ext",
        "basicConstraints",
    ]);
    assert!(ca.contains("CA:TRUE"), "{ca}");
    openssl(&["pkey", "-in", "key.pem", "-noout"]);
    let mode = std::fs::metadata(dir.path().join("key.pem")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o077,
        0
    );
}

#[test]
fn s_client_and_s_server_talk_over_quic_and_tls() {
    let dir = certificates();
    for quic in [true, false] {
        let mut args = vec!["s_server"];
        if quic {
            args.push("-quic");
        }
        let server = Server::qssl(dir.path(), &args);
        let target = server.target();
        let mut client_args = vec!["-CAfile", "ca.pem", &target];
        if quic {
            client_args.extend(["-quic", "-alpn", "qssl-echo"]);
        }
        let out = run(s_client(dir.path(), &client_args), b"hello over qssl\n");
        let err = text(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert_eq!(text(&out.stdout), "hello over qssl\n");
        let protocol = if quic { "QUICv1" } else { "TLSv1.3" };
        assert!(
            err.contains(&format!("New, {protocol}, Cipher is TLS_")),
            "{err}"
        );
        assert!(
            err.contains(" 0 s:/CN=localhost\n   i:/CN=qssl test CA"),
            "{err}"
        );
        assert!(err.contains("Verify return code: 0 (ok)"), "{err}");
        if quic {
            assert!(err.contains("ALPN protocol: qssl-echo"), "{err}");
        }
        client_args.push("-brief");
        let out = run(s_client(dir.path(), &client_args), b"brief\n");
        let err = text(&out.stderr);
        assert!(err.starts_with("CONNECTION ESTABLISHED\n"), "{err}");
        assert!(
            err.contains(&format!("Protocol version: {protocol}\n")),
            "{err}"
        );
        assert!(err.contains("Verification: OK\n"), "{err}");
        assert_eq!(text(&out.stdout), "brief\n");
    }
}

#[test]
fn s_client_works_with_openssls_s_server_over_tls() {
    let dir = certificates();
    // -rev: the reference server sends each line back reversed.
    let mut cmd = qssl_tests::reference::openssl_command();
    cmd.current_dir(dir.path()).args([
        "s_server", "-rev", "-cert", "cert.pem", "-key", "key.pem", "-accept", "0", "-naccept", "1",
    ]);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // OpenSSL prints the address it listens on as `ACCEPT 0.0.0.0:PORT` (other lines may
    // come first).
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut port = None;
    let mut line = String::new();
    while port.is_none() && out.read_line(&mut line).unwrap() > 0 {
        port = line
            .trim()
            .strip_prefix("ACCEPT ")
            .and_then(|addr| addr.rsplit(':').next()?.parse::<u16>().ok());
        line.clear();
    }
    let port = port.expect("the reference server's port");
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);
    });
    let out = run(
        s_client(
            dir.path(),
            &["-CAfile", "ca.pem", "-brief", &format!("localhost:{port}")],
        ),
        b"hello openssl\n",
    );
    let _ = child.kill();
    let _ = child.wait();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        text(&out.stdout).contains("lssnepo olleh"),
        "{}",
        text(&out.stdout)
    );
    assert!(err.contains("Protocol version: TLSv1.3"), "{err}");
}

#[test]
fn openssls_s_client_talks_to_s_server_over_quic() {
    // OpenSSL 3.5's s_server has no -quic; its s_client has.
    let dir = certificates();
    let server = Server::qssl(dir.path(), &["s_server", "-quic"]);
    let mut child = qssl_tests::reference::openssl_command()
        .current_dir(dir.path())
        .args([
            "s_client",
            "-quic",
            "-alpn",
            "qssl-echo",
            "-CAfile",
            "ca.pem",
            "-brief",
        ])
        .args(["-connect", &server.target()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello from openssl\n").unwrap();
    // Standard input stays open until the echo is back: OpenSSL's client ends the
    // connection at its end.
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if line.starts_with("hello") {
                let _ = tx.send(line + "\n");
            }
        }
    });
    let echoed = rx.recv_timeout(LIMIT).expect("the echo");
    drop(stdin);
    let out = finish(child);
    let err = text(&out.stderr);
    assert_eq!(echoed, "hello from openssl\n", "{err}");
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("Protocol version: QUICv1") && err.contains("Verification: OK"),
        "{err}"
    );
}

/// Runs `cmd` under `script`, so that it has a terminal and draws its progress bars; returns
/// what the terminal showed.
fn on_a_terminal(cmd: &[String], dir: &Path) -> (bool, String) {
    let line = cmd
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    let out = finish(child);
    (out.status.success(), text(&out.stdout))
}

/// A web root with a 3 MiB file of varied bytes and a small one.
fn web_root(dir: &Path) -> PathBuf {
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    let big: Vec<u8> = (0..3u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(www.join("big.bin"), big).unwrap();
    std::fs::write(www.join("small.txt"), b"small file\n").unwrap();
    www
}

#[test]
fn fetch_downloads_with_progress_bars_over_hq_and_http3() {
    let dir = certificates();
    let www = web_root(dir.path());
    for h3 in [false, true] {
        let mut args = vec!["s_server", "-quic", "-www", "www"];
        if h3 {
            args.extend(["-alpn", "h3"]);
        }
        let server = Server::qssl(dir.path(), &args);
        let out_dir = dir.path().join(if h3 { "h3" } else { "hq" });
        let mut cmd: Vec<String> = [env!("CARGO_BIN_EXE_qssl"), "fetch", "-CAfile", "ca.pem"]
            .map(String::from)
            .to_vec();
        cmd.extend(["-o".into(), out_dir.display().to_string()]);
        if h3 {
            cmd.push("-h3".into());
        }
        for name in ["big.bin", "small.txt"] {
            cmd.push(format!("https://{}/{name}", server.target()));
        }
        let (ok, screen) = on_a_terminal(&cmd, dir.path());
        assert!(ok, "{screen}");
        for name in ["big.bin", "small.txt"] {
            assert_eq!(
                std::fs::read(out_dir.join(name)).unwrap(),
                std::fs::read(www.join(name)).unwrap(),
                "{name}"
            );
        }
        // The bars: each file's name and a rate; over HTTP/3 the size is known, so a bar.
        assert!(
            screen.contains("big.bin") && screen.contains("/s"),
            "{screen}"
        );
        if h3 {
            assert!(
                screen.contains("3.00 MiB/3.00 MiB") && screen.contains("[="),
                "{screen}"
            );
        }
        assert!(screen.contains("2 files, 3145739 bytes in"), "{screen}");
    }
}

#[test]
fn perf_client_measures_a_perf_server() {
    let dir = certificates();
    let server = Server::qssl(dir.path(), &["perf", "server"]);
    let target = server.target();
    let perf = |args: &[&str]| {
        let mut cmd = qssl();
        cmd.current_dir(dir.path())
            .args(["perf", "client", "-CAfile", "ca.pem", &target])
            .args(args);
        let out = run(cmd, b"");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let transfer = perf(&["--download", "8M", "--upload", "2M", "--streams", "3"]);
    assert!(
        transfer.contains("download: 8388608 bytes over 3 streams in"),
        "{transfer}"
    );
    assert!(
        transfer.contains("upload: 2097152 bytes over 3 streams in"),
        "{transfer}"
    );
    assert!(
        transfer.contains("MB/s") && transfer.contains("per GiB moved"),
        "{transfer}"
    );
    let handshakes = perf(&["--handshakes", "5"]);
    assert!(handshakes.starts_with("5 connections in "), "{handshakes}");
    assert!(handshakes.contains("handshakes/s, CPU"), "{handshakes}");
}

#[test]
fn failures_end_with_one_clear_line() {
    let dir = certificates();
    let server = Server::qssl(dir.path(), &["s_server", "-quic", "-alpn", "only-this"]);
    let quic = |extra: &[&str]| {
        let mut args = vec!["-timeout", "2", "-quic"];
        args.extend(extra);
        run(s_client(dir.path(), &args), b"")
    };
    // The server's certificate is not trusted without -CAfile.
    let out = quic(&["-alpn", "only-this", &server.target()]);
    assert_clean_failure(
        &out,
        "s_client",
        "certificate verify failed: 20 (unable to get local issuer certificate)",
    );
    assert!(
        text(&out.stderr).contains(":error:"),
        "{}",
        text(&out.stderr)
    );
    // The server refuses the protocol.
    let out = quic(&[
        "-CAfile",
        "ca.pem",
        "-alpn",
        "something-else",
        &server.target(),
    ]);
    assert_clean_failure(&out, "s_client", "handshake with");
    // Nobody there: a closed port, within the timeout.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let started = Instant::now();
    let out = quic(&[
        "-CAfile",
        "ca.pem",
        "-alpn",
        "x",
        &format!("127.0.0.1:{port}"),
    ]);
    assert_clean_failure(&out, "s_client", "no handshake with 127.0.0.1");
    assert!(started.elapsed() < Duration::from_secs(10));
    let out = run(s_client(dir.path(), &[&format!("127.0.0.1:{port}")]), b"");
    assert_clean_failure(&out, "s_client", "Connection refused");
    // QUIC without a protocol, and flags that do not exist.
    let out = run(s_client(dir.path(), &["-quic", "localhost:1"]), b"");
    assert_clean_failure(&out, "s_client", "QUIC needs an application protocol");
    let out = run(s_client(dir.path(), &["-no-such-flag", "localhost:1"]), b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unexpected argument"),
        "{}",
        text(&out.stderr)
    );
    // A key that is not there.
    let mut cmd = qssl();
    cmd.current_dir(dir.path())
        .args(["s_server", "-cert", "cert.pem", "-key", "missing.pem"]);
    assert_clean_failure(&run(cmd, b""), "s_server", "the key missing.pem");
}

#[test]
fn an_interrupted_fetch_fails_within_the_timeout() {
    let dir = certificates();
    let www = dir.path().join("www");
    std::fs::create_dir_all(&www).unwrap();
    // A sparse gigabyte: more than the transfer moves before the server goes away.
    std::fs::File::create(www.join("huge.bin"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let mut server = Server::qssl(dir.path(), &["s_server", "-quic", "-www", "www"]);
    let mut cmd = qssl();
    cmd.current_dir(dir.path()).args([
        "fetch",
        "-timeout",
        "2",
        "-CAfile",
        "ca.pem",
        "-o",
        "out",
        &format!("https://{}/huge.bin", server.target()),
    ]);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the transfer start, then take the server away.
    let partial = dir.path().join("out/huge.bin");
    let start = Instant::now();
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) == 0 {
        assert!(start.elapsed() < LIMIT, "the transfer never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = server.child.kill();
    let out = finish(child);
    assert_clean_failure(&out, "fetch", &format!("localhost:{}", server.port));
}

#[test]
fn s_server_serves_many_clients_at_once() {
    let dir = certificates();
    for quic in [true, false] {
        let args: &[&str] = if quic {
            &["s_server", "-quic"]
        } else {
            &["s_server"]
        };
        let server = Server::qssl(dir.path(), args);
        let clients: Vec<_> = (0..8)
            .map(|i| {
                let mut cmd = s_client(dir.path(), &["-quiet", "-CAfile", "ca.pem"]);
                if quic {
                    cmd.args(["-quic", "-alpn", "echo"]);
                }
                cmd.arg(server.target())
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                let mut child = cmd.spawn().unwrap();
                let message = format!("client {i} says hello\n").repeat(1000);
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(message.as_bytes())
                    .unwrap();
                (child, message)
            })
            .collect();
        for (child, message) in clients {
            let out = finish(child);
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert!(text(&out.stdout) == message, "quic {quic}");
        }
    }
}

#[test]
fn key_logs_qlogs_address_families_and_logging_work_everywhere() {
    let dir = certificates();
    let server = Server::qssl(dir.path(), &["s_server", "-quic"]);
    let keylog = dir.path().join("keys.log");
    let qlog = dir.path().join("qlog");
    let mut cmd = s_client(
        dir.path(),
        &[
            "-quic", "-alpn", "echo", "-CAfile", "ca.pem", "-quiet", "-6", "-v",
        ],
    );
    cmd.arg("--keylog")
        .arg(&keylog)
        .arg("--qlog")
        .arg(&qlog)
        .args(["-servername", "localhost"])
        .arg(format!("[::1]:{}", server.port));
    let out = run(cmd, b"logged\n");
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(text(&out.stdout), "logged\n");
    // Over IPv6 to a server listening on both families; -v logged the steps.
    assert!(err.contains("resolved") && err.contains("[::1]:"), "{err}");
    assert!(err.contains("QUIC handshake complete"), "{err}");
    let keys = std::fs::read_to_string(&keylog).unwrap();
    for label in ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"] {
        assert!(keys.lines().any(|l| l.starts_with(label)), "{keys}");
    }
    let traces: Vec<_> = std::fs::read_dir(&qlog).unwrap().flatten().collect();
    assert_eq!(traces.len(), 1);
    let trace = std::fs::read_to_string(traces[0].path()).unwrap();
    assert!(
        trace.contains("packet_sent") && trace.contains("client"),
        "{trace:.300}"
    );
    // -4 refuses an IPv6 address.
    let out = run(
        s_client(dir.path(), &["-quic", "-alpn", "echo", "-4", "[::1]:1"]),
        b"",
    );
    assert_clean_failure(&out, "s_client", "has no address of that family");
}
