//! Both hosts' TCP states, inferred from what a capture shows: RFC 9293's
//! state machine (§3.3.2) driven by the segments each host is seen to send
//! and, where the capture shows they arrived, to receive.
//!
//! A capture shows a segment where it was taken, not where it went. Near
//! the receiver, every segment seen has arrived; elsewhere a segment counts
//! as arrived unless the capture shows otherwise (its sender sends it again
//! before it is acknowledged, or the receiver sends again what it acks).

use super::{Conversation, TcpPacket};
use crate::tcp::State;
use crate::wire::SeqNumber;
use std::fmt;
use std::net::SocketAddr;

/// Where the capture was taken, judged from the handshake's timing: the
/// host that answers at once (no round trip between its receiving and
/// sending) is the one near the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vantage {
    /// Near `Conversation::a` (the host seen sending first).
    NearA,
    NearB,
    /// The round trip is split between the two halves of the handshake.
    Between,
    /// No whole handshake to judge by.
    Unknown,
}

impl Vantage {
    /// From the handshake's timing: SYN → SYN-ACK, then SYN-ACK → ACK.
    pub fn infer(c: &Conversation) -> Vantage {
        let Some((to_server_and_back, to_client_and_back, client)) = handshake_times(c) else {
            return Vantage::Unknown;
        };
        let (near_client, near_server) = if client == 0 {
            (Vantage::NearA, Vantage::NearB)
        } else {
            (Vantage::NearB, Vantage::NearA)
        };
        if to_client_and_back.saturating_mul(4) <= to_server_and_back {
            near_client
        } else if to_server_and_back.saturating_mul(4) <= to_client_and_back {
            near_server
        } else {
            Vantage::Between
        }
    }

    /// In words, naming the near host: "near 10.0.0.1:80".
    pub fn describe(self, c: &Conversation) -> String {
        match self {
            Vantage::NearA => format!("near {}", c.a),
            Vantage::NearB => format!("near {}", c.b),
            other => other.to_string(),
        }
    }
}

/// The handshake's two halves as the capture timed them: from the SYN to
/// the SYN-ACK (the way to the server and back), from the SYN-ACK to the
/// client's ACK (the way to the client and back), and the client (0 for
/// `a`, 1 for `b`). None without a whole handshake.
pub(crate) fn handshake_times(c: &Conversation) -> Option<(i64, i64, usize)> {
    let syn = c.packets.iter().position(|p| p.flags.syn() && !p.flags.ack())?;
    let client = c.packets[syn].src;
    let synack = syn
        + c.packets[syn..]
            .iter()
            .rposition(|p| p.flags.syn() && p.flags.ack() && p.dst == client)?;
    let ack = c.packets[synack..]
        .iter()
        .find(|p| p.src == client && p.flags.ack() && !p.flags.syn())?;
    // The last SYN before the SYN-ACK is the one it answers.
    let last_syn = c.packets[..synack]
        .iter()
        .rev()
        .find(|p| p.src == client && p.flags.syn())
        .unwrap_or(&c.packets[syn]);
    let to_server_and_back = c.packets[synack].time_us.saturating_sub(last_syn.time_us);
    let to_client_and_back = ack.time_us.saturating_sub(c.packets[synack].time_us);
    Some((to_server_and_back, to_client_and_back, usize::from(client != c.a)))
}

impl fmt::Display for Vantage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vantage::NearA | Vantage::NearB => "near one host",
            Vantage::Between => "between the hosts",
            Vantage::Unknown => "unknown",
        })
    }
}

/// What the capture tells of one host's state: `None` is "unknown" (the
/// capture began after the connection did).
pub type Inferred = Option<State>;

/// Both hosts' states along a conversation (index 0 is `a`).
pub struct StateTimeline {
    /// Before the first packet.
    pub before: [Inferred; 2],
    /// After each packet.
    pub after: Vec<[Inferred; 2]>,
    /// Every change, in order. One packet can move a host twice (a FIN
    /// answered with a FIN at once: CLOSE-WAIT, then LAST-ACK).
    pub changes: Vec<StateChange>,
    /// When each packet reached the other host (the replay draws it so).
    pub(crate) deliveries: Vec<Delivery>,
}

/// One inferred change of state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// The packet after which the capture shows it.
    pub row: usize,
    /// The packet whose sending (by `host`) or arrival (at `host`) made it.
    pub cause: usize,
    pub host: usize,
    pub to: State,
}

impl StateTimeline {
    /// The states host `i` went through, the first included.
    pub fn path(&self, i: usize) -> Vec<Inferred> {
        let mut out = vec![self.before[i]];
        out.extend(self.changes.iter().filter(|c| c.host == i).map(|c| Some(c.to)));
        out
    }
}

/// Infers both hosts' states along the conversation.
pub fn infer(c: &Conversation, vantage: Vantage) -> StateTimeline {
    let side = |addr| usize::from(addr != c.a);
    let mut now: [Inferred; 2] = [None, None];
    // A conversation that opens with a SYN: its sender was CLOSED; the
    // other host was LISTENing if it answers with a SYN-ACK, and CLOSED if
    // with a RST or a SYN of its own (a simultaneous open).
    if let Some(first) = c.packets.first().filter(|p| p.flags.syn() && !p.flags.ack()) {
        let (x, y) = (side(first.src), 1 - side(first.src));
        now[x] = Some(State::Closed);
        now[y] = c.packets.iter().filter(|p| side(p.src) == y).find_map(|p| {
            if p.flags.syn() && p.flags.ack() {
                Some(State::Listen)
            } else if p.flags.rst() || p.flags.syn() {
                Some(State::Closed)
            } else {
                None
            }
        });
    }
    let before = now;
    // When each packet reaches the other host (see `Delivery`): deliveries
    // that a row's packet proves come before it, the others just after.
    let mut proven_by: Vec<Vec<usize>> = vec![Vec::new(); c.packets.len()];
    let mut at_once = vec![false; c.packets.len()];
    // Each sender's packets that will arrive, in the order sent.
    let mut pending: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let deliveries: Vec<Delivery> = (0..c.packets.len()).map(|i| delivery(c, i, vantage, side)).collect();
    for (i, (p, d)) in c.packets.iter().zip(&deliveries).enumerate() {
        match *d {
            Delivery::AtOnce => at_once[i] = true,
            Delivery::ProvenBy(j) => proven_by[j].push(i),
            Delivery::Lost => continue,
        }
        pending[side(p.src)].push(i);
    }
    // Each host's SYN and FIN, as sequence numbers, once seen.
    let mut syn_seq: [Option<u32>; 2] = [None, None];
    let mut fin_seq: [Option<u32>; 2] = [None, None];
    let mut changes = Vec::new();
    let mut set = |now: &mut [Inferred; 2], row: usize, cause: usize, host: usize, to: Inferred| {
        if let Some(to) = to.filter(|&s| now[host] != Some(s)) {
            changes.push(StateChange { row, cause, host, to });
        }
        now[host] = to;
    };
    let deliver = |now: &[Inferred; 2], fin_seq: &[Option<u32>; 2], syn_seq: &[Option<u32>; 2], i: usize| {
        let p = &c.packets[i];
        let y = 1 - side(p.src);
        let acks = |seq: Option<u32>| p.flags.ack() && seq.is_some_and(|s| SeqNumber(p.ack) > SeqNumber(s));
        let steps = received(
            now[y],
            Received {
                syn: p.flags.syn(),
                fin: p.flags.fin(),
                rst: p.flags.rst(),
                acks_syn: acks(syn_seq[y]),
                acks_fin: acks(fin_seq[y]),
            },
        );
        (y, steps)
    };
    let after = c
        .packets
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = side(p.src);
            for &earlier in &proven_by[i] {
                for k in in_order(&mut pending, side(c.packets[earlier].src), earlier) {
                    let (host, steps) = deliver(&now, &fin_seq, &syn_seq, k);
                    steps.into_iter().for_each(|to| set(&mut now, i, k, host, to));
                }
            }
            if p.flags.syn() {
                syn_seq[x] = Some(p.seq);
            }
            if p.flags.fin() {
                fin_seq[x] = Some(p.seq.wrapping_add(p.len));
            }
            let to = sent(now[x], p.flags.syn(), p.flags.ack(), p.flags.fin(), p.flags.rst());
            set(&mut now, i, i, x, to);
            if at_once[i] {
                for k in in_order(&mut pending, x, i) {
                    let (host, steps) = deliver(&now, &fin_seq, &syn_seq, k);
                    steps.into_iter().for_each(|to| set(&mut now, i, k, host, to));
                }
            }
            now
        })
        .collect();
    StateTimeline {
        before,
        after,
        changes,
        deliveries,
    }
}

/// Packet `i` of `sender` arrives, and with it (first) every packet the
/// sender sent before it that is still on its way: the path between two
/// hosts mostly keeps order, and nothing in the capture says otherwise.
fn in_order(pending: &mut [Vec<usize>; 2], sender: usize, i: usize) -> Vec<usize> {
    let queue = &mut pending[sender];
    let upto = queue.partition_point(|&k| k <= i);
    queue.drain(..upto).collect()
}

/// How many later packets `delivery` reads for evidence.
const LOOKAHEAD: usize = 2_000;

/// When a packet reached the other host, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// As it was captured: the capture was taken near the receiver, or
    /// nothing shows otherwise.
    AtOnce,
    /// Just before packet `j`, the receiver's first to acknowledge it. A
    /// host that has not acknowledged a SYN or FIN has not taken it in, so
    /// a capture far from it shows its receipt only by its answer (this is
    /// what tells a simultaneous open or close from an ordinary one).
    ProvenBy(usize),
    /// Never: its sender sends it again, or the receiver sends again what
    /// it acknowledges.
    Lost,
}

fn delivery(c: &Conversation, i: usize, vantage: Vantage, side: impl Fn(SocketAddr) -> usize) -> Delivery {
    let p = &c.packets[i];
    let x = side(p.src);
    let near_receiver = vantage == if x == 0 { Vantage::NearB } else { Vantage::NearA };
    if near_receiver || p.flags.rst() {
        return Delivery::AtOnce;
    }
    // The evidence comes within a few round trips: looking no further
    // than this many packets keeps a long capture's inference linear.
    let later = c.packets.iter().enumerate().skip(i + 1).take(LOOKAHEAD);
    if takes_space(p) {
        // The first later packet that either acknowledges it (it arrived)
        // or repeats it (same SYN, ACK and FIN flags) from its sender: this
        // copy counts as lost (if it was not, the copy brings the same change).
        let end = SeqNumber(seq_end(p));
        let next = later.clone().find(|(_, q)| {
            if side(q.src) == x {
                q.seq == p.seq && q.flags.0 & 0x13 == p.flags.0 & 0x13
            } else {
                q.flags.ack() && SeqNumber(q.ack) >= end
            }
        });
        return match next {
            Some((_, q)) if side(q.src) == x => Delivery::Lost,
            Some((j, _)) => Delivery::ProvenBy(j),
            None => Delivery::AtOnce,
        };
    }
    // A pure ACK: lost if the other host then sends again what it acked.
    let acked_resent = later
        .clone()
        .any(|(_, q)| side(q.src) != x && takes_space(q) && p.flags.ack() && SeqNumber(seq_end(q)) <= SeqNumber(p.ack));
    if acked_resent {
        Delivery::Lost
    } else {
        Delivery::AtOnce
    }
}

fn takes_space(p: &TcpPacket) -> bool {
    p.len > 0 || p.flags.syn() || p.flags.fin()
}

/// The sequence number after the segment (a SYN and a FIN count one each).
fn seq_end(p: &TcpPacket) -> u32 {
    p.seq
        .wrapping_add(p.len)
        .wrapping_add(u32::from(p.flags.syn()) + u32::from(p.flags.fin()))
}

/// RFC 9293 §3.3.2, the sending half: a host's state after it sends.
fn sent(state: Inferred, syn: bool, ack: bool, fin: bool, rst: bool) -> Inferred {
    use State::*;
    if rst {
        return Some(Closed);
    }
    match (state, syn, ack, fin) {
        (None | Some(Closed), true, false, _) => Some(SynSent),
        (None | Some(Listen | SynSent), true, true, _) => Some(SynReceived),
        (None | Some(SynReceived | Established), _, _, true) => Some(FinWait1),
        (Some(CloseWait), _, _, true) => Some(LastAck),
        _ => state,
    }
}

/// What a received segment carries that can move its receiver.
struct Received {
    syn: bool,
    fin: bool,
    rst: bool,
    /// It acknowledges the receiver's SYN.
    acks_syn: bool,
    /// It acknowledges the receiver's FIN.
    acks_fin: bool,
}

/// RFC 9293 §3.10.7, the receiving half: a host's state after a segment
/// arrives, in two steps as the RFC takes them: the ACK first, then the FIN (a FIN
/// that also acknowledges a SYN goes through ESTABLISHED to CLOSE-WAIT).
fn received(state: Inferred, r: Received) -> [Inferred; 2] {
    use State::*;
    if r.rst {
        return [Some(Closed); 2];
    }
    // §3.10.7.4, eighth step: a FIN that also acknowledges ours, in
    // FIN-WAIT-1, goes straight to TIME-WAIT.
    if state == Some(FinWait1) && r.fin && r.acks_fin {
        return [Some(TimeWait); 2];
    }
    let state = match state {
        Some(Listen) if r.syn => Some(SynReceived),
        Some(SynSent) if r.syn && r.acks_syn => Some(Established),
        // Both sent a SYN at once (§3.5, figure 8).
        Some(SynSent) if r.syn => Some(SynReceived),
        Some(SynReceived) if r.acks_syn => Some(Established),
        Some(FinWait1) if r.acks_fin => Some(FinWait2),
        Some(Closing) if r.acks_fin => Some(TimeWait),
        Some(LastAck) if r.acks_fin => Some(Closed),
        other => other,
    };
    if !r.fin {
        return [state; 2];
    }
    let after_fin = match state {
        None | Some(Established | SynReceived) => Some(CloseWait),
        Some(FinWait1) => Some(Closing),
        Some(FinWait2) => Some(TimeWait),
        other => other,
    };
    [state, after_fin]
}
