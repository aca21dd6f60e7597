//! `half-close`: the client sends its request and closes its direction at
//! once (FIN), yet keeps receiving a long response; the server closes when
//! it is done.

use super::apps::{Open, Peer};
use super::curl::REQUEST;
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "half-close",
    title: "Half-close",
    modern: false,
    setup,
};

fn setup() -> Setup {
    pair(
        // Closes as soon as its request is written.
        Box::new(Peer::new(Open::Connect(SERVER, 80), REQUEST.to_vec())),
        // Sends everything, then closes once the client's FIN is in.
        Box::new(Peer::new(Open::Listen(80), page(4 * 1460)).close_after_eof()),
    )
}
