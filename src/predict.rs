//! Predict mode's answer checker. The learner says what the next segment
//! will be; each field is checked against the segment the engine sent, in
//! the same story the page animates, with the reason for the right value
//! read off the run (the segments before it) and, for a wrong answer, the
//! idea it missed.

use crate::narration::{duration, timer_length};
use crate::state::story::{Step, Story};
use tcpsim::net::Side;
use tcpsim::tcp::{Event, RetransmitReason, State, Timer};
use tcpsim::time::Instant;
use tcpsim::trace::Segment;
use tcpsim::trace::What;
use tcpsim::wire::TcpFlags;

/// The flags a learner toggles: the ones these runs use.
pub const FLAGS: [(TcpFlags, &str); 5] = [
    (TcpFlags::SYN, "SYN"),
    (TcpFlags::ACK, "ACK"),
    (TcpFlags::PSH, "PSH"),
    (TcpFlags::FIN, "FIN"),
    (TcpFlags::RST, "RST"),
];

fn toggled(flags: TcpFlags) -> TcpFlags {
    TcpFlags(flags.0 & FLAGS.iter().fold(0, |all, (f, _)| all | f.0))
}

/// What a learner may be asked about the next segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Sender,
    /// What makes it go now.
    Cause,
    /// For a resend: how long after the first copy it goes.
    Wait,
    Flags,
    Seq,
    Ack,
    Len,
    /// Each host's state once the segment has arrived.
    ClientState,
    ServerState,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Sender,
        Field::Cause,
        Field::Wait,
        Field::Flags,
        Field::Seq,
        Field::Ack,
        Field::Len,
        Field::ClientState,
        Field::ServerState,
    ];

    /// As the form labels it.
    pub const fn label(self) -> &'static str {
        match self {
            Field::Sender => "Who sends it",
            Field::Cause => "What makes it go",
            Field::Wait => "How long after the first copy it goes",
            Field::Flags => "Flags",
            Field::Seq => "Sequence number",
            Field::Ack => "Acknowledgment number",
            Field::Len => "Data length",
            Field::ClientState => "Client's state after it arrives",
            Field::ServerState => "Server's state after it arrives",
        }
    }
}

/// What makes a host send a segment when it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A segment from the other side arrived and needs this answer.
    Arrival,
    /// Its application opened, wrote or closed.
    Application,
    /// The retransmission timer ran out: nothing was acknowledged in time.
    RetransmitTimer,
    /// Another timer: a delayed ACK's, a zero-window probe's, a loss probe's.
    OtherTimer,
}

impl Cause {
    pub const ALL: [Cause; 4] = [
        Cause::Arrival,
        Cause::Application,
        Cause::RetransmitTimer,
        Cause::OtherTimer,
    ];

    /// As the form offers it.
    pub const fn label(self) -> &'static str {
        match self {
            Cause::Arrival => "a segment arriving",
            Cause::Application => "its application (open, write, close)",
            Cause::RetransmitTimer => "the retransmission timer running out",
            Cause::OtherTimer => "another timer (delayed ACK, probe)",
        }
    }

    /// Why `step` was sent when it was: walking back from its sending, the
    /// first thing that happened to its sender (its own segments sent in
    /// the same burst, and pacing, do not count).
    pub fn of(story: &Story, step: &Step) -> Cause {
        Cause::with_record(story, step).map_or(Cause::Application, |(cause, _)| cause)
    }

    /// The cause and the index of its record.
    fn with_record(story: &Story, step: &Step) -> Option<(Cause, usize)> {
        let records = &story.trace.records[..step.sent_record];
        records
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, r)| r.side == step.from)
            .find_map(|(i, r)| match &r.what {
                What::Delivered { .. } => Some((Cause::Arrival, i)),
                What::App { .. } => Some((Cause::Application, i)),
                What::Engine {
                    event: Event::TimerFired { timer, .. },
                } => match timer {
                    Timer::Retransmit => Some((Cause::RetransmitTimer, i)),
                    Timer::Pace => None,
                    _ => Some((Cause::OtherTimer, i)),
                },
                _ => None,
            })
    }
}

/// Easy asks what the step teaches; full asks everything that can be known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Level {
    #[default]
    Easy,
    Full,
}

/// The learner's answer; `None` where a field was left blank. For `ack`,
/// `None` also answers "no ACK flag, no acknowledgment number".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prediction {
    pub sender: Option<Side>,
    pub cause: Option<Cause>,
    /// Milliseconds.
    pub wait: Option<u32>,
    pub flags: Option<TcpFlags>,
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    pub len: Option<u32>,
    pub client_state: Option<State>,
    pub server_state: Option<State>,
}

/// An idea about TCP that a wrong answer shows was missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Concept {
    SynTakesOne,
    FinTakesOne,
    SeqCountsBytes,
    AckIsNextByte,
    AckIsCumulative,
    ResendRepeatsSeq,
    WhenResent,
    WhoSpeaks,
    FlagsSayWhat,
    StatesFollowSegments,
}

impl Concept {
    /// The idea in one sentence, for the end-of-run summary.
    pub const fn sentence(self) -> &'static str {
        match self {
            Concept::SynTakesOne => "A SYN uses one sequence number: the first data byte is the ISN + 1.",
            Concept::FinTakesOne => "A FIN uses one sequence number too: it is acknowledged with one more than its own.",
            Concept::SeqCountsBytes => "Sequence numbers count bytes: each segment starts where the sender's last one ended.",
            Concept::AckIsNextByte => "The ack number is the next byte expected, one past the last byte received.",
            Concept::AckIsCumulative => "ACKs are cumulative: bytes beyond a gap are not acknowledged until the gap is filled.",
            Concept::ResendRepeatsSeq => "A retransmission repeats the sequence numbers of the segment it replaces.",
            Concept::WhenResent => "A lost segment goes again when duplicate ACKs come back, about one round trip after it left, or when the retransmission timer runs out: the RTO (the smoothed round trip plus four times its variation, never below a minimum), doubled each time it runs out.",
            Concept::WhoSpeaks => "A host sends when a segment arrives that needs an answer, when its application acts, or when a timer runs out.",
            Concept::FlagsSayWhat => "The flags say what a segment does: SYN opens, FIN closes, RST aborts, ACK acknowledges.",
            Concept::StatesFollowSegments => "A host changes state when a segment arrives or its application acts, as RFC 9293's state diagram says.",
        }
    }
}

/// One field checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub field: Field,
    pub right: bool,
    /// The engine's value, as the page writes it.
    pub expected: String,
    /// Why it is that value, in one line.
    pub reason: String,
    /// For a wrong answer, the idea it missed.
    pub missed: Option<Concept>,
}

/// How a reason writes the number a SYN or FIN takes.
fn plus_one(s: &Segment) -> &'static str {
    match () {
        _ if s.flags.syn() => " + 1 for the SYN",
        _ if s.flags.fin() => " + 1 for the FIN",
        _ => "",
    }
}

/// Sequence space a segment uses: its bytes, and one each for SYN and FIN.
fn space(s: &Segment) -> u32 {
    s.len + u32::from(s.flags.syn()) + u32::from(s.flags.fin())
}

/// The last copy of these bytes (or this SYN or FIN) that the segment's
/// sender sent before it, if it is a resend.
fn first_copy<'a>(story: &'a Story, step: &Step) -> Option<&'a Step> {
    let s = &step.segment;
    (space(s) > 0).then_some(())?;
    story.steps[..step.number - 1]
        .iter()
        .rev()
        .find(|p| p.from == step.from && p.segment.seq == s.seq && space(&p.segment) > 0)
}

/// The engine sent these bytes again, and the learner has seen them go before.
fn resent(story: &Story, step: &Step) -> bool {
    resend_reason(story, step).is_some() && first_copy(story, step).is_some()
}

/// The fields a learner is asked at step `n`. A SYN's own sequence number
/// is the sender's random choice, so it is never asked.
pub fn fields(story: &Story, step: &Step, level: Level) -> Vec<Field> {
    let s = &step.segment;
    let f = s.flags;
    let syn = f.syn();
    let resent = resent(story, step);
    // A first SYN's number is its sender's random choice; a wait needs a first copy.
    let knowable = |field: &Field| match field {
        Field::Seq => !syn || resent,
        Field::Wait => resent,
        _ => true,
    };
    if level == Level::Full {
        return Field::ALL.into_iter().filter(knowable).collect();
    }
    let receiver_state = match step.from {
        Side::Client => Field::ServerState,
        Side::Server => Field::ClientState,
    };
    let receiver_changes = {
        let side = step.from.other();
        let before = story.state_at(side, story.moment(step.number - 1)).0;
        before != story.state_at(side, step.done).0
    };
    match () {
        _ if f.rst() => vec![Field::Sender, Field::Flags],
        // Which segment comes back, what makes it go, and when.
        _ if resent => vec![Field::Seq, Field::Cause, Field::Wait],
        _ if syn && !f.ack() => vec![Field::Sender, Field::Flags],
        _ if syn => vec![Field::Flags, Field::Ack],
        _ if f.fin() => vec![Field::Flags, receiver_state],
        _ if s.len > 0 => vec![Field::Seq],
        _ if receiver_changes => vec![Field::Ack, receiver_state],
        _ => vec![Field::Ack],
    }
}

/// Checks `prediction` for `fields` of step `step`.
pub fn check(story: &Story, step: &Step, fields: &[Field], prediction: &Prediction) -> Vec<Verdict> {
    fields
        .iter()
        .map(|&field| match field {
            Field::Sender => sender(story, step, prediction.sender),
            Field::Cause => cause(story, step, prediction.cause),
            Field::Wait => wait(story, step, prediction.wait),
            Field::Flags => flags(step, prediction.flags),
            Field::Seq => seq(story, step, prediction.seq),
            Field::Ack => ack(story, step, prediction.ack),
            Field::Len => len(story, step, prediction.len),
            Field::ClientState => state(story, step, Side::Client, prediction.client_state),
            Field::ServerState => state(story, step, Side::Server, prediction.server_state),
        })
        .collect()
}

fn verdict(field: Field, right: bool, expected: String, reason: String, missed: Concept) -> Verdict {
    Verdict {
        field,
        right,
        expected,
        reason,
        missed: (!right).then_some(missed),
    }
}

/// `said` is what a SYN or FIN from `from` before `step` would give
/// without the one number it takes: that idea was missed.
fn forgot_one(story: &Story, step: &Step, from: Side, said: Option<u32>) -> Option<Concept> {
    let said = said?;
    story.steps[..step.number - 1]
        .iter()
        .filter(|p| p.from == from && p.segment.seq.wrapping_add(p.segment.len) == said)
        .find_map(|p| match p.segment.flags {
            f if f.syn() => Some(Concept::SynTakesOne),
            f if f.fin() => Some(Concept::FinTakesOne),
            _ => None,
        })
}

/// The other side's segments that arrived before `step` was sent.
fn arrivals<'a>(story: &'a Story, step: &Step) -> impl Iterator<Item = &'a Step> {
    let (from, sent) = (step.from, step.sent_record);
    story.steps[..step.number - 1]
        .iter()
        .filter(move |p| p.from != from && p.reaction().start > 0 && p.reaction().start <= sent)
}

/// The latest of them to arrive.
fn last_arrival<'a>(story: &'a Story, step: &Step) -> Option<&'a Step> {
    arrivals(story, step).max_by_key(|p| p.reaction().start)
}

fn sender(story: &Story, step: &Step, said: Option<Side>) -> Verdict {
    let who = step.from.name();
    let reason = if resent(story, step) {
        format!("The {who} sends again what it sent before and has not seen acknowledged.")
    } else if let Some(p) = last_arrival(story, step) {
        format!(
            "The {who} answers the {} it received last ({}).",
            p.from.name(),
            p.label()
        )
    } else {
        format!("The {who} speaks first: its application opens or writes.")
    };
    verdict(
        Field::Sender,
        said == Some(step.from),
        format!("the {who}"),
        reason,
        Concept::WhoSpeaks,
    )
}

/// Why the engine sent `step` again, as it reported it; `None` when
/// `step` is not a resend.
fn resend_reason(story: &Story, step: &Step) -> Option<RetransmitReason> {
    let seq = step.segment.seq;
    crate::lesson::before(story, step).find_map(|e| match e {
        Event::Retransmit { seq: s, reason, .. } if s.0 == seq => Some(*reason),
        _ => None,
    })
}

fn cause(story: &Story, step: &Step, said: Option<Cause>) -> Verdict {
    let cause = Cause::of(story, step);
    let who = step.from.name();
    let fast = resend_reason(story, step) == Some(RetransmitReason::FastRetransmit);
    let reason = match cause {
        Cause::Arrival if fast => "The third duplicate ACK arrived: the segment after the acknowledged bytes is taken as lost and sent again at once, without waiting for the timer (RFC 5681 §3.2).".to_string(),
        Cause::Arrival => format!("A segment arrived that the {who} answers at once."),
        Cause::Application => format!("The {who}'s application acted: it opened, wrote or closed."),
        Cause::RetransmitTimer => "Nothing was acknowledged before the retransmission timer ran out, so the oldest unacknowledged segment goes again (RFC 6298 §5).".to_string(),
        Cause::OtherTimer => format!("One of the {who}'s timers ran out: a delayed ACK's, a zero-window probe's or a loss probe's."),
    };
    verdict(
        Field::Cause,
        said == Some(cause),
        cause.label().to_string(),
        reason,
        Concept::WhoSpeaks,
    )
}

/// A wait within a fifth (or 10 ms) is right: the learner estimates
/// round trips or works out the RTO, not the microsecond.
fn wait(story: &Story, step: &Step, said: Option<u32>) -> Verdict {
    let (Some(first), Some(why)) = (first_copy(story, step), resend_reason(story, step)) else {
        return verdict(
            Field::Wait,
            said.is_none(),
            "none".into(),
            "It is not a resend.".into(),
            Concept::WhenResent,
        );
    };
    let us = step.sent_at.saturating_since(first.sent_at).micros();
    let ms = (us + 500) / 1000;
    let right = said.is_some_and(|said| u64::from(said).abs_diff(ms) <= (ms / 5).max(10));
    let since = duration(us);
    let trips = round_trips(story, step, us);
    let other = step.from.other().name();
    let reason = match why {
        RetransmitReason::Timeout => {
            // RFC 6298 §5.5: each expiry doubles the RTO.
            let doubled = match resend_reason(story, first) {
                Some(RetransmitReason::Timeout) => ", doubled because the timer ran out for the copy before",
                _ => "",
            };
            let run = timer_run(story, step, first);
            format!("{since}: the retransmission timer {run}: the RTO{doubled} (RFC 6298 §5).")
        }
        RetransmitReason::LossProbe => {
            let run = timer_run(story, step, first);
            format!("{since}: the loss probe's timer {run}: two smoothed round trips (more when a single segment is in flight, to allow for a delayed ACK), so a lost last segment need not wait for the RTO (RFC 8985 §7.2).")
        }
        RetransmitReason::FastRetransmit => format!("{since}: three segments sent after it had to reach the {other} and their duplicate ACKs come back: at least one round trip, more when few segments followed it{trips}."),
        RetransmitReason::PartialAck => format!("{since}: after the fast retransmission, an ACK came back covering only part of what was sent before the loss, so this hole goes at once (RFC 6582 §3.2){trips}."),
        RetransmitReason::SackRecovery => format!("{since}: SACK blocks showed that data sent after it arrived while it did not, so it is taken as lost (RFC 6675 §4){trips}."),
        RetransmitReason::MarkedLost => format!("{since}: it goes when an ACK shows that a segment sent after it has arrived and it is more than a quarter of a round trip overdue: RACK then takes it as lost (RFC 8985 §6.2){trips}."),
        RetransmitReason::SynRepeated => format!("{since}: the {other}'s SYN arrived again, so this answer to it must have been lost{trips}."),
    };
    verdict(Field::Wait, right, format!("{ms} ms"), reason, Concept::WhenResent)
}

/// `, here 2 round trips of 50 ms`: `us` in the sender's smoothed round
/// trips (RFC 6298 §2), or nothing before it has measured one.
fn round_trips(story: &Story, step: &Step, us: u64) -> String {
    let srtt = story.trace.records[..step.sent_record]
        .iter()
        .rev()
        .find_map(|r| match r.what {
            What::Engine {
                event: Event::RttSample { srtt, .. },
            } if r.side == step.from => Some(srtt.micros()),
            _ => None,
        });
    srtt.filter(|&t| t > 0).map_or(String::new(), |srtt| {
        let n = (us + srtt / 2) / srtt;
        let s = if n == 1 { "" } else { "s" };
        format!(", here {n} round trip{s} of {}", duration(srtt))
    })
}

/// How the sender's retransmission or loss probe timer, which sent `step`,
/// ran since `first` left: `started when the first copy left and ran 1 s`.
fn timer_run(story: &Story, step: &Step, first: &Step) -> String {
    let records = &story.trace.records;
    let ran = Cause::with_record(story, step).and_then(|(_, i)| match records[i].what {
        What::Engine {
            event: Event::TimerFired { timer, .. },
        } => Some((records[i].at, timer_length(records, i, step.from, timer)?)),
        _ => None,
    });
    let Some((fired, length)) = ran else {
        return "ran out".into();
    };
    let started = Instant::from_micros(fired.micros() - length);
    let length = duration(length);
    match started {
        at if at == first.sent_at => format!("started when the first copy left and ran {length}"),
        at if at < first.sent_at => format!(
            "was already running for earlier data when the first copy left, and ran out {length} after it started"
        ),
        at => format!(
            "restarted {} after the first copy left, when an ACK arrived, and ran {length}",
            duration(at.saturating_since(first.sent_at).micros())
        ),
    }
}

fn flags(step: &Step, said: Option<TcpFlags>) -> Verdict {
    let f = toggled(step.segment.flags);
    let names = if f.0 == 0 {
        "none".to_string()
    } else {
        f.names().join(", ")
    };
    let what = match () {
        _ if f.rst() => "RST: the connection is aborted",
        _ if f.syn() && f.ack() => "SYN and ACK: the answer to a SYN, acknowledging it and opening the other direction",
        _ if f.syn() => "SYN: asking to open a connection",
        _ if f.fin() => "FIN: the sender's application has closed, no more data follows",
        _ if f.psh() => "ACK and PSH: data, pushed to the receiving application at once",
        _ => "ACK: it acknowledges what arrived; every segment after the SYN carries it",
    };
    verdict(
        Field::Flags,
        said.map(toggled) == Some(f),
        names,
        format!("{what}."),
        Concept::FlagsSayWhat,
    )
}

fn seq(story: &Story, step: &Step, said: Option<u32>) -> Verdict {
    let s = &step.segment;
    let who = step.from.name();
    let previous = story.steps[..step.number - 1]
        .iter()
        .rev()
        .find(|p| p.from == step.from);
    let (reason, missed) = match previous {
        _ if resent(story, step) => (
            format!("{}: the bytes it sent before, sent again with the same numbers.", s.seq),
            Concept::ResendRepeatsSeq,
        ),
        Some(p) if p.segment.seq.wrapping_add(space(&p.segment)) == s.seq => {
            let ps = &p.segment;
            let one = plus_one(ps);
            (
                format!(
                    "{} + {}{one} = {}: the next number after the {who}'s previous segment.",
                    ps.seq, ps.len, s.seq
                ),
                forgot_one(story, step, step.from, said).unwrap_or(Concept::SeqCountsBytes),
            )
        }
        _ => (
            format!("{}: where the {who}'s unacknowledged data starts.", s.seq),
            Concept::SeqCountsBytes,
        ),
    };
    verdict(Field::Seq, said == Some(s.seq), s.seq.to_string(), reason, missed)
}

fn ack(story: &Story, step: &Step, said: Option<u32>) -> Verdict {
    let s = &step.segment;
    let who = step.from.name();
    let Some(ack) = s.flags.ack().then_some(s.ack) else {
        return verdict(
            Field::Ack,
            said.is_none(),
            "none".into(),
            "No ACK flag: a first SYN (or this RST) acknowledges nothing.".into(),
            Concept::FlagsSayWhat,
        );
    };
    let arrived: Vec<&Step> = arrivals(story, step).collect();
    // The arrival that ends where the ack points: the in-order data.
    let filled = arrived
        .iter()
        .rev()
        .find(|p| p.segment.seq.wrapping_add(space(&p.segment)) == ack && space(&p.segment) > 0);
    // Something beyond it arrived too: held, not acknowledged.
    let beyond = arrived.iter().any(|p| p.segment.seq.wrapping_sub(ack) as i32 > 0);
    let (reason, missed) = match filled {
        _ if beyond => (
            format!("{ack}: the first byte still missing. Bytes beyond the gap have arrived, but an ACK covers only what arrived in order."),
            Concept::AckIsCumulative,
        ),
        Some(p) => {
            let ps = &p.segment;
            let one = plus_one(ps);
            (
                format!(
                    "{} + {}{one} = {ack}: the next byte the {who} expects from the {}.",
                    ps.seq,
                    ps.len,
                    p.from.name()
                ),
                forgot_one(story, step, p.from, said).unwrap_or(Concept::AckIsNextByte),
            )
        }
        None => (
            format!("{ack}: the next byte the {who} expects; everything before it has arrived."),
            Concept::AckIsNextByte,
        ),
    };
    verdict(Field::Ack, said == Some(ack), ack.to_string(), reason, missed)
}

fn len(story: &Story, step: &Step, said: Option<u32>) -> Verdict {
    let s = &step.segment;
    let mss = crate::plot::mss(story);
    let reason = match s.len {
        0 => "No data: it only acknowledges, opens or closes.".to_string(),
        n if n == mss => format!("{n} bytes: a full segment, as large as the MSS the SYNs agreed."),
        n => format!("{n} bytes: what the application had written that was not yet sent."),
    };
    verdict(
        Field::Len,
        said == Some(s.len),
        s.len.to_string(),
        reason,
        Concept::SeqCountsBytes,
    )
}

fn state(story: &Story, step: &Step, side: Side, said: Option<State>) -> Verdict {
    let from = story.moment(step.number - 1).cursor;
    let (after, _) = story.state_at(side, step.done);
    let who = side.name();
    // Every state it passes through by the time the step is complete.
    let path: Vec<&str> = story
        .transitions
        .iter()
        .filter(|t| t.side == side && (from..step.done.cursor).contains(&t.record))
        .flat_map(|t| [t.from.name(), t.to.name()])
        .fold(Vec::new(), |mut path, name| {
            if path.last() != Some(&name) {
                path.push(name);
            }
            path
        });
    let reason = if path.is_empty() {
        format!(
            "The {who} stays {}: this segment does not change its state.",
            after.name()
        )
    } else {
        format!("The {who} goes {}.", path.join(" → "))
    };
    let field = match side {
        Side::Client => Field::ClientState,
        Side::Server => Field::ServerState,
    };
    verdict(
        field,
        said == Some(after),
        after.name().into(),
        reason,
        Concept::StatesFollowSegments,
    )
}

/// Fields right out of fields asked, over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub right: usize,
    pub asked: usize,
}

impl Score {
    pub fn add(&mut self, verdicts: &[Verdict]) {
        self.asked += verdicts.len();
        self.right += verdicts.iter().filter(|v| v.right).count();
    }

    /// The score of a run's answers.
    pub fn of<'a>(answers: impl IntoIterator<Item = &'a Vec<Verdict>>) -> Score {
        let mut score = Score::default();
        for verdicts in answers {
            score.add(verdicts);
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpsim::scenario::{self, RunOptions};

    fn story(id: &str, random_isn: Option<u64>) -> Story {
        let options = RunOptions {
            random_isn,
            ..RunOptions::default()
        };
        Story::new(scenario::run(id, &options).unwrap())
    }

    /// The learner who predicts what the segment on the wire says.
    fn from_wire(story: &Story, step: &Step) -> Prediction {
        let s = &step.segment;
        // A resend's wait: from the last segment of the same sender that
        // started at the same number, as a capture shows it.
        let wait = story.steps[..step.number - 1]
            .iter()
            .rev()
            .find(|p| p.from == step.from && p.segment.seq == s.seq && space(&p.segment) > 0);
        Prediction {
            sender: Some(step.from),
            cause: Some(Cause::of(story, step)),
            wait: wait.map(|p| ((step.sent_at.micros() - p.sent_at.micros() + 500) / 1000) as u32),
            flags: Some(s.flags),
            seq: Some(s.seq),
            ack: s.flags.ack().then_some(s.ack),
            len: Some(s.len),
            client_state: Some(story.state_at(Side::Client, step.done).0),
            server_state: Some(story.state_at(Side::Server, step.done).0),
        }
    }

    fn ack_verdict(s: &Story, step: &Step, ack: u32) -> Verdict {
        let guess = Prediction {
            ack: Some(ack),
            ..Prediction::default()
        };
        check(s, step, &[Field::Ack], &guess).remove(0)
    }

    #[test]
    fn the_segment_itself_is_right_in_every_field_of_every_step() {
        for id in [
            "curl",
            "lost-data",
            "out-of-order",
            "three-way-close",
            "reset",
            "syn-timeout",
            "fast-retransmit",
        ] {
            let s = story(id, None);
            let mut score = Score::default();
            for step in &s.steps {
                for level in [Level::Easy, Level::Full] {
                    let asked = fields(&s, step, level);
                    assert!(!asked.is_empty());
                    let verdicts = check(&s, step, &asked, &from_wire(&s, step));
                    assert!(
                        verdicts.iter().all(|v| v.right && v.missed.is_none()),
                        "{id} step {}: {verdicts:?}",
                        step.number
                    );
                    score.add(&verdicts);
                }
            }
            assert_eq!(score.right, score.asked);
        }
    }

    #[test]
    fn forgetting_that_the_syn_takes_a_number_is_named() {
        // The default story: step 2 is the SYN-ACK; its ack is the client's ISN + 1.
        let s = story("curl", None);
        let synack = &s.steps[1];
        let isn = s.steps[0].segment.seq;
        let v = ack_verdict(&s, synack, isn);
        assert!(!v.right);
        assert_eq!(v.expected, (isn + 1).to_string());
        assert_eq!(v.missed, Some(Concept::SynTakesOne));
        assert_eq!(
            v.reason,
            format!(
                "{isn} + 0 + 1 for the SYN = {}: the next byte the server expects from the client.",
                isn + 1
            )
        );
        // The client's first data byte: ISN + 1 too.
        let data = s
            .steps
            .iter()
            .find(|x| x.from == Side::Client && x.segment.len > 0)
            .unwrap();
        let guess = Prediction {
            seq: Some(isn),
            ..Prediction::default()
        };
        let v = &check(&s, data, &[Field::Seq], &guess)[0];
        assert_eq!((v.right, v.missed), (false, Some(Concept::SynTakesOne)));
    }

    #[test]
    fn an_ack_after_data_is_the_next_byte_expected() {
        let s = story("curl", None);
        let request = s
            .steps
            .iter()
            .find(|x| x.from == Side::Client && x.segment.len > 0)
            .unwrap();
        let ack = s
            .steps
            .iter()
            .find(|x| x.from == Side::Server && x.segment.ack == request.segment.seq + request.segment.len)
            .unwrap();
        assert!(fields(&s, ack, Level::Easy).contains(&Field::Ack));
        // The last byte received, not the next: wrong, for that reason.
        let last_byte = request.segment.seq + request.segment.len - 1;
        let v = ack_verdict(&s, ack, last_byte);
        assert_eq!((v.right, v.missed), (false, Some(Concept::AckIsNextByte)));
        let (seq, len) = (request.segment.seq, request.segment.len);
        assert!(
            v.reason.starts_with(&format!("{seq} + {len} = {}", seq + len)),
            "{}",
            v.reason
        );
    }

    #[test]
    fn a_retransmission_asks_which_segment_comes_back_why_and_when() {
        let s = story("lost-data", None);
        let resend = s.steps.iter().find(|x| resent(&s, x)).expect("lost-data resends");
        let asked = fields(&s, resend, Level::Easy);
        assert_eq!(asked, [Field::Seq, Field::Cause, Field::Wait]);
        assert!(fields(&s, resend, Level::Full).contains(&Field::Sender));
        let wrong = Prediction {
            cause: Some(Cause::Arrival),
            seq: Some(resend.segment.seq + resend.segment.len),
            wait: Some(1),
            ..Prediction::default()
        };
        let v = check(&s, resend, &asked, &wrong);
        assert_eq!(v[0].missed, Some(Concept::ResendRepeatsSeq));
        assert_eq!(v[0].expected, resend.segment.seq.to_string());
        // Nothing came back: the timer sends it.
        assert_eq!(v[1].expected, Cause::RetransmitTimer.label());
        assert!(v[1].reason.contains("retransmission timer ran out"));
        assert_eq!(v[2].missed, Some(Concept::WhenResent));
        let sender = check(&s, resend, &[Field::Sender], &Prediction::default());
        assert_eq!(sender[0].missed, Some(Concept::WhoSpeaks));
    }

    fn wait_verdict(s: &Story, step: &Step, ms: u32) -> Verdict {
        let guess = Prediction {
            wait: Some(ms),
            ..Prediction::default()
        };
        check(s, step, &[Field::Wait], &guess).remove(0)
    }

    #[test]
    fn a_lost_syn_goes_again_after_the_rto_doubling_each_time() {
        // RFC 6298 §2.1: the first RTO is 1 s; §5.5: it doubles at each expiry.
        let s = story("syn-timeout", None);
        let resends: Vec<&Step> = s.steps.iter().filter(|x| resent(&s, x)).collect();
        assert_eq!(resends.len(), 5, "syn_retries = 5");
        for (i, step) in resends.iter().enumerate() {
            assert_eq!(fields(&s, step, Level::Easy), [Field::Seq, Field::Cause, Field::Wait]);
            let rto = 1000 << i;
            let v = wait_verdict(&s, step, rto);
            assert!(v.right, "resend {i}: {v:?}");
            assert_eq!(v.expected, format!("{rto} ms"));
            assert_eq!(v.reason.contains("doubled"), i > 0, "{}", v.reason);
            // Half of it, the learner who forgot the doubling, is wrong.
            if i > 0 {
                let v = wait_verdict(&s, step, rto / 2);
                assert_eq!((v.right, v.missed), (false, Some(Concept::WhenResent)));
            }
        }
    }

    #[test]
    fn a_fast_retransmission_comes_when_the_third_duplicate_ack_arrives() {
        let s = story("fast-retransmit", None);
        let resend = s.steps.iter().find(|x| resent(&s, x)).unwrap();
        let first = s.steps[..resend.number - 1]
            .iter()
            .find(|x| x.from == resend.from && x.segment.seq == resend.segment.seq)
            .unwrap();
        // The round trip as the wire shows it: from the SYN leaving to the
        // client's ACK, sent as the SYN-ACK arrives.
        let rtt = s.steps[2].sent_at.micros() - s.steps[0].sent_at.micros();
        // The client's ACKs of the byte before the hole: the first is the
        // ACK of the data before it, then the duplicates. The third
        // duplicate reaches the server half a round trip after it left.
        let third_dup = s
            .steps
            .iter()
            .filter(|x| x.from != resend.from && x.segment.ack == resend.segment.seq)
            .nth(3)
            .unwrap();
        let expected = (third_dup.sent_at.micros() + rtt / 2 - first.sent_at.micros()) / 1000;
        let v = wait_verdict(&s, resend, expected as u32);
        assert!(v.right, "{v:?}");
        assert_eq!(v.expected, format!("{expected} ms"));
        let trips = (expected * 1000 + rtt / 2) / rtt;
        assert!(v.reason.contains(&format!("here {trips} round trip")), "{}", v.reason);
        // Within a fifth is right; a guess of the RTO is not.
        assert!(wait_verdict(&s, resend, (expected * 6 / 5) as u32).right);
        assert!(!wait_verdict(&s, resend, (expected * 13 / 10) as u32).right);
        assert!(!wait_verdict(&s, resend, 1000).right);
    }

    #[test]
    fn what_makes_a_segment_go_the_application_an_arrival_or_three_duplicate_acks() {
        let s = story("curl", None);
        assert_eq!(
            Cause::of(&s, &s.steps[0]),
            Cause::Application,
            "the client's SYN: connect()"
        );
        assert_eq!(
            Cause::of(&s, &s.steps[1]),
            Cause::Arrival,
            "the SYN-ACK answers the SYN"
        );
        let s = story("fast-retransmit", None);
        let resend = s.steps.iter().find(|x| resent(&s, x)).unwrap();
        let v = &check(&s, resend, &[Field::Cause], &Prediction::default())[0];
        assert_eq!(v.expected, Cause::Arrival.label());
        assert!(v.reason.starts_with("The third duplicate ACK arrived"), "{}", v.reason);
    }

    #[test]
    fn a_duplicate_ack_past_a_gap_teaches_that_acks_are_cumulative() {
        let s = story("out-of-order", None);
        // An ACK sent after a segment beyond the gap arrived.
        let dup = s
            .steps
            .iter()
            .find(|x| {
                x.segment.len == 0
                    && x.segment.flags.ack()
                    && s.steps[..x.number - 1].iter().any(|p| {
                        p.from != x.from
                            && p.reaction().start > 0
                            && p.reaction().start <= x.sent_record
                            && p.segment.seq > x.segment.ack
                    })
            })
            .expect("an ACK held at a gap");
        let beyond = s.steps[..dup.number - 1]
            .iter()
            .filter(|p| p.from != dup.from && p.segment.seq > dup.segment.ack)
            .map(|p| p.segment.seq + p.segment.len)
            .max()
            .unwrap();
        let v = ack_verdict(&s, dup, beyond);
        assert_eq!((v.right, v.missed), (false, Some(Concept::AckIsCumulative)));
    }

    #[test]
    fn a_fin_asks_the_receivers_state_and_names_the_change() {
        let s = story("three-way-close", None);
        let fin = s.steps.iter().find(|x| x.segment.flags.fin()).unwrap();
        let asked = fields(&s, fin, Level::Easy);
        let receiver = match fin.from {
            Side::Client => Field::ServerState,
            Side::Server => Field::ClientState,
        };
        assert_eq!(asked, [Field::Flags, receiver]);
        let v = check(&s, fin, &asked, &Prediction::default());
        // The server's application closes as soon as it reads the end of
        // the stream: CLOSE_WAIT, then its own FIN and LAST_ACK (RFC 9293 §3.6).
        assert_eq!(v[1].expected, "LAST_ACK");
        assert!(
            v[1].reason.ends_with("ESTABLISHED → CLOSE_WAIT → LAST_ACK."),
            "{}",
            v[1].reason
        );
        assert!(v.iter().all(|v| !v.right), "blank answers are wrong");
    }

    #[test]
    fn random_isns_change_the_expected_numbers() {
        let (a, b) = (story("curl", Some(1)), story("curl", Some(2)));
        let ack = |s: &Story| {
            check(s, &s.steps[1], &[Field::Ack], &Prediction::default())[0]
                .expected
                .clone()
        };
        assert_ne!(ack(&a), ack(&b));
        // Never asked: the SYN's own number, the sender's random choice.
        assert!(!fields(&a, &a.steps[0], Level::Full).contains(&Field::Seq));
    }
}
