//! Interop with the system's OpenSSL command-line tool (`openssl` 3.x) over TCP loopback, with
//! TLS 1.2 and TLS 1.3: a qssl client against `openssl s_server -rev` (which answers each line
//! reversed), and `openssl s_client` against a qssl server. Both sides' views of what was
//! negotiated (version, cipher suite by its OpenSSL name, ALPN, verification) are compared.
//!
//! Every child process is killed on drop and every wait has a deadline, so a misbehaving peer
//! fails the test instead of hanging it. `QSSL_OPENSSL` names another `openssl` binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use qssl::ErrorCode;
use qssl::ctx::{TLS1_2_VERSION, TLS1_3_VERSION, x509_v};
use qssl::error::ssl_r;
use qssl::tls::Tls;
use qssl_tests::fixtures::{tls_client_ctx, tls_server_ctx};
use qssl_tests::identity::Identity;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How long any one step (a process starting, a handshake, a process ending) may take.
const TIMEOUT: Duration = Duration::from_secs(20);
const ALPN_H2: &[u8] = b"\x02h2";

fn openssl_bin() -> String {
    std::env::var("QSSL_OPENSSL").unwrap_or_else(|_| "openssl".to_owned())
}

/// A child process, killed and reaped on drop. Reader threads collect its stdout (also sent
/// line by line on a channel) and stderr.
struct Proc {
    child: Child,
    /// Held open until drop, so a tool reading stdin never sees its end.
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    what: String,
}

impl Proc {
    fn spawn(args: &[&str]) -> Proc {
        let mut child = Command::new(openssl_bin())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{} {}`: {e}", openssl_bin(), args[0]));
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let out_text = stdout.clone();
        let out_reader = thread::spawn(move || {
            let mut line = Vec::new();
            loop {
                line.clear();
                match out.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line).into_owned();
                        out_text.lock().unwrap().push_str(&text);
                        let _ = tx.send(text);
                    }
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let err_text = stderr.clone();
        let err_reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                err_text
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Proc {
            child,
            stdin,
            lines,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
            what: args.join(" "),
        }
    }

    fn write_stdin(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(data).unwrap();
        stdin.flush().unwrap();
    }

    /// The next stdout line starting with `prefix`, or `None` if the process closed its
    /// stdout first. Panics after [`TIMEOUT`].
    fn wait_line(&self, prefix: &str) -> Option<String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return Some(line.trim_end().to_owned()),
                Ok(_) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "`openssl {}` printed no {prefix:?} line in {TIMEOUT:?}; stderr:\n{}",
                    self.what,
                    self.stderr()
                ),
            }
        }
    }

    /// Waits for the process to end (polling, bounded by [`TIMEOUT`]), then for its output.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "`openssl {}` still running after {TIMEOUT:?}; stdout:\n{}\nstderr:\n{}",
                self.what,
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(10));
        };
        // The pipes close with the process: the readers finish.
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        status
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `openssl s_server` for one connection (`-naccept 1`) on a loopback port.
struct SServer {
    proc: Proc,
    port: u16,
}

/// Starts `openssl s_server` with the identity and `extra` options, accepting one connection.
///
/// OpenSSL 3.0.19 binds port 0 and reports the port it got (`ACCEPT 127.0.0.1:PORT`), which
/// is race-free. A build that prints a bare `ACCEPT` instead gets a port found free by
/// binding port 0 here, retried if another process takes it first.
fn s_server(id: &Identity, extra: &[&str]) -> SServer {
    let start = |addr: &str| {
        let mut args = vec![
            "s_server",
            "-accept",
            addr,
            "-naccept",
            "1",
            "-cert",
            id.cert.to_str().unwrap(),
            "-key",
            id.key.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let proc = Proc::spawn(&args);
        let line = proc.wait_line("ACCEPT");
        (proc, line)
    };
    let (proc, line) = start("127.0.0.1:0");
    let Some(line) = line else {
        panic!("s_server did not start; stderr:\n{}", proc.stderr());
    };
    if let Some(port) = line
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .filter(|&p| p != 0)
    {
        return SServer { proc, port };
    }
    drop(proc);
    for _ in 0..10 {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (proc, line) = start(&format!("127.0.0.1:{port}"));
        if line.is_some() {
            return SServer { proc, port };
        }
        // Ended before accepting: retry only if the port was taken meanwhile.
        let err = proc.stderr();
        assert!(
            err.contains("in use") || err.contains("bind"),
            "s_server failed: {err}"
        );
    }
    panic!("no free port for s_server after 10 tries");
}

/// A TCP connection to the loopback port, every wait on it bounded by [`TIMEOUT`].
fn tcp_connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

fn cert_der(id: &Identity) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(&id.cert).unwrap()
}

/// The value of the first `"{key}"`-prefixed line in `text`, trimmed.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(key))
        .map(str::trim)
}

/// Reads from `tls` until a newline-terminated line has arrived.
fn read_line(tls: &Tls) -> Vec<u8> {
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    while !line.ends_with(b"\n") {
        match tls.read(&mut buf) {
            Ok(n) => line.extend_from_slice(&buf[..n]),
            Err(e) => panic!(
                "read failed after {:?}: {e} ({:?})",
                String::from_utf8_lossy(&line),
                e.code()
            ),
        }
    }
    line
}

/// A qssl client against `openssl s_server -rev` with `flag` (`-tls1_2`/`-tls1_3`) and
/// `extra` server options: verifies the server, exchanges lines, closes with close_notify
/// both ways. Returns the cipher suite both sides named.
fn qssl_client_to_s_server(version: i32, flag: &str, extra: &[&str]) -> &'static str {
    let id = Identity::localhost();
    let mut args = vec!["-rev", flag];
    args.extend_from_slice(extra);
    let mut server = s_server(&id, &args);

    let ctx = tls_client_ctx(&id.cert, b"");
    let tls = Tls::new(&ctx).unwrap();
    tls.set_host_name("localhost").unwrap();
    tls.set_tcp(tcp_connect(server.port));
    tls.connect()
        .unwrap_or_else(|e| panic!("handshake failed: {e}; s_server:\n{}", server.proc.stderr()));
    assert!(tls.is_init_finished());
    assert_eq!(tls.version(), Some(version));
    assert_eq!(
        tls.version_string(),
        if version == TLS1_3_VERSION {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        }
    );
    assert_eq!(tls.verify_result(), x509_v::OK);
    assert_eq!(tls.peer_certificate(), Some(cert_der(&id)));
    let cipher = tls.cipher_name().expect("a cipher suite");

    // Lines of every length up to one record, each answered reversed.
    for len in [1usize, 13, 200, 4000, 16000] {
        let text: Vec<u8> = (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect();
        let mut line = text.clone();
        line.push(b'\n');
        assert_eq!(tls.write(&line).unwrap(), line.len());
        let got = read_line(&tls);
        let mut want: Vec<u8> = text.iter().rev().copied().collect();
        want.push(b'\n');
        assert!(got == want, "line of {len} bytes not echoed reversed");
    }

    // close_notify: ours, then s_server answers with its own and exits.
    assert!(!tls.shutdown().unwrap());
    assert!(tls.shutdown().unwrap());
    assert_eq!(tls.shutdown_state(), (true, true));
    assert_eq!(
        tls.read(&mut [0u8; 8]).unwrap_err().code(),
        ErrorCode::ZeroReturn
    );
    let status = server.proc.wait_exit();
    let log = server.proc.stderr();
    assert!(status.success(), "s_server exited with {status}:\n{log}");
    assert!(log.contains("CONNECTION CLOSED"), "s_server log:\n{log}");
    let want_version = tls.version_string();
    assert_eq!(
        field(&log, "Protocol version:"),
        Some(want_version),
        "s_server log:\n{log}"
    );
    assert_eq!(
        field(&log, "Ciphersuite:"),
        Some(cipher),
        "s_server log:\n{log}"
    );
    cipher
}

#[test]
fn qssl_client_to_openssl_s_server_tls12() {
    let cipher = qssl_client_to_s_server(TLS1_2_VERSION, "-tls1_2", &[]);
    assert!(cipher.starts_with("ECDHE-ECDSA-"), "{cipher}");
}

#[test]
fn qssl_client_to_openssl_s_server_tls13() {
    let cipher = qssl_client_to_s_server(TLS1_3_VERSION, "-tls1_3", &[]);
    assert!(cipher.starts_with("TLS_"), "{cipher}");
}

#[test]
fn qssl_client_names_the_suite_openssl_chose() {
    for (version, flag, option, suite) in [
        (
            TLS1_2_VERSION,
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
        ),
        (
            TLS1_2_VERSION,
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
        ),
        (
            TLS1_3_VERSION,
            "-tls1_3",
            "-ciphersuites",
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
        (
            TLS1_3_VERSION,
            "-tls1_3",
            "-ciphersuites",
            "TLS_AES_128_GCM_SHA256",
        ),
    ] {
        assert_eq!(
            qssl_client_to_s_server(version, flag, &[option, suite]),
            suite
        );
    }
}

/// A self-signed certificate for "localhost" with its own subject name (`Identity::localhost()`'s all
/// share rcgen's default subject).
fn identity_named(common_name: &str) -> Identity {
    Identity::named(common_name)
}

#[test]
fn qssl_client_refuses_openssl_s_server_with_an_untrusted_certificate() {
    let id = identity_named("qssl test server");
    let stranger = identity_named("someone else");
    let mut server = s_server(&id, &["-rev", "-tls1_3"]);
    let tls = Tls::new(&tls_client_ctx(&stranger.cert, b"")).unwrap();
    tls.set_host_name("localhost").unwrap();
    tls.set_tcp(tcp_connect(server.port));
    let err = tls.connect().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    assert_eq!(
        err.error().unwrap().reason(),
        ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(tls.verify_result(), x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    assert_eq!(
        tls.read(&mut [0u8; 4]).unwrap_err().code(),
        ErrorCode::Ssl,
        "a failed connection stays failed"
    );
    // s_server got our alert (unknown_ca, as OpenSSL's own client sends) and gave up.
    let status = server.proc.wait_exit();
    let log = server.proc.stderr();
    assert!(status.success(), "s_server: {status}\n{log}");
    assert!(log.contains("CONNECTION FAILURE"), "s_server log:\n{log}");
    assert!(log.contains("alert unknown ca"), "s_server log:\n{log}");
    qssl::error::clear_error();
}

/// What the qssl server saw of one connection.
#[derive(Debug)]
struct Served {
    version: Option<i32>,
    cipher: Option<&'static str>,
    alpn: Option<Vec<u8>>,
    servername: Option<String>,
    request: Vec<u8>,
}

/// Why the qssl server failed: a description, and the `SSL_R_*` reason if the call raised one.
#[derive(Debug)]
struct ServerFailure {
    what: String,
    reason: Option<i32>,
}

/// The qssl server thread's outcome.
type Outcome = Result<Served, ServerFailure>;

/// A qssl server for one connection on an ephemeral loopback port: accepts, reads one line,
/// answers `echo: <line>`, sends close_notify and waits for the peer's. Returns the port and
/// the thread's outcome.
fn qssl_server(ctx: qssl::SslCtx) -> (u16, JoinHandle<Outcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() > deadline {
                        return Err(ServerFailure {
                            what: "no connection".to_owned(),
                            reason: None,
                        });
                    }
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => {
                    return Err(ServerFailure {
                        what: format!("accept: {e}"),
                        reason: None,
                    });
                }
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let tls = Tls::new(&ctx).unwrap();
        tls.set_tcp(stream);
        let fail = |what: &str, e: qssl::IoError| ServerFailure {
            what: format!("{what}: {e} ({:?})", e.code()),
            reason: e.error().map(|e| e.reason()),
        };
        tls.accept().map_err(|e| fail("accept", e))?;
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.ends_with(b"\n") {
            let n = tls.read(&mut buf).map_err(|e| fail("read", e))?;
            request.extend_from_slice(&buf[..n]);
        }
        let mut answer = b"echo: ".to_vec();
        answer.extend_from_slice(&request);
        tls.write(&answer).map_err(|e| fail("write", e))?;
        if tls.shutdown().map_err(|e| fail("shutdown", e))? {
            return Err(ServerFailure {
                what: "close_notify came before ours".to_owned(),
                reason: None,
            });
        }
        if !tls.shutdown().map_err(|e| fail("second shutdown", e))? {
            return Err(ServerFailure {
                what: "no close_notify from the peer".to_owned(),
                reason: None,
            });
        }
        Ok(Served {
            version: tls.version(),
            cipher: tls.cipher_name(),
            alpn: tls.alpn_selected(),
            servername: tls.servername(),
            request,
        })
    });
    (port, handle)
}

/// `openssl s_client` with `flag` and `extra` options against a qssl server with
/// `server_alpn`, sending one line. Returns s_client (ended) and the server's outcome.
fn s_client_to_qssl(
    flag: &str,
    server_alpn: &[u8],
    extra: &[&str],
    id: &Identity,
    trust: &Path,
) -> (Proc, ExitStatus, Outcome) {
    let (port, server) = qssl_server(tls_server_ctx(id, server_alpn));
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        flag,
        "-CAfile",
        trust.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        "localhost",
        "-verify_hostname",
        "localhost",
        // Stdin stays open anyway; s_client ends on the server's close_notify.
        "-ign_eof",
    ];
    args.extend_from_slice(extra);
    let mut client = Proc::spawn(&args);
    client.write_stdin(b"hello from s_client\n");
    let status = client.wait_exit();
    let served = server.join().unwrap();
    (client, status, served)
}

fn s_client_to_qssl_server(version: i32, flag: &str) {
    let id = Identity::localhost();
    let (client, status, served) = s_client_to_qssl(flag, b"", &[], &id, &id.cert);
    let out = client.stdout();
    let served = served.unwrap_or_else(|e| {
        panic!(
            "qssl server: {e:?}\ns_client stdout:\n{out}\nstderr:\n{}",
            client.stderr()
        )
    });
    assert!(status.success(), "s_client: {status}\n{}", client.stderr());
    assert_eq!(served.version, Some(version));
    assert_eq!(served.servername.as_deref(), Some("localhost"));
    assert_eq!(served.request, b"hello from s_client\n");
    assert_eq!(served.alpn, None);
    let cipher = served.cipher.unwrap();
    let version_name = if version == TLS1_3_VERSION {
        "TLSv1.3"
    } else {
        "TLSv1.2"
    };
    assert_eq!(
        field(&out, "New,"),
        Some(format!("{version_name}, Cipher is {cipher}").as_str()),
        "s_client stdout:\n{out}"
    );
    assert_eq!(field(&out, "Verify return code:"), Some("0 (ok)"));
    assert_eq!(field(&out, "Verified peername:"), Some("localhost"));
    assert_eq!(field(&out, "ALPN protocol:"), None);
    assert!(
        out.lines().any(|l| l == "echo: hello from s_client"),
        "s_client stdout:\n{out}"
    );
}

#[test]
fn openssl_s_client_to_qssl_server_tls12() {
    s_client_to_qssl_server(TLS1_2_VERSION, "-tls1_2");
}

#[test]
fn openssl_s_client_to_qssl_server_tls13() {
    s_client_to_qssl_server(TLS1_3_VERSION, "-tls1_3");
}

#[test]
fn openssl_s_client_negotiates_alpn_with_qssl_server() {
    let id = Identity::localhost();
    for flag in ["-tls1_2", "-tls1_3"] {
        let (client, status, served) =
            s_client_to_qssl(flag, ALPN_H2, &["-alpn", "http/1.1,h2"], &id, &id.cert);
        let out = client.stdout();
        let served = served.unwrap_or_else(|e| panic!("qssl server: {e:?}\n{out}"));
        assert!(status.success(), "s_client: {status}\n{}", client.stderr());
        assert_eq!(served.alpn.as_deref(), Some(&b"h2"[..]));
        assert_eq!(field(&out, "ALPN protocol:"), Some("h2"), "{out}");
        assert!(out.lines().any(|l| l == "echo: hello from s_client"));
    }
}

#[test]
fn openssl_s_client_without_a_common_alpn_is_refused() {
    let id = Identity::localhost();
    let (client, status, served) =
        s_client_to_qssl("-tls1_3", ALPN_H2, &["-alpn", "http/1.1"], &id, &id.cert);
    let failure = served.unwrap_err();
    assert!(failure.what.starts_with("accept:"), "{}", failure.what);
    assert_eq!(
        failure.reason,
        Some(ssl_r::NO_APPLICATION_PROTOCOL),
        "{failure:?}"
    );
    assert!(!status.success());
    let log = client.stderr();
    assert!(log.contains("no application protocol"), "s_client:\n{log}");
}

#[test]
fn openssl_s_client_refuses_an_untrusted_qssl_server() {
    let id = Identity::localhost();
    let stranger = Identity::localhost();
    let (client, status, served) = s_client_to_qssl("-tls1_3", b"", &[], &id, &stranger.cert);
    assert!(!status.success());
    let log = client.stderr();
    assert!(log.contains("self-signed certificate"), "s_client:\n{log}");
    // OpenSSL answers a self-signed certificate it does not trust with unknown_ca (48).
    let failure = served.unwrap_err();
    assert!(failure.what.starts_with("accept:"), "{}", failure.what);
    assert_eq!(
        failure.reason,
        Some(ssl_r::SSL_AD_REASON_OFFSET + 48),
        "qssl server: {failure:?}"
    );
}
