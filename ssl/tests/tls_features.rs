//! TLS features over in-memory BIO pairs: client certificates under each verify mode,
//! session resumption (hit and miss), the SNI and ALPN callbacks, cipher and version
//! settings.

use std::sync::{Arc, Mutex};

use qssl::ctx::{
    AlpnSelection, FileType, Method, SSL_OP_NO_TICKET, SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    SSL_VERIFY_PEER, SniAction, SslCtx, TLS1_2_VERSION, TLS1_3_VERSION,
};
use qssl::tls::{SslSession, Tls};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

const ALPN: &[u8] = b"\x02h2";

fn pair(client_ctx: &SslCtx, server_ctx: &SslCtx) -> (Tls, Tls) {
    tls_bio_pair(client_ctx, server_ctx, 0)
}

/// Moves data both ways until each side has read the other's byte, so that tickets sent
/// after the handshake have arrived too.
fn exchange(client: &Tls, server: &Tls) {
    let mut b = [0u8; 1];
    client.write(b"c").unwrap();
    assert_eq!(server.read(&mut b).unwrap(), 1);
    server.write(b"s").unwrap();
    assert_eq!(client.read(&mut b).unwrap(), 1);
}

#[test]
fn client_certificates_per_verify_mode() {
    let server_id = Identity::localhost();
    let client_id = Identity::localhost();
    let client_with_cert = |roots: &std::path::Path| {
        let mut ctx = tls_client_ctx(roots, ALPN);
        ctx.use_certificate_chain_file(&client_id.cert).unwrap();
        ctx.use_private_key_file(&client_id.key, FileType::Pem)
            .unwrap();
        ctx
    };
    // PEER: the server asks, the client presents a certificate the server trusts.
    let mut sctx = tls_server_ctx(&server_id, ALPN);
    sctx.load_verify_locations(Some(&client_id.cert), None)
        .unwrap();
    sctx.set_verify(SSL_VERIFY_PEER, None);
    let (client, server) = pair(&client_with_cert(&server_id.cert), &sctx);
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    assert!(server.peer_certificate().is_some());
    // PEER without FAIL_IF_NO_PEER_CERT: a client without a certificate is let in.
    let (client, server) = pair(&tls_client_ctx(&server_id.cert, ALPN), &sctx);
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    assert!(server.peer_certificate().is_none());
    // FAIL_IF_NO_PEER_CERT: refused.
    sctx.set_verify(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, None);
    let (client, server) = pair(&tls_client_ctx(&server_id.cert, ALPN), &sctx);
    let (_, s) = tls_handshake(&client, &server);
    let err = s.unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::PEER_DID_NOT_RETURN_A_CERTIFICATE
    );
    // A client certificate the server does not trust.
    let mut sctx = tls_server_ctx(&server_id, ALPN);
    sctx.load_verify_locations(Some(&server_id.cert), None)
        .unwrap();
    sctx.set_verify(SSL_VERIFY_PEER, None);
    let (client, server) = pair(&client_with_cert(&server_id.cert), &sctx);
    let (_, s) = tls_handshake(&client, &server);
    assert_eq!(
        s.unwrap_err().error().unwrap().reason(),
        qssl::error::ssl_r::CERTIFICATE_VERIFY_FAILED
    );
    qssl::error::clear_error();
}

#[test]
fn resumption_hits_and_misses() {
    let id = Identity::localhost();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let mut cctx = tls_client_ctx(&id.cert, ALPN);
        cctx.set_max_proto_version(version).unwrap();
        let new_sessions = Arc::new(Mutex::new(Vec::<SslSession>::new()));
        {
            let seen = new_sessions.clone();
            cctx.set_new_session_callback(Some(Arc::new(move |s| seen.lock().unwrap().push(s))));
        }
        let sctx = tls_server_ctx(&id, ALPN);
        // As in OpenSSL, the callback is told only with client caching on...
        let (client, server) = pair(&cctx, &sctx);
        tls_handshake(&client, &server).0.unwrap();
        exchange(&client, &server);
        assert!(new_sessions.lock().unwrap().is_empty(), "{version:#x}");
        // ...here with the application keeping the sessions itself.
        cctx.set_session_cache_mode(
            qssl::ctx::SSL_SESS_CACHE_CLIENT | qssl::ctx::SSL_SESS_CACHE_NO_INTERNAL_STORE,
        );
        // First connection: full handshake; its session arrives with the server's tickets.
        let (client, server) = pair(&cctx, &sctx);
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        exchange(&client, &server);
        assert!(!client.session_reused());
        let session = client.session().unwrap();
        assert!(session.is_resumable(), "{version:#x}");
        assert!(!new_sessions.lock().unwrap().is_empty());
        // Second connection offers it: resumed.
        let (client, server) = pair(&cctx, &sctx);
        client.set_session(Some(session.clone())).unwrap();
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        exchange(&client, &server);
        assert!(client.session_reused(), "resumed ({version:#x})");
        assert!(server.session_reused());
        // Offered to a server of another context (other ticket keys, other cache): a miss,
        // and a full handshake that still succeeds.
        let other = tls_server_ctx(&id, ALPN);
        let (client, server) = pair(&cctx, &other);
        client.set_session(Some(client.session().unwrap())).unwrap();
        let fresh = {
            let (c0, s0) = pair(&cctx, &sctx);
            tls_handshake(&c0, &s0).0.unwrap();
            exchange(&c0, &s0);
            c0.session().unwrap()
        };
        client.set_session(Some(fresh)).unwrap();
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        assert!(!client.session_reused(), "miss ({version:#x})");
        assert!(!server.session_reused());
    }
}

#[test]
fn no_ticket_option_and_sni_callback() {
    let id = Identity::localhost();
    let other_id = Identity::localhost();
    let mut other = SslCtx::new(Method::TlsServer);
    other.use_certificate_chain_file(&other_id.cert).unwrap();
    other
        .use_private_key_file(&other_id.key, FileType::Pem)
        .unwrap();
    let other_key = other.certified_key().unwrap();
    let mut sctx = tls_server_ctx(&id, ALPN);
    let names = Arc::new(Mutex::new(Vec::new()));
    {
        let names = names.clone();
        sctx.set_servername_callback(Some(Arc::new(move |name: Option<&str>| {
            names.lock().unwrap().push(name.map(str::to_owned));
            match name {
                Some("other.test") => SniAction::UseIdentity(other_key.clone()),
                Some("refused.test") => SniAction::Refuse,
                _ => SniAction::Continue,
            }
        })));
    }
    // SNI "other.test" gets the other certificate (which the client trusts and checks).
    let (client, server) = pair(&tls_client_ctx(&other_id.cert, ALPN), &sctx);
    client.set_host_name("localhost").unwrap();
    client.set_tlsext_host_name("other.test").unwrap();
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    assert_eq!(server.servername().as_deref(), Some("other.test"));
    // Refused names fail the handshake.
    let (client, server) = pair(&tls_client_ctx(&id.cert, ALPN), &sctx);
    client.set_tlsext_host_name("refused.test").unwrap();
    let (c, s) = tls_handshake(&client, &server);
    assert!(c.is_err() && s.is_err());
    assert_eq!(
        names.lock().unwrap().as_slice(),
        [
            Some("other.test".to_owned()),
            Some("refused.test".to_owned())
        ]
    );
    // SSL_OP_NO_TICKET: as in OpenSSL, TLS 1.3 then uses stateful tickets (the server's
    // session cache), which still resume...
    sctx.set_options(SSL_OP_NO_TICKET);
    sctx.set_servername_callback(None);
    let cctx = tls_client_ctx(&id.cert, ALPN);
    let (client, server) = pair(&cctx, &sctx);
    tls_handshake(&client, &server).0.unwrap();
    exchange(&client, &server);
    assert_eq!(client.version(), Some(TLS1_3_VERSION));
    let session = client.session().unwrap();
    assert!(session.is_resumable());
    let (client, server) = pair(&cctx, &sctx);
    client.set_session(Some(session)).unwrap();
    tls_handshake(&client, &server).0.unwrap();
    assert!(client.session_reused());
    // ...and with the server cache off too, nothing is issued.
    sctx.set_session_cache_mode(qssl::ctx::SSL_SESS_CACHE_OFF);
    let (client, server) = pair(&tls_client_ctx(&id.cert, ALPN), &sctx);
    tls_handshake(&client, &server).0.unwrap();
    exchange(&client, &server);
    assert!(!client.session().unwrap().is_resumable());
    qssl::error::clear_error();
}

#[test]
fn alpn_select_callback_and_cipher_settings() {
    let id = Identity::localhost();
    let mut sctx = tls_server_ctx(&id, b"");
    sctx.set_alpn_select_cb(Some(Arc::new(|offered: &[&[u8]]| {
        match offered.iter().find(|p| p.starts_with(b"x-")) {
            Some(p) => AlpnSelection::Selected(p.to_vec()),
            None => AlpnSelection::NoAck,
        }
    })));
    let (client, server) = pair(&tls_client_ctx(&id.cert, b"\x02h2\x05x-abc"), &sctx);
    tls_handshake(&client, &server).0.unwrap();
    assert_eq!(client.alpn_selected().as_deref(), Some(&b"x-abc"[..]));
    // NOACK over TLS: the connection goes on without ALPN.
    let (client, server) = pair(&tls_client_ctx(&id.cert, b"\x02h2"), &sctx);
    tls_handshake(&client, &server).0.unwrap();
    assert_eq!(client.alpn_selected(), None);

    // TLS 1.3 suites by name; TLS 1.2 by cipher string.
    let mut cctx = tls_client_ctx(&id.cert, ALPN);
    cctx.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")
        .unwrap();
    let (client, server) = pair(&cctx, &tls_server_ctx(&id, ALPN));
    tls_handshake(&client, &server).0.unwrap();
    assert_eq!(client.cipher_name(), Some("TLS_CHACHA20_POLY1305_SHA256"));
    let mut cctx = tls_client_ctx(&id.cert, ALPN);
    cctx.set_max_proto_version(TLS1_2_VERSION).unwrap();
    cctx.set_cipher_list("ECDHE+AES256:!CHACHA20").unwrap();
    let (client, server) = pair(&cctx, &tls_server_ctx(&id, ALPN));
    tls_handshake(&client, &server).0.unwrap();
    assert_eq!(client.cipher_name(), Some("ECDHE-ECDSA-AES256-GCM-SHA384"));
    assert_eq!(client.version_string(), "TLSv1.2");
    // Nothing selected: refused at once with NO_CIPHER_MATCH.
    let err = cctx.set_cipher_list("RC4:!ALL").unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::NO_CIPHER_MATCH);
    let err = cctx.set_ciphersuites("TLS_FOO").unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::NO_CIPHER_MATCH);
    // Version bounds that exclude everything: the handshake fails with NO_PROTOCOLS_AVAILABLE.
    let mut none = tls_client_ctx(&id.cert, ALPN);
    none.set_max_proto_version(0x0302).unwrap();
    let err = Tls::new(&none).unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::NO_PROTOCOLS_AVAILABLE);
    assert!(none.set_min_proto_version(0x7777).is_err());
    qssl::error::clear_error();
}

#[test]
fn keylog_callback_sees_each_side_secrets() {
    let id = Identity::localhost();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut cctx = tls_client_ctx(&id.cert, ALPN);
        cctx.set_max_proto_version(version).unwrap();
        {
            let lines = lines.clone();
            cctx.set_keylog_callback(Some(Arc::new(move |l: &str| {
                lines.lock().unwrap().push(l.to_owned())
            })));
        }
        let (client, server) = pair(&cctx, &tls_server_ctx(&id, ALPN));
        tls_handshake(&client, &server).0.unwrap();
        let lines = lines.lock().unwrap();
        let labels: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').next()).collect();
        if version == TLS1_3_VERSION {
            for label in [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
            ] {
                assert!(labels.contains(&label), "{label} in {labels:?}");
            }
        } else {
            assert_eq!(labels, ["CLIENT_RANDOM"]);
        }
        // Each line: label, 32-byte client random and a secret, in hex.
        for line in lines.iter() {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert_eq!(parts[1].len(), 64);
            assert!(parts[2].len() >= 64 && parts[2].bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}

#[test]
fn session_timeout_and_id_context() {
    let id = Identity::localhost();
    let mut cctx = tls_client_ctx(&id.cert, ALPN);
    let mut sctx = tls_server_ctx(&id, ALPN);
    assert_eq!(cctx.session_timeout(), 7200);
    assert!(sctx.set_session_id_context(b"qssl test").is_ok());
    assert_eq!(sctx.session_id_context(), b"qssl test");
    let err = sctx
        .set_session_id_context(&[0u8; qssl::ctx::MAX_SID_CTX_LENGTH + 1])
        .unwrap_err();
    assert_eq!(
        err.reason(),
        qssl::error::ssl_r::SSL_SESSION_ID_CONTEXT_TOO_LONG
    );
    let (client, server) = pair(&cctx, &sctx);
    assert!(client.in_before() && server.in_before());
    tls_handshake(&client, &server).0.unwrap();
    assert!(!client.in_before() && !server.in_before());
    exchange(&client, &server);
    let session = client.session().unwrap();
    // With a zero timeout the session is already too old: not offered, a full handshake.
    assert_eq!(cctx.set_session_timeout(0), 7200);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (client, server) = pair(&cctx, &sctx);
    client.set_session(Some(session.clone())).unwrap();
    tls_handshake(&client, &server).0.unwrap();
    assert!(!client.session_reused());
    // Within the timeout it resumes (the ticket was not spent above).
    assert_eq!(cctx.set_session_timeout(60), 0);
    let (client, server) = pair(&cctx, &sctx);
    client.set_session(Some(session)).unwrap();
    tls_handshake(&client, &server).0.unwrap();
    assert!(client.session_reused());
}

#[test]
fn a_callback_calling_into_its_own_object_is_refused_not_deadlocked() {
    let id = Identity::localhost();
    let object: Arc<Mutex<Option<Tls>>> = Arc::default();
    let refused = Arc::new(Mutex::new(None));
    let mut cctx = tls_client_ctx(&id.cert, ALPN);
    {
        let (object, refused) = (object.clone(), refused.clone());
        cctx.set_verify(
            SSL_VERIFY_PEER,
            Some(Arc::new(move |ok, _info| {
                let tls = object
                    .lock()
                    .unwrap()
                    .clone()
                    .expect("set before the handshake");
                let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    tls.peer_certificate()
                }));
                *refused.lock().unwrap() = Some(call.is_err());
                ok
            })),
        );
    }
    let (client, server) = pair(&cctx, &tls_server_ctx(&id, ALPN));
    *object.lock().unwrap() = Some(client.clone());
    tls_handshake(&client, &server).0.unwrap();
    assert_eq!(*refused.lock().unwrap(), Some(true));
    // Outside the callback the same call works.
    assert!(client.peer_certificate().is_some());
    // The context's callback holds the object: a cycle, broken here.
    object.lock().unwrap().take();
}

#[test]
fn a_server_object_without_a_certificate_fails_at_the_handshake() {
    let id = Identity::localhost();
    let bare = SslCtx::new(Method::TlsServer);
    qssl::error::clear_error();
    let (client, server) = pair(&tls_client_ctx(&id.cert, ALPN), &bare);
    assert_eq!(
        qssl::error::peek_error(),
        0,
        "SSL_new leaves nothing on the queue"
    );
    let err = server.accept().unwrap_err();
    assert_eq!(
        qssl::error::reason_of(err.error().expect("an SSL error").code()),
        qssl::error::ssl_r::NO_CERTIFICATE_ASSIGNED
    );
    drop(client);
}
