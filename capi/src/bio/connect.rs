//! Connect BIOs (`BIO_s_connect`: a socket to `host:port`, made on first use) and SSL filter
//! BIOs (`BIO_f_ssl`: reads and writes go through an `SSL` object), and
//! `BIO_new_ssl_connect`, the chain of the two that OpenSSL's classic client code and its
//! HTTP/3 demo build on. With a QUIC context the connect BIO makes a UDP socket.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::net::UdpSocket;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::ErrorCode;
use qssl::error::{ERR_LIB_BIO, SslError, bio_r, err_r};
use qssl_bio::{BioError, SocketBio, UdpBio};
use socket2::{Domain, Socket, Type};

use crate::abi::*;
use crate::addr::lookup_addrs;
use crate::bio::{BIO, BIO_up_ref, Io};
use crate::ctx::SSL_CTX;
use crate::entry::entry;
use crate::ffi::{arc_take, text};
use crate::ssl::SSL;

/// Where a connect BIO connects to, and how.
#[derive(Debug, Default)]
pub(crate) struct ConnectSpec {
    /// `BIO_set_conn_hostname`: a host, possibly with `:port`.
    host: Option<CString>,
    /// `BIO_set_conn_port`: a port number or service name.
    port: Option<CString>,
    /// `BIO_set_sock_type(SOCK_DGRAM)`: a UDP socket (QUIC).
    dgram: bool,
    /// `BIO_set_nbio`: the socket is made non-blocking once connected.
    nbio: bool,
}

impl ConnectSpec {
    /// `BIO_set_conn_hostname`: a host, or `host:port` (`[v6]:port`), split as OpenSSL
    /// splits it (the port, if given, replaces the one set before).
    fn set_host(&mut self, name: &str) {
        let (host, port) = match name.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.starts_with('[') => (h, Some(p)),
            _ => (name, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.host = CString::new(host).ok();
        if let Some(p) = port.and_then(|p| CString::new(p).ok()) {
            self.port = Some(p);
        }
    }

    /// The host and service to look up.
    fn target(&self) -> Option<(CString, CString)> {
        Some((self.host.clone()?, self.port.clone()?))
    }
}

/// The SSL object an SSL filter BIO reads and writes through.
pub(crate) struct HeldSsl {
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

    fn ssl(&self) -> &SSL {
        // SAFETY: alive while held, per `new`'s contract.
        unsafe { &*self.ssl }
    }
}

/// Locks a connect BIO's target.
fn spec(b: &BIO) -> Option<MutexGuard<'_, ConnectSpec>> {
    b.connect_spec()
        .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Connects a connect BIO that has not connected yet: looks the target up and connects a
/// socket to the first address that answers (TCP) or to the first address (UDP). Nothing to
/// do for other BIOs or once connected.
pub(crate) fn ensure_connected(b: &BIO) -> Result<(), SslError> {
    let Some(spec) = spec(b) else {
        return Ok(());
    };
    if !matches!(b.io(), Io::Unset) {
        return Ok(());
    }
    let Some((host, port)) = spec.target() else {
        return Err(SslError::new(ERR_LIB_BIO, bio_r::NO_HOSTNAME_OR_SERVICE_SPECIFIED).raise());
    };
    let ty = if spec.dgram {
        Type::DGRAM
    } else {
        Type::STREAM
    };
    let socktype = if spec.dgram {
        libc::SOCK_DGRAM
    } else {
        libc::SOCK_STREAM
    };
    let addrs = lookup_addrs(&host, &port, socktype);
    let mut last = BioError::InvalidArgument("the name resolves to nothing");
    for addr in addrs {
        let socket = match Socket::new(Domain::for_address(addr), ty, None) {
            Ok(s) => s,
            Err(e) => {
                last = e.into();
                continue;
            }
        };
        if let Err(e) = socket.connect(&addr.into()) {
            last = e.into();
            continue;
        }
        if let Err(e) = socket.set_nonblocking(spec.nbio) {
            last = e.into();
            continue;
        }
        let fd = socket.as_raw_fd();
        let io = if spec.dgram {
            let udp = UdpSocket::from(OwnedFd::from(socket));
            match UdpBio::from_socket(udp) {
                Ok(u) => Io::Dgram(Arc::new(u)),
                Err(e) => {
                    last = e;
                    continue;
                }
            }
        } else {
            Io::Stream(Arc::new(Mutex::new(SocketBio::from_owned(OwnedFd::from(
                socket,
            )))))
        };
        drop(spec);
        b.set_connected(io, fd);
        return Ok(());
    }
    let host = host.to_string_lossy().into_owned();
    let port = port.to_string_lossy().into_owned();
    SslError::from(last)
        .with_data(format!("connecting to {host}:{port}"))
        .raise();
    Err(SslError::new(ERR_LIB_BIO, bio_r::CONNECT_ERROR).raise())
}

/// Makes sure the network BIO chained after an SSL BIO (or set on its object) is connected
/// and handed to the object: the object takes its BIOs' I/O when they are set, before a
/// connect BIO has a socket.
fn prepare(ssl: &SSL) -> Result<(), SslError> {
    let rbio = ssl.rbio();
    // SAFETY: the object's slot holds a live reference.
    if let Some(r) = unsafe { rbio.as_ref() }
        && r.connect_spec().is_some()
    {
        let fresh = matches!(r.io(), Io::Unset);
        ensure_connected(r)?;
        if fresh {
            ssl.attach_bios();
        }
    }
    Ok(())
}

/// Prepares an object's connect BIO, if it has one, before the object is driven.
pub(crate) fn prepare_object(ssl: &SSL) -> bool {
    prepare(ssl).is_ok()
}

/// The commands of connect and SSL BIOs; `None` for what [`crate::bio`] handles itself
/// (everything else on other BIOs).
///
/// # Safety
/// `parg` must be what the command expects.
pub(crate) unsafe fn ctrl(b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
    if let Io::Ssl(held) = b.io() {
        // SAFETY: forwarded.
        return Some(unsafe { ssl_ctrl(b, &held, cmd, larg, parg) });
    }
    let mut spec = spec(b)?;
    let r = match cmd {
        BIO_C_SET_CONNECT => {
            // SAFETY: a NUL-terminated string for the name and port forms.
            let value = unsafe { text(parg.cast::<c_char>()) };
            match (larg, value) {
                (0, Some(v)) => spec.set_host(&v),
                (1, Some(v)) => spec.port = CString::new(v.into_owned()).ok(),
                _ => {
                    SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT)
                        .with_data("BIO_C_SET_CONNECT: only the host name and port forms")
                        .raise();
                    return Some(0);
                }
            }
            1
        }
        BIO_C_GET_CONNECT => {
            let p = match larg {
                0 => spec.host.as_ref(),
                1 => spec.port.as_ref(),
                _ => None,
            }
            .map_or(std::ptr::null(), |c| c.as_ptr());
            if !parg.is_null() {
                // SAFETY: a char ** (BIO_ptr_ctrl's slot), per the contract.
                unsafe { *parg.cast::<*const c_char>() = p };
            }
            c_long::from(!p.is_null())
        }
        BIO_C_SET_SOCK_TYPE => match c_int::try_from(larg) {
            Ok(libc::SOCK_DGRAM) => {
                spec.dgram = true;
                1
            }
            Ok(libc::SOCK_STREAM) => {
                spec.dgram = false;
                1
            }
            _ => {
                SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT).raise();
                0
            }
        },
        BIO_C_GET_SOCK_TYPE => c_long::from(if spec.dgram {
            libc::SOCK_DGRAM
        } else {
            libc::SOCK_STREAM
        }),
        BIO_C_SET_NBIO if matches!(b.io(), Io::Unset) => {
            spec.nbio = larg != 0;
            1
        }
        BIO_C_DO_STATE_MACHINE => {
            drop(spec);
            c_long::from(ensure_connected(b).is_ok())
        }
        _ => return None,
    };
    Some(r)
}

/// The SSL BIO's commands: its own, the handshake, and the rest passed down the chain.
///
/// # Safety
/// As [`ctrl`].
unsafe fn ssl_ctrl(b: &BIO, held: &HeldSsl, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    match cmd {
        BIO_C_GET_SSL => {
            if !parg.is_null() {
                // SAFETY: an SSL ** (BIO_get_ssl), per the contract.
                unsafe { *parg.cast::<*mut SSL>() = held.ssl };
            }
            1
        }
        BIO_C_DO_STATE_MACHINE => {
            let s = held.ssl();
            b.clear_retry_flags();
            if prepare(s).is_err() {
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
            unsafe { crate::bio::BIO_ctrl(next, cmd, larg, parg) }
        }
    }
}

/// Sets the BIO's retry flags for an SSL call that must be retried.
fn set_retry_for(b: &BIO, code: ErrorCode) {
    match code {
        ErrorCode::WantRead => b.set_retry_flags(BIO_FLAGS_READ),
        ErrorCode::WantWrite => b.set_retry_flags(BIO_FLAGS_WRITE),
        _ => {}
    }
}

/// `BIO_read` on an SSL BIO: `SSL_read` on its object (0 at the peer's close, -1 with retry
/// flags when it wants more).
pub(crate) fn ssl_read(b: &BIO, held: &HeldSsl, buf: &mut [u8]) -> isize {
    let s = held.ssl();
    b.clear_retry_flags();
    if !prepare_object(s) {
        return -1;
    }
    match s.read(buf) {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(ErrorCode::ZeroReturn) => 0,
        Err(code) => {
            set_retry_for(b, code);
            -1
        }
    }
}

/// `BIO_write` on an SSL BIO: `SSL_write` on its object.
pub(crate) fn ssl_write(b: &BIO, held: &HeldSsl, data: &[u8]) -> isize {
    let s = held.ssl();
    b.clear_retry_flags();
    if !prepare_object(s) {
        return -1;
    }
    match s.write(data) {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(code) => {
            set_retry_for(b, code);
            -1
        }
    }
}

/// `BIO_s_connect`.
#[entry]
pub extern "C" fn BIO_s_connect() -> *const crate::bio::BIO_METHOD {
    crate::bio::method_connect()
}

/// `BIO_f_ssl`.
#[entry]
pub extern "C" fn BIO_f_ssl() -> *const crate::bio::BIO_METHOD {
    crate::bio::method_ssl()
}

/// `BIO_new_connect`: a connect BIO for `"host:port"` (or a host, with the port set later).
///
/// # Safety
/// `host_port` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn BIO_new_connect(host_port: *const c_char) -> *mut BIO {
    let b = BIO::new_connect();
    if !host_port.is_null() {
        // SAFETY: a live BIO just made; host_port NUL-terminated, per the contract.
        unsafe { crate::bio::BIO_ctrl(b, BIO_C_SET_CONNECT, 0, host_port.cast_mut().cast()) };
    }
    b
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
    BIO::new_ssl(unsafe { HeldSsl::new(ssl, true) })
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
    let con = BIO::new_connect();
    // SAFETY: both are live BIOs just made; the chain keeps con's first reference and
    // the object's two BIO slots take one more (SSL_set_bio's rule for one BIO passed
    // twice adds the other).
    unsafe {
        if quic {
            crate::bio::BIO_ctrl(
                con,
                BIO_C_SET_SOCK_TYPE,
                c_long::from(libc::SOCK_DGRAM),
                std::ptr::null_mut(),
            );
        }
        let mut ssl: *mut SSL = std::ptr::null_mut();
        crate::bio::BIO_ctrl(sslbio, BIO_C_GET_SSL, 0, (&raw mut ssl).cast());
        BIO_up_ref(con);
        crate::ssl::SSL_set_bio(ssl, con, con);
        crate::bio::BIO_push(sslbio, con);
    }
    sslbio
}

/// `BIO_set_ssl` (ctrl `BIO_C_SET_SSL`) is handled by [`set_ssl`]: an SSL BIO made with
/// `BIO_new(BIO_f_ssl())` takes an object, freeing it with the BIO if `close` is set.
///
/// # Safety
/// `ssl` must be null or a live object.
pub(crate) unsafe fn set_ssl(b: &BIO, ssl: *mut SSL, close: bool) -> c_long {
    if ssl.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return 0;
    }
    // SAFETY: per the contract; with `close` the caller hands its reference over.
    b.set_ssl_io(unsafe { HeldSsl::new(ssl, close) });
    1
}

/// The `BIO_C_SET_SSL` command number, for [`crate::bio`]'s dispatch.
pub(crate) const CMD_SET_SSL: c_int = BIO_C_SET_SSL;
