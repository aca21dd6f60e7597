//! The fault lab, the congestion plot and the capture download, in a real
//! browser (wasm-bindgen-test, headless Chrome).

use tcpsim::net::Side;
use tcpsim::scenario::{self, RunOptions};
use tcpsim::tcp::Event;
use tcpsim::trace::What;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::Mounted;

#[wasm_bindgen_test]
async fn dropping_a_segment_makes_the_engine_retransmit_it() {
    let app = Mounted::new("?step=4", true).await;
    let before = app.labels();
    let request = before[3].clone();
    assert!(request.contains("PSH, ACK seq=1001"), "{request}");
    app.click("fault-drop").await;
    // Play the whole new run.
    for _ in 0..40 {
        app.click("forward").await;
    }
    let after = app.labels();
    assert!(after[3].contains("(lost)"), "the ladder marks the drop: {}", after[3]);
    let copies = after
        .iter()
        .filter(|l| l.contains("PSH, ACK seq=1001 ack=4501 len=72"))
        .count();
    assert_eq!(copies, 2, "sent, lost, sent again: {after:?}");
    assert!(after.len() > before.len(), "the retransmission adds segments");
    let narration = app.all("[data-testid='narration']")[0].text_content().unwrap();
    assert!(!narration.is_empty());
}

#[wasm_bindgen_test]
async fn the_plot_has_a_point_per_window_report() {
    let app = Mounted::new("?step=12", true).await;
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    // The plot follows the side that sends the most data: the server here.
    let reports = trace
        .records
        .iter()
        .filter(|r| {
            r.side == Side::Server
                && matches!(
                    r.what,
                    What::Engine {
                        event: Event::Window { .. }
                    }
                )
        })
        .count();
    let plot = &app.all("[data-testid='window-plot']")[0];
    assert_eq!(plot.get_attribute("data-points").unwrap(), reports.to_string());
    assert!(reports >= 2);
    // cwnd is drawn in steps: a report that changes it adds a corner.
    let line = &app.all("[data-testid='cwnd-line']")[0];
    let points = line.get_attribute("points").unwrap().split_whitespace().count();
    assert!(
        points >= reports && points < 2 * reports,
        "{points} points for {reports} reports"
    );
}

#[wasm_bindgen_test]
async fn the_pcap_download_is_a_pcap() {
    let app = Mounted::new("", true).await;
    app.click("pcap-client").await;
    let document = web_sys::window().unwrap().document().unwrap();
    let link = document
        .query_selector("a[data-testid=pcap-link]")
        .unwrap()
        .expect("a download link");
    let href = link.get_attribute("href").unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(web_sys::window().unwrap().fetch_with_str(&href))
            .await
            .unwrap()
            .unchecked_into();
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().unwrap())
        .await
        .unwrap();
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    assert_eq!(&bytes[..4], &tcpsim::pcap::MAGIC);
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    assert_eq!(bytes, trace.pcap(Side::Client), "the download is the engine's capture");
}

/// Figures for the closing note (no assert on time): re-running the
/// congestion scenario, as a slider change does, timed in wasm.
#[wasm_bindgen_test]
async fn measure_congestion_rerun() {
    let Some(s) = scenario::find("congestion") else {
        console_log!("no congestion scenario yet");
        return;
    };
    let performance = web_sys::window().unwrap().performance().unwrap();
    let mut ms = Vec::new();
    let mut segments = 0;
    for _ in 0..20 {
        let t0 = performance.now();
        let story = watch_tcp::state::run(s.id, None, &[], &Default::default());
        ms.push(performance.now() - t0);
        segments = story.steps.len();
    }
    ms.sort_by(f64::total_cmp);
    console_log!(
        "congestion re-run in wasm: median {:.2} ms over 20 runs ({} segments)",
        ms[10],
        segments
    );
}

#[wasm_bindgen_test]
async fn the_picker_switches_to_another_scenario() {
    let app = Mounted::new("", true).await;
    let select: web_sys::HtmlSelectElement = app.all("[data-testid='scenario']")[0].clone().dyn_into().unwrap();
    select.set_value("refused");
    select.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    yew::scheduler::flush().await;
    for _ in 0..2 {
        app.click("forward").await;
    }
    let labels = app.labels();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels[1].starts_with("2. RST, ACK"), "{labels:?}");
    let search = web_sys::window().unwrap().location().search().unwrap();
    assert!(search.contains("scenario=refused"), "{search}");
}

#[wasm_bindgen_test]
async fn after_a_fault_the_text_no_longer_claims_a_clean_run() {
    let app = Mounted::new("?step=4", true).await;
    let notes = |app: &Mounted| {
        app.all(".note")
            .iter()
            .map(|n| n.text_content().unwrap())
            .collect::<String>()
    };
    let changed = "You changed this run in the lab";
    assert!(notes(&app).contains("No loss or congestion in this run"));
    assert!(!app.find(".narration").text_content().unwrap().contains(changed));
    app.click("fault-drop").await;
    // The request is lost as it is sent, so the view is on step 4 again.
    assert_eq!(app.step(), 4);
    let text = app.find(".narration").text_content().unwrap();
    assert!(text.contains(changed), "{text}");
    let narration = app.text("narration");
    assert!(narration.contains("The wire loses this segment"), "{narration}");
    assert!(
        !narration.contains("GET /"),
        "the default story's words are gone: {narration}"
    );
}

#[wasm_bindgen_test]
async fn a_reset_is_drawn_on_the_state_diagram() {
    let trace = scenario::run("reset", &RunOptions::default()).unwrap();
    let rst = trace
        .segments()
        .position(|(_, _, _, s)| s.flags.rst())
        .expect("the reset scenario sends an RST")
        + 1;
    let app = Mounted::new(&format!("?scenario=reset&step={rst}"), true).await;
    let extra = app.all("[data-testid='extra-edge']");
    assert!(
        !extra.is_empty(),
        "ESTABLISHED → CLOSED is not in RFC 9293's figure: drawn apart"
    );
    assert!(extra[0].text_content().unwrap().contains("reset"));
}
