//! One line per header field, in our words, for the header inspector. The
//! engine names the fields and gives their values; this says what they mean.

use tcpsim::tcp::MODERN;
use tcpsim::wire::fields::Layer;

pub fn meaning(layer: Layer, name: &str) -> &'static str {
    #[cfg(feature = "full")]
    if layer == Layer::Ipv6 {
        return ipv6_meaning(name);
    }
    let _ = layer;
    match name {
        "Version" => "IP version: 4.",
        "IHL" => "IPv4 header length, in 32-bit words (5 = 20 bytes, no options).",
        "DSCP/ECN" => "Traffic class and congestion-notification bits; 0 means ordinary traffic.",
        "Total length" => "Bytes in the whole datagram: IP header + TCP header + data.",
        "Identification" => "Labels the datagram so fragments of it could be put back together.",
        "Flags" => "DF = don't fragment (routers must not split it); MF = more fragments follow.",
        "Fragment offset" => "Where this fragment belongs in the original datagram; 0 when not fragmented.",
        "TTL" => "Time to live: each router subtracts one and drops the datagram at zero.",
        "Protocol" => "What the IP payload is: 6 means TCP.",
        "Header checksum" => "Lets the receiver detect damage to the IPv4 header (not the data).",
        "Source address" => "The IPv4 address of the sender.",
        "Destination address" => "The IPv4 address of the receiver.",
        "IP options" => "Rarely used extra IPv4 header fields.",
        "Source port" => "The sending application's port.",
        "Destination port" => "The receiving application's port (80 is HTTP's).",
        "Sequence number" => "Number of the first data byte here (or of the SYN/FIN, which use one number each).",
        "Acknowledgment number" => "The next byte the sender expects from the other side; valid when ACK is set.",
        "Data offset" => "TCP header length in 32-bit words, options included; data starts after it.",
        "Reserved" => "Unused bits, always zero.",
        "CWR" => "Congestion window reduced: the sender slowed down after an ECN echo.",
        "ECE" => "ECN echo: the network signalled congestion.",
        "URG" => "The urgent pointer is meaningful (almost never used).",
        "ACK" => "The acknowledgment number is valid. Set on every segment once the first SYN has been answered, except some RSTs.",
        "PSH" => "Push: hand the data to the application now rather than waiting for more.",
        "RST" => "Reset: abort the connection at once.",
        "SYN" => "Synchronize: open a connection and announce the initial sequence number.",
        "FIN" => "Finish: the sender has no more data to send.",
        "Window" => "How many more bytes the sender of this segment can receive (before scaling).",
        "Checksum" => "Covers the TCP header, the data and a pseudo-header: both addresses, the protocol and the TCP length (RFC 9293 §3.1).",
        "Urgent pointer" => "Where urgent data ends, when URG is set; otherwise 0.",
        "Maximum segment size" => "Option: the largest data size this side wants to receive in one segment.",
        "Window scale" => "Option: every window after the SYNs is multiplied by 2^shift, for windows over 64 KB (RFC 7323).",
        "SACK permitted" => "Option: this side understands selective acknowledgments.",
        // Only builds with modern TCP send these (`tcpsim::tcp::MODERN`).
        "SACK blocks" if MODERN => "Option: ranges received beyond a gap, so only the gap is resent (RFC 2018).",
        "SACK block" if MODERN => {
            "First byte held beyond the gap, and the byte after the last. The first block holds the newest arrival."
        }
        "Timestamps" if MODERN => "Option: times for measuring round trips and telling old segments apart (RFC 7323).",
        "TSval" if MODERN => "The sender's clock when it sent this segment.",
        "TSecr" if MODERN => "Echo of the latest TSval received: now minus this is a round trip.",
        "No-operation (NOP)" => "Option padding, so the next option starts on a 4-byte boundary.",
        "End of options" => "Marks the end of the options; the rest is padding.",
        "Payload" => "The application's data.",
        _ => "An option this page does not explain.",
    }
}

/// The IPv6 header's fields (RFC 8200 §3), which only captures bring.
#[cfg(feature = "full")]
fn ipv6_meaning(name: &str) -> &'static str {
    match name {
        "Version" => "IP version: 6.",
        "Traffic class" => "Priority and congestion-notification bits, as IPv4's DSCP/ECN; 0 means ordinary traffic.",
        "Flow label" => {
            "Lets routers keep the packets of one flow on one path; 0 when the sender does not label flows."
        }
        "Payload length" => "Bytes after this 40-byte header: TCP header + data.",
        "Next header" => "What follows this header: 6 means TCP.",
        "Hop limit" => "IPv6's TTL: each router subtracts one and drops the packet at zero.",
        "Source address" => "The IPv6 address of the sender.",
        "Destination address" => "The IPv6 address of the receiver.",
        _ => "",
    }
}
