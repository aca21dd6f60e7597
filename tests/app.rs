//! The app in a real browser (wasm-bindgen-test, headless Chrome): mounts
//! it into a test element, drives it like a user, and checks the DOM
//! against the engine's own trace.

use tcpsim::net::Side;
use tcpsim::scenario::{self, RunOptions};
use tcpsim::tcp::{Event, State};
use tcpsim::trace::{Segment, Trace, What};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{document, Mounted};

async fn press(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    document().dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

/// The engine's segments, in the order sent.
fn segments(trace: &Trace) -> Vec<(Side, Segment)> {
    trace.segments().map(|(_, side, _, s)| (side, *s)).collect()
}

/// Each side's state once segment `k` (0-based) has arrived and the
/// receiver has reacted, read straight off the trace: the last state change
/// on each side before the next datagram event after the delivery.
fn states_after(trace: &Trace, k: usize) -> (State, State) {
    let id = trace.segments().nth(k).unwrap().2;
    let records = &trace.records;
    let delivered = records
        .iter()
        .position(|r| matches!(r.what, What::Delivered { id: d, .. } if d == id))
        .unwrap();
    let end = records[delivered + 1..]
        .iter()
        .position(|r| !matches!(r.what, What::Engine { .. } | What::App { .. }) || r.at != records[delivered].at)
        .map_or(records.len(), |p| delivered + 1 + p);
    let state = |side: Side| {
        records[..end]
            .iter()
            .rev()
            .filter(|r| r.side == side)
            .find_map(|r| match r.what {
                What::Engine {
                    event: Event::StateChanged { to, .. },
                } => Some(to),
                _ => None,
            })
            .unwrap_or(State::Closed)
    };
    (state(Side::Client), state(Side::Server))
}

fn curl(random_isn: Option<u64>) -> Trace {
    scenario::run(
        "curl",
        &RunOptions {
            random_isn,
            ..RunOptions::default()
        },
    )
    .unwrap()
}

#[wasm_bindgen_test]
async fn twelve_steps_show_what_the_engine_did() {
    let app = Mounted::new("", true).await;
    let trace = curl(None);
    let segs = segments(&trace);
    assert_eq!(segs.len(), 12);
    // Before anything moves (teaching brief): server LISTEN, client CLOSED.
    assert_eq!(app.states(), ("CLOSED".into(), "LISTEN".into()));
    for (k, (side, seg)) in segs.iter().enumerate() {
        app.click("forward").await;
        assert_eq!(app.step(), k + 1);
        let title = app.text("narration-title");
        let flags = seg.flags.to_string();
        assert!(
            title.contains(&format!("The {} sends {flags} seq={}", side.name(), seg.seq)),
            "step {}: {title}",
            k + 1
        );
        // The inspector shows this segment's own header fields.
        assert_eq!(app.field("Sequence number"), seg.seq.to_string());
        assert_eq!(app.field("Acknowledgment number"), seg.ack.to_string());
        for name in seg.flags.names() {
            assert_eq!(app.field(name), "1 set", "step {}: flag {name}", k + 1);
        }
        let (c, s) = states_after(&trace, k);
        assert_eq!(
            app.states(),
            (c.to_string(), s.to_string()),
            "states after step {}",
            k + 1
        );
        // The ladder has one arrow per segment so far, labelled like a textbook.
        // (A segment sent at the same instant may already be on its way.)
        let arrows = app.all("[data-testid='ladder-arrow']:not(.in-flight)");
        assert_eq!(arrows.len(), k + 1);
        let label = arrows[k].text_content().unwrap();
        assert!(label.contains(&format!("seq={}", seg.seq)), "{label}");
    }
    // Facts from the brief, independent of how the UI reads the trace.
    assert_eq!(app.states(), ("TIME_WAIT".into(), "CLOSED".into()));
    assert!(app.text("live").starts_with("Step 12 of 12"));
    let disabled = app.find("[data-testid='forward']").has_attribute("disabled");
    assert!(disabled, "no step after the last");
}

#[wasm_bindgen_test]
async fn step_back_restores_the_previous_view() {
    let app = Mounted::new("?step=5", true).await;
    let snapshot = |app: &Mounted| {
        (
            app.states(),
            app.text("narration-title"),
            app.field("Sequence number"),
            app.all("[data-testid='ladder-arrow']").len(),
            app.step(),
        )
    };
    let at5 = snapshot(&app);
    assert_eq!(at5.4, 5);
    app.click("forward").await;
    assert_ne!(snapshot(&app), at5);
    app.click("back").await;
    assert_eq!(snapshot(&app), at5);
    app.click("restart").await;
    assert_eq!(app.step(), 0);
    assert_eq!(app.states(), ("CLOSED".into(), "LISTEN".into()));
}

/// Every (seq, ack) the inspector shows for the twelve steps.
async fn numbers(app: &Mounted) -> Vec<(u32, u32)> {
    app.click("restart").await;
    let mut out = Vec::new();
    for _ in 0..12 {
        app.click("forward").await;
        out.push((
            app.field("Sequence number").parse().unwrap(),
            app.field("Acknowledgment number").parse().unwrap(),
        ));
    }
    out
}

#[wasm_bindgen_test]
async fn random_isns_change_every_number_consistently() {
    let app = Mounted::new("", true).await;
    let fixed = numbers(&app).await;
    app.click("random-isn").await;
    let input: HtmlInputElement = app.find("[data-testid='random-isn']").dyn_into().unwrap();
    assert!(input.checked());
    let random = numbers(&app).await;
    let trace = curl(None);
    let senders: Vec<Side> = segments(&trace).iter().map(|(s, _)| *s).collect();
    // ISNs: the SYN's seq on each side.
    let isn = |n: &[(u32, u32)], side: Side| if side == Side::Client { n[0].0 } else { n[1].0 };
    assert_ne!(isn(&random, Side::Client), isn(&fixed, Side::Client));
    assert_ne!(isn(&random, Side::Server), isn(&fixed, Side::Server));
    for (k, side) in senders.iter().enumerate() {
        // Relative to the ISNs, every number is the same as before.
        let rel = |n: &[(u32, u32)]| {
            let (seq, ack) = n[k];
            let ack_rel = if k == 0 {
                0
            } else {
                ack.wrapping_sub(isn(n, side.other()))
            };
            (seq.wrapping_sub(isn(n, *side)), ack_rel)
        };
        assert_eq!(rel(&random), rel(&fixed), "step {}", k + 1);
    }
    // Switching back gives the teaching numbers again.
    app.click("random-isn").await;
    assert_eq!(numbers(&app).await, fixed);
}

#[wasm_bindgen_test]
async fn url_parameters_pick_the_view() {
    let app = Mounted::new("?scenario=curl&step=5&speed=2&theme=dark&embed=1&isn=fixed", true).await;
    assert_eq!(app.step(), 5);
    assert!(app.all(".notice").is_empty());
    assert_eq!(app.find(".app").get_attribute("data-theme").as_deref(), Some("dark"));
    assert!(app.all(".page-header").is_empty(), "embed=1 hides the page chrome");
    let speed: web_sys::HtmlSelectElement = app.find("[data-testid='speed']").dyn_into().unwrap();
    assert_eq!(speed.value(), "2");
    assert_eq!(app.states(), ("ESTABLISHED".into(), "ESTABLISHED".into()));
    // The address bar follows the step.
    app.click("forward").await;
    let search = web_sys::window().unwrap().location().search().unwrap();
    assert!(search.contains("step=6"), "{search}");
    drop(app);

    let hash = Mounted::new("#step=3&theme=light", true).await;
    assert_eq!(hash.step(), 3);
    assert_eq!(hash.find(".app").get_attribute("data-theme").as_deref(), Some("light"));
}

#[wasm_bindgen_test]
async fn malformed_parameters_fall_back_with_a_notice_each() {
    let app = Mounted::new("?step=99&speed=fast&theme=pink&scenario=nope&bogus=1", true).await;
    assert_eq!(app.step(), 0);
    assert!(app.find(".app").get_attribute("data-theme").is_none());
    let notices: Vec<String> = app.all(".notice").iter().map(|n| n.text_content().unwrap()).collect();
    assert_eq!(notices.len(), 5, "{notices:?}");
    for name in ["speed=fast", "theme=pink", "scenario=nope", "bogus=1", "step=99"] {
        assert!(
            notices.iter().any(|n| n.contains(name)),
            "no notice for {name}: {notices:?}"
        );
    }
    let dismiss: HtmlElement = app.find(".notice button").dyn_into().unwrap();
    dismiss.click();
    yew::scheduler::flush().await;
    assert_eq!(app.all(".notice").len(), 4);
    // The page still works.
    app.click("forward").await;
    assert_eq!(app.states().0, "SYN_SENT");
}

#[wasm_bindgen_test]
async fn keyboard_shortcuts() {
    let app = Mounted::new("", true).await;
    for _ in 0..3 {
        press("ArrowRight").await;
    }
    assert_eq!(app.step(), 3);
    press("ArrowLeft").await;
    assert_eq!(app.step(), 2);
    press("Home").await;
    assert_eq!(app.step(), 0);
    press(" ").await;
    assert!(app.text("play").contains("pause"));
    press(" ").await;
    assert!(app.text("play").contains("play"));
}

/// A deep link opens the step it names even where several segments leave
/// at the same instant, and → moves exactly one step from there.
#[wasm_bindgen_test]
async fn deep_links_and_steps_land_exactly_where_they_say() {
    for (query, n) in [
        ("?scenario=lost-data&step=4", 4),
        ("?scenario=fast-retransmit&step=13", 13),
    ] {
        let app = Mounted::new(query, true).await;
        assert_eq!(app.step(), n, "{query}");
        assert!(app.text("narration-title").starts_with(&format!("{n}. ")), "{query}");
        press("ArrowRight").await;
        assert_eq!(app.step(), n + 1, "{query}: one step");
        let search = web_sys::window().unwrap().location().search().unwrap();
        assert!(search.contains(&format!("step={}", n + 1)), "{search}");
    }
}

/// The lesson's key moments are chips that jump to their step, by click
/// or by number key, and the ladder marks their arrows.
#[wasm_bindgen_test]
async fn key_moments_jump_to_their_steps() {
    let app = Mounted::new("?scenario=fast-retransmit", true).await;
    let chips = app.all("[data-testid='key-moment']");
    assert_eq!(chips.len(), 4, "the lesson's four moments");
    press("3").await;
    let step = app.step();
    assert!(
        app.text("narration").contains("fast retransmit"),
        "key 3 is the fast retransmit (step {step})"
    );
    press("1").await;
    let lost = app.step();
    assert!(lost < step && app.text("narration").contains("loses this segment"));
    let chip: web_sys::HtmlElement = chips[2].clone().dyn_into().unwrap();
    chip.click();
    yew::scheduler::flush().await;
    assert_eq!(app.step(), step, "the chip goes where its key does");
    press("4").await;
    assert_eq!(app.all(".key-mark").len(), 4, "each moment marked on the ladder");
}

/// With motion on, a step is a journey: the envelope leaves, travels, and
/// the step completes only when it lands.
#[wasm_bindgen_test]
async fn an_animated_step_lands_on_the_engine_state() {
    let app = Mounted::new("?speed=4", false).await;
    app.click("forward").await;
    assert_eq!(app.step(), 0, "the step has only begun");
    let mut seen_in_flight = false;
    let mut frames = 0;
    while app.step() == 0 && frames < 600 {
        next_frame().await;
        yew::scheduler::flush().await;
        frames += 1;
        if !app.all("[data-testid='envelope']").is_empty() {
            // On the way: the client has sent its SYN, the server has not seen it.
            assert_eq!(app.states(), ("SYN_SENT".into(), "LISTEN".into()));
            seen_in_flight = true;
        }
    }
    assert!(seen_in_flight, "the SYN was never drawn on the wire");
    assert_eq!(app.step(), 1, "landed after {frames} frames");
    assert_eq!(app.states(), ("SYN_SENT".into(), "SYN_RCVD".into()));
    assert!(app.all("[data-testid='envelope']").is_empty());
}

async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().unwrap().request_animation_frame(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Sends `kind` (a mouse or focus event that does not bubble) to `el`.
async fn send(el: &web_sys::Element, kind: &str) {
    let event: web_sys::Event = if kind.starts_with("mouse") {
        web_sys::MouseEvent::new(kind).unwrap().into()
    } else {
        web_sys::FocusEvent::new(kind).unwrap().into()
    };
    el.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn hovering_a_field_lights_its_bytes_and_a_byte_its_field() {
    let app = Mounted::new("?step=1", true).await;
    let lit = |app: &Mounted| -> Vec<String> {
        app.all(".hex .byte.lit")
            .iter()
            .map(|b| b.text_content().unwrap())
            .collect()
    };
    // The source port's two bytes, big-endian, as the inspector states it.
    let port: u16 = app.field("Source port").trim().parse().unwrap();
    let want = vec![format!("{:02x}", port >> 8), format!("{:02x}", port & 0xff)];
    let row = app.find("tr[data-field='Source port']");
    send(&row, "mouseenter").await;
    assert_eq!(lit(&app), want, "hovering a field lights its bytes");
    send(&row, "mouseleave").await;
    assert!(lit(&app).is_empty(), "leaving it turns them off");
    send(&row, "focus").await;
    assert_eq!(lit(&app), want, "focusing a field lights its bytes");
    send(&row, "blur").await;

    // Byte 8 of an IPv4 header is the TTL.
    let byte = app.all(".hex .byte").swap_remove(8);
    send(&byte, "mouseenter").await;
    let rows: Vec<String> = app
        .all("tr.field.lit")
        .iter()
        .map(|r| r.get_attribute("data-field").unwrap())
        .collect();
    assert_eq!(rows, ["TTL"], "hovering a byte lights its field");
    assert_eq!(
        lit(&app),
        [format!("{:02x}", app.field("TTL").trim().parse::<u8>().unwrap())]
    );
}

#[wasm_bindgen_test]
async fn arrow_keys_move_a_byte_cursor_that_lights_its_field() {
    let app = Mounted::new("?step=1", true).await;
    let hex = app.find("[data-testid='hex']");
    let key = |k: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(k);
        init.set_bubbles(true);
        init.set_cancelable(true);
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
    };
    let lit_rows = |app: &Mounted| -> Vec<String> {
        app.all("tr.field.lit")
            .iter()
            .map(|r| r.get_attribute("data-field").unwrap())
            .collect()
    };
    let bytes = app.all(".hex .byte");
    let lit_at = |app: &Mounted| -> Vec<usize> {
        let lit = app.all(".hex .byte.lit");
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| lit.contains(b))
            .map(|(i, _)| i)
            .collect()
    };
    send(&hex, "focus").await;
    assert_eq!(lit_at(&app), [0], "focus puts the cursor on the first byte");
    // Byte 0 holds two fields: the version and the header length.
    assert_eq!(lit_rows(&app), ["Version", "IHL"]);
    hex.dispatch_event(&key("ArrowDown")).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(lit_at(&app), [16], "down moves a row of 16");
    assert_eq!(lit_rows(&app), ["Destination address"]);
    hex.dispatch_event(&key("ArrowRight")).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(lit_at(&app), [17]);
    assert_eq!(app.step(), 1, "the arrow moved the cursor, not the playback");
    hex.dispatch_event(&key("End")).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(lit_at(&app), [bytes.len() - 1]);
    send(&hex, "blur").await;
    assert!(
        lit_at(&app).is_empty() && lit_rows(&app).is_empty(),
        "leaving the bytes turns the cursor off"
    );
}
