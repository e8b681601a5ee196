//! Size arithmetic shared by the frames that carry data: how much fits, and where data may end.

use crate::coding::{VarInt, size_of_varint};

/// Whether `len` bytes starting at stream offset `offset` end at or below 2^62 - 1 (RFC 9000
/// §19.6, §19.8).
pub(super) fn end_fits(offset: u64, len: usize) -> bool {
    u64::try_from(len)
        .ok()
        .and_then(|n| offset.checked_add(n))
        .is_some_and(|end| end <= VarInt::MAX.get())
}

/// The most data bytes that fit in `avail` bytes left after a frame's other fields, with or
/// without a varint Length field before the data; `None` if not even empty data fits.
pub(super) fn max_data(avail: usize, with_len: bool) -> Option<usize> {
    if !with_len {
        return Some(avail);
    }
    // Try each Length field size; a smaller field can leave room for more data.
    [1usize, 2, 4, 8]
        .into_iter()
        .filter_map(|field| {
            let largest_for_field = match field {
                1 => (1 << 6) - 1,
                2 => (1 << 14) - 1,
                4 => (1 << 30) - 1,
                _ => VarInt::MAX.get(),
            };
            let room = avail.checked_sub(field)?;
            let cap = usize::try_from(largest_for_field).unwrap_or(usize::MAX);
            Some(room.min(cap))
        })
        .max()
}

/// The most data bytes that may follow stream offset `offset`, as a `usize`.
pub(super) fn room_after(offset: u64) -> usize {
    usize::try_from(VarInt::MAX.get().saturating_sub(offset)).unwrap_or(usize::MAX)
}

/// Bytes a varint Length field for `len` data bytes takes.
pub(super) fn len_field(len: usize) -> usize {
    size_of_varint(len as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_data_is_exact() {
        assert_eq!(max_data(0, true), None);
        assert_eq!(max_data(0, false), Some(0));
        for avail in 1..20_000usize {
            let n = max_data(avail, true).unwrap();
            assert!(n + len_field(n) <= avail, "{avail}");
            assert!(n + 1 + len_field(n + 1) > avail, "{avail}");
        }
        assert_eq!(max_data(64, true), Some(63));
        assert_eq!(max_data(65, true), Some(63));
        assert_eq!(max_data(66, true), Some(64));
    }

    #[test]
    fn ends() {
        assert!(end_fits(VarInt::MAX.get(), 0));
        assert!(!end_fits(VarInt::MAX.get(), 1));
        assert!(!end_fits(u64::MAX, 1));
        assert!(end_fits(0, 100));
        assert_eq!(room_after(VarInt::MAX.get() - 3), 3);
        assert_eq!(room_after(u64::MAX), 0);
    }
}
