//! IPv4 header (RFC 791): 20 bytes emitted, options accepted and skipped.

use super::{checksum, WireError};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 20;
pub const PROTOCOL_TCP: u8 = 6;

/// Byte ranges of the fixed header (RFC 791 §3.1).
pub mod field {
    use core::ops::Range;
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLG_OFF: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
}

const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

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
        let packet = Ipv4Packet { buffer };
        let len = packet.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if packet.version() != 4 {
            return Err(WireError::BadVersion(packet.version()));
        }
        let ihl = packet.ihl();
        if ihl < 5 || packet.header_len() > len {
            return Err(WireError::BadHeaderLength(ihl));
        }
        let total = packet.total_len();
        if (total as usize) < packet.header_len() || total as usize > len {
            return Err(WireError::BadTotalLength(total));
        }
        Ok(packet)
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    pub fn version(&self) -> u8 {
        self.bytes()[field::VER_IHL] >> 4
    }
    /// Header length in 32-bit words.
    pub fn ihl(&self) -> u8 {
        self.bytes()[field::VER_IHL] & 0x0f
    }
    pub fn header_len(&self) -> usize {
        self.ihl() as usize * 4
    }
    pub fn dscp_ecn(&self) -> u8 {
        self.bytes()[field::DSCP_ECN]
    }
    pub fn total_len(&self) -> u16 {
        u16::from_be_bytes([self.bytes()[2], self.bytes()[3]])
    }
    pub fn ident(&self) -> u16 {
        u16::from_be_bytes([self.bytes()[4], self.bytes()[5]])
    }
    fn flags_offset(&self) -> u16 {
        u16::from_be_bytes([self.bytes()[6], self.bytes()[7]])
    }
    pub fn dont_fragment(&self) -> bool {
        self.flags_offset() & FLAG_DF != 0
    }
    pub fn more_fragments(&self) -> bool {
        self.flags_offset() & FLAG_MF != 0
    }
    /// Fragment offset in 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        self.flags_offset() & OFFSET_MASK
    }
    pub fn ttl(&self) -> u8 {
        self.bytes()[field::TTL]
    }
    pub fn protocol(&self) -> u8 {
        self.bytes()[field::PROTOCOL]
    }
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.bytes()[10], self.bytes()[11]])
    }
    pub fn src(&self) -> Ipv4Addr {
        let b = self.bytes();
        Ipv4Addr::new(b[12], b[13], b[14], b[15])
    }
    pub fn dst(&self) -> Ipv4Addr {
        let b = self.bytes();
        Ipv4Addr::new(b[16], b[17], b[18], b[19])
    }
    /// True if the header checksum verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::checksum(&self.bytes()[..self.header_len()]) == 0
    }
}

impl<'a> Ipv4Packet<&'a [u8]> {
    /// The TCP segment: bytes from the end of the header to total length,
    /// borrowed for as long as the underlying buffer.
    pub fn payload(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buffer;
        &b[self.header_len()..self.total_len() as usize]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    fn put_u16(&mut self, at: core::ops::Range<usize>, value: u16) {
        self.bytes_mut()[at].copy_from_slice(&value.to_be_bytes());
    }
    pub fn fill_checksum(&mut self) {
        self.put_u16(field::CHECKSUM, 0);
        let len = self.header_len();
        let c = checksum::checksum(&self.bytes()[..len]);
        self.put_u16(field::CHECKSUM, c);
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
        if !packet.verify_checksum() {
            return Err(WireError::BadIpChecksum);
        }
        if packet.more_fragments() || packet.frag_offset() != 0 {
            return Err(WireError::Fragmented);
        }
        if packet.protocol() != PROTOCOL_TCP {
            return Err(WireError::NotTcp(packet.protocol()));
        }
        Ok(Ipv4Repr {
            src: packet.src(),
            dst: packet.dst(),
            ident: packet.ident(),
            ttl: packet.ttl(),
            dscp_ecn: packet.dscp_ecn(),
            dont_fragment: packet.dont_fragment(),
        })
    }

    /// Writes the 20-byte header (with checksum) for a payload of `payload_len`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv4Packet<T>, payload_len: usize) {
        let total = (HEADER_LEN + payload_len).min(u16::MAX as usize) as u16;
        let b = packet.bytes_mut();
        b[field::VER_IHL] = 0x45;
        b[field::DSCP_ECN] = self.dscp_ecn;
        b[field::TTL] = self.ttl;
        b[field::PROTOCOL] = PROTOCOL_TCP;
        b[field::SRC].copy_from_slice(&self.src.octets());
        b[field::DST].copy_from_slice(&self.dst.octets());
        packet.put_u16(field::LENGTH, total);
        packet.put_u16(field::IDENT, self.ident);
        packet.put_u16(field::FLG_OFF, if self.dont_fragment { FLAG_DF } else { 0 });
        packet.fill_checksum();
    }
}
