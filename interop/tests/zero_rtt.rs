//! 0-RTT with aioquic over UDP on loopback, both ways: qssl's client sends its request as
//! early data to an aioquic server that does not know the session, which rejects it (the
//! request arrives all the same), and to one that does, which accepts it; aioquic's
//! client sends early data to qssl's server, which accepts it, and to another qssl server,
//! which rejects it.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use qssl::quic::EarlyDataStatus;
use qssl::tls::SslSession;
use qssl_bio::UdpBio;
use qssl_interop::hq::{Download, close, fetch};
use qssl_interop::tls::{ALPN_HQ, client_ctx};
use qssl_tests::aioquic;

mod fixture;

use fixture::{Fixture, QsslServer};

/// The small file the early requests ask for.
const NAME: &str = "small.txt";

/// A fixture that also serves [`NAME`] (3000 bytes).
fn fixture(tag: &str) -> Fixture {
    let fx = Fixture::new(tag);
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(fx.path("root").join(NAME), data).unwrap();
    fx
}

/// Checks [`NAME`] arrived whole.
fn assert_small_received(fx: &Fixture) {
    let sent = std::fs::read(fx.path("root").join(NAME)).unwrap();
    let got = std::fs::read(fx.path("out").join(NAME)).unwrap();
    assert!(got == sent, "{NAME} differs");
    std::fs::remove_file(fx.path("out").join(NAME)).unwrap();
}

/// Fetches [`NAME`] from `server` with a client of `ctx`, resuming `session` with the
/// request as early data if given; the connection's early-data status and its session.
fn qssl_get(
    fx: &Fixture,
    ctx: &qssl::SslCtx,
    server: SocketAddr,
    session: Option<&SslSession>,
) -> (EarlyDataStatus, Option<SslSession>) {
    let names = [NAME.to_string()];
    let out = fx.path("out");
    let download = Download {
        server,
        server_name: "localhost",
        names: &names,
        out_dir: &out,
        session,
        early_data: session.is_some(),
        progress: None,
    };
    let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let (_, conn) = fetch(ctx, socket, &download, Duration::from_secs(30)).unwrap();
    let status = conn.early_data_status();
    let session = conn.session();
    close(&conn).unwrap();
    assert_small_received(fx);
    (status, session)
}

fn aioquic_server(fx: &Fixture) -> aioquic::Server {
    aioquic::Server::start(&fx.path("cert.pem"), &fx.path("key.pem"), &fx.path("root"))
}

#[test]
fn aioquics_server_accepts_qssls_early_data_and_another_rejects_it() {
    let fx = fixture("zero-rtt-aioquic-server");
    let ctx = client_ctx(&fx.path("cert.pem"), ALPN_HQ).unwrap();
    let first = aioquic_server(&fx);
    let (status, session) = qssl_get(&fx, &ctx, first.addr, None);
    assert_eq!(status, EarlyDataStatus::NotSent);
    let session = session.expect("a session");
    assert_eq!(session.max_early_data(), u32::MAX);
    // Another server (another process) never issued the session: it rejects the early
    // data, and gives a session of its own.
    let other = aioquic_server(&fx);
    let (status, session) = qssl_get(&fx, &ctx, other.addr, Some(&session));
    assert_eq!(status, EarlyDataStatus::Rejected);
    let (status, _) = qssl_get(&fx, &ctx, other.addr, session.as_ref());
    assert_eq!(status, EarlyDataStatus::Accepted);
}

/// Runs aioquic's client with `flags` for [`NAME`] (`times` over) against `server`; checks
/// it succeeded and returns what it printed.
fn aioquic_get(fx: &Fixture, server: &QsslServer, times: usize, flags: &[&str]) -> String {
    let files = vec![NAME; times];
    let mut cmd: Command = aioquic::client(
        server.addr.port(),
        &fx.path("cert.pem"),
        &fx.path("out"),
        30,
        &files,
    );
    let out = cmd.args(flags).output().expect("python3 with aioquic");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "aioquic client: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_small_received(fx);
    text
}

/// A qssl server accepting early data, without Retry (aioquic's client does not send its
/// early data again after one).
fn qssl_server(fx: &Fixture) -> QsslServer {
    QsslServer::start_with(fx, qssl::quic::LISTENER_FLAG_NO_VALIDATE, |ctx| {
        ctx.set_max_early_data(u32::MAX).unwrap()
    })
}

#[test]
fn qssls_server_accepts_aioquics_early_data_and_another_rejects_it() {
    let fx = fixture("zero-rtt-qssl-server");
    let server = qssl_server(&fx);
    let text = aioquic_get(&fx, &server, 2, &["--zero-rtt"]);
    let early: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("early data"))
        .collect();
    assert_eq!(
        early,
        ["early data accepted: False", "early data accepted: True"],
        "{text}"
    );
    // A ticket from this server, presented to another (its own session cache).
    let ticket = fx.path("ticket");
    let ticket_out = ticket.to_str().unwrap();
    aioquic_get(&fx, &server, 1, &["--ticket-out", ticket_out]);
    let other = qssl_server(&fx);
    let text = aioquic_get(&fx, &other, 1, &["--ticket-in", ticket_out]);
    assert!(text.contains("resumed: False"), "{text}");
    assert!(text.contains("early data accepted: False"), "{text}");
}
