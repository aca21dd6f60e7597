//! What the narration panel says. Every number comes from the engine's
//! segments, so the text stays true when the ISNs are random.

use crate::state::story::{Fate, Step, Story};
use tcpsim::net::Side;
use tcpsim::net::WireEvent;
use tcpsim::tcp::{ConnError, Event, RejectReason, RetransmitReason, State, Timer};
use tcpsim::trace::What;
use tcpsim::wire::WireError;

pub struct Narration {
    pub title: String,
    /// What happened and why.
    pub what: String,
    /// What each side knows now.
    pub knows: Option<String>,
}

/// The narration for step `n` (0 = before anything is sent).
pub fn narrate(story: &Story, n: usize) -> Narration {
    if n == 0 && story.trace.scenario != "curl" {
        let scenario = tcpsim::scenario::find(&story.trace.scenario);
        return Narration {
            title: scenario.map_or("Before anything moves", |s| s.title).into(),
            what: format!(
                "{}. Step forward (→) to watch it happen, segment by segment.",
                capitalized(scenario.map_or("", |s| s.summary))
            ),
            knows: None,
        };
    }
    if n == 0 {
        let (ip, port) = (story.server.ip(), story.server.port());
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
    let curl = is_default_story(story);
    let (what, knows) = if curl {
        curl_step(story, step)
    } else {
        (generic(story, step), None)
    };
    Narration {
        title: format!("{}. The {} sends {}", n, step.from.name(), step.label()),
        what,
        knows,
    }
}

/// The summaries are ASCII sentences; ASCII case keeps Unicode's case
/// tables out of the page.
fn capitalized(text: &str) -> String {
    let mut text = text.to_string();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// The twelve-packet story as designed: the `curl` scenario with no fault
/// or setting of the lab's added (the story's own words would not fit).
fn is_default_story(story: &Story) -> bool {
    story.trace.scenario == "curl" && story.as_designed && story.steps.len() == 12
}

/// Any scenario: what the segment is, then what the engine reported just
/// before it was sent (why it was sent) and when it arrived (what it did).
fn generic(story: &Story, step: &Step) -> String {
    let s = &step.segment;
    let (from, to) = (step.from.name(), step.from.other().name());
    let mut text = match s.len {
        0 => format!("A segment with {} goes from the {from} to the {to}.", s.flags),
        n => format!(
            "The {from} sends {n} bytes of data (bytes {} to {}) with {}.",
            s.seq,
            s.seq.wrapping_add(n - 1),
            s.flags
        ),
    };
    let records = &story.trace.records;
    // Why it was sent: the sender's reports since the previous datagram.
    let start = records[..step.sent_record]
        .iter()
        .rposition(|r| matches!(r.what, What::Sent { .. } | What::Delivered { .. }))
        .map_or(0, |i| i + 1);
    for r in &records[start..step.sent_record] {
        if r.side == step.from {
            if let What::Engine { event } = &r.what {
                text.push_str(before_sending(event));
            }
        }
    }
    for r in &records[step.sent_record + 1..] {
        match &r.what {
            What::Wire { event } => text.push_str(on_the_wire(event)),
            _ => break,
        }
    }
    // What it did: the receiver's reports as it arrived.
    if let Fate::Delivered { record, .. } = step.fate {
        for r in &records[record + 1..step.done.cursor] {
            if let What::Engine { event } = &r.what {
                text.push_str(&on_arrival(event));
            }
        }
    }
    text
}

fn before_sending(event: &Event) -> &'static str {
    match event {
        Event::TimerFired { timer: Timer::Retransmit, .. } => {
            " The retransmission timer ran out before an ACK came back, so the sender sends the oldest unacknowledged data again and doubles its timeout (RFC 6298)."
        }
        Event::TimerFired { timer: Timer::Persist, .. } => {
            " The persist timer fired: the receiver's window is zero, so the sender probes with one byte to learn when it opens."
        }
        Event::Retransmit { reason: RetransmitReason::FastRetransmit, .. } => {
            " Three duplicate ACKs mean one segment is missing while later ones arrived: the sender resends it now, without waiting for the timer (fast retransmit). It sets ssthresh to half the data in flight and, while it recovers, lets cwnd be that plus the three segments the duplicates say have left the network (RFC 5681)."
        }
        Event::Retransmit { reason: RetransmitReason::PartialAck, .. } => {
            " The ACK covered only part of what was outstanding: during NewReno recovery that points at the next hole, which is resent at once."
        }
        Event::Retransmit { reason: RetransmitReason::Timeout, .. } => {
            " This is a retransmission; by Karn's rule its ACK will not be used to measure the round-trip time, since nobody can tell which copy it answers."
        }
        Event::Retransmit { reason: RetransmitReason::SynRepeated, .. } => {
            " The peer sent its SYN again, so our SYN, ACK must have been lost: it is sent again."
        }
        Event::DuplicateAck { count: 3, .. } => " That was the third duplicate ACK.",
        Event::ZeroWindow { .. } => " The receiver's window is zero: the sender must stop sending data.",
        Event::WindowUpdate { .. } => {
            " The application read data, so the receive window opened: this segment tells the sender."
        }
        Event::SynCookieSent { .. } => {
            " The backlog is full, so the server answers with a SYN cookie: the state it needs is encoded in its ISN instead of stored."
        }
        Event::Error { error: ConnError::Reset, .. } => " The application aborted the connection.",
        _ => "",
    }
}

fn on_the_wire(event: &WireEvent) -> &'static str {
    match event {
        WireEvent::Dropped { .. } => " The wire loses this segment: it never arrives.",
        WireEvent::Duplicated { .. } => " The wire delivers this segment twice.",
        WireEvent::Corrupted { .. } => " On the way one bit of it is flipped.",
        WireEvent::Delayed { .. } => " The wire holds it back, so later segments overtake it.",
        WireEvent::Scheduled { .. } => "",
    }
}

fn on_arrival(event: &Event) -> std::borrow::Cow<'static, str> {
    let text = match event {
        Event::Rejected {
            reason: RejectReason::Malformed {
                error: WireError::BadTcpChecksum | WireError::BadIpChecksum,
            },
            ..
        } => {
            " The receiver computes the checksum, finds it wrong and silently drops the segment; only a retransmission can repair the loss."
        }
        Event::Rejected { reason: RejectReason::Malformed { error }, .. } => {
            return format!(
                " The damage left the header unreadable ({error}), so the receiver silently drops the segment; only a retransmission can repair the loss."
            )
            .into();
        }
        Event::Rejected { reason: RejectReason::SynInSynReceived, .. } => {
            " A new SYN reached a connection still half-open: the server forgets that connection, and its listener waits for the client to start again (RFC 9293)."
        }
        Event::Rejected { reason: RejectReason::NoListener, .. } => {
            " Nothing listens on that port, so the receiving host answers with RST."
        }
        Event::Rejected { reason: RejectReason::Unacceptable, .. } => {
            " The receiver finds it outside its window (old or duplicate) and answers with an ACK of what it expects."
        }
        Event::Rejected { reason: RejectReason::BadAckInSynSent, .. } => {
            " The client never sent the SYN this acknowledges: it answers with RST, and the server forgets the ghost connection."
        }
        Event::Rejected { reason: RejectReason::BacklogFull, .. } => {
            " The listener's backlog of half-open connections is full: the SYN is dropped."
        }
        Event::OutOfOrder { .. } => {
            " It arrives beyond a gap: the receiver keeps it in its buffer but cannot deliver it yet, and sends a duplicate ACK for the missing byte."
        }
        Event::Duplicate { .. } => " The receiver already has these bytes: it discards them and acknowledges again.",
        Event::WindowProbe { .. } => "",
        Event::Error { error: ConnError::Refused, .. } => " The client's application gets “connection refused”.",
        Event::Error { error: ConnError::Reset, .. } => " The receiving application gets “connection reset by peer”.",
        Event::Error { error: ConnError::TimedOut, .. } => " The application gets “connection timed out”.",
        Event::SynCookieAccepted { .. } => {
            " The ACK carries a valid cookie: the server rebuilds the connection from it."
        }
        Event::Reopened { .. } => {
            " An old connection on these ports was in TIME_WAIT. This SYN is numbered past all it carried, so it is \
             no old duplicate: TIME_WAIT ends early and a new connection opens (RFC 9293 §3.6.1)."
        }
        _ => "",
    };
    text.into()
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
        _ => (generic(story, step), String::new()),
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

/// The notes under the narration, in our words (from the teaching brief).
/// "What this simplifies" speaks of no loss and no Nagle only where that
/// is true: the default story as designed.
pub fn notes(story: &Story) -> [(&'static str, &'static str); 3] {
    let simplifies = if is_default_story(story) {
        SIMPLIFIES_DEFAULT
    } else {
        SIMPLIFIES
    };
    [NOTES[0], ("What this simplifies", simplifies), NOTES[1]]
}

/// The first sentence of both versions of "What this simplifies".
macro_rules! no_tls {
    () => {
        "No TLS: a real HTTPS request adds one more round trip with TLS 1.3, two with TLS 1.2."
    };
}

const SIMPLIFIES: &str = concat!(
    no_tls!(),
    " Each host runs one small application, and the wire carries only what this scenario sends."
);

const SIMPLIFIES_DEFAULT: &str = concat!(
    no_tls!(),
    " No loss or congestion in this run. Nagle's algorithm is off, so every write is sent at once. The server \
     acknowledges every segment at once; the client, like most real stacks, holds an ACK back for a moment but \
     sends one for at least every second segment."
);

const NOTES: [(&str, &str); 2] = [
    (
        "Why three packets, not two?",
        "Each side must learn the other's starting sequence number and know that its own was received. \
         The SYN, ACK confirms the client's number and carries the server's; the final ACK confirms the \
         server's. With only two packets the server could not tell a fresh SYN from an old duplicate \
         still wandering the network, and would open a connection nobody asked for.",
    ),
    (
        "Why it matters",
        "The handshake costs a full round trip before the first request byte can be sent, and with TLS \
         about three (two with TLS 1.3): some 100 ms across a continent, 300 ms across an ocean. That is why browsers reuse connections and \
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
    ("Checksum", "A 16-bit sum that lets the receiver detect damage. IPv4's covers only its own header; TCP's covers the TCP header, the data and a pseudo-header (both addresses, the protocol and the length)."),
];
