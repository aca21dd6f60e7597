//! Narration for any step of any lesson, built from the segment and from
//! what the engine reported around it: why it was sent, what the wire did
//! to it, and what it did when it arrived. Nothing here names a step
//! number, so it stays true when the lab changes the run. The sentences
//! come from the phrasebook (`Phrases`); this file picks them and fills in
//! the run's numbers.

use super::phrases::Phrases;
use super::{amount, bytes, duration};
#[cfg(feature = "full")]
use super::{duration_fine, rate};
use crate::lesson;
use crate::state::story::{Step, Story};
use tcpsim::net::{Side, WireEvent};
use tcpsim::tcp::{ConnError, Event, Phase, RejectReason, RetransmitReason, State, Timer, MODERN};
use tcpsim::trace::{Record, What};
use tcpsim::wire::WireError;

/// The narration of one step being written.
struct Teller<'a> {
    story: &'a Story,
    phrases: &'a Phrases,
    mss: u32,
    /// Both SYNs offered SACK: recovery follows RFC 6675. (Read through
    /// `sack()`, so that builds without modern TCP leave that text out.)
    sack: bool,
    /// The data sender runs CUBIC (RFC 9438). (Read through `cubic()`.)
    cubic: bool,
    /// The data sender runs BBR (draft-ietf-ccwg-bbr). (Read through `bbr()`.)
    bbr: bool,
    /// Both SYNs offered timestamps: every segment carries them. (Read
    /// through `ts()`.)
    ts: bool,
    /// TSecr of the segment being told, as it arrives.
    #[cfg(feature = "full")]
    echoed: Option<u32>,
    text: String,
}

impl Teller<'_> {
    fn sack(&self) -> bool {
        MODERN && self.sack
    }

    fn cubic(&self) -> bool {
        cfg!(feature = "full") && self.cubic
    }

    fn bbr(&self) -> bool {
        cfg!(feature = "full") && self.bbr
    }

    fn ts(&self) -> bool {
        MODERN && self.ts
    }

    fn say(&mut self, key: &str, args: &[&str]) {
        let sentence = self.phrases.say(key, args);
        self.text.push_str(&sentence);
    }
}

pub(super) fn narrate(story: &Story, step: &Step, phrases: &Phrases) -> String {
    let records = &story.trace.records;
    let syns = story.steps.iter().filter(|s| s.segment.flags.syn());
    let (cubic, bbr) = algorithm_reported(story);
    let mut t = Teller {
        story,
        phrases,
        mss: crate::plot::mss(story),
        sack: MODERN && syns.clone().all(|s| s.segment.options.sack_permitted),
        cubic,
        bbr,
        ts: MODERN && syns.clone().all(|s| s.segment.options.timestamps.is_some()),
        #[cfg(feature = "full")]
        echoed: step.segment.options.timestamps.map(|(_, ecr)| ecr),
        text: String::new(),
    };
    segment(&mut t, step);
    // Why it was sent: the sender's reports since the previous datagram.
    // A delivery's reaction was told with that step, except what made
    // this segment go (a timer, a retransmission, a cookie).
    let (start, reacted) = lesson::why_sent(story, step);
    for (i, r) in records.iter().enumerate().take(step.sent_record).skip(start) {
        if let (true, What::Engine { event }) = (r.side == step.from, &r.what) {
            let cause = matches!(
                event,
                Event::TimerFired { .. } | Event::Retransmit { .. } | Event::SynCookieSent { .. }
            );
            if i >= reacted || cause {
                before_sending(&mut t, i, event);
            }
        }
    }
    let after = &records[step.sent_record + 1..];
    for r in after {
        let What::Wire { event } = &r.what else { break };
        t.say(
            match event {
                WireEvent::Dropped { .. } => "lost",
                WireEvent::Duplicated { .. } => "duplicated",
                WireEvent::Corrupted { .. } => "corrupted",
                WireEvent::Delayed { .. } => "delayed",
                WireEvent::Scheduled { .. } => continue,
            },
            &[],
        );
    }
    // A state change right after sending that the sender's next segment
    // will not tell (it is not sent next): an application's close with
    // data still queued.
    // (After the last segment, what comes later is told as afterwards.)
    let last = step.number == story.steps.len();
    let next = after
        .iter()
        .position(|r| matches!(r.what, What::Sent { .. } | What::Delivered { .. }) || (last && r.at != step.sent_at));
    let told_next = next.is_some_and(|k| after[k].side == step.from && matches!(after[k].what, What::Sent { .. }));
    if !told_next {
        for r in &after[..next.unwrap_or(after.len())] {
            if let What::Engine {
                event: Event::StateChanged { to, .. },
            } = &r.what
            {
                if r.side == step.from {
                    state_entered(&mut t, r.side, *to);
                }
            }
        }
    }
    // What it did: the receiver's reports as it arrived.
    for i in step.reaction() {
        if let What::Engine { event } = &records[i].what {
            on_arrival(&mut t, i, records[i].side, event);
        }
    }
    // With timestamps the echo says which copy an ACK answers: no Karn.
    if acknowledges_a_resend(story, step) && !t.ts() {
        t.say("karn", &[]);
    }
    if step.number == story.steps.len() {
        afterwards(&mut t, step.done.cursor);
    }
    t.text
}

/// What the segment is, in the lesson's terms.
fn segment(t: &mut Teller, step: &Step) {
    let s = &step.segment;
    let f = s.flags;
    let (who, peer) = (step.from.name(), step.from.other().name());
    let again = if resent(t.story, step) { " again" } else { "" };
    let seq = s.seq.to_string();
    if f.rst() {
        return t.say("rst", &[who, &seq]);
    }
    if f.syn() {
        if f.ack() {
            t.say("syn-ack", &[who, again, &seq, &s.ack.to_string(), peer]);
        } else {
            let mss = s.options.mss.unwrap_or(536).to_string();
            t.say("syn", &[who, again, &seq, &mss]);
        }
        if MODERN {
            syn_options(t, s);
        }
        return;
    }
    if s.len > 0 {
        let last = s.seq.wrapping_add(s.len - 1).to_string();
        match s.len {
            1 => t.say("data-1", &[who, again, &last]),
            n => t.say("data", &[who, &bytes(n), again, &seq, &last]),
        }
        if f.fin() {
            t.say("data-fin", &[who]);
        }
    } else if f.fin() {
        t.say("fin", &[who, again, &seq]);
    } else {
        acknowledgment(t, step);
    }
    advertised(t, step);
}

/// A segment without data, SYN or FIN: what its ack number says.
fn acknowledgment(t: &mut Teller, step: &Step) {
    let (who, ack) = (step.from.name(), step.segment.ack);
    let previous = t.story.steps[..step.number - 1]
        .iter()
        .rfind(|s| s.from == step.from && s.segment.flags.ack());
    let same = previous.is_some_and(|p| p.segment.ack == ack);
    let same_window = previous.is_some_and(|p| p.segment.window == step.segment.window);
    let ack = ack.to_string();
    match (same, gap_after(t.story, step)) {
        (true, Some(end)) if same_window => {
            let end = end.wrapping_sub(1).to_string();
            t.say("dup-ack", &[who, &ack, &ack, &end])
        }
        (true, _) => t.say("ack-again", &[who, &ack]),
        (false, _) => t.say("ack", &[who, &ack, &ack]),
    }
    if MODERN && !step.segment.options.sack.is_empty() {
        let blocks: Vec<String> = step
            .segment
            .options
            .sack
            .iter()
            .map(|(left, right)| format!("{left}–{}", right - 1))
            .collect();
        t.say("sack-blocks", &[&blocks.join(", ")]);
    }
}

/// What a SYN offers beyond the MSS.
fn syn_options(t: &mut Teller, s: &tcpsim::trace::Segment) {
    if let Some(shift) = s.options.window_scale {
        let unit = 1u32 << shift.min(14);
        t.say("syn-wscale", &[&shift.to_string(), &unit.to_string()]);
    }
    if s.options.sack_permitted {
        t.say("syn-sack", &[]);
    }
    if let Some((val, _)) = s.options.timestamps {
        t.say("syn-ts", &[&val.to_string()]);
    }
}

/// Where the first bytes held beyond a gap start, if the sender of this
/// ACK holds any: the lowest out-of-order arrival above its ack number.
fn gap_after(story: &Story, step: &Step) -> Option<u32> {
    let ack = step.segment.ack;
    story.trace.records[..step.sent_record]
        .iter()
        .filter(|r| r.side == step.from)
        .filter_map(|r| match r.what {
            What::Engine {
                event: Event::OutOfOrder { seq, .. },
            } => Some(seq.0),
            _ => None,
        })
        .filter(|&seq| seq.wrapping_sub(ack) as i32 > 0)
        .min_by_key(|&seq| seq.wrapping_sub(ack))
}

/// The window it advertises, when it matters: zero, or so small (or just
/// grown from so small) that it limits the sender to less than a segment.
fn advertised(t: &mut Teller, step: &Step) {
    let s = &step.segment;
    if !s.flags.ack() || s.flags.syn() {
        return;
    }
    let window = window_of(t.story, step);
    if window == 0 {
        return t.say("window-0", &[step.from.other().name()]);
    }
    let before = t.story.steps[..step.number - 1]
        .iter()
        .rfind(|p| p.from == step.from && !p.segment.flags.syn())
        .map_or(window, |p| window_of(t.story, p));
    if before == window || (window >= t.mss && before >= t.mss) {
        return;
    }
    let key = if window < before {
        "window-shrank"
    } else {
        "window-grew"
    };
    t.say(key, &[&bytes(window), &bytes(before)]);
}

/// The receive window a segment advertises, in bytes: the field shifted by
/// the sender's window scale once both SYNs offered one (RFC 7323 §2.3).
fn window_of(story: &Story, step: &Step) -> u32 {
    let raw = step.segment.window as u32;
    if step.segment.flags.syn() {
        return raw;
    }
    let syn_of = |side: Side| {
        story
            .steps
            .iter()
            .find(|s| s.from == side && s.segment.flags.syn())
            .and_then(|s| s.segment.options.window_scale)
    };
    match (syn_of(step.from), syn_of(step.from.other())) {
        (Some(shift), Some(_)) => raw << shift.min(14),
        _ => raw,
    }
}

/// The segment this ACK completes, from the other side, was a resend, and
/// this is the first ACK of it.
fn acknowledges_a_resend(story: &Story, step: &Step) -> bool {
    let ack = step.segment.ack;
    let earlier = &story.steps[..step.number - 1];
    step.segment.flags.ack()
        && earlier
            .iter()
            .rfind(|p| p.from != step.from && p.segment.len > 0 && p.segment.seq.wrapping_add(p.segment.len) == ack)
            .is_some_and(|p| resent(story, p))
        && !earlier.iter().any(|p| p.from == step.from && p.segment.ack == ack)
}

/// An earlier segment from the same side carried the same sequence space.
fn resent(story: &Story, step: &Step) -> bool {
    let s = &step.segment;
    let space = |q: &tcpsim::trace::Segment| (q.seq, q.len, q.flags.syn(), q.flags.fin());
    let carries = s.len > 0 || s.flags.syn() || s.flags.fin();
    carries
        && story.steps[..step.number - 1]
            .iter()
            .any(|p| p.from == step.from && space(&p.segment) == space(s))
}

fn before_sending(t: &mut Teller, i: usize, event: &Event) {
    let records = &t.story.trace.records;
    let side = records[i].side;
    match event {
        Event::TimerFired {
            timer: Timer::Retransmit,
            ..
        } => {
            let waited = timer_length(records, i, side, Timer::Retransmit);
            t.say("rto", &[&duration(waited.unwrap_or(0))]);
            if let Some(next) = next_timeout(records, i, side).filter(|&next| waited.is_some_and(|w| next > w)) {
                t.say("rto-doubles", &[&duration(next)]);
            }
        }
        Event::TimerFired {
            timer: Timer::Persist, ..
        } => t.say("persist", &[]),
        Event::Retransmit { reason, seq, .. } => match reason {
            RetransmitReason::FastRetransmit => t.say("fast-retransmit", &[&seq.to_string()]),
            RetransmitReason::PartialAck => t.say("partial-ack", &[&seq.to_string()]),
            RetransmitReason::SynRepeated => t.say("syn-repeated", &[]),
            RetransmitReason::SackRecovery => t.say("sack-resend", &[&seq.to_string()]),
            #[cfg(feature = "full")]
            RetransmitReason::LossProbe => t.say("loss-probe", &[]),
            #[cfg(feature = "full")]
            RetransmitReason::MarkedLost => t.say("rack-resend", &[]),
            _ => {}
        },
        #[cfg(feature = "full")]
        Event::TimerFired { timer: Timer::Pace, .. } => {
            if let Some(tcpsim::tcp::Variables::Bbr { pacing_rate, .. }) = lesson::bbr_report_before(records, i, side) {
                let gap = u64::from(t.mss) * 1_000_000 / pacing_rate.max(1);
                t.say("paced", &[&rate(pacing_rate), &duration_fine(gap)]);
            }
        }
        #[cfg(feature = "full")]
        Event::TimerFired {
            timer: Timer::LossProbe,
            ..
        } => {
            let waited = timer_length(records, i, side, Timer::LossProbe);
            t.say("pto", &[&duration(waited.unwrap_or(0))]);
        }
        Event::Window { .. } => window_change(t, i),
        Event::StateChanged { to, .. } => state_entered(t, side, *to),
        Event::Duplicate { .. } => t.say("copy", &[]),
        Event::WindowUpdate { .. } => t.say("window-update", &[]),
        Event::SynCookieSent { .. } => t.say("syn-cookie", &[]),
        Event::Error {
            error: ConnError::Reset,
            ..
        } => t.say("aborted", &[]),
        _ => {}
    }
}

/// How long `timer`, which fired at record `i`, had run: from when it was
/// last set for that instant to when it fired (µs).
pub(crate) fn timer_length(records: &[Record], i: usize, side: Side, timer: Timer) -> Option<u64> {
    let fired = records[i].at;
    records[..i].iter().rev().find_map(|r| match r.what {
        What::Engine {
            event: Event::TimerSet { timer: t, at, .. },
        } if r.side == side && t == timer && at == fired => Some(fired.micros() - r.at.micros()),
        _ => None,
    })
}

/// The retransmission timeout set next after record `i` (µs).
fn next_timeout(records: &[Record], i: usize, side: Side) -> Option<u64> {
    records[i + 1..].iter().find_map(|r| match r.what {
        What::Engine {
            event:
                Event::TimerSet {
                    timer: Timer::Retransmit,
                    at,
                    ..
                },
        } if r.side == side => Some(at.micros().saturating_sub(r.at.micros())),
        _ => None,
    })
}

/// (cwnd, ssthresh, phase) of a `Window` report.
fn cwnd_at(record: &Record) -> Option<(u32, u32, Phase)> {
    match record.what {
        What::Engine {
            event: Event::Window {
                cwnd, ssthresh, phase, ..
            },
        } => Some((cwnd, ssthresh, phase)),
        _ => None,
    }
}

/// What changed in the congestion window at the `Window` report `i`, in
/// words, compared with the same host's previous report.
fn window_change(t: &mut Teller, i: usize) {
    let records = &t.story.trace.records;
    let side = records[i].side;
    let Some((cwnd, ssthresh, phase)) = cwnd_at(&records[i]) else {
        return;
    };
    let Some((was, was_ssthresh, was_phase)) = records[..i].iter().rev().filter(|r| r.side == side).find_map(cwnd_at)
    else {
        return;
    };
    let (a, b, ss) = (amount(was, t.mss), amount(cwnd, t.mss), amount(ssthresh, t.mss));
    let host = side.name();
    use Phase::*;
    if t.bbr() {
        return match (was_phase, phase) {
            (p, FastRecovery) if p != FastRecovery => t.say("recovery-begins-bbr", &[&b]),
            (FastRecovery, p) if p != FastRecovery => t.say("recovery-ends-bbr", &[&b]),
            _ if cwnd < was && cwnd <= t.mss => t.say("timeout-cut-bbr", &[&a, &b]),
            _ if cwnd > was => t.say("grows-bbr", &[host, &a, &b]),
            _ if cwnd < was => t.say("shrinks-bbr", &[host, &a, &b]),
            _ => {}
        };
    }
    match (was_phase, phase) {
        (p, FastRecovery) if p != FastRecovery => {
            match (t.cubic(), t.sack()) {
                (true, _) => t.say("recovery-begins-cubic", &[&ss, &b]),
                (false, true) => t.say("recovery-begins-sack", &[&b]),
                (false, false) => t.say("recovery-begins", &[&ss, &b]),
            }
            if t.sack() {
                t.say("sack-pipe", &[]);
                match rate_reduction(records, i) {
                    Some(share) => t.say("prr", &[&share.to_string()]),
                    None => t.say("sack-cwnd", &[]),
                }
            }
        }
        (FastRecovery, p) if p != FastRecovery && t.sack() => t.say("recovery-ends-sack", &[&b, p.name()]),
        (FastRecovery, p) if p != FastRecovery => t.say("recovery-ends", &[&a, &b, p.name()]),
        _ if ssthresh < was_ssthresh && cwnd < was && t.cubic() => t.say("timeout-cut-cubic", &[&ss, &a, &b]),
        _ if ssthresh < was_ssthresh && cwnd < was => t.say("timeout-cut", &[&ss, &a, &b]),
        (SlowStart, CongestionAvoidance) if t.cubic() => t.say("slow-start-ends-cubic", &[host, &b, &ss]),
        (SlowStart, CongestionAvoidance) => t.say("slow-start-ends", &[host, &b, &ss]),
        (FastRecovery, FastRecovery) if cwnd > was => t.say("inflates", &[host, &a, &b]),
        (FastRecovery, FastRecovery) if cwnd < was => t.say("deflates", &[host, &a, &b]),
        (SlowStart, SlowStart) if cwnd < was => t.say("idle-restart", &[host, &a, &b]),
        (SlowStart, _) if cwnd > was => t.say("grows-slow-start", &[host, &a, &b]),
        _ if cwnd > was && t.cubic() => t.say("grows-cubic", &[host, &a, &b]),
        _ if cwnd > was => t.say("grows", &[host, &a, &b]),
        _ if cwnd < was => t.say("shrinks", &[host, &a, &b]),
        _ => {}
    }
}

fn state_entered(t: &mut Teller, side: Side, to: State) {
    let why = t.phrases.say(to.name(), &[]);
    t.say("state", &[side.name(), to.name(), &why]);
}

fn on_arrival(t: &mut Teller, i: usize, side: Side, event: &Event) {
    let records = &t.story.trace.records;
    let who = side.name();
    match event {
        Event::StateChanged { to, .. } => state_entered(t, side, *to),
        Event::Window { .. } => window_change(t, i),
        Event::DuplicateAck { count, .. } => match count {
            1 | 2 => t.say("dup-ack-count", &[who, &count.to_string()]),
            3 => t.say("dup-ack-3", &[who]),
            _ => t.say("dup-ack-more", &[who, &count.to_string()]),
        },
        Event::RttSample { rtt, rto, .. } if first_sample(records, i) => {
            t.say("first-rtt", &[who, &duration(rtt.micros()), &duration(rto.micros())])
        }
        #[cfg(feature = "full")]
        Event::RttSample { rtt, srtt, .. } if t.ts() => {
            if let Some(ecr) = t.echoed {
                let (rtt, srtt) = (duration(rtt.micros()), duration(srtt.micros()));
                t.say("rtt-ts", &[&ecr.to_string(), &rtt, &srtt])
            }
        }
        Event::ZeroWindow { .. } => t.say("zero-window", &[who]),
        Event::OutOfOrder { seq, len, .. } => t.say("out-of-order", &[&bytes(*len), &seq.to_string(), who]),
        Event::Duplicate { .. } => t.say("duplicate", &[who]),
        Event::Rejected { reason, .. } => rejected(t, who, reason),
        Event::Error { error, .. } => {
            let what = t.phrases.say(
                match error {
                    ConnError::Refused => "refused",
                    ConnError::Reset => "reset",
                    ConnError::TimedOut => "timed-out",
                },
                &[],
            );
            t.say("error", &[who, &what])
        }
        Event::SynCookieAccepted { .. } => t.say("cookie-accepted", &[]),
        Event::Reopened { .. } => t.say("reopened", &[]),
        #[cfg(feature = "full")]
        Event::CongestionVariables { variables, .. } => match variables {
            tcpsim::tcp::Variables::Cubic { .. } => cubic_curve(t, i, variables),
            tcpsim::tcp::Variables::Bbr { .. } => bbr_state(t, i, variables),
        },
        #[cfg(feature = "full")]
        Event::MarkedLost { seq, len, .. } => {
            let last = (*seq + (*len as usize)) - 1;
            t.say("rack-lost", &[who, &seq.to_string(), &last.to_string()])
        }
        #[cfg(feature = "full")]
        Event::DuplicateSack { seq, len, .. } => {
            let last = (*seq + (*len as usize)) - 1;
            t.say("d-sack", &[who, &seq.to_string(), &last.to_string()])
        }
        _ => {}
    }
}

/// The share of each delivered segment PRR sends (percent), if the
/// recovery that begins at record `i` is paced by it (RFC 6937).
#[cfg(feature = "full")]
fn rate_reduction(records: &[Record], i: usize) -> Option<u64> {
    let (side, at) = (records[i].side, records[i].at);
    records[..i]
        .iter()
        .rev()
        .take_while(|r| r.at == at)
        .find_map(|r| match r.what {
            What::Engine {
                event: Event::RateReduction {
                    recover_fs, ssthresh, ..
                },
            } if r.side == side => Some(u64::from(ssthresh) * 100 / u64::from(recover_fs.max(1))),
            _ => None,
        })
}

#[cfg(not(feature = "full"))]
fn rate_reduction(_: &[Record], _: usize) -> Option<u64> {
    None
}

/// Whether the run's data sender reports CUBIC's or BBR's variables.
#[cfg(feature = "full")]
fn algorithm_reported(story: &Story) -> (bool, bool) {
    use tcpsim::tcp::Variables;
    let first = story.trace.records.iter().find_map(|r| match r.what {
        What::Engine {
            event: Event::CongestionVariables { variables, .. },
        } => Some(variables),
        _ => None,
    });
    (
        matches!(first, Some(Variables::Cubic { .. })),
        matches!(first, Some(Variables::Bbr { .. })),
    )
}

#[cfg(not(feature = "full"))]
const fn algorithm_reported(_: &Story) -> (bool, bool) {
    (false, false)
}

/// A new CUBIC curve, or the curve passing W_max (RFC 9438 §4.2–4.5).
#[cfg(feature = "full")]
fn cubic_curve(t: &mut Teller, i: usize, variables: &tcpsim::tcp::Variables) {
    use tcpsim::tcp::{CubicRegion::*, Variables};
    let records = &t.story.trace.records;
    let side = records[i].side;
    let Variables::Cubic { w_max, k, region } = *variables else {
        return;
    };
    let previous = records[..i]
        .iter()
        .rev()
        .filter(|r| r.side == side)
        .find_map(|r| match r.what {
            What::Engine {
                event:
                    Event::CongestionVariables {
                        variables: Variables::Cubic { region, .. },
                        ..
                    },
            } => Some(region),
            _ => None,
        });
    let w_max = amount(w_max, t.mss);
    let climbing = !matches!(region, SlowStart | Recovery);
    if climbing && matches!(previous, None | Some(SlowStart | Recovery)) {
        if k.micros() == 0 {
            t.say("cubic-start", &[&w_max]);
        } else {
            t.say("cubic-curve", &[&w_max, &duration(k.micros())]);
        }
    } else if region == Convex && k.micros() > 0 && previous != Some(Convex) {
        t.say("cubic-convex", &[&w_max]);
    }
}

/// BBR entering a state (draft-ietf-ccwg-bbr §4.3), or lowering the most
/// it keeps in flight after a lossy probe (§4.5.10.2).
#[cfg(feature = "full")]
fn bbr_state(t: &mut Teller, i: usize, variables: &tcpsim::tcp::Variables) {
    use tcpsim::tcp::{BbrState::*, Variables};
    let Variables::Bbr {
        state,
        bw,
        min_rtt,
        pacing_rate,
        inflight_hi,
    } = *variables
    else {
        return;
    };
    let side = t.story.trace.records[i].side;
    let previous = lesson::bbr_report_before(&t.story.trace.records, i, side);
    let (was, was_hi) = match previous {
        Some(Variables::Bbr { state, inflight_hi, .. }) => (Some(state), inflight_hi),
        _ => (None, None),
    };
    if let Some(hi) = inflight_hi.filter(|&hi| was_hi.is_none_or(|w| hi < w)) {
        t.say("bbr-inflight-hi", &[&amount(hi, t.mss)]);
    }
    if was == Some(state) {
        return;
    }
    let bdp = variables.bdp().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
    let (bw, bdp, rtt) = (rate(bw), bytes(bdp), duration(min_rtt.micros()));
    match state {
        Startup if was.is_none() => t.say("bbr-startup", &[]),
        Startup => t.say("bbr-startup-again", &[]),
        Drain => t.say("bbr-drain", &[&bw, &bdp]),
        ProbeBwDown => t.say("bbr-down", &[&bw]),
        ProbeBwCruise => t.say("bbr-cruise", &[&bdp, &bw, &rtt]),
        ProbeBwRefill => t.say("bbr-refill", &[]),
        ProbeBwUp => t.say("bbr-up", &[&rate(pacing_rate), &bw]),
        ProbeRtt => t.say("bbr-probe-rtt", &[&rtt]),
    }
}

fn first_sample(records: &[Record], i: usize) -> bool {
    let side = records[i].side;
    !records[..i].iter().any(|r| {
        r.side == side
            && matches!(
                r.what,
                What::Engine {
                    event: Event::RttSample { .. }
                }
            )
    })
}

fn rejected(t: &mut Teller, who: &str, reason: &RejectReason) {
    let key = match reason {
        RejectReason::Malformed {
            error: WireError::BadTcpChecksum | WireError::BadIpChecksum,
        } => "bad-checksum",
        RejectReason::Malformed { error } => return t.say("unreadable", &[&error.to_string(), who]),
        RejectReason::SynInSynReceived => "syn-in-syn-rcvd",
        RejectReason::NoListener => "no-listener",
        RejectReason::Unacceptable => "unacceptable",
        RejectReason::BadAckInSynSent => "ghost-ack",
        RejectReason::BacklogFull => "backlog-full",
        RejectReason::RstChallenge | RejectReason::SynChallenge => "challenge",
        RejectReason::Paws if MODERN => "paws",
        _ => return,
    };
    t.say(key, &[who]);
}

/// After the last step: what the hosts still do on their own (a final
/// timeout, TIME_WAIT ending).
fn afterwards(t: &mut Teller, from: usize) {
    let records = &t.story.trace.records;
    let entered = |r: &&Record| {
        matches!(
            r.what,
            What::Engine {
                event: Event::StateChanged {
                    to: State::TimeWait,
                    ..
                }
            }
        )
    };
    let time_wait_from = records[..from].iter().rfind(entered).map(|r| r.at);
    for r in &records[from..] {
        let What::Engine { event } = &r.what else { continue };
        let who = r.side.name();
        match event {
            Event::Error {
                error: ConnError::TimedOut,
                ..
            } => t.say("gave-up", &[who]),
            Event::StateChanged {
                from: State::TimeWait,
                to: State::Closed,
                ..
            } => {
                let waited = time_wait_from.map_or(0, |at| r.at.micros() - at.micros());
                t.say("time-wait-ends", &[&duration(waited), who])
            }
            _ => {}
        }
    }
}
