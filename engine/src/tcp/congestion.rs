//! Congestion control: RFC 5681 (slow start, congestion avoidance, fast
//! retransmit, fast recovery) with the NewReno modification of RFC 6582.
//!
//! All amounts are in bytes. The connection tells this module what happened
//! (new data acknowledged, a duplicate ACK, a timeout); it answers with what
//! to retransmit, and keeps cwnd and ssthresh.

use crate::wire::SeqNumber;
use serde::{Deserialize, Serialize};

/// Duplicate ACKs that trigger fast retransmit (RFC 5681 §3.2).
pub const DUP_ACK_THRESHOLD: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    SlowStart,
    CongestionAvoidance,
    FastRecovery,
}

/// What the sender must do after an ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckOutcome {
    Nothing,
    /// Third duplicate ACK: retransmit the first unacknowledged segment.
    FastRetransmit,
    /// NewReno partial ACK: retransmit the next hole, stay in recovery.
    PartialAck,
}

#[derive(Clone, Debug)]
pub struct Congestion {
    smss: u32,
    /// The initial window (RFC 5681 §3.1), also the restart window's cap.
    initial: u32,
    cwnd: u32,
    ssthresh: u32,
    dup_acks: u32,
    /// Bytes sent beyond cwnd by Limited Transmit since the last new ACK.
    limited_sent: u32,
    /// `Some(recover)` while in fast recovery (RFC 6582 §3.2).
    recovery: Option<SeqNumber>,
    /// Highest sequence number sent when the last loss was detected, so that
    /// duplicate ACKs for data sent before it do not trigger another fast
    /// retransmit (RFC 6582 §3.2 step 2, "recover").
    recover: Option<SeqNumber>,
}

impl Congestion {
    /// Starts in slow start with the RFC 5681 §3.1 initial window, or
    /// `initial_segments` full segments when given.
    pub fn new(smss: u32, initial_segments: Option<u32>) -> Self {
        let smss = smss.max(1);
        let cwnd = match initial_segments {
            Some(n) => n.max(1).saturating_mul(smss),
            None if smss > 2190 => 2 * smss,
            None if smss > 1095 => 3 * smss,
            None => 4 * smss,
        };
        Congestion {
            smss,
            initial: cwnd,
            cwnd,
            // "arbitrarily high" (RFC 5681 §3.1)
            ssthresh: u32::MAX,
            dup_acks: 0,
            limited_sent: 0,
            recovery: None,
            recover: None,
        }
    }

    /// Recomputes the initial window once the peer's MSS is known.
    pub fn set_smss(&mut self, smss: u32, initial_segments: Option<u32>) {
        *self = Congestion::new(smss, initial_segments);
    }

    /// The SYN or SYN-ACK was lost: start from one segment (RFC 5681 §3.1).
    pub fn restrict_initial_window(&mut self) {
        self.cwnd = self.smss;
    }

    /// RFC 5681 §4.1: RW = min(IW, cwnd) after an idle period.
    pub fn restart_after_idle(&mut self) {
        self.cwnd = self.cwnd.min(self.initial);
    }

    /// Limited Transmit (RFC 3042 §2, RFC 5681 §3.2 step 1): the first and
    /// second duplicate ACKs each let one new segment go beyond cwnd.
    pub fn limited_transmit_allowance(&self) -> u32 {
        match (self.recovery, self.dup_acks) {
            (None, n @ 1..=2) => n * self.smss,
            _ => 0,
        }
    }

    /// `bytes` of a segment went out beyond cwnd under Limited Transmit.
    pub fn on_limited_transmit(&mut self, bytes: u32) {
        self.limited_sent = self.limited_sent.saturating_add(bytes);
    }

    pub fn cwnd(&self) -> u32 {
        self.cwnd
    }
    pub fn ssthresh(&self) -> u32 {
        self.ssthresh
    }
    pub fn dup_acks(&self) -> u32 {
        self.dup_acks
    }
    pub fn phase(&self) -> Phase {
        if self.recovery.is_some() {
            Phase::FastRecovery
        } else if self.cwnd < self.ssthresh {
            Phase::SlowStart
        } else {
            Phase::CongestionAvoidance
        }
    }

    /// An ACK advanced SND.UNA to `ack`, acknowledging `acked` new bytes;
    /// `flight` is what is still outstanding after it.
    pub fn on_new_ack(&mut self, ack: SeqNumber, acked: u32, flight: u32) -> AckOutcome {
        self.dup_acks = 0;
        self.limited_sent = 0;
        if let Some(recover) = self.recovery {
            if ack > recover {
                // Full acknowledgment: deflate the window (RFC 6582 §3.2 step 3, option 1).
                self.cwnd = self.ssthresh.min(flight.max(self.smss) + self.smss);
                self.recovery = None;
                return AckOutcome::Nothing;
            }
            // Partial acknowledgment: deflate by the amount acked, add back
            // one SMSS if at least that much was acked (RFC 6582 §3.2 step 3).
            self.cwnd = self.cwnd.saturating_sub(acked);
            if acked >= self.smss {
                self.cwnd += self.smss;
            }
            self.cwnd = self.cwnd.max(self.smss);
            return AckOutcome::PartialAck;
        }
        if self.cwnd < self.ssthresh {
            // Slow start: grow by at most one SMSS per ACK (RFC 5681 §3.1, eq. 2).
            self.cwnd = self.cwnd.saturating_add(acked.min(self.smss));
        } else {
            // Congestion avoidance: about one SMSS per round trip (RFC 5681 §3.1, eq. 3).
            let step = (self.smss as u64 * self.smss as u64 / self.cwnd.max(1) as u64).max(1);
            self.cwnd = self.cwnd.saturating_add(step as u32);
        }
        AckOutcome::Nothing
    }

    /// A duplicate ACK (RFC 5681 §2 definition) arrived. `flight` is the
    /// data outstanding, `highest_sent` the last sequence number sent.
    pub fn on_dup_ack(&mut self, snd_una: SeqNumber, flight: u32, highest_sent: SeqNumber) -> AckOutcome {
        self.dup_acks += 1;
        if self.recovery.is_some() {
            // Each further duplicate means a segment left the network (RFC 5681 §3.2 step 4).
            self.cwnd = self.cwnd.saturating_add(self.smss);
            return AckOutcome::Nothing;
        }
        if self.dup_acks != DUP_ACK_THRESHOLD {
            return AckOutcome::Nothing;
        }
        // Only if the ACK covers more than "recover" (RFC 6582 §3.2 step 2):
        // otherwise these duplicates belong to a loss already handled.
        if let Some(recover) = self.recover {
            if snd_una <= recover {
                return AckOutcome::Nothing;
            }
        }
        // "additional data sent in limited transmit MUST NOT be included in
        // this calculation" (RFC 5681 §3.2 step 2).
        self.ssthresh = self.loss_ssthresh(flight.saturating_sub(self.limited_sent));
        self.cwnd = self.ssthresh + DUP_ACK_THRESHOLD * self.smss;
        self.recovery = Some(highest_sent);
        self.recover = Some(highest_sent);
        AckOutcome::FastRetransmit
    }

    /// The retransmission timer expired (RFC 5681 §3.1 eq. 4, RFC 6582 §4).
    pub fn on_timeout(&mut self, flight: u32, highest_sent: SeqNumber) {
        self.ssthresh = self.loss_ssthresh(flight);
        // Loss window: one full segment.
        self.cwnd = self.smss;
        self.dup_acks = 0;
        self.recovery = None;
        self.recover = Some(highest_sent);
    }

    /// ssthresh = max(FlightSize / 2, 2 * SMSS) (RFC 5681 §3.1, eq. 4).
    fn loss_ssthresh(&self, flight: u32) -> u32 {
        (flight / 2).max(2 * self.smss)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    #[test]
    fn initial_window_follows_rfc5681() {
        assert_eq!(Congestion::new(1460, None).cwnd(), 4380);
        assert_eq!(Congestion::new(536, None).cwnd(), 2144);
        assert_eq!(Congestion::new(3000, None).cwnd(), 6000);
        assert_eq!(Congestion::new(1000, Some(1)).cwnd(), 1000);
    }

    #[test]
    fn slow_start_then_avoidance() {
        let mut c = Congestion::new(MSS, Some(1));
        let mut ack = SeqNumber(0);
        for _ in 0..3 {
            ack += MSS as usize;
            c.on_new_ack(ack, MSS, 0);
        }
        assert_eq!(c.cwnd(), 4 * MSS);
        assert_eq!(c.phase(), Phase::SlowStart);
        c.on_timeout(4 * MSS, ack);
        assert_eq!(c.ssthresh(), 2 * MSS);
        assert_eq!(c.cwnd(), MSS);
        ack += MSS as usize;
        c.on_new_ack(ack, MSS, 0);
        assert_eq!(c.cwnd(), 2 * MSS);
        assert_eq!(c.phase(), Phase::CongestionAvoidance);
        ack += MSS as usize;
        c.on_new_ack(ack, MSS, 0);
        // SMSS * SMSS / cwnd = 1000 * 1000 / 2000
        assert_eq!(c.cwnd(), 2 * MSS + MSS / 2);
    }

    #[test]
    fn three_dup_acks_enter_fast_recovery_and_full_ack_leaves_it() {
        let mut c = Congestion::new(MSS, Some(10));
        let una = SeqNumber(5000);
        let high = SeqNumber(14_999);
        assert_eq!(c.on_dup_ack(una, 10 * MSS, high), AckOutcome::Nothing);
        assert_eq!(c.on_dup_ack(una, 10 * MSS, high), AckOutcome::Nothing);
        assert_eq!(c.on_dup_ack(una, 10 * MSS, high), AckOutcome::FastRetransmit);
        assert_eq!(c.ssthresh(), 5 * MSS);
        assert_eq!(c.cwnd(), 8 * MSS);
        assert_eq!(c.phase(), Phase::FastRecovery);
        c.on_dup_ack(una, 10 * MSS, high);
        assert_eq!(c.cwnd(), 9 * MSS);
        // A partial ACK keeps recovery going and asks for the next hole.
        assert_eq!(c.on_new_ack(SeqNumber(7000), 2 * MSS, 8 * MSS), AckOutcome::PartialAck);
        assert_eq!(c.phase(), Phase::FastRecovery);
        // A full ACK ends it with cwnd deflated to at most ssthresh.
        assert_eq!(c.on_new_ack(SeqNumber(15_000), 8 * MSS, 0), AckOutcome::Nothing);
        assert_eq!(c.cwnd(), 2 * MSS);
        assert_ne!(c.phase(), Phase::FastRecovery);
    }

    #[test]
    fn dup_acks_below_recover_do_not_retrigger() {
        let mut c = Congestion::new(MSS, Some(10));
        c.on_timeout(10 * MSS, SeqNumber(20_000));
        for _ in 0..3 {
            assert_eq!(
                c.on_dup_ack(SeqNumber(10_000), 5 * MSS, SeqNumber(20_000)),
                AckOutcome::Nothing
            );
        }
    }
}
