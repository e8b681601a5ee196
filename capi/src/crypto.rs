//! `CRYPTO_*` memory functions and `OpenSSL_version`: allocations go to the C allocator, so
//! memory from `OPENSSL_malloc` may be released with `OPENSSL_free` by either side.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

use qssl::error::{ERR_LIB_CRYPTO, SslError, err_r};

use crate::entry::{arg, entry, raise_for_entry};
use crate::ffi::{bytes, interned};

/// `OPENSSL_VERSION_NUMBER` of the API implemented: 3.5.0.
const VERSION_NUMBER: c_ulong = 0x3050_0000;

/// Queues `ERR_R_MALLOC_FAILURE` for a failed allocation, as OpenSSL's `CRYPTO_malloc` does
/// when its caller says where it is (`file` or `line` set; its own error-state allocation
/// passes neither, so that reporting a failure never allocates again).
fn allocation_failed(file: *const c_char, line: c_int) {
    if !file.is_null() || line != 0 {
        SslError::new(ERR_LIB_CRYPTO, err_r::MALLOC_FAILURE).raise();
    }
}

/// `CRYPTO_malloc`: `num` bytes (null for 0; null with `ERR_R_MALLOC_FAILURE` on failure).
#[entry]
pub extern "C" fn CRYPTO_malloc(num: usize, file: *const c_char, line: c_int) -> *mut c_void {
    if num == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: malloc may be called with any size; it returns null or a fresh block.
    let p = unsafe { libc::malloc(num) };
    if p.is_null() {
        allocation_failed(file, line);
    }
    p
}

/// `CRYPTO_zalloc`: `num` zeroed bytes, failing as [`CRYPTO_malloc`] does.
#[entry]
pub extern "C" fn CRYPTO_zalloc(num: usize, file: *const c_char, line: c_int) -> *mut c_void {
    if num == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: calloc may be called with any size; it returns null or a zeroed block.
    let p = unsafe { libc::calloc(1, num) };
    if p.is_null() {
        allocation_failed(file, line);
    }
    p
}

/// `CRYPTO_realloc`: resizes `addr` (null: allocates, as [`CRYPTO_malloc`]; size 0: frees and
/// returns null). A block that cannot grow is kept and null returned, without an error, as
/// in OpenSSL.
///
/// # Safety
/// `addr` must be null or a block from these functions not yet freed.
#[entry]
pub unsafe extern "C" fn CRYPTO_realloc(
    addr: *mut c_void,
    num: usize,
    file: *const c_char,
    line: c_int,
) -> *mut c_void {
    if addr.is_null() {
        return CRYPTO_malloc(num, file, line);
    }
    if num == 0 {
        // SAFETY: addr is a live block, per the contract.
        unsafe { libc::free(addr) };
        return std::ptr::null_mut();
    }
    // SAFETY: addr is a live block, per the contract.
    unsafe { libc::realloc(addr, num) }
}

/// `CRYPTO_clear_realloc`: as `CRYPTO_realloc`, never leaving the old contents in freed
/// memory: a smaller size wipes the tail and keeps the block; a larger one copies into a
/// fresh block and wipes and frees the old one (kept, with null returned, if allocating
/// fails).
///
/// # Safety
/// `addr` must be null or a live block of at least `old_num` bytes.
#[entry]
pub unsafe extern "C" fn CRYPTO_clear_realloc(
    addr: *mut c_void,
    old_num: usize,
    num: usize,
    file: *const c_char,
    line: c_int,
) -> *mut c_void {
    if addr.is_null() {
        return CRYPTO_malloc(num, file, line);
    }
    if num == 0 {
        // SAFETY: addr is a live block of old_num bytes, per the contract.
        unsafe { CRYPTO_clear_free(addr, old_num, file, line) };
        return std::ptr::null_mut();
    }
    if num < old_num {
        // SAFETY: addr is a live block of old_num bytes, so its tail from num on is too.
        unsafe { OPENSSL_cleanse(addr.cast::<u8>().add(num).cast(), old_num - num) };
        return addr;
    }
    let fresh = CRYPTO_malloc(num, file, line);
    if !fresh.is_null() {
        // SAFETY: both blocks are live, old_num bytes long at least (num >= old_num).
        unsafe {
            std::ptr::copy_nonoverlapping(addr.cast::<u8>(), fresh.cast::<u8>(), old_num);
            CRYPTO_clear_free(addr, old_num, file, line);
        }
    }
    fresh
}

/// `CRYPTO_free`.
///
/// # Safety
/// `ptr` must be null or a live block from these functions.
#[entry]
pub unsafe extern "C" fn CRYPTO_free(ptr: *mut c_void, _file: *const c_char, _line: c_int) {
    // SAFETY: ptr is null or a live block, per the contract.
    unsafe { libc::free(ptr) }
}

/// `CRYPTO_clear_free`: wipes `num` bytes, then frees.
///
/// # Safety
/// `ptr` must be null or a live block of at least `num` bytes.
#[entry]
pub unsafe extern "C" fn CRYPTO_clear_free(
    ptr: *mut c_void,
    num: usize,
    file: *const c_char,
    line: c_int,
) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: ptr is a live block of num bytes, per the contract.
    unsafe {
        OPENSSL_cleanse(ptr, num);
        CRYPTO_free(ptr, file, line);
    }
}

/// `OPENSSL_cleanse`: zeroes `len` bytes in a way the compiler does not remove.
///
/// # Safety
/// `ptr` must be null or valid for `len` bytes of writes.
#[entry]
pub unsafe extern "C" fn OPENSSL_cleanse(ptr: *mut c_void, len: usize) {
    if ptr.is_null() {
        return;
    }
    let bytes = ptr.cast::<u8>();
    for i in 0..len {
        // SAFETY: i < len and ptr is valid for len bytes.
        unsafe { std::ptr::write_volatile(bytes.add(i), 0) };
    }
}

/// `CRYPTO_strdup`.
///
/// # Safety
/// `s` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn CRYPTO_strdup(
    s: *const c_char,
    file: *const c_char,
    line: c_int,
) -> *mut c_char {
    if s.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: s is NUL-terminated, per the contract.
    let len = unsafe { libc::strlen(s) };
    // SAFETY: forwarded; strndup copies at most len bytes of s.
    unsafe { CRYPTO_strndup(s, len, file, line) }
}

/// `CRYPTO_strndup`: at most `n` bytes of `s`, terminated.
///
/// # Safety
/// `s` must be null, or readable up to `n` bytes or its terminator.
#[entry]
pub unsafe extern "C" fn CRYPTO_strndup(
    s: *const c_char,
    n: usize,
    _file: *const c_char,
    _line: c_int,
) -> *mut c_char {
    if s.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: s is readable up to n bytes or its terminator, per the contract.
    let len = unsafe { libc::strnlen(s, n) };
    let text = arg!(bytes(s, len));
    malloc_c_string(text)
}

/// A copy of `bytes` in `OPENSSL_malloc` memory (the caller frees it with `OPENSSL_free`),
/// with a NUL after it when `nul`; null with `ERR_R_MALLOC_FAILURE` when the allocation
/// fails (or for nothing to copy).
pub(crate) fn malloc_copy(bytes: &[u8], nul: bool) -> *mut u8 {
    let len = bytes.len() + usize::from(nul);
    let p = CRYPTO_malloc(len, std::ptr::null(), 0).cast::<u8>();
    if p.is_null() {
        if len > 0 {
            raise_for_entry(err_r::MALLOC_FAILURE);
        }
        return p;
    }
    // SAFETY: a fresh block of len bytes, not yet shared.
    let block = unsafe { std::slice::from_raw_parts_mut(p, len) };
    block[..bytes.len()].copy_from_slice(bytes);
    if nul {
        block[bytes.len()] = 0;
    }
    p
}

/// A C string copy of `text` in `OPENSSL_malloc` memory, as [`malloc_copy`] makes it.
pub(crate) fn malloc_c_string(text: &[u8]) -> *mut c_char {
    malloc_copy(text, true).cast()
}

/// `OpenSSL_version`: the texts of the version query `kind`.
#[entry]
pub extern "C" fn OpenSSL_version(kind: c_int) -> *const c_char {
    interned(match kind {
        0 => "OpenSSL 3.5.0 (qssl)",
        1 => "compiler: rustc",
        2 => "built on: unknown",
        3 => "platform: linux",
        4 => "OPENSSLDIR: \"/usr/lib/ssl\"",
        5 => "ENGINESDIR: \"\"",
        6 => "3.5.0",
        7 => "3.5.0+qssl",
        8 => "MODULESDIR: \"\"",
        9 => "CPUINFO: ",
        _ => "not available",
    })
}

/// `OpenSSL_version_num`: `OPENSSL_VERSION_NUMBER`.
#[entry]
pub extern "C" fn OpenSSL_version_num() -> c_ulong {
    VERSION_NUMBER
}

/// `OPENSSL_version_major`.
#[entry]
pub extern "C" fn OPENSSL_version_major() -> c_uint {
    3
}

/// `OPENSSL_version_minor`.
#[entry]
pub extern "C" fn OPENSSL_version_minor() -> c_uint {
    5
}

/// `OPENSSL_version_patch`.
#[entry]
pub extern "C" fn OPENSSL_version_patch() -> c_uint {
    0
}

/// `OPENSSL_init_crypto`: 1. qssl needs no set-up (error strings, algorithms and
/// configuration are always there), so every option is accepted.
#[entry]
pub extern "C" fn OPENSSL_init_crypto(_opts: u64, _settings: *const c_void) -> c_int {
    1
}

/// `OPENSSL_init_ssl` (`SSL_library_init`, `SSL_load_error_strings`): 1, as
/// [`OPENSSL_init_crypto`].
#[entry]
pub extern "C" fn OPENSSL_init_ssl(_opts: u64, _settings: *const c_void) -> c_int {
    1
}
