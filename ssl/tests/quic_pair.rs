//! QUIC objects in one process over a datagram pair, non-blocking: handshake, default
//! streams, stream IDs, states and error codes, resets, policies and shutdown, as OpenSSL's
//! QUIC API defines them.

use qssl::ErrorCode;
use qssl::quic::{Ssl, StreamEnd, StreamState};
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

#[test]
fn default_stream_round_trip() {
    let s = pair_setup(true);
    assert!(s.client.in_before());
    let server = connect_pair(&s);
    assert!(!s.client.in_before() && !server.in_before());
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
    server
        .write_ex2(b"world", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    let n = retry(&[&s.client, &server], || s.client.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"world");
    let err = retry(&[&s.client, &server], || s.client.read(&mut buf)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZeroReturn);
    assert_eq!(s.client.get_error(0), ErrorCode::ZeroReturn);
    assert_eq!(s.client.stream_read_state(), StreamState::Finished);
    assert_eq!(s.client.stream_read_end(), StreamEnd::Finished);
    assert_eq!(server.stream_write_state(), StreamState::Finished);
}

#[test]
fn stream_ids_types_and_accept_order() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    // Under the default policy (AUTO) the first stream accepted would make the server
    // refuse the rest, as OpenSSL's does: a multi-stream server accepts them explicitly.
    server
        .set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
        .unwrap();
    let objs = [&s.client, &server];
    // Until the first read or write (or new_stream) decides, the default stream may still be
    // either kind: OpenSSL reports it as bidirectional.
    assert_eq!(s.client.stream_type(), qssl::quic::StreamType::Bidi);
    assert_eq!(s.client.stream_id(), u64::MAX);
    let b0 = s.client.new_stream(0).unwrap();
    let b4 = s.client.new_stream(0).unwrap();
    let b8 = s.client.new_stream(0).unwrap();
    let u2 = s.client.new_stream(qssl::quic::STREAM_FLAG_UNI).unwrap();
    assert_eq!(
        [
            b0.stream_id(),
            b4.stream_id(),
            b8.stream_id(),
            u2.stream_id()
        ],
        [0, 4, 8, 2]
    );
    assert_eq!(b0.stream_type(), qssl::quic::StreamType::Bidi);
    assert_eq!(u2.stream_type(), qssl::quic::StreamType::Write);
    assert_eq!(u2.is_stream_local(), Some(true));
    assert!(!b0.is_connection());
    assert!(b0.connection().same_object(&s.client));
    // The connection got no default stream: new_stream came first.
    assert_eq!(s.client.stream_id(), u64::MAX);
    assert_eq!(s.client.stream_type(), qssl::quic::StreamType::None);
    // Streams appear at the peer in the order their first data arrives: 8, 2, 0, 4.
    for stream in [&b8, &u2, &b0, &b4] {
        stream.write(&stream.stream_id().to_be_bytes()).unwrap();
    }
    run_until(&objs, || server.accept_stream_queue_len() == 4);
    let mut order = Vec::new();
    while let Some(st) = server
        .accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
        .unwrap()
    {
        let mut buf = [0u8; 8];
        let n = retry(&objs, || st.read(&mut buf)).unwrap();
        assert_eq!(n, 8);
        assert_eq!(u64::from_be_bytes(buf), st.stream_id());
        assert_eq!(st.is_stream_local(), Some(false));
        order.push(st.stream_id());
        if st.stream_id() == 2 {
            assert_eq!(st.stream_type(), qssl::quic::StreamType::Read);
            assert_eq!(st.stream_write_state(), StreamState::WrongDir);
            assert_eq!(st.stream_write_end(), StreamEnd::Open);
            let err = st.write(b"x").unwrap_err();
            assert_eq!(
                err.error().unwrap().reason(),
                qssl::error::ssl_r::STREAM_RECV_ONLY
            );
        }
    }
    // Lowest ID first within a direction; the engine opens lower IDs implicitly.
    assert_eq!(order.len(), 4);
    assert_eq!(server.accept_stream_queue_len(), 0);
    assert!(
        server
            .accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
            .unwrap()
            .is_none()
    );
    // The server's own streams: 1 (bidi) and 3 (uni).
    let s1 = server.new_stream(0).unwrap();
    let s3 = server.new_stream(qssl::quic::STREAM_FLAG_UNI).unwrap();
    assert_eq!([s1.stream_id(), s3.stream_id()], [1, 3]);
    let err = s.client.read(&mut [0u8; 4]).unwrap_err();
    assert_eq!(err.error().unwrap().reason(), qssl::error::ssl_r::NO_STREAM);
}

#[test]
fn resets_in_both_directions() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    server
        .set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
        .unwrap();
    let objs = [&s.client, &server];
    let c = s.client.new_stream(0).unwrap();
    c.write(b"data").unwrap();
    let srv = next_stream(&objs, &server);
    let mut buf = [0u8; 16];
    retry(&objs, || srv.read(&mut buf)).unwrap();

    // Client resets its sending part: the server's read side sees RESET_REMOTE and the code.
    c.stream_reset(42).unwrap();
    c.stream_reset(7).unwrap(); // the first code wins
    assert_eq!(c.stream_write_state(), StreamState::ResetLocal);
    // A local reset's code is reported too.
    assert_eq!(c.stream_write_end(), StreamEnd::Reset(42));
    let err = retry(&objs, || srv.read(&mut buf)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_RESET
    );
    assert_eq!(srv.get_error(0), ErrorCode::Ssl);
    assert_eq!(srv.stream_read_state(), StreamState::ResetRemote);
    assert_eq!(srv.stream_read_end(), StreamEnd::Reset(42));
    // Writing after a reset fails with STREAM_RESET.
    let err = c.write(b"more").unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_RESET
    );

    // Server resets its sending part of the same stream.
    srv.write(b"reply").unwrap();
    srv.stream_reset(99).unwrap();
    run_until(&objs, || c.stream_read_state() == StreamState::ResetRemote);
    assert_eq!(c.stream_read_end(), StreamEnd::Reset(99));
    assert_eq!(srv.stream_write_state(), StreamState::ResetLocal);
    assert_eq!(srv.stream_write_end(), StreamEnd::Reset(99));

    // Dropping an unfinished stream resets it with code 0 and stops the peer sending.
    let c2 = s.client.new_stream(0).unwrap();
    c2.write(b"x").unwrap();
    let srv2 = next_stream(&objs, &server);
    drop(c2);
    run_until(&objs, || {
        srv2.stream_read_state() == StreamState::ResetRemote
            && srv2.stream_write_state() == StreamState::ResetRemote
    });
    assert_eq!(srv2.stream_read_end(), StreamEnd::Reset(0));
    assert_eq!(srv2.stream_write_end(), StreamEnd::Reset(0));
    let err = srv2.write(b"y").unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_RESET
    );
}

#[test]
fn stop_sending_with_a_chosen_code() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    let c = s.client.new_stream(0).unwrap();
    c.write(b"request").unwrap();
    let srv = next_stream(&objs, &server);
    let mut buf = [0u8; 16];
    retry(&objs, || srv.read(&mut buf)).unwrap();
    // The server asks the client to stop (H3_NO_ERROR); the client's sending part ends
    // with that code and its writes fail.
    srv.stream_stop_sending(0x100).unwrap();
    srv.stream_stop_sending(7).unwrap(); // the first code wins
    run_until(&objs, || c.stream_write_state() == StreamState::ResetRemote);
    assert_eq!(c.stream_write_end(), StreamEnd::Reset(0x100));
    let err = c.write(b"more").unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_RESET
    );
    // The server's own sending part is untouched.
    srv.write(b"reply").unwrap();
    assert_eq!(srv.stream_write_state(), StreamState::Ok);
    // A send-only stream has nothing to stop; a code past 2^62 is refused.
    let uni = server.new_stream(qssl::quic::STREAM_FLAG_UNI).unwrap();
    let err = uni.stream_stop_sending(1).unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::STREAM_SEND_ONLY);
    assert!(srv.stream_stop_sending(1 << 62).is_err());
}

#[test]
fn out_of_range_codes_are_refused() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let c = s.client.new_stream(0).unwrap();
    let err = c.stream_reset(1 << 62).unwrap_err();
    assert_eq!(err.reason(), qssl::error::err_r::PASSED_INVALID_ARGUMENT);
    assert_eq!(c.stream_write_state(), StreamState::Ok);
    let err = s.client.shutdown_ex(0, u64::MAX, b"").unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::err_r::PASSED_INVALID_ARGUMENT
    );
    // Still usable.
    c.write(b"ok").unwrap();
    let _ = server;
}

#[test]
fn reject_policy_refuses_peer_streams() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    server
        .set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Reject, 77)
        .unwrap();
    let c = s.client.new_stream(0).unwrap();
    c.write(b"hi").unwrap();
    run_until(&objs, || {
        c.stream_write_state() == StreamState::ResetRemote
            && c.stream_read_state() == StreamState::ResetRemote
    });
    assert_eq!(c.stream_write_end(), StreamEnd::Reset(77));
    assert_eq!(c.stream_read_end(), StreamEnd::Reset(77));
    assert_eq!(server.accept_stream_queue_len(), 0);
    assert!(
        server
            .accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
            .is_err()
    );
}

#[test]
fn auto_policy_rejects_once_a_default_stream_exists() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    // The client writes on its default stream (0), then opens nothing else; the server
    // opens a stream towards the client: with a default stream in AUTO_BIDI mode the
    // client's AUTO policy refuses it.
    s.client.write(b"first").unwrap();
    let extra = server.new_stream(0).unwrap();
    extra.write(b"unwanted").unwrap();
    run_until(&objs, || {
        extra.stream_write_state() == StreamState::ResetRemote
    });
    assert_eq!(extra.stream_write_end(), StreamEnd::Reset(0));
}

#[test]
fn default_stream_modes() {
    // AUTO_UNI: a write first opens a unidirectional stream (ID 2).
    let s = pair_setup(false);
    let server = connect_pair(&s);
    s.client
        .set_default_stream_mode(qssl::quic::DefaultStreamMode::AutoUni)
        .unwrap();
    s.client.write(b"uni").unwrap();
    assert_eq!(s.client.stream_id(), 2);
    assert_eq!(s.client.stream_read_state(), StreamState::WrongDir);
    let err = s.client.read(&mut [0u8; 4]).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_SEND_ONLY
    );
    // The mode cannot change once a default stream exists.
    assert!(
        s.client
            .set_default_stream_mode(qssl::quic::DefaultStreamMode::AutoBidi)
            .is_err()
    );
    let mut buf = [0u8; 8];
    let n = retry(&[&s.client, &server], || server.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"uni");
    assert_eq!(server.stream_type(), qssl::quic::StreamType::Read);

    // NONE: stream I/O on the connection fails with NO_STREAM.
    let s = pair_setup(false);
    let _server = connect_pair(&s);
    s.client
        .set_default_stream_mode(qssl::quic::DefaultStreamMode::None)
        .unwrap();
    let err = s.client.write(b"x").unwrap_err();
    assert_eq!(err.error().unwrap().reason(), qssl::error::ssl_r::NO_STREAM);
    assert_eq!(s.client.stream_write_state(), StreamState::None);
    assert_eq!(s.client.stream_write_end(), StreamEnd::Open);
}

#[test]
fn writes_after_conclude_fail() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let c = s.client.new_stream(0).unwrap();
    c.write(b"abc").unwrap();
    c.stream_conclude().unwrap();
    c.stream_conclude().unwrap(); // idempotent
    assert_eq!(c.stream_write_state(), StreamState::Finished);
    let err = c.write(b"d").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::STREAM_FINISHED
    );
    // The stream is still readable.
    assert_eq!(c.stream_read_state(), StreamState::Ok);
    let _ = server;
}

#[test]
fn shutdown_rfc_mode_delivers_code_and_reason() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    s.client.write(b"last words").unwrap();
    // The stream data is delivered (and acknowledged) before CONNECTION_CLOSE goes out.
    let mut received = Vec::new();
    run_until(&objs, || {
        let mut buf = [0u8; 32];
        if let Ok(n) = server.read(&mut buf) {
            received.extend_from_slice(&buf[..n]);
        }
        s.client.shutdown_ex(0, 1234, b"bye now").unwrap()
    });
    assert_eq!(received, b"last words");
    let info = s.client.conn_close_info().unwrap().unwrap();
    assert!(info.local && !info.transport);
    assert_eq!(
        (info.error_code, info.reason.as_slice()),
        (1234, &b"bye now"[..])
    );
    run_until(&objs, || server.conn_close_info().unwrap().is_some());
    let info = server.conn_close_info().unwrap().unwrap();
    assert!(!info.local && !info.transport);
    assert_eq!(
        (info.error_code, info.reason.as_slice()),
        (1234, &b"bye now"[..])
    );
    let mut buf = [0u8; 32];
    assert_eq!(server.read(&mut buf).unwrap_err().code(), ErrorCode::Ssl);
    // Idempotent once terminated; writes are refused.
    assert!(s.client.shutdown().unwrap());
    assert_eq!(s.client.write(b"x").unwrap_err().code(), ErrorCode::Ssl);
    assert_eq!(s.client.stream_write_state(), StreamState::ConnClosed);
    assert_eq!(s.client.stream_read_state(), StreamState::ConnClosed);
}

#[test]
fn shutdown_rapid_mode() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    // Rapid: done as soon as CONNECTION_CLOSE is out, even on a non-blocking object.
    assert!(
        server
            .shutdown_ex(qssl::quic::SHUTDOWN_FLAG_RAPID, 5, b"rapid")
            .unwrap()
    );
    let info = server.conn_close_info().unwrap().unwrap();
    assert_eq!(info.error_code, 5);
    run_until(&objs, || s.client.conn_close_info().unwrap().is_some());
    let info = s.client.conn_close_info().unwrap().unwrap();
    assert!(!info.local);
    assert_eq!(
        (info.error_code, info.reason.as_slice()),
        (5, &b"rapid"[..])
    );
    let err = s.client.write(b"x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ssl);
    // The client was closed by its peer: a rapid shutdown ends it at once instead of
    // draining for three PTOs; a plain one waits the period out.
    assert!(
        s.client
            .shutdown_ex(qssl::quic::SHUTDOWN_FLAG_RAPID, 0, b"")
            .unwrap()
    );
}

#[test]
fn shutdown_after_peer_close_drains_unless_rapid() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    server.shutdown_ex(0, 9, b"bye").unwrap();
    run_until(&objs, || s.client.conn_close_info().unwrap().is_some());
    assert!(!s.client.shutdown().unwrap(), "still draining");
    run_until(&objs, || s.client.shutdown().unwrap());
}

#[test]
fn misuse_fails_with_openssl_reasons_and_leaves_objects_usable() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let stream = s.client.new_stream(0).unwrap();
    // Connection-only calls on a stream.
    let err = stream.new_stream(0).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::CONN_USE_ONLY
    );
    let err = stream.shutdown().unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::CONN_USE_ONLY
    );
    assert!(stream.conn_close_info().is_err());
    assert!(
        stream
            .set_default_stream_mode(qssl::quic::DefaultStreamMode::None)
            .is_err()
    );
    // Listener calls on a client connection.
    let err = s.client.listen().unwrap_err();
    assert_eq!(err.reason(), qssl::error::ssl_r::LISTENER_USE_ONLY);
    assert!(s.client.accept_connection(0).is_err());
    assert_eq!(s.client.accept_connection_queue_len(), 0);
    // A listener cannot read or write.
    assert_eq!(s.listener.write(b"x").unwrap_err().code(), ErrorCode::Ssl);
    // Unknown write flags.
    let err = stream.write_ex2(b"x", 0x80).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::UNSUPPORTED_WRITE_FLAG
    );
    // Everything still works.
    stream.write(b"fine").unwrap();
    let objs = [&s.client, &server];
    let srv = next_stream(&objs, &server);
    let mut buf = [0u8; 8];
    let n = retry(&objs, || srv.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"fine");
    assert!(srv.listener().unwrap().same_object(&s.listener));
    assert!(s.client.listener().is_none());
    qssl::error::clear_error();
}

#[test]
fn nonblocking_write_without_partial_mode_resumes() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    let c = s.client.new_stream(0).unwrap();
    let data: Vec<u8> = (0..3 << 20).map(|i| (i % 251) as u8).collect();
    // More than the send buffer: WANT_WRITE until the peer reads, then the whole length.
    let (written, received, _peer) = write_while_peer_reads(&objs, &c, &server, &data);
    assert_eq!(written, Some(data.len()));
    assert!(received == data);
    // A retry with a different buffer is refused.
    let big = vec![0u8; 4 << 20];
    assert_eq!(c.write(&big).unwrap_err().code(), ErrorCode::WantWrite);
    let err = c.write(&big[..10]).unwrap_err();
    assert_eq!(
        err.error().unwrap().reason(),
        qssl::error::ssl_r::BAD_WRITE_RETRY
    );
}

#[test]
fn peek_pending_and_moving_write_buffers() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    s.client.write(b"0123456789").unwrap();
    let mut buf = [0u8; 4];
    // Peek does not consume; pending counts what is buffered.
    let n = retry(&objs, || server.peek(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"0123");
    assert_eq!(server.pending(), 10);
    assert!(server.has_pending());
    assert_eq!(server.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"0123");
    assert_eq!(server.pending(), 6);
    let mut rest = [0u8; 16];
    assert_eq!(server.read(&mut rest).unwrap(), 6);
    assert!(!server.has_pending());
    assert_eq!(
        server.read(&mut rest).unwrap_err().code(),
        ErrorCode::WantRead
    );

    // With ACCEPT_MOVING_WRITE_BUFFER a retried write may pass the same bytes elsewhere.
    // (The server has a default stream now: more peer streams need the ACCEPT policy.)
    server
        .set_incoming_stream_policy(qssl::quic::IncomingStreamPolicy::Accept, 0)
        .unwrap();
    let c = s.client.new_stream(0).unwrap();
    c.set_mode(qssl::quic::MODE_ACCEPT_MOVING_WRITE_BUFFER);
    let data = vec![5u8; 4 << 20];
    assert_eq!(c.write(&data).unwrap_err().code(), ErrorCode::WantWrite);
    let moved = data.clone();
    let (written, received, _peer) = write_while_peer_reads(&objs, &c, &server, &moved);
    assert!(received == data);
    assert_eq!(written, Some(data.len()));
    // With partial writes a write reports what it took.
    let c2 = s.client.new_stream(0).unwrap();
    c2.set_mode(qssl::quic::MODE_ENABLE_PARTIAL_WRITE);
    let n = c2.write(&data).unwrap();
    assert!(n > 0 && n < data.len());
}

/// Writes `data` on the client stream `c` without blocking, retrying the same call after
/// each WANT_WRITE, while the server accepts the stream and reads everything: returns what
/// the write finally reported, what the server read, and the server's stream (kept open:
/// dropping it would stop the client's side).
fn write_while_peer_reads(
    objs: &[&qssl::quic::Ssl],
    c: &qssl::quic::Ssl,
    server: &qssl::quic::Ssl,
    data: &[u8],
) -> (Option<usize>, Vec<u8>, Option<qssl::quic::Ssl>) {
    let mut written = None;
    let mut stream = None;
    let mut received = Vec::new();
    run_until(objs, || {
        if written.is_none() {
            match c.write(data) {
                Ok(n) => written = Some(n),
                Err(e) => assert_eq!(e.code(), ErrorCode::WantWrite),
            }
        }
        if stream.is_none() {
            stream = server
                .accept_stream(qssl::quic::ACCEPT_STREAM_NO_BLOCK)
                .unwrap();
        }
        if let Some(st) = &stream {
            let mut buf = vec![0u8; 65536];
            while let Ok(n) = st.read(&mut buf) {
                received.extend_from_slice(&buf[..n]);
            }
        }
        received.len() == data.len()
    });
    (written, received, stream)
}

#[test]
fn data_and_fin_already_received_are_read_before_a_later_close_is_taken_in() {
    let s = pair_setup(false);
    let server = connect_pair(&s);
    let objs = [&s.client, &server];
    s.client.write(b"ping").unwrap();
    let mut buf = [0u8; 64];
    retry(&objs, || server.read(&mut buf)).unwrap();
    server
        .write_ex2(b"pong", qssl::quic::WRITE_FLAG_CONCLUDE)
        .unwrap();
    // The reply and its FIN reach the client, unread.
    run_until(&objs, || s.client.has_pending());
    assert_eq!(s.client.stream_read_state(), StreamState::Ok);
    // The server closes at once; its CONNECTION_CLOSE waits in the client's BIO.
    let flags = qssl::quic::SHUTDOWN_FLAG_RAPID | qssl::quic::SHUTDOWN_FLAG_NO_STREAM_FLUSH;
    let _ = server.shutdown_ex(flags, 7, b"bye");
    // What had arrived is delivered first, as in OpenSSL: a read looks at the stream before
    // taking in the network.
    assert_eq!(s.client.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"pong");
    let err = s.client.read(&mut buf).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZeroReturn);
    // Taking in the close then ends the connection.
    run_until(&[&s.client], || {
        s.client.stream_read_state() == StreamState::ConnClosed
    });
    let info = s.client.conn_close_info().unwrap().unwrap();
    assert_eq!((info.error_code, info.local), (7, false));
}

#[test]
fn a_session_resumes_a_second_connection_of_the_same_context() {
    use std::sync::{Arc, Mutex};
    let id = Identity::localhost();
    let mut cctx = client_ctx(&id.cert);
    let told = Arc::new(Mutex::new(0usize));
    {
        let told = told.clone();
        cctx.set_new_session_callback(Some(Arc::new(move |_| *told.lock().unwrap() += 1)));
    }
    cctx.set_session_cache_mode(
        qssl::ctx::SSL_SESS_CACHE_CLIENT | qssl::ctx::SSL_SESS_CACHE_NO_INTERNAL_STORE,
    );
    let (a, b) = qssl_bio::new_dgram_pair(0, 0);
    let a: std::sync::Arc<dyn qssl_bio::DatagramBio> = std::sync::Arc::new(a);
    let b: std::sync::Arc<dyn qssl_bio::DatagramBio> = std::sync::Arc::new(b);
    let listener =
        Ssl::new_listener(&server_ctx(&id), qssl::quic::LISTENER_FLAG_NO_VALIDATE).unwrap();
    listener.set_bio(Some(b.clone()), Some(b)).unwrap();
    listener.listen().unwrap();
    let connect = |offer: Option<qssl::tls::SslSession>| {
        let client = Ssl::new(&cctx).unwrap();
        client.set_bio(Some(a.clone()), Some(a.clone())).unwrap();
        client.set_host_name("localhost").unwrap();
        client.set_session(offer).unwrap();
        let s = PairSetup {
            id: Identity::localhost(),
            client,
            listener: listener.clone(),
        };
        let server = connect_pair(&s);
        (s.client, server)
    };
    // The first connection makes a session from the server's tickets.
    let (client, server) = connect(None);
    assert!(!client.session_reused());
    run_until(&[&client, &server, &listener], || {
        client.session().is_some_and(|s| s.is_resumable())
    });
    assert!(
        *told.lock().unwrap() > 0,
        "the new-session callback was told"
    );
    assert_eq!(client.verify_result(), 0);
    let session = client.session().unwrap();
    client
        .shutdown_ex(qssl::quic::SHUTDOWN_FLAG_RAPID, 0, b"")
        .unwrap();
    drop((client, server));
    // The second offers it and resumes, still checking the server's name.
    let (client, server) = connect(Some(session));
    assert!(client.session_reused(), "resumed");
    assert!(server.session_reused());
    assert_eq!(client.verify_result(), 0);
}

#[test]
fn a_server_callback_sees_the_connection_it_is_about_and_accepting_hands_out_the_same() {
    use qssl::ctx::AlpnSelection;
    use std::sync::{Arc, Mutex};
    let id = Identity::localhost();
    let mut sctx = server_ctx(&id);
    let seen: Arc<Mutex<Vec<Ssl>>> = Arc::default();
    let record = seen.clone();
    sctx.set_alpn_select_cb(Some(Arc::new(move |offered: &[&[u8]]| {
        let conn = Ssl::in_callback().expect("the connection being handshaken");
        assert!(conn.is_server() && conn.is_connection());
        assert!(conn.listener().is_none(), "not accepted yet");
        assert!(conn.arrived_at().is_some());
        record.lock().unwrap().push(conn);
        AlpnSelection::Selected(offered[0].to_vec())
    })));
    let cctx = client_ctx(&id.cert);
    let s = pair_setup_with(id, &cctx, &sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE);
    let accepted = connect_pair(&s);
    assert!(
        Ssl::in_callback().is_none(),
        "outside any connection's processing"
    );
    let mut seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].same_object(&accepted),
        "accepting hands out the same object"
    );
    assert!(accepted.listener().unwrap().same_object(&s.listener));
    // The context's callback holds what it saw: a cycle through the context, broken here
    // (as an OpenSSL program frees an SSL * it kept in its context's ex-data).
    seen.clear();
}

#[test]
fn connections_never_accepted_go_with_their_listener() {
    use qssl::ctx::AlpnSelection;
    use std::sync::{Arc, Mutex, Weak};
    let id = Identity::localhost();
    let mut sctx = server_ctx(&id);
    let made: Arc<Mutex<Option<Weak<()>>>> = Arc::default();
    let record = made.clone();
    sctx.set_alpn_select_cb(Some(Arc::new(move |offered: &[&[u8]]| {
        let conn = Ssl::in_callback().unwrap();
        // An attachment that refers back to the object: freed with it all the same.
        let token = Arc::new(());
        *record.lock().unwrap() = Some(Arc::downgrade(&token));
        conn.set_attachment(Some(Arc::new((token, conn.clone()))));
        AlpnSelection::Selected(offered[0].to_vec())
    })));
    let (client, listener) = objects_over_pair(
        &client_ctx(&id.cert),
        &sctx,
        qssl::quic::LISTENER_FLAG_NO_VALIDATE,
    );
    client.set_host_name("localhost").unwrap();
    run_until(&[&client, &listener], || {
        let _ = client.connect();
        listener.accept_connection_queue_len() == 1
    });
    let token = made.lock().unwrap().clone().unwrap();
    assert!(token.upgrade().is_some(), "kept until accepted");
    drop(listener);
    assert!(token.upgrade().is_none(), "discarded with the listener");
}

#[test]
fn the_version_in_use_is_reported() {
    let id = Identity::localhost();
    let mut cctx = client_ctx(&id.cert);
    cctx.connection_config_mut().version = qssl_quic::Version::V2;
    let sctx = server_ctx(&id);
    let s = pair_setup_with(id, &cctx, &sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE);
    assert_eq!(
        s.client.version_string(),
        "QUICv1",
        "nothing negotiated yet"
    );
    let server = connect_pair(&s);
    for end in [&s.client, &server] {
        assert_eq!(end.version_string(), "QUICv2");
        assert_eq!(end.version_number(), 0x6b33_43cf);
    }
    assert_eq!(s.listener.version_string(), "QUICv1");
}

#[test]
fn one_round_of_events_reads_a_bounded_number_of_datagrams() {
    use qssl_bio::dgram::SendMsg;
    let id = Identity::localhost();
    let (a, b) = dgram_pair(64 << 20);
    let listener = Ssl::new_listener(&server_ctx(&id), 0).unwrap();
    listener.set_bio(Some(b.clone()), Some(b.clone())).unwrap();
    listener.listen().unwrap();
    // Ten thousand datagrams no QUIC endpoint would take (the fixed bit is clear).
    let junk = [0u8; 1200];
    for _ in 0..10_000 {
        assert_eq!(a.send_mmsg(&[SendMsg::new(&junk)]).unwrap(), 1);
    }
    // One round handles some of them and leaves the rest for the next rounds, so timers,
    // events and sending are not starved by a flooded socket.
    listener.handle_events();
    assert!(b.pending() > 0, "one round read the whole flood");
    let mut rounds = 1;
    while b.pending() > 0 {
        listener.handle_events();
        rounds += 1;
        assert!(rounds < 100, "the flood is never read");
    }
    assert!(rounds >= 3, "{rounds} rounds");
}

#[test]
fn quic_connections_use_the_contexts_tls13_suites() {
    // SSL_CTX_set_ciphersuites applies to QUIC as to TLS 1.3 over TCP: the client's list
    // limits what it offers, the server's what it accepts.
    for (client_list, server_list, want) in [
        (
            Some("TLS_CHACHA20_POLY1305_SHA256"),
            None,
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
        (
            None,
            Some("TLS_AES_128_GCM_SHA256"),
            "TLS_AES_128_GCM_SHA256",
        ),
        (
            Some("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"),
            Some("TLS_CHACHA20_POLY1305_SHA256"),
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
    ] {
        let id = Identity::localhost();
        let mut cctx = client_ctx(&id.cert);
        let mut sctx = server_ctx(&id);
        if let Some(list) = client_list {
            cctx.set_ciphersuites(list).unwrap();
        }
        if let Some(list) = server_list {
            sctx.set_ciphersuites(list).unwrap();
        }
        let s = pair_setup_with(id, &cctx, &sctx, 0);
        let server = connect_pair(&s);
        for end in [&s.client, &server] {
            let info = end.connection_info().unwrap();
            assert_eq!(
                info.cipher_suite.as_deref(),
                Some(want),
                "{client_list:?} {server_list:?}"
            );
        }
    }
}
