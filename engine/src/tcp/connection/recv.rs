//! The receive side of a connection: the receive sequence space (RFC 9293
//! §3.3.1), the acceptability test and trimming of arriving segments
//! (§3.10.7.4), in-order delivery with reassembly, the window we
//! advertise (§3.8.6), and what the ACK policy owes.

use super::ring_range;
use crate::tcp::reassembly::Reassembly;
use crate::tcp::{Config, MODERN};
use crate::wire::{SackBlocks, SeqNumber, TcpRepr};
use std::collections::VecDeque;

/// Largest window-scale shift (RFC 7323 §2.3).
pub const MAX_WINDOW_SCALE: u8 = 14;

pub(super) struct RecvSide {
    /// The peer's initial sequence number.
    pub irs: SeqNumber,
    /// Next sequence number expected.
    pub nxt: SeqNumber,
    /// Right edge of the window we advertised; never moves left.
    pub adv: SeqNumber,
    /// Shift applied to our window field (RFC 7323).
    pub shift: u8,
    /// Our window-scale offer, while the SYN exchange may still use it.
    pub offer_shift: Option<u8>,
    /// In-order bytes the application has not read.
    buf: VecDeque<u8>,
    reassembly: Reassembly,
    /// The peer's FIN arrived (in order).
    pub fin_received: bool,
    /// An ACK is owed; it rides on the next segment sent.
    pub ack_pending: bool,
    /// In-order segments received since the last ACK (delayed ACK policy).
    pub unacked_segments: u32,
    /// First bytes of segments held out of order, newest first: the SACK
    /// blocks to report, in the order RFC 2018 §4 asks.
    sack_recent: Vec<SeqNumber>,
    /// A duplicate to report first in the next ACK (D-SACK, RFC 2883 §4).
    pub dsack: Option<(SeqNumber, SeqNumber)>,
    /// Timestamps, once both SYNs carried them (RFC 7323 §3.2).
    pub ts: Option<TsRecent>,
}

/// RFC 7323 §4.3: the TSval to echo, and the ACK number we last sent,
/// which decides whether an arriving TSval may replace it.
#[derive(Clone, Copy, Debug)]
pub(super) struct TsRecent {
    pub recent: u32,
    pub last_ack_sent: SeqNumber,
}

/// What became of arriving text.
pub(super) enum Delivery {
    /// Held beyond a gap; the sender must hear of the gap at once. `new`
    /// is false when every byte was already held.
    OutOfOrder { new: bool },
    /// In order: `filled_hole` if it closed a gap, `fin` if the peer's FIN
    /// is now next.
    InOrder { filled_hole: bool, fin: bool },
}

impl RecvSide {
    pub fn new(config: &Config) -> Self {
        RecvSide {
            irs: SeqNumber(0),
            nxt: SeqNumber(0),
            adv: SeqNumber(0),
            shift: 0,
            offer_shift: config.window_scale.map(|s| s.min(MAX_WINDOW_SCALE)),
            buf: VecDeque::new(),
            reassembly: Reassembly::default(),
            fin_received: false,
            ack_pending: false,
            unacked_segments: 0,
            sack_recent: Vec::new(),
            dsack: None,
            ts: None,
        }
    }

    /// The peer's SYN carried `irs`.
    pub fn synchronize(&mut self, irs: SeqNumber) {
        self.irs = irs;
        self.nxt = irs + 1;
        self.adv = self.nxt;
    }

    /// RCV.WND: room between RCV.NXT and the edge we advertised.
    pub fn window(&self) -> usize {
        self.adv.since(self.nxt)
    }

    pub fn readable(&self) -> usize {
        self.buf.len()
    }

    /// The peer has closed and every byte it sent has been read.
    pub fn at_eof(&self) -> bool {
        self.fin_received && self.buf.is_empty()
    }

    /// Hands up to `max` in-order bytes to `sink` (as the one or two slices
    /// they occupy in the buffer) and frees them.
    pub fn read(&mut self, max: usize, sink: impl FnOnce(&[u8], &[u8])) -> usize {
        let n = max.min(self.buf.len());
        let (head, tail) = ring_range(&self.buf, 0, n);
        sink(head, tail);
        self.buf.drain(..n);
        n
    }

    /// Moves the advertised right edge to the free buffer space, but only
    /// by at least min(buffer/2, MSS) at a time (receiver-side silly window
    /// avoidance, RFC 9293 §3.8.6.2.2), and never to the left (§3.8.6).
    /// Returns true if the edge moved.
    pub fn update_adv(&mut self, config: &Config) -> bool {
        let max_window = (u16::MAX as usize) << self.shift;
        let free = config.recv_buffer.saturating_sub(self.buf.len()).min(max_window);
        let edge = self.nxt + free;
        let step = (config.recv_buffer / 2).min(config.mss as usize).max(1);
        let grows = edge.since(self.adv);
        if self.adv < self.nxt || grows >= step || (grows > 0 && free == config.recv_buffer) {
            self.adv = edge;
            return true;
        }
        false
    }

    /// The window field of a segment sent now. A scaled window is
    /// announced in whole units of 2^shift, rounded up so that a window
    /// under one unit is not scaled away to zero (as Linux does); the edge
    /// moves out to what is announced.
    pub fn advertise(&mut self, config: &Config) -> u16 {
        self.update_adv(config);
        let window = self.window().div_ceil(1 << self.shift).min(u16::MAX as usize);
        self.adv = self.adv.max(self.nxt + (window << self.shift));
        window as u16
    }

    /// The four cases of the acceptability test (RFC 9293 §3.10.7.4).
    pub fn acceptable(&self, seg: &TcpRepr<'_>) -> bool {
        let wnd = self.window();
        let len = seg.seq_len();
        let in_window = |s: SeqNumber| self.nxt <= s && s < self.nxt + wnd;
        match (len, wnd) {
            (0, 0) => seg.seq == self.nxt,
            // A pure ACK sent when our window was exactly full carries
            // SEG.SEQ = RCV.NXT + RCV.WND; the strict test would drop its ACK
            // and stall both sides, so the right edge is included (as Linux does).
            (0, _) => self.nxt <= seg.seq && seg.seq <= self.nxt + wnd,
            (_, 0) => false,
            (_, _) => in_window(seg.seq) || in_window(seg.seq + (len - 1)),
        }
    }

    /// RFC 9293 §3.10.7.4: "If the RCV.WND is zero, no segments will be
    /// acceptable, but special allowance should be made to accept valid
    /// ACKs": the ACK field of a segment at exactly RCV.NXT is still
    /// processed, its data is not. From any other number it is not valid
    /// (the acceptability table), or a blind attacker could move our window.
    pub fn zero_window_ack(&self, seg: &TcpRepr<'_>) -> bool {
        self.window() == 0 && seg.seq == self.nxt && seg.flags.ack() && !seg.flags.rst() && !seg.flags.syn()
    }

    /// Cuts off what lies before RCV.NXT or beyond the window.
    pub fn trim<'s>(&self, seg: &TcpRepr<'s>) -> (SeqNumber, &'s [u8], bool) {
        let mut payload = seg.payload;
        let mut fin = seg.flags.fin();
        let mut seq = seg.seq;
        let skip = self.nxt.since(seq);
        if skip > 0 {
            if skip > payload.len() {
                // The FIN, too, lies before RCV.NXT: nothing new here.
                fin = false;
                payload = &[];
            } else {
                payload = &payload[skip..];
            }
            seq = self.nxt;
        }
        let room = self.window().saturating_sub(seq.since(self.nxt));
        if payload.len() > room {
            payload = &payload[..room];
            fin = false;
        }
        (seq, payload, fin)
    }

    /// Text (and a FIN) inside the window: in order to the application,
    /// the rest held for later.
    pub fn deliver(&mut self, seq: SeqNumber, payload: &[u8], fin: bool) -> Delivery {
        if seq != self.nxt {
            let offset = seq.since(self.nxt);
            let new = self.reassembly.insert(offset, payload);
            if fin {
                self.reassembly.set_fin(offset + payload.len());
            }
            return Delivery::OutOfOrder { new };
        }
        let filled_hole = !self.reassembly.is_empty();
        let payload = &payload[..self.reassembly.room_before_fin(0, payload.len())];
        self.buf.extend(payload);
        self.nxt += payload.len();
        let fin = if fin {
            // Nothing can follow a FIN: anything held beyond it is bogus.
            self.reassembly.clear();
            true
        } else {
            let before = self.buf.len();
            let fin_next = self.reassembly.advance(payload.len(), &mut self.buf);
            self.nxt += self.buf.len() - before;
            fin_next
        };
        if fin {
            self.nxt += 1;
            self.fin_received = true;
        }
        Delivery::InOrder { filled_hole, fin }
    }
}

impl RecvSide {
    /// Timestamps, if both SYNs carried them (and this build has them).
    pub fn ts(&self) -> Option<TsRecent> {
        self.ts.filter(|_| MODERN)
    }

    pub fn ts_mut(&mut self) -> Option<&mut TsRecent> {
        self.ts.as_mut().filter(|_| MODERN)
    }

    /// Data starting at `seq` arrived out of order: its block is the first
    /// to report (RFC 2018 §4).
    pub fn note_out_of_order(&mut self, seq: SeqNumber) {
        self.sack_recent.retain(|&s| s != seq);
        self.sack_recent.insert(0, seq);
    }

    /// Data is held beyond a gap, or a duplicate awaits its D-SACK.
    pub fn holds_out_of_order(&self) -> bool {
        !self.reassembly.is_empty() || self.dsack.is_some()
    }

    /// The SACK blocks for an ACK sent now, at most `room` (RFC 2018 §4):
    /// a pending D-SACK first (RFC 2883), then the block holding the newest
    /// out-of-order arrival, then the others most recent first.
    pub fn sack_blocks(&mut self, room: usize) -> SackBlocks {
        let mut blocks = SackBlocks::default();
        if let Some((left, right)) = self.dsack.take() {
            blocks.push(left, right);
        }
        let first_sack = blocks.len();
        let nxt = self.nxt;
        let reassembly = &self.reassembly;
        let mut reported: Vec<(SeqNumber, SeqNumber)> = Vec::new();
        // Forget arrivals that are now in order or in a block already named.
        self.sack_recent.retain(|&seq| {
            let run = (seq > nxt).then(|| reassembly.run_around(seq.since(nxt))).flatten();
            let Some((left, right)) = run else {
                return false;
            };
            let block = (nxt + left, nxt + right);
            if reported.contains(&block) {
                return false;
            }
            reported.push(block);
            true
        });
        for &(left, right) in reported.iter().take(room.saturating_sub(first_sack)) {
            blocks.push(left, right);
        }
        blocks.truncate(room);
        blocks
    }
}
