//! The socket calls of each host's program, in words: what a call waits
//! for, what it returned, and which calls return as a segment arrives.

use crate::state::story::{Fate, Story};
use tcpsim::net::{Call, CallResult};
use tcpsim::scenario::listing::CallSpan;
use tcpsim::trace::What;

/// `read() returns 170 bytes`, `connect() returns Err(ConnectionRefused)`.
pub fn returned(call: Call, result: CallResult) -> String {
    let what = match (call, result) {
        (_, CallResult::Ok) => "Ok".to_string(),
        (_, CallResult::Bytes(n)) => format!("{n} bytes"),
        (_, CallResult::Eof) => "0: end of file".to_string(),
        (_, CallResult::Err(kind)) => format!("Err({})", kind.name()),
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
