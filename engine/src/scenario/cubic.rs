//! `cubic`: a bulk upload over a long, thin path, like a geostationary
//! satellite hop (300 ms each way, 500 kbit/s, an 8-packet queue), with
//! CUBIC (RFC 9438). After each loss the window climbs back quickly, slows
//! as it nears the window where the loss happened (W_max: the concave
//! part), lingers there, then probes beyond it (the convex part).
//! `with_reno` runs the same wire with NewReno, which regains one segment
//! per 600 ms round trip.
//!
//! The path holds about 25 segments and the queue 8 more, so losses come
//! at a window of about 33: K = ∛(0.3 × 33 / 0.4) ≈ 2.9 s, five round
//! trips, where Reno needs sixteen.

use super::apps::{Open, Peer};
use super::teaching::{page, pair, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "cubic",
    title: "CUBIC: the window's curve after a loss",
    modern: true,
    setup: super::modern(setup),
};

/// Enough for three losses and the climbs after them.
pub const BODY: usize = 900 * 1024;

fn setup() -> Setup {
    // (Builds without modern TCP never run it: see `super::modern`.)
    #[cfg_attr(not(feature = "modern"), allow(unused_mut))]
    let mut s = with_reno();
    #[cfg(feature = "modern")]
    super::compare::Variant::Cubic.apply(&mut s);
    s
}

/// The same hosts, upload and path with NewReno.
pub fn with_reno() -> Setup {
    let mut s = pair(
        Box::new(Peer::new(Open::Connect(SERVER, 5001), page(BODY))),
        Box::new(Peer::new(Open::Listen(5001), Vec::new()).close_after_eof()),
    );
    // Drop-tail queues lose bursts: SACK repairs them in a round trip.
    s.client.sack = true;
    s.server.sack = true;
    s.client.send_buffer = 1024 * 1024;
    s.server.recv_buffer = 256 * 1024;
    s.server.window_scale = Some(4);
    s.client.window_scale = Some(4);
    // As in `congestion`: slow start ends near the path's limit, as it does
    // when Linux remembers ssthresh from an earlier connection.
    s.client.initial_ssthresh = Some(24);
    let satellite = LinkConfig {
        latency: Duration::from_millis(300),
        ..LinkConfig::default()
    };
    s.c2s = LinkConfig {
        bandwidth_bps: Some(500_000),
        queue_limit: 8,
        ..satellite.clone()
    };
    s.s2c = satellite;
    s.limit = Duration::from_secs(300);
    s
}
