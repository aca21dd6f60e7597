//! A lesson's script: what to watch for, its key moments and its notes.
//! Each lives in `engine/src/scenario/lessons/<id>.md`, next to the
//! scenario it teaches, and is fetched when the lesson opens (its words
//! stay out of the page's wasm). Key moments name *what* happens ("the
//! third duplicate ACK"); the step is found in the run the engine made, so
//! the chips stay right when the lab changes the run.
//!
//! The format, line by line:
//!
//! ```text
//! # Title (for people reading the file; the page uses the scenario's)
//! summary: One sentence on what happens in the run.
//! watch: One or two sentences on what to watch for.
//! moment: loss | The request is lost
//! moment: timeout 2 | The second timeout (the second time it happens)
//! ## A note's title
//! Its text, over as many lines as needed; a blank line starts a paragraph.
//! ```

use crate::state::story::{Fate, Step, Story};
use tcpsim::net::Side;
use tcpsim::tcp::{Event, Phase, RejectReason, RetransmitReason, State, Timer, MODERN};
use tcpsim::trace::What;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lesson {
    /// One sentence on what happens in the run.
    pub summary: String,
    pub watch: String,
    pub moments: Vec<KeyMoment>,
    /// (title, paragraphs)
    pub notes: Vec<(String, Vec<String>)>,
    /// The client's and the server's programs: a file in `lessons/code/`
    /// and the `{key}` values it is read with (the code lane is in the
    /// full build).
    #[cfg(feature = "full")]
    pub code: [Option<CodeFile>; 2],
}

/// A lesson's listing of one host's program, before it is fetched.
#[cfg(feature = "full")]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CodeFile {
    pub file: String,
    pub values: Vec<(String, String)>,
}

#[cfg(feature = "full")]
impl CodeFile {
    /// `FILE | key=value | …`
    fn parse(line: &str) -> Result<CodeFile, &'static str> {
        let mut parts = line.split('|').map(str::trim);
        let file = parts
            .next()
            .filter(|f| f.ends_with(".rs") && !f.contains('/'))
            .ok_or("a listing is a .rs file")?;
        let values = parts
            .map(|p| p.split_once('=').map(|(k, v)| (k.trim().into(), v.trim().into())))
            .collect::<Option<_>>()
            .ok_or("a listing's values are key=value")?;
        Ok(CodeFile {
            file: file.into(),
            values,
        })
    }

    /// The listing, from the file's text.
    pub fn listing(&self, text: &str) -> tcpsim::scenario::listing::Listing {
        let values: Vec<(&str, &str)> = self.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        tcpsim::scenario::listing::Listing::parse(text, &values)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyMoment {
    pub key: Key,
    /// Which occurrence (1 = the first).
    pub nth: usize,
    pub label: String,
}

/// Something that can happen in a run, found from the engine's reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Both hosts are ESTABLISHED once this segment arrives.
    Handshake,
    /// A segment carries data.
    Data,
    /// The wire loses a segment.
    Loss,
    Duplicated,
    Corrupted,
    Delayed,
    /// Sent because the retransmission timer expired.
    Timeout,
    /// Its arrival is counted as the first duplicate ACK.
    DupAck,
    /// Resent after three duplicate ACKs.
    FastRetransmit,
    /// Resent because the SACK scoreboard presumes it lost.
    SackResend,
    /// A tail loss probe (RFC 8985 §7).
    LossProbe,
    /// Resent because RACK marked it lost (RFC 8985 §6).
    RackResend,
    /// Its arrival ends fast recovery.
    RecoveryEnd,
    /// Its arrival ends slow start without a loss.
    CongestionAvoidance,
    /// Its arrival takes CUBIC's window past W_max, into the convex region.
    Convex,
    /// Its arrival takes BBR into Drain, ProbeBW UP or ProbeRTT.
    BbrDrain,
    BbrProbeUp,
    BbrProbeRtt,
    /// Advertises a zero window.
    ZeroWindow,
    /// A zero-window probe.
    Probe,
    /// Sent because the receiver's application made room.
    WindowUpdate,
    /// Arrives beyond a gap.
    OutOfOrder,
    /// Arrives carrying only bytes already received.
    DuplicateArrives,
    Rst,
    Fin,
    /// Its arrival (or sending) puts a host in TIME_WAIT.
    TimeWait,
    /// Answered with a SYN cookie.
    SynCookie,
    CookieAccepted,
    /// Its arrival finds the listener's backlog full.
    BacklogFull,
    /// An ACK for a SYN the host never sent.
    GhostAck,
    /// The last segment of the run.
    Last,
}

const KEYS: &[(&str, Key)] = &[
    ("handshake", Key::Handshake),
    ("data", Key::Data),
    ("loss", Key::Loss),
    ("duplicated", Key::Duplicated),
    ("corrupted", Key::Corrupted),
    ("delayed", Key::Delayed),
    ("timeout", Key::Timeout),
    ("dup-ack", Key::DupAck),
    ("fast-retransmit", Key::FastRetransmit),
    // Modern TCP's keys: only its lessons (in the `full` build) use them.
    #[cfg(feature = "full")]
    ("sack-resend", Key::SackResend),
    #[cfg(feature = "full")]
    ("loss-probe", Key::LossProbe),
    #[cfg(feature = "full")]
    ("rack-resend", Key::RackResend),
    ("recovery-end", Key::RecoveryEnd),
    ("congestion-avoidance", Key::CongestionAvoidance),
    #[cfg(feature = "full")]
    ("convex", Key::Convex),
    #[cfg(feature = "full")]
    ("bbr-drain", Key::BbrDrain),
    #[cfg(feature = "full")]
    ("bbr-probe-up", Key::BbrProbeUp),
    #[cfg(feature = "full")]
    ("bbr-probe-rtt", Key::BbrProbeRtt),
    ("zero-window", Key::ZeroWindow),
    ("probe", Key::Probe),
    ("window-update", Key::WindowUpdate),
    ("out-of-order", Key::OutOfOrder),
    ("duplicate-arrives", Key::DuplicateArrives),
    ("rst", Key::Rst),
    ("fin", Key::Fin),
    ("time-wait", Key::TimeWait),
    ("syn-cookie", Key::SynCookie),
    ("cookie-accepted", Key::CookieAccepted),
    ("backlog-full", Key::BacklogFull),
    ("ghost-ack", Key::GhostAck),
    ("last", Key::Last),
];

impl Lesson {
    /// Reads a lesson file; the error names the line that is wrong.
    pub fn parse(text: &str) -> Result<Lesson, String> {
        let mut lesson = Lesson::default();
        for (n, line) in text.lines().enumerate() {
            lesson
                .read(line.trim())
                .map_err(|why| format!("line {}: {why}", n + 1))?;
        }
        for (_, paragraphs) in &mut lesson.notes {
            paragraphs.retain(|p| !p.is_empty());
        }
        Ok(lesson)
    }

    fn read(&mut self, line: &str) -> Result<(), &'static str> {
        if let Some(title) = line.strip_prefix("## ") {
            self.notes.push((title.into(), Vec::new()));
        } else if let Some((_, paragraphs)) = self.notes.last_mut() {
            match paragraphs.last_mut() {
                _ if line.is_empty() => paragraphs.push(String::new()),
                Some(p) if !p.is_empty() => {
                    p.push(' ');
                    p.push_str(line);
                }
                Some(p) => p.push_str(line),
                None => paragraphs.push(line.into()),
            }
        } else if let Some(summary) = line.strip_prefix("summary:") {
            self.summary = summary.trim().into();
        } else if let Some(watch) = line.strip_prefix("watch:") {
            self.watch = watch.trim().into();
        } else if let Some(moment) = line.strip_prefix("moment:") {
            let (what, label) = moment.split_once('|').ok_or("a moment needs “key | label”")?;
            let mut words = what.split_whitespace();
            let name = words.next().unwrap_or_default();
            let key = KEYS.iter().find(|(k, _)| *k == name).ok_or("unknown key moment")?.1;
            let nth = match words.next() {
                Some(n) => n.parse().ok().filter(|&n| n > 0).ok_or("bad occurrence")?,
                None => 1,
            };
            self.moments.push(KeyMoment {
                key,
                nth,
                label: label.trim().into(),
            });
        } else if line.starts_with("client:") || line.starts_with("server:") {
            #[cfg(feature = "full")]
            {
                self.code[usize::from(line.starts_with("server:"))] = Some(CodeFile::parse(&line[7..])?);
            }
        } else if !line.is_empty() && !line.starts_with("# ") {
            return Err("expected “summary:”, “watch:”, “moment:” or a “## ” heading");
        }
        Ok(())
    }

    /// Each key moment that happened in this run: (step, label).
    pub fn moments_in(&self, story: &Story) -> Vec<(usize, String)> {
        self.moments
            .iter()
            .filter_map(|m| {
                let step = story.steps.iter().filter(|s| happens(story, s, m.key)).nth(m.nth - 1)?;
                Some((step.number, m.label.clone()))
            })
            .collect()
    }
}

/// Whether `key` happens at `step`.
fn happens(story: &Story, step: &Step, key: Key) -> bool {
    let s = &step.segment;
    let marked = |mark| step.marks.contains(&mark);
    let sent_after = |test: &dyn Fn(&Event) -> bool| before(story, step).any(test);
    let arrival = |test: &dyn Fn(&Event) -> bool| on_arrival(story, step).any(test);
    let resent =
        |why: RetransmitReason| sent_after(&|e| matches!(e, Event::Retransmit { reason, .. } if *reason == why));
    let enters = |state: State| move |e: &Event| matches!(e, Event::StateChanged { to, .. } if *to == state);
    match key {
        Key::Handshake => {
            let both = |side| story.state_at(side, step.done).0 == State::Established;
            both(Side::Client) && both(Side::Server) && arrival(&enters(State::Established))
        }
        Key::Data => s.len > 0,
        Key::Loss => matches!(step.fate, Fate::Dropped { .. }),
        Key::Duplicated => marked("duplicated"),
        Key::Corrupted => marked("bit flipped"),
        Key::Delayed => marked("delayed"),
        Key::Timeout => sent_after(&|e| {
            matches!(
                e,
                Event::TimerFired {
                    timer: Timer::Retransmit,
                    ..
                }
            )
        }),
        Key::DupAck => arrival(&|e| matches!(e, Event::DuplicateAck { count: 1, .. })),
        Key::FastRetransmit => resent(RetransmitReason::FastRetransmit),
        Key::SackResend => MODERN && resent(RetransmitReason::SackRecovery),
        Key::LossProbe => resent(RetransmitReason::LossProbe),
        Key::RackResend => resent(RetransmitReason::MarkedLost),
        Key::RecoveryEnd => ends_phase(story, step, Phase::FastRecovery, None),
        Key::CongestionAvoidance => ends_phase(story, step, Phase::SlowStart, Some(Phase::CongestionAvoidance)),
        #[cfg(feature = "full")]
        Key::Convex => arrival(&|e| {
            use tcpsim::tcp::{CubicRegion, Variables};
            matches!(
                e,
                Event::CongestionVariables {
                    variables: Variables::Cubic {
                        region: CubicRegion::Convex,
                        k,
                        ..
                    },
                    ..
                } if k.micros() > 0
            )
        }),
        #[cfg(not(feature = "full"))]
        Key::Convex => false,
        #[cfg(feature = "full")]
        Key::BbrDrain => bbr_enters(story, step, tcpsim::tcp::BbrState::Drain),
        #[cfg(feature = "full")]
        Key::BbrProbeUp => bbr_enters(story, step, tcpsim::tcp::BbrState::ProbeBwUp),
        #[cfg(feature = "full")]
        Key::BbrProbeRtt => bbr_enters(story, step, tcpsim::tcp::BbrState::ProbeRtt),
        #[cfg(not(feature = "full"))]
        Key::BbrDrain | Key::BbrProbeUp | Key::BbrProbeRtt => false,
        Key::ZeroWindow => s.flags.ack() && !s.flags.syn() && s.window == 0,
        Key::Probe => sent_after(&|e| {
            matches!(
                e,
                Event::TimerFired {
                    timer: Timer::Persist,
                    ..
                }
            )
        }),
        Key::WindowUpdate => sent_after(&|e| matches!(e, Event::WindowUpdate { .. })),
        Key::OutOfOrder => arrival(&|e| matches!(e, Event::OutOfOrder { .. })),
        Key::DuplicateArrives => arrival(&|e| matches!(e, Event::Duplicate { .. })),
        Key::Rst => s.flags.rst(),
        Key::Fin => s.flags.fin(),
        Key::TimeWait => arrival(&enters(State::TimeWait)) || sent_after(&enters(State::TimeWait)),
        Key::SynCookie => sent_after(&|e| matches!(e, Event::SynCookieSent { .. })),
        Key::CookieAccepted => arrival(&|e| matches!(e, Event::SynCookieAccepted { .. })),
        Key::BacklogFull => rejected(story, step, RejectReason::BacklogFull),
        Key::GhostAck => rejected(story, step, RejectReason::BadAckInSynSent),
        Key::Last => step.number == story.steps.len(),
    }
}

fn rejected(story: &Story, step: &Step, why: RejectReason) -> bool {
    on_arrival(story, step).any(|e| matches!(e, Event::Rejected { reason, .. } if *reason == why))
}

/// Its arrival moves the receiving host's congestion control out of
/// `phase` (into `into`, or anything else).
fn ends_phase(story: &Story, step: &Step, phase: Phase, into: Option<Phase>) -> bool {
    let reaction = step.reaction();
    if reaction.is_empty() {
        return false;
    }
    let host = step.from.other();
    let records = &story.trace.records;
    let phase_of = |r: &tcpsim::trace::Record| match r.what {
        What::Engine {
            event: Event::Window { phase, .. },
        } if r.side == host => Some(phase),
        _ => None,
    };
    let mut previous = records[..reaction.start].iter().rev().find_map(phase_of);
    for now in records[reaction].iter().filter_map(phase_of) {
        if previous == Some(phase) && now != phase && into.is_none_or(|into| into == now) {
            return true;
        }
        previous = Some(now);
    }
    false
}

/// The records that say why `step` was sent: from just after the previous
/// datagram sent or delivered; and where the receiver's reaction to that
/// delivery (told with the delivered step) ends.
pub(crate) fn why_sent(story: &Story, step: &Step) -> (usize, usize) {
    let records = &story.trace.records[..step.sent_record];
    let Some(last) = records
        .iter()
        .rposition(|r| matches!(r.what, What::Sent { .. } | What::Delivered { .. }))
    else {
        return (0, 0);
    };
    let reacted = story.steps[..step.number - 1].iter().find_map(|s| match s.fate {
        Fate::Delivered { record, .. } if record == last => Some(s.done.cursor),
        _ => None,
    });
    (last + 1, reacted.unwrap_or(0))
}

/// The sender's reports since its previous datagram: why this one was sent.
pub(crate) fn before<'a>(story: &'a Story, step: &Step) -> impl Iterator<Item = &'a Event> {
    let side = step.from;
    story.trace.records[why_sent(story, step).0..step.sent_record]
        .iter()
        .filter(move |r| r.side == side)
        .filter_map(|r| match &r.what {
            What::Engine { event } => Some(event),
            _ => None,
        })
}

/// The same host's last BBR report before record `i`.
#[cfg(feature = "full")]
pub(crate) fn bbr_report_before(
    records: &[tcpsim::trace::Record],
    i: usize,
    side: tcpsim::net::Side,
) -> Option<tcpsim::tcp::Variables> {
    records[..i]
        .iter()
        .rev()
        .filter(|r| r.side == side)
        .find_map(|r| match r.what {
            What::Engine {
                event:
                    Event::CongestionVariables {
                        variables: v @ tcpsim::tcp::Variables::Bbr { .. },
                        ..
                    },
            } => Some(v),
            _ => None,
        })
}

/// Its arrival takes a BBR sender into `state`: reported now, and not in
/// the same host's report before.
#[cfg(feature = "full")]
fn bbr_enters(story: &Story, step: &Step, state: tcpsim::tcp::BbrState) -> bool {
    use tcpsim::tcp::Variables;
    let records = &story.trace.records;
    let reaction = step.reaction();
    let start = reaction.start;
    records[reaction].iter().any(|r| match r.what {
        What::Engine {
            event:
                Event::CongestionVariables {
                    variables: Variables::Bbr { state: now, .. },
                    ..
                },
        } => {
            let before = bbr_report_before(records, start, r.side);
            now == state && !matches!(before, Some(Variables::Bbr { state: was, .. }) if was == state)
        }
        _ => false,
    })
}

/// The receiver's reports as the segment arrived.
pub(crate) fn on_arrival<'a>(story: &'a Story, step: &Step) -> impl Iterator<Item = &'a Event> {
    story.trace.records[step.reaction()]
        .iter()
        .filter_map(|r| match &r.what {
            What::Engine { event } => Some(event),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    //! Every lesson file parses, and each of its key moments happens in the
    //! scenario as designed, at a step where the thing it names happened.

    use super::*;
    use tcpsim::scenario::{self, RunOptions};

    pub(crate) fn lesson(id: &str) -> Lesson {
        let path = format!("{}/engine/src/scenario/lessons/{id}.md", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Lesson::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_scenario_has_a_lesson_whose_moments_all_happen() {
        for s in scenario::ALL {
            let lesson = lesson(s.id);
            assert!(
                !lesson.watch.is_empty() && !lesson.summary.is_empty(),
                "{}: no “watch:” or “summary:”",
                s.id
            );
            assert!(!lesson.notes.is_empty(), "{}: no notes", s.id);
            for (title, paragraphs) in &lesson.notes {
                assert!(!paragraphs.is_empty(), "{}: note “{title}” is empty", s.id);
            }
            let story = Story::new(scenario::run(s.id, &RunOptions::default()).unwrap());
            let found = lesson.moments_in(&story);
            assert_eq!(found.len(), lesson.moments.len(), "{}: moments found {found:?}", s.id);
            let steps: Vec<usize> = found.iter().map(|(n, _)| *n).collect();
            assert!(
                steps.windows(2).all(|w| w[0] < w[1]),
                "{}: moments out of order {steps:?}",
                s.id
            );
        }
    }

    #[test]
    fn the_glossary_defines_each_word_once() {
        let words = lesson("glossary").notes;
        assert!(words.len() >= 10);
        for (term, text) in &words {
            assert_eq!(text.len(), 1, "{term}: one paragraph");
            assert_eq!(words.iter().filter(|(t, _)| t == term).count(), 1, "{term} twice");
        }
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        assert_eq!(
            Lesson::parse("watch: x\nmoment: nonsense | y").unwrap_err(),
            "line 2: unknown key moment"
        );
        assert_eq!(
            Lesson::parse("moment: loss").unwrap_err(),
            "line 1: a moment needs “key | label”"
        );
        assert_eq!(
            Lesson::parse("moment: loss 0 | x").unwrap_err(),
            "line 1: bad occurrence"
        );
        assert!(Lesson::parse("stray words").is_err());
        let l = Lesson::parse("# T\nwatch: w\n## A\none\ntwo\n\nthree\n## B\nfour").unwrap();
        assert_eq!(
            l.notes,
            vec![
                ("A".into(), vec!["one two".into(), "three".into()]),
                ("B".into(), vec!["four".into()])
            ]
        );
    }

    #[test]
    fn moments_follow_the_run_when_the_lab_changes_it() {
        // Drop a different segment than the lesson does: the loss chip
        // moves with it.
        let lesson = Lesson::parse("moment: loss | The loss").unwrap();
        let story = |faults| {
            Story::new(
                scenario::run(
                    "curl",
                    &RunOptions {
                        faults,
                        ..RunOptions::default()
                    },
                )
                .unwrap(),
            )
        };
        assert!(lesson.moments_in(&story(vec![])).is_empty());
        let dropped = story(vec![tcpsim::net::ScriptedFault {
            from: Side::Server,
            nth: 2,
            action: tcpsim::net::FaultAction::Drop,
        }]);
        let step = lesson.moments_in(&dropped)[0].0;
        assert!(
            dropped.steps[step - 1].from == Side::Server
                && matches!(dropped.steps[step - 1].fate, Fate::Dropped { .. })
        );
    }
}
