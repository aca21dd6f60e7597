//! The ladder (sequence) diagram: one arrow per segment, numbered and
//! labelled like a textbook, growing as segments arrive. Each arrow is a
//! button: activating it jumps playback to that step.

use super::{class_names, svg_num};
use crate::state::story::{Fate, Shared};
use tcpsim::net::Side;
use yew::prelude::*;

pub struct Props {
    pub story: Shared,
    /// Records applied so far (not the clock: the ladder changes only when
    /// a segment leaves or lands, not every frame).
    pub cursor: usize,
    pub focus: usize,
    pub on_select: Callback<usize>,
    /// The lesson's key moments (steps), marked beside their arrows.
    pub keys: Vec<usize>,
}

// SVG user units, integers so no float is printed (smaller wasm).
const ROW: i32 = 34;
const TOP: i32 = 26;
const LEFT: i32 = 60;
const RIGHT: i32 = 540;
const WIDTH: i32 = 600;

pub fn ladder(props: &Props) -> Html {
    let story = &props.story;
    let cursor = props.cursor;
    let shown: Vec<_> = story.steps.iter().filter(|s| s.sent_record < cursor).collect();
    let height = TOP + (story.steps.len().max(1) as i32) * ROW + ROW / 2;
    html! {
        <figure class="ladder" id="ladder">
            <figcaption class="visually-hidden">
                { "Sequence diagram: one arrow per segment, client on the left, server on the right, time running down." }
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")}
                 role={if shown.is_empty() { "img" } else { "list" }}
                 aria-label={if shown.is_empty() { "No segments yet" } else { "Segments so far" }}
                 preserveAspectRatio="xMidYMin meet">
                <text x={svg_num(LEFT)} y="14" class="ladder-host" text-anchor="middle">{ "client" }</text>
                <text x={svg_num(RIGHT)} y="14" class="ladder-host" text-anchor="middle">{ "server" }</text>
                <line x1={svg_num(LEFT)} y1="20" x2={svg_num(LEFT)} y2={svg_num(height)} class="lifeline" />
                <line x1={svg_num(RIGHT)} y1="20" x2={svg_num(RIGHT)} y2={svg_num(height)} class="lifeline" />
                { for shown.iter().map(|step| {
                    let n = step.number;
                    // The label sits above its arrow, which slopes down by
                    // the travel time, as in textbooks.
                    let y_label = TOP + (n as i32 - 1) * ROW + 10;
                    let y0 = y_label + 5;
                    let y1 = y0 + ROW / 2;
                    let (x0, x1) = match step.from { Side::Client => (LEFT, RIGHT), Side::Server => (RIGHT, LEFT) };
                    let arrived = step.done.cursor <= cursor;
                    let lost = matches!(step.fate, Fate::Dropped { .. });
                    let faulted = !step.marks.is_empty();
                    // Lost segments stop half-way, under a cross.
                    let (xe, ye) = if lost { ((x0 + x1) / 2, (y0 + y1) / 2) } else { (x1, y1) };
                    let select = props.on_select.reform(move |_| n);
                    let onkeydown = {
                        let on_select = props.on_select.clone();
                        Callback::from(move |e: KeyboardEvent| {
                            if e.key() == "Enter" || e.key() == " " {
                                e.prevent_default();
                                e.stop_propagation();
                                on_select.emit(n);
                            }
                        })
                    };
                    let class = class_names(&[
                        Some("arrow"),
                        (!arrived).then_some("in-flight"),
                        lost.then_some("lost"),
                        faulted.then_some("faulted"),
                        (n == props.focus).then_some("focused"),
                    ]);
                    let key = props.keys.contains(&n);
                    let mut label = format!("{n}. {}", step.label());
                    if !step.marks.is_empty() {
                        label.push_str(&format!(" ({})", step.marks.join(", ")));
                    }
                    html! {
                        <g class={class} role="listitem" tabindex="0" key={n} onclick={select} {onkeydown}
                           aria-label={format!("{label}, {} to {}{}{}", step.from.name(), step.from.other().name(),
                               if lost { ", lost" } else { "" }, if key { ", a key moment" } else { "" })}
                           data-testid="ladder-arrow">
                            <line x1={svg_num(x0)} y1={svg_num(y0)} x2={svg_num(xe)} y2={svg_num(ye)}
                                  marker-end={(!lost).then_some("url(#head)")} />
                            <rect class="hit" x={svg_num(LEFT)} y={svg_num(y_label - 12)}
                                  width={svg_num(RIGHT - LEFT)} height={svg_num(ROW - 2)} />
                            if key {
                                <circle class="key-mark" cx="14" cy={svg_num(y_label - 4)} r="6" />
                            }
                            if lost {
                                <text x={svg_num(xe)} y={svg_num(ye + 5)} class="cross" text-anchor="middle">{ "✕" }</text>
                            }
                            <text x={svg_num((LEFT + RIGHT) / 2)} y={svg_num(y_label)}
                                  class="arrow-label" text-anchor="middle">{ label }</text>
                        </g>
                    }
                }) }
                <defs>
                    <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
                    </marker>
                </defs>
            </svg>
        </figure>
    }
}

/// Long runs scroll inside the ladder's figure: brings the focused arrow
/// into view, scrolling only the figure, never the page. Called by the
/// app after a render that changed the focus.
pub fn keep_focus_in_view() {
    let Some(fig) = web_sys::window().and_then(|w| w.document()?.get_element_by_id("ladder")) else {
        return;
    };
    let Ok(Some(arrow)) = fig.query_selector(".arrow.focused") else {
        return;
    };
    let (f, a) = (fig.get_bounding_client_rect(), arrow.get_bounding_client_rect());
    if a.top() < f.top() || a.bottom() > f.bottom() {
        fig.set_scroll_top(fig.scroll_top() + (a.top() - f.top() - f.height() / 2.0) as i32);
    }
}
