//! The virtual wire between client and server: one link per direction.

use super::{Rng, Side};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

/// One direction of the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkConfig {
    /// One-way propagation delay.
    pub latency: Duration,
    /// Extra delay drawn uniformly from [0, jitter] per datagram.
    pub jitter: Duration,
    /// Bottleneck rate in bits per second; `None` = infinitely fast.
    pub bandwidth_bps: Option<u64>,
    /// Datagrams that may wait for the bottleneck; more are tail-dropped.
    pub queue_limit: usize,
    /// Probability in [0, 1] that a datagram is lost.
    pub loss: f64,
    /// Probability that a datagram is delivered twice.
    pub duplicate: f64,
    /// Probability that a datagram is held back so later ones overtake it.
    pub reorder: f64,
    /// Probability that one random bit of the datagram is flipped.
    pub corrupt: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency: Duration::from_millis(25),
            jitter: Duration::ZERO,
            bandwidth_bps: None,
            queue_limit: 64,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            corrupt: 0.0,
        }
    }
}

/// What to do to one particular datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    Drop,
    Duplicate,
    Delay(Duration),
    /// Flip this bit (0 = most significant bit of byte 0), modulo the
    /// datagram's length in bits.
    Corrupt {
        bit: u32,
    },
}

/// "Do `action` to the `nth` datagram (1-based) that `from` sends."
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedFault {
    pub from: Side,
    pub nth: u32,
    pub action: FaultAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss (`LinkConfig::loss`).
    Loss,
    /// A scripted fault.
    Scripted,
    /// The bottleneck queue was full.
    QueueFull,
}

/// What the wire did to a datagram, for the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireEvent {
    /// Will arrive at `at` (after queueing, serialisation, latency, jitter).
    Scheduled {
        id: u64,
        at: Instant,
    },
    Dropped {
        id: u64,
        reason: DropReason,
    },
    /// A second copy with its own id was made; it is scheduled separately.
    Duplicated {
        id: u64,
        copy: u64,
    },
    Corrupted {
        id: u64,
        bit: u32,
    },
    /// Held back by `by` on top of the normal delay (reordering or script).
    Delayed {
        id: u64,
        by: Duration,
    },
}

/// A datagram reaching a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub to: Side,
    pub id: u64,
    pub at: Instant,
    pub bytes: Vec<u8>,
}

/// Both directions of the wire and everything in flight.
pub struct Wire {
    _rng: Rng,
}

impl Wire {
    pub fn new(c2s: LinkConfig, s2c: LinkConfig, faults: Vec<ScriptedFault>, seed: u64) -> Wire {
        let _ = (c2s, s2c, faults, seed);
        todo!("net helper")
    }

    /// A datagram leaves `from` at `now`. Returns the id the wire gave it,
    /// and appends to `events` what happened to it (and to any copy).
    pub fn send(
        &mut self,
        now: Instant,
        from: Side,
        bytes: Vec<u8>,
        events: &mut Vec<WireEvent>,
    ) -> u64 {
        let _ = (now, from, bytes, events);
        todo!("net helper")
    }

    /// When the next datagram arrives, if any is in flight.
    pub fn next_arrival(&self) -> Option<Instant> {
        todo!("net helper")
    }

    /// The earliest datagram due at or before `now` (ties in the order
    /// they were scheduled), or `None`.
    pub fn poll_arrival(&mut self, now: Instant) -> Option<Arrival> {
        let _ = now;
        todo!("net helper")
    }
}
