//! The TLS session wrapper: a full handshake, levels of the handshake bytes, transport
//! parameters both ways, and failures as CRYPTO_ERROR.

mod common;

use qssl_quic::tls::{Level, TlsOutput, TlsSession};
use qssl_quic::{ConnectionId, TransportParameters, Version};

fn params(initial_scid: &[u8], odcid: Option<&[u8]>) -> TransportParameters {
    TransportParameters {
        initial_source_connection_id: ConnectionId::new(initial_scid),
        original_destination_connection_id: odcid.and_then(ConnectionId::new),
        initial_max_data: qssl_quic::VarInt::from_u32(1 << 20),
        ..TransportParameters::default()
    }
}

fn describe(o: &TlsOutput) -> String {
    match o {
        TlsOutput::Data(level, _) => format!("data@{level:?}"),
        TlsOutput::HandshakeKeys(_) => "handshake-keys".into(),
        TlsOutput::OneRttKeys(..) => "1rtt-keys".into(),
        TlsOutput::ZeroRttKeys(_) => "0rtt-keys".into(),
        TlsOutput::VersionChanged(v) => format!("version {v:?}"),
    }
}

/// Feeds each data output to `to`, one level's bytes at a time; returns what `from` produced
/// and what `to` answered, described.
fn deliver(outputs: Vec<TlsOutput>, to: &mut TlsSession) -> (Vec<String>, Vec<TlsOutput>) {
    let sent = outputs.iter().map(describe).collect();
    let mut answers = Vec::new();
    for o in outputs {
        if let TlsOutput::Data(_, data) = o {
            answers.extend(to.read(&data).expect("peer accepts"));
        }
    }
    (sent, answers)
}

/// A client session of `client_cfg` for "localhost" and a server session of `server_cfg`,
/// both in `version`, with the test's transport parameters.
fn sessions(
    client_cfg: std::sync::Arc<rustls::ClientConfig>,
    server_cfg: std::sync::Arc<rustls::ServerConfig>,
    version: Version,
) -> (TlsSession, TlsSession) {
    let client = TlsSession::client(
        client_cfg,
        version,
        "localhost".try_into().unwrap(),
        &params(&[1; 8], None),
    )
    .unwrap();
    let server =
        TlsSession::server(server_cfg, version, &[], &params(&[2; 8], Some(&[9; 8]))).unwrap();
    (client, server)
}

#[test]
fn full_handshake_levels_and_parameters() {
    for version in Version::ALL {
        let (client_cfg, server_cfg) =
            common::tls_configs(rustls::crypto::ring::default_provider());
        let (mut client, mut server) = sessions(client_cfg, server_cfg, version);

        let (sent, server_out) = deliver(client.poll(), &mut server);
        assert_eq!(sent, ["data@Initial"]);
        let (sent, client_out) = deliver(server_out, &mut client);
        assert_eq!(
            sent,
            [
                "data@Initial",
                "handshake-keys",
                "data@Handshake",
                "1rtt-keys"
            ]
        );
        let (sent, server_out) = deliver(client_out, &mut server);
        assert_eq!(sent, ["handshake-keys", "data@Handshake", "1rtt-keys"]);
        assert!(!client.is_handshaking());
        assert!(!server.is_handshaking());
        // After the handshake the server may send session tickets, at 1-RTT.
        for o in server_out {
            if let TlsOutput::Data(level, data) = o {
                assert_eq!(level, Level::OneRtt);
                client.read(&data).unwrap();
            }
        }

        let from_server = client.peer_params().unwrap().unwrap();
        assert_eq!(
            from_server.initial_source_connection_id,
            ConnectionId::new(&[2; 8])
        );
        assert_eq!(
            from_server.original_destination_connection_id,
            ConnectionId::new(&[9; 8])
        );
        let from_client = server.peer_params().unwrap().unwrap();
        assert_eq!(
            from_client.initial_source_connection_id,
            ConnectionId::new(&[1; 8])
        );
        assert_eq!(client.alpn(), Some(common::ALPN));
        assert_eq!(server.server_name(), Some("localhost"));
        assert!(client.cipher_suite().is_some());
    }
}

#[test]
fn a_concluded_server_session_keeps_what_it_negotiated() {
    let (client_cfg, server_cfg) = common::tls_configs(rustls::crypto::ring::default_provider());
    let (mut client, mut server) = sessions(client_cfg, server_cfg, Version::V1);
    let (_, server_out) = deliver(client.poll(), &mut server);
    // Concluding mid-handshake does nothing.
    server.conclude();
    assert!(server.is_handshaking());
    let (_, client_out) = deliver(server_out, &mut client);
    let (_, tickets) = deliver(client_out, &mut server);
    let before = (
        server.alpn().map(<[u8]>::to_vec),
        server.server_name().map(str::to_owned),
        server.cipher_suite().map(|s| s.suite()),
        server.is_resumed(),
    );
    assert_eq!(before.0.as_deref(), Some(common::ALPN));
    server.conclude();
    assert!(!server.is_handshaking());
    assert_eq!(
        (
            server.alpn().map(<[u8]>::to_vec),
            server.server_name().map(str::to_owned),
            server.cipher_suite().map(|s| s.suite()),
            server.is_resumed(),
        ),
        before
    );
    assert!(server.poll().is_empty());
    assert!(server.read(&[]).unwrap().is_empty());
    let err = server.read(&[24, 0, 0, 1, 0]).unwrap_err();
    assert_eq!(err.code.0, 0x100 + 10);
    // The client still takes the session tickets written before.
    for o in tickets {
        if let TlsOutput::Data(_, data) = o {
            client.read(&data).unwrap();
        }
    }
}

#[test]
fn untrusted_certificate_is_a_crypto_error() {
    let (_, server_cfg) = common::tls_configs(rustls::crypto::ring::default_provider());
    // A client that trusts nothing.
    let mut untrusting = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    untrusting.alpn_protocols = vec![common::ALPN.to_vec()];
    let (mut client, mut server) =
        sessions(std::sync::Arc::new(untrusting), server_cfg, Version::V1);
    let (_, server_out) = deliver(client.poll(), &mut server);
    let mut failure = None;
    for o in server_out {
        if let TlsOutput::Data(_, data) = o
            && let Err(e) = client.read(&data)
        {
            failure = Some(e);
            break;
        }
    }
    let err = failure.expect("the client rejects the server's certificate");
    let alert = err.code.tls_alert().expect("a CRYPTO_ERROR code");
    assert_eq!(alert, 48, "unknown_ca");
}

#[test]
fn garbage_instead_of_a_client_hello_is_rejected() {
    let (_, server_cfg) = common::tls_configs(rustls::crypto::ring::default_provider());
    let mut server = TlsSession::server(
        server_cfg,
        Version::V1,
        &[],
        &params(&[2; 8], Some(&[1; 8])),
    )
    .unwrap();
    let err = server
        .read(&[0x16, 0x03, 0x01, 0xff, 0xff, 0x00])
        .unwrap_err();
    assert!(err.code.tls_alert().is_some(), "{err}");
}

/// A client session of `client_cfg` offering `alpn` to "localhost", and its first flight.
fn client_offering(client_cfg: &rustls::ClientConfig, alpn: &[&[u8]]) -> (TlsSession, Vec<u8>) {
    let mut cfg = client_cfg.clone();
    cfg.alpn_protocols = alpn.iter().map(|a| a.to_vec()).collect();
    let mut client = TlsSession::client(
        std::sync::Arc::new(cfg),
        Version::V1,
        "localhost".try_into().unwrap(),
        &params(&[1; 8], None),
    )
    .unwrap();
    let hello = match client.poll().into_iter().next() {
        Some(TlsOutput::Data(Level::Initial, data)) => data,
        other => panic!("unexpected first output {other:?}"),
    };
    (client, hello)
}

#[test]
fn client_hello_parse_reads_sni_and_alpn_and_rejects_garbage() {
    use qssl_quic::client_hello::{ClientHelloError, complete_message_len, parse};
    let (client_cfg, _) = common::tls_configs(rustls::crypto::ring::default_provider());
    let (_, hello) = client_offering(&client_cfg, &[b"h3", b"hq-interop"]);
    assert_eq!(complete_message_len(&hello), Some(hello.len()));
    assert_eq!(complete_message_len(&hello[..hello.len() - 1]), None);
    let info = parse(&hello).unwrap();
    assert_eq!(info.server_name, Some("localhost"));
    assert_eq!(info.alpn, [&b"h3"[..], b"hq-interop"]);
    // Truncating the body anywhere (with a consistent header) never panics: it is malformed,
    // or (cut exactly before the extensions) a ClientHello without them.
    for cut in 4..hello.len() {
        let mut msg = hello[..cut].to_vec();
        let len = cut - 4;
        msg[1..4].copy_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
        match parse(&msg) {
            Ok(info) => assert!(info.alpn.is_empty() && info.server_name.is_none()),
            Err(e) => assert_eq!(e, ClientHelloError::Malformed),
        }
    }
    let mut not_hello = hello.clone();
    not_hello[0] = 2;
    assert_eq!(parse(&not_hello), Err(ClientHelloError::NotClientHello));
}

#[test]
fn server_configuration_chosen_from_the_client_hello() {
    use qssl_quic::client_hello::ServerTls;
    let (client_cfg, server_cfg) = common::tls_configs(rustls::crypto::ring::default_provider());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let select: qssl_quic::client_hello::ServerConfigSelector = {
        let seen = seen.clone();
        std::sync::Arc::new(move |info| {
            seen.lock().unwrap().push((
                info.server_name.map(str::to_owned),
                info.alpn.iter().map(|a| a.to_vec()).collect::<Vec<_>>(),
            ));
            // Pick the client's last offer; refuse clients offering nothing we know.
            let pick = info.alpn.last().ok_or(120u8)?;
            if pick == b"nope" {
                return Err(120);
            }
            let mut cfg = (*server_cfg).clone();
            cfg.alpn_protocols = vec![pick.to_vec()];
            Ok(std::sync::Arc::new(cfg))
        })
    };
    let (mut client, hello) = client_offering(&client_cfg, &[b"h3", b"hq-interop"]);
    let mut server = TlsSession::server(
        ServerTls::PerClientHello(select.clone()),
        Version::V1,
        &[],
        &params(&[2; 8], Some(&[9; 8])),
    )
    .unwrap();
    // Delivered in two pieces: nothing happens until the whole ClientHello is there.
    let (first, rest) = hello.split_at(hello.len() / 2);
    assert!(server.read(first).unwrap().is_empty());
    assert!(server.is_handshaking());
    let answers = server.read(rest).unwrap();
    assert!(!answers.is_empty());
    let (_, client_out) = deliver(answers, &mut client);
    deliver(client_out, &mut server);
    assert_eq!(client.alpn(), Some(&b"hq-interop"[..]));
    assert_eq!(server.alpn(), Some(&b"hq-interop"[..]));
    assert_eq!(
        seen.lock().unwrap()[0],
        (
            Some("localhost".to_owned()),
            vec![b"h3".to_vec(), b"hq-interop".to_vec()]
        )
    );

    // Refused: CRYPTO_ERROR with the selector's alert.
    let (_, hello) = client_offering(&client_cfg, &[b"nope"]);
    let mut server = TlsSession::server(
        ServerTls::PerClientHello(select),
        Version::V1,
        &[],
        &params(&[2; 8], Some(&[9; 8])),
    )
    .unwrap();
    let err = server.read(&hello).unwrap_err();
    assert_eq!(err.code.0, 0x100 + 120);
}
