//! The sender's SACK scoreboard (RFC 6675 §3–§4): which bytes above
//! SND.UNA the receiver holds, which are presumed lost, how much is still
//! in the network ("pipe"), and which segment to send next.
//!
//! Between two SACKed blocks lies a hole the receiver lacks. Whether a
//! byte is lost depends only on what is SACKed above it, and nothing is
//! SACKed inside a hole, so each hole is lost or not as a whole.

use super::recovery::DUP_ACK_THRESHOLD;
use crate::wire::{SackBlocks, SeqNumber};

#[derive(Clone, Debug, Default)]
pub struct Scoreboard {
    /// SACKed ranges above SND.UNA, sorted and merged.
    sacked: Vec<(SeqNumber, SeqNumber)>,
    /// One past the highest byte retransmitted in this recovery (HighRxt).
    pub high_rxt: Option<SeqNumber>,
    /// Ranges RACK marked lost (RFC 8985): lost whatever is SACKed above.
    #[cfg(feature = "modern")]
    marked_lost: Vec<(SeqNumber, SeqNumber)>,
}

/// A hole: bytes the receiver has not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hole {
    pub start: SeqNumber,
    pub end: SeqNumber,
    /// IsLost (RFC 6675 §4): enough is SACKed above it.
    pub lost: bool,
}

impl Scoreboard {
    #[cfg(any(test, feature = "modern"))]
    pub fn sacked(&self) -> &[(SeqNumber, SeqNumber)] {
        &self.sacked
    }

    /// Forgets everything: after a timeout, the receiver may have dropped
    /// what it SACKed (RFC 2018 §8: the sender must ignore prior SACKs).
    pub fn clear(&mut self) {
        self.sacked.clear();
        self.high_rxt = None;
        #[cfg(feature = "modern")]
        self.marked_lost.clear();
    }

    /// RACK found `start..end` lost. If it had been resent, the resend was
    /// lost too: HighRxt goes back so that NextSeg picks it again.
    #[cfg(feature = "modern")]
    pub fn mark_lost(&mut self, start: SeqNumber, end: SeqNumber) {
        self.marked_lost.push((start, end));
        if self.high_rxt.is_some_and(|h| h > start) {
            self.high_rxt = Some(start);
        }
    }

    /// Records the blocks of an ACK for `una` while `max` was the highest
    /// sent. Blocks below SND.UNA (D-SACKs) or beyond SND.MAX are ignored.
    /// Returns the bytes SACKed for the first time.
    pub fn update(&mut self, una: SeqNumber, max: SeqNumber, blocks: &SackBlocks) -> usize {
        self.acknowledge(una);
        let before = self.sacked_bytes();
        for (left, right) in blocks.iter() {
            let (left, right) = (left.max(una), right.min(max));
            if left < right {
                self.insert(left, right);
            }
        }
        self.sacked_bytes() - before
    }

    /// SND.UNA moved to `una`: what lies below it is acknowledged.
    pub fn acknowledge(&mut self, una: SeqNumber) {
        self.sacked.retain(|&(_, right)| right > una);
        if let Some(first) = self.sacked.first_mut() {
            first.0 = first.0.max(una);
        }
        if self.high_rxt.is_some_and(|h| h <= una) {
            self.high_rxt = None;
        }
        #[cfg(feature = "modern")]
        self.marked_lost.retain(|&(_, end)| end > una);
    }

    fn insert(&mut self, left: SeqNumber, right: SeqNumber) {
        let (mut left, mut right) = (left, right);
        // Merge with every range it touches, then put it in order.
        self.sacked.retain(|&(l, r)| {
            let apart = r < left || l > right;
            if !apart {
                left = left.min(l);
                right = right.max(r);
            }
            apart
        });
        let at = self
            .sacked
            .iter()
            .position(|&(l, _)| l > left)
            .unwrap_or(self.sacked.len());
        self.sacked.insert(at, (left, right));
    }

    fn sacked_bytes(&self) -> usize {
        self.sacked.iter().map(|&(l, r)| r.since(l)).sum()
    }

    /// The highest SACKed byte, plus one.
    pub fn high_sacked(&self) -> Option<SeqNumber> {
        self.sacked.last().map(|&(_, r)| r)
    }

    /// The holes between SND.UNA and SND.MAX, lowest first: RFC 6675's
    /// IsLost(seq) is true when DupThresh discontiguous SACKed blocks, or
    /// more than (DupThresh − 1) × SMSS bytes, lie above `seq`.
    pub fn holes(&self, una: SeqNumber, max: SeqNumber, smss: u32) -> Vec<Hole> {
        let mut holes = Vec::new();
        let mut start = una;
        let total = self.sacked_bytes();
        let mut sacked_above = total;
        for (i, &(left, right)) in self.sacked.iter().enumerate() {
            if start < left {
                let blocks_above = self.sacked.len() - i;
                let lost = blocks_above >= DUP_ACK_THRESHOLD as usize
                    || sacked_above > ((DUP_ACK_THRESHOLD - 1) * smss) as usize;
                self.push_hole(&mut holes, start, left, lost);
            }
            sacked_above -= right.since(left);
            start = right;
        }
        if start < max {
            self.push_hole(&mut holes, start, max, false);
        }
        holes
    }

    /// A hole, lost as a whole by RFC 6675's rule, or else lost only in
    /// the parts RACK marked (the rest of it is still in flight).
    fn push_hole(&self, holes: &mut Vec<Hole>, start: SeqNumber, end: SeqNumber, lost: bool) {
        #[cfg_attr(not(feature = "modern"), allow(unused_mut))]
        let mut at = start;
        #[cfg(feature = "modern")]
        if !lost {
            let mut marks: Vec<(SeqNumber, SeqNumber)> = self
                .marked_lost
                .iter()
                .filter(|&&(l, r)| l < end && start < r)
                .map(|&(l, r)| (l.max(start), r.min(end)))
                .collect();
            marks.sort_by_key(|m| m.0.since(start));
            for (l, r) in marks {
                if at < l {
                    holes.push(Hole {
                        start: at,
                        end: l,
                        lost: false,
                    });
                }
                if at < r {
                    holes.push(Hole {
                        start: l.max(at),
                        end: r,
                        lost: true,
                    });
                    at = r;
                }
            }
        }
        if at < end {
            holes.push(Hole { start: at, end, lost });
        }
    }

    /// IsLost(SND.UNA): the first unacknowledged segment is presumed lost
    /// (RFC 6675 §5: recovery may start before three duplicate ACKs).
    pub fn first_lost(&self, una: SeqNumber, max: SeqNumber, smss: u32) -> bool {
        self.holes(una, max, smss)
            .first()
            .is_some_and(|h| h.start == una && h.lost)
    }

    /// SetPipe (RFC 6675 §4): bytes presumed in the network. A byte counts
    /// once if it is neither SACKed nor lost, and once more if it was
    /// retransmitted.
    pub fn pipe(&self, una: SeqNumber, max: SeqNumber, smss: u32) -> u32 {
        let high_rxt = self.high_rxt.unwrap_or(una);
        let pipe: usize = self
            .holes(una, max, smss)
            .iter()
            .map(|h| {
                let in_flight = if h.lost { 0 } else { h.end.since(h.start) };
                let resent = if h.start < high_rxt {
                    high_rxt.min(h.end).since(h.start)
                } else {
                    0
                };
                in_flight + resent
            })
            .sum();
        pipe.min(u32::MAX as usize) as u32
    }

    /// NextSeg (RFC 6675 §4) rules 1 and 3: the first byte not yet
    /// retransmitted of a hole below the highest SACK, lost holes first;
    /// rule 3's not-lost holes only when `rule3` (no new data can go).
    /// Returns (seq, len) of at most one SMSS.
    pub fn next_seg(&self, una: SeqNumber, max: SeqNumber, smss: u32, rule3: bool) -> Option<(SeqNumber, usize)> {
        let high_sacked = self.high_sacked()?;
        let high_rxt = self.high_rxt.unwrap_or(una);
        let holes = self.holes(una, max, smss);
        let pick = |want_lost: bool| {
            holes.iter().find_map(|h| {
                let start = h.start.max(high_rxt);
                // Above the highest SACK only RACK marks bytes lost (RFC
                // 8985 §6.2): those go again too.
                (h.lost == want_lost && start < h.end && (h.lost || h.end <= high_sacked))
                    .then(|| (start, h.end.since(start).min(smss as usize)))
            })
        };
        pick(true).or_else(|| if rule3 { pick(false) } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1000;

    fn blocks(list: &[(u32, u32)]) -> SackBlocks {
        let mut b = SackBlocks::default();
        for &(l, r) in list {
            b.push(SeqNumber(l), SeqNumber(r));
        }
        b
    }

    /// Ten segments 0..10_000 sent; 1000..2000, 4000..5000 and 6000..7000
    /// lost; everything else after the first SACKed.
    fn three_losses() -> Scoreboard {
        let mut sb = Scoreboard::default();
        let (una, max) = (SeqNumber(1000), SeqNumber(10_000));
        for right in [3000, 4000, 6000, 8000, 9000, 10_000] {
            let acks = blocks(&[(right - 1000, right)]);
            sb.update(una, max, &acks);
        }
        sb
    }

    #[test]
    fn blocks_merge_in_order_and_ack_trims_them() {
        let mut sb = Scoreboard::default();
        let new = sb.update(SeqNumber(0), SeqNumber(10_000), &blocks(&[(5000, 6000), (2000, 3000)]));
        assert_eq!(new, 2000);
        assert_eq!(
            sb.update(SeqNumber(0), SeqNumber(10_000), &blocks(&[(3000, 5000)])),
            2000
        );
        assert_eq!(sb.sacked(), [(SeqNumber(2000), SeqNumber(6000))]);
        // A block repeated, one below SND.UNA (a D-SACK) and one beyond
        // SND.MAX add nothing.
        let again = blocks(&[(2000, 6000), (0, 500), (20_000, 21_000)]);
        assert_eq!(sb.update(SeqNumber(1000), SeqNumber(10_000), &again), 0);
        sb.acknowledge(SeqNumber(4000));
        assert_eq!(sb.sacked(), [(SeqNumber(4000), SeqNumber(6000))]);
    }

    #[test]
    fn holes_are_lost_when_three_segments_are_sacked_above_them() {
        let sb = three_losses();
        let holes = sb.holes(SeqNumber(1000), SeqNumber(10_000), SMSS);
        let got: Vec<_> = holes.iter().map(|h| (h.start.0, h.end.0, h.lost)).collect();
        // 6000..7000 has three segments above it but as one block of 3000
        // bytes: more than (DupThresh − 1) × SMSS, so lost too.
        assert_eq!(got, [(1000, 2000, true), (4000, 5000, true), (6000, 7000, true)]);
        assert!(sb.first_lost(SeqNumber(1000), SeqNumber(10_000), SMSS));
        // With only two segments above it, a hole is not yet lost.
        let mut sb = Scoreboard::default();
        sb.update(SeqNumber(0), SeqNumber(5000), &blocks(&[(1000, 3000)]));
        assert!(!sb.first_lost(SeqNumber(0), SeqNumber(5000), SMSS));
    }

    #[test]
    fn pipe_counts_what_is_neither_sacked_nor_lost_plus_retransmissions() {
        let mut sb = three_losses();
        let (una, max) = (SeqNumber(1000), SeqNumber(12_000));
        // 10_000..12_000 was sent after the SACKs: in flight, not lost.
        assert_eq!(sb.pipe(una, max, SMSS), 2000);
        assert_eq!(sb.next_seg(una, max, SMSS, false), Some((SeqNumber(1000), 1000)));
        sb.high_rxt = Some(SeqNumber(2000));
        assert_eq!(sb.pipe(una, max, SMSS), 3000, "the retransmission is in flight");
        assert_eq!(sb.next_seg(una, max, SMSS, false), Some((SeqNumber(4000), 1000)));
        sb.high_rxt = Some(SeqNumber(7000));
        assert_eq!(sb.next_seg(una, max, SMSS, false), None, "every lost hole resent");
    }

    #[test]
    fn rule_three_sends_a_hole_not_yet_lost_below_the_highest_sack() {
        let mut sb = Scoreboard::default();
        let (una, max) = (SeqNumber(0), SeqNumber(4000));
        sb.update(una, max, &blocks(&[(1000, 2000)]));
        assert_eq!(sb.next_seg(una, max, SMSS, false), None);
        assert_eq!(sb.next_seg(una, max, SMSS, true), Some((SeqNumber(0), 1000)));
    }

    /// RACK marks one segment lost above the highest SACK (a segment sent
    /// later was delivered): only it leaves the pipe, the rest of the
    /// hole stays in flight, and NextSeg resends it.
    #[cfg(feature = "modern")]
    #[test]
    fn a_segment_rack_marks_above_the_highest_sack_is_lost_alone() {
        let mut sb = Scoreboard::default();
        let (una, max) = (SeqNumber(0), SeqNumber(10_000));
        sb.update(una, max, &blocks(&[(1000, 2000)]));
        sb.mark_lost(SeqNumber(2000), SeqNumber(3000));
        let holes = sb.holes(una, max, SMSS);
        let lost: Vec<_> = holes.iter().filter(|h| h.lost).map(|h| (h.start.0, h.end.0)).collect();
        assert_eq!(lost, [(2000, 3000)]);
        // 0..1000 and 3000..10_000 are still in flight.
        assert_eq!(sb.pipe(una, max, SMSS), 8000);
        assert_eq!(sb.next_seg(una, max, SMSS, false), Some((SeqNumber(2000), 1000)));
    }
}
