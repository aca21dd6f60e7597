//! `congestion`: a bulk transfer through a 2 Mbit/s bottleneck with a
//! small queue: slow start, queue overflow losses, cwnd cuts, congestion
//! avoidance (RFC 5681, NewReno RFC 6582).

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;

pub const SCENARIO: Scenario = Scenario {
    id: "congestion",
    title: "Congestion control",
    summary: "300 KB through a 2 Mbit/s bottleneck with a 12-packet queue: slow start, losses, cwnd cuts, congestion avoidance",
    setup,
};

fn setup() -> Setup {
    let mut s = pair(
        Box::new(Peer::new(Open::Connect(SERVER, 5001), page(300 * 1024))),
        Box::new(Peer::new(Open::Listen(5001), Vec::new()).close_after_eof()),
    );
    s.client.send_buffer = 512 * 1024;
    s.server.recv_buffer = 256 * 1024;
    s.server.window_scale = Some(4);
    s.client.window_scale = Some(4);
    s.c2s = LinkConfig {
        bandwidth_bps: Some(2_000_000),
        queue_limit: 12,
        ..LinkConfig::default()
    };
    s
}
