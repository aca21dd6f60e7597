//! What the narration panel says. Every number comes from the engine's
//! segments, so the text stays true when the ISNs are random.

use crate::state::story::{Fate, Step, Story};
use tcpsim::net::Side;
use tcpsim::tcp::State;

pub struct Narration {
    pub title: String,
    /// What happened and why.
    pub what: String,
    /// What each side knows now.
    pub knows: Option<String>,
}

pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

/// The narration for step `n` (0 = before anything is sent).
pub fn narrate(story: &Story, n: usize) -> Narration {
    if n == 0 {
        let (ip, port) = story.server;
        return Narration {
            title: "Before anything moves".into(),
            what: format!(
                "The server has opened a socket on port {port} at {ip} and is LISTENing for connections. \
                 The client's socket is CLOSED: it exists, but has not tried to connect yet. \
                 Press step (→) to watch the client start the handshake."
            ),
            knows: None,
        };
    }
    let Some(step) = story.steps.get(n - 1) else {
        return Narration {
            title: "Nothing more to show".into(),
            what: String::new(),
            knows: None,
        };
    };
    let curl = story.trace.scenario == "curl" && story.steps.len() == 12;
    let (what, knows) = if curl {
        curl_step(story, step)
    } else {
        (generic(step), None)
    };
    let mut what = what;
    if let Fate::Dropped { .. } = step.fate {
        what.push_str(" The wire lost this segment: it never arrives.");
    }
    Narration {
        title: format!("{}. The {} sends {}", n, side_name(step.from), step.label()),
        what,
        knows,
    }
}

fn generic(step: &Step) -> String {
    let s = &step.segment;
    let mut text = format!(
        "A segment with flags {} goes from the {} to the {}.",
        s.flags,
        side_name(step.from),
        side_name(step.from.other())
    );
    if s.len > 0 {
        text.push_str(&format!(
            " It carries {} bytes of data, numbered {} to {}.",
            s.len,
            s.seq,
            s.seq.wrapping_add(s.len.saturating_sub(1))
        ));
    }
    text
}

/// The default story: numbers from the segments, teaching from the brief.
fn curl_step(story: &Story, step: &Step) -> (String, Option<String>) {
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
                 ACKs are cumulative: “everything before this number has arrived”.",
                s.ack,
                seg(7).seq,
                seg(7).len
            ),
            "Server: knows the whole response arrived.".into(),
        ),
        9 => (
            format!(
                "The client has the whole response and closes its side: FIN, seq={}. Like a SYN, a FIN uses up \
                 one sequence number. The client is FIN_WAIT_1: waiting for that FIN to be acknowledged.",
                s.seq
            ),
            "Server: will learn the client has nothing more to send.".into(),
        ),
        10 => (
            format!(
                "The server acknowledges the FIN (ack={}, one more than the FIN's seq) and went to CLOSE_WAIT: \
                 the client will send nothing more, but the server still may. Its application had nothing \
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
                "The client acknowledges the server's FIN with ack={} and enters TIME_WAIT. When this ACK arrives, \
                 the server is CLOSED. The client waits 2×MSL{} before closing, in case this last ACK is lost \
                 and the server sends its FIN again.",
                s.ack,
                time_wait(story).map_or(String::new(), |secs| format!(" (here {secs} s)"))
            ),
            "Both sides know all data was delivered; the connection is over.".into(),
        ),
        _ => (generic(step), String::new()),
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

/// Notes for the default story, in our words (from the teaching brief).
pub const NOTES: &[(&str, &str)] = &[
    (
        "Why three packets, not two?",
        "Each side must learn the other's starting sequence number and know that its own was received. \
         The SYN, ACK confirms the client's number and carries the server's; the final ACK confirms the \
         server's. With only two packets the server could not tell a fresh SYN from an old duplicate \
         still wandering the network, and would open a connection nobody asked for.",
    ),
    (
        "What this simplifies",
        "No TLS: a real HTTPS request adds one more round trip with TLS 1.3, two with TLS 1.2. No loss or \
         congestion in this run. Nagle's algorithm and delayed ACKs are off, so every segment is sent and \
         acknowledged at once.",
    ),
    (
        "Why it matters",
        "The handshake costs a full round trip before the first request byte — about three with TLS, which \
         is 100 ms across a continent and 300 ms across an ocean. That is why browsers reuse connections and \
         HTTP/2 sends many requests over one. TIME_WAIT keeps the closing side's port busy for 2×MSL (often \
         60 s): a busy client that always closes first can run out of ports. And the errors you see map to \
         packets: “connection refused” is an RST answering a SYN, “timed out” is SYNs with no answer, \
         “reset” is an RST in the middle of a connection. Random ISNs make it hard for an attacker to guess \
         numbers and inject segments, and keep an old connection's segments out of a new one.",
    ),
];

pub const GLOSSARY: &[(&str, &str)] = &[
    ("Handshake", "The SYN, SYN-ACK, ACK exchange that opens a connection and agrees on sequence numbers."),
    ("Segment", "One TCP packet: a header, sometimes followed by data."),
    ("Sequence number (seq)", "The number of the first data byte in a segment. Each direction counts its own bytes, starting from a random ISN."),
    ("ISN", "Initial sequence number: where a side starts counting. SYN uses up one number, so data starts at ISN + 1."),
    ("Acknowledgment (ack)", "The next byte a side expects to receive. It covers every byte before it (cumulative)."),
    ("Port", "A 16-bit number that picks out one application's socket on a host. Address + port at both ends identify a connection."),
    ("Window", "How many more bytes the receiver can take right now. The sender never has more than that unacknowledged."),
    ("MSS", "Maximum segment size: the most data bytes one segment may carry, offered in the SYN."),
    ("Flags", "Bits in the header: SYN opens, FIN closes one direction, ACK says the ack field is valid, PSH pushes data to the application, RST aborts."),
    ("MSL", "Maximum segment lifetime: how long a segment may survive in the network. TIME_WAIT lasts 2×MSL."),
    ("Checksum", "A sum over the header and data (and, for TCP, the addresses) that lets the receiver detect damage."),
];
