//! A trace arranged for playback: one step per segment sent, and for any
//! point of playback (a trace time and how many records are applied), the
//! state of both hosts and what is on the wire. Everything here is read off
//! the engine's trace; nothing is computed about TCP itself.

use std::net::SocketAddr;
use tcpsim::net::{Side, WireEvent};
use tcpsim::tcp::{Event, State};
use tcpsim::time::Instant;
use tcpsim::trace::{IdMap, Segment, Trace, What};

/// A point of playback: records `[..cursor]` have happened, and the clock
/// reads `time` (µs). Envelopes are drawn from `time`, states from `cursor`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moment {
    pub time: f64,
    pub cursor: usize,
}

/// What became of a segment on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Reached the other host at this time (record index of the delivery).
    Delivered { at: Instant, record: usize },
    /// Lost on the wire (record index of the drop).
    Dropped { record: usize },
    /// Still on its way when the run stopped at its time limit.
    Unsettled,
}

/// One segment, as a step of the story.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1-based, in the order segments were sent.
    pub number: usize,
    pub from: Side,
    pub segment: Segment,
    pub bytes: Vec<u8>,
    pub sent_at: Instant,
    /// Index of the `Sent` record.
    pub sent_record: usize,
    pub fate: Fate,
    /// The moment this step is complete: the segment arrived (or was lost)
    /// and the receiver has reacted (its state changes are applied).
    pub done: Moment,
    /// The moment playback shows for this step: it and every earlier step
    /// are complete. Never earlier than the previous step's, so the clock
    /// only moves forward as the steps count up.
    pub shown: Moment,
    /// What the wire did to it besides carrying it, in words ("lost",
    /// "duplicated", "bit flipped", "delayed").
    pub marks: Vec<&'static str>,
    /// Where it is drawn on the wire: the lowest lane free for its whole
    /// way, so an envelope never jumps when another one lands.
    pub lane: usize,
}

impl Step {
    /// Textbook label: `SYN, ACK seq=4500 ack=1001`, with `len` when data.
    pub fn label(&self) -> String {
        format!("{} {}", self.segment.flags, self.numbers())
    }

    /// `seq=4500 ack=1001`, plus `len=72` when the segment carries data.
    pub fn numbers(&self) -> String {
        let s = &self.segment;
        let mut text = format!("seq={}", s.seq);
        if s.flags.ack() {
            text.push_str(&format!(" ack={}", s.ack));
        }
        if s.len > 0 {
            text.push_str(&format!(" len={}", s.len));
        }
        text
    }

    /// The records of the receiver's reaction to this segment's arrival
    /// (what follows its delivery, up to `done`); empty if it never arrived.
    pub fn reaction(&self) -> std::ops::Range<usize> {
        match self.fate {
            Fate::Delivered { record, .. } => record + 1..self.done.cursor,
            Fate::Dropped { .. } | Fate::Unsettled => 0..0,
        }
    }

    pub fn arrive_at(&self) -> Option<Instant> {
        match self.fate {
            Fate::Delivered { at, .. } => Some(at),
            Fate::Dropped { .. } | Fate::Unsettled => None,
        }
    }
}

/// A state change of one host, in record order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub record: usize,
    pub at: Instant,
    pub side: Side,
    pub from: State,
    pub to: State,
}

/// A segment on the wire at some moment, for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    pub step: usize,
    pub from: Side,
    /// 0 at the sender, 1 at the receiver.
    pub progress: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    pub trace: Trace,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub steps: Vec<Step>,
    pub transitions: Vec<Transition>,
    /// Before anything moves: the server listens, the client is closed.
    pub start: Moment,
    /// The scenario ran as designed: the learner added no fault and
    /// changed no setting in the lab.
    pub as_designed: bool,
    /// How many wire lanes the steps use (see `Step::lane`).
    pub lanes: usize,
    /// A host in the scenario's own setup delays its ACKs (the lab's switch
    /// starts there).
    pub delays_acks: bool,
}

impl Story {
    pub fn new(trace: Trace) -> Story {
        let mut steps: Vec<Step> = Vec::new();
        let mut transitions = Vec::new();
        let mut start_cursor = None;
        for (i, r) in trace.records.iter().enumerate() {
            match &r.what {
                What::Sent { bytes, segment, .. } => {
                    start_cursor.get_or_insert(i);
                    steps.push(Step {
                        number: steps.len() + 1,
                        from: r.side,
                        segment: *segment,
                        bytes: bytes.clone(),
                        sent_at: r.at,
                        sent_record: i,
                        fate: Fate::Unsettled,
                        done: Moment {
                            time: r.at.micros() as f64,
                            cursor: i + 1,
                        },
                        shown: Moment { time: 0.0, cursor: 0 },
                        marks: Vec::new(),
                        lane: 0,
                    });
                }
                What::Engine {
                    event: Event::StateChanged { from, to, .. },
                } => {
                    if *to != State::Listen {
                        start_cursor.get_or_insert(i);
                    }
                    transitions.push(Transition {
                        record: i,
                        at: r.at,
                        side: r.side,
                        from: *from,
                        to: *to,
                    });
                }
                _ => {}
            }
        }
        // Each step's fate: the first delivery or drop of its datagram. A
        // duplicate's copy has its own id and no step of its own.
        let mut step_of = IdMap::for_records(trace.records.len());
        let sent_ids = trace.records.iter().filter_map(|r| match &r.what {
            What::Sent { id, .. } => Some(*id),
            _ => None,
        });
        for (k, id) in sent_ids.enumerate() {
            step_of.insert(id, k);
        }
        for r in &trace.records {
            let What::Wire { event } = &r.what else { continue };
            let (id, mark) = match event {
                WireEvent::Dropped { id, .. } => (id, "lost"),
                WireEvent::Duplicated { id, .. } => (id, "duplicated"),
                WireEvent::Corrupted { id, .. } => (id, "bit flipped"),
                WireEvent::Delayed { id, .. } => (id, "delayed"),
                WireEvent::Scheduled { .. } => continue,
            };
            if let Some(k) = step_of.get(*id) {
                steps[k].marks.push(mark);
            }
        }
        let mut settled = vec![false; steps.len()];
        for (i, r) in trace.records.iter().enumerate() {
            let (id, fate) = match &r.what {
                What::Delivered { id, .. } => (*id, Fate::Delivered { at: r.at, record: i }),
                What::Wire {
                    event: WireEvent::Dropped { id, .. },
                } => (*id, Fate::Dropped { record: i }),
                _ => continue,
            };
            let Some(k) = step_of.get(id) else { continue };
            if std::mem::replace(&mut settled[k], true) {
                continue;
            }
            steps[k].fate = fate;
            steps[k].done = Moment {
                time: r.at.micros() as f64,
                cursor: reaction_end(&trace, i),
            };
        }
        // A later segment can be settled before an earlier one (a loss
        // right after sending, a shorter way): each step shows the moment
        // by which it and all before it are complete.
        let mut shown = Moment { time: 0.0, cursor: 0 };
        for step in &mut steps {
            if step.done.cursor > shown.cursor {
                shown = step.done;
            }
            step.shown = shown;
        }
        // Lanes: each step takes the first lane whose last occupant has
        // arrived (or was lost) by the time this one is sent.
        let mut lanes_free_at: Vec<usize> = Vec::new();
        for step in &mut steps {
            let lane = match lanes_free_at.iter().position(|&free| free <= step.sent_record) {
                Some(lane) => lane,
                None => {
                    lanes_free_at.push(0);
                    lanes_free_at.len() - 1
                }
            };
            lanes_free_at[lane] = step.done.cursor;
            step.lane = lane;
        }
        let first = steps.first();
        let client = first
            .map(|s| endpoint_of(&s.segment, s.from, Side::Client))
            .unwrap_or(SocketAddr::new(trace.client, 0));
        let server = first
            .map(|s| endpoint_of(&s.segment, s.from, Side::Server))
            .unwrap_or(SocketAddr::new(trace.server, 0));
        Story {
            start: Moment {
                time: 0.0,
                cursor: start_cursor.unwrap_or(trace.records.len()),
            },
            client,
            server,
            steps,
            transitions,
            trace,
            as_designed: true,
            lanes: lanes_free_at.len(),
            delays_acks: false,
        }
    }

    /// The wire's one-way delay as the first delivered segment saw it
    /// (ms); None if nothing arrived.
    pub fn one_way_delay_ms(&self) -> Option<u64> {
        self.steps
            .iter()
            .find_map(|s| Some(s.arrive_at()?.micros().saturating_sub(s.sent_at.micros()) / 1000))
    }

    /// The side that sent the most data (whose congestion window matters).
    pub fn data_sender(&self) -> Side {
        // What each application received; for a replayed capture, which
        // has no applications, what each side sent.
        let sent = |side: Side| -> usize {
            let other = if side == Side::Client {
                Side::Server
            } else {
                Side::Client
            };
            self.steps
                .iter()
                .filter(|s| s.from == other)
                .map(|s| s.segment.len as usize)
                .sum()
        };
        let apps = self.trace.received.iter().any(|r| !r.is_empty());
        let got = |side: Side| {
            if apps {
                self.trace.received[side.index()].len()
            } else {
                sent(side)
            }
        };
        if got(Side::Server) >= got(Side::Client) {
            Side::Client
        } else {
            Side::Server
        }
    }

    /// How many segments carry data.
    pub fn data_segments(&self) -> usize {
        self.steps.iter().filter(|s| s.segment.len > 0).count()
    }

    /// The moment step `n` shows (0 is the start).
    pub fn moment(&self, n: usize) -> Moment {
        match n.checked_sub(1).and_then(|i| self.steps.get(i)) {
            Some(step) => step.shown,
            None if n == 0 => self.start,
            None => self.end(),
        }
    }

    /// Everything has happened.
    pub fn end(&self) -> Moment {
        Moment {
            time: self.trace.end.micros() as f64,
            cursor: self.trace.records.len(),
        }
    }

    /// How many steps are shown complete at `m`. Steps that complete at
    /// the same moment count together here; the app keeps the exact step.
    pub fn step_at(&self, m: Moment) -> usize {
        self.steps
            .iter()
            .take_while(|s| s.shown.cursor <= m.cursor && s.shown.time <= m.time)
            .count()
    }

    /// The state of `side` at `m`, and the transition that led to it.
    pub fn state_at(&self, side: Side, m: Moment) -> (State, Option<Transition>) {
        let last = self
            .transitions
            .iter()
            .rfind(|t| t.side == side && t.record < m.cursor)
            .copied();
        (last.map_or(State::Closed, |t| t.to), last)
    }

    /// Segments sent but not yet arrived or lost at `m`.
    pub fn in_flight(&self, m: Moment) -> Vec<InFlight> {
        self.steps
            .iter()
            .filter(|s| s.sent_record < m.cursor && m.cursor < s.done.cursor)
            .filter_map(|s| {
                let arrive = s.arrive_at()?.micros() as f64;
                let sent = s.sent_at.micros() as f64;
                let progress = if arrive > sent {
                    ((m.time - sent) / (arrive - sent)).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                Some(InFlight {
                    step: s.number,
                    from: s.from,
                    progress,
                })
            })
            .collect()
    }

    /// The cursor reached by letting the clock run to `time`, starting from
    /// `from` and never passing `limit`: every record stamped at or before
    /// `time` has happened.
    pub fn cursor_at(&self, time: f64, from: usize, limit: usize) -> usize {
        let records = &self.trace.records;
        let mut cursor = from;
        while cursor < limit.min(records.len()) && (records[cursor].at.micros() as f64) <= time {
            cursor += 1;
        }
        cursor
    }

    /// The trace time of the next record after `cursor`, if any.
    pub fn next_time(&self, cursor: usize) -> Option<f64> {
        self.trace.records.get(cursor).map(|r| r.at.micros() as f64)
    }
}

/// After a delivery, the receiver's immediate reaction (state changes, timer
/// and window reports at the same instant) belongs to the same step; the
/// next datagram sent or delivered starts something new.
fn reaction_end(trace: &Trace, delivered: usize) -> usize {
    let at = trace.records[delivered].at;
    let mut end = delivered + 1;
    while let Some(r) = trace.records.get(end) {
        let reaction = r.at == at && matches!(r.what, What::Engine { .. } | What::App { .. });
        if !reaction {
            break;
        }
        end += 1;
    }
    end
}

/// The address and port of `want`, read off a segment sent by `from`.
fn endpoint_of(segment: &Segment, from: Side, want: Side) -> SocketAddr {
    if from == want {
        SocketAddr::new(segment.src, segment.src_port)
    } else {
        SocketAddr::new(segment.dst, segment.dst_port)
    }
}

/// A story shared by components: equal when it is the same run, so props
/// compare in O(1) instead of comparing whole traces.
#[derive(Clone, Debug)]
pub struct Shared(pub std::rc::Rc<Story>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Shared {
    type Target = Story;
    fn deref(&self) -> &Story {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    //! The story read off real runs of every scenario: steps, fates, lanes
    //! and states, checked against the trace and the brief's rules.

    use super::*;
    use tcpsim::scenario::{self, RunOptions};

    fn story(id: &str) -> Story {
        Story::new(scenario::run(id, &RunOptions::default()).unwrap())
    }

    fn all() -> impl Iterator<Item = Story> {
        scenario::ALL.iter().map(|s| story(s.id))
    }

    #[test]
    fn a_step_is_each_segment_sent_in_order() {
        for story in all() {
            let sent: Vec<(Side, Segment)> = story.trace.segments().map(|(_, side, _, s)| (side, *s)).collect();
            assert_eq!(story.steps.len(), sent.len(), "{}", story.trace.scenario);
            for (k, step) in story.steps.iter().enumerate() {
                assert_eq!(step.number, k + 1);
                assert_eq!(
                    (step.from, step.segment),
                    sent[k],
                    "{} step {}",
                    story.trace.scenario,
                    k + 1
                );
            }
        }
    }

    #[test]
    fn each_fate_is_what_the_wire_did() {
        for story in all() {
            let id = story.trace.scenario.clone();
            for step in &story.steps {
                match step.fate {
                    Fate::Delivered { at, record } => {
                        assert!(at >= step.sent_at, "{id} step {}", step.number);
                        assert!(matches!(story.trace.records[record].what, What::Delivered { .. }));
                        assert_eq!(story.trace.records[record].side, step.from.other());
                    }
                    Fate::Dropped { .. } => assert!(step.marks.contains(&"lost"), "{id} step {}", step.number),
                    Fate::Unsettled => panic!("{id}: step {} never settled", step.number),
                }
            }
        }
        // The lesson about a lost request loses exactly the request.
        let lost = story("lost-data");
        let dropped: Vec<&Step> = lost
            .steps
            .iter()
            .filter(|s| matches!(s.fate, Fate::Dropped { .. }))
            .collect();
        assert_eq!(dropped.len(), 1);
        assert!(dropped[0].from == Side::Client && dropped[0].segment.len > 0);
    }

    #[test]
    fn segments_on_the_wire_together_never_share_a_lane() {
        for story in all() {
            assert_eq!(story.lanes, story.steps.iter().map(|s| s.lane + 1).max().unwrap_or(0));
            for a in &story.steps {
                for b in story.steps.iter().filter(|b| b.number > a.number) {
                    let overlap = b.sent_record < a.done.cursor;
                    assert!(
                        !(overlap && a.lane == b.lane),
                        "{}: steps {} and {} share lane {}",
                        story.trace.scenario,
                        a.number,
                        b.number,
                        a.lane
                    );
                }
            }
        }
    }

    #[test]
    fn the_default_story_passes_through_the_states_the_brief_names() {
        // Before anything moves the server listens and the client is closed;
        // both are ESTABLISHED once the third segment arrives; the client
        // waits in TIME_WAIT after the last ACK and the server is CLOSED.
        let s = story("curl");
        let states = |n: usize| {
            let m = s.moment(n);
            (s.state_at(Side::Client, m).0, s.state_at(Side::Server, m).0)
        };
        assert_eq!(states(0), (State::Closed, State::Listen));
        assert_eq!(states(1), (State::SynSent, State::SynReceived));
        assert_eq!(states(3), (State::Established, State::Established));
        assert_eq!(states(9), (State::FinWait1, State::CloseWait));
        assert_eq!(states(12), (State::TimeWait, State::Closed));
        assert_eq!(s.state_at(Side::Client, s.end()).0, State::Closed, "after 2 MSL");
    }

    #[test]
    fn each_step_of_the_default_story_opens_at_itself() {
        let s = story("curl");
        for n in 0..=s.steps.len() {
            assert_eq!(s.step_at(s.moment(n)), n);
        }
        assert!(s.in_flight(s.moment(12)).is_empty());
    }

    #[test]
    fn each_steps_moment_shows_it_and_every_earlier_step_complete() {
        for s in all() {
            let id = &s.trace.scenario;
            for n in 1..=s.steps.len() {
                let m = s.moment(n);
                assert!(m.cursor >= s.moment(n - 1).cursor, "{id}: step {n} goes back in time");
                for earlier in &s.steps[..n] {
                    assert!(
                        earlier.done.cursor <= m.cursor,
                        "{id}: step {n} shows {} unfinished",
                        earlier.number
                    );
                    assert!(earlier.sent_record < m.cursor);
                }
                assert!(
                    s.step_at(m) >= n,
                    "{id}: step {n}'s moment counts {} steps",
                    s.step_at(m)
                );
            }
        }
    }
}
