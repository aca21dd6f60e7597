//! The page's side of the capture worker: starts it when a capture is
//! opened (its wasm is loaded only then), hands it the file's bytes, and
//! passes its answers on. Dropping the importer stops the worker, which is
//! also how a long read is cancelled.

use crate::capture_protocol::FromWorker;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};
use yew::Callback;

/// The worker's loader, next to the page (`static/capture-loader.js`).
const WORKER_URL: &str = "./capture-loader.js";

pub struct Importer {
    worker: Worker,
    /// Messages for the worker until it says it is ready (a message sent
    /// before its wasm has started would be lost); None once it has.
    waiting: Rc<RefCell<Option<Vec<JsValue>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Importer {
    /// Starts the worker; `on_answer` gets each of its messages.
    pub fn start(on_answer: Callback<FromWorker>) -> Result<Importer, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("The capture reader could not start: {e:?}"))?;
        let waiting: Rc<RefCell<Option<Vec<JsValue>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let (ready, to) = (waiting.clone(), worker.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // Its first message says it is ready: send what waited.
            for message in ready.borrow_mut().take().unwrap_or_default() {
                post(&to, &message);
            }
            let bytes = js_sys::Uint8Array::new(&e.data()).to_vec();
            let answer = FromWorker::decode(&bytes)
                .unwrap_or_else(|| FromWorker::Failed("The capture reader's answer was garbled.".into()));
            on_answer.emit(answer);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Ok(Importer {
            worker,
            waiting,
            _on_message: on_message,
        })
    }

    fn send(&self, message: JsValue) {
        match self.waiting.borrow_mut().as_mut() {
            Some(queue) => queue.push(message),
            None => post(&self.worker, &message),
        }
    }

    /// Reads a file.
    pub fn open(&self, bytes: js_sys::ArrayBuffer) {
        self.send(bytes.into());
    }

    /// Prepares conversation `stream` of the open file for playing.
    pub fn replay(&self, stream: usize) {
        self.send(JsValue::from_f64(stream as f64));
    }
}

/// Posts to the worker; a file's bytes move there rather than being copied.
fn post(worker: &Worker, message: &JsValue) {
    if message.is_instance_of::<js_sys::ArrayBuffer>() {
        let _ = worker.post_message_with_transfer(message, &js_sys::Array::of1(message));
    } else {
        let _ = worker.post_message(message);
    }
}

impl Drop for Importer {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The bytes of a file the user picked or dropped, then `done`.
pub fn read_file(file: &web_sys::File, done: Callback<Result<js_sys::ArrayBuffer, String>>) {
    let failed = done.clone();
    let on_bytes = Closure::once(move |v: JsValue| done.emit(Ok(v.unchecked_into())));
    let on_error = Closure::once(move |_: JsValue| failed.emit(Err("The file could not be read.".into())));
    let _ = file.array_buffer().then2(&on_bytes, &on_error);
    on_bytes.forget();
    on_error.forget();
}

/// Fetches a capture the page's author put next to it (`?capture=PATH`):
/// only from the page's own site, so no file is ever sent anywhere.
pub fn fetch_capture(path: &str, done: Callback<Result<js_sys::ArrayBuffer, String>>) {
    let Some(window) = web_sys::window() else { return };
    let here = window.location().href().unwrap_or_default();
    let same_site = web_sys::Url::new_with_base(path, &here)
        .ok()
        .zip(window.location().origin().ok())
        .is_some_and(|(url, origin)| url.origin() == origin);
    if !same_site {
        return done.emit(Err(format!(
            "“capture={path}” is not on this site: only a capture next to the page can be opened by its address."
        )));
    }
    let failed = done.clone();
    let name = path.to_string();
    let on_response = Closure::once(move |response: JsValue| {
        let response: web_sys::Response = response.unchecked_into();
        match response.array_buffer() {
            Ok(bytes) if response.ok() => {
                let ok = done.clone();
                let on_bytes = Closure::once(move |v: JsValue| ok.emit(Ok(v.unchecked_into())));
                let on_error = Closure::once(move |_: JsValue| done.emit(Err("The download broke off.".into())));
                let _ = bytes.then2(&on_bytes, &on_error);
                on_bytes.forget();
                on_error.forget();
            }
            _ => done.emit(Err(format!(
                "“{name}” could not be fetched (HTTP {}).",
                response.status()
            ))),
        }
    });
    let on_error = Closure::once(move |_: JsValue| failed.emit(Err("The network failed.".into())));
    let _ = window.fetch_with_str(path).then2(&on_response, &on_error);
    on_response.forget();
    on_error.forget();
}
