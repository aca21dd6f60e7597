//! `sack`: three segments of one window are lost. With selective
//! acknowledgments (RFC 2018) the receiver tells the sender exactly which
//! bytes it holds, and the sender resends all three holes in about one
//! round trip (RFC 6675); NewReno, without SACK, learns of one hole per
//! round trip (RFC 6582). `without_sack` runs the same wire without it.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};

pub const SCENARIO: Scenario = Scenario {
    id: "sack",
    title: "SACK: three losses repaired in one round trip",
    modern: true,
    setup: super::modern(setup),
};

/// The body is long enough that the losses come in the same window and
/// plenty of segments follow them.
pub const BODY: usize = 40 * 1460;

fn setup() -> Setup {
    let mut s = without_sack();
    s.client.sack = true;
    s.server.sack = true;
    s
}

/// The same hosts, page and losses with SACK off: NewReno's recovery.
pub fn without_sack() -> Setup {
    let mut s = web(&page(BODY));
    // As in `fast-retransmit`: a steady window and every segment ACKed.
    s.client.recv_buffer = 256 * 1024;
    s.client.delayed_ack = None;
    // The server's datagrams: SYN-ACK, ACK of the request, head, then the
    // body; the 11th, 13th and 15th all leave in the third round trip.
    for nth in [11, 13, 15] {
        s.faults.push(ScriptedFault {
            from: Side::Server,
            nth,
            action: FaultAction::Drop,
        });
    }
    s
}
