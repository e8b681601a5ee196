//! `SSL_key_update` and `SSL_get_key_update_type` on TLS objects: rustls writes the KeyUpdate
//! message with the next write to the network, always asking the peer to update too.

use super::Tls;
use super::engine::Engine;
use crate::error::{SslError, ssl_r};
use crate::key_update::{KEY_UPDATE_NONE, valid};

impl Tls {
    /// `SSL_key_update`: schedules a KeyUpdate. `SSL_R_WRONG_SSL_VERSION` before TLS 1.3 was
    /// negotiated, `SSL_R_INVALID_KEY_UPDATE_TYPE` for another type, `SSL_R_STILL_IN_INIT`
    /// during the handshake, `SSL_R_BAD_WRITE_RETRY` while a write waits to be retried.
    #[track_caller]
    pub fn key_update(&self, update_type: i32) -> Result<(), SslError> {
        let mut st = self.lock();
        let pump = &mut st.pump;
        let conn = match &mut pump.engine {
            Engine::Running(conn) => conn,
            _ => return Err(SslError::ssl(ssl_r::WRONG_SSL_VERSION).raise()),
        };
        if conn.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
            return Err(SslError::ssl(ssl_r::WRONG_SSL_VERSION).raise());
        }
        if !valid(update_type) {
            return Err(SslError::ssl(ssl_r::INVALID_KEY_UPDATE_TYPE).raise());
        }
        if conn.is_handshaking() {
            return Err(SslError::ssl(ssl_r::STILL_IN_INIT).raise());
        }
        if pump.pending_write.is_some() {
            return Err(SslError::ssl(ssl_r::BAD_WRITE_RETRY).raise());
        }
        conn.refresh_traffic_keys().map_err(|e| {
            SslError::ssl(ssl_r::BAD_KEY_UPDATE)
                .with_data(e.to_string())
                .raise()
        })?;
        pump.key_update = Some(update_type);
        Ok(())
    }

    /// `SSL_get_key_update_type`: the type of a scheduled update not yet written, else
    /// [`KEY_UPDATE_NONE`].
    pub fn key_update_type(&self) -> i32 {
        self.lock().pump.key_update.unwrap_or(KEY_UPDATE_NONE)
    }
}
