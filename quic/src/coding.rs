//! Byte-level encoding: QUIC variable-length integers (RFC 9000 §16), and a reader and writer
//! over caller-owned buffers that never panic on short input or output.

use std::fmt;

/// The input ended before a complete value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated;

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("input truncated")
    }
}

impl std::error::Error for Truncated {}

/// The output buffer is too small for what is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall;

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output buffer too small")
    }
}

impl std::error::Error for BufferTooSmall {}

/// A QUIC variable-length integer: a value below 2^62.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VarInt(u64);

impl VarInt {
    /// The largest value, 2^62 - 1.
    pub const MAX: VarInt = VarInt((1 << 62) - 1);
    /// Zero.
    pub const ZERO: VarInt = VarInt(0);

    /// The value if it is below 2^62.
    pub const fn new(value: u64) -> Option<Self> {
        if value <= Self::MAX.0 {
            Some(VarInt(value))
        } else {
            None
        }
    }

    /// A value known to fit (any `u32`).
    pub const fn from_u32(value: u32) -> Self {
        VarInt(value as u64)
    }

    /// The value.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Bytes the shortest encoding takes: 1, 2, 4 or 8.
    pub const fn size(self) -> usize {
        size_of_varint(self.0)
    }
}

impl From<VarInt> for u64 {
    fn from(v: VarInt) -> u64 {
        v.0
    }
}

impl From<u32> for VarInt {
    fn from(v: u32) -> Self {
        VarInt::from_u32(v)
    }
}

impl fmt::Display for VarInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Bytes the shortest varint encoding of `value` takes (values at or above 2^62 cannot be
/// encoded; they report 8, and writing them fails).
pub const fn size_of_varint(value: u64) -> usize {
    if value < 1 << 6 {
        1
    } else if value < 1 << 14 {
        2
    } else if value < 1 << 30 {
        4
    } else {
        8
    }
}

/// A cursor over received bytes. Reads borrow from the input; nothing is copied.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The next byte, without consuming it.
    pub fn peek_u8(&self) -> Result<u8, Truncated> {
        self.buf.get(self.pos).copied().ok_or(Truncated)
    }

    /// Takes `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        if n > self.remaining() {
            return Err(Truncated);
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Takes all remaining bytes.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = self.rest();
        self.pos = self.buf.len();
        out
    }

    /// Takes an array of `N` bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// Takes one byte.
    pub fn u8(&mut self) -> Result<u8, Truncated> {
        let b = self.peek_u8()?;
        self.pos += 1;
        Ok(b)
    }

    /// Takes a big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, Truncated> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Takes a big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Truncated> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Takes a variable-length integer (any of its four lengths).
    pub fn varint(&mut self) -> Result<VarInt, Truncated> {
        let first = self.peek_u8()?;
        let len = 1usize << (first >> 6);
        let bytes = self.bytes(len)?;
        let mut value = u64::from(first & 0x3f);
        for &b in &bytes[1..] {
            value = (value << 8) | u64::from(b);
        }
        Ok(VarInt(value))
    }

    /// Takes a varint and returns it as a length that fits the remaining input.
    pub fn varint_len(&mut self) -> Result<usize, Truncated> {
        let v = self.varint()?.get();
        match usize::try_from(v) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(Truncated),
        }
    }
}

/// A cursor writing into a caller's buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Room left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// What has been written.
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.pos]
    }

    /// What has been written, mutably (to patch lengths or protect a packet in place).
    pub fn written_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.pos]
    }

    /// Appends bytes.
    pub fn put_slice(&mut self, data: &[u8]) -> Result<(), BufferTooSmall> {
        if data.len() > self.remaining() {
            return Err(BufferTooSmall);
        }
        self.buf[self.pos..self.pos + data.len()].copy_from_slice(data);
        self.pos += data.len();
        Ok(())
    }

    /// Appends `n` zero bytes (PADDING frames, placeholders).
    pub fn put_zeros(&mut self, n: usize) -> Result<(), BufferTooSmall> {
        if n > self.remaining() {
            return Err(BufferTooSmall);
        }
        self.buf[self.pos..self.pos + n].fill(0);
        self.pos += n;
        Ok(())
    }

    /// Appends one byte.
    pub fn put_u8(&mut self, b: u8) -> Result<(), BufferTooSmall> {
        self.put_slice(&[b])
    }

    /// Appends a big-endian `u16`.
    pub fn put_u16(&mut self, v: u16) -> Result<(), BufferTooSmall> {
        self.put_slice(&v.to_be_bytes())
    }

    /// Appends a big-endian `u32`.
    pub fn put_u32(&mut self, v: u32) -> Result<(), BufferTooSmall> {
        self.put_slice(&v.to_be_bytes())
    }

    /// Appends a varint in its shortest encoding.
    pub fn put_varint(&mut self, v: VarInt) -> Result<(), BufferTooSmall> {
        self.put_varint_with_len(v, v.size())
    }

    /// Appends a varint encoded in exactly `len` bytes (1, 2, 4 or 8; at least its shortest
    /// length), as used for length fields written before the length is known.
    pub fn put_varint_with_len(&mut self, v: VarInt, len: usize) -> Result<(), BufferTooSmall> {
        let tag: u8 = match len {
            1 => 0,
            2 => 1,
            4 => 2,
            8 => 3,
            _ => return Err(BufferTooSmall),
        };
        if len < v.size() {
            return Err(BufferTooSmall);
        }
        if len > self.remaining() {
            return Err(BufferTooSmall);
        }
        let bytes = v.0.to_be_bytes();
        let dst = &mut self.buf[self.pos..self.pos + len];
        // One arm per length, so each copy has a fixed size (no call to memmove).
        match len {
            1 => dst.copy_from_slice(&bytes[7..]),
            2 => dst.copy_from_slice(&bytes[6..]),
            4 => dst.copy_from_slice(&bytes[4..]),
            _ => dst.copy_from_slice(&bytes),
        }
        dst[0] |= tag << 6;
        self.pos += len;
        Ok(())
    }

    /// Appends a `u64` as a varint; fails if it is 2^62 or more.
    pub fn put_varint_u64(&mut self, v: u64) -> Result<(), BufferTooSmall> {
        self.put_varint(VarInt::new(v).ok_or(BufferTooSmall)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9000 Appendix A.1 examples.
    #[test]
    fn rfc9000_varint_examples() {
        let cases: [(&str, u64); 5] = [
            ("c2197c5eff14e88c", 151_288_809_941_952_652),
            ("9d7f3e7d", 494_878_333),
            ("7bbd", 15_293),
            ("25", 37),
            ("4025", 37),
        ];
        for (hex_in, value) in cases {
            let bytes = hex::decode(hex_in).unwrap();
            let mut r = Reader::new(&bytes);
            assert_eq!(r.varint().unwrap().get(), value, "{hex_in}");
            assert!(r.is_empty());
        }
        // Encoding picks the shortest form.
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        w.put_varint(VarInt::new(15_293).unwrap()).unwrap();
        assert_eq!(w.written(), hex::decode("7bbd").unwrap());
    }

    #[test]
    fn varint_bounds() {
        assert!(VarInt::new(1 << 62).is_none());
        assert_eq!(VarInt::MAX.size(), 8);
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        w.put_varint(VarInt::MAX).unwrap();
        assert_eq!(Reader::new(&buf).varint().unwrap(), VarInt::MAX);
        let mut w = Writer::new(&mut buf);
        assert_eq!(w.put_varint_u64(1 << 62), Err(BufferTooSmall));
        assert_eq!(
            w.put_varint_with_len(VarInt::new(300).unwrap(), 1),
            Err(BufferTooSmall)
        );
    }

    #[test]
    fn varints_of_a_given_length_read_back() {
        for value in [0u64, 37, 63] {
            for len in [1, 2, 4, 8] {
                let mut buf = [0xffu8; 9];
                let mut w = Writer::new(&mut buf);
                w.put_varint_with_len(VarInt::new(value).unwrap(), len)
                    .unwrap();
                assert_eq!(w.written().len(), len);
                let mut r = Reader::new(&buf[..len]);
                assert_eq!(r.varint().unwrap().get(), value, "{value} in {len}");
                assert!(r.is_empty());
            }
        }
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        w.put_varint_with_len(VarInt::MAX, 8).unwrap();
        assert_eq!(Reader::new(&buf).varint().unwrap(), VarInt::MAX);
        let mut small = [0u8; 3];
        let mut w = Writer::new(&mut small);
        assert_eq!(
            w.put_varint_with_len(VarInt::new(1).unwrap(), 4),
            Err(BufferTooSmall)
        );
        assert_eq!(
            w.put_varint_with_len(VarInt::new(1).unwrap(), 3),
            Err(BufferTooSmall)
        );
    }

    #[test]
    fn truncated_varints_fail_cleanly() {
        for bytes in [&[][..], &[0x40], &[0x80, 0, 0], &[0xc0, 0, 0, 0, 0, 0, 0]] {
            assert_eq!(Reader::new(bytes).varint(), Err(Truncated), "{bytes:?}");
        }
    }

    #[test]
    fn writer_refuses_overflow() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        w.put_u16(7).unwrap();
        assert_eq!(w.put_u16(7), Err(BufferTooSmall));
        assert_eq!(w.position(), 2, "a failed write leaves the position alone");
        assert_eq!(w.put_varint(VarInt::new(100).unwrap()), Err(BufferTooSmall));
        w.put_u8(1).unwrap();
        assert_eq!(w.remaining(), 0);
    }
}
