//! The default story: exactly the twelve segments of the teaching brief,
//! with every number derived from the rules (SYN and FIN take one sequence
//! number, ACK = next byte expected, a pure ACK takes none), not pasted
//! from output.

use tcpsim::net::Side;
use tcpsim::scenario::{self, curl, RunOptions};
use tcpsim::tcp::State;
use tcpsim::time::Duration;
use tcpsim::trace::Trace;
use tcpsim::wire::TcpFlags;

const SYN: TcpFlags = TcpFlags::SYN;
const ACK: TcpFlags = TcpFlags::ACK;
const PSH: TcpFlags = TcpFlags::PSH;
const FIN: TcpFlags = TcpFlags::FIN;

struct Expected {
    from: Side,
    flags: TcpFlags,
    seq: u32,
    ack: Option<u32>,
    len: u32,
    /// (client, server) state when the segment leaves its sender.
    states: (State, State),
}

fn response_head() -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        curl::BODY.len()
    )
}

fn expected(c_isn: u32, s_isn: u32) -> Vec<Expected> {
    use Side::{Client as C, Server as S};
    use State::*;
    let req = curl::REQUEST.len() as u32;
    let head = response_head().len() as u32;
    let body = curl::BODY.len() as u32;
    // Next byte each side sends, after the SYN's one sequence number.
    let c = c_isn.wrapping_add(1);
    let s = s_isn.wrapping_add(1);
    let e = |from, flags, seq: u32, ack: Option<u32>, len, states| Expected {
        from,
        flags,
        seq,
        ack,
        len,
        states,
    };
    vec![
        e(C, SYN, c_isn, None, 0, (SynSent, Listen)),
        e(S, SYN | ACK, s_isn, Some(c), 0, (SynSent, SynReceived)),
        e(C, ACK, c, Some(s), 0, (Established, SynReceived)),
        e(C, PSH | ACK, c, Some(s), req, (Established, SynReceived)),
        e(S, ACK, s, Some(c + req), 0, (Established, Established)),
        e(S, PSH | ACK, s, Some(c + req), head, (Established, Established)),
        e(S, PSH | ACK, s + head, Some(c + req), body, (Established, Established)),
        // One cumulative ACK: #7's seq + #7's length.
        e(C, ACK, c + req, Some(s + head + body), 0, (Established, Established)),
        e(C, FIN | ACK, c + req, Some(s + head + body), 0, (FinWait1, Established)),
        // The FIN took one sequence number.
        e(S, ACK, s + head + body, Some(c + req + 1), 0, (FinWait1, CloseWait)),
        e(S, FIN | ACK, s + head + body, Some(c + req + 1), 0, (FinWait1, LastAck)),
        e(C, ACK, c + req + 1, Some(s + head + body + 1), 0, (TimeWait, LastAck)),
    ]
}

/// The state of each side at every datagram send, from the trace's own
/// state-change records (the latest connection's state on each side).
fn states_at_sends(trace: &Trace) -> Vec<(State, State)> {
    let mut states = (State::Closed, State::Closed);
    let mut out = Vec::new();
    for r in &trace.records {
        match &r.what {
            tcpsim::trace::What::Engine {
                event: tcpsim::tcp::Event::StateChanged { to, .. },
            } => match r.side {
                Side::Client => states.0 = *to,
                Side::Server => states.1 = *to,
            },
            tcpsim::trace::What::Sent { .. } => out.push(states),
            _ => {}
        }
    }
    out
}

fn check(trace: &Trace, c_isn: u32, s_isn: u32) {
    let segments: Vec<_> = trace.segments().collect();
    let want = expected(c_isn, s_isn);
    assert_eq!(segments.len(), want.len(), "segments:\n{}", trace.text());
    let states = states_at_sends(trace);
    for (i, ((_, side, _, seg), exp)) in segments.iter().zip(&want).enumerate() {
        let n = i + 1;
        assert_eq!(*side, exp.from, "#{n} direction");
        assert_eq!(seg.flags, exp.flags, "#{n} flags {} vs {}", seg.flags, exp.flags);
        assert_eq!(seg.seq, exp.seq, "#{n} seq");
        if let Some(ack) = exp.ack {
            assert_eq!(seg.ack, ack, "#{n} ack");
        }
        assert_eq!(seg.len, exp.len, "#{n} payload length");
        assert_eq!(states[i], exp.states, "#{n} states when sent");
        let (client_port, server_port) = match side {
            Side::Client => (seg.src_port, seg.dst_port),
            Side::Server => (seg.dst_port, seg.src_port),
        };
        assert!(client_port >= 49152, "#{n} ephemeral port");
        assert_eq!(server_port, 80);
    }
    // The SYN offers an MSS; the SYN,ACK answers with one.
    assert!(segments[0].3.options.mss.is_some());
    assert!(segments[1].3.options.mss.is_some());
    // The request and response arrived whole, exactly once.
    assert_eq!(trace.received[Side::Server.index()], curl::REQUEST);
    let mut response = response_head().into_bytes();
    response.extend_from_slice(curl::BODY);
    assert_eq!(trace.received[Side::Client.index()], response);
}

#[test]
fn curl_is_exactly_twelve_segments_with_teaching_isns() {
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    assert!(!trace.truncated);
    check(&trace, 1000, 4500);
}

#[test]
fn state_sequences_and_time_wait_follow_rfc_9293() {
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    use State::*;
    let client: Vec<_> = trace.state_changes(Side::Client).map(|(_, _, _, to)| to).collect();
    assert_eq!(client, [SynSent, Established, FinWait1, FinWait2, TimeWait, Closed]);
    let server: Vec<_> = trace.state_changes(Side::Server).map(|(_, _, _, to)| to).collect();
    assert_eq!(server, [Listen, SynReceived, Established, CloseWait, LastAck, Closed]);
    // TIME_WAIT lasts 2 × MSL (MSL 30 s here), from the moment it began.
    let entered = trace.state_changes(Side::Client).find(|c| c.3 == TimeWait).unwrap().0;
    let left = trace.state_changes(Side::Client).find(|c| c.3 == Closed).unwrap().0;
    assert_eq!(left.saturating_since(entered), Duration::from_secs(60));
}

#[test]
fn random_isns_change_every_number_consistently() {
    let options = RunOptions {
        random_isn: Some(0xfeed_beef),
        ..RunOptions::default()
    };
    let trace = scenario::run("curl", &options).unwrap();
    let first: Vec<_> = trace.segments().take(2).map(|s| s.3.seq).collect();
    assert_ne!(first[0], 1000);
    assert_ne!(first[1], 4500);
    check(&trace, first[0], first[1]);
    let other = RunOptions {
        random_isn: Some(1),
        ..RunOptions::default()
    };
    let other = scenario::run("curl", &other).unwrap();
    assert_ne!(other.segments().next().unwrap().3.seq, first[0]);
}

#[test]
fn same_seed_same_trace_bit_for_bit() {
    let options = RunOptions {
        seed: 42,
        random_isn: Some(7),
        ..RunOptions::default()
    };
    let a = serde_json::to_string(&scenario::run("curl", &options).unwrap()).unwrap();
    let b = serde_json::to_string(&scenario::run("curl", &options).unwrap()).unwrap();
    assert_eq!(a, b);
}
