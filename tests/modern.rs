//! Modern TCP's views in a real browser (wasm-bindgen-test, headless
//! Chrome): compare mode and the SACK scoreboard, each checked against the
//! engine's own trace of the same runs. (The build with modern TCP only.)
#![cfg(feature = "full")]

use tcpsim::net::Side;
use tcpsim::scenario::compare::{Summary, Variant};
use tcpsim::scenario::{self, RunOptions};
use tcpsim::tcp::Event;
use tcpsim::trace::{Trace, What};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::Mounted;

fn sack(variant: Option<Variant>) -> Trace {
    let mut setup = (scenario::find("sack").unwrap().setup)();
    if let Some(v) = variant {
        v.apply(&mut setup);
    }
    scenario::run_setup("sack", setup, &RunOptions::default())
}

fn ms(summary: &Summary) -> u64 {
    summary.done.expect("the run finishes").micros() / 1000
}

#[wasm_bindgen_test]
async fn compare_mode_shows_both_runs_and_the_figures_of_their_traces() {
    let app = Mounted::new("?scenario=sack&compare=no-sack", true).await;
    let (with, without) = (Summary::of(&sack(None)), Summary::of(&sack(Some(Variant::NoSack))));
    let line = app.text("compare-summary");
    assert!(line.contains(&format!("done at {} ms", ms(&with))), "{line}");
    assert!(line.contains(&format!("done at {} ms", ms(&without))), "{line}");
    let sooner = ms(&without) - ms(&with);
    assert!(sooner >= 50, "SACK at least one 50 ms round trip sooner: {sooner} ms");
    assert!(line.contains(&format!("finishes {sooner} ms sooner")), "{line}");
    assert_eq!(app.all("[data-testid='compare'] [data-testid='window-plot']").len(), 2);
    assert_eq!(
        app.all("[data-testid='compare'] [data-testid='sequence-plot']").len(),
        2
    );
}

#[wasm_bindgen_test]
async fn the_scoreboard_shows_the_senders_last_report_at_the_step() {
    let app = Mounted::new("?scenario=sack&step=36", true).await;
    let trace = sack(None);
    // When step 36 arrived (the page shows a step once it has), then the
    // server's last scoreboard report by then.
    let ids: Vec<u64> = trace
        .records
        .iter()
        .filter_map(|r| match r.what {
            What::Sent { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    let at = trace
        .records
        .iter()
        .find(|r| matches!(r.what, What::Delivered { id, .. } if id == ids[35]))
        .expect("step 36 arrives")
        .at;
    let report = trace
        .records
        .iter()
        .rev()
        .filter(|r| r.side == Side::Server && r.at <= at)
        .find_map(|r| match &r.what {
            What::Engine {
                event: Event::Scoreboard { una, max, lost, .. },
            } => Some((*una, *max, lost.len())),
            _ => None,
        })
        .expect("a scoreboard report before step 36");
    let caption = app.text("scoreboard-caption");
    let (una, max, lost) = report;
    assert!(
        caption.contains(&format!("bytes {} to {}", una, (max - 1))),
        "{caption}"
    );
    assert!(caption.contains(&format!("{lost} presumed lost")), "{caption}");
}
