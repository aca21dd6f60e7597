//! The teaching hosts every lesson starts from: client 10.0.1.5 with ISN
//! 1000, server 10.0.2.10 with ISN 4500, 25 ms apart, and the readable page
//! bodies they send.

use super::Setup;
use crate::net::{App, LinkConfig};
use crate::tcp::{Config, IsnPolicy};
use crate::time::Duration;
use std::net::Ipv4Addr;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);

/// The teaching hosts' TCP settings, (client, server).
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
    let mut page = Vec::with_capacity(len);
    while page.len() < len {
        let n = line.len().min(len - page.len());
        page.extend_from_slice(&line[..n]);
    }
    page
}
