//! Congestion control behind one small trait, in the spirit of
//! quinn-proto's `Controller`: the connection detects loss and runs
//! recovery (`super::recovery`); the controller only answers how much may
//! be in flight. Each algorithm is one file.

#[cfg(feature = "modern")]
mod bbr;
#[cfg(feature = "modern")]
mod cubic;
mod new_reno;

#[cfg(feature = "modern")]
pub use bbr::Bbr;
#[cfg(feature = "modern")]
pub use cubic::Cubic;
pub use new_reno::NewReno;

#[cfg(feature = "modern")]
use super::delivery_rate::RateSample;
use super::rtt::RttEstimator;
#[cfg(feature = "modern")]
use crate::time::Duration;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Which algorithm a host runs (`Config::congestion`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// RFC 5681 slow start and congestion avoidance (Reno's AIMD); with the
    /// connection's NewReno recovery (RFC 6582) this is NewReno.
    #[default]
    NewReno,
    /// RFC 9438: the window grows along a cubic curve of the time since
    /// the last loss, and a loss keeps 70% of it. (Modern builds only.)
    #[cfg(feature = "modern")]
    Cubic,
    /// draft-ietf-ccwg-bbr-02: paces at the bandwidth it measures and
    /// keeps about one bandwidth-delay product in flight. (Modern builds only.)
    #[cfg(feature = "modern")]
    Bbr,
}

impl Algorithm {
    /// A controller for a path with this SMSS, starting from `initial_segments`
    /// full segments or, when `None`, the RFC 5681 §3.1 initial window, and
    /// from an ssthresh of `ssthresh_segments` or arbitrarily high. An
    /// algorithm that draws random numbers (BBR) draws them from `seed`.
    #[cfg_attr(not(feature = "modern"), allow(unused_variables))]
    pub fn build(
        self,
        smss: u32,
        initial_segments: Option<u32>,
        ssthresh_segments: Option<u32>,
        seed: u64,
    ) -> Box<dyn Controller> {
        match self {
            Algorithm::NewReno => Box::new(NewReno::new(smss, initial_segments, ssthresh_segments)),
            #[cfg(feature = "modern")]
            Algorithm::Cubic => Box::new(Cubic::new(smss, initial_segments, ssthresh_segments)),
            #[cfg(feature = "modern")]
            Algorithm::Bbr => Box::new(Bbr::new(smss, initial_segments, seed)),
        }
    }

    /// Plain words for the page and the text log.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::NewReno => "NewReno",
            #[cfg(feature = "modern")]
            Algorithm::Cubic => "CUBIC",
            #[cfg(feature = "modern")]
            Algorithm::Bbr => "BBR",
        }
    }
}

/// The state an algorithm is in, as the trace reports it. Each algorithm
/// uses the phases that mean something for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    SlowStart,
    CongestionAvoidance,
    /// Loss recovery (fast recovery, RFC 5681 §3.2 and RFC 6582); set by
    /// the connection's recovery, whatever the algorithm.
    FastRecovery,
}

impl Phase {
    /// Plain words for the page and the text log.
    pub const fn name(self) -> &'static str {
        match self {
            Phase::SlowStart => "slow start",
            Phase::CongestionAvoidance => "congestion avoidance",
            Phase::FastRecovery => "fast recovery",
        }
    }
}

/// Where a CUBIC sender is on its curve (RFC 9438 §4.2–4.5).
#[cfg(feature = "modern")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CubicRegion {
    SlowStart,
    /// Cutting back after a loss, until recovery ends.
    Recovery,
    /// Growing as fast as Reno would: the curve is slower here.
    RenoFriendly,
    /// Below W_max: fast at first, slowing as the window nears it.
    Concave,
    /// At or past W_max: slow at first, then faster and faster.
    Convex,
}

/// BBR's state (draft-ietf-ccwg-bbr-02 §4.3).
#[cfg(feature = "modern")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BbrState {
    /// Doubling the rate each round trip until the bandwidth stops growing.
    Startup,
    /// Sending slower than the bandwidth to empty the queue Startup built.
    Drain,
    /// ProbeBW's four phases: below the estimate to leave headroom,
    /// at it, refilling the pipe, and above it to look for more.
    ProbeBwDown,
    ProbeBwCruise,
    ProbeBwRefill,
    ProbeBwUp,
    /// Little in flight for 200 ms, to measure the RTT without a queue.
    ProbeRtt,
}

#[cfg(feature = "modern")]
impl BbrState {
    /// Plain words for the page and the text log.
    pub const fn name(self) -> &'static str {
        match self {
            BbrState::Startup => "Startup",
            BbrState::Drain => "Drain",
            BbrState::ProbeBwDown => "ProbeBW DOWN",
            BbrState::ProbeBwCruise => "ProbeBW CRUISE",
            BbrState::ProbeBwRefill => "ProbeBW REFILL",
            BbrState::ProbeBwUp => "ProbeBW UP",
            BbrState::ProbeRtt => "ProbeRTT",
        }
    }
}

/// An algorithm's own variables, for the trace and the plots.
#[cfg(feature = "modern")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "snake_case")]
pub enum Variables {
    Cubic {
        /// The window (bytes) where the last loss happened: the curve's plateau.
        w_max: u32,
        /// Time from the start of congestion avoidance to the plateau.
        k: Duration,
        region: CubicRegion,
    },
    Bbr {
        state: BbrState,
        /// The bottleneck bandwidth estimate, bytes per second (BBR.max_bw).
        bw: u64,
        /// The round-trip propagation time estimate (BBR.min_rtt).
        min_rtt: Duration,
        /// Bytes per second the sender paces at.
        pacing_rate: u64,
        /// The most it found safe to have in flight (inflight_hi), once
        /// a loss set it.
        inflight_hi: Option<u32>,
    },
}

#[cfg(feature = "modern")]
impl Variables {
    /// BBR's estimate of the bandwidth-delay product, bytes: bw × min_rtt.
    pub fn bdp(&self) -> Option<u64> {
        match *self {
            Variables::Bbr { bw, min_rtt, .. } => {
                Some((u128::from(bw) * u128::from(min_rtt.micros()) / 1_000_000).min(u128::from(u64::MAX)) as u64)
            }
            Variables::Cubic { .. } => None,
        }
    }
}

/// The window when recovery ends: ssthresh, or after NewReno's full
/// acknowledgment min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582
/// §3.2 step 3, option 1).
fn window_after_recovery(ssthresh: u32, smss: u32, flight: Option<u32>) -> u32 {
    flight.map_or(ssthresh, |f| ssthresh.min(f.max(smss) + smss))
}

/// New data acknowledged outside recovery.
pub struct Ack<'a> {
    pub now: Instant,
    /// Bytes this ACK acknowledged for the first time.
    pub acked: u32,
    /// Bytes still outstanding after it.
    pub flight: u32,
    pub rtt: &'a RttEstimator,
}

/// A congestion controller. All amounts are in bytes.
pub trait Controller {
    /// New data was acknowledged (not during recovery).
    fn on_ack(&mut self, ack: &Ack<'_>);
    /// Loss was detected by duplicate ACKs: recovery starts. `flight` is
    /// what was outstanding, without Limited Transmit's segments.
    fn on_congestion_event(&mut self, now: Instant, flight: u32);
    /// Recovery ended: everything outstanding at its start is acknowledged.
    /// `flight` is what is still outstanding after NewReno recovery, which
    /// deflates the window to it; `None` after SACK recovery, which kept
    /// cwnd at ssthresh all along (RFC 6675 §5).
    fn on_recovery_end(&mut self, now: Instant, flight: Option<u32>);
    /// The retransmission timer expired.
    fn on_timeout(&mut self, now: Instant, flight: u32);
    /// Nothing was sent for longer than an RTO (RFC 5681 §4.1).
    fn restart_after_idle(&mut self);
    /// The SYN or SYN,ACK was lost: data starts from one segment (RFC 5681 §3.1).
    fn restrict_initial_window(&mut self);
    /// The congestion window: how much may be in flight.
    fn window(&self) -> u32;
    fn ssthresh(&self) -> u32;
    fn phase(&self) -> Phase;
    /// Bytes per second to pace at, for algorithms that pace.
    fn pacing_rate(&self) -> Option<u64> {
        None
    }
    /// The algorithm's own variables, when it has some worth plotting.
    #[cfg(feature = "modern")]
    fn variables(&self) -> Option<Variables> {
        None
    }
    /// Every ACK that delivered data, in recovery or not, with its
    /// delivery-rate sample, the bytes then in the network, and the
    /// connection's RTT estimates.
    #[cfg(feature = "modern")]
    fn on_rate_sample(&mut self, _now: Instant, _sample: &RateSample, _in_network: u32, _rtt: &RttEstimator) {}
    /// The algorithm sets the window during recovery itself (BBR), so
    /// PRR does not.
    #[cfg(feature = "modern")]
    fn sets_recovery_window(&self) -> bool {
        false
    }
    /// The algorithm holds the sender back on purpose (BBR's ProbeRTT):
    /// rate samples meanwhile say nothing about the path.
    #[cfg(feature = "modern")]
    fn holds_back(&self) -> bool {
        false
    }
}
