//! Out-of-order segments held until the gap before them fills
//! (RFC 9293 §3.10.7.4: segments beyond RCV.NXT may be kept for later).

/// Byte ranges received beyond RCV.NXT, kept sorted and non-overlapping.
/// Ranges are stored as offsets from RCV.NXT so sorting never compares
/// sequence numbers as plain integers.
#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    /// (offset from rcv_nxt, bytes), sorted by offset, disjoint.
    ranges: Vec<(usize, Vec<u8>)>,
    /// Offset of a FIN seen out of order, if any.
    fin: Option<usize>,
}

impl Reassembly {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.fin.is_none()
    }

    /// Bytes held out of order.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|(_, b)| b.len()).sum()
    }

    /// Stores `data` starting `offset` bytes past RCV.NXT, keeping only bytes
    /// not already held. Returns true if anything new was stored.
    pub fn insert(&mut self, offset: usize, data: &[u8]) -> bool {
        let data = &data[..self.room_before_fin(offset, data.len())];
        let mut added = false;
        let mut start = offset;
        let end = offset + data.len();
        let mut i = 0;
        while start < end {
            // Skip ranges that end before `start`.
            while i < self.ranges.len() && self.ranges[i].0 + self.ranges[i].1.len() <= start {
                i += 1;
            }
            let gap_end = match self.ranges.get(i) {
                Some((o, _)) if *o <= start => {
                    // `start` is inside an existing range: jump past it.
                    start = o + self.ranges[i].1.len();
                    continue;
                }
                Some((o, _)) => (*o).min(end),
                None => end,
            };
            let piece = data[start - offset..gap_end - offset].to_vec();
            self.ranges.insert(i, (start, piece));
            added = true;
            i += 1;
            start = gap_end;
        }
        added
    }

    /// A FIN at `offset`. The first one stands, and nothing lies past it
    /// (RFC 9293 §3.10.7.4, eighth step): bytes held beyond it are dropped.
    pub fn set_fin(&mut self, offset: usize) {
        if self.fin.is_some() {
            return;
        }
        self.fin = Some(offset);
        self.ranges.retain_mut(|(o, bytes)| {
            bytes.truncate(offset.saturating_sub(*o));
            !bytes.is_empty()
        });
    }

    /// How many of `len` bytes at `offset` lie before a FIN already seen.
    pub fn room_before_fin(&self, offset: usize, len: usize) -> usize {
        match self.fin {
            Some(fin) => len.min(fin.saturating_sub(offset)),
            None => len,
        }
    }

    /// RCV.NXT advanced by `n`: removes and returns bytes that are now in
    /// order (contiguous from the new RCV.NXT), and whether the FIN is next.
    pub fn advance(&mut self, n: usize, out: &mut Vec<u8>) -> bool {
        let mut cursor = n;
        self.ranges.retain_mut(|(o, bytes)| {
            if *o + bytes.len() <= n {
                return false;
            }
            if *o < n {
                bytes.drain(..n - *o);
                *o = n;
            }
            true
        });
        let mut taken = 0;
        for (o, bytes) in &self.ranges {
            if *o != cursor {
                break;
            }
            out.extend_from_slice(bytes);
            cursor += bytes.len();
            taken += 1;
        }
        self.ranges.drain(..taken);
        let shift = cursor;
        for (o, _) in &mut self.ranges {
            *o -= shift;
        }
        match self.fin {
            Some(f) if f <= shift => {
                self.fin = None;
                true
            }
            Some(f) => {
                self.fin = Some(f - shift);
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
}
