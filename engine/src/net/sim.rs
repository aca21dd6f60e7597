//! The simulator: two endpoints, their applications and the wire, driven on
//! a simulated clock that jumps to the next thing due.
//!
//! Order within one instant, for each host: deliver every datagram due,
//! fire due timers, send what the engine wants to send, then let the
//! application react to the events. So an ACK owed for datagrams that arrived
//! together goes out once, and before the application answers, as a kernel
//! acknowledges in its receive path before the reading process runs.

use super::socket_calls::Blocked;
use super::{Call, CallResult, IoErrorKind, Link, Side, WireEvent};
use crate::tcp::{ConnId, Endpoint, Error, Event, State};
use crate::time::{earliest, Duration, Instant};
use crate::trace::{AppAction, Record, Segment, Trace, What};
use std::net::Ipv4Addr;

/// An application on one host. It is called whenever its host reported
/// events, and at the time it asked to be woken.
pub trait App {
    /// Called once at time zero.
    fn start(&mut self, io: &mut AppIo<'_>);
    /// Called with the events its host reported since the last call.
    fn on_events(&mut self, io: &mut AppIo<'_>, events: &[Event]);
    /// A time at which the application wants `on_events` called even if
    /// nothing happened (a slow reader, a timed action). Once called, it must
    /// move this on, or the run ends as `Outcome::Livelock`.
    fn wakeup(&self) -> Option<Instant> {
        None
    }
    /// Replaces what this application sends (the lab's payload editor).
    /// Applications that send nothing of their own ignore it.
    fn set_payload(&mut self, _data: Vec<u8>) {}
}

/// An application that does nothing (a host with only its TCP).
pub struct Idle;

impl App for Idle {
    fn start(&mut self, _: &mut AppIo<'_>) {}
    fn on_events(&mut self, _: &mut AppIo<'_>, _: &[Event]) {}
}

struct Host {
    endpoint: Endpoint,
    app: Box<dyn App>,
}

/// What an application may do. Writes and closes are followed by an
/// immediate transmit, as a kernel sends at the time of the system call.
pub struct AppIo<'a> {
    now: Instant,
    side: Side,
    endpoint: &'a mut Endpoint,
    net: &'a mut Net,
}

impl AppIo<'_> {
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn state(&self, conn: ConnId) -> State {
        self.endpoint.state(conn)
    }

    pub fn readable(&self, conn: ConnId) -> usize {
        self.endpoint.readable(conn)
    }

    pub fn at_eof(&self, conn: ConnId) -> bool {
        self.endpoint.at_eof(conn)
    }

    pub fn unacked(&self, conn: ConnId) -> usize {
        self.endpoint.unacked(conn)
    }

    /// `TcpListener::bind`, then `accept`, which waits for a handshake.
    pub fn listen(&mut self, port: u16) -> Option<ConnId> {
        let result = self.endpoint.listen(port);
        let conn = self.record_result(result, |conn| AppAction::Listen { conn, port })?;
        self.call(Some(conn), Call::Bind, CallResult::Ok);
        self.enter(None, Call::Accept);
        Some(conn)
    }

    /// `TcpStream::connect`: it returns once the handshake is done.
    pub fn connect(&mut self, addr: Ipv4Addr, port: u16) -> Option<ConnId> {
        let result = self.endpoint.connect(self.now, addr, port);
        self.connected(result, port)
    }

    pub fn connect_from(&mut self, local_port: u16, addr: Ipv4Addr, port: u16) -> Option<ConnId> {
        let result = self.endpoint.connect_from(self.now, local_port, addr, port);
        self.connected(result, port)
    }

    fn connected(&mut self, result: Result<ConnId, Error>, port: u16) -> Option<ConnId> {
        let conn = self.record_result(result, |conn| AppAction::Connect { conn, port })?;
        self.enter(Some(conn), Call::Connect);
        self.flush();
        Some(conn)
    }

    /// Hands bytes to TCP; returns how many it took. As `write_all`, the
    /// call returns once TCP has taken every byte: when it takes only part,
    /// the program stays in the call until a later `write` takes the rest.
    pub fn write(&mut self, conn: ConnId, data: &[u8]) -> usize {
        let result = self.endpoint.send(conn, data);
        let len = self
            .record_result(result, |len| AppAction::Write { conn, len })
            .unwrap_or(0);
        self.net.written[self.side.index()] += len as u64;
        if cfg!(feature = "socket-calls") {
            self.write_all_returns(conn, data.len(), result);
        }
        self.flush();
        len
    }

    /// `write_all` returns once every byte of it is taken.
    fn write_all_returns(&mut self, conn: ConnId, asked: usize, result: Result<usize, Error>) {
        let len = *result.as_ref().unwrap_or(&0);
        if !self.blocked_in(conn, Call::Write) {
            self.enter(Some(conn), Call::Write);
        }
        let blocked = &mut self.net.blocked[self.side.index()];
        blocked.written += len;
        let total = blocked.written;
        match result {
            Ok(len) if len == asked => self.returned(Some(conn), Call::Write, CallResult::Bytes(total)),
            Ok(_) => {}
            Err(_) => self.returned(Some(conn), Call::Write, CallResult::Err(IoErrorKind::BrokenPipe)),
        }
    }

    /// Reads up to `max` in-order bytes, straight onto the end of this
    /// side's record of received bytes, and returns them. As `read`: with
    /// nothing to read yet, the program waits in the call (unless it is in
    /// another one) until bytes or the FIN arrive; end of file is returned
    /// once.
    pub fn read(&mut self, conn: ConnId, max: usize) -> &[u8] {
        let received = &mut self.net.received[self.side.index()];
        let start = received.len();
        let result = self.endpoint.recv_append(self.now, conn, received, max);
        if result != Ok(0) {
            self.record_result(result, |len| AppAction::Read { conn, len });
            // Reading may open the window: a window update may be due.
            self.flush();
        }
        if !cfg!(feature = "socket-calls") {
            return &self.net.received[self.side.index()][start..];
        }
        let eof = result == Ok(0) && self.endpoint.at_eof(conn);
        let side = self.side.index();
        let told = self.net.eof_told[side].contains(&conn);
        let returns = match result {
            Ok(0) if eof && !told => Some(CallResult::Eof),
            Ok(0) => None,
            Ok(len) => Some(CallResult::Bytes(len)),
            Err(_) => None,
        };
        match returns {
            Some(result) => {
                if !self.blocked_in(conn, Call::Read) {
                    self.enter(Some(conn), Call::Read);
                }
                self.returned(Some(conn), Call::Read, result);
                if eof {
                    self.net.eof_told[side].push(conn);
                }
            }
            None if result.is_ok() && !eof && self.net.blocked[side].call.is_none() => {
                self.enter(Some(conn), Call::Read);
            }
            None => {}
        }
        &self.net.received[side][start..]
    }

    /// `drop(stream)`: a FIN (RFC 9293 §3.10.4).
    pub fn close(&mut self, conn: ConnId) {
        self.close_as(conn, Call::Close);
    }

    /// `shutdown(Shutdown::Write)`: the same FIN, and the program goes on
    /// reading.
    pub fn shutdown(&mut self, conn: ConnId) {
        self.close_as(conn, Call::Shutdown);
    }

    fn close_as(&mut self, conn: ConnId, call: Call) {
        let result = self.endpoint.close(self.now, conn);
        self.record_result(result, |_| AppAction::Close { conn });
        self.call(Some(conn), call, CallResult::Ok);
        self.flush();
    }

    /// `set_linger(Some(Duration::ZERO))` and `drop`: an RST.
    pub fn abort(&mut self, conn: ConnId) {
        let result = self.endpoint.abort(self.now, conn);
        self.record_result(result, |_| AppAction::Abort { conn });
        self.call(Some(conn), Call::Abort, CallResult::Ok);
        self.flush();
    }

    fn blocked_in(&self, conn: ConnId, call: Call) -> bool {
        let b = &self.net.blocked[self.side.index()];
        b.call == Some(call) && b.conn == Some(conn)
    }

    /// The program enters `call` and stays in it until it returns.
    fn enter(&mut self, conn: Option<ConnId>, call: Call) {
        if !cfg!(feature = "socket-calls") {
            return;
        }
        let side = self.side.index();
        // A read entered at this instant, left for another call before
        // anything came, was never waited in: the program made the other
        // call first (the apps read before deciding to close).
        if let Some((i, at)) = self.net.blocked[side].record {
            if self.net.blocked[side].call == Some(Call::Read) && at == self.now && i < self.net.records.len() {
                self.net.records.remove(i);
                // The other host's open call may be recorded after it.
                for (j, _) in self.net.blocked.iter_mut().filter_map(|b| b.record.as_mut()) {
                    if *j > i {
                        *j -= 1;
                    }
                }
            }
        }
        let record = self.net.record.then_some((self.net.records.len(), self.now));
        self.net.blocked[side] = Blocked {
            conn,
            call: Some(call),
            written: 0,
            record,
        };
        self.net.record(
            self.now,
            self.side,
            What::App {
                action: AppAction::Call { conn, call },
            },
        );
    }

    fn returned(&mut self, conn: Option<ConnId>, call: Call, result: CallResult) {
        self.net.returned(self.now, self.side, conn, call, result);
    }

    /// A call that returns at once.
    fn call(&mut self, conn: Option<ConnId>, call: Call, result: CallResult) {
        self.enter(conn, call);
        self.returned(conn, call, result);
    }

    /// Puts a hand-made datagram on the wire as if this host sent it (a
    /// spoofing attacker, an old duplicate from a past connection).
    pub fn inject(&mut self, bytes: Vec<u8>) {
        self.net.transmit(self.now, self.side, bytes);
    }

    fn record_result<T: Copy>(&mut self, result: Result<T, Error>, action: impl FnOnce(T) -> AppAction) -> Option<T> {
        let action = match result {
            Ok(value) => {
                self.net
                    .record(self.now, self.side, What::App { action: action(value) });
                return Some(value);
            }
            Err(e) => AppAction::Failed { message: e.to_string() },
        };
        self.net.record(self.now, self.side, What::App { action });
        None
    }

    fn flush(&mut self) {
        self.net.flush(self.now, self.side, self.endpoint);
    }
}

/// Everything except the hosts: the wire and the trace being written.
struct Net {
    wire: Link,
    records: Vec<Record>,
    record: bool,
    /// Ids of datagrams the wire corrupted, whose delivered bytes differ.
    corrupted: Vec<u64>,
    wire_events: Vec<WireEvent>,
    written: [u64; 2],
    received: [Vec<u8>; 2],
    datagrams: u64,
    /// Events each host reported that its application has not seen yet.
    pending: [Vec<Event>; 2],
    /// The socket call each host's program is waiting in.
    blocked: [Blocked; 2],
    /// Connections whose end of file a `read` has returned.
    eof_told: [Vec<ConnId>; 2],
}

impl Net {
    fn record(&mut self, at: Instant, side: Side, what: What) {
        if self.record {
            self.records.push(Record { at, side, what });
        }
    }

    /// Records the host's events (so a state change is logged before the
    /// segment it causes) and keeps them for its application, then puts
    /// everything the host wants to send on the wire.
    fn flush(&mut self, now: Instant, side: Side, endpoint: &mut Endpoint) {
        self.take_events(now, side, endpoint);
        while let Some(bytes) = endpoint.poll_transmit(now) {
            self.take_events(now, side, endpoint);
            self.transmit(now, side, bytes);
        }
        self.take_events(now, side, endpoint);
    }

    fn take_events(&mut self, now: Instant, side: Side, endpoint: &mut Endpoint) {
        while let Some(event) = endpoint.poll_event() {
            if self.record {
                self.records.push(Record {
                    at: now,
                    side,
                    what: What::Engine { event: event.clone() },
                });
            }
            // What a blocked call waited for: it returns now, before its
            // program reacts (its next call comes after).
            let blocked = &self.blocked[side.index()];
            let returns = cfg!(feature = "socket-calls")
                .then(|| blocked.returns_on(&event))
                .flatten();
            if let Some((conn, call, result)) = returns {
                self.returned(now, side, conn, call, result);
            }
            self.pending[side.index()].push(event);
        }
    }

    fn returned(&mut self, at: Instant, side: Side, conn: Option<ConnId>, call: Call, result: CallResult) {
        if !cfg!(feature = "socket-calls") {
            return;
        }
        self.blocked[side.index()] = Blocked::default();
        self.record(
            at,
            side,
            What::App {
                action: AppAction::Returned { conn, call, result },
            },
        );
    }

    fn transmit(&mut self, now: Instant, side: Side, bytes: Vec<u8>) {
        self.datagrams += 1;
        let segment = if self.record {
            Segment::decode_emitted(&bytes)
        } else {
            None
        };
        let mut events = std::mem::take(&mut self.wire_events);
        match segment {
            Some(segment) => {
                let kept = bytes.clone();
                let id = self.wire.send(now, side, bytes, &mut events);
                self.record(
                    now,
                    side,
                    What::Sent {
                        id,
                        bytes: kept,
                        segment,
                    },
                );
            }
            None => {
                self.wire.send(now, side, bytes, &mut events);
            }
        }
        for event in events.drain(..) {
            if let WireEvent::Corrupted { id, .. } = event {
                self.corrupted.push(id);
            }
            self.record(now, side, What::Wire { event });
        }
        self.wire_events = events;
    }
}

pub struct Simulator {
    now: Instant,
    hosts: [Host; 2],
    net: Net,
    scenario: String,
    seed: u64,
    started: bool,
    events: Vec<Event>,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing left to do: no datagram in flight, no timer, no wake-up.
    Quiescent,
    /// The time limit came first.
    TimeLimit,
    /// Too many steps without the clock moving: an application keeps asking
    /// to be woken in the past. A bug in that application, not a hang.
    Livelock,
}

/// Steps allowed at one instant before the run is declared stuck.
const MAX_STEPS_PER_INSTANT: u32 = 100_000;

impl Simulator {
    pub fn new(
        scenario: &str,
        seed: u64,
        client: (Endpoint, Box<dyn App>),
        server: (Endpoint, Box<dyn App>),
        wire: Link,
    ) -> Simulator {
        Simulator {
            now: Instant::ZERO,
            hosts: [
                Host {
                    endpoint: client.0,
                    app: client.1,
                },
                Host {
                    endpoint: server.0,
                    app: server.1,
                },
            ],
            net: Net {
                wire,
                records: Vec::new(),
                record: true,
                corrupted: Vec::new(),
                wire_events: Vec::new(),
                written: [0; 2],
                received: [Vec::new(), Vec::new()],
                datagrams: 0,
                pending: [Vec::new(), Vec::new()],
                blocked: [Blocked::default(); 2],
                eof_told: [Vec::new(), Vec::new()],
            },
            scenario: scenario.to_string(),
            seed,
            started: false,
            events: Vec::new(),
        }
    }

    /// Keep no trace records (for benchmarks); the byte totals are still kept.
    pub fn without_records(mut self) -> Self {
        self.net.record = false;
        self
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn endpoint(&self, side: Side) -> &Endpoint {
        &self.hosts[side.index()].endpoint
    }

    /// Datagrams put on the wire so far.
    pub fn datagrams(&self) -> u64 {
        self.net.datagrams
    }

    /// Runs until nothing is left to do or simulated time passes `limit`.
    pub fn run(&mut self, limit: Duration) -> Outcome {
        let deadline = Instant::ZERO + limit;
        if !self.started {
            self.started = true;
            for side in [Side::Server, Side::Client] {
                self.start_app(side);
            }
        }
        let mut same_instant = 0;
        loop {
            let Some(next) = self.next_due() else {
                return Outcome::Quiescent;
            };
            if next > deadline {
                self.now = deadline;
                return Outcome::TimeLimit;
            }
            same_instant = if next <= self.now { same_instant + 1 } else { 0 };
            if same_instant > MAX_STEPS_PER_INSTANT {
                return Outcome::Livelock;
            }
            self.now = self.now.max(next);
            self.step();
        }
    }

    /// Ends the run and hands over the trace.
    pub fn into_trace(self, truncated: bool) -> Trace {
        Trace {
            scenario: self.scenario,
            seed: self.seed,
            client: self.hosts[0].endpoint.addr().into(),
            server: self.hosts[1].endpoint.addr().into(),
            records: self.net.records,
            end: self.now,
            received: self.net.received,
            written: self.net.written,
            truncated,
        }
    }

    /// The earliest of every host's timers, every application's wake-up and
    /// the next arrival on the wire.
    fn next_due(&self) -> Option<Instant> {
        let mut due = self.net.wire.next_arrival();
        for h in &self.hosts {
            due = earliest(due, earliest(h.endpoint.poll_timeout(), h.app.wakeup()));
        }
        due
    }

    fn step(&mut self) {
        let now = self.now;
        while let Some(arrival) = self.net.wire.poll_arrival(now) {
            let to = arrival.to;
            let corrupted = self.net.corrupted.iter().position(|&id| id == arrival.id);
            let bytes = corrupted.map(|i| {
                self.net.corrupted.swap_remove(i);
                arrival.bytes.clone()
            });
            self.net.record(now, to, What::Delivered { id: arrival.id, bytes });
            // A malformed datagram is reported as an engine event.
            let endpoint = &mut self.hosts[to.index()].endpoint;
            let _ = endpoint.handle_datagram(now, &arrival.bytes);
            self.net.take_events(now, to, endpoint);
        }
        for side in [Side::Client, Side::Server] {
            let host = &mut self.hosts[side.index()];
            if host.endpoint.poll_timeout().is_some_and(|t| t <= now) {
                host.endpoint.handle_timeout(now);
            }
            self.net.flush(now, side, &mut host.endpoint);
        }
        for side in [Side::Client, Side::Server] {
            self.run_app(side);
        }
    }

    fn start_app(&mut self, side: Side) {
        let host = &mut self.hosts[side.index()];
        let mut io = AppIo {
            now: self.now,
            side,
            endpoint: &mut host.endpoint,
            net: &mut self.net,
        };
        host.app.start(&mut io);
        self.run_app(side);
    }

    /// Hands the host's events to its application until it stops causing
    /// new ones (bounded, so a misbehaving app cannot spin forever).
    fn run_app(&mut self, side: Side) {
        let now = self.now;
        let host = &mut self.hosts[side.index()];
        let woken = host.app.wakeup().is_some_and(|t| t <= now);
        for round in 0..64 {
            self.net.take_events(now, side, &mut host.endpoint);
            self.events.clear();
            self.events.append(&mut self.net.pending[side.index()]);
            if self.events.is_empty() && (round > 0 || !woken) {
                return;
            }
            let mut io = AppIo {
                now,
                side,
                endpoint: &mut host.endpoint,
                net: &mut self.net,
            };
            host.app.on_events(&mut io, &self.events);
            self.net.flush(now, side, &mut host.endpoint);
        }
    }
}
