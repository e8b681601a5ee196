//! hq-interop over real UDP on loopback: qssl against itself, and against aioquic (installed
//! from PyPI by the test command) as server and as client.

use qssl_tests::aioquic;

mod fixture;

use fixture::{Fixture, QsslServer, qssl_fetch, qssl_fetch_with};

#[test]
fn qssl_client_and_server_over_udp() {
    let fx = Fixture::new("self");
    let server = QsslServer::start(&fx);
    qssl_fetch(&fx, server.addr);
}

#[test]
fn qssl_client_against_aioquic_server() {
    let fx = Fixture::new("aioquic-server");
    let peer = aioquic::Server::start(&fx.path("cert.pem"), &fx.path("key.pem"), &fx.path("root"));
    qssl_fetch(&fx, peer.addr);
}

/// Runs aioquic's client with `flags` against a qssl server (which validates addresses
/// with a Retry) for `files` of the fixture `tag`; checks it succeeded and what arrived, and
/// returns what it printed.
fn aioquic_client_run(tag: &str, files: &[&str], flags: &[&str]) -> String {
    let fx = Fixture::new(tag);
    let server = QsslServer::start(&fx);
    let out = aioquic::client(
        server.addr.port(),
        &fx.path("cert.pem"),
        &fx.path("out"),
        60,
        files,
    )
    .args(flags)
    .output()
    .expect("python3 with aioquic (installed by scripts/test.sh)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "aioquic client: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fx.assert_received();
    text
}

#[test]
fn aioquic_client_against_qssl_server() {
    aioquic_client_run("aioquic-client", &["file.bin"], &[]);
}

#[test]
fn aioquic_client_returns_with_qssls_token_and_skips_the_retry() {
    let text = aioquic_client_run(
        "aioquic-new-token",
        &["file.bin", "file.bin"],
        &["--resume", "--new-token"],
    );
    let retries: Vec<&str> = text.lines().filter(|l| l.starts_with("retries:")).collect();
    assert_eq!(retries, ["retries: 1", "retries: 0"], "{text}");
}

#[test]
fn qssl_server_switches_an_aioquic_client_to_v2() {
    let text = aioquic_client_run("aioquic-upgrade", &["file.bin"], &["--upgrade-to-v2"]);
    assert!(text.contains("version: 0x6b3343cf"), "{text}");
}

#[test]
fn qssl_client_asking_for_v2_is_switched_by_aioquic() {
    let fx = Fixture::new("aioquic-server-upgrade");
    let peer = aioquic::Server::start(&fx.path("cert.pem"), &fx.path("key.pem"), &fx.path("root"));
    let mut ctx =
        qssl_interop::tls::client_ctx(&fx.path("cert.pem"), qssl_interop::tls::ALPN_HQ).unwrap();
    ctx.connection_config_mut().upgrade_to = Some(qssl::ctx::Version::V2);
    let (version, original) = qssl_fetch_with(&fx, &ctx, peer.addr);
    assert_eq!(version, qssl::ctx::Version::V2.wire());
    assert_eq!(original, qssl::ctx::Version::V1.wire());
}
