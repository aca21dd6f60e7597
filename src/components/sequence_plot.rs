//! The time-sequence (Stevens) plot of a data transfer: each data segment
//! the sender sends is a vertical stroke from its first to its last byte at
//! its send time (resent bytes in another colour), the receiver's ACKs are
//! a stepped line, and each duplicate ACK is marked on it. Gaps,
//! retransmissions and stalls show at a glance.

use super::legend;
use crate::plot::{cursor, cursor_style, frame, SequencePlot, H, W};
use yew::prelude::*;

/// The plot at playback time `time` (µs); `plot` was worked out once per
/// run. `id` names its title, and `run`, unless empty, follows it (see
/// `window_plot`).
pub fn sequence_plot(plot: Option<&SequencePlot>, time: u64, id: &str, run: &str) -> Html {
    let Some(p) = plot else { return html! {} };
    let a = &p.axes;
    html! {
        <section class="plot" aria-labelledby={id.to_string()}>
            <h2 id={id.to_string()}>{ "Time–sequence plot (Stevens)" }{ super::window_plot::for_run(run) }</h2>
            <div class="plot-frame" style={cursor_style(a, time)}>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" data-testid="sequence-plot"
                 aria-label={format!("{} data segments and the acknowledgments over {} ms, bytes from the ISN", p.segments, a.t_end / 1000)}>
                { frame(a) }
                <polyline class="series acks" points={p.acks.clone()} />
                <path class="dup-ack" d={p.dup_acks.clone()} />
                <path class="seg" d={p.sent.clone()} />
                <path class="seg resent" d={p.resent.clone()} />
                { cursor() }
            </svg>
            </div>
            { legend(&[("seg", "data sent"), ("resent", "data sent again"), ("acks", "ACK (next byte expected)"), ("dup-ack", "duplicate ACK")]) }
        </section>
    }
}
