//! `out-of-order`: one segment is held back and the next overtakes it; the
//! receiver buffers the early one and still delivers bytes in order.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "out-of-order",
    title: "Segments out of order",
    modern: false,
    setup,
};

/// Bytes in the response body.
pub const BODY: usize = 2 * 1460 + 1394;

fn setup() -> Setup {
    // Head and body fill the initial window exactly (66 + 4314 = 3 × 1460),
    // so the whole body goes in one flight.
    let mut s = web(&page(BODY));
    // The server's 4th datagram is the first body segment: hold it 2 ms, so
    // the two behind it arrive first.
    let action = FaultAction::Delay(Duration::from_millis(2));
    s.faults.push(ScriptedFault {
        from: Side::Server,
        nth: 4,
        action,
    });
    s
}
