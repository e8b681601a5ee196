//! Poll descriptors (OpenSSL's `BIO_POLL_DESCRIPTOR`) and a helper that waits on them.
//!
//! Layers above block through [`wait`]: they ask the network BIOs for their descriptors, and wait
//! for readiness with the transport's next deadline as the timeout.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::BioError;

/// What a BIO can be waited on through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PollDescriptor {
    /// Not pollable (`BIO_POLL_DESCRIPTOR_TYPE_NONE`): memory BIOs, datagram pairs.
    None,
    /// A socket descriptor (`BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD`).
    SockFd(RawFd),
}

impl PollDescriptor {
    /// OpenSSL's type number: `BIO_POLL_DESCRIPTOR_TYPE_NONE` (0) or `..._SOCK_FD` (1).
    pub fn type_code(&self) -> u32 {
        match self {
            PollDescriptor::None => 0,
            PollDescriptor::SockFd(_) => 1,
        }
    }

    /// Whether the descriptor can be waited on.
    pub fn is_pollable(&self) -> bool {
        !matches!(self, PollDescriptor::None)
    }
}

/// One descriptor to wait on, what to wait for, and what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollItem {
    /// The descriptor.
    pub desc: PollDescriptor,
    /// Wait for readability.
    pub read: bool,
    /// Wait for writability.
    pub write: bool,
    /// Set by [`wait`]: the descriptor is readable (or has an error or hang-up to report).
    pub readable: bool,
    /// Set by [`wait`]: the descriptor is writable (or has an error to report).
    pub writable: bool,
}

impl PollItem {
    /// An item waiting for readability.
    pub fn readable(desc: PollDescriptor) -> Self {
        PollItem {
            desc,
            read: true,
            write: false,
            readable: false,
            writable: false,
        }
    }

    /// An item waiting for writability.
    pub fn writable(desc: PollDescriptor) -> Self {
        PollItem {
            read: false,
            write: true,
            ..Self::readable(desc)
        }
    }

    /// Whether [`wait`] found what the item waits for.
    pub fn is_ready(&self) -> bool {
        (self.read && self.readable) || (self.write && self.writable)
    }
}

/// Descriptors [`wait`] handles in a stack buffer; more are put on the heap.
const STACK_FDS: usize = 4;

/// Waits until one of `items` is ready or `timeout` passes (`None`: no limit), returning how
/// many are ready. Items that are not pollable are skipped; waiting on none of them with no
/// timeout is an error, since it could never end. Interrupted waits resume with the time left.
pub fn wait(items: &mut [PollItem], timeout: Option<Duration>) -> Result<usize, BioError> {
    // A few descriptors (the common case) are waited on without allocating.
    const EMPTY: libc::pollfd = libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    };
    let pollable = items.iter().filter(|i| i.desc.is_pollable()).count();
    let mut stack = [EMPTY; STACK_FDS];
    let mut heap = Vec::new();
    let fds: &mut [libc::pollfd] = if pollable <= STACK_FDS {
        &mut stack[..pollable]
    } else {
        heap.resize(pollable, EMPTY);
        &mut heap
    };
    let mut slots = fds.iter_mut();
    for item in items.iter_mut() {
        item.readable = false;
        item.writable = false;
        if let PollDescriptor::SockFd(fd) = item.desc {
            let mut events = 0;
            if item.read {
                events |= libc::POLLIN;
            }
            if item.write {
                events |= libc::POLLOUT;
            }
            if let Some(slot) = slots.next() {
                *slot = libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                };
            }
        }
    }
    if fds.is_empty() && timeout.is_none() {
        return Err(BioError::InvalidArgument(
            "nothing pollable to wait on and no timeout",
        ));
    }
    // A timeout too large to represent waits without limit.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    loop {
        // Nanosecond precision: a transport's timers (pacing in particular) are often well
        // under a millisecond away, and rounding them up to poll(2)'s milliseconds would stall
        // it.
        let left = deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now());
            libc::timespec {
                tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(left.subsec_nanos() as i32),
            }
        });
        let timeout_ptr = left
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: fds is a live, correctly sized array of pollfd for the duration of the call;
        // the timeout is null or points to a timespec that outlives the call; no signal mask.
        let r = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                timeout_ptr,
                std::ptr::null(),
            )
        };
        if r >= 0 {
            break;
        }
        let err = BioError::last_os_error();
        if err != BioError::Os(libc::EINTR) {
            return Err(err);
        }
    }
    let mut ready = 0;
    let mut polled = fds.iter();
    for item in items.iter_mut().filter(|i| i.desc.is_pollable()) {
        let Some(p) = polled.next() else { break };
        let err = p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0;
        item.readable = item.read && (p.revents & libc::POLLIN != 0 || err);
        item.writable = item.write && (p.revents & libc::POLLOUT != 0 || err);
        if item.is_ready() {
            ready += 1;
        }
    }
    Ok(ready)
}

thread_local! {
    static THREAD_NOTIFIER: Option<Arc<Notifier>> = Notifier::new().ok().map(Arc::new);
}

/// This thread's notifier, made on first use (`None` if the system could not provide one):
/// a thread blocks in one wait at a time, so one notifier serves all of its waits, and
/// whoever wants to wake it is given this one while it waits.
pub fn thread_notifier() -> Option<Arc<Notifier>> {
    THREAD_NOTIFIER.with(Clone::clone)
}

/// A descriptor one thread can make readable to wake another blocked in [`wait`] on it: the
/// way a thread that changed shared state (queued data, armed an earlier timer) gets the thread
/// waiting on the network to look again. On Linux it is one eventfd; elsewhere a socket pair.
#[derive(Debug)]
pub struct Notifier {
    /// The descriptor waited on (and, for an eventfd, written to).
    rx: std::fs::File,
    /// The end written to, where it is another descriptor.
    #[cfg(not(target_os = "linux"))]
    tx: std::os::unix::net::UnixStream,
}

impl Notifier {
    /// A notifier with nothing pending.
    pub fn new() -> Result<Self, BioError> {
        #[cfg(target_os = "linux")]
        {
            Ok(Notifier {
                rx: std::fs::File::from(crate::sys::eventfd()?),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let (rx, tx) = std::os::unix::net::UnixStream::pair().map_err(BioError::from)?;
            rx.set_nonblocking(true).map_err(BioError::from)?;
            tx.set_nonblocking(true).map_err(BioError::from)?;
            Ok(Notifier {
                rx: std::fs::File::from(std::os::fd::OwnedFd::from(rx)),
                tx,
            })
        }
    }

    /// The descriptor to wait on for readability.
    pub fn descriptor(&self) -> PollDescriptor {
        use std::os::fd::AsRawFd;
        PollDescriptor::SockFd(self.rx.as_raw_fd())
    }

    /// Makes the descriptor readable. A wake-up already pending is enough, so a full buffer
    /// (or counter) is not an error.
    pub fn notify(&self) {
        use std::io::Write;
        #[cfg(target_os = "linux")]
        let _ = (&self.rx).write(&1u64.to_ne_bytes());
        #[cfg(not(target_os = "linux"))]
        let _ = (&self.tx).write(&[1]);
    }

    /// Consumes pending wake-ups, so the descriptor is no longer readable.
    pub fn drain(&self) {
        use std::io::Read;
        // An eventfd's read takes its whole count (8 bytes); a socket's, up to 64 wake-ups.
        let mut buf = [0u8; 64];
        while matches!((&self.rx).read(&mut buf), Ok(n) if n > 0) {}
    }
}
