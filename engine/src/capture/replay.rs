//! A captured conversation as a trace, so that everything that plays the
//! engine's runs (the ladder, the inspector, the plots) plays it too.
//!
//! A capture gives one time per packet, taken where the capture was. Each
//! packet is sent that long before and arrives that long after, as the
//! handshake measured the way to each host (see `Vantage`); the states are
//! the inferred ones (`states`), changing as the packet that shows them is
//! sent or arrives.

use super::file::Frame;
use super::states::{self, Delivery, StateTimeline, Vantage};
use super::Conversation;
use crate::net::{DropReason, Side, WireEvent};
use crate::tcp::{ConnId, Event};
use crate::time::Instant;
use crate::trace::{Record, Segment, Trace, What};
use crate::wire::{Ipv4Packet, TcpOptions, TcpPacket as TcpView};
use std::fmt;

/// A conversation ready to play.
pub struct Replay {
    pub trace: Trace,
    /// For each step (segment sent, in the trace's order), the index of its
    /// packet in the conversation.
    pub packet_of_step: Vec<usize>,
    /// The client: the host that sent the first SYN (else `a`), as 0 (`a`)
    /// or 1 (`b`).
    pub client: usize,
    /// How far each host (0: `a`, 1: `b`) is from the capture point, µs.
    pub distance_us: [i64; 2],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    Empty,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReplayError::Empty => "This connection has no packets.",
        })
    }
}

/// When nothing measured the way to a host: a few milliseconds, so that a
/// segment still visibly travels.
const UNMEASURED_US: i64 = 5_000;

/// Plays the first `limit` packets of `c`. `frames` are the file's frames
/// (`file::read`), for each packet's bytes.
pub fn replay(
    c: &Conversation,
    frames: &[Frame<'_>],
    vantage: Vantage,
    timeline: &StateTimeline,
    limit: usize,
) -> Result<Replay, ReplayError> {
    let (a_ip, b_ip) = (c.a.ip(), c.b.ip());
    let packets = &c.packets[..c.packets.len().min(limit)];
    if packets.is_empty() {
        return Err(ReplayError::Empty);
    }
    let side_of = |addr| usize::from(addr != c.a);
    let client = c
        .packets
        .iter()
        .find(|p| p.flags.syn() && !p.flags.ack())
        .map_or(0, |p| side_of(p.src));
    let host_side = |host: usize| if host == client { Side::Client } else { Side::Server };
    let distance_us = distances(c, vantage);

    // Each packet's send and arrival, on the capture's clock; the arrival
    // never after the receiver's first answer to it.
    let sent: Vec<i64> = packets
        .iter()
        .map(|p| p.time_us.saturating_sub(distance_us[side_of(p.src)]))
        .collect();
    let mut arrive: Vec<Option<i64>> = Vec::with_capacity(packets.len());
    for (i, p) in packets.iter().enumerate() {
        let y = 1 - side_of(p.src);
        let at = match timeline.deliveries.get(i).copied().unwrap_or(Delivery::AtOnce) {
            Delivery::Lost => None,
            Delivery::ProvenBy(j) if j < packets.len() => Some(sent[j].min(p.time_us.saturating_add(distance_us[y]))),
            _ => Some(p.time_us.saturating_add(distance_us[y])),
        };
        arrive.push(at.map(|t| t.max(sent[i])));
    }
    let start = sent.iter().copied().min().unwrap_or(0);
    let at = |t: i64| Instant(t.saturating_sub(start).max(0) as u64);

    // (time, packet, phase, record): a sender's state change, its segment,
    // the arrival, the receiver's state change.
    let mut events: Vec<(i64, usize, u8, Record)> = Vec::new();
    let mut states_now = timeline.before;
    for (host, state) in timeline.before.iter().enumerate() {
        if *state == Some(crate::tcp::State::Listen) {
            let what = What::Engine {
                event: Event::StateChanged {
                    conn: ConnId(u32::from(host_side(host) == Side::Server)),
                    from: crate::tcp::State::Closed,
                    to: crate::tcp::State::Listen,
                },
            };
            events.push((start, 0, 0, record(at(start), host_side(host), what)));
        }
    }
    let mut change = timeline.changes.iter().peekable();
    for (i, p) in packets.iter().enumerate() {
        let x = side_of(p.src);
        let bytes = frames
            .get(p.frame.wrapping_sub(1))
            .and_then(|f| f.data.get(p.ip_at..))
            .unwrap_or_default()
            .to_vec();
        let segment = segment_of(p, &bytes);
        while let Some(&&states::StateChange { cause, host, to, .. }) = change.peek().filter(|c| c.row == i) {
            change.next();
            let Some(from) = states_now[host].replace(to) else {
                continue;
            };
            let what = What::Engine {
                event: Event::StateChanged {
                    conn: ConnId(u32::from(host_side(host) == Side::Server)),
                    from,
                    to,
                },
            };
            // A change comes as its cause is sent (by this host) or arrives
            // (at it); if it never arrived, as it was sent.
            let sender = side_of(packets.get(cause).map_or(c.a, |p| p.src));
            let (time, phase) = match (host == sender, arrive.get(cause).copied().flatten()) {
                (false, Some(t)) => (t, 3),
                _ => (sent.get(cause).copied().unwrap_or(sent[i]), 0),
            };
            events.push((time, cause, phase, record(at(time), host_side(host), what)));
        }
        let id = i as u64;
        events.push((
            sent[i],
            i,
            1,
            record(at(sent[i]), host_side(x), What::Sent { id, bytes, segment }),
        ));
        let fate = match arrive[i] {
            Some(t) => (t, record(at(t), host_side(1 - x), What::Delivered { id, bytes: None })),
            None => {
                let what = What::Wire {
                    event: WireEvent::Dropped {
                        id,
                        reason: DropReason::Inferred,
                    },
                };
                (sent[i], record(at(sent[i]), host_side(x), what))
            }
        };
        events.push((fate.0, i, 2, fate.1));
    }
    events.sort_by_key(|e| (e.0, e.1, e.2));
    let packet_of_step = events
        .iter()
        .filter(|e| matches!(e.3.what, What::Sent { .. }))
        .map(|e| e.1)
        .collect();
    let end = events.last().map_or(Instant(0), |e| e.3.at);
    let (client_ip, server_ip) = if client == 0 { (a_ip, b_ip) } else { (b_ip, a_ip) };
    Ok(Replay {
        trace: Trace {
            scenario: "capture".into(),
            seed: 0,
            client: client_ip,
            server: server_ip,
            records: events.into_iter().map(|e| e.3).collect(),
            end,
            received: [Vec::new(), Vec::new()],
            written: [0, 0],
            truncated: false,
        },
        packet_of_step,
        client,
        distance_us,
    })
}

fn record(at: Instant, side: Side, what: What) -> Record {
    Record { at, side, what }
}

/// How far each host is from the capture point: half of the round trip
/// the handshake shows on its side.
fn distances(c: &Conversation, vantage: Vantage) -> [i64; 2] {
    let Some((to_server_and_back, to_client_and_back, client)) = states::handshake_times(c) else {
        return [UNMEASURED_US; 2];
    };
    let mut d = [0; 2];
    d[client] = to_client_and_back / 2;
    d[1 - client] = to_server_and_back / 2;
    if vantage == Vantage::Unknown || d == [0, 0] {
        return [UNMEASURED_US; 2];
    }
    // Never zero for both: a segment must travel to be seen.
    d.map(|x| x.max(if d.iter().all(|&v| v < 500) { UNMEASURED_US } else { 0 }))
}

/// The header fields as the trace keeps them; the options read from the
/// captured bytes when they are whole.
fn segment_of(p: &super::TcpPacket, bytes: &[u8]) -> Segment {
    Segment {
        src: p.src.ip(),
        dst: p.dst.ip(),
        src_port: p.src.port(),
        dst_port: p.dst.port(),
        seq: p.seq,
        ack: p.ack,
        flags: p.flags,
        window: p.window,
        options: options_of(bytes),
        len: p.len,
    }
}

/// The TCP options of an IP datagram as captured; none if its TCP header
/// is not all there.
pub fn options_of(ip: &[u8]) -> TcpOptions {
    tcp_header(ip)
        .and_then(|tcp| TcpView::new_checked(tcp).ok().map(|t| TcpOptions::parse(t.options())))
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// The TCP header and what follows it in an IP datagram: after IPv4's
/// header, or IPv6's fixed one when TCP comes next (no extension headers).
fn tcp_header(ip: &[u8]) -> Option<&[u8]> {
    match ip.first()? >> 4 {
        4 => Ipv4Packet::new_checked(ip).ok().and_then(|p| ip.get(p.header_len()..)),
        6 if *ip.get(6)? == 6 => ip.get(40..),
        _ => None,
    }
}
