//! `syn-timeout`: every SYN is lost; the client retries with doubling
//! back-off (RFC 6298 §5.5) and finally gives up: "connection timed out".

use super::curl::web;
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "syn-timeout",
    title: "Connection timed out",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(super::curl::BODY);
    // The path to the server loses everything.
    s.c2s.loss = 1.0;
    s
}
