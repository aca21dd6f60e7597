//! One connection's transmission control block (RFC 9293 §3.3.1) and the
//! segment arrival rules of §3.10.7.

use super::congestion::{AckOutcome, Congestion, Phase};
use super::reassembly::Reassembly;
use super::rtt::RttEstimator;
use super::{Config, ConnError, ConnId, Event, RejectReason, RetransmitReason, State, Timer};
use crate::time::{Duration, Instant};
use crate::wire::{self, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};
use std::collections::VecDeque;
use std::net::Ipv4Addr;

/// MSS assumed when the peer sends none (RFC 9293 §3.7.1).
const DEFAULT_MSS: u16 = 536;
/// Largest window-scale shift (RFC 7323 §2.3).
const MAX_WINDOW_SCALE: u8 = 14;
/// Longest interval between zero-window probes.
const MAX_PERSIST: Duration = Duration::from_secs(60);

/// What a connection needs from its endpoint while it works.
pub(super) struct Cx<'a> {
    pub config: &'a Config,
    pub events: &'a mut VecDeque<Event>,
    /// Control segments (RSTs) not tied to a living connection.
    pub control: &'a mut VecDeque<Vec<u8>>,
    pub ident: &'a mut u16,
    /// Challenge ACKs this host may still send this second (RFC 5961 §7).
    pub challenges: &'a mut ChallengeBudget,
    pub now: Instant,
}

/// RFC 5961 §7: challenge ACKs are throttled host-wide, so that forged
/// segments cannot turn this host into an ACK amplifier.
#[derive(Clone, Debug, Default)]
pub(super) struct ChallengeBudget {
    /// Start of the current one-second window.
    window_start: Option<Instant>,
    sent: u32,
}

impl ChallengeBudget {
    /// Takes one challenge ACK from this second's allowance of `limit`.
    fn take(&mut self, now: Instant, limit: u32) -> bool {
        let expired = self
            .window_start
            .is_none_or(|start| now.saturating_since(start) >= Duration::from_secs(1));
        if expired {
            self.window_start = Some(now);
            self.sent = 0;
        }
        if self.sent >= limit {
            return false;
        }
        self.sent += 1;
        true
    }
}

impl Cx<'_> {
    pub fn event(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// Only events that make the trace verbose (timers, windows) go through
    /// here, so a benchmark can switch them off.
    pub fn detail(&mut self, event: Event) {
        if self.config.verbose_events {
            self.events.push_back(event);
        }
    }

    pub fn emit(&mut self, src: Ipv4Addr, dst: Ipv4Addr, tcp: &TcpRepr<'_>) -> Vec<u8> {
        let ip = Ipv4Repr {
            src,
            dst,
            ident: *self.ident,
            ttl: self.config.ttl,
            dscp_ecn: 0,
            dont_fragment: true,
        };
        *self.ident = self.ident.wrapping_add(1);
        wire::emit_datagram(&ip, tcp)
    }

    /// Queues a bare RST (RFC 9293 §3.10.7.1 forms): with `ack` Some it is
    /// `<SEQ=seq><ACK=ack><CTL=RST,ACK>`, else `<SEQ=seq><CTL=RST>`.
    pub fn reset(&mut self, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16), seq: SeqNumber, ack: Option<SeqNumber>) {
        let tcp = TcpRepr {
            src_port: local.1,
            dst_port: remote.1,
            seq,
            ack: ack.unwrap_or_default(),
            flags: if ack.is_some() {
                TcpFlags::RST | TcpFlags::ACK
            } else {
                TcpFlags::RST
            },
            window: 0,
            urgent: 0,
            options: TcpOptions::default(),
            payload: &[],
        };
        let bytes = self.emit(local.0, remote.0, &tcp);
        self.control.push_back(bytes);
    }
}

pub(super) struct Connection {
    pub id: ConnId,
    pub local: (Ipv4Addr, u16),
    pub remote: (Ipv4Addr, u16),
    pub state: State,
    /// The listener that created this connection (passive open).
    pub listener: Option<ConnId>,

    // Send sequence space (RFC 9293 §3.3.1).
    iss: SeqNumber,
    snd_una: SeqNumber,
    snd_nxt: SeqNumber,
    /// One past the highest sequence number ever sent (SND.NXT can fall back
    /// to SND.UNA after a timeout, go-back-N).
    snd_max: SeqNumber,
    snd_wnd: u32,
    snd_wl1: SeqNumber,
    snd_wl2: SeqNumber,
    snd_mss: u16,
    /// Shift applied to the peer's window field.
    snd_shift: u8,
    send_buf: VecDeque<u8>,
    /// The largest window the peer has offered (for sender SWS avoidance).
    max_snd_wnd: u32,
    /// Where a segment's payload is joined when it wraps around `send_buf`.
    scratch: Vec<u8>,
    /// Sequence number of `send_buf[0]`.
    send_buf_seq: SeqNumber,
    fin_queued: bool,

    // Receive sequence space.
    irs: SeqNumber,
    rcv_nxt: SeqNumber,
    /// Right edge of the window we advertised; never moves left.
    rcv_adv: SeqNumber,
    /// Shift applied to our window field.
    rcv_shift: u8,
    /// Our window-scale offer, if the SYN exchange may still use it.
    offer_shift: Option<u8>,
    rcv_buf: VecDeque<u8>,
    reassembly: Reassembly,
    fin_received: bool,

    timers: [Option<Instant>; Timer::COUNT],
    rtt: RttEstimator,
    /// (sequence number that acknowledges the timed segment, when it was sent).
    rtt_timing: Option<(SeqNumber, Instant)>,
    /// Consecutive timeouts without progress.
    retries: u32,
    /// Our SYN (or SYN-ACK) was sent more than once.
    syn_resent: bool,
    /// The retransmission timer expired while our SYN was unacknowledged.
    syn_timed_out: bool,
    cc: Congestion,

    /// A write did not fit: report `Writable` when space frees up.
    want_write: bool,
    ack_pending: bool,
    /// In-order segments received since the last ACK (delayed ACK policy).
    unacked_segments: u32,
    retransmit_now: Option<RetransmitReason>,
    probe_now: bool,
    /// Sequence number of the last zero-window probe byte.
    probe_seq: Option<SeqNumber>,
    persist_backoff: u32,
    /// Zero-window probes sent since the peer last acknowledged anything.
    probes_unanswered: u32,
    zero_window_reported: bool,
    /// When data was last sent, for restart after idle (RFC 5681 §4.1).
    last_data_sent: Option<Instant>,
    last_window: Option<(u32, u32, u32, u32, u32)>,
}

impl Connection {
    fn new(id: ConnId, config: &Config, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16), iss: SeqNumber) -> Self {
        Connection {
            id,
            local,
            remote,
            state: State::Closed,
            listener: None,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            snd_wl1: SeqNumber(0),
            snd_wl2: iss,
            snd_mss: DEFAULT_MSS,
            snd_shift: 0,
            send_buf: VecDeque::new(),
            max_snd_wnd: 0,
            scratch: Vec::new(),
            send_buf_seq: iss + 1,
            fin_queued: false,
            irs: SeqNumber(0),
            rcv_nxt: SeqNumber(0),
            rcv_adv: SeqNumber(0),
            rcv_shift: 0,
            offer_shift: config.window_scale.map(|s| s.min(MAX_WINDOW_SCALE)),
            rcv_buf: VecDeque::new(),
            reassembly: Reassembly::default(),
            fin_received: false,
            timers: [None; Timer::COUNT],
            rtt: RttEstimator::new(config.initial_rto, config.min_rto, config.max_rto),
            rtt_timing: None,
            retries: 0,
            syn_resent: false,
            syn_timed_out: false,
            cc: Congestion::new(DEFAULT_MSS as u32, config.initial_cwnd),
            want_write: false,
            ack_pending: false,
            unacked_segments: 0,
            retransmit_now: None,
            probe_now: false,
            probe_seq: None,
            persist_backoff: 0,
            probes_unanswered: 0,
            zero_window_reported: false,
            last_data_sent: None,
            last_window: None,
        }
    }

    /// Active open (RFC 9293 §3.10.1): CLOSED → SYN_SENT; the SYN goes out
    /// on the next `poll_transmit`.
    pub fn connect(cx: &mut Cx, id: ConnId, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16), iss: SeqNumber) -> Self {
        let mut conn = Connection::new(id, cx.config, local, remote, iss);
        conn.set_state(cx, State::SynSent);
        conn
    }

    /// Passive open: a listener received `syn` (RFC 9293 §3.10.7.2).
    pub fn accept(
        cx: &mut Cx,
        id: ConnId,
        listener: ConnId,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        iss: SeqNumber,
        syn: &TcpRepr<'_>,
    ) -> Self {
        let mut conn = Connection::new(id, cx.config, local, remote, iss);
        conn.listener = Some(listener);
        conn.state = State::Listen;
        conn.learn_from_syn(cx, syn);
        cx.event(Event::Accepted { conn: id, listener });
        conn.set_state(cx, State::SynReceived);
        conn
    }

    /// A connection rebuilt from a valid SYN cookie: the handshake is
    /// complete, but the SYN's options are gone except the MSS the cookie
    /// encoded (RFC 4987 §3.6).
    pub fn from_cookie(
        cx: &mut Cx,
        id: ConnId,
        listener: ConnId,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        ack: &TcpRepr<'_>,
        mss: u16,
    ) -> Self {
        let iss = ack.ack - 1;
        let mut conn = Connection::new(id, cx.config, local, remote, iss);
        conn.listener = Some(listener);
        conn.offer_shift = None;
        conn.irs = ack.seq - 1;
        conn.rcv_nxt = ack.seq;
        conn.snd_una = ack.ack;
        conn.snd_nxt = ack.ack;
        conn.snd_max = ack.ack;
        conn.snd_mss = mss.min(cx.config.mss);
        conn.cc.set_smss(conn.snd_mss as u32, cx.config.initial_cwnd);
        conn.snd_wnd = ack.window as u32;
        conn.snd_wl1 = ack.seq;
        conn.snd_wl2 = ack.ack;
        conn.rcv_adv = conn.rcv_nxt;
        conn.update_rcv_adv(cx.config);
        conn.state = State::Listen;
        cx.event(Event::Accepted { conn: id, listener });
        conn.set_state(cx, State::Established);
        conn
    }

    // ---- getters -------------------------------------------------------

    pub fn readable(&self) -> usize {
        self.rcv_buf.len()
    }

    /// The peer has closed and every byte it sent has been read.
    pub fn at_eof(&self) -> bool {
        self.fin_received && self.rcv_buf.is_empty()
    }

    pub fn send_space(&self, config: &Config) -> usize {
        config.send_buffer.saturating_sub(self.send_buf.len())
    }

    pub fn unsent_or_unacked(&self) -> usize {
        self.send_buf.len()
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }

    pub fn iss(&self) -> SeqNumber {
        self.iss
    }

    /// One past the highest sequence number sent.
    pub fn snd_max(&self) -> SeqNumber {
        self.snd_max
    }

    /// A SYN that may end this connection's TIME_WAIT: numbered above every
    /// byte the peer sent on it, so it cannot be an old duplicate (RFC 6191
    /// §2, without timestamps). Any other SYN here is answered as usual.
    pub fn reopens_time_wait(&self, seg: &TcpRepr<'_>) -> bool {
        self.state == State::TimeWait
            && seg.flags.syn()
            && !seg.flags.ack()
            && !seg.flags.rst()
            && seg.seq > self.rcv_nxt
    }

    /// TIME_WAIT ends early: a new connection takes over the ports.
    pub fn end_time_wait(&mut self, cx: &mut Cx) {
        cx.event(Event::Reopened { conn: self.id });
        self.set_state(cx, State::Closed);
    }

    // ---- commands ------------------------------------------------------

    pub fn send(&mut self, config: &Config, data: &[u8]) -> usize {
        if !self.state.can_send() || self.fin_queued {
            return 0;
        }
        let n = data.len().min(self.send_space(config));
        self.send_buf.extend(&data[..n]);
        self.want_write = n < data.len();
        n
    }

    /// Hands up to `max` in-order bytes to `sink` (as the one or two
    /// slices they occupy in the buffer) and frees them.
    pub fn recv(&mut self, cx: &mut Cx, max: usize, sink: impl FnOnce(&[u8], &[u8])) -> usize {
        let n = max.min(self.rcv_buf.len());
        let (head, tail) = ring_range(&self.rcv_buf, 0, n);
        sink(head, tail);
        self.rcv_buf.drain(..n);
        if n > 0 && self.state.is_synchronized() {
            let old_window = self.rcv_adv.since(self.rcv_nxt);
            // Tell the peer only when the window grew from under half the
            // buffer: small openings ride on the next ACK anyway.
            if self.update_rcv_adv(cx.config) && old_window < cx.config.recv_buffer / 2 {
                self.ack_pending = true;
                let window = self.rcv_adv.since(self.rcv_nxt) as u32;
                cx.event(Event::WindowUpdate { conn: self.id, window });
            }
        }
        n
    }

    /// CLOSE (RFC 9293 §3.10.4). Returns false if the connection should be
    /// dropped at once (it never reached the peer).
    pub fn close(&mut self, cx: &mut Cx) -> bool {
        match self.state {
            State::SynSent | State::Listen | State::Closed => {
                self.set_state(cx, State::Closed);
                return false;
            }
            // The FIN waits until the handshake completes.
            State::SynReceived => self.fin_queued = true,
            State::Established => {
                self.fin_queued = true;
                self.set_state(cx, State::FinWait1);
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.set_state(cx, State::LastAck);
            }
            _ => {}
        }
        true
    }

    /// ABORT (RFC 9293 §3.10.5): RST <SEQ=SND.NXT> where the peer knows us.
    /// After a timeout SND.NXT went back (go-back-N); the peer's RCV.NXT may
    /// be past it, and an RST it finds in-window but not exact only draws a
    /// challenge ACK (RFC 5961 §3.2). SND.MAX is the number the peer expects.
    pub fn abort(&mut self, cx: &mut Cx) {
        if matches!(
            self.state,
            State::SynReceived | State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait
        ) {
            cx.reset(self.local, self.remote, self.snd_max, None);
        }
        self.set_state(cx, State::Closed);
    }

    // ---- state and timers ----------------------------------------------

    fn set_state(&mut self, cx: &mut Cx, to: State) {
        if self.state == to {
            return;
        }
        cx.event(Event::StateChanged {
            conn: self.id,
            from: self.state,
            to,
        });
        self.state = to;
        match to {
            State::Closed => {
                for timer in Timer::ALL {
                    self.cancel_timer(cx, timer);
                }
            }
            State::TimeWait => {
                for timer in [Timer::Retransmit, Timer::Persist, Timer::DelayedAck] {
                    self.cancel_timer(cx, timer);
                }
                self.set_timer(cx, Timer::TimeWait, cx.now + cx.config.msl.saturating_mul(2));
            }
            _ => {}
        }
    }

    /// The handshake is complete: ESTABLISHED (or on to FIN_WAIT_1 if the
    /// application already closed).
    fn establish(&mut self, cx: &mut Cx) {
        if self.syn_resent {
            // "If the SYN or SYN/ACK is lost, the initial window used by a
            // sender after a correctly transmitted SYN MUST be one segment"
            // (RFC 5681 §3.1).
            self.cc.restrict_initial_window();
        }
        if self.syn_timed_out {
            // RFC 6298 §5.7: after a SYN timeout, data starts with RTO 3 s.
            self.rtt.restart_after_syn_timeout();
        }
        self.set_state(cx, State::Established);
        if self.fin_queued {
            self.set_state(cx, State::FinWait1);
        }
    }

    fn fail(&mut self, cx: &mut Cx, error: ConnError) {
        cx.event(Event::Error { conn: self.id, error });
        self.set_state(cx, State::Closed);
    }

    fn set_timer(&mut self, cx: &mut Cx, timer: Timer, at: Instant) {
        self.timers[timer.index()] = Some(at);
        cx.detail(Event::TimerSet {
            conn: self.id,
            timer,
            at,
        });
    }

    fn cancel_timer(&mut self, cx: &mut Cx, timer: Timer) {
        if self.timers[timer.index()].take().is_some() {
            cx.detail(Event::TimerCancelled { conn: self.id, timer });
        }
    }

    fn timer_running(&self, timer: Timer) -> bool {
        self.timers[timer.index()].is_some()
    }

    fn arm_rto(&mut self, cx: &mut Cx) {
        let at = cx.now + self.rtt.rto();
        self.set_timer(cx, Timer::Retransmit, at);
    }

    /// Fires every timer that is due. Harmless when none is.
    pub fn handle_timeout(&mut self, cx: &mut Cx) {
        for timer in Timer::ALL {
            match self.timers[timer.index()] {
                Some(at) if at <= cx.now => {}
                _ => continue,
            }
            self.timers[timer.index()] = None;
            cx.detail(Event::TimerFired { conn: self.id, timer });
            match timer {
                Timer::Retransmit => self.on_retransmit_timeout(cx),
                // A peer that answers probes may keep its window shut for
                // ever (RFC 9293 §3.8.6.1); one that answers nothing is gone.
                Timer::Persist if self.probes_unanswered >= cx.config.max_retries => {
                    self.fail(cx, ConnError::TimedOut);
                }
                Timer::Persist => {
                    self.probe_now = true;
                    self.persist_backoff = (self.persist_backoff + 1).min(16);
                }
                Timer::DelayedAck => self.ack_pending = true,
                Timer::TimeWait => self.set_state(cx, State::Closed),
            }
            if self.state == State::Closed {
                return;
            }
        }
    }

    fn on_retransmit_timeout(&mut self, cx: &mut Cx) {
        self.retries += 1;
        let limit = match self.state {
            State::SynSent => cx.config.syn_retries,
            State::SynReceived => cx.config.synack_retries,
            _ => cx.config.max_retries,
        };
        if self.retries > limit {
            if self.listener.is_some() && self.state == State::SynReceived {
                // A half-open connection nobody completed: forget it quietly.
                self.set_state(cx, State::Closed);
            } else {
                self.fail(cx, ConnError::TimedOut);
            }
            return;
        }
        if self.state.is_synchronized() {
            let flight = self.snd_max.since(self.snd_una) as u32;
            self.cc.on_timeout(flight, self.snd_max - 1);
        } else {
            self.syn_timed_out = true;
        }
        // Back off (RFC 6298 §5.5) and go back to the first unacknowledged
        // byte; Karn's rule: nothing sent again may be timed (§3 of RFC 6298).
        self.rtt.back_off();
        self.rtt_timing = None;
        self.snd_nxt = self.snd_una;
        self.retransmit_now = None;
    }

    // ---- output ----------------------------------------------------------

    /// The next segment this connection wants to send, as a datagram.
    pub fn poll_transmit(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        let out = match self.state {
            State::Closed | State::Listen => None,
            State::SynSent | State::SynReceived if self.snd_nxt == self.iss => Some(self.send_syn(cx)),
            State::SynSent => None,
            _ => self
                .send_retransmission(cx)
                .or_else(|| self.send_data(cx))
                .or_else(|| self.send_probe(cx))
                .or_else(|| self.ack_pending.then(|| self.send_ack(cx))),
        };
        self.report_window(cx);
        out
    }

    fn send_syn(&mut self, cx: &mut Cx) -> Vec<u8> {
        let retransmission = self.snd_max != self.iss;
        let mut flags = TcpFlags::SYN;
        let mut options = TcpOptions {
            mss: Some(cx.config.mss),
            ..TcpOptions::default()
        };
        if self.state == State::SynReceived {
            flags = flags | TcpFlags::ACK;
            self.update_rcv_adv(cx.config);
        }
        // Offer window scaling in a SYN, or in a SYN-ACK only if the SYN
        // offered it too (RFC 7323 §2.2).
        options.window_scale = self.offer_shift;
        // The window in a SYN is never scaled (RFC 7323 §2.2).
        let window = cx.config.recv_buffer.min(u16::MAX as usize) as u16;
        if retransmission {
            let reason = self.retransmit_now.take().unwrap_or(RetransmitReason::Timeout);
            self.retransmitted(cx, self.iss, 0, reason);
            self.syn_resent = true;
        } else if self.rtt_timing.is_none() {
            // In a simultaneous open the SYN-ACK repeats our SYN's number:
            // time from the SYN, the earliest copy the ACK may answer.
            self.rtt_timing = Some((self.iss + 1, cx.now));
        }
        self.snd_nxt = self.iss + 1;
        self.snd_max = self.snd_max.max(self.snd_nxt);
        if !self.timer_running(Timer::Retransmit) {
            self.arm_rto(cx);
        }
        let tcp = TcpRepr {
            src_port: self.local.1,
            dst_port: self.remote.1,
            seq: self.iss,
            ack: if flags.ack() { self.rcv_nxt } else { SeqNumber(0) },
            flags,
            window,
            urgent: 0,
            options,
            payload: &[],
        };
        self.sent_ack(cx);
        cx.emit(self.local.0, self.remote.0, &tcp)
    }

    /// Fast retransmit or a NewReno partial-ACK retransmission: one segment
    /// from SND.UNA, whatever the congestion window says (RFC 5681 §3.2).
    fn send_retransmission(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        let reason = self.retransmit_now.take()?;
        if self.snd_una >= self.snd_max {
            return None;
        }
        // Only bytes sent before: new data goes through the window checks.
        let sent_end = self.snd_max.min(self.data_end());
        let len = sent_end.since(self.snd_una).min(self.snd_mss as usize);
        let fin = self.fin_queued && self.snd_una + len == self.data_end() && self.snd_max > self.data_end();
        self.retransmitted(cx, self.snd_una, len, reason);
        self.arm_rto(cx);
        Some(self.segment(cx, self.snd_una, len, fin))
    }

    /// New data, or data again after a timeout (SND.NXT went back).
    fn send_data(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        // Nothing but the handshake until our SYN is acknowledged.
        if self.snd_una == self.iss {
            return None;
        }
        let data_end = self.data_end();
        let unsent = data_end.since(self.snd_nxt);
        let flight = self.snd_nxt.since(self.snd_una);
        let new_data = self.snd_nxt >= self.snd_max;
        if new_data && flight == 0 && unsent > 0 {
            self.restart_if_idle(cx);
        }
        let mut cwnd = self.cc.cwnd();
        if new_data && cx.config.limited_transmit {
            cwnd = cwnd.saturating_add(self.cc.limited_transmit_allowance());
        }
        let window = (self.snd_wnd.min(cwnd) as usize).saturating_sub(flight);
        let len = unsent.min(window).min(self.snd_mss as usize);
        // FIN follows the last byte; once sent, SND.NXT is past `data_end`.
        let fin = self.fin_queued && self.snd_nxt + len == data_end;
        if len == 0 && !fin {
            if unsent > 0 && self.snd_wnd == 0 {
                self.enter_persist(cx);
            }
            return None;
        }
        // Nagle (RFC 9293 §3.7.4): hold a small segment while data is unacknowledged.
        if cx.config.nagle && len < self.snd_mss as usize && flight > 0 && !fin {
            return None;
        }
        let seq = self.snd_nxt;
        // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): while data is
        // in flight (an ACK will come), send a partial segment only if it
        // empties the queue or fills half the largest window the peer ever
        // offered; otherwise wait for the window to open further.
        let small = len < self.snd_mss as usize && len < unsent && len < self.max_snd_wnd as usize / 2;
        if small && flight > 0 && !fin && seq >= self.snd_max {
            return None;
        }
        // Data after a window probe repeats only the probe byte: not a loss.
        let after_probe = self.probe_seq.take() == Some(seq) && self.snd_max == seq + 1;
        if seq < self.snd_max && !after_probe {
            self.retransmitted(cx, seq, len, RetransmitReason::Timeout);
        } else if self.rtt_timing.is_none() {
            self.rtt_timing = Some((seq + len + fin as usize, cx.now));
        }
        self.snd_nxt = seq + len + fin as usize;
        self.snd_max = self.snd_max.max(self.snd_nxt);
        if !self.timer_running(Timer::Retransmit) {
            self.arm_rto(cx);
        }
        if len > 0 {
            self.last_data_sent = Some(cx.now);
            let beyond_cwnd = (flight + len).saturating_sub(self.cc.cwnd() as usize);
            self.cc.on_limited_transmit(beyond_cwnd.min(len) as u32);
        }
        Some(self.segment(cx, seq, len, fin))
    }

    /// RFC 5681 §4.1: after sending nothing for more than an RTO, the ACK
    /// clock is gone; start again from the restart window, min(IW, cwnd).
    /// Idle is measured from the last data sent, as Linux does.
    fn restart_if_idle(&mut self, cx: &mut Cx) {
        if !cx.config.restart_after_idle {
            return;
        }
        if let Some(last) = self.last_data_sent {
            if cx.now.saturating_since(last) > self.rtt.rto() {
                self.cc.restart_after_idle();
            }
        }
    }

    /// The send window is zero and data waits: probe it (RFC 9293 §3.8.6.1).
    fn enter_persist(&mut self, cx: &mut Cx) {
        if self.timer_running(Timer::Persist) || self.timer_running(Timer::Retransmit) || self.probe_now {
            return;
        }
        if !self.zero_window_reported {
            self.zero_window_reported = true;
            cx.event(Event::ZeroWindow { conn: self.id });
        }
        let interval = self
            .rtt
            .rto()
            .saturating_mul(1 << self.persist_backoff.min(16))
            .min(MAX_PERSIST);
        self.set_timer(cx, Timer::Persist, cx.now + interval);
    }

    /// A 1-byte probe beyond the zero window. SND.NXT does not move: the byte
    /// is sent again as ordinary data once the window opens.
    fn send_probe(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        if !std::mem::take(&mut self.probe_now) {
            return None;
        }
        if self.snd_wnd > 0 || self.data_end().since(self.snd_nxt) == 0 {
            self.persist_backoff = 0;
            return None;
        }
        // The byte counts as sent (SND.MAX) so an ACK for it is valid, but
        // SND.NXT stays: it is sent again as data when the window opens.
        let seq = self.snd_nxt;
        self.snd_max = self.snd_max.max(seq + 1);
        self.probe_seq = Some(seq);
        self.probes_unanswered += 1;
        cx.event(Event::WindowProbe { conn: self.id, seq });
        let out = self.segment(cx, seq, 1, false);
        self.enter_persist(cx);
        Some(out)
    }

    /// A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT
    /// went back, and the peer would find that number old and ignore the
    /// ACK. The exception is a zero-window probe's byte, which lies past
    /// the peer's window: there a zero-length segment must carry exactly
    /// RCV.NXT (RFC 9293 §3.10.7.4), so the ACK goes at the probe's seq.
    fn send_ack(&mut self, cx: &mut Cx) -> Vec<u8> {
        let seq = match self.probe_seq {
            Some(probe) if self.snd_una <= probe && self.snd_max == probe + 1 => probe,
            _ => self.snd_max,
        };
        self.segment(cx, seq, 0, false)
    }

    /// Builds a segment at `seq` carrying `len` bytes from the send buffer
    /// (and FIN), with the current ACK and window.
    fn segment(&mut self, cx: &mut Cx, seq: SeqNumber, len: usize, fin: bool) -> Vec<u8> {
        self.update_rcv_adv(cx.config);
        // A scaled window is announced in whole units of 2^shift, rounded
        // up so that a window under one unit is not scaled away to zero (as
        // Linux does); the edge moves out to what is announced.
        let window = self.rcv_adv.since(self.rcv_nxt).div_ceil(1 << self.rcv_shift);
        let window = window.min(u16::MAX as usize);
        self.rcv_adv = self.rcv_adv.max(self.rcv_nxt + (window << self.rcv_shift));
        let window = window as u16;
        // A FIN or a pure ACK may sit past the buffered bytes.
        let offset = seq.since(self.send_buf_seq).min(self.send_buf.len());
        let len = len.min(self.send_buf.len() - offset);
        let mut flags = TcpFlags::ACK;
        // PSH on the segment that empties what the application wrote.
        flags.set(TcpFlags::PSH, len > 0 && seq + len == self.data_end());
        let payload = match ring_range(&self.send_buf, offset, len) {
            (whole, []) => whole,
            (head, tail) => {
                // The range wraps around the ring: join it in a scratch buffer.
                self.scratch.clear();
                self.scratch.extend_from_slice(head);
                self.scratch.extend_from_slice(tail);
                &self.scratch
            }
        };
        flags.set(TcpFlags::FIN, fin);
        let tcp = TcpRepr {
            src_port: self.local.1,
            dst_port: self.remote.1,
            seq,
            ack: self.rcv_nxt,
            flags,
            window,
            urgent: 0,
            options: TcpOptions::default(),
            payload,
        };
        let bytes = cx.emit(self.local.0, self.remote.0, &tcp);
        self.sent_ack(cx);
        bytes
    }

    /// Every segment we send carries the latest ACK: nothing stays owed.
    fn sent_ack(&mut self, cx: &mut Cx) {
        self.ack_pending = false;
        self.unacked_segments = 0;
        self.cancel_timer(cx, Timer::DelayedAck);
    }

    fn retransmitted(&mut self, cx: &mut Cx, seq: SeqNumber, len: usize, reason: RetransmitReason) {
        // Karn's rule: an ACK for retransmitted data is ambiguous; no sample.
        self.rtt_timing = None;
        cx.event(Event::Retransmit {
            conn: self.id,
            seq,
            len: len as u32,
            reason,
        });
    }

    fn data_end(&self) -> SeqNumber {
        self.send_buf_seq + self.send_buf.len()
    }

    /// Moves the advertised right edge to the free buffer space, but only
    /// by at least min(buffer/2, MSS) at a time (receiver-side silly window
    /// avoidance, RFC 9293 §3.8.6.2.2), and never to the left (§3.8.6).
    /// Returns true if the edge moved.
    fn update_rcv_adv(&mut self, config: &Config) -> bool {
        let max_window = (u16::MAX as usize) << self.rcv_shift;
        let free = config.recv_buffer.saturating_sub(self.rcv_buf.len()).min(max_window);
        let edge = self.rcv_nxt + free;
        let step = (config.recv_buffer / 2).min(config.mss as usize).max(1);
        let grows = edge.since(self.rcv_adv);
        if self.rcv_adv < self.rcv_nxt || grows >= step || (grows > 0 && free == config.recv_buffer) {
            self.rcv_adv = edge;
            return true;
        }
        false
    }

    /// Reports cwnd/ssthresh/flight/windows when any of them changed.
    fn report_window(&mut self, cx: &mut Cx) {
        if !cx.config.verbose_events || !self.state.is_synchronized() {
            return;
        }
        let now = (
            self.cc.cwnd(),
            self.cc.ssthresh(),
            self.snd_nxt.since(self.snd_una) as u32,
            self.snd_wnd,
            self.rcv_adv.since(self.rcv_nxt) as u32,
        );
        if self.last_window != Some(now) {
            self.last_window = Some(now);
            cx.event(Event::Window {
                conn: self.id,
                cwnd: now.0,
                ssthresh: now.1,
                flight: now.2,
                snd_wnd: now.3,
                rcv_wnd: now.4,
                phase: self.cc.phase(),
            });
        }
    }

    // ---- input -----------------------------------------------------------

    /// Records what a SYN tells us: the peer's ISN, MSS and window scale.
    fn learn_from_syn(&mut self, cx: &mut Cx, syn: &TcpRepr<'_>) {
        self.irs = syn.seq;
        self.rcv_nxt = syn.seq + 1;
        self.rcv_adv = self.rcv_nxt;
        self.snd_mss = syn.options.mss.unwrap_or(DEFAULT_MSS).clamp(64, cx.config.mss);
        self.cc.set_smss(self.snd_mss as u32, cx.config.initial_cwnd);
        // Scaling is on only if both SYNs carry the option (RFC 7323 §2.2).
        match (self.offer_shift, syn.options.window_scale) {
            (Some(ours), Some(theirs)) => {
                self.rcv_shift = ours;
                self.snd_shift = theirs.min(MAX_WINDOW_SCALE);
            }
            _ => self.offer_shift = None,
        }
        // The window in a SYN is never scaled (RFC 7323 §2.2).
        self.snd_wnd = syn.window as u32;
        self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
        self.snd_wl1 = syn.seq;
    }

    pub fn handle_segment(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        if self.state == State::SynSent {
            self.handle_in_syn_sent(cx, seg);
        } else {
            self.handle_synchronizing(cx, seg);
        }
        self.report_window(cx);
    }

    /// RFC 9293 §3.10.7.3: SEGMENT ARRIVES in SYN-SENT.
    fn handle_in_syn_sent(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let flags = seg.flags;
        // First, the ACK: it must cover our SYN and nothing beyond.
        if flags.ack() && (seg.ack <= self.iss || seg.ack > self.snd_max) {
            if !flags.rst() {
                cx.reset(self.local, self.remote, seg.ack, None);
            }
            self.reject(cx, RejectReason::BadAckInSynSent);
            return;
        }
        if flags.rst() {
            // An RST is believed only if it acknowledges our SYN.
            if flags.ack() {
                self.fail(cx, ConnError::Refused);
            } else {
                self.reject(cx, RejectReason::Ignored);
            }
            return;
        }
        if !flags.syn() {
            self.reject(cx, RejectReason::Ignored);
            return;
        }
        self.learn_from_syn(cx, seg);
        if flags.ack() {
            self.snd_una = seg.ack;
            self.snd_wl2 = seg.ack;
            self.take_rtt_sample(cx, seg.ack);
            self.cancel_timer(cx, Timer::Retransmit);
            self.retries = 0;
            self.ack_pending = true;
            self.establish(cx);
            // Data or a FIN on the SYN,ACK: "continue processing at the
            // sixth step" (RFC 9293 §3.10.7.3), i.e. the text after the SYN.
            if !seg.payload.is_empty() || flags.fin() {
                self.update_rcv_adv(cx.config);
                let text = TcpRepr {
                    seq: seg.seq + 1,
                    ..seg.clone()
                };
                let (seq, payload, fin) = self.trim(&text);
                self.process_text(cx, seq, payload, fin);
            }
        } else {
            // Simultaneous open: both SYNs crossed (RFC 9293 §3.5, figure 8).
            // Send SYN,ACK with our own ISN again; not a retransmission.
            self.snd_nxt = self.iss;
            self.snd_max = self.iss;
            self.set_state(cx, State::SynReceived);
        }
    }

    /// RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on.
    fn handle_synchronizing(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let flags = seg.flags;

        // A retransmitted SYN in SYN_RCVD means our SYN,ACK was lost: send
        // it again rather than a bare ACK, as the peer lacks our ISN.
        if self.state == State::SynReceived && flags.syn() && !flags.ack() && seg.seq == self.irs {
            self.snd_nxt = self.iss;
            self.retransmit_now = Some(RetransmitReason::SynRepeated);
            return;
        }

        // Simultaneous open (RFC 9293 §3.5, figure 8, line 6): the peer's
        // SYN,ACK repeats its SYN (SEQ=IRS) and acknowledges ours. Its SYN
        // is old news, not a new SYN to challenge; its ACK completes the
        // handshake (Linux makes the same exception to RFC 5961 §4).
        if self.state == State::SynReceived
            && self.listener.is_none()
            && flags.syn()
            && flags.ack()
            && !flags.rst()
            && seg.seq == self.irs
            && seg.ack == self.iss + 1
        {
            self.process_ack(cx, seg);
            return;
        }

        // First: sequence number acceptability.
        if !self.acceptable(seg) {
            if !flags.rst() {
                // A retransmitted FIN in TIME_WAIT: ACK it and restart the
                // 2 MSL wait (RFC 9293 §3.10.7.4, eighth step).
                if self.state == State::TimeWait && flags.fin() {
                    self.set_timer(cx, Timer::TimeWait, cx.now + cx.config.msl.saturating_mul(2));
                }
                self.ack_now(cx);
                if seg.seq_len() > 0 && seg.seq < self.rcv_nxt {
                    let len = seg.payload.len() as u32;
                    cx.event(Event::Duplicate {
                        conn: self.id,
                        seq: seg.seq,
                        len,
                    });
                } else {
                    self.reject(cx, RejectReason::Unacceptable);
                }
            }
            if !self.zero_window_ack(seg) {
                return;
            }
        }

        // Second: RST. Reset only on an exact match; otherwise challenge
        // (RFC 5961 §3.2, adopted by RFC 9293 §3.10.7.4).
        if flags.rst() {
            if seg.seq != self.rcv_nxt {
                self.challenge(cx, RejectReason::RstChallenge);
                return;
            }
            match self.state {
                State::SynReceived if self.listener.is_some() => self.set_state(cx, State::Closed),
                State::SynReceived => self.fail(cx, ConnError::Refused),
                State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                    self.fail(cx, ConnError::Reset)
                }
                _ => self.set_state(cx, State::Closed),
            }
            return;
        }

        // Fourth: a SYN. A half-open connection from a passive OPEN goes back
        // to LISTEN, i.e. is forgotten; elsewhere it draws a challenge ACK
        // (RFC 9293 §3.10.7.4, RFC 5961 §4).
        if flags.syn() {
            if self.state == State::SynReceived && self.listener.is_some() {
                self.reject(cx, RejectReason::SynInSynReceived);
                self.set_state(cx, State::Closed);
                return;
            }
            self.challenge(cx, RejectReason::SynChallenge);
            return;
        }

        // Fifth: the ACK field. Without it the segment is dropped.
        if !flags.ack() {
            self.reject(cx, RejectReason::Ignored);
            return;
        }
        if !self.process_ack(cx, seg) {
            return;
        }

        // Seventh and eighth: text and FIN, trimmed to the window.
        if !self.acceptable(seg) {
            return;
        }
        let (seq, payload, fin) = self.trim(seg);
        if !seg.payload.is_empty() && payload.is_empty() && !fin {
            let len = seg.payload.len() as u32;
            cx.event(Event::Duplicate {
                conn: self.id,
                seq: seg.seq,
                len,
            });
            self.ack_pending = true;
            return;
        }
        self.process_text(cx, seq, payload, fin);
    }

    /// RFC 9293 §3.10.7.4: "If the RCV.WND is zero, no segments will be
    /// acceptable, but special allowance should be made to accept valid
    /// ACKs": the ACK field of a segment at exactly RCV.NXT is still
    /// processed, its data is not. From any other number it is not valid
    /// (the acceptability table), or a blind attacker could move our window.
    fn zero_window_ack(&self, seg: &TcpRepr<'_>) -> bool {
        self.rcv_adv.since(self.rcv_nxt) == 0
            && seg.seq == self.rcv_nxt
            && seg.flags.ack()
            && !seg.flags.rst()
            && !seg.flags.syn()
    }

    /// The four cases of the acceptability test (RFC 9293 §3.10.7.4).
    fn acceptable(&self, seg: &TcpRepr<'_>) -> bool {
        let wnd = self.rcv_adv.since(self.rcv_nxt);
        let len = seg.seq_len();
        let in_window = |s: SeqNumber| self.rcv_nxt <= s && s < self.rcv_nxt + wnd;
        match (len, wnd) {
            (0, 0) => seg.seq == self.rcv_nxt,
            // A pure ACK sent when our window was exactly full carries
            // SEG.SEQ = RCV.NXT + RCV.WND; the strict test would drop its ACK
            // and stall both sides, so the right edge is included (as Linux does).
            (0, _) => self.rcv_nxt <= seg.seq && seg.seq <= self.rcv_nxt + wnd,
            (_, 0) => false,
            (_, _) => in_window(seg.seq) || in_window(seg.seq + (len - 1)),
        }
    }

    /// Cuts off what lies before RCV.NXT or beyond the window.
    fn trim<'s>(&self, seg: &TcpRepr<'s>) -> (SeqNumber, &'s [u8], bool) {
        let mut payload = seg.payload;
        let mut fin = seg.flags.fin();
        let mut seq = seg.seq;
        let skip = self.rcv_nxt.since(seq);
        if skip > 0 {
            if skip > payload.len() {
                // The FIN, too, lies before RCV.NXT: nothing new here.
                fin = false;
                payload = &[];
            } else {
                payload = &payload[skip..];
            }
            seq = self.rcv_nxt;
        }
        let room = (self.rcv_adv.since(self.rcv_nxt)).saturating_sub(seq.since(self.rcv_nxt));
        if payload.len() > room {
            payload = &payload[..room];
            fin = false;
        }
        (seq, payload, fin)
    }

    /// The fifth step: returns false when processing must stop.
    fn process_ack(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) -> bool {
        let ack = seg.ack;
        if self.state == State::SynReceived {
            if !(self.snd_una < ack && ack <= self.snd_max) {
                cx.reset(self.local, self.remote, ack, None);
                self.reject(cx, RejectReason::BadAckInSynSent);
                return false;
            }
            self.establish(cx);
        }
        if ack > self.snd_max {
            self.challenge(cx, RejectReason::AckOfUnsent);
            return false;
        }
        self.probes_unanswered = 0;

        let old_wnd = self.snd_wnd;
        // Update the send window only from the newest segment (RFC 9293 §3.10.7.4).
        if self.snd_una <= ack && (self.snd_wl1 < seg.seq || (self.snd_wl1 == seg.seq && self.snd_wl2 <= ack)) {
            self.snd_wnd = (seg.window as u32) << self.snd_shift;
            self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
            self.snd_wl1 = seg.seq;
            self.snd_wl2 = ack;
        }
        if self.snd_wnd > 0 {
            self.zero_window_reported = false;
            self.persist_backoff = 0;
            self.cancel_timer(cx, Timer::Persist);
        }

        if ack > self.snd_una {
            self.on_new_ack(cx, ack);
        } else if ack == self.snd_una
            && self.snd_max > self.snd_una
            && seg.payload.is_empty()
            && !seg.flags.syn()
            && !seg.flags.fin()
            && self.snd_wnd == old_wnd
            && self.snd_wnd > 0
        {
            // A duplicate ACK as RFC 5681 §2 defines it. Answers to window
            // probes (window still zero) say "full", not "lost": not counted.
            let flight = self.snd_max.since(self.snd_una) as u32;
            let outcome = self.cc.on_dup_ack(self.snd_una, flight, self.snd_max - 1);
            cx.event(Event::DuplicateAck {
                conn: self.id,
                count: self.cc.dup_acks(),
            });
            if outcome == AckOutcome::FastRetransmit {
                self.retransmit_now = Some(RetransmitReason::FastRetransmit);
            }
        }

        // Our FIN is acknowledged when SND.UNA passes it.
        let fin_acked = self.fin_queued && self.snd_una == self.data_end() + 1;
        match self.state {
            State::FinWait1 if fin_acked => self.set_state(cx, State::FinWait2),
            State::Closing if fin_acked => self.set_state(cx, State::TimeWait),
            State::LastAck if fin_acked => {
                self.set_state(cx, State::Closed);
                return false;
            }
            _ => {}
        }
        true
    }

    fn on_new_ack(&mut self, cx: &mut Cx, ack: SeqNumber) {
        let data_acked = ack.since(self.send_buf_seq).min(self.send_buf.len());
        self.send_buf.drain(..data_acked);
        self.send_buf_seq += data_acked;
        if data_acked > 0 && std::mem::take(&mut self.want_write) {
            cx.event(Event::Writable { conn: self.id });
        }
        self.snd_una = ack;
        self.snd_nxt = self.snd_nxt.max(ack);
        self.snd_max = self.snd_max.max(ack);
        self.take_rtt_sample(cx, ack);
        self.retries = 0;
        let flight = self.snd_max.since(self.snd_una) as u32;
        // Only acknowledged data grows the window, not our SYN or FIN
        // (RFC 5681 §3.1 counts "new data"); but an ACK of only the FIN can
        // still be the one that ends fast recovery (RFC 6582 §3.2 step 3).
        let counts = data_acked > 0 || self.cc.phase() == Phase::FastRecovery;
        if counts && self.cc.on_new_ack(ack, data_acked as u32, flight) == AckOutcome::PartialAck {
            self.retransmit_now = Some(RetransmitReason::PartialAck);
        }
        // RFC 6298 §5.2 and §5.3: stop the timer when all is acknowledged,
        // restart it when new data is.
        if self.snd_una >= self.snd_max {
            self.cancel_timer(cx, Timer::Retransmit);
        } else {
            self.arm_rto(cx);
        }
    }

    fn take_rtt_sample(&mut self, cx: &mut Cx, ack: SeqNumber) {
        let Some((end, sent)) = self.rtt_timing else {
            return;
        };
        if ack < end {
            return;
        }
        self.rtt_timing = None;
        let rtt = cx.now.saturating_since(sent);
        self.rtt.sample(rtt);
        cx.detail(Event::RttSample {
            conn: self.id,
            rtt,
            srtt: self.rtt.srtt().unwrap_or(rtt),
            rttvar: self.rtt.rttvar(),
            rto: self.rtt.rto(),
        });
    }

    /// Seventh and eighth steps: in-order data to the application, the rest
    /// to the reassembly buffer, then the FIN.
    fn process_text(&mut self, cx: &mut Cx, seq: SeqNumber, payload: &[u8], fin: bool) {
        if !self.state.can_receive() {
            // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT: the peer already
            // sent FIN, so text here is a duplicate; just ACK it.
            if !payload.is_empty() || fin {
                self.ack_pending = true;
            }
            if fin && self.state == State::TimeWait {
                self.set_timer(cx, Timer::TimeWait, cx.now + cx.config.msl.saturating_mul(2));
            }
            return;
        }
        if payload.is_empty() && !fin {
            return;
        }
        if seq != self.rcv_nxt {
            let offset = seq.since(self.rcv_nxt);
            self.reassembly.insert(offset, payload);
            if fin {
                self.reassembly.set_fin(offset + payload.len());
            }
            cx.event(Event::OutOfOrder {
                conn: self.id,
                seq,
                len: payload.len() as u32,
            });
            // Each out-of-order segment gets its own immediate duplicate
            // ACK (RFC 5681 §4.2), even when several arrive together: the
            // sender counts them to detect the loss (§3.2).
            self.ack_now(cx);
            return;
        }
        let filled_hole = !self.reassembly.is_empty();
        let payload = &payload[..self.reassembly.room_before_fin(0, payload.len())];
        self.rcv_buf.extend(payload);
        self.rcv_nxt += payload.len();
        let fin = if fin {
            // Nothing can follow a FIN: anything held beyond it is bogus.
            self.reassembly.clear();
            true
        } else {
            let mut more = Vec::new();
            let fin_next = self.reassembly.advance(payload.len(), &mut more);
            self.rcv_buf.extend(&more);
            self.rcv_nxt += more.len();
            fin_next
        };
        if !self.rcv_buf.is_empty() {
            let available = self.rcv_buf.len() as u32;
            cx.event(Event::Readable {
                conn: self.id,
                available,
            });
        }
        if fin {
            self.process_fin(cx);
        } else {
            self.schedule_ack(cx, filled_hole);
        }
    }

    /// ACK now, or delay it (RFC 9293 §3.8.6.3): without delayed ACKs every
    /// segment is acknowledged; with them, at least every second segment
    /// (SHLD-19), and at once when a gap was filled (RFC 5681 §4.2).
    fn schedule_ack(&mut self, cx: &mut Cx, immediately: bool) {
        self.unacked_segments += 1;
        match cx.config.delayed_ack {
            Some(delay) if !immediately && self.unacked_segments < 2 => {
                if !self.timer_running(Timer::DelayedAck) {
                    self.set_timer(cx, Timer::DelayedAck, cx.now + delay);
                }
            }
            _ => self.ack_now(cx),
        }
    }

    /// Sends an ACK at once, ahead of anything queued. Each segment that
    /// calls for one gets its own, carrying RCV.NXT as it is now, even when
    /// several arrive at the same instant: one ACK for a whole flight would
    /// slow the sender's slow start and hide duplicate ACKs it counts.
    fn ack_now(&mut self, cx: &mut Cx) {
        let ack = self.send_ack(cx);
        cx.control.push_back(ack);
    }

    /// A challenge ACK (RFC 5961 §3.2, §4, §5.2), if the host's budget for
    /// this second allows one (§7).
    fn challenge(&mut self, cx: &mut Cx, reason: RejectReason) {
        self.reject(cx, reason);
        if cx.challenges.take(cx.now, cx.config.challenge_ack_limit) {
            self.ack_now(cx);
        }
    }

    fn process_fin(&mut self, cx: &mut Cx) {
        self.rcv_nxt += 1;
        self.fin_received = true;
        if matches!(self.state, State::SynReceived | State::Established) {
            // With delayed ACKs on, a FIN's ACK may wait too (RFC 9293
            // §3.8.6.3): if the application closes meanwhile, the ACK rides
            // on our own FIN, and the close takes three segments.
            self.schedule_ack(cx, false);
        } else {
            self.ack_pending = true;
        }
        cx.event(Event::PeerClosed { conn: self.id });
        let our_fin_acked = self.fin_queued && self.snd_una == self.data_end() + 1;
        match self.state {
            State::SynReceived | State::Established => self.set_state(cx, State::CloseWait),
            State::FinWait1 if our_fin_acked => self.set_state(cx, State::TimeWait),
            // Both sides closed at once (RFC 9293 §3.6, figure 13).
            State::FinWait1 => self.set_state(cx, State::Closing),
            State::FinWait2 => self.set_state(cx, State::TimeWait),
            _ => {}
        }
    }

    fn reject(&self, cx: &mut Cx, reason: RejectReason) {
        cx.event(Event::Rejected {
            conn: Some(self.id),
            reason,
        });
    }
}

/// `len` bytes of `ring` from `offset`, as the (up to) two slices they occupy.
fn ring_range(ring: &VecDeque<u8>, offset: usize, len: usize) -> (&[u8], &[u8]) {
    let (a, b) = ring.as_slices();
    if offset >= a.len() {
        let start = offset - a.len();
        (&b[start..start + len], &[])
    } else if offset + len <= a.len() {
        (&a[offset..offset + len], &[])
    } else {
        (&a[offset..], &b[..offset + len - a.len()])
    }
}
