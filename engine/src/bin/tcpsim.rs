//! `tcpsim`: list scenarios, run one, print it like tcpdump, export pcap
//! and JSON.

use std::process::ExitCode;
use tcpsim::net::Side;
use tcpsim::scenario::{self, RunOptions};

const USAGE: &str = "usage:
  tcpsim list
  tcpsim run ID [--seed N] [--random-isn SECRET] [--capture client|server] [--pcap FILE] [--json FILE]
  tcpsim analyze FILE [--stream N] [--json OUT]";

struct RunArgs {
    id: String,
    options: RunOptions,
    capture: Side,
    pcap: Option<String>,
    json: Option<String>,
}

fn parse_run(args: &[String]) -> Result<RunArgs, String> {
    let mut it = args.iter();
    let id = it.next().ok_or("run: missing scenario id")?.clone();
    let mut run = RunArgs {
        id,
        options: RunOptions::default(),
        capture: Side::Client,
        pcap: None,
        json: None,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--seed" => {
                let v = value()?;
                run.options.seed = v.parse().map_err(|_| format!("--seed: '{v}' is not a whole number"))?;
            }
            "--random-isn" => {
                let v = value()?;
                let secret = v
                    .parse()
                    .map_err(|_| format!("--random-isn: '{v}' is not a whole number"))?;
                run.options.random_isn = Some(secret);
            }
            "--capture" => {
                run.capture = match value()?.as_str() {
                    "client" => Side::Client,
                    "server" => Side::Server,
                    other => return Err(format!("--capture: '{other}' is not client or server")),
                }
            }
            "--pcap" => run.pcap = Some(value()?.clone()),
            "--json" => run.json = Some(value()?.clone()),
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(run)
}

fn run(args: RunArgs) -> Result<(), String> {
    let trace = scenario::run(&args.id, &args.options).map_err(|e| e.to_string())?;
    let mut text = trace.text();
    if trace.truncated {
        text.push_str(&format!("(stopped at the time limit, {})\n", trace.end));
    }
    print_all(&text);
    if let Some(path) = &args.pcap {
        let bytes = trace.pcap(args.capture);
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
        eprintln!("wrote {path} (as captured on the {})", args.capture.name());
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string(&trace).map_err(|e| format!("cannot encode trace: {e}"))?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}"))?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

/// Prints a capture's TCP conversations, then one conversation's segments
/// (the busiest, or `--stream N`), numbered as Wireshark numbers them, each
/// with both hosts' inferred states and its analysis marks; `--json OUT`
/// writes the same as JSON.
#[cfg(feature = "capture")]
fn analyze(args: &[String], out: &mut String) -> Result<(), String> {
    use std::fmt::Write;
    use tcpsim::capture::{self, analysis, states, Vantage};
    let (path, mut rest) = args.split_first().ok_or("analyze: missing capture file")?;
    let (mut stream, mut json) = (None, None);
    while let [flag, value, tail @ ..] = rest {
        match flag.as_str() {
            "--stream" => {
                stream = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("--stream: '{value}' is not a whole number"))?,
                )
            }
            "--json" => json = Some(value.clone()),
            _ => break,
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(format!("analyze: unexpected arguments {rest:?}"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let capture = capture::open(&bytes).map_err(|e| format!("{path}: {e}"))?;
    if let Some(problem) = &capture.problem {
        eprintln!("{path}: {problem}");
    }
    let _ = writeln!(
        out,
        "{} frames, {} TCP conversations, {} frames without TCP",
        capture.frames,
        capture.conversations.len(),
        capture.skipped.len()
    );
    let _ = writeln!(
        out,
        "stream\tA\tB\tpackets\tbytes A→B\tbytes B→A\tduration\thandshake\tclose"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for (i, c) in capture.conversations.iter().enumerate() {
        let _ = writeln!(
            out,
            "{i}\t{}\t{}\t{}\t{}\t{}\t{:.6} s\t{}\t{}",
            c.a,
            c.b,
            c.packets.len(),
            c.bytes(true),
            c.bytes(false),
            c.duration_us() as f64 / 1e6,
            yes(c.handshake_seen()),
            yes(c.close_seen())
        );
    }
    let Some(chosen) = stream.or(capture.busiest()) else {
        return Ok(());
    };
    let c = capture.conversations.get(chosen).ok_or(format!(
        "--stream {chosen}: the capture has streams 0 to {}",
        capture.conversations.len().saturating_sub(1)
    ))?;
    let vantage = Vantage::infer(c);
    let timeline = states::infer(c, vantage);
    let marks = analysis::analyze(c);
    let near = vantage.describe(c);
    let state = |s: Option<tcpsim::tcp::State>| s.map_or("unknown", |s| s.name());
    let _ = writeln!(
        out,
        "\nstream {chosen}: captured {near}; states inferred from the capture (A {}, B {} at the start)",
        state(timeline.before[0]),
        state(timeline.before[1])
    );
    let start = c.packets.first().map_or(0, |p| p.time_us);
    let mut rows = Vec::new();
    for (i, p) in c.packets.iter().enumerate() {
        let bad = if p.checksum_ok == Some(false) {
            " (checksum wrong: offloaded?)"
        } else {
            ""
        };
        let labels: Vec<String> = marks[i]
            .marks
            .iter()
            .map(|m| match (m, marks[i].dup_ack) {
                (analysis::Mark::DuplicateAck, Some((n, of))) => format!("Dup ACK {of}#{n}"),
                _ => m.label().to_string(),
            })
            .collect();
        let flagged = if labels.is_empty() {
            String::new()
        } else {
            format!(" [{}]", labels.join("] ["))
        };
        let [a, b] = timeline.after[i];
        let in_flight = marks[i].bytes_in_flight;
        let flight = in_flight.map_or(String::new(), |f| format!(", in flight {f}"));
        let _ = writeln!(
            out,
            "{:>6} {:>10.6} {} > {}: Flags [{}], seq {}, ack {}, win {}, length {}{flight}{bad}{flagged}  A {} B {}",
            p.frame,
            p.time_us.saturating_sub(start) as f64 / 1e6,
            p.src,
            p.dst,
            p.flags,
            p.seq,
            p.ack,
            p.window,
            p.len,
            state(a),
            state(b)
        );
        rows.push(serde_json::json!({
            "frame": p.frame,
            "time_us": p.time_us.saturating_sub(start),
            "src": p.src.to_string(),
            "dst": p.dst.to_string(),
            "flags": p.flags.to_string(),
            "seq": p.seq,
            "ack": p.ack,
            "window": p.window,
            "window_scaled": marks[i].window,
            "len": p.len,
            "bytes_in_flight": in_flight,
            "checksum_ok": p.checksum_ok,
            "marks": labels,
            "state_a": a.map(|s| s.name()),
            "state_b": b.map(|s| s.name()),
        }));
    }
    if let Some(file) = json {
        let report = serde_json::json!({
            "file": path,
            "frames": capture.frames,
            "conversations": capture.conversations.iter().map(|c| serde_json::json!({
                "a": c.a.to_string(),
                "b": c.b.to_string(),
                "packets": c.packets.len(),
                "bytes_a_to_b": c.bytes(true),
                "bytes_b_to_a": c.bytes(false),
                "duration_us": c.duration_us(),
                "handshake": c.handshake_seen(),
                "close": c.close_seen(),
            })).collect::<Vec<_>>(),
            "stream": chosen,
            "vantage": near,
            "states_before": [timeline.before[0].map(|s| s.name()), timeline.before[1].map(|s| s.name())],
            "segments": rows,
        });
        let text = serde_json::to_string_pretty(&report).map_err(|e| format!("cannot encode: {e}"))?;
        std::fs::write(&file, text).map_err(|e| format!("cannot write {file}: {e}"))?;
        eprintln!("wrote {file}");
    }
    Ok(())
}

#[cfg(not(feature = "capture"))]
fn analyze(_: &[String], _: &mut String) -> Result<(), String> {
    Err("analyze: this build was made without the capture feature".into())
}

/// Prints `text`; a reader that stops early (`| head`) is not an error.
fn print_all(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") if args.len() == 1 => {
            for s in scenario::ALL {
                println!("{}\t{}", s.id, s.title);
            }
            Ok(())
        }
        Some("run") => parse_run(&args[1..]).and_then(run),
        Some("analyze") => {
            let mut out = String::new();
            let result = analyze(&args[1..], &mut out);
            print_all(&out);
            result
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("expected a command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tcpsim: {message}");
            ExitCode::from(2)
        }
    }
}
