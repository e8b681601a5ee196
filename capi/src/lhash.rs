//! `OPENSSL_LHASH` for C: the hash table OpenSSL's typed `lh_TYPE_*` wrappers are built on.
//! The table holds the application's pointers and hashes and compares them with its
//! functions, through the type-restoring "thunks" the wrappers register when they exist.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_ulong, c_void};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::entry::{arg, entry};
use crate::ffi::obj;

/// `OPENSSL_LH_HASHFUNC`.
pub type HashFn = Option<unsafe extern "C" fn(*const c_void) -> c_ulong>;
/// `OPENSSL_LH_COMPFUNC`.
pub type CompFn = Option<unsafe extern "C" fn(*const c_void, *const c_void) -> c_int>;
/// `OPENSSL_LH_DOALL_FUNC`.
pub type DoallFn = Option<unsafe extern "C" fn(*mut c_void)>;
/// `OPENSSL_LH_DOALL_FUNCARG`.
pub type DoallArgFn = Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>;
/// `OPENSSL_LH_HASHFUNCTHUNK`.
pub type HashThunk = Option<unsafe extern "C" fn(*const c_void, HashFn) -> c_ulong>;
/// `OPENSSL_LH_COMPFUNCTHUNK`.
pub type CompThunk = Option<unsafe extern "C" fn(*const c_void, *const c_void, CompFn) -> c_int>;
/// `OPENSSL_LH_DOALL_FUNC_THUNK`.
pub type DoallThunk = Option<unsafe extern "C" fn(*mut c_void, DoallFn)>;
/// `OPENSSL_LH_DOALL_FUNCARG_THUNK`.
pub type DoallArgThunk = Option<unsafe extern "C" fn(*mut c_void, *mut c_void, DoallArgFn)>;

/// The functions a table calls.
#[derive(Clone, Copy)]
struct Funcs {
    hash: HashFn,
    comp: CompFn,
    hash_thunk: HashThunk,
    comp_thunk: CompThunk,
    doall_thunk: DoallThunk,
    doall_arg_thunk: DoallArgThunk,
}

/// A pointer stored for the application.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Item(*mut c_void);

// SAFETY: the table only stores and hands back the application's pointers; OpenSSL's tables
// are shared between threads under the same rules (the application locks around writes).
unsafe impl Send for Item {}

/// `OPENSSL_LHASH`: items grouped by hash, in insertion order within a group.
pub struct OPENSSL_LHASH {
    funcs: Mutex<Funcs>,
    buckets: Mutex<HashMap<c_ulong, Vec<Item>>>,
}

impl OPENSSL_LHASH {
    fn funcs(&self) -> Funcs {
        *self.funcs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn buckets(&self) -> MutexGuard<'_, HashMap<c_ulong, Vec<Item>>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The application's hash of `data`.
    ///
    /// # Safety
    /// `data` must be what the application's hash function accepts.
    unsafe fn hash(&self, data: *const c_void) -> c_ulong {
        let f = self.funcs();
        // SAFETY: the application's functions, called as OpenSSL calls them.
        unsafe {
            match (f.hash_thunk, f.hash) {
                (Some(t), h) => t(data, h),
                (None, Some(h)) => h(data),
                (None, None) => OPENSSL_LH_strhash(data.cast()),
            }
        }
    }

    /// Whether `a` and `b` are the same key, by the application's compare function.
    ///
    /// # Safety
    /// Both must be what the application's compare function accepts.
    unsafe fn same(&self, a: *const c_void, b: *const c_void) -> bool {
        let f = self.funcs();
        // SAFETY: the application's functions, called as OpenSSL calls them.
        unsafe {
            match (f.comp_thunk, f.comp) {
                (Some(t), c) => t(a, b, c) == 0,
                (None, Some(c)) => c(a, b) == 0,
                (None, None) => libc::strcmp(a.cast(), b.cast()) == 0,
            }
        }
    }

    /// Calls `f` on every item, each looked at without the lock held (the callbacks may use
    /// the table); an item deleted by an earlier call is skipped.
    fn for_each_live(&self, mut f: impl FnMut(Item)) {
        let snapshot: Vec<(c_ulong, Item)> = self
            .buckets()
            .iter()
            .flat_map(|(h, group)| group.iter().map(|i| (*h, *i)))
            .collect();
        for (h, item) in snapshot {
            let live = self.buckets().get(&h).is_some_and(|g| g.contains(&item));
            if live {
                f(item);
            }
        }
    }
}

/// `OPENSSL_LH_new`: a table using `h` and `c` (a string hash and `strcmp` when null).
#[entry]
pub extern "C" fn OPENSSL_LH_new(h: HashFn, c: CompFn) -> *mut OPENSSL_LHASH {
    Box::into_raw(Box::new(OPENSSL_LHASH {
        funcs: Mutex::new(Funcs {
            hash: h,
            comp: c,
            hash_thunk: None,
            comp_thunk: None,
            doall_thunk: None,
            doall_arg_thunk: None,
        }),
        buckets: Mutex::new(HashMap::new()),
    }))
}

/// `OPENSSL_LH_set_thunks`: the typed wrappers' adapters, through which the table calls the
/// application's functions; returns `lh`.
///
/// # Safety
/// `lh` must be null or a live table.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_set_thunks(
    lh: *mut OPENSSL_LHASH,
    hw: HashThunk,
    cw: CompThunk,
    daw: DoallThunk,
    daaw: DoallArgThunk,
) -> *mut OPENSSL_LHASH {
    // SAFETY: per the contract.
    if let Some(t) = unsafe { lh.as_ref() } {
        let mut f = t.funcs.lock().unwrap_or_else(PoisonError::into_inner);
        f.hash_thunk = hw;
        f.comp_thunk = cw;
        f.doall_thunk = daw;
        f.doall_arg_thunk = daaw;
    }
    lh
}

/// `OPENSSL_LH_free`: frees the table (not the items).
///
/// # Safety
/// `lh` must be null or a live table, not used afterwards.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_free(lh: *mut OPENSSL_LHASH) {
    if !lh.is_null() {
        // SAFETY: made by Box::into_raw in OPENSSL_LH_new, freed once.
        drop(unsafe { Box::from_raw(lh) });
    }
}

/// `OPENSSL_LH_flush`: removes every item (not freeing them).
///
/// # Safety
/// `lh` must be null or a live table.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_flush(lh: *mut OPENSSL_LHASH) {
    let t = arg!(obj(lh));
    t.buckets().clear();
}

/// `OPENSSL_LH_insert`: adds `data`, or replaces the item with the same key and returns it
/// (null when nothing was replaced).
///
/// # Safety
/// `lh` must be null or a live table; `data` what its functions accept.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_insert(
    lh: *mut OPENSSL_LHASH,
    data: *mut c_void,
) -> *mut c_void {
    let t = arg!(obj(lh));
    // SAFETY: data is what the application's functions accept.
    let h = unsafe { t.hash(data) };
    let group: Vec<Item> = t.buckets().get(&h).cloned().unwrap_or_default();
    // SAFETY: as above; compared outside the lock.
    let found = group.iter().position(|i| unsafe { t.same(i.0, data) });
    let mut buckets = t.buckets();
    let entry = buckets.entry(h).or_default();
    match found.and_then(|pos| entry.get_mut(pos)) {
        Some(slot) => std::mem::replace(slot, Item(data)).0,
        None => {
            entry.push(Item(data));
            std::ptr::null_mut()
        }
    }
}

/// Finds the item with `data`'s key: its hash and position.
///
/// # Safety
/// `data` must be what the table's functions accept.
unsafe fn find(t: &OPENSSL_LHASH, data: *const c_void) -> Option<(c_ulong, usize)> {
    // SAFETY: per the contract.
    let h = unsafe { t.hash(data) };
    let group: Vec<Item> = t.buckets().get(&h).cloned().unwrap_or_default();
    // SAFETY: per the contract; compared outside the lock.
    group
        .iter()
        .position(|i| unsafe { t.same(i.0, data) })
        .map(|pos| (h, pos))
}

/// `OPENSSL_LH_retrieve`: the item with `data`'s key, or null.
///
/// # Safety
/// `lh` must be null or a live table; `data` what its functions accept.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_retrieve(
    lh: *mut OPENSSL_LHASH,
    data: *const c_void,
) -> *mut c_void {
    let t = arg!(obj(lh));
    // SAFETY: per the contract.
    unsafe { find(t, data) }
        .and_then(|(h, pos)| t.buckets().get(&h)?.get(pos).copied())
        .map_or(std::ptr::null_mut(), |i| i.0)
}

/// `OPENSSL_LH_delete`: removes the item with `data`'s key and returns it (null if none).
///
/// # Safety
/// `lh` must be null or a live table; `data` what its functions accept.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_delete(
    lh: *mut OPENSSL_LHASH,
    data: *const c_void,
) -> *mut c_void {
    let t = arg!(obj(lh));
    // SAFETY: per the contract.
    let Some((h, pos)) = (unsafe { find(t, data) }) else {
        return std::ptr::null_mut();
    };
    let mut buckets = t.buckets();
    let Some(group) = buckets.get_mut(&h) else {
        return std::ptr::null_mut();
    };
    let item = group.remove(pos);
    if group.is_empty() {
        buckets.remove(&h);
    }
    item.0
}

/// `OPENSSL_LH_doall`: calls `func` on every item; an item a call deleted is not visited.
///
/// # Safety
/// `lh` must be null or a live table; `func` sound to call on each item.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_doall(lh: *mut OPENSSL_LHASH, func: DoallFn) {
    let t = arg!(obj(lh));
    let thunk = t.funcs().doall_thunk;
    t.for_each_live(|item| {
        // SAFETY: the application's function on its own item.
        unsafe {
            match (thunk, func) {
                (Some(th), f) => th(item.0, f),
                (None, Some(f)) => f(item.0),
                (None, None) => {}
            }
        }
    });
}

/// `OPENSSL_LH_doall_arg`: calls `func(item, arg)` on every item.
///
/// # Safety
/// `lh` must be null or a live table; `func` sound to call on each item with `arg`.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_doall_arg(
    lh: *mut OPENSSL_LHASH,
    func: DoallArgFn,
    arg: *mut c_void,
) {
    let t = arg!(obj(lh));
    let thunk = t.funcs().doall_arg_thunk;
    t.for_each_live(|item| {
        // SAFETY: the application's function on its own item.
        unsafe {
            match (thunk, func) {
                (Some(th), f) => th(item.0, arg, f),
                (None, Some(f)) => f(item.0, arg),
                (None, None) => {}
            }
        }
    });
}

/// `OPENSSL_LH_num_items`.
///
/// # Safety
/// `lh` must be null or a live table.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_num_items(lh: *const OPENSSL_LHASH) -> c_ulong {
    // SAFETY: per the contract.
    unsafe { lh.as_ref() }.map_or(0, |t| {
        t.buckets().values().map(Vec::len).sum::<usize>() as c_ulong
    })
}

/// `OPENSSL_LH_error`: 0 (growing the table cannot fail short of running out of memory).
#[entry]
pub extern "C" fn OPENSSL_LH_error(_lh: *mut OPENSSL_LHASH) -> c_int {
    0
}

/// `OPENSSL_LH_strhash`: a hash of a NUL-terminated string (0 for null).
///
/// # Safety
/// `c` must be null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn OPENSSL_LH_strhash(c: *const c_char) -> c_ulong {
    if c.is_null() {
        return 0;
    }
    // SAFETY: NUL-terminated, per the contract.
    let bytes = unsafe { std::ffi::CStr::from_ptr(c) }.to_bytes();
    // FNV-1a: any good string hash serves; OpenSSL only promises a hash.
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) as c_ulong
}
