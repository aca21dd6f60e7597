//! The Internet checksum (RFC 1071): the one's-complement of the
//! one's-complement sum of 16-bit words.

use std::net::Ipv4Addr;

/// Adds `data` as big-endian 16-bit words to `sum` (an odd last byte is
/// padded with zero, RFC 1071 §4.1). For speed it adds 32-bit words in the
/// machine's byte order into 64 bits, folds, and swaps at the end: the
/// one's-complement sum allows both (RFC 1071 §2(B) and §2(C)).
pub fn accumulate(sum: u32, data: &[u8]) -> u32 {
    let mut wide = 0u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        wide += (w & 0xffff_ffff) + (w >> 32);
    }
    let mut pairs = chunks.remainder().chunks_exact(2);
    for p in &mut pairs {
        wide += u16::from_ne_bytes([p[0], p[1]]) as u64;
    }
    if let [last] = pairs.remainder() {
        wide += u16::from_ne_bytes([*last, 0]) as u64;
    }
    while wide >> 16 != 0 {
        wide = (wide & 0xffff) + (wide >> 16);
    }
    sum + u16::from_be(wide as u16) as u32
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

    proptest::proptest! {
        /// The wide, byte-order-free sum equals the textbook word-by-word one.
        #[test]
        fn wide_sum_matches_word_by_word(data in proptest::collection::vec(proptest::num::u8::ANY, 0..3000), start in 0u32..0x2_0000) {
            let mut textbook = start;
            for pair in data.chunks(2) {
                textbook += u32::from(pair[0]) << 8 | u32::from(*pair.get(1).unwrap_or(&0));
            }
            proptest::prop_assert_eq!(finish(accumulate(start, &data)), finish(textbook));
        }
    }
}
