//! The UDP socket BIO (OpenSSL's `BIO_s_datagram` / `BIO_new_dgram`).

use std::net::{IpAddr, SocketAddr, SocketAddrV6, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::{DatagramBio, DgramCaps, MAX_SEGMENTS, RecvMsg, SendMsg};
use crate::addr::BioAddr;
use crate::error::BioError;
use crate::handle::SocketHandle;
use crate::poll::PollDescriptor;
use crate::sys::{self, Outgoing};

/// Largest UDP payload over IPv4 (65535 minus IP and UDP headers).
const MAX_UDP_PAYLOAD_V4: usize = 65_507;
/// Largest UDP payload over IPv6 without jumbograms.
const MAX_UDP_PAYLOAD_V6: usize = 65_527;
/// IP and UDP header bytes subtracted from a path MTU: IPv4 and IPv6.
const OVERHEAD_V4: usize = 28;
const OVERHEAD_V6: usize = 48;

/// How the BIO hands batches to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batching {
    /// One `sendmmsg`/`recvmmsg` per batch (Linux); elsewhere the same as `PerDatagram`.
    Mmsg,
    /// One `sendmsg`/`recvmsg` per datagram: the portable path.
    PerDatagram,
}

/// Where the peer for messages that name none comes from.
#[derive(Debug, Clone, Copy, Default)]
struct PeerState {
    addr: Option<BioAddr>,
    /// The socket itself is connected to `addr`: the system fills in and checks addresses.
    connected: bool,
}

/// A BIO over a UDP socket.
///
/// The socket may be connected (datagrams go to and come from one peer, and the system reports
/// ICMP errors for it) or not (each message names its peer, or the peer set with
/// [`set_peer`](DatagramBio::set_peer) is used). Batched calls are stateless; only
/// [`read`](DatagramBio::read) on an unconnected socket records the sender as the peer, as
/// OpenSSL's `BIO_read` does.
///
/// On Linux the BIO uses segmentation offload when the kernel has it (`UDP_SEGMENT`, 4.18 and
/// later): a message with a segment size goes to the kernel as one buffer, which it cuts into
/// datagrams. If the kernel refuses that on this socket at run time (`EIO` from a device that
/// cannot checksum the segments, `EINVAL` or `ENOPROTOOPT` from old kernels), offload is turned
/// off for good and the refused batch is sent again as separate datagrams. Receive offload
/// (`UDP_GRO`) is off until [`set_gro`](DatagramBio::set_gro) turns it on.
#[derive(Debug)]
pub struct UdpBio {
    handle: SocketHandle,
    family: i32,
    bound: Mutex<BioAddr>,
    peer: Mutex<PeerState>,
    mtu: AtomicUsize,
    local_addr_enabled: AtomicBool,
    batched: AtomicBool,
    /// Segmented messages go to the system whole (`UDP_SEGMENT`).
    gso: AtomicBool,
    /// Receive offload is on: the system may coalesce datagrams.
    gro: AtomicBool,
    /// ECN is on: the TOS or traffic class is reported and datagrams are marked.
    ecn: AtomicBool,
}

impl UdpBio {
    /// Binds a new non-blocking UDP socket to `addr` (port 0 picks a free port).
    pub fn bind(addr: SocketAddr) -> Result<Self, BioError> {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_nonblocking(true)?;
        socket.bind(&SockAddr::from(addr))?;
        Self::from_handle(SocketHandle::Owned(socket))
    }

    /// Wraps a standard UDP socket, taking ownership; its blocking mode is kept.
    pub fn from_socket(socket: UdpSocket) -> Result<Self, BioError> {
        Self::from_handle(SocketHandle::Owned(Socket::from(OwnedFd::from(socket))))
    }

    /// Wraps a raw UDP socket descriptor (`BIO_new_dgram`), closing it on drop only if `close`
    /// is set (`BIO_CLOSE`).
    ///
    /// # Safety
    /// `fd` must be an open UDP socket that stays open while the BIO exists; if `close` is set
    /// the BIO takes ownership and nothing else may close it.
    pub unsafe fn from_raw_fd(fd: RawFd, close: bool) -> Result<Self, BioError> {
        // Validate while borrowing, so a rejected descriptor is left open for its owner.
        // SAFETY: forwarded from this function's contract.
        let mut bio = Self::from_handle(unsafe { SocketHandle::borrow_raw_fd(fd)? })?;
        if close {
            bio.handle = bio.handle.into_owned();
        }
        Ok(bio)
    }

    fn from_handle(handle: SocketHandle) -> Result<Self, BioError> {
        let socket = handle.socket();
        if socket.r#type()? != Type::DGRAM {
            return Err(BioError::InvalidArgument("not a datagram socket"));
        }
        let local = socket.local_addr()?;
        let family = match local.as_socket() {
            Some(SocketAddr::V4(_)) => libc::AF_INET,
            Some(SocketAddr::V6(_)) => libc::AF_INET6,
            None => return Err(BioError::AddrFamilyMismatch),
        };
        // A connected socket's peer is detected, as BIO_dgram_detect_peer_addr does.
        let peer = match socket.peer_addr().ok().and_then(|a| a.as_socket()) {
            Some(p) => PeerState {
                addr: Some(p.into()),
                connected: true,
            },
            None => PeerState::default(),
        };
        let gso = sys::gso_supported(socket.as_raw_fd());
        Ok(UdpBio {
            gso: AtomicBool::new(gso),
            gro: AtomicBool::new(false),
            ecn: AtomicBool::new(false),
            bound: Mutex::new(local.as_socket().map(BioAddr::from).unwrap_or_default()),
            handle,
            family,
            peer: Mutex::new(peer),
            mtu: AtomicUsize::new(0),
            local_addr_enabled: AtomicBool::new(false),
            batched: AtomicBool::new(true),
        })
    }

    /// Connects the socket to `peer`: later sends without an address go there, and only its
    /// datagrams are received (`BIO_ctrl_set_connected` after `connect(2)`).
    pub fn connect(&self, peer: SocketAddr) -> Result<(), BioError> {
        let peer = self.map_to_family(peer.into())?;
        self.handle.socket().connect(&SockAddr::from(peer))?;
        self.refresh_bound()?;
        *self.lock_peer() = PeerState {
            addr: Some(peer.into()),
            connected: true,
        };
        Ok(())
    }

    /// The socket's own address. A socket that was not bound when wrapped gets its port from
    /// the system on first use, so the address is looked up again while the port is 0.
    pub fn local_addr(&self) -> BioAddr {
        let bound = *self.bound.lock().unwrap_or_else(|e| e.into_inner());
        if bound.port() == Some(0) && self.refresh_bound().is_ok() {
            return *self.bound.lock().unwrap_or_else(|e| e.into_inner());
        }
        bound
    }

    /// The address family of the socket (`AF_INET` or `AF_INET6`).
    pub fn family(&self) -> i32 {
        self.family
    }

    /// Whether the socket is connected to its peer.
    pub fn is_connected(&self) -> bool {
        self.lock_peer().connected
    }

    /// Chooses how batches are handed to the system.
    pub fn set_batching(&self, batching: Batching) {
        self.batched
            .store(batching == Batching::Mmsg, Ordering::Relaxed);
    }

    /// How batches are handed to the system.
    pub fn batching(&self) -> Batching {
        if self.batched.load(Ordering::Relaxed) {
            Batching::Mmsg
        } else {
            Batching::PerDatagram
        }
    }

    /// Turns segmentation offload on (where the system has it) or off. Off, segmented messages
    /// are sent as separate datagrams, as after the system refused offload.
    pub fn set_gso(&self, on: bool) -> Result<(), BioError> {
        if on && !sys::gso_supported(self.as_raw_fd()) {
            return Err(BioError::Unsupported("segmentation offload"));
        }
        self.gso.store(on, Ordering::Relaxed);
        Ok(())
    }

    /// Whether segmented messages go to the system whole.
    pub fn gso_enabled(&self) -> bool {
        self.gso.load(Ordering::Relaxed)
    }

    /// The underlying socket, for options this BIO does not wrap.
    pub fn socket(&self) -> &Socket {
        self.handle.socket()
    }

    /// Per-datagram IP and UDP header overhead for the current peer
    /// (`BIO_CTRL_DGRAM_GET_MTU_OVERHEAD`).
    pub fn mtu_overhead(&self) -> usize {
        match self.peer() {
            Some(BioAddr::V6(a)) if a.ip().to_ipv4_mapped().is_none() => OVERHEAD_V6,
            _ => OVERHEAD_V4,
        }
    }

    /// The smallest MTU every path must carry, less header overhead
    /// (`BIO_CTRL_DGRAM_GET_FALLBACK_MTU`): 548 for IPv4, 1232 for IPv6.
    pub fn fallback_mtu(&self) -> usize {
        match self.mtu_overhead() {
            OVERHEAD_V6 => 1280 - OVERHEAD_V6,
            _ => 576 - OVERHEAD_V4,
        }
    }

    fn lock_peer(&self) -> std::sync::MutexGuard<'_, PeerState> {
        self.peer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refresh_bound(&self) -> Result<(), BioError> {
        let local = self.handle.socket().local_addr()?;
        if let Some(a) = local.as_socket() {
            *self.bound.lock().unwrap_or_else(|e| e.into_inner()) = a.into();
        }
        Ok(())
    }

    fn max_payload(&self) -> usize {
        if self.family == libc::AF_INET6 {
            MAX_UDP_PAYLOAD_V6
        } else {
            MAX_UDP_PAYLOAD_V4
        }
    }

    /// Converts an address to one the socket's family can send to: IPv4 peers of an IPv6
    /// socket are mapped into IPv6.
    fn map_to_family(&self, addr: BioAddr) -> Result<SocketAddr, BioError> {
        match (addr, self.family) {
            (BioAddr::V4(a), libc::AF_INET) => Ok(SocketAddr::V4(a)),
            (BioAddr::V6(a), libc::AF_INET6) => Ok(SocketAddr::V6(a)),
            (BioAddr::V4(a), libc::AF_INET6) => Ok(SocketAddr::V6(SocketAddrV6::new(
                a.ip().to_ipv6_mapped(),
                a.port(),
                0,
                0,
            ))),
            _ => Err(BioError::AddrFamilyMismatch),
        }
    }

    /// Checks a source address against the socket: same family, and the bound port if any.
    fn source_ip(&self, local: &BioAddr, bound: &BioAddr) -> Result<IpAddr, BioError> {
        if !self.local_addr_enabled.load(Ordering::Relaxed) {
            return Err(BioError::LocalAddrNotAvailable);
        }
        let mapped = self.map_to_family(*local)?;
        let bound_port = bound.port().unwrap_or(0);
        if mapped.port() != 0 && mapped.port() != bound_port {
            return Err(BioError::LocalAddrNotAvailable);
        }
        Ok(mapped.ip())
    }

    fn resolve<'a>(
        &self,
        msg: &SendMsg<'a>,
        peer: &PeerState,
        bound: &BioAddr,
    ) -> Result<Outgoing<'a>, BioError> {
        msg.check_flags()?;
        if msg.data.len() > self.max_payload() {
            return Err(BioError::DatagramTooLarge {
                len: msg.data.len(),
                max: self.max_payload(),
            });
        }
        let dest = if peer.connected {
            None
        } else {
            let target = msg.peer.or(peer.addr).ok_or(BioError::NoPeerAddr)?;
            Some(self.map_to_family(target)?)
        };
        let src = match &msg.local {
            Some(local) => Some(self.source_ip(local, bound)?),
            None => None,
        };
        let segment = match msg.split_size()? {
            Some(size) => Some(
                u16::try_from(size)
                    .map_err(|_| BioError::InvalidArgument("segment size above 65535"))?,
            ),
            None => None,
        };
        Ok(Outgoing {
            data: msg.data,
            dest,
            src,
            segment,
            ecn: if self.ecn.load(Ordering::Relaxed) {
                msg.ecn
            } else {
                0
            },
            family: self.family,
        })
    }
}

impl DatagramBio for UdpBio {
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError> {
        let peer = *self.lock_peer();
        let bound = if msgs.iter().any(|m| m.local.is_some()) {
            self.local_addr()
        } else {
            BioAddr::Unspec
        };
        sys::send(
            self.as_raw_fd(),
            msgs.len(),
            self.batched.load(Ordering::Relaxed),
            &self.gso,
            |i| self.resolve(&msgs[i], &peer, &bound),
        )
    }

    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError> {
        if msgs.is_empty() {
            return Ok(0);
        }
        if msgs.iter().any(|m| m.local.is_some())
            && !self.local_addr_enabled.load(Ordering::Relaxed)
        {
            return Err(BioError::LocalAddrNotAvailable);
        }
        // The bound address only completes destination addresses, so skip it when none is asked.
        let bound = if msgs.iter().any(|m| m.local.is_some()) {
            self.local_addr()
        } else {
            BioAddr::Unspec
        };
        sys::recv(
            self.as_raw_fd(),
            msgs,
            self.batched.load(Ordering::Relaxed),
            self.family,
            &bound,
            self.gro.load(Ordering::Relaxed),
            self.ecn.load(Ordering::Relaxed),
        )
    }

    fn write(&self, data: &[u8]) -> Result<usize, BioError> {
        self.send_mmsg(&[SendMsg::new(data)])?;
        Ok(data.len())
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, BioError> {
        let mut msg = [RecvMsg::new(buf)];
        self.recv_mmsg(&mut msg)?;
        let mut peer = self.lock_peer();
        if !peer.connected {
            peer.addr = Some(msg[0].peer);
        }
        Ok(msg[0].len)
    }

    fn peer(&self) -> Option<BioAddr> {
        self.lock_peer().addr
    }

    /// Sets the peer for messages that name none. A connected socket keeps sending to the
    /// peer it is connected to, as in OpenSSL.
    fn set_peer(&self, peer: BioAddr) -> Result<(), BioError> {
        self.map_to_family(peer)?;
        self.lock_peer().addr = Some(peer);
        Ok(())
    }

    fn mtu(&self) -> usize {
        self.mtu.load(Ordering::Relaxed)
    }

    fn set_mtu(&self, mtu: usize) -> Result<(), BioError> {
        self.mtu.store(mtu, Ordering::Relaxed);
        Ok(())
    }

    /// Reads the path MTU of a connected socket from the system, less IP and UDP headers.
    fn query_mtu(&self) -> Result<usize, BioError> {
        let overhead = if self.family == libc::AF_INET6 {
            OVERHEAD_V6
        } else {
            OVERHEAD_V4
        };
        let mtu = sys::path_mtu(self.as_raw_fd(), self.family)?.saturating_sub(overhead);
        self.mtu.store(mtu, Ordering::Relaxed);
        Ok(mtu)
    }

    fn effective_caps(&self) -> DgramCaps {
        DgramCaps::all()
    }

    fn local_addr_cap(&self) -> bool {
        true
    }

    fn set_local_addr_enable(&self, enable: bool) -> Result<(), BioError> {
        if self.local_addr_enabled.load(Ordering::Relaxed) != enable {
            sys::set_recv_pktinfo(self.as_raw_fd(), self.family, enable)?;
            self.local_addr_enabled.store(enable, Ordering::Relaxed);
        }
        Ok(())
    }

    fn local_addr_enabled(&self) -> bool {
        self.local_addr_enabled.load(Ordering::Relaxed)
    }

    fn gso_max_segments(&self) -> usize {
        if self.gso.load(Ordering::Relaxed) {
            MAX_SEGMENTS
        } else {
            1
        }
    }

    /// Turns `UDP_GRO` on or off (Linux 5.0 and later; elsewhere it cannot be turned on).
    fn set_gro(&self, on: bool) -> Result<(), BioError> {
        if self.gro.load(Ordering::Relaxed) != on {
            sys::set_gro(self.as_raw_fd(), on)?;
            self.gro.store(on, Ordering::Relaxed);
        }
        Ok(())
    }

    fn gro_enabled(&self) -> bool {
        self.gro.load(Ordering::Relaxed)
    }

    fn set_ecn(&self, on: bool) -> Result<(), BioError> {
        if self.ecn.load(Ordering::Relaxed) != on {
            sys::set_recv_ecn(self.as_raw_fd(), self.family, on)?;
            self.ecn.store(on, Ordering::Relaxed);
        }
        Ok(())
    }

    fn ecn_enabled(&self) -> bool {
        self.ecn.load(Ordering::Relaxed)
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::SockFd(self.as_raw_fd())
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::SockFd(self.as_raw_fd())
    }

    fn is_blocking(&self) -> bool {
        !self.handle.socket().nonblocking().unwrap_or(true)
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), BioError> {
        Ok(self.handle.socket().set_nonblocking(nonblocking)?)
    }
}

impl AsRawFd for UdpBio {
    fn as_raw_fd(&self) -> RawFd {
        self.handle.socket().as_raw_fd()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    /// Without UDP checksums Linux refuses segmentation with `EINVAL`: the BIO turns offload
    /// off and sends the refused batch as separate datagrams.
    #[test]
    fn refused_gso_falls_back_without_losing_the_batch() {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let tx = UdpBio::bind(any).unwrap();
        let rx = UdpBio::bind(any).unwrap();
        if tx.gso_max_segments() == 1 {
            return; // No offload on this system: nothing to refuse.
        }
        sys::set_no_check(tx.as_raw_fd(), true).unwrap();
        let payload: Vec<u8> = (0..5000u32).map(|i| (i % 249) as u8).collect();
        let to = rx.local_addr();
        let msgs = [
            SendMsg::new(&payload).segment_size(1000).to(to),
            SendMsg::new(b"tail").to(to),
        ];
        assert_eq!(tx.send_mmsg(&msgs).unwrap(), 2, "the whole batch went out");
        assert_eq!(tx.gso_max_segments(), 1, "offload is off after the refusal");
        assert!(!tx.gso_enabled());

        let mut want: Vec<&[u8]> = payload.chunks(1000).collect();
        want.push(b"tail");
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while got.len() < want.len() && std::time::Instant::now() < deadline {
            let mut buf = [0u8; 2000];
            match rx.read(&mut buf) {
                Ok(n) => got.push(buf[..n].to_vec()),
                Err(e) if e.is_non_fatal() => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                Err(e) => panic!("receive failed: {e}"),
            }
        }
        assert_eq!(got, want);
    }
}
