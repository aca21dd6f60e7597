//! The sender's rates in a connection: a delivery-rate sample from each
//! ACK for the congestion controller (`tcp::delivery_rate`), and pacing:
//! when the controller gives a pacing rate, data segments leave no faster
//! than it, each held until its time by `Timer::Pace` (BBR draft §4.6.2).

use super::{Connection, Cx};
use crate::tcp::Timer;
use crate::time::Duration;
use crate::wire::SeqNumber;

impl Connection {
    /// A data segment `seq..end` left: its snapshot for the delivery rate,
    /// and the earliest time the next may leave.
    pub(super) fn rate_sent(&mut self, cx: &Cx, seq: SeqNumber, end: SeqNumber) {
        let in_network = self.in_network().max(end.since(seq) as u32);
        self.delivery.on_sent(seq, end, cx.now, in_network);
        if let Some(rate) = self.cc.pacing_rate().filter(|&r| r > 0) {
            let bytes = end.since(seq) as u64;
            let gap = Duration::from_micros((bytes * 1_000_000).div_ceil(rate));
            let from = self.pace_at.map_or(cx.now, |at| at.max(cx.now));
            self.pace_at = Some(from + gap);
        }
    }

    /// Whether pacing holds the next data segment back; if so, the pacing
    /// timer is set for when it may go.
    pub(super) fn pacing_holds(&mut self, cx: &mut Cx) -> bool {
        let Some(at) = self.pace_at.filter(|&at| at > cx.now) else {
            return false;
        };
        if self.timers[Timer::Pace.index()] != Some(at) {
            self.set_timer(cx, Timer::Pace, at);
        }
        true
    }

    /// An ACK was processed: the controller gets its delivery-rate sample.
    pub(super) fn rate_ack(&mut self, cx: &mut Cx) {
        let rtt = self.rtt.take_latest();
        let sample = self
            .delivery
            .on_ack(self.snd.una, self.scoreboard.sacked(), cx.now, self.rtt.min_rtt());
        if let Some(mut sample) = sample {
            sample.rtt = rtt;
            let in_network = self.in_network();
            self.cc.on_rate_sample(cx.now, &sample, in_network, &self.rtt);
            if self.cc.holds_back() {
                self.delivery.on_app_limited(in_network);
            }
        }
    }

    /// Nothing left to send with room in the window: the application
    /// limits the rate, not the network (delivery-rate draft §3.4).
    pub(super) fn rate_app_limited(&mut self, in_network: u32) {
        self.delivery.on_app_limited(in_network);
    }

    /// Bytes sent again because they were deemed lost.
    pub(super) fn rate_lost(&mut self, bytes: usize) {
        self.delivery.on_lost(bytes as u64);
    }
}
