//! What the capture worker and the page say to each other: the page sends
//! a file's bytes (or a stream number to replay), the worker answers with
//! progress, the file's conversations, and one of them ready to play, in a
//! small binary form of its own (a JSON or serde decoder would cost the
//! page's wasm tens of kilobytes). The file never leaves the browser.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tcpsim::capture::replay::options_of;
use tcpsim::net::{DropReason, Side, WireEvent};
use tcpsim::tcp::{ConnId, Event, State};
use tcpsim::time::Instant;
use tcpsim::trace::{Record, Segment, Trace, What};
use tcpsim::wire::TcpFlags;

/// The most segments one replay shows: a teaching view, not a trace
/// browser (the table and `tcpsim analyze` cover whole files).
pub const REPLAY_LIMIT: usize = 1_000;

#[derive(Clone, Debug, PartialEq)]
pub enum FromWorker {
    /// Frames decoded so far, of how many.
    Progress {
        done: usize,
        total: usize,
    },
    Opened(Summary),
    Replay(Box<Replayed>),
    /// The file could not be read at all, and why, in plain words.
    Failed(String),
}

/// What a file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub frames: usize,
    /// Frames with no TCP segment to show: why, and how many.
    pub skipped: Vec<(String, usize)>,
    /// What stopped the reading early, if anything.
    pub problem: Option<String>,
    pub conversations: Vec<Row>,
    pub busiest: Option<usize>,
}

/// One conversation in the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub a: String,
    pub b: String,
    pub packets: usize,
    pub bytes_ab: u64,
    pub bytes_ba: u64,
    pub duration_us: i64,
    pub handshake: bool,
    pub close: bool,
    /// Only one direction was captured.
    pub one_way: bool,
}

/// One conversation, ready to play.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed {
    pub stream: usize,
    pub client: String,
    pub server: String,
    /// Where the capture was taken, in words.
    pub vantage: String,
    /// Packets in the conversation (the replay shows the first
    /// `REPLAY_LIMIT`).
    pub total: usize,
    /// None when it cannot be played (and `unavailable` says why).
    pub trace: Option<ReplayTrace>,
    pub unavailable: Option<String>,
    /// For each step of the trace.
    pub steps: Vec<StepNote>,
    /// The client's and the server's first sequence numbers (their SYN's,
    /// or the first seen), for relative numbers.
    pub isn: [u32; 2],
    /// Packets whose checksum was wrong (offloaded on the sending host).
    pub bad_checksums: usize,
}

/// What the analysis says of one step's packet.
#[derive(Clone, Debug, PartialEq)]
pub struct StepNote {
    pub frame: usize,
    /// Since the conversation's first packet, µs.
    pub time_us: i64,
    /// Wireshark's label and what it means.
    pub marks: Vec<(String, String)>,
    /// For a duplicate ACK: its number, and the frame it repeats.
    pub dup_ack: Option<(u32, usize)>,
    /// Client's and server's states after it, as inferred; None: unknown.
    pub states: [Option<State>; 2],
    pub checksum_ok: Option<bool>,
    /// After a segment with data: its sender's bytes not yet acknowledged.
    pub flight: Option<u32>,
    /// The window it advertises, in bytes (scaled where the handshake
    /// showed the scale).
    pub window: u32,
}

/// A replay's trace in a flat form: decoding the engine's own trace types
/// would cost the page's wasm far more code than these few numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayTrace {
    pub client: IpAddr,
    pub server: IpAddr,
    pub end: u64,
    pub records: Vec<ReplayRecord>,
}

/// One record: `kind` 0 a segment sent, 1 it arrived, 2 it was lost, 3 a
/// state change (`from`, `to` index `State::ALL`).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayRecord {
    pub at: u64,
    pub server: bool,
    pub kind: u8,
    pub id: u64,
    /// A sent segment's IP datagram as captured.
    pub bytes: Vec<u8>,
    /// The sent segment's addresses, and its ports (src << 16 | dst), seq,
    /// ack, flags, window and length.
    pub segment: Option<(IpAddr, IpAddr, [u32; 6])>,
    pub from: u8,
    pub to: u8,
}

fn state_index(s: State) -> u8 {
    State::ALL.iter().position(|&x| x == s).unwrap_or(0) as u8
}

impl ReplayTrace {
    /// Flattens a replay's trace (in the worker).
    pub fn new(trace: &Trace) -> ReplayTrace {
        let records = trace
            .records
            .iter()
            .filter_map(|r| {
                let mut out = ReplayRecord {
                    at: r.at.micros(),
                    server: r.side == Side::Server,
                    kind: 0,
                    id: 0,
                    bytes: Vec::new(),
                    segment: None,
                    from: 0,
                    to: 0,
                };
                match &r.what {
                    What::Sent { id, bytes, segment: s } => {
                        out.id = *id;
                        out.bytes = bytes.clone();
                        out.segment = Some((
                            s.src,
                            s.dst,
                            [
                                u32::from(s.src_port) << 16 | u32::from(s.dst_port),
                                s.seq,
                                s.ack,
                                u32::from(s.flags.0),
                                u32::from(s.window),
                                s.len,
                            ],
                        ));
                    }
                    What::Delivered { id, .. } => (out.kind, out.id) = (1, *id),
                    What::Wire {
                        event: WireEvent::Dropped { id, .. },
                    } => (out.kind, out.id) = (2, *id),
                    What::Engine {
                        event: Event::StateChanged { from, to, .. },
                    } => (out.kind, out.from, out.to) = (3, state_index(*from), state_index(*to)),
                    _ => return None,
                }
                Some(out)
            })
            .collect();
        ReplayTrace {
            client: trace.client,
            server: trace.server,
            end: trace.end.micros(),
            records,
        }
    }

    /// The trace again (in the page), for the ladder, inspector and plots.
    pub fn trace(&self) -> Trace {
        let state = |i: u8| State::ALL.get(usize::from(i)).copied().unwrap_or(State::Closed);
        let records = self
            .records
            .iter()
            .filter_map(|r| {
                let what = match r.kind {
                    0 => {
                        let (src, dst, [ports, seq, ack, flags, window, len]) = r.segment?;
                        What::Sent {
                            id: r.id,
                            bytes: r.bytes.clone(),
                            segment: Segment {
                                src,
                                dst,
                                src_port: (ports >> 16) as u16,
                                dst_port: ports as u16,
                                seq,
                                ack,
                                flags: TcpFlags(flags as u8),
                                window: window as u16,
                                options: options_of(&r.bytes),
                                len,
                            },
                        }
                    }
                    1 => What::Delivered { id: r.id, bytes: None },
                    2 => What::Wire {
                        event: WireEvent::Dropped {
                            id: r.id,
                            reason: DropReason::Inferred,
                        },
                    },
                    _ => What::Engine {
                        event: Event::StateChanged {
                            conn: ConnId(u32::from(r.server)),
                            from: state(r.from),
                            to: state(r.to),
                        },
                    },
                };
                let side = if r.server { Side::Server } else { Side::Client };
                Some(Record {
                    at: Instant(r.at),
                    side,
                    what,
                })
            })
            .collect();
        Trace {
            scenario: "capture".into(),
            seed: 0,
            client: self.client,
            server: self.server,
            records,
            end: Instant(self.end),
            received: [Vec::new(), Vec::new()],
            written: [0, 0],
            truncated: false,
        }
    }
}

/// Writes numbers as LEB128 varints, text and bytes with their length.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    fn u64(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                return self.0.push(byte);
            }
            self.0.push(byte | 0x80);
        }
    }
    fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn text(&mut self, t: &str) {
        self.bytes(t.as_bytes());
    }
    /// An IPv4 or IPv6 address, as its 4 or 16 bytes.
    fn address(&mut self, a: IpAddr) {
        match a {
            IpAddr::V4(a) => self.bytes(&a.octets()),
            IpAddr::V6(a) => self.bytes(&a.octets()),
        }
    }
    fn opt(&mut self, present: bool) -> bool {
        self.0.push(u8::from(present));
        present
    }
}

/// Reads what `Writer` wrote; None at the first thing out of place.
pub struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first()?;
            self.0 = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(v);
            }
        }
        None
    }
    fn n(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }
    fn i64(&mut self) -> Option<i64> {
        let v = self.u64()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.n()?;
        let (head, rest) = (self.0.get(..n)?, &self.0[n..]);
        self.0 = rest;
        Some(head.to_vec())
    }
    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?).ok()
    }
    fn address(&mut self) -> Option<IpAddr> {
        let b = self.bytes()?;
        Some(match <[u8; 4]>::try_from(&b[..]) {
            Ok(v4) => IpAddr::V4(Ipv4Addr::from(v4)),
            Err(_) => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&b[..]).ok()?)),
        })
    }
    fn flag(&mut self) -> Option<bool> {
        Some(self.u64()? != 0)
    }
    /// A list of `n` things, each read by `one` (never more than the bytes
    /// left could hold, so a bad length cannot ask for huge memory).
    fn list<T>(&mut self, mut one: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.n()?;
        let mut out = Vec::with_capacity(n.min(self.0.len()));
        for _ in 0..n {
            out.push(one(self)?);
        }
        Some(out)
    }
    fn opt<T>(&mut self, one: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        Some(if self.flag()? { Some(one(self)?) } else { None })
    }
}

fn state_of(i: u64) -> Option<State> {
    State::ALL.get(usize::try_from(i).ok()?).copied()
}

impl FromWorker {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            FromWorker::Progress { done, total } => {
                w.u64(0);
                w.u64(*done as u64);
                w.u64(*total as u64);
            }
            FromWorker::Opened(s) => {
                w.u64(1);
                w.u64(s.frames as u64);
                w.u64(s.skipped.len() as u64);
                for (why, n) in &s.skipped {
                    w.text(why);
                    w.u64(*n as u64);
                }
                if w.opt(s.problem.is_some()) {
                    w.text(s.problem.as_deref().unwrap_or_default());
                }
                w.u64(s.conversations.len() as u64);
                for r in &s.conversations {
                    w.text(&r.a);
                    w.text(&r.b);
                    for v in [r.packets as u64, r.bytes_ab, r.bytes_ba] {
                        w.u64(v);
                    }
                    w.i64(r.duration_us);
                    for b in [r.handshake, r.close, r.one_way] {
                        w.u64(u64::from(b));
                    }
                }
                if w.opt(s.busiest.is_some()) {
                    w.u64(s.busiest.unwrap_or_default() as u64);
                }
            }
            FromWorker::Replay(r) => {
                w.u64(2);
                w.u64(r.stream as u64);
                for t in [&r.client, &r.server, &r.vantage] {
                    w.text(t);
                }
                w.u64(r.total as u64);
                w.opt(r.trace.is_some());
                if let Some(t) = &r.trace {
                    w.address(t.client);
                    w.address(t.server);
                    w.u64(t.end);
                    w.u64(t.records.len() as u64);
                    for rec in &t.records {
                        for v in [rec.at, u64::from(rec.server), u64::from(rec.kind), rec.id] {
                            w.u64(v);
                        }
                        w.bytes(&rec.bytes);
                        w.opt(rec.segment.is_some());
                        if let Some((src, dst, numbers)) = rec.segment {
                            w.address(src);
                            w.address(dst);
                            numbers.iter().for_each(|&v| w.u64(u64::from(v)));
                        }
                        w.u64(u64::from(rec.from));
                        w.u64(u64::from(rec.to));
                    }
                }
                if w.opt(r.unavailable.is_some()) {
                    w.text(r.unavailable.as_deref().unwrap_or_default());
                }
                w.u64(r.steps.len() as u64);
                for st in &r.steps {
                    w.u64(st.frame as u64);
                    w.i64(st.time_us);
                    w.u64(st.marks.len() as u64);
                    for (label, meaning) in &st.marks {
                        w.text(label);
                        w.text(meaning);
                    }
                    w.opt(st.dup_ack.is_some());
                    if let Some((n, of)) = st.dup_ack {
                        w.u64(u64::from(n));
                        w.u64(of as u64);
                    }
                    for s in st.states {
                        w.opt(s.is_some());
                        if let Some(s) = s {
                            w.u64(u64::from(state_index(s)));
                        }
                    }
                    w.opt(st.checksum_ok.is_some());
                    if let Some(ok) = st.checksum_ok {
                        w.u64(u64::from(ok));
                    }
                    w.opt(st.flight.is_some());
                    if let Some(f) = st.flight {
                        w.u64(u64::from(f));
                    }
                    w.u64(u64::from(st.window));
                }
                w.u64(u64::from(r.isn[0]));
                w.u64(u64::from(r.isn[1]));
                w.u64(r.bad_checksums as u64);
            }
            FromWorker::Failed(why) => {
                w.u64(3);
                w.text(why);
            }
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Option<FromWorker> {
        let mut r = Reader(bytes);
        Some(match r.u64()? {
            0 => FromWorker::Progress {
                done: r.n()?,
                total: r.n()?,
            },
            1 => FromWorker::Opened(Summary {
                frames: r.n()?,
                skipped: r.list(|r| Some((r.text()?, r.n()?)))?,
                problem: r.opt(Reader::text)?,
                conversations: r.list(|r| {
                    Some(Row {
                        a: r.text()?,
                        b: r.text()?,
                        packets: r.n()?,
                        bytes_ab: r.u64()?,
                        bytes_ba: r.u64()?,
                        duration_us: r.i64()?,
                        handshake: r.flag()?,
                        close: r.flag()?,
                        one_way: r.flag()?,
                    })
                })?,
                busiest: r.opt(Reader::n)?,
            }),
            2 => FromWorker::Replay(Box::new(Replayed {
                stream: r.n()?,
                client: r.text()?,
                server: r.text()?,
                vantage: r.text()?,
                total: r.n()?,
                trace: r.opt(|r| {
                    Some(ReplayTrace {
                        client: r.address()?,
                        server: r.address()?,
                        end: r.u64()?,
                        records: r.list(|r| {
                            Some(ReplayRecord {
                                at: r.u64()?,
                                server: r.flag()?,
                                kind: u8::try_from(r.u64()?).ok()?,
                                id: r.u64()?,
                                bytes: r.bytes()?,
                                segment: r.opt(|r| {
                                    let (src, dst) = (r.address()?, r.address()?);
                                    let mut numbers = [0u32; 6];
                                    for v in &mut numbers {
                                        *v = r.u32()?;
                                    }
                                    Some((src, dst, numbers))
                                })?,
                                from: u8::try_from(r.u64()?).ok()?,
                                to: u8::try_from(r.u64()?).ok()?,
                            })
                        })?,
                    })
                })?,
                unavailable: r.opt(Reader::text)?,
                steps: r.list(|r| {
                    Some(StepNote {
                        frame: r.n()?,
                        time_us: r.i64()?,
                        marks: r.list(|r| Some((r.text()?, r.text()?)))?,
                        dup_ack: r.opt(|r| Some((r.u32()?, r.n()?)))?,
                        states: [r.opt(|r| state_of(r.u64()?))?, r.opt(|r| state_of(r.u64()?))?],
                        checksum_ok: r.opt(Reader::flag)?,
                        flight: r.opt(Reader::u32)?,
                        window: r.u32()?,
                    })
                })?,
                isn: [r.u32()?, r.u32()?],
                bad_checksums: r.n()?,
            })),
            3 => FromWorker::Failed(r.text()?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpsim::capture::{self, replay, states, Vantage};
    use tcpsim::scenario::{self, RunOptions};

    /// The flat form carries everything a replay's trace holds, IPv6
    /// addresses included.
    #[test]
    fn a_replay_trace_survives_the_trip_to_the_page() {
        let v6 = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/engine/tests/captures/kernel/v6-keepalive-client-ethernet.pcap"
        );
        for id in ["curl", "lost-data", "reset", "zero-window", "ipv6"] {
            let pcap = match id {
                "ipv6" => std::fs::read(v6).unwrap(),
                _ => scenario::run(id, &RunOptions::default()).unwrap().pcap(Side::Server),
            };
            let c = &capture::open(&pcap).unwrap().conversations[0];
            let vantage = Vantage::infer(c);
            let frames = capture::file::read(&pcap).unwrap().frames;
            let replayed = replay::replay(c, &frames, vantage, &states::infer(c, vantage), usize::MAX).unwrap();
            let message = FromWorker::Replay(Box::new(Replayed {
                stream: 3,
                client: "10.0.1.5:49152".into(),
                server: "10.0.2.10:80".into(),
                vantage: "near 10.0.2.10:80".into(),
                total: c.packets.len(),
                trace: Some(ReplayTrace::new(&replayed.trace)),
                unavailable: None,
                steps: vec![StepNote {
                    frame: 7,
                    time_us: -5,
                    marks: vec![("Dup ACK".into(), "the same ACK again".into())],
                    dup_ack: Some((2, 5)),
                    states: [Some(State::TimeWait), None],
                    checksum_ok: Some(false),
                    flight: Some(2920),
                    window: 1 << 20,
                }],
                isn: [1000, u32::MAX],
                bad_checksums: 1,
            }));
            let bytes = message.encode();
            let back = FromWorker::decode(&bytes).unwrap();
            assert_eq!(back, message, "{id}");
            let FromWorker::Replay(back) = back else { unreachable!() };
            assert_eq!(back.trace.unwrap().trace(), replayed.trace, "{id}");
            // Cut anywhere, it is refused, not misread or a panic.
            for n in 0..bytes.len() {
                assert_eq!(FromWorker::decode(&bytes[..n]), None);
            }
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn a_summary_and_the_small_messages_survive_the_trip() {
        let messages = [
            FromWorker::Progress {
                done: 8192,
                total: 100_000,
            },
            FromWorker::Failed("This file cannot be read: not a pcap or pcapng capture file.".into()),
            FromWorker::Opened(Summary {
                frames: 12,
                skipped: vec![("not TCP".into(), 3)],
                problem: Some("truncated at byte 900".into()),
                conversations: vec![Row {
                    a: "[fd00:9::1]:40001".into(),
                    b: "[fd00:9::2]:5001".into(),
                    packets: 9,
                    bytes_ab: 72,
                    bytes_ba: 0,
                    duration_us: 1_500_000,
                    handshake: true,
                    close: false,
                    one_way: true,
                }],
                busiest: Some(0),
            }),
        ];
        for m in messages {
            assert_eq!(FromWorker::decode(&m.encode()), Some(m));
        }
        assert_eq!(FromWorker::decode(&[9]), None);
    }
}
