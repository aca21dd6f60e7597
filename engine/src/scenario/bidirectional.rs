//! `bidirectional`: both sides send data at once; each direction has its
//! own sequence numbers, and each side's ACKs count the other's bytes.

use super::apps::{Open, Peer};
use super::curl::{hosts, page, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "bidirectional",
    title: "Data both ways",
    summary:
        "client and server send at the same time: two independent sequence spaces, each acknowledged by the other side",
    setup,
};

fn setup() -> Setup {
    let (client, server) = hosts();
    Setup {
        client,
        server,
        c2s: LinkConfig::default(),
        s2c: LinkConfig::default(),
        faults: Vec::new(),
        client_app: Box::new(Peer::new(Open::Connect(SERVER, 7000), page(3000))),
        server_app: Box::new(Peer::new(Open::Listen(7000), page(2000)).close_after_eof()),
        limit: Duration::from_secs(120),
    }
}
