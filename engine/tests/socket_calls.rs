//! The socket calls each lesson's applications make: where they run in
//! the lesson's listing, and that they agree with what TCP did.

use std::path::Path;
use tcpsim::net::{Call, CallResult, IoErrorKind, Side};
use tcpsim::scenario::listing::{self, CallSpan, Listing};
use tcpsim::scenario::{self, RunOptions};
use tcpsim::tcp::{Event, State};
use tcpsim::trace::{Trace, What};

const LESSONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/scenario/lessons");

/// A lesson's listing for `side`, as its script names it:
/// `client: FILE | key=value | …`.
fn listing(id: &str, side: Side) -> Listing {
    let script = std::fs::read_to_string(Path::new(LESSONS).join(format!("{id}.md"))).unwrap();
    let key = format!("{}: ", side.name());
    let line = script
        .lines()
        .find_map(|l| l.strip_prefix(&key))
        .unwrap_or_else(|| panic!("{id}.md names no {} listing", side.name()));
    let mut parts = line.split('|').map(str::trim);
    let file = parts.next().unwrap();
    let values: Vec<(&str, &str)> = parts.map(|p| p.split_once('=').unwrap()).collect();
    let text = std::fs::read_to_string(Path::new(LESSONS).join("code").join(file)).unwrap();
    Listing::parse(&text, &values)
}

#[test]
fn every_call_of_every_lesson_is_in_its_listing_in_order() {
    let mut placed = 0;
    for s in scenario::ALL {
        let trace = scenario::run(s.id, &RunOptions::default()).unwrap();
        for side in [Side::Client, Side::Server] {
            let listing = listing(s.id, side);
            for line in &listing.lines {
                let placeholder = line.split('{').skip(1).any(|rest| {
                    rest.split_once('}')
                        .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                });
                assert!(!placeholder, "{} {}: unfilled {line}", s.id, side.name());
            }
            let calls: Vec<Call> = listing::calls(&trace, side).iter().map(|c| c.call).collect();
            assert!(!calls.is_empty(), "{} {}: no calls", s.id, side.name());
            if let Err(i) = listing.place(&calls) {
                panic!(
                    "{} {}: call {i} ({:?}) of {calls:?} is not in its listing",
                    s.id,
                    side.name(),
                    calls[i]
                );
            }
            placed += calls.len();
        }
    }
    eprintln!(
        "{placed} socket calls placed in {} lessons' listings",
        scenario::ALL.len()
    );
}

/// The calls against what TCP did on the same host: one call at a time;
/// connect and accept return when the handshake completes (connect with
/// the error TCP reported); read returns no byte before it arrived, and
/// end of file only after the peer's FIN.
#[test]
fn calls_agree_with_what_tcp_did() {
    for s in scenario::ALL {
        let trace = scenario::run(s.id, &RunOptions::default()).unwrap();
        for side in [Side::Client, Side::Server] {
            let calls = listing::calls(&trace, side);
            let name = format!("{} {}", s.id, side.name());
            check_host(&trace, side, &calls, &name);
        }
    }
}

fn check_host(trace: &Trace, side: Side, calls: &[CallSpan], name: &str) {
    // Payload bytes and FINs delivered to this host, with their times.
    let mut sent = std::collections::HashMap::new();
    let mut arrivals = Vec::new();
    let mut established = Vec::new();
    let mut errors = Vec::new();
    for r in &trace.records {
        match &r.what {
            What::Sent { id, segment, .. } => {
                sent.insert(*id, *segment);
            }
            What::Delivered { id, .. } if r.side == side => {
                if let Some(seg) = sent.get(id) {
                    arrivals.push((r.at, seg.len as usize, seg.flags.fin(), seg.flags.rst()));
                }
            }
            What::Engine {
                event: Event::StateChanged {
                    to: State::Established, ..
                },
            } if r.side == side => established.push(r.at),
            What::Engine {
                event: Event::Error { error, .. },
            } if r.side == side => errors.push((r.at, *error)),
            _ => {}
        }
    }
    let delivered_by = |t| arrivals.iter().filter(|a| a.0 <= t).map(|a| a.1).sum::<usize>();
    let mut read = 0;
    for (i, c) in calls.iter().enumerate() {
        if let Some(next) = calls.get(i + 1) {
            let (end, _) = c
                .end
                .unwrap_or_else(|| panic!("{name}: {:?} never returned, yet {:?} followed", c.call, next.call));
            assert!(
                end <= next.start,
                "{name}: {:?} began before {:?} returned",
                next.call,
                c.call
            );
        }
        let Some((end, result)) = c.end else { continue };
        assert!(c.start <= end, "{name}: {:?} returned before it began", c.call);
        match (c.call, result) {
            (Call::Connect | Call::Accept, CallResult::Ok) => {
                assert!(
                    established.contains(&end),
                    "{name}: {:?} returned at {end:?}, not at ESTABLISHED",
                    c.call
                )
            }
            (Call::Connect, CallResult::Err(kind)) => {
                let reported = errors
                    .iter()
                    .any(|&(t, e)| t == end && e.to_string() == error_words(kind));
                assert!(
                    reported,
                    "{name}: connect returned {kind:?} at {end:?} with no such error from TCP"
                );
                if kind == IoErrorKind::ConnectionRefused {
                    assert!(
                        arrivals.iter().any(|a| a.0 == end && a.3),
                        "{name}: refused with no RST arriving"
                    );
                }
            }
            (Call::Read, CallResult::Bytes(n)) => {
                read += n;
                assert!(
                    read <= delivered_by(end),
                    "{name}: read {read} bytes by {end:?}, more than had arrived"
                );
            }
            (Call::Read, CallResult::Eof) => {
                assert!(
                    arrivals.iter().any(|a| a.2 && a.0 <= end),
                    "{name}: end of file before any FIN arrived"
                );
            }
            (Call::Read, CallResult::Err(IoErrorKind::ConnectionReset)) => {
                assert!(
                    arrivals.iter().any(|a| a.3 && a.0 == end),
                    "{name}: reset with no RST arriving"
                );
            }
            (Call::Write | Call::Bind | Call::Shutdown | Call::Close | Call::Abort, _) => {}
            other => panic!("{name}: unexpected {other:?}"),
        }
    }
}

/// How TCP's own error reads (`ConnError`'s words).
fn error_words(kind: IoErrorKind) -> &'static str {
    match kind {
        IoErrorKind::ConnectionRefused => "connection refused",
        IoErrorKind::ConnectionReset => "connection reset",
        IoErrorKind::TimedOut => "timed out",
        IoErrorKind::BrokenPipe => "broken pipe",
    }
}

/// The story's key promises, from the issue: in curl, accept returns when
/// the third segment arrives and connect when the second does; in refused,
/// connect returns ConnectionRefused as the RST arrives.
#[test]
fn connect_and_accept_return_at_the_handshakes_arrivals() {
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    let arrival = |n: usize| {
        let id = trace
            .records
            .iter()
            .filter_map(|r| match r.what {
                What::Sent { id, .. } => Some(id),
                _ => None,
            })
            .nth(n - 1)
            .unwrap();
        trace
            .records
            .iter()
            .find(|r| matches!(r.what, What::Delivered { id: d, .. } if d == id))
            .unwrap()
            .at
    };
    let returned = |side, call| {
        listing::calls(&trace, side)
            .iter()
            .find(|c| c.call == call)
            .unwrap()
            .end
            .unwrap()
    };
    assert_eq!(returned(Side::Client, Call::Connect), (arrival(2), CallResult::Ok));
    assert_eq!(returned(Side::Server, Call::Accept), (arrival(3), CallResult::Ok));

    let refused = scenario::run("refused", &RunOptions::default()).unwrap();
    let connect = listing::calls(&refused, Side::Client)[0];
    let rst = refused
        .records
        .iter()
        .find(|r| r.side == Side::Client && matches!(r.what, What::Delivered { .. }))
        .unwrap();
    assert_eq!(
        connect.end,
        Some((rst.at, CallResult::Err(IoErrorKind::ConnectionRefused)))
    );
}
