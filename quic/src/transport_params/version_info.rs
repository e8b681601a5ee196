//! The version_information value (RFC 9368 §3).

use crate::coding::{BufferTooSmall, Reader, Writer};
use crate::error::TransportError;
use crate::stream_id::Side;

/// Version Information: the version the sender chose and the versions it makes available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInformation {
    /// The version the sender chose for this connection; never 0.
    pub chosen: u32,
    /// From a client: the versions its first flight is compatible with, by descending
    /// preference, including `chosen`. From a server: its fully deployed versions, possibly
    /// none. Never 0; reserved versions (0x?a?a?a?a) may appear.
    pub available: Vec<u32>,
}

impl VersionInformation {
    /// Bytes of the encoded value.
    pub(super) fn encoded_len(&self) -> usize {
        4 * (1 + self.available.len())
    }

    /// Writes the value.
    pub(super) fn write(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        w.put_u32(self.chosen)?;
        self.available.iter().try_for_each(|&v| w.put_u32(v))
    }

    /// Parses a whole value: at least 4 bytes and a multiple of 4. Zero versions are refused by
    /// [`validate`](Self::validate).
    pub(super) fn decode(value: &[u8]) -> Result<Self, TransportError> {
        if value.len() < 4 || !value.len().is_multiple_of(4) {
            return Err(TransportError::transport_parameter(
                "version_information length not a non-zero multiple of 4",
            ));
        }
        let mut r = Reader::new(value);
        let mut versions = std::iter::from_fn(|| r.u32().ok());
        let chosen = versions.next().unwrap_or(0);
        Ok(VersionInformation {
            chosen,
            available: versions.collect(),
        })
    }

    /// The parsing rules of RFC 9368 §4 for Version Information sent by `sender`.
    pub(super) fn validate(&self, sender: Side) -> Result<(), TransportError> {
        let fail = |reason| Err(TransportError::transport_parameter(reason));
        if self.chosen == 0 {
            return fail("version_information chosen version is 0");
        }
        if self.available.contains(&0) {
            return fail("version_information available version is 0");
        }
        if sender == Side::Client && !self.available.contains(&self.chosen) {
            return fail("client version_information chosen version not among available versions");
        }
        Ok(())
    }
}
