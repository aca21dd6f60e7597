//! `congestion`: a bulk transfer through a 2 Mbit/s bottleneck with a
//! small queue: slow start, congestion avoidance, queue overflow losses and
//! cwnd cuts, three times over: the sawtooth (RFC 5681, NewReno RFC 6582).
//!
//! The queue (6 packets) and the path (about 8 packets in flight) let cwnd
//! reach about 15 segments before a packet is dropped. The client starts
//! with ssthresh 16, as Linux does from its route cache after an earlier
//! connection to the host: slow start then ends near the path's limit,
//! and each loss in congestion avoidance is one packet, which fast
//! retransmit repairs. With ssthresh "arbitrarily high", slow start would
//! overshoot to twice that and lose a dozen packets in one window.

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;

pub const SCENARIO: Scenario = Scenario {
    id: "congestion",
    title: "Congestion control",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = pair(
        Box::new(Peer::new(Open::Connect(SERVER, 5001), page(450 * 1024))),
        Box::new(Peer::new(Open::Listen(5001), Vec::new()).close_after_eof()),
    );
    s.client.send_buffer = 512 * 1024;
    s.server.recv_buffer = 256 * 1024;
    s.server.window_scale = Some(4);
    s.client.window_scale = Some(4);
    s.client.initial_ssthresh = Some(16);
    s.c2s = LinkConfig {
        bandwidth_bps: Some(2_000_000),
        queue_limit: 6,
        ..LinkConfig::default()
    };
    s
}
