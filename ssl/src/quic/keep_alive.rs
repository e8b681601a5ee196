//! Keep-alives on QUIC connections, qssl's own call (OpenSSL has none; from C it is
//! `QSSL_set_keep_alive` in `<qssl/quic.h>`): a PING after an interval without an
//! ack-eliciting packet, so an idle connection neither reaches its idle timeout nor loses its
//! NAT binding while the application drives it (or a blocking call waits on it).

use std::time::Duration;

use super::object::Ssl;
use crate::error::SslError;

impl Ssl {
    /// Sends a PING after `interval` without an ack-eliciting packet (`None`: never) on this
    /// connection from now on, or on the connections a listener accepts from now on.
    #[track_caller]
    pub fn set_keep_alive(&self, interval: Option<Duration>) -> Result<(), SslError> {
        let key = if self.is_listener() {
            None
        } else {
            Some(self.expect_connection()?)
        };
        let mut st = self.obj.port.lock();
        match key.and_then(|k| st.conn_mut(k).1) {
            Some(conn) => conn.set_keep_alive(interval),
            None => st.endpoint.connection_config_mut().keep_alive = interval,
        }
        Ok(())
    }
}
