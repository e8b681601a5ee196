//! A TLS object's life around its connections: handshake states and info events, the
//! shutdown flags and quiet shutdown, `clear` and a second connection resuming the first,
//! key exchange groups, certificates and keys given as objects.

use std::sync::{Arc, Mutex};

use qssl::ErrorCode;
use qssl::ctx::{DEFAULT_OPTIONS, PrivateKey, TLS1_2_VERSION, TLS1_3_VERSION};
use qssl::tls::{
    CB_ALERT, CB_EXIT, CB_HANDSHAKE_DONE, CB_HANDSHAKE_START, CB_LOOP, CB_READ, CB_WRITE,
    HandshakeState, InfoEvent, ST_ACCEPT, ST_CONNECT, Tls,
};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// Records a TLS object's info events.
fn record(tls: &Tls) -> Arc<Mutex<Vec<InfoEvent>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    tls.set_info_hook(Some(Arc::new(move |e: &InfoEvent| {
        sink.lock().unwrap().push(*e);
    })));
    events
}

/// The events other than loop and exit.
fn main_events(events: &Mutex<Vec<InfoEvent>>) -> Vec<(i32, i32, HandshakeState)> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.where_ & (CB_LOOP | CB_EXIT) == 0)
        .map(|e| (e.where_, e.ret, e.state))
        .collect()
}

/// Runs one step of each side's handshake; returns their states after it.
fn step(client: &Tls, server: &Tls) -> (HandshakeState, HandshakeState) {
    let _ = client.do_handshake();
    let _ = server.do_handshake();
    (client.handshake_state(), server.handshake_state())
}

#[test]
fn states_and_info_events_follow_openssls_for_both_versions() {
    let id = Identity::localhost();
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let mut sctx = tls_server_ctx(&id, b"");
        sctx.set_max_proto_version(version).unwrap();
        let (client, server) = tls_bio_pair(&tls_client_ctx(&id.cert, b""), &sctx, 0);
        client.set_connect_state();
        server.set_accept_state();
        let (client_events, server_events) = (record(&client), record(&server));
        assert_eq!(client.handshake_state(), HandshakeState::Before);
        assert!(client.in_init());
        let mid = if version == TLS1_3_VERSION {
            HandshakeState::EarlyData
        } else {
            HandshakeState::ServerWroteDone
        };
        assert_eq!(
            step(&client, &server),
            (HandshakeState::ClientWroteHello, mid)
        );
        let done_state = if version == TLS1_3_VERSION {
            HandshakeState::ServerWroteTicket
        } else {
            HandshakeState::Ok
        };
        if version == TLS1_2_VERSION {
            assert_eq!(
                step(&client, &server).0,
                HandshakeState::ClientWroteFinished
            );
        }
        assert_eq!(
            step(&client, &server),
            (HandshakeState::Ok, HandshakeState::Ok)
        );
        assert!(!client.in_init() && !server.in_init());
        assert_eq!(
            main_events(&client_events),
            [
                (CB_HANDSHAKE_START, 1, HandshakeState::Before),
                (CB_HANDSHAKE_DONE, 1, HandshakeState::Ok),
            ]
        );
        assert_eq!(
            main_events(&server_events),
            [
                (CB_HANDSHAKE_START, 1, HandshakeState::Before),
                (CB_HANDSHAKE_DONE, 1, done_state),
            ]
        );
        let all = client_events.lock().unwrap().clone();
        assert!(all.iter().any(|e| e.where_ == ST_CONNECT | CB_LOOP));
        assert!(
            all.iter()
                .any(|e| e.where_ == ST_CONNECT | CB_EXIT && e.ret == -1)
        );
        assert!(
            all.iter()
                .any(|e| e.where_ == ST_CONNECT | CB_EXIT && e.ret == 1)
        );
        let all = server_events.lock().unwrap().clone();
        assert!(all.iter().all(|e| e.where_ & ST_CONNECT == 0));
        assert!(all.iter().any(|e| e.where_ == ST_ACCEPT | CB_EXIT));

        // close_notify both ways, as alert events.
        client_events.lock().unwrap().clear();
        server_events.lock().unwrap().clear();
        assert!(!client.shutdown().unwrap());
        let mut buf = [0u8; 8];
        assert_eq!(
            server.read(&mut buf).unwrap_err().code(),
            ErrorCode::ZeroReturn
        );
        assert!(server.shutdown().unwrap());
        assert!(client.shutdown().unwrap());
        let close = (0x100, HandshakeState::Ok);
        assert_eq!(
            main_events(&client_events),
            [
                (CB_ALERT | CB_WRITE, close.0, close.1),
                (CB_ALERT | CB_READ, close.0, close.1),
            ]
        );
        assert_eq!(
            main_events(&server_events),
            [
                (CB_ALERT | CB_READ, close.0, close.1),
                (CB_ALERT | CB_WRITE, close.0, close.1),
            ]
        );
    }
}

/// A client and server that completed a handshake, with their contexts' options.
fn connected(version: i32) -> (Tls, Tls) {
    let id = Identity::localhost();
    let mut sctx = tls_server_ctx(&id, b"");
    sctx.set_max_proto_version(version).unwrap();
    let (client, server) = tls_bio_pair(&tls_client_ctx(&id.cert, b""), &sctx, 0);
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    (client, server)
}

#[test]
fn quiet_shutdown_and_shutdown_flags_set_by_hand() {
    let (client, server) = connected(TLS1_3_VERSION);
    server.set_quiet_shutdown(true);
    assert!(server.quiet_shutdown());
    assert!(
        server.shutdown().unwrap(),
        "a quiet shutdown is done at once"
    );
    assert_eq!(server.shutdown_state(), (true, true));
    let mut buf = [0u8; 8];
    assert_eq!(
        client.read(&mut buf).unwrap_err().code(),
        ErrorCode::WantRead,
        "nothing was sent"
    );
    client.set_shutdown_state(true, true);
    assert!(client.shutdown().unwrap());
    assert_eq!(client.write(b"x").unwrap_err().code(), ErrorCode::Ssl);
    qssl::error::clear_error();

    // Marked received only: the close_notify goes out and the shutdown is complete.
    let (client, _server) = connected(TLS1_2_VERSION);
    client.set_shutdown_state(false, true);
    assert!(client.shutdown().unwrap());
    assert_eq!(client.shutdown_state(), (true, true));
}

#[test]
fn clear_starts_a_new_connection_that_resumes_after_a_clean_close() {
    for version in [TLS1_2_VERSION, TLS1_3_VERSION] {
        let id = Identity::localhost();
        let mut sctx = tls_server_ctx(&id, b"");
        sctx.set_max_proto_version(version).unwrap();
        let cctx = tls_client_ctx(&id.cert, b"");
        let (client, server) = tls_bio_pair(&cctx, &sctx, 0);
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        client.write(b"ping").unwrap();
        let mut buf = [0u8; 8];
        server.read(&mut buf).unwrap();
        server.write(b"pong").unwrap();
        client.read(&mut buf).unwrap();
        assert!(!client.shutdown().unwrap());
        let _ = server.read(&mut buf);
        assert!(server.shutdown().unwrap());
        assert!(client.shutdown().unwrap());

        client.clear();
        server.clear();
        assert_eq!(client.handshake_state(), HandshakeState::Before);
        assert_eq!(client.shutdown_state(), (false, false));
        assert!(client.in_init());
        // New BIOs for the new connection, as an application gives them.
        let (a, b) = qssl_bio::new_bio_pair(0, 0);
        client.set_stream_bio(a);
        server.set_stream_bio(b);
        let (c, s) = tls_handshake(&client, &server);
        c.unwrap();
        s.unwrap();
        assert!(client.session_reused(), "TLS 1.{}", version & 0xf);
    }
}

#[test]
fn options_groups_and_objects_for_keys_and_certificates() {
    let id = Identity::localhost();
    let mut cctx = tls_client_ctx(&id.cert, b"");
    assert_eq!(cctx.options(), DEFAULT_OPTIONS);
    assert!(!cctx.set_groups_list("nonsense"));
    assert!(cctx.set_groups_list("P-256"));
    let mut sctx = qssl::SslCtx::new(qssl::Method::TlsServer);
    let pem = std::fs::read(&id.key).unwrap();
    let key = PrivateKey::from_pem(&pem).unwrap();
    sctx.use_certificate_chain_file(&id.cert).unwrap();
    sctx.use_private_key(&key).unwrap();
    assert!(sctx.private_key().unwrap().same_key(&key));
    assert!(sctx.certificate().is_some());
    let extra = std::fs::read(&id.cert).unwrap();
    let extra = qssl::x509::Certificate::from_pem(&extra).unwrap();
    sctx.add_extra_chain_certificate(extra.der()).unwrap();
    assert_eq!(sctx.extra_chain_certificates().len(), 1);
    assert!(sctx.chain_certificates().is_empty());
    let (client, server) = tls_bio_pair(&cctx, &sctx, 0);
    let (c, s) = tls_handshake(&client, &server);
    c.unwrap();
    s.unwrap();
    assert_eq!(client.negotiated_group(), Some(0x0017), "secp256r1");
    let randoms = client.hello_randoms();
    assert!(randoms.0.is_some() && randoms.1.is_some());
    assert_eq!(
        randoms,
        server.hello_randoms(),
        "both sides saw the same hellos"
    );
    assert_eq!(
        client.peer_cert_chain().unwrap().len(),
        2,
        "the extra certificate"
    );
    let tls = client.clear_options(0);
    assert_eq!(tls, DEFAULT_OPTIONS);
}

/// A client certificate resolver that records the CA names the server sent and offers no
/// certificate.
#[derive(Debug, Default)]
struct HintRecorder(Mutex<Option<Vec<Vec<u8>>>>);

impl rustls::client::ResolvesClientCert for HintRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        *self.0.lock().unwrap() = Some(root_hint_subjects.iter().map(|s| s.to_vec()).collect());
        None
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[test]
fn a_server_sends_its_client_ca_names_with_the_certificate_request() {
    let id = Identity::localhost();
    let mut sctx = tls_server_ctx(&id, b"");
    sctx.set_verify(qssl::ctx::SSL_VERIFY_PEER, None);
    let pem = std::fs::read(&id.cert).unwrap();
    let cert = qssl::x509::Certificate::from_pem(&pem).unwrap();
    let subject = qssl::ctx::name_ders(cert.der()).unwrap().0;
    sctx.set_client_ca_names(vec![subject.clone()]);
    let server = Tls::new(&sctx).unwrap();
    let (mut near, far) = qssl_bio::new_bio_pair(0, 0);
    server.set_stream_bio(far);
    server.set_accept_state();

    // A rustls client that records the names.
    let recorder = Arc::new(HintRecorder::default());
    let mut config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAll))
        .with_client_cert_resolver(recorder.clone());
    config.enable_sni = false;
    let mut client = rustls::ClientConnection::new(
        Arc::new(config),
        rustls::pki_types::ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    for _ in 0..20 {
        let mut out = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut out).unwrap();
        }
        qssl_bio::StreamBio::write(&mut near, &out).unwrap_or(0);
        let _ = server.accept();
        let mut buf = [0u8; 16384];
        if let Ok(n) = qssl_bio::StreamBio::read(&mut near, &mut buf) {
            let _ = client.read_tls(&mut &buf[..n]);
            let _ = client.process_new_packets();
        }
        if recorder.0.lock().unwrap().is_some() {
            break;
        }
    }
    assert_eq!(*recorder.0.lock().unwrap(), Some(vec![subject]));
}

/// A server certificate verifier that takes anything (the test looks at the server's
/// certificate request, not at its certificate).
#[derive(Debug)]
struct AcceptAll;

impl rustls::client::danger::ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
