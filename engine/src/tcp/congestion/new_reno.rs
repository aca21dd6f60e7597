//! RFC 5681's window rules: slow start, congestion avoidance, and the
//! ssthresh and cwnd a loss leaves. With the connection's recovery (RFC
//! 6582, in `tcp::recovery`) this is NewReno.

use super::{Ack, Controller, Phase};
use crate::time::Instant;

#[derive(Clone, Debug)]
pub struct NewReno {
    smss: u32,
    /// The initial window (RFC 5681 §3.1), also the restart window's cap.
    initial: u32,
    cwnd: u32,
    ssthresh: u32,
}

impl NewReno {
    /// Starts in slow start with the RFC 5681 §3.1 initial window, or
    /// `initial_segments` full segments when given; ssthresh starts at
    /// `ssthresh_segments` full segments, or arbitrarily high.
    pub fn new(smss: u32, initial_segments: Option<u32>, ssthresh_segments: Option<u32>) -> Self {
        let smss = smss.max(1);
        let cwnd = match initial_segments {
            Some(n) => n.max(1).saturating_mul(smss),
            None if smss > 2190 => 2 * smss,
            None if smss > 1095 => 3 * smss,
            None => 4 * smss,
        };
        NewReno {
            smss,
            initial: cwnd,
            cwnd,
            // "arbitrarily high" (RFC 5681 §3.1) unless told otherwise
            ssthresh: ssthresh_segments.map_or(u32::MAX, |n| n.max(2).saturating_mul(smss)),
        }
    }

    /// ssthresh = max(FlightSize / 2, 2 * SMSS) (RFC 5681 §3.1, eq. 4).
    fn loss_ssthresh(&self, flight: u32) -> u32 {
        (flight / 2).max(2 * self.smss)
    }
}

impl Controller for NewReno {
    fn on_ack(&mut self, ack: &Ack<'_>) {
        if self.cwnd < self.ssthresh {
            // Slow start: grow by at most one SMSS per ACK (RFC 5681 §3.1, eq. 2).
            self.cwnd = self.cwnd.saturating_add(ack.acked.min(self.smss));
        } else {
            // Congestion avoidance: about one SMSS per round trip (RFC 5681 §3.1, eq. 3).
            let step = (self.smss as u64 * self.smss as u64 / self.cwnd.max(1) as u64).max(1);
            self.cwnd = self.cwnd.saturating_add(step as u32);
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, flight: u32) {
        // RFC 5681 §3.2 step 2; recovery adds the segments that left.
        self.ssthresh = self.loss_ssthresh(flight);
        self.cwnd = self.ssthresh;
    }

    fn on_recovery_end(&mut self, _now: Instant, flight: Option<u32>) {
        self.cwnd = super::window_after_recovery(self.ssthresh, self.smss, flight);
    }

    fn on_timeout(&mut self, _now: Instant, flight: u32) {
        // RFC 5681 §3.1 eq. 4, and the loss window of one full segment.
        self.ssthresh = self.loss_ssthresh(flight);
        self.cwnd = self.smss;
    }

    fn restart_after_idle(&mut self) {
        // RFC 5681 §4.1: RW = min(IW, cwnd).
        self.cwnd = self.cwnd.min(self.initial);
    }

    fn restrict_initial_window(&mut self) {
        self.cwnd = self.smss;
    }

    fn window(&self) -> u32 {
        self.cwnd
    }

    fn ssthresh(&self) -> u32 {
        self.ssthresh
    }

    fn phase(&self) -> Phase {
        if self.cwnd < self.ssthresh {
            Phase::SlowStart
        } else {
            Phase::CongestionAvoidance
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::rtt::RttEstimator;
    use crate::time::Duration;

    const MSS: u32 = 1000;

    fn ack(c: &mut NewReno, acked: u32) {
        let rtt = RttEstimator::new(Duration::from_secs(1), Duration::from_secs(1), Duration::from_secs(60));
        c.on_ack(&Ack {
            now: Instant::ZERO,
            acked,
            flight: 0,
            rtt: &rtt,
        });
    }

    #[test]
    fn initial_window_follows_rfc5681() {
        assert_eq!(NewReno::new(1460, None, None).window(), 4380);
        assert_eq!(NewReno::new(536, None, None).window(), 2144);
        assert_eq!(NewReno::new(3000, None, None).window(), 6000);
        assert_eq!(NewReno::new(1000, Some(1), None).window(), 1000);
    }

    #[test]
    fn slow_start_then_avoidance() {
        let mut c = NewReno::new(MSS, Some(1), None);
        for _ in 0..3 {
            ack(&mut c, MSS);
        }
        assert_eq!(c.window(), 4 * MSS);
        assert_eq!(c.phase(), Phase::SlowStart);
        c.on_timeout(Instant::ZERO, 4 * MSS);
        assert_eq!(c.ssthresh(), 2 * MSS);
        assert_eq!(c.window(), MSS);
        ack(&mut c, MSS);
        assert_eq!(c.window(), 2 * MSS);
        assert_eq!(c.phase(), Phase::CongestionAvoidance);
        ack(&mut c, MSS);
        // SMSS * SMSS / cwnd = 1000 * 1000 / 2000
        assert_eq!(c.window(), 2 * MSS + MSS / 2);
    }

    #[test]
    fn a_loss_halves_the_flight_and_recovery_end_deflates() {
        let mut c = NewReno::new(MSS, Some(10), None);
        c.on_congestion_event(Instant::ZERO, 10 * MSS);
        assert_eq!((c.ssthresh(), c.window()), (5 * MSS, 5 * MSS));
        c.on_recovery_end(Instant::ZERO, Some(0));
        assert_eq!(c.window(), 2 * MSS, "min(ssthresh, max(FlightSize, SMSS) + SMSS)");
        c.on_congestion_event(Instant::ZERO, 10 * MSS);
        c.on_recovery_end(Instant::ZERO, None);
        assert_eq!(c.window(), 5 * MSS, "SACK recovery leaves cwnd at ssthresh");
    }

    #[test]
    fn restart_after_idle_caps_at_the_initial_window() {
        let mut c = NewReno::new(MSS, Some(4), None);
        for _ in 0..6 {
            ack(&mut c, MSS);
        }
        c.restart_after_idle();
        assert_eq!(c.window(), 4 * MSS);
    }
}
