//! CUBIC (RFC 9438), Linux's default. After a loss the window follows a
//! cubic curve in time: concave as it climbs back towards the window where
//! the loss happened (W_max), flat around it, convex beyond it; never
//! slower than Reno would grow (the Reno-friendly region). Slow start,
//! the initial window and the recovery around a loss are Reno's.
//!
//! RFC 9438 counts windows in segments and time in seconds; this file does
//! its arithmetic that way and keeps the window in bytes for the sender.

use super::{Ack, Controller, CubicRegion, Phase, Variables};
use crate::time::{Duration, Instant};

/// β_cubic: the share of the window kept after a loss (RFC 9438 §4.6).
pub const BETA: f64 = 0.7;
/// C, in segments per second cubed: how fast the curve leaves W_max (§5).
pub const C: f64 = 0.4;
/// α_cubic = 3 (1 − β) / (1 + β): the additive increase that makes
/// AIMD(α, β) average what Reno's AIMD(1, 0.5) does (§4.3).
pub const ALPHA: f64 = 3.0 * (1.0 - BETA) / (1.0 + BETA);

#[derive(Clone, Debug)]
pub struct Cubic {
    smss: u32,
    /// The initial window (RFC 5681 §3.1), also the restart window's cap.
    initial: u32,
    /// In bytes, with the fractions per-ACK growth leaves.
    cwnd: f64,
    ssthresh: u32,
    /// Fast convergence (§4.7): lower W_max further when a loss comes
    /// before the window got back to the last one. Linux does it.
    fast_convergence: bool,
    /// Segments: the window just before the last reduction (§4.1.2), or
    /// `None` after a timeout or before any loss.
    w_max: Option<f64>,
    /// Segments: cwnd when ssthresh was last set (cwnd_prior, §4.1.2).
    cwnd_prior: f64,
    /// The current congestion avoidance stage, from its first ACK.
    epoch: Option<Epoch>,
    region: CubicRegion,
}

/// One congestion avoidance stage: the curve it follows.
#[derive(Clone, Copy, Debug)]
struct Epoch {
    /// t_epoch.
    start: Instant,
    /// Segments: W_max of the curve (the window it plateaus at).
    w_max: f64,
    /// Seconds from `start` to the plateau (Figure 2).
    k: f64,
    /// Segments: Reno's window for the same ACKs (Figure 4).
    w_est: f64,
}

impl Epoch {
    /// W_cubic(t) = C (t − K)³ + W_max (Figure 1), t in seconds.
    fn w_cubic(&self, t: f64) -> f64 {
        C * (t - self.k).powi(3) + self.w_max
    }
}

impl Cubic {
    /// Starts as Reno does (see `NewReno::new`), with fast convergence on.
    pub fn new(smss: u32, initial_segments: Option<u32>, ssthresh_segments: Option<u32>) -> Self {
        let reno = super::NewReno::new(smss, initial_segments, ssthresh_segments);
        let smss = smss.max(1);
        Cubic {
            smss,
            initial: reno.window(),
            cwnd: reno.window() as f64,
            ssthresh: reno.ssthresh(),
            fast_convergence: true,
            w_max: None,
            cwnd_prior: 0.0,
            epoch: None,
            region: CubicRegion::SlowStart,
        }
    }

    /// RFC 9438 §4.7: fast convergence SHOULD be off for a flow alone on
    /// its path; the steady-state analysis (§5) assumes it is.
    pub fn with_fast_convergence(mut self, on: bool) -> Self {
        self.fast_convergence = on;
        self
    }

    fn segments(&self) -> f64 {
        self.cwnd / self.smss as f64
    }

    /// Sets ssthresh from the flight (Figure 5) and forgets the curve.
    fn reduce(&mut self, flight: u32) {
        self.cwnd_prior = self.segments();
        self.ssthresh = ((flight as f64 * BETA) as u32).max(2 * self.smss);
        self.epoch = None;
    }

    /// The curve of a congestion avoidance stage starting now.
    fn start_epoch(&self, now: Instant) -> Epoch {
        let cwnd = self.segments();
        // After a timeout, or when slow start ends without a loss, the curve
        // starts from the current window with K = 0 (§4.8, §4.10).
        let w_max = self.w_max.unwrap_or(cwnd);
        Epoch {
            start: now,
            w_max,
            k: ((w_max - cwnd).max(0.0) / C).cbrt(),
            w_est: cwnd,
        }
    }
}

fn seconds(d: Duration) -> f64 {
    d.micros() as f64 / 1e6
}

impl Controller for Cubic {
    fn on_ack(&mut self, ack: &Ack<'_>) {
        let smss = self.smss as f64;
        if self.cwnd < self.ssthresh as f64 {
            // Reno's slow start (§4.10 allows it): at most one SMSS per ACK.
            self.cwnd += ack.acked.min(self.smss) as f64;
            self.region = CubicRegion::SlowStart;
            return;
        }
        if self.epoch.is_none() {
            if self.w_max.is_none() {
                self.cwnd_prior = self.segments();
            }
            self.epoch = Some(self.start_epoch(ack.now));
        }
        let cwnd = self.segments();
        let Some(epoch) = self.epoch.as_mut() else { return };
        let t = seconds(ack.now.saturating_since(epoch.start));
        let rtt = ack.rtt.srtt().map_or(0.0, seconds);
        let acked = ack.acked as f64 / smss;
        // Figure 4, with α = 1 once Reno's estimate passes cwnd_prior (§4.3).
        let alpha = if epoch.w_est >= self.cwnd_prior { 1.0 } else { ALPHA };
        epoch.w_est += alpha * acked / cwnd;
        let next = if epoch.w_cubic(t) < epoch.w_est {
            self.region = CubicRegion::RenoFriendly;
            epoch.w_est
        } else {
            // §4.2: aim at the curve one RTT ahead, between cwnd and 1.5 cwnd.
            let target = epoch.w_cubic(t + rtt).clamp(cwnd, 1.5 * cwnd);
            self.region = if cwnd < epoch.w_max {
                CubicRegion::Concave
            } else {
                CubicRegion::Convex
            };
            // §4.4, §4.5: (target − cwnd) / cwnd per segment acknowledged.
            cwnd + (target - cwnd) / cwnd * acked
        };
        self.cwnd = self.cwnd.max(next * smss);
    }

    fn on_congestion_event(&mut self, _now: Instant, flight: u32) {
        let cwnd = self.segments();
        // §4.7: a loss below the last W_max means the path's share shrank.
        let shrinking = self.fast_convergence && self.w_max.is_some_and(|w| cwnd < w);
        self.w_max = Some(if shrinking { cwnd * (1.0 + BETA) / 2.0 } else { cwnd });
        self.reduce(flight);
        // Figure 5: cwnd = max(ssthresh, 2 MSS); recovery adds what left.
        self.cwnd = self.ssthresh as f64;
        self.region = CubicRegion::Recovery;
    }

    fn on_recovery_end(&mut self, _now: Instant, flight: Option<u32>) {
        self.cwnd = super::window_after_recovery(self.ssthresh, self.smss, flight) as f64;
    }

    fn on_timeout(&mut self, _now: Instant, flight: u32) {
        // §4.8: Reno's loss window, CUBIC's ssthresh, and a fresh curve.
        self.reduce(flight);
        self.w_max = None;
        self.cwnd = self.smss as f64;
        self.region = CubicRegion::SlowStart;
    }

    fn restart_after_idle(&mut self) {
        // RFC 5681 §4.1; an idle period is not growth time (§4.2, §5.8).
        self.cwnd = self.cwnd.min(self.initial as f64);
        self.epoch = None;
    }

    fn restrict_initial_window(&mut self) {
        self.cwnd = self.smss as f64;
    }

    fn window(&self) -> u32 {
        self.cwnd as u32
    }

    fn ssthresh(&self) -> u32 {
        self.ssthresh
    }

    fn phase(&self) -> Phase {
        if self.cwnd < self.ssthresh as f64 {
            Phase::SlowStart
        } else {
            Phase::CongestionAvoidance
        }
    }

    fn variables(&self) -> Option<Variables> {
        let smss = self.smss as f64;
        let (w_max, k) = match self.epoch {
            Some(e) => (e.w_max, e.k),
            None => (self.w_max.unwrap_or(0.0), 0.0),
        };
        Some(Variables::Cubic {
            w_max: (w_max * smss) as u32,
            k: Duration::from_micros((k * 1e6) as u64),
            region: self.region,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::rtt::RttEstimator;

    const MSS: u32 = 1000;

    fn rtt_of(ms: u64) -> RttEstimator {
        let mut rtt = RttEstimator::new(Duration::from_secs(1), Duration::from_secs(1), Duration::from_secs(60));
        rtt.sample(Duration::from_millis(ms));
        rtt
    }

    fn ack(c: &mut Cubic, now: Instant, acked: u32, rtt: &RttEstimator) {
        c.on_ack(&Ack {
            now,
            acked,
            flight: 0,
            rtt,
        });
    }

    /// A sender in steady congestion avoidance at `w` segments, then a loss.
    fn after_loss_at(w: u32) -> Cubic {
        let mut c = Cubic::new(MSS, Some(w), Some(2)).with_fast_convergence(false);
        c.on_congestion_event(Instant::ZERO, w * MSS);
        c
    }

    #[test]
    fn a_loss_keeps_seven_tenths_and_remembers_w_max() {
        let c = after_loss_at(100);
        assert_eq!(c.ssthresh(), 70 * MSS);
        assert_eq!(c.window(), 70 * MSS);
        let Some(Variables::Cubic { w_max, .. }) = c.variables() else {
            panic!()
        };
        assert_eq!(w_max, 100 * MSS);
    }

    #[test]
    fn k_is_the_time_to_climb_back_to_w_max() {
        // Figure 2 with W_max = 100 and cwnd_epoch = 70: K = ∛(30 / 0.4).
        let mut c = after_loss_at(100);
        let rtt = rtt_of(100);
        ack(&mut c, Instant::ZERO, MSS, &rtt);
        let Some(Variables::Cubic { k, region, .. }) = c.variables() else {
            panic!()
        };
        assert_eq!(k.millis(), 4217, "∛75 s = 4.2172 s");
        // At t = 0 the curve is at cwnd_epoch and Reno's estimate just
        // above it; a second later the curve is well ahead (§4.3, §4.4).
        assert_eq!(region, CubicRegion::RenoFriendly);
        ack(&mut c, Instant::from_millis(1000), MSS, &rtt);
        let Some(Variables::Cubic { region, .. }) = c.variables() else {
            panic!()
        };
        assert_eq!(region, CubicRegion::Concave);
    }

    /// Feeds one round trip of ACKs per `rtt` until `until`, one per segment.
    fn run(c: &mut Cubic, rtt_ms: u64, until: Duration) -> Vec<(f64, f64)> {
        let rtt = rtt_of(rtt_ms);
        let mut now = Instant::ZERO;
        let mut curve = Vec::new();
        while now.saturating_since(Instant::ZERO) < until {
            let segments = c.window() / MSS;
            for _ in 0..segments {
                ack(c, now, MSS, &rtt);
            }
            curve.push((
                seconds(now.saturating_since(Instant::ZERO)),
                c.window() as f64 / MSS as f64,
            ));
            now += Duration::from_millis(rtt_ms);
        }
        curve
    }

    #[test]
    fn the_window_follows_the_cubic_curve_on_a_long_path() {
        // W_max = 1000 segments, RTT 100 ms: far from Reno's region, so the
        // window tracks W_cubic(t + RTT) = 0.4 (t + 0.1 − K)³ + 1000, with
        // K = ∛(300 / 0.4) ≈ 9.09 s, to within the one-RTT lead.
        let mut c = after_loss_at(1000);
        let curve = run(&mut c, 100, Duration::from_secs(14));
        let k = (300.0f64 / 0.4).cbrt();
        for &(t, w) in curve.iter().skip(5) {
            let expected = 0.4 * (t + 0.1 - k).powi(3) + 1000.0;
            assert!(
                (w - expected).abs() / expected < 0.03,
                "t {t:.1}: window {w:.0}, W_cubic {expected:.0}"
            );
        }
        // Concave before K, plateau near W_max at K, convex after.
        let at = |s: f64| curve.iter().find(|(t, _)| *t >= s).unwrap().1;
        assert!(
            at(3.0) - at(1.0) > at(5.0) - at(3.0),
            "concave: growth slows towards W_max"
        );
        assert!((at(k) - 1000.0).abs() < 10.0, "plateau at W_max");
        assert!(
            at(13.0) - at(11.0) > at(11.0) - at(9.2),
            "convex: growth speeds up past W_max"
        );
    }

    #[test]
    fn on_a_short_path_cubic_grows_like_reno_with_alpha_for_beta() {
        // RTT 1 ms: the cubic curve hardly moves in a few hundred RTTs,
        // so the Reno-friendly estimate sets the window: α_cubic ≈ 0.53
        // segments per RTT until W_est reaches cwnd_prior, then 1 (§4.3).
        let mut c = after_loss_at(100);
        let curve = run(&mut c, 1, Duration::from_millis(40));
        let grown = curve.last().unwrap().1 - 70.0;
        let expected = 40.0 * 3.0 * 0.3 / 1.7;
        assert!(
            (grown - expected).abs() < 1.5,
            "grew {grown:.1} segments in 40 RTTs, α_cubic × 40 = {expected:.1}"
        );
        assert_eq!(
            c.variables().map(|v| matches!(
                v,
                Variables::Cubic {
                    region: CubicRegion::RenoFriendly,
                    ..
                }
            )),
            Some(true)
        );
    }

    #[test]
    fn fast_convergence_lowers_w_max_when_losses_come_sooner() {
        let mut c = Cubic::new(MSS, Some(100), Some(2));
        c.on_congestion_event(Instant::ZERO, 100 * MSS);
        // A second loss at 70 segments, below W_max = 100: W_max = 70 × 1.7 / 2.
        c.on_recovery_end(Instant::ZERO, Some(70 * MSS));
        c.on_congestion_event(Instant::ZERO, 70 * MSS);
        let Some(Variables::Cubic { w_max, .. }) = c.variables() else {
            panic!()
        };
        assert_eq!(w_max, 59_500);
    }

    #[test]
    fn a_timeout_restarts_from_one_segment_with_cubic_ssthresh() {
        let mut c = after_loss_at(100);
        c.on_timeout(Instant::ZERO, 50 * MSS);
        assert_eq!((c.window(), c.ssthresh()), (MSS, 35 * MSS));
        assert_eq!(c.phase(), Phase::SlowStart);
    }

    /// One cycle of RFC 9438 §5's deterministic loss model at RTT = 0.1 s,
    /// one ACK per segment: a loss at `w_max` segments, then round trips
    /// until the window is back at `w_max`, where the next loss comes.
    /// Returns the packets sent in the cycle and the average window.
    fn cycle(w_max: u32) -> (u64, f64) {
        let mut c = Cubic::new(MSS, Some(w_max), Some(2)).with_fast_convergence(false);
        c.on_congestion_event(Instant::ZERO, w_max * MSS);
        c.on_recovery_end(Instant::ZERO, None);
        let rtt = rtt_of(100);
        let (mut now, mut packets, mut rounds) = (Instant::ZERO, 0u64, 0u64);
        while c.window() < w_max * MSS {
            let w = c.window() / MSS;
            packets += w as u64;
            rounds += 1;
            for _ in 0..w {
                ack(&mut c, now, MSS, &rtt);
            }
            now += Duration::from_millis(100);
        }
        (packets, packets as f64 / rounds as f64)
    }

    /// The steady state where one loss comes every 1/p packets: the W_max
    /// whose cycle sends 1/p packets (found by bisection), and its
    /// average window.
    fn average_window(p: f64) -> f64 {
        let between_losses = (1.0 / p) as u64;
        let mut high = 8u32;
        while cycle(high).0 < between_losses {
            high *= 2;
        }
        let mut low = high / 2;
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if cycle(mid).0 < between_losses {
                low = mid;
            } else {
                high = mid;
            }
        }
        cycle(high).1
    }

    #[test]
    fn average_windows_match_rfc9438_table_1() {
        // RFC 9438 §5.1, Table 1, column "CUBIC (C=0.4)", RTT = 0.1 s.
        for (p, table) in [(1e-3, 38.0), (1e-4, 187.0), (1e-5, 1054.0), (1e-6, 5926.0)] {
            let avg = average_window(p);
            eprintln!("p = {p}: average window {avg:.0} (RFC 9438 Table 1: {table})");
            assert!(
                (avg - table).abs() / table < 0.05,
                "p = {p}: average window {avg:.0}, RFC 9438 Table 1: {table}"
            );
        }
    }
}
