//! DATAGRAM frames (RFC 9221) over real UDP on loopback against aioquic (installed from PyPI
//! by the test command), its echo peer `interop/peers/aioquic_datagram.py` as server and as
//! client, with qssl's objects on the other side.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::ErrorCode;
use qssl::quic::Ssl;
use qssl_bio::{DatagramBio, UdpBio};
use qssl_tests::fixtures::{client_ctx, server_ctx, udp_bio};
use qssl_tests::identity::Identity;

/// The peer's ALPN, in wire format.
const ALPN: &[u8] = b"\x0aqssl-dgram";
/// The largest DATAGRAM frame both sides offer.
const MAX_FRAME: u64 = 65535;
const COUNT: u32 = 200;

/// The peer's script.
fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/aioquic_datagram.py")
}

/// Datagram `i` as the peer makes them: `i` in 4 bytes, then `i % 1000` bytes of `i % 256`.
fn datagram(i: u32) -> Vec<u8> {
    let mut d = i.to_be_bytes().to_vec();
    d.resize(4 + (i % 1000) as usize, i as u8);
    d
}

/// The aioquic echo server, killed when dropped.
struct EchoServer {
    child: Child,
    addr: SocketAddr,
}

impl EchoServer {
    fn start(id: &Identity) -> Self {
        let mut child = Command::new("python3")
            .arg(script())
            .args(["--port", "0", "server", "--cert"])
            .arg(&id.cert)
            .arg("--key")
            .arg(&id.key)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aioquic (installed by scripts/test.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected aioquic output {line:?}"));
        EchoServer { child, addr }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `COUNT` datagrams from a non-blocking `ssl` and collects what comes back until
/// every one did or `limit` passes.
fn send_and_collect(ssl: &Ssl, limit: Duration) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + limit;
    let (mut next, mut echoes) = (0u32, Vec::new());
    let mut buf = vec![0u8; 2048];
    while echoes.len() < COUNT as usize && Instant::now() < deadline {
        while next < COUNT {
            match ssl.send_datagram(&datagram(next)) {
                Ok(()) => next += 1,
                Err(e) if e.is_retry() => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        match ssl.recv_datagram(&mut buf) {
            Ok(n) => echoes.push(buf[..n].to_vec()),
            Err(e) if e.code() == ErrorCode::WantRead => thread::sleep(Duration::from_millis(1)),
            Err(e) => panic!("receive: {e}"),
        }
    }
    echoes
}

#[test]
fn qssl_client_datagrams_echoed_by_aioquic() {
    let id = Identity::localhost();
    let peer = EchoServer::start(&id);
    let mut ctx = client_ctx(&id.cert);
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx.connection_config_mut().max_datagram_frame_size = Some(MAX_FRAME);
    let client = Ssl::new(&ctx).unwrap();
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    bio.connect(peer.addr).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(bio);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.set_blocking_mode(false).unwrap();
    let echoes = send_and_collect(&client, Duration::from_secs(20));
    // Loopback loses nothing, but the peer's queues may: nearly all must come back, each as
    // it was sent.
    assert!(
        echoes.len() >= COUNT as usize * 9 / 10,
        "{} echoes",
        echoes.len()
    );
    for e in &echoes {
        let i = u32::from_be_bytes(e[..4].try_into().unwrap());
        assert_eq!(*e, datagram(i));
    }
    let stats = client.datagram_stats();
    assert_eq!(stats.sent, u64::from(COUNT));
    assert_eq!(stats.received, echoes.len() as u64);
    let _ = client.shutdown_ex(0, 0, b"");
}

#[test]
fn aioquic_client_datagrams_echoed_by_qssl() {
    let id = Identity::localhost();
    let mut ctx = server_ctx(&id);
    ctx.set_alpn_protos(ALPN).unwrap();
    ctx.connection_config_mut().max_datagram_frame_size = Some(MAX_FRAME);
    let (bio, addr) = udp_bio();
    let listener = Ssl::new_listener(&ctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let mut buf = vec![0u8; 65536];
        let mut echoed = 0u64;
        // Blocking: each read waits for the next datagram, until the client closes.
        while let Ok(n) = conn.recv_datagram(&mut buf) {
            conn.send_datagram(&buf[..n]).unwrap();
            echoed += 1;
        }
        (echoed, conn.datagram_stats())
    });
    let out = Command::new("python3")
        .arg(script())
        .args(["--port", &addr.port().to_string(), "client", "--ca"])
        .arg(&id.cert)
        .args(["--count", &COUNT.to_string(), "--min", &COUNT.to_string()])
        .output()
        .expect("python3 with aioquic");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "aioquic client: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("echoed {COUNT} of {COUNT}")),
        "{text}"
    );
    assert!(text.contains("bad 0"), "{text}");
    let (echoed, stats) = server.join().unwrap();
    assert_eq!(echoed, u64::from(COUNT));
    assert_eq!(stats.received, u64::from(COUNT));
}
