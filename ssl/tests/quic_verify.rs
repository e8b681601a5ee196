//! Per-connection certificate checks: SNI and the expected host name are separate
//! (`SSL_set_tlsext_host_name` vs `SSL_set1_host`), the verify result is recorded per
//! connection, and the peer's certificate is available.

use std::sync::Arc;

use qssl::ctx::{SSL_VERIFY_NONE, SSL_VERIFY_PEER, verify_error_string, x509_v};
use qssl::quic::Ssl;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// A listener and a client (not started) over a datagram pair; `setup` configures the
/// client's names.
fn setup(id: &Identity, client_ctx: &qssl::SslCtx, names: impl FnOnce(&Ssl)) -> (Ssl, Ssl) {
    let (client, listener) = objects_over_pair(
        client_ctx,
        &server_ctx(id),
        qssl::quic::LISTENER_FLAG_NO_VALIDATE,
    );
    names(&client);
    (client, listener)
}

/// Runs both handshakes; returns the client's result and the server connection.
fn handshake(client: &Ssl, listener: &Ssl) -> (qssl::IoResult<()>, Option<Ssl>) {
    let mut server: Option<Ssl> = None;
    let mut outcome = None;
    run_until(&[client, listener], || {
        if server.is_none() {
            server = listener.accept_connection(0).unwrap();
        }
        if let Some(s) = &server {
            let _ = s.connect();
        }
        match client.connect() {
            Err(e) if e.is_retry() => false,
            r => {
                outcome = Some(r);
                true
            }
        }
    });
    (outcome.unwrap(), server)
}

#[test]
fn sni_and_expected_host_are_separate() {
    let id = Identity::localhost();
    let ctx = client_ctx(&id.cert);
    // SNI names something else; the certificate is checked against set1_host.
    let (client, listener) = setup(&id, &ctx, |c| {
        c.set_tlsext_host_name("other.test").unwrap();
        c.set1_host("localhost").unwrap();
    });
    let (result, server) = handshake(&client, &listener);
    result.unwrap();
    let server = server.unwrap();
    run_until(&[&client, &server], || server.connect().is_ok());
    assert_eq!(
        server.connection_info().unwrap().sni.as_deref(),
        Some("other.test")
    );
    assert_eq!(client.verify_result(), x509_v::OK);
    assert!(client.peer_certificate().is_some());
    assert_eq!(client.peer_cert_chain().unwrap().len(), 1);

    // The expected host does not match the certificate: refused, with the X509 reason.
    let (client, listener) = setup(&id, &ctx, |c| {
        c.set_tlsext_host_name("localhost").unwrap();
        c.set1_host("example.com").unwrap();
    });
    let err = handshake(&client, &listener).0.unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(client.verify_result(), x509_v::ERR_HOSTNAME_MISMATCH);
    assert_eq!(
        verify_error_string(client.verify_result()),
        "hostname mismatch"
    );

    // Without set1_host only the chain is verified, whatever the SNI.
    let (client, listener) = setup(&id, &ctx, |c| {
        c.set_tlsext_host_name("anything.example").unwrap();
    });
    handshake(&client, &listener).0.unwrap();
    assert_eq!(client.verify_result(), x509_v::OK);
    qssl::error::clear_error();
}

#[test]
fn a_server_keeps_the_client_certificate_and_alpn_after_its_handshake() {
    let server_id = Identity::localhost();
    let client_id = Identity::localhost();
    let mut sctx = server_ctx(&server_id);
    sctx.load_verify_locations(Some(&client_id.cert), None)
        .unwrap();
    sctx.set_verify(SSL_VERIFY_PEER, None);
    let mut cctx = client_ctx(&server_id.cert);
    cctx.use_certificate_chain_file(&client_id.cert).unwrap();
    cctx.use_private_key_file(&client_id.key, qssl::ctx::FileType::Pem)
        .unwrap();
    let (client, listener) = objects_over_pair(&cctx, &sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE);
    client.set_tlsext_host_name("localhost").unwrap();
    let (result, server) = handshake(&client, &listener);
    result.unwrap();
    let server = server.unwrap();
    run_until(&[&client, &server], || server.connect().is_ok());
    // Well after the handshake (data both ways), the server still reports it.
    client.write(b"ping").unwrap();
    let mut buf = [0u8; 4];
    run_until(&[&client, &server], || server.read(&mut buf).is_ok());
    let presented = server.peer_certificate().expect("the client's certificate");
    assert_eq!(presented.as_ref(), client_id.cert_der.as_ref());
    assert_eq!(server.peer_cert_chain().unwrap().len(), 1);
    assert_eq!(server.alpn_selected().as_deref(), Some(&b"hq-interop"[..]));
    qssl::error::clear_error();
}

#[test]
fn untrusted_certificate_result_per_verify_mode() {
    let id = Identity::localhost();
    let stranger = Identity::localhost();
    // Trusting another certificate only: the server's self-signed one is unknown.
    let mut ctx = client_ctx(&stranger.cert);
    ctx.set_verify(SSL_VERIFY_NONE, None);
    let (client, listener) = setup(&id, &ctx, |c| c.set_host_name("localhost").unwrap());
    handshake(&client, &listener).0.unwrap();
    assert_eq!(
        client.verify_result(),
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    );
    assert_eq!(
        verify_error_string(client.verify_result()),
        "self-signed certificate"
    );

    ctx.set_verify(SSL_VERIFY_PEER, None);
    let (client, listener) = setup(&id, &ctx, |c| c.set_host_name("localhost").unwrap());
    let err = handshake(&client, &listener).0.unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    assert_eq!(
        client.verify_result(),
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    );
    // A new connection of the same context starts with a clean result.
    let other = Ssl::new(&ctx).unwrap();
    assert_eq!(other.verify_result(), x509_v::OK);
    assert!(other.set_host_name("not a host name!").is_err());
    qssl::error::clear_error();
}

#[test]
fn a_connection_has_its_own_verify_settings() {
    let id = Identity::localhost();
    let stranger = Identity::localhost();
    let mut ctx = client_ctx(&stranger.cert);
    ctx.set_verify(SSL_VERIFY_NONE, None);
    // The object's SSL_VERIFY_PEER fails the handshake its context would let through, and
    // its callback sees the self-signed certificate.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let callback: qssl::ctx::VerifyCallback = Arc::new(move |ok, info| {
        record.lock().unwrap().push((ok, info.code()));
        ok
    });
    let (client, listener) = setup(&id, &ctx, |c| {
        c.set_verify(SSL_VERIFY_PEER, Some(callback)).unwrap();
        c.set_verify_depth(3).unwrap();
    });
    assert_eq!(client.verify_settings(), Some((SSL_VERIFY_PEER, 3)));
    assert_eq!(
        (ctx.verify_mode(), ctx.verify_depth()),
        (SSL_VERIFY_NONE, -1)
    );
    assert!(handshake(&client, &listener).0.is_err());
    assert_eq!(
        *seen.lock().unwrap(),
        [(false, x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT)]
    );
    // Once started, the settings are fixed; a listener has none of its own.
    assert!(client.set_verify(SSL_VERIFY_NONE, None).is_err());
    assert!(listener.set_verify(SSL_VERIFY_NONE, None).is_err());
    assert_eq!(listener.verify_settings(), None);
    qssl::error::clear_error();

    // A new connection starts from its context's settings.
    let (client, listener) = setup(&id, &ctx, |_| {});
    assert_eq!(client.verify_settings(), Some((SSL_VERIFY_NONE, -1)));
    handshake(&client, &listener).0.unwrap();
}

/// A listener whose context chooses ALPN with a callback, and a client offering `offer`.
fn alpn_setup(id: &Identity, offer: &[u8], callback: qssl::ctx::AlpnSelectCallback) -> (Ssl, Ssl) {
    let mut sctx = server_ctx(id);
    sctx.set_alpn_select_cb(Some(callback));
    let (client, listener) = objects_over_pair(
        &client_ctx(&id.cert),
        &sctx,
        qssl::quic::LISTENER_FLAG_NO_VALIDATE,
    );
    client.set_host_name("localhost").unwrap();
    client.set_alpn_protos(offer).unwrap();
    (client, listener)
}

#[test]
fn alpn_select_callback_chooses_per_client() {
    use qssl::ctx::{AlpnSelection, OPENSSL_NPN_NEGOTIATED, select_next_proto};
    let id = Identity::localhost();
    let ours: &[u8] = b"\x02h3\x0ahq-interop";
    let callback: qssl::ctx::AlpnSelectCallback = Arc::new(move |offered: &[&[u8]]| {
        let mut wire = Vec::new();
        for p in offered {
            wire.push(p.len() as u8);
            wire.extend_from_slice(p);
        }
        match select_next_proto(ours, &wire) {
            (OPENSSL_NPN_NEGOTIATED, Some(p)) => AlpnSelection::Selected(p.to_vec()),
            _ => AlpnSelection::Fatal,
        }
    });
    let (client, listener) = alpn_setup(&id, b"\x03foo\x0ahq-interop", callback.clone());
    let (result, server) = handshake(&client, &listener);
    result.unwrap();
    assert_eq!(client.alpn_selected().as_deref(), Some(&b"hq-interop"[..]));
    let server = server.unwrap();
    run_until(&[&client, &server], || server.connect().is_ok());
    assert_eq!(server.alpn_selected().as_deref(), Some(&b"hq-interop"[..]));

    // No overlap: the client is refused with no_application_protocol.
    let (client, listener) = alpn_setup(&id, b"\x03foo", callback);
    let err = handshake(&client, &listener).0.unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::SSL_AD_REASON_OFFSET + 120
    );
    let info = client.conn_close_info().unwrap().unwrap();
    assert!(info.transport && !info.local);
    assert_eq!(info.error_code, 0x178);

    // A panicking callback refuses the client with internal_error; nothing unwinds.
    let (client, listener) = alpn_setup(&id, b"\x03foo", Arc::new(|_: &[&[u8]]| panic!("boom")));
    handshake(&client, &listener).0.unwrap_err();
    assert_eq!(client.conn_close_info().unwrap().unwrap().error_code, 0x150);
    qssl::error::clear_error();
}

#[test]
fn select_next_proto_follows_openssl() {
    use qssl::ctx::{OPENSSL_NPN_NEGOTIATED, OPENSSL_NPN_NO_OVERLAP, select_next_proto};
    let server = b"\x02h3\x0ahq-interop";
    assert_eq!(
        select_next_proto(server, b"\x0ahq-interop\x02h3"),
        (OPENSSL_NPN_NEGOTIATED, Some(&b"h3"[..])),
        "server preference wins"
    );
    assert_eq!(
        select_next_proto(server, b"\x03foo\x03bar"),
        (OPENSSL_NPN_NO_OVERLAP, Some(&b"foo"[..]))
    );
    assert_eq!(
        select_next_proto(server, b""),
        (OPENSSL_NPN_NO_OVERLAP, None)
    );
    assert_eq!(
        select_next_proto(server, b"\x09h3"),
        (OPENSSL_NPN_NO_OVERLAP, None)
    );
    // Empty entries are skipped on either side, but a client list must start with a
    // protocol.
    assert_eq!(
        select_next_proto(b"\x00\x02h3", b"\x02h3"),
        (OPENSSL_NPN_NEGOTIATED, Some(&b"h3"[..]))
    );
    assert_eq!(
        select_next_proto(server, b"\x03foo\x00\x02h3"),
        (OPENSSL_NPN_NEGOTIATED, Some(&b"h3"[..]))
    );
    assert_eq!(
        select_next_proto(server, b"\x00\x02h3"),
        (OPENSSL_NPN_NO_OVERLAP, None)
    );
}
