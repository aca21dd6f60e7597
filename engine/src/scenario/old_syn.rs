//! `old-syn`: why three packets. A SYN from an earlier connection with the
//! same ports, delayed in the network, reaches the server first. The
//! server answers it; the client sees an acknowledgment of a SYN it never
//! sent and answers RST; the server drops the half-open connection, and
//! the real handshake goes ahead (RFC 9293 §3.5, figure 8). With a two-way
//! handshake the server would have opened a connection nobody asked for.

use super::apps::{HttpClient, SynInjector};
use super::curl::{web, REQUEST};
use super::teaching::{CLIENT, SERVER};
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};
use crate::time::Duration;
use std::net::SocketAddrV4;

pub const SCENARIO: Scenario = Scenario {
    id: "old-syn",
    title: "Why three packets: an old duplicate SYN",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(super::curl::BODY);
    // The old SYN: same ports as the coming connection (the client's first
    // ephemeral port), a different ISN.
    s.client_app = Box::new(SynInjector {
        syns: vec![(CLIENT, 49152, 90_000)],
        to: (SERVER, 80),
        then: Box::new(HttpClient::new(SocketAddrV4::new(SERVER, 80), REQUEST)),
    });
    // The real SYN (the client's 2nd datagram) takes a slower path.
    let action = FaultAction::Delay(Duration::from_millis(60));
    s.faults.push(ScriptedFault {
        from: Side::Client,
        nth: 2,
        action,
    });
    s
}
