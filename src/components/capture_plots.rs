//! A replayed capture's plots: the time–sequence plot, and its flow
//! control over time: the data sender's bytes in flight (sent, not yet
//! acknowledged, as seen where the capture was taken) under the window the
//! receiver advertises, and the sender's own window. The congestion window
//! is inside the sender: no capture shows it, so it is not drawn.

use super::legend;
use super::sequence_plot::sequence_plot;
use crate::plot::{cursor, cursor_style, frame, FlightPlot, Plots, H, W};
use crate::state::story::Story;
use yew::prelude::*;

/// Both plots at playback time `time` (µs) of the capture replayed as
/// `story`.
pub fn capture_plots(plots: &Plots, time: u64, story: &Story) -> Html {
    html! {
        <details class="plots" open=true>
            <summary>{ "Plots: time–sequence, bytes in flight and windows (the congestion window is inside each host, so a capture cannot show it)" }</summary>
            { sequence_plot(plots.sequence.as_ref(), time, "seq-title", "") }
            { flight_plot(plots.flight.as_ref(), time, story) }
        </details>
    }
}

fn flight_plot(plot: Option<&FlightPlot>, time: u64, story: &Story) -> Html {
    let Some(p) = plot else {
        return html! {
            <section class="plot" aria-labelledby="flight-title">
                <h2 id="flight-title">{ "Bytes in flight and advertised windows" }</h2>
                <p class="muted">{ "This connection carries too little data for this plot." }</p>
            </section>
        };
    };
    let a = &p.axes;
    // Without both SYNs, the window scale (RFC 7323 §2.2) is unknown.
    let syn = |ack: bool| {
        story
            .steps
            .iter()
            .any(|s| s.segment.flags.syn() && s.segment.flags.ack() == ack)
    };
    let unscaled = !(syn(false) && syn(true));
    html! {
        <section class="plot" aria-labelledby="flight-title">
            <h2 id="flight-title">{ "Bytes in flight and advertised windows" }</h2>
            <div class="plot-frame" style={cursor_style(a, time)}>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" data-testid="flight-plot" data-points={p.samples.to_string()}
                 aria-label={format!("Bytes in flight after each of {} data segments, and both sides' advertised windows, over {} ms", p.samples, a.t_end / 1000)}>
                { frame(a) }
                <polyline class="series rwnd" points={p.rwnd.clone()} />
                <polyline class="series swnd" points={p.swnd.clone()} />
                <polyline class="series flight" points={p.flight.clone()} />
                { cursor() }
            </svg>
            </div>
            { legend(&[("flight", "bytes in flight (sent, not yet acknowledged)"), ("rwnd", "the receiver's advertised window"), ("swnd", "the data sender's own advertised window")]) }
            if unscaled {
                <p class="muted">{ "The handshake is not in the capture, so the window scale is unknown: windows are shown as the raw header field, which may be scaled up by a factor the capture does not show." }</p>
            }
        </section>
    }
}
