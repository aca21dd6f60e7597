//! Compare mode: the shown run beside a second run of the same wire with
//! both hosts changed one way, on one time axis, with a line that says
//! how they differ. (Only in the build with modern TCP.)

use super::sequence_plot::sequence_plot;
use super::window_plot::window_plot;
use crate::narration::{duration, plural};
use crate::state::comparison::Comparison;
use tcpsim::net::Side;
use tcpsim::scenario::compare::Variant;
use yew::prelude::*;

/// `current` is the compared variant's id, `options` the variants that
/// change something here; `time` the playback time (µs).
pub fn compare_panel(
    comparison: Option<&Comparison>,
    current: Option<&str>,
    options: &[Variant],
    sender: Side,
    time: u64,
    on_pick: &Callback<Option<String>>,
) -> Html {
    let on_change = on_pick.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Some(select.value()).filter(|v| !v.is_empty())
    });
    html! {
        <section class="compare" aria-labelledby="compare-title" data-testid="compare">
            <h2 id="compare-title">{ "Compare" }</h2>
            <label>
                { "Run the same wire again with " }
                <select onchange={on_change} data-testid="compare-with">
                    <option value="" selected={current.is_none()}>{ "nothing else (one run)" }</option>
                    { for Variant::ALL.iter().filter(|v| options.contains(v) || current == Some(v.id())).map(|v| html! {
                        <option value={v.id()} selected={current == Some(v.id())}>{ v.label() }</option>
                    }) }
                </select>
            </label>
            if let Some(c) = comparison {
                <p class="compare-summary" data-testid="compare-summary">{ summary_line(c) }</p>
                <div class="compare-runs">
                    { for (0..2).map(|k| html! {
                        <div class="compare-run" data-testid={format!("compare-run-{k}")}>
                            <p class="compare-label">
                                <strong>{ if k == 0 { "This run: " } else { "The other run: " } }</strong>
                                { &c.labels[k] }
                            </p>
                            { window_plot(c.plots[k].window.as_ref(), sender, time, &format!("compare-window-{k}"), &c.labels[k]) }
                            { sequence_plot(c.plots[k].sequence.as_ref(), time, &format!("compare-sequence-{k}"), &c.labels[k]) }
                        </div>
                    }) }
                </div>
            }
        </section>
    }
}

/// The difference in one line: time to finish, retransmissions, queueing.
pub fn summary_line(c: &Comparison) -> String {
    let [a, b] = &c.labels;
    let [sa, sb] = &c.summaries;
    let finish = match (sa.done, sb.done) {
        (Some(ta), Some(tb)) if ta == tb => format!("Both finish at {}", duration(ta.micros())),
        (Some(ta), Some(tb)) => {
            let (ta, tb) = (ta.micros(), tb.micros());
            let (sooner, diff) = if ta < tb { (a, tb - ta) } else { (b, ta - tb) };
            let round_trip = 2 * c.one_way_delay_ms * 1000;
            let trips = (diff + round_trip / 2).checked_div(round_trip).unwrap_or(0);
            let trips = if trips > 0 {
                format!(", about {}", plural(trips as u32, "round trip"))
            } else {
                String::new()
            };
            format!(
                "{a}: done at {}; {b}: done at {}. {sooner} finishes {} sooner{trips}",
                duration(ta),
                duration(tb),
                duration(diff)
            )
        }
        (Some(_), None) => format!("Only {a} finishes in this run"),
        (None, Some(_)) => format!("Only {b} finishes in this run"),
        (None, None) => "Neither run finishes".into(),
    };
    format!(
        "{finish}. Segments resent: {} and {} ({} and {} after a timeout). Longest wait in a queue: {} and {}; typical wait: {} and {}.",
        sa.retransmissions,
        sb.retransmissions,
        sa.timeouts,
        sb.timeouts,
        duration(sa.peak_queue.micros()),
        duration(sb.peak_queue.micros()),
        duration(sa.typical_queue.micros()),
        duration(sb.typical_queue.micros())
    )
}
