//! The time-sequence (Stevens) plot of a data transfer: each data segment
//! the sender sends is a vertical tick from its first to its last byte at
//! its send time (resent bytes in another colour), and the receiver's ACKs
//! are a stepped line. Gaps, retransmissions and stalls show at a glance.

use crate::state::story::Shared;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
    /// Playback time (µs), for the cursor.
    pub time: u64,
}

const W: i64 = 640;
const H: i64 = 220;
const PAD: i64 = 36;

#[component(SequencePlot)]
pub fn sequence_plot(props: &Props) -> Html {
    let story = &props.story;

    let sender = props.story.data_sender();
    let Some(isn) = story
        .steps
        .iter()
        .find(|s| s.from == sender && s.segment.flags.syn())
        .map(|s| s.segment.seq)
    else {
        return html! {};
    };
    let data: Vec<_> = story
        .steps
        .iter()
        .filter(|s| s.from == sender && s.segment.len > 0)
        .collect();
    if data.len() < 2 {
        return html! {};
    }
    let acks: Vec<_> = story
        .steps
        .iter()
        .filter(|s| s.from == sender.other() && s.segment.flags.ack())
        .map(|s| (s.sent_at.micros(), s.segment.ack.wrapping_sub(isn)))
        .collect();
    let t_end = story.steps.last().map_or(1, |s| s.sent_at.micros()).max(1);
    let top = data
        .iter()
        .map(|s| s.segment.seq.wrapping_sub(isn) + s.segment.len)
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    let x = |t: u64| PAD + (t.min(t_end) as i64 * (W - 2 * PAD)) / t_end as i64;
    let y = |rel: u32| H - PAD - (i64::from(rel).min(top) * (H - 2 * PAD)) / top;
    let mut highest = 0u32;
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
                <line class="axis" x1={PAD.to_string()} y1={(H - PAD).to_string()} x2={(W - PAD).to_string()} y2={(H - PAD).to_string()} />
                <line class="axis" x1={PAD.to_string()} y1={PAD.to_string()} x2={PAD.to_string()} y2={(H - PAD).to_string()} />
                <text class="tick" x={PAD.to_string()} y={(H - PAD + 14).to_string()}>{ "0" }</text>
                <text class="tick" x={(W - PAD).to_string()} y={(H - PAD + 14).to_string()} text-anchor="end">{ format!("{} ms", t_end / 1000) }</text>
                <text class="tick" x="2" y={(PAD + 4).to_string()}>{ format!("{}K", top / 1000) }</text>
                <polyline class="series acks" points={ack_line} />
                { for data.iter().map(|s| {
                    let start = s.segment.seq.wrapping_sub(isn);
                    let end = start + s.segment.len;
                    let resent = end <= highest;
                    highest = highest.max(end);
                    html! { <line class={classes!("seg", resent.then_some("resent"))}
                        x1={x(s.sent_at.micros()).to_string()} y1={y(start).to_string()}
                        x2={x(s.sent_at.micros()).to_string()} y2={y(end).to_string()} /> }
                }) }
                <line class="cursor" x1={x(props.time).to_string()} y1={PAD.to_string()} x2={x(props.time).to_string()} y2={(H - PAD).to_string()} />
            </svg>
            <p class="legend"><span class="key seg">{ "data sent" }</span><span class="key resent">{ "data sent again" }</span><span class="key acks">{ "ACK (next byte expected)" }</span></p>
        </section>
    }
}
