//! `zero-window`: the client reads slowly from a small buffer; its
//! advertised window falls to zero, the server stops and probes (persist
//! timer, RFC 9293 §3.8.6.1), and a window update lets it go on.

use super::apps::{Open, Peer};
use super::curl::REQUEST;
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "zero-window",
    title: "Flow control: a zero window",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = pair(
        // Reads 1000 bytes every 1.5 s.
        Box::new(
            Peer::new(Open::Connect(SERVER, 80), REQUEST.to_vec())
                .read_pace(1000, Duration::from_millis(1500))
                .close_after_eof(),
        ),
        Box::new(Peer::new(Open::Listen(80), page(6000)).close_after_eof()),
    );
    s.client.recv_buffer = 2000;
    s
}
