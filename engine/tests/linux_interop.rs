//! Interop with the Linux kernel's TCP, on the real clock.
//!
//! Each case makes a network namespace with a TUN device in it: the kernel
//! there has 10.77.0.1 on the device, and every datagram it routes to
//! 10.77.0.2 comes out of the device's file descriptor in this process,
//! where a tcpsim `Endpoint` answers it. The test moves the datagrams both
//! ways and may drop a seeded pseudo-random share of them.
//!
//! - Case A: tcpsim fetches a file over HTTP from a kernel server (Python).
//! - Case B: curl, on the kernel, fetches a file from an HTTP server on tcpsim.
//!
//! Each runs without and with loss. The body must arrive byte-exact, both
//! sides must close with FINs and no RST, and an independent capture on the
//! device (tcpdump or dumpcap, decoded by tshark) must hold no malformed
//! packet, no bad checksum and no RST. The kernel's own counters
//! (/proc/net/snmp inside the namespace) must show no RST sent and no
//! checksum error either.
//!
//! Skipped, with a printed reason, where the host cannot do this (not root,
//! no /dev/net/tun, no `ip`). Traffic never leaves the namespace: the TUN
//! device is its only link besides `lo`.
//!
//! With TCPSIM_KEEP_CAPTURES=1 the captures and a log of every datagram the
//! harness moved (and dropped) stay in the temporary directory it prints.

// Not `mod common`: that would build the smoltcp host into this test too.
#[path = "common/tun.rs"]
mod tun;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;
use tcpsim::pcap::PcapWriter;
use tcpsim::tcp::{Algorithm, Config, ConnId, Endpoint, Event, IsnPolicy, Profile, RetransmitReason, State};
use tcpsim::time::{Duration, Instant};
use tcpsim::wire::parse_datagram;
use tun::{find_tool, Capture, ChildGuard, Netns, Tun};

const KERNEL_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const ENGINE_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const PREFIX_LEN: u8 = 24;
/// Namespaces are named `{NETNS_PREFIX}{pid}-{case}`.
const NETNS_PREFIX: &str = "tcpsim-linux-";
const HTTP_PORT: u16 = 8080;
/// Body of the HTTP response, each way (at least 300 KB).
const BODY_LEN: usize = 384 * 1024;
const MSS: u16 = 1460;
/// The TUN device's MTU (the kernel's default for it).
const LINK_MTU: usize = 1500;
/// Wall time for one case's transfer before it is declared stuck.
const CASE_TIME_LIMIT: StdDuration = StdDuration::from_secs(60);
/// Wall time, after the engine is done, for the kernel's socket to close too.
const CLOSE_TIME_LIMIT: StdDuration = StdDuration::from_secs(10);
/// How long a datagram picked for reordering is held back: some round
/// trips on this sub-millisecond path, so later datagrams overtake it.
const REORDER_HOLD: StdDuration = StdDuration::from_millis(2);
/// Longest sleep between two looks at the device and the engine's timers.
const MAX_WAIT: StdDuration = StdDuration::from_millis(10);
/// How often the kernel's sockets are listed while waiting for them to close.
const SOCKET_CHECK_EVERY: StdDuration = StdDuration::from_millis(100);
/// Loop turns per case before it is declared livelocked.
const MAX_TURNS: u64 = 2_000_000;
/// Datagrams read from the device per wake-up, so the engine gets a turn.
const MAX_READS_PER_WAKE: usize = 256;
/// Datagrams described in a failure message.
const HISTORY_LINES: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Case A: tcpsim fetches from a kernel server.
    EngineClient,
    /// Case B: a kernel client (curl) fetches from tcpsim.
    EngineServer,
}

struct Case {
    name: &'static str,
    role: Role,
    /// Datagrams dropped in each direction, per mille.
    loss_per_mille: u64,
    /// Datagrams held back in each direction (so that later ones overtake
    /// them), per mille.
    reorder_per_mille: u64,
    window_scale: Option<u8>,
    recv_buffer: usize,
    /// The engine runs the modern Linux-like profile (SACK, timestamps,
    /// IW10, delayed ACKs); the kernel must agree to SACK and timestamps.
    modern: bool,
    /// The engine sends with BBR (draft-ietf-ccwg-bbr-02), paced.
    bbr: bool,
    seed: u64,
}

/// Both roles, each with and without loss, each direction once with window
/// scaling and once without; then the modern profile both ways; then
/// recovery against Linux's: the modern profile and the kernel each
/// sending through 5% loss and 3% reordering each way, three seeds.
const CASES: [Case; 15] = [
    Case {
        name: "A1 tcpsim client <- kernel server, no loss, no window scaling",
        role: Role::EngineClient,
        loss_per_mille: 0,
        reorder_per_mille: 0,
        window_scale: None,
        recv_buffer: 64 * 1024,
        modern: false,
        bbr: false,
        seed: 0xa1,
    },
    Case {
        name: "A2 tcpsim client <- kernel server, 4% loss, window scale 7",
        role: Role::EngineClient,
        loss_per_mille: 40,
        reorder_per_mille: 0,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: false,
        bbr: false,
        seed: 0xa2,
    },
    Case {
        name: "B1 curl on kernel <- tcpsim server, no loss, window scale 7",
        role: Role::EngineServer,
        loss_per_mille: 0,
        reorder_per_mille: 0,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: false,
        bbr: false,
        seed: 0xb1,
    },
    Case {
        name: "B2 curl on kernel <- tcpsim server, 4% loss, no window scaling",
        role: Role::EngineServer,
        loss_per_mille: 40,
        reorder_per_mille: 0,
        window_scale: None,
        recv_buffer: 64 * 1024,
        modern: false,
        bbr: false,
        seed: 0xb2,
    },
    Case {
        name: "A3 modern tcpsim client <- kernel server, no loss",
        role: Role::EngineClient,
        loss_per_mille: 0,
        reorder_per_mille: 0,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: true,
        bbr: false,
        seed: 0xa3,
    },
    Case {
        name: "A4 modern tcpsim client <- kernel server, 4% loss",
        role: Role::EngineClient,
        loss_per_mille: 40,
        reorder_per_mille: 0,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: true,
        bbr: false,
        seed: 0xa4,
    },
    Case {
        name: "B3 curl on kernel <- modern tcpsim server, 4% loss",
        role: Role::EngineServer,
        loss_per_mille: 40,
        reorder_per_mille: 0,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: true,
        bbr: false,
        seed: 0xb3,
    },
    reordered(
        "R1 modern tcpsim client <- kernel server, 5% loss, 3% reordering, seed 1",
        Role::EngineClient,
        0xc1,
    ),
    reordered(
        "R2 curl on kernel <- modern tcpsim server, 5% loss, 3% reordering, seed 1",
        Role::EngineServer,
        0xc1,
    ),
    reordered(
        "R3 modern tcpsim client <- kernel server, 5% loss, 3% reordering, seed 2",
        Role::EngineClient,
        0xc2,
    ),
    reordered(
        "R4 curl on kernel <- modern tcpsim server, 5% loss, 3% reordering, seed 2",
        Role::EngineServer,
        0xc2,
    ),
    reordered(
        "R5 modern tcpsim client <- kernel server, 5% loss, 3% reordering, seed 3",
        Role::EngineClient,
        0xc3,
    ),
    reordered(
        "R6 curl on kernel <- modern tcpsim server, 5% loss, 3% reordering, seed 3",
        Role::EngineServer,
        0xc3,
    ),
    Case {
        name: "P1 curl on kernel <- modern tcpsim server with BBR, no loss",
        loss_per_mille: 0,
        reorder_per_mille: 0,
        bbr: true,
        ..reordered("", Role::EngineServer, 0xd1)
    },
    Case {
        name: "P2 curl on kernel <- modern tcpsim server with BBR, 5% loss, 3% reordering",
        bbr: true,
        ..reordered("", Role::EngineServer, 0xd2)
    },
];

/// A recovery case: the modern profile through 5% loss and 3% reordering
/// each way, window scale 7.
const fn reordered(name: &'static str, role: Role, seed: u64) -> Case {
    Case {
        name,
        role,
        loss_per_mille: 50,
        reorder_per_mille: 30,
        window_scale: Some(7),
        recv_buffer: 256 * 1024,
        modern: true,
        bbr: false,
        seed,
    }
}

// ---- small pieces ----------------------------------------------------------

/// xorshift64*: the loss pattern and the body bytes, reproducible by seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        per_mille > 0 && self.next() % 1000 < per_mille
    }
}

/// Pseudo-random bytes: no short period, so a misplaced segment cannot
/// match by accident.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    (0..len).map(|_| (rng.next() >> 56) as u8).collect()
}

/// One line per datagram for failure messages: tcpdump-like.
fn describe(bytes: &[u8]) -> String {
    match parse_datagram(bytes) {
        Ok(d) => {
            let mut line = format!(
                "{}:{} > {}:{} [{}] seq {} ack {} win {} len {}",
                d.ip.src,
                d.tcp.src_port,
                d.ip.dst,
                d.tcp.dst_port,
                d.tcp.flags,
                d.tcp.seq,
                d.tcp.ack,
                d.tcp.window,
                d.tcp.payload.len()
            );
            let o = &d.tcp.options;
            if let Some(mss) = o.mss {
                let _ = write!(line, " mss {mss}");
            }
            if let Some(ws) = o.window_scale {
                let _ = write!(line, " wscale {ws}");
            }
            if o.sack_permitted {
                line.push_str(" sackOK");
            }
            if o.timestamps.is_some() {
                line.push_str(" TS");
            }
            if !o.sack.is_empty() {
                let _ = write!(line, " sack {}", o.sack.len());
            }
            line
        }
        Err(e) => format!(
            "UNPARSEABLE ({e}), {} bytes: {:02x?}",
            bytes.len(),
            &bytes[..bytes.len().min(40)]
        ),
    }
}

fn state_path(states: &[State]) -> String {
    states.iter().map(|s| s.name()).collect::<Vec<_>>().join(" > ")
}

fn retransmit_name(reason: RetransmitReason) -> &'static str {
    match reason {
        RetransmitReason::Timeout => "timeout",
        RetransmitReason::FastRetransmit => "fast",
        RetransmitReason::PartialAck => "partial-ack",
        RetransmitReason::SynRepeated => "syn-repeated",
        RetransmitReason::SackRecovery => "sack-recovery",
        RetransmitReason::LossProbe => "loss-probe",
        RetransmitReason::MarkedLost => "rack",
    }
}

// ---- the namespace, the device and the loop that joins them ------------------

/// Figures for one case, in both directions.
#[derive(Default)]
struct Stats {
    kernel_sent: u64,
    kernel_dropped: u64,
    engine_sent: u64,
    engine_dropped: u64,
    /// Datagrams that were not IPv4 (none expected: IPv6 is off in there).
    non_ipv4: u64,
    kernel_rsts: Vec<String>,
    engine_rsts: Vec<String>,
    largest_kernel_datagram: usize,
    largest_kernel_payload: usize,
    largest_engine_payload: usize,
    /// The first SYN or SYN,ACK each side sent, as described: what was
    /// offered and answered (MSS, window scale, SACK, timestamps).
    kernel_syn: Option<String>,
    engine_syn: Option<String>,
    /// tcpsim datagrams its own parser rejects (never expected).
    engine_malformed: Vec<String>,
    /// Segments after the SYNs carrying SACK blocks, and carrying timestamps, from each side.
    kernel_sack: u64,
    engine_sack: u64,
    kernel_ts: u64,
    engine_ts: u64,
    /// Kernel datagrams tcpsim's parser rejects, with the reason.
    engine_rejected: Vec<String>,
    retransmits: BTreeMap<&'static str, u64>,
    /// Segments tcpsim did not use, by reason (normal under loss).
    ignored: BTreeMap<String, u64>,
    /// Connection-level failures tcpsim reported.
    engine_errors: Vec<String>,
    /// The data connection's states, in order.
    states: Vec<State>,
}

/// The kernel's end of the wire: the namespace, the TUN device in it, and
/// the loop that carries datagrams between the device and the engine.
struct Lab {
    tun: Tun,
    // Dropped after `tun`: the device (whose descriptor holds the namespace)
    // goes first, then the namespace.
    ns: Netns,
    start: std::time::Instant,
    loss_per_mille: u64,
    to_engine_loss: XorShift,
    to_kernel_loss: XorShift,
    reorder_per_mille: u64,
    to_engine_reorder: XorShift,
    to_kernel_reorder: XorShift,
    /// Datagrams held back: (when to let go, towards the engine?, bytes).
    held: Vec<(std::time::Instant, bool, Vec<u8>)>,
    /// The transfer is over: a datagram held back past it is lost instead
    /// (its connection may be gone by then, and a late segment of a closed
    /// connection is answered with RST, RFC 9293 §3.10.7.1).
    closing: bool,
    /// Every datagram as the kernel saw it, for when no capture tool exists.
    harness_pcap: Option<PcapWriter>,
    stats: Stats,
    /// Every datagram and notable event, written to `log_path` on drop; the
    /// last lines go into failure messages.
    log: Vec<String>,
    log_path: PathBuf,
    turns: u64,
    buf: Vec<u8>,
}

impl Lab {
    fn new(index: usize, case: &Case, keep_harness_pcap: bool, log_path: PathBuf) -> std::io::Result<Lab> {
        let pid = std::process::id();
        let ns = Netns::create(&format!("{NETNS_PREFIX}{pid}-{index}"))?;
        // At most 15 characters (IFNAMSIZ - 1).
        let tun = Tun::create(&format!("tsim{pid}-{index}"))?;
        ns.adopt_link(tun.name())?;
        // No IPv6 on the device: the kernel would send router solicitations
        // and the like, which are no part of the test. Best effort: a kernel
        // without IPv6 has no such file, and nothing to turn off.
        let _ = tun::run(
            ns.command("sh")
                .args(["-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"]),
        );
        ns.ip(&["addr", "add", &format!("{KERNEL_ADDR}/{PREFIX_LEN}"), "dev", tun.name()])?;
        ns.ip(&["link", "set", "lo", "up"])?;
        ns.ip(&["link", "set", tun.name(), "up"])?;
        Ok(Lab {
            tun,
            ns,
            start: std::time::Instant::now(),
            loss_per_mille: case.loss_per_mille,
            to_engine_loss: XorShift::new(case.seed ^ 0x70_e9),
            to_kernel_loss: XorShift::new(case.seed ^ 0x70_4e),
            reorder_per_mille: case.reorder_per_mille,
            to_engine_reorder: XorShift::new(case.seed ^ 0x4e_e9),
            to_kernel_reorder: XorShift::new(case.seed ^ 0x4e_4e),
            held: Vec::new(),
            closing: false,
            harness_pcap: keep_harness_pcap.then(PcapWriter::new),
            stats: Stats::default(),
            log: Vec::new(),
            log_path,
            turns: 0,
            buf: vec![0; 65536],
        })
    }

    /// The real clock, as the engine's microseconds since the case began.
    fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    fn note(&mut self, line: String) {
        let line = format!("{} {line}", self.now());
        self.log.push(line);
    }

    /// One turn: wait for the device or the engine's next timer, deliver
    /// what the kernel sent, fire timers, let the application act, and put
    /// everything the engine has to send on the device.
    fn turn(&mut self, ep: &mut Endpoint, app: &mut dyn EngineApp) -> Result<(), String> {
        self.turns += 1;
        if self.turns > MAX_TURNS {
            return Err(format!("livelock: {MAX_TURNS} loop turns"));
        }
        let now = self.now();
        let wait = ep
            .poll_timeout()
            .map_or(MAX_WAIT, |at| {
                StdDuration::from_micros(at.saturating_since(now).micros())
            })
            .min(MAX_WAIT)
            .min(self.next_release());
        self.tun
            .wait_readable(wait)
            .map_err(|e| format!("poll on the TUN device: {e}"))?;
        self.release_held(ep)?;
        let mut buf = std::mem::take(&mut self.buf);
        for _ in 0..MAX_READS_PER_WAKE {
            match self.tun.read(&mut buf) {
                Ok(Some(len)) => self.carry_to_engine(ep, &buf[..len]),
                Ok(None) => break,
                Err(e) => return Err(format!("read from the TUN device: {e}")),
            }
        }
        self.buf = buf;
        self.drain_events(ep, app)?;
        let now = self.now();
        if ep.poll_timeout().is_some_and(|at| at <= now) {
            ep.handle_timeout(now);
        }
        app.act(ep, now)?;
        while let Some(datagram) = ep.poll_transmit(now) {
            self.carry_to_kernel(&datagram)?;
        }
        self.drain_events(ep, app)
    }

    /// How long until the next held datagram may go.
    fn next_release(&self) -> StdDuration {
        let now = std::time::Instant::now();
        self.held
            .iter()
            .map(|h| h.0.saturating_duration_since(now))
            .min()
            .unwrap_or(MAX_WAIT)
    }

    /// Lets go of the held datagrams that are due, in the order held.
    fn release_held(&mut self, ep: &mut Endpoint) -> Result<(), String> {
        let now = std::time::Instant::now();
        let (due, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held).into_iter().partition(|h| h.0 <= now);
        self.held = kept;
        for (_, to_engine, datagram) in due {
            if self.closing {
                self.lose_held(to_engine, &datagram);
            } else if to_engine {
                self.deliver_to_engine(ep, &datagram);
            } else {
                self.write_to_kernel(&datagram)?;
            }
        }
        Ok(())
    }

    fn lose_held(&mut self, to_engine: bool, datagram: &[u8]) {
        let way = if to_engine {
            self.stats.kernel_dropped += 1;
            "kernel > tcpsim"
        } else {
            self.stats.engine_dropped += 1;
            "tcpsim > kernel"
        };
        self.note(format!("{way} DROPPED (held past the transfer) {}", describe(datagram)));
    }

    fn carry_to_engine(&mut self, ep: &mut Endpoint, datagram: &[u8]) {
        let now = self.now();
        if datagram.first().map(|b| b >> 4) != Some(4) {
            self.stats.non_ipv4 += 1;
            return;
        }
        self.stats.kernel_sent += 1;
        self.stats.largest_kernel_datagram = self.stats.largest_kernel_datagram.max(datagram.len());
        if let Some(pcap) = &mut self.harness_pcap {
            pcap.push(now, datagram);
        }
        let line = describe(datagram);
        if let Ok(d) = parse_datagram(datagram) {
            let s = &mut self.stats;
            s.largest_kernel_payload = s.largest_kernel_payload.max(d.tcp.payload.len());
            if d.tcp.flags.rst() {
                s.kernel_rsts.push(format!("{now} {line}"));
            }
            if d.tcp.flags.syn() {
                s.kernel_syn.get_or_insert_with(|| line.clone());
            } else {
                s.kernel_ts += d.tcp.options.timestamps.is_some() as u64;
                s.kernel_sack += !d.tcp.options.sack.is_empty() as u64;
            }
        }
        if self.to_engine_loss.chance(self.loss_per_mille) {
            self.stats.kernel_dropped += 1;
            self.note(format!("kernel > tcpsim DROPPED {line}"));
            return;
        }
        if self.to_engine_reorder.chance(self.reorder_per_mille) {
            self.note(format!("kernel > tcpsim HELD BACK {line}"));
            self.held
                .push((std::time::Instant::now() + REORDER_HOLD, true, datagram.to_vec()));
            return;
        }
        self.deliver_to_engine(ep, datagram);
    }

    fn deliver_to_engine(&mut self, ep: &mut Endpoint, datagram: &[u8]) {
        let now = self.now();
        let line = describe(datagram);
        self.note(format!("kernel > tcpsim {line}"));
        if let Err(e) = ep.handle_datagram(now, datagram) {
            self.stats.engine_rejected.push(format!("{now} {e}: {line}"));
        }
    }

    fn carry_to_kernel(&mut self, datagram: &[u8]) -> Result<(), String> {
        let now = self.now();
        self.stats.engine_sent += 1;
        let line = describe(datagram);
        let s = &mut self.stats;
        match parse_datagram(datagram) {
            Ok(d) => {
                s.largest_engine_payload = s.largest_engine_payload.max(d.tcp.payload.len());
                if d.tcp.flags.rst() {
                    s.engine_rsts.push(format!("{now} {line}"));
                }
                if d.tcp.flags.syn() {
                    s.engine_syn.get_or_insert_with(|| line.clone());
                } else {
                    s.engine_ts += d.tcp.options.timestamps.is_some() as u64;
                    s.engine_sack += !d.tcp.options.sack.is_empty() as u64;
                }
            }
            Err(_) => s.engine_malformed.push(format!("{now} {line}")),
        }
        if self.to_kernel_loss.chance(self.loss_per_mille) {
            self.stats.engine_dropped += 1;
            self.note(format!("tcpsim > kernel DROPPED {line}"));
            return Ok(());
        }
        if self.to_kernel_reorder.chance(self.reorder_per_mille) {
            self.note(format!("tcpsim > kernel HELD BACK {line}"));
            self.held
                .push((std::time::Instant::now() + REORDER_HOLD, false, datagram.to_vec()));
            return Ok(());
        }
        self.write_to_kernel(datagram)
    }

    fn write_to_kernel(&mut self, datagram: &[u8]) -> Result<(), String> {
        let now = self.now();
        let line = describe(datagram);
        self.note(format!("tcpsim > kernel {line}"));
        if let Some(pcap) = &mut self.harness_pcap {
            pcap.push(now, datagram);
        }
        self.tun
            .write(datagram)
            .map_err(|e| format!("write to the TUN device ({line}): {e}"))
    }

    fn drain_events(&mut self, ep: &mut Endpoint, app: &mut dyn EngineApp) -> Result<(), String> {
        while let Some(event) = ep.poll_event() {
            match &event {
                // The data connection's states (the listener's LISTEN aside).
                Event::StateChanged { conn, to, .. }
                    if *to != State::Listen && app.conn().is_none_or(|c| c == *conn) =>
                {
                    self.stats.states.push(*to);
                }
                Event::Retransmit { seq, len, reason, .. } => {
                    *self.stats.retransmits.entry(retransmit_name(*reason)).or_default() += 1;
                    self.note(format!("tcpsim retransmits seq {seq} len {len} ({reason})"));
                }
                Event::Rejected { reason, .. } => {
                    *self.stats.ignored.entry(reason.to_string()).or_default() += 1;
                }
                Event::Error { conn, error } => {
                    let text = format!("{} connection {} ended: {error}", self.now(), conn.0);
                    self.note(text.clone());
                    self.stats.engine_errors.push(text);
                }
                _ => {}
            }
            app.on_event(&event);
        }
        if let Some(error) = self.stats.engine_errors.first() {
            return Err(format!("tcpsim reported an error: {error}"));
        }
        Ok(())
    }

    /// The kernel's TCP sockets in the namespace (`ss` lines).
    fn kernel_sockets(&self, detail: bool) -> String {
        let args: &[&str] = if detail { &["-tanoi"] } else { &["-Htan"] };
        tun::run(self.ns.command("ss").args(args)).unwrap_or_else(|e| format!("(ss failed: {e})"))
    }

    /// What a failure message needs: where everything stands.
    fn report(&self, why: &str, ep: &Endpoint, app: &dyn EngineApp) -> String {
        let s = &self.stats;
        let mut out = format!(
            "{why}\n  namespace {}, device {}, after {:.2} s; tcpsim {}; tcpsim states {}\n  datagrams kernel>tcpsim {} ({} dropped), \
             tcpsim>kernel {} ({} dropped); tcpsim retransmissions {:?}\n  kernel sockets:\n{}\n  last datagrams:\n",
            self.ns.name(),
            self.tun.name(),
            self.start.elapsed().as_secs_f64(),
            app.status(ep),
            state_path(&s.states),
            s.kernel_sent,
            s.kernel_dropped,
            s.engine_sent,
            s.engine_dropped,
            s.retransmits,
            self.kernel_sockets(true),
        );
        for line in &self.log[self.log.len().saturating_sub(HISTORY_LINES)..] {
            let _ = writeln!(out, "    {line}");
        }
        out
    }

    /// Runs turns until `finished` says so, or fails after `limit`.
    fn run_until(
        &mut self,
        ep: &mut Endpoint,
        app: &mut dyn EngineApp,
        limit: StdDuration,
        what: &str,
        mut finished: impl FnMut(&mut Lab, &Endpoint, &dyn EngineApp) -> Result<bool, String>,
    ) -> Result<(), String> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Err(e) = self.turn(ep, app) {
                return Err(self.report(&e, ep, app));
            }
            match finished(self, ep, app) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(self.report(&e, ep, app)),
            }
            if std::time::Instant::now() >= deadline {
                return Err(self.report(&format!("{what}: not done after {limit:?}"), ep, app));
            }
        }
    }

    /// After the engine is done: keeps answering (a lost last ACK makes the
    /// kernel send its FIN again) until the kernel's socket has closed too,
    /// TIME-WAIT or gone.
    fn wait_for_kernel_close(&mut self, ep: &mut Endpoint, app: &mut dyn EngineApp) -> Result<String, String> {
        self.closing = true;
        let mut last_check = std::time::Instant::now() - SOCKET_CHECK_EVERY;
        let mut sockets = String::new();
        self.run_until(ep, app, CLOSE_TIME_LIMIT, "the kernel's close", |lab, _, _| {
            if last_check.elapsed() < SOCKET_CHECK_EVERY {
                return Ok(false);
            }
            last_check = std::time::Instant::now();
            sockets = lab.kernel_sockets(false);
            Ok(sockets.lines().all(|l| l.starts_with("TIME-WAIT")))
        })?;
        for (_, to_engine, datagram) in std::mem::take(&mut self.held) {
            self.lose_held(to_engine, &datagram);
        }
        let states: Vec<&str> = sockets.lines().filter_map(|l| l.split_whitespace().next()).collect();
        Ok(if states.is_empty() {
            "none left".into()
        } else {
            states.join(", ")
        })
    }

    /// TCP counters of the kernel in the namespace (fresh with it, so they
    /// count this case alone): /proc/net/snmp "Tcp:" and /proc/net/netstat
    /// "TcpExt:".
    fn kernel_counters(&self) -> Result<BTreeMap<String, i64>, String> {
        let mut counters = BTreeMap::new();
        for (file, prefix) in [("/proc/net/snmp", "Tcp:"), ("/proc/net/netstat", "TcpExt:")] {
            let text = self.ns.read_proc(file).map_err(|e| e.to_string())?;
            let rows: Vec<&str> = text.lines().filter(|l| l.starts_with(prefix)).collect();
            let [names, values] = rows[..] else {
                return Err(format!("{file}: no {prefix} header and values"));
            };
            for (name, value) in names.split_whitespace().zip(values.split_whitespace()).skip(1) {
                counters.insert(name.to_string(), value.parse().unwrap_or(-1));
            }
        }
        Ok(counters)
    }
}

impl Drop for Lab {
    /// The whole log beside the capture, for a failure or for reading
    /// (TCPSIM_KEEP_CAPTURES=1 keeps both).
    fn drop(&mut self) {
        let _ = std::fs::write(&self.log_path, self.log.join("\n") + "\n");
    }
}

// ---- the applications on the engine ----------------------------------------

/// An application running on the engine, driven by the loop.
trait EngineApp {
    /// The data connection, once there is one.
    fn conn(&self) -> Option<ConnId>;
    fn on_event(&mut self, event: &Event);
    /// Reads, writes and closes what it can.
    fn act(&mut self, ep: &mut Endpoint, now: Instant) -> Result<(), String>;
    /// It has closed and the engine's side of the close is complete.
    fn done(&self, ep: &Endpoint) -> bool {
        self.closed()
            && self
                .conn()
                .is_some_and(|c| matches!(ep.state(c), State::TimeWait | State::Closed))
    }
    fn closed(&self) -> bool;
    fn status(&self, ep: &Endpoint) -> String;
}

/// Case A: GET /, read the response until the server closes, close.
struct HttpClient {
    conn: ConnId,
    request: Vec<u8>,
    request_sent: usize,
    response: Vec<u8>,
    closed: bool,
}

impl HttpClient {
    fn new(conn: ConnId) -> HttpClient {
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {KERNEL_ADDR}:{HTTP_PORT}\r\nUser-Agent: tcpsim\r\nConnection: close\r\n\r\n"
        );
        HttpClient {
            conn,
            request: request.into_bytes(),
            request_sent: 0,
            response: Vec::new(),
            closed: false,
        }
    }

    /// The body, after checking the head: 200 and a matching Content-Length.
    fn body(&self) -> Result<&[u8], String> {
        let end = find(&self.response, b"\r\n\r\n").ok_or("no end of the response head")?;
        let head = String::from_utf8_lossy(&self.response[..end]);
        let body = &self.response[end + 4..];
        if !head.starts_with("HTTP/1.1 200 ") {
            return Err(format!("unexpected response head: {head:?}"));
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
        if length != body.len() {
            return Err(format!("Content-Length {length} but {} body bytes", body.len()));
        }
        Ok(body)
    }
}

impl EngineApp for HttpClient {
    fn conn(&self) -> Option<ConnId> {
        Some(self.conn)
    }

    fn on_event(&mut self, _: &Event) {}

    fn act(&mut self, ep: &mut Endpoint, now: Instant) -> Result<(), String> {
        let state = ep.state(self.conn);
        if self.request_sent < self.request.len() && state.can_send() {
            self.request_sent += ep
                .send(self.conn, &self.request[self.request_sent..])
                .map_err(|e| format!("send: {e}"))?;
        }
        while ep.readable(self.conn) > 0 {
            let n = ep
                .recv_append(now, self.conn, &mut self.response, usize::MAX)
                .map_err(|e| format!("recv: {e}"))?;
            if n == 0 {
                break;
            }
        }
        // The server closes after the response (Connection: close).
        if !self.closed && state == State::CloseWait && ep.at_eof(self.conn) {
            ep.close(now, self.conn).map_err(|e| format!("close: {e}"))?;
            self.closed = true;
        }
        Ok(())
    }

    fn closed(&self) -> bool {
        self.closed
    }

    fn status(&self, ep: &Endpoint) -> String {
        format!(
            "client in {}, request {}/{} bytes queued, response {} bytes, unacked {}, closed {}",
            ep.state(self.conn),
            self.request_sent,
            self.request.len(),
            self.response.len(),
            ep.unacked(self.conn),
            self.closed
        )
    }
}

/// Case B: answer one GET with the body, then close.
struct HttpServer {
    listener: ConnId,
    conn: Option<ConnId>,
    /// Connections accepted; exactly one expected.
    accepted: usize,
    request: Vec<u8>,
    response: Vec<u8>,
    sent: usize,
    closed: bool,
}

impl HttpServer {
    fn new(listener: ConnId, body: &[u8]) -> HttpServer {
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body);
        HttpServer {
            listener,
            conn: None,
            accepted: 0,
            request: Vec::new(),
            response,
            sent: 0,
            closed: false,
        }
    }
}

impl EngineApp for HttpServer {
    fn conn(&self) -> Option<ConnId> {
        self.conn
    }

    fn on_event(&mut self, event: &Event) {
        if let Event::Accepted { conn, listener } = event {
            if *listener == self.listener {
                self.accepted += 1;
                self.conn.get_or_insert(*conn);
            }
        }
    }

    fn act(&mut self, ep: &mut Endpoint, now: Instant) -> Result<(), String> {
        let Some(conn) = self.conn else {
            return Ok(());
        };
        if self.accepted > 1 {
            return Err(format!("{} connections accepted, one expected", self.accepted));
        }
        while ep.readable(conn) > 0 {
            let n = ep
                .recv_append(now, conn, &mut self.request, usize::MAX)
                .map_err(|e| format!("recv: {e}"))?;
            if n == 0 {
                break;
            }
        }
        let Some(end) = find(&self.request, b"\r\n\r\n") else {
            return Ok(());
        };
        if !self.request.starts_with(b"GET / HTTP/1.1\r\n") {
            return Err(format!(
                "unexpected request: {:?}",
                String::from_utf8_lossy(&self.request[..end])
            ));
        }
        if self.sent < self.response.len() && ep.state(conn).can_send() {
            self.sent += ep
                .send(conn, &self.response[self.sent..])
                .map_err(|e| format!("send: {e}"))?;
        }
        if !self.closed && self.sent == self.response.len() {
            // The FIN follows the queued data.
            ep.close(now, conn).map_err(|e| format!("close: {e}"))?;
            self.closed = true;
        }
        Ok(())
    }

    fn closed(&self) -> bool {
        self.closed
    }

    fn status(&self, ep: &Endpoint) -> String {
        match self.conn {
            None => format!("server listening ({}), nothing accepted", ep.state(self.listener)),
            Some(conn) => format!(
                "server connection in {}, request {} bytes, response {}/{} bytes queued, unacked {}, closed {}",
                ep.state(conn),
                self.request.len(),
                self.sent,
                self.response.len(),
                ep.unacked(conn),
                self.closed
            ),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---- the kernel's applications ---------------------------------------------

/// A one-shot HTTP server for the kernel side: serves the file once, then
/// exits; it times out by itself if nobody comes.
const PYTHON_SERVER: &str = r#"
import socket, sys
path, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = open(path, 'rb').read()
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.settimeout(60)
listener.bind((addr, port))
listener.listen(1)
print('ready', flush=True)
conn, _ = listener.accept()
listener.close()
conn.settimeout(60)
request = b''
while b'\r\n\r\n' not in request:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit('the client closed before the end of the request')
    request += chunk
if not request.startswith(b'GET / HTTP/1.1\r\n'):
    sys.exit('unexpected request: %r' % request)
head = b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
conn.sendall(head % len(body) + body)
conn.close()
"#;

/// Starts the kernel's server and waits for it to listen.
fn start_python_server(ns: &Netns, python: &Path, body_file: &Path) -> Result<ChildGuard, String> {
    let mut cmd = ns.command(python);
    cmd.arg("-c")
        .arg(PYTHON_SERVER)
        .arg(body_file)
        .arg(KERNEL_ADDR.to_string())
        .arg(HTTP_PORT.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = ChildGuard::spawn(&mut cmd, "the Python server").map_err(|e| e.to_string())?;
    let stdout = server.child().stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(StdDuration::from_secs(10)) {
        Ok(line) if line.trim() == "ready" => Ok(server),
        other => {
            let _ = server.wait_timeout(StdDuration::from_millis(500));
            Err(format!(
                "the Python server did not start ({other:?}): {}",
                child_stderr(&mut server)
            ))
        }
    }
}

/// What a child that has ended wrote to stderr.
fn child_stderr(child: &mut ChildGuard) -> String {
    let mut text = String::new();
    if child.try_wait().is_ok_and(|s| s.is_some()) {
        if let Some(mut err) = child.child().stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
    }
    text.trim().to_string()
}

/// curl in the namespace, fetching from the engine. No proxy, whatever the
/// environment says: nothing may leave the namespace.
fn start_curl(ns: &Netns, curl: &Path, output: &Path) -> Result<ChildGuard, String> {
    let mut cmd = ns.command(curl);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.args([
        "--silent",
        "--show-error",
        "--http1.1",
        "--noproxy",
        "*",
        "--max-time",
        "60",
    ])
    .args(["--write-out", "%{http_code} %{size_download}", "--output"])
    .arg(output)
    .arg(format!("http://{ENGINE_ADDR}:{HTTP_PORT}/"))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    ChildGuard::spawn(&mut cmd, "curl").map_err(|e| e.to_string())
}

// ---- checking the capture with tshark --------------------------------------

/// Packets in a capture that must not be there, and the analysis flags
/// Wireshark raised (expected under loss: retransmissions, duplicate ACKs).
struct Decoded {
    packets: usize,
    bad: Vec<String>,
    flags: BTreeMap<&'static str, usize>,
}

/// Wireshark's TCP analysis flags counted in the summary.
const ANALYSIS_FIELDS: [(&str, &str); 9] = [
    ("tcp.analysis.retransmission", "retransmission"),
    ("tcp.analysis.fast_retransmission", "fast retransmission"),
    ("tcp.analysis.spurious_retransmission", "spurious retransmission"),
    ("tcp.analysis.duplicate_ack", "duplicate ACK"),
    ("tcp.analysis.out_of_order", "out of order"),
    ("tcp.analysis.lost_segment", "previous segment not captured"),
    ("tcp.analysis.ack_lost_segment", "ACKed unseen segment"),
    ("tcp.analysis.window_full", "window full"),
    ("tcp.analysis.zero_window", "zero window"),
];

fn tshark(path: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-n", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"])
        .args(["-o", "tcp.relative_sequence_numbers:FALSE"])
        // Each segment on its own, no reassembly into HTTP messages. With it,
        // Wireshark 4.0 flags a kernel retransmission whose bytes equal the
        // original's as malformed ("Reassembly error ... New fragment
        // overlaps old data (retransmission?)"): a finding about its
        // reassembly, not about any segment on the wire.
        .args(["-o", "tcp.desegment_tcp_streams:FALSE"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("tshark: {e}"))?;
    if !out.status.success() {
        return Err(format!("tshark failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn decode(path: &Path) -> Result<Decoded, String> {
    // Wireshark's checksum status: 0 bad, 1 good, 2 unverified. Now and
    // then Linux's incremental checksum update writes a sum of zero as
    // 0xFFFF, its one's-complement twin (RFC 1624 §3), which Wireshark
    // flags: not an error, and only the kernel's.
    let kernel_ffff = format!("(tcp.checksum == 0xffff and ip.src == {KERNEL_ADDR})");
    let bad_filter = format!(
        "_ws.malformed or (tcp.checksum.status == 0 and not {kernel_ffff}) or ip.checksum.status == 0 or tcp.flags.reset == 1"
    );
    let bad = tshark(path, &["-Y", &bad_filter])?;
    let mut fields = vec!["-T", "fields", "-E", "separator=|", "-e", "frame.number"];
    for (field, _) in ANALYSIS_FIELDS {
        fields.extend(["-e", field]);
    }
    let rows = tshark(path, &fields)?;
    let mut flags = BTreeMap::new();
    let mut packets = 0;
    for row in rows.lines() {
        packets += 1;
        for (column, (_, name)) in row.split('|').skip(1).zip(ANALYSIS_FIELDS) {
            if !column.is_empty() {
                *flags.entry(name).or_default() += 1;
            }
        }
    }
    Ok(Decoded {
        packets,
        bad: bad.lines().map(str::to_string).collect(),
        flags,
    })
}

// ---- one case --------------------------------------------------------------

struct Tools {
    python: Option<PathBuf>,
    curl: Option<PathBuf>,
    tshark: bool,
}

fn engine_config(index: usize, case: &Case) -> Config {
    let mut config = Config::default();
    if case.modern {
        Profile::ModernLinux.apply(&mut config);
    }
    if case.bbr {
        config.congestion = Algorithm::Bbr;
    }
    Config {
        addr: ENGINE_ADDR,
        mss: MSS,
        recv_buffer: case.recv_buffer,
        send_buffer: 256 * 1024,
        window_scale: case.window_scale,
        isn: IsnPolicy::Fixed(1_000_000 * (index as u32 + 1)),
        // Quick recovery on a link with a sub-millisecond RTT; many tries,
        // so loss is never what ends a run.
        min_rto: Duration::from_millis(200),
        syn_retries: 20,
        synack_retries: 20,
        max_retries: 30,
        ..config
    }
}

/// Runs one case; returns its summary or why it failed.
fn run_case(index: usize, case: &Case, tools: &Tools, dir: &Path) -> Result<String, String> {
    let io = |e: std::io::Error| e.to_string();
    let body = pattern(BODY_LEN, case.seed);
    let capture_tool = Capture::tool();
    let log_path = dir.join(format!("case{index}.log"));
    let mut lab = Lab::new(index, case, capture_tool.is_none(), log_path).map_err(io)?;
    let capture_file = dir.join(format!("case{index}.pcap"));
    // Declared after `lab`, so dropped (stopped) before the namespace goes.
    let capture = match &capture_tool {
        Some(_) => Some(Capture::start(&lab.ns, lab.tun.name(), &capture_file).map_err(io)?),
        None => None,
    };
    let mut ep = Endpoint::new(engine_config(index, case));

    // Declared after `capture`: the kernel's program is stopped first.
    let (_peer, transfer_time, kernel_close) = match case.role {
        Role::EngineClient => {
            let python = tools.python.as_deref().ok_or("python3 is not installed")?;
            let body_file = dir.join(format!("case{index}.body"));
            std::fs::write(&body_file, &body).map_err(io)?;
            let mut server = start_python_server(&lab.ns, python, &body_file)?;
            let started = std::time::Instant::now();
            let conn = ep
                .connect(lab.now(), KERNEL_ADDR, HTTP_PORT)
                .map_err(|e| format!("connect: {e}"))?;
            let mut app = HttpClient::new(conn);
            lab.run_until(&mut ep, &mut app, CASE_TIME_LIMIT, "the download", |_, ep, app| {
                Ok(app.done(ep))
            })?;
            let transfer_time = started.elapsed();
            let kernel_close = lab.wait_for_kernel_close(&mut ep, &mut app)?;
            match server.wait_timeout(StdDuration::from_secs(5)).map_err(io)? {
                Some(status) if status.success() => {}
                status => {
                    return Err(format!(
                        "the Python server ended with {status:?}: {}",
                        child_stderr(&mut server)
                    ))
                }
            }
            let got = app.body()?;
            if got != body.as_slice() {
                return Err(format!(
                    "tcpsim received a body that differs: {} bytes, first difference at {:?}",
                    got.len(),
                    got.iter().zip(&body).position(|(a, b)| a != b)
                ));
            }
            (server, transfer_time, kernel_close)
        }
        Role::EngineServer => {
            let curl = tools.curl.as_deref().ok_or("curl is not installed")?;
            let listener = ep.listen(HTTP_PORT).map_err(|e| format!("listen: {e}"))?;
            let mut app = HttpServer::new(listener, &body);
            let download = dir.join(format!("case{index}.download"));
            let started = std::time::Instant::now();
            let mut client = start_curl(&lab.ns, curl, &download)?;
            lab.run_until(&mut ep, &mut app, CASE_TIME_LIMIT, "curl's download", |_, ep, app| {
                // curl must end by itself, and well: check as soon as it does.
                if let Some(status) = client.try_wait().map_err(io)? {
                    if !status.success() {
                        return Err(format!("curl failed ({status}): {}", child_stderr(&mut client)));
                    }
                }
                Ok(app.done(ep) && client.try_wait().map_err(io)?.is_some())
            })?;
            let transfer_time = started.elapsed();
            let kernel_close = lab.wait_for_kernel_close(&mut ep, &mut app)?;
            let mut written = String::new();
            if let Some(mut out) = client.child().stdout.take() {
                let _ = out.read_to_string(&mut written);
            }
            if written.trim() != format!("200 {}", body.len()) {
                return Err(format!("curl reports {written:?}, expected \"200 {}\"", body.len()));
            }
            let downloaded = std::fs::read(&download).map_err(io)?;
            if downloaded != body {
                return Err(format!(
                    "curl's file differs from the body: {} bytes, first difference at {:?}",
                    downloaded.len(),
                    downloaded.iter().zip(&body).position(|(a, b)| a != b)
                ));
            }
            (client, transfer_time, kernel_close)
        }
    };

    // The wire, as the harness saw it.
    let s = &lab.stats;
    let mut problems = Vec::new();
    // With reordering, a segment held back may reach a socket that has
    // closed since; both TCPs rightly answer it with RST (RFC 9293
    // §3.10.7.1). Those RSTs (which carry no timestamps) are reported, not
    // counted as problems.
    let late_rsts = case.reorder_per_mille > 0;
    if !late_rsts && (!s.kernel_rsts.is_empty() || !s.engine_rsts.is_empty()) {
        problems.push(format!(
            "RSTs: from the kernel {:?}, from tcpsim {:?}",
            s.kernel_rsts, s.engine_rsts
        ));
    }
    if !s.engine_malformed.is_empty() {
        problems.push(format!(
            "tcpsim sent datagrams it cannot parse: {:?}",
            s.engine_malformed
        ));
    }
    if !s.engine_rejected.is_empty() {
        problems.push(format!("tcpsim rejected kernel datagrams: {:?}", s.engine_rejected));
    }
    // No GSO or TSO on a plain TUN device: every segment fits the MTU and
    // the MSS tcpsim announced.
    if s.largest_kernel_datagram > LINK_MTU || s.largest_kernel_payload > MSS as usize {
        problems.push(format!(
            "the kernel sent oversized datagrams: {} bytes, {} bytes of payload",
            s.largest_kernel_datagram, s.largest_kernel_payload
        ));
    }
    let negotiated = |syn: &Option<String>| {
        syn.as_deref()
            .is_some_and(|l| l.contains("sackOK") && l.contains(" TS"))
    };
    if case.modern {
        // SACK and timestamps agreed both ways, used on every segment, and
        // SACK blocks sent by whichever side received out of order.
        if !negotiated(&s.engine_syn) || !negotiated(&s.kernel_syn) {
            problems.push(format!(
                "SACK and timestamps not agreed: {:?} / {:?}",
                s.engine_syn, s.kernel_syn
            ));
        }
        let (kernel_rsts, engine_rsts) = (s.kernel_rsts.len() as u64, s.engine_rsts.len() as u64);
        if s.kernel_ts + kernel_rsts + 1 < s.kernel_sent || s.engine_ts + engine_rsts + 1 < s.engine_sent {
            problems.push(format!(
                "segments without timestamps: kernel {}/{}, tcpsim {}/{}",
                s.kernel_ts, s.kernel_sent, s.engine_ts, s.engine_sent
            ));
        }
        let receiver_sacks = match case.role {
            Role::EngineClient => s.engine_sack,
            Role::EngineServer => s.kernel_sack,
        };
        if case.loss_per_mille > 0 && receiver_sacks == 0 {
            problems.push("the receiver sent no SACK blocks despite loss".to_string());
        }
    } else if s.kernel_ts > 0 {
        problems.push(format!(
            "{} kernel segments carried timestamps never agreed",
            s.kernel_ts
        ));
    }
    let close_path = state_path(&s.states);
    let expected_end = match case.role {
        // The kernel server closes first: tcpsim's close is the passive one.
        Role::EngineClient => ["CLOSE_WAIT", "LAST_ACK", "CLOSED"].as_slice(),
        Role::EngineServer => ["FIN_WAIT_1"].as_slice(),
    };
    if !expected_end.iter().all(|st| close_path.contains(st))
        || !matches!(s.states.last(), Some(State::TimeWait | State::Closed))
    {
        problems.push(format!("tcpsim did not close through FINs: {close_path}"));
    }

    // The kernel's view: its own counters for this namespace.
    let counters = lab.kernel_counters()?;
    let counter = |name: &str| counters.get(name).copied().unwrap_or(0);
    for name in ["OutRsts", "InCsumErrors", "InErrs", "EstabResets", "AttemptFails"] {
        if counter(name) != 0 && !(late_rsts && name == "OutRsts") {
            problems.push(format!("kernel counter {name} = {}", counter(name)));
        }
    }
    for name in [
        "TCPAbortOnData",
        "TCPAbortOnClose",
        "TCPAbortOnTimeout",
        "TCPAbortOnLinger",
    ] {
        if counter(name) != 0 {
            problems.push(format!("kernel counter {name} = {}", counter(name)));
        }
    }

    // An independent capture, decoded by Wireshark.
    let crossed = (s.kernel_sent + s.non_ipv4 + s.engine_sent - s.engine_dropped) as usize;
    let (capture_path, capture_name) = match capture {
        Some(capture) => {
            let name = format!("{} on {}", capture.tool_name(), lab.tun.name());
            (capture.stop(crossed).map_err(io)?, name)
        }
        None => {
            let pcap = lab.harness_pcap.take().map(PcapWriter::finish).unwrap_or_default();
            std::fs::write(&capture_file, pcap).map_err(io)?;
            (capture_file, "the harness (no tcpdump or dumpcap)".to_string())
        }
    };
    let captured = tun::pcap_records(&capture_path).map_err(io)?;
    if captured < crossed {
        problems.push(format!(
            "the capture {} holds {captured} of the {crossed} datagrams that crossed the device",
            capture_path.display()
        ));
    }
    let capture_line = if tools.tshark {
        let decoded = decode(&capture_path)?;
        let only_rsts = decoded.bad.iter().all(|line| line.contains("[RST]"));
        if !(decoded.bad.is_empty() || late_rsts && only_rsts) {
            problems.push(format!(
                "tshark: malformed, bad checksum or RST in {}:\n    {}",
                capture_path.display(),
                decoded.bad.join("\n    ")
            ));
        }
        format!(
            "capture by {capture_name}: {} packets; tshark: {} malformed/bad-checksum/RST; analysis flags {:?}",
            decoded.packets,
            decoded.bad.len(),
            decoded.flags
        )
    } else {
        format!("capture by {capture_name}: {captured} packets, not decoded: tshark is not installed")
    };

    let total_retransmits: u64 = s.retransmits.values().sum();
    let summary = format!(
        "{}\n  {} body bytes byte-exact in {:.3} s ({:.1} Mbit/s); loss {}‰ each way\n  \
         datagrams kernel>tcpsim {} ({} dropped), tcpsim>kernel {} ({} dropped), non-IPv4 {}\n  \
         largest datagram from the kernel {} bytes; largest payload kernel {} / tcpsim {}\n  \
         handshake: tcpsim {}\n             kernel {}\n  \
         after the SYNs: timestamps on kernel {} / tcpsim {} segments; SACK blocks on kernel {} / tcpsim {}\n  \
         tcpsim retransmissions {total_retransmits} {:?}; kernel RetransSegs {} (TCPTimeouts {}, TCPLossProbes {}, \
         TCPFastRetrans {})\n  \
         segments tcpsim did not use: {:?}\n  \
         tcpsim states {close_path}; kernel sockets at the end: {kernel_close}\n  \
         RSTs: kernel counter OutRsts {}, seen by the harness {} + {}\n  {capture_line}",
        case.name,
        BODY_LEN,
        transfer_time.as_secs_f64(),
        BODY_LEN as f64 * 8.0 / transfer_time.as_secs_f64() / 1e6,
        case.loss_per_mille,
        s.kernel_sent,
        s.kernel_dropped,
        s.engine_sent,
        s.engine_dropped,
        s.non_ipv4,
        s.largest_kernel_datagram,
        s.largest_kernel_payload,
        s.largest_engine_payload,
        s.engine_syn.as_deref().unwrap_or("none seen"),
        s.kernel_syn.as_deref().unwrap_or("none seen"),
        s.kernel_ts,
        s.engine_ts,
        s.kernel_sack,
        s.engine_sack,
        s.retransmits,
        counter("RetransSegs"),
        counter("TCPTimeouts"),
        counter("TCPLossProbes"),
        counter("TCPFastRetrans"),
        s.ignored,
        counter("OutRsts"),
        s.kernel_rsts.len(),
        s.engine_rsts.len(),
    );
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(format!("{summary}\n  PROBLEMS:\n  - {}", problems.join("\n  - ")))
    }
}

#[test]
fn tcpsim_and_the_linux_kernel_exchange_files_both_ways_with_and_without_loss() {
    if let Some(why) = tun::unsupported() {
        eprintln!("skipping the Linux interop test: {why}");
        println!("skipping the Linux interop test: {why}");
        return;
    }
    Netns::remove_stale(NETNS_PREFIX);
    let tools = Tools {
        python: find_tool("python3"),
        curl: find_tool("curl"),
        tshark: find_tool("tshark").is_some(),
    };
    match Capture::tool() {
        Some((name, _)) => println!("capturing with {name}"),
        None => println!("no tcpdump or dumpcap: the harness writes the capture itself"),
    }
    if !tools.tshark {
        println!("tshark is not installed: captures are not decoded");
    }
    let dir = std::env::temp_dir().join(format!("tcpsim-linux-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let missing = match case.role {
            Role::EngineClient if tools.python.is_none() => Some("python3"),
            Role::EngineServer if tools.curl.is_none() => Some("curl"),
            _ => None,
        };
        if let Some(tool) = missing {
            println!("skipping {}: {tool} is not installed", case.name);
            continue;
        }
        match run_case(index, case, &tools, &dir) {
            Ok(summary) => println!("{summary}\n"),
            Err(why) => {
                println!("FAILED {}\n{why}\n", case.name);
                failures.push(why);
            }
        }
    }
    let keep = std::env::var_os("TCPSIM_KEEP_CAPTURES").is_some();
    if failures.is_empty() && !keep {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("captures and logs kept in {}", dir.display());
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed (captures and logs kept in {}):\n\n{}",
        failures.len(),
        CASES.len(),
        dir.display(),
        failures.join("\n\n")
    );
}
