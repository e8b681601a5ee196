//! ALPN protocol lists in OpenSSL's wire format: each name preceded by its length byte.

use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// Splits a wire-format list into names. An empty list is valid (it clears ALPN); a zero-length
/// name or a length byte running past the end is not, and fails with
/// `ERR_R_PASSED_INVALID_ARGUMENT` on the queue.
#[track_caller]
pub(crate) fn parse_wire(wire: &[u8]) -> Result<Vec<Vec<u8>>, SslError> {
    let mut names = Vec::new();
    let mut rest = wire;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        if len == 0 || tail.len() < len {
            return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("invalid ALPN protocol list")
                .raise());
        }
        let (name, after) = tail.split_at(len);
        names.push(name.to_vec());
        rest = after;
    }
    Ok(names)
}

/// The wire form of a list of names (each at most 255 bytes, as [`parse_wire`] produces).
pub(crate) fn to_wire(names: &[Vec<u8>]) -> Vec<u8> {
    let mut wire = Vec::new();
    for name in names {
        wire.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        wire.extend_from_slice(name);
    }
    wire
}
