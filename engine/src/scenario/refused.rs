//! `refused`: nothing listens on the port the client asks for; the SYN is
//! answered with RST and the application sees "connection refused".

use super::apps::{HttpClient, HttpServer};
use super::curl::REQUEST;
use super::teaching::{pair, SERVER};
use super::{Scenario, Setup};
use std::net::SocketAddrV4;

pub const SCENARIO: Scenario = Scenario {
    id: "refused",
    title: "Connection refused",
    modern: false,
    setup,
};

fn setup() -> Setup {
    pair(
        Box::new(HttpClient::new(SocketAddrV4::new(SERVER, 8080), REQUEST)),
        Box::new(HttpServer::new(80, "text/html", super::curl::BODY)),
    )
}
