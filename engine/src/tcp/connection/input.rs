//! SEGMENT ARRIVES (RFC 9293 §3.10.7.3 and §3.10.7.4), in the RFC's order
//! of steps.

use super::recv::MAX_WINDOW_SCALE;
use super::recv::{Delivery, TsRecent};
use super::transition::Trigger;
use super::{Connection, Cx};
use crate::tcp::congestion::Ack;
use crate::tcp::{ConnError, Event, RejectReason, RetransmitReason, State, Timer, MODERN};
use crate::time::Duration;
use crate::wire::{SeqNumber, TcpRepr};

impl Connection {
    pub fn handle_segment(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        if self.state == State::SynSent {
            self.handle_in_syn_sent(cx, seg);
        } else {
            self.handle_synchronizing(cx, seg);
        }
        self.report_window(cx);
    }

    /// Records what a SYN tells us: the peer's ISN, MSS, window scale, and
    /// whether both sides use SACK (RFC 2018 §2) and timestamps (RFC 7323
    /// §3.2): each only if both SYNs carry it.
    pub(super) fn learn_from_syn(&mut self, cx: &mut Cx, syn: &TcpRepr<'_>) {
        self.rcv.synchronize(syn.seq);
        self.sack_ok = MODERN && cx.config.sack && syn.options.sack_permitted;
        self.rcv.ts = match syn.options.timestamps {
            Some((recent, _)) if MODERN && cx.config.timestamps => Some(TsRecent {
                recent,
                last_ack_sent: self.rcv.nxt,
            }),
            _ => None,
        };
        self.set_mss(cx, syn.options.mss.unwrap_or(super::DEFAULT_MSS));
        // Scaling is on only if both SYNs carry the option (RFC 7323 §2.2).
        match (self.rcv.offer_shift, syn.options.window_scale) {
            (Some(ours), Some(theirs)) => {
                self.rcv.shift = ours;
                self.snd.shift = theirs.min(MAX_WINDOW_SCALE);
            }
            _ => self.rcv.offer_shift = None,
        }
        // The window in a SYN is never scaled (RFC 7323 §2.2).
        self.snd.wnd = syn.window as u32;
        self.snd.max_wnd = self.snd.max_wnd.max(self.snd.wnd);
        self.snd.wl1 = syn.seq;
    }

    /// RFC 9293 §3.10.7.3: SEGMENT ARRIVES in SYN-SENT.
    fn handle_in_syn_sent(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let flags = seg.flags;
        // First, the ACK: it must cover our SYN and nothing beyond.
        if flags.ack() && (seg.ack <= self.snd.iss || seg.ack > self.snd.max) {
            if !flags.rst() {
                cx.reset(self.local, self.remote, seg.ack, None);
            }
            self.reject(cx, RejectReason::BadAckInSynSent);
            return;
        }
        if flags.rst() {
            // An RST is believed only if it acknowledges our SYN.
            if flags.ack() {
                self.fail(cx, ConnError::Refused, Trigger::RcvRst);
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
        if !flags.ack() {
            // Simultaneous open: both SYNs crossed (RFC 9293 §3.5, figure 8).
            // Send SYN,ACK with our own ISN again; not a retransmission.
            self.snd.nxt = self.snd.iss;
            self.snd.max = self.snd.iss;
            self.apply(cx, Trigger::RcvSyn);
            return;
        }
        self.snd.una = seg.ack;
        self.snd.wl2 = seg.ack;
        self.take_rtt_sample(cx, seg);
        self.cancel_timer(cx, Timer::Retransmit);
        self.retries = 0;
        self.rcv.ack_pending = true;
        self.establish(cx, Trigger::RcvSynAck);
        // Data or a FIN on the SYN,ACK: "continue processing at the sixth
        // step" (RFC 9293 §3.10.7.3), i.e. the text after the SYN.
        if !seg.payload.is_empty() || flags.fin() {
            self.rcv.update_adv(cx.config);
            self.text_step(
                cx,
                &TcpRepr {
                    seq: seg.seq + 1,
                    ..seg.clone()
                },
            );
        }
    }

    /// RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on.
    fn handle_synchronizing(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let flags = seg.flags;

        // A retransmitted SYN in SYN_RCVD means our SYN,ACK was lost: send
        // it again rather than a bare ACK, as the peer lacks our ISN.
        if self.state == State::SynReceived && flags.syn() && !flags.ack() && seg.seq == self.rcv.irs {
            self.snd.nxt = self.snd.iss;
            self.snd.retransmit_now = Some(RetransmitReason::SynRepeated);
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
            && seg.seq == self.rcv.irs
            && seg.ack == self.snd.iss + 1
        {
            self.process_ack(cx, seg);
            return;
        }

        // PAWS (RFC 7323 §5.3, R1): a timestamp older than the last one
        // accepted marks an old duplicate, even one whose sequence numbers
        // wrapped into the window. ACK it and drop it; an RST is exempt.
        if let (Some(ts), Some((val, _))) = (self.rcv.ts(), seg.options.timestamps) {
            if !flags.rst() && (val.wrapping_sub(ts.recent) as i32) < 0 {
                // Bytes already received come back in a D-SACK, as Linux
                // does: the sender learns its resend was not needed (RFC 2883 §4).
                if seg.seq + seg.payload.len() <= self.rcv.nxt {
                    self.note_dsack(seg.seq, seg.payload.len());
                }
                self.ack_now(cx);
                self.reject(cx, RejectReason::Paws);
                return;
            }
        }

        // First: sequence number acceptability.
        if !self.rcv.acceptable(seg) {
            if !flags.rst() {
                // A retransmitted FIN in TIME_WAIT: ACK it and restart the
                // 2 MSL wait (RFC 9293 §3.10.7.4, eighth step).
                if self.state == State::TimeWait && flags.fin() {
                    self.restart_time_wait(cx);
                }
                // The duplicate is noted first, so the ACK carries its D-SACK.
                if seg.seq_len() > 0 && seg.seq < self.rcv.nxt {
                    self.report_duplicate(cx, seg);
                } else {
                    self.reject(cx, RejectReason::Unacceptable);
                }
                self.ack_now(cx);
            }
            if !self.rcv.zero_window_ack(seg) {
                return;
            }
        }

        // RFC 7323 §4.3: echo the TSval of the segment that starts the data
        // we acknowledge next, so the peer's RTT includes any delay of ours.
        if let (Some(ts), Some((val, _))) = (self.rcv.ts_mut(), seg.options.timestamps) {
            if seg.seq <= ts.last_ack_sent && (val.wrapping_sub(ts.recent) as i32) >= 0 {
                ts.recent = val;
            }
        }

        // Second: RST. Reset only on an exact match; otherwise challenge
        // (RFC 5961 §3.2, adopted by RFC 9293 §3.10.7.4).
        if flags.rst() {
            if seg.seq != self.rcv.nxt {
                self.challenge(cx, RejectReason::RstChallenge);
                return;
            }
            match self.state {
                State::SynReceived if self.listener.is_some() => self.drop_half_open(cx),
                State::SynReceived => self.fail(cx, ConnError::Refused, Trigger::RcvRst),
                State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                    self.fail(cx, ConnError::Reset, Trigger::RcvRst)
                }
                _ => self.apply(cx, Trigger::RcvRst),
            }
            return;
        }

        // Fourth: a SYN. A half-open connection from a passive OPEN goes back
        // to LISTEN; elsewhere it draws a challenge ACK (RFC 9293 §3.10.7.4,
        // RFC 5961 §4).
        if flags.syn() {
            if self.state == State::SynReceived && self.listener.is_some() {
                self.reject(cx, RejectReason::SynInSynReceived);
                self.drop_half_open(cx);
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

        self.text_step(cx, seg);
        // Our FIN acknowledged, and no FIN of the peer's with it: FIN_WAIT_2.
        // (A FIN on the same segment went straight to TIME_WAIT above.)
        if self.state == State::FinWait1 && self.snd.fin_acked() {
            self.apply(cx, Trigger::RcvAckOfFin);
        }
    }

    /// The fifth step: returns false when processing must stop.
    fn process_ack(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) -> bool {
        let ack = seg.ack;
        #[cfg(feature = "modern")]
        let (una_before, flight_before) = (self.snd.una, self.snd.outstanding() as u32);
        if self.state == State::SynReceived {
            if !(self.snd.una < ack && ack <= self.snd.max) {
                cx.reset(self.local, self.remote, ack, None);
                self.reject(cx, RejectReason::BadAckInSynSent);
                return false;
            }
            self.establish(cx, Trigger::RcvAckOfSyn);
        }
        if ack > self.snd.max {
            self.challenge(cx, RejectReason::AckOfUnsent);
            return false;
        }
        self.snd.persist.unanswered = 0;

        let old_wnd = self.snd.wnd;
        self.snd.update_window(seg);
        if self.snd.wnd > 0 {
            self.snd.persist.reported = false;
            self.snd.persist.backoff = 0;
            self.cancel_timer(cx, Timer::Persist);
        }

        let new_sacked = if self.sack_ok() { self.take_sack(cx, seg) } else { 0 };
        if ack > self.snd.una {
            self.on_new_ack(cx, seg);
        } else if ack == self.snd.una
            && self.snd.max > self.snd.una
            && seg.payload.is_empty()
            && !seg.flags.syn()
            && !seg.flags.fin()
            && self.snd.wnd == old_wnd
            && self.snd.wnd > 0
            // With SACK, only an ACK that SACKs new data counts (RFC 6675 §2).
            && (!self.sack_ok() || new_sacked > 0)
        {
            // A duplicate ACK as RFC 5681 §2 defines it. Answers to window
            // probes (window still zero) say "full", not "lost": not counted.
            let flight = self.snd.outstanding() as u32;
            let reason = self
                .recovery
                .on_dup_ack(&mut *self.cc, cx.now, self.snd.una, flight, self.snd.max - 1);
            cx.event(Event::DuplicateAck {
                conn: self.id,
                count: self.recovery.dup_acks(),
            });
            if reason.is_some() {
                self.snd.retransmit_now = reason;
            }
        }
        #[cfg(feature = "modern")]
        self.rack_ack(cx);
        // RFC 6675 §5: recovery also starts when the scoreboard finds the
        // first unacknowledged segment lost, before a third duplicate.
        let (una, max, smss) = (self.snd.una, self.snd.max, self.snd.mss as u32);
        if self.sack_ok() && !self.recovery.in_recovery() && self.scoreboard.first_lost(una, max, smss) {
            let flight = self.snd.outstanding() as u32;
            if let Some(reason) = self.recovery.enter(&mut *self.cc, cx.now, una, flight, max - 1) {
                self.snd.retransmit_now = Some(reason);
            }
        }
        #[cfg(feature = "modern")]
        {
            self.prr_ack(
                cx,
                self.snd.una.since(una_before) as u32 + new_sacked as u32,
                flight_before,
            );
            self.rate_ack(cx);
        }

        // Our FIN acknowledged: CLOSING and LAST_ACK end here; FIN_WAIT_1
        // waits for the text step, in case a FIN came on this segment too.
        if self.snd.fin_acked() {
            match self.state {
                State::Closing => self.apply(cx, Trigger::RcvAckOfFin),
                State::LastAck => {
                    self.apply(cx, Trigger::RcvAckOfFin);
                    return false;
                }
                _ => {}
            }
        }
        true
    }

    /// The SACK blocks of an ACK go on the scoreboard. Returns the bytes
    /// newly SACKed.
    #[cfg_attr(not(feature = "modern"), allow(unused_variables))]
    fn take_sack(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) -> usize {
        #[cfg(feature = "modern")]
        self.report_dsack(cx, seg);
        let una = self.snd.una.max(seg.ack);
        self.scoreboard.update(una, self.snd.max, &seg.options.sack)
    }

    /// A D-SACK is reported (RFC 2883 §4: the first block lies below the
    /// ACK, or inside the second block).
    #[cfg(feature = "modern")]
    fn report_dsack(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let mut blocks = seg.options.sack.iter();
        let Some((left, right)) = blocks.next() else {
            return;
        };
        let inside_second = blocks.next().is_some_and(|(l, r)| l <= left && right <= r);
        if right <= seg.ack || inside_second {
            self.rack.dsack_seen = self.rack.probe.is_some();
            cx.event(Event::DuplicateSack {
                conn: self.id,
                seq: left,
                len: right.since(left) as u32,
            });
        }
    }

    fn on_new_ack(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let ack = seg.ack;
        let acked = self.snd.acknowledge(ack);
        if self.sack_ok() {
            self.scoreboard.acknowledge(ack);
        }
        if acked > 0 && std::mem::take(&mut self.snd.want_write) {
            cx.event(Event::Writable { conn: self.id });
        }
        self.take_rtt_sample(cx, seg);
        self.retries = 0;
        let info = Ack {
            now: cx.now,
            acked: acked as u32,
            flight: self.snd.outstanding() as u32,
            rtt: &self.rtt,
        };
        if let Some(reason) = self.recovery.on_new_ack(&mut *self.cc, ack, &info) {
            self.snd.retransmit_now = Some(reason);
        }
        // RFC 6298 §5.2 and §5.3: stop the timer when all is acknowledged,
        // restart it when new data is.
        if self.snd.una >= self.snd.max {
            self.cancel_timer(cx, Timer::Retransmit);
        } else {
            self.arm_rto(cx);
        }
    }

    fn take_rtt_sample(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        let rtt = if self.rcv.ts().is_some() {
            // RTTM (RFC 7323 §4): with timestamps every ACK of new data is
            // a sample, retransmitted or not: TSecr names the copy it answers.
            let Some((_, ecr)) = seg.options.timestamps else {
                return;
            };
            let elapsed = cx.ts_clock().wrapping_sub(ecr);
            if (elapsed as i32) < 0 {
                return;
            }
            Duration::from_millis(elapsed as u64)
        } else {
            let Some((end, sent)) = self.rtt_timing else {
                return;
            };
            if seg.ack < end {
                return;
            }
            cx.now.saturating_since(sent)
        };
        self.rtt_timing = None;
        self.rtt.sample(rtt);
        cx.detail(Event::RttSample {
            conn: self.id,
            rtt,
            srtt: self.rtt.srtt().unwrap_or(rtt),
            rttvar: self.rtt.rttvar(),
            rto: self.rtt.rto(),
        });
    }

    /// Seventh and eighth steps: text and FIN, trimmed to the window.
    fn text_step(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        if !self.rcv.acceptable(seg) {
            return;
        }
        let (seq, payload, fin) = self.rcv.trim(seg);
        if !seg.payload.is_empty() && payload.is_empty() && !fin {
            self.report_duplicate(cx, seg);
            self.ack_now(cx);
        } else {
            self.process_text(cx, seq, payload, fin);
        }
    }

    /// In-order data to the application, the rest to the reassembly
    /// buffer, then the FIN.
    fn process_text(&mut self, cx: &mut Cx, seq: SeqNumber, payload: &[u8], fin: bool) {
        if !self.state.can_receive() {
            // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT: the peer already
            // sent FIN, so text here is a duplicate; just ACK it.
            if !payload.is_empty() || fin {
                self.rcv.ack_pending = true;
            }
            if fin && self.state == State::TimeWait {
                self.restart_time_wait(cx);
            }
            return;
        }
        if payload.is_empty() && !fin {
            return;
        }
        match self.rcv.deliver(seq, payload, fin) {
            Delivery::OutOfOrder { new } => {
                if self.sack_ok() {
                    self.rcv.note_out_of_order(seq);
                }
                if !new {
                    self.note_dsack(seq, payload.len());
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
            }
            Delivery::InOrder { filled_hole, fin } => {
                if self.rcv.readable() > 0 {
                    let available = self.rcv.readable() as u32;
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
        }
    }

    /// ACK now, or delay it (RFC 9293 §3.8.6.3): without delayed ACKs every
    /// segment is acknowledged; with them, at least every second segment
    /// (SHLD-19), and at once when a gap was filled (RFC 5681 §4.2).
    fn schedule_ack(&mut self, cx: &mut Cx, immediately: bool) {
        self.rcv.unacked_segments += 1;
        match cx.config.delayed_ack {
            Some(delay) if !immediately && self.rcv.unacked_segments < 2 => {
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

    /// The peer's FIN, now in order (RCV.NXT already counts it).
    fn process_fin(&mut self, cx: &mut Cx) {
        if self.state == State::Established {
            // With delayed ACKs on, a FIN's ACK may wait too (RFC 9293
            // §3.8.6.3): if the application closes meanwhile, the ACK rides
            // on our own FIN, and the close takes three segments.
            self.schedule_ack(cx, false);
        } else {
            self.rcv.ack_pending = true;
        }
        cx.event(Event::PeerClosed { conn: self.id });
        let trigger = if self.state == State::FinWait1 && self.snd.fin_acked() {
            Trigger::RcvFinAndAckOfFin
        } else {
            Trigger::RcvFin
        };
        self.apply(cx, trigger);
    }

    /// `len` bytes at `seq` arrived again: with SACK the next ACK says so
    /// in a D-SACK block (RFC 2883 §4).
    fn note_dsack(&mut self, seq: SeqNumber, len: usize) {
        if self.sack_ok() && len > 0 {
            self.rcv.dsack = Some((seq, seq + len));
        }
    }

    /// A segment that carried nothing new: it was already received.
    fn report_duplicate(&mut self, cx: &mut Cx, seg: &TcpRepr<'_>) {
        self.note_dsack(seg.seq, seg.payload.len());
        cx.event(Event::Duplicate {
            conn: self.id,
            seq: seg.seq,
            len: seg.payload.len() as u32,
        });
    }

    fn reject(&self, cx: &mut Cx, reason: RejectReason) {
        cx.event(Event::Rejected {
            conn: Some(self.id),
            reason,
        });
    }
}
