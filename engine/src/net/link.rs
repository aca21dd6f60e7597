//! The link between client and server (the "wire" the page draws): one
//! channel per direction, each with latency, bandwidth, a bounded queue
//! and faults.

use super::{Rng, Side};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

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
    /// In a replayed capture: its sender sent it again before it was
    /// acknowledged, so it most likely never arrived.
    Inferred,
}

/// Plain words for the text log.
impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DropReason::Loss => "random loss",
            DropReason::Scripted => "scripted fault",
            DropReason::QueueFull => "queue full",
            DropReason::Inferred => "sent again before it was acknowledged",
        })
    }
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
///
/// Each datagram goes through these steps, in this order:
///
/// 1. It is counted (per sender, from 1) and every [`ScriptedFault`] for
///    that sender and count is applied, in script order.
/// 2. The random faults of its link: loss, corruption, duplication,
///    reordering.
/// 3. The bottleneck, if the link has a bandwidth: serialisation behind the
///    datagrams already accepted, or a tail drop if the queue is full.
/// 4. Latency, jitter and any extra delay from steps 1–2.
///
/// A duplicate is a copy of the datagram as it stands after steps 1–2
/// (so it carries the same corruption) that enters the bottleneck right
/// after the original, with its own id, its own jitter and without the
/// original's extra delay.
///
/// Every random decision comes from its own [`Rng::stream`] of the seed,
/// per direction and per kind of fault, and each stream is advanced for
/// every datagram sent in its direction (whether or not an earlier step
/// dropped it) unless its knob is zero. So changing one probability, or
/// adding a scripted fault, does not change which other datagrams are lost,
/// corrupted, duplicated, reordered or jittered.
#[derive(Clone, Debug)]
pub struct Link {
    /// Indexed by the sender's `Side::index()`.
    channels: [Channel; 2],
    in_flight: BinaryHeap<Reverse<Pending>>,
    /// The next datagram id; ids start at 1.
    next_id: u64,
    /// Scheduling order, the tie-breaker for equal arrival times.
    next_order: u64,
}

impl Link {
    pub fn new(c2s: LinkConfig, s2c: LinkConfig, faults: Vec<ScriptedFault>, seed: u64) -> Link {
        let channels = [
            Channel::new(Side::Client, c2s, &faults, seed),
            Channel::new(Side::Server, s2c, &faults, seed),
        ];
        Link {
            channels,
            in_flight: BinaryHeap::new(),
            next_id: 1,
            next_order: 0,
        }
    }

    /// A datagram leaves `from` at `now`. Returns the id the wire gave it,
    /// and appends to `events` what happened to it (and to any copy).
    pub fn send(&mut self, now: Instant, from: Side, bytes: Vec<u8>, events: &mut Vec<WireEvent>) -> u64 {
        let id = self.take_id();
        let mut bytes = bytes;
        let link = &mut self.channels[from.index()];
        let nth = link.count_sent();
        // Drawn before anything can drop the datagram: see the type's docs.
        let random = link.draw_random_faults(bytes.len());

        let mut duplicate = false;
        let mut extra = Duration::ZERO;
        for &action in link.script.faults_for(nth) {
            match action {
                FaultAction::Drop => {
                    events.push(WireEvent::Dropped {
                        id,
                        reason: DropReason::Scripted,
                    });
                    return id;
                }
                FaultAction::Duplicate => duplicate = true,
                FaultAction::Delay(by) => {
                    extra = extra + by;
                    events.push(WireEvent::Delayed { id, by });
                }
                FaultAction::Corrupt { bit } => {
                    if let Some(bit) = flip_bit(&mut bytes, u64::from(bit)) {
                        events.push(WireEvent::Corrupted { id, bit });
                    }
                }
            }
        }

        if random.lost {
            events.push(WireEvent::Dropped {
                id,
                reason: DropReason::Loss,
            });
            return id;
        }
        if let Some(bit) = random.corrupt_bit {
            if let Some(bit) = flip_bit(&mut bytes, bit) {
                events.push(WireEvent::Corrupted { id, bit });
            }
        }
        duplicate |= random.duplicate;
        if random.reorder {
            let by = link.reorder_delay(bytes.len());
            extra = extra + by;
            events.push(WireEvent::Delayed { id, by });
        }

        let copy = if duplicate {
            let copy_id = self.take_id();
            events.push(WireEvent::Duplicated { id, copy: copy_id });
            Some((copy_id, bytes.clone()))
        } else {
            None
        };
        self.transmit(now, from, id, bytes, random.jitter + extra, events);
        if let Some((copy_id, copy_bytes)) = copy {
            let jitter = self.channels[from.index()].draw_copy_jitter();
            self.transmit(now, from, copy_id, copy_bytes, jitter, events);
        }
        id
    }

    /// When the next datagram arrives, if any is in flight.
    pub fn next_arrival(&self) -> Option<Instant> {
        self.in_flight.peek().map(|Reverse(p)| p.at)
    }

    /// The earliest datagram due at or before `now` (ties in the order
    /// they were scheduled), or `None`.
    pub fn poll_arrival(&mut self, now: Instant) -> Option<Arrival> {
        if self.next_arrival()? > now {
            return None;
        }
        let Reverse(p) = self.in_flight.pop()?;
        Some(Arrival {
            to: p.to,
            id: p.id,
            at: p.at,
            bytes: p.bytes,
        })
    }

    /// How many datagrams are scheduled to arrive and have not been polled.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The configuration of the direction that `from` sends on.
    pub fn link(&self, from: Side) -> &LinkConfig {
        &self.channels[from.index()].config
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    /// Puts one datagram (or copy) through `from`'s bottleneck and, unless
    /// the queue is full, schedules its arrival `delay` after latency.
    fn transmit(
        &mut self,
        now: Instant,
        from: Side,
        id: u64,
        bytes: Vec<u8>,
        delay: Duration,
        events: &mut Vec<WireEvent>,
    ) {
        let link = &mut self.channels[from.index()];
        let Some(departure) = link.depart(now, bytes.len()) else {
            events.push(WireEvent::Dropped {
                id,
                reason: DropReason::QueueFull,
            });
            return;
        };
        let at = departure + link.config.latency + delay;
        events.push(WireEvent::Scheduled { id, at });
        let order = self.next_order;
        self.next_order = self.next_order.wrapping_add(1);
        self.in_flight.push(Reverse(Pending {
            at,
            order,
            to: from.other(),
            id,
            bytes,
        }));
    }
}

/// Flips bit `bit` modulo the datagram's length in bits, counting from the
/// most significant bit of byte 0. Returns the bit flipped, or `None` for an
/// empty datagram (or one whose bit index would not fit the event's `u32`).
fn flip_bit(bytes: &mut [u8], bit: u64) -> Option<u32> {
    let len_bits = (bytes.len() as u64).checked_mul(8)?;
    let bit = bit.checked_rem(len_bits)?;
    let byte = bytes.get_mut(usize::try_from(bit / 8).ok()?)?;
    let reported = u32::try_from(bit).ok()?;
    *byte ^= 0x80 >> (bit % 8);
    Some(reported)
}

/// Which random decision a stream serves; part of the stream number.
#[derive(Clone, Copy)]
enum StreamKind {
    Loss,
    Corrupt,
    Duplicate,
    Reorder,
    Jitter,
    CopyJitter,
}

/// Stream numbers are `direction * STREAMS_PER_LINK + kind`, leaving room
/// for more kinds without renumbering the existing ones.
const STREAMS_PER_LINK: u64 = 16;

fn stream_rng(seed: u64, side: Side, kind: StreamKind) -> Rng {
    Rng::stream(seed, side.index() as u64 * STREAMS_PER_LINK + kind as u64)
}

/// One generator per kind of random decision, for one direction.
#[derive(Clone, Debug)]
struct LinkRngs {
    loss: Rng,
    corrupt: Rng,
    duplicate: Rng,
    reorder: Rng,
    jitter: Rng,
    copy_jitter: Rng,
}

impl LinkRngs {
    fn new(seed: u64, side: Side) -> LinkRngs {
        LinkRngs {
            loss: stream_rng(seed, side, StreamKind::Loss),
            corrupt: stream_rng(seed, side, StreamKind::Corrupt),
            duplicate: stream_rng(seed, side, StreamKind::Duplicate),
            reorder: stream_rng(seed, side, StreamKind::Reorder),
            jitter: stream_rng(seed, side, StreamKind::Jitter),
            copy_jitter: stream_rng(seed, side, StreamKind::CopyJitter),
        }
    }
}

/// What the random streams decided for one datagram.
struct RandomFaults {
    lost: bool,
    /// The bit to flip (before reduction modulo the length), if corrupted.
    corrupt_bit: Option<u64>,
    duplicate: bool,
    reorder: bool,
    jitter: Duration,
}

/// One sender's scripted faults, sorted by `nth`, consumed in step with
/// the sender's datagram count so each datagram costs O(1) to look up.
#[derive(Clone, Debug, Default)]
struct Script {
    /// `(nth, action)`, sorted by `nth`; equal `nth` keep script order.
    faults: Vec<(u64, FaultAction)>,
    /// Index of the first fault not yet passed.
    next: usize,
}

impl Script {
    fn new(side: Side, faults: &[ScriptedFault]) -> Script {
        // Insertion after equal `nth`, so faults for the same datagram apply
        // in script order. Scripts are a handful of faults: this keeps a
        // general-purpose sort out of the page's wasm.
        let mut sorted: Vec<(u64, FaultAction)> = Vec::new();
        for f in faults.iter().filter(|f| f.from == side) {
            let nth = u64::from(f.nth);
            let at = sorted.partition_point(|&(n, _)| n <= nth);
            sorted.insert(at, (nth, f.action));
        }
        Script {
            faults: sorted,
            next: 0,
        }
    }

    /// The actions for the `nth` datagram. Counts only ever grow by one,
    /// so everything before `nth` can be skipped for good.
    fn faults_for(&mut self, nth: u64) -> impl Iterator<Item = &FaultAction> {
        let skip = self.faults[self.next..].iter().take_while(|(n, _)| *n < nth).count();
        self.next += skip;
        self.faults[self.next..]
            .iter()
            .take_while(move |(n, _)| *n == nth)
            .map(|(_, action)| action)
    }
}

/// One direction of the link: its configuration and state.
#[derive(Clone, Debug)]
struct Channel {
    config: LinkConfig,
    rngs: LinkRngs,
    script: Script,
    /// Datagrams the sender has sent so far.
    sent: u64,
    /// When the bottleneck will have finished sending everything accepted.
    busy_until: Instant,
    /// Departure times (last bit on the wire) of accepted datagrams, oldest
    /// first. Those later than `now` are still waiting, the one being
    /// serialised included; the rest are forgotten lazily.
    departures: VecDeque<Instant>,
}

impl Channel {
    fn new(side: Side, config: LinkConfig, faults: &[ScriptedFault], seed: u64) -> Channel {
        Channel {
            config,
            rngs: LinkRngs::new(seed, side),
            script: Script::new(side, faults),
            sent: 0,
            busy_until: Instant::ZERO,
            departures: VecDeque::new(),
        }
    }

    /// Counts one more datagram from the sender; returns its 1-based number.
    fn count_sent(&mut self) -> u64 {
        self.sent = self.sent.saturating_add(1);
        self.sent
    }

    /// Advances every random stream by one decision for a datagram of
    /// `len` bytes.
    fn draw_random_faults(&mut self, len: usize) -> RandomFaults {
        let c = &self.config;
        let r = &mut self.rngs;
        let lost = r.loss.chance(c.loss);
        let corrupt_bit = if r.corrupt.chance(c.corrupt) {
            // A bit index must fit `WireEvent::Corrupted`'s u32, so only the
            // first 512 MiB of a (hypothetical) larger datagram can be hit.
            let len_bits = (len as u64).saturating_mul(8).min(1 << 32);
            Some(r.corrupt.below(len_bits))
        } else {
            None
        };
        RandomFaults {
            lost,
            corrupt_bit,
            duplicate: r.duplicate.chance(c.duplicate),
            reorder: r.reorder.chance(c.reorder),
            jitter: r.jitter.range_duration(c.jitter),
        }
    }

    fn draw_copy_jitter(&mut self) -> Duration {
        self.rngs.copy_jitter.range_duration(self.config.jitter)
    }

    /// How long the bottleneck takes to send `len` bytes, rounded up to a
    /// whole microsecond; `None` if the link has no bottleneck. A bandwidth
    /// of 0 is treated as no bottleneck rather than a link that never
    /// delivers (and rather than a division by zero).
    fn serialisation(&self, len: usize) -> Option<Duration> {
        let bps = self.config.bandwidth_bps.filter(|&bps| bps > 0)?;
        let bit_micros = (len as u128) * 8 * 1_000_000;
        let micros = bit_micros.div_ceil(u128::from(bps));
        Some(Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX)))
    }

    /// The extra hold-back for a reordered datagram: half the latency plus
    /// one serialisation slot, so datagrams sent soon after it overtake it
    /// even through a busy bottleneck; at least 1 ms so reordering still
    /// happens on a zero-latency link.
    fn reorder_delay(&self, len: usize) -> Duration {
        let half_latency = Duration::from_micros(self.config.latency.micros() / 2);
        let slot = self.serialisation(len).unwrap_or(Duration::ZERO);
        (half_latency + slot).max(Duration::from_millis(1))
    }

    /// Accepts a datagram of `len` bytes into the bottleneck at `now` and
    /// returns when its last bit leaves, or `None` if it is tail-dropped
    /// because `queue_limit` datagrams are already waiting.
    fn depart(&mut self, now: Instant, len: usize) -> Option<Instant> {
        let Some(serialisation) = self.serialisation(len) else {
            return Some(now);
        };
        while self.departures.front().is_some_and(|&d| d <= now) {
            self.departures.pop_front();
        }
        if self.departures.len() >= self.config.queue_limit {
            return None;
        }
        let departure = self.busy_until.max(now) + serialisation;
        self.busy_until = departure;
        self.departures.push_back(departure);
        Some(departure)
    }
}

/// A datagram on its way, ordered by arrival time and then by scheduling
/// order (unique), so the heap pops in a fully deterministic order.
#[derive(Clone, Debug)]
struct Pending {
    at: Instant,
    order: u64,
    to: Side,
    id: u64,
    bytes: Vec<u8>,
}

impl Pending {
    fn key(&self) -> (Instant, u64) {
        (self.at, self.order)
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: Side = Side::Client;
    const SERVER: Side = Side::Server;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn at_ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    fn link(latency_ms: u64) -> LinkConfig {
        LinkConfig {
            latency: ms(latency_ms),
            ..LinkConfig::default()
        }
    }

    fn wire(c2s: LinkConfig, faults: Vec<ScriptedFault>) -> Link {
        Link::new(c2s, link(25), faults, 1)
    }

    fn script(nth: u32, action: FaultAction) -> Vec<ScriptedFault> {
        vec![ScriptedFault {
            from: CLIENT,
            nth,
            action,
        }]
    }

    /// Everything still in flight, in delivery order.
    fn drain(wire: &mut Link) -> Vec<Arrival> {
        let mut out = Vec::new();
        while let Some(t) = wire.next_arrival() {
            out.push(wire.poll_arrival(t).expect("due at its own arrival time"));
        }
        out
    }

    fn ids(arrivals: &[Arrival]) -> Vec<u64> {
        arrivals.iter().map(|a| a.id).collect()
    }

    #[test]
    fn latency_only_delivery_time() {
        let mut w = wire(link(25), vec![]);
        let mut ev = Vec::new();
        let id = w.send(at_ms(5), CLIENT, vec![1, 2, 3], &mut ev);
        assert_eq!(id, 1);
        assert_eq!(ev, vec![WireEvent::Scheduled { id: 1, at: at_ms(30) }]);
        assert_eq!(w.in_flight(), 1);
        assert_eq!(w.next_arrival(), Some(at_ms(30)));
        assert_eq!(w.poll_arrival(Instant::from_micros(29_999)), None);
        let a = w.poll_arrival(at_ms(31)).expect("due");
        assert_eq!(
            a,
            Arrival {
                to: SERVER,
                id: 1,
                at: at_ms(30),
                bytes: vec![1, 2, 3]
            }
        );
        assert_eq!(w.in_flight(), 0);
        assert_eq!(w.next_arrival(), None);
        assert_eq!(w.poll_arrival(at_ms(1000)), None);
    }

    #[test]
    fn directions_have_their_own_config() {
        let mut w = Link::new(link(10), link(40), vec![], 0);
        assert_eq!(w.link(CLIENT).latency, ms(10));
        assert_eq!(w.link(SERVER).latency, ms(40));
        let mut ev = Vec::new();
        w.send(at_ms(0), SERVER, vec![0], &mut ev);
        w.send(at_ms(0), CLIENT, vec![0], &mut ev);
        let got = drain(&mut w);
        assert_eq!((got[0].to, got[0].at), (SERVER, at_ms(10)));
        assert_eq!((got[1].to, got[1].at), (CLIENT, at_ms(40)));
    }

    #[test]
    fn ids_count_up_from_one_across_both_directions() {
        let mut w = wire(link(5), vec![]);
        let mut ev = Vec::new();
        let got: Vec<u64> = [CLIENT, SERVER, CLIENT]
            .iter()
            .map(|&s| w.send(at_ms(0), s, vec![], &mut ev))
            .collect();
        assert_eq!(got, vec![1, 2, 3]);
    }

    #[test]
    fn equal_arrival_times_keep_scheduling_order() {
        let mut w = Link::new(link(20), link(10), vec![], 0);
        let mut ev = Vec::new();
        for _ in 0..3 {
            w.send(at_ms(0), CLIENT, vec![], &mut ev);
        }
        // Arrives at 20 ms too, scheduled after the three above.
        w.send(at_ms(10), SERVER, vec![], &mut ev);
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        assert_eq!(ids(&drain(&mut w)), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn poll_returns_only_what_is_due() {
        let mut w = wire(link(10), vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        w.send(at_ms(5), CLIENT, vec![], &mut ev);
        assert_eq!(w.poll_arrival(at_ms(12)).map(|a| a.id), Some(1));
        assert_eq!(w.poll_arrival(at_ms(12)), None);
        assert_eq!(w.poll_arrival(at_ms(15)).map(|a| a.id), Some(2));
    }

    #[test]
    fn bandwidth_spaces_datagrams_by_serialisation_time() {
        let cfg = LinkConfig {
            bandwidth_bps: Some(1_200_000),
            ..link(25)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        let got = drain(&mut w);
        // 12 000 bits at 1.2 Mbit/s take 10 ms each.
        assert_eq!(got[0].at, at_ms(35));
        assert_eq!(got[1].at, at_ms(45));
    }

    #[test]
    fn serialisation_rounds_up_to_whole_microseconds() {
        // 1 byte at 3 Mbit/s is 2.67 µs.
        let cfg = LinkConfig {
            bandwidth_bps: Some(3_000_000),
            ..link(0)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0], &mut ev);
        assert_eq!(w.next_arrival(), Some(Instant::from_micros(3)));
    }

    #[test]
    fn an_idle_bottleneck_starts_at_now() {
        let cfg = LinkConfig {
            bandwidth_bps: Some(1_200_000),
            ..link(0)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        w.send(at_ms(100), CLIENT, vec![0; 1500], &mut ev);
        let at: Vec<Instant> = drain(&mut w).iter().map(|a| a.at).collect();
        assert_eq!(at, vec![at_ms(10), at_ms(110)]);
    }

    #[test]
    fn full_queue_tail_drops_exactly_the_excess() {
        let cfg = LinkConfig {
            bandwidth_bps: Some(1_200_000),
            queue_limit: 3,
            ..link(0)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for _ in 0..5 {
            w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        }
        let dropped: Vec<u64> = ev
            .iter()
            .filter_map(|e| match e {
                WireEvent::Dropped {
                    id,
                    reason: DropReason::QueueFull,
                } => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(dropped, vec![4, 5]);
        // Once the first has left (at 10 ms) there is room for one more.
        ev.clear();
        w.send(at_ms(10), CLIENT, vec![0; 1500], &mut ev);
        w.send(at_ms(10), CLIENT, vec![0; 1500], &mut ev);
        assert_eq!(ev[0], WireEvent::Scheduled { id: 6, at: at_ms(40) });
        assert_eq!(
            ev[1],
            WireEvent::Dropped {
                id: 7,
                reason: DropReason::QueueFull
            }
        );
        assert_eq!(ids(&drain(&mut w)), vec![1, 2, 3, 6]);
    }

    #[test]
    fn without_bandwidth_there_is_no_queue() {
        let cfg = LinkConfig {
            queue_limit: 0,
            ..link(1)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for _ in 0..100 {
            w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        }
        assert_eq!(w.in_flight(), 100);
    }

    #[test]
    fn zero_bandwidth_does_not_divide_by_zero() {
        let cfg = LinkConfig {
            bandwidth_bps: Some(0),
            ..link(1)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0; 100], &mut ev);
        assert_eq!(w.next_arrival(), Some(at_ms(1)));
    }

    #[test]
    fn extreme_times_saturate_instead_of_overflowing() {
        let cfg = LinkConfig {
            latency: Duration::from_micros(u64::MAX),
            jitter: Duration::from_micros(u64::MAX),
            bandwidth_bps: Some(1),
            reorder: 1.0,
            ..LinkConfig::default()
        };
        let mut w = wire(cfg, script(1, FaultAction::Delay(Duration::from_micros(u64::MAX))));
        let mut ev = Vec::new();
        w.send(Instant::from_micros(u64::MAX), CLIENT, vec![0; 100], &mut ev);
        assert_eq!(w.next_arrival(), Some(Instant::from_micros(u64::MAX)));
    }

    #[test]
    fn scripted_drop_hits_only_the_nth_datagram_of_that_sender() {
        let mut w = wire(link(5), script(2, FaultAction::Drop));
        let mut ev = Vec::new();
        let mut client_ids = Vec::new();
        for i in 0..3 {
            client_ids.push(w.send(at_ms(i), CLIENT, vec![i as u8], &mut ev));
            w.send(at_ms(i), SERVER, vec![], &mut ev);
        }
        let dropped: Vec<&WireEvent> = ev.iter().filter(|e| matches!(e, WireEvent::Dropped { .. })).collect();
        assert_eq!(
            dropped,
            vec![&WireEvent::Dropped {
                id: client_ids[1],
                reason: DropReason::Scripted
            }]
        );
        let to_server: Vec<u8> = drain(&mut w)
            .iter()
            .filter(|a| a.to == SERVER)
            .map(|a| a.bytes[0])
            .collect();
        assert_eq!(to_server, vec![0, 2]);
    }

    #[test]
    fn scripted_duplicate_delivers_two_copies_with_distinct_ids() {
        let mut w = wire(link(5), script(1, FaultAction::Duplicate));
        let mut ev = Vec::new();
        let id = w.send(at_ms(0), CLIENT, vec![7, 8], &mut ev);
        assert_eq!(id, 1);
        assert_eq!(ev[0], WireEvent::Duplicated { id: 1, copy: 2 });
        let got = drain(&mut w);
        assert_eq!(ids(&got), vec![1, 2]);
        assert!(got.iter().all(|a| a.bytes == [7, 8] && a.to == SERVER));
        // The copy used up id 2.
        assert_eq!(w.send(at_ms(1), CLIENT, vec![], &mut ev), 3);
    }

    #[test]
    fn a_copy_takes_its_own_slot_in_the_bottleneck() {
        let cfg = LinkConfig {
            bandwidth_bps: Some(1_200_000),
            ..link(0)
        };
        let mut w = wire(cfg, script(1, FaultAction::Duplicate));
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0; 1500], &mut ev);
        let at: Vec<Instant> = drain(&mut w).iter().map(|a| a.at).collect();
        assert_eq!(at, vec![at_ms(10), at_ms(20)]);
    }

    #[test]
    fn scripted_corrupt_flips_exactly_that_bit() {
        let mut w = wire(link(1), script(1, FaultAction::Corrupt { bit: 9 }));
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0, 0, 0], &mut ev);
        assert_eq!(ev[0], WireEvent::Corrupted { id: 1, bit: 9 });
        assert_eq!(drain(&mut w)[0].bytes, vec![0, 0x40, 0]);
    }

    #[test]
    fn scripted_corrupt_bit_wraps_around_the_length() {
        let mut w = wire(link(1), script(1, FaultAction::Corrupt { bit: 24 }));
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0xff, 0xff, 0xff], &mut ev);
        assert_eq!(ev[0], WireEvent::Corrupted { id: 1, bit: 0 });
        assert_eq!(drain(&mut w)[0].bytes, vec![0x7f, 0xff, 0xff]);
    }

    #[test]
    fn corrupting_an_empty_datagram_does_nothing() {
        let cfg = LinkConfig {
            corrupt: 1.0,
            ..link(1)
        };
        let mut w = wire(cfg, script(1, FaultAction::Corrupt { bit: 3 }));
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        assert_eq!(ev, vec![WireEvent::Scheduled { id: 1, at: at_ms(1) }]);
    }

    #[test]
    fn scripted_delay_postpones_arrival() {
        let mut w = wire(link(5), script(2, FaultAction::Delay(ms(7))));
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        ev.clear();
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        assert_eq!(
            ev,
            vec![
                WireEvent::Delayed { id: 2, by: ms(7) },
                WireEvent::Scheduled { id: 2, at: at_ms(12) }
            ]
        );
    }

    #[test]
    fn several_scripted_faults_on_one_datagram_all_apply() {
        let faults = vec![
            ScriptedFault {
                from: CLIENT,
                nth: 1,
                action: FaultAction::Delay(ms(3)),
            },
            ScriptedFault {
                from: SERVER,
                nth: 1,
                action: FaultAction::Drop,
            },
            ScriptedFault {
                from: CLIENT,
                nth: 1,
                action: FaultAction::Corrupt { bit: 7 },
            },
        ];
        let mut w = wire(link(5), faults);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![0], &mut ev);
        assert_eq!(
            ev,
            vec![
                WireEvent::Delayed { id: 1, by: ms(3) },
                WireEvent::Corrupted { id: 1, bit: 7 },
                WireEvent::Scheduled { id: 1, at: at_ms(8) },
            ]
        );
        assert_eq!(drain(&mut w)[0].bytes, vec![1]);
    }

    #[test]
    fn random_corruption_flips_one_reported_bit() {
        let cfg = LinkConfig {
            corrupt: 1.0,
            ..link(1)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for _ in 0..50 {
            ev.clear();
            w.send(at_ms(0), CLIENT, vec![0; 4], &mut ev);
            let Some(WireEvent::Corrupted { bit, .. }) = ev.first() else {
                panic!("not corrupted: {ev:?}");
            };
            let got = w.poll_arrival(at_ms(1)).expect("due").bytes;
            let flipped = u32::from_be_bytes([got[0], got[1], got[2], got[3]]);
            assert_eq!(flipped, 0x8000_0000 >> bit);
        }
    }

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let cfg = LinkConfig {
            jitter: ms(5),
            ..link(10)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for _ in 0..200 {
            w.send(at_ms(0), CLIENT, vec![], &mut ev);
        }
        let at: Vec<Instant> = drain(&mut w).iter().map(|a| a.at).collect();
        assert!(at.iter().all(|&t| (at_ms(10)..=at_ms(15)).contains(&t)));
        assert!(at.iter().any(|&t| t != at[0]));
        assert!(at.windows(2).all(|p| p[0] <= p[1]), "polled in time order");
    }

    /// A busy, faulty two-way exchange; returns everything observable.
    fn run(seed: u64, duplicate: f64) -> (Vec<WireEvent>, Vec<Arrival>) {
        let cfg = LinkConfig {
            latency: ms(20),
            jitter: ms(3),
            bandwidth_bps: Some(10_000_000),
            queue_limit: 8,
            loss: 0.1,
            duplicate,
            reorder: 0.1,
            corrupt: 0.05,
        };
        let faults = vec![
            ScriptedFault {
                from: CLIENT,
                nth: 3,
                action: FaultAction::Drop,
            },
            ScriptedFault {
                from: SERVER,
                nth: 5,
                action: FaultAction::Duplicate,
            },
        ];
        let mut w = Link::new(cfg.clone(), cfg, faults, seed);
        let mut events = Vec::new();
        let mut arrivals = Vec::new();
        for i in 0..2000u64 {
            let now = Instant::from_micros(i * 300);
            while let Some(a) = w.poll_arrival(now) {
                arrivals.push(a);
            }
            let from = if i % 3 == 0 { SERVER } else { CLIENT };
            w.send(now, from, vec![i as u8; 100 + (i % 1300) as usize], &mut events);
        }
        arrivals.extend(drain(&mut w));
        (events, arrivals)
    }

    #[test]
    fn same_seed_and_inputs_give_identical_runs() {
        let a = run(99, 0.05);
        let b = run(99, 0.05);
        assert_eq!(a, b);
        let c = run(100, 0.05);
        assert_ne!(a.0, c.0);
    }

    #[test]
    fn random_loss_rate_matches_probability() {
        let cfg = LinkConfig { loss: 0.3, ..link(1) };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for _ in 0..10_000 {
            w.send(at_ms(0), CLIENT, vec![0; 40], &mut ev);
        }
        let lost = ev
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    WireEvent::Dropped {
                        reason: DropReason::Loss,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(lost + w.in_flight(), 10_000);
        let rate = lost as f64 / 10_000.0;
        assert!((0.27..0.33).contains(&rate), "loss rate {rate}");
    }

    #[test]
    fn reordering_lets_later_datagrams_overtake() {
        let cfg = LinkConfig {
            reorder: 0.2,
            ..link(20)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        for i in 0..100 {
            w.send(at_ms(i), CLIENT, vec![], &mut ev);
        }
        let delayed = ev
            .iter()
            .filter(|e| matches!(e, WireEvent::Delayed { by, .. } if *by == ms(10)))
            .count();
        assert!(delayed > 0);
        let order = ids(&drain(&mut w));
        assert!(order.windows(2).any(|p| p[1] < p[0]), "no reordering in {order:?}");
    }

    #[test]
    fn reorder_delay_is_at_least_one_millisecond() {
        let cfg = LinkConfig {
            reorder: 1.0,
            ..link(0)
        };
        let mut w = wire(cfg, vec![]);
        let mut ev = Vec::new();
        w.send(at_ms(0), CLIENT, vec![], &mut ev);
        assert_eq!(ev[0], WireEvent::Delayed { id: 1, by: ms(1) });
    }

    /// For each datagram sent, in order, whether random loss took it.
    fn loss_pattern(duplicate: f64, faults: Vec<ScriptedFault>) -> Vec<bool> {
        let cfg = LinkConfig {
            loss: 0.3,
            duplicate,
            corrupt: 0.2,
            jitter: ms(2),
            ..link(5)
        };
        let mut w = wire(cfg, faults);
        let mut ev = Vec::new();
        (0..1000)
            .map(|i| {
                ev.clear();
                let id = w.send(at_ms(i), CLIENT, vec![0; 20], &mut ev);
                ev.contains(&WireEvent::Dropped {
                    id,
                    reason: DropReason::Loss,
                })
            })
            .collect()
    }

    #[test]
    fn changing_duplicate_probability_does_not_change_losses() {
        let base = loss_pattern(0.0, vec![]);
        assert!(base.iter().any(|&l| l));
        assert_eq!(loss_pattern(0.5, vec![]), base);
    }

    #[test]
    fn a_scripted_drop_does_not_shift_later_random_losses() {
        let mut base = loss_pattern(0.0, vec![]);
        let with_drop = loss_pattern(0.0, script(10, FaultAction::Drop));
        base[9] = false;
        assert_eq!(with_drop, base);
    }
}
