//! Wireshark-style analysis marks for one conversation: which segments are
//! retransmissions, duplicate ACKs, window probes and so on, decided from
//! what the capture shows alone, by the rules tshark 4.0 uses
//! (`docs/capture-analysis-notes.md` sets them out in order), so that a
//! learner who opens the same file in Wireshark sees the same marks.

use super::{Conversation, TcpPacket};
use crate::wire::{SeqNumber, TcpFlags};

/// One thing the analysis can say about a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    Retransmission,
    FastRetransmission,
    SpuriousRetransmission,
    OutOfOrder,
    PreviousSegmentNotCaptured,
    AckedUnseenSegment,
    DuplicateAck,
    ZeroWindow,
    ZeroWindowProbe,
    ZeroWindowProbeAck,
    WindowUpdate,
    WindowFull,
    KeepAlive,
    KeepAliveAck,
    Reset,
}

impl Mark {
    pub const ALL: [Mark; 15] = [
        Mark::Retransmission,
        Mark::FastRetransmission,
        Mark::SpuriousRetransmission,
        Mark::OutOfOrder,
        Mark::PreviousSegmentNotCaptured,
        Mark::AckedUnseenSegment,
        Mark::DuplicateAck,
        Mark::ZeroWindow,
        Mark::ZeroWindowProbe,
        Mark::ZeroWindowProbeAck,
        Mark::WindowUpdate,
        Mark::WindowFull,
        Mark::KeepAlive,
        Mark::KeepAliveAck,
        Mark::Reset,
    ];

    /// Wireshark's display-filter field for the same mark.
    pub const fn tshark_field(self) -> &'static str {
        match self {
            Mark::Retransmission => "tcp.analysis.retransmission",
            Mark::FastRetransmission => "tcp.analysis.fast_retransmission",
            Mark::SpuriousRetransmission => "tcp.analysis.spurious_retransmission",
            Mark::OutOfOrder => "tcp.analysis.out_of_order",
            Mark::PreviousSegmentNotCaptured => "tcp.analysis.lost_segment",
            Mark::AckedUnseenSegment => "tcp.analysis.ack_lost_segment",
            Mark::DuplicateAck => "tcp.analysis.duplicate_ack",
            Mark::ZeroWindow => "tcp.analysis.zero_window",
            Mark::ZeroWindowProbe => "tcp.analysis.zero_window_probe",
            Mark::ZeroWindowProbeAck => "tcp.analysis.zero_window_probe_ack",
            Mark::WindowUpdate => "tcp.analysis.window_update",
            Mark::WindowFull => "tcp.analysis.window_full",
            Mark::KeepAlive => "tcp.analysis.keep_alive",
            Mark::KeepAliveAck => "tcp.analysis.keep_alive_ack",
            Mark::Reset => "tcp.flags.reset",
        }
    }

    /// The label, as Wireshark's Info column writes it.
    pub const fn label(self) -> &'static str {
        match self {
            Mark::Retransmission => "Retransmission",
            Mark::FastRetransmission => "Fast Retransmission",
            Mark::SpuriousRetransmission => "Spurious Retransmission",
            Mark::OutOfOrder => "Out-Of-Order",
            Mark::PreviousSegmentNotCaptured => "Previous segment not captured",
            Mark::AckedUnseenSegment => "ACKed unseen segment",
            Mark::DuplicateAck => "Dup ACK",
            Mark::ZeroWindow => "Zero Window",
            Mark::ZeroWindowProbe => "Zero Window Probe",
            Mark::ZeroWindowProbeAck => "Zero Window Probe ACK",
            Mark::WindowUpdate => "Window Update",
            Mark::WindowFull => "Window Full",
            Mark::KeepAlive => "Keep-Alive",
            Mark::KeepAliveAck => "Keep-Alive ACK",
            Mark::Reset => "RST",
        }
    }

    /// What the mark means, in plain words.
    pub const fn meaning(self) -> &'static str {
        match self {
            Mark::Retransmission => {
                "This data was sent before: the sender is sending it again, most likely because its retransmission timer ran out (RFC 6298)."
            }
            Mark::FastRetransmission => {
                "Sent again right after the receiver repeated the same ACK: duplicate ACKs told the sender this segment was lost, so it did not wait for its timer (RFC 5681 §3.2)."
            }
            Mark::SpuriousRetransmission => {
                "Sent again although the receiver had already acknowledged it: the first copy (or its ACK) was only late, not lost."
            }
            Mark::OutOfOrder => {
                "Starts before the highest number this side has sent, and came too soon after it to be a resend: the network delivered segments in a different order."
            }
            Mark::PreviousSegmentNotCaptured => {
                "Starts beyond the end of the last segment seen from this side: something in between was lost before the capture point, or the capture missed it."
            }
            Mark::AckedUnseenSegment => {
                "Acknowledges data the capture never showed: the receiver got a segment that this capture did not see."
            }
            Mark::DuplicateAck => {
                "The same ACK again, with nothing new: the receiver got a segment it cannot use yet, because one before it is missing (RFC 5681 §2)."
            }
            Mark::ZeroWindow => "The sender of this segment has no room left: its receive window is 0, so the other side must stop sending data.",
            Mark::ZeroWindowProbe => {
                "One byte sent into a zero window, to ask whether room has opened up (RFC 9293 §3.8.6.1)."
            }
            Mark::ZeroWindowProbeAck => "The answer to a zero-window probe: still no room.",
            Mark::WindowUpdate => "Nothing new but a different window: the receiver tells the sender how much room it has now.",
            Mark::WindowFull => "This segment fills the receiver's window exactly: the sender cannot send more until an ACK opens it.",
            Mark::KeepAlive => {
                "A keep-alive: one sequence number behind, to make the other side answer and show it is still there (RFC 9293 §3.8.4)."
            }
            Mark::KeepAliveAck => "The answer to a keep-alive: the same ACK as before.",
            Mark::Reset => "A reset: the connection is aborted at once, with no close handshake (RFC 9293 §3.5.2).",
        }
    }
}

/// A set of marks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Marks(u16);

impl Marks {
    pub fn insert(&mut self, mark: Mark) {
        self.0 |= 1 << mark as u16;
    }

    pub fn contains(self, mark: Mark) -> bool {
        self.0 & (1 << mark as u16) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Mark> {
        Mark::ALL.into_iter().filter(move |&m| self.contains(m))
    }

    /// As tshark shows them: a fast or spurious retransmission is also a
    /// retransmission.
    pub fn as_tshark_shows(self) -> Marks {
        let mut out = self;
        if self.contains(Mark::FastRetransmission) || self.contains(Mark::SpuriousRetransmission) {
            out.insert(Mark::Retransmission);
        }
        out
    }
}

/// What the analysis says of one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    pub marks: Marks,
    /// For a duplicate ACK: how many so far (1 for the first repeat), and
    /// the frame of the ACK it repeats.
    pub dup_ack: Option<(u32, usize)>,
    /// After a segment with data: its sender's bytes not yet acknowledged,
    /// as the capture shows them (tshark's "bytes in flight").
    pub bytes_in_flight: Option<u32>,
    /// The window this segment advertises, in bytes: shifted by its
    /// sender's scale once the handshake showed it (RFC 7323 §2.3; a SYN's
    /// window is never scaled), as captured otherwise.
    pub window: u32,
}

/// What one direction has shown so far. Sequence numbers are the raw ones;
/// 0 stands for "not seen yet", as in Wireshark.
#[derive(Clone, Debug)]
struct Direction {
    next_seq: u32,
    next_seq_time: i64,
    max_seq_to_be_acked: u32,
    last_ack: u32,
    last_ack_time: i64,
    last_non_dup_ack: usize,
    dup_acks: u32,
    /// The last window sent, unscaled (`u32::MAX` before any).
    window: u32,
    /// `None`: not known yet; `Some(None)`: no scaling on this connection.
    scale: Option<Option<u8>>,
    last_marks: Marks,
    /// Where relative numbers start: the SYN's seq, else one before the
    /// first seq or ack seen.
    base_seq: Option<u32>,
    /// Segments sent and not yet acknowledged: (seq, next seq).
    unacked: Vec<(u32, u32)>,
    /// Bytes in flight are counted only from an ACK after a gap.
    valid_in_flight: bool,
    /// The SACK blocks of this direction's last segment (tshark keeps up to
    /// three).
    sacked: Vec<(u32, u32)>,
}

impl Default for Direction {
    fn default() -> Self {
        Direction {
            next_seq: 0,
            next_seq_time: 0,
            max_seq_to_be_acked: 0,
            last_ack: 0,
            last_ack_time: 0,
            last_non_dup_ack: 0,
            dup_acks: 0,
            window: u32::MAX,
            scale: None,
            last_marks: Marks::default(),
            base_seq: None,
            unacked: Vec::new(),
            valid_in_flight: true,
            sacked: Vec::new(),
        }
    }
}

fn lt(a: u32, b: u32) -> bool {
    SeqNumber(a) < SeqNumber(b)
}

/// Marks for each packet of `conversation`, in order.
pub fn analyze(conversation: &Conversation) -> Vec<Analysis> {
    let mut dirs = [Direction::default(), Direction::default()];
    // Wireshark keeps times as "zero means not known", so a SYN stamped
    // 0 s (as the engine's own captures start) gives no round-trip time.
    let mut last_syn_time = 0;
    let mut first_rtt_us = 0;
    conversation
        .packets
        .iter()
        .map(|p| {
            let from_a = p.src == conversation.a;
            let (fwd_i, rev_i) = if from_a { (0, 1) } else { (1, 0) };
            if p.flags.syn() {
                note_window_scale(&mut dirs, fwd_i, rev_i, p);
            }
            let [a, b] = &mut dirs;
            let (fwd, rev) = if from_a { (a, b) } else { (b, a) };
            // Out of order means sooner after the highest segment than one
            // round trip of the handshake (3 ms when it was not seen).
            let threshold = if first_rtt_us == 0 { 3_000 } else { first_rtt_us };
            let analysis = analyze_one(p, fwd, rev, threshold);
            if p.flags.syn() && !p.flags.ack() {
                last_syn_time = p.time_us;
            } else if p.flags.ack() && !p.flags.syn() && last_syn_time != 0 && first_rtt_us == 0 {
                first_rtt_us = p.time_us.saturating_sub(last_syn_time);
            }
            analysis
        })
        .collect()
}

/// A SYN's window scale option, or its absence, which turns scaling off
/// for both directions (RFC 7323 §2.2).
fn note_window_scale(dirs: &mut [Direction; 2], fwd: usize, rev: usize, p: &TcpPacket) {
    match p.window_scale {
        Some(shift) => {
            dirs[fwd].scale = Some(Some(shift));
            if p.flags.ack() && dirs[rev].scale == Some(None) {
                dirs[fwd].scale = Some(None);
            }
        }
        None => {
            dirs[fwd].scale = Some(None);
            dirs[rev].scale = Some(None);
        }
    }
}

fn analyze_one(p: &TcpPacket, fwd: &mut Direction, rev: &mut Direction, first_rtt_us: i64) -> Analysis {
    let (seq, ack, len) = (p.seq, p.ack, p.len);
    let window = u32::from(p.window);
    let mut out = Analysis {
        window: match fwd.scale {
            Some(Some(shift)) if !p.flags.syn() => window << shift.min(14),
            _ => window,
        },
        ..Analysis::default()
    };
    let marks = &mut out.marks;
    let no_syn_fin_rst = p.flags.0 & (TcpFlags::SYN.0 | TcpFlags::FIN.0 | TcpFlags::RST.0) == 0;
    if fwd.base_seq.is_none() {
        fwd.base_seq = Some(if p.flags.syn() { seq } else { seq.wrapping_sub(1) });
    }
    if p.flags.ack() {
        rev.base_seq.get_or_insert(ack.wrapping_sub(1));
        rev.valid_in_flight = true;
    }
    if p.flags.rst() {
        marks.insert(Mark::Reset);
    }
    let same_ack_nothing_new = len == 0 && seq == fwd.next_seq && ack == fwd.last_ack && no_syn_fin_rst;

    'checks: {
        if len == 1 && seq == fwd.next_seq && rev.window == 0 {
            marks.insert(Mark::ZeroWindowProbe);
            break 'checks;
        }
        if window == 0 && no_syn_fin_rst {
            marks.insert(Mark::ZeroWindow);
        }
        if fwd.next_seq != 0 && lt(fwd.next_seq, seq) && !p.flags.rst() {
            marks.insert(Mark::PreviousSegmentNotCaptured);
            fwd.valid_in_flight = false;
        }
        if len <= 1 && seq == fwd.next_seq.wrapping_sub(1) && no_syn_fin_rst {
            marks.insert(Mark::KeepAlive);
        }
        if same_ack_nothing_new && window != 0 && window != fwd.window {
            marks.insert(Mark::WindowUpdate);
        }
        if len > 0 && no_syn_fin_rst {
            if let Some(scale) = rev.scale {
                let room = rev.window.checked_shl(u32::from(scale.unwrap_or(0))).unwrap_or(0);
                if seq.wrapping_add(len) == rev.last_ack.wrapping_add(room) {
                    marks.insert(Mark::WindowFull);
                }
            }
        }
        if same_ack_nothing_new && window == fwd.window {
            if window != 0 && rev.last_marks.contains(Mark::KeepAlive) {
                marks.insert(Mark::KeepAliveAck);
                break 'checks;
            }
            if window == 0 && rev.last_marks.contains(Mark::ZeroWindowProbe) {
                marks.insert(Mark::ZeroWindowProbeAck);
                break 'checks;
            }
            if window != 0 {
                fwd.dup_acks = fwd.dup_acks.wrapping_add(1);
                marks.insert(Mark::DuplicateAck);
                out.dup_ack = Some((fwd.dup_acks, fwd.last_non_dup_ack));
            }
        }
    }

    if ack != fwd.last_ack {
        fwd.last_non_dup_ack = p.frame;
        fwd.dup_acks = 0;
    }
    if p.flags.ack() && rev.max_seq_to_be_acked != 0 && lt(rev.max_seq_to_be_acked, ack) {
        if lt(rev.max_seq_to_be_acked, rev.next_seq) {
            rev.max_seq_to_be_acked = rev.next_seq;
            marks.insert(Mark::AckedUnseenSegment);
        } else {
            // tshark 4.0 marks only the first such ACK, and flags that by
            // setting the duplicate-ACK count to -1 (an unsigned counter).
            if rev.dup_acks == 0 {
                marks.insert(Mark::AckedUnseenSegment);
            }
            rev.dup_acks = u32::MAX;
        }
    }

    let takes_seq_space = len > 0 || p.flags.syn() || p.flags.fin();
    if takes_seq_space && !marks.contains(Mark::KeepAlive) {
        // Data right after a zero-window probe repeats the probe's byte.
        let after_probe = len > 1 && seq == fwd.next_seq.wrapping_sub(1);
        let not_advanced = fwd.next_seq != 0 && lt(seq, fwd.next_seq) && !after_probe;
        let end = seq.wrapping_add(len);
        let since_other_side = p.time_us.saturating_sub(rev.last_ack_time);
        let since_highest = p.time_us.saturating_sub(fwd.next_seq_time);
        let extra = u32::from(p.flags.syn() || p.flags.fin());
        if len > 0 && rev.last_ack != 0 && !lt(rev.last_ack, end) {
            marks.insert(Mark::SpuriousRetransmission);
        } else if not_advanced && rev.dup_acks >= 2 && rev.last_ack == seq && since_other_side < 20_000 {
            marks.insert(Mark::FastRetransmission);
        } else if not_advanced && since_highest < first_rtt_us && fwd.next_seq != end.wrapping_add(extra) {
            marks.insert(Mark::OutOfOrder);
        } else if not_advanced {
            marks.insert(Mark::Retransmission);
        }
    }

    let probe = out.marks.contains(Mark::ZeroWindowProbe);
    let next = seq
        .wrapping_add(len)
        .wrapping_add(u32::from(p.flags.syn() || p.flags.fin()));
    if takes_seq_space && fwd.unacked.len() < MAX_UNACKED {
        fwd.unacked.push((seq, next));
    }
    if (fwd.next_seq == 0 || lt(fwd.next_seq, next)) && !probe {
        fwd.next_seq = next;
        fwd.next_seq_time = p.time_us;
    }
    if (seq == fwd.max_seq_to_be_acked || fwd.max_seq_to_be_acked == 0) && !probe {
        fwd.max_seq_to_be_acked = fwd.next_seq;
    }
    fwd.window = window;
    fwd.last_ack = ack;
    fwd.last_ack_time = p.time_us;
    fwd.last_marks = out.marks;
    forget_acknowledged(&mut rev.unacked, ack);
    if len > 0 && fwd.valid_in_flight {
        // What the receiver reported by SACK has arrived.
        let delivered = rev
            .sacked
            .iter()
            .fold(0u32, |sum, &(l, r)| sum.wrapping_add(r.wrapping_sub(l)));
        out.bytes_in_flight = in_flight(fwd)
            .map(|f| f.wrapping_sub(delivered))
            .filter(|&f| f > 0 && f < 2_000_000_000)
            .map(|f| f - u32::from(p.flags.syn() || p.flags.fin()));
    }
    fwd.sacked = p.sack.iter().copied().take(3).collect();
    out
}

/// How many unacknowledged segments a direction keeps (beyond that, the
/// ACKs are probably not in the capture).
const MAX_UNACKED: usize = 10_000;

/// Drops what `ack` acknowledges, and trims what it acknowledges in part.
fn forget_acknowledged(unacked: &mut Vec<(u32, u32)>, ack: u32) {
    unacked.retain_mut(|(seq, next)| {
        if lt(*seq, ack) && !lt(*next, ack) && *next != ack {
            *seq = ack;
        }
        lt(ack, *next)
    });
}

/// The span of sequence numbers a direction has sent and not had
/// acknowledged: from its lowest unacknowledged byte to its highest, as
/// tshark counts "bytes in flight" by default.
fn in_flight(d: &Direction) -> Option<u32> {
    let base = d.base_seq?;
    let first = d.unacked.iter().map(|u| u.0.wrapping_sub(base)).min()?;
    let last = d.unacked.iter().map(|u| u.1.wrapping_sub(base)).max()?;
    Some(last.wrapping_sub(first))
}
