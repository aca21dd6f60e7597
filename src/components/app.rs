//! The root component: owns the state, runs the animation clock and the
//! keyboard shortcuts, keeps the URL in step, and lays out the page.

use super::capture::capture;
use super::class_names;
#[cfg(feature = "full")]
use super::code_lane::{self, code_lane};
use super::controls::{self, controls};
use super::embed_dialog::embed_dialog;
use super::fold_bar::{self, fold_bar};
use super::host_card::host_card;
use super::inspector::inspector;
use super::key_moments::key_moments;
use super::lab_panel::{self, lab_panel};
use super::ladder::{self, keep_focus_in_view, ladder};
use super::narration_panel::{self, narration_panel};
use super::notices::notices;
use super::scenario_picker::scenario_picker;
#[cfg(feature = "full")]
use super::sequence_plot::sequence_plot;
use super::state_diagram::{self, state_diagram};
#[cfg(feature = "full")]
use super::window_plot::window_plot;
use super::wire_view::wire_view;
use crate::hooks::{
    fetch_text, hand_over_to_full_build, page_query, prefers_reduced_motion, use_animation_frames, use_document_keydown,
};
use crate::lesson::Lesson;
use crate::narration::is_default_story;
use crate::narration::phrases::Phrases;
use crate::state::params::{Params, Theme};
use crate::state::story::Shared;
use crate::state::{Action, AppState};
use tcpsim::net::Side;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq, Default)]
pub struct Props {
    /// The query to start from; the page's own URL when `None`.
    #[prop_or_default]
    pub query: Option<AttrValue>,
    /// Whether travel is animated; follows `prefers-reduced-motion` when `None`.
    #[prop_or_default]
    pub still: Option<bool>,
    /// A lesson's script the page carries (scenario id, text), used at once
    /// if that lesson opens: the prerendered page has the first lesson's,
    /// so the app's first view is the one the page already shows.
    #[prop_or_default]
    pub lesson: Option<(AttrValue, AttrValue)>,
    /// Only the view's first screen, for the prerender at build time: the
    /// panels under it (state diagram, lab, plots, capture) come with the
    /// app, below what the page already shows, so nothing moves.
    #[prop_or_default]
    pub first_screen: bool,
}

#[component(App)]
pub fn app(props: &Props) -> Html {
    let state = {
        let query = props.query.clone();
        let still = props.still;
        let lesson = props.lesson.clone();
        use_reducer(move || {
            let query = query.map(|q| q.to_string()).unwrap_or_else(page_query);
            let (params, notices) = Params::parse(&query);
            let state = AppState::new(
                params,
                notices,
                random_secret(),
                still.unwrap_or_else(prefers_reduced_motion),
            );
            match lesson.filter(|(id, _)| **id == state.params.scenario) {
                Some((id, text)) => state.with_lesson(id.to_string(), Lesson::parse(&text).map(std::rc::Rc::new)),
                None => state,
            }
        })
    };
    let dispatch = state.dispatcher();
    let on_action: Callback<Action> = {
        let dispatch = dispatch.clone();
        Callback::from(move |a| dispatch.dispatch(a))
    };

    use_animation_frames(state.animating(), on_action.reform(Action::Tick));
    // On a phone: a swipe steps; the class that shows a folded panel (the
    // CSS folds the rest).
    let (on_touch_start, on_touch_end) = swipe(&on_action);
    let shown = |bit: u8, class: &'static str| (state.unfolded & bit != 0).then_some(class);
    use_document_keydown({
        let dispatch = dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            if let Some(action) = shortcut(&e) {
                e.prevent_default();
                dispatch.dispatch(action);
            }
        })
    });

    // Mark the first render (after it reached the DOM) for measurement:
    // a performance mark, and the time on <html data-first-frame-ms>.
    use_effect_with((), |_| {
        let window = web_sys::window();
        if let Some(performance) = window.as_ref().and_then(|w| w.performance()) {
            let _ = performance.mark("app-rendered");
            let root = window.and_then(|w| w.document()).and_then(|d| d.document_element());
            if let Some(root) = root {
                let _ = root.set_attribute("data-first-frame-ms", &(performance.now() as u64).to_string());
            }
        }
    });

    // Each lesson's script is fetched when the lesson opens; the
    // phrasebook for lessons past the default story the first time one is
    // shown (never on the default page).
    let needs_lesson = state.lesson().is_none();
    let needs_phrases = !is_default_story(&state.story) && state.phrases.is_none();
    use_effect_with((state.params.scenario.clone(), needs_lesson, needs_phrases), {
        let dispatch = dispatch.clone();
        move |(id, needs_lesson, needs_phrases): &(String, bool, bool)| {
            if *needs_lesson {
                let url = format!("lessons/{id}.md");
                let (id, dispatch) = (id.clone(), dispatch.clone());
                let loaded = Callback::from(move |text: Result<String, String>| {
                    let lesson = text.and_then(|t| Lesson::parse(&t)).map(std::rc::Rc::new);
                    dispatch.dispatch(Action::Lesson(id.clone(), lesson));
                });
                fetch_text(&url, loaded);
            }
            if *needs_phrases {
                let loaded = Callback::from(move |text: Result<String, String>| {
                    let phrases = text.and_then(|t| Phrases::parse(&t)).map(std::rc::Rc::new);
                    dispatch.dispatch(Action::Phrases(phrases));
                });
                fetch_text("lessons/narration.txt", loaded);
            }
        }
    });

    // Then each host's program, as the lesson's script names it.
    use_code_listings(&state, dispatch.clone());

    // Keep the address bar on this view, so a copied link reopens it.
    let step = state.step();
    let params = Params {
        step,
        ..state.params.clone()
    };
    let query = params.to_query();
    // And keep the focused arrow in the ladder's view.
    let focus = state.focus();
    use_effect_with((query.clone(), focus), move |(query, _)| {
        if hand_over_to_full_build(&params, query) {
            return;
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(query));
        }
        keep_focus_in_view();
    });

    let story = Shared(state.story.clone());
    let lesson = state.lesson();
    let key_steps = state.key_moments.clone();
    let moment = state.moment;
    let last = story.steps.len();
    let (client_state, client_t) = story.state_at(Side::Client, moment);
    let (server_state, server_t) = story.state_at(Side::Server, moment);
    // A replayed capture's states are inferred, and may be unknown.
    #[cfg(feature = "full")]
    let replayed = state.capture.as_deref();
    #[cfg(feature = "full")]
    let replaying = replayed.is_some();
    #[cfg(not(feature = "full"))]
    let replaying = false;
    let shown_state = |i: usize, engine| {
        #[cfg(feature = "full")]
        if let Some(c) = replayed {
            return step
                .checked_sub(1)
                .and_then(|s| c.steps.get(s))
                .map_or(Some(engine), |n| n.states[i]);
        }
        let _ = i;
        Some(engine)
    };
    // The step shown, or being revealed: predict mode asks about the next.
    // (Its clock never passes that one's sending: see `AppState::pause_at`.)
    #[cfg(feature = "full")]
    let shown_limit = state.target.unwrap_or(step);
    let in_flight = story.in_flight(moment);
    let on_random_isn = {
        let dispatch = dispatch.clone();
        Callback::from(move |on: bool| dispatch.dispatch(Action::SetRandomIsn(on.then(random_secret))))
    };
    let embed = state.params.embed;
    // The programs' calls, when the code is shown.
    #[cfg(feature = "full")]
    let calls = if state.params.code {
        state.calls.clone()
    } else {
        std::rc::Rc::default()
    };
    let theme = match state.params.theme {
        Theme::Auto => None,
        Theme::Light => Some("light"),
        Theme::Dark => Some("dark"),
    };
    // Spoken once per step, not per frame.
    let announcement = {
        let done = state.pause_at(step);
        let (c, _) = story.state_at(Side::Client, done);
        let (s, _) = story.state_at(Side::Server, done);
        let said = match step.checked_sub(1).and_then(|i| story.steps.get(i)) {
            Some(seg) => format!(
                "Step {step} of {last}: the {} sent {}. Client {c}, server {s}.",
                seg.from.name(),
                seg.label()
            ),
            None => format!("Step 0 of {last}: client {c}, server {s}."),
        };
        // And where each program is, when the code is shown.
        #[cfg(feature = "full")]
        let listings = state.listings();
        #[cfg(feature = "full")]
        let code = [Side::Client, Side::Server].into_iter().filter_map(|side| {
            listings[side.index()].as_ref()?;
            let now = code_lane::running(&state.placed[side.index()], &calls[side.index()], done.cursor)?;
            Some(format!(
                " The {}'s code, line {}: {}.",
                side.name(),
                now.line + 1,
                now.what()
            ))
        });
        #[cfg(feature = "full")]
        let said = said + &code.collect::<String>();
        said
    };

    #[cfg(feature = "full")]
    let compare = if replaying || (embed && state.comparison.is_none()) {
        Html::default()
    } else {
        super::compare_panel::compare_panel(
            state.comparison.as_deref(),
            state.params.compare.as_deref(),
            &state.compare_options,
            story.data_sender(),
            moment.time as u64,
            &on_action.reform(Action::SetCompare),
        )
    };
    #[cfg(not(feature = "full"))]
    let compare = Html::default();
    #[cfg(feature = "full")]
    let predict = if state.params.predict {
        html! { <super::predict_panel::PredictPanel story={story.clone()} scenario={state.params.scenario.clone()} step={shown_limit} level={state.predict_level()}
        answers={state.answers.clone()} on_action={on_action.clone()} /> }
    } else {
        Html::default()
    };
    #[cfg(not(feature = "full"))]
    let predict = Html::default();
    // Embedded, the panel shows only for a capture the page asked for.
    #[cfg(feature = "full")]
    let open_capture = if embed && state.params.capture.is_none() && !replaying {
        Html::default()
    } else {
        html! {
        <super::capture_panel::CapturePanel path={state.params.capture.clone()} replaying={replayed.map(|r| r.stream)}
                                            absolute={state.absolute_seq} on_action={on_action.clone()} />
        }
    };
    #[cfg(not(feature = "full"))]
    let open_capture = Html::default();
    #[cfg(feature = "full")]
    let capture_plots = if replaying && !embed {
        super::capture_plots::capture_plots(&state.plots, moment.time as u64, &story)
    } else {
        Html::default()
    };
    #[cfg(not(feature = "full"))]
    let capture_plots = Html::default();
    // The code lane, and the calls that return at this step.
    #[cfg(feature = "full")]
    let (code, code_note) = if replaying {
        (Html::default(), None)
    } else {
        (
            code_lane(&code_lane::Props {
                story: state.story.clone(),
                listings: state.listings(),
                calls: calls.clone(),
                placed: state.placed.clone(),
                cursor: moment.cursor,
                open: !embed && !crate::hooks::is_narrow(),
                at_end: step == last,
            }),
            crate::narration::calls::at_arrival(&story, &calls, focus),
        )
    };
    #[cfg(not(feature = "full"))]
    let (code, code_note) = (Html::default(), None);
    // Plots say little about a handful of segments: folded then. The
    // first page has none: its button opens them in the full build.
    #[cfg(feature = "full")]
    let plots = html! {
        <details class="plots" open={state.params.plots || story.data_segments() >= crate::plot::PLOTTED_FROM}>
            <summary>{ "Plots: congestion window and time–sequence" }</summary>
            { window_plot(state.plots.window.as_ref(), story.data_sender(), moment.time as u64, "plot-title", "") }
            { sequence_plot(state.plots.sequence.as_ref(), moment.time as u64, "seq-title", "") }
        </details>
    };
    #[cfg(not(feature = "full"))]
    let plots = html! {
        <section class="plots plot" aria-labelledby="plots-title">
            <h2 id="plots-title">{ "Plots: congestion window and time–sequence" }</h2>
            <p>{ "They open in the page's full view, at this step. Changes made in the lab are not carried over." }</p>
            <button onclick={on_action.reform(|_| Action::ShowPlots)} data-testid="show-plots">{ "Show the plots" }</button>
        </section>
    };
    let narration = html! {
        { narration_panel(&narration_panel::Props { story: story.clone(), focus, compact: embed, lesson: lesson.clone(),
                                                   phrases: state.phrases.clone(), glossary: state.glossary.clone(),
                                                   calls: code_note,
                                                   on_action: on_action.clone() }) }
    };
    #[cfg(feature = "full")]
    let narration = match replayed {
        Some(r) => super::capture_narration::capture_narration(r, &story, focus),
        None => narration,
    };
    #[cfg(feature = "full")]
    let scoreboard =
        super::scoreboard_bar::scoreboard_bar(&state.plots.scoreboard, moment.time as u64, crate::plot::mss(&story));
    #[cfg(not(feature = "full"))]
    let scoreboard = Html::default();

    html! {
        <div class={class_names(&[Some("app"), embed.then_some("embedded"), state.still.then_some("still"), (cfg!(feature = "full") && state.params.predict).then_some("predicting"),
                                  shown(fold_bar::LADDER, "show-ladder"), shown(fold_bar::INSPECTOR, "show-inspector"), shown(fold_bar::STATES, "show-states"),
                                  shown(fold_bar::LAB, "show-lab"), shown(fold_bar::OPTIONS, "show-options")])} data-theme={theme}>
            if embed {
                <header class="visually-hidden"><h1>{ "Watch TCP work" }</h1></header>
            } else {
                <header class="page-header">
                    <h1>{ "Watch TCP work" }</h1>
                    <p class="subtitle">
                        if replaying {
                            { "Replaying a captured TCP connection. The segments are the capture's; the states and the analysis are worked out in this page. Choose a lesson to go back to the engine." }
                        } else {
                            { "A real TCP engine runs a client and a server in this page. Every segment, number and state below comes out of it." }
                        }
                    </p>
                    { scenario_picker(&state.params.scenario,
                                      if replaying { "" } else { lesson.as_ref().and_then(|l| l.as_deref().ok()).map_or("", |l| l.summary.as_str()) },
                                      &on_action.reform(Action::SetScenario)) }
                </header>
            }
            { notices(&state.notices, &on_action.reform(Action::Dismiss)) }
            <main>
                { open_capture }
                <div class="stage" onpointerdown={on_touch_start.clone()} onpointerup={on_touch_end.clone()}>
                    { host_card(Side::Client, story.client, shown_state(0, client_state), client_t, replaying) }
                    { wire_view(&story, &in_flight, &on_action.reform(Action::Select)) }
                    { host_card(Side::Server, story.server, shown_state(1, server_state), server_t, replaying) }
                </div>
                { controls(&controls::Props { step, last, playing: state.playing, speed: state.params.speed,
                                             random_isn: state.params.random_isn, predict: state.params.predict, code: state.params.code, replaying,
                                             on_action: on_action.clone(), on_random_isn }) }
                { predict }
                { key_moments(
                    if replaying { "" } else { lesson.as_ref().and_then(|l| l.as_ref().ok()).map_or("", |l| l.watch.as_str()) },
                    &key_steps,
                    step,
                    &on_action.reform(Action::GoTo),
                ) }
                if state.embed_open {
                    { embed_dialog(&embed_url(&query), &on_action.reform(|_| Action::ToggleEmbed)) }
                }
                <div class="panels">
                    { fold_bar(state.unfolded, embed, &on_action.reform(Action::Fold)) }
                    <div class="side-panels" onpointerdown={on_touch_start} onpointerup={on_touch_end}>
                        { ladder(&ladder::Props { story: story.clone(), cursor: moment.cursor, focus,
                                                  on_select: on_action.reform(Action::GoTo),
                                                  keys: key_steps.iter().map(|(n, _)| *n).collect(),
                                                  #[cfg(feature = "full")]
                                                  calls: calls.clone() }) }
                        if !embed && !props.first_screen {
                            { state_diagram(&state_diagram::Props { client: client_state, server: server_state, client_last: client_t, server_last: server_t }) }
                        }
                    </div>
                    <div class="side-panels">
                        { narration }
                        { code }
                        { scoreboard }
                        { inspector(focus.checked_sub(1).and_then(|i| story.steps.get(i)), state.hovered(), &on_action) }
                    </div>
                </div>
                { compare }
                if !embed && !replaying && !props.first_screen {
                    { lab_panel(&lab_panel::Props { focus, faults: state.faults.clone(), lab: state.lab.clone(),
                                                    latency_ms: story.one_way_delay_ms().unwrap_or(0), delays_acks: story.delays_acks,
                                                    on_action: on_action.clone() }) }
                    { plots }
                    { capture(&story, &state.dump) }
                }
                { capture_plots }
            </main>
            if !embed && !props.first_screen {
                <footer class="page-footer">
                    if replaying {
                        <p>{ "The segments replayed here are your capture's. The analysis marks and the states are worked out in this page, from the capture alone." }</p>
                    } else {
                        <p>{ "Every segment, number and state on this page comes from the tcpsim engine (RFC 9293) running here in WebAssembly. Nothing is scripted." }</p>
                    }
                </footer>
            }
            <div class="visually-hidden" aria-live="polite" data-testid="live">{ announcement }</div>
        </div>
    }
}

/// The keyboard shortcuts: Space play/pause, ←/→ step, Home restart, 1–9
/// the lesson's key moments. Keys
/// typed into a form field, or pressed on a button (Space clicks it), are
/// left alone.
fn shortcut(e: &KeyboardEvent) -> Option<Action> {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return None;
    }
    let tag = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.tag_name().to_ascii_uppercase())
        .unwrap_or_default();
    if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
        return None;
    }
    match e.key().as_str() {
        " " if tag != "BUTTON" => Some(Action::TogglePlay),
        "ArrowRight" => Some(Action::StepForward),
        "ArrowLeft" => Some(Action::StepBack),
        "Home" => Some(Action::Restart),
        key => match key.as_bytes() {
            &[digit @ b'1'..=b'9'] => Some(Action::KeyMoment((digit - b'1') as usize)),
            _ => None,
        },
    }
}

/// This page's address with `query` and the compact layout.
fn embed_url(query: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default();
    let query = if query.contains("embed=1") {
        query.to_string()
    } else {
        format!("{query}&embed=1")
    };
    format!("{base}{query}")
}

/// A fresh secret for RFC 6528 ISNs, from the browser's entropy source.
fn random_secret() -> u64 {
    let mut bytes = [0u8; 8];
    // With no entropy the ISNs are still valid, just predictable.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

thread_local! {
    /// Where the touch being swiped began (one at a time).
    static SWIPE_FROM: std::cell::Cell<Option<(i32, i32)>> = const { std::cell::Cell::new(None) };
}

/// Steps on a horizontal swipe by touch (over the wire or the ladder):
/// leftwards forward, rightwards back, as pages turn. Returns the
/// pointer-down and pointer-up handlers.
fn swipe(on_action: &Callback<Action>) -> (Callback<PointerEvent>, Callback<PointerEvent>) {
    let start = Callback::from(|e: PointerEvent| {
        SWIPE_FROM.set((e.pointer_type() == "touch").then(|| (e.client_x(), e.client_y())));
    });
    let on_action = on_action.clone();
    let end = Callback::from(move |e: PointerEvent| {
        let Some((x, y)) = SWIPE_FROM.take() else { return };
        let (dx, dy) = (e.client_x() - x, e.client_y() - y);
        // Clearly sideways, and far enough not to be a tap.
        if dx.abs() >= 40 && dx.abs() > 2 * dy.abs() {
            on_action.emit(if dx < 0 { Action::StepForward } else { Action::StepBack });
        }
    });
    (start, end)
}

/// Fetches each host's program once the lesson's script names them (the
/// code lane is in the full build).
#[cfg(feature = "full")]
#[hook]
fn use_code_listings(state: &AppState, dispatch: UseReducerDispatcher<AppState>) {
    let code = state.lesson().and_then(Result::ok).map(|l| l.code.clone());
    let needs_code = state.params.code && state.listings().iter().any(Option::is_none);
    use_effect_with((state.params.scenario.clone(), code.filter(|_| needs_code)), {
        move |(id, code): &(String, Option<[Option<crate::lesson::CodeFile>; 2]>)| {
            for (side, file) in code.iter().flatten().enumerate() {
                let Some(file) = file.clone() else { continue };
                let url = format!("lessons/code/{}", file.file);
                let (id, dispatch) = (id.clone(), dispatch.clone());
                let loaded = Callback::from(move |text: Result<String, String>| {
                    // Without its code the lane shows that host's side only.
                    if let Ok(text) = text {
                        dispatch.dispatch(Action::Listing(id.clone(), side, std::rc::Rc::new(file.listing(&text))));
                    }
                });
                fetch_text(&url, loaded);
            }
        }
    });
}

#[cfg(not(feature = "full"))]
#[hook]
fn use_code_listings(_state: &AppState, _dispatch: UseReducerDispatcher<AppState>) {}
