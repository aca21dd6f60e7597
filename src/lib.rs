//! Watch TCP work: the `tcpsim` engine runs in the page and this Yew app
//! animates its trace. The engine knows nothing of the UI; the UI renders
//! what the engine reports.

#[cfg(feature = "full")]
mod capture_import;
#[cfg(feature = "full")]
pub mod capture_protocol;
pub mod components;
mod field_meanings;
mod hooks;
pub mod lesson;
pub mod narration;
mod plot;
#[cfg(feature = "full")]
pub mod predict;
pub mod state;

pub use components::app::{App, Props};

// talc in place of Rust's default wasm allocator (dlmalloc): about 3 KB
// smaller gzipped in the page's wasm, and no slower at re-running the
// congestion scenario. In the library, so the browser tests run on it too.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the app on `#app` (or the body) with the page's own URL, unless
/// the URL asks for a lesson the full build runs.
pub fn start() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Before anything renders, so the page does not flash a stand-in.
    let query = hooks::page_query();
    if hooks::hand_over_to_full_build(&state::params::Params::parse(&query).0, &query) {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // A prerendered page carries its first lesson's script: the app's first
    // view is then the one the page shows already, with nothing to fetch.
    let lesson = document.get_element_by_id("first-lesson").and_then(|script| {
        Some((
            script.get_attribute("data-scenario")?.into(),
            script.text_content()?.into(),
        ))
    });
    let Some(root) = document
        .get_element_by_id("app")
        .or_else(|| document.body().map(Into::into))
    else {
        return;
    };
    // In place of the loading message or the prerendered view, in one go:
    // nothing is painted in between. (The prerendered page loads the app
    // once its view is painted: see src/bin/prerender.rs.)
    root.set_inner_html("");
    let props = Props {
        lesson,
        ..Props::default()
    };
    yew::Renderer::<App>::with_root_and_props(root, props).render();
}

#[cfg(test)]
mod tests {
    /// full.html is the first page with modern TCP compiled in, and
    /// nothing else: the same markup, one cargo feature, one stylesheet
    /// (for what only it shows) and the capture worker more.
    #[test]
    fn the_full_build_page_is_the_first_page_with_the_full_feature() {
        let read = |name: &str| std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let rust_link = r#"<link data-trunk rel="rust" data-bin="watch-tcp""#;
        let full = read("full.html");
        assert!(full.contains(&format!(r#"{rust_link} data-cargo-features="full""#)));
        let extra_css = "  <link data-trunk rel=\"css\" href=\"static/full.css\" data-integrity=\"none\">\n";
        assert!(full.contains(extra_css));
        let worker = full
            .lines()
            .skip_while(|l| !l.contains("The capture importer"))
            .take(3)
            .map(|l| format!("{l}\n"))
            .collect::<String>();
        assert!(
            worker.contains(r#"data-bin="capture-worker" data-type="worker""#),
            "{worker}"
        );
        let first = full
            .replace(&worker, "")
            .replace(r#" data-cargo-features="full""#, "")
            .replace(extra_css, "");
        assert_eq!(first, read("index.html"));
    }
}
