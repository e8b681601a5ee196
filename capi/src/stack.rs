//! `OPENSSL_STACK` for C: the ordered list of pointers OpenSSL's typed `sk_TYPE_*` wrappers
//! (`STACK_OF(X509)` and the application's own) are built on. A stack holds the
//! application's pointers without owning what they point to (`OPENSSL_sk_pop_free` frees
//! them with the caller's function); a comparison function, when set, is given pointers to
//! two elements, as OpenSSL's is.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_void};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::error::{ERR_LIB_CRYPTO, SslError, crypto_r, err_r};

use crate::entry::{CInt, arg, entry};
use crate::ffi::{obj, present};

use crate::x509::X509;

/// `OPENSSL_sk_compfunc`: compares the elements its arguments point to.
pub type CompFn = Option<unsafe extern "C" fn(*const c_void, *const c_void) -> c_int>;
/// `OPENSSL_sk_freefunc`.
pub type FreeFn = Option<unsafe extern "C" fn(*mut c_void)>;
/// `OPENSSL_sk_copyfunc`.
pub type CopyFn = Option<unsafe extern "C" fn(*const c_void) -> *mut c_void>;

/// What a stack holds.
struct Items {
    items: Vec<*mut c_void>,
    comp: CompFn,
    sorted: bool,
}

/// `OPENSSL_STACK`.
pub struct OPENSSL_STACK {
    inner: Mutex<Items>,
}

// SAFETY: the pointers are the application's, only stored and handed back, never followed
// here; all access goes through the lock.
unsafe impl Send for OPENSSL_STACK {}
// SAFETY: as above.
unsafe impl Sync for OPENSSL_STACK {}

impl OPENSSL_STACK {
    fn with(items: Vec<*mut c_void>, comp: CompFn) -> Self {
        OPENSSL_STACK {
            inner: Mutex::new(Items {
                sorted: items.len() <= 1,
                items,
                comp,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Items> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A stack handed to C, to be freed with `OPENSSL_sk_free`.
    fn into_c(self) -> *mut OPENSSL_STACK {
        Box::into_raw(Box::new(self))
    }

    /// A stack of C references to `certs` (each taken here), to be freed with
    /// `sk_X509_pop_free(stack, X509_free)`.
    pub(crate) fn certificate_references(certs: &[Arc<X509>]) -> *mut OPENSSL_STACK {
        let items = certs
            .iter()
            .map(|x| Arc::into_raw(Arc::clone(x)).cast_mut().cast())
            .collect();
        Self::with(items, None).into_c()
    }
}

/// A stack of certificates kept by an object (what a `get0` call returns): the stack and
/// the references that keep its certificates alive.
pub(crate) struct CertificateStack {
    stack: OPENSSL_STACK,
    /// The certificates, in the stack's order.
    pub(crate) certs: Vec<Arc<X509>>,
}

impl CertificateStack {
    /// A stack of `certs`.
    pub(crate) fn new(certs: Vec<Arc<X509>>) -> Self {
        let items = certs
            .iter()
            .map(|x| Arc::as_ptr(x).cast_mut().cast())
            .collect();
        CertificateStack {
            stack: OPENSSL_STACK::with(items, None),
            certs,
        }
    }

    /// The stack, for C, valid while this lives.
    pub(crate) fn as_c(&self) -> *mut OPENSSL_STACK {
        std::ptr::from_ref(&self.stack).cast_mut()
    }
}

/// A count or index as C's `int` (a stack never holds more than fits, see `push`).
fn c_index(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// Sorts `items` with `comp`, called without the stack's lock held (the application's
/// function may look at the stack).
fn sort_items(
    items: &mut [*mut c_void],
    comp: unsafe extern "C" fn(*const c_void, *const c_void) -> c_int,
) {
    items.sort_by(|a, b| {
        // SAFETY: the application's comparison function, given pointers to two elements,
        // as OpenSSL gives them.
        let r = unsafe { comp(std::ptr::from_ref(a).cast(), std::ptr::from_ref(b).cast()) };
        r.cmp(&0)
    });
}

/// Sorts the stack by its comparison function, if it has one and is not sorted.
fn ensure_sorted(s: &OPENSSL_STACK) {
    let (mut items, comp) = {
        let g = s.lock();
        match g.comp {
            Some(comp) if !g.sorted => (g.items.clone(), comp),
            _ => return,
        }
    };
    sort_items(&mut items, comp);
    let mut g = s.lock();
    g.items = items;
    g.sorted = true;
}

/// `OPENSSL_sk_new_null`: an empty stack without a comparison function.
#[entry]
pub extern "C" fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK {
    OPENSSL_STACK::with(Vec::new(), None).into_c()
}

/// `OPENSSL_sk_new`: an empty stack ordered by `comp`.
#[entry]
pub extern "C" fn OPENSSL_sk_new(comp: CompFn) -> *mut OPENSSL_STACK {
    OPENSSL_STACK::with(Vec::new(), comp).into_c()
}

/// `OPENSSL_sk_new_reserve`: an empty stack ordered by `comp`, with room for `n` items (none
/// for `n <= 0`); null with `ERR_R_MALLOC_FAILURE` when that room cannot be allocated.
#[entry]
pub extern "C" fn OPENSSL_sk_new_reserve(comp: CompFn, n: c_int) -> *mut OPENSSL_STACK {
    let Some(items) = with_room(usize::try_from(n).unwrap_or(0)) else {
        return std::ptr::null_mut();
    };
    OPENSSL_STACK::with(items, comp).into_c()
}

/// Most items a stack holds (`int` indexes).
const MAX_ITEMS: usize = c_int::MAX as usize;

/// Makes room in `items` for exactly `n` more, as OpenSSL's `sk_reserve` does: false with
/// `CRYPTO_R_TOO_MANY_RECORDS` when that would pass [`MAX_ITEMS`], or with
/// `ERR_R_MALLOC_FAILURE` when the allocation fails (never aborting the process).
fn reserve_items(items: &mut Vec<*mut c_void>, n: usize) -> bool {
    if n > MAX_ITEMS - items.len() {
        SslError::new(ERR_LIB_CRYPTO, crypto_r::TOO_MANY_RECORDS).raise();
        return false;
    }
    if items.try_reserve_exact(n).is_err() {
        SslError::new(ERR_LIB_CRYPTO, err_r::MALLOC_FAILURE).raise();
        return false;
    }
    true
}

/// `OPENSSL_sk_reserve`: room for `n` more items; 1 with nothing to do for a negative `n`,
/// 0 when the stack would pass `INT_MAX` items or the room cannot be allocated.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_reserve(st: *mut OPENSSL_STACK, n: c_int) -> c_int {
    let s = arg!(obj(st));
    let Ok(n) = usize::try_from(n) else {
        return 1;
    };
    c_int::from(reserve_items(&mut s.lock().items, n))
}

/// `OPENSSL_sk_free`: frees the stack, not its items; null is ignored.
///
/// # Safety
/// `st` must be null or a stack from this library that the caller owns.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_free(st: *mut OPENSSL_STACK) {
    if !st.is_null() {
        // SAFETY: a stack from `into_c` the caller gives up.
        drop(unsafe { Box::from_raw(st) });
    }
}

/// `OPENSSL_sk_pop_free`: frees each item with `free` (skipping null items), then the stack.
///
/// # Safety
/// `st` must be null or a stack from this library that the caller owns; `free` must accept
/// its items.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_pop_free(st: *mut OPENSSL_STACK, free: FreeFn) {
    if st.is_null() {
        return;
    }
    // SAFETY: a stack from `into_c` the caller gives up.
    let s = unsafe { Box::from_raw(st) };
    let items = std::mem::take(&mut s.lock().items);
    if let Some(free) = free {
        for item in items.into_iter().filter(|p| !p.is_null()) {
            // SAFETY: the caller's function for its own items.
            unsafe { free(item) };
        }
    }
}

/// `OPENSSL_sk_zero`: removes every item (without freeing them).
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_zero(st: *mut OPENSSL_STACK) {
    let s = arg!(obj(st));
    let mut g = s.lock();
    g.items.clear();
    g.sorted = true;
}

/// `OPENSSL_sk_num`: the number of items; -1 for null.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_num(st: *const OPENSSL_STACK) -> CInt<-1> {
    let s = arg!(present(st));
    c_index(s.lock().items.len())
}

/// `OPENSSL_sk_value`: the item at `i`; null out of range.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_value(st: *const OPENSSL_STACK, i: c_int) -> *mut c_void {
    let s = arg!(present(st));
    let g = s.lock();
    usize::try_from(i)
        .ok()
        .and_then(|i| g.items.get(i).copied())
        .unwrap_or(std::ptr::null_mut())
}

/// `OPENSSL_sk_set`: replaces the item at `i`, returning the new one; null out of range
/// (`ERR_R_PASSED_INVALID_ARGUMENT`).
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_set(
    st: *mut OPENSSL_STACK,
    i: c_int,
    data: *const c_void,
) -> *mut c_void {
    let s = arg!(obj(st));
    let mut g = s.lock();
    let Some(slot) = usize::try_from(i).ok().and_then(|i| g.items.get_mut(i)) else {
        SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_INVALID_ARGUMENT)
            .with_data(format!("i={i}"))
            .raise();
        return std::ptr::null_mut();
    };
    *slot = data.cast_mut();
    g.sorted = false;
    data.cast_mut()
}

/// `OPENSSL_sk_insert`: inserts `data` at `loc` (at the end when `loc` is out of range);
/// the new number of items, or 0 on failure (`CRYPTO_R_TOO_MANY_RECORDS` at `INT_MAX` items,
/// `ERR_R_MALLOC_FAILURE` when the stack cannot grow).
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_insert(
    st: *mut OPENSSL_STACK,
    data: *const c_void,
    loc: c_int,
) -> c_int {
    let s = arg!(obj(st));
    let mut g = s.lock();
    if g.items.len() >= MAX_ITEMS {
        SslError::new(ERR_LIB_CRYPTO, crypto_r::TOO_MANY_RECORDS).raise();
        return 0;
    }
    if g.items.try_reserve(1).is_err() {
        SslError::new(ERR_LIB_CRYPTO, err_r::MALLOC_FAILURE).raise();
        return 0;
    }
    let at = usize::try_from(loc)
        .ok()
        .filter(|&at| at <= g.items.len())
        .unwrap_or(g.items.len());
    g.items.insert(at, data.cast_mut());
    g.sorted = g.items.len() <= 1;
    c_index(g.items.len())
}

/// `OPENSSL_sk_push`: appends `data`; the new number of items, or 0 on failure.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_push(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
    // SAFETY: forwarded.
    unsafe { OPENSSL_sk_insert(st, data, -1) }
}

/// `OPENSSL_sk_unshift`: inserts `data` first; the new number of items, or 0 on failure.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_unshift(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
    // SAFETY: forwarded.
    unsafe { OPENSSL_sk_insert(st, data, 0) }
}

/// `OPENSSL_sk_delete`: removes and returns the item at `loc`; null out of range.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_delete(st: *mut OPENSSL_STACK, loc: c_int) -> *mut c_void {
    let s = arg!(present(st));
    let mut g = s.lock();
    match usize::try_from(loc).ok().filter(|&at| at < g.items.len()) {
        Some(at) => g.items.remove(at),
        None => std::ptr::null_mut(),
    }
}

/// `OPENSSL_sk_delete_ptr`: removes the first item equal to `p` and returns it; null if
/// absent.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_delete_ptr(
    st: *mut OPENSSL_STACK,
    p: *const c_void,
) -> *mut c_void {
    let s = arg!(present(st));
    let mut g = s.lock();
    match g.items.iter().position(|&item| item.cast_const() == p) {
        Some(at) => g.items.remove(at),
        None => std::ptr::null_mut(),
    }
}

/// `OPENSSL_sk_pop`: removes and returns the last item; null when empty.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_pop(st: *mut OPENSSL_STACK) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { st.as_ref() }
        .and_then(|s| s.lock().items.pop())
        .unwrap_or(std::ptr::null_mut())
}

/// `OPENSSL_sk_shift`: removes and returns the first item; null when empty.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_shift(st: *mut OPENSSL_STACK) -> *mut c_void {
    // SAFETY: forwarded.
    unsafe { OPENSSL_sk_delete(st, 0) }
}

/// `OPENSSL_sk_find`: the index of an item matching `data`, or -1. Without a comparison
/// function an item matches when it is the same pointer; with one the stack is sorted first
/// and the first item comparing equal is found.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_find(st: *mut OPENSSL_STACK, data: *const c_void) -> CInt<-1> {
    let s = arg!(present(st));
    ensure_sorted(s);
    let (items, comp) = {
        let g = s.lock();
        (g.items.clone(), g.comp)
    };
    let found = match comp {
        None => items.iter().position(|&item| item.cast_const() == data),
        Some(comp) => items.iter().position(|item| {
            let (wanted, candidate) = (std::ptr::from_ref(&data), std::ptr::from_ref(item));
            // SAFETY: the application's comparison function, given pointers to the
            // searched-for element and to an item, as OpenSSL gives them.
            unsafe { comp(wanted.cast(), candidate.cast()) == 0 }
        }),
    };
    found.map_or(-1, c_index)
}

/// `OPENSSL_sk_set_cmp_func`: sets the comparison function (the stack counts as unsorted
/// again), returning the old one.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_set_cmp_func(st: *mut OPENSSL_STACK, comp: CompFn) -> CompFn {
    // SAFETY: per the contract.
    let s = unsafe { obj(st) }?;
    let mut g = s.lock();
    g.sorted = g.items.len() <= 1;
    std::mem::replace(&mut g.comp, comp)
}

/// `OPENSSL_sk_sort`: sorts the items by the comparison function (nothing without one).
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_sort(st: *mut OPENSSL_STACK) {
    let s = arg!(obj(st));
    ensure_sorted(s);
}

/// `OPENSSL_sk_is_sorted`: 1 if sorted since last changed (a stack of at most one item
/// always is); 1 for null, as OpenSSL answers.
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_is_sorted(st: *const OPENSSL_STACK) -> CInt<1> {
    let s = arg!(present(st));
    c_int::from(s.lock().sorted)
}

/// An empty list with room for `n` items, or `None` with `ERR_R_MALLOC_FAILURE` when it
/// cannot be allocated.
fn with_room(n: usize) -> Option<Vec<*mut c_void>> {
    let mut items = Vec::new();
    if items.try_reserve_exact(n).is_err() {
        SslError::new(ERR_LIB_CRYPTO, err_r::MALLOC_FAILURE).raise();
        return None;
    }
    Some(items)
}

/// A copy of `items`, or `None` with `ERR_R_MALLOC_FAILURE` when it cannot be allocated.
fn copy_items(items: &[*mut c_void]) -> Option<Vec<*mut c_void>> {
    let mut copy = with_room(items.len())?;
    copy.extend_from_slice(items);
    Some(copy)
}

/// `OPENSSL_sk_dup`: a new stack with the same items and comparison function (null with
/// `ERR_R_MALLOC_FAILURE` when it cannot be allocated).
///
/// # Safety
/// `st` must be null or a live stack.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_dup(st: *const OPENSSL_STACK) -> *mut OPENSSL_STACK {
    let s = arg!(obj(st));
    let g = s.lock();
    let Some(items) = copy_items(&g.items) else {
        return std::ptr::null_mut();
    };
    let mut copy = OPENSSL_STACK::with(items, g.comp);
    copy.inner
        .get_mut()
        .unwrap_or_else(PoisonError::into_inner)
        .sorted = g.sorted;
    copy.into_c()
}

/// `OPENSSL_sk_deep_copy`: a new stack holding `copy` of each item (null items stay null).
/// If a copy fails, the copies made are freed with `free` and null is returned.
///
/// # Safety
/// `st` must be null or a live stack; `copy` and `free` must accept its items.
#[entry]
pub unsafe extern "C" fn OPENSSL_sk_deep_copy(
    st: *const OPENSSL_STACK,
    copy: CopyFn,
    free: FreeFn,
) -> *mut OPENSSL_STACK {
    let s = arg!(obj(st));
    let Some(copy) = copy else {
        SslError::new(ERR_LIB_CRYPTO, err_r::PASSED_NULL_PARAMETER).raise();
        return std::ptr::null_mut();
    };
    let (items, comp, sorted) = {
        let g = s.lock();
        (g.items.clone(), g.comp, g.sorted)
    };
    let Some(mut copies) = with_room(items.len()) else {
        return std::ptr::null_mut();
    };
    for item in items {
        if item.is_null() {
            copies.push(item);
            continue;
        }
        // SAFETY: the caller's copy function for its own items.
        let c = unsafe { copy(item) };
        if c.is_null() {
            if let Some(free) = free {
                for made in copies.into_iter().filter(|p: &*mut c_void| !p.is_null()) {
                    // SAFETY: the caller's free function for the copies it made.
                    unsafe { free(made) };
                }
            }
            return std::ptr::null_mut();
        }
        copies.push(c);
    }
    let mut out = OPENSSL_STACK::with(copies, comp);
    out.inner
        .get_mut()
        .unwrap_or_else(PoisonError::into_inner)
        .sorted = sorted;
    out.into_c()
}
