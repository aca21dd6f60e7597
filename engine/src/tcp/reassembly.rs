//! Out-of-order segments held until the gap before them fills
//! (RFC 9293 §3.10.7.4: segments beyond RCV.NXT may be kept for later).
//!
//! Bytes are kept by their offset from RCV.NXT, which the receive window
//! bounds, with a mark for each byte that has arrived. Storing a segment
//! or releasing bytes costs O(their length), however many holes there are:
//! a sorted list of ranges searched from the front cost O(ranges) per
//! segment (13.8 s for a 256 KB window of one-byte segments, SegmentSmack's
//! pattern); this takes milliseconds. It shares its code with the receive
//! buffer's `VecDeque<u8>`, which a tree of ranges would not (3.5 KB gzip
//! of the page's wasm).

use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    /// `bytes[i]` is the byte at RCV.NXT + i, where `held[i]` is 1.
    bytes: VecDeque<u8>,
    held: VecDeque<u8>,
    /// How many bytes are held.
    count: usize,
    /// Offset of a FIN seen out of order, if any.
    fin: Option<usize>,
}

impl Reassembly {
    pub fn is_empty(&self) -> bool {
        self.count == 0 && self.fin.is_none()
    }

    /// Bytes held out of order.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Forgets everything held (a FIN arrived in order: nothing may follow).
    pub fn clear(&mut self) {
        *self = Reassembly::default();
    }

    /// Stores `data` starting `offset` bytes past RCV.NXT, keeping only bytes
    /// not already held. Returns true if anything new was stored.
    pub fn insert(&mut self, offset: usize, data: &[u8]) -> bool {
        let data = &data[..self.room_before_fin(offset, data.len())];
        let end = offset + data.len();
        if self.held.len() < end {
            self.bytes.resize(end, 0);
            self.held.resize(end, 0);
        }
        let before = self.count;
        for (k, &byte) in (offset..end).zip(data) {
            if self.held[k] == 0 {
                self.held[k] = 1;
                self.bytes[k] = byte;
                self.count += 1;
            }
        }
        self.count > before
    }

    /// A FIN at `offset`. The first one stands, and nothing lies past it
    /// (RFC 9293 §3.10.7.4, eighth step): bytes held beyond it are dropped.
    pub fn set_fin(&mut self, offset: usize) {
        if self.fin.is_some() {
            return;
        }
        self.fin = Some(offset);
        if self.held.len() > offset {
            self.count -= self.held.range(offset..).filter(|&&h| h == 1).count();
            self.held.truncate(offset);
            self.bytes.truncate(offset);
        }
    }

    /// How many of `len` bytes at `offset` lie before a FIN already seen.
    pub fn room_before_fin(&self, offset: usize, len: usize) -> usize {
        match self.fin {
            Some(fin) => len.min(fin.saturating_sub(offset)),
            None => len,
        }
    }

    /// RCV.NXT advanced by `n`: removes and appends to `out` the bytes now in
    /// order (contiguous from the new RCV.NXT), and says whether the FIN is next.
    pub fn advance(&mut self, n: usize, out: &mut impl Extend<u8>) -> bool {
        // What the new RCV.NXT covers arrived again in order: forget it.
        let covered = n.min(self.held.len());
        self.count -= self.held.drain(..covered).filter(|&h| h == 1).count();
        self.bytes.drain(..covered);
        let run = self.held.iter().take_while(|&&h| h == 1).count();
        out.extend(self.bytes.drain(..run));
        self.held.drain(..run);
        self.count -= run;
        match self.fin {
            Some(fin) if fin <= n + run => {
                self.fin = None;
                true
            }
            Some(fin) => {
                self.fin = Some(fin - n - run);
                false
            }
            None => false,
        }
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
