//! Reading captures (`tcpsim::capture`): every TCP frame's numbers, and
//! which connection it belongs to, agree with Wireshark's tshark on the
//! same file, in each container format and byte order. Skipped (with a
//! note) where tshark is not installed; the README's test command installs it.
#![cfg(feature = "capture")]

use std::path::{Path, PathBuf};
use std::process::Command;
use tcpsim::capture::{self, FileError};
use tcpsim::net::{FaultAction, ScriptedFault, Side};
use tcpsim::scenario::{self, RunOptions};

fn tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("{name} not installed: skipping");
    }
    ok
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tcpsim-capture-{name}"))
}

/// tshark's rows: frame, stream, seq, ack, len, window, flags (hex).
fn tshark_rows(path: &Path) -> Vec<[u64; 7]> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-Y", "tcp", "-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.seq_raw",
            "-e",
            "tcp.ack_raw",
        ])
        .args(["-e", "tcp.len", "-e", "tcp.window_size_value", "-e", "tcp.flags"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<u64> = l
                .split('|')
                .map(|f| match f.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
                    None => f.parse().unwrap_or(0),
                })
                .collect();
            [v[0], v[1], v[2], v[3], v[4], v[5], v[6] & 0xff]
        })
        .collect()
}

fn our_rows(bytes: &[u8]) -> Vec<[u64; 7]> {
    let capture = capture::open(bytes).unwrap();
    assert_eq!(capture.problem, None);
    let mut rows: Vec<[u64; 7]> = capture
        .conversations
        .iter()
        .enumerate()
        .flat_map(|(stream, c)| {
            c.packets.iter().map(move |p| {
                [
                    p.frame as u64,
                    stream as u64,
                    u64::from(p.seq),
                    u64::from(p.ack),
                    u64::from(p.len),
                    u64::from(p.window),
                    u64::from(p.flags.0),
                ]
            })
        })
        .collect();
    rows.sort();
    rows
}

/// Two connections one after the other on the same ports would be one
/// stream to a naive reader; a lost segment and its resend too.
fn sample_pcaps() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for id in ["curl", "lost-data", "sack", "reset", "half-close"] {
        let trace = scenario::run(id, &RunOptions::default()).unwrap();
        for side in [Side::Client, Side::Server] {
            out.push((format!("{id}-{}", side.name()), trace.pcap(side)));
        }
    }
    let options = RunOptions {
        faults: vec![ScriptedFault {
            from: Side::Client,
            nth: 1,
            action: FaultAction::Drop,
        }],
        ..RunOptions::default()
    };
    if let Ok(trace) = scenario::run("curl", &options) {
        out.push(("curl-syn-lost".into(), trace.pcap(Side::Server)));
    }
    out
}

/// The same records with every header field byte-swapped: a capture
/// written on a big-endian machine.
fn big_endian(pcap: &[u8]) -> Vec<u8> {
    let swap4 = |b: &[u8]| [b[3], b[2], b[1], b[0]];
    let mut out = Vec::new();
    out.extend(swap4(&pcap[0..4]));
    out.extend([pcap[5], pcap[4], pcap[7], pcap[6]]);
    for at in (8..24).step_by(4) {
        out.extend(swap4(&pcap[at..at + 4]));
    }
    let mut at = 24;
    while at < pcap.len() {
        for f in 0..4 {
            out.extend(swap4(&pcap[at + 4 * f..at + 4 * f + 4]));
        }
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.extend(&pcap[at + 16..at + 16 + caplen]);
        at += 16 + caplen;
    }
    out
}

#[test]
fn every_frame_agrees_with_tshark_in_pcap_big_endian_pcap_and_pcapng() {
    if !tool("tshark") || !tool("editcap") {
        return;
    }
    let (mut frames, mut files) = (0, 0);
    for (name, pcap) in sample_pcaps() {
        let be = big_endian(&pcap);
        let ng_path = temp(&format!("{name}.pcapng"));
        let pcap_path = temp(&format!("{name}.pcap"));
        std::fs::write(&pcap_path, &pcap).unwrap();
        let made = Command::new("editcap")
            .args(["-F", "pcapng"])
            .arg(&pcap_path)
            .arg(&ng_path)
            .status()
            .unwrap();
        assert!(made.success());
        let ng = std::fs::read(&ng_path).unwrap();
        let expected = tshark_rows(&pcap_path);
        assert!(!expected.is_empty(), "{name}");
        for (format, bytes) in [("pcap", &pcap), ("big-endian pcap", &be), ("pcapng", &ng)] {
            let path = temp(&format!("{name}-{}", format.replace(' ', "-")));
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(
                tshark_rows(&path),
                expected,
                "{name}: tshark reads our {format} copy alike"
            );
            assert_eq!(our_rows(bytes), expected, "{name} as {format}");
            frames += expected.len();
            files += 1;
        }
    }
    eprintln!(
        "{files} files, {frames} TCP frames: every frame's stream, seq, ack, len, window and flags agree with tshark"
    );
}

#[test]
fn bad_files_get_a_typed_error_or_keep_what_came_before_the_damage() {
    assert_eq!(capture::open(b"").unwrap_err(), FileError::NotACapture);
    assert_eq!(
        capture::open(b"GET / HTTP/1.1\r\n\r\n").unwrap_err(),
        FileError::NotACapture
    );
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    let pcap = trace.pcap(Side::Client);
    let whole = capture::open(&pcap).unwrap();
    assert_eq!((whole.frames, whole.conversations.len()), (12, 1));
    let c = &whole.conversations[0];
    assert!(c.handshake_seen() && c.close_seen());
    // Cut in the middle of the last record: eleven packets and the reason.
    let cut = capture::open(&pcap[..pcap.len() - 10]).unwrap();
    assert_eq!(cut.frames, 11);
    assert!(
        matches!(cut.problem, Some(FileError::Truncated { .. })),
        "{:?}",
        cut.problem
    );
    // Every prefix of a pcap and a pcapng reads without a panic.
    for n in 0..pcap.len() {
        let _ = capture::open(&pcap[..n]);
    }
    let mut garbage = pcap.clone();
    for (i, b) in garbage.iter_mut().enumerate().skip(24) {
        *b = b.wrapping_mul(31).wrapping_add(i as u8);
    }
    let _ = capture::open(&garbage);
}
