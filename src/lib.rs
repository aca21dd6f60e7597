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
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app").or_else(|| d.body().map(Into::into)));
    if let Some(root) = root {
        // Replace the loading message.
        root.set_inner_html("");
        yew::Renderer::<App>::with_root(root).render();
    }
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
