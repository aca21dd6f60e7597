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

/// Scenario `id`'s run, with both hosts changed by `variant`.
fn run(id: &str, variant: Option<Variant>) -> Trace {
    let mut setup = (scenario::find(id).unwrap().setup)();
    if let Some(v) = variant {
        v.apply(&mut setup);
    }
    scenario::run_setup(id, setup, &RunOptions::default())
}

fn sack(variant: Option<Variant>) -> Trace {
    run("sack", variant)
}

fn bbr(variant: Option<Variant>) -> Trace {
    run("bbr", variant)
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

#[wasm_bindgen_test]
async fn bbr_against_cubic_shows_the_queue_each_keeps_and_the_model_bbr_built() {
    let app = Mounted::new("?scenario=bbr&compare=cubic", true).await;
    let (b, c) = (Summary::of(&bbr(None)), Summary::of(&bbr(Some(Variant::Cubic))));
    let line = app.text("compare-summary");
    for s in [&b, &c] {
        assert!(
            line.contains(&format!("done at {}", narration_time(s.done.unwrap().micros()))),
            "{line}"
        );
    }
    let typical = |s: &Summary| narration_time(s.typical_queue.micros());
    assert!(
        line.contains(&format!("typical wait: {} and {}", typical(&b), typical(&c))),
        "{line}"
    );
    assert!(c.typical_queue.micros() > 10 * b.typical_queue.micros().max(1000));
    // BBR's window plot draws its estimate of the BDP; CUBIC's does not.
    assert_eq!(
        app.all("[data-testid='compare-run-0'] [data-testid='bdp-line']").len(),
        1
    );
    assert!(app
        .all("[data-testid='compare-run-1'] [data-testid='bdp-line']")
        .is_empty());

    // At the step where BBR enters Drain, the narration names the bandwidth
    // estimate the engine reported there: the step of the datagram whose
    // arrival the report followed.
    let trace = bbr(None);
    let (drain, bw) = trace
        .records
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r.what {
            What::Engine {
                event:
                    Event::CongestionVariables {
                        variables:
                            tcpsim::tcp::Variables::Bbr {
                                state: tcpsim::tcp::BbrState::Drain,
                                bw,
                                ..
                            },
                        ..
                    },
            } => Some((i, bw)),
            _ => None,
        })
        .expect("BBR enters Drain");
    let arrived = trace.records[..drain]
        .iter()
        .rev()
        .find_map(|r| match r.what {
            What::Delivered { id, .. } => Some(id),
            _ => None,
        })
        .unwrap();
    let step = 1 + trace
        .records
        .iter()
        .filter_map(|r| match r.what {
            What::Sent { id, .. } => Some(id),
            _ => None,
        })
        .position(|id| id == arrived)
        .unwrap();
    let app = Mounted::new(&format!("?scenario=bbr&step={step}"), true).await;
    let told = app.text("narration");
    let mbps = format!("{:.2} Mbit/s", (bw * 8) as f64 / 1e6);
    assert!(
        told.contains("enters Drain") && told.contains(&mbps),
        "step {step}, {mbps}: {told}"
    );
}

/// A time as the page writes it (whole milliseconds, seconds with decimals).
fn narration_time(us: u64) -> String {
    let ms = us / 1000;
    match (ms / 1000, ms % 1000) {
        (0, ms) => format!("{ms} ms"),
        (s, 0) => format!("{s} s"),
        (s, ms) => format!("{s}.{} s", format!("{ms:03}").trim_end_matches('0')),
    }
}
