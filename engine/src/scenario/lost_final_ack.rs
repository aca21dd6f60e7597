//! `lost-final-ack`: the client's last ACK is lost; the server sends its
//! FIN again, and the client, still in TIME_WAIT, answers it. This is why
//! TIME_WAIT exists (RFC 9293 §3.6).

use super::curl::web;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "lost-final-ack",
    title: "The last ACK is lost",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(super::curl::BODY);
    // The client sends SYN, ACK, request, ACK, FIN, ACK: the 6th is the last.
    s.faults.push(ScriptedFault {
        from: Side::Client,
        nth: 6,
        action: FaultAction::Drop,
    });
    s
}
