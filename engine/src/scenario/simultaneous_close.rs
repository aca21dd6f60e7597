//! `simultaneous-close`: both hosts close at the same moment; the FINs
//! cross, and both pass through CLOSING to TIME_WAIT (RFC 9293 §3.6,
//! figure 13).

use super::apps::{Open, Peer};
use super::teaching::{pair, CLIENT, SERVER};
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "simultaneous-close",
    title: "Simultaneous close",
    modern: false,
    setup,
};

fn setup() -> Setup {
    // Both open at once (so both are ESTABLISHED in the same instant), send
    // a line, and close right after it.
    pair(
        Box::new(Peer::new(
            Open::ConnectFrom(5000, SERVER, 6000),
            b"bye from 10.0.1.5\n".to_vec(),
        )),
        Box::new(Peer::new(
            Open::ConnectFrom(6000, CLIENT, 5000),
            b"bye from 10.0.2.10\n".to_vec(),
        )),
    )
}
