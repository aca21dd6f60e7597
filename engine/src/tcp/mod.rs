//! The TCP endpoint: one host with its listeners and connections.
//!
//! Sans-IO in the style of quinn-proto. Methods fall into four groups:
//! - getters (`state`, `readable`, …);
//! - inputs: `handle_datagram(now, bytes)`, `handle_timeout(now)`;
//! - commands: `listen`, `connect`, `send`, `recv`, `close`, `abort`;
//! - outputs: `poll_transmit(now)`, `poll_timeout()`, `poll_event()`.
//!
//! Draining order after any input or command: call `poll_transmit` until it
//! returns `None`, then read `poll_event`, then re-arm a timer for
//! `poll_timeout()`. Nothing is sent until `poll_transmit` is called, so an
//! ACK owed for several segments that arrived together is sent once.

mod config;
pub mod congestion;
mod connection;
#[cfg(feature = "modern")]
pub mod delivery_rate;
mod endpoint;
mod event;
#[cfg(feature = "modern")]
mod prr;
#[cfg(feature = "modern")]
mod rack;
mod reassembly;
mod recovery;
mod rtt;
mod scoreboard;
mod state;
pub mod syn_cookie;

pub use config::{Config, IsnPolicy, Profile};
pub use congestion::{Algorithm, Phase};
#[cfg(feature = "modern")]
pub use congestion::{BbrState, CubicRegion, Variables};
pub use connection::transition::{self, Transition, Trigger};
pub use endpoint::Endpoint;
pub use event::{ConnError, ConnId, Event, RejectReason, RetransmitReason, Timer};
pub use state::State;

use core::fmt;

/// This build has modern TCP: SACK (RFC 2018, RFC 6675), timestamps (RFC
/// 7323) and the algorithms beyond NewReno (the `modern` feature, on by
/// default). Without it those settings are ignored, so the web app's first
/// page carries none of their code; the lessons that use them load a build
/// with them.
pub const MODERN: bool = cfg!(feature = "modern");

/// Why a command could not be carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// No connection or listener has this id (or it was closed and reaped).
    UnknownConnection(ConnId),
    /// The connection is in a state that does not allow this command.
    InvalidState(State),
    /// Something already listens on, or is connected from, this port.
    PortInUse(u16),
    /// Every ephemeral port is taken.
    NoFreePorts,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownConnection(id) => write!(f, "no connection {}", id.0),
            Error::InvalidState(s) => write!(f, "not allowed in state {s}"),
            Error::PortInUse(p) => write!(f, "port {p} is already in use"),
            Error::NoFreePorts => write!(f, "no free ephemeral port"),
        }
    }
}

impl std::error::Error for Error {}
