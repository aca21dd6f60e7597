//! Shared by the browser tests: the app mounted into a fresh element, and
//! ways to read and drive it like a user.
#![allow(dead_code)] // each test file uses its own subset

use wasm_bindgen::JsCast;
use watch_tcp::{App, Props};
use web_sys::{Element, HtmlElement};
use yew::AttrValue;

pub struct Mounted {
    root: Element,
    app: Option<yew::AppHandle<App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

impl Mounted {
    pub async fn new(query: &str, still: bool) -> Mounted {
        let document = document();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = Props {
            query: Some(AttrValue::from(query.to_string())),
            still: Some(still),
            ..Props::default()
        };
        serve_lessons();
        let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        let mounted = Mounted { root, app: Some(app) };
        mounted.settle().await;
        mounted
    }

    /// Lets fetches the app started finish, and renders what they brought.
    pub async fn settle(&self) {
        for _ in 0..3 {
            yew::scheduler::flush().await;
            let tick = js_sys::Promise::new(&mut |resolve, _| {
                let _ = web_sys::window()
                    .unwrap()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5);
            });
            wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
        }
        yew::scheduler::flush().await;
    }

    pub fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
    }

    pub fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .collect()
    }

    pub fn text(&self, testid: &str) -> String {
        self.find(&format!("[data-testid='{testid}']"))
            .text_content()
            .unwrap_or_default()
    }

    pub fn states(&self) -> (String, String) {
        (self.text("state-client"), self.text("state-server"))
    }

    /// The ladder's arrow labels, in order.
    pub fn labels(&self) -> Vec<String> {
        self.all("[data-testid='ladder-arrow'] .arrow-label")
            .iter()
            .map(|e| e.text_content().unwrap())
            .collect()
    }

    /// The value the header inspector shows for a field.
    pub fn field(&self, name: &str) -> String {
        self.find(&format!("tr[data-field='{name}'] td.value"))
            .text_content()
            .unwrap_or_default()
    }

    pub fn step(&self) -> usize {
        let count = self.text("step-count");
        count.split(" / ").next().unwrap().trim().parse().unwrap()
    }

    /// Types `text` into an input, as the user would (one input event).
    pub async fn type_into(&self, testid: &str, text: &str) {
        let input: web_sys::HtmlInputElement = self.find(&format!("[data-testid='{testid}']")).dyn_into().unwrap();
        input.set_value(text);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&event).unwrap();
        self.settle().await;
    }

    pub async fn click(&self, testid: &str) {
        let el: HtmlElement = self.find(&format!("[data-testid='{testid}']")).dyn_into().unwrap();
        el.click();
        self.settle().await;
    }
}

/// The lesson files the tests' scenarios use, as the page's host serves
/// them: `fetch` answers from these (and 404 for anything else).
const LESSONS: &[(&str, &str)] = &[
    (
        "lessons/curl.md",
        include_str!("../../engine/src/scenario/lessons/curl.md"),
    ),
    (
        "lessons/refused.md",
        include_str!("../../engine/src/scenario/lessons/refused.md"),
    ),
    (
        "lessons/reset.md",
        include_str!("../../engine/src/scenario/lessons/reset.md"),
    ),
    (
        "lessons/lost-data.md",
        include_str!("../../engine/src/scenario/lessons/lost-data.md"),
    ),
    (
        "lessons/fast-retransmit.md",
        include_str!("../../engine/src/scenario/lessons/fast-retransmit.md"),
    ),
    (
        "lessons/sack.md",
        include_str!("../../engine/src/scenario/lessons/sack.md"),
    ),
    (
        "lessons/narration.txt",
        include_str!("../../engine/src/scenario/lessons/narration.txt"),
    ),
    (
        "lessons/glossary.md",
        include_str!("../../engine/src/scenario/lessons/glossary.md"),
    ),
];

/// Puts a `fetch` in front of the page's that serves `LESSONS` (other
/// addresses go to the real one).
fn serve_lessons() {
    let window = web_sys::window().unwrap();
    if js_sys::Reflect::has(&window, &"__lessons".into()).unwrap() {
        return;
    }
    let files = js_sys::Object::new();
    for (path, text) in LESSONS {
        js_sys::Reflect::set(&files, &(*path).into(), &(*text).into()).unwrap();
    }
    js_sys::Reflect::set(&window, &"__lessons".into(), &files).unwrap();
    let real = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
    js_sys::Reflect::set(&window, &"__fetch".into(), &real).unwrap();
    let fetch = js_sys::Function::new_with_args(
        "url",
        "if (!url.startsWith('lessons/')) return window.__fetch(url); \
         const t = window.__lessons[url]; \
         return Promise.resolve(t === undefined ? new Response('', {status: 404}) : new Response(t));",
    );
    js_sys::Reflect::set(&window, &"fetch".into(), &fetch).unwrap();
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}
