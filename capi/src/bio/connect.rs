//! Connect BIOs (`BIO_s_connect`, `BIO_new_connect`): a socket to `host:port`, made on first
//! use (a read or write, `BIO_do_connect`, or an SSL object driving the BIO); a UDP socket
//! with `BIO_set_sock_type(SOCK_DGRAM)`, as `BIO_new_ssl_connect` sets for QUIC.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::net::UdpSocket;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::error::{ERR_LIB_BIO, SslError, bio_r, err_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, DatagramBio, PollDescriptor, SocketBio, UdpBio};
use socket2::{Domain, Socket, Type};

use super::ctrl::BIO_ctrl;
use super::dgram::DgramIo;
use super::late::Late;
use super::object::BIO_free;
use super::stream::StreamIo;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::abi::*;
use crate::addr::{HostServPriority, lookup_addrs, parse_hostserv};
use crate::entry::entry;
use crate::ffi::{put, text};

/// `BIO_s_connect`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x50C, c"socket connect", new_unconnected);

/// A connect BIO with no target yet.
fn new_unconnected() -> Box<dyn BioImpl> {
    Box::new(Connector::default())
}

/// A new connect BIO with no target yet, its one reference the caller's.
pub(super) fn new_bio() -> *mut BIO {
    BIO::new(&METHOD, new_unconnected())
}

/// Where a connect BIO connects to, and how.
#[derive(Debug, Default)]
struct ConnectSpec {
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
    /// splits it ([`parse_hostserv`]): the host is replaced (an empty one or `*` clears it),
    /// and so is the port when one is given. A malformed name fails, with no host left set.
    fn set_host(&mut self, name: &str) -> Result<(), SslError> {
        self.host = None;
        let (host, port) = parse_hostserv(name, HostServPriority::Host)?;
        self.host = host.flatten().and_then(|h| CString::new(h).ok());
        if let Some(port) = port {
            self.port = port.and_then(|p| CString::new(p).ok());
        }
        Ok(())
    }

    /// The host and service to look up.
    fn target(&self) -> Option<(CString, CString)> {
        Some((self.host.clone()?, self.port.clone()?))
    }
}

/// A connect BIO: its target, and the socket once connected.
#[derive(Default)]
struct Connector {
    /// The target and socket options.
    spec: Mutex<ConnectSpec>,
    /// The connected socket's I/O ([`StreamIo`] or [`DgramIo`]).
    io: Late,
}

impl Connector {
    /// The target, locked.
    fn spec(&self) -> MutexGuard<'_, ConnectSpec> {
        self.spec.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects if not connected yet: looks the target up and connects a socket to the
    /// first address that answers (TCP) or to the first address (UDP).
    fn ensure_connected(&self) -> Result<(), SslError> {
        let spec = self.spec();
        if self.io.is_ready() {
            return Ok(());
        }
        let Some((host, port)) = spec.target() else {
            return Err(
                SslError::new(ERR_LIB_BIO, bio_r::NO_HOSTNAME_OR_SERVICE_SPECIFIED).raise(),
            );
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
            let io: Arc<dyn BioImpl> = if spec.dgram {
                let udp = UdpSocket::from(OwnedFd::from(socket));
                match UdpBio::from_socket(udp) {
                    Ok(u) => Arc::new(DgramIo(Arc::new(u))),
                    Err(e) => {
                        last = e;
                        continue;
                    }
                }
            } else {
                Arc::new(StreamIo::new(SocketBio::from_owned(OwnedFd::from(socket))))
            };
            drop(spec);
            self.io.set(io, fd);
            return Ok(());
        }
        let host = host.to_string_lossy().into_owned();
        let port = port.to_string_lossy().into_owned();
        SslError::from(last)
            .with_data(format!("connecting to {host}:{port}"))
            .raise();
        Err(SslError::new(ERR_LIB_BIO, bio_r::CONNECT_ERROR).raise())
    }

    /// The connect BIO's own commands: target, socket type, blocking mode before
    /// connecting, `BIO_do_connect`; `None` for the others.
    ///
    /// # Safety
    /// `parg` must be what the command expects.
    unsafe fn own_ctrl(&self, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let mut spec = self.spec();
        let r = match cmd {
            BIO_C_SET_CONNECT => {
                // SAFETY: a NUL-terminated string for the name and port forms.
                let value = unsafe { text(parg.cast::<c_char>()) };
                match (larg, value) {
                    (0, Some(v)) => return Some(c_long::from(spec.set_host(&v).is_ok())),
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
                // SAFETY: a char ** (BIO_ptr_ctrl's slot), per the contract.
                unsafe { put(parg.cast::<*const c_char>(), p) };
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
            BIO_C_SET_NBIO if !self.io.is_ready() => {
                spec.nbio = larg != 0;
                1
            }
            BIO_C_DO_STATE_MACHINE => {
                drop(spec);
                c_long::from(self.ensure_connected().is_ok())
            }
            _ => return None,
        };
        Some(r)
    }
}

impl BioImpl for Connector {
    /// Connects first if not connected yet.
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        if self.ensure_connected().is_err() {
            return -1;
        }
        self.io.read(b, buf)
    }

    /// Connects first if not connected yet.
    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        if self.ensure_connected().is_err() {
            return -1;
        }
        self.io.write(b, data)
    }

    /// Its own commands, then the connected socket's.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        // SAFETY: forwarded from the contract.
        if let Some(r) = unsafe { self.own_ctrl(cmd, larg, parg) } {
            return Some(r);
        }
        // SAFETY: as above.
        unsafe { self.io.ctrl(b, cmd, larg, parg) }
    }

    fn datagram(&self, b: &BIO) -> Option<Arc<dyn DatagramBio>> {
        self.io.datagram(b)
    }

    fn stream(&self, b: &BIO) -> Option<SharedStreamBio> {
        self.io.stream(b)
    }

    fn reads_datagrams(&self) -> bool {
        self.io.reads_datagrams()
    }

    fn is_ready(&self) -> bool {
        self.io.is_ready()
    }

    fn fd(&self) -> RawFd {
        self.io.fd()
    }

    fn poll_descriptor(&self, write: bool) -> PollDescriptor {
        self.io.poll_descriptor(write)
    }

    /// Connects if not connected yet; `Ok(true)` if it connected now.
    fn prepare(&self) -> Result<bool, SslError> {
        let fresh = !self.io.is_ready();
        self.ensure_connected()?;
        Ok(fresh)
    }
}

/// `BIO_s_connect`.
#[entry]
pub extern "C" fn BIO_s_connect() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_connect`: a connect BIO for `"host:port"` (or a host, with the port set later);
/// null for a malformed name (`BIO_R_MALFORMED_HOST_OR_SERVICE`,
/// `BIO_R_AMBIGUOUS_HOST_OR_SERVICE`), as in OpenSSL.
///
/// # Safety
/// `host_port` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn BIO_new_connect(host_port: *const c_char) -> *mut BIO {
    let b = new_bio();
    if host_port.is_null() {
        return b;
    }
    // SAFETY: a live BIO just made; host_port NUL-terminated, per the contract.
    if unsafe { BIO_ctrl(b, BIO_C_SET_CONNECT, 0, host_port.cast_mut().cast()) } <= 0 {
        // SAFETY: the BIO just made, whose one reference is ours.
        unsafe { BIO_free(b) };
        return std::ptr::null_mut();
    }
    b
}
