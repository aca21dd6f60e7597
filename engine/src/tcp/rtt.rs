//! Retransmission timeout estimation, RFC 6298.
//!
//! The backoff lives here, not in the timer, so clearing and re-arming the
//! timer cannot lose it (RFC 6298 §5.5; smoltcp #1020).

use crate::time::Duration;

/// Clock granularity G (RFC 6298 §2): our clock ticks in microseconds, but a
/// 1 ms floor keeps RTTVAR from collapsing to zero on a jitter-free wire.
const GRANULARITY: Duration = Duration::from_millis(1);

/// The RTO data starts with after a SYN timed out (RFC 6298 §5.7).
const SYN_TIMEOUT_RTO: Duration = Duration::from_secs(3);

#[derive(Clone, Debug)]
pub struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    /// RTO before backoff.
    base_rto: Duration,
    backoff: u32,
    min_rto: Duration,
    max_rto: Duration,
    /// The shortest round trip measured, and the latest.
    min: Option<Duration>,
    latest: Option<Duration>,
}

impl RttEstimator {
    pub fn new(initial_rto: Duration, min_rto: Duration, max_rto: Duration) -> Self {
        RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            base_rto: initial_rto,
            backoff: 0,
            min_rto,
            max_rto,
            min: None,
            latest: None,
        }
    }

    /// Folds in one measurement (RFC 6298 §2.2, §2.3) and clears the backoff:
    /// a fresh sample means the path answers again.
    pub fn sample(&mut self, r: Duration) {
        self.min = Some(self.min.map_or(r, |m| m.min(r)));
        self.latest = Some(r);
        let r = r.micros() as i64;
        match self.srtt {
            None => {
                self.srtt = Some(Duration(r as u64));
                self.rttvar = Duration((r / 2) as u64);
            }
            Some(srtt) => {
                let srtt = srtt.micros() as i64;
                let rttvar = self.rttvar.micros() as i64;
                // RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT <- 7/8 SRTT + 1/8 R'
                let rttvar = (3 * rttvar + (srtt - r).abs()) / 4;
                let srtt = (7 * srtt + r) / 8;
                self.rttvar = Duration(rttvar as u64);
                self.srtt = Some(Duration(srtt as u64));
            }
        }
        let srtt = self.srtt.unwrap_or_default();
        let var = self.rttvar.saturating_mul(4).max(GRANULARITY);
        self.base_rto = (srtt + var).max(self.min_rto).min(self.max_rto);
        self.backoff = 0;
    }

    /// A SYN timed out: when data transmission begins, an RTO below 3 s is
    /// re-initialized to 3 s (RFC 6298 §5.7). No sample was taken (Karn).
    pub fn restart_after_syn_timeout(&mut self) {
        if self.srtt.is_none() {
            self.base_rto = self.base_rto.max(SYN_TIMEOUT_RTO).min(self.max_rto);
            self.backoff = 0;
        }
    }

    /// Doubles the timeout after it expired (RFC 6298 §5.5).
    pub fn back_off(&mut self) {
        self.backoff = (self.backoff + 1).min(16);
    }

    /// The timeout to arm now: the base RTO doubled once per backoff, capped.
    pub fn rto(&self) -> Duration {
        let factor = 1u64 << self.backoff.min(16);
        self.base_rto.saturating_mul(factor).min(self.max_rto)
    }

    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// The shortest round trip measured so far.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min
    }

    /// The latest measurement, once: what this ACK measured, if anything.
    pub fn take_latest(&mut self) -> Option<Duration> {
        self.latest.take()
    }

    pub fn rttvar(&self) -> Duration {
        self.rttvar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est() -> RttEstimator {
        RttEstimator::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn first_sample_sets_srtt_and_half_variance() {
        let mut e = est();
        e.sample(Duration::from_millis(100));
        assert_eq!(e.srtt(), Some(Duration::from_millis(100)));
        assert_eq!(e.rttvar(), Duration::from_millis(50));
        // 100 + 4 * 50 = 300 ms
        assert_eq!(e.rto(), Duration::from_millis(300));
    }

    #[test]
    fn later_samples_are_smoothed() {
        let mut e = est();
        e.sample(Duration::from_millis(100));
        e.sample(Duration::from_millis(180));
        // RTTVAR = 3/4*50 + 1/4*80 = 57.5; SRTT = 7/8*100 + 1/8*180 = 110
        assert_eq!(e.srtt(), Some(Duration::from_millis(110)));
        assert_eq!(e.rttvar(), Duration::from_micros(57_500));
    }

    #[test]
    fn floor_and_ceiling_apply() {
        let mut e = est();
        e.sample(Duration::from_millis(1));
        assert_eq!(e.rto(), Duration::from_millis(200));
        for _ in 0..20 {
            e.back_off();
        }
        assert_eq!(e.rto(), Duration::from_secs(60));
    }

    #[test]
    fn backoff_doubles_and_a_sample_clears_it() {
        let mut e = est();
        assert_eq!(e.rto(), Duration::from_secs(1));
        e.back_off();
        assert_eq!(e.rto(), Duration::from_secs(2));
        e.back_off();
        assert_eq!(e.rto(), Duration::from_secs(4));
        e.sample(Duration::from_millis(100));
        assert_eq!(e.backoff, 0);
    }
}
