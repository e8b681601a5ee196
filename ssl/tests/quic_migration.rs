//! Connection migration over real UDP sockets on loopback: a client given a new socket in the
//! middle of a download moves its connection there (qssl behaviour beyond OpenSSL), and the
//! listener's connection follows it.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use qssl::error::{self, ERR_LIB_SSL, err_r};
use qssl::quic::Ssl;
use qssl_bio::{DatagramBio, UdpBio};
use qssl_quic::conn::{ConnectionConfig, PreferredAddressConfig};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// The download's size.
const REPLY: usize = 8 << 20;

/// A UDP socket BIO bound to `local` and connected to `server`, and its address.
fn connected_bio(local: &str, server: SocketAddr) -> (Arc<dyn DatagramBio>, SocketAddr) {
    let bio = UdpBio::bind(local.parse().unwrap()).unwrap();
    let addr = bio.local_addr().socket_addr().unwrap();
    bio.connect(server).unwrap();
    (Arc::new(bio), addr)
}

/// A listener on loopback serving one connection: it reads the request, answers with
/// [`REPLY`] bytes, waits for the client to close, and returns the address the connection
/// last sent to.
fn serve_one(
    id: &Identity,
    server_config: ConnectionConfig,
) -> (SocketAddr, thread::JoinHandle<SocketAddr>) {
    serve_on(id, udp_bio(), server_config)
}

/// [`serve_one`] on the socket `bio` bound to `addr`.
fn serve_on(
    id: &Identity,
    (bio, addr): (Arc<dyn DatagramBio>, SocketAddr),
    server_config: ConnectionConfig,
) -> (SocketAddr, thread::JoinHandle<SocketAddr>) {
    let listener = listener_on(id, bio, server_config);
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let stream = conn.accept_stream(0).unwrap().unwrap();
        let mut request = Vec::new();
        (&stream).read_to_end(&mut request).unwrap();
        assert_eq!(request, b"GET");
        let reply = vec![7u8; REPLY];
        stream
            .write_ex2(&reply, qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
        assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
        conn.peer_addr().unwrap()
    });
    (addr, server)
}

/// A listener of `id` with `config` on `bio`, without address validation.
fn listener_on(id: &Identity, bio: Arc<dyn DatagramBio>, config: ConnectionConfig) -> Ssl {
    let mut ctx = server_ctx(id);
    *ctx.connection_config_mut() = config;
    let listener = Ssl::new_listener(&ctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    listener
}

/// A blocking client connection from `local` to `server`, connected.
fn connected_client(id: &Identity, server: SocketAddr, local: &str) -> Ssl {
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    let (bio, _) = connected_bio(local, server);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    client
}

/// A blocking client connected from `local` that has asked for the reply, and its stream.
fn client_with_request(id: &Identity, server: SocketAddr, local: &str) -> (Ssl, Ssl) {
    let client = connected_client(id, server, local);
    let stream = client.new_stream(0).unwrap();
    stream
        .write_ex2(b"GET", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    (client, stream)
}

/// Reads `n` bytes of the reply.
fn read_some(stream: &Ssl, n: usize) {
    let mut buf = vec![0u8; n];
    (&*stream).read_exact(&mut buf).unwrap();
    assert!(buf.iter().all(|b| *b == 7));
}

/// Moves `client` to a new socket bound to `local` after a quarter of the reply, reads the
/// rest, and returns the new socket's address.
fn download_moving_to(client: &Ssl, stream: &Ssl, server: SocketAddr, local: &str) -> SocketAddr {
    read_some(stream, REPLY / 4);
    let (bio, moved_to) = connected_bio(local, server);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    let mut rest = Vec::new();
    (&*stream).read_to_end(&mut rest).unwrap();
    assert_eq!(rest.len(), REPLY - REPLY / 4);
    assert!(rest.iter().all(|b| *b == 7));
    moved_to
}

#[test]
fn a_client_given_a_new_socket_mid_download_moves_its_connection_there() {
    let id = Identity::localhost();
    let (addr, server) = serve_one(&id, ConnectionConfig::default());
    let (client, stream) = client_with_request(&id, addr, "127.0.0.1:0");
    let moved_to = download_moving_to(&client, &stream, addr, "127.0.0.1:0");
    client.shutdown_ex(0, 0, b"").unwrap();
    assert_eq!(server.join().unwrap(), moved_to, "the server followed");
}

#[test]
fn a_client_moves_to_another_local_address() {
    let id = Identity::localhost();
    let (addr, server) = serve_one(&id, ConnectionConfig::default());
    let (client, stream) = client_with_request(&id, addr, "127.0.0.1:0");
    let moved_to = download_moving_to(&client, &stream, addr, "127.0.0.2:0");
    assert_eq!(moved_to.ip().to_string(), "127.0.0.2");
    client.shutdown_ex(0, 0, b"").unwrap();
    assert_eq!(server.join().unwrap(), moved_to);
}

#[test]
fn a_server_that_disabled_migration_makes_the_move_fail_with_a_reason() {
    let config = ConnectionConfig {
        disable_active_migration: true,
        ..ConnectionConfig::default()
    };
    let id = Identity::localhost();
    let (addr, server) = serve_one(&id, config);
    let (client, stream) = client_with_request(&id, addr, "127.0.0.1:0");
    read_some(&stream, REPLY / 4);
    let (bio, _) = connected_bio("127.0.0.1:0", addr);
    error::clear_error();
    let err = client.set_bio(Some(bio.clone()), Some(bio)).unwrap_err();
    assert_eq!(
        (err.lib(), err.reason()),
        (ERR_LIB_SSL, err_r::OPERATION_FAIL)
    );
    assert_eq!(error::peek_last_error(), err.code(), "on the queue");
    assert!(
        err.data()
            .is_some_and(|d| d.contains("disabled active migration")),
        "{err}"
    );
    // The BIOs are set all the same (`SSL_set_bio` cannot fail in C), and the server drops
    // what comes from the new address: the connection is left to its idle timeout, as with
    // OpenSSL. The server thread is left behind.
    drop(server);
}

#[test]
fn a_client_follows_the_listeners_preferred_address() {
    // The listener's socket takes every local address: 127.0.0.1 for the handshake, and
    // 127.0.0.2, its preferred address, where it answers from too.
    let id = Identity::localhost();
    let bio = UdpBio::bind("0.0.0.0:0".parse().unwrap()).unwrap();
    let port = bio.local_addr().port().unwrap();
    let preferred = std::net::SocketAddrV4::new([127, 0, 0, 2].into(), port);
    let config = ConnectionConfig {
        preferred_address: Some(PreferredAddressConfig {
            ipv4: Some(preferred),
            ipv6: None,
        }),
        ..ConnectionConfig::default()
    };
    let first: SocketAddr = ([127, 0, 0, 1], port).into();
    let (_, server) = serve_on(&id, (Arc::new(bio), first), config);
    // An unconnected socket, so that it can send to (and hear from) another address.
    let client = Ssl::new(&client_ctx(&id.cert)).unwrap();
    let bio: Arc<dyn DatagramBio> = Arc::new(UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap());
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    client.set_initial_peer_addr(first).unwrap();
    client.set_host_name("localhost").unwrap();
    client.connect().unwrap();
    let stream = client.new_stream(0).unwrap();
    stream
        .write_ex2(b"GET", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let mut reply = Vec::new();
    (&stream).read_to_end(&mut reply).unwrap();
    assert_eq!(reply.len(), REPLY);
    assert_eq!(client.peer_addr(), Some(SocketAddr::V4(preferred)));
    let info = client.connection_info().unwrap();
    assert_eq!(
        (info.stats.migrations, info.stats.failed_validations),
        (1, 0)
    );
    client.shutdown_ex(0, 0, b"").unwrap();
    server.join().unwrap();
}

#[test]
fn a_client_moves_in_the_middle_of_an_upload() {
    // The other direction: the client sends 8 MiB and moves halfway; the listener's
    // connection follows it and receives everything.
    let id = Identity::localhost();
    let (bio, addr) = udp_bio();
    let listener = listener_on(&id, bio, ConnectionConfig::default());
    let server = thread::spawn(move || {
        let conn = listener.accept_connection(0).unwrap().unwrap();
        let stream = conn.accept_stream(0).unwrap().unwrap();
        let mut upload = Vec::new();
        (&stream).read_to_end(&mut upload).unwrap();
        stream
            .write_ex2(b"done", qssl::quic::WRITE_FLAG_CONCLUDE)
            .unwrap();
        assert!(
            conn.shutdown_ex(qssl::quic::SHUTDOWN_FLAG_WAIT_PEER, 0, b"")
                .unwrap()
        );
        (upload, conn.peer_addr().unwrap())
    });
    let client = connected_client(&id, addr, "127.0.0.1:0");
    let stream = client.new_stream(0).unwrap();
    let data: Vec<u8> = (0..REPLY).map(|i| (i % 251) as u8).collect();
    let half = REPLY / 2;
    stream.write_ex2(&data[..half], 0).unwrap();
    let (bio, moved_to) = connected_bio("127.0.0.1:0", addr);
    client.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    stream
        .write_ex2(&data[half..], qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let mut answer = Vec::new();
    (&stream).read_to_end(&mut answer).unwrap();
    assert_eq!(answer, b"done");
    client.shutdown_ex(0, 0, b"").unwrap();
    let (upload, peer) = server.join().unwrap();
    assert!(upload == data, "the upload arrived whole");
    assert_eq!(peer, moved_to);
}
