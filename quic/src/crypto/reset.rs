//! Stateless reset (RFC 9000 §10.3): tokens derived from a connection ID with a static key, the
//! packet that carries one, and its detection.

use ring::hmac;

use crate::cid::ConnectionId;
use crate::coding::BufferTooSmall;
use crate::packet::header::FIXED_BIT;

/// Length of a stateless reset token.
pub const RESET_TOKEN_LEN: usize = 16;

/// Smallest stateless reset: one header byte, at least four unpredictable bytes, the token.
const MIN_RESET_LEN: usize = 1 + 4 + RESET_TOKEN_LEN;

/// The static key stateless reset tokens are derived from: the same key gives the same token
/// for a connection ID, so an endpoint that lost its state can still reset the connection.
#[derive(Clone)]
pub struct ResetTokenKey(hmac::Key);

impl std::fmt::Debug for ResetTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetTokenKey(..)")
    }
}

impl ResetTokenKey {
    /// A key from secret bytes (at least 32 unpredictable bytes are advisable).
    pub fn new(secret: &[u8]) -> Self {
        ResetTokenKey(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// The token for connection ID `cid`: HMAC-SHA256 of the ID, truncated.
    pub fn token(&self, cid: &ConnectionId) -> [u8; RESET_TOKEN_LEN] {
        let tag = hmac::sign(&self.0, cid);
        let mut out = [0u8; RESET_TOKEN_LEN];
        out.copy_from_slice(&tag.as_ref()[..RESET_TOKEN_LEN]);
        out
    }
}

/// Whether `datagram` is a stateless reset carrying `token`: long enough, a short-header form,
/// and ending with the token (compared without early exit).
pub fn is_stateless_reset(datagram: &[u8], token: &[u8; RESET_TOKEN_LEN]) -> bool {
    if datagram.len() < MIN_RESET_LEN || datagram[0] & 0x80 != 0 {
        return false;
    }
    datagram[datagram.len() - RESET_TOKEN_LEN..]
        .iter()
        .zip(token)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Writes a stateless reset into `buf`: `unpredictable` supplies the bytes before the token
/// (at least 5; the first becomes the header byte with the short-header form and fixed bit).
/// Returns the packet's length.
pub fn write_stateless_reset(
    buf: &mut [u8],
    token: &[u8; RESET_TOKEN_LEN],
    unpredictable: &[u8],
) -> Result<usize, BufferTooSmall> {
    let len = unpredictable.len() + RESET_TOKEN_LEN;
    if unpredictable.len() < MIN_RESET_LEN - RESET_TOKEN_LEN || buf.len() < len {
        return Err(BufferTooSmall);
    }
    buf[..unpredictable.len()].copy_from_slice(unpredictable);
    buf[0] = (buf[0] & 0x3f) | FIXED_BIT;
    buf[unpredictable.len()..len].copy_from_slice(token);
    Ok(len)
}
