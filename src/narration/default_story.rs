//! The twelve-packet default story, told step by step: numbers from the
//! segments, teaching from the brief.

use super::Story;
use crate::state::story::Step;
use tcpsim::net::Side;
use tcpsim::tcp::State;

/// The default story: numbers from the segments, teaching from the brief.
pub(super) fn curl_step(story: &Story, step: &Step) -> (String, Option<String>) {
    let seg = |k: usize| &story.steps[k - 1].segment;
    let s = &step.segment;
    let (c_isn, s_isn) = (seg(1).seq, seg(2).seq);
    let (what, knows) = match step.number {
        1 => (
            format!(
                "The client picks its initial sequence number (ISN), {c_isn}, and asks to open a connection with SYN. \
                 The SYN also offers a maximum segment size of {} bytes and a receive window of {} bytes. \
                 The client is now SYN_SENT: waiting for an answer.",
                s.options.mss.unwrap_or(536),
                s.window
            ),
            format!("Client: “my bytes will be numbered from {}”. Server: nothing yet.", c_isn.wrapping_add(1)),
        ),
        2 => (
            format!(
                "The server agrees. Its SYN, ACK does two jobs: ack={} says “I got your SYN, send byte {} next” \
                 (a SYN uses up one sequence number), and seq={s_isn} is the server's own ISN. \
                 The server is SYN_RCVD: half-way there.",
                s.ack, s.ack
            ),
            format!(
                "Server: knows the client's ISN, {c_isn}. Client: not yet sure the server got anything — until this arrives."
            ),
        ),
        3 => (
            format!(
                "The client acknowledges the server's SYN with ack={}. This ACK carries no data, so it uses no \
                 sequence number: seq stays {}. The client became ESTABLISHED when the SYN, ACK arrived; \
                 the server becomes ESTABLISHED when this ACK arrives.",
                s.ack, s.seq
            ),
            "Both sides now know both ISNs, and each knows the other has heard it: the connection is open.".into(),
        ),
        4 => (
            format!(
                "The client sends the HTTP request: {} bytes of “GET / HTTP/1.1 …”, numbered from seq={}. \
                 PSH asks the receiver to hand the data to the application without waiting for more. \
                 The next byte the client sends will be number {}.",
                s.len,
                s.seq,
                s.seq.wrapping_add(s.len)
            ),
            format!("Server: has bytes {} to {} of the client's stream.", s.seq, s.seq.wrapping_add(s.len.saturating_sub(1))),
        ),
        5 => (
            format!(
                "The server's TCP acknowledges the request at once: ack={} is the next byte it expects \
                 ({} + {}). Its application has not answered yet; the ACK just tells the client \
                 it need not send the request again.",
                s.ack,
                seg(4).seq,
                seg(4).len
            ),
            "Client: knows the request arrived safely.".into(),
        ),
        6 => (
            format!(
                "The server's application writes the response head (status line and headers): {} bytes from seq={}.",
                s.len, s.seq
            ),
            "Client: will receive the head first.".into(),
        ),
        7 => (
            format!(
                "A second write sends the body: {} bytes from seq={}, which is where the head ended ({} + {}). \
                 It travels right behind the head; TCP does not wait for an ACK between them.",
                s.len,
                s.seq,
                seg(6).seq,
                seg(6).len
            ),
            "Two segments are in flight at once.".into(),
        ),
        8 => (
            format!(
                "One ACK covers both segments: ack={} = {} + {}, the byte after the body. \
                 The client delays its ACKs a little, but acknowledges at least every second segment at once, \
                 and the body arrived right behind the head. ACKs are cumulative: “everything before this \
                 number has arrived”.",
                s.ack,
                seg(7).seq,
                seg(7).len
            ),
            "Server: knows the whole response arrived.".into(),
        ),
        9 => (
            format!(
                "The client has the whole response and closes its side: FIN, seq={}. Like a SYN, a FIN uses up \
                 one sequence number. The client is FIN_WAIT_1: waiting for that FIN to be acknowledged. \
                 When it arrives, the server is CLOSE_WAIT.",
                s.seq
            ),
            "Server: will learn the client has nothing more to send.".into(),
        ),
        10 => (
            format!(
                "The server acknowledges the FIN (ack={}, one more than the FIN's seq). It went to CLOSE_WAIT \
                 when the FIN arrived: the client will send nothing more, but the server still may. Its application had nothing \
                 left to say and closed at once, so the server's own FIN left right behind this ACK and the \
                 server is already LAST_ACK. When this ACK arrives, the client is FIN_WAIT_2: its FIN is \
                 acknowledged, and it waits for the server's.",
                s.ack
            ),
            "One direction of the connection is closed; the other is closing.".into(),
        ),
        11 => (
            format!(
                "The server's FIN, seq={}: it is done sending too. The server waits in LAST_ACK for this FIN \
                 to be acknowledged. When it arrives, the client acknowledges it and enters TIME_WAIT.",
                s.seq
            ),
            "Client: knows the server has nothing more to send.".into(),
        ),
        12 => (
            format!(
                "The client acknowledges the server's FIN with ack={}. It has been in TIME_WAIT since that FIN \
                 arrived. When this ACK arrives, the server is CLOSED. The client waits 2×MSL{} before closing, \
                 in case this last ACK is lost and the server sends its FIN again.",
                s.ack,
                time_wait(story).map_or(String::new(), |secs| format!(" (here {secs} s)"))
            ),
            "Both sides know all data was delivered; the connection is over.".into(),
        ),
        _ => (String::new(), String::new()),
    };
    (what, Some(knows).filter(|k| !k.is_empty()))
}

/// How long the client stayed in TIME_WAIT, in whole seconds, read off the
/// engine's state changes.
fn time_wait(story: &Story) -> Option<u64> {
    let client = story.transitions.iter().filter(|t| t.side == Side::Client);
    let entered = client.clone().find(|t| t.to == State::TimeWait)?.at;
    let left = client.clone().find(|t| t.from == State::TimeWait)?.at;
    Some(left.micros().saturating_sub(entered.micros()) / 1_000_000)
}
