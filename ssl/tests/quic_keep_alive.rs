//! Keep-alives (`Ssl::set_keep_alive`, qssl's own) between QUIC objects over a datagram pair:
//! an idle connection whose client sends them outlives its idle timeout; without them it
//! closes at the timeout.

use std::thread;
use std::time::{Duration, Instant};

use qssl::quic::Ssl;
use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;

const IDLE: Duration = Duration::from_millis(500);

/// Handles events on `objects` for `d` of real time.
fn idle_for(objects: &[&Ssl], d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        for o in objects {
            o.handle_events();
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn closed(ssl: &Ssl) -> bool {
    ssl.conn_close_info().unwrap().is_some()
}

#[test]
fn keep_alives_hold_an_idle_connection_past_its_idle_timeout() {
    let id = Identity::localhost();
    let (mut cctx, mut sctx) = (client_ctx(&id.cert), server_ctx(&id));
    cctx.set_idle_timeout(Some(IDLE));
    sctx.set_idle_timeout(Some(IDLE));
    let setup = pair_setup_with(id, &cctx, &sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE);
    setup
        .client
        .set_keep_alive(Some(Duration::from_millis(100)))
        .unwrap();
    let conn = connect_pair(&setup);
    let objects = [&setup.client, &setup.listener, &conn];
    idle_for(&objects, IDLE * 4);
    assert!(!closed(&setup.client) && !closed(&conn), "kept alive");
    // Keep-alives off: the connection idles out.
    setup.client.set_keep_alive(None).unwrap();
    idle_for(&objects, IDLE * 4);
    assert!(closed(&setup.client));
    // A listener takes it for the connections it accepts.
    assert!(setup.listener.set_keep_alive(None).is_ok());
}
