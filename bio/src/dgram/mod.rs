//! Datagram BIOs: the interface the QUIC layers send and receive through, and its
//! implementations (UDP socket, datagram pair, datagram memory).
//!
//! Batched I/O follows `BIO_sendmmsg`/`BIO_recvmmsg`: a call processes some prefix of the
//! messages and says how many; `Ok(0)` is never returned for a non-empty batch; a failure on the
//! first message is an error, a failure after some succeeded ends the batch early with the count
//! so far. The batched calls take `&self` and keep no hidden retry state, so several threads may
//! send and receive on one BIO at once; whether to retry is told by
//! [`BioError::is_non_fatal`](crate::BioError::is_non_fatal).
//!
//! A message with a segment size ([`SendMsg::segment_size`]) stands for several datagrams and is
//! sent, or not, as a whole by every BIO: a UDP socket with segmentation offload hands it to the
//! system in one piece, the other BIOs split it into separate datagrams.

mod msg;
mod pair;
mod queue;
mod udp;

pub use msg::{MAX_SEGMENTS, MSG_FLAGS_KNOWN, RecvMsg, SendMsg};
pub use pair::{DEFAULT_BUF_LEN, DEFAULT_MTU, DgramMem, DgramPairEnd, MIN_BUF_LEN, new_dgram_pair};
pub use udp::{Batching, UdpBio};

use std::fmt;

use bitflags::bitflags;

use crate::addr::BioAddr;
use crate::error::BioError;
use crate::poll::PollDescriptor;

bitflags! {
    /// Capabilities one user of a datagram pair declares to the other (`BIO_DGRAM_CAP_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DgramCaps: u32 {
        /// The user honours source addresses attached to datagrams it reads.
        const HANDLES_SRC_ADDR = 1;
        /// The user honours destination addresses attached to datagrams it reads.
        const HANDLES_DST_ADDR = 2;
        /// The user attaches source addresses to datagrams it writes.
        const PROVIDES_SRC_ADDR = 4;
        /// The user attaches destination addresses to datagrams it writes.
        const PROVIDES_DST_ADDR = 8;
    }
}

/// A BIO with datagram semantics.
///
/// Only the batched calls are required; the controls have defaults that report the feature as
/// absent, as OpenSSL does for a BIO that does not handle a control.
pub trait DatagramBio: Send + Sync + fmt::Debug {
    /// Sends a prefix of `msgs`, returning how many were sent.
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError>;

    /// Receives into a prefix of `msgs`, returning how many were filled.
    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError>;

    /// Sends one datagram to the BIO's peer (`BIO_write`). An empty write to a memory BIO does
    /// nothing, as in OpenSSL; a UDP BIO sends an empty datagram.
    fn write(&self, data: &[u8]) -> Result<usize, BioError> {
        if data.is_empty() {
            return Ok(0);
        }
        self.send_mmsg(&[SendMsg::new(data)])?;
        Ok(data.len())
    }

    /// Receives one datagram (`BIO_read`), truncating it to `buf` unless no-truncation mode is
    /// on.
    fn read(&self, buf: &mut [u8]) -> Result<usize, BioError> {
        let mut msg = [RecvMsg::new(buf)];
        self.recv_mmsg(&mut msg)?;
        Ok(msg[0].len)
    }

    /// The peer datagrams go to when a message names none.
    fn peer(&self) -> Option<BioAddr> {
        None
    }

    /// Sets the peer for messages that name none (`BIO_dgram_set_peer`).
    fn set_peer(&self, _peer: BioAddr) -> Result<(), BioError> {
        Err(BioError::Unsupported("peer address"))
    }

    /// The configured MTU in bytes of datagram payload, or 0 if none is known.
    fn mtu(&self) -> usize {
        0
    }

    /// Sets the MTU (`BIO_dgram_set_mtu`).
    fn set_mtu(&self, _mtu: usize) -> Result<(), BioError> {
        Err(BioError::Unsupported("MTU"))
    }

    /// Asks the system for the path MTU and stores it (`BIO_CTRL_DGRAM_QUERY_MTU`).
    fn query_mtu(&self) -> Result<usize, BioError> {
        match self.mtu() {
            0 => Err(BioError::Unsupported("MTU query")),
            mtu => Ok(mtu),
        }
    }

    /// Whether no-truncation mode is on.
    fn no_trunc(&self) -> bool {
        false
    }

    /// Turns no-truncation mode on or off: when on, a datagram too large for the read buffer
    /// fails the read and stays queued instead of being truncated.
    fn set_no_trunc(&self, _on: bool) -> Result<(), BioError> {
        Err(BioError::Unsupported("no-truncation mode"))
    }

    /// The capabilities this BIO's user declared (`BIO_dgram_get_caps`).
    fn caps(&self) -> DgramCaps {
        DgramCaps::empty()
    }

    /// Declares this user's capabilities to the other end (`BIO_dgram_set_caps`).
    fn set_caps(&self, _caps: DgramCaps) -> Result<(), BioError> {
        Err(BioError::Unsupported("capability negotiation"))
    }

    /// The capabilities that apply to this BIO, as declared by the other end
    /// (`BIO_dgram_get_effective_caps`).
    fn effective_caps(&self) -> DgramCaps {
        DgramCaps::empty()
    }

    /// Whether the BIO can support local addresses (`BIO_dgram_get_local_addr_cap`).
    fn local_addr_cap(&self) -> bool {
        false
    }

    /// Turns local-address support on or off (`BIO_dgram_set_local_addr_enable`).
    fn set_local_addr_enable(&self, enable: bool) -> Result<(), BioError> {
        if enable {
            Err(BioError::LocalAddrNotAvailable)
        } else {
            Ok(())
        }
    }

    /// Whether local-address support is on.
    fn local_addr_enabled(&self) -> bool {
        false
    }

    /// Sets the source address given to datagrams written without one, `None` to clear it
    /// (`BIO_dgram_set0_local_addr`): the reading end sees it as their peer address. Only the
    /// in-memory datagram BIOs have one.
    fn set_local_addr(&self, _addr: Option<BioAddr>) -> Result<(), BioError> {
        Err(BioError::Unsupported("a default source address"))
    }

    /// How many datagrams of a segmented message ([`SendMsg::segment_size`]) the BIO hands to
    /// the system as one (generic segmentation offload, Linux's `UDP_SEGMENT`), at most
    /// [`MAX_SEGMENTS`]; 1 if it sends them one by one. Segmented messages work either way;
    /// callers use this to decide whether building them is worth it.
    fn gso_max_segments(&self) -> usize {
        1
    }

    /// Turns generic receive offload on or off (Linux's `UDP_GRO`): the system may then put
    /// several datagrams of one size from one sender into one receive buffer and report the
    /// size in [`RecvMsg::segment_size`]. Receive buffers should then hold 64 KiB, or coalesced
    /// datagrams are truncated. BIOs without it fail to turn it on.
    fn set_gro(&self, on: bool) -> Result<(), BioError> {
        if on {
            Err(BioError::Unsupported("receive offload"))
        } else {
            Ok(())
        }
    }

    /// Whether generic receive offload is on.
    fn gro_enabled(&self) -> bool {
        false
    }

    /// Turns ECN on or off: with it on, a UDP socket reports each datagram's ECN codepoint
    /// in [`RecvMsg::ecn`] (`IP_RECVTOS`, `IPV6_RECVTCLASS`), and [`SendMsg::ecn`] marks the
    /// datagrams sent (`IP_TOS`, `IPV6_TCLASS` control messages). BIOs without it fail to
    /// turn it on, and send unmarked.
    fn set_ecn(&self, on: bool) -> Result<(), BioError> {
        if on {
            Err(BioError::Unsupported("ECN"))
        } else {
            Ok(())
        }
    }

    /// Whether ECN is on.
    fn ecn_enabled(&self) -> bool {
        false
    }

    /// The descriptor to wait on for readability; [`PollDescriptor::None`] if not pollable.
    fn rpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::None
    }

    /// The descriptor to wait on for writability; [`PollDescriptor::None`] if not pollable.
    fn wpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::None
    }

    /// Size of the next datagram waiting to be read, or 0 (`BIO_ctrl_pending`).
    fn pending(&self) -> usize {
        0
    }

    /// Bytes written but not yet handed on (`BIO_ctrl_wpending`).
    fn wpending(&self) -> usize {
        0
    }

    /// The largest datagram the next write is sure to accept, or 0 if less than an MTU is free
    /// (`BIO_get_write_guarantee`). Unbounded BIOs report `usize::MAX`.
    fn write_guarantee(&self) -> usize {
        usize::MAX
    }

    /// Whether the BIO is at end of file.
    fn eof(&self) -> bool {
        false
    }

    /// Hands on anything written but held back; datagram BIOs hold nothing back.
    fn flush(&self) -> Result<(), BioError> {
        Ok(())
    }

    /// Whether calls may block (`BIO_get_nbio` negated).
    fn is_blocking(&self) -> bool {
        false
    }

    /// Sets blocking or non-blocking I/O (`BIO_set_nbio`).
    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), BioError> {
        if nonblocking {
            Ok(())
        } else {
            Err(BioError::Unsupported("blocking I/O"))
        }
    }
}
