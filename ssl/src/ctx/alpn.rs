//! ALPN protocol lists in OpenSSL's wire format: each name preceded by its length byte.

use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// The longest wire-format list: the ALPN extension's body is at most `0xFFFF` bytes, two of
/// which are the list's own length.
const MAX_WIRE_LEN: usize = 0xFFFF - 2;

/// A validated protocol list: the wire form as given and the names rustls takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlpnList {
    wire: Vec<u8>,
    names: Vec<Vec<u8>>,
}

impl AlpnList {
    /// Splits a wire-format list into names. An empty list is valid (it clears ALPN); a list
    /// longer than [`MAX_WIRE_LEN`], a zero-length name or a length byte running past the end
    /// is not, and fails with `ERR_R_PASSED_INVALID_ARGUMENT` on the queue.
    #[track_caller]
    pub(crate) fn parse(wire: &[u8]) -> Result<Self, SslError> {
        let invalid = || {
            Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("invalid ALPN protocol list")
                .raise())
        };
        if wire.len() > MAX_WIRE_LEN {
            return invalid();
        }
        let mut names = Vec::new();
        let mut rest = wire;
        while let Some((&len, tail)) = rest.split_first() {
            let len = usize::from(len);
            if len == 0 || tail.len() < len {
                return invalid();
            }
            let (name, after) = tail.split_at(len);
            names.push(name.to_vec());
            rest = after;
        }
        Ok(AlpnList {
            wire: wire.to_vec(),
            names,
        })
    }

    /// The list in wire format, as given.
    pub(crate) fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The protocol names, in order.
    pub(crate) fn names(&self) -> &[Vec<u8>] {
        &self.names
    }
}
