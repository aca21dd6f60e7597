//! A lesson's two programs as `std::net` code (`lessons/code/*.rs`, display
//! text written for learners), and where in them each socket call the
//! engine's application made runs: the page highlights that line, and a
//! test checks every call appears in its listing, in order.

use crate::net::{Call, CallResult, Side};
use crate::time::Instant;
use crate::trace::{AppAction, Trace, What};

/// One socket call a host's program made: when it entered, and when and
/// how it returned (never, if the run ended inside it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSpan {
    pub call: Call,
    pub start: Instant,
    pub end: Option<(Instant, CallResult)>,
    /// Where in the trace's records it entered and returned.
    pub records: (usize, Option<usize>),
}

/// Every socket call `side`'s program made, in order.
pub fn calls(trace: &Trace, side: Side) -> Vec<CallSpan> {
    let mut out: Vec<CallSpan> = Vec::new();
    for (i, r) in trace.records.iter().enumerate().filter(|(_, r)| r.side == side) {
        match r.what {
            What::App {
                action: AppAction::Call { call, .. },
            } => out.push(CallSpan {
                call,
                start: r.at,
                end: None,
                records: (i, None),
            }),
            What::App {
                action: AppAction::Returned { call, result, .. },
            } => {
                if let Some(open) = out.last_mut().filter(|c| c.call == call && c.end.is_none()) {
                    open.end = Some((r.at, result));
                    open.records.1 = Some(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// A program's text, with the call each line makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    pub lines: Vec<String>,
    calls: Vec<Option<Call>>,
}

impl Listing {
    /// Reads a listing's text, filling each `{key}` from `values`; a line
    /// that is only a `{key}` no value is given for is left out.
    pub fn parse(text: &str, values: &[(&str, &str)]) -> Listing {
        let unfilled = |line: &str| {
            let t = line.trim();
            t.len() > 2
                && t.starts_with('{')
                && t.ends_with('}')
                && !values.iter().any(|(k, _)| t[1..t.len() - 1] == **k)
        };
        let lines: Vec<String> = text
            .lines()
            .filter(|line| !unfilled(line))
            .map(|line| {
                values
                    .iter()
                    .fold(line.to_string(), |l, (k, v)| l.replace(&format!("{{{k}}}"), v))
            })
            .collect();
        let calls = lines.iter().map(|l| call_on(l)).collect();
        Listing { lines, calls }
    }

    /// The line each call runs on, or the index of the first call the
    /// listing has no place for. A call is looked for after the line of the
    /// one before it and, failing that, from the top of each loop around
    /// that line, innermost first (going round the loop).
    pub fn place(&self, calls: &[Call]) -> Result<Vec<usize>, usize> {
        let mut out: Vec<usize> = Vec::with_capacity(calls.len());
        for (i, &call) in calls.iter().enumerate() {
            let find = |from: usize| (from..self.lines.len()).find(|&j| self.calls[j] == Some(call));
            let at = out.last().copied().unwrap_or(0);
            let line = find(out.last().map_or(0, |&l| l + 1))
                .or_else(|| self.loops_around(at).into_iter().find_map(find))
                .ok_or(i)?;
            out.push(line);
        }
        Ok(out)
    }

    /// The first lines of the loops around line `at`, innermost first.
    fn loops_around(&self, at: usize) -> Vec<usize> {
        let indent = |l: &str| l.len() - l.trim_start().len();
        (0..at)
            .rev()
            .filter(|&h| {
                let head = self.lines[h].trim_start();
                let opens = head.starts_with("loop {") || head.starts_with("while ") || head.starts_with("for ");
                let closes = (h + 1..self.lines.len()).find(|&e| {
                    indent(&self.lines[e]) == indent(&self.lines[h]) && self.lines[e].trim_start().starts_with('}')
                });
                opens && closes.is_some_and(|e| e > at)
            })
            .collect()
    }
}

/// What each socket call looks like in a listing, first match wins (a
/// line that sets a zero linger then drops the stream aborts it).
const CALLS: [(&str, Call); 8] = [
    ("set_linger(", Call::Abort),
    ("TcpListener::bind(", Call::Bind),
    (".accept()", Call::Accept),
    ("TcpStream::connect", Call::Connect),
    (".write_all(", Call::Write),
    (".read(", Call::Read),
    (".shutdown(", Call::Shutdown),
    ("drop(stream)", Call::Close),
];

/// The socket call a line of Rust makes, if any (comments aside).
fn call_on(line: &str) -> Option<Call> {
    let code = line.split("//").next().unwrap_or("");
    CALLS
        .iter()
        .find(|(looks, _)| code.contains(looks))
        .map(|&(_, call)| call)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECHO: &str = "let listener = TcpListener::bind(\"0.0.0.0:{port}\")?;
let (mut stream, _) = listener.accept()?;
loop {
    let n = stream.read(&mut buf)?; // waits
    if n == 0 {
        break;
    }
    stream.write_all(&buf[..n])?;
}
drop(stream);";

    #[test]
    fn calls_are_placed_in_order_and_loops_go_round() {
        let l = Listing::parse(ECHO, &[("port", "7")]);
        assert_eq!(l.lines[0], "let listener = TcpListener::bind(\"0.0.0.0:7\")?;");
        use Call::*;
        let calls = [Bind, Accept, Read, Write, Read, Write, Read, Close];
        assert_eq!(l.place(&calls), Ok(vec![0, 1, 3, 7, 3, 7, 3, 9]));
        // A second accept (outside any loop) or a connect has no place.
        assert_eq!(l.place(&[Bind, Accept, Accept]), Err(2));
        assert_eq!(l.place(&[Connect]), Err(0));
    }
}
