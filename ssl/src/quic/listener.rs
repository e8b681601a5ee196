//! The listener's calls: `SSL_listen`, `SSL_accept_connection` and the accept queue.

use super::object::Ssl;
use crate::error::SslError;
use crate::result::{IoError, IoResult};

/// `SSL_ACCEPT_CONNECTION_NO_BLOCK`: return at once if no connection waits.
pub const ACCEPT_CONNECTION_NO_BLOCK: u64 = 1;

impl Ssl {
    /// `SSL_listen`: takes in what the network has. A listener accepts connections from the
    /// start, as OpenSSL's do, so this is only needed to get them going before the first
    /// [`accept_connection`](Self::accept_connection). Fails only on other objects.
    #[track_caller]
    pub fn listen(&self) -> Result<(), SslError> {
        self.expect_listener()?;
        let now = self.obj.port.now();
        self.obj.port.lock().tick(now);
        Ok(())
    }

    /// `SSL_accept_connection`: the oldest new connection, which may still be in its
    /// handshake (I/O calls on it complete it). Waits in blocking mode unless
    /// [`ACCEPT_CONNECTION_NO_BLOCK`]; otherwise `Ok(None)` when none waits. The connection
    /// inherits the listener's blocking mode.
    pub fn accept_connection(&self, flags: u64) -> IoResult<Option<Ssl>> {
        if let Err(e) = self.listen() {
            let r: IoResult<()> = Err(IoError::from(e));
            self.record(&r);
            return r.map(|()| None);
        }
        let no_block = flags & ACCEPT_CONNECTION_NO_BLOCK != 0;
        let key = self.run(no_block, |st, _| {
            st.incoming.pop_front().ok_or_else(IoError::want_read)
        });
        match key {
            Ok(key) => Ok(Some(self.accepted_connection(key))),
            Err(e) if e.is_retry() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `SSL_get_accept_connection_queue_len`: connections waiting to be accepted (0 for
    /// objects other than listeners).
    pub fn accept_connection_queue_len(&self) -> usize {
        if !self.is_listener() {
            return 0;
        }
        let now = self.obj.port.now();
        let mut st = self.obj.port.lock();
        if !self.explicit_events() {
            st.tick(now);
        }
        st.incoming.len()
    }
}
