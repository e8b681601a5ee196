//! The thread of a thread-assisted client connection (`OSSL_QUIC_client_thread_method`): it
//! takes in the network and runs the connection's timers while the application is busy
//! elsewhere, as OpenSSL's assist thread does, so ACKs, retransmissions and the handshake
//! go on between the application's calls.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::port::Port;

/// The longest the thread waits in one turn: how soon it notices that its connection is
/// gone when nothing wakes it.
const TURN: Duration = Duration::from_millis(50);

/// A running assist thread; dropping it (with the connection) stops it.
#[derive(Debug)]
pub(crate) struct Assist {
    stop: Arc<AtomicBool>,
    port: Weak<Port>,
}

impl Assist {
    /// Starts the thread for `port`. It holds the port only during a turn and ends when
    /// stopped or when the port is gone.
    pub(crate) fn start(port: &Arc<Port>) -> std::io::Result<Assist> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = Arc::downgrade(port);
        let (flag, target) = (stop.clone(), weak.clone());
        std::thread::Builder::new()
            .name("qssl-quic-assist".to_owned())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    let Some(port) = target.upgrade() else {
                        break;
                    };
                    port.assist(TURN);
                }
            })?;
        Ok(Assist { stop, port: weak })
    }
}

impl Drop for Assist {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(port) = self.port.upgrade() {
            port.wake_network_waiter();
        }
    }
}
