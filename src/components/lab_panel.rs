//! The fault lab: break the selected segment (drop, duplicate, delay, flip
//! a bit), change the wire and the hosts, edit what the client sends. Every
//! change re-runs the engine from the start with the same seed.

use crate::state::lab::Lab;
use crate::state::Action;
use tcpsim::net::{FaultAction, ScriptedFault};
use tcpsim::time::Duration;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub struct Props {
    /// The step the fault buttons act on (0: none).
    pub focus: usize,
    pub faults: Vec<ScriptedFault>,
    pub lab: Lab,
    /// The scenario's one-way delay, shown while the lab leaves it alone.
    pub latency_ms: u64,
    /// Whether the scenario has a host that delays ACKs, likewise.
    pub delays_acks: bool,
    pub on_action: Callback<Action>,
}

const BANDWIDTHS: [(u64, &str); 5] = [
    (0, "unlimited"),
    (10_000, "10 Mbit/s"),
    (1_000, "1 Mbit/s"),
    (256, "256 kbit/s"),
    (64, "64 kbit/s"),
];

pub fn lab_panel(props: &Props) -> Html {
    let n = props.focus;
    let fault = |action: FaultAction| props.on_action.reform(move |_: MouseEvent| Action::Fault(n, action));
    let lab = props.lab.clone();
    let set = |f: fn(&mut Lab, &str)| {
        let lab = lab.clone();
        props.on_action.reform(move |e: Event| {
            let value = input_value(&e);
            let mut lab = lab.clone();
            f(&mut lab, &value);
            Action::SetLab(lab)
        })
    };
    let send_payload = {
        let lab = lab.clone();
        props.on_action.reform(move |_: MouseEvent| {
            let text = web_sys::window()
                .and_then(|w| w.document()?.get_element_by_id("lab-payload"))
                .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                .map(|t| t.value())
                .unwrap_or_default();
            // A typed newline becomes CRLF, as HTTP wants.
            let bytes = text.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes();
            Action::SetLab(Lab {
                payload: Some(bytes),
                ..lab.clone()
            })
        })
    };
    let pct = |v: Option<u8>| v.unwrap_or(0).to_string();
    html! {
        <section class="lab" id="lab" aria-labelledby="lab-title">
            <h2 id="lab-title">{ "Fault lab" }</h2>
            <div class="lab-faults" role="group" aria-label="Break the selected segment">
                <span>{ if n == 0 { "Select a segment (click it on the wire or the ladder) to break it.".to_string() } else { format!("Segment #{n}:") } }</span>
                <button disabled={n == 0} onclick={fault(FaultAction::Drop)} data-testid="fault-drop">{ "Drop" }</button>
                <button disabled={n == 0} onclick={fault(FaultAction::Duplicate)} data-testid="fault-duplicate">{ "Duplicate" }</button>
                <button disabled={n == 0} onclick={fault(FaultAction::Delay(Duration::from_millis(300)))} data-testid="fault-delay">{ "Delay 300 ms" }</button>
                <button disabled={n == 0} onclick={fault(FaultAction::Corrupt { bit: 300 })} data-testid="fault-corrupt">{ "Flip a bit" }</button>
            </div>
            if !props.faults.is_empty() {
                <p class="lab-applied">
                    { "Applied: " }
                    { props.faults.iter().map(describe).collect::<Vec<_>>().join("; ") }
                    { " " }
                    <button onclick={props.on_action.reform(|_: MouseEvent| Action::ClearFaults)} data-testid="fault-clear">{ "Clear faults" }</button>
                </p>
            }
            <div class="lab-settings">
                <label>{ format!("One-way delay: {} ms", props.lab.latency_ms.unwrap_or(props.latency_ms)) }
                    <input type="range" min="1" max="300" value={props.lab.latency_ms.unwrap_or(props.latency_ms).to_string()}
                           onchange={set(|l, v| l.latency_ms = v.parse().ok())} /></label>
                <label>{ format!("Jitter: up to {} ms", props.lab.jitter_ms.unwrap_or(0)) }
                    <input type="range" min="0" max="100" value={props.lab.jitter_ms.unwrap_or(0).to_string()}
                           onchange={set(|l, v| l.jitter_ms = v.parse().ok())} /></label>
                <label>{ format!("Loss: {}%", pct(props.lab.loss_percent)) }
                    <input type="range" min="0" max="30" value={pct(props.lab.loss_percent)}
                           onchange={set(|l, v| l.loss_percent = v.parse().ok())} data-testid="loss" /></label>
                <label>{ format!("Reordering: {}%", pct(props.lab.reorder_percent)) }
                    <input type="range" min="0" max="30" value={pct(props.lab.reorder_percent)}
                           onchange={set(|l, v| l.reorder_percent = v.parse().ok())} /></label>
                <label>{ "Bottleneck " }
                    <select onchange={set(|l, v| l.bandwidth_kbps = v.parse().ok())}>
                        { for BANDWIDTHS.iter().map(|(kbps, name)| html! {
                            <option value={kbps.to_string()} selected={props.lab.bandwidth_kbps.unwrap_or(0) == *kbps}>{ *name }</option>
                        }) }
                    </select></label>
                <label class="switch"><input type="checkbox" role="switch" checked={props.lab.nagle.unwrap_or(false)}
                    onchange={set(|l, v| l.nagle = Some(v == "on"))} />{ " Nagle" }</label>
                <label class="switch"><input type="checkbox" role="switch" checked={props.lab.delayed_ack.unwrap_or(props.delays_acks)}
                    onchange={set(|l, v| l.delayed_ack = Some(v == "on"))} />{ " Delayed ACK" }</label>
                <label class="switch"><input type="checkbox" role="switch" checked={props.lab.syn_cookies.unwrap_or(false)}
                    onchange={set(|l, v| l.syn_cookies = Some(v == "on"))} />{ " SYN cookies" }</label>
                { host_choices(&props.lab, &props.on_action) }
            </div>
            <label class="lab-payload">{ "What the client sends" }
                <textarea id="lab-payload" rows="3" placeholder="GET / HTTP/1.1" /></label>
            <button onclick={send_payload} data-testid="payload-send">{ "Send this instead" }</button>
        </section>
    }
}

/// Each host's TCP profile and congestion control (the build with modern
/// TCP only: the first page's build has one of each).
#[cfg(feature = "full")]
fn host_choices(lab: &Lab, on_action: &Callback<Action>) -> Html {
    use tcpsim::net::Side;
    use tcpsim::tcp::{Algorithm, Profile};
    const PROFILES: [Profile; 2] = [Profile::Teaching, Profile::ModernLinux];
    const ALGORITHMS: [Algorithm; 3] = [Algorithm::NewReno, Algorithm::Cubic, Algorithm::Bbr];
    let pick = |k: usize, f: fn(&mut Lab, usize, Option<usize>)| {
        let lab = lab.clone();
        on_action.reform(move |e: Event| {
            let mut lab = lab.clone();
            f(&mut lab, k, input_value(&e).parse().ok());
            Action::SetLab(lab)
        })
    };
    let selected = |chosen: Option<usize>, i: usize| chosen == Some(i);
    let hosts = [Side::Client, Side::Server].into_iter().enumerate().map(|(k, side)| {
        let profile = lab.profile[k].and_then(|p| PROFILES.iter().position(|&x| x == p));
        let algorithm = lab.congestion[k].and_then(|a| ALGORITHMS.iter().position(|&x| x == a));
        html! { <>
            <label>{ format!("The {}'s TCP", side.name()) }
                <select onchange={pick(k, |l, k, i| l.profile[k] = i.map(|i| PROFILES[i]))} data-testid={format!("profile-{}", side.name())}>
                    <option value="" selected={profile.is_none()}>{ "as the scenario sets it" }</option>
                    { for PROFILES.iter().enumerate().map(|(i, p)| html! {
                        <option value={i.to_string()} selected={selected(profile, i)}>{ p.name() }</option>
                    }) }
                </select></label>
            <label>{ format!("The {}'s congestion control", side.name()) }
                <select onchange={pick(k, |l, k, i| l.congestion[k] = i.map(|i| ALGORITHMS[i]))} data-testid={format!("congestion-{}", side.name())}>
                    <option value="" selected={algorithm.is_none()}>{ "as its profile sets it" }</option>
                    { for ALGORITHMS.iter().enumerate().map(|(i, a)| html! {
                        <option value={i.to_string()} selected={selected(algorithm, i)}>{ a.name() }</option>
                    }) }
                </select></label>
        </> }
    });
    html! { <>{ for hosts }</> }
}

#[cfg(not(feature = "full"))]
fn host_choices(_: &Lab, _: &Callback<Action>) -> Html {
    Html::default()
}

/// A range, select or checkbox's value; a checkbox reads "on" or "off".
fn input_value(e: &Event) -> String {
    if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
        if input.type_() == "checkbox" {
            return if input.checked() { "on" } else { "off" }.into();
        }
        return input.value();
    }
    e.target_dyn_into::<web_sys::HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

fn describe(f: &ScriptedFault) -> String {
    let who = f.from.name();
    let what = match f.action {
        FaultAction::Drop => "dropped".to_string(),
        FaultAction::Duplicate => "duplicated".to_string(),
        FaultAction::Delay(d) => format!("delayed {} ms", d.millis()),
        FaultAction::Corrupt { .. } => "one bit flipped".to_string(),
    };
    format!("the {who}'s datagram no. {} {what}", f.nth)
}
