//! The eleven states of RFC 9293 (Figure 5) and their transitions, drawn
//! from the engine's transition table, with both hosts' current states
//! marked and the transition each just took drawn heavier. Figure 5 leaves
//! out resets, aborts, timeouts and SYN cookies; when a host just took one
//! of those, it is drawn too, dashed.

use super::{legend, svg_num};
use crate::state::story::Transition;
use tcpsim::tcp::{transition, State, Trigger};
use yew::prelude::*;

pub struct Props {
    pub client: State,
    pub server: State,
    pub client_last: Option<Transition>,
    pub server_last: Option<Transition>,
}

/// Where each state sits (centre, in SVG units).
fn place(s: State) -> (i32, i32) {
    match s {
        State::Closed => (200, 20),
        State::Listen => (200, 70),
        State::SynReceived => (80, 120),
        State::SynSent => (320, 120),
        State::Established => (200, 170),
        State::FinWait1 => (80, 220),
        State::CloseWait => (320, 220),
        State::FinWait2 => (80, 270),
        State::Closing => (200, 270),
        State::LastAck => (320, 270),
        State::TimeWait => (140, 320),
    }
}

/// The edges of RFC 9293 figure 5 this engine takes, from its own
/// transition table (it offers no SEND on a listener, and a CLOSE in
/// SYN_RCVD waits for ESTABLISHED, so those two are not drawn).
fn figure_edges() -> Vec<(State, State)> {
    transition::transitions()
        .filter(|t| t.trigger.in_figure())
        .map(|t| (t.from, t.to))
        .collect()
}

/// Words for an edge the figure leaves out.
fn extra_label(from: State, to: State) -> &'static str {
    let cookie = transition::next(from, Trigger::RcvCookie) == Some(to);
    if cookie {
        "SYN cookie"
    } else {
        "reset, abort or timeout"
    }
}

pub fn state_diagram(props: &Props) -> Html {
    let taken = |from: State, to: State| {
        [props.client_last, props.server_last]
            .iter()
            .flatten()
            .any(|t| t.from == from && t.to == to)
    };
    let edges = figure_edges();
    let extra: Vec<(State, State)> = [props.client_last, props.server_last]
        .iter()
        .flatten()
        .map(|t| (t.from, t.to))
        .filter(|edge| !edges.contains(edge))
        .collect();
    html! {
        <section class="states" id="states" aria-labelledby="states-title">
            <h2 id="states-title">{ "TCP's eleven states" }</h2>
            <svg viewBox="0 0 400 345" role="img" data-testid="state-diagram"
                 aria-label={format!("State diagram: client in {}, server in {}", props.client, props.server)}>
                { for edges.iter().map(|(a, b)| {
                    let ((x0, y0), (x1, y1)) = (place(*a), place(*b));
                    html! { <line class={if taken(*a, *b) { "edge taken" } else { "edge" }}
                        x1={svg_num(x0)} y1={svg_num(y0)} x2={svg_num(x1)} y2={svg_num(y1)} /> }
                }) }
                { for extra.iter().map(|(a, b)| {
                    let ((x0, y0), (x1, y1)) = (place(*a), place(*b));
                    // Round the outside of the diagram, on the side the
                    // state is on, so the line crosses no other state.
                    // (On the right, clear of the C and S marks.)
                    let (rim, out, label_x) = if x0 < 200 { (6, -52, 18) } else { (394, 68, 389) };
                    let d = format!("M{} {y0} H{rim} V{y1} H{}", x0 + out, x1 + out);
                    let label_y = (y0 + y1) / 2;
                    html! { <g class="edge-extra" data-testid="extra-edge">
                        <path class="edge taken" d={d} fill="none" />
                        <text x={svg_num(label_x)} y={svg_num(label_y)} text-anchor="middle"
                              transform={format!("rotate(-90 {label_x} {label_y})")}>{ extra_label(*a, *b) }</text>
                    </g> }
                }) }
                { for State::ALL.iter().map(|s| {
                    let (x, y) = place(*s);
                    let who = match (*s == props.client, *s == props.server) {
                        (true, true) => "both",
                        (true, false) => "client",
                        (false, true) => "server",
                        _ => "",
                    };
                    html! { <g class={if who.is_empty() { "node".to_string() } else { format!("node at-{who}") }}>
                        <rect x={svg_num(x - 52)} y={svg_num(y - 13)} width="104" height="26" rx="13" />
                        <text x={svg_num(x)} y={svg_num(y + 4)} text-anchor="middle">{ s.to_string() }</text>
                        if !who.is_empty() {
                            <text class="who" x={svg_num(x + 56)} y={svg_num(y + 4)}>{ if who == "both" { "C S" } else if who == "client" { "C" } else { "S" } }</text>
                        }
                    </g> }
                }) }
            </svg>
            { legend(&[("at-client", "C: client"), ("at-server", "S: server")]) }
        </section>
    }
}
