//! Packet headers (RFC 9000 §17, RFC 9369 §3.2, RFC 8999): parsing received packets up to
//! their protected part, splitting coalesced packets, and writing headers to send.
//!
//! Parsing yields owned values and byte ranges into the packet rather than borrowed slices, so
//! the caller can go on to remove protection in place on the same buffer.

use std::ops::Range;

use crate::cid::ConnectionId;
use crate::coding::{BufferTooSmall, Reader, VarInt, Writer};
use crate::error::PacketError;
use crate::packet::PacketKind;
use crate::version::Version;

/// The header-form bit: set for long headers.
pub const LONG_HEADER: u8 = 0x80;
/// The fixed bit, set in every version 1 and 2 packet.
pub const FIXED_BIT: u8 = 0x40;
/// The spin bit of short headers.
pub const SPIN_BIT: u8 = 0x20;
/// The key-phase bit of short headers (protected).
pub const KEY_PHASE_BIT: u8 = 0x04;
/// Length of the Retry integrity tag.
pub const RETRY_TAG_LEN: usize = 16;
/// Bytes the Length field of a long header takes when this crate writes it.
pub const LENGTH_FIELD_LEN: usize = 2;
/// Largest Length a 2-byte field can hold.
const MAX_LENGTH_FIELD: usize = (1 << 14) - 1;

/// The long-header packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LongType {
    /// Initial.
    Initial,
    /// 0-RTT.
    ZeroRtt,
    /// Handshake.
    Handshake,
    /// Retry.
    Retry,
}

impl LongType {
    /// The two type bits for this type in `version` (version 2 permutes them).
    pub fn bits(self, version: Version) -> u8 {
        let v1 = match self {
            LongType::Initial => 0,
            LongType::ZeroRtt => 1,
            LongType::Handshake => 2,
            LongType::Retry => 3,
        };
        match version {
            Version::V1 => v1,
            Version::V2 => (v1 + 1) & 3,
        }
    }

    /// The type for the two type bits in `version`.
    pub fn from_bits(bits: u8, version: Version) -> Self {
        let v1 = match version {
            Version::V1 => bits & 3,
            Version::V2 => bits.wrapping_sub(1) & 3,
        };
        match v1 {
            0 => LongType::Initial,
            1 => LongType::ZeroRtt,
            2 => LongType::Handshake,
            _ => LongType::Retry,
        }
    }

    fn kind(self) -> Option<PacketKind> {
        match self {
            LongType::Initial => Some(PacketKind::Initial),
            LongType::ZeroRtt => Some(PacketKind::ZeroRtt),
            LongType::Handshake => Some(PacketKind::Handshake),
            LongType::Retry => None,
        }
    }
}

/// The header of a received packet whose payload is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedHeader {
    /// Which keys and packet-number space the packet belongs to.
    pub kind: PacketKind,
    /// The version, for long headers.
    pub version: Option<Version>,
    /// Destination connection ID.
    pub dcid: ConnectionId,
    /// Source connection ID (empty for short headers).
    pub scid: ConnectionId,
    /// The token of an Initial packet, as a range of the packet.
    pub token: Range<usize>,
    /// The spin bit of a short header.
    pub spin: bool,
    /// Where the (protected) packet number starts.
    pub pn_offset: usize,
    /// Length of the whole packet, header included.
    pub len: usize,
}

impl ProtectedHeader {
    /// Whether the packet has a long header.
    pub fn is_long(&self) -> bool {
        self.version.is_some()
    }
}

/// What the first look at a packet finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedHeader {
    /// A Version Negotiation packet: the versions are 4-byte values in `versions`.
    VersionNegotiation {
        /// Destination connection ID bytes (up to 255, RFC 8999).
        dcid: Range<usize>,
        /// Source connection ID bytes.
        scid: Range<usize>,
        /// The supported-versions list.
        versions: Range<usize>,
    },
    /// A long-header packet of a version this crate does not speak: enough to answer it with
    /// Version Negotiation.
    UnsupportedVersion {
        /// The version.
        version: u32,
        /// Destination connection ID bytes (up to 255, RFC 8999).
        dcid: Range<usize>,
        /// Source connection ID bytes.
        scid: Range<usize>,
    },
    /// A Retry packet.
    Retry {
        /// The version.
        version: Version,
        /// Destination connection ID.
        dcid: ConnectionId,
        /// Source connection ID (the server's new one).
        scid: ConnectionId,
        /// The Retry token.
        token: Range<usize>,
        /// The Retry integrity tag.
        tag: [u8; RETRY_TAG_LEN],
    },
    /// A packet with a protected payload.
    Protected(ProtectedHeader),
}

impl ParsedHeader {
    /// Parses the packet at the start of `datagram`, returning its header and its length.
    /// Packets other than Initial, 0-RTT and Handshake take the rest of the datagram.
    /// `short_dcid_len` is the length of this endpoint's connection IDs, which short headers do
    /// not encode.
    pub fn parse(datagram: &[u8], short_dcid_len: usize) -> Result<(Self, usize), PacketError> {
        let mut r = Reader::new(datagram);
        let first = r.u8()?;
        if first & LONG_HEADER == 0 {
            return parse_short(first, r, short_dcid_len);
        }
        let version = r.u32()?;
        let dcid = cid_range(&mut r)?;
        let scid = cid_range(&mut r)?;
        if version == 0 {
            let versions = r.position()..datagram.len();
            if versions.is_empty() || versions.len() % 4 != 0 {
                return Err(PacketError::Malformed("version list"));
            }
            return Ok((
                ParsedHeader::VersionNegotiation {
                    dcid,
                    scid,
                    versions,
                },
                datagram.len(),
            ));
        }
        let Some(version) = Version::from_wire(version) else {
            return Ok((
                ParsedHeader::UnsupportedVersion {
                    version,
                    dcid,
                    scid,
                },
                datagram.len(),
            ));
        };
        if first & FIXED_BIT == 0 {
            return Err(PacketError::Malformed("fixed bit is zero"));
        }
        let dcid = known_cid(&datagram[dcid])?;
        let scid = known_cid(&datagram[scid])?;
        let ty = LongType::from_bits((first >> 4) & 3, version);
        let Some(kind) = ty.kind() else {
            return parse_retry(version, dcid, scid, r, datagram.len());
        };
        let token = if kind == PacketKind::Initial {
            let len = r.varint_len()?;
            let start = r.position();
            r.bytes(len)?;
            start..start + len
        } else {
            0..0
        };
        let length = r.varint_len()?;
        let pn_offset = r.position();
        Ok((
            ParsedHeader::Protected(ProtectedHeader {
                kind,
                version: Some(version),
                dcid,
                scid,
                token,
                spin: false,
                pn_offset,
                len: pn_offset + length,
            }),
            pn_offset + length,
        ))
    }
}

fn parse_short(
    first: u8,
    mut r: Reader<'_>,
    dcid_len: usize,
) -> Result<(ParsedHeader, usize), PacketError> {
    if first & FIXED_BIT == 0 {
        return Err(PacketError::Malformed("fixed bit is zero"));
    }
    let dcid = ConnectionId::new(r.bytes(dcid_len)?)
        .ok_or(PacketError::Malformed("connection ID too long"))?;
    let pn_offset = r.position();
    let len = pn_offset + r.remaining();
    Ok((
        ParsedHeader::Protected(ProtectedHeader {
            kind: PacketKind::OneRtt,
            version: None,
            dcid,
            scid: ConnectionId::EMPTY,
            token: 0..0,
            spin: first & SPIN_BIT != 0,
            pn_offset,
            len,
        }),
        len,
    ))
}

fn parse_retry(
    version: Version,
    dcid: ConnectionId,
    scid: ConnectionId,
    mut r: Reader<'_>,
    len: usize,
) -> Result<(ParsedHeader, usize), PacketError> {
    if r.remaining() < RETRY_TAG_LEN {
        return Err(PacketError::Truncated);
    }
    let start = r.position();
    let end = len - RETRY_TAG_LEN;
    r.bytes(end - start)?;
    let tag = r.array::<RETRY_TAG_LEN>()?;
    Ok((
        ParsedHeader::Retry {
            version,
            dcid,
            scid,
            token: start..end,
            tag,
        },
        len,
    ))
}

/// A connection ID of any length up to 255 (RFC 8999), as a range of the packet.
fn cid_range(r: &mut Reader<'_>) -> Result<Range<usize>, PacketError> {
    let len = usize::from(r.u8()?);
    let start = r.position();
    r.bytes(len)?;
    Ok(start..start + len)
}

/// A connection ID of a version this crate speaks: at most 20 bytes.
fn known_cid(bytes: &[u8]) -> Result<ConnectionId, PacketError> {
    ConnectionId::new(bytes).ok_or(PacketError::Malformed("connection ID longer than 20 bytes"))
}

/// Iterates over the packets coalesced in one datagram, yielding each header with the range of
/// the datagram it occupies. Iteration stops after the first error, since the rest of the
/// datagram cannot be delimited.
#[derive(Debug, Clone)]
pub struct Coalesced<'a> {
    datagram: &'a [u8],
    pos: usize,
    short_dcid_len: usize,
    failed: bool,
}

impl<'a> Coalesced<'a> {
    /// Packets of `datagram`, with short headers carrying `short_dcid_len`-byte IDs.
    pub fn new(datagram: &'a [u8], short_dcid_len: usize) -> Self {
        Self::at(datagram, 0, short_dcid_len)
    }

    /// Packets of `datagram` starting at byte offset `pos`, as [`Coalesced::new`] would yield
    /// them after the packets before `pos`.
    pub fn at(datagram: &'a [u8], pos: usize, short_dcid_len: usize) -> Self {
        Coalesced {
            datagram,
            pos,
            short_dcid_len,
            failed: false,
        }
    }
}

impl Iterator for Coalesced<'_> {
    type Item = Result<(ParsedHeader, Range<usize>), PacketError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.datagram.len() {
            return None;
        }
        match ParsedHeader::parse(&self.datagram[self.pos..], self.short_dcid_len) {
            Ok((header, len)) => {
                let range = self.pos..self.pos + len;
                self.pos += len;
                Some(Ok((shift(header, range.start), range)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Moves a header's ranges from packet offsets to datagram offsets.
fn shift(header: ParsedHeader, by: usize) -> ParsedHeader {
    let mv = |r: Range<usize>| r.start + by..r.end + by;
    match header {
        ParsedHeader::VersionNegotiation {
            dcid,
            scid,
            versions,
        } => ParsedHeader::VersionNegotiation {
            dcid: mv(dcid),
            scid: mv(scid),
            versions: mv(versions),
        },
        ParsedHeader::UnsupportedVersion {
            version,
            dcid,
            scid,
        } => ParsedHeader::UnsupportedVersion {
            version,
            dcid: mv(dcid),
            scid: mv(scid),
        },
        ParsedHeader::Retry {
            version,
            dcid,
            scid,
            token,
            tag,
        } => ParsedHeader::Retry {
            version,
            dcid,
            scid,
            token: mv(token),
            tag,
        },
        ParsedHeader::Protected(mut h) => {
            h.token = mv(h.token);
            h.pn_offset += by;
            h.len += by;
            ParsedHeader::Protected(h)
        }
    }
}

/// The header of a packet to send.
#[derive(Debug, Clone, Copy)]
pub enum Header<'a> {
    /// An Initial, 0-RTT or Handshake packet.
    Long {
        /// Initial, ZeroRtt or Handshake (Retry has its own writer).
        ty: LongType,
        /// The version.
        version: Version,
        /// Destination connection ID.
        dcid: ConnectionId,
        /// Source connection ID.
        scid: ConnectionId,
        /// Token (Initial only; empty otherwise).
        token: &'a [u8],
    },
    /// A 1-RTT packet.
    Short {
        /// Destination connection ID.
        dcid: ConnectionId,
        /// The spin bit.
        spin: bool,
        /// The key phase.
        key_phase: bool,
    },
}

/// Where the parts of a written header are, for sealing the packet afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderLayout {
    /// Offset of the 2-byte Length field of a long header.
    pub length_offset: Option<usize>,
    /// Offset of the packet number.
    pub pn_offset: usize,
    /// Bytes of packet number.
    pub pn_len: usize,
}

impl HeaderLayout {
    /// Length of the header, packet number included: where the payload starts.
    pub fn header_len(&self) -> usize {
        self.pn_offset + self.pn_len
    }
}

impl Header<'_> {
    /// The kind of packet this header starts.
    pub fn kind(&self) -> PacketKind {
        match self {
            Header::Long { ty, .. } => ty.kind().unwrap_or(PacketKind::Initial),
            Header::Short { .. } => PacketKind::OneRtt,
        }
    }

    /// Exact length of the header with a `pn_len`-byte packet number.
    pub fn encoded_len(&self, pn_len: usize) -> usize {
        match self {
            Header::Long {
                ty,
                dcid,
                scid,
                token,
                ..
            } => {
                let token_len = if *ty == LongType::Initial {
                    VarInt::new(token.len() as u64).map_or(8, |v| v.size()) + token.len()
                } else {
                    0
                };
                1 + 4 + 1 + dcid.len() + 1 + scid.len() + token_len + LENGTH_FIELD_LEN + pn_len
            }
            Header::Short { dcid, .. } => 1 + dcid.len() + pn_len,
        }
    }

    /// Writes the header with packet number `pn` truncated to `pn_len` bytes (1-4). The Length
    /// field of a long header is left for [`seal`](crate::packet::protect::seal) to fill in.
    pub fn write(
        &self,
        w: &mut Writer<'_>,
        pn: u64,
        pn_len: usize,
    ) -> Result<HeaderLayout, BufferTooSmall> {
        if !(1..=4).contains(&pn_len) {
            return Err(BufferTooSmall);
        }
        let start = w.position();
        let pn_bits = (pn_len - 1) as u8;
        let length_offset = match self {
            Header::Long {
                ty,
                version,
                dcid,
                scid,
                token,
            } => {
                w.put_u8(LONG_HEADER | FIXED_BIT | (ty.bits(*version) << 4) | pn_bits)?;
                w.put_u32(version.wire())?;
                write_cid(w, dcid)?;
                write_cid(w, scid)?;
                if *ty == LongType::Initial {
                    w.put_varint_u64(token.len() as u64)?;
                    w.put_slice(token)?;
                }
                let at = w.position() - start;
                w.put_zeros(LENGTH_FIELD_LEN)?;
                Some(at)
            }
            Header::Short {
                dcid,
                spin,
                key_phase,
            } => {
                let mut first = FIXED_BIT | pn_bits;
                if *spin {
                    first |= SPIN_BIT;
                }
                if *key_phase {
                    first |= KEY_PHASE_BIT;
                }
                w.put_u8(first)?;
                w.put_slice(dcid)?;
                None
            }
        };
        let pn_offset = w.position() - start;
        w.put_slice(&crate::packet::number::truncate(pn, pn_len)[..pn_len])?;
        Ok(HeaderLayout {
            length_offset,
            pn_offset,
            pn_len,
        })
    }
}

fn write_cid(w: &mut Writer<'_>, cid: &ConnectionId) -> Result<(), BufferTooSmall> {
    w.put_u8(cid.len() as u8)?;
    w.put_slice(cid)
}

/// Fills a long header's Length field: the packet number, payload and tag that follow it.
pub(crate) fn set_length(packet: &mut [u8], layout: &HeaderLayout) -> Result<(), PacketError> {
    let Some(at) = layout.length_offset else {
        return Ok(());
    };
    let length = packet.len() - layout.pn_offset;
    if length > MAX_LENGTH_FIELD {
        return Err(PacketError::Malformed("long-header packet too large"));
    }
    let v = VarInt::new(length as u64).ok_or(PacketError::BufferTooSmall)?;
    let mut w = Writer::new(&mut packet[at..at + LENGTH_FIELD_LEN]);
    w.put_varint_with_len(v, LENGTH_FIELD_LEN)?;
    Ok(())
}

/// Writes a Version Negotiation packet answering a packet with connection IDs `dcid` and
/// `scid` (which it swaps), listing `versions`. `unused` supplies the seven arbitrary bits of
/// the first byte (RFC 8999 §6).
pub fn write_version_negotiation(
    w: &mut Writer<'_>,
    dcid: &[u8],
    scid: &[u8],
    versions: &[u32],
    unused: u8,
) -> Result<(), BufferTooSmall> {
    if dcid.len() > 255 || scid.len() > 255 {
        return Err(BufferTooSmall);
    }
    w.put_u8(LONG_HEADER | (unused & 0x7f))?;
    w.put_u32(0)?;
    // Our destination is their source, and the other way round.
    w.put_u8(scid.len() as u8)?;
    w.put_slice(scid)?;
    w.put_u8(dcid.len() as u8)?;
    w.put_slice(dcid)?;
    for v in versions {
        w.put_u32(*v)?;
    }
    Ok(())
}

/// The versions listed in a Version Negotiation packet's version range.
pub fn versions(list: &[u8]) -> impl Iterator<Item = u32> + '_ {
    list.chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
}
