//! HTTP/3 interop with aioquic (its `aioquic.h3`), driven by `interop/peers/aioquic_h3.py`:
//! a qssl client against an aioquic server, an aioquic client against a qssl server.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{
    FILES, Fixture, Peer, QsslServer, crate_path, qssl_fetch_all, run_peer_client,
    run_with_deadline, runtime,
};

fn script() -> std::path::PathBuf {
    crate_path("../interop/peers/aioquic_h3.py")
}

#[test]
fn qssl_client_fetches_from_aioquic_server() {
    let fx = Fixture::new();
    let child = Command::new("python3")
        .arg(script())
        .args(["server", "--port", "0", "--cert"])
        .arg(fx.path("cert.pem"))
        .arg("--key")
        .arg(fx.path("priv.key"))
        .arg("--root")
        .arg(fx.path("root"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut peer = Peer(child);
    let mut line = String::new();
    BufReader::new(peer.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("aioquic server said {line:?}"))
        .parse()
        .unwrap();
    let rt = runtime();
    let start = Instant::now();
    run_with_deadline(&rt, qssl_fetch_all(&fx, addr));
    eprintln!("qssl -> aioquic: {:?}", start.elapsed());
}

#[test]
fn aioquic_client_fetches_from_qssl_server() {
    let fx = Fixture::new();
    let rt = runtime();
    let server = QsslServer::start(&fx, &rt);
    let mut cmd = Command::new("python3");
    cmd.arg(script())
        .args(["client", "--port", &server.addr.port().to_string(), "--ca"])
        .arg(fx.path("ca.pem"))
        .arg("--out")
        .arg(fx.path("out"))
        .args(FILES.iter().map(|(n, _)| format!("/{n}")));
    let start = Instant::now();
    run_peer_client(cmd);
    eprintln!("aioquic -> qssl: {:?}", start.elapsed());
    fx.assert_downloaded();
    server.assert_no_errors();
}
