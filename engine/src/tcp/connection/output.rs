//! What a connection sends: the SYN, retransmissions, new data within the
//! windows, zero-window probes and ACKs, in that order of preference.

use super::{Connection, Cx, MAX_PERSIST};
use crate::tcp::{Event, RetransmitReason, State, Timer, MODERN};
use crate::wire::{SeqNumber, TcpFlags, TcpOptions, TcpRepr};

impl Connection {
    /// The next segment this connection wants to send, as a datagram.
    pub fn poll_transmit(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        let out = match self.state {
            State::Closed | State::Listen => None,
            State::SynSent | State::SynReceived if self.snd.nxt == self.snd.iss => Some(self.send_syn(cx)),
            State::SynSent => None,
            _ => self
                .send_retransmission(cx)
                .or_else(|| self.send_paced(cx))
                .or_else(|| self.send_probe(cx))
                .or_else(|| self.rcv.ack_pending.then(|| self.send_ack(cx))),
        };
        self.report_window(cx);
        out
    }

    /// What the congestion window lets go, unless pacing holds it back.
    fn send_paced(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        if self.pacing_holds(cx) {
            return None;
        }
        self.send_sack_recovery(cx)
            .or_else(|| self.send_loss_probe(cx))
            .or_else(|| self.send_data(cx))
    }

    fn send_syn(&mut self, cx: &mut Cx) -> Vec<u8> {
        let retransmission = self.snd.max != self.snd.iss;
        let mut flags = TcpFlags::SYN;
        let ack = if self.state == State::SynReceived {
            flags = flags | TcpFlags::ACK;
            self.rcv.update_adv(cx.config);
            self.rcv.nxt
        } else {
            SeqNumber(0)
        };
        // Offer window scaling, SACK and timestamps in a SYN, and in a
        // SYN-ACK only what the SYN offered too (RFC 7323 §2.2 and §3.2,
        // RFC 2018 §2). A SYN echoes no timestamp: it acknowledges nothing.
        let offering = self.state == State::SynSent;
        let timestamps = match self.rcv.ts() {
            Some(ts) => Some((cx.ts_clock(), ts.recent)),
            None => (MODERN && offering && cx.config.timestamps).then(|| (cx.ts_clock(), 0)),
        };
        let options = TcpOptions {
            mss: Some(cx.config.mss),
            window_scale: self.rcv.offer_shift,
            sack_permitted: MODERN && cx.config.sack && (offering || self.sack_ok()),
            timestamps,
            ..TcpOptions::default()
        };
        // The window in a SYN is never scaled (RFC 7323 §2.2).
        let window = cx.config.recv_buffer.min(u16::MAX as usize) as u16;
        if retransmission {
            let reason = self.snd.retransmit_now.take().unwrap_or(RetransmitReason::Timeout);
            self.retransmitted(cx, self.snd.iss, 0, reason);
            self.syn_resent = true;
        } else if self.rtt_timing.is_none() {
            // In a simultaneous open the SYN-ACK repeats our SYN's number:
            // time from the SYN, the earliest copy the ACK may answer.
            self.rtt_timing = Some((self.snd.iss + 1, cx.now));
        }
        self.snd.nxt = self.snd.iss + 1;
        self.snd.max = self.snd.max.max(self.snd.nxt);
        if !self.timer_running(Timer::Retransmit) {
            self.arm_rto(cx);
        }
        let tcp = TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq: self.snd.iss,
            ack,
            flags,
            window,
            urgent: 0,
            options,
            payload: &[],
        };
        self.sent_ack(cx);
        cx.emit(self.local, self.remote, &tcp)
    }

    /// Fast retransmit or a NewReno partial-ACK retransmission: one segment
    /// from SND.UNA, whatever the congestion window says (RFC 5681 §3.2).
    fn send_retransmission(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        let reason = self.snd.retransmit_now.take()?;
        if self.snd.una >= self.snd.max {
            return None;
        }
        // Only bytes sent before: new data goes through the window checks.
        let data_end = self.snd.data_end();
        let sent_end = self.snd.max.min(data_end);
        let len = sent_end.since(self.snd.una).min(self.payload_room());
        let fin = self.snd.fin_queued && self.snd.una + len == data_end && self.snd.max > data_end;
        if self.sack_ok() {
            self.scoreboard.high_rxt = Some(self.snd.una + len + fin as usize);
        }
        self.retransmitted(cx, self.snd.una, len, reason);
        self.arm_rto(cx);
        Some(self.segment(cx, self.snd.una, len, fin))
    }

    /// RFC 6675 §5 (C): in SACK recovery, while cwnd − pipe is at least one
    /// SMSS, resend what NextSeg names: a hole presumed lost, else (rule 2)
    /// new data, which `send_data` sends, else (rule 3) a hole not yet lost.
    fn send_sack_recovery(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        if !self.recovery.in_sack_recovery() {
            return None;
        }
        let (una, max, smss) = (self.snd.una, self.snd.max, self.snd.mss as u32);
        let pipe = self.scoreboard.pipe(una, max, smss);
        // PRR (RFC 6937) paces recovery by what is delivered; without it,
        // RFC 6675 sends while cwnd − pipe is at least one segment.
        let may_send = self
            .prr_may_send()
            .unwrap_or(self.cc.window().saturating_sub(pipe) >= smss);
        if !may_send {
            return None;
        }
        let data_end = self.snd.data_end();
        let new_data = data_end.since(self.snd.nxt) > 0 && self.snd.flight() + smss as usize <= self.snd.wnd as usize;
        let (seq, len) = self.scoreboard.next_seg(una, max, smss, !new_data)?;
        // A hole may end with our FIN, one past the last byte.
        let bytes = len.min(data_end.since(seq)).min(self.payload_room());
        let fin = self.snd.fin_queued && seq + bytes == data_end && seq + len > data_end;
        self.scoreboard.high_rxt = Some(seq + bytes + fin as usize);
        self.retransmitted(cx, seq, bytes, RetransmitReason::SackRecovery);
        // Resending the first unacknowledged segment (its earlier copy was
        // lost too) gives it a full RTO to be acknowledged, as Linux does;
        // else the timer set for the lost copy fires before this one's ACK.
        if seq == self.snd.una {
            self.arm_rto(cx);
        }
        Some(self.segment(cx, seq, bytes, fin))
    }

    /// Bytes in the network: the RFC 6675 pipe in SACK recovery, else the flight.
    pub(super) fn in_network(&self) -> u32 {
        if self.recovery.in_sack_recovery() {
            self.scoreboard.pipe(self.snd.una, self.snd.max, self.snd.mss as u32)
        } else {
            self.snd.flight() as u32
        }
    }

    /// The largest payload the next segment may carry: the send MSS, less
    /// room for SACK blocks while we hold data out of order (RFC 6691 §3).
    pub(super) fn payload_room(&self) -> usize {
        let sack = if self.sack_ok() && self.rcv.holds_out_of_order() {
            TcpOptions {
                timestamps: self.rcv.ts().map(|ts| (0, ts.recent)),
                ..TcpOptions::default()
            }
            .sack_room()
                * 8
                + 4
        } else {
            0
        };
        (self.snd.mss as usize).saturating_sub(sack).max(1)
    }

    /// New data, or data again after a timeout (SND.NXT went back).
    fn send_data(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        // Nothing but the handshake until our SYN is acknowledged.
        if self.snd.una == self.snd.iss {
            return None;
        }
        let data_end = self.snd.data_end();
        let unsent = data_end.since(self.snd.nxt);
        let flight = self.snd.flight();
        // In SACK recovery the congestion window limits the pipe, not the
        // flight (RFC 6675 §5); the peer's window still limits the flight.
        let in_network = self.in_network() as usize;
        let new_data = self.snd.nxt >= self.snd.max;
        if new_data && flight == 0 && unsent > 0 {
            self.restart_if_idle(cx);
        }
        let cwnd = self.recovery.window(&*self.cc);
        let mut allowed = cwnd;
        if new_data && cx.config.limited_transmit {
            allowed = allowed.saturating_add(self.recovery.limited_transmit_allowance());
        }
        let mss = self.payload_room();
        let congestion_room = match self.prr_may_send() {
            Some(true) => mss,
            Some(false) => 0,
            None => (allowed as usize).saturating_sub(in_network),
        };
        let window = (self.snd.wnd as usize).saturating_sub(flight).min(congestion_room);
        let len = unsent.min(window).min(mss);
        // FIN follows the last byte; once sent, SND.NXT is past `data_end`.
        let fin = self.snd.fin_queued && self.snd.nxt + len == data_end;
        if len == 0 && !fin {
            if unsent > 0 && self.snd.wnd == 0 {
                self.enter_persist(cx);
            }
            #[cfg(feature = "modern")]
            if unsent == 0 && (in_network as u32) < cwnd {
                self.rate_app_limited(in_network as u32);
            }
            return None;
        }
        // Nagle (RFC 9293 §3.7.4): hold a small segment while data is unacknowledged.
        if cx.config.nagle && len < mss && flight > 0 && !fin {
            return None;
        }
        let seq = self.snd.nxt;
        // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): while data is
        // in flight (an ACK will come), send a partial segment only if it
        // empties the queue or fills half the largest window the peer ever
        // offered; otherwise wait for the window to open further.
        let small = len < mss && len < unsent && len < self.snd.max_wnd as usize / 2;
        if small && flight > 0 && !fin && seq >= self.snd.max {
            return None;
        }
        // Data after a window probe repeats only the probe byte: not a loss.
        let after_probe = self.snd.persist.probe_seq.take() == Some(seq) && self.snd.max == seq + 1;
        if seq < self.snd.max && !after_probe {
            self.retransmitted(cx, seq, len, RetransmitReason::Timeout);
        } else if self.rtt_timing.is_none() {
            self.rtt_timing = Some((seq + len + fin as usize, cx.now));
        }
        self.snd.nxt = seq + len + fin as usize;
        self.snd.max = self.snd.max.max(self.snd.nxt);
        if !self.timer_running(Timer::Retransmit) {
            self.arm_rto(cx);
        }
        if len > 0 {
            self.snd.last_data_sent = Some(cx.now);
            let beyond_cwnd = (flight + len).saturating_sub(cwnd as usize);
            self.recovery.on_limited_transmit(beyond_cwnd.min(len) as u32);
        }
        let out = self.segment(cx, seq, len, fin);
        // RFC 8985 §7.2: new data restarts the probe timer.
        #[cfg(feature = "modern")]
        if new_data {
            self.arm_loss_probe(cx);
        }
        Some(out)
    }

    #[cfg(not(feature = "modern"))]
    fn send_loss_probe(&mut self, _: &mut Cx) -> Option<Vec<u8>> {
        None
    }

    #[cfg(not(feature = "modern"))]
    fn prr_may_send(&self) -> Option<bool> {
        None
    }

    #[cfg(not(feature = "modern"))]
    fn pacing_holds(&mut self, _: &mut Cx) -> bool {
        false
    }

    /// RFC 5681 §4.1: after sending nothing for more than an RTO, the ACK
    /// clock is gone; start again from the restart window, min(IW, cwnd).
    /// Idle is measured from the last data sent, as Linux does.
    fn restart_if_idle(&mut self, cx: &mut Cx) {
        if !cx.config.restart_after_idle {
            return;
        }
        if let Some(last) = self.snd.last_data_sent {
            if cx.now.saturating_since(last) > self.rtt.rto() {
                self.cc.restart_after_idle();
            }
        }
    }

    /// The send window is zero and data waits: probe it (RFC 9293 §3.8.6.1).
    fn enter_persist(&mut self, cx: &mut Cx) {
        let persist = &self.snd.persist;
        if self.timer_running(Timer::Persist) || self.timer_running(Timer::Retransmit) || persist.probe_now {
            return;
        }
        if !persist.reported {
            self.snd.persist.reported = true;
            cx.event(Event::ZeroWindow { conn: self.id });
        }
        let interval = self
            .rtt
            .rto()
            .saturating_mul(1 << self.snd.persist.backoff.min(16))
            .min(MAX_PERSIST);
        self.set_timer(cx, Timer::Persist, cx.now + interval);
    }

    /// A 1-byte probe beyond the zero window. SND.NXT does not move: the byte
    /// is sent again as ordinary data once the window opens.
    fn send_probe(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        if !std::mem::take(&mut self.snd.persist.probe_now) {
            return None;
        }
        if self.snd.wnd > 0 || self.snd.data_end().since(self.snd.nxt) == 0 {
            self.snd.persist.backoff = 0;
            return None;
        }
        // The byte counts as sent (SND.MAX) so an ACK for it is valid, but
        // SND.NXT stays: it is sent again as data when the window opens.
        let seq = self.snd.nxt;
        self.snd.max = self.snd.max.max(seq + 1);
        self.snd.persist.probe_seq = Some(seq);
        self.snd.persist.unanswered += 1;
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
    pub(super) fn send_ack(&mut self, cx: &mut Cx) -> Vec<u8> {
        let seq = match self.snd.persist.probe_seq {
            Some(probe) if self.snd.una <= probe && self.snd.max == probe + 1 => probe,
            _ => self.snd.max,
        };
        self.segment(cx, seq, 0, false)
    }

    /// Builds a segment at `seq` carrying `len` bytes from the send buffer
    /// (and FIN), with the current ACK and window.
    pub(super) fn segment(&mut self, cx: &mut Cx, seq: SeqNumber, len: usize, fin: bool) -> Vec<u8> {
        let window = self.rcv.advertise(cx.config);
        let options = self.segment_options(cx);
        let data_end = self.snd.data_end();
        let payload = self.snd.payload(seq, len);
        let mut flags = TcpFlags::ACK;
        // PSH on the segment that empties what the application wrote.
        flags.set(TcpFlags::PSH, !payload.is_empty() && seq + payload.len() == data_end);
        flags.set(TcpFlags::FIN, fin);
        let tcp = TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq,
            ack: self.rcv.nxt,
            flags,
            window,
            urgent: 0,
            options,
            payload,
        };
        let bytes = cx.emit(self.local, self.remote, &tcp);
        self.sent_ack(cx);
        #[cfg(feature = "modern")]
        if len > 0 || fin {
            self.rack_sent(cx, seq, len, fin);
            self.prr_sent(len + fin as usize);
            self.rate_sent(cx, seq, seq + len + fin as usize);
        }
        bytes
    }

    /// Timestamps on every segment once negotiated (RFC 7323 §3.2), and
    /// SACK blocks while data is held out of order (RFC 2018 §4).
    fn segment_options(&mut self, cx: &mut Cx) -> TcpOptions {
        let mut options = TcpOptions::default();
        let nxt = self.rcv.nxt;
        if let Some(ts) = self.rcv.ts_mut() {
            options.timestamps = Some((cx.ts_clock(), ts.recent));
            ts.last_ack_sent = nxt;
        }
        if self.sack_ok() {
            options.sack = self.rcv.sack_blocks(options.sack_room());
        }
        options
    }

    /// Every segment we send carries the latest ACK: nothing stays owed.
    fn sent_ack(&mut self, cx: &mut Cx) {
        self.rcv.ack_pending = false;
        self.rcv.unacked_segments = 0;
        self.cancel_timer(cx, Timer::DelayedAck);
    }

    pub(super) fn retransmitted(&mut self, cx: &mut Cx, seq: SeqNumber, len: usize, reason: RetransmitReason) {
        // Karn's rule: an ACK for retransmitted data is ambiguous; no sample.
        self.rtt_timing = None;
        #[cfg(feature = "modern")]
        if reason != RetransmitReason::LossProbe {
            self.rate_lost(len);
        }
        cx.event(Event::Retransmit {
            conn: self.id,
            seq,
            len: len as u32,
            reason,
        });
    }
}
