//! `bbr`: a bulk upload through a bottleneck with a deep buffer (2 Mbit/s,
//! 80 ms round trip, room for 50 packets: 300 ms of queue), from a host
//! set up as Linux is but running BBR (draft-ietf-ccwg-bbr-02). BBR
//! measures the bottleneck's rate and the path's round trip and keeps
//! about one bandwidth-delay product in flight (here about 20 KB, 14
//! segments), so the queue stays short. `with_cubic` runs the same wire
//! with CUBIC, which grows until the 50-packet queue overflows and so
//! keeps it full: the same upload with far longer round trips.
//!
//! The upload lasts about six seconds: long enough for Startup, Drain,
//! ProbeBW's cycle and, 5 s after the last new minimum RTT, ProbeRTT.

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::tcp::Profile;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "bbr",
    title: "BBR: pacing at the bottleneck's rate",
    modern: true,
    setup: super::modern(setup),
};

/// About six seconds at 2 Mbit/s.
pub const BODY: usize = 1400 * 1024;

/// The bottleneck: bits per second, the one-way delay, its queue.
pub const BOTTLENECK_BPS: u64 = 2_000_000;
pub const ONE_WAY: Duration = Duration::from_millis(40);
pub const QUEUE: usize = 50;

fn setup() -> Setup {
    // (Builds without modern TCP never run it: see `super::modern`.)
    #[cfg_attr(not(feature = "modern"), allow(unused_mut))]
    let mut s = with_cubic();
    #[cfg(feature = "modern")]
    super::compare::Variant::Bbr.apply(&mut s);
    s
}

/// The same hosts, upload and path with CUBIC, as Linux has by default.
pub fn with_cubic() -> Setup {
    let mut s = pair(
        Box::new(Peer::new(Open::Connect(SERVER, 5001), page(BODY))),
        Box::new(Peer::new(Open::Listen(5001), Vec::new()).close_after_eof()),
    )
    .with_profile(Profile::ModernLinux);
    s.client.send_buffer = 2 * 1024 * 1024;
    s.server.recv_buffer = 1024 * 1024;
    let path = LinkConfig {
        latency: ONE_WAY,
        ..LinkConfig::default()
    };
    s.c2s = LinkConfig {
        bandwidth_bps: Some(BOTTLENECK_BPS),
        queue_limit: QUEUE,
        ..path.clone()
    };
    s.s2c = path;
    s.limit = Duration::from_secs(120);
    s
}
