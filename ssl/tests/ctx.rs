//! `SslCtx`: loading certificates, keys and roots, ALPN, and real QUIC handshakes between
//! `qssl-quic` endpoints configured from contexts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qssl::ctx::{
    FileType, Method, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_NONE, SSL_VERIFY_PEER, SslCtx,
    VerifyCallback, VerifyInfo,
};
use qssl::error::{self, ERR_LIB_SSL, ERR_LIB_SYS, ERR_LIB_X509, SslError, err_r, ssl_r, x509_r};
use qssl_quic::conn::CloseInfo;
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use rustls::pki_types::ServerName;
use tempfile::TempDir;

/// A self-signed certificate for "localhost" with its key, written as PEM files.
struct Identity {
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
    key_der: Vec<u8>,
    cert_der: Vec<u8>,
}

fn identity(dir: &Path, name: &str) -> Identity {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    Identity {
        cert,
        key,
        cert_pem: generated.cert.pem(),
        key_der: generated.signing_key.serialize_der(),
        cert_der: generated.cert.der().to_vec(),
    }
}

/// Asserts that `err` has `lib` and `reason` and is the newest record on the queue.
#[track_caller]
fn assert_raised(err: &SslError, lib: i32, reason: i32) {
    assert_eq!((err.lib(), err.reason()), (lib, reason), "{err}");
    assert_eq!(
        error::peek_last_error(),
        err.code(),
        "queue holds the error"
    );
    error::clear_error();
}

fn server_ctx(id: &Identity, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(&id.cert).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.check_private_key().unwrap();
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

fn client_ctx(roots: &Path, mode: i32, alpn: &[u8]) -> SslCtx {
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(roots), None).unwrap();
    ctx.set_verify(mode, None).unwrap();
    ctx.set_alpn_protos(alpn).unwrap();
    ctx
}

/// What a handshake ended with, seen from each side.
#[derive(Debug)]
struct Outcome {
    client_complete: bool,
    server_complete: bool,
    client_alpn: Option<Vec<u8>>,
    server_alpn: Option<Vec<u8>>,
    client_close: Option<CloseInfo>,
    server_close: Option<CloseInfo>,
    /// The server's `initial_max_streams_bidi` as the client received it.
    peer_max_streams_bidi: Option<u64>,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.client_complete
            && self.server_complete
            && self.client_close.is_none()
            && self.server_close.is_none()
    }
}

/// Runs a client and a server endpoint built from the contexts against each other, passing
/// datagrams directly and advancing a fake clock when both are idle.
fn handshake(client: &SslCtx, server: &SslCtx) -> Outcome {
    let client_addr: SocketAddr = "10.0.0.1:50000".parse().unwrap();
    let server_addr: SocketAddr = "10.0.0.2:443".parse().unwrap();
    let mut now = Instant::now();
    let mut cep = Endpoint::new(
        EndpointConfig {
            connection: client.connection_config().clone(),
            ..EndpointConfig::client()
        },
        now,
        1,
    );
    let mut sep = Endpoint::new(
        EndpointConfig {
            connection: server.connection_config().clone(),
            ..EndpointConfig::server(server.server_config().unwrap())
        },
        now,
        2,
    );
    let ch = cep
        .connect(
            now,
            client.client_config().unwrap(),
            ServerName::try_from("localhost").unwrap(),
            server_addr,
        )
        .unwrap();
    let mut sh = None;
    let mut buf = vec![0u8; 65536];
    let mut closed_rounds = 0;
    for _ in 0..500 {
        let mut moved = false;
        while let Some(t) = cep.poll_transmit(now, &mut buf) {
            for range in t.segments() {
                sep.handle_datagram(now, client_addr, &mut buf[range].to_vec());
            }
            moved = true;
        }
        while let Some(t) = sep.poll_transmit(now, &mut buf) {
            for range in t.segments() {
                cep.handle_datagram(now, server_addr, &mut buf[range].to_vec());
            }
            moved = true;
        }
        if let Some(h) = sep.accept() {
            sh = Some(h);
        }
        let c = cep.get(ch).unwrap();
        let s = sh.and_then(|h| sep.get(h));
        let done = c.is_handshake_complete() && s.is_some_and(|s| s.is_handshake_complete());
        let closed = c.close_info().is_some() || s.is_some_and(|s| s.close_info().is_some());
        if done && !closed {
            break;
        }
        if closed {
            closed_rounds += 1;
            if closed_rounds > 5 {
                break;
            }
        }
        if !moved {
            let Some(next) = [cep.poll_timeout(), sep.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
            else {
                break;
            };
            now = now.max(next);
            cep.handle_timeout(now);
            sep.handle_timeout(now);
        }
    }
    let c = cep.get(ch).unwrap();
    let s = sh.and_then(|h| sep.get(h));
    Outcome {
        client_complete: c.is_handshake_complete(),
        server_complete: s.is_some_and(|s| s.is_handshake_complete()),
        client_alpn: c.alpn().map(<[u8]>::to_vec),
        server_alpn: s.and_then(|s| s.alpn()).map(<[u8]>::to_vec),
        client_close: c.close_info().cloned(),
        server_close: s.and_then(|s| s.close_info().cloned()),
        peer_max_streams_bidi: c.peer_params().map(|p| p.initial_max_streams_bidi.get()),
    }
}

const H3: &[u8] = b"\x02h3";

#[test]
fn certificate_and_key_from_files_and_bytes() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let mut ctx = SslCtx::new(Method::QuicServer);
    assert_eq!(ctx.method(), Method::QuicServer);
    ctx.use_certificate_file(&id.cert, FileType::Pem).unwrap();
    ctx.use_private_key_file(&id.key, FileType::Pem).unwrap();
    ctx.check_private_key().unwrap();
    ctx.server_config().unwrap();

    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_der(&id.cert_der).unwrap();
    ctx.use_private_key_der(&id.key_der).unwrap();
    ctx.check_private_key().unwrap();

    let der = dir.path().join("server.der");
    std::fs::write(&der, &id.cert_der).unwrap();
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_file(&der, FileType::Asn1).unwrap();
    ctx.use_certificate_pem(id.cert_pem.as_bytes()).unwrap();
    ctx.use_certificate_chain_pem(id.cert_pem.as_bytes())
        .unwrap();
    assert_eq!(error::error_count(), 0);
}

#[test]
fn mismatched_key_fails_with_key_values_mismatch() {
    let dir = TempDir::new().unwrap();
    let a = identity(dir.path(), "a");
    let b = identity(dir.path(), "b");
    error::clear_error();
    let mut ctx = SslCtx::new(Method::QuicServer);
    ctx.use_certificate_chain_file(&a.cert).unwrap();
    let err = ctx.use_private_key_file(&b.key, FileType::Pem).unwrap_err();
    assert_raised(&err, ERR_LIB_X509, x509_r::KEY_VALUES_MISMATCH);
    assert_eq!(
        error::reason_error_string(err.code()),
        Some("key values mismatch")
    );
    // The mismatching key was not installed.
    let err = ctx.check_private_key().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NO_PRIVATE_KEY_ASSIGNED);
    let err = ctx.server_config().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NO_PRIVATE_KEY_ASSIGNED);

    // A certificate replacing the one the key belongs to drops the key, as in OpenSSL.
    ctx.use_private_key_file(&a.key, FileType::Pem).unwrap();
    ctx.use_certificate_file(&b.cert, FileType::Pem).unwrap();
    let err = ctx.check_private_key().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NO_PRIVATE_KEY_ASSIGNED);

    let empty = SslCtx::new(Method::QuicServer);
    let err = empty.check_private_key().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NO_CERTIFICATE_ASSIGNED);
    let err = empty.server_config().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NO_CERTIFICATE_ASSIGNED);
}

#[test]
fn bad_inputs_fail_with_openssl_reasons() {
    let dir = TempDir::new().unwrap();
    error::clear_error();
    let mut ctx = SslCtx::new(Method::QuicServer);
    let err = ctx.use_certificate_pem(b"not a certificate").unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PEM_LIB);
    let broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let err = ctx.use_certificate_chain_pem(broken).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PEM_LIB);
    let err = ctx.use_private_key_pem(b"no key here").unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PEM_LIB);
    let err = ctx
        .use_certificate_der(b"\x30\x03\x02\x01\x00")
        .unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::ASN1_LIB);
    let err = ctx.use_private_key_der(b"garbage").unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::ASN1_LIB);
    let missing = dir.path().join("missing.pem");
    let err = ctx.use_certificate_chain_file(&missing).unwrap_err();
    assert_raised(&err, ERR_LIB_SYS, 2);
    let err = FileType::from_raw(7).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::BAD_SSL_FILETYPE);
    assert_eq!(FileType::from_raw(1).unwrap(), FileType::Pem);
    assert_eq!(FileType::from_raw(2).unwrap(), FileType::Asn1);
}

#[test]
fn verify_locations_from_file_and_directory() {
    let dir = TempDir::new().unwrap();
    let a = identity(dir.path(), "a");
    let roots = TempDir::new().unwrap();
    identity(roots.path(), "r1");
    identity(roots.path(), "r2");
    std::fs::write(roots.path().join("README"), "not a certificate").unwrap();
    error::clear_error();

    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(&a.cert), None).unwrap();
    assert_eq!(ctx.trust_root_count(), 1);
    ctx.load_verify_locations(None, Some(roots.path())).unwrap();
    assert_eq!(ctx.trust_root_count(), 3);

    let err = ctx.load_verify_locations(None, None).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PASSED_NULL_PARAMETER);
    let err = ctx.load_verify_locations(Some(&a.key), None).unwrap_err();
    assert_raised(&err, ERR_LIB_X509, x509_r::NO_CERTIFICATE_OR_CRL_FOUND);
    let err = ctx
        .load_verify_locations(Some(&dir.path().join("missing")), None)
        .unwrap_err();
    assert_raised(&err, ERR_LIB_SYS, 2);
    let err = ctx
        .load_verify_locations(None, Some(&dir.path().join("missing")))
        .unwrap_err();
    assert_raised(&err, ERR_LIB_SYS, 2);
    assert_eq!(ctx.trust_root_count(), 3);
}

#[test]
fn default_verify_paths_load_or_report() {
    error::clear_error();
    let mut ctx = SslCtx::new(Method::QuicClient);
    match ctx.set_default_verify_paths() {
        Ok(()) => assert_eq!(error::error_count(), 0),
        Err(err) => assert_raised(&err, ERR_LIB_SSL, err_r::X509_LIB),
    }
}

#[test]
fn alpn_wire_format_is_validated() {
    error::clear_error();
    let mut ctx = SslCtx::new(Method::QuicClient);
    let list = b"\x02h3\x08http/1.1";
    ctx.set_alpn_protos(list).unwrap();
    assert_eq!(ctx.alpn_protos(), list);
    for bad in [
        &b"\x00"[..],
        b"\x02h3\x00",
        b"\x05h3",
        b"\x02h3\x01",
        b"\x02h3\x08http/1.",
    ] {
        let err = ctx.set_alpn_protos(bad).unwrap_err();
        assert_raised(&err, ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT);
        assert_eq!(
            ctx.alpn_protos(),
            list,
            "a rejected list leaves the old one"
        );
    }
    ctx.set_alpn_protos(b"").unwrap();
    assert!(ctx.alpn_protos().is_empty());

    let mut server = SslCtx::new(Method::QuicServer);
    let err = server.set_alpn_select_cb(|_| None).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::UNSUPPORTED);
}

#[test]
fn configs_only_for_their_side() {
    error::clear_error();
    let server = SslCtx::new(Method::QuicServer);
    let err = server.client_config().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED);
    let client = SslCtx::new(Method::QuicClientThread);
    let err = client.server_config().unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, ssl_r::NOT_SERVER);
    client.client_config().unwrap();
    let mut server = SslCtx::new(Method::QuicServer);
    let callback: VerifyCallback = Arc::new(|ok, _| ok);
    let err = server
        .set_verify(SSL_VERIFY_PEER, Some(callback))
        .unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::UNSUPPORTED);
}

#[test]
fn handshake_with_trusted_roots_and_alpn() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let mut server = server_ctx(&id, b"\x02h3\x0ahq-interop");
    server.set_max_streams(7, 3);
    server.set_idle_timeout(Some(Duration::from_secs(5)));
    assert_eq!(server.connection_config().max_streams_bidi, 7);
    let client = client_ctx(&id.cert, SSL_VERIFY_PEER, b"\x0ahq-interop\x02h3");
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    // The server's preference wins.
    assert_eq!(out.client_alpn.as_deref(), Some(&b"h3"[..]));
    assert_eq!(out.server_alpn.as_deref(), Some(&b"h3"[..]));
    assert_eq!(out.peer_max_streams_bidi, Some(7));
}

#[test]
fn alpn_chooses_the_common_protocol_or_refuses() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let server = server_ctx(&id, b"\x02h3\x0ahq-interop");
    let client = client_ctx(&id.cert, SSL_VERIFY_PEER, b"\x03foo\x0ahq-interop");
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(out.client_alpn.as_deref(), Some(&b"hq-interop"[..]));

    let client = client_ctx(&id.cert, SSL_VERIFY_PEER, b"\x03foo");
    let out = handshake(&client, &server);
    assert!(!out.client_complete, "{out:?}");
    // CRYPTO_ERROR for the no_application_protocol alert (120).
    let close = out.client_close.expect("client sees the close");
    assert_eq!(close.error_code, 0x100 + 120, "{close:?}");
}

#[test]
fn wrong_roots_fail_unless_verify_none() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let other = identity(dir.path(), "other");
    let server = server_ctx(&id, H3);

    let client = client_ctx(&other.cert, SSL_VERIFY_PEER, H3);
    let out = handshake(&client, &server);
    assert!(!out.client_complete && !out.server_complete, "{out:?}");
    let close = out.client_close.expect("client closes");
    assert!(close.local, "{close:?}");
    assert!((0x100..0x200).contains(&close.error_code), "{close:?}");

    let client = client_ctx(&other.cert, SSL_VERIFY_NONE, H3);
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");

    // No roots at all: the same.
    let mut client = SslCtx::new(Method::QuicClient);
    client.set_alpn_protos(H3).unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "VERIFY_NONE is the default: {out:?}");
    client.set_verify(SSL_VERIFY_PEER, None).unwrap();
    assert_eq!(client.verify_mode(), SSL_VERIFY_PEER);
    let out = handshake(&client, &server);
    assert!(!out.client_complete, "{out:?}");
}

/// A verify callback answering `answer` and recording each `preverify_ok` it saw.
fn recording_callback(answer: bool) -> (VerifyCallback, Arc<Mutex<Vec<bool>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let callback: VerifyCallback = Arc::new(move |ok: bool, info: &VerifyInfo<'_>| {
        assert_eq!(ok, info.error.is_none());
        assert!(!info.end_entity.is_empty());
        record.lock().unwrap().push(ok);
        answer
    });
    (callback, seen)
}

#[test]
fn verify_callback_overrides_the_verdict() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let other = identity(dir.path(), "other");
    let server = server_ctx(&id, H3);

    // Untrusted certificate, callback accepts.
    let mut client = client_ctx(&other.cert, SSL_VERIFY_PEER, H3);
    let (callback, seen) = recording_callback(true);
    client.set_verify(SSL_VERIFY_PEER, Some(callback)).unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(*seen.lock().unwrap(), [false]);

    // Trusted certificate, callback rejects.
    let mut client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let (callback, seen) = recording_callback(false);
    client.set_verify(SSL_VERIFY_PEER, Some(callback)).unwrap();
    let out = handshake(&client, &server);
    assert!(!out.client_complete, "{out:?}");
    assert!(
        out.client_close.as_ref().is_some_and(|c| c.local),
        "{out:?}"
    );
    assert_eq!(*seen.lock().unwrap(), [true]);

    // VERIFY_NONE: the callback is told but cannot fail the handshake.
    let mut client = client_ctx(&id.cert, SSL_VERIFY_NONE, H3);
    let (callback, seen) = recording_callback(false);
    client.set_verify(SSL_VERIFY_NONE, Some(callback)).unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(*seen.lock().unwrap(), [true]);
}

#[test]
fn client_certificates_per_server_verify_mode() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let client_id = identity(dir.path(), "client");
    let mut server = server_ctx(&id, H3);
    server
        .load_verify_locations(Some(&client_id.cert), None)
        .unwrap();
    server
        .set_verify(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, None)
        .unwrap();

    let anonymous = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let out = handshake(&anonymous, &server);
    assert!(!out.succeeded(), "{out:?}");

    let mut client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    client.use_certificate_chain_file(&client_id.cert).unwrap();
    client
        .use_private_key_file(&client_id.key, FileType::Pem)
        .unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
}

#[test]
fn keylog_callback_receives_nss_lines() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let mut server = server_ctx(&id, H3);
    let mut client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let client_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let server_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = client_lines.clone();
    client.set_keylog_callback(Some(Arc::new(move |line: &str| {
        sink.lock().unwrap().push(line.to_owned())
    })));
    let sink = server_lines.clone();
    server.set_keylog_callback(Some(Arc::new(move |line: &str| {
        sink.lock().unwrap().push(line.to_owned())
    })));
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    for lines in [client_lines, server_lines] {
        let lines = lines.lock().unwrap();
        let labels: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
        for label in [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0",
        ] {
            assert!(labels.contains(&label), "{label} in {lines:?}");
        }
        let random = lines[0].split(' ').nth(1).unwrap();
        assert_eq!(random.len(), 64);
        assert!(lines.iter().all(|l| {
            l.split(' ').count() == 3
                && l.split(' ').nth(1) == Some(random)
                && l.split(' ')
                    .nth(2)
                    .unwrap()
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit())
        }));
    }
}

/// Set by [`sslkeylogfile_is_honoured`] for the child run of [`sslkeylogfile_child`].
const CHILD_MARK: &str = "QSSL_TEST_KEYLOG_CHILD";

/// The child half of [`sslkeylogfile_is_honoured`]: a handshake in a process started with
/// `SSLKEYLOGFILE` set (changing the environment of this process would race other tests).
/// Does nothing when run as an ordinary test.
#[test]
fn sslkeylogfile_child() {
    if std::env::var_os(CHILD_MARK).is_none() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let server = server_ctx(&id, H3);
    let client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
}

#[test]
fn sslkeylogfile_is_honoured() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("keys.log");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sslkeylogfile_child", "--test-threads=1"])
        .env("SSLKEYLOGFILE", &file)
        .env(CHILD_MARK, "1")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let log = std::fs::read_to_string(&file).unwrap();
    // Client and server both log into the file.
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
        "SERVER_TRAFFIC_SECRET_0 ",
    ] {
        assert_eq!(log.matches(label).count(), 2, "{label} in {log}");
    }
}
