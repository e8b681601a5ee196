//! Messages for batched datagram I/O (OpenSSL's `BIO_MSG`).
//!
//! Both kinds are `#[non_exhaustive]`: build them with `new` and the builder methods, so that new
//! per-message fields (segment size for GSO, ECN marks) can be added without breaking callers.

use crate::addr::BioAddr;
use crate::error::BioError;

/// Per-message flags this crate understands (`BIO_MSG.flags`): none are defined yet.
pub const MSG_FLAGS_KNOWN: u64 = 0;

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
}

impl<'a> SendMsg<'a> {
    /// A datagram with no addresses attached.
    pub fn new(data: &'a [u8]) -> Self {
        SendMsg {
            data,
            peer: None,
            local: None,
            flags: 0,
        }
    }

    /// Fails if the message carries flags this crate does not know.
    pub(crate) fn check_flags(&self) -> Result<(), BioError> {
        if self.flags & !MSG_FLAGS_KNOWN != 0 {
            return Err(BioError::InvalidArgument("unknown message flags"));
        }
        Ok(())
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
        }
    }

    /// Asks for the destination (local) address of the datagram.
    pub fn with_local(mut self) -> Self {
        self.local = Some(BioAddr::Unspec);
        self
    }

    /// The received payload.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
