//! NEW_TOKEN tokens through QUIC objects over UDP on loopback: a listener that validates
//! addresses gives its client a token, the client's context keeps it, and the context's next
//! connection to the server presents it and skips the Retry round trip.

use std::io::{Read, Write};
use std::thread;

use qssl::quic::Ssl;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

/// Whether `client`'s connection went through a Retry: the server's transport parameters
/// then name the Retry's connection ID.
fn retried(client: &Ssl) -> bool {
    let info = client.connection_info().expect("started");
    let params = info.peer_params.expect("the server's parameters");
    params.retry_source_connection_id.is_some()
}

/// One request and its echo through a blocking client of `ctx` to `server`.
fn exchange(ctx: &qssl::SslCtx, server: std::net::SocketAddr) -> Ssl {
    let client = udp_client(ctx, server);
    client
        .write_ex2(b"ping", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let mut reply = Vec::new();
    (&client).read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"ping");
    client
}

#[test]
fn a_second_connection_presents_the_token_and_skips_the_retry() {
    let id = Identity::localhost();
    let (bio, addr) = udp_bio();
    // Flags 0: the listener validates every new client's address.
    let listener = Ssl::new_listener(&server_ctx(&id), 0).unwrap();
    listener.set_bio(Some(bio.clone()), Some(bio)).unwrap();
    let server = thread::spawn(move || {
        for _ in 0..2 {
            let conn = listener.accept_connection(0).unwrap().unwrap();
            let mut request = Vec::new();
            (&conn).read_to_end(&mut request).unwrap();
            (&conn).write_all(&request).unwrap();
            conn.stream_conclude().unwrap();
            let flags = qssl::quic::SHUTDOWN_FLAG_WAIT_PEER;
            assert!(conn.shutdown_ex(flags, 0, b"").unwrap());
        }
    });
    let ctx = client_ctx(&id.cert);
    let first = exchange(&ctx, addr);
    assert!(retried(&first));
    assert!(first.shutdown_ex(0, 0, b"").unwrap());
    assert_eq!(ctx.token_store().len(), 1, "the server's token, kept");
    let second = exchange(&ctx, addr);
    assert!(!retried(&second), "the token validated the address");
    assert!(second.shutdown_ex(0, 0, b"").unwrap());
    server.join().unwrap();
}
