//! `tcpsim`: a sans-IO, deterministic TCP (RFC 9293) that runs a client and
//! a server over a virtual wire and records everything as a trace.
//!
//! Data flows one way: scenario → simulator (two endpoints and the wire on a
//! simulated clock) → trace → consumers (the CLI, pcap export, the web app).
//! Nothing here reads a clock, draws entropy or does I/O: time and random
//! numbers come in as arguments.

#[cfg(feature = "capture")]
pub mod capture;
pub mod net;
pub mod pcap;
pub mod scenario;
pub mod tcp;
pub mod time;
pub mod trace;
pub mod wire;
