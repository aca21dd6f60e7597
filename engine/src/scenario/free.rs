//! `free`: a connection of the learner's own. The client sends what the
//! lab's payload editor holds (at first a few lines of text) to an echo
//! server on port 7 (RFC 862), which sends every byte back; the client
//! closes once its bytes are acknowledged and keeps reading the echo.

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};

pub const SCENARIO: Scenario = Scenario {
    id: "free",
    title: "Your own connection (free mode)",
    modern: false,
    setup,
};

fn setup() -> Setup {
    pair(
        Box::new(Peer::new(Open::Connect(SERVER, 7), page(4000))),
        Box::new(Peer::new(Open::Listen(7), Vec::new()).echo().close_after_eof()),
    )
}
