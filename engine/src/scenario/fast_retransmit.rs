//! `fast-retransmit`: one segment of a long response is lost; the segments
//! after it draw duplicate ACKs, and the third triggers fast retransmit and
//! NewReno fast recovery (RFC 5681 §3.2, RFC 6582).

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "fast-retransmit",
    title: "Fast retransmit and fast recovery",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(&page(20 * 1460));
    // A roomy receive buffer keeps the advertised window steady at 65535,
    // so the duplicate ACKs really are duplicates (RFC 5681 §2, rule (e)).
    s.client.recv_buffer = 256 * 1024;
    // Every segment acknowledged (no delayed ACKs): slow start visibly
    // doubles each round trip, and each segment after the hole brings its
    // own duplicate ACK.
    s.client.delayed_ack = None;
    // The server's datagrams: SYN-ACK, ACK of the request, head, then body
    // segments; the 9th is lost once the window is wide enough that several
    // segments follow it.
    s.faults.push(ScriptedFault {
        from: Side::Server,
        nth: 9,
        action: FaultAction::Drop,
    });
    s
}
