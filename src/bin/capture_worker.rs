//! The capture importer, in a Web Worker of its own (a separate wasm
//! module, loaded only when a capture is opened): reads the file, groups its
//! conversations, and prepares the one asked for, analysis marks and
//! inferred states included, off the page's main thread.

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the capture worker runs in a browser (see full.html)");
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;
    use tcpsim::capture::{self, analysis, replay, states, Capture, Vantage};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use watch_tcp::capture_protocol::{FromWorker, ReplayTrace, Replayed, Row, StepNote, Summary, REPLAY_LIMIT};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    thread_local! {
        /// The open file and what was read from it.
        static OPEN: RefCell<Option<(Vec<u8>, Capture)>> = const { RefCell::new(None) };
    }

    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply = scope.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if let Some(stream) = data.as_f64() {
                post(&reply, &replay_stream(stream as usize));
            } else if data.is_instance_of::<js_sys::ArrayBuffer>() {
                let bytes = js_sys::Uint8Array::new(&data).to_vec();
                let answer = open(bytes, &|done, total| {
                    post(&reply, &FromWorker::Progress { done, total })
                });
                post(&reply, &answer);
            }
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The worker lives as long as the page keeps it.
        on_message.forget();
        post(&scope, &FromWorker::Progress { done: 0, total: 0 });
    }

    fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
        let bytes = js_sys::Uint8Array::from(&message.encode()[..]);
        let _ = scope.post_message_with_transfer(&bytes, &js_sys::Array::of1(&bytes.buffer()));
    }

    fn open(bytes: Vec<u8>, progress: &dyn Fn(usize, usize)) -> FromWorker {
        let capture = match capture::open_with(&bytes, progress) {
            Ok(c) => c,
            Err(e) => return FromWorker::Failed(format!("This file cannot be read: {e}.")),
        };
        let mut skipped: Vec<(String, usize)> = Vec::new();
        for (_, why) in &capture.skipped {
            let why = why.to_string();
            match skipped.iter_mut().find(|s| s.0 == why) {
                Some(s) => s.1 += 1,
                None => skipped.push((why, 1)),
            }
        }
        let summary = Summary {
            frames: capture.frames,
            skipped,
            problem: capture.problem.as_ref().map(ToString::to_string),
            conversations: capture
                .conversations
                .iter()
                .map(|c| Row {
                    a: c.a.to_string(),
                    b: c.b.to_string(),
                    packets: c.packets.len(),
                    bytes_ab: c.bytes(true),
                    bytes_ba: c.bytes(false),
                    duration_us: c.duration_us(),
                    handshake: c.handshake_seen(),
                    close: c.close_seen(),
                    one_way: c.packets.iter().all(|p| p.src == c.a),
                })
                .collect(),
            busiest: capture.busiest(),
        };
        OPEN.with(|o| *o.borrow_mut() = Some((bytes, capture)));
        FromWorker::Opened(summary)
    }

    fn replay_stream(stream: usize) -> FromWorker {
        OPEN.with(|o| {
            let open = o.borrow();
            let Some((bytes, capture)) = open.as_ref() else {
                return FromWorker::Failed("No capture is open.".into());
            };
            let Some(c) = capture.conversations.get(stream) else {
                return FromWorker::Failed(format!("The capture has no stream {stream}."));
            };
            let frames = capture::file::read(bytes).map(|p| p.frames).unwrap_or_default();
            let vantage = Vantage::infer(c);
            let timeline = states::infer(c, vantage);
            let marks = analysis::analyze(c);
            let near = vantage.describe(c);
            let (trace, packet_of_step, client, unavailable) =
                match replay::replay(c, &frames, vantage, &timeline, REPLAY_LIMIT) {
                    Ok(r) => (Some(ReplayTrace::new(&r.trace)), r.packet_of_step, r.client, None),
                    Err(e) => (None, Vec::new(), 0, Some(e.to_string())),
                };
            let host = |i: usize| if i == 0 { c.a } else { c.b };
            let (client_addr, server_addr) = (host(client), host(1 - client));
            let first_seq = |who| c.packets.iter().find(|p| p.src == who).map_or(0, |p| p.seq);
            let start = c.packets.first().map_or(0, |p| p.time_us);
            let steps = packet_of_step
                .iter()
                .map(|&k| {
                    let p = &c.packets[k];
                    let after = timeline.after[k];
                    StepNote {
                        frame: p.frame,
                        time_us: p.time_us.saturating_sub(start),
                        marks: marks[k]
                            .marks
                            .iter()
                            .map(|m| (m.label().to_string(), m.meaning().to_string()))
                            .collect(),
                        dup_ack: marks[k].dup_ack,
                        states: [after[client], after[1 - client]],
                        checksum_ok: p.checksum_ok,
                        flight: marks[k].bytes_in_flight,
                        window: marks[k].window,
                    }
                })
                .collect();
            FromWorker::Replay(Box::new(Replayed {
                stream,
                client: client_addr.to_string(),
                server: server_addr.to_string(),
                vantage: near,
                total: c.packets.len(),
                trace,
                unavailable,
                steps,
                isn: [first_seq(client_addr), first_seq(server_addr)],
                bad_checksums: c.packets.iter().filter(|p| p.checksum_ok == Some(false)).count(),
            }))
        })
    }
}
