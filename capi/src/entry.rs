//! The one way a C call enters the library: [`run`], which `#[entry]` (from
//! `qssl-capi-macros`) wraps around the body of every exported function, and the failure
//! value each return type implies ([`CReturn`]).
//!
//! `build.rs` reads the `#[entry]` functions from this crate's sources: that list is what the
//! shared libraries export, each symbol with the version OpenSSL gives it.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_ushort, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use qssl::error::{ERR_LIB_SSL, err_r, raise_data};

pub(crate) use qssl_capi_macros::entry;

/// Takes an argument of an entry through its helper (`ssl_ref`, `ctx_ref`, `bio_ref`, ...),
/// which refuses a null pointer with `ERR_R_PASSED_NULL_PARAMETER` on the queue: the value,
/// or the entry returns the failure value of its return type (`Ret`, which `#[entry]`
/// names). Only for an entry's own pointer arguments.
macro_rules! arg {
    ($helper:ident($arg:ident)) => {
        // SAFETY: an entry's pointer arguments are null or valid as the entry's `# Safety`
        // section requires of its caller, which is each helper's contract; the helper
        // checks for null.
        match unsafe { $helper($arg) } {
            Some(value) => value,
            None => return <Ret as $crate::entry::CReturn>::failure(),
        }
    };
}
pub(crate) use arg;

/// What a C function returns, and what it returns when it fails.
pub trait CReturn {
    /// What the function's body produces.
    type Value;
    /// The value a failed call returns: 0, null, `None`, or the documented value.
    fn failure() -> Self::Value;
    /// The C value of a body's result.
    fn from_value(value: Self::Value) -> Self;
}

/// Integers fail with 0.
macro_rules! zero_on_failure {
    ($($t:ty),*) => {$(
        impl CReturn for $t {
            type Value = $t;
            fn failure() -> $t {
                0
            }
            fn from_value(value: $t) -> $t {
                value
            }
        }
    )*};
}
zero_on_failure!(c_int, c_uint, c_long, c_ulong, c_ushort, c_char, usize);

/// `c_ulong` is `u64` on the platforms qssl builds for; `u64` returns (stream IDs, error
/// codes) share its impl.
const _: () = assert!(size_of::<c_ulong>() == size_of::<u64>());

impl CReturn for () {
    type Value = ();
    fn failure() {}
    fn from_value(value: ()) {
        value
    }
}

impl<T> CReturn for *mut T {
    type Value = *mut T;
    fn failure() -> *mut T {
        std::ptr::null_mut()
    }
    fn from_value(value: *mut T) -> *mut T {
        value
    }
}

impl<T> CReturn for *const T {
    type Value = *const T;
    fn failure() -> *const T {
        std::ptr::null()
    }
    fn from_value(value: *const T) -> *const T {
        value
    }
}

/// Optional function pointers (callbacks) fail with `None` (NULL in C).
impl<T> CReturn for Option<T> {
    type Value = Option<T>;
    fn failure() -> Option<T> {
        None
    }
    fn from_value(value: Option<T>) -> Option<T> {
        value
    }
}

/// An `int` whose failure value is `FAILURE` rather than 0: -1 for the calls OpenSSL
/// documents so, 1 for `SSL_CTX_set_alpn_protos` (which returns 0 on success), and so on.
/// C sees a plain `int`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CInt<const FAILURE: c_int>(pub c_int);

impl<const FAILURE: c_int> CReturn for CInt<FAILURE> {
    type Value = c_int;
    fn failure() -> c_int {
        FAILURE
    }
    fn from_value(value: c_int) -> Self {
        CInt(value)
    }
}

/// A `uint64_t` whose failure value is `FAILURE` (`UINT64_MAX` for `SSL_get_stream_id`).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CU64<const FAILURE: u64>(pub u64);

impl<const FAILURE: u64> CReturn for CU64<FAILURE> {
    type Value = u64;
    fn failure() -> u64 {
        FAILURE
    }
    fn from_value(value: u64) -> Self {
        CU64(value)
    }
}

/// Runs the body of the exported function `name`; a panic is caught, recorded as
/// `ERR_R_INTERNAL_ERROR` and turned into `R`'s failure value, so nothing unwinds into C.
pub fn run<R: CReturn>(name: &str, body: impl FnOnce() -> R::Value) -> R {
    R::from_value(guard(name, R::failure, body))
}

/// Runs `f`, restoring the object the outer call was made on when it returns; a panic is
/// caught, recorded as `ERR_R_INTERNAL_ERROR` (naming `what`) and turned into `failure()`.
/// [`run`] does this for every exported function; callbacks from C code use it too.
pub(crate) fn guard<T>(what: &str, failure: impl FnOnce() -> T, f: impl FnOnce() -> T) -> T {
    let outer = called_on_object();
    let result = catch_unwind(AssertUnwindSafe(f));
    called_on(outer);
    match result {
        Ok(v) => v,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_owned());
            raise_data(
                ERR_LIB_SSL,
                err_r::INTERNAL_ERROR,
                format!("internal error in {what}: {message}"),
            );
            failure()
        }
    }
}

thread_local! {
    /// The `SSL` object the innermost running call was made on (see [`called_on`]).
    static CALLED_ON: Cell<*const c_void> = const { Cell::new(std::ptr::null()) };
}

/// Records that the running call was made on the object at `ssl`, so callbacks it runs can
/// be given that object ([`called_on_object`]). [`run`] restores the outer call's object
/// when a call returns, so the record never outlives the call.
pub(crate) fn called_on(ssl: *const c_void) {
    CALLED_ON.with(|c| c.set(ssl));
}

/// The object the innermost running call was made on, or null.
pub(crate) fn called_on_object() -> *const c_void {
    CALLED_ON.with(Cell::get)
}
