//! TLS objects over an in-memory BIO pair (non-blocking): handshakes with both versions,
//! data both ways, close_notify, SSL_get_error codes, ALPN, verification and errors.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use qssl::ErrorCode;
use qssl::ctx::{TLS1_2_VERSION, TLS1_3_VERSION, x509_v};
use qssl::tls::{SharedStreamBio, Tls};
use qssl_bio::new_bio_pair;

const ALPN_H2: &[u8] = b"\x02h2";

/// A client and a server object joined by a BIO pair.
fn pair(client_ctx: &qssl::SslCtx, server_ctx: &qssl::SslCtx) -> (Tls, Tls) {
    let (a, b) = new_bio_pair(0, 0);
    let a: SharedStreamBio = Arc::new(Mutex::new(a));
    let b: SharedStreamBio = Arc::new(Mutex::new(b));
    let client = Tls::new(client_ctx).unwrap();
    client.set_bio(Some(a.clone()), Some(a));
    client.set_host_name("localhost").unwrap();
    let server = Tls::new(server_ctx).unwrap();
    server.set_bio(Some(b.clone()), Some(b));
    (client, server)
}

#[test]
fn handshake_data_and_close_both_versions() {
    let id = identity();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let mut cctx = tls_client_ctx(&id.cert, ALPN_H2);
        cctx.set_max_proto_version(version).unwrap();
        let sctx = tls_server_ctx(&id, ALPN_H2);
        let (client, server) = pair(&cctx, &sctx);
        // Before the handshake a read wants the network.
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        assert_eq!(client.version(), Some(version));
        assert_eq!(server.version(), Some(version));
        assert_eq!(client.alpn_selected().as_deref(), Some(&b"h2"[..]));
        assert!(client.cipher_name().is_some());
        assert_eq!(client.cipher_name(), server.cipher_name());
        assert_eq!(client.verify_result(), x509_v::OK);
        assert!(client.peer_certificate().is_some());
        assert_eq!(server.servername().as_deref(), Some("localhost"));

        assert_eq!(client.write(b"ping").unwrap(), 4);
        let mut buf = [0u8; 16];
        let n = server.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(
            server.read(&mut buf).unwrap_err().code(),
            ErrorCode::WantRead
        );
        assert_eq!(server.get_error(-1), ErrorCode::WantRead);
        server.write(b"pong").unwrap();
        let n = client.peek(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"pong");
        assert_eq!(client.pending(), 4);
        let n = client.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"pong");

        // Bidirectional shutdown: 0 after sending, ZERO_RETURN at the peer, then 1.
        assert!(!client.shutdown().unwrap());
        assert_eq!(client.shutdown_state(), (true, false));
        assert_eq!(
            server.read(&mut buf).unwrap_err().code(),
            ErrorCode::ZeroReturn
        );
        assert_eq!(server.get_error(0), ErrorCode::ZeroReturn);
        assert!(server.shutdown().unwrap());
        assert!(client.shutdown().unwrap());
        assert_eq!(client.shutdown_state(), (true, true));
        // Writing after shutdown is refused.
        assert_eq!(client.write(b"x").unwrap_err().code(), ErrorCode::Ssl);
        qssl::error::clear_error();
    }
}

#[test]
fn alpn_mismatch_and_untrusted_issuer_fail_with_the_right_errors() {
    let id = identity();
    let stranger = identity();
    // The server offers only h2, the client only http/1.1: no_application_protocol.
    let (client, server) = pair(
        &tls_client_ctx(&id.cert, b"\x08http/1.1"),
        &tls_server_ctx(&id, ALPN_H2),
    );
    let (c, s) = tls_handshake(&client, &server);
    let s = s.unwrap_err();
    assert_eq!(
        s.error().unwrap().reason(),
        qssl::error::ssl_r::NO_APPLICATION_PROTOCOL
    );
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::SSL_AD_REASON_OFFSET + 120
    );
    // An untrusted self-signed server certificate.
    let (client, server) = pair(
        &tls_client_ctx(&stranger.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    let (c, _) = tls_handshake(&client, &server);
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(
        client.verify_result(),
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    );
    // A wrong expected host name.
    let (client, server) = pair(
        &tls_client_ctx(&id.cert, ALPN_H2),
        &tls_server_ctx(&id, ALPN_H2),
    );
    client.set1_host("example.com").unwrap();
    let (c, _) = tls_handshake(&client, &server);
    assert_eq!(
        c.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(client.verify_result(), x509_v::ERR_HOSTNAME_MISMATCH);
    // Once failed, every call reports the failure again.
    assert_eq!(
        client.read(&mut [0u8; 4]).unwrap_err().code(),
        ErrorCode::Ssl
    );
    qssl::error::clear_error();
}
