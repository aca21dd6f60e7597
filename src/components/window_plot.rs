//! Congestion and flow control over time, drawn from the engine's Window
//! reports for the side that sends the most data: cwnd, ssthresh, bytes in
//! flight and the peer's advertised window, with the congestion-control
//! phases shaded and labelled, and a cursor at the playback time.

use crate::state::story::Shared;
use tcpsim::net::Side;
use tcpsim::tcp::{Event, Phase, Timer};
use tcpsim::trace::What;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
    /// Playback time (µs), for the cursor.
    pub time: u64,
}

const W: i64 = 640;
const H: i64 = 220;
const PAD: i64 = 36;

struct Sample {
    at: u64,
    cwnd: u32,
    ssthresh: u32,
    flight: u32,
    rwnd: u32,
    phase: Phase,
}

#[component(WindowPlot)]
pub fn window_plot(props: &Props) -> Html {
    let trace = &props.story.trace;
    let sender = props.story.data_sender();
    let samples: Vec<Sample> = trace
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
        .collect();
    if samples.len() < 2 {
        return html! {
            <section class="plot" aria-labelledby="plot-title">
                <h2 id="plot-title">{ "Congestion window" }</h2>
                <p class="muted">{ "This run has too little data for a congestion plot." }</p>
            </section>
        };
    }
    let t_end = samples.last().map_or(1, |s| s.at).max(1);
    let y_max = samples
        .iter()
        .map(|s| s.cwnd.max(s.flight).max(s.rwnd))
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    let x = |t: u64| PAD + (t as i64 * (W - 2 * PAD)) / t_end as i64;
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
    let cursor = x(props.time.min(t_end));
    html! {
        <section class="plot" aria-labelledby="plot-title">
            <h2 id="plot-title">{ format!("Congestion window of the {} (the data sender)", if sender == Side::Client { "client" } else { "server" }) }</h2>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" data-testid="window-plot" data-points={samples.len().to_string()}
                 aria-label={format!("{} samples of cwnd, ssthresh, bytes in flight and the receiver's window over {} ms", samples.len(), t_end / 1000)}>
                { for bands.iter().map(|(a, b, phase)| {
                    let (x0, x1) = (x(*a), x(*b).max(x(*a) + 2));
                    html! { <g class={classes!("band", phase_class(*phase))}>
                        <rect x={x0.to_string()} y={(PAD - 14).to_string()} width={(x1 - x0).to_string()} height={(H - 2 * PAD + 14).to_string()} />
                        if x1 - x0 > 70 { <text x={(x0 + 3).to_string()} y={(PAD - 4).to_string()}>{ phase_name(*phase) }</text> }
                    </g> }
                }) }
                <line class="axis" x1={PAD.to_string()} y1={(H - PAD).to_string()} x2={(W - PAD).to_string()} y2={(H - PAD).to_string()} />
                <line class="axis" x1={PAD.to_string()} y1={PAD.to_string()} x2={PAD.to_string()} y2={(H - PAD).to_string()} />
                <text class="tick" x={PAD.to_string()} y={(H - PAD + 14).to_string()}>{ "0" }</text>
                <text class="tick" x={(W - PAD).to_string()} y={(H - PAD + 14).to_string()} text-anchor="end">{ format!("{} ms", t_end / 1000) }</text>
                <text class="tick" x="2" y={(PAD + 4).to_string()}>{ format!("{}K", y_max / 1000) }</text>
                { for timeouts.iter().map(|t| html! { <g class="timeout">
                    <line x1={x(*t).to_string()} y1={PAD.to_string()} x2={x(*t).to_string()} y2={(H - PAD).to_string()} />
                    <text x={(x(*t) + 2).to_string()} y={(H - PAD - 4).to_string()}>{ "timeout" }</text>
                </g> }) }
                <polyline class="series rwnd" points={line(|s| s.rwnd)} />
                <polyline class="series flight" points={line(|s| s.flight)} />
                if ssthresh.len() > 1 { <polyline class="series ssthresh" points={ssthresh.join(" ")} /> }
                <polyline class="series cwnd" points={line(|s| s.cwnd)} data-testid="cwnd-line" />
                <line class="cursor" x1={cursor.to_string()} y1={PAD.to_string()} x2={cursor.to_string()} y2={(H - PAD).to_string()} />
            </svg>
            <p class="legend">
                <span class="key cwnd">{ "cwnd" }</span>
                <span class="key ssthresh">{ "ssthresh" }</span>
                <span class="key flight">{ "bytes in flight" }</span>
                <span class="key rwnd">{ "receiver's window" }</span>
            </p>
        </section>
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::SlowStart => "slow start",
        Phase::CongestionAvoidance => "congestion avoidance",
        Phase::FastRecovery => "fast recovery",
    }
}

fn phase_class(p: Phase) -> &'static str {
    match p {
        Phase::SlowStart => "slow-start",
        Phase::CongestionAvoidance => "avoidance",
        Phase::FastRecovery => "recovery",
    }
}
