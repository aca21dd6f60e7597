//! Proportional Rate Reduction (RFC 6937) in a connection: started with
//! SACK recovery when `Config::prr` is on, fed by each ACK, and asked
//! before each segment sent during recovery.

use super::{Connection, Cx};
use crate::tcp::prr::Prr;
use crate::tcp::Event;

impl Connection {
    /// An ACK reported `delivered` bytes; `flight` was outstanding before
    /// it (RecoverFS, if this ACK starts recovery).
    pub(super) fn prr_ack(&mut self, cx: &mut Cx, delivered: u32, flight: u32) {
        if !(cx.config.prr && self.recovery.in_sack_recovery()) || self.cc.sets_recovery_window() {
            self.prr = None;
            return;
        }
        let (una, max, smss) = (self.snd.una, self.snd.max, self.snd.mss as u32);
        let pipe = self.scoreboard.pipe(una, max, smss);
        let ssthresh = self.cc.ssthresh();
        if self.prr.is_none() {
            cx.event(Event::RateReduction {
                conn: self.id,
                recover_fs: flight,
                ssthresh,
            });
        }
        self.prr
            .get_or_insert_with(|| Prr::start(flight))
            .on_ack(delivered, pipe, ssthresh, smss);
    }

    /// Whether PRR lets a segment go now; `None` when PRR is not running.
    pub(super) fn prr_may_send(&self) -> Option<bool> {
        self.prr.as_ref().map(Prr::may_send)
    }

    /// A segment of `bytes` (SYN and FIN counting one) left.
    pub(super) fn prr_sent(&mut self, bytes: usize) {
        if let Some(prr) = &mut self.prr {
            prr.on_sent(bytes as u32);
        }
    }
}
