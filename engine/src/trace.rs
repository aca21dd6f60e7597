//! The timeline of one run: every datagram and what the wire did to it,
//! every engine event, every application action. Serde-serialisable; the
//! CLI prints it, pcap export reads it, the web app steps through it.

use crate::net::{Call, CallResult, Side, WireEvent};
use crate::tcp::{ConnId, Event, State};
use crate::time::Instant;
use crate::wire::{self, TcpFlags, TcpOptions};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A map keyed by datagram id. The wire numbers datagrams 1, 2, 3, … in
/// each run, so a vector does the job (and no hashing code ships to the
/// page). An id too large for memory is simply not stored.
#[derive(Clone, Debug)]
pub struct IdMap<T>(Vec<Option<T>>);

impl<T: Copy> IdMap<T> {
    /// Room for the ids of a trace of `records` records (each id has a
    /// record of its own, so none is larger).
    pub fn for_records(records: usize) -> Self {
        IdMap(vec![None; records + 1])
    }

    pub fn insert(&mut self, id: u64, value: T) {
        if let Some(slot) = usize::try_from(id).ok().and_then(|i| self.0.get_mut(i)) {
            *slot = Some(value);
        }
    }

    pub fn get(&self, id: u64) -> Option<T> {
        usize::try_from(id).ok().and_then(|i| self.0.get(i).copied().flatten())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub scenario: String,
    pub seed: u64,
    pub client: std::net::IpAddr,
    pub server: std::net::IpAddr,
    pub records: Vec<Record>,
    /// Simulated time when the run stopped.
    pub end: Instant,
    /// Bytes each application received, in order (client, server).
    pub received: [Vec<u8>; 2],
    /// How many bytes each application wrote and the engine accepted.
    pub written: [u64; 2],
    /// True if the run stopped at its time limit with work still pending.
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub at: Instant,
    /// The host this happened on (for wire records: the sender).
    pub side: Side,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum What {
    /// A datagram left `side`. `segment` is its decoded TCP header.
    Sent { id: u64, bytes: Vec<u8>, segment: Segment },
    /// The wire's fate for a datagram (scheduled, dropped, duplicated, …).
    Wire { event: WireEvent },
    /// A datagram reached `side`. `bytes` is present only when they differ
    /// from what was sent (a corrupted copy).
    Delivered { id: u64, bytes: Option<Vec<u8>> },
    /// Something the engine on `side` reported.
    Engine { event: Event },
    /// Something the application on `side` did.
    App { action: AppAction },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AppAction {
    Listen {
        conn: ConnId,
        port: u16,
    },
    Connect {
        conn: ConnId,
        port: u16,
    },
    /// The application handed `len` bytes to TCP.
    Write {
        conn: ConnId,
        len: usize,
    },
    /// The application read `len` bytes from TCP.
    Read {
        conn: ConnId,
        len: usize,
    },
    Close {
        conn: ConnId,
    },
    Abort {
        conn: ConnId,
    },
    /// A command failed; `message` says why.
    Failed {
        message: String,
    },
    /// The application's program entered a socket call…
    Call {
        conn: Option<ConnId>,
        call: Call,
    },
    /// …and the call returned (at once, or when what it waited for came).
    Returned {
        conn: Option<ConnId>,
        call: Call,
        result: CallResult,
    },
}

/// The header fields a reader of the trace needs without parsing bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub src: std::net::IpAddr,
    pub dst: std::net::IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub options: TcpOptions,
    pub len: u32,
}

impl Segment {
    /// Decodes a datagram, if it parses and both checksums verify.
    pub fn decode(bytes: &[u8]) -> Option<Segment> {
        wire::parse_datagram(bytes).ok()?;
        Segment::decode_emitted(bytes)
    }

    /// Decodes a datagram this engine has just emitted, trusting its
    /// checksums: the simulator records every datagram it sends, and
    /// verifying each again cost a full trace a third of its time.
    pub fn decode_emitted(bytes: &[u8]) -> Option<Segment> {
        let ip = wire::Ipv4Packet::new_checked(bytes).ok()?;
        let tcp = wire::TcpPacket::new_checked(ip.payload()).ok()?;
        Some(Segment {
            src: ip.src().into(),
            dst: ip.dst().into(),
            src_port: tcp.src_port(),
            dst_port: tcp.dst_port(),
            seq: tcp.seq().0,
            ack: tcp.ack().0,
            flags: tcp.flags(),
            window: tcp.window(),
            options: TcpOptions::parse(tcp.options()).ok()?,
            len: tcp.payload().len() as u32,
        })
    }

    /// One line in the style of `tcpdump -n -S`.
    pub fn tcpdump(&self) -> String {
        let mut flags = String::new();
        for (flag, c) in [
            (TcpFlags::SYN, 'S'),
            (TcpFlags::FIN, 'F'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::URG, 'U'),
            (TcpFlags::ECE, 'E'),
            (TcpFlags::CWR, 'W'),
            (TcpFlags::ACK, '.'),
        ] {
            if self.flags.contains(flag) {
                flags.push(c);
            }
        }
        let mut line = format!(
            "IP {}.{} > {}.{}: Flags [{}], seq {}",
            wire::ip_text(self.src),
            self.src_port,
            wire::ip_text(self.dst),
            self.dst_port,
            flags,
            self.seq
        );
        if self.len > 0 {
            let _ = write!(line, ":{}", self.seq.wrapping_add(self.len));
        }
        if self.flags.ack() {
            let _ = write!(line, ", ack {}", self.ack);
        }
        let _ = write!(line, ", win {}", self.window);
        let o = &self.options;
        let mut opts = Vec::new();
        if let Some(mss) = o.mss {
            opts.push(format!("mss {mss}"));
        }
        if o.sack_permitted {
            opts.push("sackOK".to_string());
        }
        if let Some((val, ecr)) = o.timestamps {
            opts.push(format!("TS val {val} ecr {ecr}"));
        }
        if let Some(ws) = o.window_scale {
            opts.push(format!("wscale {ws}"));
        }
        if crate::tcp::MODERN && !o.sack.is_empty() {
            let blocks: String = o.sack.iter().map(|(l, r)| format!("{{{l}:{r}}}")).collect();
            opts.push(format!("sack {} {blocks}", o.sack.len()));
        }
        if !opts.is_empty() {
            let _ = write!(line, ", options [{}]", opts.join(","));
        }
        let _ = write!(line, ", length {}", self.len);
        line
    }
}

impl Trace {
    /// The datagrams sent, in order, with their send time and sender.
    pub fn segments(&self) -> impl Iterator<Item = (Instant, Side, u64, &Segment)> + '_ {
        self.records.iter().filter_map(|r| match &r.what {
            What::Sent { id, segment, .. } => Some((r.at, r.side, *id, segment)),
            _ => None,
        })
    }

    /// Every state change on `side`, in order.
    pub fn state_changes(&self, side: Side) -> impl Iterator<Item = (Instant, ConnId, State, State)> + '_ {
        self.records
            .iter()
            .filter(move |r| r.side == side)
            .filter_map(|r| match &r.what {
                What::Engine {
                    event: Event::StateChanged { conn, from, to },
                } => Some((r.at, *conn, *from, *to)),
                _ => None,
            })
    }

    /// The datagrams one host would have captured: its own at send time,
    /// the peer's at arrival time (as they arrived, corrupted or not).
    pub fn captured(&self, host: Side) -> Vec<(Instant, &[u8])> {
        let mut sent: IdMap<&[u8]> = IdMap::for_records(self.records.len());
        let mut out = Vec::new();
        for r in &self.records {
            match &r.what {
                What::Sent { id, bytes, .. } => {
                    sent.insert(*id, bytes.as_slice());
                    if r.side == host {
                        out.push((r.at, bytes.as_slice()));
                    }
                }
                What::Wire {
                    event: WireEvent::Duplicated { id, copy },
                } => {
                    if let Some(b) = sent.get(*id) {
                        sent.insert(*copy, b);
                    }
                }
                What::Delivered { id, bytes } if r.side == host => {
                    if let Some(b) = bytes.as_deref().or_else(|| sent.get(*id)) {
                        out.push((r.at, b));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A pcap file of what `host` would have captured (see `captured`).
    pub fn pcap(&self, host: Side) -> Vec<u8> {
        let mut pcap = crate::pcap::PcapWriter::new();
        for (at, bytes) in self.captured(host) {
            pcap.push(at, bytes);
        }
        pcap.finish()
    }

    /// A readable text log: one tcpdump-like line per datagram sent, plus
    /// what the wire did and every state change.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut n = 0;
        for r in &self.records {
            let who = r.side.name();
            let line = match &r.what {
                What::Sent { segment, .. } => {
                    n += 1;
                    format!("{:>4} {} {}", n, r.at, segment.tcpdump())
                }
                What::Wire { event } => match event {
                    WireEvent::Dropped { id, reason } => {
                        format!("     {} wire: datagram {id} lost ({reason})", r.at)
                    }
                    WireEvent::Duplicated { id, copy } => {
                        format!("     {} wire: datagram {id} duplicated as {copy}", r.at)
                    }
                    WireEvent::Corrupted { id, bit } => {
                        format!("     {} wire: datagram {id} bit {bit} flipped", r.at)
                    }
                    WireEvent::Delayed { id, by } => {
                        format!("     {} wire: datagram {id} held back {by}", r.at)
                    }
                    WireEvent::Scheduled { .. } => continue,
                },
                What::Engine { event } => match event {
                    Event::StateChanged { from, to, .. } => {
                        format!("     {} {who}: {from} -> {to}", r.at)
                    }
                    Event::Retransmit { seq, len, reason, .. } => {
                        format!("     {} {who}: retransmit seq {seq} ({len} bytes, {reason})", r.at)
                    }
                    Event::Error { error, .. } => {
                        format!("     {} {who}: connection error: {error}", r.at)
                    }
                    Event::Rejected { reason, .. } => {
                        format!("     {} {who}: segment not used: {reason}", r.at)
                    }
                    _ => continue,
                },
                What::Delivered { .. } | What::App { .. } => continue,
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}
