//! What the two plots share: their geometry, and a playback cursor that
//! moves without redrawing the chart. A chart is drawn once per run by a
//! child component; each frame only changes a CSS variable on its frame.

use crate::components::svg_num;
use yew::prelude::*;

/// The viewBox of both plots, and the margin around the axes.
pub const W: i64 = 640;
pub const H: i64 = 220;
pub const PAD: i64 = 36;

/// Where time `t` (µs) falls on an axis from 0 to `t_end`.
pub fn x_of(t: u64, t_end: u64) -> i64 {
    let t_end = t_end.max(1);
    PAD + (t.min(t_end) as i64 * (W - 2 * PAD)) / t_end as i64
}

/// The style that puts the cursor at time `t`: a shift in SVG user units
/// (CSS px on an SVG element are user units).
pub fn cursor_style(t: u64, t_end: u64) -> String {
    format!("--cursor-x: {}px", x_of(t, t_end) - PAD)
}

/// The cursor line, drawn at time 0 and shifted by `cursor_style`.
pub fn cursor_line() -> Html {
    html! {
        <line class="cursor" x1={svg_num(PAD)} y1={svg_num(PAD)} x2={svg_num(PAD)} y2={svg_num(H - PAD)} />
    }
}

/// The two axes, with 0 and the end time under the x axis and the top
/// value (in thousands) beside the y axis.
pub fn axes(t_end: u64, top: u64) -> Html {
    html! {
        <>
            <line class="axis" x1={svg_num(PAD)} y1={svg_num(H - PAD)} x2={svg_num(W - PAD)} y2={svg_num(H - PAD)} />
            <line class="axis" x1={svg_num(PAD)} y1={svg_num(PAD)} x2={svg_num(PAD)} y2={svg_num(H - PAD)} />
            <text class="tick" x={svg_num(PAD)} y={svg_num(H - PAD + 14)}>{ "0" }</text>
            <text class="tick" x={svg_num(W - PAD)} y={svg_num(H - PAD + 14)} text-anchor="end">{ format!("{} ms", t_end / 1000) }</text>
            <text class="tick" x="2" y={svg_num(PAD + 4)}>{ format!("{}K", top / 1000) }</text>
        </>
    }
}
