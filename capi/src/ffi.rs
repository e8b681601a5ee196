//! Helpers at the boundary with C: reading C strings, strings handed out to C that must stay
//! valid, and references to objects handed out with `Arc::into_raw` (taken as `Arc`s).

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::entry::null_parameter;

/// The text of a C string, or `None` for null (invalid UTF-8 is replaced).
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn text<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per this function's contract.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy())
}

/// A `'static` C copy of `s`, made once per distinct string: for the fixed texts (library
/// and reason names) OpenSSL hands out as `const char *` that never go away.
pub(crate) fn interned(s: &str) -> *const c_char {
    static STRINGS: OnceLock<Mutex<HashMap<String, &'static CStr>>> = OnceLock::new();
    let mut map = STRINGS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(c) = map.get(s) {
        return c.as_ptr();
    }
    let owned = CString::new(s.replace('\0', " ")).unwrap_or_default();
    let leaked: &'static CStr = Box::leak(owned.into_boxed_c_str());
    map.insert(s.to_owned(), leaked);
    leaked.as_ptr()
}

/// A new owned reference to an object handed to C with `Arc::into_raw` (the `*_up_ref` a
/// holder makes), or `None` for null. Objects that hold other C objects hold them as such
/// `Arc`s, so each reference is released exactly once, when its holder goes.
///
/// # Safety
/// `p` must be null or a live object from `Arc::into_raw`.
pub(crate) unsafe fn arc_share<T>(p: *const T) -> Option<Arc<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a live object from Arc::into_raw, per the contract: the count taken here is
    // the one the returned Arc releases.
    unsafe {
        Arc::increment_strong_count(p);
        Some(Arc::from_raw(p))
    }
}

/// The reference a C caller hands over (as `SSL_set_bio` takes the caller's), as an owned
/// `Arc`, or `None` for null.
///
/// # Safety
/// `p` must be null or a live object from `Arc::into_raw` whose reference the caller gives
/// up.
pub(crate) unsafe fn arc_take<T>(p: *const T) -> Option<Arc<T>> {
    // SAFETY: the caller's reference, per the contract, now owned by the returned Arc.
    (!p.is_null()).then(|| unsafe { Arc::from_raw(p) })
}

/// `*_up_ref` for an object handed to C with `Arc::into_raw`: 1, or 0 for null.
///
/// # Safety
/// `p` must be null or a live object from `Arc::into_raw`.
pub(crate) unsafe fn arc_up_ref<T>(p: *const T) -> c_int {
    if p.is_null() {
        return 0;
    }
    // SAFETY: a live object from Arc::into_raw, per the contract.
    unsafe { Arc::increment_strong_count(p) };
    1
}

/// `*_free` for an object handed to C with `Arc::into_raw`: drops one reference (the last
/// frees it); null is ignored.
///
/// # Safety
/// `p` must be null or a live object whose reference the caller gives up.
pub(crate) unsafe fn arc_release<T>(p: *const T) {
    if !p.is_null() {
        // SAFETY: the caller gives up one reference of a live object.
        unsafe { Arc::decrement_strong_count(p) };
    }
}

/// How many references an object handed to C with `Arc::into_raw` has.
///
/// # Safety
/// `p` must be a live object from `Arc::into_raw`.
pub(crate) unsafe fn arc_count<T>(p: *const T) -> usize {
    // SAFETY: a live object from Arc::into_raw, per the contract; ManuallyDrop leaves its
    // count untouched.
    let arc = std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(p) });
    Arc::strong_count(&arc)
}

/// The `_ex` form of a count (`SSL_read_ex`, `BIO_write_ex`, ...): 1 and the count for the
/// out-pointer, or 0 and 0; `zero_ok` says whether a count of 0 is a success (an empty write,
/// an empty datagram).
pub(crate) fn ex_result(n: isize, zero_ok: bool) -> (c_int, usize) {
    match usize::try_from(n) {
        Ok(k) if k > 0 || zero_ok => (1, k),
        _ => (0, 0),
    }
}

/// A required object argument: the object, or `None` with `ERR_R_PASSED_NULL_PARAMETER` for
/// null.
///
/// # Safety
/// `p` must be null or point to a live `T` that outlives `'a`.
pub(crate) unsafe fn obj<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: null or live, per the contract.
    let r = unsafe { p.as_ref() };
    if r.is_none() {
        null_parameter();
    }
    r
}

/// A required object argument the call changes or fills in (an out-structure): as [`obj`].
///
/// # Safety
/// `p` must be null or valid for reads and writes of a `T` during `'a`, and not used
/// otherwise meanwhile.
pub(crate) unsafe fn obj_mut<'a, T>(p: *mut T) -> Option<&'a mut T> {
    // SAFETY: null or valid and unaliased, per the contract.
    let r = unsafe { p.as_mut() };
    if r.is_none() {
        null_parameter();
    }
    r
}

/// An optional argument structure of `len` bytes (`SSL_stream_reset`'s, `SSL_shutdown_ex`'s):
/// `Some(None)` for null, `Some(Some(copy))`, or `None` with `ERR_R_PASSED_INVALID_ARGUMENT`
/// when `len` is shorter than the structure.
///
/// # Safety
/// `p` must be null or valid for reads of `len` bytes.
pub(crate) unsafe fn sized<T: Copy>(p: *const T, len: usize) -> Option<Option<T>> {
    if p.is_null() {
        return Some(None);
    }
    if len < size_of::<T>() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("argument structure too small")
            .raise();
        return None;
    }
    // SAFETY: non-null and valid for its size, per the contract (read unaligned: the
    // structure is the caller's).
    Some(Some(unsafe { p.read_unaligned() }))
}

/// An object argument for which null is not an error (OpenSSL's stack calls treat a null
/// stack as empty): the object, or `None` for null with nothing queued.
///
/// # Safety
/// `p` must be null or point to a live `T` that outlives `'a`.
pub(crate) unsafe fn present<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: null or live, per the contract.
    unsafe { p.as_ref() }
}

/// As [`present`], for an object the call changes.
///
/// # Safety
/// `p` must be null or point to a live `T` that outlives `'a` and is not used otherwise
/// meanwhile.
pub(crate) unsafe fn present_mut<'a, T>(p: *mut T) -> Option<&'a mut T> {
    // SAFETY: null or live and unaliased, per the contract.
    unsafe { p.as_mut() }
}

/// A required C string argument: its text (invalid UTF-8 replaced), or `None` with
/// `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn c_str<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    // SAFETY: forwarded contract.
    let t = unsafe { text(p) };
    if t.is_none() {
        null_parameter();
    }
    t
}

/// A required C string argument as its bytes (without the NUL), or `None` with
/// `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        null_parameter();
        return None;
    }
    // SAFETY: non-null and NUL-terminated per this function's contract.
    Some(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A buffer argument of `len` bytes: empty for a length of 0 whatever the pointer, or `None`
/// with `ERR_R_PASSED_NULL_PARAMETER` for a null pointer with a length.
///
/// # Safety
/// `p` must be null or valid for reads of `len` bytes during `'a`.
pub(crate) unsafe fn bytes<'a, T>(p: *const T, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        null_parameter();
        return None;
    }
    // SAFETY: non-null and valid for len bytes, per the contract.
    Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
}

/// A buffer argument of `len` bytes to write into, as [`bytes`].
///
/// # Safety
/// `p` must be null or valid for reads and writes of `len` bytes during `'a`, and not used
/// otherwise meanwhile.
pub(crate) unsafe fn bytes_mut<'a, T>(p: *mut T, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    if p.is_null() {
        null_parameter();
        return None;
    }
    // SAFETY: non-null, valid and unaliased for len bytes, per the contract.
    Some(unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), len) })
}

/// Writes `value` through an optional out-pointer argument (null: nothing is written).
///
/// # Safety
/// `out` must be null or valid for a write of a `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null and valid for a write, per the contract.
        unsafe { out.write(value) };
    }
}

/// Copies `text` into the C buffer `dest` as a NUL-terminated string, cut to fit: at most
/// `dest.len() - 1` bytes and the NUL. The count copied (without the NUL); nothing for an
/// empty buffer.
pub(crate) fn put_c_string(dest: &mut [u8], text: &[u8]) -> usize {
    let Some(room) = dest.len().checked_sub(1) else {
        return 0;
    };
    let n = text.len().min(room);
    dest[..n].copy_from_slice(&text[..n]);
    dest[n] = 0;
    n
}

/// A C `timeval` as a duration (negative fields count as zero).
pub(crate) fn duration_of(tv: &libc::timeval) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(tv.tv_sec).unwrap_or(0))
        + std::time::Duration::from_micros(u64::try_from(tv.tv_usec).unwrap_or(0))
}

/// A duration as a C `timeval` (saturating).
pub(crate) fn timeval_of(d: std::time::Duration) -> libc::timeval {
    libc::timeval {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: libc::suseconds_t::from(d.subsec_micros() as i32),
    }
}
