//! SSL filter BIOs (`BIO_f_ssl`, `BIO_new_ssl`): reads and writes go through an `SSL`
//! object, `BIO_do_handshake` shakes hands, and the other commands go down the chain to the
//! network BIO; and `BIO_new_ssl_connect`, an SSL BIO chained to a connect BIO, which
//! OpenSSL's classic client code and its HTTP/3 demo build on.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use qssl::ErrorCode;
use qssl::error::{ERR_LIB_BIO, SslError, err_r};

use super::chain::BIO_push;
use super::ctrl::BIO_ctrl;
use super::object::BIO_up_ref;
use super::{BIO, BIO_METHOD, BioImpl, connect, prepare_object, unset_io};
use crate::abi::*;
use crate::ctx::SSL_CTX;
use crate::entry::entry;
use crate::ffi::{arc_take, put};
use crate::ssl::SSL;

/// `BIO_f_ssl`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x207, c"ssl", new_empty);

/// An SSL filter with no object yet (`BIO_new(BIO_f_ssl())`, before `BIO_set_ssl`).
fn new_empty() -> Box<dyn BioImpl> {
    Box::new(SslFilter::default())
}

/// The SSL object an SSL filter BIO reads and writes through.
struct HeldSsl {
    /// The object.
    ssl: *mut SSL,
    /// With `BIO_CLOSE`, the reference the BIO took over, released with it; without, the
    /// application keeps the object alive while the BIO uses it, as OpenSSL requires.
    _owned: Option<Arc<SSL>>,
}

// SAFETY: `SSL` is Send + Sync, and the pointer is only read through while the object is
// alive (held by `owned`, or by the application).
unsafe impl Send for HeldSsl {}
// SAFETY: as above.
unsafe impl Sync for HeldSsl {}

impl HeldSsl {
    /// Holds `ssl`, taking over the caller's reference if `close`.
    ///
    /// # Safety
    /// `ssl` must be a live object; with `close`, the caller gives up a reference to it.
    unsafe fn new(ssl: *mut SSL, close: bool) -> HeldSsl {
        // SAFETY: per the contract, with `close` the reference is the caller's to give.
        let owned = close
            .then(|| unsafe { arc_take(ssl.cast_const()) })
            .flatten();
        HeldSsl { ssl, _owned: owned }
    }

    /// The object.
    fn ssl(&self) -> &SSL {
        // SAFETY: alive while held, per `new`'s contract.
        unsafe { &*self.ssl }
    }
}

/// An SSL filter BIO: its object, once set.
#[derive(Default)]
struct SslFilter {
    /// The object (`BIO_set_ssl`, or the one `BIO_new_ssl` made).
    held: Mutex<Option<Arc<HeldSsl>>>,
}

impl SslFilter {
    /// The object, if set.
    fn held(&self) -> Option<Arc<HeldSsl>> {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The object, prepared for I/O in direction `dir` (`BIO_FLAGS_READ` or `_WRITE`) with
    /// the retry flags cleared; or what the read or write returns without one.
    fn ready(&self, b: &BIO, dir: c_int) -> Result<Arc<HeldSsl>, isize> {
        let Some(held) = self.held() else {
            return Err(unset_io(b, dir));
        };
        b.clear_retry();
        if !prepare_object(held.ssl()) {
            return Err(-1);
        }
        Ok(held)
    }

    /// `BIO_set_ssl`: the filter takes an object, freeing it with the BIO if `close` is set.
    ///
    /// # Safety
    /// `ssl` must be null or a live object.
    unsafe fn set_ssl(&self, ssl: *mut SSL, close: bool) -> c_long {
        if ssl.is_null() {
            SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
            return 0;
        }
        // SAFETY: per the contract; with `close` the caller hands its reference over.
        let held = unsafe { HeldSsl::new(ssl, close) };
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(held));
        1
    }
}

impl BioImpl for SslFilter {
    /// `SSL_read` on its object (0 at the peer's close, -1 with retry flags when it wants
    /// more).
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        let held = match self.ready(b, BIO_FLAGS_READ) {
            Ok(held) => held,
            Err(ret) => return ret,
        };
        match held.ssl().read(buf) {
            Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
            Err(ErrorCode::ZeroReturn) => 0,
            Err(code) => {
                set_retry_for(b, code);
                -1
            }
        }
    }

    /// `SSL_write` on its object.
    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        let held = match self.ready(b, BIO_FLAGS_WRITE) {
            Ok(held) => held,
            Err(ret) => return ret,
        };
        match held.ssl().write(data) {
            Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
            Err(code) => {
                set_retry_for(b, code);
                -1
            }
        }
    }

    /// With an object: `BIO_get_ssl`, `BIO_do_handshake`, and every other command passed to
    /// the next BIO in the chain (0 without one). Without: `BIO_set_ssl` only.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        match self.held() {
            // SAFETY: forwarded from the contract.
            Some(held) => Some(unsafe { ssl_ctrl(b, &held, cmd, larg, parg) }),
            // SAFETY: an SSL *, per the contract.
            None if cmd == BIO_C_SET_SSL => Some(unsafe { self.set_ssl(parg.cast(), larg != 0) }),
            None => None,
        }
    }

    /// Ready once it has an object.
    fn is_ready(&self) -> bool {
        self.held().is_some()
    }
}

/// The SSL BIO's commands: its own, the handshake, and the rest passed down the chain.
///
/// # Safety
/// `parg` must be what the command expects.
unsafe fn ssl_ctrl(b: &BIO, held: &HeldSsl, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    match cmd {
        BIO_C_GET_SSL => {
            // SAFETY: an SSL ** (BIO_get_ssl), per the contract.
            unsafe { put(parg.cast::<*mut SSL>(), held.ssl) };
            1
        }
        BIO_C_DO_STATE_MACHINE => {
            let s = held.ssl();
            b.clear_retry();
            if !prepare_object(s) {
                return 0;
            }
            match s.handshake() {
                Ok(()) => 1,
                Err(code) => {
                    set_retry_for(b, code);
                    -1
                }
            }
        }
        _ => {
            // Everything else concerns the network: the next BIO in the chain.
            let next = b.next_bio();
            if next.is_null() {
                return 0;
            }
            // SAFETY: the chain's BIO, live while the chain is; parg forwarded.
            unsafe { BIO_ctrl(next, cmd, larg, parg) }
        }
    }
}

/// Sets the BIO's retry flags for an SSL call that must be retried.
fn set_retry_for(b: &BIO, code: ErrorCode) {
    match code {
        ErrorCode::WantRead => b.set_retry(BIO_FLAGS_READ),
        ErrorCode::WantWrite => b.set_retry(BIO_FLAGS_WRITE),
        _ => {}
    }
}

/// `BIO_f_ssl`.
#[entry]
pub extern "C" fn BIO_f_ssl() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_ssl`: an SSL BIO over a new object of `ctx`, as a client (`client` non-zero) or
/// a server; the BIO frees the object.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn BIO_new_ssl(ctx: *mut SSL_CTX, client: c_int) -> *mut BIO {
    // SAFETY: per the contract.
    let ssl = unsafe { crate::ssl::SSL_new(ctx) };
    if ssl.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: a live object just made.
    unsafe {
        if client != 0 {
            crate::ssl::SSL_set_connect_state(ssl);
        } else {
            crate::ssl::SSL_set_accept_state(ssl);
        }
    }
    // SAFETY: a live object just made, whose one reference the BIO takes.
    let held = unsafe { HeldSsl::new(ssl, true) };
    let filter = SslFilter {
        held: Mutex::new(Some(Arc::new(held))),
    };
    BIO::new(&METHOD, Box::new(filter))
}

/// `BIO_new_ssl_connect`: an SSL BIO for a new client object of `ctx`, chained to a connect
/// BIO that is also the object's network BIO (a UDP one for a QUIC context). Set the target
/// with `BIO_set_conn_hostname` on the returned BIO; `BIO_do_connect` connects and shakes
/// hands. `BIO_free_all` frees the chain and the object.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn BIO_new_ssl_connect(ctx: *mut SSL_CTX) -> *mut BIO {
    // SAFETY: per the contract.
    let quic = unsafe { ctx.as_ref() }.is_some_and(|c| c.lock().method().is_quic());
    // SAFETY: per the contract.
    let sslbio = unsafe { BIO_new_ssl(ctx, 1) };
    if sslbio.is_null() {
        return std::ptr::null_mut();
    }
    let con = connect::new_bio();
    // SAFETY: both are live BIOs just made; the chain keeps con's first reference and
    // the object's two BIO slots take one more (SSL_set_bio's rule for one BIO passed
    // twice adds the other).
    unsafe {
        if quic {
            BIO_ctrl(
                con,
                BIO_C_SET_SOCK_TYPE,
                c_long::from(libc::SOCK_DGRAM),
                std::ptr::null_mut(),
            );
        }
        let mut ssl: *mut SSL = std::ptr::null_mut();
        BIO_ctrl(sslbio, BIO_C_GET_SSL, 0, (&raw mut ssl).cast());
        BIO_up_ref(con);
        crate::ssl::SSL_set_bio(ssl, con, con);
        BIO_push(sslbio, con);
    }
    sslbio
}
