//! What an endpoint reports about itself: the observer hook. The UI and the
//! trace consume these; they never compute protocol facts themselves.

use super::{Phase, State};
use crate::time::{Duration, Instant};
use crate::wire::SeqNumber;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A connection (or listener) on one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnId(pub u32);

/// The per-connection timers (RFC 9293 §3.8, RFC 6298).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Retransmission timeout, for data, SYN and FIN.
    Retransmit,
    /// Zero-window probe timer (RFC 9293 §3.8.6.1).
    Persist,
    /// Delayed ACK (RFC 9293 §3.8.6.3).
    DelayedAck,
    /// 2 × MSL wait before the closing side forgets the connection.
    TimeWait,
    /// RACK's reordering timer: a segment not yet overdue may become
    /// lost (RFC 8985 §6.2). (Only builds with modern TCP arm it.)
    Reorder,
    /// The tail loss probe's timer, the PTO (RFC 8985 §7.2).
    LossProbe,
    /// A paced sender's next segment may leave (BBR draft §4.6.2).
    Pace,
}

impl Timer {
    pub const COUNT: usize = 7;
    /// In the order they fire when due together: a loss probe due with
    /// the RTO goes first and pushes it back (RFC 8985 §7.2 caps the PTO at
    /// the RTO: one timer, the probe's).
    pub const ALL: [Timer; Timer::COUNT] = [
        Timer::LossProbe,
        Timer::Retransmit,
        Timer::Persist,
        Timer::DelayedAck,
        Timer::TimeWait,
        Timer::Reorder,
        Timer::Pace,
    ];
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// How a connection ended badly, as an application sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnError {
    /// RST in answer to our SYN: nobody listens there (ECONNREFUSED).
    Refused,
    /// RST on an open connection (ECONNRESET).
    Reset,
    /// Retransmissions ran out (ETIMEDOUT).
    TimedOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetransmitReason {
    /// The retransmission timer expired.
    Timeout,
    /// Three duplicate ACKs (RFC 5681 §3.2).
    FastRetransmit,
    /// A partial ACK during NewReno recovery (RFC 6582 §3.2).
    PartialAck,
    /// The peer sent its SYN again, so our SYN,ACK was lost.
    SynRepeated,
    /// The SACK scoreboard presumes the bytes lost (RFC 6675 §4 NextSeg).
    SackRecovery,
    /// The tail loss probe: the last segment sent again (RFC 8985 §7.3).
    LossProbe,
    /// RACK marked it lost (RFC 8985 §6.2), and recovery starts with it.
    MarkedLost,
}

/// Why an arriving datagram or segment was not used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum RejectReason {
    /// The bytes did not parse or a checksum failed (silently dropped).
    Malformed { error: crate::wire::WireError },
    /// Addressed to another host.
    NotForUs,
    /// Nothing listens on the port: answered with RST.
    NoListener,
    /// Outside the receive window (old duplicate or far future): re-ACKed.
    Unacceptable,
    /// An RST whose sequence number is in the window but not exact: a
    /// challenge ACK was sent (RFC 5961 §3.2).
    RstChallenge,
    /// A SYN on a synchronized connection: challenge ACK (RFC 5961 §4).
    SynChallenge,
    /// A new SYN reached a half-open connection from a passive open: the
    /// connection is dropped and the listener waits again (RFC 9293 §3.10.7.4).
    SynInSynReceived,
    /// An ACK for data never sent: re-ACKed and dropped (RFC 9293 §3.10.7.4).
    AckOfUnsent,
    /// In SYN_SENT, an ACK that does not cover our SYN: answered with RST.
    BadAckInSynSent,
    /// An ACK reached a listener with no cookie it could verify: answered
    /// with RST (RFC 9293 §3.10.7.2).
    AckToListener,
    /// The listener's backlog of half-open connections is full.
    BacklogFull,
    /// An RST that matched nothing, or a segment without ACK: ignored.
    Ignored,
    /// Its timestamp is older than the last one accepted: an old duplicate,
    /// dropped and re-ACKed (PAWS, RFC 7323 §5.3).
    Paws,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    StateChanged {
        conn: ConnId,
        from: State,
        to: State,
    },
    /// A listener on `port` created connection `conn` from an incoming SYN.
    Accepted {
        conn: ConnId,
        listener: ConnId,
    },
    TimerSet {
        conn: ConnId,
        timer: Timer,
        at: Instant,
    },
    TimerCancelled {
        conn: ConnId,
        timer: Timer,
    },
    TimerFired {
        conn: ConnId,
        timer: Timer,
    },
    /// Bytes at `seq` are being sent again.
    Retransmit {
        conn: ConnId,
        seq: SeqNumber,
        len: u32,
        reason: RetransmitReason,
    },
    /// An RTT measurement (RFC 6298; never from a retransmitted segment, Karn).
    RttSample {
        conn: ConnId,
        rtt: Duration,
        srtt: Duration,
        rttvar: Duration,
        rto: Duration,
    },
    /// Congestion and flow control variables after a change (bytes).
    Window {
        conn: ConnId,
        cwnd: u32,
        ssthresh: u32,
        flight: u32,
        snd_wnd: u32,
        rcv_wnd: u32,
        phase: Phase,
    },
    /// The sender's SACK scoreboard after an ACK or a retransmission
    /// changed it (RFC 6675): between SND.UNA and SND.MAX, SACKed ranges,
    /// holes presumed lost, the retransmitted bytes up to `high_rxt`, and
    /// the bytes in the network. Reported while it holds something.
    /// (Only builds with modern TCP have SACK: see `tcp::MODERN`.)
    #[cfg(feature = "modern")]
    Scoreboard {
        conn: ConnId,
        una: SeqNumber,
        max: SeqNumber,
        sacked: Vec<(SeqNumber, SeqNumber)>,
        lost: Vec<(SeqNumber, SeqNumber)>,
        high_rxt: Option<SeqNumber>,
        pipe: u32,
    },
    /// RACK marked these bytes lost: a segment sent after them was
    /// delivered, and they are overdue by more than a round trip plus the
    /// reordering window (RFC 8985 §6.2).
    #[cfg(feature = "modern")]
    MarkedLost {
        conn: ConnId,
        seq: SeqNumber,
        len: u32,
    },
    /// Proportional Rate Reduction (RFC 6937) paces this recovery: it sends
    /// about ssthresh / recover_fs of what the ACKs report delivered.
    #[cfg(feature = "modern")]
    RateReduction {
        conn: ConnId,
        recover_fs: u32,
        ssthresh: u32,
    },
    /// The congestion control algorithm's own variables after they changed
    /// (CUBIC's W_max, K and region).
    #[cfg(feature = "modern")]
    CongestionVariables {
        conn: ConnId,
        variables: super::Variables,
    },
    /// A D-SACK arrived: the peer received these bytes twice (RFC 2883).
    #[cfg(feature = "modern")]
    DuplicateSack {
        conn: ConnId,
        seq: SeqNumber,
        len: u32,
    },
    /// A duplicate ACK was counted (RFC 5681 §2).
    DuplicateAck {
        conn: ConnId,
        count: u32,
    },
    /// Data beyond a gap was buffered; an immediate duplicate ACK follows.
    OutOfOrder {
        conn: ConnId,
        seq: SeqNumber,
        len: u32,
    },
    /// A segment that carried nothing new (already received): re-ACKed.
    Duplicate {
        conn: ConnId,
        seq: SeqNumber,
        len: u32,
    },
    /// In-order bytes are waiting for the application.
    Readable {
        conn: ConnId,
        available: u32,
    },
    /// Send-buffer space freed up after a write that did not fit.
    Writable {
        conn: ConnId,
    },
    /// The peer sent FIN and every byte before it was delivered.
    PeerClosed {
        conn: ConnId,
    },
    /// The peer's window is zero: we stop sending and start probing.
    ZeroWindow {
        conn: ConnId,
    },
    /// A 1-byte probe into a zero window.
    WindowProbe {
        conn: ConnId,
        seq: SeqNumber,
    },
    /// Our receive window opened enough to tell the peer.
    WindowUpdate {
        conn: ConnId,
        window: u32,
    },
    /// A segment was not used; `conn` is None when no connection matched.
    Rejected {
        conn: Option<ConnId>,
        reason: RejectReason,
    },
    /// The connection ended badly.
    Error {
        conn: ConnId,
        error: ConnError,
    },
    /// A SYN was answered with a SYN cookie instead of a stored connection.
    SynCookieSent {
        listener: ConnId,
    },
    /// An ACK carried a valid cookie: the connection was rebuilt from it.
    SynCookieAccepted {
        conn: ConnId,
    },
    /// A new SYN, numbered above everything the old connection carried,
    /// ended this connection's TIME_WAIT early; a new connection on the same
    /// ports follows (RFC 9293 §3.6.1, RFC 6191).
    Reopened {
        conn: ConnId,
    },
}

/// Plain words for the text log.
impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnError::Refused => "connection refused",
            ConnError::Reset => "connection reset",
            ConnError::TimedOut => "timed out",
        })
    }
}

impl fmt::Display for RetransmitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RetransmitReason::Timeout => "timeout",
            RetransmitReason::FastRetransmit => "fast retransmit",
            RetransmitReason::PartialAck => "partial ACK",
            RetransmitReason::SynRepeated => "SYN repeated",
            RetransmitReason::SackRecovery => "SACK recovery",
            RetransmitReason::LossProbe => "tail loss probe",
            RetransmitReason::MarkedLost => "RACK marked it lost",
        })
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RejectReason::Malformed { error } => return write!(f, "malformed, {error}"),
            RejectReason::NotForUs => "not for this host",
            RejectReason::NoListener => "nothing listens on the port",
            RejectReason::Unacceptable => "outside the receive window",
            RejectReason::RstChallenge => "RST not exact, challenge ACK sent",
            RejectReason::SynChallenge => "SYN on an open connection, challenge ACK sent",
            RejectReason::SynInSynReceived => "new SYN on a half-open connection",
            RejectReason::AckOfUnsent => "ACK for data never sent",
            RejectReason::BadAckInSynSent => "ACK does not cover our SYN",
            RejectReason::AckToListener => "ACK to a listener, no valid cookie",
            RejectReason::BacklogFull => "backlog full",
            RejectReason::Ignored => "ignored",
            RejectReason::Paws => "old timestamp (PAWS)",
        })
    }
}

impl Event {
    /// The connection the event is about, if any.
    pub fn conn(&self) -> Option<ConnId> {
        match self {
            Event::StateChanged { conn, .. }
            | Event::Accepted { conn, .. }
            | Event::TimerSet { conn, .. }
            | Event::TimerCancelled { conn, .. }
            | Event::TimerFired { conn, .. }
            | Event::Retransmit { conn, .. }
            | Event::RttSample { conn, .. }
            | Event::Window { conn, .. }
            | Event::DuplicateAck { conn, .. }
            | Event::OutOfOrder { conn, .. }
            | Event::Duplicate { conn, .. }
            | Event::Readable { conn, .. }
            | Event::PeerClosed { conn }
            | Event::Writable { conn }
            | Event::ZeroWindow { conn }
            | Event::WindowProbe { conn, .. }
            | Event::WindowUpdate { conn, .. }
            | Event::Error { conn, .. }
            | Event::SynCookieAccepted { conn }
            | Event::Reopened { conn } => Some(*conn),
            #[cfg(feature = "modern")]
            Event::Scoreboard { conn, .. }
            | Event::DuplicateSack { conn, .. }
            | Event::CongestionVariables { conn, .. }
            | Event::MarkedLost { conn, .. }
            | Event::RateReduction { conn, .. } => Some(*conn),
            Event::SynCookieSent { listener } => Some(*listener),
            Event::Rejected { conn, .. } => *conn,
        }
    }
}
