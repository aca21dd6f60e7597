//! `modern-curl`: the twelve-packet story between two hosts set up as Linux
//! is out of the box (`Profile::ModernLinux`): the SYNs offer window
//! scaling, SACK and timestamps besides the MSS, every later segment
//! carries a timestamp pair, both hosts delay their ACKs up to 40 ms, and
//! the congestion control is CUBIC with an initial window of ten segments.

use super::{Scenario, Setup};
use crate::tcp::Profile;

pub const SCENARIO: Scenario = Scenario {
    id: "modern-curl",
    title: "The same request, as Linux does it",
    modern: true,
    setup: super::modern(setup),
};

fn setup() -> Setup {
    super::curl::setup().with_profile(Profile::ModernLinux)
}
