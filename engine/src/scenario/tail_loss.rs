//! `tail-loss`: the last two segments of a response are lost, between
//! hosts set up as Linux is (`Profile::ModernLinux`). Nothing follows them,
//! so no duplicate ACK can report the loss: without RACK-TLP only the
//! retransmission timer would. With it (RFC 8985), the server probes after
//! about two round trips of silence by sending the last segment again;
//! the client's SACK for it lets RACK mark the segment before it lost.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};
use crate::tcp::Profile;

pub const SCENARIO: Scenario = Scenario {
    id: "tail-loss",
    title: "Tail loss: the last segments of a response",
    modern: true,
    setup: super::modern(setup),
};

/// Ten segments of 1448 bytes: one initial window (IW10).
pub const BODY: usize = 10 * 1448 - 200;

fn setup() -> Setup {
    let mut s = web(&page(BODY)).with_profile(Profile::ModernLinux);
    // The server's datagrams: SYN-ACK, then the response's ten segments
    // (the request's ACK rides on the first); the last two are lost.
    for nth in [11, 12] {
        s.faults.push(ScriptedFault {
            from: Side::Server,
            nth,
            action: FaultAction::Drop,
        });
    }
    s
}
