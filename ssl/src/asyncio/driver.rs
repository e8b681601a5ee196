//! The thread that turns qssl readiness into task wake-ups, for any async runtime.
//!
//! A connection used from async code has one [`Driver`], and with it one driver thread. A
//! handle (a stream, an opener, an acceptor) whose operation
//! would block records, in its [`Slot`], the object it waits on, the `SSL_poll` events
//! that would let it go on, and its task's waker. The thread loops over
//! [`poll()`] on the connection and every recorded object, with a bounded
//! timeout, and wakes the tasks whose objects became ready. The poll ticks the connection's
//! port, so it also receives datagrams and runs the timers while no task calls in.
//!
//! The registry is read afresh before every poll: an object recorded while the thread
//! waits is watched from the next poll on, at most [`MAX_WAIT`] later. Readiness is
//! level-triggered, so nothing that happened meanwhile is lost, only seen late.
//!
//! Once the connection starts terminating every waiting task is woken and no task can wait
//! any more (its handle reports the connection's error instead); the thread goes on ticking
//! until the connection has terminated, so the closing state runs its course, or until the
//! last handle is gone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Waker};
use std::thread;
use std::time::Duration;

use crate::error::{SslError, clear_error};
use crate::quic::Ssl;
use crate::quic::poll::{POLL_EVENT_EC, POLL_EVENT_ECD, PollItem, poll};

/// The longest one poll of the driver lasts: how late an object recorded during a poll can
/// be noticed.
pub const MAX_WAIT: Duration = Duration::from_millis(2);

/// One task waiting on one object.
#[derive(Debug)]
struct Entry {
    ssl: Ssl,
    events: u64,
    waker: Waker,
}

/// What the tasks wait on, by slot.
#[derive(Debug, Default)]
struct Registry {
    waiting: HashMap<u64, Entry>,
    /// The connection has started terminating: nobody may wait any more.
    closed: bool,
}

/// A connection, the registry of its waiting tasks, and (while any handle holds it) its
/// driver thread.
#[derive(Debug)]
pub struct Driver {
    conn: Ssl,
    registry: Mutex<Registry>,
    next_slot: AtomicU64,
}

impl Driver {
    /// Starts the driver thread of `conn`. The thread holds only a weak reference: it ends
    /// once every handle of the connection is gone.
    pub fn start(conn: Ssl) -> Result<Arc<Driver>, SslError> {
        let driver = Arc::new(Driver {
            conn,
            registry: Mutex::new(Registry::default()),
            next_slot: AtomicU64::new(0),
        });
        let weak = Arc::downgrade(&driver);
        thread::Builder::new()
            .name("qssl-h3-driver".into())
            .spawn(move || run(&weak))
            .map_err(|e| {
                SslError::sys(e.raw_os_error().unwrap_or(0))
                    .with_data(format!("starting the driver thread: {e}"))
            })?;
        Ok(driver)
    }

    /// The connection object.
    pub fn conn(&self) -> &Ssl {
        &self.conn
    }

    /// A new slot: one place for one handle to wait.
    pub fn slot(self: &Arc<Self>) -> Slot {
        Slot {
            driver: self.clone(),
            id: self.next_slot.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // The registry is consistent after every statement: a panic elsewhere leaves it
        // usable.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One handle's place in the registry: at most one waiting task at a time. Dropping the
/// slot forgets its wait.
#[derive(Debug)]
pub struct Slot {
    driver: Arc<Driver>,
    id: u64,
}

impl Slot {
    /// The driver this slot belongs to.
    pub fn driver(&self) -> &Arc<Driver> {
        &self.driver
    }

    /// Has the task of `cx` woken once `ssl` has one of `events` (`SSL_POLL_EVENT_*`) or the
    /// connection starts terminating; replaces this slot's earlier wait. Returns `false`
    /// (recording nothing) if the connection is terminating already: the caller reports
    /// the connection's error instead of waiting.
    #[must_use]
    pub fn wait(&self, ssl: &Ssl, events: u64, cx: &Context<'_>) -> bool {
        let mut registry = self.driver.registry();
        if registry.closed {
            return false;
        }
        let entry = Entry {
            ssl: ssl.clone(),
            events,
            waker: cx.waker().clone(),
        };
        registry.waiting.insert(self.id, entry);
        true
    }

    /// Wakes this slot's waiting task now, if there is one.
    pub fn wake(&self) {
        let entry = self.driver.registry().waiting.remove(&self.id);
        if let Some(entry) = entry {
            entry.waker.wake();
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.driver.registry().waiting.remove(&self.id);
    }
}

/// The driver thread: polls until the connection has terminated or its last handle is
/// gone.
fn run(driver: &Weak<Driver>) {
    let mut terminating = false;
    loop {
        let Some(driver) = driver.upgrade() else {
            return;
        };
        let watched: Vec<(u64, Ssl, u64)> = driver
            .registry()
            .waiting
            .iter()
            .map(|(id, e)| (*id, e.ssl.clone(), e.events))
            .collect();
        let mut items = Vec::with_capacity(watched.len() + 1);
        items.push(PollItem {
            ssl: Some(&driver.conn),
            // EC stays set once the connection terminates: afterwards only its end matters.
            events: if terminating {
                POLL_EVENT_ECD
            } else {
                POLL_EVENT_EC
            },
            revents: 0,
        });
        items.extend(watched.iter().map(|(_, ssl, events)| PollItem {
            ssl: Some(ssl),
            events: *events,
            revents: 0,
        }));
        if poll(&mut items, Some(MAX_WAIT), 0).is_err() {
            // The system refused to wait (no flags are passed, and a timeout is given):
            // pause as long as a poll would have.
            clear_error();
            thread::sleep(MAX_WAIT);
            continue;
        }
        let conn_events = items[0].revents;
        let mut wake = Vec::new();
        {
            let mut registry = driver.registry();
            if conn_events & POLL_EVENT_EC != 0 && !terminating {
                terminating = true;
                registry.closed = true;
                wake.extend(registry.waiting.drain().map(|(_, e)| e.waker));
            }
            for ((id, _, _), item) in watched.iter().zip(&items[1..]) {
                if item.revents != 0
                    && let Some(entry) = registry.waiting.remove(id)
                {
                    wake.push(entry.waker);
                }
            }
        }
        for waker in wake {
            waker.wake();
        }
        if conn_events & POLL_EVENT_ECD != 0 {
            return;
        }
    }
}
