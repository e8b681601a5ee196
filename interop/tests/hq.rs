//! hq-interop over real UDP on loopback: qssl against itself, and against aioquic (installed
//! from PyPI by the test command) as server and as client.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod fixture;

use fixture::{Fixture, QsslServer, qssl_fetch};

#[test]
fn qssl_client_and_server_over_udp() {
    let fx = Fixture::new("self");
    let server = QsslServer::start(&fx);
    qssl_fetch(&fx, server.addr);
}

fn aioquic_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/aioquic_hq.py")
}

/// The aioquic server, killed when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn qssl_client_against_aioquic_server() {
    let fx = Fixture::new("aioquic-server");
    let mut child = Command::new("python3")
        .arg(aioquic_script())
        .args(["server", "--host", "127.0.0.1", "--port", "0", "--cert"])
        .arg(fx.path("cert.pem"))
        .arg("--key")
        .arg(fx.path("key.pem"))
        .arg("--root")
        .arg(fx.path("root"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aioquic (installed by scripts/test.sh)");
    let stdout = child.stdout.take().unwrap();
    let peer = Peer(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected server output {line:?}"))
        .parse()
        .unwrap();
    qssl_fetch(&fx, addr);
    drop(peer);
}

#[test]
fn aioquic_client_against_qssl_server() {
    let fx = Fixture::new("aioquic-client");
    let server = QsslServer::start(&fx);
    let status = Command::new("python3")
        .arg(aioquic_script())
        .args(["client", "--host", "127.0.0.1", "--port"])
        .arg(server.addr.port().to_string())
        .arg("--ca")
        .arg(fx.path("cert.pem"))
        .arg("--out")
        .arg(fx.path("out"))
        .args(["--timeout", "60", "file.bin"])
        .status()
        .expect("python3 with aioquic (installed by scripts/test.sh)");
    assert!(status.success(), "aioquic client failed: {status}");
    fx.assert_received();
}
