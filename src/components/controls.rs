//! Playback controls: restart, step back, play/pause, step forward, a
//! scrubber with one tick per segment, speed, the random-ISN, predict and
//! code switches, and the embed button. Keyboard shortcuts are handled by the app.

use crate::state::params::{speed_named, SPEEDS};
use crate::state::Action;
use yew::prelude::*;

pub struct Props {
    pub step: usize,
    pub last: usize,
    pub playing: bool,
    pub speed: f64,
    pub random_isn: bool,
    /// Predict mode: the learner predicts each segment before it is shown.
    pub predict: bool,
    /// Each host's program is shown beside the ladder.
    pub code: bool,
    /// A capture is replayed: no engine run to change.
    pub replaying: bool,
    pub on_action: Callback<Action>,
    /// Switching random ISNs on draws a fresh secret, so the app handles it.
    pub on_random_isn: Callback<bool>,
}

pub fn controls(props: &Props) -> Html {
    let act = |a: fn() -> Action| props.on_action.reform(move |_: MouseEvent| a());
    let on_scrub = props.on_action.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::GoTo(input.value().parse().unwrap_or(0))
    });
    let on_speed = props.on_action.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Action::SetSpeed(speed_named(&select.value()).unwrap_or(1.0))
    });
    let on_isn = props.on_random_isn.reform(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.checked()
    });
    let on_predict = props.on_action.reform(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::SetPredict {
            on: input.checked(),
            full_level: false,
        }
    });
    let on_code = props.on_action.reform(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::SetCode(input.checked())
    });
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <div class="buttons">
                <button onclick={act(|| Action::Restart)} aria-label="Restart (Home)" title="Restart (Home)" data-testid="restart">{ "⟲ restart" }</button>
                <button onclick={act(|| Action::StepBack)} aria-label="Step back (←)" title="Step back (←)"
                        disabled={props.step == 0} data-testid="back">{ "◀ back" }</button>
                <button class="primary" onclick={act(|| Action::TogglePlay)} data-testid="play" disabled={props.predict}
                        aria-label={if props.playing { "Pause (Space)" } else { "Play (Space)" }}
                        title={if props.playing { "Pause (Space)" } else { "Play (Space)" }}>
                    { if props.playing { "❚❚ pause" } else { "▶ play" } }
                </button>
                <button onclick={act(|| Action::StepForward)} aria-label="Step forward (→)" title="Step forward (→)"
                        disabled={props.step >= props.last} data-testid="forward">{ "step ▶" }</button>
            </div>
            <label class="scrubber">
                <span class="visually-hidden">{ "Step" }</span>
                <input type="range" min="0" max={props.last.to_string()} step="1" value={props.step.to_string()}
                       list="ticks" oninput={on_scrub} data-testid="scrubber"
                       aria-valuetext={format!("step {} of {}", props.step, props.last)} />
                <datalist id="ticks">
                    { for (0..=props.last).map(|i| html! { <option value={i.to_string()} /> }) }
                </datalist>
                <span class="step-count" data-testid="step-count">{ format!("{} / {}", props.step, props.last) }</span>
            </label>
            // Folded on a phone (see fold_bar.rs); one row with the rest elsewhere.
            <div class="options" id="options">
                <label class="speed">
                    { "Speed " }
                    <select onchange={on_speed} data-testid="speed">
                        { for SPEEDS.iter().map(|(name, s)| html! {
                            <option value={*name} selected={*s == props.speed}>{ format!("{name}×") }</option>
                        }) }
                    </select>
                </label>
                if !props.replaying {
                    <label class="switch">
                        <input type="checkbox" role="switch" checked={props.random_isn} onchange={on_isn} data-testid="random-isn" />
                        { " Random ISNs" }
                    </label>
                    <label class="switch">
                        <input type="checkbox" role="switch" checked={props.predict} onchange={on_predict} data-testid="predict-mode" />
                        { " Predict" }
                    </label>
                    <label class="switch">
                        <input type="checkbox" role="switch" checked={props.code} onchange={on_code} data-testid="code-mode" />
                        { " Code" }
                    </label>
                }
                <button onclick={act(|| Action::ToggleEmbed)} data-testid="embed-button">{ "Embed" }</button>
            </div>
        </div>
    }
}
