//! `curl http://10.0.2.10/`: the twelve-packet default story.

use super::apps::{HttpClient, HttpServer};
use super::{Scenario, Setup};
use crate::net::{App, LinkConfig};
use crate::tcp::{Config, IsnPolicy};
use crate::time::Duration;
use std::net::Ipv4Addr;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);

pub const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 10.0.2.10\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
pub const BODY: &[u8] =
    b"<!doctype html>\n<html><head><title>Hello</title></head>\n<body><p>Hello from 10.0.2.10!</p></body></html>\n";

pub const SCENARIO: Scenario = Scenario {
    id: "curl",
    title: "One HTTP request, twelve packets",
    summary: "curl fetches a page: three-way handshake, request, response in two writes, four-segment close",
    setup,
};

/// The teaching hosts: client ISN 1000, server ISN 4500, 25 ms each way.
pub fn hosts() -> (Config, Config) {
    let client = Config {
        addr: CLIENT,
        isn: IsnPolicy::Fixed(1000),
        recv_buffer: 65535,
        ..Config::default()
    };
    let server = Config {
        addr: SERVER,
        isn: IsnPolicy::Fixed(4500),
        recv_buffer: 65535,
        ip_ident: 1,
        ..Config::default()
    };
    (client, server)
}

fn setup() -> Setup {
    web(BODY)
}

/// The default story's hosts and wire, with the server answering `body`:
/// the starting point of most lessons, which then add a fault or a switch.
pub fn web(body: &[u8]) -> Setup {
    let mut s = pair(
        Box::new(HttpClient::new((SERVER, 80), REQUEST)),
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

/// The teaching hosts on a plain 25 ms wire, running these applications.
pub fn pair(client_app: Box<dyn App>, server_app: Box<dyn App>) -> Setup {
    let (client, server) = hosts();
    Setup {
        client,
        server,
        c2s: LinkConfig::default(),
        s2c: LinkConfig::default(),
        faults: Vec::new(),
        client_app,
        server_app,
        limit: Duration::from_secs(120),
    }
}

/// A page body of `len` bytes, readable in a hex dump.
pub fn page(len: usize) -> Vec<u8> {
    let line = b"<p>TCP delivers every byte, in order, exactly once.</p>\n";
    line.iter().copied().cycle().take(len).collect()
}
