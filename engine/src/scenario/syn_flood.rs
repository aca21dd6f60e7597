//! `syn-flood` and `syn-flood-cookies`: forged SYNs from addresses that
//! never answer fill the server's backlog of half-open connections, so a
//! real client's SYNs are dropped. With SYN cookies the server keeps no
//! state for a SYN: the real client gets through.

use super::apps::{HttpClient, SynInjector};
use super::curl::{web, REQUEST};
use super::teaching::SERVER;
use super::{Scenario, Setup};
use std::net::{Ipv4Addr, SocketAddrV4};

pub const SCENARIO: Scenario = Scenario {
    id: "syn-flood",
    title: "SYN flood",
    modern: false,
    setup,
};

pub const WITH_COOKIES: Scenario = Scenario {
    id: "syn-flood-cookies",
    title: "SYN flood, with SYN cookies",
    modern: false,
    setup: setup_with_cookies,
};

/// Half-open connections the server keeps.
const BACKLOG: usize = 8;

fn setup() -> Setup {
    let mut s = web(super::curl::BODY);
    s.server.backlog = BACKLOG;
    // 203.0.113.0/24 is reserved for documentation: nobody answers.
    let forged = (0..BACKLOG as u8)
        .map(|i| {
            (
                Ipv4Addr::new(203, 0, 113, 10 + i),
                40_000 + u16::from(i),
                7_000 * u32::from(i),
            )
        })
        .collect();
    s.client_app = Box::new(SynInjector {
        syns: forged,
        to: (SERVER, 80),
        then: Box::new(HttpClient::new(SocketAddrV4::new(SERVER, 80), REQUEST)),
    });
    s
}

fn setup_with_cookies() -> Setup {
    let mut s = setup();
    s.server.syn_cookies = true;
    s
}
