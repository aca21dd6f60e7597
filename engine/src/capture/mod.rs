//! Real captures: the TCP connections in a pcap or pcapng file, read in
//! memory (no I/O here either: the caller hands over the bytes).

pub mod analysis;
pub mod file;
pub mod packet;
pub mod replay;
pub mod states;

pub use analysis::{Analysis, Mark, Marks};
pub use file::{FileError, Frame};
pub use packet::{Skipped, TcpPacket};
pub use states::{StateTimeline, Vantage};
use std::net::SocketAddr;

/// One TCP connection in a capture (Wireshark's "stream"): the packets
/// between two endpoints, `a` being the one seen sending first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub a: SocketAddr,
    pub b: SocketAddr,
    pub packets: Vec<TcpPacket>,
}

impl Conversation {
    /// Payload bytes sent by `a` (true) or `b` (false).
    pub fn bytes(&self, from_a: bool) -> u64 {
        self.packets
            .iter()
            .filter(|p| (p.src == self.a) == from_a)
            .map(|p| u64::from(p.len))
            .sum()
    }

    pub fn duration_us(&self) -> i64 {
        match (self.packets.first(), self.packets.last()) {
            (Some(first), Some(last)) => last.time_us.saturating_sub(first.time_us),
            _ => 0,
        }
    }

    /// The capture holds the handshake: a SYN, and a SYN-ACK the other way.
    pub fn handshake_seen(&self) -> bool {
        let syn_from = |ack: bool| {
            self.packets
                .iter()
                .find(|p| p.flags.syn() && p.flags.ack() == ack)
                .map(|p| p.src)
        };
        matches!((syn_from(false), syn_from(true)), (Some(c), Some(s)) if c != s)
    }

    /// The number `from`'s sequence space starts at, as far as the packets
    /// so far tell: its SYN's, one before its first segment's, or one
    /// before the other side's first acknowledgment.
    fn base_seq(&self, from: SocketAddr) -> Option<u32> {
        self.packets.iter().find_map(|q| match () {
            _ if q.src == from && q.flags.syn() => Some(q.seq),
            _ if q.src == from => Some(q.seq.wrapping_sub(1)),
            _ if q.flags.ack() => Some(q.ack.wrapping_sub(1)),
            _ => None,
        })
    }

    /// The capture holds the close: a FIN from each side, or an RST.
    pub fn close_seen(&self) -> bool {
        let fin_from = |who: SocketAddr| self.packets.iter().any(|p| p.flags.fin() && p.src == who);
        (fin_from(self.a) && fin_from(self.b)) || self.packets.iter().any(|p| p.flags.rst())
    }
}

/// What a file holds.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    pub frames: usize,
    pub conversations: Vec<Conversation>,
    /// Frames with no TCP segment to show, and why (frame number, reason).
    pub skipped: Vec<(usize, Skipped)>,
    /// What stopped the reading early, if anything.
    pub problem: Option<FileError>,
}

impl Capture {
    /// The one to show first: the one with the most packets (the first of
    /// those, if several tie).
    pub fn busiest(&self) -> Option<usize> {
        (0..self.conversations.len())
            .rev()
            .max_by_key(|&i| self.conversations[i].packets.len())
    }
}

/// Reads `bytes` and groups its TCP segments into conversations, in the
/// order each was first seen. A SYN that starts a new sequence space on a
/// known pair of ports starts a new conversation, as Wireshark's reused
/// ports do.
pub fn open(bytes: &[u8]) -> Result<Capture, FileError> {
    open_with(bytes, |_, _| {})
}

/// The same, telling `progress` how many frames of how many are done, now
/// and then (for a progress bar).
pub fn open_with(bytes: &[u8], mut progress: impl FnMut(usize, usize)) -> Result<Capture, FileError> {
    let packets = file::read(bytes)?;
    let total = packets.frames.len();
    let mut capture = Capture {
        frames: packets.frames.len(),
        problem: packets.problem,
        ..Capture::default()
    };
    let mut latest: std::collections::HashMap<(SocketAddr, SocketAddr), usize> = std::collections::HashMap::new();
    for (done, frame) in packets.frames.iter().enumerate() {
        if done % 8192 == 0 {
            progress(done, total);
        }
        let p = match packet::decode(frame) {
            Ok(p) => p,
            Err(why) => {
                capture.skipped.push((frame.number, why));
                continue;
            }
        };
        // The latest conversation on this pair of endpoints, either way.
        let pair = if p.src <= p.dst { (p.src, p.dst) } else { (p.dst, p.src) };
        let reuses_ports =
            |c: &Conversation| p.flags.syn() && !p.flags.ack() && c.base_seq(p.src).is_some_and(|base| base != p.seq);
        match latest.get(&pair).copied() {
            Some(i) if !reuses_ports(&capture.conversations[i]) => capture.conversations[i].packets.push(p),
            _ => {
                latest.insert(pair, capture.conversations.len());
                capture.conversations.push(Conversation {
                    a: p.src,
                    b: p.dst,
                    packets: vec![p],
                });
            }
        }
    }
    Ok(capture)
}
