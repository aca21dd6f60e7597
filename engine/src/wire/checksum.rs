//! The Internet checksum (RFC 1071): the one's-complement of the
//! one's-complement sum of 16-bit words.

use std::net::Ipv4Addr;

/// Adds `data` as big-endian 16-bit words to `sum` (an odd last byte is
/// padded with zero, RFC 1071 §4.1).
pub fn accumulate(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        sum += u16::from_be_bytes([pair[0], pair[1]]) as u32;
    }
    if let [last] = chunks.remainder() {
        sum += (*last as u32) << 8;
    }
    sum
}

/// Folds the carries back in and complements.
pub fn finish(mut sum: u32) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

pub fn checksum(data: &[u8]) -> u16 {
    finish(accumulate(0, data))
}

/// Sum of the TCP pseudo-header: source, destination, zero, protocol,
/// TCP length (RFC 9293 §3.1).
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: usize) -> u32 {
    let sum = accumulate(0, &src.octets());
    let sum = accumulate(sum, &dst.octets());
    sum + protocol as u32 + len as u32
}

/// Checksum of a TCP segment (header with its checksum field as it is, and
/// payload) over the pseudo-header. Zero means the stored checksum verifies.
pub fn tcp(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    finish(accumulate(
        pseudo_header(src, dst, super::ipv4::PROTOCOL_TCP, segment.len()),
        segment,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (before complement).
        assert_eq!(checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0xab]), checksum(&[0xab, 0x00]));
    }

    #[test]
    fn data_with_its_checksum_sums_to_zero() {
        let mut data = vec![
            0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0, 0, 10, 0, 1, 5, 10, 0, 2, 10,
        ];
        let c = checksum(&data);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&data), 0);
    }
}
