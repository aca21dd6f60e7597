//! The virtual network: a seeded random source, a two-way wire with
//! latency, bandwidth, a bounded queue and fault injection, and the
//! simulator loop that joins two endpoints across it.

pub mod link;
pub mod rng;
pub mod sim;
pub mod socket_calls;

pub use link::{Arrival, DropReason, FaultAction, Link, LinkConfig, ScriptedFault, WireEvent};
pub use rng::Rng;
pub use sim::{App, AppIo, Idle, Outcome, Simulator};
pub use socket_calls::{Call, CallResult, IoErrorKind};

use serde::{Deserialize, Serialize};

/// Which of the two hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub const fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
    pub const fn index(self) -> usize {
        self as usize
    }
    pub const fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}
