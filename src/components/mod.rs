//! One component per file. `App` is the root; the rest render what it
//! hands them. Stateless pieces that `App` redraws with itself anyway
//! (host cards, notices, the scenario picker, the embed panel, the wire,
//! flag chips, the plots' frames) are plain view functions: each Yew
//! component type costs the page's wasm over a kilobyte of lifecycle code.

pub mod app;
pub mod capture;
#[cfg(feature = "full")]
pub mod capture_narration;
#[cfg(feature = "full")]
pub mod capture_panel;
#[cfg(feature = "full")]
pub mod capture_plots;
#[cfg(feature = "full")]
pub mod code_lane;
#[cfg(feature = "full")]
pub mod compare_panel;
pub mod controls;
pub mod embed_dialog;
pub mod flag_chips;
pub mod fold_bar;
pub mod host_card;
pub mod inspector;
pub mod key_moments;
pub mod lab_panel;
pub mod ladder;
pub mod narration_panel;
pub mod notices;
#[cfg(feature = "full")]
pub mod predict_panel;
pub mod scenario_picker;
#[cfg(feature = "full")]
pub mod scoreboard_bar;
pub mod sequence_plot;
pub mod state_diagram;
#[cfg(feature = "prerender")]
pub mod story_text;
pub mod window_plot;
pub mod wire_view;

/// A class attribute from the names that are present, space-separated.
/// Used instead of `classes!`, whose hashed set of names costs the page's
/// wasm a few kilobytes it does not need.
pub fn class_names(names: &[Option<&str>]) -> String {
    let mut out = String::new();
    for name in names.iter().flatten() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(name);
    }
    out
}

/// A coordinate or length as an SVG attribute value. Not inlined: the
/// diagrams and plots print many numbers, and one shared formatter keeps
/// the wasm smaller than a `to_string()` at each of them.
#[inline(never)]
pub fn svg_num(v: impl Into<i64>) -> yew::AttrValue {
    yew::AttrValue::from(v.into().to_string())
}

/// A diagram's legend: one coloured key per `(class, label)`.
pub fn legend(keys: &[(&str, &'static str)]) -> yew::Html {
    yew::html! {
        <p class="legend">
            { for keys.iter().map(|(class, label)| yew::html! { <span class={format!("key {class}")}>{ *label }</span> }) }
        </p>
    }
}
