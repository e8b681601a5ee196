//! Receive-side reassembly for one stream, or for the CRYPTO data of one encryption level
//! (RFC 9000 §2.2, §4.5, §19.6, §19.8).
//!
//! Data may arrive out of order, overlapping or duplicated. Only bytes not held yet are stored,
//! as chunks keyed by stream offset, so a frame costs work in proportion to its length and to
//! the chunks it overlaps, never per byte. Every stored byte lies between the read offset and
//! the caller's bound (the advertised flow-control limit, or a buffer size for CRYPTO), so the
//! memory held is bounded by the window.

use std::collections::BTreeMap;

use crate::coding::VarInt;
use crate::error::{TransportError, TransportErrorCode};

use super::check_final_size;

/// A chunk that ends where new data starts is extended in place, rather than a new chunk
/// created, while it stays within this many bytes.
const MERGE_LIMIT: usize = 16 * 1024;

/// A new chunk for in-order data that is also the furthest received, from a frame at least
/// this long (a bulk sender's) on a stream whose end is not known yet, is given room for
/// [`MERGE_LIMIT`] bytes at once (within the flow-control limit): the frames that follow
/// extend it without reallocating.
const BULK_FRAME: usize = 1000;

/// Most separate spans (runs of held bytes with gaps between) a stream's data may form: a
/// peer that sends bytes with gaps between them costs bookkeeping per span, so more is a
/// `PROTOCOL_VIOLATION` (RFC 9000 §21.7; as quinn's limit, ngtcp2's is 4000). Legitimate
/// reordering comes nowhere near it.
pub const MAX_STREAM_SPANS: usize = 1024;

/// The same for the CRYPTO data of one encryption level, which a client can send before any
/// handshake: more is `CRYPTO_BUFFER_EXCEEDED`.
pub const MAX_CRYPTO_SPANS: usize = 64;

/// Stored bytes: `buf[start..]` sits at the stream offset the chunk is keyed by.
#[derive(Debug, Clone)]
struct Chunk {
    buf: Vec<u8>,
    start: usize,
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// The stream offset just past the chunk, given the offset it is keyed by.
    fn end(&self, key: u64) -> u64 {
        key.saturating_add(self.bytes().len() as u64)
    }
}

/// The parts of a frame's data to store.
enum Pieces {
    /// At most one.
    One(Option<(u64, u64)>),
    /// Several, between chunks held.
    Many(Vec<(u64, u64)>),
}

impl Pieces {
    fn iter(&self) -> impl Iterator<Item = (&u64, &u64)> {
        let slice: &[(u64, u64)] = match self {
            Pieces::One(one) => one.as_slice(),
            Pieces::Many(many) => many,
        };
        slice.iter().map(|(from, to)| (from, to))
    }
}

/// How far ahead of the read offset data may go.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// A stream: the flow-control limit advertised to the peer, an absolute offset.
    FlowLimit(u64),
    /// CRYPTO data: a number of bytes beyond the read offset.
    CryptoBuffer(u64),
}

/// Reassembles one stream's received data for in-order reading.
///
/// Errors carry no frame type; the caller, which knows the frame being processed, fills it in.
#[derive(Debug, Clone)]
pub struct RecvBuf {
    /// Non-overlapping chunks keyed by the offset of their first unread byte; all at or above
    /// `read_offset`.
    chunks: BTreeMap<u64, Chunk>,
    /// Bytes delivered to the application.
    read_offset: u64,
    /// Every byte in `read_offset..contiguous_end` is stored.
    contiguous_end: u64,
    /// The highest offset received plus one (the end of the furthest data).
    max_received: u64,
    /// The final size, once a FIN has arrived.
    final_size: Option<u64>,
    /// Bytes stored in `chunks`.
    buffered: u64,
    /// Separate runs of held bytes (chunks that touch belong to one run).
    spans: usize,
    bound: Bound,
}

impl RecvBuf {
    /// A stream buffer accepting data up to offset `flow_limit` (the initial
    /// `MAX_STREAM_DATA` advertised); data beyond it is a `FLOW_CONTROL_ERROR`.
    pub fn new(flow_limit: u64) -> Self {
        Self::with_bound(Bound::FlowLimit(flow_limit))
    }

    /// A buffer for CRYPTO data holding at most `buffer` bytes beyond the read offset; data
    /// beyond that is a `CRYPTO_BUFFER_EXCEEDED` error (RFC 9000 §7.5).
    pub fn crypto(buffer: u64) -> Self {
        Self::with_bound(Bound::CryptoBuffer(buffer))
    }

    fn with_bound(bound: Bound) -> Self {
        RecvBuf {
            chunks: BTreeMap::new(),
            read_offset: 0,
            contiguous_end: 0,
            max_received: 0,
            final_size: None,
            buffered: 0,
            spans: 0,
            bound,
        }
    }

    /// The offset data may currently reach: the flow-control limit, or for CRYPTO the read
    /// offset plus the buffer size.
    pub fn limit(&self) -> u64 {
        match self.bound {
            Bound::FlowLimit(limit) => limit,
            Bound::CryptoBuffer(size) => self.read_offset.saturating_add(size),
        }
    }

    /// Raises the flow-control limit to `limit` (after a `MAX_STREAM_DATA` is sent); a lower
    /// value is ignored, as advertised limits never shrink. For a CRYPTO buffer, sets the
    /// buffer size to `limit` bytes instead.
    pub fn set_limit(&mut self, limit: u64) {
        self.bound = match self.bound {
            Bound::FlowLimit(old) => Bound::FlowLimit(old.max(limit)),
            Bound::CryptoBuffer(_) => Bound::CryptoBuffer(limit),
        };
    }

    /// Takes `data` at stream offset `offset`, ending the stream there if `fin`. Data already
    /// held or already read is ignored, so retransmissions, overlaps and duplicates are fine.
    ///
    /// Errors (nothing is stored then):
    /// - `FLOW_CONTROL_ERROR` (`CRYPTO_BUFFER_EXCEEDED` for CRYPTO) if the data ends beyond
    ///   [`RecvBuf::limit`], or beyond 2^62 - 1;
    /// - `FINAL_SIZE_ERROR` if the data ends beyond a known final size, if `fin` gives a final
    ///   size different from a known one, or if `fin` gives a final size below data already
    ///   received (RFC 9000 §4.5);
    /// - `PROTOCOL_VIOLATION` (`CRYPTO_BUFFER_EXCEEDED` for CRYPTO) if the data would leave
    ///   more than [`MAX_STREAM_SPANS`] ([`MAX_CRYPTO_SPANS`]) separate runs of bytes held.
    pub fn insert(&mut self, offset: u64, data: &[u8], fin: bool) -> Result<(), TransportError> {
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&end| end <= VarInt::MAX.get())
            .ok_or(TransportError::new(
                TransportErrorCode::FLOW_CONTROL_ERROR,
                "stream data beyond 2^62 - 1",
            ))?;
        if end > self.limit() {
            return Err(match self.bound {
                Bound::FlowLimit(_) => TransportError::new(
                    TransportErrorCode::FLOW_CONTROL_ERROR,
                    "stream data beyond the flow-control limit",
                ),
                Bound::CryptoBuffer(_) => TransportError::new(
                    TransportErrorCode::CRYPTO_BUFFER_EXCEEDED,
                    "CRYPTO data beyond the buffer",
                ),
            });
        }
        let pieces = self.pieces(offset, end);
        let spans = pieces
            .iter()
            .fold(self.spans, |n, (from, to)| self.spans_after(n, from, to));
        let max = match self.bound {
            Bound::FlowLimit(_) => MAX_STREAM_SPANS,
            Bound::CryptoBuffer(_) => MAX_CRYPTO_SPANS,
        };
        if spans > max {
            return Err(match self.bound {
                Bound::FlowLimit(_) => TransportError::new(
                    TransportErrorCode::PROTOCOL_VIOLATION,
                    "stream data in too many fragments",
                ),
                Bound::CryptoBuffer(_) => TransportError::new(
                    TransportErrorCode::CRYPTO_BUFFER_EXCEEDED,
                    "CRYPTO data in too many fragments",
                ),
            });
        }
        check_final_size(&mut self.final_size, &mut self.max_received, end, fin)?;
        self.spans = spans;
        let pieces: Vec<(u64, u64)> = match pieces {
            Pieces::One(None) => return Ok(()),
            Pieces::One(Some((from, to))) => {
                self.add_piece(offset, data, from, to);
                self.advance_contiguous();
                return Ok(());
            }
            Pieces::Many(many) => many,
        };
        for (from, to) in pieces {
            self.add_piece(offset, data, from, to);
        }
        self.advance_contiguous();
        Ok(())
    }

    /// The parts of `offset..end` that are neither read nor held yet (in-order data with no
    /// overlap, the common case, without allocating).
    fn pieces(&self, offset: u64, end: u64) -> Pieces {
        let mut cursor = offset.max(self.contiguous_end);
        if let Some((&key, chunk)) = self.chunks.range(..cursor).next_back() {
            cursor = cursor.max(chunk.end(key));
        }
        if cursor >= end {
            return Pieces::One(None);
        }
        if self.chunks.range(cursor..end).next().is_none() {
            return Pieces::One(Some((cursor, end)));
        }
        let mut pieces = Vec::new();
        for (&key, chunk) in self.chunks.range(cursor..end) {
            if key > cursor {
                pieces.push((cursor, key));
            }
            cursor = cursor.max(chunk.end(key));
        }
        if cursor < end {
            pieces.push((cursor, end));
        }
        Pieces::Many(pieces)
    }

    /// The number of spans after storing `from..to` where nothing is held, given `n` before:
    /// one more if it touches no held bytes, one fewer if it joins two runs.
    fn spans_after(&self, n: usize, &from: &u64, &to: &u64) -> usize {
        let joins_left = self
            .chunks
            .range(..from)
            .next_back()
            .is_some_and(|(&key, c)| c.end(key) == from);
        let joins_right = self.chunks.contains_key(&to);
        match (joins_left, joins_right) {
            (false, false) => n + 1,
            (true, true) => n.saturating_sub(1),
            _ => n,
        }
    }

    /// Moves the end of the contiguous data past the chunks now joined to it.
    fn advance_contiguous(&mut self) {
        while let Some((&key, chunk)) = self.chunks.range(..=self.contiguous_end).next_back() {
            let chunk_end = chunk.end(key);
            if chunk_end <= self.contiguous_end {
                break;
            }
            self.contiguous_end = chunk_end;
        }
    }

    /// Adds the part `from..to` of `data` (at `offset`), where nothing is held yet.
    fn add_piece(&mut self, offset: u64, data: &[u8], from: u64, to: u64) {
        // Both lie within `offset..offset + data.len()`, so the indices fit `data`.
        let lo = usize::try_from(from - offset).unwrap_or(usize::MAX);
        let hi = usize::try_from(to - offset).unwrap_or(usize::MAX);
        if let Some(piece) = data.get(lo..hi) {
            self.add_chunk(from, piece);
        }
    }

    /// Adds `bytes` at `offset`, where nothing is held yet, extending the chunk just before if
    /// it ends there and is small.
    fn add_chunk(&mut self, offset: u64, bytes: &[u8]) {
        self.buffered = self.buffered.saturating_add(bytes.len() as u64);
        if let Some((&key, prev)) = self.chunks.range_mut(..offset).next_back()
            && prev.end(key) == offset
            && prev.buf.len().saturating_add(bytes.len()) <= MERGE_LIMIT
        {
            prev.buf.extend_from_slice(bytes);
            return;
        }
        let mut buf = Vec::with_capacity(self.chunk_capacity(offset, bytes.len()));
        buf.extend_from_slice(bytes);
        self.chunks.insert(offset, Chunk { buf, start: 0 });
    }

    /// The capacity of a new chunk for `len` bytes at `offset` (see [`BULK_FRAME`]).
    fn chunk_capacity(&self, offset: u64, len: usize) -> usize {
        let frontier =
            offset == self.contiguous_end && offset.saturating_add(len as u64) == self.max_received;
        if !frontier || len < BULK_FRAME || self.final_size.is_some() {
            return len;
        }
        let room = usize::try_from(self.limit().saturating_sub(offset)).unwrap_or(usize::MAX);
        MERGE_LIMIT.min(room).max(len)
    }

    /// Copies contiguous data from the read offset into `out` and consumes it; returns the
    /// number of bytes copied (0 when nothing is readable).
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        let mut copied = 0;
        while copied < out.len() {
            let Some(mut entry) = self.chunks.first_entry() else {
                break;
            };
            if *entry.key() != self.read_offset {
                break;
            }
            let chunk = entry.get_mut();
            let bytes = chunk.bytes();
            let n = bytes.len().min(out.len() - copied);
            if let (Some(dst), Some(src)) = (out.get_mut(copied..copied + n), bytes.get(..n)) {
                dst.copy_from_slice(src);
            }
            let whole = n == bytes.len();
            copied += n;
            self.read_offset = self.read_offset.saturating_add(n as u64);
            if self.read_offset == self.contiguous_end && whole {
                // The first run is read up entirely.
                self.spans = self.spans.saturating_sub(1);
            }
            self.buffered = self.buffered.saturating_sub(n as u64);
            if whole {
                entry.remove();
            } else {
                let (_, mut chunk) = entry.remove_entry();
                chunk.start += n;
                self.chunks.insert(self.read_offset, chunk);
            }
        }
        if self.chunks.is_empty() {
            // An emptied map keeps its node: an idle buffer holds nothing.
            self.chunks = BTreeMap::new();
        }
        copied
    }

    /// Copies contiguous data from the read offset into `out` without consuming it; returns the
    /// number of bytes copied.
    pub fn peek(&self, out: &mut [u8]) -> usize {
        let mut copied = 0;
        let mut at = self.read_offset;
        for (&key, chunk) in self.chunks.range(self.read_offset..) {
            if key != at || copied == out.len() {
                break;
            }
            let bytes = chunk.bytes();
            let n = bytes.len().min(out.len() - copied);
            if let (Some(dst), Some(src)) = (out.get_mut(copied..copied + n), bytes.get(..n)) {
                dst.copy_from_slice(src);
            }
            copied += n;
            at = chunk.end(key);
        }
        copied
    }

    /// Bytes readable now, in order, from the read offset.
    pub fn readable(&self) -> u64 {
        self.contiguous_end.saturating_sub(self.read_offset)
    }

    /// Whether every byte up to the final size has been received (RFC 9000 "Data Recvd").
    pub fn is_all_received(&self) -> bool {
        self.final_size == Some(self.contiguous_end)
    }

    /// Whether the application has read everything up to the final size: the stream is over.
    pub fn is_finished(&self) -> bool {
        self.final_size == Some(self.read_offset)
    }

    /// The final size, once a FIN has been received.
    pub fn final_size(&self) -> Option<u64> {
        self.final_size
    }

    /// The highest offset received plus one: what the peer has consumed of stream flow-control
    /// credit, and its contribution to the connection's received-data total.
    pub fn max_received(&self) -> u64 {
        self.max_received
    }

    /// Bytes the application has read (the read offset).
    pub fn read_offset(&self) -> u64 {
        self.read_offset
    }

    /// Bytes held awaiting reading; never more than [`RecvBuf::limit`] minus the read offset.
    pub fn buffered(&self) -> u64 {
        self.buffered
    }

    /// The number of separate chunks held. Data with many gaps costs bookkeeping per chunk; a
    /// connection can close one whose peer fragments a stream excessively (RFC 9000 §21.7).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(buf: &mut RecvBuf) -> Vec<u8> {
        let mut out = vec![0; buf.readable() as usize];
        let n = buf.read(&mut out);
        out.truncate(n);
        out
    }

    #[test]
    fn in_order_and_out_of_order() {
        let mut b = RecvBuf::new(100);
        b.insert(5, b"fghij", false).unwrap();
        assert_eq!(b.readable(), 0);
        assert_eq!(b.max_received(), 10);
        b.insert(0, b"abcde", false).unwrap();
        assert_eq!(b.readable(), 10);
        let mut small = [0; 3];
        assert_eq!(b.peek(&mut small), 3);
        assert_eq!(&small, b"abc");
        assert_eq!(b.read(&mut small), 3);
        assert_eq!(&small, b"abc");
        assert_eq!(read_all(&mut b), b"defghij");
        assert_eq!(b.read_offset(), 10);
        assert_eq!(b.buffered(), 0);
        assert_eq!(b.chunk_count(), 0);
    }

    #[test]
    fn overlaps_and_duplicates_keep_first_copy() {
        let mut b = RecvBuf::new(100);
        b.insert(2, b"CD", false).unwrap();
        b.insert(6, b"GH", false).unwrap();
        // Covers both chunks and the gaps around them; stored bytes are not replaced.
        b.insert(0, b"abcdefghij", false).unwrap();
        assert_eq!(b.buffered(), 10);
        assert_eq!(read_all(&mut b), b"abCDefGHij");
        b.insert(0, b"abcdefghij", true).unwrap();
        assert_eq!(b.buffered(), 0);
        assert!(b.is_all_received() && b.is_finished());
    }

    #[test]
    fn partial_read_then_more_data_merges() {
        let mut b = RecvBuf::new(100);
        b.insert(0, b"0123", false).unwrap();
        let mut two = [0; 2];
        b.read(&mut two);
        b.insert(4, b"4567", false).unwrap();
        assert_eq!(b.chunk_count(), 1);
        assert_eq!(b.readable(), 6);
        assert_eq!(read_all(&mut b), b"234567");
    }

    #[test]
    fn final_size_rules() {
        let mut b = RecvBuf::new(1000);
        b.insert(0, b"hello", true).unwrap();
        assert_eq!(b.final_size(), Some(5));
        let code = |r: Result<(), TransportError>| r.unwrap_err().code;
        assert_eq!(
            code(b.insert(3, b"lox", false)),
            TransportErrorCode::FINAL_SIZE_ERROR
        );
        assert_eq!(
            code(b.insert(0, b"hell", true)),
            TransportErrorCode::FINAL_SIZE_ERROR
        );
        // The same final size again, or data within it, is fine.
        b.insert(2, b"llo", true).unwrap();
        b.insert(5, b"", true).unwrap();
        b.insert(1, b"e", false).unwrap();

        let mut b = RecvBuf::new(1000);
        b.insert(10, b"xyz", false).unwrap();
        assert_eq!(
            code(b.insert(0, b"abc", true)),
            TransportErrorCode::FINAL_SIZE_ERROR
        );
        assert_eq!(b.final_size(), None);
        b.insert(13, b"", true).unwrap();
        assert!(!b.is_all_received());
        b.insert(0, &[0; 10], false).unwrap();
        assert!(b.is_all_received() && !b.is_finished());
    }

    #[test]
    fn flow_limit() {
        let mut b = RecvBuf::new(10);
        b.insert(0, &[1; 10], false).unwrap();
        let e = b.insert(10, &[1], false).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::FLOW_CONTROL_ERROR);
        assert_eq!(e.frame_type, None);
        // An empty frame past the limit counts as reaching past it.
        assert!(b.insert(11, b"", false).is_err());
        b.set_limit(20);
        b.set_limit(15);
        assert_eq!(b.limit(), 20);
        b.insert(10, &[2; 10], false).unwrap();
        let max = VarInt::MAX.get();
        let mut b = RecvBuf::new(u64::MAX);
        assert!(b.insert(max, b"", false).is_ok());
        assert_eq!(
            b.insert(max, b"x", false).unwrap_err().code,
            TransportErrorCode::FLOW_CONTROL_ERROR
        );
        assert!(b.insert(u64::MAX, b"x", false).is_err());
    }

    #[test]
    fn crypto_buffer_slides_with_reads() {
        let mut b = RecvBuf::crypto(8);
        b.insert(0, &[7; 8], false).unwrap();
        assert_eq!(
            b.insert(8, &[7], false).unwrap_err().code,
            TransportErrorCode::CRYPTO_BUFFER_EXCEEDED
        );
        let mut out = [0; 4];
        b.read(&mut out);
        assert_eq!(b.limit(), 12);
        b.insert(8, &[7; 4], false).unwrap();
        b.set_limit(100);
        assert_eq!(b.limit(), 104);
    }

    /// The runs of held bytes, counted from the chunks.
    fn recount(b: &RecvBuf) -> usize {
        let mut runs = 0;
        let mut last_end = None;
        for (&key, chunk) in &b.chunks {
            if last_end != Some(key) {
                runs += 1;
            }
            last_end = Some(chunk.end(key));
        }
        runs
    }

    #[test]
    fn the_run_count_follows_random_inserts_and_reads() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..50 {
            let mut b = RecvBuf::new(1 << 20);
            let mut out = [0u8; 300];
            for _ in 0..400 {
                let base = b.read_offset();
                let offset = base + next(4000);
                let len = 1 + next(200) as usize;
                let _ = b.insert(offset, &vec![1; len], false);
                if next(4) == 0 {
                    let want = next(300) as usize;
                    b.read(&mut out[..want]);
                }
                assert_eq!(b.spans, recount(&b));
            }
        }
    }
}
