//! IPv4 header (RFC 791), 20 bytes, no options emitted.

use super::WireError;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 20;
pub const PROTOCOL_TCP: u8 = 6;

/// A zero-copy view over an IPv4 header and payload.
#[derive(Debug, Clone)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Checks lengths (buffer, IHL, total length) so that every accessor is
    /// in bounds. Does not verify the checksum (`Ipv4Repr::parse` does).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let _ = &buffer;
        todo!("wire helper")
    }
}

impl<'a> Ipv4Packet<&'a [u8]> {
    /// The TCP segment: bytes from the end of the header to total length,
    /// borrowed for as long as the underlying buffer.
    pub fn payload(&self) -> &'a [u8] {
        todo!("wire helper")
    }
}

/// The IPv4 header fields the simulator sets. Protocol is always TCP and
/// lengths are computed on emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ipv4Repr {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ident: u16,
    pub ttl: u8,
    /// DSCP (6 bits) and ECN (2 bits), the old TOS byte.
    pub dscp_ecn: u8,
    pub dont_fragment: bool,
}

impl Ipv4Repr {
    /// Verifies version, header checksum, protocol = TCP and no fragmentation.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Result<Ipv4Repr, WireError> {
        let _ = packet;
        todo!("wire helper")
    }

    /// Writes the 20-byte header (with checksum) for a payload of `payload_len`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Ipv4Packet<T>,
        payload_len: usize,
    ) {
        let _ = (packet, payload_len);
        todo!("wire helper")
    }
}
