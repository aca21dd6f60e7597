//! Congestion and flow control over time, from the engine's Window reports
//! of the side that sends the most data: cwnd, ssthresh and bytes in flight
//! on a scale that fits them (in segments), the receiver's window clipped
//! when it is off that scale, the congestion-control phases shaded and
//! labelled, timeouts and fast retransmits marked, and the playback cursor.

use super::{legend, svg_num};
use crate::plot::{cursor, cursor_style, frame, Mark, WindowPlot, H, PAD};
use tcpsim::net::Side;
use tcpsim::tcp::Phase;
use yew::prelude::*;

/// The plot at playback time `time` (µs); `plot` was worked out once per
/// run. `id` names its title, and `run`, unless empty, follows it: the
/// page may show two (compare mode).
pub fn window_plot(plot: Option<&WindowPlot>, sender: Side, time: u64, id: &str, run: &str) -> Html {
    let Some(p) = plot else {
        return html! {
            <section class="plot" aria-labelledby={id.to_string()}>
                <h2 id={id.to_string()}>{ "Congestion window" }{ for_run(run) }</h2>
                <p class="muted">{ "This run has too little data for a congestion plot." }</p>
            </section>
        };
    };
    let a = &p.axes;
    html! {
        <section class="plot" aria-labelledby={id.to_string()}>
            <h2 id={id.to_string()}>{ format!("Congestion window of the {} (the data sender)", sender.name()) }{ for_run(run) }</h2>
            <div class="plot-frame" style={cursor_style(a, time)}>
            <svg viewBox={format!("0 0 {} {H}", crate::plot::W)} role="img" data-testid="window-plot" data-points={p.samples.to_string()}
                 aria-label={format!("{} samples of cwnd, ssthresh, bytes in flight and the receiver's window over {} ms, in segments", p.samples, a.t_end / 1000)}>
                { for p.bands.iter().map(|&(x0, x1, phase)| html! {
                    <g class={format!("band {}", phase_class(phase))}>
                        // The name also on hover, where the band is too narrow for its label.
                        <title>{ band_name(p, phase) }</title>
                        <rect x={svg_num(x0)} y={svg_num(PAD)} width={svg_num((x1 - x0).max(2))} height={svg_num(H - 2 * PAD)} />
                        if x1 - x0 > 90 { <text x={svg_num(x0 + 3)} y={svg_num(PAD + 11)}>{ band_name(p, phase) }</text> }
                    </g>
                }) }
                { frame(a) }
                { for p.marks.iter().map(|&(x, mark)| html! {
                    <line class={if mark == Mark::Timeout { "mark timeout" } else { "mark fast" }}
                          x1={svg_num(x)} y1={svg_num(PAD)} x2={svg_num(x)} y2={svg_num(H - PAD)} />
                }) }
                <polyline class="series rwnd" points={p.rwnd.clone()} />
                if let Some(rwnd) = p.rwnd_off_scale {
                    <text class="tick off-scale" x={svg_num(crate::plot::W - PAD)} y={svg_num(PAD - 6)} text-anchor="end">
                        { format!("receiver's window: {} KB, above the scale ↑", rwnd / 1000) }
                    </text>
                }
                <polyline class="series flight" points={p.flight.clone()} />
                <polyline class="series ssthresh" points={p.ssthresh.clone()} />
                if !p.w_max.is_empty() {
                    <polyline class="series w-max" points={p.w_max.clone()} data-testid="w-max-line" />
                }
                if !p.bdp.is_empty() {
                    <polyline class="series bdp" points={p.bdp.clone()} data-testid="bdp-line" />
                }
                <polyline class="series cwnd" points={p.cwnd.clone()} data-testid="cwnd-line" />
                { cursor() }
            </svg>
            </div>
            { legend(keys(p)) }
        </section>
    }
}

const RENO_KEYS: &[(&str, &str)] = &[
    ("cwnd", "cwnd"),
    ("ssthresh", "ssthresh"),
    ("flight", "bytes in flight"),
    ("rwnd", "receiver's window"),
    ("band slow-start", "slow start: doubles each round trip"),
    ("band avoidance", "congestion avoidance: +1 segment per round trip"),
    ("band recovery", "fast recovery"),
    ("mark fast", "fast retransmit: ssthresh halved"),
    ("mark timeout", "timeout: cwnd back to 1 segment"),
];

#[cfg(feature = "full")]
fn keys(p: &WindowPlot) -> &'static [(&'static str, &'static str)] {
    if !p.w_max.is_empty() {
        CUBIC_KEYS
    } else if !p.bdp.is_empty() {
        BBR_KEYS
    } else {
        RENO_KEYS
    }
}

#[cfg(not(feature = "full"))]
fn keys(_: &WindowPlot) -> &'static [(&'static str, &'static str)] {
    RENO_KEYS
}

/// The same for CUBIC (RFC 9438), with its W_max.
#[cfg(feature = "full")]
const CUBIC_KEYS: &[(&str, &str)] = &[
    ("cwnd", "cwnd"),
    ("w-max", "W_max: cwnd at the last loss"),
    ("ssthresh", "ssthresh"),
    ("flight", "bytes in flight"),
    ("rwnd", "receiver's window"),
    ("band slow-start", "slow start: doubles each round trip"),
    ("band avoidance", "congestion avoidance: CUBIC's curve"),
    ("band recovery", "fast recovery"),
    ("mark fast", "fast retransmit: ssthresh to 70%"),
    ("mark timeout", "timeout: cwnd back to 1 segment"),
];

/// The same for BBR (draft-ietf-ccwg-bbr), with its model's BDP.
#[cfg(feature = "full")]
const BBR_KEYS: &[(&str, &str)] = &[
    ("cwnd", "cwnd"),
    ("bdp", "BDP: bandwidth × min RTT"),
    ("flight", "bytes in flight"),
    ("rwnd", "receiver's window"),
    ("band slow-start", "Startup: doubles each round trip"),
    ("band avoidance", "Drain, ProbeBW, ProbeRTT: about one BDP in flight"),
    ("band recovery", "loss recovery"),
    ("mark fast", "fast retransmit: cwnd kept"),
    ("mark timeout", "timeout: cwnd back to 1 segment"),
];

/// What follows a plot's title to say which run it shows.
pub fn for_run(run: &str) -> String {
    if run.is_empty() {
        String::new()
    } else {
        format!(": {run}")
    }
}

/// A band's name: BBR calls its phases its own way.
fn band_name(p: &WindowPlot, phase: Phase) -> &'static str {
    match phase {
        _ if p.bdp.is_empty() => phase.name(),
        Phase::SlowStart => "Startup",
        Phase::CongestionAvoidance => "Drain, ProbeBW, ProbeRTT",
        Phase::FastRecovery => "loss recovery",
    }
}

fn phase_class(p: Phase) -> &'static str {
    match p {
        Phase::SlowStart => "slow-start",
        Phase::CongestionAvoidance => "avoidance",
        Phase::FastRecovery => "recovery",
    }
}
