//! A registration-based waiter on descriptors (mio's `Poll`: epoll on Linux): descriptors are
//! registered once and a wait returns only those with activity, instead of handing every
//! descriptor to the system on every wait as [`poll::wait`](crate::poll::wait) does. It has its
//! own waker, so another thread can end a wait, and it can itself be registered in another
//! `mio::Poll` (it is a [`mio::event::Source`]), which then reports it readable whenever a wait
//! on it would return something.
//!
//! Registrations are edge-triggered: a descriptor is reported when it becomes readable, so
//! whoever reads it must read until it would block, or look again without waiting.

use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use crate::error::BioError;
use crate::poll::PollDescriptor;

/// The token of the reactor's own waker; descriptors may use any other.
const WAKE: Token = Token(usize::MAX);

/// Descriptors registered once, waited on together (see the module documentation).
#[derive(Debug)]
pub struct Reactor {
    poll: Poll,
    events: Events,
    waker: Arc<Waker>,
}

/// Registers descriptors with a [`Reactor`] from any thread, even while it waits.
#[derive(Debug)]
pub struct Registrar(Registry);

/// Ends a [`Reactor::wait`] from any thread (and makes a reactor registered in another poll
/// readable there).
#[derive(Debug, Clone)]
pub struct ReactorWaker(Arc<Waker>);

impl ReactorWaker {
    /// Wakes the reactor. A wake-up already pending is enough.
    pub fn wake(&self) {
        let _ = self.0.wake();
    }
}

impl Reactor {
    /// A reactor with nothing registered.
    pub fn new() -> Result<Self, BioError> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        Ok(Reactor {
            poll,
            events: Events::with_capacity(256),
            waker,
        })
    }

    /// What wakes this reactor from another thread.
    pub fn waker(&self) -> ReactorWaker {
        ReactorWaker(self.waker.clone())
    }

    /// What registers descriptors with this reactor.
    pub fn registrar(&self) -> Result<Registrar, BioError> {
        Ok(Registrar(self.poll.registry().try_clone()?))
    }

    /// Waits until a watched descriptor becomes readable, the waker is woken or `timeout`
    /// passes (`None`: without limit; zero: only looks). Returns the tokens of the
    /// descriptors with activity, each once; a wake-up alone returns none. An interrupted
    /// wait returns early with none.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Vec<usize>, BioError> {
        match self.poll.poll(&mut self.events, timeout) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(Vec::new()),
            other => other?,
        }
        let mut ready: Vec<usize> = self
            .events
            .iter()
            .map(|e| e.token())
            .filter(|t| *t != WAKE)
            .map(|t| t.0)
            .collect();
        ready.sort_unstable();
        ready.dedup();
        Ok(ready)
    }
}

impl Registrar {
    /// Watches `desc` for readability under `token` (not `usize::MAX`). Watching a descriptor
    /// already watched changes nothing; a descriptor that cannot be polled is ignored.
    pub fn watch(&self, desc: PollDescriptor, token: usize) -> Result<(), BioError> {
        let PollDescriptor::SockFd(fd) = desc else {
            return Ok(());
        };
        if token == WAKE.0 {
            return Err(BioError::InvalidArgument("the reactor's own token"));
        }
        match self
            .0
            .register(&mut SourceFd(&fd), Token(token), Interest::READABLE)
        {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other.map_err(BioError::from),
        }
    }

    /// Stops watching `desc` (a descriptor already closed left on its own).
    pub fn unwatch(&self, desc: PollDescriptor) {
        if let PollDescriptor::SockFd(fd) = desc {
            let _ = self.0.deregister(&mut SourceFd(&fd));
        }
    }
}

impl mio::event::Source for Reactor {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> std::io::Result<()> {
        SourceFd(&self.poll.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> std::io::Result<()> {
        SourceFd(&self.poll.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> std::io::Result<()> {
        SourceFd(&self.poll.as_raw_fd()).deregister(registry)
    }
}

impl AsRawFd for Reactor {
    /// The reactor's own descriptor: readable while a wait would return something.
    fn as_raw_fd(&self) -> RawFd {
        self.poll.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::time::Instant;

    fn socket() -> UdpSocket {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        s
    }

    #[test]
    fn a_wait_returns_only_the_descriptors_with_data() {
        let mut r = Reactor::new().unwrap();
        let reg = r.registrar().unwrap();
        let (a, b, c) = (socket(), socket(), socket());
        for (s, t) in [(&a, 1), (&b, 2), (&c, 3)] {
            reg.watch(PollDescriptor::SockFd(s.as_raw_fd()), t).unwrap();
        }
        // Watching twice is harmless.
        reg.watch(PollDescriptor::SockFd(b.as_raw_fd()), 2).unwrap();
        a.send_to(b"x", b.local_addr().unwrap()).unwrap();
        assert_eq!(r.wait(Some(Duration::from_secs(5))).unwrap(), vec![2]);
        assert!(r.wait(Some(Duration::ZERO)).unwrap().is_empty());
    }

    #[test]
    fn another_thread_ends_a_wait() {
        let mut r = Reactor::new().unwrap();
        let waker = r.waker();
        let start = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            waker.wake();
        });
        assert!(r.wait(Some(Duration::from_secs(10))).unwrap().is_empty());
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
    }

    #[test]
    fn a_reactor_nests_in_another_poll() {
        let mut inner = Reactor::new().unwrap();
        let (a, b) = (socket(), socket());
        inner
            .registrar()
            .unwrap()
            .watch(PollDescriptor::SockFd(b.as_raw_fd()), 7)
            .unwrap();
        let mut outer = Poll::new().unwrap();
        outer
            .registry()
            .register(&mut inner, Token(1), Interest::READABLE)
            .unwrap();
        let mut events = Events::with_capacity(8);
        a.send_to(b"x", b.local_addr().unwrap()).unwrap();
        outer
            .poll(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(
            events.iter().map(|e| e.token()).collect::<Vec<_>>(),
            [Token(1)]
        );
        assert_eq!(inner.wait(Some(Duration::ZERO)).unwrap(), vec![7]);
    }

    #[test]
    fn the_wakers_token_is_refused() {
        let r = Reactor::new().unwrap().registrar().unwrap();
        let s = socket();
        assert!(
            r.watch(PollDescriptor::SockFd(s.as_raw_fd()), usize::MAX)
                .is_err()
        );
    }
}
