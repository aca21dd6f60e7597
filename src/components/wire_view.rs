//! The wire between the hosts, with every segment in flight drawn as a
//! labelled envelope at its place on the way. Positions come from the
//! playback clock against each segment's send and arrival times.

use super::flag_chips::FlagChips;
use crate::state::story::{InFlight, Shared};
use tcpsim::net::Side;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
    pub in_flight: Vec<InFlight>,
}

#[component(WireView)]
pub fn wire_view(props: &Props) -> Html {
    let delay_ms = props
        .story
        .steps
        .first()
        .and_then(|s| Some(s.arrive_at()?.micros().saturating_sub(s.sent_at.micros()) as f64 / 1000.0));
    html! {
        <div class="wire">
            <div class="wire-line" aria-hidden="true"></div>
            if let Some(ms) = delay_ms {
                <span class="wire-caption">{ format!("one-way delay {ms} ms") }</span>
            }
            { for props.in_flight.iter().enumerate().map(|(lane, f)| {
                let Some(step) = props.story.steps.get(f.step - 1) else { return html! {} };
                let along = match f.from { Side::Client => f.progress, Side::Server => 1.0 - f.progress };
                let style = format!(
                    "left: calc({:.2}% - {:.3} * var(--envelope-w)); top: {:.1}rem",
                    along * 100.0, along, 1.6 + lane as f64 * 3.0
                );
                let s = &step.segment;
                let arrow = if f.from == Side::Client { "→" } else { "←" };
                html! {
                    <div class="envelope" style={style} key={f.step} data-testid="envelope">
                        <span class="envelope-no">{ format!("#{} {arrow}", f.step) }</span>
                        <FlagChips flags={s.flags} />
                        <span class="envelope-nums">{ step.numbers() }</span>
                    </div>
                }
            }) }
        </div>
    }
}
