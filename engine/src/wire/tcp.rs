//! TCP header (RFC 9293 §3.1) with options: MSS, window scale (RFC 7323),
//! SACK-permitted (RFC 2018), timestamps (RFC 7323), NOP and EOL.

use super::{checksum, SeqNumber, WireError};
use core::fmt;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 20;

/// Byte ranges of the fixed header (RFC 9293 §3.1).
pub mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    /// Data offset (4 bits) and reserved (4 bits).
    pub const OFFSET: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub mod kind {
    pub const EOL: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const WINDOW_SCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const TIMESTAMPS: u8 = 8;
}

/// Largest window-scale shift; larger values are used as 14 (RFC 7323 §2.3).
const MAX_SHIFT: u8 = 14;

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

/// Up to four SACK blocks (RFC 2018 §3): each the left edge of a block of
/// data received and the sequence number just past its right edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SackBlocks {
    len: u8,
    blocks: [(SeqNumber, SeqNumber); 4],
}

impl SackBlocks {
    pub const MAX: usize = 4;

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Adds a block if there is room; returns false when full.
    pub fn push(&mut self, left: SeqNumber, right: SeqNumber) -> bool {
        let Some(slot) = self.blocks.get_mut(self.len as usize) else {
            return false;
        };
        *slot = (left, right);
        self.len += 1;
        true
    }

    pub fn iter(&self) -> impl Iterator<Item = (SeqNumber, SeqNumber)> + '_ {
        self.blocks[..self.len as usize].iter().copied()
    }

    /// Keeps the first `n` blocks (the slots beyond stay zero, so that
    /// equal lists compare equal).
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n.min(Self::MAX) as u8);
        self.blocks[self.len as usize..].fill(Default::default());
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
    #[serde(default, skip_serializing_if = "SackBlocks::is_empty")]
    pub sack: SackBlocks,
}

impl TcpOptions {
    /// Bytes these options take on the wire, padded to a multiple of 4.
    pub fn wire_len(&self) -> usize {
        let mut n = 0;
        if self.mss.is_some() {
            n += 4;
        }
        // SACK-permitted and timestamps share a 4-byte-aligned block:
        // SACK_PERM + TS (12), NOP NOP TS (12), or NOP NOP SACK_PERM (4).
        n += match (self.sack_permitted, self.timestamps.is_some()) {
            (_, true) => 12,
            (true, false) => 4,
            (false, false) => 0,
        };
        if self.window_scale.is_some() {
            n += 4; // NOP + the 3-byte option
        }
        let blocks = self.sack_emitted();
        if blocks > 0 {
            n += 4 + 8 * blocks; // NOP NOP + kind, length, blocks
        }
        n
    }

    /// The SACK blocks that go on the wire: those that fit.
    fn sack_emitted(&self) -> usize {
        if !crate::tcp::MODERN || self.sack.is_empty() {
            return 0;
        }
        self.sack.len().min(self.sack_room())
    }

    /// SACK blocks that fit in the 40 bytes of options beside the others
    /// (RFC 2018 §3: four alone, three with timestamps).
    pub fn sack_room(&self) -> usize {
        let others = TcpOptions {
            sack: SackBlocks::default(),
            ..*self
        };
        (40usize.saturating_sub(others.wire_len() + 4) / 8).min(SackBlocks::MAX)
    }

    /// Writes the options in the order Linux uses; `out` is `wire_len()` long.
    fn emit(&self, out: &mut [u8]) {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        if let Some(mss) = self.mss {
            let [hi, lo] = mss.to_be_bytes();
            put(&[kind::MSS, 4, hi, lo]);
        }
        match (self.sack_permitted, self.timestamps) {
            (sack, Some((val, ecr))) => {
                put(if sack {
                    &[kind::SACK_PERMITTED, 2]
                } else {
                    &[kind::NOP, kind::NOP]
                });
                put(&[kind::TIMESTAMPS, 10]);
                put(&val.to_be_bytes());
                put(&ecr.to_be_bytes());
            }
            (true, None) => put(&[kind::NOP, kind::NOP, kind::SACK_PERMITTED, 2]),
            (false, None) => {}
        }
        if let Some(shift) = self.window_scale {
            put(&[kind::NOP, kind::WINDOW_SCALE, 3, shift]);
        }
        let blocks = self.sack_emitted();
        if blocks > 0 {
            put(&[kind::NOP, kind::NOP, kind::SACK, 2 + 8 * blocks as u8]);
            for (left, right) in self.sack.iter().take(blocks) {
                put(&left.0.to_be_bytes());
                put(&right.0.to_be_bytes());
            }
        }
    }

    /// Parses an options area. Unknown options with a sane length are skipped.
    pub fn parse(mut bytes: &[u8]) -> Result<TcpOptions, WireError> {
        let mut options = TcpOptions::default();
        while let Some((&k, rest)) = bytes.split_first() {
            match k {
                kind::EOL => break,
                kind::NOP => {
                    bytes = rest;
                    continue;
                }
                _ => {}
            }
            let bad = WireError::BadOption { kind: k };
            let len = *rest.first().ok_or(bad)? as usize;
            if len < 2 || len > bytes.len() {
                return Err(bad);
            }
            let body = &bytes[2..len];
            match (k, len) {
                (kind::MSS, 4) => options.mss = Some(u16::from_be_bytes([body[0], body[1]])),
                (kind::WINDOW_SCALE, 3) => options.window_scale = Some(body[0].min(MAX_SHIFT)),
                (kind::SACK_PERMITTED, 2) => options.sack_permitted = true,
                (kind::TIMESTAMPS, 10) => {
                    let val = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                    let ecr = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                    options.timestamps = Some((val, ecr));
                }
                (kind::SACK, _) if body.len().is_multiple_of(8) && !body.is_empty() => {
                    // Kept only by builds that use them (`tcp::MODERN`).
                    for block in body
                        .chunks_exact(8)
                        .take(SackBlocks::MAX)
                        .filter(|_| crate::tcp::MODERN)
                    {
                        let edge = |b: &[u8]| SeqNumber(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                        options.sack.push(edge(&block[..4]), edge(&block[4..]));
                    }
                }
                (kind::MSS | kind::WINDOW_SCALE | kind::SACK_PERMITTED | kind::TIMESTAMPS | kind::SACK, _) => {
                    return Err(bad)
                }
                _ => {}
            }
            bytes = &bytes[len..];
        }
        Ok(options)
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
        let packet = TcpPacket { buffer };
        let len = packet.bytes().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let offset = packet.data_offset();
        if offset < 5 || packet.header_len() > len {
            return Err(WireError::BadDataOffset(offset));
        }
        Ok(packet)
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    fn u16_at(&self, at: core::ops::Range<usize>) -> u16 {
        let b = &self.bytes()[at];
        u16::from_be_bytes([b[0], b[1]])
    }
    fn u32_at(&self, at: core::ops::Range<usize>) -> u32 {
        let b = &self.bytes()[at];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }
    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }
    pub fn seq(&self) -> SeqNumber {
        SeqNumber(self.u32_at(field::SEQ))
    }
    pub fn ack(&self) -> SeqNumber {
        SeqNumber(self.u32_at(field::ACK))
    }
    /// Header length in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.bytes()[field::OFFSET] >> 4
    }
    pub fn header_len(&self) -> usize {
        self.data_offset() as usize * 4
    }
    /// The four reserved bits after the data offset (must be zero).
    pub fn reserved(&self) -> u8 {
        self.bytes()[field::OFFSET] & 0x0f
    }
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.bytes()[field::FLAGS])
    }
    pub fn window(&self) -> u16 {
        self.u16_at(field::WINDOW)
    }
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }
    pub fn urgent(&self) -> u16 {
        self.u16_at(field::URGENT)
    }
    /// The options area, between the fixed header and the data offset.
    pub fn options(&self) -> &[u8] {
        &self.bytes()[HEADER_LEN..self.header_len()]
    }
    /// True if the checksum over the pseudo-header verifies.
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        checksum::tcp(src, dst, self.bytes()) == 0
    }
}

impl<'a> TcpPacket<&'a [u8]> {
    /// The bytes after the header and options, borrowed from the buffer.
    pub fn payload(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buffer;
        &b[self.header_len()..]
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
    pub fn parse(packet: &TcpPacket<&'a [u8]>, src: Ipv4Addr, dst: Ipv4Addr) -> Result<TcpRepr<'a>, WireError> {
        if !packet.verify_checksum(src, dst) {
            return Err(WireError::BadTcpChecksum);
        }
        Ok(TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq: packet.seq(),
            ack: packet.ack(),
            flags: packet.flags(),
            window: packet.window(),
            urgent: packet.urgent(),
            options: TcpOptions::parse(packet.options())?,
            payload: packet.payload(),
        })
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
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut TcpPacket<T>, src: Ipv4Addr, dst: Ipv4Addr) {
        let header_len = self.header_len();
        packet.buffer.as_mut()[header_len..header_len + self.payload.len()].copy_from_slice(self.payload);
        self.emit_header(packet, src, dst);
    }

    /// Writes the header and checksum of a packet whose payload is already
    /// in place after the header.
    pub(super) fn emit_header<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut TcpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) {
        let header_len = self.header_len();
        let b = packet.buffer.as_mut();
        b[field::SRC_PORT].copy_from_slice(&self.src_port.to_be_bytes());
        b[field::DST_PORT].copy_from_slice(&self.dst_port.to_be_bytes());
        b[field::SEQ].copy_from_slice(&self.seq.0.to_be_bytes());
        b[field::ACK].copy_from_slice(&self.ack.0.to_be_bytes());
        b[field::OFFSET] = ((header_len / 4) as u8) << 4;
        b[field::FLAGS] = self.flags.0;
        b[field::WINDOW].copy_from_slice(&self.window.to_be_bytes());
        b[field::CHECKSUM].copy_from_slice(&[0, 0]);
        b[field::URGENT].copy_from_slice(&self.urgent.to_be_bytes());
        self.options.emit(&mut b[HEADER_LEN..header_len]);
        let sum = checksum::tcp(src, dst, &b[..header_len + self.payload.len()]);
        b[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    }
}
