//! hq-interop over real UDP on loopback between qssl and quinn, both ways, each client
//! moving to a new socket in the middle of its download; a qssl client returning to a quinn
//! server that validates addresses with the token quinn gave it; and a quinn client asked by
//! a qssl server to acknowledge less often (the ACK frequency extension).

mod fixture;

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use fixture::{Fixture, QsslServer, SIZE, qssl_fetch};
use qssl::quic::Ssl;
use qssl_bio::{DatagramBio, UdpBio};
use qssl_interop::tls::{ALPN_HQ, client_ctx};
use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A quinn hq-interop server answering `GET /<name>` from the fixture's root; with
/// `validate`, a client whose address is not validated (by a NEW_TOKEN token) is sent a
/// Retry first.
async fn quinn_server(fx_root: std::path::PathBuf, endpoint: quinn::Endpoint, validate: bool) {
    while let Some(incoming) = endpoint.accept().await {
        if validate && !incoming.remote_address_validated() {
            incoming.retry().unwrap();
            continue;
        }
        let root = fx_root.clone();
        tokio::spawn(async move {
            let Ok(conn) = incoming.await else { return };
            while let Ok((mut send, mut recv)) = conn.accept_bi().await {
                let root = root.clone();
                tokio::spawn(async move {
                    let request = recv.read_to_end(4096).await.unwrap();
                    let line = String::from_utf8(request).unwrap();
                    let name = line.trim().strip_prefix("GET /").unwrap().to_string();
                    let data = tokio::fs::read(root.join(name)).await.unwrap();
                    send.write_all(&data).await.unwrap();
                    send.finish().unwrap();
                    let _ = send.stopped().await;
                });
            }
        });
    }
}

/// A quinn hq-interop server for `fx` on loopback, in a thread of its own (see
/// [`quinn_server`] for `validate`).
fn start_quinn_server(fx: &Fixture, validate: bool) -> SocketAddr {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fx.path("cert.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(fx.path("key.pem")).unwrap();
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    tls.alpn_protocols = vec![ALPN_HQ.to_vec()];
    let config =
        quinn::ServerConfig::with_crypto(Arc::new(QuicServerConfig::try_from(tls).unwrap()));
    let rt = runtime();
    let endpoint = rt
        .block_on(async { quinn::Endpoint::server(config, "127.0.0.1:0".parse().unwrap()) })
        .unwrap();
    let addr: SocketAddr = endpoint.local_addr().unwrap();
    let root = fx.path("root");
    std::thread::spawn(move || rt.block_on(quinn_server(root, endpoint, validate)));
    addr
}

#[test]
fn qssl_client_against_quinn_server() {
    let fx = Fixture::new("quinn-server");
    let addr = start_quinn_server(&fx, false);
    qssl_fetch(&fx, addr);
}

/// A qssl client object connected from a new loopback socket to `server`.
fn connected_bio(server: SocketAddr) -> Arc<dyn DatagramBio> {
    let bio = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    bio.connect(server).unwrap();
    Arc::new(bio)
}

/// Fetches `GET /small` over a new connection of `ctx` to `server`; whether it took a Retry
/// (the server's transport parameters then name the Retry's connection ID).
fn fetch_small(ctx: &qssl::SslCtx, server: SocketAddr) -> bool {
    let client = Ssl::new(ctx).unwrap();
    let bio = connected_bio(server);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    let stream = client.new_stream(0).unwrap();
    stream
        .write_ex2(b"GET /small\r\n", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let mut data = Vec::new();
    (&stream).read_to_end(&mut data).unwrap();
    assert_eq!(data, b"small file");
    let info = client.connection_info().unwrap();
    // quinn sends its tokens once the path is validated: wait for them before closing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while ctx.token_store().is_empty() && std::time::Instant::now() < deadline {
        client.handle_events();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = client.shutdown_ex(0, 0, b"");
    info.peer_params
        .unwrap()
        .retry_source_connection_id
        .is_some()
}

#[test]
fn a_qssl_client_returns_to_a_validating_quinn_server_with_its_token() {
    let fx = Fixture::new("quinn-server-token");
    std::fs::write(fx.path("root/small"), b"small file").unwrap();
    let addr = start_quinn_server(&fx, true);
    let ctx = client_ctx(&fx.path("cert.pem"), ALPN_HQ).unwrap();
    assert!(fetch_small(&ctx, addr), "a new client takes a Retry");
    assert!(!ctx.token_store().is_empty(), "quinn's tokens are kept");
    assert!(!fetch_small(&ctx, addr), "the token validated the address");
}

#[test]
fn a_qssl_client_migrates_mid_download_against_quinn_server() {
    let fx = Fixture::new("quinn-server-migration");
    let addr = start_quinn_server(&fx, false);
    let ctx = client_ctx(&fx.path("cert.pem"), ALPN_HQ).unwrap();
    let client = Ssl::new(&ctx).unwrap();
    let bio = connected_bio(addr);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    let stream = client.new_stream(0).unwrap();
    stream
        .write_ex2(b"GET /file.bin\r\n", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let mut data = vec![0u8; SIZE / 4];
    (&stream).read_exact(&mut data).unwrap();
    // A new socket: quinn's server sees the client move and validates the new path.
    let bio = connected_bio(addr);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    (&stream).read_to_end(&mut data).unwrap();
    assert_eq!(client.connection_info().unwrap().stats.migrations, 1);
    std::fs::write(fx.path("out/file.bin"), data).unwrap();
    fx.assert_received();
}

/// A quinn hq-interop client configuration trusting the fixture's certificate.
fn quinn_client_config(fx: &Fixture) -> quinn::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fx.path("cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN_HQ.to_vec()];
    quinn::ClientConfig::new(Arc::new(QuicClientConfig::try_from(tls).unwrap()))
}

/// A quinn client endpoint with `config`, connected to `server`, that has asked it for
/// `/file.bin`: the endpoint, the connection and the response's stream.
async fn quinn_get_file(
    config: quinn::ClientConfig,
    server: SocketAddr,
) -> (quinn::Endpoint, quinn::Connection, quinn::RecvStream) {
    let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
    endpoint.set_default_client_config(config);
    let conn = endpoint
        .connect(server, "localhost")
        .unwrap()
        .await
        .expect("quinn connects to qssl");
    let (mut send, recv) = conn.open_bi().await.unwrap();
    send.write_all(b"GET /file.bin\r\n").await.unwrap();
    send.finish().unwrap();
    (endpoint, conn, recv)
}

#[test]
fn quinn_client_moving_mid_download_against_qssl_server() {
    let fx = Fixture::new("quinn-client");
    let server = QsslServer::start(&fx);
    let config = quinn_client_config(&fx);
    let data = runtime().block_on(async {
        let (endpoint, conn, mut recv) = quinn_get_file(config, server.addr).await;
        let mut data = vec![0u8; SIZE / 4];
        recv.read_exact(&mut data).await.unwrap();
        // quinn moves to a new socket (as after a NAT rebinding): the qssl server follows.
        endpoint
            .rebind(std::net::UdpSocket::bind("127.0.0.1:0").unwrap())
            .unwrap();
        let rest = recv
            .read_to_end(SIZE + 1)
            .await
            .expect("quinn reads the response");
        data.extend_from_slice(&rest);
        conn.close(0u32.into(), b"done");
        endpoint.wait_idle().await;
        data
    });
    std::fs::write(fx.path("out/file.bin"), data).unwrap();
    fx.assert_received();
}

#[test]
fn a_quinn_client_acknowledges_a_qssl_server_as_often_as_asked() {
    let fx = Fixture::new("quinn-ack-frequency");
    let server = QsslServer::start(&fx);
    let config = quinn_client_config(&fx);
    let (data, stats) = runtime().block_on(async {
        let (endpoint, conn, mut recv) = quinn_get_file(config, server.addr).await;
        let data = recv.read_to_end(SIZE + 1).await.expect("quinn reads");
        let stats = conn.stats();
        conn.close(0u32.into(), b"done");
        endpoint.wait_idle().await;
        (data, stats)
    });
    std::fs::write(fx.path("out/file.bin"), data).unwrap();
    fx.assert_received();
    // quinn advertises min_ack_delay; the qssl server's window grows past what RFC 9000's
    // every-second-packet rule suits, so it asks for fewer acknowledgments, and quinn obeys.
    assert!(stats.frame_rx.ack_frequency >= 1, "{stats:?}");
    let (acks, received) = (stats.frame_tx.acks, stats.udp_rx.datagrams);
    eprintln!("quinn sent {acks} ACKs for {received} datagrams");
    assert!(acks * 4 < received, "{acks} ACKs for {received} datagrams");
}
