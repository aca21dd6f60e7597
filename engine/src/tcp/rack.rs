//! RACK-TLP (RFC 8985): loss detection by time instead of by counting.
//!
//! RACK remembers when each segment was last sent. When a segment sent
//! later is delivered (cumulatively or by SACK), an earlier one still
//! missing a round trip plus a reordering window after it was sent is
//! lost: this finds a lost retransmission, and a loss with too few
//! segments after it for three duplicate ACKs. TLP (the tail loss probe)
//! sends one segment after about two round trips of silence, so that even
//! the loss of the last segments draws an ACK for RACK to read.

use crate::time::{Duration, Instant};
use crate::wire::SeqNumber;
use std::collections::VecDeque;

/// WCDelAckT, the longest a receiver is expected to delay an ACK: added to
/// the probe timeout when a single segment is outstanding (RFC 8985 §7.2).
pub const WORST_CASE_DELAYED_ACK: Duration = Duration::from_millis(200);

#[derive(Clone, Debug, Default)]
pub struct Rack {
    /// Every segment sent and not cumulatively acknowledged, in sequence order.
    sent: VecDeque<Sent>,
    /// RACK.xmit_ts and RACK.end_seq: the most recently sent segment known
    /// to be delivered.
    latest: Option<(Instant, SeqNumber)>,
    /// RACK.rtt: that segment's round trip.
    rtt: Duration,
    /// The shortest round trip measured (RACK.min_RTT).
    min_rtt: Option<Duration>,
    /// The tail loss probe in flight, if any (TLP.end_seq, TLP.is_retrans).
    pub probe: Option<Probe>,
    /// The probe timer fired: send a probe.
    pub fire: bool,
    /// A D-SACK arrived while the probe was out: it was not needed.
    pub dsack_seen: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub end_seq: SeqNumber,
    pub retransmission: bool,
}

#[derive(Clone, Copy, Debug)]
struct Sent {
    start: SeqNumber,
    end: SeqNumber,
    /// When it was last sent.
    at: Instant,
    resent: bool,
    delivered: bool,
    lost: bool,
}

impl Rack {
    /// Bytes `start..end` left now (a SYN or FIN counts as a byte).
    pub fn on_sent(&mut self, start: SeqNumber, end: SeqNumber, now: Instant) {
        if start >= end {
            return;
        }
        match self.sent.back() {
            Some(last) if start < last.end => {
                for s in self.sent.iter_mut().filter(|s| s.start < end && start < s.end) {
                    s.at = now;
                    s.resent = true;
                    s.lost = false;
                    s.delivered = false;
                }
            }
            _ => self.sent.push_back(Sent {
                start,
                end,
                at: now,
                resent: false,
                delivered: false,
                lost: false,
            }),
        }
    }

    /// An ACK arrived: everything below `una` and inside `sacked` is
    /// delivered (RFC 8985 §6.2 steps 1–3).
    pub fn on_ack(&mut self, una: SeqNumber, sacked: &[(SeqNumber, SeqNumber)], now: Instant) {
        for s in self.sent.iter_mut().filter(|s| !s.delivered) {
            let delivered = s.end <= una || sacked.iter().any(|&(l, r)| l <= s.start && s.end <= r);
            if !delivered {
                continue;
            }
            s.delivered = true;
            let rtt = now.saturating_since(s.at);
            // Step 2: an ACK quicker than any round trip seen answers an
            // earlier copy of a resent segment, not this one.
            if s.resent && self.min_rtt.is_none_or(|min| rtt < min) {
                continue;
            }
            if !s.resent {
                self.min_rtt = Some(self.min_rtt.map_or(rtt, |m| m.min(rtt)));
            }
            // Step 3: track the most recently sent of those delivered (as
            // Linux does, RACK.rtt is that segment's round trip).
            if self.latest.is_none_or(|(at, end)| sent_after(s.at, s.end, at, end)) {
                self.latest = Some((s.at, s.end));
                self.rtt = rtt;
            }
        }
        while self.sent.front().is_some_and(|s| s.end <= una) {
            self.sent.pop_front();
        }
    }

    /// RACK.reo_wnd (§6.2 step 4): a quarter of the shortest round trip,
    /// no more than the smoothed one.
    fn reordering_window(&self, srtt: Duration) -> Duration {
        let quarter = Duration::from_micros(self.min_rtt.map_or(0, |m| m.micros() / 4));
        quarter.min(srtt)
    }

    /// Marks lost every segment sent before the latest delivered one and
    /// outstanding for longer than RACK.rtt + RACK.reo_wnd (§6.2 step 5).
    /// Returns the ranges newly lost, and when to look again for those not
    /// yet overdue (the reordering timer).
    pub fn detect_loss(&mut self, now: Instant, srtt: Duration) -> (Vec<(SeqNumber, SeqNumber)>, Option<Instant>) {
        let Some((latest_at, latest_end)) = self.latest else {
            return (Vec::new(), None);
        };
        let wait = self.rtt + self.reordering_window(srtt);
        let mut lost = Vec::new();
        let mut again: Option<Instant> = None;
        for s in self.sent.iter_mut().filter(|s| !s.delivered && !s.lost) {
            if !sent_after(latest_at, latest_end, s.at, s.end) {
                continue;
            }
            let deadline = s.at + wait;
            if deadline <= now {
                s.lost = true;
                match lost.last_mut() {
                    Some((_, end)) if *end == s.start => *end = s.end,
                    _ => lost.push((s.start, s.end)),
                }
            } else {
                // The latest deadline, as the RFC's max(remaining).
                again = Some(again.map_or(deadline, |a| a.max(deadline)));
            }
        }
        (lost, again)
    }

    /// The probe timeout from now (§7.2): two smoothed round trips, plus
    /// the worst delayed ACK when one segment is all that is outstanding.
    pub fn probe_timeout(srtt: Option<Duration>, one_segment: bool) -> Duration {
        match srtt {
            Some(srtt) if one_segment => srtt + srtt + WORST_CASE_DELAYED_ACK,
            Some(srtt) => srtt + srtt + Duration::from_millis(2),
            None => Duration::from_secs(1),
        }
    }

    /// The highest segment sent, as it was sent: what a probe resends.
    pub fn last_sent(&self) -> Option<(SeqNumber, SeqNumber)> {
        self.sent.back().map(|s| (s.start, s.end))
    }

    /// A timeout: what was outstanding is sent again from SND.UNA (§6.3).
    pub fn on_timeout(&mut self) {
        self.probe = None;
        self.fire = false;
        self.dsack_seen = false;
    }
}

/// RACK_sent_after: `(t1, end1)` was sent after `(t2, end2)`; at the
/// same instant, the higher sequence was sent later.
fn sent_after(t1: Instant, end1: SeqNumber, t2: Instant, end2: SeqNumber) -> bool {
    t1 > t2 || (t1 == t2 && end1 > end2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Instant = Instant::from_millis;

    fn seg(n: u32) -> (SeqNumber, SeqNumber) {
        (SeqNumber(n * 1000), SeqNumber(n * 1000 + 1000))
    }

    #[test]
    fn a_later_segment_delivered_makes_an_earlier_one_lost_after_rtt_and_reordering_window() {
        let mut r = Rack::default();
        for n in 0..4 {
            let (s, e) = seg(n);
            r.on_sent(s, e, MS(n as u64));
        }
        // Segment 0 is acknowledged at 100 ms: RACK.rtt = 100 ms, min RTT too.
        r.on_ack(seg(0).1, &[], MS(100));
        // Segment 3 is SACKed at 103 ms; 1 and 2 are missing.
        r.on_ack(seg(0).1, &[seg(3)], MS(103));
        // RACK.rtt is now 3's: 100 ms; reo_wnd = 25 ms. Segment 1 (sent at
        // 1 ms) is overdue at 126 ms, segment 2 at 127 ms.
        let srtt = Duration::from_millis(100);
        let (lost, again) = r.detect_loss(MS(110), srtt);
        assert!(lost.is_empty());
        assert_eq!(again, Some(MS(127)));
        let (lost, _) = r.detect_loss(MS(126), srtt);
        assert_eq!(lost, vec![seg(1)]);
        let (lost, again) = r.detect_loss(MS(127), srtt);
        assert_eq!((lost, again), (vec![seg(2)], None));
    }

    #[test]
    fn a_lost_retransmission_is_found_when_a_later_send_is_delivered() {
        let mut r = Rack::default();
        for n in 0..3 {
            let (s, e) = seg(n);
            r.on_sent(s, e, MS(0));
        }
        r.on_ack(seg(0).1, &[], MS(100));
        // Segment 1 resent at 200 ms, then lost again; new segment 3 sent at
        // 210 ms is SACKed at 310 ms: 1's resend is older, so it is lost
        // once 100 ms + 25 ms have passed since 200 ms.
        r.on_sent(seg(1).0, seg(1).1, MS(200));
        let (s, e) = seg(3);
        r.on_sent(s, e, MS(210));
        r.on_ack(seg(0).1, &[seg(2), seg(3)], MS(310));
        let (lost, _) = r.detect_loss(MS(325), Duration::from_millis(100));
        assert_eq!(lost, vec![seg(1)]);
    }

    #[test]
    fn probe_timeout_follows_rfc8985() {
        let srtt = Some(Duration::from_millis(50));
        assert_eq!(Rack::probe_timeout(srtt, false).millis(), 102);
        assert_eq!(Rack::probe_timeout(srtt, true).millis(), 300);
        assert_eq!(Rack::probe_timeout(None, false).millis(), 1000);
    }
}
