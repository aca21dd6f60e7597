//! Scenarios: each is a configuration of two hosts, their applications and
//! the wire. Running one gives a trace; nothing in it is scripted beyond what
//! the applications do and the faults the wire is told to apply.

pub mod apps;
pub mod bbr;
pub mod bidirectional;
#[cfg(feature = "modern")]
pub mod compare;
pub mod congestion;
pub mod corrupt;
pub mod cubic;
pub mod curl;
pub mod duplicate;
pub mod fast_retransmit;
pub mod free;
pub mod half_close;
pub mod listing;
pub mod lost_data;
pub mod lost_final_ack;
pub mod modern_curl;
pub mod old_syn;
pub mod out_of_order;
pub mod refused;
pub mod reset;
pub mod sack;
pub mod simultaneous_close;
pub mod simultaneous_open;
pub mod syn_flood;
pub mod syn_timeout;
pub mod tail_loss;
pub mod teaching;
pub mod three_way_close;
pub mod timestamps;
pub mod zero_window;

use crate::net::{App, Link, LinkConfig, Outcome, ScriptedFault, Simulator};
use crate::tcp::syn_cookie::keyed_hash;
use crate::tcp::{Config, Endpoint, IsnPolicy, Profile, MODERN};
use crate::time::Duration;
use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Choices a user makes about a run, on top of the scenario's own setup.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunOptions {
    /// Seeds every random draw of the wire.
    pub seed: u64,
    /// `Some(secret)`: RFC 6528 ISNs keyed by this secret (the caller draws
    /// it from real entropy); `None`: the scenario's fixed teaching ISNs.
    pub random_isn: Option<u64>,
    /// Extra faults on top of the scenario's own.
    pub faults: Vec<ScriptedFault>,
}

/// Everything a run needs.
pub struct Setup {
    pub client: Config,
    pub server: Config,
    pub c2s: LinkConfig,
    pub s2c: LinkConfig,
    pub faults: Vec<ScriptedFault>,
    pub client_app: Box<dyn App>,
    pub server_app: Box<dyn App>,
    /// Simulated time after which the run is cut off.
    pub limit: Duration,
}

impl Setup {
    /// Both hosts set up as `profile` says.
    pub fn with_profile(mut self, profile: Profile) -> Setup {
        for host in [&mut self.client, &mut self.server] {
            profile.apply(host);
        }
        self
    }
}

pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    /// Uses modern TCP (SACK, timestamps, algorithms beyond NewReno): only
    /// a build with `tcp::MODERN` runs it.
    pub modern: bool,
    pub setup: fn() -> Setup,
}

/// A modern scenario's setup, or, in a build without modern TCP, a
/// stand-in that is never run (`run` refuses it), so the scenario's code
/// is left out of that build.
const fn modern(setup: fn() -> Setup) -> fn() -> Setup {
    if MODERN {
        setup
    } else {
        curl::setup
    }
}

/// Every scenario, in the order a course would take them.
pub const ALL: &[Scenario] = &[
    curl::SCENARIO,
    modern_curl::SCENARIO,
    lost_data::SCENARIO,
    fast_retransmit::SCENARIO,
    out_of_order::SCENARIO,
    duplicate::SCENARIO,
    corrupt::SCENARIO,
    zero_window::SCENARIO,
    congestion::SCENARIO,
    sack::SCENARIO,
    cubic::SCENARIO,
    bbr::SCENARIO,
    tail_loss::SCENARIO,
    timestamps::SCENARIO,
    old_syn::SCENARIO,
    syn_timeout::SCENARIO,
    refused::SCENARIO,
    reset::SCENARIO,
    three_way_close::SCENARIO,
    lost_final_ack::SCENARIO,
    simultaneous_open::SCENARIO,
    simultaneous_close::SCENARIO,
    half_close::SCENARIO,
    syn_flood::SCENARIO,
    syn_flood::WITH_COOKIES,
    bidirectional::SCENARIO,
    free::SCENARIO,
];

pub fn find(id: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.id == id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownScenario(pub String);

impl fmt::Display for UnknownScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown scenario '{}' (try `tcpsim list`)", self.0)
    }
}

impl std::error::Error for UnknownScenario {}

/// Runs scenario `id` and returns its trace.
pub fn run(id: &str, options: &RunOptions) -> Result<Trace, UnknownScenario> {
    let scenario = find(id)
        .filter(|s| MODERN || !s.modern)
        .ok_or_else(|| UnknownScenario(id.to_string()))?;
    Ok(run_setup(id, (scenario.setup)(), options))
}

/// Runs a setup (a scenario's, or one built by hand) to the end.
pub fn run_setup(id: &str, mut setup: Setup, options: &RunOptions) -> Trace {
    if let Some(secret) = options.random_isn {
        setup.client.isn = IsnPolicy::Rfc6528 { secret };
        // Each host has its own secret.
        setup.server.isn = IsnPolicy::Rfc6528 {
            secret: secret.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15,
        };
    }
    // The SYN-cookie key comes from the caller's randomness too: from the
    // secret when ISNs are random, else from the run's seed.
    let entropy = options.random_isn.unwrap_or(options.seed);
    setup.server.cookie_secret = keyed_hash(entropy, &[0xc00c1e]);
    setup.client.cookie_secret = keyed_hash(entropy, &[0xc11e47]);
    setup.faults.extend_from_slice(&options.faults);
    let wire = Link::new(setup.c2s, setup.s2c, setup.faults, options.seed);
    let mut sim = Simulator::new(
        id,
        options.seed,
        (Endpoint::new(setup.client), setup.client_app),
        (Endpoint::new(setup.server), setup.server_app),
        wire,
    );
    let outcome = sim.run(setup.limit);
    sim.into_trace(outcome != Outcome::Quiescent)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run with and without the `modern` feature (test.sh does both): a
    /// build without modern TCP refuses the lessons that need it and never
    /// offers SACK or timestamps, whatever a host's settings say.
    #[test]
    fn modern_tcp_is_used_only_by_builds_that_have_it() {
        assert_eq!(run("sack", &RunOptions::default()).is_ok(), MODERN);
        let mut setup = curl::setup();
        setup.client.sack = true;
        setup.client.timestamps = true;
        setup.server.sack = true;
        setup.server.timestamps = true;
        let trace = run_setup("curl", setup, &RunOptions::default());
        let (_, _, _, syn) = trace.segments().next().expect("a SYN");
        assert_eq!(syn.options.sack_permitted, MODERN);
        assert_eq!(syn.options.timestamps.is_some(), MODERN);
        let later_options = trace.segments().skip(2).any(|s| s.3.options.timestamps.is_some());
        assert_eq!(later_options, MODERN);
    }
}
