//! The `tcpsim` command line: what a user types and sees.

use std::process::{Command, Output};

fn tcpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tcpsim")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_prints_id_tab_description() {
    let out = tcpsim(&["list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    let (id, description) = first.split_once('\t').unwrap();
    assert_eq!(id, "curl");
    assert!(!description.is_empty());
}

#[test]
fn run_curl_prints_twelve_tcpdump_lines_and_states() {
    let out = tcpsim(&["run", "curl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let segments: Vec<_> = text.lines().filter(|l| l.contains(" IP ")).collect();
    assert_eq!(segments.len(), 12);
    assert!(segments[0].contains("10.0.1.5.49152 > 10.0.2.10.80: Flags [S], seq 1000"));
    assert!(segments[1].contains("Flags [S.], seq 4500, ack 1001"));
    assert!(text.contains("client: FIN_WAIT_2 -> TIME_WAIT"));
}

#[test]
fn pcap_and_json_files_are_written() {
    let dir = std::env::temp_dir();
    let pcap = dir.join("tcpsim-cli-test.pcap");
    let json = dir.join("tcpsim-cli-test.json");
    let out = tcpsim(&[
        "run",
        "curl",
        "--seed",
        "3",
        "--capture",
        "server",
        "--pcap",
        pcap.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&pcap).unwrap();
    assert_eq!(&bytes[..4], &tcpsim::pcap::MAGIC);
    let trace: tcpsim::trace::Trace = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(trace.segments().count(), 12);
    assert_eq!(trace.seed, 3);
}

#[test]
fn mistakes_get_a_clear_message_and_a_non_zero_exit() {
    for (args, says) in [
        (&["run", "nope"][..], "unknown scenario 'nope'"),
        (&["run", "curl", "--bogus"][..], "unknown option '--bogus'"),
        (&["run", "curl", "--seed"][..], "--seed needs a value"),
        (&["run", "curl", "--seed", "x"][..], "'x' is not a whole number"),
        (
            &["run", "curl", "--capture", "router"][..],
            "'router' is not client or server",
        ),
        (&["run"][..], "missing scenario id"),
        (&[][..], "expected a command"),
    ] {
        let out = tcpsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[cfg(feature = "capture")]
#[test]
fn analyze_lists_a_captures_conversations_and_the_busiest_ones_segments() {
    let pcap = std::env::temp_dir().join("tcpsim-cli-analyze.pcap");
    let out = tcpsim(&["run", "lost-data", "--pcap", pcap.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let segments = stdout(&out).lines().filter(|l| l.contains(" IP ")).count();
    let out = tcpsim(&["analyze", pcap.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("{segments} frames, 1 TCP conversations")),
        "{text}"
    );
    let row = text.lines().find(|l| l.starts_with("0\t")).unwrap();
    assert!(
        row.starts_with(&format!("0\t10.0.1.5:49152\t10.0.2.10:80\t{segments}\t")),
        "{row}"
    );
    assert!(row.ends_with("\tyes\tyes"), "handshake and close captured: {row}");
    let lines: Vec<_> = text.lines().filter(|l| l.contains(" > ")).collect();
    assert_eq!(lines.len(), segments);
    // The request and its resend: the same numbers, a second apart (the RTO).
    let request: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("seq 1001, ack 4501, win 65535, length 72"))
        .collect();
    assert_eq!(request.len(), 2, "{lines:?}");
    // The second copy is marked as Wireshark marks it; both hosts' states
    // are inferred, the client's ending in TIME-WAIT.
    assert!(request[1].contains("[Retransmission]"), "{}", request[1]);
    assert!(!request[0].contains("Retransmission"), "{}", request[0]);
    // The request is all the client has outstanding.
    assert!(request[0].contains("length 72, in flight 72"), "{}", request[0]);
    assert!(text.contains("captured near 10.0.1.5:49152"), "{text}");
    assert!(lines[0].ends_with("A SYN_SENT B LISTEN"), "{}", lines[0]);
    assert!(
        lines[segments - 1].ends_with("A TIME_WAIT B CLOSED"),
        "{}",
        lines[segments - 1]
    );
    // `--json` writes the same rows; `| head` is no error.
    let json_path = std::env::temp_dir().join("tcpsim-cli-analyze.json");
    let out = tcpsim(&["analyze", pcap.to_str().unwrap(), "--json", json_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let rows = report["segments"].as_array().unwrap();
    assert_eq!(rows.len(), segments);
    assert_eq!(rows[segments - 1]["state_a"], "TIME_WAIT");
    assert_eq!(rows.iter().filter(|r| r["marks"][0] == "Retransmission").count(), 1);
    let out = tcpsim(&["analyze", pcap.to_str().unwrap(), "--stream", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--stream 7: the capture has streams 0 to 0"));
    let out = tcpsim(&["analyze", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a pcap or pcapng capture file"),
        "{}",
        stderr(&out)
    );
}
