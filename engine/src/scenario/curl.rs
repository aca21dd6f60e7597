//! `curl http://10.0.2.10/`: the twelve-packet default story.

use super::apps::{HttpClient, HttpServer};
use super::teaching::{pair, SERVER};
use super::{Scenario, Setup};
use crate::time::Duration;
use std::net::SocketAddrV4;

pub const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 10.0.2.10\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
pub const BODY: &[u8] =
    b"<!doctype html>\n<html><head><title>Hello</title></head>\n<body><p>Hello from 10.0.2.10!</p></body></html>\n";

pub const SCENARIO: Scenario = Scenario {
    id: "curl",
    title: "One HTTP request, twelve packets",
    modern: false,
    setup,
};

pub(super) fn setup() -> Setup {
    web(BODY)
}

/// The default story's hosts and wire, with the server answering `body`:
/// the starting point of most lessons, which then add a fault or a switch.
pub fn web(body: &[u8]) -> Setup {
    let mut s = pair(
        Box::new(HttpClient::new(SocketAddrV4::new(SERVER, 80), REQUEST)),
        Box::new(HttpServer::new(80, "text/html", body)),
    );
    // The client delays its ACKs, as common stacks do (RFC 9293 §3.8.6.3),
    // but acknowledges at least every second segment: of the two response
    // segments arriving back to back, the second is acknowledged at once,
    // and one cumulative ACK covers both.
    s.client.delayed_ack = Some(CLIENT_ACK_DELAY);
    s.limit = Duration::from_secs(300);
    s
}

/// How long the story's client holds an ACK (Linux's shortest, 40 ms).
pub const CLIENT_ACK_DELAY: Duration = Duration::from_millis(40);
