//! `BIO_ADDR`, `BIO_ADDRINFO` and name lookup, and the raw socket helpers (`BIO_socket`,
//! `BIO_connect`, `BIO_bind`, `BIO_listen`, `BIO_closesocket`, `BIO_socket_nbio`) for C.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{CStr, c_char, c_int, c_ushort, c_void};
use std::net::{IpAddr, SocketAddr};

use qssl::error::{ERR_LIB_BIO, ERR_LIB_SYS, SslError, bio_r, err_r};
use qssl_bio::{BioAddr, addr::RawAddress};

use crate::abi::*;
use crate::bio::socket::BIO_sock_non_fatal_error;
use crate::crypto::malloc_c_string;
use crate::entry::{CInt, arg, entry, nullable, nullable_mut, out};
use crate::ffi::{bytes, bytes_mut, c_bytes, present, present_mut, text};

/// `BIO_ADDR`: an address (opaque to C).
#[derive(Debug, Default, Clone)]
pub struct BIO_ADDR(pub(crate) BioAddr);

/// `BIO_ADDRINFO`: one result of a lookup, linked to the next.
#[derive(Debug)]
pub struct BIO_ADDRINFO {
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    addr: BIO_ADDR,
    next: *mut BIO_ADDRINFO,
}

/// Raises the calling thread's `errno` as a system error, then `reason` in the BIO library.
fn raise_os(reason: c_int) {
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    SslError::new(ERR_LIB_SYS, errno).raise();
    SslError::new(ERR_LIB_BIO, reason).raise();
}

/// `BIO_ADDR_new`: an empty (`AF_UNSPEC`) address.
#[entry]
pub extern "C" fn BIO_ADDR_new() -> *mut BIO_ADDR {
    Box::into_raw(Box::default())
}

/// `BIO_ADDR_free`.
///
/// # Safety
/// `a` must be null or an address from `BIO_ADDR_new`/`BIO_ADDR_dup`, not used afterwards.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_free(a: *mut BIO_ADDR) {
    if !a.is_null() {
        // SAFETY: a Box-made address the caller gives up.
        drop(unsafe { Box::from_raw(a) });
    }
}

/// `BIO_ADDR_clear`.
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_clear(a: *mut BIO_ADDR) {
    let a = arg!(present_mut(a));
    a.0 = BioAddr::Unspec;
}

/// `BIO_ADDR_copy`.
///
/// # Safety
/// `dst` and `src` must be null or live addresses.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_copy(dst: *mut BIO_ADDR, src: *const BIO_ADDR) -> c_int {
    let src = arg!(present(src));
    let dst = arg!(present_mut(dst));
    dst.0 = src.0;
    1
}

/// `BIO_ADDR_dup`.
///
/// # Safety
/// `src` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_dup(src: *const BIO_ADDR) -> *mut BIO_ADDR {
    let src = arg!(present(src));
    Box::into_raw(Box::new(src.clone()))
}

/// `BIO_ADDR_rawmake`: an address of `family` from raw bytes and a port in network order.
///
/// # Safety
/// `a` must be null or a live address; `where_` valid for `wherelen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_rawmake(
    a: *mut BIO_ADDR,
    family: c_int,
    where_: *const c_void,
    wherelen: usize,
    port: c_ushort,
) -> c_int {
    let a = arg!(present_mut(a));
    let raw = arg!(bytes(where_, wherelen));
    match BioAddr::from_raw(family, raw, port) {
        Ok(addr) => {
            a.0 = addr;
            1
        }
        Err(_) => 0,
    }
}

/// `BIO_ADDR_family`.
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_family(a: *const BIO_ADDR) -> c_int {
    nullable!(a).map_or(libc::AF_UNSPEC, |a| a.0.family())
}

/// `BIO_ADDR_rawaddress`: the raw address bytes into `p` (if not null), their length into
/// `*l` (if not null). 0 for an address without raw bytes.
///
/// # Safety
/// `a` must be null or a live address; `p` null or large enough; `l` null or writable.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_rawaddress(
    a: *const BIO_ADDR,
    p: *mut c_void,
    l: *mut usize,
) -> c_int {
    let a = arg!(present(a));
    let raw: Vec<u8> = match a.0.raw_address() {
        Some(RawAddress::V4(b)) => b.to_vec(),
        Some(RawAddress::V6(b)) => b.to_vec(),
        Some(RawAddress::Path(b)) => b.to_vec(),
        None => return 0,
    };
    if !p.is_null() {
        let len = raw.len();
        let dest = arg!(bytes_mut(p, len));
        dest.copy_from_slice(&raw);
    }
    out!(l, raw.len());
    1
}

/// `BIO_ADDR_rawport`: the port in network order (0 without one).
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_rawport(a: *const BIO_ADDR) -> c_ushort {
    let a = arg!(present(a));
    a.0.raw_port()
}

/// `BIO_ADDR_hostname_string`: the host in numeric form (qssl does no reverse lookups, so
/// `numeric` 0 gives the numeric form too). Freed with `OPENSSL_free`. An address without a
/// family has none (`ERR_R_SYS_LIB`, as OpenSSL's `getnameinfo` call reports).
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_hostname_string(
    a: *const BIO_ADDR,
    _numeric: c_int,
) -> *mut c_char {
    let a = arg!(present(a));
    if a.0.family() == libc::AF_UNSPEC {
        no_name_info(libc::EAI_FAMILY);
        return std::ptr::null_mut();
    }
    a.0.host_string()
        .map_or(std::ptr::null_mut(), |s| malloc_c_string(s.as_bytes()))
}

/// `BIO_ADDR_service_string`: the port in decimal. Freed with `OPENSSL_free`. An address
/// without a family has none (`ERR_R_SYS_LIB`, as for the host name).
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_service_string(
    a: *const BIO_ADDR,
    _numeric: c_int,
) -> *mut c_char {
    let a = arg!(present(a));
    if a.0.family() == libc::AF_UNSPEC {
        no_name_info(libc::EAI_FAMILY);
        return std::ptr::null_mut();
    }
    a.0.service_string()
        .map_or(std::ptr::null_mut(), |s| malloc_c_string(s.as_bytes()))
}

/// Queues a resolver failure `rc` (an `EAI_*` code) as OpenSSL does for `getnameinfo` and
/// `getaddrinfo`: `ERR_R_SYS_LIB` in the BIO library, with the resolver's text.
fn no_name_info(rc: c_int) {
    // SAFETY: gai_strerror returns a static string for any code.
    let what = unsafe { text(libc::gai_strerror(rc)) }
        .map(|t| t.into_owned())
        .unwrap_or_default();
    SslError::new(ERR_LIB_BIO, err_r::SYS_LIB)
        .with_data(what)
        .raise();
}

/// `BIO_lookup_ex`: resolves `host` and `service` (`getaddrinfo`) into a list freed with
/// `BIO_ADDRINFO_free`. 1 on success; 0 with the resolver's failure on the queue. As in
/// OpenSSL: the family must be `AF_INET`, `AF_INET6`, `AF_UNIX` or `AF_UNSPEC` (else
/// `BIO_R_UNSUPPORTED_PROTOCOL_FAMILY`); for `AF_UNIX` the host is the socket's path, taken as
/// it is; only a named host in `AF_UNSPEC` asks for the families configured on the system
/// (`AI_ADDRCONFIG`), and a lookup that fails so is tried again as a numeric host.
///
/// # Safety
/// `host`/`service` null or NUL-terminated (`host` not null for `AF_UNIX`); `res` valid for
/// a write.
#[entry]
pub unsafe extern "C" fn BIO_lookup_ex(
    host: *const c_char,
    service: *const c_char,
    lookup_type: c_int,
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    res: *mut *mut BIO_ADDRINFO,
) -> c_int {
    if res.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return 0;
    }
    match family {
        libc::AF_INET | libc::AF_INET6 | libc::AF_UNSPEC => {}
        libc::AF_UNIX => {
            let path = arg!(c_bytes(host));
            let Ok(addr) = BioAddr::from_raw(libc::AF_UNIX, path, 0) else {
                SslError::new(ERR_LIB_BIO, err_r::BIO_LIB)
                    .with_data("Unix socket path too long")
                    .raise();
                return 0;
            };
            let node = BIO_ADDRINFO {
                family,
                socktype,
                protocol: 0,
                addr: BIO_ADDR(addr),
                next: std::ptr::null_mut(),
            };
            out!(res, Box::into_raw(Box::new(node)));
            return 1;
        }
        _ => {
            SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_PROTOCOL_FAMILY).raise();
            return 0;
        }
    }
    // SAFETY: a zeroed addrinfo is a valid hints value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    if !host.is_null() && family == libc::AF_UNSPEC {
        hints.ai_flags |= libc::AI_ADDRCONFIG;
    }
    if lookup_type == BIO_LOOKUP_SERVER {
        hints.ai_flags |= libc::AI_PASSIVE;
    }
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    let mut first_rc = 0;
    let rc = loop {
        // SAFETY: host/service null or NUL-terminated; hints and list valid.
        let rc = unsafe { libc::getaddrinfo(host, service, &hints, &mut list) };
        let retry = rc != 0 && rc != libc::EAI_SYSTEM && rc != libc::EAI_MEMORY;
        if !retry || hints.ai_flags & libc::AI_ADDRCONFIG == 0 {
            break rc;
        }
        hints.ai_flags = (hints.ai_flags & !libc::AI_ADDRCONFIG) | libc::AI_NUMERICHOST;
        first_rc = rc;
    };
    if rc == libc::EAI_SYSTEM {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        SslError::new(ERR_LIB_SYS, errno)
            .with_data("calling getaddrinfo()")
            .raise();
        SslError::new(ERR_LIB_BIO, err_r::SYS_LIB).raise();
        return 0;
    }
    if rc != 0 {
        no_name_info(if first_rc != 0 { first_rc } else { rc });
        return 0;
    }
    let mut head: *mut BIO_ADDRINFO = std::ptr::null_mut();
    let mut tail: *mut *mut BIO_ADDRINFO = &mut head;
    let mut cur = list;
    while !cur.is_null() {
        // SAFETY: cur walks the list getaddrinfo returned.
        let ai = unsafe { &*cur };
        // SAFETY: ai_addr points at ai_addrlen bytes of a sockaddr.
        let addr = unsafe { sockaddr_to_bio(ai.ai_addr, ai.ai_addrlen) };
        if let Some(addr) = addr {
            let node = Box::into_raw(Box::new(BIO_ADDRINFO {
                family: ai.ai_family,
                socktype: ai.ai_socktype,
                protocol: ai.ai_protocol,
                addr: BIO_ADDR(addr),
                next: std::ptr::null_mut(),
            }));
            // SAFETY: tail points at the last link of our own list.
            unsafe {
                *tail = node;
                tail = &mut (*node).next;
            }
        }
        cur = ai.ai_next;
    }
    // SAFETY: the list from getaddrinfo, freed once.
    unsafe { libc::freeaddrinfo(list) };
    if head.is_null() {
        SslError::new(ERR_LIB_BIO, BIO_R_LOOKUP_RETURNED_NOTHING).raise();
        return 0;
    }
    out!(res, head);
    1
}

/// Which part a `host:service` string without a colon names (OpenSSL's
/// `BIO_PARSE_PRIO_HOST` / `BIO_PARSE_PRIO_SERV`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostServPriority {
    /// A connect BIO's name: a lone word is the host.
    Host,
    /// An acceptor's name: a lone word is the service (port).
    Service,
}

/// One part of a `host:service` string, as [`parse_hostserv`] finds it: `None` when the
/// string has no such part; `Some(None)` when it is empty or `*` (any); else its text.
pub(crate) type HostServPart = Option<Option<String>>;

/// OpenSSL's `BIO_parse_hostserv`: splits `[host]:service`, `[host]`, `host:service` or a lone
/// word (the host or the service, as `priority` says) into (host, service). More than one
/// colon outside brackets is `BIO_R_AMBIGUOUS_HOST_OR_SERVICE` (an IPv6 address needs its
/// brackets); a `[` without its `]`, anything but `:` after the `]`, or a colon in the service
/// is `BIO_R_MALFORMED_HOST_OR_SERVICE`.
pub(crate) fn parse_hostserv(
    spec: &str,
    priority: HostServPriority,
) -> Result<(HostServPart, HostServPart), SslError> {
    let malformed = || SslError::new(ERR_LIB_BIO, bio_r::MALFORMED_HOST_OR_SERVICE).raise();
    let (host, service) = if let Some(rest) = spec.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(malformed)?;
        let service = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(malformed)?),
        };
        (Some(host), service)
    } else {
        match (spec.find(':'), spec.rfind(':')) {
            (Some(first), Some(last)) if first != last => {
                return Err(SslError::new(ERR_LIB_BIO, bio_r::AMBIGUOUS_HOST_OR_SERVICE).raise());
            }
            (Some(colon), _) => (Some(&spec[..colon]), Some(&spec[colon + 1..])),
            _ if priority == HostServPriority::Host => (Some(spec), None),
            _ => (None, Some(spec)),
        }
    };
    if service.is_some_and(|s| s.contains(':')) {
        return Err(malformed());
    }
    let part = |t: &str| (!t.is_empty() && t != "*").then(|| t.to_owned());
    Ok((host.map(part), service.map(part)))
}

/// `BIO_lookup`: [`BIO_lookup_ex`] with protocol 0.
///
/// # Safety
/// As [`BIO_lookup_ex`].
#[entry]
pub unsafe extern "C" fn BIO_lookup(
    host: *const c_char,
    service: *const c_char,
    lookup_type: c_int,
    family: c_int,
    socktype: c_int,
    res: *mut *mut BIO_ADDRINFO,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { BIO_lookup_ex(host, service, lookup_type, family, socktype, 0, res) }
}

/// A `sockaddr` as a [`BioAddr`] (IPv4 and IPv6).
///
/// # Safety
/// `sa` must be null or point at `len` bytes of a sockaddr.
unsafe fn sockaddr_to_bio(sa: *const libc::sockaddr, len: libc::socklen_t) -> Option<BioAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: sa points at len bytes of a sockaddr, per the contract.
    let family = c_int::from(unsafe { (*sa).sa_family });
    match family {
        libc::AF_INET if len as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: a sockaddr_in of the right size.
            let sin = unsafe { &*sa.cast::<libc::sockaddr_in>() };
            let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(BioAddr::from(SocketAddr::new(
                IpAddr::V4(ip),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: a sockaddr_in6 of the right size.
            let sin6 = unsafe { &*sa.cast::<libc::sockaddr_in6>() };
            let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(BioAddr::from(SocketAddr::V6(std::net::SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            ))))
        }
        _ => None,
    }
}

/// `BIO_ADDRINFO_next`.
///
/// # Safety
/// `bai` must be null or a node of a live list.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_next(bai: *const BIO_ADDRINFO) -> *const BIO_ADDRINFO {
    let b = arg!(present(bai));
    b.next
}

/// `BIO_ADDRINFO_family`.
///
/// # Safety
/// `bai` must be null or a node of a live list.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_family(bai: *const BIO_ADDRINFO) -> c_int {
    let b = arg!(present(bai));
    b.family
}

/// `BIO_ADDRINFO_socktype`.
///
/// # Safety
/// `bai` must be null or a node of a live list.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_socktype(bai: *const BIO_ADDRINFO) -> c_int {
    let b = arg!(present(bai));
    b.socktype
}

/// `BIO_ADDRINFO_protocol`.
///
/// # Safety
/// `bai` must be null or a node of a live list.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_protocol(bai: *const BIO_ADDRINFO) -> c_int {
    let b = arg!(present(bai));
    b.protocol
}

/// `BIO_ADDRINFO_address`: the node's address, valid while the list lives.
///
/// # Safety
/// `bai` must be null or a node of a live list.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_address(bai: *const BIO_ADDRINFO) -> *const BIO_ADDR {
    let b = arg!(present(bai));
    &b.addr
}

/// `BIO_ADDRINFO_free`: frees the whole list.
///
/// # Safety
/// `bai` must be null or the head of a list from `BIO_lookup_ex`, not used afterwards.
#[entry]
pub unsafe extern "C" fn BIO_ADDRINFO_free(mut bai: *mut BIO_ADDRINFO) {
    while !bai.is_null() {
        // SAFETY: each node was Box-made by BIO_lookup_ex and is freed once.
        let node = unsafe { Box::from_raw(bai) };
        bai = node.next;
    }
}

/// `BIO_socket`: a socket of `domain`/`socktype`/`protocol`, or -1 (`INVALID_SOCKET`) with
/// the system error on the queue.
#[entry]
pub extern "C" fn BIO_socket(
    domain: c_int,
    socktype: c_int,
    protocol: c_int,
    _options: c_int,
) -> CInt<-1> {
    // SAFETY: socket(2) takes any arguments and returns a new descriptor or -1.
    let fd = unsafe { libc::socket(domain, socktype | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        raise_os(BIO_R_UNABLE_TO_CREATE_SOCKET);
    }
    fd
}

/// Applies `BIO_SOCK_*` options to `sock`; false if one could not be set.
fn set_options(sock: c_int, options: c_int) -> bool {
    let set = |level: c_int, name: c_int| {
        let on: c_int = 1;
        // SAFETY: setsockopt with a valid int value; the fd is the caller's socket.
        unsafe {
            libc::setsockopt(
                sock,
                level,
                name,
                (&on as *const c_int).cast(),
                std::mem::size_of::<c_int>() as libc::socklen_t,
            ) == 0
        }
    };
    (options & BIO_SOCK_REUSEADDR == 0 || set(libc::SOL_SOCKET, libc::SO_REUSEADDR))
        && (options & BIO_SOCK_KEEPALIVE == 0 || set(libc::SOL_SOCKET, libc::SO_KEEPALIVE))
        && (options & BIO_SOCK_NODELAY == 0 || set(libc::IPPROTO_TCP, libc::TCP_NODELAY))
        && (options & BIO_SOCK_V6_ONLY == 0 || set(libc::IPPROTO_IPV6, libc::IPV6_V6ONLY))
        && (options & BIO_SOCK_NONBLOCK == 0 || BIO_socket_nbio(sock, 1) == 1)
}

/// `addr` as a socket2 address for the system calls.
fn sock_addr(addr: &BIO_ADDR) -> Option<socket2::SockAddr> {
    addr.0.socket_addr().map(socket2::SockAddr::from)
}

/// `BIO_connect`: connects `sock` to `addr` after applying `options`. 1 once connected; 0
/// otherwise: with the error on the queue if the connect failed, without while a
/// non-blocking connect is under way (`BIO_sock_should_retry(-1)` is then true).
///
/// # Safety
/// `addr` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_connect(sock: c_int, addr: *const BIO_ADDR, options: c_int) -> c_int {
    if sock < 0 {
        SslError::new(ERR_LIB_BIO, BIO_R_INVALID_SOCKET).raise();
        return 0;
    }
    let Some(target) = nullable!(addr).and_then(sock_addr) else {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT).raise();
        return 0;
    };
    if !set_options(sock, options) {
        raise_os(BIO_R_CONNECT_ERROR);
        return 0;
    }
    // SAFETY: the sockaddr is valid for its length; sock is the caller's socket.
    let rc = unsafe { libc::connect(sock, target.as_ptr().cast(), target.len()) };
    if rc == 0 {
        return 1;
    }
    // As OpenSSL: 0 either way; an error on the queue only if the connect failed (not
    // when a non-blocking connect is still under way: BIO_sock_should_retry tells).
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    if !matches!(
        errno,
        libc::EINPROGRESS | libc::EALREADY | libc::EAGAIN | libc::EINTR
    ) {
        raise_os(BIO_R_CONNECT_ERROR);
    }
    0
}

/// `BIO_bind`: binds `sock` to `addr` after applying `options` (descriptor -1:
/// `BIO_R_INVALID_SOCKET`, as in OpenSSL).
///
/// # Safety
/// `addr` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_bind(sock: c_int, addr: *const BIO_ADDR, options: c_int) -> c_int {
    if sock == -1 {
        SslError::new(ERR_LIB_BIO, BIO_R_INVALID_SOCKET).raise();
        return 0;
    }
    let Some(local) = nullable!(addr).and_then(sock_addr) else {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT).raise();
        return 0;
    };
    if !set_options(sock, options) {
        raise_os(BIO_R_UNABLE_TO_BIND_SOCKET);
        return 0;
    }
    // SAFETY: the sockaddr is valid for its length; sock is the caller's socket.
    if unsafe { libc::bind(sock, local.as_ptr().cast(), local.len()) } != 0 {
        raise_os(BIO_R_UNABLE_TO_BIND_SOCKET);
        return 0;
    }
    1
}

/// `BIO_listen`: binds `sock` to `addr` (as [`BIO_bind`]) and listens.
///
/// # Safety
/// `addr` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_listen(sock: c_int, addr: *const BIO_ADDR, options: c_int) -> c_int {
    // SAFETY: forwarded.
    if unsafe { BIO_bind(sock, addr, options) } != 1 {
        return 0;
    }
    // SAFETY: listen(2) on the caller's socket.
    if unsafe { libc::listen(sock, libc::SOMAXCONN) } != 0 {
        raise_os(BIO_R_UNABLE_TO_LISTEN_SOCKET);
        return 0;
    }
    1
}

/// `BIO_closesocket`.
#[entry]
pub extern "C" fn BIO_closesocket(sock: c_int) -> c_int {
    if sock < 0 {
        return 0;
    }
    // SAFETY: the caller gives up its descriptor.
    c_int::from(unsafe { libc::close(sock) } == 0)
}

/// `BIO_socket_nbio`: non-blocking (`mode` 1) or blocking (0) I/O on `sock`.
#[entry]
pub extern "C" fn BIO_socket_nbio(sock: c_int, mode: c_int) -> c_int {
    // SAFETY: fcntl on the caller's descriptor.
    let flags = unsafe { libc::fcntl(sock, libc::F_GETFL) };
    if flags < 0 {
        raise_os(BIO_R_INVALID_SOCKET);
        return 0;
    }
    let flags = if mode != 0 {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: fcntl on the caller's descriptor with valid flags.
    c_int::from(unsafe { libc::fcntl(sock, libc::F_SETFL, flags) } == 0)
}

/// `BIO_ADDR_path_string`: a Unix socket address's path, or null for other families.
/// Freed with `OPENSSL_free`.
///
/// # Safety
/// `a` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_ADDR_path_string(a: *const BIO_ADDR) -> *mut c_char {
    let Some(path) = nullable!(a).and_then(|a| a.0.path()) else {
        return std::ptr::null_mut();
    };
    malloc_c_string(path)
}

/// `BIO_accept_ex`: accepts a connection on `accept_sock`, applying the `BIO_SOCK_*`
/// `options` to it and writing the peer to `addr` (if not null). The new descriptor, or -1:
/// with the reason on the queue, unless the listener is non-blocking and nothing waits
/// (`BIO_sock_should_retry` then says to try again).
///
/// # Safety
/// `addr` must be null or a live address.
#[entry]
pub unsafe extern "C" fn BIO_accept_ex(
    accept_sock: c_int,
    addr: *mut BIO_ADDR,
    options: c_int,
) -> CInt<-1> {
    // SAFETY: a zeroed sockaddr_storage is a valid (empty) address.
    let mut peer: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut peer_len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: accept(2) on the caller's descriptor (a bad one fails with EBADF), writing at
    // most peer_len bytes of the peer's address into peer.
    let fd = unsafe { libc::accept(accept_sock, (&raw mut peer).cast(), &mut peer_len) };
    if fd == -1 {
        // As OpenSSL: a transient failure (nothing waiting on a non-blocking listener) is
        // left for BIO_sock_should_retry to tell, without an error.
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        if BIO_sock_non_fatal_error(errno) == 0 {
            SslError::new(ERR_LIB_SYS, errno)
                .with_data("calling accept()")
                .raise();
            SslError::new(ERR_LIB_BIO, BIO_R_ACCEPT_ERROR).raise();
        }
        return -1;
    }
    if !set_options(fd, options) {
        raise_os(BIO_R_INVALID_SOCKET);
        BIO_closesocket(fd);
        return -1;
    }
    if let Some(a) = nullable_mut!(addr) {
        // SAFETY: accept wrote peer_len bytes of a sockaddr into peer.
        let peer = unsafe { sockaddr_to_bio((&raw const peer).cast(), peer_len) };
        a.0 = peer.unwrap_or_default();
    }
    fd
}

/// `BIO_sock_error`: the socket's pending error (`SO_ERROR`), or the error of asking.
#[entry]
pub extern "C" fn BIO_sock_error(sock: c_int) -> CInt<{ libc::EBADF }> {
    if sock < 0 {
        return libc::EBADF;
    }
    // SAFETY: the caller's socket (not negative), borrowed for the call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(sock) };
    match socket2::SockRef::from(&fd).take_error() {
        Ok(None) => 0,
        Ok(Some(e)) | Err(e) => e.raw_os_error().unwrap_or(libc::EINVAL),
    }
}

/// `BIO_sock_init`: nothing to set up on Linux; 1.
#[entry]
pub extern "C" fn BIO_sock_init() -> c_int {
    1
}

/// The addresses `host` and `service` resolve to for `socktype`, in the resolver's order;
/// empty with the reason on the queue when the lookup fails.
pub(crate) fn lookup_addrs(host: &CStr, service: &CStr, socktype: c_int) -> Vec<SocketAddr> {
    let mut res: *mut BIO_ADDRINFO = std::ptr::null_mut();
    // SAFETY: both strings are NUL-terminated; res is valid for the result.
    let ok = unsafe {
        BIO_lookup_ex(
            host.as_ptr(),
            service.as_ptr(),
            0,
            libc::AF_UNSPEC,
            socktype,
            0,
            &mut res,
        )
    };
    let mut out = Vec::new();
    if ok != 1 {
        return out;
    }
    let mut cur = res;
    // SAFETY: cur walks the list just made, freed once below.
    while let Some(node) = unsafe { cur.as_ref() } {
        out.extend(node.addr.0.socket_addr());
        cur = node.next;
    }
    // SAFETY: the list from BIO_lookup_ex.
    unsafe { BIO_ADDRINFO_free(res) };
    out
}
