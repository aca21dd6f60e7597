//! `tcpsim`: list scenarios, run one, print it like tcpdump, export pcap
//! and JSON.

use std::process::ExitCode;
use tcpsim::net::Side;
use tcpsim::scenario::{self, RunOptions};

const USAGE: &str = "usage:
  tcpsim list
  tcpsim run ID [--seed N] [--random-isn SECRET] [--capture client|server] [--pcap FILE] [--json FILE]
  tcpsim analyze FILE [--stream N]";

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
    print!("{}", trace.text());
    if trace.truncated {
        println!("(stopped at the time limit, {})", trace.end);
    }
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
/// (the busiest, or `--stream N`), numbered as Wireshark numbers them.
#[cfg(feature = "capture")]
fn analyze(args: &[String]) -> Result<(), String> {
    use tcpsim::capture;
    let (path, rest) = args.split_first().ok_or("analyze: missing capture file")?;
    let stream = match rest {
        [] => None,
        [flag, n] if flag == "--stream" => Some(
            n.parse::<usize>()
                .map_err(|_| format!("--stream: '{n}' is not a whole number"))?,
        ),
        _ => return Err(format!("analyze: unexpected arguments {rest:?}")),
    };
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let capture = capture::open(&bytes).map_err(|e| format!("{path}: {e}"))?;
    if let Some(problem) = &capture.problem {
        eprintln!("{path}: {problem}");
    }
    println!(
        "{} frames, {} TCP conversations, {} frames without TCP",
        capture.frames,
        capture.conversations.len(),
        capture.skipped.len()
    );
    println!("stream\tA\tB\tpackets\tbytes A→B\tbytes B→A\tduration\thandshake\tclose");
    for (i, c) in capture.conversations.iter().enumerate() {
        let yes = |b: bool| if b { "yes" } else { "no" };
        println!(
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
    println!("\nstream {chosen}:");
    let start = c.packets.first().map_or(0, |p| p.time_us);
    for p in &c.packets {
        let bad = if p.checksum_ok == Some(false) {
            " (checksum wrong: offloaded?)"
        } else {
            ""
        };
        println!(
            "{:>6} {:>10.6} {} > {}: Flags [{}], seq {}, ack {}, win {}, length {}{bad}",
            p.frame,
            (p.time_us - start) as f64 / 1e6,
            p.src,
            p.dst,
            p.flags,
            p.seq,
            p.ack,
            p.window,
            p.len
        );
    }
    Ok(())
}

#[cfg(not(feature = "capture"))]
fn analyze(_: &[String]) -> Result<(), String> {
    Err("analyze: this build was made without the capture feature".into())
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
        Some("analyze") => analyze(&args[1..]),
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
