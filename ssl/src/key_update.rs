//! `SSL_key_update` and `SSL_get_key_update_type` on TLS 1.3 and QUIC objects.
//!
//! On TLS the KeyUpdate message goes out with the next write to the network (rustls always
//! asks the peer to update too, as `SSL_KEY_UPDATE_REQUESTED` does); on QUIC the next 1-RTT
//! packet starts the update once RFC 9001 allows it, as OpenSSL's QUIC does, which takes
//! both types alike and never has an update pending.

use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::quic::Ssl;

/// `SSL_KEY_UPDATE_NONE`: no update pending.
pub const KEY_UPDATE_NONE: i32 = -1;
/// `SSL_KEY_UPDATE_NOT_REQUESTED`: update this side's keys only.
pub const KEY_UPDATE_NOT_REQUESTED: i32 = 0;
/// `SSL_KEY_UPDATE_REQUESTED`: and ask the peer to update its keys.
pub const KEY_UPDATE_REQUESTED: i32 = 1;

/// Whether `update_type` is one `SSL_key_update` takes.
pub(crate) fn valid(update_type: i32) -> bool {
    matches!(update_type, KEY_UPDATE_NOT_REQUESTED | KEY_UPDATE_REQUESTED)
}

impl Ssl {
    /// `SSL_key_update` on a QUIC connection: asks for a 1-RTT key update (either type).
    /// `SSL_R_CONN_USE_ONLY` on other objects, `ERR_R_PASSED_INVALID_ARGUMENT` for another
    /// type, `SSL_R_TOO_MANY_KEY_UPDATES` before the handshake is confirmed or while an
    /// update this side started is not yet acknowledged (OpenSSL's answers).
    #[track_caller]
    pub fn key_update(&self, update_type: i32) -> Result<(), SslError> {
        let key = self.expect_conn_only()?;
        if !valid(update_type) {
            return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise());
        }
        let mut st = self.obj.port.lock();
        let Some(conn) = st.conn_mut(key).1 else {
            return Err(SslError::ssl(ssl_r::TOO_MANY_KEY_UPDATES)
                .with_data("the connection has not started")
                .raise());
        };
        conn.request_key_update().map_err(|e| {
            SslError::ssl(ssl_r::TOO_MANY_KEY_UPDATES)
                .with_data(e.to_string())
                .raise()
        })?;
        let now = self.obj.port.now();
        st.flush(now);
        Ok(())
    }

    /// `SSL_get_key_update_type` on a QUIC object: always [`KEY_UPDATE_NONE`], as OpenSSL's
    /// (updates are never left pending).
    pub fn key_update_type(&self) -> i32 {
        KEY_UPDATE_NONE
    }
}
