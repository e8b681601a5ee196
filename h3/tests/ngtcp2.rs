//! HTTP/3 interop with ngtcp2's example programs as Debian ships them (`gtlsclient` and
//! `gtlsserver`, ngtcp2 with GnuTLS and nghttp3): a qssl client against `gtlsserver`,
//! `gtlsclient` against a qssl server. Skipped (with a note) where they are not installed.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{
    FILES, Fixture, Peer, QsslServer, free_port, qssl_fetch_all, run_peer_client,
    run_with_deadline, runtime, wait_bound,
};

const SERVER: &str = "/usr/sbin/gtlsserver";
const CLIENT: &str = "/usr/bin/gtlsclient";

fn installed(program: &str) -> bool {
    let there = Path::new(program).exists();
    if !there {
        eprintln!("{program} is not installed: skipped");
    }
    there
}

#[test]
fn qssl_client_fetches_from_ngtcp2_server() {
    if !installed(SERVER) {
        return;
    }
    let fx = Fixture::new();
    let port = free_port();
    let child = Command::new(SERVER)
        .arg("-q")
        .arg("-d")
        .arg(fx.path("root"))
        .args(["127.0.0.1", &port.to_string()])
        .arg(fx.path("priv.key"))
        .arg(fx.path("cert.pem"))
        .stdout(Stdio::null())
        .spawn()
        .expect(SERVER);
    let mut peer = Peer(child);
    wait_bound(port, &mut peer);
    let rt = runtime();
    let start = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    run_with_deadline(&rt, qssl_fetch_all(&fx, addr));
    eprintln!("qssl -> ngtcp2: {:?}", start.elapsed());
}

#[test]
fn ngtcp2_client_fetches_from_qssl_server() {
    if !installed(CLIENT) {
        return;
    }
    let fx = Fixture::new();
    let rt = runtime();
    let server = QsslServer::start(&fx, &rt);
    let port = server.addr.port().to_string();
    let mut cmd = Command::new(CLIENT);
    cmd.args(["-q", "--exit-on-all-streams-close"])
        .arg(format!("--download={}", fx.path("out").display()))
        .args(["127.0.0.1", &port])
        .args(
            FILES
                .iter()
                .map(|(n, _)| format!("https://localhost:{port}/{n}")),
        );
    let start = Instant::now();
    run_peer_client(cmd);
    eprintln!("ngtcp2 -> qssl: {:?}", start.elapsed());
    fx.assert_downloaded();
    server.assert_no_errors();
}
