//! `lost-data`: the request is lost; the retransmission timer expires and
//! the client sends it again.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "lost-data",
    title: "A lost segment and a timeout",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(&page(600));
    // The client's datagrams: SYN, ACK, then the request (the 3rd).
    s.faults.push(ScriptedFault {
        from: Side::Client,
        nth: 3,
        action: FaultAction::Drop,
    });
    s
}
