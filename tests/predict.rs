//! Predict mode in a real browser (wasm-bindgen-test, headless Chrome):
//! answers checked against the engine's own trace of the same run. (The
//! build with modern TCP, which predict mode's URLs open.)
#![cfg(feature = "full")]

use tcpsim::scenario::{self, RunOptions};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::Mounted;

/// The default story's SYN and SYN-ACK sequence numbers (fixed ISNs).
fn isns() -> (u32, u32) {
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    let mut syns = trace.segments().map(|s| s.3.seq);
    (syns.next().unwrap(), syns.next().unwrap())
}

#[wasm_bindgen_test]
async fn right_and_wrong_predictions_are_marked_with_the_engines_values_and_the_score_adds_up() {
    let (client_isn, server_isn) = isns();
    // Step 1 shown; step 2 is the server's SYN-ACK: its flags and ack asked.
    let app = Mounted::new("?scenario=curl&mode=predict&step=1", true).await;
    assert!(
        app.all("[data-testid='predict-seq']").is_empty(),
        "a SYN's own number is not asked"
    );
    app.click("predict-flag-SYN").await;
    app.click("predict-flag-ACK").await;
    app.type_into("predict-ack", &(client_isn + 1).to_string()).await;
    app.click("predict-check").await;
    assert_eq!(app.step(), 2, "checking shows the segment");
    let result = app.text("predict-result");
    assert!(result.contains("Segment 2: 2 of 2 right."), "{result}");
    assert_eq!(app.text("predict-score"), "Score: 2 of 2 fields right");

    // Step 3, the client's ACK: forgetting that the SYN took a number.
    app.type_into("predict-ack", &server_isn.to_string()).await;
    app.click("predict-check").await;
    let result = app.text("predict-result");
    assert!(result.contains(&format!("it is {}", server_isn + 1)), "{result}");
    assert!(result.contains("+ 1 for the SYN"), "{result}");
    let score = app.text("predict-score");
    assert!(score.starts_with("Score: 2 of "), "{score}");
    // Retry puts the step back and the new answer replaces the old one.
    app.click("predict-retry").await;
    assert_eq!(app.step(), 2);
    app.type_into("predict-ack", &(server_isn + 1).to_string()).await;
    app.click("predict-check").await;
    assert!(app
        .text("predict-result")
        .contains(&format!("{} + 0 + 1 for the SYN", server_isn)));
}

#[wasm_bindgen_test]
async fn random_isns_change_the_answer_and_the_page_checks_against_its_own_run() {
    let (client_isn, _) = isns();
    let app = Mounted::new("?scenario=curl&mode=predict&isn=random&step=1", true).await;
    // The SYN the page shows, with its random number.
    let syn = app.labels()[0].clone();
    let seq: u32 = syn
        .split("seq=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(seq, client_isn);
    app.click("predict-flag-SYN").await;
    app.click("predict-flag-ACK").await;
    app.type_into("predict-ack", &(seq + 1).to_string()).await;
    app.click("predict-check").await;
    let result = app.text("predict-result");
    assert!(result.contains("Segment 2: 2 of 2 right."), "{result}");
    assert!(
        result.contains(&format!("Acknowledgment number: {}.", seq + 1)),
        "{result}"
    );
}

#[wasm_bindgen_test]
async fn predict_mode_survives_a_deep_link_and_an_embed_and_hides_what_comes_next() {
    let app = Mounted::new("?scenario=curl&mode=predict&level=full&step=4&embed=1", true).await;
    assert_eq!(app.step(), 4);
    // Every knowable field is asked at the full level.
    for field in ["sender", "flags", "seq", "ack", "len", "clientstate", "serverstate"] {
        assert_eq!(app.all(&format!("[data-testid='predict-{field}']")).len(), 1, "{field}");
    }
    // The ladder shows four segments, not the fifth.
    assert_eq!(app.labels().len(), 4);
    assert!(app.find("[data-testid='play']").has_attribute("disabled"));
    // Skipping ahead without answering is allowed and scores nothing.
    app.click("predict-reveal").await;
    assert_eq!(app.step(), 5);
    assert_eq!(app.text("predict-score"), "Score: 0 of 0 fields right");
}

#[wasm_bindgen_test]
async fn a_finished_run_is_kept_in_this_browser_only_until_forgotten() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let trace = scenario::run("refused", &RunOptions::default()).unwrap();
    let steps = trace.segments().count();
    let app = Mounted::new("?scenario=refused&mode=predict", true).await;
    for _ in 0..steps {
        app.click("predict-check").await;
    }
    assert_eq!(app.step(), steps);
    let score = app.text("predict-score");
    let kept = storage
        .get_item("watch-tcp.predict.refused")
        .unwrap()
        .expect("the score is kept");
    assert!(score.ends_with(&kept), "{score} / {kept}");
    assert!(app.text("predict-kept").contains(&kept));
    app.click("predict-forget").await;
    assert_eq!(storage.get_item("watch-tcp.predict.refused").unwrap(), None);
    assert!(app.all("[data-testid='predict-kept']").is_empty());
}

#[wasm_bindgen_test]
async fn after_a_drop_in_the_lab_the_learner_predicts_which_segment_comes_back_and_when() {
    // Step 4 is the client's request; the lab drops it.
    let app = Mounted::new("?scenario=curl&mode=predict&step=4", true).await;
    let request = app.labels()[3].clone();
    assert!(request.contains("seq=1001"), "{request}");
    app.click("fault-drop").await;
    assert_eq!(app.step(), 4);
    // Nothing reaches the server, so nothing comes back: the client's
    // retransmission timer sends the request again, with the same sequence
    // number, after the RTO: 1 s, the minimum of RFC 6298 §2.4.
    app.type_into("predict-seq", "1001").await;
    app.click("predict-cause-retransmittimer").await;
    app.type_into("predict-wait", "1000").await;
    app.click("predict-check").await;
    let result = app.text("predict-result");
    assert!(result.contains("Segment 5: 3 of 3 right."), "{result}");
    assert!(result.contains("retransmission timer ran out"), "{result}");
    assert!(app.labels()[4].contains("seq=1001"), "{:?}", app.labels());

    // One round trip is the wrong guess here: the reason says why.
    app.click("back").await;
    assert_eq!(app.step(), 4);
    app.type_into("predict-seq", "1001").await;
    app.click("predict-cause-arrival").await;
    app.type_into("predict-wait", "50").await;
    app.click("predict-check").await;
    let result = app.text("predict-result");
    assert!(result.contains("Segment 5: 1 of 3 right."), "{result}");
    assert!(result.contains("it is 1000 ms"), "{result}");
    assert!(
        result.contains("the retransmission timer started when the first copy left and ran 1 s"),
        "{result}"
    );
}
