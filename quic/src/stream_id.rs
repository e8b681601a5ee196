//! Stream IDs (RFC 9000 §2.1): the two low bits give the initiator and direction, the rest an
//! ordinal.

use std::fmt;

use crate::coding::VarInt;

/// Which endpoint opened a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// Whether a stream carries data both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    /// Bidirectional.
    Bi,
    /// Unidirectional, from the initiator.
    Uni,
}

/// A stream ID, below 2^62.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(VarInt);

impl StreamId {
    /// The `index`th stream (counting from 0) of `dir` opened by `initiator`, if it fits.
    pub fn new(initiator: Side, dir: Dir, index: u64) -> Option<Self> {
        let low = match initiator {
            Side::Client => 0,
            Side::Server => 1,
        } | match dir {
            Dir::Bi => 0,
            Dir::Uni => 2,
        };
        let id = index.checked_mul(4)?.checked_add(low)?;
        VarInt::new(id).map(StreamId)
    }

    /// The ID as a varint.
    pub fn varint(self) -> VarInt {
        self.0
    }

    /// Who opened the stream.
    pub fn initiator(self) -> Side {
        if self.0.get() & 1 == 0 {
            Side::Client
        } else {
            Side::Server
        }
    }

    /// The stream's direction.
    pub fn dir(self) -> Dir {
        if self.0.get() & 2 == 0 {
            Dir::Bi
        } else {
            Dir::Uni
        }
    }

    /// The stream's position among those of its initiator and direction.
    pub fn index(self) -> u64 {
        self.0.get() >> 2
    }
}

impl From<VarInt> for StreamId {
    fn from(v: VarInt) -> Self {
        StreamId(v)
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.get().fmt(f)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.get().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_kinds() {
        let cases = [
            (0, Side::Client, Dir::Bi),
            (1, Side::Server, Dir::Bi),
            (2, Side::Client, Dir::Uni),
            (3, Side::Server, Dir::Uni),
        ];
        for (low, side, dir) in cases {
            for index in [0u64, 1, 7, (1 << 60) - 1] {
                let id = StreamId::new(side, dir, index).unwrap();
                assert_eq!(id.varint().get(), index * 4 + low);
                assert_eq!((id.initiator(), id.dir(), id.index()), (side, dir, index));
            }
        }
        assert!(StreamId::new(Side::Client, Dir::Bi, 1 << 60).is_none());
        assert_eq!(
            StreamId::new(Side::Client, Dir::Bi, 2)
                .unwrap()
                .varint()
                .get(),
            8
        );
        assert_eq!(
            StreamId::new(Side::Client, Dir::Uni, 0)
                .unwrap()
                .varint()
                .get(),
            2
        );
    }
}
