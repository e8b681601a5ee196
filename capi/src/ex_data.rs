//! Application data on objects: `CRYPTO_get_ex_new_index` hands out indexes per class of
//! object, and `SSL_set_ex_data`/`SSL_CTX_set_ex_data` (and `SSL_get_app_data`, index 0)
//! keep one pointer per index on each object. As in OpenSSL, index 0 of every class is kept
//! for the "app data" macros, an index's `new_func` runs when an object of its class is made
//! and its `free_func` when the object is freed.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Mutex, PoisonError};

use qssl::error::{ERR_LIB_CRYPTO, SslError, err_r};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{CInt, arg, entry};

use crate::ffi::obj;
use crate::ssl::{SSL, ssl_ref};

/// `CRYPTO_EX_INDEX__COUNT`: how many classes there are.
const CLASS_COUNT: usize = 18;
/// The most indexes one class hands out: a bound on what a program can make the library keep.
const MAX_INDEXES: usize = 4096;

/// `CRYPTO_EX_new` and `CRYPTO_EX_free`: `(parent, ptr, ad, idx, argl, argp)`.
pub type CRYPTO_EX_new = Option<
    unsafe extern "C" fn(*mut c_void, *mut c_void, *mut CRYPTO_EX_DATA, c_int, c_long, *mut c_void),
>;
/// `CRYPTO_EX_free`.
pub type CRYPTO_EX_free = CRYPTO_EX_new;
/// `CRYPTO_EX_dup`: `(to, from, from_d, idx, argl, argp)`. Kept for the signature: qssl has
/// no call that copies an object's data.
pub type CRYPTO_EX_dup = Option<
    unsafe extern "C" fn(
        *mut CRYPTO_EX_DATA,
        *const CRYPTO_EX_DATA,
        *mut *mut c_void,
        c_int,
        c_long,
        *mut c_void,
    ) -> c_int,
>;

/// What `CRYPTO_get_ex_new_index` registered for one index.
#[derive(Clone, Copy)]
struct IndexMethods {
    argl: c_long,
    argp: usize,
    new_func: CRYPTO_EX_new,
    free_func: CRYPTO_EX_free,
}

/// The registered indexes of every class (`None`: index 0, or freed with
/// `CRYPTO_free_ex_index`).
static CLASSES: Mutex<[Vec<Option<IndexMethods>>; CLASS_COUNT]> =
    Mutex::new([const { Vec::new() }; CLASS_COUNT]);

/// A copy of one class's registered indexes, so callbacks run without the registry locked.
fn methods_of(class: c_int) -> Vec<(c_int, IndexMethods)> {
    let classes = CLASSES.lock().unwrap_or_else(PoisonError::into_inner);
    usize::try_from(class)
        .ok()
        .and_then(|c| classes.get(c))
        .map(|indexes| {
            indexes
                .iter()
                .enumerate()
                .filter_map(|(i, m)| Some((c_int::try_from(i).ok()?, (*m)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// `CRYPTO_EX_DATA`: the data pointers of one object, by index.
#[derive(Debug)]
pub struct CRYPTO_EX_DATA {
    class: c_int,
    slots: Mutex<Vec<usize>>,
}

impl CRYPTO_EX_DATA {
    /// Empty data for an object of `class`.
    pub(crate) fn new(class: c_int) -> Self {
        Self {
            class,
            slots: Mutex::new(Vec::new()),
        }
    }

    /// Runs the class's `new_func`s for the object at `parent` (just made).
    pub(crate) fn run_new(&self, parent: *mut c_void) {
        self.run(parent, |m| m.new_func);
    }

    /// Runs the class's `free_func`s for the object at `parent` (about to go).
    pub(crate) fn run_free(&self, parent: *mut c_void) {
        self.run(parent, |m| m.free_func);
    }

    fn run(&self, parent: *mut c_void, which: impl Fn(&IndexMethods) -> CRYPTO_EX_new) {
        let ad = std::ptr::from_ref(self).cast_mut();
        for (idx, m) in methods_of(self.class) {
            if let Some(f) = which(&m) {
                // SAFETY: the application's callback with the arguments OpenSSL passes it;
                // `ad` is this object's data, live for the call.
                unsafe {
                    f(
                        parent,
                        self.get(idx),
                        ad,
                        idx,
                        m.argl,
                        m.argp as *mut c_void,
                    )
                };
            }
        }
    }

    /// The pointer at `idx` (null if never set).
    pub(crate) fn get(&self, idx: c_int) -> *mut c_void {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        usize::try_from(idx)
            .ok()
            .and_then(|i| slots.get(i))
            .map_or(std::ptr::null_mut(), |p| *p as *mut c_void)
    }

    /// Sets the pointer at `idx`: 1, or 0 for an index out of range.
    pub(crate) fn set(&self, idx: c_int, value: *mut c_void) -> c_int {
        let Some(i) = usize::try_from(idx).ok().filter(|i| *i < MAX_INDEXES) else {
            SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_INVALID_ARGUMENT)
                .with_data(format!("ex_data index {idx}"))
                .raise();
            return 0;
        };
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() <= i {
            slots.resize(i + 1, 0);
        }
        slots[i] = value as usize;
        1
    }
}

/// `CRYPTO_get_ex_new_index`: a new index for objects of `class_index` (from 1; 0 is the app
/// data's), or -1 for an unknown class.
#[entry]
pub extern "C" fn CRYPTO_get_ex_new_index(
    class_index: c_int,
    argl: c_long,
    argp: *mut c_void,
    new_func: CRYPTO_EX_new,
    _dup_func: CRYPTO_EX_dup,
    free_func: CRYPTO_EX_free,
) -> CInt<-1> {
    let mut classes = CLASSES.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(indexes) = usize::try_from(class_index)
        .ok()
        .and_then(|c| classes.get_mut(c))
    else {
        SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_INVALID_ARGUMENT)
            .with_data(format!("ex_data class {class_index}"))
            .raise();
        return -1;
    };
    if indexes.is_empty() {
        indexes.push(None);
    }
    if indexes.len() >= MAX_INDEXES {
        SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("too many ex_data indexes")
            .raise();
        return -1;
    }
    indexes.push(Some(IndexMethods {
        argl,
        argp: argp as usize,
        new_func,
        free_func,
    }));
    c_int::try_from(indexes.len() - 1).unwrap_or(-1)
}

/// `CRYPTO_free_ex_index`: the index's callbacks no longer run; 1, or 0 for an unknown one.
#[entry]
pub extern "C" fn CRYPTO_free_ex_index(class_index: c_int, idx: c_int) -> c_int {
    let mut classes = CLASSES.lock().unwrap_or_else(PoisonError::into_inner);
    let slot = usize::try_from(class_index)
        .ok()
        .and_then(|c| classes.get_mut(c))
        .zip(usize::try_from(idx).ok())
        .and_then(|(indexes, i)| indexes.get_mut(i))
        .filter(|m| m.is_some());
    match slot {
        Some(m) => {
            *m = None;
            1
        }
        None => {
            SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_INVALID_ARGUMENT).raise();
            0
        }
    }
}

/// `CRYPTO_set_ex_data`.
///
/// # Safety
/// `ad` must be null or the data of a live object (as passed to an index's callbacks).
#[entry]
pub unsafe extern "C" fn CRYPTO_set_ex_data(
    ad: *mut CRYPTO_EX_DATA,
    idx: c_int,
    val: *mut c_void,
) -> c_int {
    // SAFETY: per the contract.
    match unsafe { ad.as_ref() } {
        Some(ad) => ad.set(idx, val),
        None => {
            SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_NULL_PARAMETER).raise();
            0
        }
    }
}

/// `CRYPTO_get_ex_data`.
///
/// # Safety
/// As [`CRYPTO_set_ex_data`].
#[entry]
pub unsafe extern "C" fn CRYPTO_get_ex_data(ad: *const CRYPTO_EX_DATA, idx: c_int) -> *mut c_void {
    let ad = arg!(obj(ad));
    ad.get(idx)
}

/// `SSL_set_ex_data` (`SSL_set_app_data` is index 0): 1, or 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_ex_data(ssl: *mut SSL, idx: c_int, data: *mut c_void) -> c_int {
    let s = arg!(ssl_ref(ssl));
    s.ex_data.set(idx, data)
}

/// `SSL_get_ex_data` (`SSL_get_app_data` is index 0): null if never set.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_ex_data(ssl: *const SSL, idx: c_int) -> *mut c_void {
    let s = arg!(ssl_ref(ssl));
    s.ex_data.get(idx)
}

/// `SSL_CTX_set_ex_data` (`SSL_CTX_set_app_data` is index 0): 1, or 0.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_ex_data(
    ctx: *mut SSL_CTX,
    idx: c_int,
    data: *mut c_void,
) -> c_int {
    let c = arg!(ctx_ref(ctx));
    c.ex_data.set(idx, data)
}

/// `SSL_CTX_get_ex_data` (`SSL_CTX_get_app_data` is index 0): null if never set.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_ex_data(ctx: *const SSL_CTX, idx: c_int) -> *mut c_void {
    let c = arg!(ctx_ref(ctx));
    c.ex_data.get(idx)
}
