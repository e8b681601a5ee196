//! QUIC event domains (`SSL_new_domain`): listeners made from one domain share its event
//! handling, as the ports of one OpenSSL engine do; and the domain flags
//! (`SSL_DOMAIN_FLAG_*`) every QUIC object carries.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use super::port::Port;
use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// `SSL_DOMAIN_FLAG_SINGLE_THREAD`: objects of the domain are used from one thread.
pub const DOMAIN_FLAG_SINGLE_THREAD: u64 = 1 << 0;
/// `SSL_DOMAIN_FLAG_MULTI_THREAD`: objects of the domain may be used from many threads.
pub const DOMAIN_FLAG_MULTI_THREAD: u64 = 1 << 1;
/// `SSL_DOMAIN_FLAG_THREAD_ASSISTED`: a thread of the library's own keeps client
/// connections going between the application's calls (implies multi-threaded).
pub const DOMAIN_FLAG_THREAD_ASSISTED: u64 = 1 << 2;
/// `SSL_DOMAIN_FLAG_BLOCKING`: blocking calls are supported.
pub const DOMAIN_FLAG_BLOCKING: u64 = 1 << 3;
/// `SSL_DOMAIN_FLAG_LEGACY_BLOCKING`: blocking calls are supported where the network BIOs
/// can be polled.
pub const DOMAIN_FLAG_LEGACY_BLOCKING: u64 = 1 << 4;

/// Every domain flag.
const DOMAIN_FLAGS: u64 = DOMAIN_FLAG_SINGLE_THREAD
    | DOMAIN_FLAG_MULTI_THREAD
    | DOMAIN_FLAG_THREAD_ASSISTED
    | DOMAIN_FLAG_BLOCKING
    | DOMAIN_FLAG_LEGACY_BLOCKING;

/// The flags choosing a concurrency model.
pub(crate) const DOMAIN_MODEL_FLAGS: u64 =
    DOMAIN_FLAG_SINGLE_THREAD | DOMAIN_FLAG_MULTI_THREAD | DOMAIN_FLAG_THREAD_ASSISTED;

/// Checks a set of domain flags and completes it as OpenSSL does: thread assistance implies
/// multi-threading, which is the model when none is named. Unknown flags fail with
/// `ERR_R_UNSUPPORTED`, single- and multi-threading together with
/// `ERR_R_PASSED_INVALID_ARGUMENT`.
#[track_caller]
pub fn adjust_domain_flags(mut flags: u64) -> Result<u64, SslError> {
    if flags & !DOMAIN_FLAGS != 0 {
        return Err(SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
            .with_data("unsupported domain flag requested")
            .raise());
    }
    if flags & DOMAIN_FLAG_THREAD_ASSISTED != 0 {
        flags |= DOMAIN_FLAG_MULTI_THREAD;
    }
    if flags & (DOMAIN_FLAG_SINGLE_THREAD | DOMAIN_FLAG_MULTI_THREAD) == 0 {
        flags |= DOMAIN_FLAG_MULTI_THREAD;
    }
    if flags & DOMAIN_FLAG_SINGLE_THREAD != 0 && flags & DOMAIN_FLAG_MULTI_THREAD != 0 {
        return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("mutually exclusive domain flags specified")
            .raise());
    }
    Ok(flags)
}

/// Whether objects with these domain flags may block.
pub(crate) fn flags_allow_blocking(flags: u64) -> bool {
    flags & (DOMAIN_FLAG_BLOCKING | DOMAIN_FLAG_LEGACY_BLOCKING) != 0
}

/// The ports of a domain's listeners (and so of their connections), handled together.
#[derive(Debug, Default)]
pub(crate) struct DomainPorts(Mutex<Vec<Weak<Port>>>);

impl DomainPorts {
    /// Adds a listener's port.
    pub(crate) fn add(&self, port: &Arc<Port>) {
        let mut ports = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        ports.retain(|p| p.strong_count() > 0);
        ports.push(Arc::downgrade(port));
    }

    /// The ports still in use.
    pub(crate) fn live(&self) -> Vec<Arc<Port>> {
        let ports = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        ports.iter().filter_map(Weak::upgrade).collect()
    }

    /// `SSL_handle_events` on the domain: every port catches up with its network and clock.
    pub(crate) fn handle_events(&self) {
        for port in self.live() {
            port.tick_and_announce();
        }
    }

    /// `SSL_get_event_timeout` on the domain: the soonest deadline of its ports.
    pub(crate) fn event_timeout(&self) -> Option<Duration> {
        self.live().iter().filter_map(|p| p.event_timeout()).min()
    }
}
