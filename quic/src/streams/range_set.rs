//! A set of disjoint, non-adjacent half-open `u64` ranges, kept sorted.

use std::collections::BTreeMap;
use std::ops::Range;

/// Disjoint ranges, merged on insertion; map from start to end.
#[derive(Debug, Clone, Default)]
pub(super) struct RangeSet {
    map: BTreeMap<u64, u64>,
}

impl RangeSet {
    /// Adds `range`, merging it with any range it overlaps or touches.
    pub(super) fn insert(&mut self, range: Range<u64>) {
        let (mut start, mut end) = (range.start, range.end);
        if start >= end {
            return;
        }
        if let Some((&s, &e)) = self.map.range(..=start).next_back()
            && e >= start
        {
            if e >= end {
                return;
            }
            start = s;
            self.map.remove(&s);
        }
        while let Some((&s, &e)) = self.map.range(start..).next() {
            if s > end {
                break;
            }
            end = end.max(e);
            self.map.remove(&s);
        }
        self.map.insert(start, end);
    }

    /// Removes `range` from the set, splitting ranges it cuts through.
    pub(super) fn remove(&mut self, range: Range<u64>) {
        let (start, end) = (range.start, range.end);
        if start >= end {
            return;
        }
        if let Some((&s, &e)) = self.map.range(..start).next_back()
            && e > start
        {
            self.map.insert(s, start);
            if e > end {
                self.map.insert(end, e);
                return;
            }
        }
        while let Some((&s, &e)) = self.map.range(start..end).next() {
            self.map.remove(&s);
            if e > end {
                self.map.insert(end, e);
                break;
            }
        }
    }

    /// The lowest range.
    pub(super) fn first(&self) -> Option<Range<u64>> {
        self.map.first_key_value().map(|(&s, &e)| s..e)
    }

    /// Removes and returns the range starting exactly at `start`, if any.
    pub(super) fn take_starting_at(&mut self, start: u64) -> Option<Range<u64>> {
        self.map.remove(&start).map(|end| start..end)
    }

    /// The parts of `range` not in the set, lowest first.
    pub(super) fn gaps_in(&self, range: Range<u64>) -> Vec<Range<u64>> {
        let mut gaps = Vec::new();
        if range.start >= range.end {
            return gaps;
        }
        let mut cursor = range.start;
        let first = self
            .map
            .range(..=range.start)
            .next_back()
            .map(|(&s, &e)| (s, e));
        let rest = self
            .map
            .range(range.start..range.end)
            .map(|(&s, &e)| (s, e));
        for (s, e) in first.into_iter().chain(rest) {
            if cursor >= range.end {
                break;
            }
            if s > cursor {
                gaps.push(cursor..s.min(range.end));
            }
            cursor = cursor.max(e);
        }
        if cursor < range.end {
            gaps.push(cursor..range.end);
        }
        gaps
    }

    /// Whether the set is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The ranges, lowest first.
    #[cfg(test)]
    fn to_vec(&self) -> Vec<Range<u64>> {
        self.map.iter().map(|(&s, &e)| s..e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ranges: &[Range<u64>]) -> RangeSet {
        let mut s = RangeSet::default();
        for r in ranges {
            s.insert(r.clone());
        }
        s
    }

    #[test]
    fn insert_merges_overlapping_and_adjacent() {
        let mut s = set(&[10..20, 30..40]);
        assert_eq!(s.to_vec(), vec![10..20, 30..40]);
        s.insert(20..25);
        assert_eq!(s.to_vec(), vec![10..25, 30..40]);
        s.insert(5..35);
        assert_eq!(s.to_vec(), vec![5..40]);
        s.insert(12..13);
        assert_eq!(s.to_vec(), vec![5..40]);
        s.insert(41..41);
        assert_eq!(s.to_vec(), vec![5..40]);
        s.insert(0..100);
        assert_eq!(s.to_vec(), vec![0..100]);
    }

    #[test]
    fn remove_splits() {
        let mut s = RangeSet::default();
        s.insert(0..100);
        s.remove(10..20);
        assert_eq!(s.to_vec(), vec![0..10, 20..100]);
        s.remove(5..25);
        assert_eq!(s.to_vec(), vec![0..5, 25..100]);
        s.remove(50..50);
        s.remove(90..200);
        assert_eq!(s.to_vec(), vec![0..5, 25..90]);
        s.remove(0..90);
        assert!(s.is_empty());
        let mut s = set(&[0..10, 20..30, 40..50]);
        s.remove(5..45);
        assert_eq!(s.to_vec(), vec![0..5, 45..50]);
        assert_eq!(s.first(), Some(0..5));
        assert_eq!(s.take_starting_at(45), Some(45..50));
        assert_eq!(s.take_starting_at(1), None);
    }

    #[test]
    fn gaps() {
        let s = set(&[10..20, 30..40]);
        assert_eq!(s.gaps_in(0..50), vec![0..10, 20..30, 40..50]);
        assert_eq!(s.gaps_in(15..35), vec![20..30]);
        assert_eq!(s.gaps_in(12..18), Vec::<Range<u64>>::new());
        assert_eq!(s.gaps_in(20..30), vec![20..30]);
        assert_eq!(s.gaps_in(5..12), vec![5..10]);
        assert_eq!(RangeSet::default().gaps_in(3..4), vec![3..4]);
        assert_eq!(
            s.gaps_in(Range { start: 40, end: 30 }),
            Vec::<Range<u64>>::new()
        );
    }
}
