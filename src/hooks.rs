//! Browser hooks: a requestAnimationFrame loop, a document key listener and
//! a text fetch. The first two are torn down when the component goes or the inputs change, so no
//! frame or listener outlives what it serves.

use crate::state::params::Params;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

type FrameLoop = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// While `active`, calls `on_frame` once per animation frame with the
/// milliseconds since the previous frame.
#[hook]
pub fn use_animation_frames(active: bool, on_frame: Callback<f64>) {
    use_effect_with(active, move |&active| {
        let frame: FrameLoop = Rc::new(RefCell::new(None));
        let handle = Rc::new(RefCell::new(None::<i32>));
        if active {
            let last = Rc::new(RefCell::new(None::<f64>));
            let (next, handle2) = (frame.clone(), handle.clone());
            *frame.borrow_mut() = Some(Closure::new(move |now: f64| {
                let prev = last.borrow_mut().replace(now);
                if let Some(prev) = prev {
                    on_frame.emit(now - prev);
                }
                if let (Some(window), Some(cb)) = (web_sys::window(), next.borrow().as_ref()) {
                    *handle2.borrow_mut() = window.request_animation_frame(cb.as_ref().unchecked_ref()).ok();
                }
            }));
            if let (Some(window), Some(cb)) = (web_sys::window(), frame.borrow().as_ref()) {
                *handle.borrow_mut() = window.request_animation_frame(cb.as_ref().unchecked_ref()).ok();
            }
        }
        move || {
            if let (Some(window), Some(id)) = (web_sys::window(), *handle.borrow()) {
                let _ = window.cancel_animation_frame(id);
            }
            // Drops the closure, and with it the loop.
            frame.borrow_mut().take();
        }
    });
}

/// Calls `on_key` for every keydown on the document.
#[hook]
pub fn use_document_keydown(on_key: Callback<KeyboardEvent>) {
    use_effect_with((), move |_| {
        let listener: Closure<dyn FnMut(KeyboardEvent)> = Closure::new(move |e: KeyboardEvent| on_key.emit(e));
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(d) = &document {
            let _ = d.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(d) = &document {
                let _ = d.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
        }
    });
}

/// True if the user asked the system for reduced motion.
pub fn prefers_reduced_motion() -> bool {
    media_matches("(prefers-reduced-motion: reduce)")
}

/// True on a phone-sized screen, where long panels start folded.
#[cfg(feature = "full")]
pub fn is_narrow() -> bool {
    media_matches("(max-width: 480px)")
}

fn media_matches(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Fetches `url` (relative to the page) as text and calls `done` with it,
/// or with why it could not (an HTTP status, or a network failure).
pub fn fetch_text(url: &str, done: Callback<Result<String, String>>) {
    let Some(window) = web_sys::window() else { return };
    let on_error = failed(done.clone());
    let on_response = Closure::once(move |response: JsValue| {
        let response: web_sys::Response = response.unchecked_into();
        match response.text() {
            Ok(text) if response.ok() => {
                let ok = done.clone();
                let on_text = Closure::once(move |t: JsValue| ok.emit(Ok(t.as_string().unwrap_or_default())));
                let on_error = failed(done);
                let _ = text.then2(&on_text, &on_error);
                on_text.forget();
                on_error.forget();
            }
            _ => done.emit(Err(format!("HTTP {}", response.status()))),
        }
    });
    let _ = window.fetch_with_str(url).then2(&on_response, &on_error);
    // One fetch per lesson opened: JS owns these small closures now.
    on_response.forget();
    on_error.forget();
}

fn failed(done: Callback<Result<String, String>>) -> Closure<dyn FnMut(JsValue)> {
    Closure::once(move |_: JsValue| done.emit(Err("the network failed".into())))
}

/// A lesson that needs modern TCP (SACK, timestamps, the newer congestion
/// controls) or shows its plots, compare mode, predict mode and the code
/// lane run in the build that has them, `full/`
/// (built from full.html), so the first page carries none of that code.
/// Returns true if this page is handing `query` over to it.
#[inline(never)]
pub fn hand_over_to_full_build(params: &Params, query: &str) -> bool {
    let lesson_needs_it = tcpsim::scenario::find(&params.scenario).is_some_and(|s| s.modern)
        || crate::plot::PLOTTED.contains(&params.scenario.as_str());
    let view_needs_it =
        params.compare.is_some() || params.predict || params.capture.is_some() || params.code || params.plots;
    let needed = !tcpsim::tcp::MODERN && (lesson_needs_it || view_needs_it);
    if needed {
        if let Some(window) = web_sys::window() {
            // A capture's path is relative to this page, which full/ is not:
            // it goes over as a path from the site's root.
            let query = match &params.capture {
                Some(path) => {
                    let here = window.location().href().unwrap_or_default();
                    let root = web_sys::Url::new_with_base(path, &here).map_or(path.clone(), |u| u.pathname());
                    Params {
                        capture: Some(root),
                        ..params.clone()
                    }
                    .to_query()
                }
                None => query.to_string(),
            };
            // Replaced, not added: Back leads where it did before.
            let _ = window.location().replace(&(String::from("full/") + &query));
        }
    }
    needed
}

/// The query part of the page address (search, or the hash if no search).
pub fn page_query() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let search = location.search().unwrap_or_default();
    if search.len() > 1 {
        search
    } else {
        location.hash().unwrap_or_default()
    }
}
