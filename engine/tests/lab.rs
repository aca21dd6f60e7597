//! The lab's settings change the run the way they say.

use tcpsim::net::Side;
use tcpsim::scenario::{self, lab::Lab, RunOptions};
use tcpsim::trace::{Segment, Trace};

fn run(lab: Lab) -> Trace {
    scenario::run(
        "curl",
        &RunOptions {
            lab,
            ..RunOptions::default()
        },
    )
    .unwrap()
}

fn segments(trace: &Trace) -> Vec<(u64, Side, Segment)> {
    trace
        .segments()
        .map(|(at, side, _, s)| (at.micros(), side, *s))
        .collect()
}

#[test]
fn payload_replaces_what_the_client_sends() {
    let request = b"GET /lab HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    let trace = run(Lab {
        payload: Some(request.clone()),
        ..Lab::default()
    });
    let data: Vec<_> = segments(&trace)
        .into_iter()
        .filter(|(_, side, s)| *side == Side::Client && s.len > 0)
        .collect();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].2.len as usize, request.len());
    assert!(trace.received[Side::Server.index()] == request);
}

#[test]
fn latency_sets_the_round_trip() {
    let trace = run(Lab {
        latency_ms: Some(80),
        ..Lab::default()
    });
    let segs = segments(&trace);
    // The SYN-ACK leaves the server one one-way delay after the SYN left.
    assert_eq!(segs[1].0 - segs[0].0, 80_000);
}

#[test]
fn total_loss_means_the_connection_times_out() {
    let trace = run(Lab {
        loss_percent: Some(100),
        ..Lab::default()
    });
    let segs = segments(&trace);
    assert!(
        segs.iter().all(|(_, side, s)| *side == Side::Client && s.flags.syn()),
        "only SYNs are ever sent"
    );
    assert!(segs.len() > 1, "the SYN is retried");
    assert!(trace.received.iter().all(|r| r.is_empty()));
}

#[test]
fn delayed_ack_lets_the_ack_ride_on_data() {
    // With delayed ACKs the server's ACK of the request waits and rides on
    // the response, so the pure ACK (#5 of the default story) disappears.
    let plain = segments(&run(Lab::default())).len();
    let delayed = segments(&run(Lab {
        delayed_ack: Some(true),
        ..Lab::default()
    }))
    .len();
    assert!(delayed < plain, "{delayed} segments with delayed ACKs, {plain} without");
}
