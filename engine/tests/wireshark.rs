//! pcap export checked by an independent decoder: Wireshark's tshark reads
//! the capture, validates every checksum, and its own TCP analysis must
//! agree with what the scenario claims. Skipped (with a note) where tshark
//! is not installed; the README's test command installs it.

use std::path::PathBuf;
use std::process::Command;
use tcpsim::net::{FaultAction, ScriptedFault, Side};
use tcpsim::scenario::{self, RunOptions};
use tcpsim::trace::Trace;

fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("tshark not installed: skipping Wireshark checks");
    }
    ok
}

/// Writes the capture and returns tshark's rows of `fields`.
fn tshark(trace: &Trace, host: Side, name: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let path: PathBuf = std::env::temp_dir().join(format!("tcpsim-{name}-{}.pcap", host.name()));
    std::fs::write(&path, trace.pcap(host)).unwrap();
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&path);
    cmd.args([
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "tcp.relative_sequence_numbers:FALSE",
    ]);
    cmd.args(["-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

#[test]
fn curl_capture_decodes_with_valid_checksums_and_no_analysis_flags() {
    if !tshark_available() {
        return;
    }
    let trace = scenario::run("curl", &RunOptions::default()).unwrap();
    let ours: Vec<_> = trace.segments().collect();
    for host in [Side::Client, Side::Server] {
        let rows = tshark(
            &trace,
            host,
            "curl",
            &[
                "ip.src",
                "tcp.seq",
                "tcp.ack",
                "tcp.len",
                "tcp.checksum.status",
                "ip.checksum.status",
                "tcp.analysis.flags",
                "_ws.malformed",
            ],
        );
        assert_eq!(rows.len(), 12, "{host:?} capture holds all twelve datagrams");
        for (row, (_, side, _, seg)) in rows.iter().zip(&ours) {
            assert_eq!(row[0], if *side == Side::Client { "10.0.1.5" } else { "10.0.2.10" });
            assert_eq!(row[1], seg.seq.to_string());
            if seg.flags.ack() {
                assert_eq!(row[2], seg.ack.to_string());
            }
            assert_eq!(row[3], seg.len.to_string());
            // Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
            assert_eq!(row[4], "1", "TCP checksum verified by Wireshark");
            assert_eq!(row[5], "1", "IPv4 checksum verified by Wireshark");
            assert_eq!(row[6], "", "no retransmission, duplicate ACK or other anomaly");
            assert_eq!(row[7], "", "not malformed");
        }
    }
}

#[test]
fn a_lost_segment_is_a_retransmission_to_wireshark_too() {
    if !tshark_available() {
        return;
    }
    // Lose the response head (the server's 3rd datagram: SYN,ACK, ACK, head).
    let drop = ScriptedFault {
        from: Side::Server,
        nth: 3,
        action: FaultAction::Drop,
    };
    let options = RunOptions {
        faults: vec![drop],
        ..RunOptions::default()
    };
    let trace = scenario::run("curl", &options).unwrap();
    let rows = tshark(
        &trace,
        Side::Server,
        "lost",
        &[
            "tcp.seq",
            "tcp.len",
            "tcp.analysis.retransmission",
            "tcp.checksum.status",
        ],
    );
    let retransmitted: Vec<_> = rows.iter().filter(|r| !r[2].is_empty()).collect();
    assert_eq!(retransmitted.len(), 1, "exactly one retransmission:\n{}", trace.text());
    let head = trace
        .segments()
        .filter(|s| s.1 == Side::Server && s.3.len > 0)
        .map(|s| s.3.seq)
        .min()
        .unwrap();
    assert_eq!(retransmitted[0][0], head.to_string(), "it is the lost head");
    assert!(rows.iter().all(|r| r[3] == "1"));
}

/// Every scenario's capture, on both hosts: every datagram decodes, every
/// checksum validates except where the wire flipped a bit (seen only by the
/// receiver), and Wireshark's own TCP analysis reports what the lesson is
/// about. Wireshark's heuristics name things its own way: a late segment is
/// "out-of-order" only when it lags by less than its threshold (hence the
/// 2 ms delay in `out-of-order`), and a duplicated data segment reads as a
/// (spurious) retransmission to a capture on the receiver.
#[test]
fn every_scenario_decodes_and_wireshark_sees_its_lesson() {
    if !tshark_available() {
        return;
    }
    // (scenario, capture host, display filter that must match at least once)
    let expected: &[(&str, Side, &str)] = &[
        ("lost-data", Side::Client, "tcp.analysis.retransmission"),
        ("fast-retransmit", Side::Server, "tcp.analysis.duplicate_ack"),
        ("fast-retransmit", Side::Server, "tcp.analysis.fast_retransmission"),
        ("out-of-order", Side::Client, "tcp.analysis.out_of_order"),
        ("out-of-order", Side::Client, "tcp.analysis.duplicate_ack"),
        (
            "duplicate",
            Side::Client,
            "tcp.analysis.retransmission || tcp.analysis.spurious_retransmission",
        ),
        ("corrupt", Side::Server, "tcp.checksum.status == 0"),
        ("corrupt", Side::Client, "tcp.analysis.retransmission"),
        ("zero-window", Side::Client, "tcp.analysis.zero_window"),
        ("zero-window", Side::Server, "tcp.analysis.zero_window_probe"),
        ("zero-window", Side::Client, "tcp.analysis.window_update"),
        ("congestion", Side::Client, "tcp.analysis.duplicate_ack"),
        ("congestion", Side::Client, "tcp.analysis.fast_retransmission"),
        (
            "syn-timeout",
            Side::Client,
            "tcp.analysis.retransmission && tcp.flags.syn == 1",
        ),
        ("refused", Side::Client, "tcp.flags.reset == 1"),
        (
            "lost-final-ack",
            Side::Server,
            "tcp.analysis.retransmission && tcp.flags.fin == 1",
        ),
    ];
    let count = |path: &std::path::Path, filter: &str| {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(path)
            .args([
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "ip.check_checksum:TRUE",
                "-Y",
                filter,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    for s in scenario::ALL {
        let trace = scenario::run(s.id, &RunOptions::default()).unwrap();
        let corrupted = trace
            .records
            .iter()
            .filter(|r| {
                matches!(
                    r.what,
                    tcpsim::trace::What::Wire {
                        event: tcpsim::net::WireEvent::Corrupted { .. }
                    }
                )
            })
            .count();
        for host in [Side::Client, Side::Server] {
            let path = std::env::temp_dir().join(format!("tcpsim-lesson-{}-{}.pcap", s.id, host.name()));
            std::fs::write(&path, trace.pcap(host)).unwrap();
            assert_eq!(count(&path, "_ws.malformed"), 0, "{} on the {host:?}", s.id);
            // Corrupted copies are captured on arrival, by the receiver.
            let bad = count(&path, "tcp.checksum.status == 0 || ip.checksum.status == 0");
            assert!(
                bad <= corrupted,
                "{}: {bad} bad checksums on the {host:?}, {corrupted} flipped",
                s.id
            );
            for (_, _, filter) in expected.iter().filter(|(id, side, _)| *id == s.id && *side == host) {
                assert!(
                    count(&path, filter) > 0,
                    "{}: Wireshark does not see [{filter}] on the {host:?}",
                    s.id
                );
            }
        }
    }
}

/// Wireshark reads the SACK blocks our receiver sent as the same edges,
/// and sees the SACK-permitted options in both SYNs.
#[test]
fn wireshark_decodes_the_sack_blocks() {
    if !tshark_available() {
        return;
    }
    let trace = scenario::run("sack", &RunOptions::default()).unwrap();
    let rows = tshark(
        &trace,
        Side::Server,
        "sack",
        &["tcp.options.sack_perm", "tcp.options.sack_le", "tcp.options.sack_re"],
    );
    assert!(rows.iter().take(2).all(|r| !r[0].is_empty()), "both SYNs offer SACK");
    let ours: Vec<(String, String)> = trace
        .segments()
        .filter(|s| s.1 == Side::Client && !s.3.options.sack.is_empty())
        .map(|s| {
            let join = |f: fn(&(tcpsim::wire::SeqNumber, tcpsim::wire::SeqNumber)) -> u32| {
                let edges: Vec<String> = s.3.options.sack.iter().map(|b| f(&b).to_string()).collect();
                edges.join(",")
            };
            (join(|b| b.0 .0), join(|b| b.1 .0))
        })
        .collect();
    let theirs: Vec<(String, String)> = rows
        .iter()
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[1].clone(), r[2].clone()))
        .collect();
    assert!(ours.len() >= 3);
    assert_eq!(theirs, ours);
}
