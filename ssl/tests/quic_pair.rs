//! QUIC objects in one process over a datagram pair, non-blocking: handshake, default
//! streams, stream IDs, states and error codes, resets, policies and shutdown, as OpenSSL's
//! QUIC API defines them.

mod common;

use common::*;
use qssl::ErrorCode;
use qssl::quic::{StreamEnd, StreamState};

#[test]
fn default_stream_round_trip() {
    let s = pair_setup(true);
    let server = connect_pair(&s);
    assert!(s.client.is_init_finished());
    // Write first: the client's default stream is its first bidirectional stream.
    assert_eq!(s.client.write(b"hello").unwrap(), 5);
    assert_eq!(s.client.stream_id(), 0);
    // Read first: the server binds the peer's first stream as its default.
    let mut buf = [0u8; 64];
    let n = retry(&[&s.client, &server], || server.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(server.stream_id(), 0);
    assert_eq!(server.is_stream_local(), Some(false));
    server.write_ex2(b"world", qssl::quic::WRITE_FLAG_CONCLUDE).unwrap();
    let n = retry(&[&s.client, &server], || s.client.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"world");
    let err = retry(&[&s.client, &server], || s.client.read(&mut buf)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZeroReturn);
    assert_eq!(s.client.get_error(0), ErrorCode::ZeroReturn);
    assert_eq!(s.client.stream_read_state(), StreamState::Finished);
    assert_eq!(s.client.stream_read_end(), StreamEnd::Finished);
    assert_eq!(server.stream_write_state(), StreamState::Finished);
}
