//! `refused`: nothing listens on the port the client asks for; the SYN is
//! answered with RST and the application sees "connection refused".

use super::apps::{HttpClient, HttpServer};
use super::curl::{hosts, REQUEST, SERVER};
use super::{Scenario, Setup};
use crate::net::LinkConfig;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "refused",
    title: "Connection refused",
    summary: "nothing listens on port 8080; the server's TCP answers the SYN with RST",
    setup,
};

fn setup() -> Setup {
    let (client, server) = hosts();
    Setup {
        client,
        server,
        c2s: LinkConfig::default(),
        s2c: LinkConfig::default(),
        faults: Vec::new(),
        client_app: Box::new(HttpClient::new((SERVER, 8080), REQUEST)),
        server_app: Box::new(HttpServer::new(80, "text/html", super::curl::BODY)),
        limit: Duration::from_secs(60),
    }
}
