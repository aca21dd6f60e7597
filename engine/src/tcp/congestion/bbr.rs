//! BBR, as the IETF's CCWG specifies it in draft-ietf-ccwg-bbr-02 (BBRv3).
//! BBR does not treat loss as the sign of a full path. It builds a model
//! of the path from every ACK: the bottleneck bandwidth (the largest
//! recent delivery rate, `tcp::delivery_rate`) and the round-trip
//! propagation time (the smallest recent RTT). It paces at about that
//! bandwidth and keeps about one bandwidth-delay product (BDP) in
//! flight, so the bottleneck's queue stays nearly empty. A state machine
//! probes for more: Startup doubles the rate each round trip, Drain
//! empties the queue Startup made, ProbeBW cycles around the estimate
//! (DOWN, CRUISE, REFILL, UP), and ProbeRTT briefly sends little to see
//! the path's RTT without its own queue.
//!
//! Amounts are bytes; bandwidths bytes per second. Where the draft is
//! silent or inconsistent, this follows Linux's tcp_bbr.c (v3), as noted.
//! Not modelled: the per-packet loss refinement of inflight_hi (§4.5.10.2
//! BBRHandleLostPacket: the ACK-level check below reacts one ACK later),
//! ECN, and the undo of a spurious loss response.

use super::{Ack, BbrState, Controller, Phase, Variables};
use crate::tcp::delivery_rate::RateSample;
use crate::tcp::rtt::RttEstimator;
use crate::time::{Duration, Instant};

/// §2.5: Startup doubles the sending rate each round trip: 4 ln 2.
const STARTUP_PACING_GAIN: f64 = 2.77;
/// §4.3.2: one round trip at 0.35 drains the queue Startup built (the
/// §4.6.1 table says 0.5; the text and Linux use about 0.35).
const DRAIN_PACING_GAIN: f64 = 0.35;
/// §2.6: cwnd is twice the BDP, so delayed and stretched ACKs do not stall.
const DEFAULT_CWND_GAIN: f64 = 2.0;
/// §4.3.3: the ProbeBW phases' gains (pacing, cwnd).
const DOWN_GAINS: (f64, f64) = (0.90, 2.0);
const CRUISE_GAINS: (f64, f64) = (1.0, 2.0);
const REFILL_GAINS: (f64, f64) = (1.0, 2.0);
const UP_GAINS: (f64, f64) = (1.25, 2.25);
/// §2.14.2: ProbeRTT holds half a BDP in flight for 200 ms, every 5 s.
const PROBE_RTT_CWND_GAIN: f64 = 0.5;
const PROBE_RTT_DURATION: Duration = Duration::from_millis(200);
const PROBE_RTT_INTERVAL: Duration = Duration::from_secs(5);
/// §2.9.2: min_rtt is the smallest RTT of the last 10 s.
const MIN_RTT_FILTER_LEN: Duration = Duration::from_secs(10);
/// §4.6.2: pace 1% below the estimate, so a queue does not build.
const PACING_MARGIN_PERCENT: u64 = 1;
/// §2.8: more than 2% of a flight lost means it was too much.
const LOSS_THRESH: f64 = 0.02;
/// §2.8: a loss response keeps 70%.
const BETA: f64 = 0.7;
/// §4.3.3.6: cruise 15% below the highest safe inflight.
const HEADROOM: f64 = 0.15;
/// §4.3.1.2: bandwidth that grows less than 25% for three rounds is full.
const FULL_BW_THRESH: f64 = 1.25;
const FULL_BW_COUNT: u32 = 3;
/// §4.3.1.3: Startup also ends after six lossy events in a lossy round.
const STARTUP_FULL_LOSS_COUNT: u32 = 6;
/// §4.5.9: extra_acked's window, in round trips (Linux's two halves of 5).
const EXTRA_ACKED_HALF_ROUNDS: u32 = 5;

/// BBR.ack_phase (§4.3.3): where the ACKs of a bandwidth probe are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AckPhase {
    Init,
    ProbeStarting,
    ProbeFeedback,
    ProbeStopping,
    Refilling,
}

#[derive(Clone, Debug)]
pub struct Bbr {
    smss: u32,
    initial_cwnd: u32,
    cwnd: u32,
    state: BbrState,
    pacing_gain: f64,
    cwnd_gain: f64,
    pacing_rate: u64,
    /// The first sample arrived: the clocks below start from it.
    started: bool,
    has_seen_rtt: bool,
    /// Bytes delivered in all (C.delivered), from the latest sample.
    delivered: u64,

    // The model.
    /// The max-bw filter over the last two ProbeBW cycles (Linux's bw_hi[2]).
    max_bw_slots: [u64; 2],
    max_bw: u64,
    /// max_bw, bounded by bw_lo: what pacing and the BDP use.
    bw: u64,
    min_rtt: Option<Duration>,
    min_rtt_stamp: Instant,
    probe_rtt_min_delay: Option<Duration>,
    probe_rtt_min_stamp: Instant,
    probe_rtt_expired: bool,
    probe_rtt_done_stamp: Option<Instant>,
    probe_rtt_round_done: bool,
    prior_cwnd: u32,
    idle_restart: bool,
    in_recovery: bool,

    // Round trips, counted by delivery (§4.5.1).
    next_round_delivered: u64,
    round_start: bool,
    rounds_since_bw_probe: u64,

    // Startup's end (§4.3.1).
    full_bw: u64,
    full_bw_count: u32,
    full_bw_now: bool,
    full_bw_reached: bool,
    loss_events_in_round: u32,

    // ProbeBW (§4.3.3).
    cycle_stamp: Instant,
    ack_phase: AckPhase,
    bw_probe_wait: Duration,
    bw_probe_samples: bool,
    bw_probe_up_rounds: u32,
    bw_probe_up_acks: u64,
    /// Bytes to be acknowledged per SMSS that inflight_hi grows in UP.
    probe_up_cnt: u64,
    /// inflight_hi (inflight_longterm in -02); `None` is infinite.
    inflight_hi: Option<u32>,
    /// bw_lo and inflight_lo (the short-term bounds); `None` is infinite.
    bw_lo: Option<u64>,
    inflight_lo: Option<u32>,

    // The latest round's delivery and loss (§4.5.10.3).
    bw_latest: u64,
    inflight_latest: u64,
    loss_round_delivered: u64,
    loss_round_start: bool,
    loss_in_round: bool,

    // ACK aggregation (§4.5.9).
    extra_acked_interval_start: Instant,
    extra_acked_delivered: u64,
    extra_acked_slots: [u64; 2],
    extra_acked_slot: usize,
    extra_acked_rounds: u32,

    /// The draft's random draws (BBRPickProbeWait), from a seed the
    /// connection passes in: the engine draws no randomness of its own.
    rng: u64,
}

impl Bbr {
    /// A BBR sender for this SMSS, starting from `initial_segments` full
    /// segments (or RFC 5681's initial window), its random draws seeded by `seed`.
    pub fn new(smss: u32, initial_segments: Option<u32>, seed: u64) -> Self {
        let smss = smss.max(1);
        let initial_cwnd = super::NewReno::new(smss, initial_segments, None).window();
        let mut bbr = Bbr {
            smss,
            initial_cwnd,
            cwnd: initial_cwnd,
            state: BbrState::Startup,
            pacing_gain: STARTUP_PACING_GAIN,
            cwnd_gain: DEFAULT_CWND_GAIN,
            pacing_rate: 0,
            started: false,
            has_seen_rtt: false,
            delivered: 0,
            max_bw_slots: [0; 2],
            max_bw: 0,
            bw: 0,
            min_rtt: None,
            min_rtt_stamp: Instant::ZERO,
            probe_rtt_min_delay: None,
            probe_rtt_min_stamp: Instant::ZERO,
            probe_rtt_expired: false,
            probe_rtt_done_stamp: None,
            probe_rtt_round_done: false,
            prior_cwnd: 0,
            idle_restart: false,
            in_recovery: false,
            next_round_delivered: 0,
            round_start: false,
            rounds_since_bw_probe: 0,
            full_bw: 0,
            full_bw_count: 0,
            full_bw_now: false,
            full_bw_reached: false,
            loss_events_in_round: 0,
            cycle_stamp: Instant::ZERO,
            ack_phase: AckPhase::Init,
            bw_probe_wait: Duration::ZERO,
            bw_probe_samples: false,
            bw_probe_up_rounds: 0,
            bw_probe_up_acks: 0,
            probe_up_cnt: u64::MAX,
            inflight_hi: None,
            bw_lo: None,
            inflight_lo: None,
            bw_latest: 0,
            inflight_latest: 0,
            loss_round_delivered: 0,
            loss_round_start: false,
            loss_in_round: false,
            extra_acked_interval_start: Instant::ZERO,
            extra_acked_delivered: 0,
            extra_acked_slots: [0; 2],
            extra_acked_slot: 0,
            extra_acked_rounds: 0,
            rng: splitmix(seed),
        };
        // §4.6.2 BBRInitPacingRate, with no RTT yet: 1 ms (Linux starts
        // again from the first RTT measured; see `on_rate_sample`).
        bbr.init_pacing_rate(Duration::from_millis(1));
        bbr
    }

    fn init_pacing_rate(&mut self, rtt: Duration) {
        let nominal = self.initial_cwnd as u64 * 1_000_000 / rtt.micros().max(1);
        self.pacing_rate = (STARTUP_PACING_GAIN * nominal as f64) as u64;
    }

    /// A uniform draw in [0, 1).
    fn random(&mut self) -> f64 {
        self.rng = splitmix(self.rng);
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn set_state(&mut self, state: BbrState, (pacing_gain, cwnd_gain): (f64, f64)) {
        self.state = state;
        self.pacing_gain = pacing_gain;
        self.cwnd_gain = cwnd_gain;
    }

    fn in_probe_bw(&self) -> bool {
        matches!(
            self.state,
            BbrState::ProbeBwDown | BbrState::ProbeBwCruise | BbrState::ProbeBwRefill | BbrState::ProbeBwUp
        )
    }

    /// BBRIsProbingBW (-02 §4.5.10.3).
    fn probing_bw(&self) -> bool {
        matches!(
            self.state,
            BbrState::Startup | BbrState::ProbeBwRefill | BbrState::ProbeBwUp
        )
    }

    // ---- The model: rounds, bandwidth, RTT (§4.5) ----

    /// BBRUpdateRound (§4.5.1): a round trip ends when the segment that
    /// left as the previous one ended is delivered.
    fn update_round(&mut self, rs: &RateSample) {
        self.round_start = rs.prior_delivered >= self.next_round_delivered;
        if self.round_start {
            self.start_round();
            self.rounds_since_bw_probe += 1;
        }
    }

    fn start_round(&mut self) {
        self.next_round_delivered = self.delivered;
    }

    /// BBRUpdateMaxBw (§4.5.5): app-limited samples only ever raise it.
    fn update_max_bw(&mut self, rs: &RateSample) {
        self.update_round(rs);
        if rs.delivery_rate >= self.max_bw || !rs.is_app_limited {
            let slot = &mut self.max_bw_slots[1];
            *slot = (*slot).max(rs.delivery_rate);
            self.max_bw = self.max_bw_slots[0].max(self.max_bw_slots[1]);
        }
    }

    /// BBRAdvanceMaxBwFilter (§4.5.6): a ProbeBW cycle ended.
    fn advance_max_bw_filter(&mut self) {
        if self.max_bw_slots[1] != 0 {
            self.max_bw_slots = [self.max_bw_slots[1], 0];
        }
    }

    /// BBRUpdateMinRTT (§4.3.4.4).
    fn update_min_rtt(&mut self, now: Instant, rtt: Option<Duration>) {
        self.probe_rtt_expired = now > self.probe_rtt_min_stamp + PROBE_RTT_INTERVAL;
        if let Some(rtt) = rtt {
            if self.probe_rtt_min_delay.is_none_or(|d| rtt < d) || self.probe_rtt_expired {
                self.probe_rtt_min_delay = Some(rtt);
                self.probe_rtt_min_stamp = now;
            }
        }
        let min_rtt_expired = now > self.min_rtt_stamp + MIN_RTT_FILTER_LEN;
        if let Some(delay) = self.probe_rtt_min_delay {
            if self.min_rtt.is_none_or(|m| delay < m) || min_rtt_expired {
                self.min_rtt = Some(delay);
                self.min_rtt_stamp = self.probe_rtt_min_stamp;
            }
        }
    }

    /// BBRUpdateACKAggregation (§4.5.9): bytes ACKed beyond what the
    /// bandwidth explains, so cwnd covers ACKs that come in bunches.
    fn update_ack_aggregation(&mut self, now: Instant, rs: &RateSample) {
        let interval = now.saturating_since(self.extra_acked_interval_start);
        let mut expected = self.bw * interval.micros() / 1_000_000;
        if self.extra_acked_delivered <= expected {
            self.extra_acked_delivered = 0;
            self.extra_acked_interval_start = now;
            expected = 0;
        }
        self.extra_acked_delivered += rs.newly_acked;
        let extra = (self.extra_acked_delivered - expected).min(self.cwnd as u64);
        if self.round_start {
            self.extra_acked_rounds += 1;
            let half = if self.full_bw_reached {
                EXTRA_ACKED_HALF_ROUNDS
            } else {
                1
            };
            if self.extra_acked_rounds >= half {
                self.extra_acked_rounds = 0;
                self.extra_acked_slot ^= 1;
                self.extra_acked_slots[self.extra_acked_slot] = 0;
            }
        }
        let slot = &mut self.extra_acked_slots[self.extra_acked_slot];
        *slot = (*slot).max(extra);
    }

    /// extra_acked, capped at 100 ms of the bandwidth as Linux does.
    fn extra_acked(&self) -> u64 {
        let extra = self.extra_acked_slots[0].max(self.extra_acked_slots[1]);
        extra.min(self.bw / 10)
    }

    // ---- Loss as a signal (§4.5.10) ----

    fn update_latest_delivery_signals(&mut self, rs: &RateSample) {
        self.loss_round_start = false;
        self.bw_latest = self.bw_latest.max(rs.delivery_rate);
        self.inflight_latest = self.inflight_latest.max(rs.delivered);
        if rs.prior_delivered >= self.loss_round_delivered {
            self.loss_round_delivered = self.delivered;
            self.loss_round_start = true;
        }
    }

    fn advance_latest_delivery_signals(&mut self, rs: &RateSample) {
        if self.loss_round_start {
            self.bw_latest = rs.delivery_rate;
            self.inflight_latest = rs.delivered;
        }
    }

    fn reset_congestion_signals(&mut self) {
        self.loss_in_round = false;
        self.bw_latest = 0;
        self.inflight_latest = 0;
    }

    fn update_congestion_signals(&mut self, rs: &RateSample) {
        self.update_max_bw(rs);
        if rs.newly_lost > 0 {
            self.loss_in_round = true;
        }
        if !self.loss_round_start {
            return;
        }
        // BBRAdaptLowerBoundsFromCongestion: a lossy round outside a
        // bandwidth probe cuts the short-term bounds to 70%.
        if !self.probing_bw() && self.loss_in_round {
            let bw_lo = *self.bw_lo.get_or_insert(self.max_bw);
            let inflight_lo = *self.inflight_lo.get_or_insert(self.cwnd);
            self.bw_lo = Some(self.bw_latest.max((BETA * bw_lo as f64) as u64));
            self.inflight_lo = Some((self.inflight_latest as u32).max((BETA * inflight_lo as f64) as u32));
        }
        self.loss_in_round = false;
    }

    fn reset_lower_bounds(&mut self) {
        self.bw_lo = None;
        self.inflight_lo = None;
    }

    /// IsInflightTooHigh (§4.5.10.2): more than 2% of the flight the
    /// measured segment left with was lost.
    fn inflight_too_high(rs: &RateSample) -> bool {
        rs.lost as f64 > rs.tx_in_flight as f64 * LOSS_THRESH
    }

    /// BBRHandleInflightTooHigh: once per probe, inflight_hi comes down to
    /// what was in flight (at least 70% of the target) and UP ends.
    fn handle_inflight_too_high(&mut self, now: Instant, rs: &RateSample) {
        self.bw_probe_samples = false;
        if !rs.is_app_limited {
            let target = (self.target_inflight() as f64 * BETA) as u32;
            self.inflight_hi = Some(rs.tx_in_flight.max(target));
        }
        if self.state == BbrState::ProbeBwUp {
            self.start_probe_bw_down(now);
        }
    }

    // ---- Startup and Drain (§4.3.1, §4.3.2) ----

    fn reset_full_bw(&mut self) {
        self.full_bw = 0;
        self.full_bw_count = 0;
        self.full_bw_now = false;
    }

    /// BBRCheckFullBWReached (-02 §4.3.1.2).
    fn check_full_bw_reached(&mut self, rs: &RateSample) {
        if self.full_bw_now || !self.round_start || rs.is_app_limited {
            return;
        }
        if rs.delivery_rate as f64 >= self.full_bw as f64 * FULL_BW_THRESH {
            self.reset_full_bw();
            self.full_bw = rs.delivery_rate;
            return;
        }
        self.full_bw_count += 1;
        self.full_bw_now = self.full_bw_count >= FULL_BW_COUNT;
        if self.full_bw_now {
            self.full_bw_reached = true;
        }
    }

    /// BBRCheckStartupHighLoss (§4.3.1.3; the draft gives only prose,
    /// this is Linux's test): a round in recovery with more than 2% lost
    /// over six lossy ACKs also means the path is full.
    fn check_startup_high_loss(&mut self, rs: &RateSample) {
        if self.full_bw_reached {
            return;
        }
        if rs.newly_lost > 0 {
            self.loss_events_in_round = (self.loss_events_in_round + 1).min(15);
        }
        if self.loss_round_start
            && self.in_recovery
            && self.loss_events_in_round >= STARTUP_FULL_LOSS_COUNT
            && Self::inflight_too_high(rs)
        {
            self.full_bw_reached = true;
            self.inflight_hi = Some(self.inflight(self.max_bw, 1.0).max(self.inflight_latest as u32));
        }
        if self.loss_round_start {
            self.loss_events_in_round = 0;
        }
    }

    fn check_startup_done(&mut self, rs: &RateSample) {
        self.check_startup_high_loss(rs);
        if self.state == BbrState::Startup && self.full_bw_reached {
            self.set_state(BbrState::Drain, (DRAIN_PACING_GAIN, DEFAULT_CWND_GAIN));
        }
    }

    fn check_drain_done(&mut self, now: Instant, in_network: u32) {
        if self.state == BbrState::Drain && in_network <= self.inflight(self.max_bw, 1.0) {
            self.start_probe_bw_down(now);
        }
    }

    // ---- ProbeBW (§4.3.3) ----

    fn start_probe_bw_down(&mut self, now: Instant) {
        self.reset_congestion_signals();
        self.probe_up_cnt = u64::MAX;
        // BBRPickProbeWait: 0 or 1 rounds, and 2 to 3 s.
        self.rounds_since_bw_probe = (self.random() * 2.0) as u64;
        self.bw_probe_wait = Duration::from_micros(2_000_000 + (self.random() * 1e6) as u64);
        self.cycle_stamp = now;
        self.ack_phase = AckPhase::ProbeStopping;
        self.start_round();
        self.set_state(BbrState::ProbeBwDown, DOWN_GAINS);
    }

    fn start_probe_bw_refill(&mut self) {
        self.reset_lower_bounds();
        self.bw_probe_up_rounds = 0;
        self.bw_probe_up_acks = 0;
        self.ack_phase = AckPhase::Refilling;
        self.start_round();
        self.set_state(BbrState::ProbeBwRefill, REFILL_GAINS);
    }

    fn start_probe_bw_up(&mut self, rs: &RateSample) {
        self.ack_phase = AckPhase::ProbeStarting;
        self.start_round();
        self.reset_full_bw();
        self.full_bw = rs.delivery_rate;
        self.set_state(BbrState::ProbeBwUp, UP_GAINS);
        self.raise_inflight_hi_slope();
    }

    /// BBRUpdateProbeBWCyclePhase.
    fn update_probe_bw_cycle_phase(&mut self, now: Instant, rs: &RateSample, in_network: u32) {
        if !self.full_bw_reached {
            return;
        }
        self.adapt_upper_bounds(now, rs);
        let state = self.state;
        match state {
            // (BBRIsTimeToProbeBW starts REFILL when it is time.)
            BbrState::ProbeBwDown | BbrState::ProbeBwCruise if self.time_to_probe_bw(now) => {}
            BbrState::ProbeBwDown if self.time_to_cruise(in_network) => {
                self.set_state(BbrState::ProbeBwCruise, CRUISE_GAINS);
            }
            BbrState::ProbeBwRefill if self.round_start => {
                self.bw_probe_samples = true;
                self.start_probe_bw_up(rs);
            }
            BbrState::ProbeBwUp if self.time_to_go_down(rs) => self.start_probe_bw_down(now),
            _ => {}
        }
    }

    /// BBRIsTimeToProbeBW: after the wall-clock wait, or after as many
    /// round trips as Reno would take to grow by the BDP (at most 63).
    fn time_to_probe_bw(&mut self, now: Instant) -> bool {
        let reno_rounds = (self.target_inflight() / self.smss).min(63) as u64;
        if now > self.cycle_stamp + self.bw_probe_wait || self.rounds_since_bw_probe >= reno_rounds {
            self.start_probe_bw_refill();
            return true;
        }
        false
    }

    fn time_to_cruise(&self, in_network: u32) -> bool {
        in_network <= self.inflight_with_headroom() && in_network <= self.inflight(self.max_bw, 1.0)
    }

    fn time_to_go_down(&mut self, rs: &RateSample) -> bool {
        if self.cwnd_limited(rs) && self.inflight_hi.is_some_and(|hi| self.cwnd >= hi) {
            // Held back by inflight_hi, not by the path: keep probing.
            self.reset_full_bw();
            self.full_bw = rs.delivery_rate;
            false
        } else {
            self.full_bw_now
        }
    }

    /// The measured segment left with the window full (Linux tracks
    /// is_cwnd_limited over a round; this reads it from the sample).
    fn cwnd_limited(&self, rs: &RateSample) -> bool {
        rs.tx_in_flight + self.smss > self.cwnd
    }

    fn raise_inflight_hi_slope(&mut self) {
        let growth_segments = 1u64 << self.bw_probe_up_rounds;
        self.bw_probe_up_rounds = (self.bw_probe_up_rounds + 1).min(30);
        let cwnd_segments = (self.cwnd / self.smss) as u64;
        self.probe_up_cnt = (cwnd_segments / growth_segments).max(1) * self.smss as u64;
    }

    /// BBRProbeInflightHiUpward: in UP, inflight_hi grows by 1, 2, 4…
    /// segments per round trip while the window is full against it.
    fn probe_inflight_hi_upward(&mut self, rs: &RateSample) {
        let Some(hi) = self.inflight_hi else {
            return;
        };
        if !self.cwnd_limited(rs) || self.cwnd < hi {
            return;
        }
        self.bw_probe_up_acks += rs.newly_acked;
        if self.bw_probe_up_acks >= self.probe_up_cnt {
            let delta = self.bw_probe_up_acks / self.probe_up_cnt;
            self.bw_probe_up_acks -= delta * self.probe_up_cnt;
            self.inflight_hi = Some(hi.saturating_add((delta * self.smss as u64) as u32));
        }
        if self.round_start {
            self.raise_inflight_hi_slope();
        }
    }

    /// BBRAdaptUpperBounds.
    fn adapt_upper_bounds(&mut self, now: Instant, rs: &RateSample) {
        if self.ack_phase == AckPhase::ProbeStarting && self.round_start {
            self.ack_phase = AckPhase::ProbeFeedback;
        }
        if self.ack_phase == AckPhase::ProbeStopping && self.round_start {
            // A round after the probe: its bandwidth counts as a cycle.
            // (-02 never leaves this phase; Linux and later drafts do.)
            self.bw_probe_samples = false;
            self.ack_phase = AckPhase::Init;
            if self.in_probe_bw() && !rs.is_app_limited {
                self.advance_max_bw_filter();
            }
        }
        if Self::inflight_too_high(rs) {
            if self.bw_probe_samples {
                self.handle_inflight_too_high(now, rs);
            }
            return;
        }
        let Some(hi) = self.inflight_hi else {
            return;
        };
        if rs.tx_in_flight > hi {
            self.inflight_hi = Some(rs.tx_in_flight);
        }
        if self.state == BbrState::ProbeBwUp {
            self.probe_inflight_hi_upward(rs);
        }
    }

    // ---- ProbeRTT (§4.3.4) ----

    fn check_probe_rtt(&mut self, now: Instant, rs: &RateSample, in_network: u32) {
        if self.state != BbrState::ProbeRtt && self.probe_rtt_expired && !self.idle_restart {
            self.save_cwnd();
            self.set_state(BbrState::ProbeRtt, (1.0, PROBE_RTT_CWND_GAIN));
            self.probe_rtt_done_stamp = None;
            self.ack_phase = AckPhase::ProbeStopping;
            self.start_round();
        }
        if self.state == BbrState::ProbeRtt {
            self.handle_probe_rtt(now, in_network);
        }
        if rs.delivered > 0 {
            self.idle_restart = false;
        }
    }

    fn handle_probe_rtt(&mut self, now: Instant, in_network: u32) {
        match self.probe_rtt_done_stamp {
            None if in_network <= self.probe_rtt_cwnd() => {
                self.probe_rtt_done_stamp = Some(now + PROBE_RTT_DURATION);
                self.probe_rtt_round_done = false;
                self.start_round();
            }
            Some(_) => {
                if self.round_start {
                    self.probe_rtt_round_done = true;
                }
                if self.probe_rtt_round_done {
                    self.check_probe_rtt_done(now);
                }
            }
            None => {}
        }
    }

    fn check_probe_rtt_done(&mut self, now: Instant) {
        if self.probe_rtt_done_stamp.is_some_and(|done| now > done) {
            self.probe_rtt_min_stamp = now;
            self.restore_cwnd();
            // BBRExitProbeRTT (§4.3.4.5).
            self.reset_lower_bounds();
            if self.full_bw_reached {
                self.start_probe_bw_down(now);
                self.set_state(BbrState::ProbeBwCruise, CRUISE_GAINS);
            } else {
                self.set_state(BbrState::Startup, (STARTUP_PACING_GAIN, DEFAULT_CWND_GAIN));
            }
        }
    }

    fn probe_rtt_cwnd(&self) -> u32 {
        self.bdp_multiple(self.bw, PROBE_RTT_CWND_GAIN)
            .max(self.min_pipe_cwnd())
    }

    // ---- The control parameters (§4.6) ----

    /// BBRSetPacingRateWithGain: in Startup the rate only ever rises.
    fn set_pacing_rate_with_gain(&mut self, gain: f64) {
        let rate = (gain * self.bw as f64) as u64 * (100 - PACING_MARGIN_PERCENT) / 100;
        if self.full_bw_reached || rate > self.pacing_rate {
            self.pacing_rate = rate;
        }
    }

    fn min_pipe_cwnd(&self) -> u32 {
        4 * self.smss
    }

    /// BBRBDPMultiple: `gain` BDPs at bandwidth `bw`; before any RTT is
    /// known, the initial window.
    fn bdp_multiple(&self, bw: u64, gain: f64) -> u32 {
        let Some(min_rtt) = self.min_rtt else {
            return self.initial_cwnd;
        };
        let bdp = bw as f64 * min_rtt.micros() as f64 / 1e6;
        (gain * bdp).min(u32::MAX as f64) as u32
    }

    /// BBRQuantizationBudget: room for the sender's bursts (the offload
    /// budget, 3 send quanta of at least 2 SMSS each), and 2 more
    /// segments while probing UP.
    fn quantization_budget(&self, inflight: u32) -> u32 {
        let send_quantum = (self.pacing_rate / 1000).clamp(2 * self.smss as u64, 64 * 1024) as u32;
        let mut inflight = inflight.max(3 * send_quantum).max(self.min_pipe_cwnd());
        if self.state == BbrState::ProbeBwUp {
            inflight += 2 * self.smss;
        }
        inflight
    }

    /// BBRInflight: `gain` BDPs, with the quantization budget.
    fn inflight(&self, bw: u64, gain: f64) -> u32 {
        self.quantization_budget(self.bdp_multiple(bw, gain))
    }

    fn target_inflight(&self) -> u32 {
        self.bdp_multiple(self.bw, 1.0).min(self.cwnd)
    }

    fn inflight_with_headroom(&self) -> u32 {
        let Some(hi) = self.inflight_hi else {
            return u32::MAX;
        };
        let headroom = ((HEADROOM * hi as f64) as u32).max(self.smss);
        hi.saturating_sub(headroom).max(self.min_pipe_cwnd())
    }

    /// BBRSetCwnd (§4.6.4.6) and the bounds after it.
    fn set_cwnd(&mut self, rs: &RateSample) {
        let extra = self.extra_acked().min(u32::MAX as u64) as u32;
        let max_inflight = self.quantization_budget(self.bdp_multiple(self.bw, self.cwnd_gain).saturating_add(extra));
        let grown = self.cwnd.saturating_add(rs.newly_acked.min(u32::MAX as u64) as u32);
        if self.full_bw_reached {
            self.cwnd = grown.min(max_inflight);
        } else if self.cwnd < max_inflight || self.delivered < self.initial_cwnd as u64 {
            self.cwnd = grown;
        }
        self.cwnd = self.cwnd.max(self.min_pipe_cwnd());
        if self.state == BbrState::ProbeRtt {
            self.cwnd = self.cwnd.min(self.probe_rtt_cwnd());
        }
        // BBRBoundCwndForModel (§4.6.4.7).
        let cap = match self.state {
            BbrState::ProbeBwDown | BbrState::ProbeBwRefill | BbrState::ProbeBwUp => {
                self.inflight_hi.unwrap_or(u32::MAX)
            }
            BbrState::ProbeRtt | BbrState::ProbeBwCruise => self.inflight_with_headroom(),
            _ => u32::MAX,
        };
        let cap = cap.min(self.inflight_lo.unwrap_or(u32::MAX)).max(self.min_pipe_cwnd());
        self.cwnd = self.cwnd.min(cap);
    }

    fn save_cwnd(&mut self) {
        self.prior_cwnd = if !self.in_recovery && self.state != BbrState::ProbeRtt {
            self.cwnd
        } else {
            self.prior_cwnd.max(self.cwnd)
        };
    }

    fn restore_cwnd(&mut self) {
        self.cwnd = self.cwnd.max(self.prior_cwnd);
    }
}

impl Controller for Bbr {
    /// BBR reads every ACK through `on_rate_sample`.
    fn on_ack(&mut self, _: &Ack<'_>) {}

    /// §4.6.4.4: entering fast recovery only saves the window; the loss
    /// reaches the model through the rate samples (v3 has no packet
    /// conservation).
    fn on_congestion_event(&mut self, _: Instant, _: u32) {
        self.save_cwnd();
        self.in_recovery = true;
    }

    fn on_recovery_end(&mut self, _: Instant, _: Option<u32>) {
        self.in_recovery = false;
        self.restore_cwnd();
    }

    /// BBROnEnterRTO: everything outstanding is presumed lost; one segment.
    fn on_timeout(&mut self, _: Instant, _: u32) {
        self.save_cwnd();
        self.in_recovery = false;
        self.cwnd = self.smss;
    }

    /// BBRHandleRestartFromIdle (§4.4.1): no queue built while idle, so
    /// in ProbeBW pace at the estimate itself.
    fn restart_after_idle(&mut self) {
        self.idle_restart = true;
        if self.in_probe_bw() {
            self.set_pacing_rate_with_gain(1.0);
        }
    }

    fn restrict_initial_window(&mut self) {
        self.cwnd = self.smss;
    }

    fn window(&self) -> u32 {
        self.cwnd
    }

    /// BBR keeps no slow-start threshold.
    fn ssthresh(&self) -> u32 {
        u32::MAX
    }

    fn phase(&self) -> Phase {
        if self.state == BbrState::Startup {
            Phase::SlowStart
        } else {
            Phase::CongestionAvoidance
        }
    }

    fn pacing_rate(&self) -> Option<u64> {
        Some(self.pacing_rate)
    }

    fn variables(&self) -> Option<Variables> {
        Some(Variables::Bbr {
            state: self.state,
            bw: self.max_bw,
            min_rtt: self.min_rtt.unwrap_or(Duration::ZERO),
            pacing_rate: self.pacing_rate,
            inflight_hi: self.inflight_hi,
        })
    }

    fn sets_recovery_window(&self) -> bool {
        true
    }

    fn holds_back(&self) -> bool {
        self.state == BbrState::ProbeRtt
    }

    /// BBRUpdateOnACK (§4.2.3): the model, then the state, then the rate
    /// and the window.
    fn on_rate_sample(&mut self, now: Instant, rs: &RateSample, in_network: u32, rtt: &RttEstimator) {
        if !self.started {
            // BBROnInit (§4.2.1), with the connection's first ACK of data:
            // min_rtt from SRTT (the handshake's round trip), the clocks
            // from now.
            self.started = true;
            self.min_rtt = rtt.srtt();
            self.min_rtt_stamp = now;
            self.probe_rtt_min_stamp = now;
            self.cycle_stamp = now;
            self.extra_acked_interval_start = now;
        }
        // BBRInitPacingRate from the first RTT known (as Linux, which
        // starts again once it has one).
        if let (false, Some(srtt)) = (self.has_seen_rtt, rtt.srtt()) {
            self.has_seen_rtt = true;
            self.init_pacing_rate(srtt);
        }
        self.delivered = rs.total_delivered;
        self.update_latest_delivery_signals(rs);
        self.update_congestion_signals(rs);
        self.update_ack_aggregation(now, rs);
        self.check_full_bw_reached(rs);
        self.check_startup_done(rs);
        self.check_drain_done(now, in_network);
        self.update_probe_bw_cycle_phase(now, rs, in_network);
        self.update_min_rtt(now, rs.rtt);
        self.check_probe_rtt(now, rs, in_network);
        self.advance_latest_delivery_signals(rs);
        self.bw = self.max_bw.min(self.bw_lo.unwrap_or(u64::MAX));
        self.set_pacing_rate_with_gain(self.pacing_gain);
        self.set_cwnd(rs);
    }
}

/// SplitMix64: a small, well-mixed step from one 64-bit state to the next.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1000;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// A connection that has measured a 100 ms round trip.
    fn rtt() -> RttEstimator {
        let mut rtt = RttEstimator::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
            Duration::from_secs(60),
        );
        rtt.sample(Duration::from_millis(100));
        rtt
    }

    /// One ACK per round trip, delivering `rate` bytes per second over a
    /// 100 ms round trip, after `total` bytes; twice that is in flight.
    fn round(bbr: &mut Bbr, now: Instant, rate: u64, total: &mut u64) {
        let delivered = rate / 10;
        let rs = RateSample {
            delivered,
            interval: Duration::from_millis(100),
            delivery_rate: rate,
            is_app_limited: false,
            prior_delivered: *total,
            tx_in_flight: delivered as u32,
            lost: 0,
            newly_acked: delivered,
            newly_lost: 0,
            total_delivered: *total + delivered,
            rtt: Some(Duration::from_millis(100)),
        };
        *total += delivered;
        bbr.on_rate_sample(now, &rs, 2 * delivered as u32, &rtt());
    }

    #[test]
    fn startup_ends_after_three_rounds_without_25_percent_more_bandwidth() {
        let mut bbr = Bbr::new(SMSS, Some(10), 1);
        let mut total = 0;
        let mut t = 0;
        for rate in [100_000, 200_000, 400_000, 800_000] {
            t += 100;
            round(&mut bbr, at(t), rate, &mut total);
            assert_eq!(bbr.state, BbrState::Startup);
        }
        // 20% more is not growth; the third round without growth ends it.
        for (n, rate) in [960_000, 900_000, 950_000].into_iter().enumerate() {
            t += 100;
            round(&mut bbr, at(t), rate, &mut total);
            let expected = if n < 2 { BbrState::Startup } else { BbrState::Drain };
            assert_eq!(bbr.state, expected, "round {n} at {rate} B/s");
        }
        assert!(bbr.full_bw_reached);
        assert_eq!(bbr.max_bw, 960_000);
        // Drain paces at 0.35 of the estimate, 1% under (§4.6.2).
        assert_eq!(bbr.pacing_rate, (0.35 * 960_000.0) as u64 * 99 / 100);
    }

    #[test]
    fn a_startup_rate_is_the_initial_window_per_first_rtt_times_2_77() {
        let mut bbr = Bbr::new(SMSS, Some(10), 1);
        let mut total = 0;
        round(&mut bbr, at(100), 0, &mut total);
        // 10 segments per 100 ms, doubled each round: 2.77 × 100 kB/s.
        assert_eq!(bbr.pacing_rate, 277_000);
    }

    #[test]
    fn losing_more_than_2_percent_while_probing_up_lowers_inflight_hi_and_ends_the_probe() {
        let mut bbr = Bbr::new(SMSS, Some(10), 1);
        let mut total = 0;
        for (n, rate) in [1_000_000, 1_000_000, 1_000_000, 1_000_000].into_iter().enumerate() {
            round(&mut bbr, at(100 * (n as u64 + 1)), rate, &mut total);
        }
        bbr.start_probe_bw_refill();
        bbr.bw_probe_samples = true;
        bbr.start_probe_bw_up(&RateSample {
            delivered: 0,
            interval: Duration::ZERO,
            delivery_rate: 1_000_000,
            is_app_limited: false,
            prior_delivered: 0,
            tx_in_flight: 0,
            lost: 0,
            newly_acked: 0,
            newly_lost: 0,
            total_delivered: total,
            rtt: None,
        });
        assert_eq!(bbr.state, BbrState::ProbeBwUp);
        // 4 of the 150 segments in flight when the measured one left: 2.7%.
        let rs = RateSample {
            delivered: 100_000,
            interval: Duration::from_millis(100),
            delivery_rate: 1_000_000,
            is_app_limited: false,
            prior_delivered: total,
            tx_in_flight: 150 * SMSS,
            lost: 4 * SMSS as u64,
            newly_acked: SMSS as u64,
            newly_lost: SMSS as u64,
            total_delivered: total + 100_000,
            rtt: Some(Duration::from_millis(100)),
        };
        bbr.on_rate_sample(at(1000), &rs, 150 * SMSS, &rtt());
        assert_eq!(bbr.state, BbrState::ProbeBwDown);
        // inflight_hi = max(tx_in_flight, β × target); target = BDP
        // (100 kB) capped by cwnd.
        let target = bbr.bdp_multiple(1_000_000, 1.0).min(200_000);
        assert_eq!(bbr.inflight_hi, Some((150 * SMSS).max((0.7 * target as f64) as u32)));
        // At 1.5% it would have kept probing.
        let mut calm = Bbr::new(SMSS, Some(10), 1);
        calm.full_bw_reached = true;
        calm.state = BbrState::ProbeBwUp;
        calm.bw_probe_samples = true;
        let rs = RateSample {
            lost: 2 * SMSS as u64,
            ..rs
        };
        calm.adapt_upper_bounds(at(1000), &rs);
        assert_eq!((calm.state, calm.inflight_hi), (BbrState::ProbeBwUp, None));
    }

    #[test]
    fn the_wait_before_probing_is_two_to_three_seconds_drawn_from_the_seed() {
        let waits = |seed: u64| {
            let mut bbr = Bbr::new(SMSS, Some(10), seed);
            (0..20)
                .map(|_| {
                    bbr.start_probe_bw_down(at(0));
                    assert!(bbr.rounds_since_bw_probe <= 1);
                    bbr.bw_probe_wait.micros()
                })
                .collect::<Vec<_>>()
        };
        let a = waits(7);
        assert!(a.iter().all(|w| (2_000_000..3_000_000).contains(w)), "{a:?}");
        assert!(a.iter().any(|&w| w < 2_500_000) && a.iter().any(|&w| w >= 2_500_000));
        assert_eq!(a, waits(7), "the same seed, the same draws");
        assert_ne!(a, waits(8));
    }

    #[test]
    fn probe_rtt_holds_half_a_bdp_but_never_less_than_four_segments() {
        let mut bbr = Bbr::new(SMSS, Some(10), 1);
        bbr.min_rtt = Some(Duration::from_millis(100));
        bbr.bw = 1_000_000; // BDP 100 kB
        assert_eq!(bbr.probe_rtt_cwnd(), 50_000);
        bbr.bw = 50_000; // BDP 5 kB
        assert_eq!(bbr.probe_rtt_cwnd(), 4 * SMSS);
    }
}
