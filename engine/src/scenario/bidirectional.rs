//! `bidirectional`: both sides send data at once; each direction has its
//! own sequence numbers, and each side's ACKs count the other's bytes.

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "bidirectional",
    title: "Data both ways",
    modern: false,
    setup,
};

fn setup() -> Setup {
    pair(
        Box::new(Peer::new(Open::Connect(SERVER, 7000), page(3000))),
        Box::new(Peer::new(Open::Listen(7000), page(2000)).close_after_eof()),
    )
}
