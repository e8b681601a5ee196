//! Connection IDs (RFC 9000 §5.1): up to 20 bytes, stored inline.

use std::fmt;

use rand_core::Rng;

use crate::coding::{Reader, Truncated};

/// Longest connection ID QUIC version 1 and 2 allow.
pub const MAX_CID_LEN: usize = 20;

/// A connection ID of 0 to 20 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ConnectionId {
    len: u8,
    bytes: [u8; MAX_CID_LEN],
}

impl ConnectionId {
    /// The empty connection ID.
    pub const EMPTY: ConnectionId = ConnectionId {
        len: 0,
        bytes: [0; MAX_CID_LEN],
    };

    /// A connection ID from its bytes, or `None` if longer than 20 bytes.
    pub fn new(id: &[u8]) -> Option<Self> {
        if id.len() > MAX_CID_LEN {
            return None;
        }
        let mut bytes = [0; MAX_CID_LEN];
        bytes[..id.len()].copy_from_slice(id);
        Some(ConnectionId {
            len: id.len() as u8,
            bytes,
        })
    }

    /// An ID of `len` (at most 20) random bytes from `rng`.
    pub(crate) fn random(rng: &mut impl Rng, len: usize) -> Self {
        let len = len.min(MAX_CID_LEN);
        let mut bytes = [0; MAX_CID_LEN];
        rng.fill_bytes(&mut bytes[..len]);
        ConnectionId {
            len: len as u8,
            bytes,
        }
    }

    /// Reads a length byte and that many bytes; `None` inside `Ok` if the length exceeds 20.
    pub(crate) fn read_with_len(r: &mut Reader<'_>) -> Result<Option<Self>, Truncated> {
        let len = usize::from(r.u8()?);
        Ok(Self::new(r.bytes(len)?))
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the ID is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ID's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }
}

impl std::ops::Deref for ConnectionId {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        if self.is_empty() {
            f.write_str("<empty>")?;
        }
        Ok(())
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(ConnectionId::new(&[1; 20]).is_some());
        assert!(ConnectionId::new(&[1; 21]).is_none());
        let cid = ConnectionId::new(&[0x83, 0x94]).unwrap();
        assert_eq!(cid.len(), 2);
        assert_eq!(format!("{cid}"), "8394");
        assert!(ConnectionId::EMPTY.is_empty());
        let mut r = Reader::new(&[21, 0, 0]);
        assert_eq!(ConnectionId::read_with_len(&mut r), Err(Truncated));
        let long = [21u8; 22];
        let mut r = Reader::new(&long);
        assert_eq!(ConnectionId::read_with_len(&mut r), Ok(None));
    }
}
