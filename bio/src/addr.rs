//! Network addresses (OpenSSL's `BIO_ADDR`).
//!
//! A [`BioAddr`] is a plain value: unspecified, IPv4, IPv6 (with flow information and scope id) or
//! a Unix-domain path. It converts to and from [`std::net::SocketAddr`] and offers the raw
//! accessors OpenSSL has, with the same byte orders: raw addresses are in network order, and the
//! raw port is the `u16` whose in-memory bytes are the port in network order (what `htons`
//! returns).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::BioError;

/// Longest Unix-domain socket path, in bytes (the size of `sun_path`).
pub const UNIX_PATH_MAX: usize = 108;

/// Address family numbers as the C library defines them.
pub mod family {
    /// `AF_UNSPEC`.
    pub const UNSPEC: i32 = libc::AF_UNSPEC;
    /// `AF_INET`.
    pub const INET: i32 = libc::AF_INET;
    /// `AF_INET6`.
    pub const INET6: i32 = libc::AF_INET6;
    /// `AF_UNIX`.
    pub const UNIX: i32 = libc::AF_UNIX;
}

/// A Unix-domain socket path, stored inline so that [`BioAddr`] stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnixPath {
    len: u8,
    bytes: [u8; UNIX_PATH_MAX],
}

impl UnixPath {
    /// A path from its bytes; fails if it is longer than [`UNIX_PATH_MAX`] or contains a NUL.
    pub fn new(path: &[u8]) -> Result<Self, BioError> {
        if path.len() > UNIX_PATH_MAX {
            return Err(BioError::InvalidArgument("unix path too long"));
        }
        if path.contains(&0) {
            return Err(BioError::InvalidArgument("unix path contains a NUL byte"));
        }
        let mut bytes = [0; UNIX_PATH_MAX];
        bytes[..path.len()].copy_from_slice(path);
        Ok(UnixPath {
            // The length check above keeps this within u8.
            len: path.len() as u8,
            bytes,
        })
    }

    /// The path's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for UnixPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// A socket address of any family a BIO handles.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BioAddr {
    /// No address (`AF_UNSPEC`): what a cleared `BIO_ADDR` holds.
    #[default]
    Unspec,
    /// An IPv4 address and port.
    V4(SocketAddrV4),
    /// An IPv6 address and port, with flow information and scope id.
    V6(SocketAddrV6),
    /// A Unix-domain socket path.
    Unix(UnixPath),
}

/// The raw bytes of an address, as `BIO_ADDR_rawaddress` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawAddress<'a> {
    /// Four bytes in network order.
    V4([u8; 4]),
    /// Sixteen bytes in network order.
    V6([u8; 16]),
    /// A Unix path's bytes.
    Path(&'a [u8]),
}

impl AsRef<[u8]> for RawAddress<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            RawAddress::V4(b) => b,
            RawAddress::V6(b) => b,
            RawAddress::Path(p) => p,
        }
    }
}

impl BioAddr {
    /// Builds an address from raw parts, as `BIO_ADDR_rawmake`: `family` is `AF_INET`,
    /// `AF_INET6` or `AF_UNIX`; `raw` holds 4 or 16 address bytes in network order, or a path;
    /// `raw_port` is the port in network byte order (ignored for Unix paths).
    pub fn from_raw(family: i32, raw: &[u8], raw_port: u16) -> Result<Self, BioError> {
        let port = u16::from_be(raw_port);
        match family {
            family::INET => {
                let octets: [u8; 4] = raw
                    .try_into()
                    .map_err(|_| BioError::InvalidArgument("IPv4 address must be 4 bytes"))?;
                Ok(BioAddr::V4(SocketAddrV4::new(Ipv4Addr::from(octets), port)))
            }
            family::INET6 => {
                let octets: [u8; 16] = raw
                    .try_into()
                    .map_err(|_| BioError::InvalidArgument("IPv6 address must be 16 bytes"))?;
                Ok(BioAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(octets),
                    port,
                    0,
                    0,
                )))
            }
            family::UNIX => Ok(BioAddr::Unix(UnixPath::new(raw)?)),
            _ => Err(BioError::AddrFamilyMismatch),
        }
    }

    /// A Unix-domain address for `path`.
    pub fn unix(path: &[u8]) -> Result<Self, BioError> {
        Ok(BioAddr::Unix(UnixPath::new(path)?))
    }

    /// The address family (`AF_UNSPEC`, `AF_INET`, `AF_INET6` or `AF_UNIX`).
    pub fn family(&self) -> i32 {
        match self {
            BioAddr::Unspec => family::UNSPEC,
            BioAddr::V4(_) => family::INET,
            BioAddr::V6(_) => family::INET6,
            BioAddr::Unix(_) => family::UNIX,
        }
    }

    /// Whether the address is unspecified.
    pub fn is_unspec(&self) -> bool {
        matches!(self, BioAddr::Unspec)
    }

    /// The raw address bytes, or `None` for an unspecified address.
    pub fn raw_address(&self) -> Option<RawAddress<'_>> {
        match self {
            BioAddr::Unspec => None,
            BioAddr::V4(a) => Some(RawAddress::V4(a.ip().octets())),
            BioAddr::V6(a) => Some(RawAddress::V6(a.ip().octets())),
            BioAddr::Unix(p) => Some(RawAddress::Path(p.as_bytes())),
        }
    }

    /// The port in network byte order, as `BIO_ADDR_rawport` returns it (0 where there is none).
    pub fn raw_port(&self) -> u16 {
        self.port().unwrap_or(0).to_be()
    }

    /// The port in host byte order, for IP addresses.
    pub fn port(&self) -> Option<u16> {
        match self {
            BioAddr::V4(a) => Some(a.port()),
            BioAddr::V6(a) => Some(a.port()),
            _ => None,
        }
    }

    /// The IP address, for IP addresses.
    pub fn ip(&self) -> Option<IpAddr> {
        self.socket_addr().map(|a| a.ip())
    }

    /// IPv6 flow information (0 for other families).
    pub fn flowinfo(&self) -> u32 {
        match self {
            BioAddr::V6(a) => a.flowinfo(),
            _ => 0,
        }
    }

    /// IPv6 scope id (0 for other families).
    pub fn scope_id(&self) -> u32 {
        match self {
            BioAddr::V6(a) => a.scope_id(),
            _ => 0,
        }
    }

    /// The address as a [`SocketAddr`], for IP addresses.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            BioAddr::V4(a) => Some(SocketAddr::V4(*a)),
            BioAddr::V6(a) => Some(SocketAddr::V6(*a)),
            _ => None,
        }
    }

    /// The numeric host string (`BIO_ADDR_hostname_string` with `numeric` set): dotted quad,
    /// IPv6 text, or the Unix path.
    pub fn host_string(&self) -> Option<String> {
        match self {
            BioAddr::Unspec => None,
            BioAddr::V4(a) => Some(a.ip().to_string()),
            BioAddr::V6(a) => Some(a.ip().to_string()),
            BioAddr::Unix(p) => Some(String::from_utf8_lossy(p.as_bytes()).into_owned()),
        }
    }

    /// The numeric service string (`BIO_ADDR_service_string` with `numeric` set): the port.
    pub fn service_string(&self) -> Option<String> {
        self.port().map(|p| p.to_string())
    }

    /// The Unix path (`BIO_ADDR_path_string`).
    pub fn path(&self) -> Option<&[u8]> {
        match self {
            BioAddr::Unix(p) => Some(p.as_bytes()),
            _ => None,
        }
    }
}

impl fmt::Debug for BioAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BioAddr::Unspec => f.write_str("Unspec"),
            BioAddr::V4(a) => write!(f, "{a}"),
            BioAddr::V6(a) => write!(f, "{a}"),
            BioAddr::Unix(p) => write!(f, "unix:{p:?}"),
        }
    }
}

impl fmt::Display for BioAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<SocketAddr> for BioAddr {
    fn from(addr: SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(a) => BioAddr::V4(a),
            SocketAddr::V6(a) => BioAddr::V6(a),
        }
    }
}

impl From<SocketAddrV4> for BioAddr {
    fn from(addr: SocketAddrV4) -> Self {
        BioAddr::V4(addr)
    }
}

impl From<SocketAddrV6> for BioAddr {
    fn from(addr: SocketAddrV6) -> Self {
        BioAddr::V6(addr)
    }
}

impl TryFrom<BioAddr> for SocketAddr {
    type Error = BioError;

    fn try_from(addr: BioAddr) -> Result<Self, BioError> {
        addr.socket_addr().ok_or(BioError::AddrFamilyMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_round_trip_v4() {
        let addr: SocketAddr = "192.0.2.7:4433".parse().unwrap();
        let bio = BioAddr::from(addr);
        assert_eq!(bio.family(), libc::AF_INET);
        let raw = bio.raw_address().unwrap();
        assert_eq!(raw.as_ref(), &[192, 0, 2, 7]);
        // The raw port's memory is big-endian, as htons gives it.
        assert_eq!(bio.raw_port().to_ne_bytes(), 4433u16.to_be_bytes());
        let back = BioAddr::from_raw(libc::AF_INET, raw.as_ref(), bio.raw_port()).unwrap();
        assert_eq!(back, bio);
        assert_eq!(SocketAddr::try_from(back).unwrap(), addr);
    }

    #[test]
    fn v6_keeps_flowinfo_and_scope() {
        let a = SocketAddrV6::new("fe80::1".parse().unwrap(), 443, 0x12345, 3);
        let bio = BioAddr::from(a);
        assert_eq!(bio.family(), libc::AF_INET6);
        assert_eq!(bio.flowinfo(), 0x12345);
        assert_eq!(bio.scope_id(), 3);
        assert_eq!(SocketAddr::try_from(bio).unwrap(), SocketAddr::V6(a));
        assert_eq!(bio.host_string().unwrap(), "fe80::1");
        assert_eq!(bio.service_string().unwrap(), "443");
    }

    #[test]
    fn unix_paths() {
        let bio = BioAddr::unix(b"/tmp/sock").unwrap();
        assert_eq!(bio.family(), libc::AF_UNIX);
        assert_eq!(bio.path().unwrap(), b"/tmp/sock");
        assert_eq!(bio.raw_port(), 0);
        assert_eq!(SocketAddr::try_from(bio), Err(BioError::AddrFamilyMismatch));
        assert!(BioAddr::unix(&[b'a'; UNIX_PATH_MAX + 1]).is_err());
        assert!(BioAddr::unix(b"a\0b").is_err());
    }

    #[test]
    fn bad_raw_parts_are_rejected() {
        assert!(BioAddr::from_raw(libc::AF_INET, &[1, 2, 3], 0).is_err());
        assert!(BioAddr::from_raw(libc::AF_INET6, &[0; 4], 0).is_err());
        assert_eq!(
            BioAddr::from_raw(12345, &[0; 4], 0),
            Err(BioError::AddrFamilyMismatch)
        );
        assert!(BioAddr::default().is_unspec());
        assert!(BioAddr::default().raw_address().is_none());
    }
}
