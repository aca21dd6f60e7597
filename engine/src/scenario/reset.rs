//! `reset`: the client aborts in the middle of a download; its TCP sends
//! RST, and the server's application sees "connection reset".

use super::apps::HttpClient;
use super::curl::{web, REQUEST};
use super::teaching::{page, SERVER};
use super::{Scenario, Setup};
use std::net::SocketAddrV4;

pub const SCENARIO: Scenario = Scenario {
    id: "reset",
    title: "Connection reset",
    modern: false,
    setup,
};

fn setup() -> Setup {
    let mut s = web(&page(8 * 1460));
    // Stops after the first flight of the response (a user pressing stop).
    s.client_app = Box::new(HttpClient::new(SocketAddrV4::new(SERVER, 80), REQUEST).abort_after(2000));
    s
}
