//! `zero-window`: the client reads slowly from a small buffer; its
//! advertised window falls to zero, the server stops and probes (persist
//! timer, RFC 9293 §3.8.6.1), and a window update lets it go on.

use super::apps::{Open, Peer};
use super::curl::{hosts, page, REQUEST, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "zero-window",
    title: "Flow control: a zero window",
    summary: "a slow reader's window falls to 0; the sender stops, probes, and resumes on a window update",
    setup,
};

fn setup() -> Setup {
    let (mut client, server) = hosts();
    client.recv_buffer = 2000;
    Setup {
        client,
        server,
        c2s: LinkConfig::default(),
        s2c: LinkConfig::default(),
        faults: Vec::new(),
        // Reads 1000 bytes every 1.5 s.
        client_app: Box::new(
            Peer::new(Open::Connect(SERVER, 80), REQUEST.to_vec())
                .read_pace(1000, Duration::from_millis(1500))
                .close_after_eof(),
        ),
        server_app: Box::new(Peer::new(Open::Listen(80), page(6000)).close_after_eof()),
        limit: Duration::from_secs(120),
    }
}
