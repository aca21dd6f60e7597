//! Interop: one tcpsim `Endpoint` and one smoltcp host joined by
//! `tcpsim::net::Link`, driven on a simulated clock that jumps to the
//! earliest wake-up of either host or the wire (like quinn-proto's test
//! `Pair`). Both directions carry data at once, under loss, then both sides
//! close; the exact bytes must arrive in order on both sides.

mod common;

use common::smoltcp_host::{SmolHost, SmolState};
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use tcpsim::net::{Link, LinkConfig, Side, WireEvent};
use tcpsim::tcp::{Config, ConnId, Endpoint, Event, IsnPolicy, RejectReason, State};
use tcpsim::time::{Duration, Instant};
use tcpsim::wire::parse_datagram;

const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);
const SERVER_PORT: u16 = 5001;
const SMOL_CLIENT_PORT: u16 = 40_000;
const SEED: u64 = 0x1e7_5eed;
/// Bytes each side sends.
const PAYLOAD: usize = 128 * 1024;
/// Simulated time after which a run is declared stuck.
const TIME_LIMIT: Duration = Duration::from_secs(600);
/// Steps at one instant before the run is declared livelocked.
const MAX_STEPS_PER_INSTANT: u32 = 10_000;
/// Lines of recent history kept for failure messages.
const LOG_LINES: usize = 60;

fn link(loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(10),
        loss,
        ..LinkConfig::default()
    }
}

/// A host that keeps trying: loss must not be what ends a run.
fn our_config(addr: Ipv4Addr, recv_buffer: usize, window_scale: Option<u8>) -> Config {
    Config {
        addr,
        isn: IsnPolicy::Fixed(1000),
        recv_buffer,
        window_scale,
        min_rto: Duration::from_millis(200),
        syn_retries: 40,
        synack_retries: 40,
        max_retries: 40,
        ..Config::default()
    }
}

/// Pseudo-random bytes (xorshift64*): no short period, so a misplaced
/// segment cannot match by accident.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// One line for the failure log: tcpdump-like, or why it did not parse.
fn describe(bytes: &[u8]) -> String {
    match parse_datagram(bytes) {
        Ok(d) => format!(
            "{}:{} > {}:{} [{}] seq {} ack {} win {} len {}{}",
            d.ip.src,
            d.tcp.src_port,
            d.ip.dst,
            d.tcp.dst_port,
            d.tcp.flags,
            d.tcp.seq,
            d.tcp.ack,
            d.tcp.window,
            d.tcp.payload.len(),
            match d.tcp.options.window_scale {
                Some(ws) => format!(" wscale {ws}"),
                None => String::new(),
            },
        ),
        Err(e) => format!("UNPARSEABLE ({e}), {} bytes", bytes.len()),
    }
}

/// Our endpoint and the application on it.
struct Ours {
    ep: Endpoint,
    conn: Option<ConnId>,
    data: Vec<u8>,
    written: usize,
    received: Vec<u8>,
    closed: bool,
    /// Datagrams our parser rejected (smoltcp emitted something we cannot read).
    malformed: Vec<String>,
}

/// The smoltcp host and the application on it.
struct Smol {
    host: SmolHost,
    data: Vec<u8>,
    written: usize,
    received: Vec<u8>,
    closed: bool,
}

struct Pair {
    now: Instant,
    wire: Link,
    wire_events: Vec<WireEvent>,
    ours: Ours,
    smol: Smol,
    ours_side: Side,
    /// Datagrams each side put on the wire, by `Side::index()`.
    sent: [u64; 2],
    /// Datagrams that did not parse with `tcpsim::wire::parse_datagram`.
    unparseable: Vec<String>,
    log: VecDeque<String>,
}

impl Pair {
    fn new(ours_side: Side, ours: Endpoint, smol: SmolHost, loss: f64) -> Pair {
        let wire = Link::new(link(loss), link(loss), Vec::new(), SEED);
        let (ours_seed, smol_seed) = match ours_side {
            Side::Client => (1, 2),
            Side::Server => (2, 1),
        };
        Pair {
            now: Instant::ZERO,
            wire,
            wire_events: Vec::new(),
            ours: Ours {
                ep: ours,
                conn: None,
                data: pattern(PAYLOAD, ours_seed),
                written: 0,
                received: Vec::new(),
                closed: false,
                malformed: Vec::new(),
            },
            smol: Smol {
                host: smol,
                data: pattern(PAYLOAD, smol_seed),
                written: 0,
                received: Vec::new(),
                closed: false,
            },
            ours_side,
            sent: [0; 2],
            unparseable: Vec::new(),
            log: VecDeque::new(),
        }
    }

    fn name(&self, side: Side) -> &'static str {
        if side == self.ours_side {
            "tcpsim"
        } else {
            "smoltcp"
        }
    }

    fn note(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(format!("{} {line}", self.now));
    }

    fn our_state(&self) -> State {
        self.ours.conn.map_or(State::Closed, |c| self.ours.ep.state(c))
    }

    fn done(&self) -> bool {
        self.ours.received.len() >= self.smol.data.len()
            && self.smol.received.len() >= self.ours.data.len()
            && self.ours.conn.is_some()
            && matches!(self.our_state(), State::Closed | State::TimeWait)
            && matches!(self.smol.host.state(), SmolState::Closed | SmolState::TimeWait)
    }

    fn summary(&self, why: &str) -> String {
        let mut s = format!(
            "{why} at {} s (simulated)\n  tcpsim ({}): state {}, wrote {}/{}, received {}/{}, closed {}\n  \
             smoltcp ({}): state {}, wrote {}/{}, received {}/{}, closed {}, unacked {}\n  \
             datagrams sent: client {}, server {}\n  last {} lines:\n",
            self.now,
            self.ours_side.name(),
            self.our_state(),
            self.ours.written,
            self.ours.data.len(),
            self.ours.received.len(),
            self.smol.data.len(),
            self.ours.closed,
            self.ours_side.other().name(),
            self.smol.host.state(),
            self.smol.written,
            self.smol.data.len(),
            self.smol.received.len(),
            self.ours.data.len(),
            self.smol.closed,
            self.smol.host.send_queue(),
            self.sent[0],
            self.sent[1],
            self.log.len(),
        );
        for line in &self.log {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    fn transmit(&mut self, from: Side, bytes: Vec<u8>) {
        self.sent[from.index()] += 1;
        let line = describe(&bytes);
        if line.starts_with("UNPARSEABLE") {
            self.unparseable.push(format!("{}: {line}", self.name(from)));
        }
        let mut events = std::mem::take(&mut self.wire_events);
        let id = self.wire.send(self.now, from, bytes, &mut events);
        let mut fate = String::new();
        for event in events.drain(..) {
            if let WireEvent::Dropped { reason, .. } = event {
                fate = format!("  DROPPED ({reason:?})");
            }
        }
        self.wire_events = events;
        self.note(format!("#{id} {} sends {line}{fate}", self.name(from)));
    }

    /// Reads our endpoint's events: finds the accepted connection, notes
    /// state changes and retransmissions, counts malformed input.
    fn our_events(&mut self) {
        while let Some(event) = self.ours.ep.poll_event() {
            match event {
                Event::Accepted { conn, .. } if self.ours.conn.is_none() => {
                    self.ours.conn = Some(conn);
                }
                Event::StateChanged { from, to, .. } => {
                    self.note(format!("tcpsim {from} -> {to}"));
                }
                Event::Retransmit { seq, len, reason, .. } => {
                    self.note(format!("tcpsim retransmits seq {seq} len {len} ({reason:?})"))
                }
                Event::Error { error, .. } => self.note(format!("tcpsim error {error:?}")),
                Event::Rejected {
                    reason: RejectReason::Malformed { error },
                    ..
                } => self.ours.malformed.push(error.to_string()),
                _ => {}
            }
        }
    }

    /// The application on our endpoint; true if it did anything.
    fn our_app(&mut self) -> bool {
        self.our_events();
        let Some(conn) = self.ours.conn else {
            return false;
        };
        let ours = &mut self.ours;
        let mut progress = false;
        let state = ours.ep.state(conn);
        if ours.written < ours.data.len() && state.can_send() {
            let n = ours
                .ep
                .send(conn, &ours.data[ours.written..])
                .expect("send in a sending state");
            ours.written += n;
            progress |= n > 0;
        }
        let mut buf = [0u8; 16 * 1024];
        loop {
            match ours.ep.recv(self.now, conn, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    ours.received.extend_from_slice(&buf[..n]);
                    progress = true;
                }
            }
        }
        let state = ours.ep.state(conn);
        if !ours.closed && ours.written == ours.data.len() && matches!(state, State::Established | State::CloseWait) {
            ours.ep.close(self.now, conn).expect("close");
            ours.closed = true;
            progress = true;
        }
        progress
    }

    /// The application on the smoltcp host; true if it did anything.
    fn smol_app(&mut self) -> bool {
        let smol = &mut self.smol;
        let mut progress = false;
        if smol.written < smol.data.len() {
            let n = smol.host.send(&smol.data[smol.written..]);
            smol.written += n;
            progress |= n > 0;
        }
        progress |= smol.host.recv_all(&mut smol.received) > 0;
        if !smol.closed
            && smol.written == smol.data.len()
            && matches!(smol.host.state(), SmolState::Established | SmolState::CloseWait)
        {
            smol.host.close();
            smol.closed = true;
            progress = true;
        }
        progress
    }

    /// Everything due at `self.now`.
    fn step(&mut self) {
        let now = self.now;
        while let Some(arrival) = self.wire.poll_arrival(now) {
            if arrival.to == self.ours_side {
                if let Err(e) = self.ours.ep.handle_datagram(now, &arrival.bytes) {
                    self.note(format!("#{} rejected by tcpsim: {e}", arrival.id));
                }
            } else {
                self.smol.host.receive(arrival.bytes);
            }
        }
        if self.ours.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ours.ep.handle_timeout(now);
        }
        let (ours_side, smol_side) = (self.ours_side, self.ours_side.other());
        for _ in 0..64 {
            let mut progress = self.our_app() | self.smol_app();
            while let Some(bytes) = self.ours.ep.poll_transmit(now) {
                self.transmit(ours_side, bytes);
                progress = true;
            }
            for bytes in self.smol.host.poll(now) {
                self.transmit(smol_side, bytes);
                progress = true;
            }
            if !progress {
                break;
            }
        }
        self.our_events();
    }

    fn next_due(&mut self) -> Option<Instant> {
        let now = self.now;
        [
            self.ours.ep.poll_timeout(),
            self.smol.host.poll_at(now),
            self.wire.next_arrival(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs until both sides are done, panicking with a readable summary on
    /// a time limit, a livelock or a stall.
    fn run(&mut self) {
        let deadline = Instant::ZERO + TIME_LIMIT;
        let mut same_instant = 0;
        self.step();
        while !self.done() {
            let Some(next) = self.next_due() else {
                panic!("{}", self.summary("stalled: nothing left to do"));
            };
            if next > deadline {
                panic!("{}", self.summary("time limit exceeded"));
            }
            same_instant = if next <= self.now { same_instant + 1 } else { 0 };
            if same_instant > MAX_STEPS_PER_INSTANT {
                panic!("{}", self.summary("livelock: the clock does not move"));
            }
            self.now = self.now.max(next);
            self.step();
        }
    }

    fn check(&self) {
        assert!(
            self.ours.received == self.smol.data,
            "{}",
            self.summary("tcpsim received bytes that differ from what smoltcp sent")
        );
        assert!(
            self.smol.received == self.ours.data,
            "{}",
            self.summary("smoltcp received bytes that differ from what tcpsim sent")
        );
        assert!(
            self.ours.malformed.is_empty(),
            "tcpsim rejected smoltcp's datagrams: {:?}",
            self.ours.malformed
        );
        assert!(
            self.unparseable.is_empty(),
            "datagrams that do not parse: {:?}",
            self.unparseable
        );
    }
}

/// tcpsim connects to a smoltcp listener.
fn our_client(loss: f64, recv_buffer: usize, window_scale: Option<u8>) -> Pair {
    let mut smol = SmolHost::new(SERVER, recv_buffer, recv_buffer, 7);
    smol.listen(SERVER_PORT);
    let ours = Endpoint::new(our_config(CLIENT, recv_buffer, window_scale));
    let mut pair = Pair::new(Side::Client, ours, smol, loss);
    let conn = pair
        .ours
        .ep
        .connect(Instant::ZERO, SERVER, SERVER_PORT)
        .expect("connect");
    pair.ours.conn = Some(conn);
    pair.run();
    pair.check();
    pair
}

/// smoltcp connects to a tcpsim listener.
fn our_server(loss: f64, recv_buffer: usize, window_scale: Option<u8>) -> Pair {
    let mut smol = SmolHost::new(CLIENT, recv_buffer, recv_buffer, 7);
    smol.connect(SERVER, SERVER_PORT, SMOL_CLIENT_PORT);
    let mut ours = Endpoint::new(our_config(SERVER, recv_buffer, window_scale));
    ours.listen(SERVER_PORT).expect("listen");
    let mut pair = Pair::new(Side::Server, ours, smol, loss);
    pair.run();
    pair.check();
    pair
}

#[test]
fn tcpsim_client_to_smoltcp_server_with_loss() {
    let pair = our_client(0.05, 64 * 1024, None);
    eprintln!(
        "done at {} s; datagrams: client {}, server {}",
        pair.now, pair.sent[0], pair.sent[1]
    );
}

#[test]
fn smoltcp_client_to_tcpsim_server_with_loss() {
    // Large buffers and window scaling on both sides.
    let pair = our_server(0.05, 256 * 1024, Some(7));
    eprintln!(
        "done at {} s; datagrams: client {}, server {}",
        pair.now, pair.sent[0], pair.sent[1]
    );
}

/// No loss: every datagram either side emits must parse with our parser,
/// both checksums valid (smoltcp computes its own, so this cross-checks
/// ours; smoltcp verifying ours is the other half).
#[test]
fn every_datagram_parses_without_loss() {
    for pair in [our_client(0.0, 64 * 1024, None), our_server(0.0, 256 * 1024, Some(7))] {
        assert!(pair.sent[0] > 0 && pair.sent[1] > 0);
        assert!(
            pair.unparseable.is_empty() && pair.ours.malformed.is_empty(),
            "unparseable: {:?}; rejected by tcpsim: {:?}",
            pair.unparseable,
            pair.ours.malformed
        );
    }
}
