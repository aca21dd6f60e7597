//! One connection's transmission control block (RFC 9293 §3.3.1): the send
//! side and the receive side, tied by the state machine.
//!
//! - `send.rs`: SND.* variables, the retransmission queue, persist;
//! - `recv.rs`: RCV.* variables, acceptability, reassembly, the window we offer;
//! - `transition.rs`: every change of state, as one function over (state, trigger);
//! - `input.rs`: SEGMENT ARRIVES (§3.10.7);
//! - `output.rs`: what `poll_transmit` sends.
//!
//! Loss detection lives in `tcp::recovery`, congestion control behind
//! `tcp::congestion::Controller`.

mod input;
mod output;
#[cfg(feature = "modern")]
mod rack_tlp;
#[cfg(feature = "modern")]
mod rate;
#[cfg(feature = "modern")]
mod rate_reduction;
mod recv;
mod send;
pub mod transition;

use super::congestion::Controller;
use super::recovery::Recovery;
use super::rtt::RttEstimator;
use super::scoreboard::Scoreboard;
use super::{Config, ConnError, ConnId, Event, State, Timer, MODERN};
use crate::time::{earliest, Duration, Instant};
use crate::wire::{self, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};
use recv::RecvSide;
use send::{SendSide, DEFAULT_MSS};
use std::collections::VecDeque;
use std::net::SocketAddrV4;
use transition::Trigger;

/// Bytes the timestamps option takes in every segment once negotiated
/// (two NOPs and the 10-byte option, RFC 7323 Appendix A).
const TS_OPTION_LEN: u16 = 12;

/// Longest interval between zero-window probes.
const MAX_PERSIST: Duration = Duration::from_secs(60);

/// What a connection needs from its endpoint while it works.
pub(super) struct Cx<'a> {
    pub config: &'a Config,
    pub events: &'a mut VecDeque<Event>,
    /// Segments to send ahead of any connection's: RSTs not tied to a
    /// living connection, and ACKs that must go at once.
    pub control: &'a mut VecDeque<Vec<u8>>,
    pub ident: &'a mut u16,
    /// Challenge ACKs this host may still send this second (RFC 5961 §7).
    pub challenges: &'a mut ChallengeBudget,
    pub now: Instant,
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

    /// The timestamp clock (RFC 7323 §5.4): simulated milliseconds.
    pub fn ts_clock(&self) -> u32 {
        self.now.millis() as u32
    }

    pub fn emit(&mut self, local: SocketAddrV4, remote: SocketAddrV4, tcp: &TcpRepr<'_>) -> Vec<u8> {
        let ip = Ipv4Repr {
            src: *local.ip(),
            dst: *remote.ip(),
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
    pub fn reset(&mut self, local: SocketAddrV4, remote: SocketAddrV4, seq: SeqNumber, ack: Option<SeqNumber>) {
        let tcp = TcpRepr {
            src_port: local.port(),
            dst_port: remote.port(),
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
        let bytes = self.emit(local, remote, &tcp);
        self.control.push_back(bytes);
    }
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

/// `len` bytes of `ring` from `offset`, as the (up to) two slices they
/// occupy: the send buffer's and the receive buffer's shared view.
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

/// Congestion and flow control as last reported (bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WindowReport {
    cwnd: u32,
    ssthresh: u32,
    flight: u32,
    snd_wnd: u32,
    rcv_wnd: u32,
}

pub(super) struct Connection {
    pub id: ConnId,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub state: State,
    /// The listener that created this connection (passive open).
    pub listener: Option<ConnId>,
    snd: SendSide,
    rcv: RecvSide,
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
    cc: Box<dyn Controller>,
    recovery: Recovery,
    /// Both SYNs carried SACK-permitted (RFC 2018 §2).
    sack_ok: bool,
    scoreboard: Scoreboard,
    last_window: Option<WindowReport>,
    #[cfg(feature = "modern")]
    last_scoreboard: Option<Event>,
    #[cfg(feature = "modern")]
    last_variables: Option<super::Variables>,
    #[cfg(feature = "modern")]
    rack: super::rack::Rack,
    /// PRR's state while in SACK recovery with `Config::prr`.
    #[cfg(feature = "modern")]
    prr: Option<super::prr::Prr>,
    #[cfg(feature = "modern")]
    delivery: super::delivery_rate::DeliveryRate,
    /// When pacing lets the next data segment leave.
    #[cfg(feature = "modern")]
    pace_at: Option<Instant>,
}

impl Connection {
    fn new(id: ConnId, config: &Config, local: SocketAddrV4, remote: SocketAddrV4, iss: SeqNumber) -> Self {
        Connection {
            id,
            local,
            remote,
            state: State::Closed,
            listener: None,
            snd: SendSide::new(iss),
            rcv: RecvSide::new(config),
            timers: [None; Timer::COUNT],
            rtt: RttEstimator::new(config.initial_rto, config.min_rto, config.max_rto),
            rtt_timing: None,
            retries: 0,
            syn_resent: false,
            syn_timed_out: false,
            cc: config.congestion.build(
                DEFAULT_MSS as u32,
                config.initial_cwnd,
                config.initial_ssthresh,
                iss.0 as u64,
            ),
            recovery: Recovery::new(DEFAULT_MSS as u32, false),
            sack_ok: false,
            scoreboard: Scoreboard::default(),
            last_window: None,
            #[cfg(feature = "modern")]
            last_scoreboard: None,
            #[cfg(feature = "modern")]
            last_variables: None,
            #[cfg(feature = "modern")]
            rack: Default::default(),
            #[cfg(feature = "modern")]
            prr: None,
            #[cfg(feature = "modern")]
            delivery: Default::default(),
            #[cfg(feature = "modern")]
            pace_at: None,
        }
    }

    /// Active open (RFC 9293 §3.10.1): CLOSED → SYN_SENT; the SYN goes out
    /// on the next `poll_transmit`.
    pub fn connect(cx: &mut Cx, id: ConnId, local: SocketAddrV4, remote: SocketAddrV4, iss: SeqNumber) -> Self {
        let mut conn = Connection::new(id, cx.config, local, remote, iss);
        conn.apply(cx, Trigger::ActiveOpen);
        conn
    }

    /// Passive open: a listener received `syn` (RFC 9293 §3.10.7.2).
    pub fn accept(
        cx: &mut Cx,
        id: ConnId,
        listener: ConnId,
        (local, remote): (SocketAddrV4, SocketAddrV4),
        iss: SeqNumber,
        syn: &TcpRepr<'_>,
    ) -> Self {
        let mut conn = Connection::new(id, cx.config, local, remote, iss);
        conn.listener = Some(listener);
        conn.state = State::Listen;
        conn.learn_from_syn(cx, syn);
        cx.event(Event::Accepted { conn: id, listener });
        conn.apply(cx, Trigger::RcvSyn);
        conn
    }

    /// A connection rebuilt from a valid SYN cookie: the handshake is
    /// complete, but the SYN's options are gone except the MSS the cookie
    /// encoded (RFC 4987 §3.6).
    pub fn from_cookie(
        cx: &mut Cx,
        id: ConnId,
        listener: ConnId,
        (local, remote): (SocketAddrV4, SocketAddrV4),
        ack: &TcpRepr<'_>,
        mss: u16,
    ) -> Self {
        let mut conn = Connection::new(id, cx.config, local, remote, ack.ack - 1);
        conn.listener = Some(listener);
        conn.rcv.offer_shift = None;
        conn.rcv.synchronize(ack.seq - 1);
        conn.rcv.update_adv(cx.config);
        conn.snd.synchronized_at(ack.ack);
        conn.set_mss(cx, mss);
        conn.snd.wnd = ack.window as u32;
        conn.snd.wl1 = ack.seq;
        conn.state = State::Listen;
        cx.event(Event::Accepted { conn: id, listener });
        conn.apply(cx, Trigger::RcvCookie);
        conn
    }

    // ---- getters -------------------------------------------------------

    /// Both SYNs offered SACK (and this build has it: see `MODERN`).
    fn sack_ok(&self) -> bool {
        MODERN && self.sack_ok
    }

    pub fn readable(&self) -> usize {
        self.rcv.readable()
    }

    /// The peer has closed and every byte it sent has been read.
    pub fn at_eof(&self) -> bool {
        self.rcv.at_eof()
    }

    pub fn send_space(&self, config: &Config) -> usize {
        self.snd.space(config)
    }

    pub fn unsent_or_unacked(&self) -> usize {
        self.snd.queued()
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        self.timers.iter().fold(None, |due, &t| earliest(due, t))
    }

    pub fn iss(&self) -> SeqNumber {
        self.snd.iss
    }

    /// One past the highest sequence number sent.
    pub fn snd_max(&self) -> SeqNumber {
        self.snd.max
    }

    /// A SYN that may end this connection's TIME_WAIT: numbered above every
    /// byte the peer sent on it, so it cannot be an old duplicate (RFC 6191
    /// §2, without timestamps). Any other SYN here is answered as usual.
    pub fn reopens_time_wait(&self, seg: &TcpRepr<'_>) -> bool {
        self.state == State::TimeWait
            && seg.flags.syn()
            && !seg.flags.ack()
            && !seg.flags.rst()
            && seg.seq > self.rcv.nxt
    }

    // ---- commands ------------------------------------------------------

    pub fn send(&mut self, config: &Config, data: &[u8]) -> usize {
        if !self.state.can_send() || self.snd.fin_queued {
            return 0;
        }
        self.snd.write(config, data)
    }

    /// Hands up to `max` in-order bytes to `sink` (as the one or two
    /// slices they occupy in the buffer) and frees them.
    pub fn recv(&mut self, cx: &mut Cx, max: usize, sink: impl FnOnce(&[u8], &[u8])) -> usize {
        let n = self.rcv.read(max, sink);
        if n > 0 && self.state.is_synchronized() {
            let old_window = self.rcv.window();
            // Tell the peer only when the window grew from under half the
            // buffer: small openings ride on the next ACK anyway.
            if self.rcv.update_adv(cx.config) && old_window < cx.config.recv_buffer / 2 {
                self.rcv.ack_pending = true;
                let window = self.rcv.window() as u32;
                cx.event(Event::WindowUpdate { conn: self.id, window });
            }
        }
        n
    }

    /// CLOSE (RFC 9293 §3.10.4). In SYN_SENT the connection never reached
    /// the peer and is simply deleted.
    pub fn close(&mut self, cx: &mut Cx) {
        match self.state {
            State::SynSent => self.apply(cx, Trigger::Close),
            // The FIN waits until the handshake completes.
            State::SynReceived => self.snd.fin_queued = true,
            State::Established | State::CloseWait => {
                self.snd.fin_queued = true;
                self.apply(cx, Trigger::Close);
            }
            _ => {}
        }
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
            cx.reset(self.local, self.remote, self.snd.max, None);
        }
        self.apply(cx, Trigger::Abort);
    }

    /// TIME_WAIT ends early: a new connection takes over the ports.
    pub fn end_time_wait(&mut self, cx: &mut Cx) {
        cx.event(Event::Reopened { conn: self.id });
        self.apply(cx, Trigger::Reopened);
    }

    // ---- state and timers ----------------------------------------------

    /// Takes the edge `trigger` leads along from the current state, if any
    /// (`transition::next`), reporting it and setting the timers the new
    /// state needs.
    fn apply(&mut self, cx: &mut Cx, trigger: Trigger) {
        let Some(to) = transition::next(self.state, trigger) else {
            return;
        };
        cx.event(Event::StateChanged {
            conn: self.id,
            from: self.state,
            to,
        });
        self.state = to;
        match to {
            State::Closed | State::Listen => {
                for timer in Timer::ALL {
                    self.cancel_timer(cx, timer);
                }
            }
            State::TimeWait => {
                for timer in Timer::ALL.into_iter().filter(|&t| t != Timer::TimeWait) {
                    self.cancel_timer(cx, timer);
                }
                self.restart_time_wait(cx);
            }
            _ => {}
        }
    }

    /// TIME_WAIT lasts 2 × MSL from now: on entering it, and again each
    /// time the peer's FIN comes back (RFC 9293 §3.10.7.4, eighth step).
    fn restart_time_wait(&mut self, cx: &mut Cx) {
        self.set_timer(cx, Timer::TimeWait, cx.now + cx.config.msl.saturating_mul(2));
    }

    /// The connection is over for good, or back to its listener.
    pub fn is_gone(&self) -> bool {
        matches!(self.state, State::Closed | State::Listen)
    }

    /// The handshake is complete: ESTABLISHED (or on to FIN_WAIT_1 if the
    /// application already closed).
    fn establish(&mut self, cx: &mut Cx, trigger: Trigger) {
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
        self.apply(cx, trigger);
        if self.snd.fin_queued {
            self.apply(cx, Trigger::Close);
        }
    }

    fn fail(&mut self, cx: &mut Cx, error: ConnError, trigger: Trigger) {
        cx.event(Event::Error { conn: self.id, error });
        self.apply(cx, trigger);
    }

    /// A half-open connection from a listener is given up: back to LISTEN.
    fn drop_half_open(&mut self, cx: &mut Cx) {
        self.apply(cx, Trigger::HalfOpenDropped);
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
                Timer::Persist if self.snd.persist.unanswered >= cx.config.max_retries => {
                    self.fail(cx, ConnError::TimedOut, Trigger::TimedOut);
                }
                Timer::Persist => {
                    self.snd.persist.probe_now = true;
                    self.snd.persist.backoff = (self.snd.persist.backoff + 1).min(16);
                }
                Timer::DelayedAck => self.rcv.ack_pending = true,
                Timer::TimeWait => self.apply(cx, Trigger::TimeWaitOver),
                #[cfg(feature = "modern")]
                Timer::Reorder => self.rack_detect_loss(cx),
                #[cfg(feature = "modern")]
                Timer::LossProbe => {
                    self.rack.fire = true;
                    self.arm_rto(cx);
                }
                #[cfg(not(feature = "modern"))]
                Timer::Reorder | Timer::LossProbe => {}
                // The next `poll_transmit` sends what pacing held.
                Timer::Pace => {}
            }
            if self.is_gone() {
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
                self.drop_half_open(cx);
            } else {
                self.fail(cx, ConnError::TimedOut, Trigger::TimedOut);
            }
            return;
        }
        if self.state.is_synchronized() {
            let flight = self.snd.outstanding() as u32;
            self.cc.on_timeout(cx.now, flight);
            self.recovery.on_timeout(self.snd.max - 1);
            if self.sack_ok() {
                // The receiver may have dropped what it SACKed (RFC 2018 §8).
                self.scoreboard.clear();
            }
            #[cfg(feature = "modern")]
            {
                self.prr = None;
                self.rack.on_timeout();
                self.cancel_timer(cx, Timer::Reorder);
                self.cancel_timer(cx, Timer::LossProbe);
            }
        } else {
            self.syn_timed_out = true;
        }
        // Back off (RFC 6298 §5.5) and go back to the first unacknowledged
        // byte; Karn's rule: nothing sent again may be timed (§3 of RFC 6298).
        self.rtt.back_off();
        self.rtt_timing = None;
        self.snd.nxt = self.snd.una;
        self.snd.retransmit_now = None;
    }

    /// The peer's MSS and options are known: congestion control starts
    /// over from the largest payload a segment carries, the MSS less the
    /// timestamps every segment then carries (RFC 6691 §3).
    fn set_mss(&mut self, cx: &mut Cx, mss: u16) {
        let options = if self.rcv.ts().is_some() { TS_OPTION_LEN } else { 0 };
        self.snd.mss = mss.clamp(64, cx.config.mss) - options;
        let smss = self.snd.mss as u32;
        self.cc = cx
            .config
            .congestion
            .build(smss, cx.config.initial_cwnd, cx.config.initial_ssthresh, self.cc_seed());
        self.recovery = Recovery::new(smss, self.sack_ok());
    }

    /// What seeds the controller's random draws: the initial sequence
    /// number, which the caller chose (at random, in real use).
    fn cc_seed(&self) -> u64 {
        self.snd.iss.0 as u64
    }

    /// Reports the SACK scoreboard when it changed, while it holds
    /// something (and once more when it empties).
    #[cfg(feature = "modern")]
    fn report_scoreboard(&mut self, cx: &mut Cx) {
        let (una, max, smss) = (self.snd.una, self.snd.max, self.snd.mss as u32);
        let empty = |e: &Event| matches!(e, Event::Scoreboard { sacked, high_rxt: None, .. } if sacked.is_empty());
        let holes = self.scoreboard.holes(una, max, smss);
        let report = Event::Scoreboard {
            conn: self.id,
            una,
            max,
            sacked: self.scoreboard.sacked().to_vec(),
            lost: holes.iter().filter(|h| h.lost).map(|h| (h.start, h.end)).collect(),
            high_rxt: self.scoreboard.high_rxt,
            pipe: self.scoreboard.pipe(una, max, smss),
        };
        let quiet = empty(&report) && self.last_scoreboard.as_ref().is_none_or(empty);
        if !quiet && self.last_scoreboard.as_ref() != Some(&report) {
            self.last_scoreboard = Some(report.clone());
            cx.event(report);
        }
    }

    /// Reports cwnd/ssthresh/flight/windows when any of them changed.
    fn report_window(&mut self, cx: &mut Cx) {
        if !cx.config.verbose_events || !self.state.is_synchronized() {
            return;
        }
        let now = WindowReport {
            cwnd: self.recovery.window(&*self.cc),
            ssthresh: self.cc.ssthresh(),
            flight: self.snd.flight() as u32,
            snd_wnd: self.snd.wnd,
            rcv_wnd: self.rcv.window() as u32,
        };
        #[cfg(feature = "modern")]
        {
            if self.sack_ok() {
                self.report_scoreboard(cx);
            }
            let changed = self.cc.variables().filter(|v| Some(*v) != self.last_variables);
            if let Some(variables) = changed {
                self.last_variables = Some(variables);
                cx.event(Event::CongestionVariables {
                    conn: self.id,
                    variables,
                });
            }
        }
        if self.last_window != Some(now) {
            self.last_window = Some(now);
            cx.event(Event::Window {
                conn: self.id,
                cwnd: now.cwnd,
                ssthresh: now.ssthresh,
                flight: now.flight,
                snd_wnd: now.snd_wnd,
                rcv_wnd: now.rcv_wnd,
                phase: self.recovery.phase(&*self.cc),
            });
        }
    }
}
