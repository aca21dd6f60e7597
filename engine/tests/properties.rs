//! Properties over random payloads and random fault schedules: both
//! directions receive exactly the bytes sent, in order, once; both ends
//! finish (CLOSED, after any TIME_WAIT) in bounded simulated time; nothing
//! panics.

use proptest::prelude::*;
use std::net::Ipv4Addr;
use tcpsim::net::{LinkConfig, Side};
use tcpsim::scenario::apps::{Open, Peer};
use tcpsim::scenario::{run_setup, RunOptions, Setup};
use tcpsim::tcp::{Algorithm, Config, Event, IsnPolicy, Profile, State};
use tcpsim::time::Duration;
use tcpsim::trace::What;

const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);

fn faulty_link() -> impl Strategy<Value = LinkConfig> {
    (
        0.0..=0.3f64,
        0.0..=0.1f64,
        0.0..=0.1f64,
        0.0..=0.05f64,
        1u64..60,
        0u64..20,
    )
        .prop_map(
            |(loss, duplicate, reorder, corrupt, latency_ms, jitter_ms)| LinkConfig {
                latency: Duration::from_millis(latency_ms),
                jitter: Duration::from_millis(jitter_ms),
                loss,
                duplicate,
                reorder,
                corrupt,
                ..LinkConfig::default()
            },
        )
}

/// The switches a host may have on.
#[derive(Clone, Debug)]
struct Knobs {
    /// RFC 7323 window scaling.
    window_scale: Option<u8>,
    /// The ACK policy: every segment at once, or delayed (RFC 9293 §3.8.6.3).
    delayed_ack: Option<Duration>,
    nagle: bool,
    /// RFC 3042.
    limited_transmit: bool,
    /// RFC 5681 §4.1.
    restart_after_idle: bool,
    /// RFC 2018 and RFC 6675, when the peer offers it too.
    sack: bool,
    /// RFC 7323 timestamps, when the peer offers them too.
    timestamps: bool,
    /// RFC 8985, when both sides use SACK.
    rack_tlp: bool,
    congestion: Algorithm,
    /// The whole modern Linux profile, over all of the above.
    modern_profile: bool,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    let ack_delay = prop_oneof![Just(None), Just(Some(40u64)), Just(Some(200u64))];
    (
        prop::option::of(0u8..=14),
        ack_delay,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(Algorithm::NewReno), Just(Algorithm::Cubic), Just(Algorithm::Bbr)],
        prop::bool::weighted(0.25),
    )
        .prop_map(
            |(
                window_scale,
                ack_ms,
                nagle,
                limited_transmit,
                restart_after_idle,
                sack,
                timestamps,
                rack_tlp,
                congestion,
                modern_profile,
            )| Knobs {
                window_scale,
                delayed_ack: ack_ms.map(Duration::from_millis),
                nagle,
                limited_transmit,
                restart_after_idle,
                sack,
                timestamps,
                rack_tlp,
                congestion,
                modern_profile,
            },
        )
}

/// Hosts that keep trying: the property is about correctness under loss,
/// so retry limits must not be what ends a run.
fn host(addr: Ipv4Addr, isn: u32, recv_buffer: usize, knobs: Knobs) -> Config {
    let mut config = Config {
        addr,
        isn: IsnPolicy::Fixed(isn),
        recv_buffer,
        window_scale: knobs.window_scale,
        delayed_ack: knobs.delayed_ack,
        nagle: knobs.nagle,
        limited_transmit: knobs.limited_transmit,
        restart_after_idle: knobs.restart_after_idle,
        sack: knobs.sack,
        timestamps: knobs.timestamps,
        rack_tlp: knobs.rack_tlp,
        congestion: knobs.congestion,
        min_rto: Duration::from_millis(200),
        syn_retries: 40,
        synack_retries: 40,
        max_retries: 40,
        ..Config::default()
    };
    if knobs.modern_profile {
        Profile::ModernLinux.apply(&mut config);
    }
    config
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn bytes(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

proptest! {
    // 256 cases in the test suite; `PROPTEST_CASES=10000` for a long run.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_byte_arrives_once_in_order_and_both_ends_close(
        up in 0usize..100_000,
        down in 0usize..100_000,
        c2s in faulty_link(),
        s2c in faulty_link(),
        seed in any::<u64>(),
        // Near 2^32 to exercise sequence number wrap-around.
        c_isn in prop_oneof![any::<u32>(), (u32::MAX - 20_000)..=u32::MAX],
        s_isn in any::<u32>(),
        recv_buffer in prop_oneof![Just(65535usize), 2_000usize..20_000, 100_000usize..400_000],
        client_knobs in knobs(),
        server_knobs in knobs(),
    ) {
        let (a, b) = (bytes(up, 1), bytes(down, 2));
        let setup = Setup {
            client: host(CLIENT, c_isn, recv_buffer, client_knobs),
            server: host(SERVER, s_isn, recv_buffer, server_knobs),
            c2s,
            s2c,
            faults: Vec::new(),
            client_app: Box::new(Peer::new(Open::Connect(SERVER, 80), a.clone())),
            server_app: Box::new(Peer::new(Open::Listen(80), b.clone()).close_after_eof()),
            limit: Duration::from_secs(6 * 3600),
        };
        let trace = run_setup("property", setup, &RunOptions { seed, ..RunOptions::default() });
        prop_assert!(!trace.truncated, "run did not finish by {}", trace.end);
        prop_assert_eq!(trace.received[Side::Server.index()].len(), a.len());
        prop_assert!(trace.received[Side::Server.index()] == a, "server received different bytes");
        prop_assert!(trace.received[Side::Client.index()] == b, "client received different bytes");
        for side in [Side::Client, Side::Server] {
            let last = trace.state_changes(side).filter(|c| c.2 != State::Closed).last().map(|c| c.3);
            prop_assert_eq!(last, Some(State::Closed), "{:?} did not end CLOSED", side);
        }
        let edges: Vec<(State, State)> = tcpsim::tcp::transition::transitions().map(|t| (t.from, t.to)).collect();
        for r in &trace.records {
            if let What::Engine { event: Event::StateChanged { from, to, .. } } = r.what {
                prop_assert!(edges.contains(&(from, to)), "{} -> {} is not an edge of the table", from, to);
            }
        }
        let errors = trace.records.iter().filter(|r| matches!(r.what, What::Engine { event: Event::Error { .. } })).count();
        prop_assert_eq!(errors, 0);
    }
}
