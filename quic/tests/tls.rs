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

#[test]
fn full_handshake_levels_and_parameters() {
    for version in Version::ALL {
        let (client_cfg, server_cfg) =
            common::tls_configs(rustls::crypto::ring::default_provider());
        let mut client = TlsSession::client(
            client_cfg,
            version,
            "localhost".try_into().unwrap(),
            &params(&[1; 8], None),
        )
        .unwrap();
        let mut server =
            TlsSession::server(server_cfg, version, &params(&[2; 8], Some(&[9; 8]))).unwrap();

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
    let mut client = TlsSession::client(
        std::sync::Arc::new(untrusting),
        Version::V1,
        "localhost".try_into().unwrap(),
        &params(&[1; 8], None),
    )
    .unwrap();
    let mut server =
        TlsSession::server(server_cfg, Version::V1, &params(&[2; 8], Some(&[1; 8]))).unwrap();
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
    let mut server =
        TlsSession::server(server_cfg, Version::V1, &params(&[2; 8], Some(&[1; 8]))).unwrap();
    let err = server
        .read(&[0x16, 0x03, 0x01, 0xff, 0xff, 0x00])
        .unwrap_err();
    assert!(err.code.tls_alert().is_some(), "{err}");
}
