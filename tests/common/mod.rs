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
        };
        let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        Mounted { root, app: Some(app) }
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

    pub async fn click(&self, testid: &str) {
        let el: HtmlElement = self.find(&format!("[data-testid='{testid}']")).dyn_into().unwrap();
        el.click();
        yew::scheduler::flush().await;
    }
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}
