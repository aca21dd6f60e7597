//! One host's TCP: listeners, connections, and the datagrams between them
//! and the network.

use super::connection::{ChallengeBudget, Connection, Cx};
use super::{syn_cookie, Config, ConnId, Error, Event, IsnPolicy, RejectReason, State};
use crate::time::{earliest, Instant};
use crate::wire::{self, SeqNumber, TcpFlags, TcpOptions, TcpRepr, WireError};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

/// The MSS range an endpoint accepts in its config.
const MIN_MSS: u16 = 64;
const MAX_MSS: u16 = u16::MAX - 40;

struct Listener {
    id: ConnId,
    port: u16,
}

pub struct Endpoint {
    config: Config,
    listeners: Vec<Listener>,
    conns: Vec<Connection>,
    events: VecDeque<Event>,
    control: VecDeque<Vec<u8>>,
    ident: u16,
    challenges: ChallengeBudget,
    next_id: u32,
    next_port: u16,
    /// Where the next `poll_transmit` starts looking, so that one busy
    /// connection cannot starve the others.
    next_poll: usize,
}

impl Endpoint {
    pub fn new(mut config: Config) -> Self {
        // An MSS outside what a 20-byte IPv4 and TCP header allow in one
        // datagram (RFC 9293 §3.7.1) would make malformed segments.
        config.mss = config.mss.clamp(MIN_MSS, MAX_MSS);
        Endpoint {
            ident: config.ip_ident,
            next_port: config.ephemeral_port,
            config,
            listeners: Vec::new(),
            conns: Vec::new(),
            events: VecDeque::new(),
            control: VecDeque::new(),
            challenges: ChallengeBudget::default(),
            next_id: 0,
            next_poll: 0,
        }
    }

    // ---- getters ---------------------------------------------------------

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn addr(&self) -> Ipv4Addr {
        self.config.addr
    }

    /// The state of a connection or listener; CLOSED once it is gone.
    pub fn state(&self, id: ConnId) -> State {
        if self.listeners.iter().any(|l| l.id == id) {
            return State::Listen;
        }
        self.conn(id).map_or(State::Closed, |c| c.state)
    }

    /// Bytes waiting to be read.
    pub fn readable(&self, id: ConnId) -> usize {
        self.conn(id).map_or(0, |c| c.readable())
    }

    /// The peer closed and everything it sent has been read.
    pub fn at_eof(&self, id: ConnId) -> bool {
        self.conn(id).is_none_or(|c| c.at_eof())
    }

    /// Bytes the application wrote that are not yet acknowledged.
    pub fn unacked(&self, id: ConnId) -> usize {
        self.conn(id).map_or(0, |c| c.unsent_or_unacked())
    }

    /// Room left in the send buffer.
    pub fn send_space(&self, id: ConnId) -> usize {
        self.conn(id).map_or(0, |c| c.send_space(&self.config))
    }

    /// Local and remote (address, port) of a connection.
    pub fn endpoints(&self, id: ConnId) -> Option<(SocketAddrV4, SocketAddrV4)> {
        self.conn(id).map(|c| (c.local, c.remote))
    }

    /// The initial send sequence number of a connection.
    pub fn iss(&self, id: ConnId) -> Option<SeqNumber> {
        self.conn(id).map(|c| c.iss())
    }

    /// Every live connection (not listeners), oldest first.
    pub fn connections(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.conns.iter().map(|c| c.id)
    }

    fn conn(&self, id: ConnId) -> Option<&Connection> {
        self.conns.iter().find(|c| c.id == id)
    }

    // ---- commands --------------------------------------------------------

    /// Passive open (RFC 9293 §3.10.1): CLOSED → LISTEN.
    pub fn listen(&mut self, port: u16) -> Result<ConnId, Error> {
        if self.port_in_use(port) {
            return Err(Error::PortInUse(port));
        }
        let id = self.new_id();
        self.listeners.push(Listener { id, port });
        self.events.push_back(Event::StateChanged {
            conn: id,
            from: State::Closed,
            to: State::Listen,
        });
        Ok(id)
    }

    /// Active open from the next free ephemeral port.
    pub fn connect(&mut self, now: Instant, remote_addr: Ipv4Addr, remote_port: u16) -> Result<ConnId, Error> {
        let port = self.free_port()?;
        self.connect_from(now, port, remote_addr, remote_port)
    }

    /// Active open from a chosen local port (simultaneous open needs both
    /// sides to name each other's port).
    pub fn connect_from(
        &mut self,
        now: Instant,
        local_port: u16,
        remote_addr: Ipv4Addr,
        remote_port: u16,
    ) -> Result<ConnId, Error> {
        let local = SocketAddrV4::new(self.config.addr, local_port);
        let remote = SocketAddrV4::new(remote_addr, remote_port);
        if self.conns.iter().any(|c| c.local == local && c.remote == remote) {
            return Err(Error::PortInUse(local_port));
        }
        let id = self.new_id();
        let iss = self.isn(now, local, remote);
        let (mut cx, conns) = self.split(now);
        let conn = Connection::connect(&mut cx, id, local, remote, iss);
        conns.push(conn);
        Ok(id)
    }

    /// Queues bytes to send; returns how many fit in the send buffer.
    pub fn send(&mut self, id: ConnId, data: &[u8]) -> Result<usize, Error> {
        let config = &self.config;
        let conn = self
            .conns
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(Error::UnknownConnection(id))?;
        if !conn.state.can_send() {
            return Err(Error::InvalidState(conn.state));
        }
        Ok(conn.send(config, data))
    }

    /// Reads in-order bytes; 0 means nothing is waiting (see `at_eof`).
    pub fn recv(&mut self, now: Instant, id: ConnId, buf: &mut [u8]) -> Result<usize, Error> {
        let idx = self.index(id)?;
        let (mut cx, conns) = self.split(now);
        Ok(conns[idx].recv(&mut cx, buf.len(), |head, tail| {
            buf[..head.len()].copy_from_slice(head);
            buf[head.len()..head.len() + tail.len()].copy_from_slice(tail);
        }))
    }

    /// As `recv`, but appends up to `max` bytes to `out` (no zeroed buffer
    /// to fill first).
    pub fn recv_append(&mut self, now: Instant, id: ConnId, out: &mut Vec<u8>, max: usize) -> Result<usize, Error> {
        let idx = self.index(id)?;
        let (mut cx, conns) = self.split(now);
        Ok(conns[idx].recv(&mut cx, max, |head, tail| {
            out.extend_from_slice(head);
            out.extend_from_slice(tail);
        }))
    }

    /// CLOSE: a FIN follows the data already queued. On a listener, stops
    /// listening.
    pub fn close(&mut self, now: Instant, id: ConnId) -> Result<(), Error> {
        if let Some(pos) = self.listeners.iter().position(|l| l.id == id) {
            self.listeners.remove(pos);
            self.events.push_back(Event::StateChanged {
                conn: id,
                from: State::Listen,
                to: State::Closed,
            });
            return Ok(());
        }
        let idx = self.index(id)?;
        let (mut cx, conns) = self.split(now);
        let state = conns[idx].state;
        if !matches!(
            state,
            State::SynSent | State::SynReceived | State::Established | State::CloseWait
        ) {
            return Err(Error::InvalidState(state));
        }
        conns[idx].close(&mut cx);
        self.reap();
        Ok(())
    }

    /// ABORT: RST to the peer, and the connection is gone.
    pub fn abort(&mut self, now: Instant, id: ConnId) -> Result<(), Error> {
        let idx = self.index(id)?;
        let (mut cx, conns) = self.split(now);
        conns[idx].abort(&mut cx);
        self.reap();
        Ok(())
    }

    // ---- inputs ----------------------------------------------------------

    /// A datagram arrived from the network. Malformed input is reported as
    /// an event and an error, never a panic.
    pub fn handle_datagram(&mut self, now: Instant, bytes: &[u8]) -> Result<(), WireError> {
        let dgram = match wire::parse_datagram(bytes) {
            Ok(d) => d,
            Err(error) => {
                self.reject(None, RejectReason::Malformed { error });
                return Err(error);
            }
        };
        if dgram.ip.dst != self.config.addr {
            self.reject(None, RejectReason::NotForUs);
            return Ok(());
        }
        let seg = dgram.tcp;
        let local = SocketAddrV4::new(dgram.ip.dst, seg.dst_port);
        let remote = SocketAddrV4::new(dgram.ip.src, seg.src_port);
        let listener = self.listeners.iter().find(|l| l.port == local.port()).map(|l| l.id);
        let mut iss = None;
        if let Some(idx) = self.conns.iter().position(|c| c.local == local && c.remote == remote) {
            let (mut cx, conns) = self.split(now);
            if listener.is_some() && conns[idx].reopens_time_wait(&seg) {
                // RFC 9293 §3.6.1 (RFC 1122 §4.2.2.13, RFC 6191 §2): a new
                // SYN numbered above all the old connection used may end
                // TIME_WAIT early. The new ISS lies beyond the old SND.MAX
                // plus a maximum window, as Linux picks it, so no old
                // segment can fall in the new connection's window.
                iss = Some(conns[idx].snd_max() + (u16::MAX as usize + 2));
                conns[idx].end_time_wait(&mut cx);
            } else {
                conns[idx].handle_segment(&mut cx, &seg);
            }
            self.reap();
            if iss.is_none() {
                return Ok(());
            }
        }
        match listener {
            Some(listener) => self.segment_to_listener(now, listener, local, remote, &seg, iss),
            None => self.segment_to_closed_port(now, local, remote, &seg),
        }
        self.reap();
        Ok(())
    }

    /// Fires every timer that is due; harmless when none is.
    pub fn handle_timeout(&mut self, now: Instant) {
        let (mut cx, conns) = self.split(now);
        for conn in conns.iter_mut() {
            if conn.next_timeout().is_some_and(|at| at <= now) {
                conn.handle_timeout(&mut cx);
            }
        }
        self.reap();
    }

    // ---- outputs ---------------------------------------------------------

    /// The next datagram to put on the wire, if any.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        if let Some(bytes) = self.control.pop_front() {
            return Some(bytes);
        }
        let n = self.conns.len();
        let start = self.next_poll;
        let (mut cx, conns) = self.split(now);
        for i in 0..n {
            let idx = (start + i) % n;
            if let Some(bytes) = conns[idx].poll_transmit(&mut cx) {
                // The next poll starts after this one: busy connections take turns.
                self.next_poll = (idx + 1) % n;
                return Some(bytes);
            }
        }
        self.next_poll = 0;
        None
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conns.iter().fold(None, |due, c| earliest(due, c.next_timeout()))
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    // ---- internals -------------------------------------------------------

    fn split(&mut self, now: Instant) -> (Cx<'_>, &mut Vec<Connection>) {
        let cx = Cx {
            config: &self.config,
            events: &mut self.events,
            control: &mut self.control,
            ident: &mut self.ident,
            challenges: &mut self.challenges,
            now,
        };
        (cx, &mut self.conns)
    }

    fn index(&self, id: ConnId) -> Result<usize, Error> {
        self.conns
            .iter()
            .position(|c| c.id == id)
            .ok_or(Error::UnknownConnection(id))
    }

    fn new_id(&mut self) -> ConnId {
        self.next_id += 1;
        ConnId(self.next_id)
    }

    fn reap(&mut self) {
        self.conns.retain(|c| !c.is_gone());
        if self.next_poll >= self.conns.len() {
            self.next_poll = 0;
        }
    }

    fn reject(&mut self, conn: Option<ConnId>, reason: RejectReason) {
        self.events.push_back(Event::Rejected { conn, reason });
    }

    fn port_in_use(&self, port: u16) -> bool {
        self.listeners.iter().any(|l| l.port == port) || self.conns.iter().any(|c| c.local.port() == port)
    }

    fn free_port(&mut self) -> Result<u16, Error> {
        let first = self.config.ephemeral_port;
        let span = (u16::MAX - first) as u32 + 1;
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = if port == u16::MAX { first } else { port + 1 };
            if !self.port_in_use(port) {
                return Ok(port);
            }
        }
        Err(Error::NoFreePorts)
    }

    fn isn(&self, now: Instant, local: SocketAddrV4, remote: SocketAddrV4) -> SeqNumber {
        match self.config.isn {
            IsnPolicy::Fixed(n) => SeqNumber(n),
            IsnPolicy::Rfc6528 { secret } => syn_cookie::isn(secret, now, local, remote),
        }
    }

    /// RFC 9293 §3.10.7.1: nothing is here, so answer with RST (unless the
    /// segment is itself an RST).
    fn segment_to_closed_port(&mut self, now: Instant, local: SocketAddrV4, remote: SocketAddrV4, seg: &TcpRepr) {
        if seg.flags.rst() {
            self.reject(None, RejectReason::Ignored);
            return;
        }
        self.reject(None, RejectReason::NoListener);
        let (mut cx, _) = self.split(now);
        if seg.flags.ack() {
            cx.reset(local, remote, seg.ack, None);
        } else {
            cx.reset(local, remote, SeqNumber(0), Some(seg.seq + seg.seq_len()));
        }
    }

    /// RFC 9293 §3.10.7.2: SEGMENT ARRIVES in LISTEN. `iss` overrides the
    /// ISN policy (a connection reopened from TIME_WAIT).
    fn segment_to_listener(
        &mut self,
        now: Instant,
        listener: ConnId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seg: &TcpRepr,
        iss: Option<SeqNumber>,
    ) {
        if seg.flags.rst() {
            self.reject(Some(listener), RejectReason::Ignored);
            return;
        }
        if seg.flags.ack() {
            if !seg.flags.syn() && self.config.syn_cookies {
                let secret = self.config.cookie_secret;
                if let Some(mss) = syn_cookie::check(secret, now, local, remote, seg.seq - 1, seg.ack - 1) {
                    let id = self.new_id();
                    let (mut cx, conns) = self.split(now);
                    cx.event(Event::SynCookieAccepted { conn: id });
                    let mut conn = Connection::from_cookie(&mut cx, id, listener, (local, remote), seg, mss);
                    if seg.seq_len() > 0 {
                        conn.handle_segment(&mut cx, seg);
                    }
                    conns.push(conn);
                    return;
                }
            }
            // Any acknowledgment is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST>.
            self.reject(Some(listener), RejectReason::AckToListener);
            let (mut cx, _) = self.split(now);
            cx.reset(local, remote, seg.ack, None);
            return;
        }
        if !seg.flags.syn() {
            self.reject(Some(listener), RejectReason::Ignored);
            return;
        }
        let half_open = self
            .conns
            .iter()
            .filter(|c| c.listener == Some(listener) && c.state == State::SynReceived)
            .count();
        if half_open >= self.config.backlog {
            if self.config.syn_cookies {
                self.send_cookie(now, listener, local, remote, seg);
            } else {
                self.reject(Some(listener), RejectReason::BacklogFull);
            }
            return;
        }
        let id = self.new_id();
        let iss = iss.unwrap_or_else(|| self.isn(now, local, remote));
        let (mut cx, conns) = self.split(now);
        let conn = Connection::accept(&mut cx, id, listener, (local, remote), iss, seg);
        conns.push(conn);
    }

    /// A SYN,ACK whose ISN is a cookie; no state is kept (RFC 4987 §3.6).
    fn send_cookie(
        &mut self,
        now: Instant,
        listener: ConnId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        syn: &TcpRepr,
    ) {
        let peer_mss = syn.options.mss.unwrap_or(536);
        let (cookie, _) = syn_cookie::make(self.config.cookie_secret, now, local, remote, syn.seq, peer_mss);
        let tcp = TcpRepr {
            src_port: local.port(),
            dst_port: remote.port(),
            seq: cookie,
            ack: syn.seq + 1,
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: self.config.recv_buffer.min(u16::MAX as usize) as u16,
            urgent: 0,
            // The cookie encodes the peer's MSS; the option announces ours.
            options: TcpOptions {
                mss: Some(self.config.mss),
                ..TcpOptions::default()
            },
            payload: &[],
        };
        let (mut cx, _) = self.split(now);
        cx.event(Event::SynCookieSent { listener });
        let bytes = cx.emit(local, remote, &tcp);
        cx.control.push_back(bytes);
    }
}
