//! A bounded FIFO of datagrams with their addresses: the buffer behind the datagram pair and the
//! datagram memory BIO.

use std::collections::VecDeque;

use crate::addr::BioAddr;
use crate::error::BioError;

/// Bytes of the buffer charged for each datagram's bookkeeping (length and addresses), so that a
/// flood of tiny datagrams is bounded as well as a few large ones.
pub(crate) const DGRAM_OVERHEAD: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Meta {
    len: usize,
    src: BioAddr,
    dst: BioAddr,
}

/// A datagram taken off the queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Popped {
    /// Bytes copied into the caller's buffer.
    pub(crate) copied: usize,
    /// Source address, or unspecified.
    pub(crate) src: BioAddr,
    /// Destination address, or unspecified.
    pub(crate) dst: BioAddr,
}

/// The queue: datagram boundaries in `meta`, payload bytes back to back in `bytes`.
#[derive(Debug)]
pub(crate) struct DatagramQueue {
    meta: VecDeque<Meta>,
    bytes: VecDeque<u8>,
    capacity: usize,
}

impl DatagramQueue {
    /// An empty queue that holds at most `capacity` bytes, bookkeeping included.
    pub(crate) fn new(capacity: usize) -> Self {
        DatagramQueue {
            meta: VecDeque::new(),
            bytes: VecDeque::new(),
            capacity,
        }
    }

    /// The bound in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes in use: the payloads plus each datagram's bookkeeping charge.
    fn used(&self) -> usize {
        self.bytes.len() + self.meta.len() * DGRAM_OVERHEAD
    }

    /// Bytes still free.
    pub(crate) fn free(&self) -> usize {
        self.capacity - self.used()
    }

    /// Size of the datagram at the front.
    pub(crate) fn front_len(&self) -> Option<usize> {
        self.meta.front().map(|m| m.len)
    }

    /// Drops every queued datagram.
    pub(crate) fn clear(&mut self) {
        self.meta.clear();
        self.bytes.clear();
    }

    /// Appends a datagram; all of it or nothing.
    pub(crate) fn push(&mut self, data: &[u8], src: BioAddr, dst: BioAddr) -> Result<(), BioError> {
        let cost = data.len().saturating_add(DGRAM_OVERHEAD);
        if cost > self.capacity {
            return Err(BioError::DatagramTooLarge {
                len: data.len(),
                max: self.capacity.saturating_sub(DGRAM_OVERHEAD),
            });
        }
        if cost > self.free() {
            return Err(BioError::WouldBlock);
        }
        self.bytes.extend(data);
        self.meta.push_back(Meta {
            len: data.len(),
            src,
            dst,
        });
        Ok(())
    }

    /// Appends several datagrams with the same addresses; all of them or none. Datagrams that
    /// could never all fit fail as too large.
    pub(crate) fn push_all<'a>(
        &mut self,
        datagrams: impl Iterator<Item = &'a [u8]> + Clone,
        src: BioAddr,
        dst: BioAddr,
    ) -> Result<(), BioError> {
        let (mut len, mut cost) = (0usize, 0usize);
        for d in datagrams.clone() {
            len = len.saturating_add(d.len());
            cost = cost.saturating_add(d.len().saturating_add(DGRAM_OVERHEAD));
        }
        if cost > self.capacity {
            return Err(BioError::DatagramTooLarge {
                len,
                max: self.capacity.saturating_sub(DGRAM_OVERHEAD),
            });
        }
        if cost > self.free() {
            return Err(BioError::WouldBlock);
        }
        for d in datagrams {
            self.push(d, src, dst)?;
        }
        Ok(())
    }

    /// Takes the front datagram into `buf`. A longer datagram is truncated (the rest dropped),
    /// or, with `no_trunc`, refused and left in place.
    pub(crate) fn pop_into(&mut self, buf: &mut [u8], no_trunc: bool) -> Result<Popped, BioError> {
        let meta = *self.meta.front().ok_or(BioError::WouldBlock)?;
        if no_trunc && meta.len > buf.len() {
            return Err(BioError::WouldTruncate {
                len: meta.len,
                buf: buf.len(),
            });
        }
        let copied = meta.len.min(buf.len());
        let (front, back) = self.bytes.as_slices();
        let from_front = copied.min(front.len());
        buf[..from_front].copy_from_slice(&front[..from_front]);
        buf[from_front..copied].copy_from_slice(&back[..copied - from_front]);
        self.bytes.drain(..meta.len);
        self.meta.pop_front();
        Ok(Popped {
            copied,
            src: meta.src,
            dst: meta.dst,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_boundaries_and_order() {
        let mut q = DatagramQueue::new(4096);
        q.push(b"one", BioAddr::Unspec, BioAddr::Unspec).unwrap();
        q.push(b"", BioAddr::Unspec, BioAddr::Unspec).unwrap();
        q.push(b"three", BioAddr::Unspec, BioAddr::Unspec).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(q.pop_into(&mut buf, false).unwrap().copied, 3);
        assert_eq!(&buf[..3], b"one");
        assert_eq!(q.front_len(), Some(0));
        assert_eq!(q.pop_into(&mut buf, false).unwrap().copied, 0);
        assert_eq!(q.pop_into(&mut buf, false).unwrap().copied, 5);
        assert_eq!(&buf[..5], b"three");
        assert_eq!(
            q.pop_into(&mut buf, false).unwrap_err(),
            BioError::WouldBlock
        );
        assert_eq!(q.free(), 4096);
    }

    #[test]
    fn bounded_all_or_nothing() {
        let mut q = DatagramQueue::new(2 * (100 + DGRAM_OVERHEAD));
        q.push(&[1; 100], BioAddr::Unspec, BioAddr::Unspec).unwrap();
        q.push(&[2; 100], BioAddr::Unspec, BioAddr::Unspec).unwrap();
        assert_eq!(
            q.push(&[3; 1], BioAddr::Unspec, BioAddr::Unspec),
            Err(BioError::WouldBlock)
        );
        assert!(matches!(
            q.push(&[0; 1000], BioAddr::Unspec, BioAddr::Unspec),
            Err(BioError::DatagramTooLarge { len: 1000, .. })
        ));
        let mut buf = [0u8; 100];
        q.pop_into(&mut buf, false).unwrap();
        assert_eq!(buf, [1; 100]);
        q.push(&[3; 1], BioAddr::Unspec, BioAddr::Unspec).unwrap();
    }

    #[test]
    fn truncation_modes() {
        let mut q = DatagramQueue::new(4096);
        q.push(b"abcdef", BioAddr::Unspec, BioAddr::Unspec).unwrap();
        q.push(b"xyz", BioAddr::Unspec, BioAddr::Unspec).unwrap();
        let mut small = [0u8; 4];
        assert_eq!(
            q.pop_into(&mut small, true).unwrap_err(),
            BioError::WouldTruncate { len: 6, buf: 4 }
        );
        assert_eq!(q.front_len(), Some(6));
        assert_eq!(q.pop_into(&mut small, false).unwrap().copied, 4);
        assert_eq!(&small, b"abcd");
        // The truncated tail is gone: the next datagram starts cleanly.
        assert_eq!(q.pop_into(&mut small, false).unwrap().copied, 3);
        assert_eq!(&small[..3], b"xyz");
    }

    #[test]
    fn wraps_around_the_ring() {
        let mut q = DatagramQueue::new(3 * (10 + DGRAM_OVERHEAD));
        let mut buf = [0u8; 10];
        for round in 0..50u8 {
            q.push(&[round; 10], BioAddr::Unspec, BioAddr::Unspec)
                .unwrap();
            q.push(
                &[round.wrapping_add(1); 7],
                BioAddr::Unspec,
                BioAddr::Unspec,
            )
            .unwrap();
            assert_eq!(q.pop_into(&mut buf, true).unwrap().copied, 10);
            assert_eq!(buf, [round; 10]);
            assert_eq!(q.pop_into(&mut buf, true).unwrap().copied, 7);
            assert_eq!(&buf[..7], &[round.wrapping_add(1); 7]);
        }
    }
}
