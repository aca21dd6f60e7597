//! The wire between the hosts, with every segment in flight drawn as a
//! labelled envelope at its place on the way. Positions come from the
//! playback clock against each segment's send and arrival times.

use super::flag_chips::flag_chips;
use crate::state::story::{InFlight, Shared};
use tcpsim::net::Side;
use yew::prelude::*;

/// Lanes the wire shows; a busier run shares them.
const LANES: usize = 5;

/// The wire at this frame. Clicking an envelope selects its segment (for
/// the inspector and lab) through `on_select`.
pub fn wire_view(story: &Shared, in_flight: &[InFlight], on_select: &Callback<usize>) -> Html {
    let delay_ms = story.one_way_delay_ms();
    let lanes = story.lanes.clamp(3, LANES);
    html! {
        <div class="wire" style={format!("--lanes: {lanes}")}>
            <div class="wire-line" aria-hidden="true"></div>
            if let Some(ms) = delay_ms {
                <span class="wire-caption">{ format!("one-way delay {ms} ms") }</span>
            }
            { for in_flight.iter().map(|f| {
                let Some(step) = story.steps.get(f.step.wrapping_sub(1)) else { return html! {} };
                let lane = step.lane % lanes;
                let along = match f.from { Side::Client => f.progress, Side::Server => 1.0 - f.progress };
                // In ten-thousandths, so no float is printed (smaller wasm).
                let along = (along * 10_000.0) as u32;
                let style = format!(
                    "left: calc({}.{:02}% - var(--envelope-w) * {along} / 10000); top: {}.{}rem",
                    along / 100, along % 100, (16 + lane * 30) / 10, (16 + lane * 30) % 10
                );
                let s = &step.segment;
                let arrow = if f.from == Side::Client { "→" } else { "←" };
                let n = f.step;
                html! {
                    <button class="envelope" style={style} key={n} data-testid="envelope"
                            onclick={on_select.reform(move |_| n)}
                            title="Select this segment">
                        <span class="envelope-no">{ format!("#{n} {arrow}") }</span>
                        { flag_chips(s.flags) }
                        <span class="envelope-nums">{ step.numbers() }</span>
                    </button>
                }
            }) }
        </div>
    }
}
