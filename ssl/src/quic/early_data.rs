//! Early data (0-RTT) on QUIC connections with OpenSSL's early-data calls: a client resuming
//! a session that allows it writes with [`Ssl::write_early_data`] before its handshake
//! completes, and may open and write more streams while the data goes out in 0-RTT packets;
//! a server whose context allows early data (`SSL_CTX_set_max_early_data`) hands out the
//! connection at once, and its streams are accepted and read before the handshake completes.
//! Early data a server rejects is sent again in 1-RTT packets by the transport: the
//! application never writes it twice.

use qssl_quic::conn::ZeroRttStatus;

use super::object::Ssl;
use crate::error::{ERR_LIB_SSL, SslError, err_r};
use crate::result::{IoError, IoResult};

/// What became of a connection's early data (`SSL_get_early_data_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyDataStatus {
    /// `SSL_EARLY_DATA_NOT_SENT`: none was sent or accepted (or the answer is not known yet).
    NotSent,
    /// `SSL_EARLY_DATA_REJECTED`: the server rejected it; it was sent again after the
    /// handshake.
    Rejected,
    /// `SSL_EARLY_DATA_ACCEPTED`: the server accepted it.
    Accepted,
}

impl Ssl {
    /// `SSL_write_early_data` on a QUIC client connection: writes `buf` to the default
    /// stream before the handshake completes. The first call starts the connection offering
    /// early data, which needs a session that allows it ([`set_session`](Self::set_session);
    /// `SSL_R_SHOULD_NOT_HAVE_BEEN_CALLED` without one, as OpenSSL's). While the connection
    /// sends 0-RTT packets the data goes out at once; when the session turns out unusable for
    /// it, the write waits for the handshake like [`write`](Self::write). Once the handshake
    /// has completed the call is out of place (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`).
    pub fn write_early_data(&self, buf: &[u8]) -> IoResult<usize> {
        if let Err(e) = self.offer_early_data() {
            let r = Err(IoError::ssl(e));
            self.record(&r);
            return r;
        }
        self.write(buf)
    }

    /// Makes a client connection that has not started offer early data, for streams of its
    /// own: once it has started (as the first stream operation starts it), streams open and
    /// are written at once while [`is_sending_early_data`](Self::is_sending_early_data). Fails
    /// as [`write_early_data`](Self::write_early_data) does without a session that allows
    /// early data, or once the handshake has completed.
    #[track_caller]
    pub fn offer_early_data(&self) -> Result<(), SslError> {
        let key = self.expect_connection()?;
        let Some(mut setup) = self.client_setup() else {
            return Err(out_of_place("early data is written by clients"));
        };
        let started = self.obj.port.lock().handle(key).is_some();
        if started {
            let complete = self.is_init_finished();
            if !setup.early_data || complete {
                return Err(out_of_place(
                    "the handshake has started without early data or completed",
                ));
            }
            return Ok(());
        }
        if setup.sessions.offered_max_early_data() == 0 {
            return Err(out_of_place("no session that allows early data"));
        }
        setup.early_data = true;
        Ok(())
    }

    /// Whether a client connection sends early data now: it offered it, the session allows
    /// it, and the handshake has not completed (what it writes goes in 0-RTT packets).
    pub fn is_sending_early_data(&self) -> bool {
        let Some(key) = self.conn_key() else {
            return false;
        };
        let st = self.obj.port.lock();
        st.conn(key).is_some_and(|c| c.is_sending_zero_rtt())
    }

    /// `SSL_get_early_data_status`: on a client whether the server accepted its early data
    /// (known once the handshake completes); on a server whether it accepted the client's.
    pub fn early_data_status(&self) -> EarlyDataStatus {
        let Some(key) = self.conn_key() else {
            return EarlyDataStatus::NotSent;
        };
        let st = self.obj.port.lock();
        match st.conn(key).map(|c| c.zero_rtt_status()) {
            Some(ZeroRttStatus::Accepted) => EarlyDataStatus::Accepted,
            Some(ZeroRttStatus::Rejected) => EarlyDataStatus::Rejected,
            _ => EarlyDataStatus::NotSent,
        }
    }
}

/// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` with `why`.
#[track_caller]
fn out_of_place(why: &str) -> SslError {
    SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
        .with_data(why.to_owned())
        .raise()
}
