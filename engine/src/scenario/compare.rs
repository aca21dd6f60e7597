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
    Bbr,
    NoSack,
    Sack,
    NoRackTlp,
    Teaching,
    ModernLinux,
}

impl Variant {
    pub const ALL: [Variant; 8] = [
        Variant::NewReno,
        Variant::Cubic,
        Variant::Bbr,
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
            Variant::Bbr => "bbr",
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
            Variant::Bbr => "BBR congestion control",
            Variant::NoSack => "SACK turned off",
            Variant::Sack => "SACK turned on",
            Variant::NoRackTlp => "RACK-TLP turned off",
            Variant::Teaching => "the teaching hosts",
            Variant::ModernLinux => "modern Linux hosts",
        }
    }

    /// Changes both hosts of a setup.
    pub fn apply(self, setup: &mut Setup) {
        for host in [&mut setup.client, &mut setup.server] {
            self.apply_to(host);
        }
    }

    /// Changes one host.
    pub fn apply_to(self, host: &mut Config) {
        match self {
            Variant::NewReno => host.congestion = Algorithm::NewReno,
            Variant::Cubic => host.congestion = Algorithm::Cubic,
            Variant::Bbr => host.congestion = Algorithm::Bbr,
            Variant::NoSack => host.sack = false,
            Variant::Sack => host.sack = true,
            Variant::NoRackTlp => host.rack_tlp = false,
            Variant::Teaching => Profile::Teaching.apply(host),
            Variant::ModernLinux => Profile::ModernLinux.apply(host),
        }
    }
}

/// How two hosts' TCP reads in a sentence: "CUBIC with SACK".
pub fn describe(client: &Config, server: &Config) -> String {
    let sack = if client.sack && server.sack { "with" } else { "without" };
    let (client, server) = (client.congestion.name(), server.congestion.name());
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
    /// The median wait, in the direction where the longest wait was.
    pub typical_queue: Duration,
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
        // The shortest trip of each size in each direction: no wait in a queue.
        let mut shortest: Vec<(Side, usize, u64)> = Vec::new();
        for &(side, len, trip) in &trips {
            match shortest.iter_mut().find(|s| (s.0, s.1) == (side, len)) {
                Some(s) => s.2 = s.2.min(trip),
                None => shortest.push((side, len, trip)),
            }
        }
        let waited = |&(side, len, trip): &(Side, usize, u64)| {
            trip - shortest
                .iter()
                .find(|s| (s.0, s.1) == (side, len))
                .map_or(trip, |s| s.2)
        };
        let Some(peak) = trips.iter().max_by_key(|t| waited(t)) else {
            return summary;
        };
        let mut waits: Vec<u64> = trips.iter().filter(|t| t.0 == peak.0).map(waited).collect();
        waits.sort_unstable();
        summary.peak_queue = Duration::from_micros(waited(peak));
        summary.typical_queue = Duration::from_micros(waits[waits.len() / 2]);
        summary
    }
}
