//! An endpoint fed arbitrary datagrams at arbitrary times, in every state it
//! can reach, never panics. The input is split into chunks: each chunk's
//! first two bytes advance the clock, the rest is a datagram. Chunks are
//! also patched into valid TCP/IPv4 addressed to the host, so the state
//! machine, not only the parser, sees them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::Ipv4Addr;
use tcpsim::tcp::{Config, Endpoint};
use tcpsim::time::{Duration, Instant};
use tcpsim::wire::{self, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};

const US: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);
const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);

fn segment(chunk: &[u8]) -> Vec<u8> {
    let b = |i: usize| chunk.get(i).copied().unwrap_or(0);
    let u32_at = |i: usize| u32::from_be_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
    let tcp = TcpRepr {
        src_port: 49152 + (b(0) % 4) as u16,
        dst_port: if b(1) % 8 == 0 { 81 } else { 80 },
        seq: SeqNumber(u32_at(2)),
        ack: SeqNumber(u32_at(6)),
        flags: TcpFlags(b(10)),
        window: u16::from_be_bytes([b(11), b(12)]),
        urgent: 0,
        options: TcpOptions {
            mss: (b(13) & 1 == 1).then(|| u16::from_be_bytes([b(14), b(15)])),
            window_scale: (b(13) & 2 == 2).then(|| b(16)),
            ..TcpOptions::default()
        },
        payload: chunk.get(17..).unwrap_or(&[]),
    };
    let ip = Ipv4Repr { src: PEER, dst: US, ident: 0, ttl: 64, dscp_ecn: 0, dont_fragment: true };
    wire::emit_datagram(&ip, &tcp)
}

fuzz_target!(|data: &[u8]| {
    let config = Config { addr: US, recv_buffer: 4096, window_scale: Some(2), syn_cookies: true, backlog: 2, ..Config::default() };
    let mut host = Endpoint::new(config);
    let _ = host.listen(80);
    let mut now = Instant::ZERO;
    let client = host.connect(now, PEER, 80).ok();
    for chunk in data.split(|&b| b == 0xff) {
        if chunk.len() < 2 {
            continue;
        }
        now += Duration::from_millis(u16::from_be_bytes([chunk[0], chunk[1]]) as u64);
        let rest = &chunk[2..];
        let _ = host.handle_datagram(now, rest);
        let _ = host.handle_datagram(now, &segment(rest));
        if rest.first().is_some_and(|b| b % 5 == 0) {
            let first = host.connections().next();
            if let Some(id) = first {
                let _ = host.send(id, rest);
                let mut buf = [0u8; 512];
                let _ = host.recv(now, id, &mut buf);
                if rest.len() % 7 == 0 {
                    let _ = host.close(now, id);
                }
            }
        }
        if host.poll_timeout().is_some_and(|t| t <= now) {
            host.handle_timeout(now);
        }
        while let Some(out) = host.poll_transmit(now) {
            wire::parse_datagram(&out).expect("the endpoint emits only valid datagrams");
        }
        while host.poll_event().is_some() {}
    }
    let _ = client;
});
