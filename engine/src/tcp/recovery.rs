//! Loss detection and recovery, apart from congestion control: duplicate
//! ACK counting (RFC 5681 §3.2), Limited Transmit (RFC 3042), and NewReno's
//! fast recovery (RFC 6582). The controller is told when a loss starts and
//! ends; while NewReno recovery lasts, the window is the controller's plus
//! the inflation this module keeps. With SACK (RFC 6675) there is no
//! inflation: the connection sends while cwnd exceeds the scoreboard's pipe.

use super::congestion::{Ack, Controller, Phase};
use super::RetransmitReason;
use crate::time::Instant;
use crate::wire::SeqNumber;

/// Duplicate ACKs that trigger fast retransmit (RFC 5681 §3.2).
pub const DUP_ACK_THRESHOLD: u32 = 3;

#[derive(Clone, Debug)]
pub struct Recovery {
    smss: u32,
    /// The peer SACKs: recovery follows RFC 6675, not NewReno's inflation.
    sack: bool,
    dup_acks: u32,
    /// Bytes sent beyond cwnd by Limited Transmit since the last new ACK.
    limited_sent: u32,
    /// `Some(recover)` while in fast recovery (RFC 6582 §3.2).
    recovering: Option<SeqNumber>,
    /// Highest sequence number sent when the last loss was detected, so that
    /// duplicate ACKs for data sent before it do not trigger another fast
    /// retransmit (RFC 6582 §3.2 step 2, "recover").
    recover: Option<SeqNumber>,
    /// What fast recovery adds to the controller's window: three segments
    /// for the duplicates that started it, one per further duplicate (RFC
    /// 5681 §3.2 steps 3–4), less what partial ACKs deflate (RFC 6582 §3.2).
    inflation: i64,
}

impl Recovery {
    pub fn new(smss: u32, sack: bool) -> Self {
        Recovery {
            smss: smss.max(1),
            sack,
            dup_acks: 0,
            limited_sent: 0,
            recovering: None,
            recover: None,
            inflation: 0,
        }
    }

    pub fn dup_acks(&self) -> u32 {
        self.dup_acks
    }

    pub fn in_recovery(&self) -> bool {
        self.recovering.is_some()
    }

    /// In recovery per RFC 6675: the scoreboard decides what to send.
    pub fn in_sack_recovery(&self) -> bool {
        super::MODERN && self.sack && self.in_recovery()
    }

    /// The window the sender may fill: the controller's, inflated during
    /// fast recovery, never below one segment.
    pub fn window(&self, cc: &dyn Controller) -> u32 {
        if self.recovering.is_none() {
            return cc.window();
        }
        let inflated = cc.window() as i64 + self.inflation;
        inflated.clamp(self.smss as i64, u32::MAX as i64) as u32
    }

    pub fn phase(&self, cc: &dyn Controller) -> Phase {
        if self.in_recovery() {
            Phase::FastRecovery
        } else {
            cc.phase()
        }
    }

    /// Limited Transmit (RFC 3042 §2, RFC 5681 §3.2 step 1): the first and
    /// second duplicate ACKs each let one new segment go beyond cwnd.
    pub fn limited_transmit_allowance(&self) -> u32 {
        match (self.recovering, self.dup_acks) {
            (None, n @ 1..=2) => n * self.smss,
            _ => 0,
        }
    }

    /// `bytes` of a segment went out beyond cwnd under Limited Transmit.
    pub fn on_limited_transmit(&mut self, bytes: u32) {
        self.limited_sent = self.limited_sent.saturating_add(bytes);
    }

    /// An ACK advanced SND.UNA to `ack`: ends or continues recovery, or lets
    /// the controller grow. Returns what to retransmit at once, if anything.
    pub fn on_new_ack(&mut self, cc: &mut dyn Controller, ack: SeqNumber, info: &Ack<'_>) -> Option<RetransmitReason> {
        self.dup_acks = 0;
        self.limited_sent = 0;
        let Some(recover) = self.recovering else {
            // Only acknowledged data grows the window, not a SYN or FIN
            // (RFC 5681 §3.1 counts "new data").
            if info.acked > 0 {
                cc.on_ack(info);
            }
            return None;
        };
        if ack > recover {
            // Full acknowledgment (RFC 6582 §3.2 step 3).
            self.recovering = None;
            self.inflation = 0;
            cc.on_recovery_end(info.now, (!self.sack).then_some(info.flight));
            return None;
        }
        if self.sack {
            // RFC 6675 §5 (C): the scoreboard picks what to resend next.
            return None;
        }
        // Partial acknowledgment: deflate by the amount acked, add back one
        // SMSS if at least that much was acked, resend the next hole.
        self.inflation -= info.acked as i64;
        if info.acked >= self.smss {
            self.inflation += self.smss as i64;
        }
        Some(RetransmitReason::PartialAck)
    }

    /// A duplicate ACK (RFC 5681 §2 definition) arrived while `flight` bytes
    /// up to `highest_sent` are outstanding from `snd_una`.
    pub fn on_dup_ack(
        &mut self,
        cc: &mut dyn Controller,
        now: Instant,
        snd_una: SeqNumber,
        flight: u32,
        highest_sent: SeqNumber,
    ) -> Option<RetransmitReason> {
        self.dup_acks += 1;
        if self.in_recovery() && !self.sack {
            // Each further duplicate means a segment left the network (RFC 5681 §3.2 step 4).
            self.inflation += self.smss as i64;
            return None;
        }
        if self.in_recovery() || self.dup_acks != DUP_ACK_THRESHOLD {
            return None;
        }
        self.enter(cc, now, snd_una, flight, highest_sent)
    }

    /// Loss is detected: fast recovery starts, unless the loss belongs to
    /// one already handled. RFC 6675 §5 also enters when the scoreboard
    /// finds SND.UNA's segment lost before the third duplicate ACK.
    pub fn enter(
        &mut self,
        cc: &mut dyn Controller,
        now: Instant,
        snd_una: SeqNumber,
        flight: u32,
        highest_sent: SeqNumber,
    ) -> Option<RetransmitReason> {
        // Only if the ACK covers more than "recover" (RFC 6582 §3.2 step 2,
        // RFC 6675 §5 "RecoveryPoint"): otherwise these duplicates belong
        // to a loss already handled.
        if self.in_recovery() || self.recover.is_some_and(|recover| snd_una <= recover) {
            return None;
        }
        // "additional data sent in limited transmit MUST NOT be included in
        // this calculation" (RFC 5681 §3.2 step 2).
        cc.on_congestion_event(now, flight.saturating_sub(self.limited_sent));
        self.inflation = if self.sack {
            0
        } else {
            (DUP_ACK_THRESHOLD * self.smss) as i64
        };
        self.recovering = Some(highest_sent);
        self.recover = Some(highest_sent);
        Some(RetransmitReason::FastRetransmit)
    }

    /// The retransmission timer expired (RFC 6582 §4): recovery is over,
    /// and duplicates for what was sent before it must not start another.
    pub fn on_timeout(&mut self, highest_sent: SeqNumber) {
        self.dup_acks = 0;
        self.recovering = None;
        self.inflation = 0;
        self.recover = Some(highest_sent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::congestion::NewReno;
    use crate::tcp::rtt::RttEstimator;
    use crate::time::Duration;

    const MSS: u32 = 1000;

    fn new_ack(r: &mut Recovery, cc: &mut NewReno, ack: u32, acked: u32, flight: u32) -> Option<RetransmitReason> {
        let rtt = RttEstimator::new(Duration::from_secs(1), Duration::from_secs(1), Duration::from_secs(60));
        let info = Ack {
            now: Instant::ZERO,
            acked,
            flight,
            rtt: &rtt,
        };
        r.on_new_ack(cc, SeqNumber(ack), &info)
    }

    #[test]
    fn three_dup_acks_enter_fast_recovery_and_full_ack_leaves_it() {
        let (mut r, mut cc) = (Recovery::new(MSS, false), NewReno::new(MSS, Some(10), None));
        let una = SeqNumber(5000);
        let high = SeqNumber(14_999);
        let mut dup = |r: &mut Recovery| r.on_dup_ack(&mut cc, Instant::ZERO, una, 10 * MSS, high);
        assert_eq!(dup(&mut r), None);
        assert_eq!(dup(&mut r), None);
        assert_eq!(dup(&mut r), Some(RetransmitReason::FastRetransmit));
        assert_eq!(cc.ssthresh(), 5 * MSS);
        assert_eq!(r.window(&cc), 8 * MSS, "ssthresh + 3 SMSS");
        assert_eq!(r.phase(&cc), Phase::FastRecovery);
        r.on_dup_ack(&mut cc, Instant::ZERO, una, 10 * MSS, high);
        assert_eq!(r.window(&cc), 9 * MSS);
        // A partial ACK keeps recovery going and asks for the next hole.
        assert_eq!(
            new_ack(&mut r, &mut cc, 7000, 2 * MSS, 8 * MSS),
            Some(RetransmitReason::PartialAck)
        );
        assert_eq!(r.window(&cc), 8 * MSS, "deflated by 2 SMSS, one added back");
        // A full ACK ends it with cwnd deflated to at most ssthresh.
        assert_eq!(new_ack(&mut r, &mut cc, 15_000, 8 * MSS, 0), None);
        assert_eq!(r.window(&cc), 2 * MSS);
        assert_ne!(r.phase(&cc), Phase::FastRecovery);
    }

    #[test]
    fn dup_acks_below_recover_do_not_retrigger() {
        let (mut r, mut cc) = (Recovery::new(MSS, false), NewReno::new(MSS, Some(10), None));
        r.on_timeout(SeqNumber(20_000));
        for _ in 0..3 {
            let again = r.on_dup_ack(&mut cc, Instant::ZERO, SeqNumber(10_000), 5 * MSS, SeqNumber(20_000));
            assert_eq!(again, None);
        }
    }

    #[test]
    fn limited_transmit_segments_are_left_out_of_ssthresh() {
        let (mut r, mut cc) = (Recovery::new(MSS, false), NewReno::new(MSS, Some(4), None));
        let (una, high) = (SeqNumber(0), SeqNumber(5999));
        r.on_dup_ack(&mut cc, Instant::ZERO, una, 4 * MSS, high);
        assert_eq!(r.limited_transmit_allowance(), MSS);
        r.on_limited_transmit(MSS);
        r.on_dup_ack(&mut cc, Instant::ZERO, una, 5 * MSS, high);
        assert_eq!(r.limited_transmit_allowance(), 2 * MSS);
        r.on_limited_transmit(MSS);
        r.on_dup_ack(&mut cc, Instant::ZERO, una, 6 * MSS, high);
        assert_eq!(
            cc.ssthresh(),
            2 * MSS,
            "half of the 4 segments sent before Limited Transmit"
        );
        assert_eq!(r.limited_transmit_allowance(), 0);
    }
}
