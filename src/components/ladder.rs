//! The ladder (sequence) diagram: one arrow per segment, numbered and
//! labelled like a textbook, growing as segments arrive. Each arrow is a
//! button: activating it jumps playback to that step.

use super::{class_names, svg_num};
#[cfg(feature = "full")]
use crate::narration::calls::returned;
#[cfg(feature = "full")]
use crate::state::story::Story;
use crate::state::story::{Fate, Shared};
#[cfg(feature = "full")]
use std::rc::Rc;
use tcpsim::net::Side;
#[cfg(feature = "full")]
use tcpsim::scenario::listing::CallSpan;
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
    /// Each host's socket calls: those that wait are bracketed on its
    /// lifeline, from entering to returning.
    #[cfg(feature = "full")]
    pub calls: Rc<[Vec<CallSpan>; 2]>,
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
        // Focusable, so a keyboard can scroll a long ladder.
        <figure class="ladder" id="ladder" tabindex="0">
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
                { brackets(props) }
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

/// The calls that wait (connect, accept, read), each a bar beside its
/// host's lifeline from where it entered to where it returned (or to now),
/// labelled with the call; its result shows on hover.
#[cfg(feature = "full")]
fn brackets(props: &Props) -> Html {
    let (story, calls, cursor) = (&*props.story, &*props.calls, props.cursor);
    html! {
        <g class="call-brackets" aria-hidden="true">
            { for [Side::Client, Side::Server].into_iter().flat_map(|side| {
                calls[side.index()].iter().filter(move |c| c.records.0 < cursor).filter_map(move |c| {
                    let done = c.records.1.filter(|&r| r < cursor);
                    let waits = c.end.is_none_or(|(at, _)| at > c.start);
                    if !waits {
                        return None;
                    }
                    let (y0, y1) = (row_y(story, side, c.records.0), row_y(story, side, done.unwrap_or(cursor - 1)));
                    let (x, tx, anchor) = match side { Side::Client => (LEFT - 7, LEFT - 11, "end"), Side::Server => (RIGHT + 7, RIGHT + 11, "start") };
                    let title = match (done, c.end) {
                        (Some(_), Some((_, result))) => returned(c.call, result),
                        _ => format!("{}() is waiting", c.call.name()),
                    };
                    Some(html! {
                        <g class={if done.is_some() { "call-bracket" } else { "call-bracket open" }}>
                            <title>{ title }</title>
                            <path d={format!("M{} {y0}h{}V{}h{}", x, if x < LEFT { 4 } else { -4 }, y1.max(y0 + 6), if x < LEFT { -4 } else { 4 })} />
                            <text x={svg_num(tx)} y={svg_num((y0 + y1.max(y0 + 6)) / 2 + 4)} text-anchor={anchor}>{ format!("{}()", c.call.name()) }</text>
                        </g>
                    })
                })
            }) }
        </g>
    }
}

/// Without the code lane (the first page), no brackets.
#[cfg(not(feature = "full"))]
fn brackets(_: &Props) -> Html {
    Html::default()
}

/// Where on `side`'s lifeline record `r` falls: at the latest segment the
/// host sent or received by then.
#[cfg(feature = "full")]
fn row_y(story: &Story, side: Side, r: usize) -> i32 {
    story
        .steps
        .iter()
        .filter_map(|s| {
            let y_label = TOP + (s.number as i32 - 1) * ROW + 10;
            match s.fate {
                Fate::Delivered { record, .. } if s.from != side && record <= r => Some(y_label + 5 + ROW / 2),
                _ if s.from == side && s.sent_record <= r => Some(y_label + 5),
                _ => None,
            }
        })
        .max()
        .unwrap_or(20)
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
