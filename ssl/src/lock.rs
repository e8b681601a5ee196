//! The lock around an object's state that refuses re-entry: a callback run while a thread
//! holds the lock (a verify, ALPN or key-log callback, or an application BIO's method) that
//! calls back into the same object would otherwise wait for itself forever. Such a call
//! panics with a message saying what happened instead; at the C boundary the panic becomes
//! an error on the queue and the call's failure value.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

thread_local! {
    /// The locks this thread holds, by address.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    /// Values to drop once this thread holds no lock.
    static DEFERRED: RefCell<Vec<Box<dyn std::any::Any>>> = const { RefCell::new(Vec::new()) };
}

/// Drops `value` once this thread holds no object lock (at once if it holds none): for values
/// whose drop takes a lock or runs the application's code, such as an object discarded
/// while its port is locked.
pub(crate) fn drop_unlocked(value: Box<dyn std::any::Any>) {
    if HELD.with(|held| held.borrow().is_empty()) {
        drop(value);
    } else {
        DEFERRED.with(|d| d.borrow_mut().push(value));
    }
}

/// A mutex that knows which thread holds it. Poisoning is ignored: every user leaves the
/// state consistent between steps, so a panic elsewhere does not make it unusable.
#[derive(Debug, Default)]
pub(crate) struct ObjectLock<T> {
    inner: Mutex<T>,
}

/// The state of an [`ObjectLock`], held by this thread until dropped.
pub(crate) struct ObjectGuard<'a, T> {
    /// Always `Some` but while waiting on a condition variable.
    guard: Option<MutexGuard<'a, T>>,
    key: usize,
}

impl<T> ObjectLock<T> {
    /// A lock around `value`.
    pub(crate) fn new(value: T) -> Self {
        Self {
            inner: Mutex::new(value),
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Whether this thread holds the lock (a callback of the call holding it is running).
    pub(crate) fn is_held_here(&self) -> bool {
        let key = self.key();
        HELD.with(|held| held.borrow().contains(&key))
    }

    /// Locks the state.
    ///
    /// # Panics
    /// If this thread already holds the lock, that is, when a callback calls back into the
    /// object whose call is running it.
    pub(crate) fn lock(&self) -> ObjectGuard<'_, T> {
        let key = self.key();
        HELD.with(|held| {
            assert!(
                !held.borrow().contains(&key),
                "a callback called into the object that is running it"
            );
        });
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        HELD.with(|held| held.borrow_mut().push(key));
        ObjectGuard {
            guard: Some(guard),
            key,
        }
    }
}

impl<'a, T> ObjectGuard<'a, T> {
    /// Waits on `cond` (releasing the lock meanwhile), at most `timeout` if given. The thread
    /// still counts as the holder: it cannot call in while it waits.
    pub(crate) fn wait(mut self, cond: &Condvar, timeout: Option<Duration>) -> Self {
        let guard = self.guard.take().expect("an ObjectGuard holds its lock");
        let guard = match timeout {
            Some(t) => {
                cond.wait_timeout(guard, t)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => cond.wait(guard).unwrap_or_else(PoisonError::into_inner),
        };
        self.guard = Some(guard);
        self
    }
}

impl<T> Deref for ObjectGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.guard.as_ref().expect("an ObjectGuard holds its lock")
    }
}

impl<T> DerefMut for ObjectGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("an ObjectGuard holds its lock")
    }
}

impl<T> Drop for ObjectGuard<'_, T> {
    fn drop(&mut self) {
        // The key goes first so a thread woken by the unlock never sees it.
        let none_held = HELD.with(|held| {
            let mut held = held.borrow_mut();
            if let Some(i) = held.iter().rposition(|k| *k == self.key) {
                held.swap_remove(i);
            }
            held.is_empty()
        });
        drop(self.guard.take());
        if none_held {
            // What was discarded under a lock; dropping it may lock again and defer more.
            while let Some(batch) = DEFERRED.with(|d| {
                let mut d = d.borrow_mut();
                (!d.is_empty()).then(|| std::mem::take(&mut *d))
            }) {
                drop(batch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;

    #[test]
    fn re_entry_on_one_thread_panics_instead_of_waiting() {
        let lock = ObjectLock::new(1);
        let held = lock.lock();
        let again = catch_unwind(AssertUnwindSafe(|| *lock.lock()));
        assert!(again.is_err());
        drop(held);
        assert_eq!(*lock.lock(), 1);
    }

    #[test]
    fn another_thread_waits_for_the_holder() {
        let lock = Arc::new(ObjectLock::new(0));
        let mut held = lock.lock();
        let other = {
            let lock = lock.clone();
            std::thread::spawn(move || *lock.lock())
        };
        *held = 7;
        drop(held);
        assert_eq!(other.join().unwrap(), 7);
    }

    #[test]
    fn two_locks_can_be_held_together_and_a_waiter_keeps_its_claim() {
        let a = ObjectLock::new(());
        let b = ObjectLock::new(());
        let ga = a.lock();
        let gb = b.lock();
        let cond = Condvar::new();
        let ga = ga.wait(&cond, Some(Duration::from_millis(1)));
        assert!(catch_unwind(AssertUnwindSafe(|| drop(a.lock()))).is_err());
        drop((ga, gb));
        drop(a.lock());
    }
}
