//! Watch TCP work: the `tcpsim` engine runs in the page and this Yew app
//! animates its trace. The engine knows nothing of the UI; the UI renders
//! what the engine reports.

pub mod components;
mod field_meanings;
mod hooks;
pub mod lesson;
pub mod narration;
mod plot;
pub mod state;

pub use components::app::{App, Props};

// talc in place of Rust's default wasm allocator (dlmalloc): about 3 KB
// smaller gzipped in the page's wasm, and no slower at re-running the
// congestion scenario. In the library, so the browser tests run on it too.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the app on `#app` (or the body) with the page's own URL.
pub fn start() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app").or_else(|| d.body().map(Into::into)));
    if let Some(root) = root {
        // Replace the loading message.
        root.set_inner_html("");
        yew::Renderer::<App>::with_root(root).render();
    }
}
