//! Out-of-order segments held until the gap before them fills
//! (RFC 9293 §3.10.7.4: segments beyond RCV.NXT may be kept for later).
//!
//! Ranges are keyed by their offset in the whole byte stream (a `u64` that
//! never wraps), so sorting never compares sequence numbers as plain
//! integers and advancing RCV.NXT rebases nothing: an insert or a release
//! costs O(log n) in the number of held ranges.

use std::collections::BTreeMap;

/// Byte ranges received beyond RCV.NXT, disjoint.
#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    /// Stream offset of RCV.NXT: bytes delivered in order so far.
    base: u64,
    /// Stream offset of each held range → its bytes.
    ranges: BTreeMap<u64, Vec<u8>>,
    /// Stream offset of a FIN seen out of order, if any.
    fin: Option<u64>,
}

impl Reassembly {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.fin.is_none()
    }

    /// Bytes held out of order.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ranges.values().map(Vec::len).sum()
    }

    /// Forgets everything held (a FIN arrived in order: nothing may follow).
    pub fn clear(&mut self) {
        self.ranges.clear();
        self.fin = None;
    }

    /// Stores `data` starting `offset` bytes past RCV.NXT, keeping only bytes
    /// not already held. Returns true if anything new was stored.
    pub fn insert(&mut self, offset: usize, data: &[u8]) -> bool {
        let data = &data[..self.room_before_fin(offset, data.len())];
        let start = self.base + offset as u64;
        let end = start + data.len() as u64;
        let mut cursor = start;
        let mut added = false;
        while cursor < end {
            // Inside a held range: jump past it.
            if let Some((&at, bytes)) = self.ranges.range(..=cursor).next_back() {
                let held_end = at + bytes.len() as u64;
                if held_end > cursor {
                    cursor = held_end;
                    continue;
                }
            }
            let gap_end = self.ranges.range(cursor..end).next().map_or(end, |(&at, _)| at);
            self.put(cursor, &data[(cursor - start) as usize..(gap_end - start) as usize]);
            added = true;
            cursor = gap_end;
        }
        added
    }

    /// Adds a piece that overlaps nothing held, joined onto the range just
    /// before it when they touch (bytes arriving in order after a hole make
    /// one range, not one per segment).
    fn put(&mut self, at: u64, piece: &[u8]) {
        if let Some((&prev, bytes)) = self.ranges.range_mut(..at).next_back() {
            if prev + bytes.len() as u64 == at {
                bytes.extend_from_slice(piece);
                return;
            }
        }
        self.ranges.insert(at, piece.to_vec());
    }

    /// A FIN at `offset`. The first one stands, and nothing lies past it
    /// (RFC 9293 §3.10.7.4, eighth step): bytes held beyond it are dropped.
    pub fn set_fin(&mut self, offset: usize) {
        if self.fin.is_some() {
            return;
        }
        let fin = self.base + offset as u64;
        self.fin = Some(fin);
        self.ranges.split_off(&fin);
        if let Some((&at, bytes)) = self.ranges.iter_mut().next_back() {
            bytes.truncate((fin - at) as usize);
        }
    }

    /// How many of `len` bytes at `offset` lie before a FIN already seen.
    pub fn room_before_fin(&self, offset: usize, len: usize) -> usize {
        match self.fin {
            Some(fin) => len.min(fin.saturating_sub(self.base + offset as u64) as usize),
            None => len,
        }
    }

    /// RCV.NXT advanced by `n`: removes and appends to `out` the bytes now in
    /// order (contiguous from the new RCV.NXT), and says whether the FIN is next.
    pub fn advance(&mut self, n: usize, out: &mut impl for<'a> Extend<&'a u8>) -> bool {
        self.base += n as u64;
        // Drop what the new RCV.NXT covers; keep the tail of a range it cuts.
        while let Some(entry) = self.ranges.first_entry() {
            let at = *entry.key();
            if at >= self.base {
                break;
            }
            let mut bytes = entry.remove();
            let covered = (self.base - at) as usize;
            if covered < bytes.len() {
                bytes.drain(..covered);
                self.ranges.insert(self.base, bytes);
            }
        }
        while let Some(bytes) = self.ranges.remove(&self.base) {
            out.extend(&bytes);
            self.base += bytes.len() as u64;
        }
        if self.fin.is_some_and(|fin| fin <= self.base) {
            self.fin = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_fill_releases_everything_once() {
        let mut r = Reassembly::default();
        assert!(r.insert(10, b"klmno"));
        assert!(r.insert(5, b"fghij"));
        assert!(!r.insert(6, b"ghi"));
        let mut out = Vec::new();
        // "abcde" arrived in order: advance by 5, the held bytes follow.
        assert!(!r.advance(5, &mut out));
        assert_eq!(out, b"fghijklmno");
        assert!(r.is_empty());
    }

    #[test]
    fn overlapping_inserts_keep_first_copy_and_fill_gaps() {
        let mut r = Reassembly::default();
        r.insert(2, b"CD");
        r.insert(6, b"GH");
        assert!(r.insert(0, b"abcdefghij"));
        assert_eq!(r.len(), 10);
        let mut out = Vec::new();
        r.advance(0, &mut out);
        assert_eq!(out, b"abCDefGHij");
    }

    #[test]
    fn partial_advance_trims_and_rebases() {
        let mut r = Reassembly::default();
        r.insert(4, b"efgh");
        r.set_fin(8);
        let mut out = Vec::new();
        assert!(!r.advance(2, &mut out));
        assert!(out.is_empty());
        assert!(r.advance(2, &mut out));
        assert_eq!(out, b"efgh");
    }

    #[test]
    fn nothing_is_kept_past_the_first_fin() {
        let mut r = Reassembly::default();
        r.insert(2, b"cdefgh");
        r.set_fin(5);
        // A second FIN further on, and bytes past the first, are bogus.
        r.set_fin(9);
        assert!(!r.insert(6, b"xyz"));
        assert_eq!(r.len(), 3);
        let mut out = Vec::new();
        assert!(r.advance(2, &mut out));
        assert_eq!(out, b"cde");
    }

    #[test]
    fn bytes_after_a_hole_join_one_range_and_release_together() {
        let mut r = Reassembly::default();
        for i in 1..1000 {
            assert!(r.insert(i, &[i as u8]));
        }
        assert_eq!(r.ranges.len(), 1, "one-byte segments in order join up");
        let mut out = Vec::new();
        assert!(!r.advance(1, &mut out));
        assert_eq!(out.len(), 999);
        assert_eq!(out[998], (999 % 256) as u8);
        assert!(r.is_empty());
    }

    #[test]
    fn a_late_copy_overlapping_several_ranges_fills_only_the_gaps() {
        let mut r = Reassembly::default();
        r.insert(10, b"k");
        r.insert(12, b"m");
        r.insert(14, b"o");
        assert!(r.insert(9, b"JKLMNOP"));
        let mut out = Vec::new();
        r.advance(9, &mut out);
        assert_eq!(out, b"JkLmNoP");
    }
}
