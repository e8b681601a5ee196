//! A set of packet numbers kept as disjoint inclusive ranges, for remembering which packet
//! numbers the peer acknowledged (persistent congestion must know whether any packet between two
//! lost ones was acknowledged).

use std::collections::BTreeMap;

use smallvec::SmallVec;

/// Disjoint, non-adjacent inclusive ranges keyed by their start.
#[derive(Debug, Clone, Default)]
pub(crate) struct PnSet {
    ranges: BTreeMap<u64, u64>,
}

impl PnSet {
    /// Adds `lo..=hi` (nothing if `lo > hi`), merging with overlapping or adjacent ranges.
    /// Costs O((1 + merged ranges) log n), whatever the width of the range.
    pub(crate) fn insert(&mut self, lo: u64, hi: u64) {
        if lo > hi {
            return;
        }
        let (mut lo, mut hi) = (lo, hi);
        if let Some((&s, &e)) = self.ranges.range(..=lo).next_back()
            && e.saturating_add(1) >= lo
        {
            if e >= hi {
                return;
            }
            self.ranges.remove(&s);
            lo = s;
        }
        while let Some((&s, &e)) = self.ranges.range(lo..=hi.saturating_add(1)).next() {
            self.ranges.remove(&s);
            hi = hi.max(e);
        }
        self.ranges.insert(lo, hi);
    }

    /// Adds `lo..=hi` as [`insert`](Self::insert) does and returns the parts of it that were
    /// not in the set before, in increasing order. Costs what `insert` costs.
    pub(crate) fn insert_new(&mut self, lo: u64, hi: u64) -> SmallVec<[(u64, u64); 4]> {
        let mut fresh = SmallVec::new();
        if lo > hi {
            return fresh;
        }
        // `cursor`: the first number not yet known to be held or reported (`None`: past
        // u64::MAX).
        let mut cursor = Some(lo);
        if let Some((_, &e)) = self.ranges.range(..lo).next_back()
            && e >= lo
        {
            cursor = e.checked_add(1);
        }
        for (&s, &e) in self.ranges.range(lo..=hi) {
            let Some(c) = cursor else { break };
            if s > c {
                fresh.push((c, s - 1));
            }
            cursor = e.checked_add(1).map(|n| n.max(c));
        }
        if let Some(c) = cursor
            && c <= hi
        {
            fresh.push((c, hi));
        }
        self.insert(lo, hi);
        fresh
    }

    /// Whether some number strictly between `a` and `b` is in the set.
    pub(crate) fn any_between(&self, a: u64, b: u64) -> bool {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (Some(first), Some(last)) = (lo.checked_add(1), hi.checked_sub(1)) else {
            return false;
        };
        if first > last {
            return false;
        }
        self.ranges
            .range(..=last)
            .next_back()
            .is_some_and(|(_, &e)| e >= first)
    }

    /// Forgets every number below `floor`.
    pub(crate) fn remove_below(&mut self, floor: u64) {
        let mut kept = self.ranges.split_off(&floor);
        if let Some((_, &e)) = self.ranges.last_key_value()
            && e >= floor
        {
            kept.insert(floor, e);
        }
        self.ranges = kept;
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.ranges.clear();
    }

    #[cfg(test)]
    fn to_vec(&self) -> Vec<(u64, u64)> {
        self.ranges.iter().map(|(&s, &e)| (s, e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_overlapping_and_adjacent() {
        let mut s = PnSet::default();
        s.insert(10, 12);
        s.insert(20, 25);
        s.insert(5, 3);
        assert_eq!(s.to_vec(), [(10, 12), (20, 25)]);
        s.insert(13, 14);
        assert_eq!(s.to_vec(), [(10, 14), (20, 25)]);
        s.insert(11, 12);
        assert_eq!(s.to_vec(), [(10, 14), (20, 25)]);
        s.insert(16, 19);
        assert_eq!(s.to_vec(), [(10, 14), (16, 25)]);
        s.insert(0, 100);
        assert_eq!(s.to_vec(), [(0, 100)]);
        s.insert(u64::MAX - 1, u64::MAX);
        s.insert(101, u64::MAX - 2);
        assert_eq!(s.to_vec(), [(0, u64::MAX)]);
    }

    #[test]
    fn insert_new_reports_what_was_missing() {
        let mut s = PnSet::default();
        assert_eq!(s.insert_new(10, 12).as_slice(), [(10, 12)]);
        assert!(s.insert_new(11, 12).is_empty());
        assert!(s.insert_new(3, 1).is_empty());
        s.insert(20, 25);
        assert_eq!(s.insert_new(5, 30).as_slice(), [(5, 9), (13, 19), (26, 30)]);
        assert_eq!(s.to_vec(), [(5, 30)]);
        assert_eq!(s.insert_new(0, 5).as_slice(), [(0, 4)]);
        assert_eq!(
            s.insert_new(u64::MAX - 1, u64::MAX).as_slice(),
            [(u64::MAX - 1, u64::MAX)]
        );
        assert_eq!(s.insert_new(0, u64::MAX).as_slice(), [(31, u64::MAX - 2)]);
        assert!(s.insert_new(7, u64::MAX).is_empty());
    }

    #[test]
    fn between_and_pruning() {
        let mut s = PnSet::default();
        s.insert(5, 6);
        s.insert(10, 10);
        assert!(!s.any_between(6, 10));
        assert!(!s.any_between(0, 5));
        assert!(s.any_between(0, 6));
        assert!(s.any_between(9, 11));
        assert!(s.any_between(11, 9));
        assert!(!s.any_between(10, 10));
        assert!(!s.any_between(u64::MAX, u64::MAX));
        s.remove_below(6);
        assert_eq!(s.to_vec(), [(6, 6), (10, 10)]);
        s.remove_below(7);
        assert_eq!(s.to_vec(), [(10, 10)]);
        s.clear();
        assert!(s.to_vec().is_empty());
    }
}
