//! The socket calls of each host's program, in words: what a call waits
//! for, what it returned, and which calls return as a segment arrives.

use crate::state::story::{Fate, Story};
use tcpsim::net::{Call, CallResult, IoErrorKind, Side};
use tcpsim::scenario::listing::CallSpan;
use tcpsim::trace::What;

/// `read() returns 170 bytes`, `connect() returns Err(ConnectionRefused)`.
pub fn returned(call: Call, result: CallResult) -> String {
    let what = match result {
        CallResult::Ok => "Ok".to_string(),
        CallResult::Bytes(n) => format!("{n} bytes"),
        CallResult::Eof => "0: end of file".to_string(),
        CallResult::Err(kind) => format!("Err({})", kind.name()),
    };
    format!("{}() returns {what}", call.name())
}

/// What a call that has not returned is waiting for.
pub fn waiting(call: Call) -> &'static str {
    match call {
        Call::Connect => "connect() waits for the SYN, ACK",
        Call::Accept => "accept() waits for a handshake to complete",
        Call::Read => "read() waits for data or a FIN",
        Call::Write => "write_all() waits for room in TCP's send buffer",
        _ => "running",
    }
}

/// The segment that made `side`'s call fail, as the code lane names it:
/// "caused by step 2, the server's RST". None if the call did not fail.
pub fn failure_cause(story: &Story, side: Side, call: &CallSpan) -> Option<String> {
    let (_, CallResult::Err(kind)) = call.end? else {
        return None;
    };
    let back = call.records.1?;
    let before = |record: usize| record < back;
    if kind == IoErrorKind::TimedOut {
        // No segment: the timer ran out after the last try went unanswered.
        let last = story
            .steps
            .iter()
            .rev()
            .find(|s| s.from == side && before(s.sent_record))?;
        let tries = story
            .steps
            .iter()
            .filter(|s| s.from == side && s.segment.seq == last.segment.seq && s.segment.flags == last.segment.flags)
            .count();
        return Some(format!(
            "step {}, the {} (try {tries}), got no answer before the timer ran out",
            last.number, last.segment.flags
        ));
    }
    // Refused, reset, broken pipe: the last RST that reached this host.
    let rst = story.steps.iter().rev().find(|s| {
        s.from == side.other()
            && s.segment.flags.rst()
            && matches!(s.fate, Fate::Delivered { record, .. } if before(record))
    })?;
    Some(format!("caused by step {}, the {}'s RST", rst.number, rst.from.name()))
}

/// Why a return matters, where it does.
fn because(call: Call, result: CallResult) -> &'static str {
    use tcpsim::net::IoErrorKind::*;
    match (call, result) {
        (Call::Connect | Call::Accept, CallResult::Ok) => ": the handshake is complete",
        (Call::Read, CallResult::Eof) => ": the other side sent its FIN, so no more bytes will come",
        (_, CallResult::Err(ConnectionRefused)) => ": this RST says nothing listens on that port",
        (_, CallResult::Err(ConnectionReset)) => ": the RST ended the connection",
        _ => "",
    }
}

/// The calls that waited for step `n`'s segment and return as it arrives:
/// "In the server's program, accept() returns Ok now: the handshake is
/// complete." None when none does.
pub fn at_arrival(story: &Story, calls: &[Vec<CallSpan>; 2], n: usize) -> Option<String> {
    let step = story.steps.get(n.checked_sub(1)?)?;
    let Fate::Delivered { record, .. } = step.fate else {
        return None;
    };
    // Until the next segment arrives anywhere.
    let records = &story.trace.records;
    let next = (record + 1..records.len())
        .find(|&i| matches!(records[i].what, What::Delivered { .. }))
        .unwrap_or(records.len());
    let to = step.from.other();
    let sentences: Vec<String> = calls[to.index()]
        .iter()
        // Those that waited for this segment (calls that return at once
        // are in the code lane).
        .filter(|c| c.records.1.is_some_and(|r| r > record && r < next))
        .filter(|c| c.end.is_some_and(|(at, _)| at > c.start))
        .filter_map(|c| {
            let (_, result) = c.end?;
            Some(format!(
                "In the {}'s program, {} now{}.",
                to.name(),
                returned(c.call, result),
                because(c.call, result)
            ))
        })
        .collect();
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

#[cfg(test)]
mod tests {
    //! The lane names the segment behind each error. The expected steps
    //! are read off the segments (flags and senders), as a capture shows them.

    use super::*;
    use tcpsim::scenario::{self, listing, RunOptions};

    /// Each failed call of `id`'s `side` with what the lane says caused it.
    fn failures(id: &str, side: Side) -> (Story, Vec<(String, String)>) {
        let story = Story::new(scenario::run(id, &RunOptions::default()).unwrap());
        let failed = listing::calls(&story.trace, side)
            .iter()
            .filter_map(|c| match c.end {
                Some((_, result @ CallResult::Err(_))) => Some((
                    returned(c.call, result),
                    failure_cause(&story, side, c).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        (story, failed)
    }

    #[test]
    fn a_refused_connect_names_the_rst_that_answered_its_syn() {
        let (story, failed) = failures("refused", Side::Client);
        let rst = story.steps.iter().find(|s| s.segment.flags.rst()).unwrap();
        assert_eq!((rst.number, rst.from), (2, Side::Server), "the SYN's answer");
        assert_eq!(
            failed,
            [(
                "connect() returns Err(ConnectionRefused)".to_string(),
                "caused by step 2, the server's RST".to_string()
            )]
        );
    }

    #[test]
    fn a_timed_out_connect_names_its_last_unanswered_syn() {
        let (story, failed) = failures("syn-timeout", Side::Client);
        // The lesson: the first SYN and five retries, every one lost.
        assert_eq!(story.steps.len(), 6);
        assert!(story
            .steps
            .iter()
            .all(|s| s.segment.flags.syn() && matches!(s.fate, Fate::Dropped { .. })));
        assert_eq!(
            failed,
            [(
                "connect() returns Err(TimedOut)".to_string(),
                "step 6, the SYN (try 6), got no answer before the timer ran out".to_string()
            )]
        );
    }

    #[test]
    fn a_reset_names_the_rst_from_the_host_that_aborted() {
        let (story, failed) = failures("reset", Side::Server);
        let rsts: Vec<_> = story.steps.iter().filter(|s| s.segment.flags.rst()).collect();
        assert!(rsts.len() == 1 && rsts[0].from == Side::Client, "one RST, the client's");
        assert!(!failed.is_empty(), "the server's program sees the reset");
        for (call, cause) in failed {
            assert!(call.ends_with("Err(ConnectionReset)"), "{call}");
            assert_eq!(cause, format!("caused by step {}, the client's RST", rsts[0].number));
        }
        // The client aborted: its own calls did not fail.
        assert!(failures("reset", Side::Client).1.is_empty());
    }
}
