//! The send side of a connection: the send sequence space (RFC 9293
//! §3.3.1), the bytes written and not yet acknowledged (the retransmission
//! queue), and the persist state for a zero window (§3.8.6.1).

use super::ring_range;
use crate::tcp::{Config, RetransmitReason};
use crate::time::Instant;
use crate::wire::{SeqNumber, TcpRepr};
use std::collections::VecDeque;

/// MSS assumed when the peer sends none (RFC 9293 §3.7.1).
pub const DEFAULT_MSS: u16 = 536;

pub(super) struct SendSide {
    /// Initial send sequence number.
    pub iss: SeqNumber,
    /// Oldest unacknowledged sequence number.
    pub una: SeqNumber,
    /// Next sequence number to send; falls back to SND.UNA after a timeout
    /// (go-back-N).
    pub nxt: SeqNumber,
    /// One past the highest sequence number ever sent.
    pub max: SeqNumber,
    /// The peer's window, scaled.
    pub wnd: u32,
    /// Sequence and acknowledgment numbers of the segment that last set SND.WND.
    pub wl1: SeqNumber,
    pub wl2: SeqNumber,
    /// The largest window the peer has offered (for sender SWS avoidance).
    pub max_wnd: u32,
    /// Largest segment the peer takes.
    pub mss: u16,
    /// Shift applied to the peer's window field (RFC 7323).
    pub shift: u8,
    /// Bytes written and not yet acknowledged; `buf[0]` is at `buf_seq`.
    buf: VecDeque<u8>,
    buf_seq: SeqNumber,
    /// Where a segment's payload is joined when it wraps around `buf`.
    scratch: Vec<u8>,
    /// The application closed: a FIN follows the last byte.
    pub fin_queued: bool,
    /// A write did not fit: report `Writable` when space frees up.
    pub want_write: bool,
    /// What to send again at once, whatever the window says.
    pub retransmit_now: Option<RetransmitReason>,
    pub persist: Persist,
    /// When data was last sent, for restart after idle (RFC 5681 §4.1).
    pub last_data_sent: Option<Instant>,
}

/// Zero-window probing (RFC 9293 §3.8.6.1).
#[derive(Default)]
pub(super) struct Persist {
    /// The persist timer fired: send a probe.
    pub probe_now: bool,
    /// Sequence number of the last probe byte.
    pub probe_seq: Option<SeqNumber>,
    /// Doublings of the probe interval.
    pub backoff: u32,
    /// Probes sent since the peer last acknowledged anything.
    pub unanswered: u32,
    /// `ZeroWindow` was reported for the current stall.
    pub reported: bool,
}

impl SendSide {
    pub fn new(iss: SeqNumber) -> Self {
        SendSide {
            iss,
            una: iss,
            nxt: iss,
            max: iss,
            wnd: 0,
            wl1: SeqNumber(0),
            wl2: iss,
            max_wnd: 0,
            mss: DEFAULT_MSS,
            shift: 0,
            buf: VecDeque::new(),
            buf_seq: iss + 1,
            scratch: Vec::new(),
            fin_queued: false,
            want_write: false,
            retransmit_now: None,
            persist: Persist::default(),
            last_data_sent: None,
        }
    }

    /// Every sequence number is acknowledged up to `ack` (a cookie's
    /// connection, whose SYN,ACK was never stored).
    pub fn synchronized_at(&mut self, ack: SeqNumber) {
        self.una = ack;
        self.nxt = ack;
        self.max = ack;
        self.wl2 = ack;
    }

    /// Sequence number after the last byte written.
    pub fn data_end(&self) -> SeqNumber {
        self.buf_seq + self.buf.len()
    }

    /// Bytes sent (this time round) and not yet acknowledged.
    pub fn flight(&self) -> usize {
        self.nxt.since(self.una)
    }

    /// Bytes ever sent and not yet acknowledged.
    pub fn outstanding(&self) -> usize {
        self.max.since(self.una)
    }

    /// Bytes written and not yet acknowledged.
    pub fn queued(&self) -> usize {
        self.buf.len()
    }

    pub fn space(&self, config: &Config) -> usize {
        config.send_buffer.saturating_sub(self.buf.len())
    }

    /// Our FIN has been acknowledged.
    pub fn fin_acked(&self) -> bool {
        self.fin_queued && self.una == self.data_end() + 1
    }

    /// Takes what fits of `data`; returns how much.
    pub fn write(&mut self, config: &Config, data: &[u8]) -> usize {
        let n = data.len().min(self.space(config));
        self.buf.extend(&data[..n]);
        self.want_write = n < data.len();
        n
    }

    /// SND.UNA advances to `ack`: frees the acknowledged bytes and returns
    /// how many there were.
    pub fn acknowledge(&mut self, ack: SeqNumber) -> usize {
        let acked = ack.since(self.buf_seq).min(self.buf.len());
        self.buf.drain(..acked);
        self.buf_seq += acked;
        self.una = ack;
        self.nxt = self.nxt.max(ack);
        self.max = self.max.max(ack);
        acked
    }

    /// Takes the send window from the newest segment only (RFC 9293
    /// §3.10.7.4: SND.WL1 and SND.WL2 tell which is newest).
    pub fn update_window(&mut self, seg: &TcpRepr<'_>) {
        let newer = self.wl1 < seg.seq || (self.wl1 == seg.seq && self.wl2 <= seg.ack);
        if self.una <= seg.ack && newer {
            self.wnd = (seg.window as u32) << self.shift;
            self.max_wnd = self.max_wnd.max(self.wnd);
            self.wl1 = seg.seq;
            self.wl2 = seg.ack;
        }
    }

    /// Up to `len` bytes from `seq`, clipped to what is buffered.
    pub fn payload(&mut self, seq: SeqNumber, len: usize) -> &[u8] {
        // A FIN or a pure ACK may sit past the buffered bytes.
        let offset = seq.since(self.buf_seq).min(self.buf.len());
        let len = len.min(self.buf.len() - offset);
        match ring_range(&self.buf, offset, len) {
            (whole, []) => whole,
            (head, tail) => {
                // The range wraps around the ring: join it in a scratch buffer.
                self.scratch.clear();
                self.scratch.extend_from_slice(head);
                self.scratch.extend_from_slice(tail);
                &self.scratch
            }
        }
    }
}
