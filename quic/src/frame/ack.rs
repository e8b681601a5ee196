//! ACK frames (RFC 9000 §19.3): a received ACK is checked once and kept as its raw range
//! bytes, then iterated without allocating; an ACK to send is written from a list of ranges.

use std::ops::RangeInclusive;

use crate::coding::{Reader, Writer, size_of_varint};
use crate::error::TransportError;

use super::FrameType;
use super::encode::{EncodeError, check_varint, ensure_space};
use super::parse::Body;

/// The three ECN counts of an ACK_ECN frame (RFC 9000 §19.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EcnCounts {
    /// Packets received with ECT(0).
    pub ect0: u64,
    /// Packets received with ECT(1).
    pub ect1: u64,
    /// Packets received with ECN-CE.
    pub ce: u64,
}

impl EcnCounts {
    fn encoded_len(&self) -> usize {
        size_of_varint(self.ect0) + size_of_varint(self.ect1) + size_of_varint(self.ce)
    }

    fn check(&self) -> Result<(), EncodeError> {
        check_varint(self.ect0, "ECT(0) count")?;
        check_varint(self.ect1, "ECT(1) count")?;
        check_varint(self.ce, "ECN-CE count")
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put_varint_u64(self.ect0)?;
        w.put_varint_u64(self.ect1)?;
        Ok(w.put_varint_u64(self.ce)?)
    }
}

/// A received ACK or ACK_ECN frame. Parsing has checked that no range reaches below packet
/// number 0; the additional ranges stay as the raw bytes of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack<'a> {
    largest: u64,
    delay: u64,
    first_range: u64,
    additional: u64,
    range_bytes: &'a [u8],
    ecn: Option<EcnCounts>,
}

impl<'a> Ack<'a> {
    pub(super) fn parse(b: &mut Body<'_, 'a>) -> Result<Self, TransportError> {
        let largest = b.varint()?;
        let delay = b.varint()?;
        let additional = b.varint()?;
        let first_range = b.varint()?;
        let underflow = "ACK range below packet number 0";
        let mut smallest = largest
            .checked_sub(first_range)
            .ok_or_else(|| b.err(underflow))?;
        // Each additional range takes at least two bytes: reject an impossible count before
        // looping over it.
        if additional > (b.remaining() / 2) as u64 {
            return Err(b.err("frame truncated"));
        }
        let start = b.peek_rest();
        let before = b.remaining();
        for _ in 0..additional {
            let gap = b.varint()?;
            let len = b.varint()?;
            let range = next_range(smallest, gap, len).ok_or_else(|| b.err(underflow))?;
            smallest = *range.start();
        }
        let range_bytes = start.get(..before - b.remaining()).unwrap_or_default();
        let ecn = if b.ty() == FrameType::ACK_ECN {
            Some(EcnCounts {
                ect0: b.varint()?,
                ect1: b.varint()?,
                ce: b.varint()?,
            })
        } else {
            None
        };
        Ok(Ack {
            largest,
            delay,
            first_range,
            additional,
            range_bytes,
            ecn,
        })
    }

    /// The largest packet number acknowledged.
    pub fn largest(&self) -> u64 {
        self.largest
    }

    /// The ACK Delay field as sent: scale it by 2^ack_delay_exponent for microseconds.
    pub fn delay(&self) -> u64 {
        self.delay
    }

    /// The First ACK Range field: packets below `largest` acknowledged with it.
    pub fn first_range(&self) -> u64 {
        self.first_range
    }

    /// Number of ranges after the first (the ACK Range Count field).
    pub fn additional_ranges(&self) -> u64 {
        self.additional
    }

    /// The ECN counts, for ACK_ECN frames.
    pub fn ecn(&self) -> Option<EcnCounts> {
        self.ecn
    }

    /// The acknowledged packet number ranges, largest first.
    pub fn ranges(&self) -> AckRanges<'a> {
        AckRanges {
            r: Reader::new(self.range_bytes),
            next: Some(self.largest.saturating_sub(self.first_range)..=self.largest),
            left: self.additional,
        }
    }

    /// ACK_ECN if ECN counts are present, else ACK.
    pub fn frame_type(&self) -> FrameType {
        if self.ecn.is_some() {
            FrameType::ACK_ECN
        } else {
            FrameType::ACK
        }
    }

    /// Bytes [`Ack::encode`] writes (the additional ranges are copied as received).
    pub fn encoded_len(&self) -> usize {
        1 + size_of_varint(self.largest)
            + size_of_varint(self.delay)
            + size_of_varint(self.additional)
            + size_of_varint(self.first_range)
            + self.range_bytes.len()
            + self.ecn.map_or(0, |e| e.encoded_len())
    }

    /// Writes the frame again. Fails, writing nothing, if `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        ensure_space(w, self.encoded_len())?;
        w.put_varint_u64(self.frame_type().0)?;
        w.put_varint_u64(self.largest)?;
        w.put_varint_u64(self.delay)?;
        w.put_varint_u64(self.additional)?;
        w.put_varint_u64(self.first_range)?;
        w.put_slice(self.range_bytes)?;
        match self.ecn {
            Some(ecn) => ecn.write(w),
            None => Ok(()),
        }
    }
}

/// The range after one whose smallest packet is `prev_smallest`, from its Gap and ACK Range
/// Length fields; `None` if it would reach below 0.
fn next_range(prev_smallest: u64, gap: u64, len: u64) -> Option<RangeInclusive<u64>> {
    let largest = prev_smallest.checked_sub(gap)?.checked_sub(2)?;
    Some(largest.checked_sub(len)?..=largest)
}

/// Iterator over the packet number ranges of an [`Ack`], largest first.
#[derive(Debug, Clone)]
pub struct AckRanges<'a> {
    r: Reader<'a>,
    next: Option<RangeInclusive<u64>>,
    left: u64,
}

impl Iterator for AckRanges<'_> {
    type Item = RangeInclusive<u64>;

    fn next(&mut self) -> Option<RangeInclusive<u64>> {
        let out = self.next.take()?;
        if self.left > 0 {
            self.left -= 1;
            // Parsing validated these bytes; a failure here just ends the iteration.
            if let (Ok(gap), Ok(len)) = (self.r.varint(), self.r.varint()) {
                self.next = next_range(*out.start(), gap.get(), len.get());
            }
        }
        Some(out)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self.next {
            Some(_) => usize::try_from(self.left).map_or(usize::MAX, |n| n.saturating_add(1)),
            None => 0,
        };
        (n, Some(n))
    }
}

/// An ACK frame to send, described by its ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckEncoder<'r> {
    /// Acknowledged ranges, largest first, each non-empty and separated from the previous
    /// one by at least one unacknowledged packet. At least one.
    pub ranges: &'r [RangeInclusive<u64>],
    /// The ACK Delay field (microseconds scaled down by 2^ack_delay_exponent).
    pub delay: u64,
    /// ECN counts to report, making this an ACK_ECN frame.
    pub ecn: Option<EcnCounts>,
}

impl AckEncoder<'_> {
    /// Bytes [`AckEncoder::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let Some((first, rest)) = self.ranges.split_first() else {
            return 0;
        };
        let pairs: usize = gaps_and_lengths(first, rest)
            .map(|(gap, len)| size_of_varint(gap) + size_of_varint(len))
            .sum();
        self.fixed_len(first) + size_of_varint(rest.len() as u64) + pairs
    }

    /// How many of the leading ranges fit, as an ACK frame, in `space` bytes (0 if not even
    /// the first does), so a sender can drop the oldest ranges to fit a packet.
    pub fn ranges_that_fit(&self, space: usize) -> usize {
        let Some((first, rest)) = self.ranges.split_first() else {
            return 0;
        };
        let fixed = self.fixed_len(first);
        let pair_lens = gaps_and_lengths(first, rest)
            .map(|(gap, len)| size_of_varint(gap) + size_of_varint(len));
        let mut pairs = 0;
        let mut fit = 0;
        for (count, pair) in std::iter::once(0).chain(pair_lens).enumerate() {
            pairs += pair;
            if fixed + size_of_varint(count as u64) + pairs > space {
                break;
            }
            fit = count + 1;
        }
        fit
    }

    /// Writes the frame. Fails, writing nothing, if the ranges are empty, out of order,
    /// overlapping or touching, a value is 2^62 or more, or `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let Some((first, rest)) = self.ranges.split_first() else {
            return Err(EncodeError::InvalidField("no ACK ranges"));
        };
        check_varint(*first.end(), "largest acknowledged")?;
        check_varint(self.delay, "ACK delay")?;
        check_ranges(first, rest)?;
        if let Some(ecn) = &self.ecn {
            ecn.check()?;
        }
        ensure_space(w, self.encoded_len())?;
        let ty = match self.ecn {
            Some(_) => FrameType::ACK_ECN,
            None => FrameType::ACK,
        };
        w.put_varint_u64(ty.0)?;
        w.put_varint_u64(*first.end())?;
        w.put_varint_u64(self.delay)?;
        w.put_varint_u64(rest.len() as u64)?;
        w.put_varint_u64(first.end() - first.start())?;
        for (gap, len) in gaps_and_lengths(first, rest) {
            w.put_varint_u64(gap)?;
            w.put_varint_u64(len)?;
        }
        match self.ecn {
            Some(ecn) => ecn.write(w),
            None => Ok(()),
        }
    }

    /// The encoded size of everything but the ACK Range Count and the additional ranges.
    fn fixed_len(&self, first: &RangeInclusive<u64>) -> usize {
        1 + size_of_varint(*first.end())
            + size_of_varint(self.delay)
            + size_of_varint(first.end().saturating_sub(*first.start()))
            + self.ecn.map_or(0, |e| e.encoded_len())
    }
}

/// `Ok` if every range is non-empty and each lies below the previous one with at least one
/// packet between them.
fn check_ranges(
    first: &RangeInclusive<u64>,
    rest: &[RangeInclusive<u64>],
) -> Result<(), EncodeError> {
    if first.is_empty() {
        return Err(EncodeError::InvalidField("empty ACK range"));
    }
    let mut prev_smallest = *first.start();
    for r in rest {
        if r.is_empty() {
            return Err(EncodeError::InvalidField("empty ACK range"));
        }
        if r.end().checked_add(2).is_none_or(|end| end > prev_smallest) {
            return Err(EncodeError::InvalidField(
                "ACK ranges not descending with gaps",
            ));
        }
        prev_smallest = *r.start();
    }
    Ok(())
}

/// The Gap and ACK Range Length fields for the ranges after `first` (saturating, so invalid
/// ranges give wrong sizes rather than a panic; encoding rejects them first).
fn gaps_and_lengths<'r>(
    first: &'r RangeInclusive<u64>,
    rest: &'r [RangeInclusive<u64>],
) -> impl Iterator<Item = (u64, u64)> + 'r {
    let mut prev_smallest = *first.start();
    rest.iter().map(move |r| {
        let gap = prev_smallest.saturating_sub(*r.end()).saturating_sub(2);
        prev_smallest = *r.start();
        (gap, r.end().saturating_sub(*r.start()))
    })
}
