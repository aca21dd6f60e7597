//! Named byte ranges of every header field, for a header inspector: each
//! field's value in words and where its bytes are, so hovering a field can
//! highlight its bytes and the reverse.

use super::ipv4::{self, Ipv4Packet};
use super::tcp::{self, kind, TcpFlags, TcpPacket};
use super::{checksum, WireError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Ipv4,
    Ipv6,
    Tcp,
    Payload,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub layer: Layer,
    pub name: String,
    /// Byte range in the datagram, end exclusive.
    pub start: usize,
    pub end: usize,
    /// For fields narrower than their bytes: (first bit, bit count), bit 0
    /// being the most significant bit of `start`'s byte.
    pub bits: Option<(u8, u8)>,
    pub value: String,
}

struct Fields(Vec<Field>);

impl Fields {
    fn add(&mut self, layer: Layer, name: &str, range: core::ops::Range<usize>, value: String) {
        self.0.push(Field {
            layer,
            name: name.to_string(),
            start: range.start,
            end: range.end,
            bits: None,
            value,
        });
    }

    fn bits(&mut self, layer: Layer, name: &str, byte: usize, bits: (u8, u8), value: String) {
        self.0.push(Field {
            layer,
            name: name.to_string(),
            start: byte,
            end: byte + 1,
            bits: Some(bits),
            value,
        });
    }
}

fn verified(ok: bool) -> &'static str {
    if ok {
        "correct"
    } else {
        "WRONG"
    }
}

/// Every field of an IPv4 datagram carrying TCP, in wire order. Works on
/// datagrams whose checksums are wrong (a corrupted datagram must still be
/// inspectable) but not on structurally malformed ones.
pub fn describe(datagram: &[u8]) -> Result<Vec<Field>, WireError> {
    // Only captures bring IPv6: the engine itself speaks IPv4.
    #[cfg(feature = "capture")]
    if datagram.first().is_some_and(|b| b >> 4 == 6) {
        return describe_ipv6(datagram);
    }
    use Layer::Ipv4;
    let ip = Ipv4Packet::new_checked(datagram)?;
    if ip.protocol() != ipv4::PROTOCOL_TCP {
        return Err(WireError::NotTcp(ip.protocol()));
    }
    let mut f = Fields(Vec::new());
    f.bits(Ipv4, "Version", 0, (0, 4), ip.version().to_string());
    f.bits(
        Ipv4,
        "IHL",
        0,
        (4, 4),
        format!("{} ({} bytes)", ip.ihl(), ip.header_len()),
    );
    f.add(Ipv4, "DSCP/ECN", 1..2, format!("0x{:02x}", ip.dscp_ecn()));
    f.add(Ipv4, "Total length", 2..4, format!("{} bytes", ip.total_len()));
    f.add(
        Ipv4,
        "Identification",
        4..6,
        format!("0x{:04x} ({})", ip.ident(), ip.ident()),
    );
    let mut flags = Vec::new();
    if ip.dont_fragment() {
        flags.push("DF");
    }
    if ip.more_fragments() {
        flags.push("MF");
    }
    let flags = if flags.is_empty() {
        "none".to_string()
    } else {
        flags.join(", ")
    };
    f.bits(Ipv4, "Flags", 6, (0, 3), flags);
    f.add(Ipv4, "Fragment offset", 6..8, ip.frag_offset().to_string());
    f.0.last_mut().expect("just added").bits = Some((3, 13));
    f.add(Ipv4, "TTL", 8..9, ip.ttl().to_string());
    f.add(Ipv4, "Protocol", 9..10, format!("{} (TCP)", ip.protocol()));
    f.add(
        Ipv4,
        "Header checksum",
        10..12,
        format!("0x{:04x} ({})", ip.checksum(), verified(ip.verify_checksum())),
    );
    f.add(Ipv4, "Source address", 12..16, ip.src().to_string());
    f.add(Ipv4, "Destination address", 16..20, ip.dst().to_string());
    if ip.header_len() > ipv4::HEADER_LEN {
        f.add(
            Ipv4,
            "IP options",
            ipv4::HEADER_LEN..ip.header_len(),
            format!("{} bytes", ip.header_len() - 20),
        );
    }

    let pseudo = checksum::pseudo_header(ip.src(), ip.dst(), ipv4::PROTOCOL_TCP, ip.payload().len());
    describe_tcp(f, ip.header_len(), ip.payload(), pseudo)
}

/// An IPv6 datagram (as a capture holds it) carrying TCP right after the
/// fixed header (RFC 8200 §3).
#[cfg(feature = "capture")]
fn describe_ipv6(d: &[u8]) -> Result<Vec<Field>, WireError> {
    use Layer::Ipv6;
    const HEADER: usize = 40;
    let header = d.get(..HEADER).ok_or(WireError::Truncated)?;
    if header[6] != ipv4::PROTOCOL_TCP {
        return Err(WireError::NotTcp(header[6]));
    }
    let be16 = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
    let address = |at: usize| {
        let mut a = [0u8; 16];
        a.copy_from_slice(&header[at..at + 16]);
        std::net::Ipv6Addr::from(a).to_string()
    };
    let payload_len = usize::from(be16(4));
    let segment = d.get(HEADER..HEADER + payload_len).ok_or(WireError::Truncated)?;
    let mut f = Fields(Vec::new());
    f.bits(Ipv6, "Version", 0, (0, 4), (header[0] >> 4).to_string());
    let class = (header[0] & 0x0f) << 4 | header[1] >> 4;
    f.add(Ipv6, "Traffic class", 0..2, format!("0x{class:02x}"));
    f.0.last_mut().expect("just added").bits = Some((4, 8));
    let flow = u32::from(header[1] & 0x0f) << 16 | u32::from(be16(2));
    f.add(Ipv6, "Flow label", 1..4, format!("0x{flow:05x}"));
    f.0.last_mut().expect("just added").bits = Some((4, 20));
    f.add(Ipv6, "Payload length", 4..6, format!("{payload_len} bytes"));
    f.add(Ipv6, "Next header", 6..7, format!("{} (TCP)", header[6]));
    f.add(Ipv6, "Hop limit", 7..8, header[7].to_string());
    f.add(Ipv6, "Source address", 8..24, address(8));
    f.add(Ipv6, "Destination address", 24..40, address(24));
    // The pseudo-header of RFC 8200 §8.1: addresses, length, next header.
    let pseudo = checksum::accumulate(0, &header[8..40]) + payload_len as u32 + u32::from(ipv4::PROTOCOL_TCP);
    describe_tcp(f, HEADER, segment, pseudo)
}

/// The TCP header and payload, at `base` in the datagram; `pseudo` is the
/// checksum's pseudo-header sum.
fn describe_tcp(mut f: Fields, base: usize, segment: &[u8], pseudo: u32) -> Result<Vec<Field>, WireError> {
    use Layer::Tcp;
    let tcp = TcpPacket::new_checked(segment)?;
    let at = |r: core::ops::Range<usize>| base + r.start..base + r.end;
    f.add(Tcp, "Source port", at(tcp::field::SRC_PORT), tcp.src_port().to_string());
    f.add(
        Tcp,
        "Destination port",
        at(tcp::field::DST_PORT),
        tcp.dst_port().to_string(),
    );
    f.add(Tcp, "Sequence number", at(tcp::field::SEQ), tcp.seq().to_string());
    f.add(Tcp, "Acknowledgment number", at(tcp::field::ACK), tcp.ack().to_string());
    let offset = base + tcp::field::OFFSET;
    f.bits(
        Tcp,
        "Data offset",
        offset,
        (0, 4),
        format!("{} ({} bytes)", tcp.data_offset(), tcp.header_len()),
    );
    f.bits(Tcp, "Reserved", offset, (4, 4), tcp.reserved().to_string());
    for (i, (flag, name)) in TcpFlags::ALL.iter().enumerate() {
        let set = if tcp.flags().contains(*flag) { "1 (set)" } else { "0" };
        f.bits(Tcp, name, base + tcp::field::FLAGS, (i as u8, 1), set.to_string());
    }
    f.add(Tcp, "Window", at(tcp::field::WINDOW), tcp.window().to_string());
    let ok = checksum::finish(checksum::accumulate(pseudo, segment)) == 0;
    f.add(
        Tcp,
        "Checksum",
        at(tcp::field::CHECKSUM),
        format!("0x{:04x} ({})", tcp.checksum(), verified(ok)),
    );
    f.add(Tcp, "Urgent pointer", at(tcp::field::URGENT), tcp.urgent().to_string());
    describe_options(&mut f, base + tcp::HEADER_LEN, tcp.options())?;
    let payload_start = base + tcp.header_len();
    if payload_start < base + segment.len() {
        let len = segment.len() - tcp.header_len();
        f.add(
            Layer::Payload,
            "Payload",
            payload_start..base + segment.len(),
            format!("{len} bytes"),
        );
    }
    Ok(f.0)
}

fn describe_options(f: &mut Fields, start: usize, options: &[u8]) -> Result<(), WireError> {
    let mut i = 0;
    while i < options.len() {
        let k = options[i];
        if k == kind::EOL {
            f.add(
                Layer::Tcp,
                "End of options",
                start + i..start + options.len(),
                "padding".to_string(),
            );
            return Ok(());
        }
        if k == kind::NOP {
            f.add(
                Layer::Tcp,
                "No-operation (NOP)",
                start + i..start + i + 1,
                "padding".to_string(),
            );
            i += 1;
            continue;
        }
        let bad = WireError::BadOption { kind: k };
        let len = *options.get(i + 1).ok_or(bad)? as usize;
        let body = options.get(i + 2..i + len).filter(|_| len >= 2).ok_or(bad)?;
        let be = |b: &[u8]| b.iter().fold(0u64, |acc, x| acc << 8 | *x as u64);
        let at = start + i;
        let (name, value) = match (k, body.len()) {
            (kind::MSS, 2) => ("Maximum segment size", format!("{} bytes", be(body))),
            (kind::WINDOW_SCALE, 1) => (
                "Window scale",
                format!("shift {} (× {})", body[0], 1u32 << body[0].min(14)),
            ),
            (kind::SACK_PERMITTED, 0) => ("SACK permitted", "yes".to_string()),
            // The kind and length, then each value as a field of its own,
            // so each can be pointed at.
            (kind::TIMESTAMPS, 8) if crate::tcp::MODERN => {
                f.add(Layer::Tcp, "Timestamps", at..at + 2, "10 bytes".to_string());
                f.add(Layer::Tcp, "TSval", at + 2..at + 6, be(&body[..4]).to_string());
                f.add(Layer::Tcp, "TSecr", at + 6..at + 10, be(&body[4..]).to_string());
                i += len;
                continue;
            }
            (kind::SACK, n) if crate::tcp::MODERN && n.is_multiple_of(8) && n > 0 => {
                f.add(Layer::Tcp, "SACK blocks", at..at + 2, format!("{} blocks", n / 8));
                for (j, block) in body.chunks_exact(8).enumerate() {
                    let (left, right) = (be(&block[..4]), be(&block[4..]));
                    let bytes = (right as u32).wrapping_sub(left as u32);
                    let from = at + 2 + 8 * j;
                    f.add(
                        Layer::Tcp,
                        "SACK block",
                        from..from + 8,
                        format!("{left}–{right} ({bytes} bytes)"),
                    );
                }
                i += len;
                continue;
            }
            (kind::TIMESTAMPS | kind::SACK, _) => ("Option", format!("kind {k}, {len} bytes")),
            _ => ("Unknown option", format!("kind {k}, {len} bytes")),
        };
        f.add(Layer::Tcp, name, at..at + len, value);
        i += len;
    }
    Ok(())
}
