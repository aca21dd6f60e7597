//! The app's model: which run is shown, where playback is, and what the
//! user has chosen. Components dispatch `Action`s; the reducer is pure (the
//! random ISN secret arrives inside the action, drawn by the caller).

#[cfg(feature = "full")]
pub mod comparison;
pub mod lab;
pub mod params;
pub mod story;

use crate::components::inspector::Hover;
use crate::lesson::Lesson;
use crate::narration::phrases::Phrases;
use crate::plot::Plots;
use lab::Lab;
use params::Params;
use std::rc::Rc;
use story::{Moment, Story};
use tcpsim::net::{FaultAction, ScriptedFault};
#[cfg(feature = "full")]
use tcpsim::scenario::listing::{CallSpan, Listing};
use tcpsim::scenario::{self, RunOptions, Setup};
use yew::Reducible;

/// Trace microseconds shown per real millisecond at 1×: a 25 ms hop takes
/// about 1.25 s to watch.
const SIM_US_PER_MS: f64 = 20.0;
/// Pause after each step while playing, at 1× (ms).
const DWELL_MS: f64 = 700.0;
/// With reduced motion, playing shows one step per this many ms at 1×.
const STILL_STEP_MS: f64 = 1500.0;

/// How the notice for a run cut off at the simulator's time limit begins.
const CUT_SHORT: &str = "The engine stopped this run at its time limit";

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub params: Params,
    /// The secret behind random ISNs (RFC 6528), when they are on.
    pub isn_secret: Option<u64>,
    pub story: Rc<Story>,
    /// The step shown: the number of the last segment sent that playback
    /// has reached. Kept exactly, not read off the clock, because several
    /// steps can complete at the same moment.
    step: usize,
    pub moment: Moment,
    /// The step being animated towards, when stepping.
    pub target: Option<usize>,
    pub playing: bool,
    /// Time left before playback moves on to the next step (ms).
    dwell: f64,
    /// The step whose header the inspector shows, if the user picked one.
    pub selected: Option<usize>,
    pub notices: Vec<String>,
    /// Travel is not animated: steps happen at once.
    pub still: bool,
    /// The panels a phone shows unfolded (`components::fold_bar`'s bits).
    pub unfolded: u8,
    pub embed_open: bool,
    /// Faults the learner put on segments, on top of the scenario's own.
    pub faults: Vec<ScriptedFault>,
    /// The learner's changes to the wire, hosts and payload.
    pub lab: Lab,
    /// The script of the lesson shown, once fetched (by scenario id); the
    /// error says why it could not be.
    lesson: Option<(String, Result<Rc<Lesson>, String>)>,
    /// The phrasebook for narrating lessons past the default story, once
    /// fetched (or why it could not be).
    pub phrases: Option<Result<Rc<Phrases>, String>>,
    /// The glossary, once fetched (or why it could not be).
    pub glossary: Option<Result<Rc<Lesson>, String>>,
    /// What the inspector's pointer or byte cursor is on, for one step.
    hover: Option<(usize, Hover)>,
    /// The plots' data (made once per run).
    pub plots: Rc<Plots>,
    /// The run as tcpdump-like text, for the capture panel (made once per run).
    pub dump: Rc<str>,
    /// The lesson's key moments found in this run: (step, label).
    pub key_moments: Rc<Vec<(usize, String)>>,
    /// Each host's program as code, once fetched (by scenario id).
    #[cfg(feature = "full")]
    listings: [Option<(String, Rc<Listing>)>; 2],
    /// The socket calls each host's program made in this run.
    #[cfg(feature = "full")]
    pub calls: Rc<[Vec<CallSpan>; 2]>,
    /// The line of its program each of those calls runs on (as many as the
    /// listing places), worked out once per run and listing, not per frame.
    #[cfg(feature = "full")]
    pub placed: [Rc<Vec<usize>>; 2],
    /// The second run compare mode shows beside this one (made once per run).
    #[cfg(feature = "full")]
    pub comparison: Option<Rc<comparison::Comparison>>,
    /// What compare mode offers for this scenario and lab.
    #[cfg(feature = "full")]
    pub compare_options: Rc<Vec<tcpsim::scenario::compare::Variant>>,
    /// Predict mode's checked answers in this run, by step number (a retry
    /// replaces the step's earlier answer).
    #[cfg(feature = "full")]
    pub answers: Rc<std::collections::BTreeMap<usize, Vec<crate::predict::Verdict>>>,
    /// A capture being replayed in place of a lesson (the story is its
    /// trace), with its analysis per step.
    #[cfg(feature = "full")]
    pub capture: Option<Rc<crate::capture_protocol::Replayed>>,
    /// Show a capture's sequence numbers as captured, not from 0.
    #[cfg(feature = "full")]
    pub absolute_seq: bool,
}

pub enum Action {
    /// A frame passed (real milliseconds since the last one).
    Tick(f64),
    TogglePlay,
    StepForward,
    StepBack,
    Restart,
    GoTo(usize),
    SetSpeed(f64),
    /// Re-run the engine with random ISNs from this secret, or fixed ones.
    SetRandomIsn(Option<u64>),
    Select(usize),
    /// Show another scenario (its id was checked against the registry).
    SetScenario(String),
    /// Do this to the datagram of step n, then re-run the engine.
    Fault(usize, FaultAction),
    ClearFaults,
    SetLab(Lab),
    Dismiss(usize),
    ToggleEmbed,
    /// A lesson's script arrived (or failed to) for this scenario id.
    Lesson(String, Result<Rc<Lesson>, String>),
    /// One host's program (0 client, 1 server) arrived for this scenario.
    #[cfg(feature = "full")]
    Listing(String, usize, Rc<Listing>),
    /// The inspector's pointer or byte cursor moved (on step n's headers).
    Hover(Option<(usize, Hover)>),
    /// The glossary arrived (or failed to).
    Glossary(Result<Rc<Lesson>, String>),
    /// The narration phrasebook arrived (or failed to).
    Phrases(Result<Rc<Phrases>, String>),
    /// Jump to the lesson's k-th key moment (0-based).
    KeyMoment(usize),
    /// Compare with a second run changed this way (a variant's id), or stop.
    #[cfg(feature = "full")]
    SetCompare(Option<String>),
    /// Predict mode: check this answer for the next step, then show it.
    #[cfg(feature = "full")]
    Predict(crate::predict::Prediction),
    /// Switch between watching and predicting (`mode=`), and the level.
    /// (A build without predict mode hands the page to one with it.)
    SetPredict {
        on: bool,
        full_level: bool,
    },
    /// Fold or unfold these panels on a phone.
    Fold(u8),
    /// Unfold the plots (`plots=1`): the first page hands the view over to
    /// the build that draws them.
    ShowPlots,
    /// Show each host's program beside the ladder (`code=1`), or not.
    /// (A build without the socket calls hands the page to one with them.)
    SetCode(bool),
    /// Replay this capture's conversation in place of the lesson.
    #[cfg(feature = "full")]
    CaptureLoaded(Rc<crate::capture_protocol::Replayed>),
    /// A capture's sequence numbers as captured (true) or from 0.
    #[cfg(feature = "full")]
    SetAbsoluteSeq(bool),
}

impl AppState {
    /// Builds the state a URL asks for. `secret` is used when the URL asks
    /// for random ISNs.
    pub fn new(params: Params, mut notices: Vec<String>, secret: u64, still: bool) -> AppState {
        let isn_secret = params.random_isn.then_some(secret);
        let story = Rc::new(run(&params.scenario, isn_secret, &[], &Lab::default()));
        let last = story.steps.len();
        let mut params = params;
        // A capture's steps are known only once it is read.
        if params.step > last && params.capture.is_none() {
            notices.push(format!(
                "Ignored “step={}”: this scenario has steps 0 to {last}",
                params.step
            ));
            params.step = 0;
        }
        let mut state = AppState {
            dump: Rc::default(),
            plots: Rc::default(),
            hover: None,
            glossary: None,
            step: params.step,
            moment: story.moment(params.step),
            playing: params.autoplay && !params.predict && params.step < last,
            params,
            isn_secret,
            story,
            target: None,
            dwell: 0.0,
            selected: None,
            notices,
            still,
            unfolded: 0,
            embed_open: false,
            faults: Vec::new(),
            lab: Lab::default(),
            lesson: None,
            phrases: None,
            key_moments: Rc::default(),
            #[cfg(feature = "full")]
            listings: [None, None],
            #[cfg(feature = "full")]
            calls: Rc::default(),
            #[cfg(feature = "full")]
            placed: Default::default(),
            #[cfg(feature = "full")]
            comparison: None,
            #[cfg(feature = "full")]
            compare_options: Rc::default(),
            #[cfg(feature = "full")]
            answers: Rc::default(),
            #[cfg(feature = "full")]
            capture: None,
            #[cfg(feature = "full")]
            absolute_seq: false,
        };
        state.moment = state.pause_at(state.step);
        state.derive();
        state
    }

    /// Each host's program for the lesson shown, once fetched.
    #[cfg(feature = "full")]
    pub fn listings(&self) -> [Option<Rc<Listing>>; 2] {
        self.listings.clone().map(|l| {
            l.filter(|(id, _)| self.params.code && *id == self.params.scenario)
                .map(|(_, listing)| listing)
        })
    }

    /// Places each host's calls on the lines of its program (this lesson's).
    #[cfg(feature = "full")]
    fn place_calls(&mut self) {
        self.placed = [0, 1].map(|side| {
            let listing = self.listings[side]
                .as_ref()
                .filter(|(id, _)| *id == self.params.scenario);
            let calls: Vec<_> = self.calls[side].iter().map(|c| c.call).collect();
            // A listing that misses a call places those before it.
            let lines = listing.map(|(_, l)| l.place(&calls).or_else(|i| l.place(&calls[..i])));
            Rc::new(lines.and_then(Result::ok).unwrap_or_default())
        });
    }

    /// This state with lesson `id`'s script (or why it is missing).
    pub fn with_lesson(mut self, id: String, lesson: Result<Rc<Lesson>, String>) -> AppState {
        self.lesson = Some((id, lesson));
        self.find_key_moments();
        self
    }

    /// What the inspector's pointer or cursor is on, if it is on the step
    /// the inspector shows.
    pub fn hovered(&self) -> Option<Hover> {
        self.hover.filter(|(n, _)| *n == self.focus()).map(|(_, h)| h)
    }

    /// The shown lesson's script, if it has arrived.
    pub fn lesson(&self) -> Option<Result<Rc<Lesson>, String>> {
        self.lesson
            .as_ref()
            .filter(|(id, _)| *id == self.params.scenario)
            .map(|(_, lesson)| lesson.clone())
    }

    /// Finds the lesson's key moments in the run shown (once per run, not
    /// per frame: the congestion lesson has hundreds of steps).
    fn find_key_moments(&mut self) {
        // A capture is no lesson: none of its moments are in it.
        #[cfg(feature = "full")]
        if self.capture.is_some() {
            self.key_moments = Rc::default();
            return;
        }
        self.key_moments = Rc::new(match self.lesson() {
            Some(Ok(lesson)) => lesson.moments_in(&self.story),
            _ => Vec::new(),
        });
    }

    /// The step shown.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The step the narration and inspector are about.
    pub fn focus(&self) -> usize {
        self.selected
            .or(self.target)
            .unwrap_or_else(|| self.step())
            .min(self.story.steps.len())
    }

    pub fn animating(&self) -> bool {
        self.playing || self.target.is_some()
    }

    fn last(&self) -> usize {
        self.story.steps.len()
    }

    /// How much predict mode asks.
    #[cfg(feature = "full")]
    pub fn predict_level(&self) -> crate::predict::Level {
        if self.params.full_level {
            crate::predict::Level::Full
        } else {
            crate::predict::Level::Easy
        }
    }

    /// Predict mode's score over the answers given in this run.
    #[cfg(feature = "full")]
    pub fn predict_score(&self) -> crate::predict::Score {
        crate::predict::Score::of(self.answers.values())
    }

    /// Where the clock stops at step `n`: the step complete, except in
    /// predict mode when the next segment leaves before that. Then the clock
    /// stops as it leaves, so the answer is not yet on the wire and, once
    /// checked, it travels as it did in the run.
    pub fn pause_at(&self, n: usize) -> Moment {
        let done = self.story.moment(n);
        // Only the full build predicts: the first page hands it over.
        #[cfg(feature = "full")]
        if let Some(next) =
            (self.story.steps.get(n)).filter(|next| self.params.predict && next.sent_record < done.cursor)
        {
            return Moment {
                time: next.sent_at.micros() as f64,
                cursor: next.sent_record,
            };
        }
        done
    }

    fn jump(&mut self, n: usize) {
        let n = n.min(self.last());
        self.step = n;
        self.moment = self.pause_at(n);
        self.target = None;
        self.playing = false;
        self.selected = None;
        self.params.step = n;
    }

    /// Runs the engine again with the current choices and shows step `n`
    /// (or the last one, if the new run is shorter).
    fn rerun(&mut self, n: usize) {
        self.story = Rc::new(run(&self.params.scenario, self.isn_secret, &self.faults, &self.lab));
        self.notices.retain(|text| !text.starts_with(CUT_SHORT));
        if self.story.trace.truncated {
            self.notices.push(format!(
                "{CUT_SHORT} after {} s of simulated time, with data still to deliver: \
                 segments on the wire then are shown where they were.",
                self.story.trace.end.micros() / 1_000_000
            ));
        }
        self.derive();
        self.jump(n);
    }

    /// Makes the capture being replayed the story, at step `n`.
    #[cfg(feature = "full")]
    fn show_capture(&mut self, n: usize) {
        use crate::capture_protocol::ReplayTrace;
        // One that cannot be played (no packets) shows an empty wire.
        let unspecified = std::net::IpAddr::from([0u8; 4]);
        let nothing = || {
            ReplayTrace {
                client: unspecified,
                server: unspecified,
                end: 0,
                records: Vec::new(),
            }
            .trace()
        };
        let trace = self
            .capture
            .as_ref()
            .and_then(|c| c.trace.as_ref())
            .map_or_else(nothing, |t| t.trace());
        let isn = self.capture.as_ref().map_or([0, 0], |c| c.isn);
        self.story = Rc::new(Story::new(capture_numbers(trace, isn, self.absolute_seq)));
        self.derive();
        self.jump(n.min(self.last()));
    }

    /// What the panels show of the run, worked out once per run (not per
    /// frame): the capture's text, the plots, the lesson's key moments.
    fn derive(&mut self) {
        self.dump = self.story.trace.text().into();
        #[cfg(feature = "full")]
        {
            use tcpsim::net::Side;
            self.calls = Rc::new(
                [Side::Client, Side::Server].map(|side| tcpsim::scenario::listing::calls(&self.story.trace, side)),
            );
            self.place_calls();
        }
        // The first page draws no plots (see `plot::PLOTTED`).
        #[cfg(not(feature = "full"))]
        let plots = Plots::default();
        #[cfg(feature = "full")]
        let plots = Plots::new(&self.story);
        #[cfg(feature = "full")]
        let plots = Plots {
            flight: (self.capture.as_ref()).and_then(|c| crate::plot::FlightPlot::new(&self.story, &c.steps)),
            ..plots
        };
        self.plots = Rc::new(plots);
        self.find_key_moments();
        #[cfg(feature = "full")]
        {
            self.compare();
            // Answers were about the run that was; a new run starts afresh.
            self.answers = Rc::default();
        }
    }

    /// Runs the second run compare mode asks for, if any.
    #[cfg(feature = "full")]
    fn compare(&mut self) {
        use tcpsim::scenario::compare::Variant;
        self.compare_options = Rc::new(comparison::variants_for(&self.params.scenario, &self.lab));
        let variant = self.params.compare.as_deref().and_then(Variant::parse);
        self.comparison = variant.map(|v| {
            let s = &*self;
            Rc::new(comparison::Comparison::new(
                &s.story,
                &s.params.scenario,
                s.isn_secret,
                &s.faults,
                &s.lab,
                v,
            ))
        });
    }

    /// Moves the clock on by `ms` of real time towards the goal.
    fn advance(&mut self, ms: f64) {
        let speed = self.params.speed;
        let goal_step = match (self.playing, self.target) {
            (true, _) => self.last(),
            (false, Some(t)) => t,
            (false, None) => return,
        };
        let goal = self.pause_at(goal_step);
        if self.dwell > 0.0 {
            self.dwell -= ms * speed;
            return;
        }
        let before = self.step;
        if self.still {
            // No travel: the next step happens at once, then a pause.
            self.step = (before + 1).min(goal_step);
            self.moment = self.pause_at(self.step);
            self.dwell = STILL_STEP_MS;
        } else {
            let idle = self.story.in_flight(self.moment).is_empty();
            let mut time = self.moment.time + ms * speed * SIM_US_PER_MS;
            if idle {
                // Nothing on the wire: skip the quiet time to the next event.
                if let Some(next) = self.story.next_time(self.moment.cursor) {
                    time = time.max(next);
                }
            }
            let time = time.min(goal.time);
            let cursor = self.story.cursor_at(time, self.moment.cursor, goal.cursor);
            self.moment = Moment { time, cursor };
            if time >= goal.time {
                self.moment = goal;
            }
            // Playing counts the steps one at a time, even when several
            // complete within a frame or at the same instant.
            if self.playing && self.story.step_at(self.moment) > before {
                self.step = before + 1;
                self.moment = self.pause_at(self.step);
            }
        }
        self.params.step = self.step;
        if self.moment == goal && (self.target.is_some() || self.step >= goal_step) {
            self.moment = goal;
            self.target = None;
            self.playing = false;
            self.step = goal_step;
            self.params.step = goal_step;
        } else if self.step > before && self.playing && !self.still {
            self.dwell = DWELL_MS;
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::Tick(_) = action {
            if !self.animating() {
                return self;
            }
        }
        // A capture is what was captured: nothing re-runs it.
        #[cfg(feature = "full")]
        if self.capture.is_some()
            && matches!(
                action,
                Action::Fault(..)
                    | Action::ClearFaults
                    | Action::SetLab(_)
                    | Action::SetRandomIsn(_)
                    | Action::SetCompare(_)
                    | Action::Predict(_)
                    | Action::SetPredict { .. }
            )
        {
            return self;
        }
        let mut s = (*self).clone();
        match action {
            Action::Tick(ms) => s.advance(ms.clamp(0.0, 100.0)),
            // Predicting, each segment is shown once it is predicted (or skipped).
            Action::TogglePlay if s.params.predict => return self,
            Action::TogglePlay => {
                if s.playing {
                    s.playing = false;
                } else {
                    if s.step >= s.last() {
                        s.jump(0);
                    }
                    s.playing = true;
                    s.target = None;
                    s.selected = None;
                    s.dwell = 0.0;
                }
            }
            Action::StepForward => {
                let next = s.target.unwrap_or(s.step) + 1;
                if next > s.last() {
                    return self;
                }
                // Finish any step under way first.
                let from = next - 1;
                s.jump(from);
                if s.still {
                    s.jump(next);
                } else {
                    s.target = Some(next);
                }
            }
            Action::StepBack => {
                let step = s.step;
                let here = s.pause_at(step);
                let mid_step = s.target.is_some() || s.moment != here;
                s.jump(if mid_step { step } else { step.saturating_sub(1) });
            }
            Action::Restart => s.jump(0),
            Action::GoTo(n) => s.jump(n),
            Action::SetSpeed(speed) => s.params.speed = speed,
            Action::SetRandomIsn(secret) => {
                s.isn_secret = secret;
                s.params.random_isn = secret.is_some();
                s.rerun(s.step());
            }
            Action::SetScenario(id) => {
                #[cfg(feature = "full")]
                {
                    s.capture = None;
                    s.params.capture = None;
                }
                s.params.scenario = id;
                s.faults.clear();
                s.lab = Lab::default();
                s.rerun(0);
            }
            Action::Fault(n, action) => {
                let Some(step) = s.story.steps.get(n.wrapping_sub(1)) else {
                    return self;
                };
                // The wire counts each side's datagrams from 1, in the order sent.
                let from = step.from;
                let nth = s.story.steps[..n].iter().filter(|x| x.from == from).count() as u32;
                s.faults.retain(|f| !(f.from == from && f.nth == nth));
                s.faults.push(ScriptedFault { from, nth, action });
                // Show the faulted segment and what the wire did to it.
                s.rerun(n);
                s.selected = None;
            }
            Action::ClearFaults => {
                s.faults.clear();
                let step = s.step();
                s.rerun(step);
            }
            Action::SetLab(lab) => {
                s.lab = lab;
                let step = s.step();
                s.rerun(step);
            }
            Action::Select(n) => s.selected = (n >= 1 && n <= s.last()).then_some(n),
            Action::Dismiss(i) => {
                if i < s.notices.len() {
                    s.notices.remove(i);
                }
            }
            Action::ToggleEmbed => s.embed_open = !s.embed_open,
            Action::Lesson(id, lesson) => s = s.with_lesson(id, lesson),
            #[cfg(feature = "full")]
            Action::Listing(id, side, listing) => {
                if let Some(slot) = s.listings.get_mut(side) {
                    *slot = Some((id, listing));
                    s.place_calls();
                }
            }
            Action::Phrases(phrases) => s.phrases = Some(phrases),
            Action::Hover(hover) => s.hover = hover,
            Action::Glossary(words) => s.glossary = Some(words),
            Action::KeyMoment(k) => match s.key_moments.get(k) {
                Some(&(n, _)) => s.jump(n),
                None => return self,
            },
            #[cfg(feature = "full")]
            Action::SetCompare(id) => {
                s.params.compare = id;
                s.compare();
            }
            #[cfg(feature = "full")]
            Action::Predict(prediction) => {
                let n = s.target.unwrap_or(s.step) + 1;
                let Some(step) = s.story.steps.get(n - 1) else {
                    return self;
                };
                let fields = crate::predict::fields(&s.story, step, s.predict_level());
                let verdicts = crate::predict::check(&s.story, step, &fields, &prediction);
                Rc::make_mut(&mut s.answers).insert(n, verdicts);
                return Rc::new(s).reduce(Action::StepForward);
            }
            #[cfg(feature = "full")]
            Action::CaptureLoaded(replayed) => {
                // The first capture of `?capture=…&step=n` opens at step n.
                let first = s.capture.is_none() && s.params.capture.is_some();
                let n = if first { s.params.step } else { 0 };
                s.capture = Some(replayed);
                s.params.compare = None;
                s.params.predict = false;
                s.faults.clear();
                s.lab = Lab::default();
                s.show_capture(n);
            }
            #[cfg(feature = "full")]
            Action::SetAbsoluteSeq(on) => {
                s.absolute_seq = on;
                let step = s.step();
                s.show_capture(step);
            }
            Action::SetCode(on) => s.params.code = on,
            Action::ShowPlots => s.params.plots = true,
            Action::Fold(bits) => s.unfolded ^= bits,
            Action::SetPredict { on, full_level } => {
                s.params.predict = on;
                s.params.full_level = full_level;
                let step = s.step();
                s.jump(step);
            }
        }
        Rc::new(s)
    }
}

/// A capture's trace with its sequence numbers counted from each side's
/// first (Wireshark's relative numbers), unless `absolute`. The bytes stay
/// as captured.
#[cfg(feature = "full")]
fn capture_numbers(mut trace: tcpsim::trace::Trace, isn: [u32; 2], absolute: bool) -> tcpsim::trace::Trace {
    use tcpsim::net::Side;
    use tcpsim::trace::What;
    if absolute {
        return trace;
    }
    for r in &mut trace.records {
        if let What::Sent { segment, .. } = &mut r.what {
            let (own, other) = match r.side {
                Side::Client => (isn[0], isn[1]),
                Side::Server => (isn[1], isn[0]),
            };
            segment.seq = segment.seq.wrapping_sub(own);
            if segment.flags.ack() {
                segment.ack = segment.ack.wrapping_sub(other);
            }
        }
    }
    trace
}

/// Runs a scenario in the engine. The id was checked when the URL was read;
/// an unknown one falls back to the default story rather than failing.
pub fn run(id: &str, isn_secret: Option<u64>, faults: &[ScriptedFault], lab: &Lab) -> Story {
    run_with(id, isn_secret, faults, lab, &|_| {})
}

/// The same, with `change` made to the setup after the lab's.
fn run_with(
    id: &str,
    isn_secret: Option<u64>,
    faults: &[ScriptedFault],
    lab: &Lab,
    change: &dyn Fn(&mut Setup),
) -> Story {
    let options = RunOptions {
        random_isn: isn_secret,
        faults: faults.to_vec(),
        ..RunOptions::default()
    };
    let scenario = find(id);
    let mut setup = (scenario.setup)();
    let delays_acks = setup.client.delayed_ack.is_some() || setup.server.delayed_ack.is_some();
    lab.apply(&mut setup);
    change(&mut setup);
    Story {
        as_designed: faults.is_empty() && *lab == Lab::default(),
        delays_acks,
        ..Story::new(scenario::run_setup(scenario.id, setup, &options))
    }
}

/// The two hosts' settings of scenario `id` (or the default story), as
/// the lab changes them.
#[cfg(feature = "full")]
fn hosts_of(id: &str, lab: &Lab) -> [tcpsim::tcp::Config; 2] {
    let mut setup = (find(id).setup)();
    lab.apply(&mut setup);
    [setup.client, setup.server]
}

fn find(id: &str) -> &'static scenario::Scenario {
    scenario::find(id).unwrap_or(&scenario::ALL[0])
}

#[cfg(test)]
mod tests {
    //! The reducer, driven as the page drives it, without a browser.

    use super::*;
    use tcpsim::net::Side;
    use tcpsim::tcp::{Event, RetransmitReason};
    use tcpsim::trace::What;

    fn state(query: &str, still: bool) -> Rc<AppState> {
        let (params, notices) = Params::parse(query);
        Rc::new(AppState::new(params, notices, 7, still))
    }

    fn after(s: Rc<AppState>, actions: impl IntoIterator<Item = Action>) -> Rc<AppState> {
        actions.into_iter().fold(s, |s, a| s.reduce(a))
    }

    /// Ticks until playback stops (bounded: a livelock fails the test).
    fn settle(mut s: Rc<AppState>) -> Rc<AppState> {
        for _ in 0..100_000 {
            if !s.animating() {
                return s;
            }
            s = s.reduce(Action::Tick(16.0));
        }
        panic!("playback never settled at step {}", s.step());
    }

    #[test]
    fn stepping_moves_one_step_each_way() {
        let s = state("?step=4", true);
        assert_eq!(s.step(), 4);
        let s = after(s, [Action::StepForward]);
        assert_eq!((s.step(), s.params.step), (5, 5));
        let s = after(s, [Action::StepBack, Action::StepBack]);
        assert_eq!(s.step(), 3);
        let s = after(s, [Action::Restart]);
        assert_eq!(s.step(), 0);
        let s = after(s, [Action::GoTo(99)]);
        assert_eq!(s.step(), s.story.steps.len(), "GoTo past the end stops at the end");
    }

    #[test]
    fn deep_links_and_steps_land_on_the_step_they_name() {
        for scenario in scenario::ALL {
            let id = scenario.id;
            let last = state(&format!("?scenario={id}"), true).story.steps.len();
            // Every step of a short story; of a long one (each link runs
            // the whole scenario again), the first and last hundred and
            // every 37th between.
            let checked = (0..=last).filter(|&n| last <= 400 || n <= 100 || n + 100 >= last || n % 37 == 0);
            for n in checked {
                let s = state(&format!("?scenario={id}&step={n}"), true);
                assert_eq!((s.step(), s.params.step, s.focus()), (n, n, n), "{id}: step={n}");
                assert_eq!(s.moment, s.story.moment(n));
                if n < last {
                    for still in [true, false] {
                        let s = settle(after(
                            state(&format!("?scenario={id}&step={n}"), still),
                            [Action::StepForward],
                        ));
                        assert_eq!(
                            (s.step(), s.params.step),
                            (n + 1, n + 1),
                            "{id}: → from {n} (still {still})"
                        );
                        assert_eq!(s.moment, s.story.moment(n + 1), "{id}: → from {n}");
                    }
                }
                if n > 0 {
                    let s = after(s, [Action::StepBack]);
                    assert_eq!(s.step(), n - 1, "{id}: ← from {n}");
                }
            }
        }
    }

    #[test]
    fn playing_shows_every_step_once_in_order() {
        for scenario in scenario::ALL {
            let id = scenario.id;
            for still in [true, false] {
                let mut s = after(state(&format!("?scenario={id}"), still), [Action::TogglePlay]);
                let mut seen = vec![0];
                for _ in 0..1_000_000 {
                    if !s.animating() {
                        break;
                    }
                    s = s.reduce(Action::Tick(16.0));
                    if seen.last() != Some(&s.step()) {
                        seen.push(s.step());
                    }
                }
                let all: Vec<usize> = (0..=s.story.steps.len()).collect();
                assert_eq!(seen, all, "{id} (still {still})");
            }
        }
    }

    #[test]
    fn an_animated_step_arrives_after_ticks() {
        let s = after(state("?step=0", false), [Action::StepForward]);
        assert_eq!(s.target, Some(1));
        assert_eq!(s.step(), 0, "the SYN is still on its way");
        let s = settle(s);
        assert_eq!((s.step(), s.target), (1, None));
    }

    #[test]
    fn playing_runs_to_the_end_and_play_again_restarts() {
        let s = settle(after(state("?step=0", true), [Action::TogglePlay]));
        assert_eq!(s.step(), s.story.steps.len());
        assert!(!s.playing);
        let s = after(s, [Action::TogglePlay]);
        assert!(s.playing && s.step() == 0);
    }

    #[test]
    fn a_tick_while_nothing_plays_changes_nothing() {
        let s = state("?step=2", true);
        let t = s.clone().reduce(Action::Tick(16.0));
        assert!(Rc::ptr_eq(&s, &t));
    }

    #[test]
    fn dropping_the_request_makes_the_engine_resend_it() {
        let s = state("?step=4", true);
        let request = s.story.steps[3].clone();
        assert!(request.from == Side::Client && request.segment.len > 0);
        let s = after(s, [Action::Fault(4, FaultAction::Drop)]);
        assert_eq!(s.faults.len(), 1);
        assert_eq!(
            (s.faults[0].from, s.faults[0].nth),
            (Side::Client, 3),
            "the client's third datagram"
        );
        assert!(
            matches!(s.story.steps[3].fate, story::Fate::Dropped { .. }),
            "step 4 is lost"
        );
        let resent = s.story.trace.records.iter().any(|r| {
            matches!(
                r.what,
                What::Engine {
                    event: Event::Retransmit {
                        reason: RetransmitReason::Timeout,
                        ..
                    }
                }
            )
        });
        assert!(resent, "the engine's own timeout brings the request back");
        assert!(!s.story.as_designed);
        let s = after(s, [Action::ClearFaults]);
        assert!(s.faults.is_empty() && s.story.as_designed);
    }

    #[test]
    fn another_scenario_starts_clean() {
        let s = after(
            state("?step=4", true),
            [
                Action::Fault(4, FaultAction::Drop),
                Action::SetScenario("refused".into()),
            ],
        );
        assert!(s.faults.is_empty() && s.lab == Lab::default());
        assert_eq!((s.step(), s.story.trace.scenario.as_str()), (0, "refused"));
    }

    #[cfg(feature = "full")]
    #[test]
    fn predicting_checks_the_next_step_shows_it_and_keeps_one_answer_per_step() {
        use crate::predict::Prediction;
        let s = state("?scenario=curl&mode=predict&step=1&autoplay=1", true);
        assert!(!s.playing, "predict mode never plays on its own");
        assert!(!after(s.clone(), [Action::TogglePlay]).playing);
        let synack = s.story.steps[1].segment;
        let right = Prediction {
            flags: Some(synack.flags),
            ack: Some(synack.ack),
            ..Prediction::default()
        };
        let s = settle(after(s, [Action::Predict(right)]));
        assert_eq!(s.step(), 2);
        assert_eq!((s.predict_score().right, s.predict_score().asked), (2, 2));
        // A wrong answer to step 3, then a retry that replaces it.
        let s = settle(after(s, [Action::Predict(Prediction::default())]));
        let wrong = s.predict_score();
        assert!(wrong.right == 2 && wrong.asked > 2, "{wrong:?}");
        let ack = s.story.steps[2].segment.ack;
        let s = settle(after(
            s,
            [
                Action::GoTo(2),
                Action::Predict(Prediction {
                    ack: Some(ack),
                    ..Prediction::default()
                }),
            ],
        ));
        assert_eq!(s.answers.len(), 2);
        assert!(s.predict_score().right > 2);
        // A new run (random ISNs) starts the score afresh.
        let s = after(s, [Action::SetRandomIsn(Some(9))]);
        assert!(s.answers.is_empty());
        assert!(s.params.to_query().contains("&mode=predict"));
    }

    #[cfg(feature = "full")]
    #[test]
    fn a_predicted_segment_sent_before_the_last_one_arrived_still_travels() {
        use crate::predict::Prediction;
        // The default story: the client sends its ACK (3) and the request
        // (4) at the same instant, so the request is under way by the time
        // step 3 is complete.
        let s = state("?scenario=curl&mode=predict&step=3", false);
        let (ack, request) = (&s.story.steps[2], &s.story.steps[3]);
        assert_eq!(ack.sent_at, request.sent_at);
        assert!(s.story.moment(3).cursor > request.sent_record);
        // Predicting, the clock stops as the request leaves: the ACK is on
        // the wire, the request not yet.
        let on_wire = |s: &AppState| s.story.in_flight(s.moment).iter().map(|f| f.step).collect::<Vec<_>>();
        assert_eq!(s.moment.cursor, request.sent_record);
        assert_eq!(on_wire(&s), [3]);
        // Checked, it travels with the ACK, then the step is complete.
        let mut s = after(s, [Action::Predict(Prediction::default()), Action::Tick(16.0)]);
        assert_eq!(on_wire(&s), [3, 4]);
        s = settle(s);
        assert_eq!(s.step(), 4);
        // Watching, nothing changes: step 3 is shown complete.
        let s = state("?scenario=curl&step=3", false);
        assert_eq!(s.moment, s.story.moment(3));
    }

    #[cfg(feature = "full")]
    #[test]
    fn compare_mode_runs_the_same_wire_again_and_says_what_differs() {
        use crate::components::compare_panel::summary_line;
        let s = state("?scenario=sack&compare=no-sack", true);
        let c = s.comparison.as_deref().expect("a second run");
        assert_eq!(
            c.labels,
            ["NewReno with SACK".to_string(), "NewReno without SACK".to_string()]
        );
        // The wire's round trip is 50 ms (25 ms each way): SACK repairs the
        // three holes at once, NewReno one per round trip.
        let line = summary_line(c);
        assert!(
            line.contains("NewReno with SACK finishes 50 ms sooner, about 1 round trip"),
            "{line}"
        );
        assert!(line.contains("resent: 3 and 3"), "{line}");
        // Both plots share one time axis.
        let t_end = |k: usize| c.plots[k].window.as_ref().map(|w| w.axes.t_end);
        assert_eq!(t_end(0), t_end(1));
        // A lab change re-runs both; choosing nothing ends compare mode.
        let s = after(
            s,
            [Action::SetLab(Lab {
                latency_ms: Some(100),
                ..Lab::default()
            })],
        );
        let line = summary_line(s.comparison.as_deref().unwrap());
        assert!(line.contains("200 ms sooner, about 1 round trip"), "{line}");
        let s = after(s, [Action::SetCompare(None)]);
        assert!(s.comparison.is_none() && s.params.compare.is_none());
        // Only changes that make a difference are offered: `sack` already
        // has SACK on, and NewReno, and teaching hosts otherwise.
        use tcpsim::scenario::compare::Variant;
        assert!(!s.compare_options.contains(&Variant::Sack) && !s.compare_options.contains(&Variant::NewReno));
        assert!(s.compare_options.contains(&Variant::NoSack) && s.compare_options.contains(&Variant::Cubic));
    }

    #[test]
    fn a_step_beyond_the_end_is_refused_with_a_notice() {
        let s = state("?step=40", true);
        assert_eq!(s.step(), 0);
        assert!(s.notices.iter().any(|n| n.contains("step=40")));
    }
}
