//! A client's first 1-RTT packet that overtakes its Handshake packet (the Finished) is kept
//! by the server and read once the handshake completes (RFC 9001 §5.7 allows it), so the
//! request is answered without waiting for the client to send it again.

mod common;

use std::net::SocketAddr;
use std::time::Instant;

use qssl_quic::conn::{Connection, ConnectionConfig};
use qssl_quic::endpoint::{Endpoint, EndpointConfig};
use qssl_quic::packet::header::{Coalesced, ParsedHeader};
use qssl_quic::{Dir, PacketKind};

const CLIENT: &str = "10.0.0.1:50000";
const SERVER: &str = "10.0.0.2:443";

/// Every datagram `conn` has to send now.
fn datagrams(conn: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1500];
    while let Some(t) = conn.poll_transmit(now, &mut buf) {
        out.push(buf[..t.len].to_vec());
    }
    out
}

#[test]
fn a_request_that_overtakes_the_finished_is_read_once_the_handshake_completes() {
    let (client_tls, server_tls) = common::tls_configs(rustls::crypto::ring::default_provider());
    let now = Instant::now();
    let (client_addr, server_addr): (SocketAddr, SocketAddr) =
        (CLIENT.parse().unwrap(), SERVER.parse().unwrap());
    let mut server = Endpoint::new(EndpointConfig::server(server_tls), now, 1);
    let mut client = Connection::connect(
        ConnectionConfig::default(),
        client_tls,
        "localhost".try_into().unwrap(),
        server_addr,
        now,
        2,
    )
    .unwrap();
    // The client's first flight, and the server's answer, until the client is done.
    while !client.is_handshake_complete() {
        for mut d in datagrams(&mut client, now) {
            server.handle_datagram(now, client_addr, &mut d);
        }
        let mut buf = vec![0u8; 1500];
        while let Some(t) = server.poll_transmit(now, &mut buf) {
            client.handle_datagram(now, server_addr, &mut buf[..t.len]);
        }
    }
    let id = client.open_stream(Dir::Bi).unwrap();
    client.stream_write(id, b"GET 10\r\n").unwrap();
    client.stream_finish(id).unwrap();
    // The Finished and the request go in one datagram: the request arrives first.
    let flight = datagrams(&mut client, now);
    assert_eq!(flight.len(), 1, "one datagram");
    let datagram = &flight[0];
    let one_rtt = Coalesced::new(datagram, 8)
        .map(Result::unwrap)
        .find(|(h, _)| matches!(h, ParsedHeader::Protected(p) if p.kind == PacketKind::OneRtt))
        .map(|(_, range)| range.start)
        .expect("a 1-RTT packet");
    server.handle_datagram(now, client_addr, &mut datagram[one_rtt..].to_vec());
    let handle = server.accept().expect("the connection");
    assert!(!server.get(handle).unwrap().is_handshake_complete());
    assert!(
        server
            .connection(handle)
            .unwrap()
            .accept_stream(Dir::Bi)
            .is_none()
    );
    server.handle_datagram(now, client_addr, &mut datagram[..one_rtt].to_vec());
    let conn = server.connection(handle).unwrap();
    assert!(conn.is_handshake_complete());
    let stream = conn.accept_stream(Dir::Bi).expect("the request's stream");
    let mut buf = [0u8; 64];
    let read = conn.stream_read(stream, &mut buf).unwrap();
    assert_eq!(&buf[..read.len], b"GET 10\r\n");
    assert!(read.fin);
}
