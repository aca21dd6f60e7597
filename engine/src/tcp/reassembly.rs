//! Out-of-order segments held until the gap before them fills
//! (RFC 9293 §3.10.7.4: segments beyond RCV.NXT may be kept for later).
//!
//! Bytes are kept by their offset from RCV.NXT, which the receive window
//! bounds, with a mark for each byte that has arrived. Storing a segment
//! or releasing bytes costs O(their length), however many holes there are:
//! a sorted list of ranges searched from the front cost O(ranges) per
//! segment (13.8 s for a 256 KB window of one-byte segments, SegmentSmack's
//! pattern). Plain byte vectors, checked and copied a slice at a time, are
//! as fast as a tree of ranges here and cost 3.5 KB less of the page's wasm.

#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    /// `bytes[start + i]` is the byte at RCV.NXT + i, where `held[start + i]`
    /// is 1. What lies before `start` is spent, and dropped in bulk.
    bytes: Vec<u8>,
    held: Vec<u8>,
    start: usize,
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
        let (from, to) = (self.start + offset, self.start + offset + data.len());
        if self.held.len() < to {
            self.bytes.resize(to, 0);
            self.held.resize(to, 0);
        }
        let (held, bytes) = (&mut self.held[from..to], &mut self.bytes[from..to]);
        let before = self.count;
        if held_in(held) == 0 {
            // The usual case: nothing of it is here yet.
            bytes.copy_from_slice(data);
            held.fill(1);
            self.count += data.len();
        } else {
            for ((h, b), &d) in held.iter_mut().zip(bytes.iter_mut()).zip(data) {
                if *h == 0 {
                    (*h, *b) = (1, d);
                    self.count += 1;
                }
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
        let end = self.start + offset;
        if self.held.len() > end {
            self.count -= held_in(&self.held[end..]);
            self.held.truncate(end);
            self.bytes.truncate(end);
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
    pub fn advance(&mut self, n: usize, out: &mut impl for<'a> Extend<&'a u8>) -> bool {
        let mut run = 0;
        if self.count == 0 {
            // Nothing held: the usual case costs nothing.
            self.bytes.clear();
            self.held.clear();
            self.start = 0;
            return self.advance_fin(n);
        }
        // What the new RCV.NXT covers arrived again in order: forget it.
        let covered = (self.start + n).min(self.held.len());
        self.count -= held_in(&self.held[self.start..covered]);
        run += held_run(&self.held[covered..]);
        out.extend(&self.bytes[covered..covered + run]);
        self.count -= run;
        self.start = covered + run;
        if self.start == self.held.len() {
            // Nothing beyond: start afresh, keeping the allocation.
            self.bytes.clear();
            self.held.clear();
            self.start = 0;
        } else if self.start > self.held.len() / 2 {
            // Drop the spent front in bulk, so it never outgrows what is held.
            self.bytes.drain(..self.start);
            self.held.drain(..self.start);
            self.start = 0;
        }
        self.advance_fin(n + run)
    }

    /// The run of held bytes around `offset` (from RCV.NXT), as offsets
    /// (first, one past the last): a SACK block (RFC 2018 §3).
    pub fn run_around(&self, offset: usize) -> Option<(usize, usize)> {
        let at = self.start.checked_add(offset)?;
        if self.held.get(at) != Some(&1) {
            return None;
        }
        let before = held_run_back(&self.held[self.start..at]);
        let after = held_run(&self.held[at..]);
        Some((offset - before, offset + after))
    }

    /// RCV.NXT moved on by `n`: whether it reached an out-of-order FIN.
    fn advance_fin(&mut self, n: usize) -> bool {
        match self.fin {
            Some(fin) if fin <= n => {
                self.fin = None;
                true
            }
            Some(fin) => {
                self.fin = Some(fin - n);
                false
            }
            None => false,
        }
    }
}

/// Eight marks at a time: each byte of the word is 0 or 1.
const ALL_HELD: u64 = 0x0101_0101_0101_0101;

fn words(marks: &[u8]) -> (impl Iterator<Item = u64> + '_, &[u8]) {
    let (chunks, rest) = marks.as_chunks::<8>();
    (chunks.iter().map(|&c| u64::from_le_bytes(c)), rest)
}

/// How many bytes are marked as held.
fn held_in(marks: &[u8]) -> usize {
    let (words, rest) = words(marks);
    // The bytes of a word of 0s and 1s sum to its top byte times ALL_HELD.
    let whole: usize = words.map(|w| (w.wrapping_mul(ALL_HELD) >> 56) as usize).sum();
    whole + rest.iter().map(|&h| h as usize).sum::<usize>()
}

/// How many marks from the first are held, without a gap.
fn held_run(marks: &[u8]) -> usize {
    let (words, _) = words(marks);
    let whole = 8 * words.take_while(|&w| w == ALL_HELD).count();
    whole + marks[whole..].iter().take_while(|&&h| h == 1).count()
}

/// How many marks before the end are held, without a gap.
fn held_run_back(marks: &[u8]) -> usize {
    marks.iter().rev().take_while(|&&h| h == 1).count()
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

    #[test]
    fn the_run_around_a_byte_is_its_sack_block() {
        let mut r = Reassembly::default();
        r.insert(10, &[0; 20]);
        r.insert(40, &[0; 5]);
        assert_eq!(r.run_around(15), Some((10, 30)));
        assert_eq!(r.run_around(10), Some((10, 30)));
        assert_eq!(r.run_around(29), Some((10, 30)));
        assert_eq!(r.run_around(30), None);
        assert_eq!(r.run_around(44), Some((40, 45)));
        assert_eq!(r.run_around(usize::MAX), None);
        r.advance(4, &mut Vec::new());
        assert_eq!(r.run_around(6), Some((6, 26)), "offsets follow RCV.NXT");
    }

    #[test]
    fn runs_and_counts_cross_word_boundaries() {
        let mut r = Reassembly::default();
        // 1..=12 held, 13 missing, 14..=30 held: runs of 12 and 17 bytes.
        let data: Vec<u8> = (0..40).collect();
        r.insert(1, &data[1..13]);
        r.insert(14, &data[14..31]);
        assert_eq!(r.len(), 29);
        let mut out = Vec::new();
        assert!(!r.advance(1, &mut out));
        assert_eq!(out, &data[1..13]);
        assert_eq!(r.len(), 17);
        out.clear();
        r.advance(1, &mut out);
        assert_eq!(out, &data[14..31]);
        assert!(r.is_empty());
    }
}
