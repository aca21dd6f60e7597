//! RACK-TLP (RFC 8985) in a connection: what RACK reads from each ACK,
//! the losses it marks on the SACK scoreboard, and the tail loss probe.
//! Only with SACK on both sides and `Config::rack_tlp`.

use super::{Connection, Cx};
use crate::tcp::rack::{Probe, Rack};
use crate::tcp::{Event, RetransmitReason, Timer};

impl Connection {
    fn rack_on(&self, cx: &Cx) -> bool {
        self.sack_ok() && cx.config.rack_tlp
    }

    /// Bytes `seq..seq + len` (and a FIN) just left.
    pub(super) fn rack_sent(&mut self, cx: &Cx, seq: crate::wire::SeqNumber, len: usize, fin: bool) {
        if self.rack_on(cx) {
            self.rack.on_sent(seq, seq + len + fin as usize, cx.now);
        }
    }

    /// An ACK was processed: RACK learns what it delivered, a tail loss
    /// probe it answered ends, and overdue segments are marked lost.
    pub(super) fn rack_ack(&mut self, cx: &mut Cx) {
        if !self.rack_on(cx) {
            return;
        }
        let una = self.snd.una;
        self.rack.on_ack(una, self.scoreboard.sacked(), cx.now);
        self.end_probe(cx);
        self.rack_detect_loss(cx);
        self.arm_loss_probe(cx);
    }

    /// RFC 8985 §7.4: once the ACK covers the probe, the episode ends. A
    /// resent probe that was not reported twice (no D-SACK) repaired a real
    /// loss: the window is cut as fast recovery would have cut it.
    fn end_probe(&mut self, cx: &mut Cx) {
        let Some(Probe {
            end_seq,
            retransmission,
        }) = self.rack.probe
        else {
            return;
        };
        if self.snd.una < end_seq {
            return;
        }
        self.rack.probe = None;
        if retransmission && !std::mem::take(&mut self.rack.dsack_seen) {
            let flight = self.snd.outstanding() as u32;
            self.cc.on_congestion_event(cx.now, flight);
            self.cc.on_recovery_end(cx.now, None);
        }
    }

    /// RFC 8985 §6.2 step 5, and the reordering timer for what is not yet overdue.
    pub(super) fn rack_detect_loss(&mut self, cx: &mut Cx) {
        let srtt = self.rtt.srtt().unwrap_or(cx.config.initial_rto);
        let (lost, again) = self.rack.detect_loss(cx.now, srtt);
        for &(start, end) in &lost {
            self.scoreboard.mark_lost(start, end);
            cx.event(Event::MarkedLost {
                conn: self.id,
                seq: start,
                len: end.since(start) as u32,
            });
        }
        match again {
            Some(at) => self.set_timer(cx, Timer::Reorder, at),
            None => self.cancel_timer(cx, Timer::Reorder),
        }
        let (una, max, smss) = (self.snd.una, self.snd.max, self.snd.mss as u32);
        if !lost.is_empty() && !self.recovery.in_recovery() {
            // Recovery answers the loss a probe was sent to find: its
            // episode ends here, without a second cut (RFC 8985 §7.4).
            self.rack.probe = None;
            let flight = self.snd.outstanding() as u32;
            let entered = self.recovery.enter(&mut *self.cc, cx.now, una, flight, max - 1);
            // The scoreboard resends the lost holes; SND.UNA's at once if lost.
            if entered.is_some() && self.scoreboard.first_lost(una, max, smss) {
                self.snd.retransmit_now = Some(RetransmitReason::MarkedLost);
            }
        }
    }

    /// RFC 8985 §7.2: with data outstanding, no probe out and no recovery
    /// under way, probe after the PTO (never later than the RTO).
    pub(super) fn arm_loss_probe(&mut self, cx: &mut Cx) {
        let outstanding = self.snd.outstanding();
        let wanted = self.rack_on(cx)
            && self.state.is_synchronized()
            && outstanding > 0
            && self.snd.wnd > 0
            && self.rack.probe.is_none()
            && !self.recovery.in_recovery();
        if !wanted {
            self.cancel_timer(cx, Timer::LossProbe);
            return;
        }
        let one_segment = outstanding <= self.snd.mss as usize;
        let mut at = cx.now + Rack::probe_timeout(self.rtt.srtt(), one_segment);
        if let Some(rto) = self.timers[Timer::Retransmit.index()] {
            at = at.min(rto);
        }
        self.set_timer(cx, Timer::LossProbe, at);
    }

    /// RFC 8985 §7.3: the probe is a new segment if one may go, else the
    /// last segment sent, again. The RTO is armed anew after it.
    pub(super) fn send_loss_probe(&mut self, cx: &mut Cx) -> Option<Vec<u8>> {
        if !std::mem::take(&mut self.rack.fire) || self.snd.una >= self.snd.max {
            return None;
        }
        let data_end = self.snd.data_end();
        let room = self.payload_room();
        let window = (self.snd.wnd as usize).saturating_sub(self.snd.flight());
        let new = data_end.since(self.snd.nxt).min(room).min(window);
        let (seq, len, fin, retransmission) = if new > 0 && self.snd.nxt >= self.snd.max {
            let fin = self.snd.fin_queued && self.snd.nxt + new == data_end;
            (self.snd.nxt, new, fin, false)
        } else {
            // The last segment as it was sent (its FIN too, if it had one).
            let (start, end) = self.rack.last_sent().unwrap_or((self.snd.una, self.snd.max));
            let start = start.max(self.snd.una);
            let sent_end = end.min(data_end);
            let len = sent_end.since(start).min(room);
            let fin = self.snd.fin_queued && end > data_end && start + len == data_end;
            (start, len, fin, true)
        };
        let end = seq + len + fin as usize;
        if retransmission {
            self.retransmitted(cx, seq, len, RetransmitReason::LossProbe);
        } else {
            if self.rtt_timing.is_none() {
                self.rtt_timing = Some((end, cx.now));
            }
            self.snd.nxt = end;
            self.snd.max = self.snd.max.max(end);
            self.snd.last_data_sent = Some(cx.now);
        }
        self.rack.probe = Some(Probe {
            end_seq: self.snd.max,
            retransmission,
        });
        self.arm_rto(cx);
        Some(self.segment(cx, seq, len, fin))
    }
}
