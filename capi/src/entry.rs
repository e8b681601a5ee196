//! The one way a C call enters the library: [`run`], which `#[entry]` (from
//! `qssl-capi-macros`) wraps around the body of every exported function, and the failure
//! value each return type implies ([`CReturn`]).
//!
//! `build.rs` reads the `#[entry]` functions from this crate's sources: that list is what the
//! shared libraries export, each symbol with the version OpenSSL gives it.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_ushort, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use qssl::error::{
    ERR_LIB_BIO, ERR_LIB_CRYPTO, ERR_LIB_PEM, ERR_LIB_SSL, ERR_LIB_X509, err_r, raise, raise_data,
};

pub(crate) use qssl_capi_macros::entry;

/// Calls an argument helper on an entry's own parameters (or values computed from them
/// first, such as a length converted to `usize`), named: `param!(text(name))`. The helpers
/// (in [`crate::ffi`], and `ssl_ref`, `ctx_ref`, `bio_ref`, ...) take pointers that are null
/// or valid, which is what every entry's `# Safety` section requires of its caller: this is
/// the one place that justification is made.
macro_rules! param {
    ($helper:ident($($arg:ident),+)) => {
        // SAFETY: an entry's pointer parameters are null or valid as the entry's `# Safety`
        // section requires of its caller (a buffer for its length, a string NUL-terminated,
        // an object live, a reference the caller's to give), which is each helper's
        // contract; the helper checks for null.
        unsafe { $helper($($arg),+) }
    };
}
pub(crate) use param;

/// Takes arguments of an entry through their helper ([`param!`]): an object (`ssl_ref`,
/// `ctx_ref`, `bio_ref`, [`obj`](crate::ffi::obj), ...), a buffer
/// ([`bytes`](crate::ffi::bytes), [`bytes_mut`](crate::ffi::bytes_mut)) or a C string
/// ([`c_str`](crate::ffi::c_str)). Each such helper refuses a null pointer it cannot take
/// with `ERR_R_PASSED_NULL_PARAMETER` on the queue: the value, or the entry returns the
/// failure value of its return type (`Ret`, which `#[entry]` names).
macro_rules! arg {
    ($helper:ident($($arg:ident),+)) => {
        match $crate::entry::param!($helper($($arg),+)) {
            Some(value) => value,
            None => return <Ret as $crate::entry::CReturn>::failure(),
        }
    };
}
pub(crate) use arg;

/// An entry's pointer parameter `p` that may be null: `Some` of the object, or `None` for
/// null (no error is queued; the entry decides what null means).
macro_rules! nullable {
    ($p:ident) => {{
        use $crate::ffi::present;
        $crate::entry::param!(present($p))
    }};
}
pub(crate) use nullable;

/// As [`nullable!`], for an object the entry changes: `Some` of a mutable reference.
macro_rules! nullable_mut {
    ($p:ident) => {{
        use $crate::ffi::present_mut;
        $crate::entry::param!(present_mut($p))
    }};
}
pub(crate) use nullable_mut;

/// Writes `value` through an entry's optional out-pointer parameter `out` (null: nothing is
/// written), with [`put`](crate::ffi::put).
macro_rules! out {
    ($out:ident, $value:expr) => {{
        let value = $value;
        use $crate::ffi::put;
        $crate::entry::param!(put($out, value))
    }};
}
pub(crate) use out;

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

/// An `ossl_ssize_t` (`ssize_t`) whose failure value is `FAILURE` (-1 for `SSL_sendfile`).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CSsize<const FAILURE: isize>(pub isize);

impl<const FAILURE: isize> CReturn for CSsize<FAILURE> {
    type Value = isize;
    fn failure() -> isize {
        FAILURE
    }
    fn from_value(value: isize) -> Self {
        CSsize(value)
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
pub fn run<R: CReturn>(name: &'static str, body: impl FnOnce() -> R::Value) -> R {
    let outer = RUNNING.replace(name);
    let value = guard(name, R::failure, body);
    RUNNING.set(outer);
    R::from_value(value)
}

/// The OpenSSL library the exported function `name` belongs to, by its prefix: the library
/// of the errors argument helpers raise on its behalf, as OpenSSL's own functions raise
/// theirs.
fn library_of(name: &str) -> c_int {
    const PREFIXES: [(&str, c_int); 8] = [
        ("BIO_", ERR_LIB_BIO),
        ("PEM_", ERR_LIB_PEM),
        ("X509", ERR_LIB_X509),
        ("d2i_X509", ERR_LIB_X509),
        ("i2d_X509", ERR_LIB_X509),
        ("OPENSSL_", ERR_LIB_CRYPTO),
        ("CRYPTO_", ERR_LIB_CRYPTO),
        ("ERR_", ERR_LIB_CRYPTO),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or(ERR_LIB_SSL, |&(_, lib)| lib)
}

/// Queues `reason` (an `ERR_R_*` common reason) in the library of the exported function
/// running ([`library_of`]), as OpenSSL's functions raise such reasons in their own library.
pub(crate) fn raise_for_entry(reason: c_int) {
    raise(library_of(RUNNING.get()), reason);
}

/// Queues `ERR_R_PASSED_NULL_PARAMETER` for a required pointer argument that is null.
pub(crate) fn null_parameter() {
    raise_for_entry(err_r::PASSED_NULL_PARAMETER);
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
    /// The name of the innermost exported function running on this thread ("" outside).
    static RUNNING: Cell<&'static str> = const { Cell::new("") };
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
