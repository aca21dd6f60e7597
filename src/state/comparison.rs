//! Compare mode's model: the shown run and a second one of the same
//! scenario, wire, faults and lab settings, with both hosts changed one way
//! (a `Variant`), their figures, and their plots on shared scales.

use super::lab::Lab;
use super::story::Story;
use crate::plot::Plots;
use tcpsim::net::ScriptedFault;
use tcpsim::scenario::compare::{describe, Summary, Variant};
use tcpsim::scenario::Setup;
use tcpsim::tcp::Config;

#[derive(Debug, PartialEq)]
pub struct Comparison {
    pub variant: Variant,
    /// Each run's TCP in a few words ("NewReno with SACK"): the shown run, then the other.
    pub labels: [String; 2],
    pub summaries: [Summary; 2],
    pub plots: [Plots; 2],
    /// One-way delay of the wire (ms), to count differences in round trips.
    pub one_way_delay_ms: u64,
}

/// The changes that make a difference to scenario `id` as the lab sets
/// it: a variant that leaves both hosts as they are is not offered.
pub fn variants_for(id: &str, lab: &Lab) -> Vec<Variant> {
    let shown = super::hosts_of(id, lab);
    Variant::ALL
        .into_iter()
        .filter(|&v| changed(&shown, v) != shown)
        .collect()
}

/// `hosts` as `variant` changes them.
fn changed(hosts: &[Config; 2], variant: Variant) -> [Config; 2] {
    let mut hosts = hosts.clone();
    for host in &mut hosts {
        variant.apply_to(host);
    }
    hosts
}

impl Comparison {
    /// Runs the scenario again with `variant` next to the shown `story`.
    pub fn new(
        story: &Story,
        id: &str,
        isn_secret: Option<u64>,
        faults: &[ScriptedFault],
        lab: &Lab,
        variant: Variant,
    ) -> Self {
        let change = |setup: &mut Setup| variant.apply(setup);
        let other = super::run_with(id, isn_secret, faults, lab, &change);
        let shown = super::hosts_of(id, lab);
        let [client, server] = changed(&shown, variant);
        let mut labels = [describe(&shown[0], &shown[1]), describe(&client, &server)];
        if labels[0] == labels[1] {
            labels[1] = format!("with {}", variant.label());
        }
        let (a, b) = Plots::side_by_side(story, &other);
        Comparison {
            variant,
            labels,
            summaries: [Summary::of(&story.trace), Summary::of(&other.trace)],
            plots: [a, b],
            one_way_delay_ms: story.one_way_delay_ms().unwrap_or(0),
        }
    }
}
