//! The preferred_address value (RFC 9000 §18.2, Figure 22).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use crate::cid::ConnectionId;
use crate::coding::{BufferTooSmall, Reader, Truncated, Writer};
use crate::error::TransportError;

/// Bytes of a preferred_address value besides the connection ID: addresses, ports, the
/// connection ID length and the reset token.
const FIXED_LEN: usize = 4 + 2 + 16 + 2 + 1 + 16;

/// A server's preferred address: where the client may migrate after the handshake, with a
/// connection ID (sequence number 1) and its stateless reset token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreferredAddress {
    /// The IPv4 address and port, or `None` if not offered (sent as `0.0.0.0:0`).
    pub ipv4: Option<SocketAddrV4>,
    /// The IPv6 address and port, or `None` if not offered (sent as `[::]:0`). Flow label and
    /// scope ID are not carried: they are ignored when writing and 0 when read.
    pub ipv6: Option<SocketAddrV6>,
    /// The connection ID to use at the preferred address; must not be empty.
    pub connection_id: ConnectionId,
    /// The stateless reset token for `connection_id`.
    pub stateless_reset_token: [u8; 16],
}

impl PreferredAddress {
    /// Bytes of the encoded value.
    pub(super) fn encoded_len(&self) -> usize {
        FIXED_LEN + self.connection_id.len()
    }

    /// Writes the value.
    pub(super) fn write(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let v4 = self
            .ipv4
            .unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
        w.put_slice(&v4.ip().octets())?;
        w.put_u16(v4.port())?;
        let v6 = self
            .ipv6
            .unwrap_or(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0));
        w.put_slice(&v6.ip().octets())?;
        w.put_u16(v6.port())?;
        // A connection ID is at most 20 bytes, so its length fits a byte.
        w.put_u8(self.connection_id.len() as u8)?;
        w.put_slice(&self.connection_id)?;
        w.put_slice(&self.stateless_reset_token)
    }

    /// Parses a whole preferred_address value. An all-zero address and port reads as `None`.
    /// The empty connection ID is accepted here and refused by validation.
    pub(super) fn decode(value: &[u8]) -> Result<Self, TransportError> {
        const MALFORMED: &str = "malformed preferred_address";
        let mut r = Reader::new(value);
        let pa = Self::read(&mut r)
            .map_err(|_| TransportError::transport_parameter(MALFORMED))?
            .ok_or(TransportError::transport_parameter(
                "preferred_address connection ID longer than 20 bytes",
            ))?;
        if !r.is_empty() {
            return Err(TransportError::transport_parameter(MALFORMED));
        }
        Ok(pa)
    }

    /// Reads the fields; `None` inside `Ok` if the connection ID is longer than 20 bytes.
    fn read(r: &mut Reader<'_>) -> Result<Option<Self>, Truncated> {
        let ip4 = Ipv4Addr::from(r.array::<4>()?);
        let port4 = r.u16()?;
        let ip6 = Ipv6Addr::from(r.array::<16>()?);
        let port6 = r.u16()?;
        let Some(connection_id) = ConnectionId::read_with_len(r)? else {
            return Ok(None);
        };
        let stateless_reset_token = r.array()?;
        let offered4 = !ip4.is_unspecified() || port4 != 0;
        let offered6 = !ip6.is_unspecified() || port6 != 0;
        Ok(Some(PreferredAddress {
            ipv4: offered4.then(|| SocketAddrV4::new(ip4, port4)),
            ipv6: offered6.then(|| SocketAddrV6::new(ip6, port6, 0, 0)),
            connection_id,
            stateless_reset_token,
        }))
    }
}
