//! The listener's calls: `SSL_listen`, `SSL_accept_connection` and the accept queue.

use super::object::Ssl;
use super::port::Handout;
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
        if let Err(e) = self.listen().and_then(|()| self.expect_accepting()) {
            let r: IoResult<()> = Err(IoError::from(e));
            self.record(&r);
            return r.map(|()| None);
        }
        let no_block = flags & ACCEPT_CONNECTION_NO_BLOCK != 0;
        let key = self.run(no_block, |st, _| {
            if st.handout == Handout::Listen {
                return Err(IoError::from(wrong_handout("SSL_listen_ex")));
            }
            st.handout = Handout::Accept;
            st.incoming.pop_front().ok_or_else(IoError::want_read)
        });
        match key {
            Ok(key) => Ok(Some(self.accepted_connection(key))),
            Err(e) if e.is_retry() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `SSL_listen_ex` (OpenSSL 4.0): the oldest new connection, if one waits, for the
    /// application to take over (the C library gives it to the `SSL *` the application made);
    /// never waits or handles events. A listener used this way cannot use
    /// [`accept_connection`](Self::accept_connection), nor the other way round
    /// (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`); call it before the first connection arrives.
    #[track_caller]
    pub fn listen_ex(&self) -> Result<Option<Ssl>, SslError> {
        self.expect_listener()?;
        self.expect_accepting()?;
        let key = {
            let mut st = self.obj.port.lock();
            if st.handout == Handout::Accept {
                return Err(wrong_handout("SSL_accept_connection"));
            }
            st.handout = Handout::Listen;
            st.incoming.pop_front()
        };
        Ok(key.map(|k| self.accepted_connection(k)))
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

    /// Fails with `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` on a listener of a client context,
    /// which accepts no connections.
    #[track_caller]
    fn expect_accepting(&self) -> Result<(), SslError> {
        if self.obj.port.lock().endpoint.accepts_connections() {
            return Ok(());
        }
        Err(SslError::new(
            crate::error::ERR_LIB_SSL,
            crate::error::err_r::SHOULD_NOT_HAVE_BEEN_CALLED,
        )
        .with_data("a listener of a client context accepts no connections")
        .raise())
    }
}

/// The error for handing out a connection the other way than the listener is using (named).
#[track_caller]
fn wrong_handout(used: &str) -> SslError {
    SslError::new(
        crate::error::ERR_LIB_SSL,
        crate::error::err_r::SHOULD_NOT_HAVE_BEEN_CALLED,
    )
    .with_data(format!("This listener is using {used}"))
    .raise()
}
