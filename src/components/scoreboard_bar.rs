//! The data sender's SACK scoreboard at the moment shown (RFC 6675): the
//! bytes from SND.UNA to SND.MAX as a bar, SACKed ranges, holes presumed
//! lost, what has been resent, and the rest still in flight. (Only in the
//! build with modern TCP.)

use super::{legend, svg_num};
use crate::narration::{amount, duration};
use crate::plot::Scoreboard;
use yew::prelude::*;

const W: i64 = 640;
const H: i64 = 34;

/// The scoreboard as of playback time `time` (µs), from the run's reports;
/// nothing for a run without any.
pub fn scoreboard_bar(reports: &[Scoreboard], time: u64, mss: u32) -> Html {
    if reports.is_empty() {
        return Html::default();
    }
    let now = reports.iter().rev().find(|r| r.at <= time);
    html! {
        <section class="scoreboard" aria-labelledby="scoreboard-title" data-testid="scoreboard">
            <h2 id="scoreboard-title">{ "The sender's SACK scoreboard" }</h2>
            { match now {
                Some(r) if r.outstanding > 0 => bar(r, mss),
                _ => html! { <p class="muted">{ "Nothing SACKed yet: the scoreboard is empty." }</p> },
            } }
            { legend(&[
                ("sb-flight", "in flight"),
                ("sb-sacked", "SACKed: the receiver holds it"),
                ("sb-lost", "presumed lost"),
                ("sb-resent", "resent"),
            ]) }
        </section>
    }
}

fn bar(r: &Scoreboard, mss: u32) -> Html {
    let x = |offset: u32| (offset as i64 * W) / r.outstanding.max(1) as i64;
    let rect = |class: &'static str, (from, to): (u32, u32)| {
        html! { <rect class={class} x={svg_num(x(from))} y="0" width={svg_num((x(to) - x(from)).max(1))} height={svg_num(H)} /> }
    };
    let resent = r.resent_to.map(|end| (0, end));
    let label = format!(
        "At {}: bytes {} to {} outstanding ({}); {} SACKed, {} presumed lost; pipe {}.",
        duration(r.at),
        r.una,
        r.una.wrapping_add(r.outstanding).wrapping_sub(1),
        amount(r.outstanding, mss),
        r.sacked.len(),
        r.lost.len(),
        amount(r.pipe, mss),
    );
    html! { <>
        <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={label.clone()} data-testid="scoreboard-bar">
            { rect("sb-flight", (0, r.outstanding)) }
            // Lost holes, then what was resent over them, then the SACKed
            // ranges over everything: each byte shows its latest fate.
            { for r.lost.iter().map(|&s| rect("sb-lost", s)) }
            { for resent.into_iter().map(|s| rect("sb-resent", s)) }
            { for r.sacked.iter().map(|&s| rect("sb-sacked", s)) }
        </svg>
        <p class="scoreboard-caption" data-testid="scoreboard-caption">{ label }</p>
    </> }
}
