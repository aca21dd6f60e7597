//! Wire format: IPv4 and TCP headers, options and checksums.
//!
//! Two layers, as in smoltcp: `Ipv4Packet`/`TcpPacket` are zero-copy views
//! over bytes with checked constructors (the header inspector reads fields
//! and byte ranges from them); `Ipv4Repr`/`TcpRepr` are plain values that the
//! TCP logic builds and that are parsed from and emitted into packets.

pub mod checksum;
pub mod fields;
pub mod ipv4;
pub mod seq;
pub mod tcp;

pub use ipv4::{Ipv4Packet, Ipv4Repr};
pub use seq::SeqNumber;
pub use tcp::{SackBlocks, TcpFlags, TcpOptions, TcpPacket, TcpRepr};

use core::fmt;
use serde::{Deserialize, Serialize};

/// Why a datagram could not be parsed. Every malformed input maps to one of
/// these; parsing never panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireError {
    /// Fewer bytes than a header or a length field says there are.
    Truncated,
    /// IP version field is not 4.
    BadVersion(u8),
    /// IHL below 5 (20 bytes) or past the end of the datagram.
    BadHeaderLength(u8),
    /// Total length smaller than the header or larger than the buffer.
    BadTotalLength(u16),
    /// IPv4 header checksum does not verify.
    BadIpChecksum,
    /// A fragment (MF set or offset non-zero); the simulator never fragments.
    Fragmented,
    /// Protocol field is not 6 (TCP).
    NotTcp(u8),
    /// TCP data offset below 5 or past the end of the segment.
    BadDataOffset(u8),
    /// A TCP option whose length byte is missing, below 2, past the header,
    /// or wrong for its kind (e.g. MSS with length != 4).
    BadOption { kind: u8 },
    /// TCP checksum (over the pseudo-header) does not verify.
    BadTcpChecksum,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated => write!(f, "datagram is truncated"),
            WireError::BadVersion(v) => write!(f, "IP version {v} is not 4"),
            WireError::BadHeaderLength(ihl) => write!(f, "bad IPv4 header length (IHL {ihl})"),
            WireError::BadTotalLength(n) => write!(f, "bad IPv4 total length {n}"),
            WireError::BadIpChecksum => write!(f, "IPv4 header checksum is wrong"),
            WireError::Fragmented => write!(f, "IPv4 fragments are not supported"),
            WireError::NotTcp(p) => write!(f, "IP protocol {p} is not TCP (6)"),
            WireError::BadDataOffset(d) => write!(f, "bad TCP data offset {d}"),
            WireError::BadOption { kind } => write!(f, "malformed TCP option (kind {kind})"),
            WireError::BadTcpChecksum => write!(f, "TCP checksum is wrong"),
        }
    }
}

impl std::error::Error for WireError {}

/// One IPv4 datagram carrying one TCP segment, parsed and verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    pub ip: Ipv4Repr,
    pub tcp: TcpRepr<'a>,
}

/// Parses and verifies (both checksums) a whole IPv4 datagram holding TCP.
pub fn parse_datagram(bytes: &[u8]) -> Result<Datagram<'_>, WireError> {
    let ip_packet = Ipv4Packet::new_checked(bytes)?;
    let ip = Ipv4Repr::parse(&ip_packet)?;
    let tcp_packet = TcpPacket::new_checked(ip_packet.payload())?;
    let tcp = TcpRepr::parse(&tcp_packet, ip.src, ip.dst)?;
    Ok(Datagram { ip, tcp })
}

/// Emits a whole IPv4 datagram with correct lengths and both checksums.
pub fn emit_datagram(ip: &Ipv4Repr, tcp: &TcpRepr<'_>) -> Vec<u8> {
    let tcp_len = tcp.header_len() + tcp.payload.len();
    let mut bytes = Vec::with_capacity(ipv4::HEADER_LEN + tcp_len);
    // Zero only the headers: the payload is copied once, straight in.
    bytes.resize(ipv4::HEADER_LEN + tcp.header_len(), 0);
    bytes.extend_from_slice(tcp.payload);
    ip.emit(&mut Ipv4Packet::new_unchecked(&mut bytes[..]), tcp_len);
    tcp.emit_header(
        &mut TcpPacket::new_unchecked(&mut bytes[ipv4::HEADER_LEN..]),
        ip.src,
        ip.dst,
    );
    bytes
}

/// An address as text. IPv6, which only captures bring, is written out
/// only in builds that read captures: its formatter costs a page's wasm
/// more than a kilobyte.
pub fn ip_text(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(a) => a.to_string(),
        #[cfg(feature = "capture")]
        std::net::IpAddr::V6(a) => a.to_string(),
        #[cfg(not(feature = "capture"))]
        std::net::IpAddr::V6(_) => "an IPv6 address".into(),
    }
}

/// `address:port`, with an IPv6 address in brackets (RFC 3986 §3.2.2).
pub fn endpoint_text(ip: std::net::IpAddr, port: u16) -> String {
    match ip {
        std::net::IpAddr::V4(_) => format!("{}:{port}", ip_text(ip)),
        std::net::IpAddr::V6(_) => format!("[{}]:{port}", ip_text(ip)),
    }
}
