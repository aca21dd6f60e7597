//! `duplicate`: the wire delivers a segment twice; the receiver recognises
//! the copy by its sequence number, discards it and acknowledges again.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "duplicate",
    title: "A duplicated segment",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(&page(2 * 1460));
    // A 10 Mbit/s link: the copy reaches the client a moment after the
    // original instead of in the same instant.
    s.s2c.bandwidth_bps = Some(10_000_000);
    s.faults.push(ScriptedFault {
        from: Side::Server,
        nth: 4,
        action: FaultAction::Duplicate,
    });
    s
}
