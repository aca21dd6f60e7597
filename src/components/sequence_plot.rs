//! The time-sequence (Stevens) plot of a data transfer: each data segment
//! the sender sends is a vertical tick from its first to its last byte at
//! its send time (resent bytes in another colour), and the receiver's ACKs
//! are a stepped line. Gaps, retransmissions and stalls show at a glance.

use super::{legend, svg_num};
use crate::plot::{axes, cursor_line, cursor_style, x_of, H, PAD, W};
use crate::state::story::{Shared, Step, Story};
use yew::prelude::*;

/// The plot at playback time `time` (µs): the chart is a component drawn
/// once per run, and a frame of playback only moves the cursor.
pub fn sequence_plot(story: &Shared, time: u64) -> Html {
    html! {
        <div class="plot-frame" style={cursor_style(time, end_time(story))}>
            <SequenceChart story={story.clone()} />
        </div>
    }
}

/// The end of the time axis: when the last segment was sent.
fn end_time(story: &Story) -> u64 {
    story.steps.last().map_or(1, |s| s.sent_at.micros()).max(1)
}

#[derive(Properties, PartialEq)]
struct ChartProps {
    story: Shared,
}

#[component(SequenceChart)]
fn sequence_chart(props: &ChartProps) -> Html {
    let story = &props.story;
    let sender = story.data_sender();
    let data: Vec<_> = story
        .steps
        .iter()
        .filter(|s| s.from == sender && s.segment.len > 0)
        .collect();
    if data.len() < 2 {
        return html! {};
    }
    // Only the connection that carries the data (a SYN flood's forged
    // ones have their own numbers); offsets count from its ISN.
    let ports = (data[0].segment.src_port, data[0].segment.dst_port);
    let ours = |s: &Step| {
        let p = (s.segment.src_port, s.segment.dst_port);
        if s.from == sender {
            p == ports
        } else {
            (p.1, p.0) == ports
        }
    };
    let Some(isn) = story
        .steps
        .iter()
        .find(|s| s.from == sender && s.segment.flags.syn() && ours(s))
        .map(|s| s.segment.seq)
    else {
        return html! {};
    };
    // Offsets from the ISN, modulo 2^32, widened so that adding a length
    // cannot overflow.
    let rel = |seq: u32| u64::from(seq.wrapping_sub(isn));
    let acks: Vec<_> = story
        .steps
        .iter()
        .filter(|s| s.from == sender.other() && s.segment.flags.ack() && ours(s))
        .map(|s| (s.sent_at.micros(), rel(s.segment.ack)))
        .collect();
    let t_end = end_time(story);
    let top = data
        .iter()
        .map(|s| rel(s.segment.seq) + u64::from(s.segment.len))
        .max()
        .unwrap_or(1)
        .max(1);
    let x = |t: u64| x_of(t, t_end);
    let y = |r: u64| H - PAD - (r.min(top) as i64 * (H - 2 * PAD)) / top as i64;
    let mut highest = 0u64;
    let ack_line = acks
        .iter()
        .map(|(t, a)| format!("{},{}", x(*t), y(*a)))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <section class="plot" aria-labelledby="seq-title">
            <h2 id="seq-title">{ "Time–sequence plot (Stevens)" }</h2>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" data-testid="sequence-plot"
                 aria-label={format!("{} data segments and {} acknowledgments over {} ms", data.len(), acks.len(), t_end / 1000)}>
                { axes(t_end, top) }
                <polyline class="series acks" points={ack_line} />
                { for data.iter().map(|s| {
                    let start = rel(s.segment.seq);
                    let end = start + u64::from(s.segment.len);
                    let resent = end <= highest;
                    highest = highest.max(end);
                    html! { <line class={if resent { "seg resent" } else { "seg" }}
                        x1={svg_num(x(s.sent_at.micros()))} y1={svg_num(y(start))}
                        x2={svg_num(x(s.sent_at.micros()))} y2={svg_num(y(end))} /> }
                }) }
                { cursor_line() }
            </svg>
            { legend(&[("seg", "data sent"), ("resent", "data sent again"), ("acks", "ACK (next byte expected)")]) }
        </section>
    }
}
