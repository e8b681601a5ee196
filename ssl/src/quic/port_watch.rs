//! Ports' sockets registered with a [`Reactor`] (mio: epoll on Linux): a registration is
//! made once and kept while the port's read BIO stays the same, so a wait on many ports hands
//! the system one descriptor instead of each port's. Poll groups keep one per port they
//! serve; `SSL_poll` keeps one per thread ([`wait`]) for the ports it last waited on.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::Duration;

use qssl_bio::poll::{self, PollItem};
use qssl_bio::reactor::{Reactor, Registrar};
use qssl_bio::{BioError, DatagramBio, PollDescriptor};

use super::port::Port;

/// A port's read descriptor as registered with a reactor, and the BIO it belongs to.
#[derive(Debug)]
pub(super) struct PortWatch {
    /// Held weakly so that its address identifies it while this lives.
    bio: Option<Weak<dyn DatagramBio>>,
    desc: PollDescriptor,
}

impl PortWatch {
    /// Registers `port`'s read descriptor under `token`. A BIO that cannot be polled is
    /// recorded but not registered (the port is still looked at on every wait).
    pub(super) fn new(port: &Port, registrar: &Registrar, token: usize) -> Result<Self, BioError> {
        let (bio, desc) = read_side(port);
        registrar.watch(desc, token)?;
        Ok(PortWatch { bio, desc })
    }

    /// Registers the port's read descriptor again if its read BIO or that BIO's descriptor
    /// changed since.
    pub(super) fn resync(&mut self, port: &Port, registrar: &Registrar, token: usize) {
        let (bio, desc) = read_side(port);
        let same_bio = match (&self.bio, &bio) {
            (Some(a), Some(b)) => Weak::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if same_bio && desc == self.desc {
            return;
        }
        registrar.unwatch(self.desc);
        // A BIO that cannot be registered leaves the port looked at on every wait only.
        let _ = registrar.watch(desc, token);
        self.bio = bio;
        self.desc = desc;
    }

    /// Takes the registration out of the reactor.
    pub(super) fn unwatch(&self, registrar: &Registrar) {
        registrar.unwatch(self.desc);
    }

    /// The registered descriptor.
    fn desc(&self) -> PollDescriptor {
        self.desc
    }
}

/// The port's read BIO and its descriptor.
fn read_side(port: &Port) -> (Option<Weak<dyn DatagramBio>>, PollDescriptor) {
    let st = port.lock();
    match st.net.rbio() {
        Some(b) => (Some(Arc::downgrade(b)), b.rpoll_descriptor()),
        None => (None, PollDescriptor::None),
    }
}

/// The token of every registration of [`wait`]'s reactor: a wait only tells that some port
/// has something, and the caller then looks at all of its ports.
const ANY_PORT: usize = 0;

/// The thread's reactor for [`wait`], and the ports registered with it.
struct ThreadWatch {
    reactor: Reactor,
    registrar: Registrar,
    /// By port address (kept unique by the weak reference): the port, its registration, and
    /// the last wait that wanted it.
    ports: HashMap<usize, (Weak<Port>, PortWatch, u64)>,
    /// Waits so far.
    turn: u64,
}

thread_local! {
    static THREAD_WATCH: RefCell<Option<ThreadWatch>> = const { RefCell::new(None) };
}

/// Fewer ports than this are waited on by polling their descriptors directly: a `ppoll` on
/// two or three descriptors costs no more than one on the reactor's, and saves taking the
/// reactor's events afterwards.
pub(super) const REACTOR_MIN_PORTS: usize = 4;

/// Waits until one of `ports` has a datagram to read, `also` is ready, or `timeout` passes
/// (`None`: without limit). The ports' sockets stay registered with the calling thread's
/// reactor between calls (those of ports no longer waited on leave it), and the wait itself
/// is a `ppoll` on the reactor's descriptor and `also`, for the nanosecond timeouts a
/// transport's pacing needs. Returns `None` if the thread has no reactor to offer (the
/// system refused one, or this thread is inside a wait already): the caller waits another
/// way.
pub(super) fn wait(
    ports: &[Arc<Port>],
    also: PollItem,
    timeout: Option<Duration>,
) -> Option<Result<(), BioError>> {
    THREAD_WATCH
        .try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            if slot.is_none() {
                *slot = ThreadWatch::new().ok();
            }
            let watch = slot.as_mut()?;
            watch.sync(ports);
            let mut items = [
                PollItem::readable(PollDescriptor::SockFd(watch.reactor.as_raw_fd())),
                also,
            ];
            let waited = poll::wait(&mut items, timeout).map(drop);
            // Take the reactor's events (each is reported once), so that what this wait
            // reported does not keep its descriptor readable for the next.
            let taken = watch.reactor.wait(Some(Duration::ZERO)).map(drop);
            Some(waited.and(taken))
        })
        .ok()
        .flatten()
}

impl ThreadWatch {
    fn new() -> Result<Self, BioError> {
        let reactor = Reactor::new()?;
        let registrar = reactor.registrar()?;
        Ok(ThreadWatch {
            reactor,
            registrar,
            ports: HashMap::new(),
            turn: 0,
        })
    }

    /// Registers the sockets of `ports` not registered yet (or whose BIO changed), and
    /// takes out those of the ports no longer waited on.
    fn sync(&mut self, ports: &[Arc<Port>]) {
        self.turn += 1;
        let turn = self.turn;
        let registrar = &self.registrar;
        for port in ports {
            let key = Arc::as_ptr(port) as usize;
            match self.ports.get_mut(&key) {
                Some((_, watch, wanted)) => {
                    watch.resync(port, registrar, ANY_PORT);
                    *wanted = turn;
                }
                None => {
                    if let Ok(watch) = PortWatch::new(port, registrar, ANY_PORT) {
                        self.ports.insert(key, (Arc::downgrade(port), watch, turn));
                    }
                }
            }
        }
        if self.ports.len() == ports.len() {
            return;
        }
        let mut dropped = Vec::new();
        self.ports.retain(|_, (port, watch, wanted)| {
            if *wanted == turn {
                return true;
            }
            // A port that is gone closed its socket, which left the reactor with it (and its
            // number may be another port's by now): only a live one's is taken out.
            if port.strong_count() > 0 {
                watch.unwatch(registrar);
                dropped.push(watch.desc());
            }
            false
        });
        // A socket shared with a port still waited on was just taken out with the other.
        for (_, watch, _) in self.ports.values() {
            if dropped.contains(&watch.desc()) {
                let _ = registrar.watch(watch.desc(), ANY_PORT);
            }
        }
    }
}
