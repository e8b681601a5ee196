//! A qssl HTTP/3 client fetching files from a qssl HTTP/3 server over UDP loopback.

mod common;

use std::time::Instant;

use common::{Fixture, QsslServer, qssl_fetch, qssl_fetch_all, run_with_deadline, runtime};

/// Every file at once over one connection, bytes compared.
#[test]
fn qssl_client_fetches_from_qssl_server() {
    let fx = Fixture::new();
    let rt = runtime();
    let server = QsslServer::start(&fx, &rt);
    let start = Instant::now();
    run_with_deadline(&rt, qssl_fetch_all(&fx, server.addr));
    eprintln!("qssl -> qssl: {:?}", start.elapsed());
    server.assert_no_errors();
}

/// Many concurrent requests for the same small file, and a second connection after the
/// first closed.
#[test]
fn many_concurrent_requests_and_two_connections() {
    let fx = Fixture::new();
    let rt = runtime();
    let server = QsslServer::start(&fx, &rt);
    let ctx = fx.client_ctx();
    let names = ["small.bin"; 40];
    for _ in 0..2 {
        let bodies = run_with_deadline(&rt, qssl_fetch(&ctx, server.addr, &names));
        assert_eq!(bodies.len(), names.len());
        for body in bodies {
            assert!(body == fx.served("small.bin"));
        }
    }
    server.assert_no_errors();
}

/// A client that does not trust the server's certificate gets an error from
/// `h3::client::new`, promptly, instead of waiting forever.
#[test]
fn untrusted_server_fails_the_client() {
    let fx = Fixture::new();
    let other = Fixture::new();
    let rt = runtime();
    let server = QsslServer::start(&fx, &rt);
    let ctx = other.client_ctx();
    let result = run_with_deadline(&rt, async {
        let socket = qssl_bio::UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.connect(server.addr).unwrap();
        let bio: std::sync::Arc<dyn qssl_bio::DatagramBio> = std::sync::Arc::new(socket);
        let conn = qssl::quic::Ssl::new(&ctx).unwrap();
        conn.set_bio(Some(bio.clone()), Some(bio)).unwrap();
        conn.set_host_name("localhost").unwrap();
        h3::client::new(qssl_h3::Connection::new(conn).unwrap())
            .await
            .map(|_| ())
    });
    let error = result.expect_err("the handshake must fail");
    eprintln!("untrusted server: {error}");
}
