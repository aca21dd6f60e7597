//! `simultaneous-open`: both hosts connect to each other at the same
//! moment; the SYNs cross, both go SYN_SENT → SYN_RCVD → ESTABLISHED with
//! four segments instead of three (RFC 9293 §3.5, figure 7).

use super::apps::{Open, Peer};
use super::teaching::{pair, CLIENT, SERVER};
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "simultaneous-open",
    title: "Simultaneous open",
    modern: false,
    setup,
};

fn setup() -> Setup {
    pair(
        Box::new(Peer::new(
            Open::ConnectFrom(5000, SERVER, 6000),
            b"hello from 10.0.1.5\n".to_vec(),
        )),
        Box::new(
            Peer::new(
                Open::ConnectFrom(6000, CLIENT, 5000),
                b"hello from 10.0.2.10\n".to_vec(),
            )
            .close_after_eof(),
        ),
    )
}
