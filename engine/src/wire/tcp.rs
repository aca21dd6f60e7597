//! TCP header (RFC 9293 §3.1) with options: MSS, window scale (RFC 7323),
//! SACK-permitted (RFC 2018), timestamps (RFC 7323), NOP and EOL.

use super::{SeqNumber, WireError};
use core::fmt;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 20;

/// The eight flag bits of byte 13.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Every flag with its name, in the order textbooks list them.
    pub const ALL: [(TcpFlags, &'static str); 8] = [
        (TcpFlags::CWR, "CWR"),
        (TcpFlags::ECE, "ECE"),
        (TcpFlags::URG, "URG"),
        (TcpFlags::ACK, "ACK"),
        (TcpFlags::PSH, "PSH"),
        (TcpFlags::RST, "RST"),
        (TcpFlags::SYN, "SYN"),
        (TcpFlags::FIN, "FIN"),
    ];

    pub const fn empty() -> Self {
        TcpFlags(0)
    }
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn union(self, other: TcpFlags) -> Self {
        TcpFlags(self.0 | other.0)
    }
    pub fn set(&mut self, other: TcpFlags, on: bool) {
        if on {
            self.0 |= other.0
        } else {
            self.0 &= !other.0
        }
    }
    pub fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    pub fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    pub fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    pub fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    pub fn psh(self) -> bool {
        self.contains(Self::PSH)
    }

    /// Names of the set flags, in the order textbooks write them
    /// ("SYN", "ACK" reads as "SYN, ACK").
    pub fn names(self) -> Vec<&'static str> {
        const ORDER: [(TcpFlags, &str); 8] = [
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::FIN, "FIN"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::PSH, "PSH"),
            (TcpFlags::ACK, "ACK"),
            (TcpFlags::URG, "URG"),
            (TcpFlags::ECE, "ECE"),
            (TcpFlags::CWR, "CWR"),
        ];
        ORDER
            .iter()
            .filter(|(f, _)| self.contains(*f))
            .map(|(_, n)| *n)
            .collect()
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        self.union(rhs)
    }
}

impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        if names.is_empty() {
            write!(f, "none")
        } else {
            write!(f, "{}", names.join(", "))
        }
    }
}

/// The options this stack understands. Unknown options with a valid length
/// are skipped on parse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// (TSval, TSecr)
    pub timestamps: Option<(u32, u32)>,
}

impl TcpOptions {
    /// Bytes these options take on the wire, padded to a multiple of 4.
    pub fn wire_len(&self) -> usize {
        todo!("wire helper")
    }
}

/// A zero-copy view over a TCP header, its options and payload.
#[derive(Debug, Clone)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Checks the buffer holds the fixed header and the data offset is sane.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let _ = &buffer;
        todo!("wire helper")
    }
}

impl<'a> TcpPacket<&'a [u8]> {
    /// The bytes after the header and options, borrowed from the buffer.
    pub fn payload(&self) -> &'a [u8] {
        todo!("wire helper")
    }
}

/// A TCP segment as plain values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpRepr<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: SeqNumber,
    /// Meaningful only when `flags` has ACK; emitted as-is otherwise.
    pub ack: SeqNumber,
    pub flags: TcpFlags,
    /// The raw 16-bit field (before window scaling is applied).
    pub window: u16,
    pub urgent: u16,
    pub options: TcpOptions,
    pub payload: &'a [u8],
}

impl<'a> TcpRepr<'a> {
    /// Parses and verifies the checksum over the pseudo-header.
    pub fn parse(
        packet: &TcpPacket<&'a [u8]>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<TcpRepr<'a>, WireError> {
        let _ = (packet, src, dst);
        todo!("wire helper")
    }

    /// Header length including options (a multiple of 4).
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options.wire_len()
    }

    /// Sequence space this segment occupies: payload, plus one each for SYN
    /// and FIN (RFC 9293 §3.4).
    pub fn seq_len(&self) -> usize {
        self.payload.len() + self.flags.syn() as usize + self.flags.fin() as usize
    }

    /// Writes header, options, payload and checksum into `packet`, which must
    /// be exactly `header_len() + payload.len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut TcpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) {
        let _ = (packet, src, dst);
        todo!("wire helper")
    }
}
