//! Registration-based waiting on many QUIC objects from C: qssl's own functions, declared in
//! `<qssl/poll_group.h>`. An object is registered once with the `SSL_POLL_EVENT_*` events it
//! is wanted for and a token; a wait fills an array with the tokens and events of only the
//! objects that are ready, at a cost that follows how many are ready rather than how many
//! are registered (`SSL_poll` takes every item on every call). 1 for success, 0 for failure
//! with the reason on the error queue.
#![allow(non_snake_case, non_camel_case_types)] // The exported names follow OpenSSL's style.

use std::ffi::c_int;

use qssl::quic::{PollEvent, PollGroup};

use crate::entry::{CInt, arg, entry, nullable, out};
use crate::ffi::{duration_of, obj, obj_mut, present_mut, timeval_of};
use crate::quic::quic_ref;
use crate::ssl::SSL;

/// `QSSL_POLL_GROUP`: registered objects waited on together (opaque to C).
#[derive(Debug)]
pub struct QSSL_POLL_GROUP(PollGroup);

/// `QSSL_POLL_EVENT`: one ready object.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct QSSL_POLL_EVENT {
    /// The token it was registered with.
    pub token: u64,
    /// Its events (`SSL_POLL_EVENT_*`) among those it was registered for.
    pub revents: u64,
}

/// `QSSL_POLL_GROUP_new`: an empty group, or null with the reason queued.
#[entry]
pub extern "C" fn QSSL_POLL_GROUP_new() -> *mut QSSL_POLL_GROUP {
    match PollGroup::new() {
        Ok(g) => Box::into_raw(Box::new(QSSL_POLL_GROUP(g))),
        Err(_) => std::ptr::null_mut(),
    }
}

/// `QSSL_POLL_GROUP_free`: the objects registered stay as they are.
///
/// # Safety
/// `g` must be null or a group from `QSSL_POLL_GROUP_new`, not used afterwards.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_free(g: *mut QSSL_POLL_GROUP) {
    if !g.is_null() {
        // SAFETY: a Box-made group the caller gives up.
        drop(unsafe { Box::from_raw(g) });
    }
}

/// `QSSL_POLL_GROUP_add`: registers the QUIC object `ssl` (listener, connection or stream)
/// for `events` under `token`. The group takes no reference: freeing the object takes it
/// out. An object already in the group is refused.
///
/// # Safety
/// `g` and `ssl` must be null or live.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_add(
    g: *mut QSSL_POLL_GROUP,
    ssl: *mut SSL,
    events: u64,
    token: u64,
) -> c_int {
    let g = arg!(obj(g));
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(g.0.add(q, events, token).is_ok())
}

/// `QSSL_POLL_GROUP_modify`: changes a registered object's events and token.
///
/// # Safety
/// `g` and `ssl` must be null or live.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_modify(
    g: *mut QSSL_POLL_GROUP,
    ssl: *mut SSL,
    events: u64,
    token: u64,
) -> c_int {
    let g = arg!(obj(g));
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(g.0.modify(q, events, token).is_ok())
}

/// `QSSL_POLL_GROUP_remove`: takes an object out of the group.
///
/// # Safety
/// `g` and `ssl` must be null or live.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_remove(g: *mut QSSL_POLL_GROUP, ssl: *mut SSL) -> c_int {
    let g = arg!(obj(g));
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(g.0.remove(q).is_ok())
}

/// `QSSL_POLL_GROUP_wait`: waits until a registered object is ready or `timeout` passes
/// (null: no limit; zero: only looks), and writes up to `max` ready objects to `events`,
/// their count to `*nready`. Events are level-triggered: an object stays reported while it is
/// ready; those beyond `max` come first next time.
///
/// # Safety
/// `g` null or live; `events` valid for `max` events; `timeout` null or valid; `nready` null
/// or valid for a write.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_wait(
    g: *mut QSSL_POLL_GROUP,
    events: *mut QSSL_POLL_EVENT,
    max: usize,
    timeout: *const libc::timeval,
    nready: *mut usize,
) -> c_int {
    out!(nready, 0);
    let g = arg!(obj(g));
    let first = arg!(present_mut(events));
    let limit = nullable!(timeout).map(duration_of);
    let slots: *mut QSSL_POLL_EVENT = first;
    // The thread's buffer, kept between calls: a server's loop waits without allocating.
    let count = READY.with_borrow_mut(|ready| {
        g.0.wait(ready, max, limit).ok()?;
        for (i, e) in ready.iter().enumerate() {
            // SAFETY: i < ready.len() <= max, and the array holds max events, per the
            // contract.
            unsafe {
                slots.add(i).write(QSSL_POLL_EVENT {
                    token: e.token,
                    revents: e.revents,
                });
            }
        }
        Some(ready.len())
    });
    let Some(count) = count else {
        return 0;
    };
    out!(nready, count);
    1
}

thread_local! {
    /// Each thread's buffer for the events of `QSSL_POLL_GROUP_wait`.
    static READY: std::cell::RefCell<Vec<PollEvent>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `QSSL_POLL_GROUP_get_fd`: a descriptor (-1 for a null group) that polls readable whenever a wait on the group
/// might return something (network activity on its objects' sockets, or a change another
/// thread made), for a program that waits in its own `poll`/`epoll` loop; with it, wait at
/// most `QSSL_POLL_GROUP_get_timeout`, then call `QSSL_POLL_GROUP_wait` with a zero timeout.
///
/// # Safety
/// `g` must be null or live.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_get_fd(g: *mut QSSL_POLL_GROUP) -> CInt<-1> {
    let g = arg!(obj(g));
    g.0.descriptor()
}

/// `QSSL_POLL_GROUP_get_timeout`: how long until a timer of the group's connections is due,
/// or infinite (as `SSL_get_event_timeout`).
///
/// # Safety
/// `g` must be null or live; `tv` and `is_infinite` valid for writes.
#[entry]
pub unsafe extern "C" fn QSSL_POLL_GROUP_get_timeout(
    g: *mut QSSL_POLL_GROUP,
    tv: *mut libc::timeval,
    is_infinite: *mut c_int,
) -> c_int {
    let g = arg!(obj(g));
    let tv = arg!(obj_mut(tv));
    let is_infinite = arg!(obj_mut(is_infinite));
    let timeout = g.0.timeout();
    *tv = timeval_of(timeout.unwrap_or_default());
    *is_infinite = c_int::from(timeout.is_none());
    1
}
