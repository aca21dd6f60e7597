//! `corrupt`: one bit of a segment flips on the way; the receiver's
//! checksum fails, it drops the segment silently, and the sender's timer
//! brings it back.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "corrupt",
    title: "A corrupted segment",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(&page(1200));
    // The request (the client's 3rd datagram); bit 500 is in its payload.
    s.faults.push(ScriptedFault {
        from: Side::Client,
        nth: 3,
        action: FaultAction::Corrupt { bit: 500 },
    });
    s
}
