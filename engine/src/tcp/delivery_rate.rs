//! Delivery-rate samples (draft-cheng-iccrg-delivery-rate-estimation-02,
//! which the BBR draft builds on): each ACK says how many bytes reached
//! the receiver over how long, measured from the most recently sent of
//! the segments it delivered. BBR's bandwidth estimate is the largest
//! recent sample.
//!
//! Each segment remembers, as it leaves, how much had been delivered by
//! then and when; when it is delivered, the difference over the longer
//! of the send and the ACK intervals is the rate (§3.3): the longer one,
//! so that neither a burst of sends nor a burst of ACKs (ACK compression)
//! looks faster than the path.

use crate::time::{Duration, Instant};
use crate::wire::SeqNumber;
use std::collections::VecDeque;

/// The connection's running totals (the draft's `C.*`).
#[derive(Clone, Debug, Default)]
pub struct DeliveryRate {
    /// Bytes delivered (cumulatively or by SACK) since the start.
    delivered: u64,
    /// When `delivered` last grew.
    delivered_time: Option<Instant>,
    /// When the segment whose delivery was last measured was sent.
    first_sent_time: Option<Instant>,
    /// While non-zero, the application is not keeping the window full:
    /// samples until `delivered` passes this are marked app-limited.
    app_limited: u64,
    /// Bytes sent again because they were deemed lost.
    lost: u64,
    /// `lost` when the previous ACK was processed.
    lost_at_last_ack: u64,
    /// Every segment sent and not yet cumulatively acknowledged.
    sent: VecDeque<Sent>,
}

/// A segment's snapshot of the totals when it left (`P.*`).
#[derive(Clone, Copy, Debug)]
struct Sent {
    start: SeqNumber,
    end: SeqNumber,
    sent_time: Instant,
    delivered: u64,
    delivered_time: Instant,
    first_sent_time: Instant,
    is_app_limited: bool,
    /// Bytes in flight when it left, itself included.
    tx_in_flight: u32,
    lost: u64,
    /// Delivered (SACKed) already; waiting for the cumulative ACK.
    done: bool,
}

/// What one ACK measured (`rs.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSample {
    /// Bytes delivered over `interval`.
    pub delivered: u64,
    /// The longer of the send and ACK intervals; zero when there is no
    /// valid rate (then `delivery_rate` is 0).
    pub interval: Duration,
    /// Bytes per second; 0 when the interval was not valid.
    pub delivery_rate: u64,
    /// The application, not the network, limited this sample: it can
    /// only raise an estimate, never lower it.
    pub is_app_limited: bool,
    /// Total delivered when the measured segment left: BBR counts round
    /// trips by it.
    pub prior_delivered: u64,
    /// Bytes in flight when the measured segment left.
    pub tx_in_flight: u32,
    /// Bytes deemed lost between its sending and this ACK.
    pub lost: u64,
    /// Bytes this ACK delivered, and bytes deemed lost since the last ACK.
    pub newly_acked: u64,
    pub newly_lost: u64,
    /// Total delivered after this ACK.
    pub total_delivered: u64,
    /// The round trip this ACK measured (RFC 6298's sample), if any: the
    /// connection fills it in.
    pub rtt: Option<Duration>,
}

impl DeliveryRate {
    /// Bytes `start..end` left at `now`, making `in_flight` bytes
    /// outstanding with them (draft §3.2). A resent range takes fresh
    /// snapshots.
    pub fn on_sent(&mut self, start: SeqNumber, end: SeqNumber, now: Instant, in_flight: u32) {
        if start >= end {
            return;
        }
        if in_flight <= end.since(start) as u32 {
            // Nothing outstanding: the next interval starts now.
            self.first_sent_time = Some(now);
            self.delivered_time = Some(now);
        }
        let snapshot = |start, end| Sent {
            start,
            end,
            sent_time: now,
            delivered: self.delivered,
            delivered_time: self.delivered_time.unwrap_or(now),
            first_sent_time: self.first_sent_time.unwrap_or(now),
            is_app_limited: self.app_limited != 0,
            tx_in_flight: in_flight,
            lost: self.lost,
            done: false,
        };
        match self.sent.back() {
            Some(last) if start < last.end => {
                for s in self.sent.iter_mut().filter(|s| s.start < end && start < s.end) {
                    *s = snapshot(s.start, s.end);
                }
            }
            _ => self.sent.push_back(snapshot(start, end)),
        }
    }

    /// Bytes were sent again because they were deemed lost.
    pub fn on_lost(&mut self, bytes: u64) {
        self.lost += bytes;
    }

    /// Nothing more to send though the window has room (draft §3.4): the
    /// samples until what is in flight now is delivered say little about
    /// the path.
    pub fn on_app_limited(&mut self, in_flight: u32) {
        self.app_limited = (self.delivered + in_flight as u64).max(1);
    }

    /// An ACK covering everything below `una` and inside `sacked` arrived
    /// at `now` (draft §3.3). No sample when it delivered nothing new, or
    /// when its interval is shorter than `min_rtt` (a burst of ACKs for
    /// segments resent in between, which would overstate the rate).
    pub fn on_ack(
        &mut self,
        una: SeqNumber,
        sacked: &[(SeqNumber, SeqNumber)],
        now: Instant,
        min_rtt: Option<Duration>,
    ) -> Option<RateSample> {
        let before = self.delivered;
        let mut newest: Option<Sent> = None;
        for s in self.sent.iter_mut().filter(|s| !s.done) {
            let delivered = s.end <= una || sacked.iter().any(|&(l, r)| l <= s.start && s.end <= r);
            if !delivered {
                continue;
            }
            s.done = true;
            self.delivered += s.end.since(s.start) as u64;
            self.delivered_time = Some(now);
            // The most recently sent of the segments delivered (§3.3 "IsNewestPacket").
            if newest.is_none_or(|n| s.sent_time > n.sent_time || (s.sent_time == n.sent_time && s.end > n.end)) {
                newest = Some(*s);
            }
        }
        while self.sent.front().is_some_and(|s| s.end <= una) {
            self.sent.pop_front();
        }
        if self.app_limited != 0 && self.delivered > self.app_limited {
            self.app_limited = 0;
        }
        let p = newest?;
        self.first_sent_time = Some(p.sent_time);
        let send_elapsed = p.sent_time.saturating_since(p.first_sent_time);
        let ack_elapsed = now.saturating_since(p.delivered_time);
        let mut interval = send_elapsed.max(ack_elapsed);
        let delivered = self.delivered - p.delivered;
        if min_rtt.is_some_and(|min| interval < min) {
            interval = Duration::ZERO;
        }
        let delivery_rate = match interval.micros() {
            0 => 0,
            us => delivered * 1_000_000 / us,
        };
        let newly_lost = self.lost - self.lost_at_last_ack;
        self.lost_at_last_ack = self.lost;
        Some(RateSample {
            delivered,
            interval,
            delivery_rate,
            is_app_limited: p.is_app_limited,
            prior_delivered: p.delivered,
            tx_in_flight: p.tx_in_flight,
            lost: self.lost - p.lost,
            newly_acked: self.delivered - before,
            newly_lost,
            total_delivered: self.delivered,
            rtt: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    fn at(ms: u64) -> Instant {
        Instant::ZERO + Duration::from_millis(ms)
    }

    fn seg(n: u32) -> (SeqNumber, SeqNumber) {
        (SeqNumber(n * MSS), SeqNumber((n + 1) * MSS))
    }

    /// A path that delivers one 1000-byte segment per 10 ms (100 kB/s)
    /// with a 100 ms round trip: ten segments leave at once, and each ACK,
    /// 10 ms apart, sends the next. No sample overstates the bottleneck;
    /// from the third round trip on, each measures it exactly.
    #[test]
    fn acks_spaced_by_a_bottleneck_measure_its_rate() {
        let mut d = DeliveryRate::default();
        for n in 0..10 {
            let (s, e) = seg(n);
            d.on_sent(s, e, at(0), (n + 1) * MSS);
        }
        for j in 0..40 {
            let rs = d.on_ack(seg(j).1, &[], at(100 + 10 * j as u64), None).unwrap();
            assert_eq!(rs.newly_acked, MSS as u64);
            assert!(rs.delivery_rate <= 100_000, "segment {j}: {}", rs.delivery_rate);
            if j < 10 {
                // The first round: (j + 1) segments over 100 + 10j ms.
                assert_eq!(rs.delivery_rate, (j as u64 + 1) * 1_000_000 / (100 + 10 * j as u64));
            }
            if j >= 20 {
                assert_eq!(
                    (rs.delivered, rs.interval),
                    (10 * MSS as u64, Duration::from_millis(100))
                );
                assert_eq!(rs.delivery_rate, 100_000);
            }
            let (s, e) = seg(j + 10);
            d.on_sent(s, e, at(100 + 10 * j as u64), 10 * MSS);
        }
    }

    /// The longer interval wins: ACKs arriving in a burst (compressed)
    /// cannot make the rate look higher than the rate data was sent at.
    #[test]
    fn a_burst_of_acks_does_not_beat_the_send_rate() {
        let mut d = DeliveryRate::default();
        for n in 0..5 {
            let (s, e) = seg(n);
            d.on_sent(s, e, at(20 * n as u64), (n + 1) * MSS);
        }
        // All five delivered in one ACK, 100 ms after the first was sent.
        let rs = d.on_ack(seg(4).1, &[], at(100), None).unwrap();
        assert_eq!(rs.delivered, 5 * MSS as u64);
        // Send interval 80 ms, ACK interval 100 ms: 5000 bytes / 100 ms.
        assert_eq!(rs.interval, Duration::from_millis(100));
        assert_eq!(rs.delivery_rate, 50_000);
    }

    #[test]
    fn sacked_segments_count_as_delivered_once() {
        let mut d = DeliveryRate::default();
        for n in 0..4 {
            let (s, e) = seg(n);
            d.on_sent(s, e, at(0), (n + 1) * MSS);
        }
        let sacked = [(seg(1).0, seg(3).1)];
        let rs = d.on_ack(SeqNumber(0), &sacked, at(100), None).unwrap();
        assert_eq!(rs.newly_acked, 3 * MSS as u64);
        // The hole fills: only its bytes are new.
        let rs = d.on_ack(seg(3).1, &sacked, at(200), None).unwrap();
        assert_eq!(rs.newly_acked, MSS as u64);
        assert_eq!(rs.total_delivered, 4 * MSS as u64);
        assert!(d.on_ack(seg(3).1, &sacked, at(210), None).is_none(), "nothing new");
    }

    #[test]
    fn samples_are_app_limited_until_the_marked_bytes_are_delivered() {
        let mut d = DeliveryRate::default();
        let (s, e) = seg(0);
        d.on_sent(s, e, at(0), MSS);
        d.on_app_limited(MSS);
        let (s, e) = seg(1);
        d.on_sent(s, e, at(1), 2 * MSS);
        assert!(!d.on_ack(seg(0).1, &[], at(100), None).unwrap().is_app_limited);
        assert!(d.on_ack(seg(1).1, &[], at(101), None).unwrap().is_app_limited);
        // All that was in flight at the mark is delivered: no longer limited.
        let (s, e) = seg(2);
        d.on_sent(s, e, at(102), MSS);
        assert!(!d.on_ack(seg(2).1, &[], at(202), None).unwrap().is_app_limited);
    }

    #[test]
    fn an_interval_shorter_than_the_minimum_rtt_gives_no_rate() {
        let mut d = DeliveryRate::default();
        let (s, e) = seg(0);
        d.on_sent(s, e, at(0), MSS);
        let rs = d
            .on_ack(seg(0).1, &[], at(30), Some(Duration::from_millis(50)))
            .unwrap();
        assert_eq!((rs.interval, rs.delivery_rate), (Duration::ZERO, 0));
    }

    #[test]
    fn losses_between_send_and_ack_are_reported() {
        let mut d = DeliveryRate::default();
        for n in 0..3 {
            let (s, e) = seg(n);
            d.on_sent(s, e, at(0), (n + 1) * MSS);
        }
        d.on_lost(MSS as u64);
        let (s, e) = seg(0);
        d.on_sent(s, e, at(50), 3 * MSS);
        let rs = d.on_ack(seg(2).1, &[], at(150), None).unwrap();
        assert_eq!((rs.newly_lost, rs.newly_acked), (MSS as u64, 3 * MSS as u64));
        // Measured from the resent segment, the newest: sent after the loss.
        assert_eq!(rs.lost, 0);
        assert_eq!(rs.tx_in_flight, 3 * MSS);
    }
}
