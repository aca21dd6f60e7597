//! Throughput of the engine against smoltcp over the same virtual wire.
//!
//! Transfers 10 MB one way (latency 5 ms, no bandwidth limit), with no loss
//! and with 1% loss, between (a) two tcpsim endpoints in the `Simulator`
//! with no trace kept, acknowledging every segment or (delayed ACKs) every
//! second one, and (b) two smoltcp sockets, and prints MB, simulated
//! duration, wall time, segments (datagrams put on the wire) and segments per
//! wall second. Then times a congestion-like run (~10,000 segments through a
//! 10 Mbit/s bottleneck with a 30-datagram queue), without and with the
//! full trace (which keeps a copy of every datagram's bytes), and feeds one
//! endpoint a 256 KB window of one-byte segments behind a hole.
//! Each figure is the median of 5 runs. Nothing is asserted about timing.

#[path = "../tests/common/smoltcp_host.rs"]
mod smoltcp_host;

use smoltcp_host::{SmolHost, SmolState};
use std::net::Ipv4Addr;
use std::time::Instant as WallClock;
use tcpsim::net::{Link, LinkConfig, Outcome, Side, Simulator, WireEvent};
use tcpsim::scenario::apps::{Open, Peer};
use tcpsim::tcp::{Config, Endpoint, IsnPolicy};
use tcpsim::time::{Duration, Instant};
use tcpsim::wire::{emit_datagram, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};

const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);
const PORT: u16 = 5001;
const SEED: u64 = 42;
const BULK: usize = 10_000_000;
/// Bytes for the congestion-like run: about 10,000 segments with the ACKs.
const CONGESTION_BYTES: usize = 7_000_000;
const BUFFER: usize = 1024 * 1024;
const REPEATS: usize = 5;
const LIMIT: Duration = Duration::from_secs(3600);

struct Run {
    bytes: usize,
    sim: Instant,
    wall: std::time::Duration,
    segments: u64,
}

impl Run {
    fn segments_per_sec(&self) -> f64 {
        self.segments as f64 / self.wall.as_secs_f64()
    }
}

fn link(loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(5),
        loss,
        ..LinkConfig::default()
    }
}

fn config(addr: Ipv4Addr, verbose_events: bool) -> Config {
    host(addr, verbose_events, false)
}

/// `delayed_ack`: acknowledge every second segment (RFC 9293 §3.8.6.3)
/// rather than every one.
fn host(addr: Ipv4Addr, verbose_events: bool, delayed_ack: bool) -> Config {
    Config {
        delayed_ack: delayed_ack.then_some(Duration::from_millis(40)),
        addr,
        isn: IsnPolicy::Fixed(1000),
        send_buffer: BUFFER,
        recv_buffer: BUFFER,
        window_scale: Some(7),
        min_rto: Duration::from_millis(200),
        syn_retries: 40,
        synack_retries: 40,
        max_retries: 40,
        // TIME_WAIT would add 2 × MSL of idle simulated time.
        msl: Duration::from_millis(1),
        verbose_events,
        ..Config::default()
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Two tcpsim endpoints in the simulator; the client sends `len` bytes.
fn tcpsim_run(len: usize, c2s: LinkConfig, s2c: LinkConfig, record: bool) -> Run {
    tcpsim_run_with(len, c2s, s2c, record, false)
}

fn tcpsim_run_with(len: usize, c2s: LinkConfig, s2c: LinkConfig, record: bool, delayed_ack: bool) -> Run {
    let payload = data(len);
    let client = Peer::new(Open::Connect(SERVER, PORT), payload);
    let server = Peer::new(Open::Listen(PORT), Vec::new()).close_after_eof();
    let wire = Link::new(c2s, s2c, Vec::new(), SEED);
    let mut sim = Simulator::new(
        "throughput",
        SEED,
        (Endpoint::new(host(CLIENT, record, delayed_ack)), Box::new(client)),
        (Endpoint::new(host(SERVER, record, delayed_ack)), Box::new(server)),
        wire,
    );
    if !record {
        sim = sim.without_records();
    }
    let start = WallClock::now();
    let outcome = sim.run(LIMIT);
    let wall = start.elapsed();
    let (sim_end, segments) = (sim.now(), sim.datagrams());
    let trace = sim.into_trace(outcome != Outcome::Quiescent);
    assert_eq!(outcome, Outcome::Quiescent, "tcpsim run did not finish");
    assert_eq!(trace.received[Side::Server.index()].len(), len);
    Run {
        bytes: len,
        sim: sim_end,
        wall,
        segments,
    }
}

fn smol_host(addr: Ipv4Addr, seed: u64) -> SmolHost {
    let mut host = SmolHost::new(addr, BUFFER, BUFFER, seed).with_reno();
    // No ACK delay and no Nagle. smoltcp still answers a whole flight that
    // arrives at once with one ACK, where tcpsim acknowledges every segment
    // (RFC 9293 §3.8.6.3); the delayed-ACK tcpsim case, one ACK per two
    // segments, is the closer match.
    host.socket_mut().set_ack_delay(None);
    host.socket_mut().set_nagle_enabled(false);
    host
}

/// Two smoltcp sockets on the same wire; the client sends `len` bytes.
fn smoltcp_run(len: usize, loss: f64) -> Run {
    let payload = data(len);
    let mut client = smol_host(CLIENT, 1);
    let mut server = smol_host(SERVER, 2);
    server.listen(PORT);
    client.connect(SERVER, PORT, 40_000);
    let wire = Link::new(link(loss), link(loss), Vec::new(), SEED);
    let start = WallClock::now();
    let (received, segments, now) = smoltcp_transfer(&payload, &mut client, &mut server, wire);
    let wall = start.elapsed();
    assert_eq!(received.len(), len);
    assert!(received == payload, "smoltcp delivered different bytes");
    Run {
        bytes: len,
        sim: now,
        wall,
        segments,
    }
}

/// The timed part of a smoltcp run, apart so that callgrind can count it
/// alone (`--toggle-collect=*smoltcp_transfer*`, as `*Simulator::run*` for
/// tcpsim). Returns the bytes received, the segments sent and the end time.
#[inline(never)]
fn smoltcp_transfer(
    payload: &[u8],
    client: &mut SmolHost,
    server: &mut SmolHost,
    mut wire: Link,
) -> (Vec<u8>, u64, Instant) {
    let len = payload.len();
    let mut events: Vec<WireEvent> = Vec::new();
    // Grows as it goes, as the simulator's record of received bytes does.
    let mut received = Vec::new();
    let (mut written, mut client_closed, mut server_closed) = (0, false, false);
    let mut segments = 0u64;
    let mut now = Instant::ZERO;
    let deadline = Instant::ZERO + LIMIT;
    loop {
        while let Some(arrival) = wire.poll_arrival(now) {
            match arrival.to {
                Side::Client => client.receive(arrival.bytes),
                Side::Server => server.receive(arrival.bytes),
            }
        }
        for _ in 0..64 {
            let mut progress = false;
            if written < len {
                let n = client.send(&payload[written..]);
                written += n;
                progress |= n > 0;
            }
            if !client_closed && written == len && client.state() == SmolState::Established {
                client.close();
                client_closed = true;
            }
            progress |= server.recv_all(&mut received) > 0;
            if !server_closed && server.state() == SmolState::CloseWait {
                server.close();
                server_closed = true;
            }
            for (side, host) in [(Side::Client, &mut *client), (Side::Server, &mut *server)] {
                for bytes in host.poll(now) {
                    segments += 1;
                    wire.send(now, side, bytes, &mut events);
                    events.clear();
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        let finished =
            matches!(client.state(), SmolState::TimeWait | SmolState::Closed) && server.state() == SmolState::Closed;
        if finished {
            return (received, segments, now);
        }
        let next = [client.poll_at(now), server.poll_at(now), wire.next_arrival()]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(t) if t <= deadline => now = now.max(t),
            _ => panic!(
                "smoltcp run stuck at {now}: client {}, server {}, received {}/{len}",
                client.state(),
                server.state(),
                received.len()
            ),
        }
    }
}

/// Out-of-order reassembly at its worst for a sorted list: a 256 KB window
/// filled by one-byte segments that all arrive after a one-byte hole, then
/// the hole. Fed by hand to one endpoint (its ACKs are drained and dropped).
const REASSEMBLY_WINDOW: usize = 256 * 1024;

fn reassembly_run() -> Run {
    let config = Config {
        recv_buffer: REASSEMBLY_WINDOW,
        window_scale: Some(3),
        ..config(SERVER, false)
    };
    let mut server = Endpoint::new(config);
    server.listen(PORT).unwrap();
    let peer_isn = SeqNumber(7);
    let datagram = |seq: SeqNumber, ack: SeqNumber, flags: TcpFlags, payload: &[u8]| {
        let ip = Ipv4Repr {
            src: CLIENT,
            dst: SERVER,
            ident: 0,
            ttl: 64,
            dscp_ecn: 0,
            dont_fragment: true,
        };
        let options = TcpOptions {
            window_scale: flags.syn().then_some(3),
            ..TcpOptions::default()
        };
        let tcp = TcpRepr {
            src_port: 40_000,
            dst_port: PORT,
            seq,
            ack,
            flags,
            window: 65535,
            urgent: 0,
            options,
            payload,
        };
        emit_datagram(&ip, &tcp)
    };
    let now = Instant::ZERO;
    server
        .handle_datagram(now, &datagram(peer_isn, SeqNumber(0), TcpFlags::SYN, &[]))
        .unwrap();
    let synack = server.poll_transmit(now).unwrap();
    let our_isn = tcpsim::trace::Segment::decode(&synack).unwrap().seq;
    let data = peer_isn + 1;
    let ack = SeqNumber(our_isn) + 1;
    let segments: Vec<Vec<u8>> = (1..REASSEMBLY_WINDOW)
        .chain([0])
        .map(|i| datagram(data + i, ack, TcpFlags::ACK, &[i as u8]))
        .collect();
    server
        .handle_datagram(now, &datagram(data, ack, TcpFlags::ACK, &[]))
        .unwrap();
    let start = WallClock::now();
    let acks = reassemble(&mut server, &segments);
    let wall = start.elapsed();
    let conn = server.connections().next().unwrap();
    assert_eq!(server.readable(conn), REASSEMBLY_WINDOW);
    Run {
        bytes: REASSEMBLY_WINDOW,
        sim: now,
        wall,
        segments: segments.len() as u64 + acks,
    }
}

/// The timed part of the reassembly case (for callgrind): every segment in,
/// every ACK out. Returns the ACKs sent.
#[inline(never)]
fn reassemble(server: &mut Endpoint, segments: &[Vec<u8>]) -> u64 {
    let mut acks = 0;
    for segment in segments {
        server.handle_datagram(Instant::ZERO, segment).unwrap();
        while server.poll_transmit(Instant::ZERO).is_some() {
            acks += 1;
        }
    }
    acks
}

/// Runs `f` `REPEATS` times and keeps the run with the median wall time.
fn median(mut f: impl FnMut() -> Run) -> Run {
    let mut runs: Vec<Run> = (0..REPEATS).map(|_| f()).collect();
    runs.sort_by_key(|r| r.wall);
    runs.swap_remove(REPEATS / 2)
}

fn print(name: &str, run: &Run) {
    println!(
        "{name:<22} {:>6.2} MB  sim {:>9} s  wall {:>9.1} ms  segments {:>7}  segments/s {:>10.0}",
        run.bytes as f64 / 1e6,
        run.sim,
        run.wall.as_secs_f64() * 1e3,
        run.segments,
        run.segments_per_sec(),
    );
}

/// Runs the cases whose name contains one of the arguments, or all of them
/// (`cargo bench -p tcpsim --bench throughput -- smoltcp`), so that one can
/// be measured alone, under callgrind say, where wall time is too noisy.
fn main() {
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let case = |name: &str, f: &mut dyn FnMut() -> Run| {
        wanted(name).then(|| {
            let run = median(f);
            print(name, &run);
            run
        })
    };
    println!("10 MB one way, latency 5 ms, no bandwidth limit (median of {REPEATS})");
    for loss in [0.0, 0.01] {
        let pct = loss * 100.0;
        let ours = case(&format!("tcpsim  loss {pct}%"), &mut || {
            tcpsim_run(BULK, link(loss), link(loss), false)
        });
        case(&format!("tcpsim  delayed ACK loss {pct}%"), &mut || {
            tcpsim_run_with(BULK, link(loss), link(loss), false, true)
        });
        let smol = case(&format!("smoltcp loss {pct}%"), &mut || smoltcp_run(BULK, loss));
        if let (Some(ours), Some(smol)) = (ours, smol) {
            println!(
                "tcpsim/smoltcp segments/s at loss {pct}%: {:.2}",
                ours.segments_per_sec() / smol.segments_per_sec()
            );
        }
    }

    let bottleneck = LinkConfig {
        bandwidth_bps: Some(10_000_000),
        queue_limit: 30,
        ..link(0.0)
    };
    println!("congestion-like run (10 Mbit/s bottleneck, queue 30, median of {REPEATS})");
    for (name, record) in [("tcpsim  no trace", false), ("tcpsim  full trace", true)] {
        case(name, &mut || {
            tcpsim_run(CONGESTION_BYTES, bottleneck.clone(), link(0.0), record)
        });
    }

    println!("reassembly: 256 KB of one-byte segments behind a one-byte hole (median of {REPEATS})");
    case("tcpsim  reassembly", &mut reassembly_run);
}
