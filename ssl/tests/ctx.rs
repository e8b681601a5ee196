//! `SslCtx`: loading certificates, keys and roots, ALPN, and real QUIC handshakes between
//! `qssl-quic` endpoints configured from contexts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qssl::ctx::{
    FileType, MAX_FILE_SIZE, Method, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_NONE,
    SSL_VERIFY_PEER, SslCtx, VerifyCallback, VerifyInfo, x509_v,
};
use qssl::error::{self, ERR_LIB_SSL, ERR_LIB_SYS, ERR_LIB_X509, SslError, err_r, ssl_r, x509_r};
use qssl_quic::conn::CloseInfo;
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use rustls::pki_types::ServerName;
use tempfile::TempDir;

/// A self-signed certificate for "localhost", with `name` as its common name (so that
/// certificates of different names are not mistaken for each other's issuer), and its key,
/// written as PEM files.
struct Identity {
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
    key_der: Vec<u8>,
    cert_der: Vec<u8>,
}

fn identity(dir: &Path, name: &str) -> Identity {
    let signing_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let generated = params.self_signed(&signing_key).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, generated.pem()).unwrap();
    std::fs::write(&key, signing_key.serialize_pem()).unwrap();
    Identity {
        cert,
        key,
        cert_pem: generated.pem(),
        key_der: signing_key.serialize_der(),
        cert_der: generated.der().to_vec(),
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
    ctx.set_verify(mode, None);
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
fn roots_are_added_once_and_malformed_pem_adds_nothing() {
    let dir = TempDir::new().unwrap();
    let a = identity(dir.path(), "a");
    let b = identity(dir.path(), "b");
    let roots = TempDir::new().unwrap();
    identity(roots.path(), "r1");
    error::clear_error();

    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.load_verify_locations(Some(&a.cert), None).unwrap();
    ctx.load_verify_locations(Some(&a.cert), None).unwrap();
    assert_eq!(ctx.trust_root_count(), 1, "the same root twice");
    ctx.load_verify_locations(None, Some(roots.path())).unwrap();
    ctx.load_verify_locations(None, Some(roots.path())).unwrap();
    assert_eq!(ctx.trust_root_count(), 2, "the same directory twice");

    // A good certificate followed by a malformed section: the whole file fails.
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        format!("{}-----BEGIN CERTIFICATE-----\n!!!\n", b.cert_pem),
    )
    .unwrap();
    let err = ctx.load_verify_locations(Some(&broken), None).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PEM_LIB);
    assert_eq!(ctx.trust_root_count(), 2);
    // And in a directory it is skipped whole.
    std::fs::rename(&broken, roots.path().join("broken.pem")).unwrap();
    ctx.load_verify_locations(None, Some(roots.path())).unwrap();
    assert_eq!(ctx.trust_root_count(), 2);
    assert_eq!(error::error_count(), 0);
}

#[test]
fn only_regular_files_within_the_size_limit_are_read() {
    let dir = TempDir::new().unwrap();
    let roots = TempDir::new().unwrap();
    identity(roots.path(), "r1");
    let big = roots.path().join("big.pem");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_FILE_SIZE + 1)
        .unwrap();
    error::clear_error();

    let mut ctx = SslCtx::new(Method::QuicServer);
    let err = ctx.use_certificate_chain_file(dir.path()).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::SYS_LIB);
    let err = ctx
        .load_verify_locations(Some(dir.path()), None)
        .unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::SYS_LIB);
    let err = ctx.use_private_key_file(&big, FileType::Pem).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::BUF_LIB);
    let err = ctx.load_verify_locations(Some(&big), None).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::BUF_LIB);
    // In a verify directory the oversized file is skipped.
    ctx.load_verify_locations(None, Some(roots.path())).unwrap();
    assert_eq!(ctx.trust_root_count(), 1);
    assert_eq!(error::error_count(), 0);
}

/// A root CA's PEM, and two "localhost" certificates (PEM, key PEM) issued by an intermediate
/// CA the root signed, with the intermediate's PEM.
struct CaChain {
    root: String,
    intermediate: String,
    leaves: [(String, String); 2],
}

fn ca_chain() -> CaChain {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params
    };
    let root = CertifiedIssuer::self_signed(ca("root"), KeyPair::generate().unwrap()).unwrap();
    let intermediate =
        CertifiedIssuer::signed_by(ca("intermediate"), KeyPair::generate().unwrap(), &*root)
            .unwrap();
    let leaf = || {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &*intermediate)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    CaChain {
        root: root.pem(),
        intermediate: intermediate.pem(),
        leaves: [leaf(), leaf()],
    }
}

#[test]
fn use_certificate_replaces_the_leaf_and_keeps_the_chain() {
    let dir = TempDir::new().unwrap();
    let chain = ca_chain();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, &chain.root).unwrap();
    let [(leaf1, key1), (leaf2, key2)] = &chain.leaves;
    error::clear_error();

    let mut server = SslCtx::new(Method::QuicServer);
    server
        .use_certificate_chain_pem(format!("{leaf1}{}", chain.intermediate).as_bytes())
        .unwrap();
    server.use_private_key_pem(key1.as_bytes()).unwrap();
    server.set_alpn_protos(H3).unwrap();
    let client = client_ctx(&root, SSL_VERIFY_PEER, H3);
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");

    // Only the first certificate of the file is read: the malformed section after it is not.
    let file = dir.path().join("leaf2.pem");
    std::fs::write(&file, format!("{leaf2}-----BEGIN CERTIFICATE-----\n!!!\n")).unwrap();
    server.use_certificate_file(&file, FileType::Pem).unwrap();
    server.use_private_key_pem(key2.as_bytes()).unwrap();
    server.check_private_key().unwrap();
    // The intermediate set with the first leaf still completes the chain.
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(error::error_count(), 0);
}

/// Runs the test `name` of this binary alone in a child process with `env` set, and asserts
/// that it ran and passed (changing the environment of this process would race other tests).
fn run_child(name: &str, env: &[(&str, &std::ffi::OsStr)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .stdout(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Set by [`default_verify_paths_honour_ssl_cert_file`] for [`default_verify_paths_child`]:
/// the directory holding the server's `server.crt` and `server.key`.
const VERIFY_PATHS_CHILD: &str = "QSSL_TEST_VERIFY_PATHS_CHILD";

/// The child half of [`default_verify_paths_honour_ssl_cert_file`], started with
/// `SSL_CERT_FILE` naming the server's self-signed certificate. Does nothing when run as an
/// ordinary test.
#[test]
fn default_verify_paths_child() {
    let Some(dir) = std::env::var_os(VERIFY_PATHS_CHILD) else {
        return;
    };
    let dir = PathBuf::from(dir);
    error::clear_error();
    let mut client = SslCtx::new(Method::QuicClient);
    client.set_default_verify_paths();
    let loaded = client.trust_root_count();
    assert!(loaded >= 1, "SSL_CERT_FILE was loaded");
    client.set_default_verify_paths();
    assert_eq!(
        client.trust_root_count(),
        loaded,
        "loading again adds nothing"
    );
    assert_eq!(error::error_count(), 0);
    client.set_verify(SSL_VERIFY_PEER, None);
    client.set_alpn_protos(H3).unwrap();

    let mut server = SslCtx::new(Method::QuicServer);
    server
        .use_certificate_chain_file(dir.join("server.crt"))
        .unwrap();
    server
        .use_private_key_file(dir.join("server.key"), FileType::Pem)
        .unwrap();
    server.set_alpn_protos(H3).unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
}

#[test]
fn default_verify_paths_honour_ssl_cert_file() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    run_child(
        "default_verify_paths_child",
        &[
            ("SSL_CERT_FILE", id.cert.as_os_str()),
            (VERIFY_PATHS_CHILD, dir.path().as_os_str()),
        ],
    );
}

#[test]
fn default_verify_paths_never_fail() {
    error::clear_error();
    let mut ctx = SslCtx::new(Method::QuicClient);
    ctx.set_default_verify_paths();
    assert_eq!(error::error_count(), 0);
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
    // The longest list the extension can carry (0xFFFD bytes), and one byte more.
    let long_list = |last: u8| {
        let mut list = Vec::new();
        for len in std::iter::repeat_n(255, 255).chain([last]) {
            list.push(len);
            list.extend(std::iter::repeat_n(b'a', usize::from(len)));
        }
        list
    };
    let longest = long_list(252);
    assert_eq!(longest.len(), 0xFFFD);
    ctx.set_alpn_protos(&longest).unwrap();
    assert_eq!(ctx.alpn_protos(), longest);
    let err = ctx.set_alpn_protos(&long_list(253)).unwrap_err();
    assert_raised(&err, ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT);
    assert_eq!(ctx.alpn_protos(), longest);

    ctx.set_alpn_protos(b"").unwrap();
    assert!(ctx.alpn_protos().is_empty());
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
    assert_eq!(close.error_code, crypto_error(UNKNOWN_CA), "{close:?}");

    let client = client_ctx(&other.cert, SSL_VERIFY_NONE, H3);
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");

    // No roots at all: the same.
    let mut client = SslCtx::new(Method::QuicClient);
    client.set_alpn_protos(H3).unwrap();
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "VERIFY_NONE is the default: {out:?}");
    client.set_verify(SSL_VERIFY_PEER, None);
    assert_eq!(client.verify_mode(), SSL_VERIFY_PEER);
    let out = handshake(&client, &server);
    assert!(!out.client_complete, "{out:?}");
}

/// A verify callback answering `answer` and recording each `preverify_ok` it saw.
fn recording_callback(answer: bool) -> (VerifyCallback, Arc<Mutex<Vec<bool>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let callback: VerifyCallback = Arc::new(move |ok: bool, info: &VerifyInfo<'_>| {
        if !ok {
            assert!(
                info.error.is_some() && info.code() != x509_v::OK,
                "{info:?}"
            );
        }
        assert!(!info.current().is_empty());
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

    // Untrusted certificate, callback accepts: told of the self-signed certificate, then
    // asked about it once more, as OpenSSL asks.
    let mut client = client_ctx(&other.cert, SSL_VERIFY_PEER, H3);
    let (callback, seen) = recording_callback(true);
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(*seen.lock().unwrap(), [false, true]);

    // Trusted certificate, callback rejects.
    let mut client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let (callback, seen) = recording_callback(false);
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
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
    client.set_verify(SSL_VERIFY_NONE, Some(callback));
    let out = handshake(&client, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(*seen.lock().unwrap(), [true]);
}

/// A server identity whose leaf an intermediate signed, and the root that signed the
/// intermediate (a file to trust).
fn chained_identity(dir: &Path) -> (Identity, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca = |name: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p
    };
    let (root_key, inter_key, leaf_key) = (
        KeyPair::generate().unwrap(),
        KeyPair::generate().unwrap(),
        KeyPair::generate().unwrap(),
    );
    let root_params = ca("root");
    let root = root_params.self_signed(&root_key).unwrap();
    let inter_params = ca("intermediate");
    let inter = inter_params
        .signed_by(&inter_key, &Issuer::from_params(&root_params, &root_key))
        .unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &Issuer::from_params(&inter_params, &inter_key))
        .unwrap();
    let (cert, key, roots) = (
        dir.join("chain.crt"),
        dir.join("leaf.key"),
        dir.join("root.crt"),
    );
    std::fs::write(&cert, leaf.pem() + &inter.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    std::fs::write(&roots, root.pem()).unwrap();
    let id = Identity {
        cert,
        key,
        cert_pem: leaf.pem(),
        key_der: leaf_key.serialize_der(),
        cert_der: leaf.der().to_vec(),
    };
    (id, roots)
}

/// What [`step_recorder`] saw: (preverify_ok, depth, verify result, chain length) per step.
type Steps = Arc<Mutex<Vec<(bool, usize, i64, usize)>>>;

/// A verify callback recording each step it is called for; it accepts what passed, and with
/// `clear` also clears errors and accepts them.
fn step_recorder(clear: bool) -> (VerifyCallback, Steps) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let callback: VerifyCallback = Arc::new(move |ok: bool, info: &VerifyInfo<'_>| {
        record
            .lock()
            .unwrap()
            .push((ok, info.depth, info.code(), info.chain.len()));
        if !ok && clear {
            info.set_code(x509_v::OK);
            return true;
        }
        ok
    });
    (callback, seen)
}

#[test]
fn verify_callback_walks_a_chain_from_its_anchor_down() {
    let dir = TempDir::new().unwrap();
    let (id, root) = chained_identity(dir.path());
    let server = server_ctx(&id, H3);

    let mut client = client_ctx(&root, SSL_VERIFY_PEER, H3);
    let (callback, seen) = step_recorder(false);
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
    assert!(handshake(&client, &server).succeeded());
    assert_eq!(
        *seen.lock().unwrap(),
        [(true, 2, 0, 3), (true, 1, 0, 3), (true, 0, 0, 3)],
        "root, intermediate, leaf"
    );

    // Depth 0 allows no CA certificate between leaf and anchor: the chain stops at the
    // intermediate, which is too long and has no trusted issuer.
    client.set_verify_depth(0);
    assert_eq!(client.verify_depth(), 0);
    let (callback, seen) = step_recorder(false);
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
    assert!(!handshake(&client, &server).client_complete);
    let too_long = (false, 1, x509_v::ERR_CERT_CHAIN_TOO_LONG, 2);
    assert_eq!(*seen.lock().unwrap(), [too_long]);

    // A callback that clears each error lets the handshake through, as OpenSSL's does.
    let (callback, seen) = step_recorder(true);
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
    assert!(handshake(&client, &server).succeeded());
    let no_issuer = (false, 1, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 2);
    assert_eq!(
        *seen.lock().unwrap(),
        [too_long, no_issuer, (true, 0, 0, 2)]
    );
}

#[test]
fn panicking_verify_callback_rejects() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let server = server_ctx(&id, H3);
    let mut client = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    let callback: VerifyCallback = Arc::new(|_, _| panic!("verify callback panics"));
    client.set_verify(SSL_VERIFY_PEER, Some(callback));
    let out = handshake(&client, &server);
    assert!(!out.client_complete, "{out:?}");
    let close = out.client_close.expect("client closes");
    assert!(close.local, "{close:?}");
    assert_eq!(
        close.error_code,
        crypto_error(HANDSHAKE_FAILURE),
        "{close:?}"
    );
}

/// The TLS alerts the verify tests expect. A certificate the verify callback refuses without
/// an error is `X509_V_ERR_UNSPECIFIED`, for which OpenSSL sends internal_error; rustls lets a
/// verifier send handshake_failure at most.
const HANDSHAKE_FAILURE: u64 = 40;
const UNKNOWN_CA: u64 = 48;
const CERTIFICATE_REQUIRED: u64 = 116;

/// The QUIC `CRYPTO_ERROR` code carrying a TLS alert.
fn crypto_error(alert: u64) -> u64 {
    0x100 + alert
}

/// A client context trusting `roots` and presenting `id`'s certificate.
fn client_with_cert(roots: &Path, id: &Identity) -> SslCtx {
    let mut client = client_ctx(roots, SSL_VERIFY_PEER, H3);
    client.use_certificate_chain_file(&id.cert).unwrap();
    client.use_private_key_file(&id.key, FileType::Pem).unwrap();
    client
}

/// Asserts that the server refused the handshake, closing with `alert`.
#[track_caller]
fn assert_server_refused(out: &Outcome, alert: u64) {
    assert!(!out.succeeded(), "{out:?}");
    let close = out.server_close.as_ref().expect("server closes");
    assert!(close.local, "{close:?}");
    assert_eq!(close.error_code, crypto_error(alert), "{close:?}");
}

#[test]
fn client_certificates_per_server_verify_mode() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let client_id = identity(dir.path(), "client");
    let stranger = identity(dir.path(), "stranger");
    let mut server = server_ctx(&id, H3);
    server
        .load_verify_locations(Some(&client_id.cert), None)
        .unwrap();
    server.set_verify(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, None);

    let anonymous = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    assert_server_refused(&handshake(&anonymous, &server), CERTIFICATE_REQUIRED);
    let trusted = client_with_cert(&id.cert, &client_id);
    let out = handshake(&trusted, &server);
    assert!(out.succeeded(), "{out:?}");
    let untrusted = client_with_cert(&id.cert, &stranger);
    assert_server_refused(&handshake(&untrusted, &server), UNKNOWN_CA);

    // VERIFY_PEER alone: a client without a certificate is let in, a bad one still is not.
    server.set_verify(SSL_VERIFY_PEER, None);
    let out = handshake(&anonymous, &server);
    assert!(out.succeeded(), "{out:?}");
    assert_server_refused(&handshake(&untrusted, &server), UNKNOWN_CA);
}

#[test]
fn server_verify_callback_overrides_the_verdict() {
    let dir = TempDir::new().unwrap();
    let id = identity(dir.path(), "server");
    let client_id = identity(dir.path(), "client");
    let stranger = identity(dir.path(), "stranger");
    let mut server = server_ctx(&id, H3);
    server
        .load_verify_locations(Some(&client_id.cert), None)
        .unwrap();
    let mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;

    // Untrusted client certificate, callback accepts.
    let (callback, seen) = recording_callback(true);
    server.set_verify(mode, Some(callback));
    assert_eq!(server.verify_mode(), mode);
    let out = handshake(&client_with_cert(&id.cert, &stranger), &server);
    assert!(out.succeeded(), "{out:?}");
    assert_eq!(*seen.lock().unwrap(), [false, true]);

    // Trusted client certificate, callback rejects.
    let (callback, seen) = recording_callback(false);
    server.set_verify(mode, Some(callback));
    let out = handshake(&client_with_cert(&id.cert, &client_id), &server);
    assert_server_refused(&out, HANDSHAKE_FAILURE);
    assert_eq!(*seen.lock().unwrap(), [true]);

    // No certificate: nothing to call the callback on.
    let (callback, seen) = recording_callback(true);
    server.set_verify(mode, Some(callback));
    let anonymous = client_ctx(&id.cert, SSL_VERIFY_PEER, H3);
    assert_server_refused(&handshake(&anonymous, &server), CERTIFICATE_REQUIRED);
    assert!(seen.lock().unwrap().is_empty());
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
    run_child(
        "sslkeylogfile_child",
        &[
            ("SSLKEYLOGFILE", file.as_os_str()),
            (CHILD_MARK, "1".as_ref()),
        ],
    );
    let log = std::fs::read_to_string(&file).unwrap();
    // Client and server both log into the file.
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
        "SERVER_TRAFFIC_SECRET_0 ",
    ] {
        assert_eq!(log.matches(label).count(), 2, "{label} in {log}");
    }
}
