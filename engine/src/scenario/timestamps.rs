//! `timestamps`: a response between hosts set up as Linux is, so every
//! segment carries TSval and TSecr (RFC 7323). Each ACK's echo dates the
//! data it covers: a round-trip sample per ACK, even for resent data. One
//! segment is held back on the wire long enough to be resent; when the
//! original copy finally arrives, its timestamp is older than the last one
//! the client accepted, and PAWS drops it as an old duplicate.

use super::curl::web;
use super::teaching::page;
use super::{Scenario, Setup};
use crate::net::{FaultAction, ScriptedFault, Side};
use crate::tcp::Profile;
use crate::time::Duration;

pub const SCENARIO: Scenario = Scenario {
    id: "timestamps",
    title: "Timestamps: a round trip from every ACK, and PAWS",
    modern: true,
    setup: super::modern(setup),
};

pub const BODY: usize = 16 * 1448;

fn setup() -> Setup {
    let mut s = web(&page(BODY)).with_profile(Profile::ModernLinux);
    // The server's datagrams: SYN-ACK, then the response; its fourth
    // segment is held back for 80 ms: it arrives after its resend.
    s.faults.push(ScriptedFault {
        from: Side::Server,
        nth: 5,
        action: FaultAction::Delay(Duration::from_millis(80)),
    });
    s
}
