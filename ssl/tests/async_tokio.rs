//! QUIC streams and TLS objects as tokio's AsyncRead/AsyncWrite: echo servers and clients
//! written only with tokio's I/O traits, over real sockets on loopback.

use std::sync::Arc;

use qssl::asyncio::{QuicConnection, TlsStream};
use qssl::ctx::{Method, SSL_VERIFY_PEER};
use qssl::tls::Tls;
use qssl::{Ssl, SslCtx};
use qssl_bio::{DatagramBio, UdpBio};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Varied bytes, more than one flow-control window's worth of small writes would carry.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A server and a client context for "localhost" of `method`'s kind, with ALPN "echo" for
/// QUIC.
fn contexts(quic: bool) -> (SslCtx, SslCtx) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (server_method, client_method) = if quic {
        (Method::QuicServer, Method::QuicClient)
    } else {
        (Method::TlsServer, Method::TlsClient)
    };
    let mut server = SslCtx::new(server_method);
    server.use_certificate_der(made.cert.der()).unwrap();
    server
        .use_private_key_der(made.signing_key.serialized_der())
        .unwrap();
    let mut client = SslCtx::new(client_method);
    client.add_trusted_certificate(made.cert.der()).unwrap();
    client.set_verify(SSL_VERIFY_PEER, None);
    if quic {
        server.set_alpn_protos(b"\x04echo").unwrap();
        client.set_alpn_protos(b"\x04echo").unwrap();
    }
    (server, client)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn quic_streams_echo_through_tokio_io() {
    let (server_ctx, client_ctx) = contexts(true);
    let socket = UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let server_addr = socket.local_addr().socket_addr().unwrap();
    let socket: Arc<dyn DatagramBio> = Arc::new(socket);
    let listener = Ssl::new_listener(&server_ctx, 0).unwrap();
    listener
        .set_bio(Some(socket.clone()), Some(socket))
        .unwrap();
    listener.listen().unwrap();

    runtime().block_on(async move {
        let server = tokio::spawn(async move {
            let conn = tokio::task::spawn_blocking(move || listener.accept_connection(0))
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            let conn = QuicConnection::new(conn).unwrap();
            // Three streams at once, each echoed on its own task.
            let mut tasks = Vec::new();
            for _ in 0..3 {
                let mut stream = conn.accept_stream().await.unwrap();
                tasks.push(tokio::spawn(async move {
                    let mut data = Vec::new();
                    stream.read_to_end(&mut data).await.unwrap();
                    stream.write_all(&data).await.unwrap();
                    stream.shutdown().await.unwrap();
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            conn
        });

        let socket: Arc<dyn DatagramBio> =
            Arc::new(UdpBio::bind("127.0.0.1:0".parse().unwrap()).unwrap());
        let conn = Ssl::new(&client_ctx).unwrap();
        conn.set_bio(Some(socket.clone()), Some(socket)).unwrap();
        conn.set_initial_peer_addr(server_addr).unwrap();
        conn.set_host_name("localhost").unwrap();
        let conn = QuicConnection::new(conn).unwrap();
        conn.handshake().await.unwrap();
        let mut clients = Vec::new();
        for i in 0..3 {
            let conn = conn.clone();
            clients.push(tokio::spawn(async move {
                let sent = payload(300_000 + i * 1000);
                let mut stream = conn.open_stream(false).await.unwrap();
                let (mut reader, mut writer) = tokio::io::split(&mut stream);
                let write = async {
                    writer.write_all(&sent).await.unwrap();
                    writer.shutdown().await.unwrap();
                };
                let mut echoed = Vec::new();
                let read = reader.read_to_end(&mut echoed);
                let (_, read) = tokio::join!(write, read);
                read.unwrap();
                assert_eq!(echoed, sent, "stream {i}");
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
        conn.close(0, b"done").await.unwrap();
        let server_conn = server.await.unwrap();
        // The server's accept now reports the end of the connection.
        assert!(server_conn.accept_stream().await.is_err());
    });
}

#[test]
fn tls_objects_echo_through_tokio_io() {
    let (server_ctx, client_ctx) = contexts(false);
    runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = Tls::new(&server_ctx).unwrap();
            tls.set_accept_state();
            let mut stream = TlsStream::new(tls, tcp).unwrap();
            // Read and write at once, in pieces, through split halves.
            let (mut reader, mut writer) = tokio::io::split(&mut stream);
            tokio::io::copy(&mut reader, &mut writer).await.unwrap();
            writer.shutdown().await.unwrap();
        });
        let tls = Tls::new(&client_ctx).unwrap();
        tls.set_host_name("localhost").unwrap();
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut stream = TlsStream::new(tls, tcp).unwrap();
        stream.handshake().await.unwrap();
        assert_eq!(stream.tls().version_string(), "TLSv1.3");
        let sent = payload(2_000_000);
        let (mut reader, mut writer) = tokio::io::split(&mut stream);
        let write = async {
            writer.write_all(&sent).await.unwrap();
            writer.shutdown().await.unwrap();
        };
        let mut echoed = Vec::new();
        let (_, read) = tokio::join!(write, reader.read_to_end(&mut echoed));
        read.unwrap();
        assert_eq!(echoed.len(), sent.len());
        assert!(echoed == sent);
        server.await.unwrap();
    });
}
