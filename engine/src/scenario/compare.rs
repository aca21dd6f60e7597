//! Compare mode: the same scenario, wire and seed run a second time with
//! both hosts changed one way (`Variant`), and the figures that tell the
//! two runs apart (`Summary`).

use super::Setup;
use crate::net::{Side, WireEvent};
use crate::tcp::{Algorithm, Config, Event, Profile, RetransmitReason};
use crate::time::{Duration, Instant};
use crate::trace::{IdMap, Trace, What};

/// One change to both hosts' TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    NewReno,
    Cubic,
    NoSack,
    Sack,
    NoRackTlp,
    Teaching,
    ModernLinux,
}

impl Variant {
    pub const ALL: [Variant; 7] = [
        Variant::NewReno,
        Variant::Cubic,
        Variant::NoSack,
        Variant::Sack,
        Variant::NoRackTlp,
        Variant::Teaching,
        Variant::ModernLinux,
    ];

    /// As written in URLs (`compare=newreno`).
    pub const fn id(self) -> &'static str {
        match self {
            Variant::NewReno => "newreno",
            Variant::Cubic => "cubic",
            Variant::NoSack => "no-sack",
            Variant::Sack => "sack",
            Variant::NoRackTlp => "no-rack-tlp",
            Variant::Teaching => "teaching",
            Variant::ModernLinux => "modern-linux",
        }
    }

    pub fn parse(id: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.id() == id)
    }

    /// Plain words for menus.
    pub const fn label(self) -> &'static str {
        match self {
            Variant::NewReno => "NewReno congestion control",
            Variant::Cubic => "CUBIC congestion control",
            Variant::NoSack => "SACK turned off",
            Variant::Sack => "SACK turned on",
            Variant::NoRackTlp => "RACK-TLP turned off",
            Variant::Teaching => "the teaching hosts",
            Variant::ModernLinux => "modern Linux hosts",
        }
    }

    pub fn apply(self, setup: &mut Setup) {
        for host in [&mut setup.client, &mut setup.server] {
            match self {
                Variant::NewReno => host.congestion = Algorithm::NewReno,
                Variant::Cubic => host.congestion = Algorithm::Cubic,
                Variant::NoSack => host.sack = false,
                Variant::Sack => host.sack = true,
                Variant::NoRackTlp => host.rack_tlp = false,
                Variant::Teaching => Profile::Teaching.apply(host),
                Variant::ModernLinux => Profile::ModernLinux.apply(host),
            }
        }
    }
}

/// How a setup's TCP reads in a sentence: "CUBIC with SACK".
pub fn describe(setup: &Setup) -> String {
    let sack = if setup.client.sack && setup.server.sack {
        "with"
    } else {
        "without"
    };
    let algorithm = |c: &Config| c.congestion.name();
    let (client, server) = (algorithm(&setup.client), algorithm(&setup.server));
    if client == server {
        format!("{client} {sack} SACK")
    } else {
        format!("{client} (client) and {server} (server) {sack} SACK")
    }
}

/// The figures of one run that a comparison puts side by side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// When the first FIN was delivered with every byte before it: the
    /// data sender's transfer is complete. `None` if it never was.
    pub done: Option<Instant>,
    /// Segments sent again, for any reason.
    pub retransmissions: usize,
    /// Of those, sent because the retransmission timer expired.
    pub timeouts: usize,
    /// The longest time a datagram waited in the bottleneck's queue: its
    /// trip time minus the shortest trip of a datagram of the same size in
    /// the same direction.
    pub peak_queue: Duration,
}

impl Summary {
    pub fn of(trace: &Trace) -> Summary {
        let mut summary = Summary::default();
        let mut sent_at = IdMap::for_records(trace.records.len());
        // (direction, size, trip time µs) of every datagram the wire carried.
        let mut trips: Vec<(Side, usize, u64)> = Vec::new();
        for r in &trace.records {
            match &r.what {
                What::Sent { id, bytes, .. } => sent_at.insert(*id, (r.at, r.side, bytes.len())),
                What::Wire {
                    event: WireEvent::Scheduled { id, at },
                } => {
                    if let Some((sent, side, len)) = sent_at.get(*id) {
                        trips.push((side, len, at.saturating_since(sent).micros()));
                    }
                }
                What::Engine { event } => match event {
                    Event::PeerClosed { .. } if summary.done.is_none() => summary.done = Some(r.at),
                    Event::Retransmit { reason, .. } => {
                        summary.retransmissions += 1;
                        summary.timeouts += usize::from(*reason == RetransmitReason::Timeout);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        let shortest = |side: Side, len: usize| {
            trips
                .iter()
                .filter(|t| t.0 == side && t.1 == len)
                .map(|t| t.2)
                .min()
                .unwrap_or(0)
        };
        let mut shortest_of: Vec<(Side, usize, u64)> = Vec::new();
        for &(side, len, trip) in &trips {
            let least = match shortest_of.iter().find(|s| s.0 == side && s.1 == len) {
                Some(s) => s.2,
                None => {
                    let least = shortest(side, len);
                    shortest_of.push((side, len, least));
                    least
                }
            };
            summary.peak_queue = summary.peak_queue.max(Duration::from_micros(trip - least));
        }
        summary
    }
}
