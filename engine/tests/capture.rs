//! Reading captures (`tcpsim::capture`): every TCP frame's numbers, and
//! which connection it belongs to, agree with Wireshark's tshark on the
//! same file, in each container format and byte order. Skipped (with a
//! note) where tshark is not installed; the README's test command installs it.
#![cfg(feature = "capture")]

use std::path::{Path, PathBuf};
use std::process::Command;
use tcpsim::capture::{self, FileError, Mark, Marks};
use tcpsim::net::WireEvent;
use tcpsim::net::{FaultAction, ScriptedFault, Side};
use tcpsim::scenario::{self, RunOptions};
use tcpsim::tcp::State;
use tcpsim::trace::What;

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

/// Per frame: its analysis marks, its duplicate-ACK number, its bytes in
/// flight and the window it advertises, scaled.
type AnalysisRow = (usize, Marks, u32, Option<u32>, u32);

/// tshark's analysis per frame (frame order).
fn tshark_marks(path: &Path) -> Vec<AnalysisRow> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-Y", "tcp", "-T", "fields", "-E", "separator=|"]);
    cmd.args([
        "-E",
        "occurrence=f",
        "-e",
        "frame.number",
        "-e",
        "tcp.analysis.duplicate_ack_num",
        "-e",
        "tcp.analysis.bytes_in_flight",
        "-e",
        "tcp.window_size",
    ]);
    for mark in Mark::ALL {
        cmd.args(["-e", mark.tshark_field()]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('|').collect();
            let mut marks = Marks::default();
            for (mark, value) in Mark::ALL.iter().zip(&fields[4..]) {
                if !value.is_empty() && *value != "0" && *value != "False" {
                    marks.insert(*mark);
                }
            }
            (
                fields[0].parse().unwrap(),
                marks,
                fields[1].parse().unwrap_or(0),
                fields[2].parse().ok(),
                fields[3].parse().unwrap(),
            )
        })
        .collect()
}

fn our_marks(bytes: &[u8]) -> Vec<AnalysisRow> {
    let capture = capture::open(bytes).unwrap();
    let mut rows: Vec<_> = capture
        .conversations
        .iter()
        .flat_map(|c| {
            c.packets.iter().zip(capture::analysis::analyze(c)).map(|(p, a)| {
                let dup = a.dup_ack.map_or(0, |(n, _)| n);
                (p.frame, a.marks.as_tshark_shows(), dup, a.bytes_in_flight, a.window)
            })
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

/// Every scenario the engine knows, captured on each side.
fn every_scenario_pcap() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for s in scenario::ALL {
        let Ok(trace) = scenario::run(s.id, &RunOptions::default()) else {
            continue;
        };
        for side in [Side::Client, Side::Server] {
            out.push((format!("{}-{}", s.id, side.name()), trace.pcap(side)));
        }
    }
    out
}

#[test]
fn analysis_marks_agree_with_tshark_packet_by_packet() {
    if !tool("tshark") {
        return;
    }
    let mut marks = MarkAgreement::default();
    for (name, pcap) in every_scenario_pcap() {
        let path = temp(&format!("marks-{name}.pcap"));
        std::fs::write(&path, &pcap).unwrap();
        assert_eq!(our_rows(&pcap), tshark_rows(&path), "{name}: streams and fields");
        marks.compare(&name, &path, &pcap);
    }
    eprintln!("analysis marks: {}", marks.figures());
    assert!(marks.disagreements.is_empty(), "{}", marks.disagreements.join("\n"));
}

/// Our marks against tshark's, packet by packet, over any number of files.
#[derive(Default)]
struct MarkAgreement {
    packets: usize,
    agree: usize,
    /// Packets tshark marks, and with what.
    marked: usize,
    tally: std::collections::BTreeMap<Mark, usize>,
    disagreements: Vec<String>,
}

impl MarkAgreement {
    fn compare(&mut self, name: &str, path: &Path, bytes: &[u8]) {
        let (theirs, ours) = (tshark_marks(path), our_marks(bytes));
        assert_eq!(theirs.len(), ours.len(), "{name}");
        for (t, o) in theirs.iter().zip(&ours) {
            self.packets += 1;
            self.marked += usize::from(!t.1.is_empty());
            for mark in t.1.iter() {
                *self.tally.entry(mark).or_default() += 1;
            }
            if t == o {
                self.agree += 1;
            } else {
                let show = |r: &AnalysisRow| {
                    let marks = r.1.iter().collect::<Vec<_>>();
                    format!("{marks:?} (dup {}, in flight {:?}, window {})", r.2, r.3, r.4)
                };
                self.disagreements
                    .push(format!("{name} frame {}: tshark {}, ours {}", t.0, show(t), show(o)));
            }
        }
    }

    fn figures(&self) -> String {
        format!(
            "{} of {} packets agree with tshark on every flag, bytes in flight and window ({} packets marked by tshark: {:?})",
            self.agree, self.packets, self.marked, self.tally
        )
    }
}

/// Consecutive repeats removed.
fn distinct<T: PartialEq + Copy>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if out.last() != Some(&item) {
            out.push(item);
        }
    }
    out
}

/// The engine's states for `side`'s one connection (a listener first, if
/// any), or None if it had several. A change after the last packet (a
/// timer ending TIME-WAIT, or a SYN-SENT giving up) shows in no capture,
/// so it is left out.
fn engine_states(trace: &tcpsim::trace::Trace, side: Side) -> Option<Vec<State>> {
    let changes: Vec<_> = trace.state_changes(side).collect();
    let is_listen = |c: &(_, _, State, State)| c.2 == State::Closed && c.3 == State::Listen;
    let listener = changes.first().is_some_and(is_listen);
    let conns = distinct(changes.iter().map(|c| c.1));
    if conns.len() > 1 + usize::from(listener) {
        return None;
    }
    let listen = listener.then_some(State::Listen);
    let mut states = distinct(
        listen
            .into_iter()
            .chain(changes.iter().filter(|c| !is_listen(c)).flat_map(|c| [c.2, c.3])),
    );
    let last_packet = [Side::Client, Side::Server]
        .iter()
        .filter_map(|&s| trace.captured(s).last().map(|p| p.0))
        .max();
    if changes.last().is_some_and(|c| Some(c.0) > last_packet) {
        states.pop();
    }
    // A listener on another port: no socket for this connection, so it is
    // CLOSED (RFC 9293 §3.10.7.1).
    if states == [State::Listen] {
        states = vec![State::Closed];
    }
    Some(states)
}

/// What comparing inferred states with the engine's found, per capture.
#[derive(Default)]
struct StateComparison {
    captures: usize,
    /// Captures whose whole path of states differs, described.
    paths: Vec<String>,
    /// Captures whose last states differ, though the capture saw every
    /// segment of the far host in time.
    ends: Vec<String>,
    /// Captures that missed or saw late a segment of the far host.
    late: usize,
}

/// Compares the states inferred from each side's capture of `trace` with
/// the engine's. Nothing if the run had several connections.
fn compare_states(name: &str, trace: &tcpsim::trace::Trace, out: &mut StateComparison) {
    let (Some(client), Some(server)) = (engine_states(trace, Side::Client), engine_states(trace, Side::Server)) else {
        return;
    };
    for vantage in [Side::Client, Side::Server] {
        let capture = capture::open(&trace.pcap(vantage)).unwrap();
        let [c] = capture.conversations.as_slice() else {
            continue;
        };
        out.captures += 1;
        let where_ = capture::Vantage::infer(c);
        let timeline = capture::states::infer(c, where_);
        let client_is_a = c.a.ip() == trace.client;
        let (ours_client, ours_server) = if client_is_a {
            (timeline.path(0), timeline.path(1))
        } else {
            (timeline.path(1), timeline.path(0))
        };
        // A host the capture never shows sending is unknown.
        let want = |v: &[State], ip: std::net::IpAddr| {
            if c.packets.iter().any(|p| p.src.ip() == ip) {
                v.iter().map(|&s| Some(s)).collect::<Vec<_>>()
            } else {
                vec![None]
            }
        };
        let (want_client, want_server) = (want(&client, trace.client), want(&server, trace.server));
        // A segment from the far host that the wire lost or held back
        // reaches this capture late or never: then only the path may differ.
        let far_late = trace.records.iter().any(|r| {
            r.side != vantage
                && matches!(
                    r.what,
                    What::Wire {
                        event: WireEvent::Dropped { .. } | WireEvent::Delayed { .. }
                    }
                )
        });
        out.late += usize::from(far_late);
        if !far_late && (ours_client.last() != want_client.last() || ours_server.last() != want_server.last()) {
            out.ends.push(format!("{name} captured on the {}", vantage.name()));
        }
        if ours_client != want_client || ours_server != want_server {
            out.paths.push(format!(
                "{name} captured on the {} ({where_:?}):\n  client {client:?}\n    ours {ours_client:?}\n  server {server:?}\n    ours {ours_server:?}",
                vantage.name(),
            ));
        }
    }
}

/// For every scenario with one connection, captured on each side: the
/// states inferred for each host go through the same states, in the same
/// order, as the engine's own connection did.
#[test]
fn inferred_states_follow_what_the_engine_did() {
    let mut found = StateComparison::default();
    for s in scenario::ALL {
        if let Ok(trace) = scenario::run(s.id, &RunOptions::default()) {
            compare_states(s.id, &trace, &mut found);
        }
    }
    eprintln!(
        "inferred states: {} of {} captures follow the engine's states",
        found.captures - found.paths.len(),
        found.captures
    );
    assert!(found.paths.is_empty(), "{}", found.paths.join("\n"));
}

/// The same with a lost, duplicated or delayed packet anywhere in the
/// default story and in the close lessons. The capture cannot always tell
/// a brief state (an ACK lost after the capture point leaves no trace), so
/// the whole path is measured, and the last states must agree wherever the
/// capture saw the far host's segments in time.
#[test]
fn inferred_states_follow_the_engine_under_every_single_fault() {
    let mut found = StateComparison::default();
    for id in ["curl", "three-way-close", "half-close", "simultaneous-close"] {
        for from in [Side::Client, Side::Server] {
            for nth in 1..=8 {
                for action in [
                    FaultAction::Drop,
                    FaultAction::Duplicate,
                    FaultAction::Delay(tcpsim::time::Duration::from_millis(30)),
                ] {
                    let options = RunOptions {
                        faults: vec![ScriptedFault { from, nth, action }],
                        ..RunOptions::default()
                    };
                    if let Ok(trace) = scenario::run(id, &options) {
                        let name = format!("{id} with {action:?} of the {}'s packet {nth}", from.name());
                        compare_states(&name, &trace, &mut found);
                    }
                }
            }
        }
    }
    eprintln!(
        "inferred states under single faults: {} of {} captures follow the engine's whole path; \
         {} of the {} that saw every segment of the far host in time end in the same states",
        found.captures - found.paths.len(),
        found.captures,
        found.captures - found.late - found.ends.len(),
        found.captures - found.late
    );
    assert!(
        found.ends.is_empty(),
        "the last states differ:\n{}",
        found.ends.join("\n")
    );
}

/// Found by the fuzz target: timestamps at the ends of the range (a pcapng
/// interface's offset can put them there) must not overflow.
#[test]
fn extreme_timestamps_do_not_overflow() {
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    let mut c = capture::open(&trace.pcap(Side::Client))
        .unwrap()
        .conversations
        .remove(0);
    for (i, p) in c.packets.iter_mut().enumerate() {
        p.time_us = if i % 2 == 0 { i64::MIN } else { i64::MAX };
    }
    assert_eq!(capture::analysis::analyze(&c).len(), c.packets.len());
    let timeline = capture::states::infer(&c, capture::Vantage::infer(&c));
    assert_eq!(timeline.after.len(), c.packets.len());
    let _ = c.duration_us();
}

/// RFC 9293's name for a state, as the kernel captures' notes write them.
fn rfc_state(name: &str) -> State {
    let wanted = name.replace('-', "_");
    State::ALL
        .into_iter()
        .find(|s| s.name() == wanted || (wanted == "SYN_RECEIVED" && *s == State::SynReceived))
        .unwrap_or_else(|| panic!("unknown state {name}"))
}

/// Real Linux connections (`engine/tests/captures/kernel`, made by
/// `scripts/make-kernel-captures.py` in network namespaces, with losses,
/// duplicates, reordering, keep-alives, zero windows and resets, over IPv4
/// and IPv6, on Ethernet, cooked v1 and v2 and raw IP): the analysis marks
/// agree with tshark packet by packet, and the states inferred for both
/// hosts go the way the kernel's own sockets went (as polled from
/// /proc/net/tcp while the connection ran).
#[test]
fn kernel_captures_agree_with_tshark_and_with_the_kernels_states() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/kernel");
    let mut notes: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    notes.sort();
    assert!(notes.len() >= 10, "kernel captures missing in {}", dir.display());
    let with_tshark = tool("tshark");
    let (mut marks, mut states_ok) = (MarkAgreement::default(), 0);
    let mut problems = Vec::new();
    for note in &notes {
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(note).unwrap()).unwrap();
        let file = dir.join(meta["file"].as_str().unwrap());
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&file).unwrap();
        if with_tshark {
            marks.compare(&name, &file, &bytes);
        }
        let capture = capture::open(&bytes).unwrap();
        let addr = |key: &str| meta[key].as_str().unwrap().parse::<std::net::SocketAddr>().unwrap();
        let (client, server) = (addr("client"), addr("server"));
        let c = capture
            .conversations
            .iter()
            .find(|c| (c.a == client && c.b == server) || (c.a == server && c.b == client))
            .unwrap_or_else(|| panic!("{name}: no connection {client} - {server}"));
        let timeline = capture::states::infer(c, capture::Vantage::infer(c));
        let truth = |key: &str| -> Vec<Option<State>> {
            let states = meta[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| rfc_state(s.as_str().unwrap()));
            states.map(Some).collect()
        };
        // The kernel's sockets are polled from the moment they exist, so
        // the opener's CLOSED before its SYN is not in their notes.
        let path = |host: std::net::SocketAddr| {
            let mut p = timeline.path(usize::from(host != c.a));
            if p.first() == Some(&Some(State::Closed)) {
                p.remove(0);
            }
            p
        };
        let (want_client, want_server) = (truth("client_states"), truth("server_states"));
        let (ours_client, ours_server) = (path(client), path(server));
        if ours_client == want_client && ours_server == want_server {
            states_ok += 1;
        } else {
            problems.push(format!(
                "{name}: client {want_client:?}\n    ours {ours_client:?}\n  server {want_server:?}\n    ours {ours_server:?}"
            ));
        }
    }
    eprintln!(
        "kernel captures: {}; states follow the kernel's in {states_ok} of {} captures",
        marks.figures(),
        notes.len()
    );
    problems.extend(marks.disagreements);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a trace shows on the ladder: every segment's sender, send time and
/// numbers, every arrival, every state change (times from the first send).
fn ladder_of(trace: &tcpsim::trace::Trace, until: tcpsim::time::Instant) -> Vec<String> {
    let first = trace.segments().next().map_or(0, |s| s.0.micros());
    trace
        .records
        .iter()
        .filter(|r| r.at <= until)
        .filter_map(|r| {
            let t = r.at.micros() - first;
            let who = r.side.name();
            match &r.what {
                What::Sent { segment: s, .. } => Some(format!("{t} {who} sends {} {} {}", s.flags, s.seq, s.ack)),
                What::Delivered { .. } => Some(format!("{t} {who} receives")),
                What::Engine {
                    event: tcpsim::tcp::Event::StateChanged { from, to, .. },
                } => Some(format!("{t} {who} {from} -> {to}")),
                _ => None,
            }
        })
        .collect()
}

/// Replaying a capture taken on the client of a run without faults gives
/// back the engine's own run: the same segments sent and received at the
/// same times, and the same state changes at the same times, from nothing
/// but the capture (the way to the server measured by the handshake).
#[test]
fn a_replayed_capture_is_the_engines_run_again() {
    // Lessons whose wire is a fixed delay. Not half-close: its server
    // closes before its last data leaves, and a capture shows a close only
    // when the FIN does. Nor out-of-order, duplicate or the bandwidth
    // lessons: a segment the wire holds back or queues looks sent later.
    for id in ["curl", "three-way-close", "lost-data", "bidirectional", "zero-window"] {
        let trace = scenario::run(id, &RunOptions::default()).unwrap();
        let pcap = trace.pcap(Side::Client);
        let capture = capture::open(&pcap).unwrap();
        let c = &capture.conversations[0];
        let vantage = capture::Vantage::infer(c);
        let timeline = capture::states::infer(c, vantage);
        let frames = capture::file::read(&pcap).unwrap().frames;
        let replay = capture::replay::replay(c, &frames, vantage, &timeline, usize::MAX).unwrap();
        let last = trace.captured(Side::Client).last().unwrap().0;
        // The engine's last ACK arrives after the client's capture ends.
        let ours = ladder_of(&replay.trace, tcpsim::time::Instant(u64::MAX));
        let engine = ladder_of(&trace, tcpsim::time::Instant(last.micros() + 25_000));
        assert_eq!(ours, engine, "{id}");
        assert_eq!(replay.packet_of_step.len(), c.packets.len());
    }
}

/// IPv6 captures replay too: the inspector's field list reads the IPv6
/// header, and its TCP checksum verdict (over RFC 8200's pseudo-header)
/// agrees with etherparse's on every packet of the kernel's IPv6 captures.
#[test]
fn ipv6_packets_replay_and_describe_their_header() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/kernel");
    let mut checked = 0;
    for name in ["v6-keepalive-client-ethernet.pcap", "v6-dup-reorder-server-sll.pcap"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let capture = capture::open(&bytes).unwrap();
        let c = &capture.conversations[0];
        assert!(c.a.is_ipv6(), "{name}");
        let frames = capture::file::read(&bytes).unwrap().frames;
        let vantage = capture::Vantage::infer(c);
        let replay =
            capture::replay::replay(c, &frames, vantage, &capture::states::infer(c, vantage), usize::MAX).unwrap();
        for (k, (_, _, _, segment)) in replay.packet_of_step.iter().zip(replay.trace.segments()) {
            let p = &c.packets[*k];
            assert_eq!((segment.src, segment.dst), (p.src.ip(), p.dst.ip()), "{name}");
        }
        for p in &c.packets {
            let data = &frames[p.frame - 1].data[p.ip_at..];
            let fields = tcpsim::wire::fields::describe(data).unwrap();
            let value = |n: &str| fields.iter().find(|f| f.name == n).map(|f| f.value.clone()).unwrap();
            assert_eq!(value("Version"), "6");
            assert_eq!(value("Next header"), "6 (TCP)");
            assert_eq!(value("Source address"), p.src.ip().to_string());
            assert_eq!(value("Sequence number"), p.seq.to_string());
            let ours = value("Checksum").ends_with("(correct)");
            assert_eq!(Some(ours), p.checksum_ok, "{name} frame {}", p.frame);
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}
