//! Open a capture: a file picker, a drop zone and `?capture=PATH`; the
//! worker reads it (a progress bar and a cancel button while it does), the
//! table of its TCP conversations, and the one chosen replayed in place of
//! the lesson. The file stays in the browser.

use crate::capture_import::{fetch_capture, read_file, Importer};
use crate::capture_protocol::{FromWorker, Summary, REPLAY_LIMIT};
use crate::state::Action;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `?capture=PATH`, opened once when the page starts.
    pub path: Option<String>,
    /// The stream being replayed, if a capture is.
    pub replaying: Option<usize>,
    pub absolute: bool,
    pub on_action: Callback<Action>,
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Reading {
        name: String,
        done: usize,
        total: usize,
    },
    Opened {
        name: String,
        summary: Rc<Summary>,
        ms: u64,
    },
    Failed(String),
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

#[function_component(CapturePanel)]
pub fn capture_panel(props: &Props) -> Html {
    let importer: Rc<RefCell<Option<Importer>>> = use_mut_ref(|| None);
    let status = use_state(|| Status::Idle);
    // The name and start time of the file being read.
    let reading = use_mut_ref(|| (String::new(), 0.0));

    let on_answer = {
        let (status, importer, reading, on_action) = (
            status.clone(),
            importer.clone(),
            reading.clone(),
            props.on_action.clone(),
        );
        Callback::from(move |answer: FromWorker| match answer {
            FromWorker::Progress { done, total } => {
                let name = reading.borrow().0.clone();
                status.set(Status::Reading { name, done, total });
            }
            FromWorker::Opened(summary) => {
                let (name, started) = reading.borrow().clone();
                if let (Some(first), Some(i)) = (importer.borrow().as_ref(), summary.busiest) {
                    first.replay(i);
                }
                let ms = (now_ms() - started).max(0.0) as u64;
                status.set(Status::Opened {
                    name,
                    summary: Rc::new(summary),
                    ms,
                });
            }
            FromWorker::Replay(replayed) => on_action.emit(Action::CaptureLoaded(Rc::new(*replayed))),
            FromWorker::Failed(why) => {
                importer.borrow_mut().take();
                status.set(Status::Failed(why));
            }
        })
    };
    // Bytes arrived (from a picker, a drop or the page's address): read them.
    let open = {
        let (status, importer, reading) = (status.clone(), importer.clone(), reading.clone());
        Callback::from(move |(name, bytes): (String, Result<js_sys::ArrayBuffer, String>)| {
            let bytes = match bytes {
                Ok(b) => b,
                Err(why) => return status.set(Status::Failed(why)),
            };
            match Importer::start(on_answer.clone()) {
                Ok(worker) => {
                    *reading.borrow_mut() = (name.clone(), now_ms());
                    status.set(Status::Reading {
                        name,
                        done: 0,
                        total: 0,
                    });
                    worker.open(bytes);
                    // The previous worker, if any, stops here.
                    *importer.borrow_mut() = Some(worker);
                }
                Err(why) => status.set(Status::Failed(why)),
            }
        })
    };
    {
        let open = open.clone();
        use_effect_with(props.path.clone(), move |path| {
            if let Some(path) = path.clone() {
                let name = path.rsplit('/').next().unwrap_or(&path).to_string();
                fetch_capture(&path, open.reform(move |bytes| (name.clone(), bytes)));
            }
        });
    }
    let open_file = {
        let open = open.clone();
        move |file: web_sys::File| {
            let name = file.name();
            read_file(&file, open.reform(move |bytes| (name.clone(), bytes)));
        }
    };
    let on_pick = {
        let open_file = open_file.clone();
        Callback::from(move |e: Event| {
            let input: Option<web_sys::HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
            if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
                open_file(file);
            }
        })
    };
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            open_file(file);
        }
    });
    let on_cancel = {
        let (status, importer) = (status.clone(), importer.clone());
        Callback::from(move |_: MouseEvent| {
            importer.borrow_mut().take();
            status.set(Status::Failed("Reading cancelled.".into()));
        })
    };
    let replay = {
        let importer = importer.clone();
        Callback::from(move |i: usize| {
            if let Some(worker) = importer.borrow().as_ref() {
                worker.replay(i);
            }
        })
    };

    html! {
        <section class="capture-open" aria-labelledby="capture-open-title"
                 ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>
            <h2 id="capture-open-title">{ "Open a capture" }</h2>
            <p>
                { "Replay a TCP connection from your own .pcap or .pcapng file (tcpdump, Wireshark). \
                   It is read here, in this page, and sent nowhere. Drop it here or " }
                <label class="file-pick">
                    { "choose a file" }
                    <input type="file" accept=".pcap,.pcapng,.cap,application/vnd.tcpdump.pcap"
                           data-testid="capture-file" onchange={on_pick} />
                </label>
                { "." }
            </p>
            { match &*status {
                Status::Idle => Html::default(),
                Status::Reading { name, done, total } => html! {
                    <p class="capture-progress" data-testid="capture-progress">
                        { format!("Reading {name}… ") }
                        <progress max={total.max(&1).to_string()} value={done.to_string()}
                                  aria-label="Frames read"></progress>
                        { if *total > 0 { format!(" {done} of {total} frames ") } else { " ".into() } }
                        <button type="button" onclick={on_cancel}>{ "Cancel" }</button>
                    </p>
                },
                Status::Failed(why) => html! {
                    <p class="capture-error" role="alert" data-testid="capture-error">{ why }</p>
                },
                Status::Opened { name, summary, ms } => table(name, summary, *ms, props, &replay),
            } }
        </section>
    }
}

/// The file's conversations, the one replayed marked, each with a button.
fn table(name: &str, s: &Summary, ms: u64, props: &Props, replay: &Callback<usize>) -> Html {
    let skipped: u64 = s.skipped.iter().map(|(_, n)| *n as u64).sum();
    let why: Vec<String> = s
        .skipped
        .iter()
        .map(|(why, n)| format!("{n} frame{}: {why}", if *n == 1 { "" } else { "s" }))
        .collect();
    let yes = |b: bool| if b { "yes" } else { "no" };
    let on_absolute = props.on_action.reform(|e: Event| {
        let on = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.checked());
        Action::SetAbsoluteSeq(on)
    });
    html! {
        <>
            <p data-testid="capture-summary">
                { format!("{name}: {} frames, {} TCP conversation{}, read in {ms} ms.",
                          s.frames, s.conversations.len(), if s.conversations.len() == 1 { "" } else { "s" }) }
                if skipped > 0 {
                    { format!(" Not shown: {}.", why.join("; ")) }
                }
                if let Some(problem) = &s.problem {
                    <span role="alert">{ sentence(problem) }</span>
                }
            </p>
            if s.conversations.is_empty() {
                <p class="capture-error" role="alert" data-testid="capture-error">
                    { "This capture holds no TCP segment to replay." }
                </p>
            } else {
                <div class="table-scroll">
                    <table class="conversations" data-testid="conversations">
                        <caption class="visually-hidden">{ "TCP conversations in the capture" }</caption>
                        <thead><tr>
                            <th scope="col">{ "#" }</th><th scope="col">{ "A" }</th><th scope="col">{ "B" }</th>
                            <th scope="col">{ "Packets" }</th><th scope="col">{ "Bytes A→B" }</th><th scope="col">{ "Bytes B→A" }</th>
                            <th scope="col">{ "Duration" }</th><th scope="col">{ "Handshake" }</th><th scope="col">{ "Close" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Replay" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for s.conversations.iter().enumerate().map(|(i, r)| {
                                let current = props.replaying == Some(i);
                                let onclick = replay.reform(move |_: MouseEvent| i);
                                html! {
                                    <tr class={current.then_some("current")} aria-current={current.then_some("true")}>
                                        <td>{ i }</td><td>{ &r.a }</td><td>{ &r.b }</td><td>{ r.packets }</td>
                                        <td>{ r.bytes_ab }</td><td>{ r.bytes_ba }</td>
                                        <td>{ format!("{}.{:03} s", r.duration_us / 1_000_000, r.duration_us % 1_000_000 / 1000) }</td>
                                        <td>{ yes(r.handshake) }</td><td>{ yes(r.close) }</td>
                                        <td>
                                            if current {
                                                { "replaying" }
                                            } else {
                                                <button type="button" {onclick}>{ format!("Replay #{i}") }</button>
                                            }
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
                if s.conversations.iter().any(|r| r.one_way) {
                    <p>{ "Some conversations show one direction only: the capture saw only one side's packets, so their states cannot all be told." }</p>
                }
                <label class="check">
                    <input type="checkbox" checked={props.absolute} onchange={on_absolute} data-testid="absolute-seq" />
                    { " Sequence numbers as captured (otherwise counted from each side's first, as Wireshark shows them)" }
                </label>
                <p class="hint">{ format!("A replay shows a conversation's first {REPLAY_LIMIT} segments.") }</p>
            }
        </>
    }
}

/// `text` as a sentence: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let (first, rest) = text.split_at(text.chars().next().map_or(0, char::len_utf8));
    format!(" {}{rest}.", first.to_uppercase())
}
