//! A capture file's packets: legacy pcap (either byte order, microsecond
//! or nanosecond timestamps) and pcapng (any number of sections and
//! interfaces; enhanced, simple and obsolete packet blocks). The blocks are
//! parsed by `pcap-parser`; this loop reads them one at a time, because its
//! whole-file helpers read big-endian pcap records as little-endian and
//! drop a truncated tail without a word.

use pcap_parser::nom::Err as NomErr;
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};
use pcap_parser::{parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, parse_pcap_header};
use std::fmt;

/// One captured packet, as the file holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// 1-based, in file order (Wireshark's frame number).
    pub number: usize,
    /// Microseconds since the Unix epoch (or whatever the capture's clock).
    pub time_us: i64,
    /// The link type (LINKTYPE_* number) of its interface.
    pub linktype: u16,
    /// The captured bytes: fewer than on the wire if `truncated`.
    pub data: &'a [u8],
    pub truncated: bool,
}

/// Why a file is not (wholly) a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// Neither pcap's nor pcapng's magic number.
    NotACapture,
    /// The file ends inside a record: the packets before it are kept.
    Truncated { offset: usize },
    /// A record whose lengths do not add up.
    Corrupt { offset: usize },
    /// A packet block names an interface the file never described.
    UnknownInterface { offset: usize, interface: u32 },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotACapture => write!(f, "this is not a pcap or pcapng capture file"),
            FileError::Truncated { offset } => write!(
                f,
                "the file is cut short at byte {offset}: the packets before it are shown"
            ),
            FileError::Corrupt { offset } => write!(
                f,
                "the file is damaged at byte {offset}: the packets before it are shown"
            ),
            FileError::UnknownInterface { offset, interface } => {
                write!(
                    f,
                    "the packet at byte {offset} names interface {interface}, which the file never describes"
                )
            }
        }
    }
}

/// The packets read, and what stopped the reading early, if anything.
#[derive(Clone, Debug, Default)]
pub struct Packets<'a> {
    pub frames: Vec<Frame<'a>>,
    pub problem: Option<FileError>,
}

/// Reads every packet of `bytes`. Only a file that is not a capture at all
/// is an error; damage part-way keeps what came before it.
pub fn read(bytes: &[u8]) -> Result<Packets<'_>, FileError> {
    match bytes.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => Ok(read_pcapng(bytes)),
        Some(_) => read_pcap(bytes),
        None => Err(FileError::NotACapture),
    }
}

fn stop<E>(e: &NomErr<E>, offset: usize) -> FileError {
    match e {
        NomErr::Incomplete(_) => FileError::Truncated { offset },
        _ => FileError::Corrupt { offset },
    }
}

fn read_pcap(bytes: &[u8]) -> Result<Packets<'_>, FileError> {
    let (mut rest, header) = parse_pcap_header(bytes).map_err(|_| FileError::NotACapture)?;
    // The upper 16 bits of the link type field may carry flags.
    let linktype = (header.network.0 & 0xffff) as u16;
    let nanos = header.is_nanosecond_precision();
    let mut packets = Packets::default();
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let parsed = if header.is_modified_format() {
            parse_pcap_frame_modified(rest)
        } else if header.is_bigendian() {
            parse_pcap_frame_be(rest)
        } else {
            parse_pcap_frame(rest)
        };
        let (next, block) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                packets.problem = Some(stop(&e, offset));
                break;
            }
        };
        let fraction = i64::from(block.ts_usec);
        packets.frames.push(Frame {
            number: packets.frames.len() + 1,
            time_us: i64::from(block.ts_sec) * 1_000_000 + if nanos { fraction / 1000 } else { fraction },
            linktype,
            data: block.data,
            truncated: block.caplen < block.origlen,
        });
        rest = next;
    }
    Ok(packets)
}

/// An interface of a pcapng section: its link type and clock.
#[derive(Clone, Copy)]
struct Interface {
    linktype: u16,
    /// Timestamp units per second (if_tsresol).
    units: u128,
    offset_s: i64,
    snaplen: u32,
}

fn read_pcapng(bytes: &[u8]) -> Packets<'_> {
    let mut packets = Packets::default();
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut big_endian = false;
    let mut rest = bytes;
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        // A block is at least 12 bytes; shorter lengths are damage (and
        // would underflow inside the parser).
        if rest.len() < 12 {
            packets.problem = Some(FileError::Truncated { offset });
            break;
        }
        // A section header says its own byte order.
        if rest[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            big_endian = rest[8..12] == [0x1a, 0x2b, 0x3c, 0x4d];
        }
        let len = if big_endian {
            u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]])
        } else {
            u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]])
        };
        if len < 12 || len % 4 != 0 {
            packets.problem = Some(FileError::Corrupt { offset });
            break;
        }
        let parsed = if big_endian {
            parse_block_be(rest)
        } else {
            parse_block_le(rest)
        };
        let (next, block) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                packets.problem = Some(stop(&e, offset));
                break;
            }
        };
        rest = next;
        let (interface, ts, caplen, origlen, data) = match block {
            Block::SectionHeader(_) => {
                interfaces.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                let n = u32::from(idb.if_tsresol & 0x7f);
                let units = if idb.if_tsresol & 0x80 == 0 {
                    10u128.checked_pow(n)
                } else {
                    2u128.checked_pow(n)
                };
                interfaces.push(Interface {
                    linktype: (idb.linktype.0 & 0xffff) as u16,
                    units: units.unwrap_or(1_000_000).max(1),
                    offset_s: idb.if_tsoffset,
                    snaplen: idb.snaplen,
                });
                continue;
            }
            Block::EnhancedPacket(epb) => (
                epb.if_id,
                Some((u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low)),
                epb.caplen,
                epb.origlen,
                epb.data,
            ),
            // No timestamp; always the first interface.
            Block::SimplePacket(spb) => (0, None, spb.origlen, spb.origlen, spb.data),
            // The obsolete Packet Block (type 2): if_id u16, drops u16, then as an EPB.
            Block::Unknown(b) if b.block_type == 2 || b.block_type == 0x0200_0000 => {
                let d = b.data;
                if d.len() < 20 {
                    packets.problem = Some(FileError::Corrupt { offset });
                    break;
                }
                let word = |i: usize| {
                    let w = [d[i], d[i + 1], d[i + 2], d[i + 3]];
                    if big_endian {
                        u32::from_be_bytes(w)
                    } else {
                        u32::from_le_bytes(w)
                    }
                };
                let if_id = if big_endian {
                    u16::from_be_bytes([d[0], d[1]])
                } else {
                    u16::from_le_bytes([d[0], d[1]])
                };
                (
                    u32::from(if_id),
                    Some((u64::from(word(4)) << 32) | u64::from(word(8))),
                    word(12),
                    word(16),
                    &d[20..],
                )
            }
            _ => continue,
        };
        let Some(iface) = interfaces.get(interface as usize).copied() else {
            packets.problem = Some(FileError::UnknownInterface { offset, interface });
            break;
        };
        let mut caplen = caplen.min(data.len() as u32);
        if iface.snaplen > 0 {
            caplen = caplen.min(iface.snaplen);
        }
        let time_us = ts.map_or(0, |ts| {
            let us = u128::from(ts) * 1_000_000 / iface.units;
            (us.min(i64::MAX as u128) as i64).saturating_add(iface.offset_s.saturating_mul(1_000_000))
        });
        packets.frames.push(Frame {
            number: packets.frames.len() + 1,
            time_us,
            linktype: iface.linktype,
            data: &data[..caplen as usize],
            truncated: caplen < origlen,
        });
    }
    packets
}
