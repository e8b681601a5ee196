//! Send-side buffer for one stream, or for the CRYPTO data of one encryption level (RFC 9000
//! §2.2, §13.3).
//!
//! The application writes bytes up to a capacity; the packetizer asks for the next range to
//! send, which is lost data first (lowest offset first), then new data within the flow-control
//! limit, then a lone FIN. Acknowledged bytes at the front are freed; acknowledgements may come
//! in any order and may cover only parts of what was sent.

use std::collections::VecDeque;
use std::ops::Range;

use crate::coding::VarInt;

use super::range_set::RangeSet;

/// The most buffer capacity (bytes) kept once everything written has been acknowledged: enough
/// that a steady write/ack cycle reuses its allocation, small enough that an idle stream does
/// not hold on to a large buffer.
const RETAINED_CAPACITY: usize = 16 * 1024;

/// Where the end of the stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fin {
    /// The application may still write.
    Open,
    /// The application finished; a FIN is to be sent (first time, or again after loss).
    Pending,
    /// A FIN is in flight.
    Sent,
    /// A FIN was acknowledged.
    Acked,
}

/// Data to put in one STREAM (or CRYPTO) frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendChunk<'a> {
    /// Stream offset of the first byte.
    pub offset: u64,
    /// The bytes; empty for a lone FIN.
    pub data: &'a [u8],
    /// Whether the frame ends the stream.
    pub fin: bool,
}

impl SendChunk<'_> {
    /// The offsets the chunk covers, for [`SendBuf::on_ack`] and [`SendBuf::on_lost`].
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset.saturating_add(self.data.len() as u64)
    }
}

/// Outgoing data of one stream, kept until acknowledged.
#[derive(Debug, Clone)]
pub struct SendBuf {
    /// The unacknowledged prefix onwards: bytes `base..base + data.len()`.
    data: VecDeque<u8>,
    /// Every byte below is acknowledged and freed.
    base: u64,
    /// Every byte below has been sent at least once.
    sent_end: u64,
    /// The most bytes `data` may hold.
    capacity: usize,
    /// Sent bytes declared lost and not acknowledged since, to send again.
    lost: RangeSet,
    /// Acknowledged bytes above `base`.
    acked: RangeSet,
    fin: Fin,
}

impl SendBuf {
    /// An empty buffer holding at most `capacity` unacknowledged bytes.
    pub fn new(capacity: usize) -> Self {
        SendBuf {
            data: VecDeque::new(),
            base: 0,
            sent_end: 0,
            capacity,
            lost: RangeSet::default(),
            acked: RangeSet::default(),
            fin: Fin::Open,
        }
    }

    /// Appends as much of `data` as fits the capacity (and offsets below 2^62); returns the
    /// number of bytes taken, 0 once [`SendBuf::finish`] was called.
    pub fn write(&mut self, data: &[u8]) -> usize {
        if self.fin != Fin::Open {
            return 0;
        }
        let room_offsets = VarInt::MAX.get().saturating_sub(self.written());
        let n = data
            .len()
            .min(self.writable())
            .min(usize::try_from(room_offsets).unwrap_or(usize::MAX));
        self.data.extend(data.get(..n).unwrap_or_default());
        n
    }

    /// Bytes [`SendBuf::write`] would accept now.
    pub fn writable(&self) -> usize {
        if self.fin == Fin::Open {
            self.capacity.saturating_sub(self.data.len())
        } else {
            0
        }
    }

    /// Ends the stream after the data written so far; the final size is
    /// [`SendBuf::written`].
    pub fn finish(&mut self) {
        if self.fin == Fin::Open {
            self.fin = Fin::Pending;
        }
    }

    /// The next data to send, at most `max_len` bytes, and marks it sent. Lost data comes
    /// first; then new data, which may not reach beyond `flow_limit` (the smaller of the
    /// stream's limit and [`SendBuf::sent_end`] plus the connection's remaining credit); then
    /// a FIN on its own. A chunk may be shorter than allowed when the buffered bytes wrap
    /// around; asking again gives the rest. `None` when there is nothing to send.
    ///
    /// If the chunk ends up not being sent, [`SendBuf::on_lost`] puts it back.
    pub fn next_send(&mut self, max_len: usize, flow_limit: u64) -> Option<SendChunk<'_>> {
        let end = self.written();
        let max_len = max_len as u64;
        let (offset, len) = if let Some(lost) = self.lost.first()
            && max_len > 0
        {
            let len = (lost.end - lost.start)
                .min(max_len)
                .min(self.contiguous_len(lost.start));
            self.lost.remove(lost.start..lost.start + len);
            (lost.start, len)
        } else if self.sent_end < end.min(flow_limit) && max_len > 0 {
            let len = (end.min(flow_limit) - self.sent_end)
                .min(max_len)
                .min(self.contiguous_len(self.sent_end));
            let offset = self.sent_end;
            self.sent_end += len;
            (offset, len)
        } else if self.fin == Fin::Pending && self.sent_end == end {
            (end, 0)
        } else {
            return None;
        };
        let fin = self.fin == Fin::Pending && offset + len == end && self.sent_end == end;
        if fin {
            self.fin = Fin::Sent;
        }
        Some(SendChunk {
            offset,
            data: self.slice(offset, len),
            fin,
        })
    }

    /// Whether [`SendBuf::next_send`] has something to give under `flow_limit` (given room
    /// for at least one byte).
    pub fn has_data_to_send(&self, flow_limit: u64) -> bool {
        let end = self.written();
        !self.lost.is_empty()
            || self.sent_end < end.min(flow_limit)
            || (self.fin == Fin::Pending && self.sent_end == end)
    }

    /// Records that the bytes in `range` (and the FIN, if `fin`) were acknowledged. Ranges may
    /// repeat, overlap or arrive in any order; an acknowledged prefix is freed.
    pub fn on_ack(&mut self, range: Range<u64>, fin: bool) {
        if fin && matches!(self.fin, Fin::Sent | Fin::Pending) {
            self.fin = Fin::Acked;
        }
        let range = range.start.max(self.base)..range.end.min(self.sent_end);
        if range.start >= range.end {
            return;
        }
        self.lost.remove(range.clone());
        let front_end = if range.start == self.base {
            // In order, the usual case: the acknowledged prefix grows, taking in the ranges
            // acknowledged earlier that it now reaches, and nothing is recorded.
            let mut end = range.end;
            while let Some(next) = self.acked.first().filter(|r| r.start <= end) {
                self.acked.take_starting_at(next.start);
                end = end.max(next.end);
            }
            end
        } else {
            self.acked.insert(range);
            match self.acked.take_starting_at(self.base) {
                Some(front) => front.end,
                None => return,
            }
        };
        let n = usize::try_from(front_end - self.base).unwrap_or(usize::MAX);
        self.data.drain(..n.min(self.data.len()));
        self.base = front_end;
        if self.data.is_empty() && self.data.capacity() > RETAINED_CAPACITY {
            self.data.shrink_to(RETAINED_CAPACITY);
        }
    }

    /// Records that the bytes in `range` (and the FIN, if `fin`) were lost; those not
    /// acknowledged meanwhile are sent again before new data.
    pub fn on_lost(&mut self, range: Range<u64>, fin: bool) {
        if fin && self.fin == Fin::Sent {
            self.fin = Fin::Pending;
        }
        let range = range.start.max(self.base)..range.end.min(self.sent_end);
        if range.start >= range.end {
            return;
        }
        for gap in self.acked.gaps_in(range) {
            self.lost.insert(gap);
        }
    }

    /// Whether every byte written, and the FIN if [`SendBuf::finish`] was called, has been
    /// acknowledged.
    pub fn is_all_acked(&self) -> bool {
        self.base == self.written() && matches!(self.fin, Fin::Open | Fin::Acked)
    }

    /// Bytes written but never sent.
    pub fn unsent(&self) -> u64 {
        self.written() - self.sent_end
    }

    /// Whether a FIN is waiting to be sent (for the first time or again).
    pub fn is_fin_pending(&self) -> bool {
        self.fin == Fin::Pending
    }

    /// Whether the FIN has been acknowledged.
    pub fn is_fin_acked(&self) -> bool {
        self.fin == Fin::Acked
    }

    /// Whether [`SendBuf::finish`] was called.
    pub fn is_finished(&self) -> bool {
        self.fin != Fin::Open
    }

    /// Bytes written in total: the offset of the next byte written, and the final size once
    /// finished.
    pub fn written(&self) -> u64 {
        self.base + self.data.len() as u64
    }

    /// The highest offset sent plus one: the stream flow-control credit used, and the final
    /// size to put in a RESET_STREAM.
    pub fn sent_end(&self) -> u64 {
        self.sent_end
    }

    /// Bytes held: written and not yet acknowledged as part of an acknowledged prefix.
    pub fn buffered(&self) -> usize {
        self.data.len()
    }

    /// Bytes available in one slice from `offset` (at least `base`) to the end of the data.
    fn contiguous_len(&self, offset: u64) -> u64 {
        let index = usize::try_from(offset - self.base).unwrap_or(usize::MAX);
        let (front, back) = self.data.as_slices();
        let len = if index < front.len() {
            front.len() - index
        } else {
            (front.len() + back.len()).saturating_sub(index)
        };
        len as u64
    }

    /// The `len` bytes at `offset`, which lie in one of the deque's slices.
    fn slice(&self, offset: u64, len: u64) -> &[u8] {
        let index = usize::try_from(offset - self.base).unwrap_or(usize::MAX);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let (front, back) = self.data.as_slices();
        let (part, index) = if index < front.len() {
            (front, index)
        } else {
            (back, index - front.len())
        };
        part.get(index..index.saturating_add(len))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(b: &mut SendBuf, max: usize, limit: u64) -> Option<(Range<u64>, Vec<u8>, bool)> {
        b.next_send(max, limit)
            .map(|c| (c.range(), c.data.to_vec(), c.fin))
    }

    #[test]
    fn write_capacity_and_finish() {
        let mut b = SendBuf::new(10);
        assert_eq!(b.write(b"hello"), 5);
        assert_eq!(b.write(b"world!!"), 5);
        assert_eq!(b.writable(), 0);
        assert_eq!(b.write(b"x"), 0);
        assert_eq!(b.written(), 10);
        b.finish();
        assert_eq!(b.write(b""), 0);
        assert!(b.is_finished() && b.is_fin_pending());
    }

    #[test]
    fn new_data_then_fin_in_last_chunk() {
        let mut b = SendBuf::new(100);
        b.write(b"abcdefgh");
        b.finish();
        assert_eq!(send(&mut b, 5, 100), Some((0..5, b"abcde".to_vec(), false)));
        assert_eq!(send(&mut b, 5, 100), Some((5..8, b"fgh".to_vec(), true)));
        assert_eq!(send(&mut b, 5, 100), None);
        assert!(!b.is_fin_pending());
        b.on_ack(5..8, true);
        assert!(b.is_fin_acked() && !b.is_all_acked());
        b.on_ack(0..5, false);
        assert!(b.is_all_acked());
        assert_eq!(b.buffered(), 0);
    }

    #[test]
    fn acknowledgments_in_and_out_of_order_free_the_prefix() {
        let mut b = SendBuf::new(100);
        b.write(b"abcdefghij");
        assert!(send(&mut b, 10, 100).is_some());
        b.on_ack(6..8, false);
        assert_eq!(b.buffered(), 10);
        b.on_ack(0..3, false);
        assert_eq!(b.buffered(), 7);
        b.on_ack(0..2, false);
        assert_eq!(b.buffered(), 7);
        // Reaches the range acknowledged first, and takes it in.
        b.on_ack(3..6, false);
        assert_eq!(b.buffered(), 2);
        b.on_lost(0..10, false);
        assert_eq!(send(&mut b, 10, 100), Some((8..10, b"ij".to_vec(), false)));
        b.on_ack(8..10, false);
        assert!(b.is_all_acked());
    }

    #[test]
    fn lone_fin_and_lost_fin() {
        let mut b = SendBuf::new(100);
        b.write(b"abc");
        assert_eq!(send(&mut b, 10, 100), Some((0..3, b"abc".to_vec(), false)));
        b.finish();
        assert!(b.has_data_to_send(0));
        assert_eq!(send(&mut b, 0, 0), Some((3..3, vec![], true)));
        assert!(!b.has_data_to_send(100));
        b.on_lost(3..3, true);
        assert!(b.is_fin_pending());
        assert_eq!(send(&mut b, 10, 100), Some((3..3, vec![], true)));
        b.on_ack(0..3, false);
        b.on_ack(3..3, true);
        assert!(b.is_all_acked());
    }

    #[test]
    fn retransmission_carries_pending_fin() {
        let mut b = SendBuf::new(100);
        b.write(b"abcdef");
        b.finish();
        assert_eq!(
            send(&mut b, 10, 100),
            Some((0..6, b"abcdef".to_vec(), true))
        );
        b.on_lost(0..6, true);
        assert_eq!(send(&mut b, 4, 100), Some((0..4, b"abcd".to_vec(), false)));
        assert_eq!(send(&mut b, 4, 100), Some((4..6, b"ef".to_vec(), true)));
    }

    #[test]
    fn wrapped_deque_gives_two_chunks() {
        let mut b = SendBuf::new(8);
        b.write(b"012345");
        assert!(send(&mut b, 6, 100).is_some());
        b.on_ack(0..4, false);
        assert_eq!(b.write(b"6789ab"), 6);
        let mut got = Vec::new();
        while let Some((r, d, _)) = send(&mut b, 100, 100) {
            assert_eq!(d.len() as u64, r.end - r.start);
            got.extend(d);
        }
        assert_eq!(got, b"6789ab");
    }
}
