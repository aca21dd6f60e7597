//! What the narration panel says. Every number comes from the engine's
//! segments, so the text stays true when the ISNs are random.

#[cfg(feature = "full")]
pub mod calls;
mod default_story;
mod lesson_step;
#[cfg(feature = "full")]
pub(crate) use lesson_step::timer_length;
pub mod phrases;

use crate::state::story::Story;

pub struct Narration {
    pub title: String,
    /// What happened and why.
    pub what: String,
    /// What each side knows now.
    pub knows: Option<String>,
}

/// The narration for step `n` (0 = before anything is sent). Lessons
/// other than the default story are told from `phrases`, once fetched.
/// `summary` is the lesson's (empty until its script arrives).
pub fn narrate(story: &Story, n: usize, phrases: Option<&phrases::Phrases>, summary: &str) -> Narration {
    if n == 0 && story.trace.scenario != "curl" {
        let scenario = tcpsim::scenario::find(&story.trace.scenario);
        return Narration {
            title: scenario.map_or("Before anything moves", |s| s.title).into(),
            what: format!("{summary} Step forward (→) to watch it happen, segment by segment.")
                .trim_start()
                .into(),
            knows: None,
        };
    }
    if n == 0 {
        let (ip, port) = (tcpsim::wire::ip_text(story.server.ip()), story.server.port());
        return Narration {
            title: "Before anything moves".into(),
            what: format!(
                "The server has opened a socket on port {port} at {ip} and is LISTENing for connections. \
                 The client's socket is CLOSED: it exists, but has not tried to connect yet. \
                 Press step (→) to watch the client start the handshake."
            ),
            knows: None,
        };
    }
    let Some(step) = story.steps.get(n - 1) else {
        return Narration {
            title: "Nothing more to show".into(),
            what: String::new(),
            knows: None,
        };
    };
    let (what, knows) = match phrases {
        _ if is_default_story(story) => default_story::curl_step(story, step),
        Some(phrases) => (lesson_step::narrate(story, step, phrases), None),
        None => ("Loading this lesson's narration…".into(), None),
    };
    Narration {
        title: format!("{}. The {} sends {}", n, step.from.name(), step.label()),
        what,
        knows,
    }
}

/// The twelve-packet story as designed: the `curl` scenario with no fault
/// or setting of the lab's added (the story's own words would not fit).
pub fn is_default_story(story: &Story) -> bool {
    story.trace.scenario == "curl" && story.as_designed && story.steps.len() == 12
}

/// `1 byte`, `72 bytes`.
pub(crate) fn bytes(n: u32) -> String {
    plural(n, "byte")
}

pub(crate) fn plural(n: u32, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// An amount of data in bytes, and in segments when it is a whole number
/// of them: `5840 bytes = 4 segments`, `2000 bytes`.
pub(crate) fn amount(n: u32, mss: u32) -> String {
    if mss > 0 && n >= mss && n.is_multiple_of(mss) {
        format!("{} = {}", bytes(n), plural(n / mss, "segment"))
    } else {
        bytes(n)
    }
}

/// A rate in bytes per second, in bits per second as links are rated.
#[cfg(feature = "full")]
pub(crate) fn rate(bytes_per_second: u64) -> String {
    let bits = bytes_per_second.saturating_mul(8);
    match bits {
        1_000_000.. => format!("{:.2} Mbit/s", bits as f64 / 1e6),
        1_000.. => format!("{} kbit/s", bits / 1000),
        _ => format!("{bits} bit/s"),
    }
}

/// A short time with a tenth of a millisecond: `6.1 ms`.
#[cfg(feature = "full")]
pub(crate) fn duration_fine(us: u64) -> String {
    if us < 10_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        duration(us)
    }
}

/// A time in microseconds as people say it: `250 ms`, `1 s`, `1.5 s`.
pub(crate) fn duration(us: u64) -> String {
    let ms = us / 1000;
    match (ms / 1000, ms % 1000) {
        (0, ms) => format!("{ms} ms"),
        (s, 0) => format!("{s} s"),
        (s, ms) => format!("{s}.{} s", format!("{ms:03}").trim_end_matches('0')),
    }
}

#[cfg(test)]
mod tests {
    //! Each lesson's key facts appear in the narration at the step where
    //! they happen. The expected facts are read off the segments and the
    //! wire (what a capture would show), not off the narration's own
    //! sources.

    use super::*;
    use crate::lesson::{Key, Lesson};
    use crate::state::story::{Fate, Moment, Step};
    use tcpsim::net::Side;
    use tcpsim::scenario::{self, RunOptions};
    use tcpsim::tcp::State;

    fn story(id: &str) -> Story {
        Story::new(scenario::run(id, &RunOptions::default()).unwrap())
    }

    fn said(story: &Story, step: &Step) -> String {
        narrate(story, step.number, Some(phrases::from_disk()), "").what
    }

    fn assert_says(story: &Story, step: &Step, words: &str) {
        let text = said(story, step);
        assert!(
            text.contains(words),
            "{} step {}: expected “{words}” in: {text}",
            story.trace.scenario,
            step.number
        );
    }

    /// Pure ACKs from `side` repeating the previous ACK's number and
    /// window (RFC 5681 §2's duplicate ACK), with their count in a row.
    fn duplicate_acks(story: &Story, side: Side) -> Vec<(&Step, usize)> {
        let mut out = Vec::new();
        let mut previous: Option<&Step> = None;
        let mut run = 0;
        for step in story.steps.iter().filter(|s| s.from == side && s.segment.flags.ack()) {
            let s = &step.segment;
            let pure = s.len == 0 && !s.flags.syn() && !s.flags.fin();
            let dup = previous.is_some_and(|p| p.segment.ack == s.ack && p.segment.window == s.window);
            run = if pure && dup { run + 1 } else { 0 };
            if run > 0 {
                out.push((step, run));
            }
            previous = Some(step);
        }
        out
    }

    /// The modern hosts pace SACK recovery with PRR (RFC 6937): where
    /// recovery begins, the narration gives its share, ssthresh over the
    /// flight at the loss, both read off the window reports.
    #[cfg(feature = "full")]
    #[test]
    fn recovery_paced_by_prr_is_told_with_its_share() {
        use tcpsim::tcp::{Event, Phase};
        use tcpsim::trace::What;
        let story = story("timestamps");
        let records = &story.trace.records;
        let windows: Vec<_> = records
            .iter()
            .filter(|r| r.side == Side::Server)
            .filter_map(|r| match r.what {
                What::Engine {
                    event:
                        Event::Window {
                            ssthresh,
                            flight,
                            phase,
                            ..
                        },
                } => Some((ssthresh, flight, phase)),
                _ => None,
            })
            .collect();
        let at = windows
            .iter()
            .position(|w| w.2 == Phase::FastRecovery)
            .expect("a recovery");
        // Flight just before recovery (RecoverFS), and the new ssthresh.
        let share = u64::from(windows[at].0) * 100 / u64::from(windows[at - 1].1);
        let step = story
            .steps
            .iter()
            .find(|s| said(&story, s).contains("Recovery begins"))
            .expect("recovery is told");
        assert_says(&story, step, &format!("about {share}% of a segment"));
    }

    #[test]
    fn every_step_of_every_lesson_is_told_in_its_own_words() {
        for s in scenario::ALL {
            let story = story(s.id);
            let own_words = !is_default_story(&story);
            for step in story.steps.iter().filter(|_| own_words) {
                let text = said(&story, step);
                assert!(
                    text.starts_with(&format!("The {}", step.from.name())),
                    "{} {}: {text}",
                    s.id,
                    step.number
                );
                assert!(
                    !text.contains(" 1 bytes") && !text.contains(" 1 segments"),
                    "{} {}: {text}",
                    s.id,
                    step.number
                );
                assert!(
                    !text.contains('⟨'),
                    "{} {}: a phrase is missing: {text}",
                    s.id,
                    step.number
                );
                if matches!(step.fate, Fate::Dropped { .. }) {
                    assert_says(&story, step, "loses this segment");
                }
            }
            // Every state change is named with the segment it let go, the
            // segment whose arrival caused it, or the one sent just before.
            for t in story.transitions.iter().filter(|_| own_words) {
                let next_sent = story.steps.iter().find(|s| s.sent_record > t.record);
                let arrived = story.steps.iter().find(|s| s.reaction().contains(&t.record));
                let words = format!("{} is now {}", t.side.name(), t.to);
                let sent_before = story.steps.iter().rfind(|s| s.sent_record < t.record);
                let named = [next_sent, arrived, sent_before]
                    .into_iter()
                    .flatten()
                    .any(|s| said(&story, s).contains(&words));
                let after_last = next_sent.is_none() && arrived.is_none();
                assert!(
                    named || after_last || t.to == State::Listen,
                    "{}: {} → {} is never told",
                    s.id,
                    t.side.name(),
                    t.to
                );
            }
        }
    }

    #[test]
    fn fast_retransmit_counts_each_duplicate_ack_and_names_the_missing_bytes() {
        let story = story("fast-retransmit");
        let lost = story
            .steps
            .iter()
            .find(|s| matches!(s.fate, Fate::Dropped { .. }))
            .unwrap();
        let (first, last) = (lost.segment.seq, lost.segment.seq + lost.segment.len - 1);
        let dups = duplicate_acks(&story, Side::Client);
        assert!(dups.len() >= 3);
        for (step, k) in &dups {
            assert_says(
                &story,
                step,
                &format!(
                    "a duplicate ACK: it still asks for byte {first}, because bytes {first} to {last} are missing"
                ),
            );
            if *k <= 3 {
                assert_says(&story, step, &format!("duplicate ACK {k} of 3"));
            }
        }
        let third = dups.iter().find(|(_, k)| *k == 3).unwrap().0;
        assert_says(&story, third, "Fast recovery begins: ssthresh becomes");
        let resend = story
            .steps
            .iter()
            .find(|s| s.number > lost.number && s.segment.seq == first)
            .unwrap();
        assert_says(&story, resend, "again");
        assert_says(&story, resend, "fast retransmit");
    }

    #[test]
    fn zero_window_names_the_window_the_probe_and_the_update() {
        let story = story("zero-window");
        let zeros: Vec<&Step> = story
            .steps
            .iter()
            .filter(|s| s.from == Side::Client && s.segment.window == 0 && !s.segment.flags.rst())
            .collect();
        assert!(zeros.len() >= 2);
        for step in &zeros {
            assert_says(&story, step, "advertises window 0");
        }
        for probe in story
            .steps
            .iter()
            .filter(|s| s.from == Side::Server && s.segment.len == 1)
        {
            assert_says(&story, probe, "byte ");
            assert_says(&story, probe, "probes with one byte");
        }
        let reopened = story
            .steps
            .windows(2)
            .filter(|w| w[0].segment.window == 0 && w[1].segment.window > 0 && w[1].from == Side::Client);
        for w in reopened {
            assert_says(
                &story,
                &w[1],
                &format!("window of {} bytes (it was 0 bytes)", w[1].segment.window),
            );
        }
    }

    #[test]
    fn timeouts_say_how_long_the_timer_ran_and_that_it_doubles() {
        for id in ["syn-timeout", "lost-data", "corrupt"] {
            let story = story(id);
            let mut waits = Vec::new();
            for step in &story.steps {
                let earlier = story.steps[..step.number - 1].iter().rfind(|p| {
                    p.from == step.from
                        && p.segment.seq == step.segment.seq
                        && p.segment.len == step.segment.len
                        && (p.segment.len > 0 || p.segment.flags.syn())
                });
                if let Some(p) = earlier {
                    let secs = (step.sent_at.micros() - p.sent_at.micros()) / 1_000_000;
                    assert_says(&story, step, &format!("timer ran out after {secs} s"));
                    waits.push(secs);
                }
            }
            assert!(!waits.is_empty(), "{id}");
            for w in waits.windows(2) {
                assert_eq!(w[1], 2 * w[0], "{id}: the timeout doubles");
            }
        }
        let story = story("syn-timeout");
        assert_says(&story, story.steps.last().unwrap(), "connection timed out");
    }

    #[test]
    fn a_state_told_as_now_is_the_state_while_the_step_lasts() {
        for s in scenario::ALL {
            let story = story(s.id);
            for step in &story.steps {
                let text = said(&story, step);
                for side in [Side::Client, Side::Server] {
                    let told = format!("The {} is now ", side.name());
                    let Some(at) = text.rfind(&told) else { continue };
                    // The receiver: as the segment's arrival left it. The
                    // sender: any state it had from sending until then (a
                    // later step may show later: see `Step::shown`).
                    let from = if side == step.from {
                        step.sent_record + 1
                    } else {
                        step.done.cursor
                    };
                    let states: Vec<State> = (from..=step.done.cursor)
                        .map(|cursor| story.state_at(side, Moment { cursor, ..step.done }).0)
                        .collect();
                    assert!(
                        states
                            .iter()
                            .any(|st| text[at + told.len()..].starts_with(&format!("{}:", st.name()))),
                        "{} step {}: the {} was {states:?}, but: {text}",
                        s.id,
                        step.number,
                        side.name(),
                    );
                }
            }
        }
    }

    #[test]
    fn congestion_tells_every_loss_and_every_fast_retransmit() {
        let story = story("congestion");
        let losses: Vec<&Step> = story
            .steps
            .iter()
            .filter(|s| matches!(s.fate, Fate::Dropped { .. }))
            .collect();
        assert!(losses.len() >= 3, "at least three losses for two sawtooth cycles");
        let mut fast = 0;
        for step in story
            .steps
            .iter()
            .filter(|s| s.from == Side::Client && s.segment.len > 0)
        {
            let resent = story.steps[..step.number - 1]
                .iter()
                .any(|p| p.from == Side::Client && p.segment.len > 0 && p.segment.seq == step.segment.seq);
            if resent {
                assert_says(&story, step, "again");
                fast += said(&story, step).contains("fast retransmit") as usize;
            }
        }
        assert!(fast >= 3, "{fast} fast retransmits told");
        let third_dups = duplicate_acks(&story, Side::Server)
            .into_iter()
            .filter(|(_, k)| *k == 3)
            .count();
        assert!(third_dups >= 3);
    }

    /// Words the narration must use where each kind of key moment happens.
    fn words_for(key: Key) -> &'static str {
        match key {
            Key::Handshake => "ESTABLISHED",
            Key::Data => "sends",
            Key::Loss => "loses this segment",
            Key::Duplicated => "twice",
            Key::Corrupted => "bit",
            Key::Delayed => "holds it back",
            Key::Timeout => "timer ran out",
            Key::DupAck => "duplicate ACK 1 of 3",
            Key::FastRetransmit => "fast retransmit",
            Key::SackResend => "scoreboard presumes the segment there lost",
            Key::LossProbe => "tail loss probe",
            Key::RackResend => "RACK marked these bytes lost",
            Key::RecoveryEnd => "recovery ends",
            Key::CongestionAvoidance => "slow start ends",
            Key::Convex => "curve turns convex",
            Key::BbrDrain => "enters Drain",
            Key::BbrProbeUp => "ProbeBW UP",
            Key::BbrProbeRtt => "ProbeRTT:",
            Key::ZeroWindow => "window 0",
            Key::Probe => "probes with one byte",
            Key::WindowUpdate => "window update",
            Key::OutOfOrder => "beyond a gap",
            Key::DuplicateArrives => "already has these bytes",
            Key::Rst => "RST",
            Key::Fin => "FIN",
            Key::TimeWait => "TIME_WAIT",
            Key::SynCookie => "SYN cookie",
            Key::CookieAccepted => "valid cookie",
            Key::BacklogFull => "full backlog",
            Key::GhostAck => "never sent the SYN",
            Key::Last => "",
        }
    }

    #[test]
    fn every_lessons_key_moments_are_told_where_they_happen() {
        for s in scenario::ALL {
            let path = format!("{}/engine/src/scenario/lessons/{}.md", env!("CARGO_MANIFEST_DIR"), s.id);
            let lesson = Lesson::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
            let story = story(s.id);
            let found = lesson.moments_in(&story);
            assert_eq!(found.len(), lesson.moments.len(), "{}", s.id);
            for (moment, (n, _)) in lesson.moments.iter().zip(&found) {
                assert_says(&story, &story.steps[n - 1], words_for(moment.key));
            }
        }
    }

    #[test]
    fn other_lessons_name_what_they_teach() {
        let s = story("out-of-order");
        let delayed = s.steps.iter().find(|x| x.marks.contains(&"delayed")).unwrap();
        assert_says(&s, delayed, "holds it back");
        let overtaking = &s.steps[delayed.number];
        assert_says(
            &s,
            overtaking,
            &format!("start at byte {}, beyond a gap", overtaking.segment.seq),
        );

        let s = story("old-syn");
        let ghost = s
            .steps
            .iter()
            .find(|x| x.segment.flags.syn() && x.segment.flags.ack())
            .unwrap();
        assert_says(&s, ghost, "never sent the SYN this acknowledges");
        assert_says(&s, s.steps.iter().find(|x| x.segment.flags.rst()).unwrap(), "sends RST");

        let s = story("refused");
        assert_says(&s, s.steps.last().unwrap(), "connection refused");

        let s = story("syn-flood-cookies");
        let cookie = s
            .steps
            .iter()
            .find(|x| {
                matches!(x.segment.dst, std::net::IpAddr::V4(a) if a.octets()[0] == 10)
                    && x.segment.flags.syn()
                    && x.segment.flags.ack()
            })
            .unwrap();
        assert_says(&s, cookie, "SYN cookie");

        let s = story("duplicate");
        let copy_acked = s.steps.iter().find(|x| said(&s, x).contains("a copy"));
        assert!(copy_acked.is_some_and(|x| x.from == Side::Client));
    }

    #[cfg(feature = "full")]
    #[test]
    fn bbr_tells_its_states_in_order_and_the_bottleneck_rate_it_measured() {
        use tcpsim::scenario::bbr::BOTTLENECK_BPS;
        let s = story("bbr");
        let told: Vec<(usize, String)> = s.steps.iter().map(|x| (x.number, said(&s, x))).collect();
        let first = |words: &str| told.iter().find(|t| t.1.contains(words)).map(|t| t.0);
        let order = [
            "starts in Startup",
            "enters Drain",
            "ProbeBW CRUISE",
            "ProbeBW REFILL",
            "ProbeBW UP",
            "ProbeRTT:",
        ];
        let steps: Vec<usize> = order
            .iter()
            .map(|w| first(w).unwrap_or_else(|| panic!("never told: {w}")))
            .collect();
        assert!(
            steps.windows(2).all(|w| w[0] < w[1]),
            "{order:?} told at steps {steps:?}"
        );
        // The estimate Drain names is the bottleneck's rate of payload:
        // each full segment crosses it 52 bytes longer (IP, TCP, timestamps).
        let payload = s.steps.iter().map(|x| u64::from(x.segment.len)).max().unwrap();
        let goodput_mbps = BOTTLENECK_BPS as f64 * payload as f64 / (payload + 52) as f64 / 1e6;
        let drain = &told[steps[1] - 1].1;
        assert!(
            drain.contains(&format!("{goodput_mbps:.2} Mbit/s")),
            "{goodput_mbps:.2}: {drain}"
        );
        // Pacing is told where it held a data segment back.
        let paced = told.iter().filter(|t| t.1.contains("Pacing held this segment")).count();
        assert!(paced > 100, "{paced} paced segments told");
    }
}
