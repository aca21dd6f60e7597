//! Applications the scenarios run on the two hosts. They only use the
//! socket-like calls of `AppIo`; everything on the wire comes from TCP,
//! except what `SynInjector` forges on purpose.

use crate::net::{App, AppIo};
use crate::tcp::{ConnId, Event, State};
use crate::time::{Duration, Instant};
use crate::wire::{emit_datagram, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};
use std::net::{Ipv4Addr, SocketAddrV4};

/// `curl http://server/`: connect, send the request once connected, read
/// the response, close when it is complete (Content-Length) or the server
/// closed.
pub struct HttpClient {
    pub server: SocketAddrV4,
    pub request: Vec<u8>,
    conn: Option<ConnId>,
    response: Vec<u8>,
    closed: bool,
    /// Abort (RST) once this many response bytes are in: a user hitting
    /// "stop" mid-download.
    abort_after: Option<usize>,
}

impl HttpClient {
    pub fn new(server: SocketAddrV4, request: &[u8]) -> Self {
        HttpClient {
            server,
            request: request.to_vec(),
            conn: None,
            response: Vec::new(),
            closed: false,
            abort_after: None,
        }
    }

    /// Abort the connection once `bytes` of the response have arrived.
    pub fn abort_after(mut self, bytes: usize) -> Self {
        self.abort_after = Some(bytes);
        self
    }
}

/// The length a complete HTTP/1.1 response has, once its head arrived.
fn complete_length(response: &[u8]) -> Option<usize> {
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&response[..head_end]).ok()?;
    let body = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    Some(head_end + body)
}

impl App for HttpClient {
    fn start(&mut self, io: &mut AppIo<'_>) {
        self.conn = io.connect(*self.server.ip(), self.server.port());
    }

    fn set_payload(&mut self, data: Vec<u8>) {
        self.request = data;
    }

    fn on_events(&mut self, io: &mut AppIo<'_>, events: &[Event]) {
        let Some(conn) = self.conn else { return };
        for event in events.iter().filter(|e| e.conn() == Some(conn)) {
            match event {
                Event::StateChanged {
                    to: State::Established, ..
                } => {
                    let request = std::mem::take(&mut self.request);
                    io.write(conn, &request);
                    // Then read() waits for the response.
                    io.read(conn, usize::MAX);
                }
                Event::Readable { .. } | Event::PeerClosed { .. } => {
                    // Read until read() would wait, or returns end of file.
                    while !self.closed {
                        let data = io.read(conn, usize::MAX);
                        if data.is_empty() {
                            break;
                        }
                        self.response.extend_from_slice(data);
                        if self.abort_after.is_some_and(|n| self.response.len() >= n) {
                            self.closed = true;
                            io.abort(conn);
                            return;
                        }
                        if complete_length(&self.response).is_some_and(|n| self.response.len() >= n) {
                            self.closed = true;
                            io.close(conn);
                        }
                    }
                    if !self.closed && io.at_eof(conn) {
                        self.closed = true;
                        io.close(conn);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A web server that answers each request with a head and a body, written
/// separately (two writes, as many servers do), and closes when the client
/// has closed.
pub struct HttpServer {
    pub port: u16,
    head: Vec<u8>,
    body: Vec<u8>,
    /// Connections and the request bytes read on each.
    exchanges: Vec<Exchange>,
}

/// One connection the server accepted: the request read so far, and
/// whether it has been answered.
struct Exchange {
    conn: ConnId,
    request: Vec<u8>,
    answered: bool,
}

impl HttpServer {
    pub fn new(port: u16, content_type: &str, body: &[u8]) -> Self {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        HttpServer {
            port,
            head: head.into_bytes(),
            body: body.to_vec(),
            exchanges: Vec::new(),
        }
    }
}

impl HttpServer {
    /// Reads until read() would wait, answering once the request is in;
    /// after the answer, read() waits for the client's FIN.
    fn serve(&mut self, io: &mut AppIo<'_>, conn: ConnId) {
        let Some(exchange) = self.exchanges.iter_mut().find(|x| x.conn == conn) else {
            return;
        };
        loop {
            let data = io.read(conn, usize::MAX);
            if data.is_empty() {
                break;
            }
            exchange.request.extend_from_slice(data);
            if !exchange.answered && exchange.request.windows(4).any(|w| w == b"\r\n\r\n") {
                exchange.answered = true;
                io.write(conn, &self.head);
                io.write(conn, &self.body);
            }
        }
        if io.at_eof(conn) && io.state(conn) == State::CloseWait {
            io.close(conn);
        }
    }
}

impl App for HttpServer {
    fn start(&mut self, io: &mut AppIo<'_>) {
        io.listen(self.port);
    }

    fn on_events(&mut self, io: &mut AppIo<'_>, events: &[Event]) {
        for event in events {
            match *event {
                // accept() returned; read() waits for the request.
                Event::Accepted { conn, .. } => {
                    self.exchanges.push(Exchange {
                        conn,
                        request: Vec::new(),
                        answered: false,
                    });
                    self.serve(io, conn);
                }
                Event::Readable { conn, .. }
                | Event::PeerClosed { conn }
                | Event::Writable { conn }
                | Event::StateChanged {
                    conn,
                    to: State::Established,
                    ..
                } => {
                    self.serve(io, conn);
                }
                _ => {}
            }
        }
    }
}

/// How a `Peer` opens its connection.
#[derive(Clone, Copy, Debug)]
pub enum Open {
    Connect(Ipv4Addr, u16),
    Listen(u16),
    /// Connect from a fixed local port: two of these aimed at each other
    /// open simultaneously (RFC 9293 §3.5, figure 7).
    ConnectFrom(u16, Ipv4Addr, u16),
}

/// A general-purpose peer: sends `data` as fast as TCP takes it, reads
/// everything (optionally at a limited pace), closes once all it sent is
/// acknowledged and, if `close_after_eof`, the peer has closed too.
pub struct Peer {
    open: Open,
    data: Vec<u8>,
    written: usize,
    conn: Option<ConnId>,
    /// Read at most this many bytes per wake-up, every `read_every`.
    read_pace: Option<(usize, Duration)>,
    next_read: Option<Instant>,
    close_after_eof: bool,
    /// Sends back every byte it reads (an echo server, RFC 862).
    echo: bool,
    closed: bool,
}

impl Peer {
    pub fn new(open: Open, data: Vec<u8>) -> Self {
        Peer {
            open,
            data,
            written: 0,
            conn: None,
            read_pace: None,
            next_read: None,
            close_after_eof: false,
            echo: false,
            closed: false,
        }
    }

    /// Send back whatever arrives, after `data` (an echo server).
    pub fn echo(mut self) -> Self {
        self.echo = true;
        self
    }

    /// Read only `bytes` every `every` (a slow application).
    pub fn read_pace(mut self, bytes: usize, every: Duration) -> Self {
        self.read_pace = Some((bytes, every));
        self
    }

    /// Wait for the peer's FIN before closing (the passive closer).
    pub fn close_after_eof(mut self) -> Self {
        self.close_after_eof = true;
        self
    }

    /// Hands TCP as much of what is left to send as it takes.
    fn write_more(&mut self, io: &mut AppIo<'_>, conn: ConnId) {
        // As a program does, only once connect() or accept() has returned.
        if self.written < self.data.len() && matches!(io.state(conn), State::Established | State::CloseWait) {
            self.written += io.write(conn, &self.data[self.written..]);
        }
    }

    fn pump(&mut self, io: &mut AppIo<'_>, conn: ConnId) {
        self.write_more(io, conn);
        match self.read_pace {
            // Read until read() would wait (each read echoed, for an echo
            // server).
            None => loop {
                let got = io.read(conn, usize::MAX);
                if got.is_empty() {
                    break;
                }
                if self.echo {
                    self.data.extend_from_slice(got);
                    self.write_more(io, conn);
                }
            },
            Some((bytes, every)) => {
                let due = self.next_read.is_none_or(|t| t <= io.now());
                if due && io.readable(conn) > 0 {
                    self.next_read = Some(io.now() + every);
                    io.read(conn, bytes);
                } else if io.readable(conn) == 0 {
                    self.next_read = None;
                }
            }
        }
        let state = io.state(conn);
        let all_sent = self.written == self.data.len();
        let may_close = match state {
            State::Established => !self.close_after_eof,
            State::CloseWait => io.readable(conn) == 0,
            _ => false,
        };
        if !self.closed && all_sent && may_close {
            self.closed = true;
            // With the peer still sending, only our direction ends.
            if state == State::Established {
                io.shutdown(conn);
            } else {
                io.close(conn);
            }
        }
    }
}

impl App for Peer {
    fn set_payload(&mut self, data: Vec<u8>) {
        self.data = data;
    }

    fn start(&mut self, io: &mut AppIo<'_>) {
        self.conn = match self.open {
            Open::Connect(addr, port) => io.connect(addr, port),
            Open::Listen(port) => {
                io.listen(port);
                None
            }
            Open::ConnectFrom(local, addr, port) => io.connect_from(local, addr, port),
        };
    }

    fn on_events(&mut self, io: &mut AppIo<'_>, events: &[Event]) {
        for event in events {
            if let (Open::Listen(_), Event::Accepted { conn, .. }, None) = (self.open, event, self.conn) {
                self.conn = Some(*conn);
            }
        }
        if let Some(conn) = self.conn {
            if io.state(conn) != State::Closed {
                self.pump(io, conn);
            }
        }
    }

    fn wakeup(&self) -> Option<Instant> {
        self.next_read
    }
}

/// Puts hand-made SYNs on the wire before the host's own application
/// starts: forged sources for a SYN flood, or an old duplicate from an
/// earlier connection. Each is (source address, source port, ISN).
pub struct SynInjector {
    pub syns: Vec<(Ipv4Addr, u16, u32)>,
    pub to: (Ipv4Addr, u16),
    pub then: Box<dyn App>,
}

impl App for SynInjector {
    fn start(&mut self, io: &mut AppIo<'_>) {
        for (i, &(src, port, isn)) in self.syns.iter().enumerate() {
            let ip = Ipv4Repr {
                src,
                dst: self.to.0,
                ident: i as u16,
                ttl: 64,
                dscp_ecn: 0,
                dont_fragment: true,
            };
            let tcp = TcpRepr {
                src_port: port,
                dst_port: self.to.1,
                seq: SeqNumber(isn),
                ack: SeqNumber(0),
                flags: TcpFlags::SYN,
                window: 65535,
                urgent: 0,
                options: TcpOptions {
                    mss: Some(1460),
                    ..TcpOptions::default()
                },
                payload: &[],
            };
            io.inject(emit_datagram(&ip, &tcp));
        }
        self.then.start(io);
    }

    fn on_events(&mut self, io: &mut AppIo<'_>, events: &[Event]) {
        self.then.on_events(io, events);
    }

    fn wakeup(&self) -> Option<Instant> {
        self.then.wakeup()
    }
}
