//! Congestion and flow control over time, drawn from the engine's Window
//! reports for the side that sends the most data: cwnd, ssthresh, bytes in
//! flight and the peer's advertised window, with the congestion-control
//! phases shaded and labelled, and a cursor at the playback time.

use super::{legend, svg_num};
use crate::plot::{axes, cursor_line, cursor_style, x_of, H, PAD, W};
use crate::state::story::{Shared, Story};
use tcpsim::tcp::{Event, Phase, Timer};
use tcpsim::trace::What;
use yew::prelude::*;

/// The plot at playback time `time` (µs): the chart is a component drawn
/// once per run, and a frame of playback only moves the cursor.
pub fn window_plot(story: &Shared, time: u64) -> Html {
    html! {
        <div class="plot-frame" style={cursor_style(time, end_time(story))}>
            <WindowChart story={story.clone()} />
        </div>
    }
}

struct Sample {
    at: u64,
    cwnd: u32,
    ssthresh: u32,
    flight: u32,
    rwnd: u32,
    phase: Phase,
}

/// The data sender's window reports, in order.
fn samples(story: &Story) -> Vec<Sample> {
    let sender = story.data_sender();
    story
        .trace
        .records
        .iter()
        .filter(|r| r.side == sender)
        .filter_map(|r| match &r.what {
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
            } => Some(Sample {
                at: r.at.micros(),
                cwnd: *cwnd,
                ssthresh: *ssthresh,
                flight: *flight,
                rwnd: *snd_wnd,
                phase: *phase,
            }),
            _ => None,
        })
        .collect()
}

/// The time of the last window report: the end of the time axis. Found
/// from the end of the trace, so it costs little per frame.
fn end_time(story: &Story) -> u64 {
    let sender = story.data_sender();
    story
        .trace
        .records
        .iter()
        .rev()
        .find(|r| {
            r.side == sender
                && matches!(
                    r.what,
                    What::Engine {
                        event: Event::Window { .. }
                    }
                )
        })
        .map_or(1, |r| r.at.micros())
        .max(1)
}

#[derive(Properties, PartialEq)]
struct ChartProps {
    story: Shared,
}

#[component(WindowChart)]
fn window_chart(props: &ChartProps) -> Html {
    let trace = &props.story.trace;
    let sender = props.story.data_sender();
    let samples = samples(&props.story);
    if samples.len() < 2 {
        return html! {
            <section class="plot" aria-labelledby="plot-title">
                <h2 id="plot-title">{ "Congestion window" }</h2>
                <p class="muted">{ "This run has too little data for a congestion plot." }</p>
            </section>
        };
    }
    let t_end = end_time(&props.story);
    let y_max = samples
        .iter()
        .map(|s| s.cwnd.max(s.flight).max(s.rwnd))
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    let x = |t: u64| x_of(t, t_end);
    let y = |v: u32| H - PAD - (i64::from(v).min(y_max) * (H - 2 * PAD)) / y_max;
    let line = |get: fn(&Sample) -> u32| {
        samples
            .iter()
            .map(|s| format!("{},{}", x(s.at), y(get(s))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // ssthresh starts "infinite": draw it only where it is on the chart.
    let ssthresh: Vec<String> = samples
        .iter()
        .filter(|s| i64::from(s.ssthresh) <= y_max)
        .map(|s| format!("{},{}", x(s.at), y(s.ssthresh)))
        .collect();
    // Phase bands: runs of samples in one phase.
    let mut bands: Vec<(u64, u64, Phase)> = Vec::new();
    for s in &samples {
        match bands.last_mut() {
            Some(b) if b.2 == s.phase => b.1 = s.at,
            _ => bands.push((s.at, s.at, s.phase)),
        }
    }
    let timeouts: Vec<u64> = trace
        .records
        .iter()
        .filter(|r| r.side == sender && r.at.micros() <= t_end)
        .filter(|r| {
            matches!(
                r.what,
                What::Engine {
                    event: Event::TimerFired {
                        timer: Timer::Retransmit,
                        ..
                    }
                }
            )
        })
        .map(|r| r.at.micros())
        .collect();
    html! {
        <section class="plot" aria-labelledby="plot-title">
            <h2 id="plot-title">{ format!("Congestion window of the {} (the data sender)", sender.name()) }</h2>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" data-testid="window-plot" data-points={samples.len().to_string()}
                 aria-label={format!("{} samples of cwnd, ssthresh, bytes in flight and the receiver's window over {} ms", samples.len(), t_end / 1000)}>
                { for bands.iter().map(|(a, b, phase)| {
                    let (x0, x1) = (x(*a), x(*b).max(x(*a) + 2));
                    html! { <g class={format!("band {}", phase_class(*phase))}>
                        // The name also on hover, where the band is too narrow for its label.
                        <title>{ phase.name() }</title>
                        <rect x={svg_num(x0)} y={svg_num(PAD - 14)} width={svg_num(x1 - x0)} height={svg_num(H - 2 * PAD + 14)} />
                        if x1 - x0 > 70 { <text x={svg_num(x0 + 3)} y={svg_num(PAD - 4)}>{ phase.name() }</text> }
                    </g> }
                }) }
                { axes(t_end, y_max as u64) }
                { for timeouts.iter().map(|t| html! { <g class="timeout">
                    <line x1={svg_num(x(*t))} y1={svg_num(PAD)} x2={svg_num(x(*t))} y2={svg_num(H - PAD)} />
                    <text x={svg_num(x(*t) + 2)} y={svg_num(H - PAD - 4)}>{ "timeout" }</text>
                </g> }) }
                <polyline class="series rwnd" points={line(|s| s.rwnd)} />
                <polyline class="series flight" points={line(|s| s.flight)} />
                if ssthresh.len() > 1 { <polyline class="series ssthresh" points={ssthresh.join(" ")} /> }
                <polyline class="series cwnd" points={line(|s| s.cwnd)} data-testid="cwnd-line" />
                { cursor_line() }
            </svg>
            { legend(&[
                ("cwnd", "cwnd"),
                ("ssthresh", "ssthresh"),
                ("flight", "bytes in flight"),
                ("rwnd", "receiver's window"),
                ("band slow-start", "slow start"),
                ("band avoidance", "congestion avoidance"),
                ("band recovery", "fast recovery"),
            ]) }
        </section>
    }
}

fn phase_class(p: Phase) -> &'static str {
    match p {
        Phase::SlowStart => "slow-start",
        Phase::CongestionAvoidance => "avoidance",
        Phase::FastRecovery => "recovery",
    }
}
