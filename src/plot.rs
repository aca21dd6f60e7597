//! The two plots' data, worked out once per run (the app keeps it with the
//! run), and what they share: geometry, gridlines with values, and a
//! playback cursor that moves by a CSS variable, so a frame of playback
//! redraws nothing but the cursor.

use crate::components::svg_num;
use crate::narration::duration;
use crate::state::story::{Step, Story};
use tcpsim::tcp::{Event, Phase, RetransmitReason, Timer};
use tcpsim::trace::What;
use yew::prelude::*;

/// A run shows its plots unfolded from this many data segments on: fewer
/// say little on a plot.
#[cfg(any(test, feature = "full"))]
pub const PLOTTED_FROM: usize = 8;

/// The lessons whose runs, as designed, have `PLOTTED_FROM` data segments
/// or more. They open in the build that draws the plots, `full/` (see
/// `hooks::hand_over_to_full_build`), and so does any view that asks for
/// the plots (`plots=1`).
pub const PLOTTED: &[&str] = &["fast-retransmit", "zero-window", "congestion"];

/// The viewBox of both plots, and the margins around the axes (the left
/// one holds the y values).
pub const W: i64 = 640;
pub const H: i64 = 230;
pub const PAD: i64 = 22;
pub const LEFT: i64 = 52;

/// A plot's axes: time across, a value up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axes {
    /// µs at the right end.
    pub t_end: u64,
    /// The value at the top, a whole number of `step`s.
    pub top: u64,
    /// Between gridlines.
    pub step: u64,
    /// What one unit of the value is called, after the number ("seg", "KB").
    pub unit: &'static str,
    /// The value's units per labelled unit (1460 for segments of 1460 bytes).
    pub per: u64,
}

impl Axes {
    fn new(t_end: u64, max: u64, per: u64, unit: &'static str) -> Axes {
        let per = per.max(1);
        let step = nice_step(max.div_ceil(per), 5) * per;
        Axes {
            t_end: t_end.max(1),
            top: max.div_ceil(step).max(1) * step,
            step,
            unit,
            per,
        }
    }

    pub fn x(&self, t: u64) -> i64 {
        LEFT + (t.min(self.t_end) as i64 * (W - LEFT - PAD)) / self.t_end as i64
    }

    pub fn y(&self, v: u64) -> i64 {
        H - PAD - (v.min(self.top) as i64 * (H - 2 * PAD)) / self.top as i64
    }
}

/// 1, 2 or 5 times a power of ten: the smallest such step that cuts `max`
/// into at most `lines` parts.
fn nice_step(max: u64, lines: u64) -> u64 {
    let mut step = 1;
    loop {
        for k in [1, 2, 5] {
            if max <= k * step * lines {
                return k * step;
            }
        }
        step *= 10;
    }
}

/// The axes with gridlines and their values, and the cursor.
pub fn frame(a: &Axes) -> Html {
    let t_step = nice_step(a.t_end, 6).max(1);
    html! {
        <>
            { for (0..=a.top / a.step).map(|k| {
                let v = k * a.step;
                let y = a.y(v);
                html! { <>
                    <line class="grid" x1={svg_num(LEFT)} y1={svg_num(y)} x2={svg_num(W - PAD)} y2={svg_num(y)} />
                    <text class="tick" x={svg_num(LEFT - 4)} y={svg_num(y + 4)} text-anchor="end">{ format!("{} {}", v / a.per, a.unit) }</text>
                </> }
            }) }
            { for (0..=a.t_end / t_step).map(|k| {
                let x = a.x(k * t_step);
                html! { <>
                    <line class="grid" x1={svg_num(x)} y1={svg_num(PAD)} x2={svg_num(x)} y2={svg_num(H - PAD)} />
                    <text class="tick" x={svg_num(x)} y={svg_num(H - PAD + 14)} text-anchor="middle">{ duration(k * t_step) }</text>
                </> }
            }) }
            <line class="axis" x1={svg_num(LEFT)} y1={svg_num(H - PAD)} x2={svg_num(W - PAD)} y2={svg_num(H - PAD)} />
            <line class="axis" x1={svg_num(LEFT)} y1={svg_num(PAD)} x2={svg_num(LEFT)} y2={svg_num(H - PAD)} />
        </>
    }
}

/// The cursor line at time 0, shifted to `time` by the frame's style.
pub fn cursor() -> Html {
    html! { <line class="cursor" x1={svg_num(LEFT)} y1={svg_num(PAD)} x2={svg_num(LEFT)} y2={svg_num(H - PAD)} /> }
}

/// The style that puts the cursor at time `t` (CSS px on an SVG element
/// are user units).
pub fn cursor_style(a: &Axes, t: u64) -> String {
    format!("--cursor-x: {}px", a.x(t) - LEFT)
}

/// Points as SVG wants them, `x,y x,y …`, as steps: each value holds
/// until the next one (a window changes at a report, not in between).
fn points(list: impl Iterator<Item = (i64, i64)>) -> String {
    let mut out = String::new();
    let mut last_y = None;
    for (x, y) in list {
        if let Some(last_y) = last_y.filter(|&l| l != y) {
            out.push_str(&format!("{x},{last_y} "));
        }
        out.push_str(&format!("{x},{y} "));
        last_y = Some(y);
    }
    out
}

/// The least extent a plot's axes must cover, so that two runs' plots
/// share one scale (compare mode); zero lets a plot fit its own run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bounds {
    /// µs.
    pub t_end: u64,
    pub top: u64,
}

/// What went wrong at a moment, marked across the window plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    Timeout,
    FastRetransmit,
}

/// The data sender's congestion control over the run.
#[derive(Debug, PartialEq)]
pub struct WindowPlot {
    pub axes: Axes,
    pub samples: usize,
    pub cwnd: String,
    pub flight: String,
    /// Where ssthresh is finite.
    pub ssthresh: String,
    /// The receiver's window, clipped to the top of the scale.
    pub rwnd: String,
    /// The receiver's largest window, when it is off the scale.
    pub rwnd_off_scale: Option<u32>,
    /// CUBIC's W_max, a step at each loss (empty for other algorithms).
    pub w_max: String,
    /// BBR's estimate of the bandwidth-delay product (empty for others).
    pub bdp: String,
    /// (from x, to x, phase)
    pub bands: Vec<(i64, i64, Phase)>,
    /// (x, what)
    pub marks: Vec<(i64, Mark)>,
}

/// The data sender's window reports: (µs, cwnd, ssthresh, flight, rwnd, phase).
type Sample = (u64, u32, u32, u32, u32, Phase);

impl WindowPlot {
    pub fn new(story: &Story, at_least: Bounds) -> Option<WindowPlot> {
        let sender = story.data_sender();
        let records = &story.trace.records;
        let samples: Vec<Sample> = records
            .iter()
            .filter(|r| r.side == sender)
            .filter_map(|r| match r.what {
                What::Engine {
                    event:
                        Event::Window {
                            cwnd,
                            ssthresh,
                            flight,
                            snd_wnd,
                            phase,
                            ..
                        },
                } => Some((r.at.micros(), cwnd, ssthresh, flight, snd_wnd, phase)),
                _ => None,
            })
            .collect();
        if samples.len() < 2 {
            return None;
        }
        // ssthresh starts "arbitrarily high": it counts only once it is
        // below the receiver's window.
        let finite = |s: &Sample| s.2 <= s.4;
        let max = samples
            .iter()
            .map(|s| s.1.max(s.3).max(if finite(s) { s.2 } else { 0 }))
            .max()
            .unwrap_or(1);
        let mss = mss(story);
        let t_end = samples.last().map_or(1, |s| s.0).max(at_least.t_end);
        let axes = Axes::new(t_end, u64::from(max).max(at_least.top), u64::from(mss), "seg");
        let line = |v: fn(&Sample) -> u32| points(samples.iter().map(|s| (axes.x(s.0), axes.y(v(s).into()))));
        let rwnd_max = samples.iter().map(|s| s.4).max().unwrap_or(0);
        let mut bands: Vec<(i64, i64, Phase)> = Vec::new();
        // Each band lasts until the next begins.
        for s in &samples {
            let x = axes.x(s.0);
            if let Some(b) = bands.last_mut() {
                b.1 = x;
                if b.2 == s.5 {
                    continue;
                }
            }
            bands.push((x, x, s.5));
        }
        let marks = records
            .iter()
            .filter(|r| r.side == sender && r.at.micros() <= t_end)
            .filter_map(|r| match r.what {
                What::Engine {
                    event:
                        Event::TimerFired {
                            timer: Timer::Retransmit,
                            ..
                        },
                } => Some((axes.x(r.at.micros()), Mark::Timeout)),
                What::Engine {
                    event:
                        Event::Retransmit {
                            reason: RetransmitReason::FastRetransmit,
                            ..
                        },
                } => Some((axes.x(r.at.micros()), Mark::FastRetransmit)),
                _ => None,
            })
            .collect();
        Some(WindowPlot {
            samples: samples.len(),
            cwnd: line(|s| s.1),
            flight: line(|s| s.3),
            ssthresh: points(
                samples
                    .iter()
                    .filter(|s| finite(s))
                    .map(|s| (axes.x(s.0), axes.y(s.2.into()))),
            ),
            rwnd: line(|s| s.4),
            rwnd_off_scale: (u64::from(rwnd_max) > axes.top).then_some(rwnd_max),
            #[cfg(feature = "full")]
            w_max: model_steps(records, sender, &axes, t_end, w_max_of),
            #[cfg(feature = "full")]
            bdp: model_steps(records, sender, &axes, t_end, bdp_of),
            #[cfg(not(feature = "full"))]
            w_max: String::new(),
            #[cfg(not(feature = "full"))]
            bdp: String::new(),
            bands,
            marks,
            axes,
        })
    }
}

/// CUBIC's W_max: the window at the last loss.
#[cfg(feature = "full")]
fn w_max_of(v: &tcpsim::tcp::Variables) -> Option<u32> {
    match *v {
        tcpsim::tcp::Variables::Cubic { w_max, .. } => Some(w_max).filter(|&w| w > 0),
        _ => None,
    }
}

/// BBR's estimate of the bandwidth-delay product: bw × min_rtt.
#[cfg(feature = "full")]
fn bdp_of(v: &tcpsim::tcp::Variables) -> Option<u32> {
    v.bdp().and_then(|b| u32::try_from(b).ok()).filter(|&b| b > 0)
}

/// One of the algorithm's variables as a step line: level from each
/// report to the next.
#[cfg(feature = "full")]
fn model_steps(
    records: &[tcpsim::trace::Record],
    sender: tcpsim::net::Side,
    axes: &Axes,
    t_end: u64,
    level: fn(&tcpsim::tcp::Variables) -> Option<u32>,
) -> String {
    let reports: Vec<(u64, u32)> = records
        .iter()
        .filter(|r| r.side == sender && r.at.micros() <= t_end)
        .filter_map(|r| match &r.what {
            What::Engine {
                event: Event::CongestionVariables { variables, .. },
            } => Some((r.at.micros(), level(variables)?)),
            _ => None,
        })
        .collect();
    let ends = reports.iter().skip(1).map(|r| r.0).chain([t_end]);
    points(reports.iter().zip(ends).flat_map(|(&(t, w), end)| {
        let y = axes.y(w.into());
        [(axes.x(t), y), (axes.x(end), y)]
    }))
}

/// The segment size the data sender uses: the smaller MSS the SYNs offered.
pub fn mss(story: &Story) -> u32 {
    story
        .steps
        .iter()
        .filter_map(|s| s.segment.options.mss)
        .min()
        .map_or(536, u32::from)
}

/// The time–sequence (Stevens) plot of the data sender's bytes.
#[derive(Debug, PartialEq)]
pub struct SequencePlot {
    pub axes: Axes,
    pub segments: usize,
    /// One vertical stroke per data segment sent the first time…
    pub sent: String,
    /// …and a dot per segment sent again (a stroke could be under a pixel).
    pub resent: String,
    /// The receiver's ack number over time, stepped.
    pub acks: String,
    /// A dot per duplicate ACK.
    pub dup_acks: String,
}

impl SequencePlot {
    pub fn new(story: &Story, at_least: Bounds) -> Option<SequencePlot> {
        let sender = story.data_sender();
        let data: Vec<&Step> = story
            .steps
            .iter()
            .filter(|s| s.from == sender && s.segment.len > 0)
            .collect();
        let first = data.first()?;
        // Only the connection that carries the data (a SYN flood's forged
        // ones have their own numbers); offsets count from its ISN.
        let ports = (first.segment.src_port, first.segment.dst_port);
        let ours = |s: &Step| {
            let p = (s.segment.src_port, s.segment.dst_port);
            if s.from == sender {
                p == ports
            } else {
                (p.1, p.0) == ports
            }
        };
        let isn = story
            .steps
            .iter()
            .find(|s| s.from == sender && s.segment.flags.syn() && ours(s))?
            .segment
            .seq;
        if data.len() < 2 {
            return None;
        }
        // Offsets from the ISN, modulo 2^32, widened so that adding a
        // length cannot overflow.
        let rel = |seq: u32| u64::from(seq.wrapping_sub(isn));
        let top = data
            .iter()
            .map(|s| rel(s.segment.seq) + u64::from(s.segment.len))
            .max()?
            .max(at_least.top);
        let t_end = story.steps.last()?.sent_at.micros().max(at_least.t_end);
        let (per, unit) = if top >= 4000 { (1000, "KB") } else { (1, "B") };
        let axes = Axes::new(t_end, top, per, unit);
        let (mut sent, mut resent, mut highest) = (String::new(), String::new(), 0);
        for s in &data {
            let (start, end) = (rel(s.segment.seq), rel(s.segment.seq) + u64::from(s.segment.len));
            let x = axes.x(s.sent_at.micros());
            if end <= highest {
                resent.push_str(&format!("M{x} {}h0", axes.y(start)));
            } else {
                sent.push_str(&format!("M{x} {}V{}", axes.y(start), axes.y(end)));
            }
            highest = highest.max(end);
        }
        let mut acks = Vec::new();
        let mut dup_acks = String::new();
        let mut previous: Option<&Step> = None;
        for s in story
            .steps
            .iter()
            .filter(|s| s.from != sender && s.segment.flags.ack() && ours(s))
        {
            let (x, y) = (axes.x(s.sent_at.micros()), axes.y(rel(s.segment.ack)));
            let pure = s.segment.len == 0 && !s.segment.flags.syn() && !s.segment.flags.fin();
            let repeat =
                previous.is_some_and(|p| p.segment.ack == s.segment.ack && p.segment.window == s.segment.window);
            if pure && repeat {
                dup_acks.push_str(&format!("M{} {y}h4", x - 2));
            }
            acks.push((x, y));
            previous = Some(s);
        }
        Some(SequencePlot {
            segments: data.len(),
            sent,
            resent,
            acks: points(acks.into_iter()),
            dup_acks,
            axes,
        })
    }
}

/// The data sender's SACK scoreboard at one moment (RFC 6675), offsets
/// in bytes from SND.UNA.
#[cfg(feature = "full")]
#[derive(Clone, Debug, PartialEq)]
pub struct Scoreboard {
    /// µs.
    pub at: u64,
    pub una: u32,
    /// SND.MAX − SND.UNA.
    pub outstanding: u32,
    pub sacked: Vec<(u32, u32)>,
    pub lost: Vec<(u32, u32)>,
    /// Resent up to here (HighRxt), if anything was.
    pub resent_to: Option<u32>,
    pub pipe: u32,
}

#[cfg(feature = "full")]
impl Scoreboard {
    /// Every report of the data sender's scoreboard, in time order.
    pub fn reports(story: &Story) -> Vec<Scoreboard> {
        let sender = story.data_sender();
        story
            .trace
            .records
            .iter()
            .filter(|r| r.side == sender)
            .filter_map(|r| match &r.what {
                What::Engine {
                    event:
                        Event::Scoreboard {
                            una,
                            max,
                            sacked,
                            lost,
                            high_rxt,
                            pipe,
                            ..
                        },
                } => {
                    let offset = |s: tcpsim::wire::SeqNumber| s.since(*una) as u32;
                    let ranges = |list: &[(tcpsim::wire::SeqNumber, tcpsim::wire::SeqNumber)]| {
                        list.iter().map(|&(l, r)| (offset(l), offset(r))).collect()
                    };
                    Some(Scoreboard {
                        at: r.at.micros(),
                        una: una.0,
                        outstanding: offset(*max),
                        sacked: ranges(sacked),
                        lost: ranges(lost),
                        resent_to: high_rxt.map(offset),
                        pipe: *pipe,
                    })
                }
                _ => None,
            })
            .collect()
    }
}

/// A captured connection's flow control, as the capture shows it: the
/// data sender's bytes in flight and both sides' advertised windows (cwnd
/// is inside the sender, so no capture can show it).
#[cfg(feature = "full")]
#[derive(Debug, PartialEq)]
pub struct FlightPlot {
    pub axes: Axes,
    pub samples: usize,
    pub flight: String,
    /// The receiver's advertised window…
    pub rwnd: String,
    /// …and the data sender's own.
    pub swnd: String,
}

#[cfg(feature = "full")]
impl FlightPlot {
    /// `notes` are the capture's per-step analysis, one per step of `story`.
    pub fn new(story: &Story, notes: &[crate::capture_protocol::StepNote]) -> Option<FlightPlot> {
        let sender = story.data_sender();
        let steps = || story.steps.iter().zip(notes);
        let flight: Vec<(u64, u32)> = steps()
            .filter(|(s, _)| s.from == sender)
            .filter_map(|(s, n)| Some((s.sent_at.micros(), n.flight?)))
            .collect();
        if flight.len() < 2 {
            return None;
        }
        let window_of = |side| {
            steps()
                .filter(move |(s, _)| s.from == side)
                .map(|(s, n)| (s.sent_at.micros(), n.window))
        };
        let max = steps()
            .map(|(_, n)| n.window.max(n.flight.unwrap_or(0)))
            .max()
            .unwrap_or(1);
        let t_end = story.steps.last().map_or(1, |s| s.sent_at.micros());
        let (per, unit) = if max >= 4000 { (1000, "KB") } else { (1, "B") };
        let axes = Axes::new(t_end, max.into(), per, unit);
        let line =
            |list: &mut dyn Iterator<Item = (u64, u32)>| points(list.map(|(t, v)| (axes.x(t), axes.y(v.into()))));
        Some(FlightPlot {
            samples: flight.len(),
            flight: line(&mut flight.into_iter()),
            rwnd: line(&mut window_of(sender.other())),
            swnd: line(&mut window_of(sender)),
            axes,
        })
    }
}

/// Both plots of one run.
#[derive(Debug, Default, PartialEq)]
pub struct Plots {
    pub window: Option<WindowPlot>,
    pub sequence: Option<SequencePlot>,
    /// The SACK scoreboard's reports (none without SACK or loss).
    #[cfg(feature = "full")]
    pub scoreboard: Vec<Scoreboard>,
    /// A replayed capture's bytes in flight and windows.
    #[cfg(feature = "full")]
    pub flight: Option<FlightPlot>,
}

impl Plots {
    pub fn new(story: &Story) -> Plots {
        Plots::within(story, Bounds::default(), Bounds::default())
    }

    fn within(story: &Story, window: Bounds, sequence: Bounds) -> Plots {
        Plots {
            window: WindowPlot::new(story, window),
            sequence: SequencePlot::new(story, sequence),
            #[cfg(feature = "full")]
            scoreboard: Scoreboard::reports(story),
            #[cfg(feature = "full")]
            flight: None,
        }
    }

    /// Two runs' plots on one time axis, and each kind on one scale.
    #[cfg(feature = "full")]
    pub fn side_by_side(a: &Story, b: &Story) -> (Plots, Plots) {
        let (pa, pb) = (Plots::new(a), Plots::new(b));
        let both = [&pa, &pb];
        let bounds = |axes: &dyn Fn(&Plots) -> Option<Axes>| {
            both.iter()
                .filter_map(|p| axes(p))
                .fold(Bounds::default(), |b, a| Bounds {
                    t_end: b.t_end.max(a.t_end),
                    top: b.top.max(a.top),
                })
        };
        let window = bounds(&|p| p.window.as_ref().map(|w| w.axes));
        let sequence = bounds(&|p| p.sequence.as_ref().map(|s| s.axes));
        let t_end = window.t_end.max(sequence.t_end);
        let window = Bounds { t_end, ..window };
        let sequence = Bounds { t_end, ..sequence };
        (Plots::within(a, window, sequence), Plots::within(b, window, sequence))
    }
}

#[cfg(test)]
mod plotted_tests {
    use super::*;
    use tcpsim::scenario::{self, RunOptions};

    #[test]
    fn the_plotted_lessons_are_those_with_enough_data_segments() {
        // Modern lessons open in the full build anyway: not listed.
        let plotted: Vec<&str> = scenario::ALL
            .iter()
            .filter(|s| !s.modern)
            .filter(|s| {
                let story = Story::new(scenario::run(s.id, &RunOptions::default()).unwrap());
                story.data_segments() >= PLOTTED_FROM
            })
            .map(|s| s.id)
            .collect();
        assert_eq!(PLOTTED, plotted);
    }
}

#[cfg(test)]
mod tests {
    //! The plots' scales, checked on real runs.

    use super::*;
    use tcpsim::scenario::{self, RunOptions};

    fn plots(id: &str) -> Plots {
        Plots::new(&Story::new(scenario::run(id, &RunOptions::default()).unwrap()))
    }

    #[test]
    fn gridlines_are_round_numbers() {
        assert_eq!(nice_step(12, 5), 5);
        assert_eq!(nice_step(5, 5), 1);
        assert_eq!(nice_step(31, 5), 10);
        assert_eq!(nice_step(1, 5), 1);
        let a = Axes::new(1000, 17 * 1460, 1460, "seg");
        assert_eq!((a.step, a.top), (5 * 1460, 20 * 1460));
    }

    #[test]
    fn the_congestion_plot_is_scaled_to_cwnd_not_to_the_receivers_window() {
        let w = plots("congestion").window.unwrap();
        let mss = 1460;
        // The sawtooth peaks near 16 segments; the receiver's 256 KB window
        // is far off the scale and drawn clipped.
        assert!(w.axes.top >= 16 * mss && w.axes.top <= 25 * mss, "top {}", w.axes.top);
        assert!(w.rwnd_off_scale.is_some_and(|r| u64::from(r) > w.axes.top));
        assert!(w.marks.iter().filter(|m| m.1 == Mark::FastRetransmit).count() >= 3);
        assert!(w.bands.iter().any(|b| b.2 == Phase::CongestionAvoidance));
    }

    #[test]
    fn the_sequence_plot_marks_resends_and_duplicate_acks() {
        let s = plots("fast-retransmit").sequence.unwrap();
        assert_eq!(s.resent.matches('M').count(), 1, "one segment sent again");
        assert!(s.dup_acks.matches('M').count() >= 3, "the duplicate ACKs");
        assert_eq!(s.axes.unit, "KB");
        let curl = plots("curl").sequence.unwrap();
        assert!(curl.resent.is_empty() && curl.dup_acks.is_empty());
    }
}
