//! System calls for UDP sockets: batched `sendmmsg`/`recvmmsg` on Linux, one `sendmsg`/`recvmsg`
//! per datagram elsewhere (and on request), packet-info control messages for local addresses,
//! segmentation (`UDP_SEGMENT`) and receive-offload (`UDP_GRO`) control messages on Linux, and
//! the socket options the UDP BIO needs, and the eventfd notifiers wake threads with on
//! Linux. This is the crate's only unsafe code.

use std::cell::Cell;
use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::addr::BioAddr;
use crate::dgram::RecvMsg;
use crate::error::BioError;

/// Most messages handled by one call; the arrays that describe them live on the stack.
pub(crate) const MAX_BATCH: usize = 64;

/// Room for the control messages of one datagram: packet info for either family and a segment
/// size, with space left for the ECN message the socket may carry later.
const CMSG_BUF_LEN: usize = 128;

/// A control-message buffer aligned for `cmsghdr`.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct CmsgBuf([u8; CMSG_BUF_LEN]);

/// One message to send, resolved to system addresses.
pub(crate) struct Outgoing<'a> {
    /// Payload.
    pub(crate) data: &'a [u8],
    /// Destination, or `None` for a connected socket.
    pub(crate) dest: Option<SocketAddr>,
    /// Source address to send from, or `None` to let the system choose.
    pub(crate) src: Option<IpAddr>,
    /// The payload is several datagrams of this size (the last possibly shorter): at least 1,
    /// less than the payload's length, and at most [`MAX_BATCH`] datagrams in all.
    pub(crate) segment: Option<u16>,
    /// The ECN codepoint to mark the datagrams with (0: none, no control message).
    pub(crate) ecn: u8,
    /// The socket's address family (`AF_INET` or `AF_INET6`): it names the ECN message.
    pub(crate) family: i32,
}

/// Arrays describing a batch of up to [`MAX_BATCH`] messages.
struct Batch {
    hdrs: [libc::mmsghdr; MAX_BATCH],
    iovs: [libc::iovec; MAX_BATCH],
    names: [libc::sockaddr_storage; MAX_BATCH],
    cmsgs: [CmsgBuf; MAX_BATCH],
}

impl Batch {
    fn new() -> Box<Batch> {
        // SAFETY: every field is a plain C struct or byte array for which all-zero bytes are a
        // valid value (null pointers, zero lengths, AF_UNSPEC addresses). Zeroing in place keeps
        // the 20 KiB structure off the stack.
        unsafe { Box::<Batch>::new_zeroed().assume_init() }
    }
}

thread_local! {
    /// One batch description per thread, reused by every call on that thread: the arrays are
    /// too large for the stack of small threads, and allocating per call is wasted work.
    static BATCH: Cell<Option<Box<Batch>>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's batch description, or a fresh one if it is in use (a nested
/// call) or the thread's storage is being torn down.
fn with_batch<R>(f: impl FnOnce(&mut Batch) -> R) -> R {
    let mut batch = BATCH
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_else(Batch::new);
    let result = f(&mut batch);
    let _ = BATCH.try_with(|slot| slot.set(Some(batch)));
    result
}

/// Writes `addr` into `storage`, returning the length to pass to the system.
fn write_sockaddr(addr: &SocketAddr, storage: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for every sockaddr type.
            unsafe { ptr::write(ptr::from_mut(storage).cast::<libc::sockaddr_in>(), sin) };
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { ptr::write(ptr::from_mut(storage).cast::<libc::sockaddr_in6>(), sin6) };
            mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

/// Reads an IP socket address the system wrote into `storage`.
fn read_sockaddr(storage: &libc::sockaddr_storage, len: libc::socklen_t) -> BioAddr {
    let len = len as usize;
    match i32::from(storage.ss_family) {
        libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family and length say the system wrote a sockaddr_in here, and the
            // storage is aligned for it.
            let sin = unsafe { &*ptr::from_ref(storage).cast::<libc::sockaddr_in>() };
            BioAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()),
                u16::from_be(sin.sin_port),
            ))
        }
        libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe { &*ptr::from_ref(storage).cast::<libc::sockaddr_in6>() };
            BioAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            ))
        }
        _ => BioAddr::Unspec,
    }
}

/// Space a control message with `len` bytes of data takes, alignment padding included. The
/// `CMSG_ALIGN` of every supported system is at most a `usize`, so this is never too small.
const fn cmsg_space(len: usize) -> usize {
    let align = mem::size_of::<usize>();
    mem::size_of::<libc::cmsghdr>().div_ceil(align) * align + len.div_ceil(align) * align
}

// Sending: packet info of either family, a segment size, a traffic class and a TOS (ints);
// receiving: packet info, a receive-offload segment size and a TOS or traffic class (ints).
const _: () = assert!(
    cmsg_space(mem::size_of::<libc::in6_pktinfo>())
        + cmsg_space(mem::size_of::<u16>())
        + 2 * cmsg_space(mem::size_of::<i32>())
        <= CMSG_BUF_LEN
);
const _: () = assert!(
    cmsg_space(mem::size_of::<libc::in6_pktinfo>()) + 2 * cmsg_space(mem::size_of::<i32>())
        <= CMSG_BUF_LEN
);

/// Writes one control message carrying `value` at `offset` in `buf`; returns the space it
/// takes, or 0 (writing nothing) if it does not fit.
fn put_cmsg<T: Copy>(buf: &mut CmsgBuf, offset: usize, level: i32, kind: i32, value: T) -> usize {
    let size = mem::size_of::<T>();
    // SAFETY: CMSG_SPACE and CMSG_LEN only compute lengths.
    let (space, len, data_offset) = unsafe {
        (
            libc::CMSG_SPACE(size as _) as usize,
            libc::CMSG_LEN(size as _) as usize,
            libc::CMSG_LEN(0) as usize,
        )
    };
    if offset.saturating_add(space) > CMSG_BUF_LEN {
        return 0;
    }
    let mut hdr: libc::cmsghdr = zeroed_cmsghdr();
    hdr.cmsg_len = len as _;
    hdr.cmsg_level = level;
    hdr.cmsg_type = kind;
    // SAFETY: offset + space <= CMSG_BUF_LEN was checked, and space covers the header and the
    // data (which starts CMSG_LEN(0) bytes in, after the aligned header), so both writes stay
    // in `buf`. Unaligned writes need no alignment.
    unsafe {
        let base = buf.0.as_mut_ptr().add(offset);
        ptr::write_unaligned(base.cast::<libc::cmsghdr>(), hdr);
        ptr::write_unaligned(base.add(data_offset).cast::<T>(), value);
    }
    space
}

fn zeroed_cmsghdr() -> libc::cmsghdr {
    // SAFETY: cmsghdr is a plain C struct (lengths, levels, padding); all-zero is valid.
    unsafe { mem::zeroed() }
}

/// Fills `buf` with the control messages for sending: packet info asking the system to send
/// from `src`, the segment size for segmentation offload, and the ECN codepoint `ecn` in the
/// TOS (IPv4) or traffic class (IPv6, by the socket's `family`) unless 0. Returns the control
/// length used.
fn pack_cmsgs(
    src: Option<IpAddr>,
    segment: Option<u16>,
    ecn: u8,
    family: i32,
    buf: &mut CmsgBuf,
) -> usize {
    let mut len = 0;
    match src {
        Some(IpAddr::V4(ip)) => {
            let info = libc::in_pktinfo {
                ipi_ifindex: 0,
                ipi_spec_dst: libc::in_addr {
                    s_addr: u32::from_ne_bytes(ip.octets()),
                },
                ipi_addr: libc::in_addr { s_addr: 0 },
            };
            len += put_cmsg(buf, len, libc::IPPROTO_IP, libc::IP_PKTINFO, info);
        }
        Some(IpAddr::V6(ip)) => {
            let info = libc::in6_pktinfo {
                ipi6_addr: libc::in6_addr {
                    s6_addr: ip.octets(),
                },
                ipi6_ifindex: 0,
            };
            len += put_cmsg(buf, len, libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, info);
        }
        None => {}
    }
    #[cfg(target_os = "linux")]
    if let Some(size) = segment {
        len += put_cmsg(buf, len, libc::SOL_UDP, libc::UDP_SEGMENT, size);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = segment;
    if ecn != 0 {
        let tos = i32::from(ecn & 0b11);
        if family == libc::AF_INET6 {
            len += put_cmsg(buf, len, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tos);
        }
        // Also on an IPv6 socket: a datagram to a v4-mapped address goes out as IPv4, which
        // takes its TOS from here (the system skips the message that is not its family's).
        len += put_cmsg(buf, len, libc::IPPROTO_IP, libc::IP_TOS, tos);
    }
    len
}

/// What the control messages of a received datagram said.
#[derive(Default)]
struct Received {
    /// The destination address, from packet info.
    dst: Option<IpAddr>,
    /// The size of the datagrams the system coalesced, from receive offload.
    segment: Option<usize>,
    /// The ECN codepoint, from the TOS (IPv4, also on an IPv6 socket) or traffic class.
    ecn: Option<u8>,
}

/// Reads received control messages, for a socket of `family`.
///
/// Only the packet-info message of the socket's own family is used (an IPv6 socket reports IPv4
/// datagrams as v4-mapped addresses there), and a message only if its length covers its data:
/// a message cut short because the control buffer ran out is ignored.
fn unpack(hdr: &libc::msghdr, family: i32) -> Received {
    let mut got = Received::default();
    if hdr.msg_flags & libc::MSG_CTRUNC != 0 || hdr.msg_control.is_null() {
        return got;
    }
    let (level, kind, size) = match family {
        libc::AF_INET => (
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            mem::size_of::<libc::in_pktinfo>(),
        ),
        libc::AF_INET6 => (
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            mem::size_of::<libc::in6_pktinfo>(),
        ),
        _ => return got,
    };
    // SAFETY: CMSG_LEN only computes a length.
    let (needed, needed_int) = unsafe {
        (
            libc::CMSG_LEN(size as _) as usize,
            libc::CMSG_LEN(mem::size_of::<i32>() as _) as usize,
        )
    };
    // SAFETY: the system filled msg_control with msg_controllen bytes of control messages;
    // CMSG_FIRSTHDR/CMSG_NXTHDR stay within them and return null at the end. A header's data
    // is read only when its cmsg_len says the whole value is present.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(hdr);
        while !cmsg.is_null() {
            let c = &*cmsg;
            let data = libc::CMSG_DATA(cmsg);
            if c.cmsg_level == level && c.cmsg_type == kind && c.cmsg_len as usize >= needed {
                got.dst = Some(if family == libc::AF_INET {
                    let info = ptr::read_unaligned(data.cast::<libc::in_pktinfo>());
                    IpAddr::V4(Ipv4Addr::from(info.ipi_addr.s_addr.to_ne_bytes()))
                } else {
                    let info = ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                    IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr))
                });
            }
            // IPv4's TOS comes as one byte (an int on some systems), IPv6's traffic class as
            // an int; only the low two bits, the ECN field, are kept.
            let tos_one = libc::CMSG_LEN(1) as usize;
            if c.cmsg_level == libc::IPPROTO_IP
                && (c.cmsg_type == libc::IP_TOS || c.cmsg_type == IP_RECVTOS_CMSG)
                && c.cmsg_len as usize >= tos_one
            {
                got.ecn = Some(ptr::read_unaligned(data) & 0b11);
            }
            if c.cmsg_level == libc::IPPROTO_IPV6
                && c.cmsg_type == libc::IPV6_TCLASS
                && c.cmsg_len as usize >= needed_int
            {
                got.ecn = Some((ptr::read_unaligned(data.cast::<i32>()) & 0b11) as u8);
            }
            #[cfg(target_os = "linux")]
            if c.cmsg_level == libc::SOL_UDP
                && c.cmsg_type == libc::UDP_GRO
                && c.cmsg_len as usize >= needed_int
            {
                let size = ptr::read_unaligned(data.cast::<i32>());
                got.segment = usize::try_from(size).ok().filter(|&n| n > 0);
            }
            cmsg = libc::CMSG_NXTHDR(hdr, cmsg);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = needed_int;
    got
}

fn zeroed_msghdr() -> libc::msghdr {
    // SAFETY: msghdr is a plain C struct; all-zero is a valid empty header.
    unsafe { mem::zeroed() }
}

/// Whether a send error on a message with a segment size means the system refuses
/// segmentation offload on this socket: `EIO` (the device cannot checksum the segments),
/// `EINVAL` (old kernel, or an option such as `SO_NO_CHECK` that rules it out), `ENOPROTOOPT`
/// and `EOPNOTSUPP` (no support at all).
fn refuses_gso(err: &BioError) -> bool {
    matches!(
        err,
        BioError::Os(libc::EIO | libc::EINVAL | libc::ENOPROTOOPT | libc::EOPNOTSUPP)
    )
}

/// How many messages a send of `sent` headers completed, given `ends[m]`, the header index
/// after message `m`'s last. A message whose datagrams went out only in part counts as sent:
/// sending it again would duplicate the datagrams that went, so the rest are dropped, as the
/// network may drop datagrams.
fn messages_sent(ends: &[usize], sent: usize) -> usize {
    let whole = ends.iter().take_while(|&&end| end <= sent).count();
    let started = whole.checked_sub(1).map_or(0, |m| ends[m]);
    if whole < ends.len() && sent > started {
        whole + 1
    } else {
        whole
    }
}

/// Sends up to `count` messages described by `item`, returning how many went out.
///
/// `item(i)` resolves message `i`; if it fails for the first message the error is returned,
/// otherwise the batch is cut before it. With `batched`, one `sendmmsg` is made where the system
/// has it; otherwise one `sendmsg` per datagram, stopping at the first that would block.
///
/// A message with a segment size goes to the system as one datagram carrying a `UDP_SEGMENT`
/// control message while `gso` is set, and as its separate datagrams otherwise. If the system
/// refuses segmentation for the first message, `gso` is cleared and the batch is sent again
/// without it, so nothing is lost.
pub(crate) fn send<'a>(
    fd: RawFd,
    count: usize,
    batched: bool,
    gso: &AtomicBool,
    mut item: impl FnMut(usize) -> Result<Outgoing<'a>, BioError>,
) -> Result<usize, BioError> {
    let mut offload = cfg!(target_os = "linux") && gso.load(Ordering::Relaxed);
    with_batch(|b| {
        loop {
            // ends[m]: the header index after message m's last.
            let mut ends = [0usize; MAX_BATCH];
            let mut msgs = 0;
            let mut hdrs = 0;
            let mut first_err = None;
            // Header 0 carries a segment size: a failure on it may be a refusal of offload.
            let mut first_segmented = false;
            while msgs < count.min(MAX_BATCH) {
                let out = match item(msgs) {
                    Ok(out) => out,
                    Err(e) => {
                        first_err = Some(e);
                        break;
                    }
                };
                let pieces = match out.segment {
                    Some(size) if !offload => out.data.len().div_ceil(usize::from(size).max(1)),
                    _ => 1,
                };
                if hdrs + pieces > MAX_BATCH {
                    if msgs == 0 {
                        // Not reached: a segmented message is at most MAX_BATCH datagrams.
                        return Err(BioError::InvalidArgument("more than 64 segments"));
                    }
                    break;
                }
                if offload || out.segment.is_none() {
                    first_segmented |= msgs == 0 && out.segment.is_some();
                    describe(b, hdrs, out.data, &out, out.segment.filter(|_| offload));
                    hdrs += 1;
                } else {
                    let size = usize::from(out.segment.unwrap_or(u16::MAX)).max(1);
                    for piece in out.data.chunks(size) {
                        describe(b, hdrs, piece, &out, None);
                        hdrs += 1;
                    }
                }
                ends[msgs] = hdrs;
                msgs += 1;
            }
            if msgs == 0 {
                return match first_err {
                    Some(e) => Err(e),
                    None => Ok(0),
                };
            }
            let result = if batched {
                send_mmsg(fd, &mut b.hdrs[..hdrs])
            } else {
                send_each(fd, &b.hdrs[..hdrs])
            };
            match result {
                Ok(sent) => return Ok(messages_sent(&ends[..msgs], sent)),
                Err(e) if first_segmented && refuses_gso(&e) => {
                    // Once: the next round describes every message without offload.
                    offload = false;
                    gso.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
    })
}

/// Describes one datagram (or, with `segment`, one offloaded run of datagrams) in header `i`.
fn describe(b: &mut Batch, i: usize, data: &[u8], out: &Outgoing<'_>, segment: Option<u16>) {
    let hdr = &mut b.hdrs[i].msg_hdr;
    *hdr = zeroed_msghdr();
    b.iovs[i] = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    hdr.msg_iov = &mut b.iovs[i];
    hdr.msg_iovlen = 1;
    if let Some(dest) = out.dest {
        hdr.msg_namelen = write_sockaddr(&dest, &mut b.names[i]);
        hdr.msg_name = ptr::from_mut(&mut b.names[i]).cast();
    }
    if out.src.is_some() || segment.is_some() || out.ecn != 0 {
        hdr.msg_controllen =
            pack_cmsgs(out.src, segment, out.ecn, out.family, &mut b.cmsgs[i]) as _;
        hdr.msg_control = b.cmsgs[i].0.as_mut_ptr().cast();
    }
}

#[cfg(target_os = "linux")]
fn send_mmsg(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> Result<usize, BioError> {
    loop {
        // SAFETY: hdrs holds hdrs.len() initialised headers whose pointers (iovecs, payloads,
        // names, control buffers) stay valid for the duration of the call.
        let r = unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr(), hdrs.len() as _, 0) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err.into());
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn send_mmsg(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> Result<usize, BioError> {
    send_each(fd, hdrs)
}

fn send_each(fd: RawFd, hdrs: &[libc::mmsghdr]) -> Result<usize, BioError> {
    for (i, h) in hdrs.iter().enumerate() {
        let flags = if i == 0 { 0 } else { libc::MSG_DONTWAIT };
        let r = loop {
            // SAFETY: the header and everything it points to are valid, as in send_mmsg.
            let r = unsafe { libc::sendmsg(fd, &h.msg_hdr, flags) };
            if r >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break r;
            }
        };
        if r < 0 {
            return if i == 0 {
                Err(BioError::last_os_error())
            } else {
                Ok(i)
            };
        }
    }
    Ok(hdrs.len())
}

/// The control message type some systems (the BSDs) report IPv4's TOS under; Linux uses
/// `IP_TOS`.
#[cfg(target_os = "linux")]
const IP_RECVTOS_CMSG: i32 = libc::IP_TOS;
#[cfg(not(target_os = "linux"))]
const IP_RECVTOS_CMSG: i32 = libc::IP_RECVTOS;

/// Receives into a prefix of `msgs`, filling lengths and addresses.
///
/// `family` is the socket's address family (`AF_INET` or `AF_INET6`): it selects the
/// packet-info messages to read. `bound` is the socket's own address: its port (and IPv6 scope)
/// complete the destination addresses the system reports; it is only read for messages that
/// ask for their destination address. With `gro` (receive offload is on) or `ecn` (ECN
/// reception is on) every message gets a control buffer, so that the segment size of
/// coalesced datagrams and the ECN codepoint are always seen. A
/// blocking socket returns once at least one datagram is in (`MSG_WAITFORONE`), rather than
/// waiting for the whole batch.
pub(crate) fn recv(
    fd: RawFd,
    msgs: &mut [RecvMsg<'_>],
    batched: bool,
    family: i32,
    bound: &BioAddr,
    gro: bool,
    ecn: bool,
) -> Result<usize, BioError> {
    with_batch(|b| {
        let n = msgs.len().min(MAX_BATCH);
        for (i, m) in msgs[..n].iter_mut().enumerate() {
            let hdr = &mut b.hdrs[i].msg_hdr;
            *hdr = zeroed_msghdr();
            b.iovs[i] = libc::iovec {
                iov_base: m.buf.as_mut_ptr().cast(),
                iov_len: m.buf.len(),
            };
            hdr.msg_iov = &mut b.iovs[i];
            hdr.msg_iovlen = 1;
            hdr.msg_name = ptr::from_mut(&mut b.names[i]).cast();
            hdr.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as _;
            if m.local.is_some() || gro || ecn {
                hdr.msg_control = b.cmsgs[i].0.as_mut_ptr().cast();
                hdr.msg_controllen = CMSG_BUF_LEN as _;
            }
            b.hdrs[i].msg_len = 0;
        }
        let got = if batched {
            recv_mmsg(fd, &mut b.hdrs[..n])?
        } else {
            recv_each(fd, &mut b.hdrs[..n])?
        };
        for (i, m) in msgs[..got].iter_mut().enumerate() {
            let h = &b.hdrs[i];
            m.len = (h.msg_len as usize).min(m.buf.len());
            m.flags = 0;
            m.peer = read_sockaddr(&b.names[i], h.msg_hdr.msg_namelen);
            let control = unpack(&h.msg_hdr, family);
            // Only a buffer holding more than one segment is a coalesced batch.
            m.segment_size = control.segment.filter(|&size| m.len > size);
            m.ecn = if ecn { control.ecn } else { None };
            if m.local.is_some() {
                m.local = Some(match control.dst {
                    Some(ip) => with_port(ip, bound),
                    None => BioAddr::Unspec,
                });
            }
        }
        Ok(got)
    })
}

/// The address `ip` with the port and IPv6 scope of the bound address.
fn with_port(ip: IpAddr, bound: &BioAddr) -> BioAddr {
    let port = bound.port().unwrap_or(0);
    match ip {
        IpAddr::V4(v4) => BioAddr::V4(SocketAddrV4::new(v4, port)),
        IpAddr::V6(v6) => BioAddr::V6(SocketAddrV6::new(v6, port, 0, bound.scope_id())),
    }
}

#[cfg(target_os = "linux")]
fn recv_mmsg(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> Result<usize, BioError> {
    loop {
        // SAFETY: hdrs holds initialised headers pointing at caller buffers, names and control
        // buffers that outlive the call; a null timeout is allowed.
        let r = unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr(),
                hdrs.len() as _,
                libc::MSG_WAITFORONE,
                ptr::null_mut(),
            )
        };
        if r >= 0 {
            return Ok(r as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err.into());
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn recv_mmsg(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> Result<usize, BioError> {
    recv_each(fd, hdrs)
}

fn recv_each(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> Result<usize, BioError> {
    let total = hdrs.len();
    for (i, h) in hdrs.iter_mut().enumerate() {
        let flags = if i == 0 { 0 } else { libc::MSG_DONTWAIT };
        let r = loop {
            // SAFETY: the header points at valid buffers, as in recv_mmsg.
            let r = unsafe { libc::recvmsg(fd, &mut h.msg_hdr, flags) };
            if r >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break r;
            }
        };
        if r < 0 {
            return if i == 0 {
                Err(BioError::last_os_error())
            } else {
                Ok(i)
            };
        }
        h.msg_len = r as _;
    }
    Ok(total)
}

fn setsockopt_int(fd: RawFd, level: i32, name: i32, value: i32) -> Result<(), BioError> {
    // SAFETY: the option value is a live c_int and its exact size is passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            ptr::from_ref(&value).cast(),
            mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(BioError::last_os_error())
    }
}

fn getsockopt_int(fd: RawFd, level: i32, name: i32) -> Result<i32, BioError> {
    let mut value = MaybeUninit::<i32>::zeroed();
    let mut len = mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: value has room for a c_int and len says so; the system writes at most len bytes.
    let r = unsafe { libc::getsockopt(fd, level, name, value.as_mut_ptr().cast(), &mut len) };
    if r == 0 {
        // SAFETY: zero-initialised and possibly overwritten by the system: initialised.
        Ok(unsafe { value.assume_init() })
    } else {
        Err(BioError::last_os_error())
    }
}

/// Turns reception of destination addresses on or off for a socket of `family`.
pub(crate) fn set_recv_pktinfo(fd: RawFd, family: i32, on: bool) -> Result<(), BioError> {
    let v = i32::from(on);
    match family {
        libc::AF_INET => setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_PKTINFO, v),
        // IPv4 datagrams on a dual-stack socket are reported as v4-mapped addresses too.
        libc::AF_INET6 => setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, v),
        _ => Err(BioError::LocalAddrNotAvailable),
    }
}

/// Turns reception of the TOS byte (IPv4) or traffic class (IPv6) on or off for a socket of
/// `family`; an IPv6 socket also reports the TOS of the IPv4 datagrams it receives.
pub(crate) fn set_recv_ecn(fd: RawFd, family: i32, on: bool) -> Result<(), BioError> {
    let v = i32::from(on);
    match family {
        libc::AF_INET => setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVTOS, v),
        libc::AF_INET6 => {
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS, v)?;
            // Best effort: an IPv6-only socket receives no IPv4 datagrams anyway.
            let _ = setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_RECVTOS, v);
            Ok(())
        }
        _ => Err(BioError::Unsupported("ECN")),
    }
}

/// A new non-blocking, close-on-exec eventfd with a count of zero (Linux): a descriptor that
/// is readable while its count is not zero, for one thread to wake another.
#[cfg(target_os = "linux")]
pub(crate) fn eventfd() -> Result<std::os::fd::OwnedFd, BioError> {
    use std::os::fd::FromRawFd;
    // SAFETY: eventfd takes no pointers; it returns a new descriptor or -1.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(BioError::last_os_error());
    }
    // SAFETY: the system just returned this descriptor; nothing else owns it.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Whether the system offers segmentation offload on this socket (Linux 4.18 and later): the
/// `UDP_SEGMENT` option can be read.
pub(crate) fn gso_supported(fd: RawFd) -> bool {
    #[cfg(target_os = "linux")]
    {
        getsockopt_int(fd, libc::SOL_UDP, libc::UDP_SEGMENT).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        false
    }
}

/// Turns receive offload (`UDP_GRO`, Linux 5.0 and later) on or off.
pub(crate) fn set_gro(fd: RawFd, on: bool) -> Result<(), BioError> {
    #[cfg(target_os = "linux")]
    {
        setsockopt_int(fd, libc::SOL_UDP, libc::UDP_GRO, i32::from(on))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        if on {
            Err(BioError::Unsupported("receive offload"))
        } else {
            Ok(())
        }
    }
}

/// Turns off UDP checksums on sends (`SO_NO_CHECK`), which makes Linux refuse segmentation
/// offload with `EINVAL`: tests use it to see the refusal handled.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn set_no_check(fd: RawFd, on: bool) -> Result<(), BioError> {
    /// `SO_NO_CHECK` (not in the libc crate for every Linux target).
    const SO_NO_CHECK: i32 = 11;
    setsockopt_int(fd, libc::SOL_SOCKET, SO_NO_CHECK, i32::from(on))
}

/// The path MTU the system knows for a connected socket of `family`, in bytes of IP packet.
pub(crate) fn path_mtu(fd: RawFd, family: i32) -> Result<usize, BioError> {
    let mtu = match family {
        libc::AF_INET => getsockopt_int(fd, libc::IPPROTO_IP, libc::IP_MTU)?,
        libc::AF_INET6 => getsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_MTU)?,
        _ => return Err(BioError::AddrFamilyMismatch),
    };
    usize::try_from(mtu).map_err(|_| BioError::Os(libc::EINVAL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partly_sent_messages_count_as_sent() {
        // Messages of 1, 10 and 1 headers.
        let ends = [1, 11, 12];
        assert_eq!(messages_sent(&ends, 0), 0);
        assert_eq!(messages_sent(&ends, 1), 1);
        assert_eq!(messages_sent(&ends, 5), 2);
        assert_eq!(messages_sent(&ends, 11), 2);
        assert_eq!(messages_sent(&ends, 12), 3);
        assert_eq!(messages_sent(&[], 0), 0);
    }

    #[test]
    fn control_messages_fit_and_are_read_back() {
        let mut buf = CmsgBuf([0xff; CMSG_BUF_LEN]);
        let src = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let len = pack_cmsgs(Some(src), Some(1200), 0b10, libc::AF_INET6, &mut buf);
        assert_eq!(
            len,
            cmsg_space(mem::size_of::<libc::in6_pktinfo>()) + cmsg_space(2) + 2 * cmsg_space(4)
        );
        let mut hdr = zeroed_msghdr();
        hdr.msg_control = buf.0.as_mut_ptr().cast();
        hdr.msg_controllen = len as _;
        // The packet info written for sending names the source in the field the receive side
        // reads too.
        let got = unpack(&hdr, libc::AF_INET6);
        assert_eq!(got.dst, Some(src));
        // The traffic class written for sending is read back the same way too.
        assert_eq!(got.ecn, Some(0b10));
    }
}
