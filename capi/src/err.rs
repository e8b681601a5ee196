//! `ERR_*`: the calling thread's error queue (`qssl::error`) for C.
//!
//! Records handed out with their file, function and data keep those strings alive in a
//! per-thread slot until the thread's next call that hands out strings, as OpenSSL's stay
//! valid until the queue changes.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int, c_ulong, c_void};

use qssl::error::{self, ErrorRecord};

use crate::entry::{arg, entry, out, param};
use crate::ffi::{bytes_mut, interned, put_c_string, text};

/// The data text of the last record handed out on this thread (valid until the next one).
#[derive(Default)]
struct Held {
    data: Option<CString>,
}

thread_local! {
    static HELD: RefCell<Held> = RefCell::new(Held::default());
    /// `ERR_error_string`'s buffer when the caller passes none (OpenSSL's is static).
    static STRING_BUF: RefCell<[c_char; 256]> = const { RefCell::new([0; 256]) };
}

fn c_string(s: Option<&str>) -> Option<CString> {
    s.map(|s| CString::new(s.replace('\0', " ")).unwrap_or_default())
}

/// What the `ERR_*_all` calls hand out for a record: the strings stay valid as OpenSSL's do.
struct HandedOut {
    code: c_ulong,
    file: *const c_char,
    line: c_int,
    func: *const c_char,
    data: *const c_char,
    flags: c_int,
}

/// The details of `record` for C, as OpenSSL's `ERR_*_all` hand them out; its data text is
/// kept in the thread's slot.
fn hand_out(record: ErrorRecord) -> HandedOut {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        *held = Held {
            data: c_string(record.data.as_deref()),
        };
        let empty = c"".as_ptr();
        // File and function names come from a bounded set (source locations): interned,
        // they stay valid for good, as OpenSSL's __FILE__ and __func__ strings do.
        let fixed = |s: Option<&str>| s.map_or(empty, interned);
        HandedOut {
            code: c_ulong::from(record.code),
            file: fixed(record.file.as_deref()),
            line: c_int::try_from(record.line).unwrap_or(c_int::MAX),
            func: fixed(record.func.as_deref()),
            data: held.data.as_ref().map_or(empty, |c| c.as_ptr()),
            flags: record.flags(),
        }
    })
}

/// `ERR_new`: opens a record for `ERR_set_debug` and `ERR_set_error`.
#[entry]
pub extern "C" fn ERR_new() {
    error::new_entry()
}

/// `ERR_set_debug`: the newest record's source location.
///
/// # Safety
/// `file` and `func` must be null or NUL-terminated strings.
#[entry]
pub unsafe extern "C" fn ERR_set_debug(file: *const c_char, line: c_int, func: *const c_char) {
    let (file, func) = (param!(text(file)), param!(text(func)));
    error::set_debug(
        file.map(|f| Cow::Owned(f.into_owned())),
        u32::try_from(line).unwrap_or(0),
        func.map(|f| Cow::Owned(f.into_owned())),
    );
}

/// The end of `ERR_set_error` (formatted by the C shim): the newest record's code and text.
///
/// # Safety
/// `text` must be null or a NUL-terminated string.
#[entry(internal)]
pub unsafe extern "C" fn qssl_err_set_error_text(lib: c_int, reason: c_int, data: *const c_char) {
    let data = param!(text(data)).map(Cow::into_owned);
    error::set_error(lib, reason, data);
}

/// The end of `ERR_add_error_data` (joined by the C shim): text appended to the newest record.
///
/// # Safety
/// `text` must be null or a NUL-terminated string.
#[entry(internal)]
pub unsafe extern "C" fn qssl_err_add_error_text(data: *const c_char) {
    if let Some(t) = param!(text(data)) {
        error::add_error_data(&t);
    }
}

/// `ERR_get_error`: removes and returns the oldest error code (0 if none).
#[entry]
pub extern "C" fn ERR_get_error() -> c_ulong {
    c_ulong::from(error::get_error())
}

/// A null out-pointer, for the detail a narrower form does not ask for.
fn none<T>() -> *mut T {
    std::ptr::null_mut()
}

/// Defines an `ERR_*_all` function over `$source` (which gives a record or none) and the
/// narrower `_line`/`_func`/`_data` forms on top of it, as OpenSSL's families are.
macro_rules! record_family {
    (
        $(#[$doc:meta])* $all:ident = $source:path;
        $( $(#[$vdoc:meta])* $variant:ident($($arg:ident),*) => [$f:expr, $l:expr, $fu:expr, $d:expr, $fl:expr]; )*
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Each pointer must be null or valid for a write of its type.
        #[entry]
        pub unsafe extern "C" fn $all(
            file: *mut *const c_char,
            line: *mut c_int,
            func: *mut *const c_char,
            data: *mut *const c_char,
            flags: *mut c_int,
        ) -> c_ulong {
            let Some(record) = $source() else {
                return 0;
            };
            let h = hand_out(record);
            out!(file, h.file);
            out!(line, h.line);
            out!(func, h.func);
            out!(data, h.data);
            out!(flags, h.flags);
            h.code
        }

        $(
            $(#[$vdoc])*
            ///
            /// # Safety
            /// Each pointer must be null or valid for a write of its type.
            #[entry]
            pub unsafe extern "C" fn $variant($($arg: record_family!(@ty $arg)),*) -> c_ulong {
                // SAFETY: forwarded from this function's contract.
                unsafe { $all($f, $l, $fu, $d, $fl) }
            }
        )*
    };
    (@ty file) => { *mut *const c_char };
    (@ty line) => { *mut c_int };
    (@ty func) => { *mut *const c_char };
    (@ty data) => { *mut *const c_char };
    (@ty flags) => { *mut c_int };
}

record_family! {
    /// `ERR_get_error_all`: removes the oldest record, handing out its details.
    ERR_get_error_all = error::get_error_all;
    /// `ERR_get_error_line`.
    ERR_get_error_line(file, line) => [file, line, none(), none(), none()];
    /// `ERR_get_error_line_data`.
    ERR_get_error_line_data(file, line, data, flags) => [file, line, none(), data, flags];
}

/// `ERR_peek_error`: the oldest code, left in place.
#[entry]
pub extern "C" fn ERR_peek_error() -> c_ulong {
    c_ulong::from(error::peek_error())
}

record_family! {
    /// `ERR_peek_error_all`: the oldest record's details, left in place.
    ERR_peek_error_all = error::peek_error_all;
    /// `ERR_peek_error_line`.
    ERR_peek_error_line(file, line) => [file, line, none(), none(), none()];
    /// `ERR_peek_error_func`.
    ERR_peek_error_func(func) => [none(), none(), func, none(), none()];
    /// `ERR_peek_error_data`.
    ERR_peek_error_data(data, flags) => [none(), none(), none(), data, flags];
}

/// `ERR_peek_last_error`: the newest code, left in place.
#[entry]
pub extern "C" fn ERR_peek_last_error() -> c_ulong {
    c_ulong::from(error::peek_last_error())
}

record_family! {
    /// `ERR_peek_last_error_all`: the newest record's details, left in place.
    ERR_peek_last_error_all = error::peek_last_error_all;
    /// `ERR_peek_last_error_line`.
    ERR_peek_last_error_line(file, line) => [file, line, none(), none(), none()];
    /// `ERR_peek_last_error_func`.
    ERR_peek_last_error_func(func) => [none(), none(), func, none(), none()];
    /// `ERR_peek_last_error_data`.
    ERR_peek_last_error_data(data, flags) => [none(), none(), none(), data, flags];
}

/// `ERR_clear_error`: empties the thread's queue.
#[entry]
pub extern "C" fn ERR_clear_error() {
    error::clear_error()
}

/// Narrows an `unsigned long` error code to the packed 32 bits it holds.
fn code(e: c_ulong) -> u32 {
    u32::try_from(e).unwrap_or(u32::MAX)
}

/// `ERR_error_string_n`: the error's text, cut to fit `len` bytes with the terminator.
///
/// # Safety
/// `buf` must be null or valid for `len` bytes.
#[entry]
pub unsafe extern "C" fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize) {
    if buf.is_null() || len == 0 {
        return;
    }
    let dest = arg!(bytes_mut(buf, len));
    put_c_string(dest, error::error_string_n(code(e), len).as_bytes());
}

/// `ERR_error_string`: the error's text in `buf` (at least 256 bytes), or with `buf` null in
/// a per-thread buffer.
///
/// # Safety
/// `buf` must be null or valid for 256 bytes.
#[entry]
pub unsafe extern "C" fn ERR_error_string(e: c_ulong, buf: *mut c_char) -> *mut c_char {
    if !buf.is_null() {
        // SAFETY: forwarded from this function's contract.
        unsafe { ERR_error_string_n(e, buf, 256) };
        return buf;
    }
    STRING_BUF.with(|b| {
        let mut b = b.borrow_mut();
        let p = b.as_mut_ptr();
        // SAFETY: the thread's buffer holds 256 bytes.
        unsafe { ERR_error_string_n(e, p, 256) };
        p
    })
}

/// `ERR_lib_error_string`: the library's name, or null if unknown.
#[entry]
pub extern "C" fn ERR_lib_error_string(e: c_ulong) -> *const c_char {
    error::lib_error_string(code(e)).map_or(std::ptr::null(), interned)
}

/// `ERR_reason_error_string`: the reason's text, or null if unknown.
#[entry]
pub extern "C" fn ERR_reason_error_string(e: c_ulong) -> *const c_char {
    error::reason_error_string(code(e)).map_or(std::ptr::null(), interned)
}

/// `ERR_func_error_string`: always null in OpenSSL 3.
#[entry]
pub extern "C" fn ERR_func_error_string(_e: c_ulong) -> *const c_char {
    std::ptr::null()
}

/// `ERR_print_errors_cb`: hands each record's line to `cb` (oldest first, emptying the
/// queue) until it returns 0 or less.
///
/// # Safety
/// `cb` must be a valid callback; `u` is passed to it untouched.
#[entry]
pub unsafe extern "C" fn ERR_print_errors_cb(
    cb: Option<unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> c_int>,
    u: *mut c_void,
) {
    let Some(cb) = cb else {
        return;
    };
    error::print_errors_cb(|line| {
        let c = CString::new(line.replace('\0', " ")).unwrap_or_default();
        // SAFETY: cb is a valid callback; the string lives across the call.
        unsafe { cb(c.as_ptr(), line.len(), u) > 0 }
    });
}

/// `ERR_print_errors_fp`: writes every record's line to `fp`, emptying the queue.
///
/// # Safety
/// `fp` must be null or an open `FILE *`.
#[entry]
pub unsafe extern "C" fn ERR_print_errors_fp(fp: *mut libc::FILE) {
    if fp.is_null() {
        return;
    }
    error::print_errors_cb(|line| {
        let c = CString::new(line.replace('\0', " ")).unwrap_or_default();
        // SAFETY: fp is an open FILE and c a NUL-terminated string.
        unsafe { libc::fputs(c.as_ptr(), fp) >= 0 }
    });
}

/// `ERR_set_mark`.
#[entry]
pub extern "C" fn ERR_set_mark() -> c_int {
    c_int::from(error::set_mark())
}

/// `ERR_pop_to_mark`.
#[entry]
pub extern "C" fn ERR_pop_to_mark() -> c_int {
    c_int::from(error::pop_to_mark())
}

/// `ERR_clear_last_mark`.
#[entry]
pub extern "C" fn ERR_clear_last_mark() -> c_int {
    c_int::from(error::clear_last_mark())
}

/// `ERR_count_to_mark`.
#[entry]
pub extern "C" fn ERR_count_to_mark() -> c_int {
    c_int::try_from(error::count_to_mark()).unwrap_or(c_int::MAX)
}
