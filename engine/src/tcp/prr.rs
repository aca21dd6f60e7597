//! Proportional Rate Reduction (RFC 6937): how much a sender in SACK
//! recovery may send on each ACK. Instead of stopping until half a window
//! has drained and then sending in a burst, it sends in proportion to what
//! the ACKs report delivered, so that by the end of recovery what is in
//! flight has come down smoothly to ssthresh; once the pipe has fallen
//! below ssthresh, it grows back towards it no faster than slow start
//! (PRR-SSRB). Amounts are in bytes.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prr {
    /// RecoverFS: the flight when recovery began.
    recover_fs: u64,
    /// prr_delivered: bytes the receiver reported delivered since then.
    delivered: u64,
    /// prr_out: bytes sent since then.
    out: u64,
    /// sndcnt: what the last ACK allows to be sent, less what was sent since.
    allowed: u64,
}

impl Prr {
    /// Recovery begins with `flight` bytes outstanding (RFC 6937 §3.1).
    pub fn start(flight: u32) -> Prr {
        Prr {
            recover_fs: u64::from(flight.max(1)),
            delivered: 0,
            out: 0,
            allowed: 0,
        }
    }

    /// An ACK reported `delivered` bytes (cumulatively or by SACK); `pipe`
    /// is what the scoreboard now counts in the network.
    pub fn on_ack(&mut self, delivered: u32, pipe: u32, ssthresh: u32, smss: u32) {
        let (delivered, pipe, ssthresh) = (u64::from(delivered), u64::from(pipe), u64::from(ssthresh));
        self.delivered += delivered;
        let sndcnt = if pipe > ssthresh {
            // Proportional: ssthresh / RecoverFS of what was delivered.
            (self.delivered * ssthresh)
                .div_ceil(self.recover_fs)
                .saturating_sub(self.out)
        } else {
            // Slow-start reduction bound: back up towards ssthresh, at most
            // one segment more than was delivered.
            let limit = self.delivered.saturating_sub(self.out).max(delivered) + u64::from(smss);
            (ssthresh - pipe).min(limit)
        };
        self.allowed = sndcnt;
    }

    /// Whether a segment may go now: some of the allowance is left (a
    /// whole segment goes, as Linux rounds sndcnt up to segments).
    pub fn may_send(&self) -> bool {
        self.allowed > 0
    }

    /// `bytes` were sent (new data or a retransmission).
    pub fn on_sent(&mut self, bytes: u32) {
        self.out += u64::from(bytes);
        self.allowed = self.allowed.saturating_sub(u64::from(bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    #[test]
    fn with_half_the_window_kept_one_segment_goes_per_two_delivered() {
        // RFC 6937 §5's steady case: RecoverFS 20 segments, ssthresh 10,
        // each ACK reports one segment delivered while the pipe is still
        // above ssthresh: a segment on every second ACK.
        let mut prr = Prr::start(20 * MSS);
        let mut sent_on = Vec::new();
        for ack in 1..=10u32 {
            prr.on_ack(MSS, (20 - ack) * MSS, 10 * MSS, MSS);
            if prr.may_send() {
                prr.on_sent(MSS);
                sent_on.push(ack);
            }
        }
        assert_eq!(sent_on, [1, 3, 5, 7, 9]);
    }

    #[test]
    fn with_cubic_beta_seven_go_per_ten_delivered() {
        let mut prr = Prr::start(100 * MSS);
        let mut sent = 0;
        for ack in 1..=30u32 {
            prr.on_ack(MSS, (100 - ack) * MSS, 70 * MSS, MSS);
            while prr.may_send() {
                prr.on_sent(MSS);
                sent += 1;
            }
        }
        assert_eq!(sent, 21, "⌈30 × 70 / 100⌉");
    }

    #[test]
    fn below_ssthresh_it_grows_back_no_faster_than_slow_start() {
        // Heavy loss: the pipe is already below ssthresh. PRR-SSRB allows
        // what was delivered plus one segment, up to ssthresh − pipe.
        let mut prr = Prr::start(20 * MSS);
        prr.on_ack(2 * MSS, 4 * MSS, 10 * MSS, MSS);
        let mut sent = 0;
        while prr.may_send() {
            prr.on_sent(MSS);
            sent += 1;
        }
        assert_eq!(sent, 3, "two delivered, plus one");
        prr.on_ack(MSS, 9 * MSS, 10 * MSS, MSS);
        assert!(prr.may_send());
        prr.on_sent(MSS);
        assert!(!prr.may_send(), "never beyond ssthresh − pipe");
    }
}
