//! Predict mode's panel: the form for the next segment (only the fields the
//! level asks), the verdict on the step just checked, the score, and at the
//! end the ideas missed with links back to their steps. (Only in the build
//! with modern TCP, which predict mode's URLs open.)

use crate::predict::{fields, Cause, Concept, Field, Level, Prediction, Verdict, FLAGS};
use crate::state::story::Shared;
use crate::state::Action;
use std::collections::BTreeMap;
use std::rc::Rc;
use tcpsim::net::Side;
use tcpsim::tcp::State;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
    /// The scenario's id: scores are kept per lesson.
    pub scenario: AttrValue,
    /// The step shown: the form is about the one after it.
    pub step: usize,
    pub level: Level,
    pub answers: Rc<BTreeMap<usize, Vec<Verdict>>>,
    pub on_action: Callback<Action>,
}

/// The number fields' text as typed, so that a half-typed number is kept.
#[derive(Clone, Default, PartialEq)]
struct Typed {
    wait: String,
    seq: String,
    ack: String,
    len: String,
}

#[function_component(PredictPanel)]
pub fn predict_panel(props: &Props) -> Html {
    let story = &props.story.0;
    let next = props.step + 1;
    let prediction = use_state(Prediction::default);
    let typed = use_state(Typed::default);
    let form_ref = use_node_ref();
    // Set when the learner checks or skips: the next form then takes the
    // focus, so the whole run can be done from the keyboard.
    let moved_on = use_mut_ref(|| false);
    {
        // A fresh form for each step.
        let (prediction, typed) = (prediction.clone(), typed.clone());
        let (form_ref, moved_on) = (form_ref.clone(), moved_on.clone());
        use_effect_with(next, move |_| {
            prediction.set(Prediction::default());
            typed.set(Typed::default());
            let first = form_ref
                .cast::<web_sys::Element>()
                .and_then(|form| form.query_selector("input, button, select").ok().flatten())
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            if std::mem::take(&mut *moved_on.borrow_mut()) {
                if let Some(el) = first {
                    let _ = el.focus();
                }
            }
        });
    }
    let score = crate::predict::Score::of(props.answers.values());
    let checked = props.answers.get(&props.step);
    // The last run's score on this lesson, kept in this browser only.
    let kept = use_state(|| kept_score(&props.scenario));
    {
        let (kept, scenario) = (kept.clone(), props.scenario.clone());
        let finished = props.step >= story.steps.len() && score.asked > 0;
        let text = format!("{} of {} fields right", score.right, score.asked);
        use_effect_with((finished, text), move |(finished, text)| {
            if *finished {
                keep_score(&scenario, text);
                kept.set(Some(text.clone()));
            }
        });
    }
    let forget = {
        let kept = kept.clone();
        Callback::from(move |_: MouseEvent| {
            forget_scores();
            kept.set(None);
        })
    };
    let level_switch = {
        let on_action = props.on_action.clone();
        let full = props.level == Level::Full;
        html! {
            <label class="switch">
                <input type="checkbox" role="switch" checked={full} data-testid="predict-full"
                       onchange={on_action.reform(|e: Event| {
                           let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                           Action::SetPredict { on: true, full_level: input.checked() }
                       })} />
                { " Ask every field" }
            </label>
        }
    };
    let form = match story.steps.get(next - 1) {
        Some(step) => {
            let asked = fields(story, step, props.level);
            let on_submit = {
                let (on_action, prediction, typed) = (props.on_action.clone(), prediction.clone(), typed.clone());
                let moved_on = moved_on.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    *moved_on.borrow_mut() = true;
                    let mut p = (*prediction).clone();
                    let number = |text: &str| text.trim().parse::<u32>().ok();
                    p.wait = number(&typed.wait);
                    p.seq = number(&typed.seq);
                    p.ack = number(&typed.ack);
                    p.len = number(&typed.len);
                    on_action.emit(Action::Predict(p));
                })
            };
            let reveal = {
                let moved_on = moved_on.clone();
                props.on_action.reform(move |_: MouseEvent| {
                    *moved_on.borrow_mut() = true;
                    Action::StepForward
                })
            };
            html! {
                <form class="predict-form" onsubmit={on_submit} ref={form_ref} data-testid="predict-form">
                    <p class="predict-ask">{ format!("What will segment {next} be?") }</p>
                    { for asked.iter().map(|&field| input(field, &prediction, &typed)) }
                    <div class="buttons">
                        <button type="submit" class="primary" data-testid="predict-check">{ "Check (Enter)" }</button>
                        <button type="button" onclick={reveal} data-testid="predict-reveal">{ "Show it without answering" }</button>
                    </div>
                </form>
            }
        }
        None => summary(&props.answers, &props.on_action),
    };
    html! {
        <section class="predict" aria-labelledby="predict-title" data-testid="predict">
            <h2 id="predict-title">{ "Predict the next segment" }</h2>
            { level_switch }
            <div aria-live="polite" data-testid="predict-result">
                if let Some(verdicts) = checked {
                    { result(props.step, verdicts, &props.on_action) }
                }
            </div>
            { form }
            <p class="predict-score" data-testid="predict-score">
                { format!("Score: {} of {} fields right", score.right, score.asked) }
            </p>
            if let Some(text) = &*kept {
                <p class="predict-kept" data-testid="predict-kept">
                    { format!("Your last full run of this lesson: {text}. Kept in this browser only, never sent anywhere. ") }
                    <button type="button" class="link" onclick={forget} data-testid="predict-forget">{ "Forget my scores" }</button>
                </p>
            }
        </section>
    }
}

const KEPT_PREFIX: &str = "watch-tcp.predict.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn kept_score(scenario: &str) -> Option<String> {
    storage()?.get_item(&format!("{KEPT_PREFIX}{scenario}")).ok().flatten()
}

/// Storage may be full or refused (private browsing): then nothing is kept.
fn keep_score(scenario: &str, text: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&format!("{KEPT_PREFIX}{scenario}"), text);
    }
}

fn forget_scores() {
    let Some(storage) = storage() else {
        return;
    };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(KEPT_PREFIX))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}

/// One field of the form, labelled.
fn input(field: Field, prediction: &UseStateHandle<Prediction>, typed: &UseStateHandle<Typed>) -> Html {
    let id = |f: Field| format!("predict-{f:?}").to_lowercase();
    match field {
        Field::Sender => {
            let options = [Side::Client, Side::Server].map(|side| {
                let set = move |p: &mut Prediction| p.sender = Some(side);
                (
                    side.name(),
                    format!(" the {}", side.name()),
                    prediction.sender == Some(side),
                    set,
                )
            });
            radios(field, &id(field), options, prediction)
        }
        Field::Cause => {
            let options = Cause::ALL.map(|cause| {
                let set = move |p: &mut Prediction| p.cause = Some(cause);
                let value = format!("{cause:?}").to_lowercase();
                (
                    value,
                    format!(" {}", cause.label()),
                    prediction.cause == Some(cause),
                    set,
                )
            });
            radios(field, &id(field), options, prediction)
        }
        Field::Flags => {
            let chosen = prediction.flags.unwrap_or_default();
            html! {
                <fieldset class="predict-field" data-testid={id(field)}>
                    <legend>{ field.label() }</legend>
                    { for FLAGS.iter().map(|&(flag, name)| {
                        let prediction = prediction.clone();
                        let on = chosen.contains(flag);
                        let toggle = Callback::from(move |_: MouseEvent| {
                            let mut flags = prediction.flags.unwrap_or_default();
                            flags.set(flag, !on);
                            prediction.set(Prediction { flags: Some(flags), ..(*prediction).clone() })
                        });
                        html! {
                            <button type="button" class="chip" aria-pressed={on.to_string()} onclick={toggle}
                                    data-testid={format!("predict-flag-{name}")}>{ name }</button>
                        }
                    }) }
                </fieldset>
            }
        }
        Field::Wait | Field::Seq | Field::Ack | Field::Len => {
            let (value, hint) = match field {
                Field::Wait => (typed.wait.clone(), " (ms; within a fifth is right)"),
                Field::Seq => (typed.seq.clone(), ""),
                Field::Ack => (typed.ack.clone(), " (empty if no ACK flag)"),
                _ => (typed.len.clone(), " (bytes)"),
            };
            let typed = typed.clone();
            let on_input = Callback::from(move |e: InputEvent| {
                let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                let mut t = (*typed).clone();
                match field {
                    Field::Wait => t.wait = text,
                    Field::Seq => t.seq = text,
                    Field::Ack => t.ack = text,
                    _ => t.len = text,
                }
                typed.set(t);
            });
            html! {
                <label class="predict-field">{ format!("{}{hint}", field.label()) }
                    <input type="text" inputmode="numeric" autocomplete="off" value={value} oninput={on_input}
                           data-testid={id(field)} />
                </label>
            }
        }
        Field::ClientState | Field::ServerState => {
            let side = if field == Field::ClientState {
                Side::Client
            } else {
                Side::Server
            };
            let current = match side {
                Side::Client => prediction.client_state,
                Side::Server => prediction.server_state,
            };
            let prediction = prediction.clone();
            let on_change = Callback::from(move |e: Event| {
                let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                let state = State::ALL.into_iter().find(|s| s.name() == value);
                let mut p = (*prediction).clone();
                match side {
                    Side::Client => p.client_state = state,
                    Side::Server => p.server_state = state,
                }
                prediction.set(p);
            });
            html! {
                <label class="predict-field">{ field.label() }
                    <select onchange={on_change} data-testid={id(field)}>
                        <option value="" selected={current.is_none()}>{ "choose a state" }</option>
                        { for State::ALL.iter().map(|s| html! {
                            <option value={s.name()} selected={current == Some(*s)}>{ s.name() }</option>
                        }) }
                    </select>
                </label>
            }
        }
    }
}

/// A field answered by picking one of `options`: (value, label, chosen,
/// how picking it changes the prediction).
fn radios<V: ToString, const N: usize>(
    field: Field,
    id: &str,
    options: [(V, String, bool, impl Fn(&mut Prediction) + 'static); N],
    prediction: &UseStateHandle<Prediction>,
) -> Html {
    let name = id.to_string();
    html! {
        <fieldset class="predict-field" data-testid={id.to_string()}>
            <legend>{ field.label() }</legend>
            { for options.into_iter().map(|(value, label, checked, set)| {
                let value = value.to_string();
                let prediction = prediction.clone();
                let pick = Callback::from(move |_: Event| {
                    let mut p = (*prediction).clone();
                    set(&mut p);
                    prediction.set(p);
                });
                html! {
                    <label><input type="radio" name={name.clone()} value={value.clone()} {checked} onchange={pick}
                                  data-testid={format!("{name}-{value}")} />{ label }</label>
                }
            }) }
        </fieldset>
    }
}

/// The verdict on step `n`, field by field, and a way to try it again.
fn result(n: usize, verdicts: &[Verdict], on_action: &Callback<Action>) -> Html {
    let right = verdicts.iter().filter(|v| v.right).count();
    let retry = on_action.reform(move |_: MouseEvent| Action::GoTo(n - 1));
    html! {
        <div class="predict-result">
            <p><strong>{ format!("Segment {n}: {right} of {} right.", verdicts.len()) }</strong></p>
            <ul>
                { for verdicts.iter().map(|v| html! {
                    <li class={if v.right { "right" } else { "wrong" }}>
                        <span class="mark" aria-hidden="true">{ if v.right { "✓ " } else { "✗ " } }</span>
                        { format!("{}: {}{}. ", v.field.label(), if v.right { "" } else { "it is " }, v.expected) }
                        { &v.reason }
                    </li>
                }) }
            </ul>
            if right < verdicts.len() {
                <button type="button" onclick={retry} data-testid="predict-retry">{ format!("Try segment {n} again") }</button>
            }
        </div>
    }
}

/// The end of the run: the ideas behind the wrong answers, each with the
/// steps where it was missed.
fn summary(answers: &BTreeMap<usize, Vec<Verdict>>, on_action: &Callback<Action>) -> Html {
    let mut missed: BTreeMap<Concept, Vec<usize>> = BTreeMap::new();
    for (&n, verdicts) in answers {
        for concept in verdicts.iter().filter_map(|v| v.missed) {
            let steps = missed.entry(concept).or_default();
            if steps.last() != Some(&n) {
                steps.push(n);
            }
        }
    }
    html! {
        <div class="predict-summary" data-testid="predict-summary">
            <p>{ "That was the last segment of this run." }</p>
            if missed.is_empty() {
                <p>{ "No idea was missed in the segments you predicted." }</p>
            } else {
                <p>{ "Worth another look:" }</p>
                <ul>
                    { for missed.iter().map(|(concept, steps)| html! {
                        <li>
                            { concept.sentence() }
                            { for steps.iter().map(|&n| {
                                let go = on_action.reform(move |_: MouseEvent| Action::GoTo(n - 1));
                                html! { <>{ " " }<button type="button" class="link" onclick={go}>{ format!("segment {n}") }</button></> }
                            }) }
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}
