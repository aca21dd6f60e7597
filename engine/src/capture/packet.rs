//! A captured frame's TCP segment: the link layer (Ethernet with VLAN tags,
//! Linux cooked capture v1 and v2, raw IP, BSD loopback) taken off, and
//! the IPv4 or IPv6 and TCP headers read by `etherparse` (lax, so that a
//! packet cut short by the snap length still yields its headers).

use super::file::Frame;
use crate::wire::TcpFlags;
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// A TCP segment as a capture shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpPacket {
    pub frame: usize,
    pub time_us: i64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// As sent, not scaled.
    pub window: u16,
    /// Payload bytes the IP header declares (more than captured if cut short).
    pub len: u32,
    /// The window scale option, on a SYN.
    pub window_scale: Option<u8>,
    /// The SACK option's blocks (RFC 2018), left and right edges.
    pub sack: Vec<(u32, u32)>,
    /// `Some(false)`: the checksum is wrong (often offloaded on the sending
    /// host); `None`: not checkable (the packet was cut short).
    pub checksum_ok: Option<bool>,
    /// Where the IP header starts in the frame's bytes.
    pub ip_at: usize,
}

/// Why a frame holds no TCP segment to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// A link type this reader does not know.
    UnsupportedLink(u16),
    /// Not IP, or IP carrying something other than TCP.
    NotTcp,
    /// An IP fragment: TCP's header is in the first one only, and the
    /// segment is not reassembled.
    Fragment,
    /// Headers cut short or malformed.
    Unreadable,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skipped::UnsupportedLink(t) => write!(f, "link type {t} is not supported"),
            Skipped::NotTcp => write!(f, "not TCP"),
            Skipped::Fragment => write!(f, "an IP fragment (not reassembled)"),
            Skipped::Unreadable => write!(f, "headers cut short or malformed"),
        }
    }
}

const ETHERNET: u16 = 1;
const NULL: u16 = 0;
const LOOP: u16 = 108;
const RAW: [u16; 3] = [101, 12, 14];
const IPV4: u16 = 228;
const IPV6: u16 = 229;
const LINUX_SLL: u16 = 113;
const LINUX_SLL2: u16 = 276;

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// The frame's IP layer and above.
fn sliced<'a>(frame: &Frame<'a>) -> Result<LaxSlicedPacket<'a>, Skipped> {
    let d = frame.data;
    let after = |n: usize| d.get(n..).ok_or(Skipped::Unreadable);
    match frame.linktype {
        ETHERNET => LaxSlicedPacket::from_ethernet(d).map_err(|_| Skipped::Unreadable),
        // Cooked captures end their header with the EtherType.
        LINUX_SLL => Ok(LaxSlicedPacket::from_ether_type(
            EtherType(be16(d, 14).ok_or(Skipped::Unreadable)?),
            after(16)?,
        )),
        LINUX_SLL2 => Ok(LaxSlicedPacket::from_ether_type(
            EtherType(be16(d, 0).ok_or(Skipped::Unreadable)?),
            after(20)?,
        )),
        // The address family word is in the capturing host's byte order;
        // the IP version nibble says the same more simply.
        NULL | LOOP => LaxSlicedPacket::from_ip(after(4)?).map_err(|_| Skipped::Unreadable),
        t if RAW.contains(&t) || t == IPV4 || t == IPV6 => LaxSlicedPacket::from_ip(d).map_err(|_| Skipped::Unreadable),
        t => Err(Skipped::UnsupportedLink(t)),
    }
}

/// Reads the TCP segment in `frame`.
pub fn decode(frame: &Frame<'_>) -> Result<TcpPacket, Skipped> {
    let packet = sliced(frame)?;
    let (src, dst, payload, declared, header) = match &packet.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let declared = usize::from(h.total_len()).checked_sub(usize::from(h.ihl()) * 4);
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                ip.payload(),
                declared,
                h.slice(),
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                ip.payload(),
                None,
                h.slice(),
            )
        }
        _ => return Err(Skipped::NotTcp),
    };
    // The header is a slice of the frame's bytes: its offset is the
    // difference of their addresses.
    let ip_at = (header.as_ptr() as usize).saturating_sub(frame.data.as_ptr() as usize);
    if payload.ip_number != etherparse::IpNumber::TCP {
        return Err(Skipped::NotTcp);
    }
    if payload.fragmented {
        return Err(Skipped::Fragment);
    }
    let Some(TransportSlice::Tcp(tcp)) = &packet.transport else {
        return Err(Skipped::Unreadable);
    };
    // A TSO capture declares length 0: then what was captured is all there is.
    let ip_len = match declared {
        Some(n) if payload.incomplete && n > 0 => n,
        _ => payload.payload.len(),
    };
    let len = ip_len.saturating_sub(tcp.header_len()) as u32;
    let checksum_ok = (!payload.incomplete && !frame.truncated)
        .then(|| match &packet.net {
            Some(LaxNetSlice::Ipv4(ip)) => {
                let h = ip.header();
                tcp.calc_checksum_ipv4(h.source(), h.destination()).ok()
            }
            Some(LaxNetSlice::Ipv6(ip)) => {
                let h = ip.header();
                tcp.calc_checksum_ipv6(h.source(), h.destination()).ok()
            }
            _ => None,
        })
        .flatten()
        .map(|sum| sum == tcp.checksum());
    let window_scale = tcp.options_iterator().find_map(|o| match o {
        Ok(etherparse::TcpOptionElement::WindowScale(s)) => Some(s),
        _ => None,
    });
    let sack = tcp
        .options_iterator()
        .find_map(|o| match o {
            Ok(etherparse::TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                Some([Some(first)].into_iter().chain(rest).flatten().collect())
            }
            _ => None,
        })
        .unwrap_or_default();
    let mut flags = TcpFlags(0);
    for (on, flag) in [
        (tcp.fin(), TcpFlags::FIN),
        (tcp.syn(), TcpFlags::SYN),
        (tcp.rst(), TcpFlags::RST),
        (tcp.psh(), TcpFlags::PSH),
        (tcp.ack(), TcpFlags::ACK),
        (tcp.urg(), TcpFlags::URG),
    ] {
        flags.set(flag, on);
    }
    Ok(TcpPacket {
        frame: frame.number,
        time_us: frame.time_us,
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags,
        window: tcp.window_size(),
        len,
        window_scale,
        sack,
        checksum_ok,
        ip_at,
    })
}
