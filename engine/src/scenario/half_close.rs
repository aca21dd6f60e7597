//! `half-close`: the client sends its request and closes its direction at
//! once (FIN), yet keeps receiving a long response; the server closes when
//! it is done.

use super::apps::{Open, Peer};
use super::curl::{hosts, page, REQUEST, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "half-close",
    title: "Half-close",
    summary: "the client sends its request and a FIN, and keeps receiving a long response until the server closes",
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
        // Closes as soon as its request is written.
        client_app: Box::new(Peer::new(Open::Connect(SERVER, 80), REQUEST.to_vec())),
        // Sends everything, then closes once the client's FIN is in.
        server_app: Box::new(Peer::new(Open::Listen(80), page(4 * 1460)).close_after_eof()),
        limit: Duration::from_secs(120),
    }
}
