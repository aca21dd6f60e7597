//! The run as a capture: download a .pcap (opens in Wireshark) taken on
//! either host, or read and copy it as tcpdump-like text.

use crate::state::story::Shared;
use tcpsim::net::Side;
use wasm_bindgen::prelude::{Closure, JsValue};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// `dump` is the trace as text, made once per run (not per frame).
pub fn capture(story: &Shared, dump: &std::rc::Rc<str>) -> Html {
    let download = |side: Side| {
        let story = story.clone();
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}-{}.pcap", story.trace.scenario, side.name());
            if let Err(e) = save(&story.trace.pcap(side), &name) {
                show("capture-error", &format!("The download could not start: {e}"));
            }
        })
    };
    let copy = {
        let text = dump.clone();
        Callback::from(move |_: MouseEvent| {
            // The clipboard exists only on secure pages, and an iframe may
            // be refused it: say so instead of failing silently.
            let Some(promise) = write_to_clipboard(&text) else {
                return show("copy-status", NO_CLIPBOARD);
            };
            let done = Closure::once(|_: JsValue| show("copy-status", " Copied."));
            let refused = Closure::once(|_: JsValue| show("copy-status", NO_CLIPBOARD));
            let _ = promise.then2(&done, &refused);
            // Each copy leaves two small closures behind: JS owns them now.
            done.forget();
            refused.forget();
        })
    };
    html! {
        <section class="capture" aria-labelledby="capture-title">
            <h2 id="capture-title">{ "Capture" }</h2>
            <p>
                <button onclick={download(Side::Client)} data-testid="pcap-client">{ "Download .pcap (client)" }</button>
                { " " }
                <button onclick={download(Side::Server)} data-testid="pcap-server">{ "Download .pcap (server)" }</button>
            </p>
            <p role="alert" id="capture-error"></p>
            if !cfg!(feature = "full") {
                <p>
                    { "Have a capture of your own? " }
                    <a href="full/" data-testid="open-capture-link">{ "Open it here" }</a>
                    { ": it is replayed on the same ladder, and read only in your browser." }
                </p>
            }
            <details>
                <summary>{ "The run as tcpdump-like text" }</summary>
                <button onclick={copy}>{ "Copy" }</button>
                <span role="status" class="muted" id="copy-status"></span>
                <pre class="dump" data-testid="dump">{ &**dump }</pre>
            </details>
        </section>
    }
}

/// Puts a short message into the element `id` (the capture's messages
/// live in the DOM, not in the app's state).
fn show(id: &str, text: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()?.get_element_by_id(id)) {
        el.set_text_content(Some(text));
    }
}

const NO_CLIPBOARD: &str = " This page may not use the clipboard here: select the text and copy it.";

/// Starts writing `text` to the clipboard, if the page may use it.
fn write_to_clipboard(text: &str) -> Option<js_sys::Promise> {
    let navigator = web_sys::window()?.navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok()?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return None;
    }
    Some(clipboard.unchecked_into::<web_sys::Clipboard>().write_text(text))
}

/// Hands `bytes` to the browser as a file download. The object URL is kept
/// on the page (`a[data-testid=pcap-link]`) until the next download, so the
/// bytes can be checked.
fn save(bytes: &[u8], name: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/vnd.tcpdump.pcap");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    if let Some(old) = document.query_selector("a[data-testid=pcap-link]").ok().flatten() {
        if let Some(href) = old.get_attribute("href") {
            let _ = web_sys::Url::revoke_object_url(&href);
        }
        old.remove();
    }
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    let _ = a.set_attribute("data-testid", "pcap-link");
    let _ = a.set_attribute("hidden", "");
    document.body().ok_or("no body")?.append_child(&a).map_err(fail)?;
    a.click();
    Ok(())
}
