//! C programs of `tests/c/` built against `include/` and the libssl/libcrypto this crate
//! builds, run, and checked; where the program only uses what OpenSSL 3.0 also has, the same
//! source is built against the system's OpenSSL too and must print the same.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>`, where the build script writes libcrypto.so and `cargo build` puts
/// libssl.so.
fn lib_dir() -> PathBuf {
    deps_dir().parent().unwrap().to_path_buf()
}

/// `target/<profile>/deps`, where `cargo test` leaves the libssl.so it just built.
fn deps_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(name)
}

/// Compiles `name` with `cc` and extra arguments into a scratch directory; returns the binary.
fn compile(name: &str, out: &str, args: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-programs");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join(out);
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(source(name))
        .args(args)
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "compiling {name} failed");
    bin
}

/// Builds `name` against qssl (plain `-lssl -lcrypto`) and runs it; returns its output.
fn run_on_qssl(name: &str) -> String {
    run_on_qssl_with(name, &[])
}

/// As [`run_on_qssl`], with program arguments.
fn run_on_qssl_with(name: &str, args: &[&Path]) -> String {
    run(&build_on_qssl(name), args)
}

/// Builds `name` against qssl (plain `-lssl -lcrypto`); returns the binary.
fn build_on_qssl(name: &str) -> PathBuf {
    let (libs, deps) = (lib_dir(), deps_dir());
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    // The freshly built libssl.so (deps) first; libcrypto.so names it.
    compile(
        name,
        &format!("{name}.qssl"),
        &[
            &format!("-I{}", include.display()),
            &format!("-L{}", deps.display()),
            &format!("-L{}", libs.display()),
            &format!("-Wl,-rpath,{}", deps.display()),
            "-lssl",
            "-lcrypto",
        ],
    )
}

/// A command for `bin`. Programs built against qssl load the libssl.so this test run built
/// (cargo's `LD_LIBRARY_PATH`, which outranks the binary's run path, may name an older one).
fn command(bin: &Path) -> Command {
    let mut cmd = Command::new(bin);
    if bin.extension().is_some_and(|e| e == "qssl") {
        cmd.env("LD_LIBRARY_PATH", deps_dir());
    }
    cmd
}

fn run(bin: &Path, args: &[&Path]) -> String {
    let out = command(bin).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        bin.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The same program built against the system's OpenSSL, if its headers are installed.
fn run_on_system_openssl(name: &str, args: &[&Path]) -> Option<String> {
    if !Path::new("/usr/include/openssl/err.h").exists() {
        return None;
    }
    let bin = compile(name, &format!("{name}.openssl"), &["-lssl", "-lcrypto"]);
    Some(run(&bin, args))
}

#[test]
fn error_queue_program_runs_and_matches_openssl() {
    let ours = run_on_qssl("err_queue.c");
    assert!(!ours.contains("FAIL"), "{ours}");
    let theirs = run_on_system_openssl("err_queue.c", &[]).expect("system OpenSSL headers");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

/// A self-signed certificate and its key, and another key, as PEM files in a scratch
/// directory: made once per test process, since tests run in parallel and a server must
/// present the very certificate its client trusts.
fn certificate_files() -> (PathBuf, PathBuf, PathBuf) {
    static FILES: std::sync::OnceLock<(PathBuf, PathBuf, PathBuf)> = std::sync::OnceLock::new();
    FILES
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("c-programs-certs-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
            let other = rcgen::KeyPair::generate().unwrap();
            let paths = (
                dir.join("cert.pem"),
                dir.join("key.pem"),
                dir.join("other.pem"),
            );
            std::fs::write(&paths.0, cert.cert.pem()).unwrap();
            std::fs::write(&paths.1, cert.signing_key.serialize_pem()).unwrap();
            std::fs::write(&paths.2, other.serialize_pem()).unwrap();
            paths
        })
        .clone()
}

#[test]
fn context_program_matches_openssl() {
    let (cert, key, other) = certificate_files();
    let args = [cert.as_path(), key.as_path(), other.as_path()];
    let ours = run_on_qssl_with("ctx.c", &args);
    let theirs = run_on_system_openssl("ctx.c", &args).expect("system OpenSSL headers");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn tls_client_and_server_processes_match_openssl() {
    let (cert, key, _) = certificate_files();
    for version in ["2", "3"] {
        let args = [cert.as_path(), key.as_path(), Path::new(version)];
        let ours = run_on_qssl_with("tls.c", &args);
        let theirs = run_on_system_openssl("tls.c", &args).expect("system OpenSSL headers");
        assert!(ours.contains("client: got ping"), "{ours}");
        assert_eq!(
            ours, theirs,
            "TLS 1.{version}: qssl and OpenSSL print the same"
        );
    }
}

/// A directory of certificates for `verify_chain.c` (made once per test process): a root CA,
/// an intermediate it signed, a leaf for localhost and 127.0.0.1 the intermediate signed
/// (alone, and as a chain file with the intermediate), the same with a validity that ended in
/// 2021, and a self-signed leaf for localhost; with the leaves' keys.
fn chain_files() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(make_chain_files).clone()
}

/// Writes [`chain_files`]' directory.
fn make_chain_files() -> PathBuf {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, SanType,
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("c-programs-chain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    let ca = |name: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let leaf = || {
        let mut p = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        p.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        p.distinguished_name.push(DnType::CommonName, "localhost");
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p
    };
    let (root_key, inter_key) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
    let root_params = ca("qssl test root");
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::from_params(&root_params, &root_key);
    let inter_params = ca("qssl test intermediate");
    let inter = inter_params.signed_by(&inter_key, &root_issuer).unwrap();
    let inter_issuer = Issuer::from_params(&inter_params, &inter_key);
    write("root.pem", root.pem());

    let key = KeyPair::generate().unwrap();
    let cert = leaf().signed_by(&key, &inter_issuer).unwrap();
    write("leaf.pem", cert.pem());
    write("chain.pem", cert.pem() + &inter.pem());
    write("leaf.key", key.serialize_pem());

    let key = KeyPair::generate().unwrap();
    let mut params = leaf();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = params.signed_by(&key, &inter_issuer).unwrap();
    write("expired.pem", cert.pem() + &inter.pem());
    write("expired.key", key.serialize_pem());

    let key = KeyPair::generate().unwrap();
    let cert = leaf().self_signed(&key).unwrap();
    write("self.pem", cert.pem());
    write("self.key", key.serialize_pem());
    dir
}

#[test]
fn verify_callback_walks_chains_as_openssl_does() {
    let dir = chain_files();
    let ours = run_on_qssl_with("verify_chain.c", &[&dir]);
    assert!(
        ours.contains("callback ok=1 depth=2 error=0 current=qssl test root chain=3"),
        "{ours}"
    );
    let theirs = run_on_system_openssl("verify_chain.c", &[&dir]).expect("system OpenSSL headers");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn address_program_matches_openssl() {
    let ours = run_on_qssl("addr.c");
    let theirs = run_on_system_openssl("addr.c", &[]).expect("system OpenSSL headers");
    assert!(ours.contains("strings 127.0.0.1 4433"), "{ours}");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn libcrypto_refers_to_libssl_and_pkg_config_files_exist() {
    let libs = lib_dir();
    let script = std::fs::read_to_string(libs.join("libcrypto.so")).unwrap();
    assert_eq!(script.trim(), "INPUT(libssl.so)");
    for pc in ["libssl.pc", "libcrypto.pc", "openssl.pc"] {
        let text = std::fs::read_to_string(libs.join("pkgconfig").join(pc)).unwrap();
        assert!(text.contains("Cflags: -I"), "{pc}");
    }
}

/// A server program running in the background, with its first line of output (which names
/// its port) already read.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    /// Starts `bin` and reads the port from its first line (`listening on <port>...`).
    fn start(bin: &Path, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = command(bin)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(',').next())
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("server did not start: {line:?}"));
        Server { child, port }
    }

    /// Waits for the server to finish; returns the rest of its output.
    fn finish(self) -> String {
        let out = self.child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "server failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

#[test]
fn quic_guide_style_client_and_server_talk_blocking_and_non_blocking() {
    let (cert, key, _) = certificate_files();
    let server_bin = build_on_qssl("quic_server.c");
    let client_bin = build_on_qssl("quic_client.c");
    let connect_bin = build_on_qssl("quic_connect.c");
    for (server_mode, client_mode) in [("block", "block"), ("nonblock", "nonblock")] {
        let server = Server::start(
            &server_bin,
            &[
                cert.to_str().unwrap(),
                key.to_str().unwrap(),
                "3",
                server_mode,
            ],
        );
        let port = server.port.to_string();
        // The HTTP/3 demo's way: BIO_new_ssl_connect, then SSL_connect on the object.
        let target = format!("localhost:{port}");
        let out = run(
            &connect_bin,
            &[Path::new(&target), &cert, Path::new("via a connect BIO")],
        );
        assert_eq!(
            out,
            "sock type is datagram 1, quic 1\nin before 1, connect 1, in before 0\n\
             reply via a connect BIO, end 6\nerrors left 0\n"
        );
        for message in ["hello over quic", "a second connection"] {
            let out = run(
                &client_bin,
                &[
                    Path::new("localhost"),
                    Path::new(&port),
                    &cert,
                    Path::new("http/1.0"),
                    Path::new(client_mode),
                    Path::new(message),
                ],
            );
            assert!(out.contains("same fd: 1"), "{out}");
            assert!(
                out.contains("connected: QUICv1, alpn http/1.0, verify ok"),
                "{out}"
            );
            assert!(
                out.contains("cipher TLS_AES_") && out.contains("key log lines seen"),
                "{out}"
            );
            assert!(
                out.contains("is quic 1, connection 1, stream type 3"),
                "{out}"
            );
            assert!(out.contains(&format!("reply: {message}\n")), "{out}");
            // FINISHED, or CONN_CLOSED if the server's close arrived first.
            assert!(
                out.contains("read state 3") || out.contains("read state 6"),
                "{out}"
            );
            assert!(out.contains("shut down"), "{out}");
        }
        let out = server.finish();
        assert!(
            out.contains("accepted: from listener 1, connection 1, same fd 1"),
            "{out}"
        );
        assert!(out.contains("request 15 bytes, read state 3"), "{out}");
        assert!(out.contains("write state 3"), "{out}");
        assert!(out.contains("served 3"), "{out}");
    }
}

#[test]
fn quic_pair_program_sees_openssl_stream_and_close_semantics() {
    let (cert, key, _) = certificate_files();
    let out = run_on_qssl_with("quic_pair.c", &[cert.as_path(), key.as_path()]);
    let expected = "\
pair poll descriptor type 0, fd -1
connected: QUICv1; listener 1/0, accepted from it 1, queue 0
client may open bidi streams: 1
client streams: 0 type 3 local 1, 2 type 2 local 1; conn of s1 1
uni stream read state 2 (wrong direction), connection stream type 0
network BIO shared: stream 1, accepted connection 1
s1 write state 3 after conclude
server accepted 0 type 3 local 0, 2 type 1 local 0
a1: one, end 6, read state 3, read code 0
a2: two, end 6, write state 2
s1: ONE, end 6, read state 3
u3 3 write state 4, write code 1/42
c3 3: end 1, read state 5, read code 1/42
close info before: 0
server close info: code 99 reason done (4) flags 0
client close info: code 99 flags 1
a1 read state after close 6
s1 still usable: id 0, connection stream type 0
errors left: 0
";
    assert_eq!(out, expected);
}

/// The aioquic hq-interop peer the interop tests use (installed from PyPI by the test
/// command).
fn aioquic_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/peers/aioquic_hq.py")
}

/// A child process killed when dropped.
struct Peer(std::process::Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn quic_c_client_fetches_from_aioquic_server() {
    use std::io::BufRead;
    let (cert, key, _) = certificate_files();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-programs-aioquic-root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("hello.txt"), "hello from aioquic\n").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    let mut child = Command::new("python3")
        .arg(aioquic_script())
        .args(["server", "--host", "127.0.0.1", "--port", "0", "--cert"])
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .arg("--root")
        .arg(&root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with aioquic (installed by scripts/test.sh)");
    let stdout = child.stdout.take().unwrap();
    let _peer = Peer(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected aioquic output {line:?}"))
        .parse()
        .unwrap();
    let client = build_on_qssl("quic_client.c");
    for mode in ["block", "nonblock"] {
        let out = run(
            &client,
            &[
                Path::new("localhost"),
                Path::new(&addr.port().to_string()),
                &cert,
                Path::new("hq-interop"),
                Path::new(mode),
                Path::new("GET /hello.txt\r\n"),
            ],
        );
        assert!(out.contains("alpn hq-interop"), "{out}");
        assert!(out.contains("reply: hello from aioquic\n"), "{out}");
        assert!(out.contains("shut down"), "{out}");
    }
    // The multi-stream client: three requests on three streams of one connection.
    let out = run(
        &build_on_qssl("quic_multi.c"),
        &[
            Path::new("localhost"),
            Path::new(&addr.port().to_string()),
            &cert,
            Path::new("hello.txt"),
            Path::new("big.bin"),
            Path::new("hello.txt"),
        ],
    );
    let expected = "\
connected, default stream type 0
stream 0 (hello.txt): 19 bytes, read state 3
stream 4 (big.bin): 300000 bytes, read state 3
stream 8 (hello.txt): 19 bytes, read state 3
shut down
";
    assert_eq!(out, expected);
}

#[test]
fn aioquic_client_talks_to_quic_c_server() {
    for mode in ["block", "nonblock"] {
        aioquic_client_against(mode);
    }
}

/// The aioquic client fetches twice (two connections) from the C server in `mode`.
fn aioquic_client_against(mode: &str) {
    let (cert, key, _) = certificate_files();
    let server = Server::start(
        &build_on_qssl("quic_server.c"),
        &[cert.to_str().unwrap(), key.to_str().unwrap(), "2", mode],
    );
    for round in 0..2 {
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("c-programs-aioquic-{mode}-{round}"));
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        let status = Command::new("python3")
            .arg(aioquic_script())
            .args(["client", "--host", "127.0.0.1", "--port"])
            .arg(server.port.to_string())
            .arg("--ca")
            .arg(&cert)
            .arg("--out")
            .arg(&out_dir)
            .args(["--timeout", "30", "echo.txt"])
            .status()
            .expect("python3 with aioquic (installed by scripts/test.sh)");
        assert!(status.success(), "aioquic client failed ({mode}): {status}");
        // The C server echoes the request back as the "file".
        let got = std::fs::read_to_string(out_dir.join("echo.txt")).unwrap();
        assert_eq!(got, "GET /echo.txt\r\n");
    }
    let out = server.finish();
    assert!(out.contains("served 2"), "{out}");
}

#[test]
fn tls_accept_bio_server_and_socket_bio_client_match_openssl() {
    let (cert, key, _) = certificate_files();
    let args = [cert.as_path(), key.as_path()];
    let ours = run_on_qssl_with("tls_bio.c", &args);
    let theirs = run_on_system_openssl("tls_bio.c", &args).expect("system OpenSSL headers");
    assert!(ours.contains("client: echo matches"), "{ours}");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn applications_own_bios_carry_quic_and_tls() {
    let (cert, key, _) = certificate_files();
    let out = run_on_qssl_with("custom_bio.c", &[cert.as_path(), key.as_path()]);
    let expected = "\
quic: server read \"over the app's BIO\"; datagrams through the app's BIOs: both ways
quic: BIOs destroyed with their objects: 2
tls: TLSv1.3, server read \"tls too\", verify ok
tls: pipes destroyed 2
destroy calls 4, errors left 0
";
    assert_eq!(out, expected);
}

/// Runs a program built against qssl under valgrind's memcheck: no memory errors and no
/// definite or indirect leaks (blocks kept for the process's life by design, such as the
/// interned strings, are at most "possibly lost"). `capi/tests/valgrind.supp` says which
/// reports come from ring's assembly and why they are not errors.
fn valgrind(bin: &Path, args: &[&str]) -> Command {
    let supp = suppressions();
    let mut cmd = Command::new("valgrind");
    cmd.env("LD_LIBRARY_PATH", deps_dir())
        .args([
            "-q",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=97",
            "--child-silent-after-fork=no",
        ])
        .arg(format!("--suppressions={}", supp.display()))
        .arg(bin)
        .args(args);
    cmd
}

/// `tests/valgrind.supp` plus one entry per `sendmmsg` message index (memcheck matches
/// parameter names exactly; see the file's comments).
fn suppressions() -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
    let mut text = std::fs::read_to_string(base).unwrap();
    for i in 0..64 {
        text.push_str(&format!(
            "\n{{\n   quic-packet-{i}-sealed-by-ring\n   Memcheck:Param\n   \
             sendmsg(mmsg[{i}].msg_hdr.msg_iov[0])\n   ...\n   fun:*qssl_bio*sys*send*\n}}\n"
        ));
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("valgrind.supp");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn c_programs_run_clean_under_valgrind() {
    let (cert, key, other) = certificate_files();
    let (cert, key, other) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        other.to_str().unwrap(),
    );
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("vg-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let chains = chain_files();
    let programs: [(&str, Vec<&str>); 11] = [
        ("err_queue.c", vec![]),
        ("lhash.c", vec![]),
        ("quic_resume.c", vec![cert, key]),
        ("bio_misc.c", vec![scratch.to_str().unwrap()]),
        ("addr.c", vec![]),
        ("ctx.c", vec![cert, key, other]),
        ("quic_pair.c", vec![cert, key]),
        ("custom_bio.c", vec![cert, key]),
        ("tls.c", vec![cert, key, "3"]),
        ("tls_bio.c", vec![cert, key]),
        ("verify_chain.c", vec![chains.to_str().unwrap()]),
    ];
    for (name, args) in programs {
        let out = valgrind(&build_on_qssl(name), &args)
            .output()
            .expect("valgrind (installed by scripts/test.sh)");
        assert!(
            out.status.success(),
            "{name} under valgrind ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The QUIC client and server over UDP, each under valgrind.
    let mut server = valgrind(
        &build_on_qssl("quic_server.c"),
        &[cert, key, "1", "nonblock"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let port = line
        .strip_prefix("listening on ")
        .and_then(|r| r.split(',').next())
        .unwrap_or_else(|| panic!("server did not start: {line:?}"))
        .to_owned();
    let client = valgrind(
        &build_on_qssl("quic_client.c"),
        &[
            "localhost",
            &port,
            cert,
            "http/1.0",
            "nonblock",
            "under valgrind",
        ],
    )
    .output()
    .unwrap();
    assert!(
        client.status.success(),
        "client under valgrind ({}):\n{}",
        client.status,
        String::from_utf8_lossy(&client.stderr)
    );
    let server = server.wait_with_output().unwrap();
    assert!(
        server.status.success(),
        "server under valgrind ({}):\n{}",
        server.status,
        String::from_utf8_lossy(&server.stderr)
    );
}

#[test]
fn file_and_memory_bios_match_openssl() {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bio-misc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ours = run_on_qssl_with("bio_misc.c", &[dir.as_path()]);
    let theirs =
        run_on_system_openssl("bio_misc.c", &[dir.as_path()]).expect("system OpenSSL headers");
    assert!(ours.contains("read 21: line 1: hello"), "{ours}");
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn every_header_compiles_on_its_own_and_declares_only_exported_functions() {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("headers");
    std::fs::create_dir_all(&dir).unwrap();
    let mut headers: Vec<String> = std::fs::read_dir(include.join("openssl"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    headers.sort();
    let exported = {
        let out = Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(deps_dir().join("libssl.so"))
            .output()
            .expect("nm");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().last().map(str::to_owned))
            .collect::<std::collections::HashSet<_>>()
    };
    for h in &headers {
        let src = dir.join(format!("{h}.c"));
        std::fs::write(
            &src,
            format!("#include <openssl/{h}>\nint main(void) {{ return 0; }}\n"),
        )
        .unwrap();
        let status = Command::new("cc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
            .arg(format!("-I{}", include.display()))
            .arg(&src)
            .status()
            .unwrap();
        assert!(status.success(), "{h} does not compile on its own");
        // Every function a header declares is in the library (macros and inline helpers
        // aside), so a program never meets an undefined symbol at link time.
        let text = std::fs::read_to_string(include.join("openssl").join(h)).unwrap();
        for line in text.lines() {
            let line = line.trim_start();
            if line.starts_with('#') || line.starts_with("typedef") || line.starts_with("static") {
                continue;
            }
            let Some(open) = line.find('(') else { continue };
            let before = &line[..open];
            let name = before
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            let declares = line.ends_with(',') || line.contains(");") || line.ends_with('(');
            let looks_like_function = before.contains(' ')
                && (name.starts_with("SSL_")
                    || name.starts_with("BIO_")
                    || name.starts_with("ERR_")
                    || name.starts_with("CRYPTO_")
                    || name.starts_with("OSSL_")
                    || name.starts_with("OPENSSL_")
                    || name.starts_with("TLS_")
                    || name.starts_with("PEM_")
                    || name.starts_with("X509_")
                    || name.starts_with("OpenSSL_")
                    || name.starts_with("i2d_")
                    || name.starts_with("d2i_"));
            if declares && looks_like_function {
                assert!(
                    exported.contains(name),
                    "{h} declares {name}, which is not exported"
                );
            }
        }
    }
}

#[test]
fn tls_ssl_connect_bio_client_matches_openssl() {
    let (cert, key, _) = certificate_files();
    let args = [cert.as_path(), key.as_path()];
    let ours = run_on_qssl_with("tls_connect.c", &args);
    let theirs = run_on_system_openssl("tls_connect.c", &args).expect("system OpenSSL headers");
    assert!(
        ours.contains("client: read back hello through BIOs"),
        "{ours}"
    );
    assert_eq!(ours, theirs, "qssl and OpenSSL print the same");
}

#[test]
fn typed_hash_table_works_through_the_thunks() {
    let out = run_on_qssl("lhash.c");
    let expected = "\
+++++ 5 items
replaced two: old value 2, now 5 items
retrieve three: 3, six: none
sum 33
scaled sum 330
after dropping odd values: 2 items, error 0
delete two gives 20, delete again gives none
flushed: 0 items
";
    assert_eq!(out, expected);
}

#[test]
fn quic_sessions_resume_from_c() {
    let (cert, key, _) = certificate_files();
    let out = run_on_qssl_with("quic_resume.c", &[cert.as_path(), key.as_path()]);
    let expected = "\
first: resumed 0/0
session resumable 1, callback told yes
second: resumed 1/1, verify ok
errors left 0
";
    assert_eq!(out, expected);
}
