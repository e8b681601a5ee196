//! Messages for batched datagram I/O (OpenSSL's `BIO_MSG`).
//!
//! Both kinds are `#[non_exhaustive]`: build them with `new` and the builder methods, so that new
//! per-message fields (ECN marks) can be added without breaking callers.
//!
//! A [`SendMsg`] may carry a segment size: its payload is then several datagrams of that size
//! back to back, the last possibly shorter. Every BIO honours it: one that can hand the batch to
//! the system whole (a UDP socket with generic segmentation offload, see
//! [`DatagramBio::gso_max_segments`](super::DatagramBio::gso_max_segments)) does so, the others
//! split the payload into separate datagrams themselves. A [`RecvMsg`] reports a segment size
//! when the system coalesced several datagrams into its buffer (generic receive offload, see
//! [`DatagramBio::set_gro`](super::DatagramBio::set_gro)); [`RecvMsg::segments`] splits them.

use crate::addr::BioAddr;
use crate::error::BioError;

/// Per-message flags this crate understands (`BIO_MSG.flags`): none are defined yet.
pub const MSG_FLAGS_KNOWN: u64 = 0;

/// Most datagrams one segmented [`SendMsg`] may carry (Linux's `UDP_MAX_SEGMENTS`).
pub const MAX_SEGMENTS: usize = 64;

/// A datagram to send.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SendMsg<'a> {
    /// The datagram's payload.
    pub data: &'a [u8],
    /// Destination address; `None` sends to the BIO's peer (a connected socket's peer, or the
    /// peer set with `set_peer`). Ignored by a connected UDP socket, as in OpenSSL.
    pub peer: Option<BioAddr>,
    /// Source address to send from; needs local-address support enabled on the BIO.
    pub local: Option<BioAddr>,
    /// Per-message input flags; a flag outside [`MSG_FLAGS_KNOWN`] fails the message.
    pub flags: u64,
    /// `Some(n)`: `data` is several datagrams of `n` bytes back to back, the last possibly
    /// shorter. `n` must be at least 1 and `data` at most [`MAX_SEGMENTS`] datagrams long, or
    /// the message fails with [`BioError::InvalidArgument`].
    pub segment_size: Option<usize>,
    /// The ECN codepoint to mark the datagrams with (the low two bits of the IP TOS or
    /// traffic class byte: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE), where the BIO can.
    pub ecn: u8,
}

impl<'a> SendMsg<'a> {
    /// A datagram with no addresses attached.
    pub fn new(data: &'a [u8]) -> Self {
        SendMsg {
            data,
            peer: None,
            local: None,
            flags: 0,
            segment_size: None,
            ecn: 0,
        }
    }

    /// Fails if the message carries flags this crate does not know.
    pub(crate) fn check_flags(&self) -> Result<(), BioError> {
        if self.flags & !MSG_FLAGS_KNOWN != 0 {
            return Err(BioError::InvalidArgument("unknown message flags"));
        }
        Ok(())
    }

    /// The size of the datagrams the payload is cut into: the segment size if it splits the
    /// payload, `None` for a single datagram. Fails for a segment size of 0 or more than
    /// [`MAX_SEGMENTS`] datagrams.
    pub(crate) fn split_size(&self) -> Result<Option<usize>, BioError> {
        match self.segment_size {
            None => Ok(None),
            Some(0) => Err(BioError::InvalidArgument("segment size 0")),
            Some(n) if self.data.len() <= n => Ok(None),
            Some(n) if self.data.len().div_ceil(n) > MAX_SEGMENTS => {
                Err(BioError::InvalidArgument("more than 64 segments"))
            }
            Some(n) => Ok(Some(n)),
        }
    }

    /// The datagrams this message stands for: the segments of its payload, or the payload.
    /// Assumes [`split_size`](Self::split_size) succeeded.
    pub(crate) fn datagrams(&self) -> impl Iterator<Item = &'a [u8]> + Clone + use<'a> {
        split(self.data, self.segment_size)
    }

    /// Sets the destination address.
    pub fn to(mut self, peer: BioAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// Sets the source address.
    pub fn from(mut self, local: BioAddr) -> Self {
        self.local = Some(local);
        self
    }

    /// Marks the payload as datagrams of `size` bytes back to back, the last possibly shorter
    /// (sent with one system call where the BIO supports segmentation offload).
    pub fn segment_size(mut self, size: usize) -> Self {
        self.segment_size = Some(size);
        self
    }

    /// Marks the datagrams with ECN codepoint `ecn` (its low two bits).
    pub fn ecn(mut self, ecn: u8) -> Self {
        self.ecn = ecn & 0b11;
        self
    }
}

/// A buffer to receive a datagram into, and what was learned about it.
#[derive(Debug)]
#[non_exhaustive]
pub struct RecvMsg<'a> {
    /// Where the payload goes. A longer datagram is truncated to fit, or refused in
    /// no-truncation mode.
    pub buf: &'a mut [u8],
    /// Set on receipt: how many bytes of `buf` hold the datagram.
    pub len: usize,
    /// Set on receipt: the source address, or [`BioAddr::Unspec`] where the BIO has none.
    pub peer: BioAddr,
    /// `Some` asks for the destination address (needs local-address support enabled); set on
    /// receipt, to [`BioAddr::Unspec`] if the system did not report one.
    pub local: Option<BioAddr>,
    /// Set on receipt: per-message output flags (none are defined yet, so always 0).
    pub flags: u64,
    /// Set on receipt: `Some(n)` when the system coalesced several datagrams of `n` bytes (the
    /// last possibly shorter) into `buf` (receive offload is on), `None` for one datagram.
    pub segment_size: Option<usize>,
    /// Set on receipt: the datagram's ECN codepoint (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE)
    /// where ECN reception is on and the system reported it.
    pub ecn: Option<u8>,
}

impl<'a> RecvMsg<'a> {
    /// A receive buffer that does not ask for the destination address.
    pub fn new(buf: &'a mut [u8]) -> Self {
        RecvMsg {
            buf,
            len: 0,
            peer: BioAddr::Unspec,
            local: None,
            flags: 0,
            segment_size: None,
            ecn: None,
        }
    }

    /// Asks for the destination (local) address of the datagram.
    pub fn with_local(mut self) -> Self {
        self.local = Some(BioAddr::Unspec);
        self
    }

    /// The received payload.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.len.min(self.buf.len())]
    }

    /// The received datagrams: the payload cut at the reported segment size, or the payload
    /// as one datagram. An empty datagram yields one empty slice.
    pub fn segments(&self) -> impl Iterator<Item = &[u8]> + '_ {
        split(self.data(), self.segment_size)
    }
}

/// `data` cut into pieces of `size` bytes (the last possibly shorter), or whole without a size;
/// empty data is one empty piece.
fn split(data: &[u8], size: Option<usize>) -> impl Iterator<Item = &[u8]> + Clone {
    let size = match size {
        Some(n) if n > 0 => n,
        _ => data.len().max(1),
    };
    let empty = data.is_empty().then_some(data);
    data.chunks(size).chain(empty)
}
