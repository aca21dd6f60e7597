//! `three-way-close`: with delayed ACKs on the server, its ACK of the
//! client's FIN waits a moment, the application closes meanwhile, and the
//! ACK rides on the server's FIN: FIN, FIN+ACK, ACK.

use super::curl::web;
use super::{Scenario, Setup};
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "three-way-close",
    title: "Closing in three segments",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(super::curl::BODY);
    s.server.delayed_ack = Some(Duration::from_millis(200));
    s
}
