//! Early data (0-RTT) on QUIC contexts: `SSL_CTX_set_max_early_data` makes a server context's
//! listeners accept it, and its connections share one session cache, whose tickets are
//! single-use (the anti-replay mechanism: a ticket resumes, and carries early data, once).

use rustls::ServerConfig;
use rustls::server::ServerSessionMemoryCache;

use super::SslCtx;
use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// Sessions a QUIC server context keeps for resumption (and early data), the oldest dropped
/// first once full.
const QUIC_SERVER_SESSIONS: usize = 1024;

/// The `max_early_data_size` QUIC requires of a ticket that allows early data (RFC 9001
/// §4.6.1): how much is sent is up to the transport's flow control.
const QUIC_MAX_EARLY_DATA: u32 = u32::MAX;

impl SslCtx {
    /// `SSL_CTX_set_max_early_data`. On a QUIC context a nonzero amount makes the listeners
    /// made afterwards accept early data (0-RTT) from clients resuming a session; QUIC's
    /// flow control, not the amount, bounds it. TLS objects take no early data: a nonzero
    /// amount on a TLS context fails with `ERR_R_UNSUPPORTED`.
    #[track_caller]
    pub fn set_max_early_data(&mut self, amount: u32) -> Result<(), SslError> {
        if amount != 0 && !self.method.is_quic() {
            return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data("accepting early data (0-RTT) on TLS servers")
                .raise());
        }
        self.tls.max_early_data = amount;
        Ok(())
    }

    /// `SSL_CTX_get_max_early_data`: the amount last set (0 by default).
    pub fn max_early_data(&self) -> u32 {
        self.tls.max_early_data
    }

    /// Gives a QUIC server configuration the context's session cache (so a ticket from one
    /// listener resumes on another, and each resumes once) and, when the context allows
    /// early data, the early-data size QUIC requires.
    pub(super) fn set_early_data(&self, config: &mut ServerConfig) {
        config.session_storage = self
            .tls
            .session_store
            .get_or_init(|| ServerSessionMemoryCache::new(QUIC_SERVER_SESSIONS))
            .clone();
        if self.tls.max_early_data > 0 {
            config.max_early_data_size = QUIC_MAX_EARLY_DATA;
        }
    }
}
