//! Wire format: golden bytes both ways, an independent decoder
//! (etherparse) agreeing with ours, every error variant from crafted input,
//! and properties: parsing never panics, emit → parse round-trips.

use proptest::prelude::*;
use std::net::Ipv4Addr;
use tcpsim::wire::fields::{describe, Layer};
use tcpsim::wire::{self, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr, WireError};

const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
const DST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);

/// A SYN assembled by hand from RFC 791 / RFC 9293 §3.1 / RFC 7323 layouts;
/// both checksums computed outside this code base.
const SYN_BYTES: &str = concat!(
    "4500003c",
    "0001",
    "4000",
    "40",
    "06",
    "23ad",
    "0a000105",
    "0a00020a", // IPv4
    "c000",
    "0050",
    "000003e8",
    "00000000",
    "a0",
    "02",
    "faf0",
    "71c7",
    "0000",     // TCP
    "020405b4", // MSS 1460
    "0402",
    "080a0000000100000000", // SACK permitted, timestamps 1 / 0
    "01030307",             // NOP, window scale 7
);

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn syn_ip() -> Ipv4Repr {
    Ipv4Repr {
        src: SRC,
        dst: DST,
        ident: 1,
        ttl: 64,
        dscp_ecn: 0,
        dont_fragment: true,
    }
}

fn syn_tcp() -> TcpRepr<'static> {
    TcpRepr {
        src_port: 49152,
        dst_port: 80,
        seq: SeqNumber(1000),
        ack: SeqNumber(0),
        flags: TcpFlags::SYN,
        window: 64240,
        urgent: 0,
        options: TcpOptions {
            mss: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: Some((1, 0)),
            ..TcpOptions::default()
        },
        payload: &[],
    }
}

#[test]
fn golden_syn_parses_to_every_field() {
    let bytes = hex(SYN_BYTES);
    let d = wire::parse_datagram(&bytes).unwrap();
    assert_eq!(d.ip, syn_ip());
    assert_eq!(d.tcp, syn_tcp());
}

#[test]
fn golden_syn_emits_byte_for_byte() {
    assert_eq!(wire::emit_datagram(&syn_ip(), &syn_tcp()), hex(SYN_BYTES));
}

#[test]
fn etherparse_decodes_our_syn_and_data_segments_identically() {
    let data = TcpRepr {
        flags: TcpFlags::PSH | TcpFlags::ACK,
        ack: SeqNumber(4501),
        seq: SeqNumber(u32::MAX - 3),
        options: TcpOptions::default(),
        payload: b"GET / HTTP/1.1\r\n\r\n",
        ..syn_tcp()
    };
    // A modern ACK: timestamps and the most SACK blocks that fit beside them.
    let mut sack_ack = TcpRepr {
        flags: TcpFlags::ACK,
        options: TcpOptions {
            timestamps: Some((77, 9)),
            ..TcpOptions::default()
        },
        payload: b"",
        ..data.clone()
    };
    for (l, r) in [(9000, 10_000), (6000, 7000), (u32::MAX - 10, 3)] {
        assert!(sack_ack.options.sack.push(SeqNumber(l), SeqNumber(r)));
    }
    assert_eq!(
        sack_ack.options.sack_room(),
        3,
        "RFC 2018 §3: three blocks beside timestamps"
    );
    assert_eq!(sack_ack.header_len(), 20 + 12 + 4 + 24);
    for tcp in [syn_tcp(), data, sack_ack] {
        let bytes = wire::emit_datagram(&syn_ip(), &tcp);
        let ip = etherparse::Ipv4HeaderSlice::from_slice(&bytes).unwrap();
        assert_eq!(ip.source_addr(), SRC);
        assert_eq!(ip.destination_addr(), DST);
        assert_eq!(ip.protocol(), etherparse::IpNumber::TCP);
        assert_eq!(ip.to_header().calc_header_checksum(), ip.header_checksum());
        let t = etherparse::TcpHeaderSlice::from_slice(&bytes[20..]).unwrap();
        assert_eq!((t.source_port(), t.destination_port()), (tcp.src_port, tcp.dst_port));
        assert_eq!((t.sequence_number(), t.acknowledgment_number()), (tcp.seq.0, tcp.ack.0));
        assert_eq!(
            (t.syn(), t.ack(), t.psh(), t.fin()),
            (tcp.flags.syn(), tcp.flags.ack(), tcp.flags.psh(), tcp.flags.fin())
        );
        assert_eq!(t.window_size(), tcp.window);
        let payload = &bytes[20 + t.slice().len()..];
        assert_eq!(payload, tcp.payload);
        let expected = t
            .to_header()
            .calc_checksum_ipv4_raw(SRC.octets(), DST.octets(), payload)
            .unwrap();
        assert_eq!(t.checksum(), expected, "etherparse agrees with our TCP checksum");
        let mut options = TcpOptions::default();
        for opt in t.options_iterator() {
            use etherparse::TcpOptionElement::*;
            match opt.unwrap() {
                MaximumSegmentSize(m) => options.mss = Some(m),
                WindowScale(w) => options.window_scale = Some(w),
                SelectiveAcknowledgementPermitted => options.sack_permitted = true,
                Timestamp(a, b) => options.timestamps = Some((a, b)),
                SelectiveAcknowledgement(first, rest) => {
                    for (l, r) in std::iter::once(first).chain(rest.into_iter().flatten()) {
                        options.sack.push(SeqNumber(l), SeqNumber(r));
                    }
                }
                _ => {}
            }
        }
        assert_eq!(options, tcp.options);
    }
}

fn patched(at: usize, value: u8) -> Vec<u8> {
    let mut b = hex(SYN_BYTES);
    b[at] = value;
    b
}

/// The SYN with its TCP options replaced by `options` (a multiple of 4
/// bytes), lengths and checksums made right again.
fn with_options(options: &[u8]) -> Vec<u8> {
    let mut b = hex(SYN_BYTES)[..40].to_vec();
    b.extend_from_slice(options);
    let total = b.len() as u16;
    b[2..4].copy_from_slice(&total.to_be_bytes());
    b[32] = (((20 + options.len()) / 4) as u8) << 4;
    b[10..12].fill(0);
    let c = wire::checksum::checksum(&b[..20]);
    b[10..12].copy_from_slice(&c.to_be_bytes());
    b[36..38].fill(0);
    let c = wire::checksum::tcp(SRC, DST, &b[20..]);
    b[36..38].copy_from_slice(&c.to_be_bytes());
    b
}

#[test]
fn every_malformation_has_its_own_error() {
    use WireError::*;
    let syn = hex(SYN_BYTES);
    let cases: Vec<(Vec<u8>, WireError)> = vec![
        (syn[..19].to_vec(), Truncated),
        (patched(0, 0x65), BadVersion(6)),
        (patched(0, 0x44), BadHeaderLength(4)),
        (patched(0, 0x4f)[..56].to_vec(), BadHeaderLength(15)),
        (patched(3, 0x80), BadTotalLength(0x80)),
        (patched(3, 0x10), BadTotalLength(0x10)),
        (patched(11, 0x00), BadIpChecksum),
        (syn[..40].to_vec(), BadTotalLength(60)),
        (with_options(&[1, 1, 1, 2]), BadOption { kind: 2 }),
        (with_options(&[2, 3, 5, 0]), BadOption { kind: 2 }),
        (with_options(&[3, 1, 0, 0]), BadOption { kind: 3 }),
        (with_options(&[8, 12, 0, 0]), BadOption { kind: 8 }),
        (with_options(&[1, 1, 5, 6, 0, 0, 0, 0]), BadOption { kind: 5 }),
        (with_options(&[1, 1, 1, 30]), BadOption { kind: 30 }),
        (patched(38, 0xff), BadTcpChecksum),
    ];
    for (bytes, want) in cases {
        assert_eq!(wire::parse_datagram(&bytes), Err(want), "{bytes:02x?}");
    }
}

#[test]
fn fragments_non_tcp_and_bad_data_offsets_are_refused() {
    let fix_ip = |mut b: Vec<u8>| {
        b[10..12].fill(0);
        let c = wire::checksum::checksum(&b[..20]);
        b[10..12].copy_from_slice(&c.to_be_bytes());
        b
    };
    assert_eq!(
        wire::parse_datagram(&fix_ip(patched(6, 0x20))),
        Err(WireError::Fragmented)
    );
    assert_eq!(
        wire::parse_datagram(&fix_ip(patched(9, 17))),
        Err(WireError::NotTcp(17))
    );
    assert_eq!(
        wire::parse_datagram(&patched(32, 0x40)),
        Err(WireError::BadDataOffset(4))
    );
    assert_eq!(
        wire::parse_datagram(&patched(32, 0xf0)),
        Err(WireError::BadDataOffset(15))
    );
    // Unknown options with a sane length are skipped, not refused.
    let unknown = with_options(&[30, 4, 9, 9]);
    let d = wire::parse_datagram(&unknown).unwrap();
    assert_eq!(d.tcp.options, TcpOptions::default());
}

#[test]
fn describe_covers_every_byte_once_and_inspects_corrupted_datagrams() {
    let syn = hex(SYN_BYTES);
    let fields = describe(&syn).unwrap();
    let mut covered = vec![0u32; syn.len()];
    for f in fields
        .iter()
        .filter(|f| f.bits.is_none() || f.name == "Fragment offset")
    {
        for c in &mut covered[f.start..f.end] {
            *c += 1;
        }
    }
    // Bytes shared by bit fields (version/IHL, offset/reserved, flags) are
    // covered by those instead.
    for (i, n) in covered.iter().enumerate() {
        let bit_byte = [0, 32, 33].contains(&i);
        assert_eq!(*n, if bit_byte { 0 } else { 1 }, "byte {i}");
    }
    let flags: Vec<_> = fields
        .iter()
        .filter(|f| f.start == 33)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(flags, ["CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"]);
    // A SACK option: its header, then each block with its own bytes.
    let sack = with_options(&[1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 30, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0]);
    let sack_fields: Vec<_> = describe(&sack)
        .unwrap()
        .into_iter()
        .filter(|f| f.name.starts_with("SACK"))
        .map(|f| (f.start, f.end, f.value))
        .collect();
    assert_eq!(
        sack_fields,
        [
            (42, 44, "2 blocks".to_string()),
            (44, 52, "10–30 (20 bytes)".to_string()),
            (52, 60, "1–5 (4 bytes)".to_string())
        ]
    );
    let corrupt = patched(38, 0xff);
    let fields = describe(&corrupt).unwrap();
    let checksum = fields
        .iter()
        .find(|f| f.layer == Layer::Tcp && f.name == "Checksum")
        .unwrap();
    assert!(checksum.value.contains("WRONG"));
}

proptest! {
    #[test]
    fn parsing_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = wire::parse_datagram(&bytes);
        let _ = describe(&bytes);
    }

    #[test]
    fn emit_then_parse_round_trips(
        src_port in any::<u16>(), dst_port in any::<u16>(), seq in any::<u32>(), ack in any::<u32>(),
        flags in any::<u8>(), window in any::<u16>(), urgent in any::<u16>(),
        mss in proptest::option::of(any::<u16>()), ws in proptest::option::of(0u8..=14),
        sack in any::<bool>(), ts in proptest::option::of((any::<u32>(), any::<u32>())),
        blocks in proptest::collection::vec((any::<u32>(), any::<u32>()), 0..=4),
        payload in proptest::collection::vec(any::<u8>(), 0..2000), ident in any::<u16>(), ttl in any::<u8>(),
    ) {
        let ip = Ipv4Repr { ident, ttl, ..syn_ip() };
        let mut options = TcpOptions { mss, window_scale: ws, sack_permitted: sack, timestamps: ts, ..TcpOptions::default() };
        for (l, r) in blocks {
            options.sack.push(SeqNumber(l), SeqNumber(r));
        }
        // Blocks beyond the 40 bytes of options are not sent (RFC 2018 §3).
        let room = options.sack_room();
        options.sack.truncate(room);
        let tcp = TcpRepr { src_port, dst_port, seq: SeqNumber(seq), ack: SeqNumber(ack), flags: TcpFlags(flags), window, urgent, options, payload: &payload };
        let bytes = wire::emit_datagram(&ip, &tcp);
        prop_assert_eq!(bytes.len() % 4, payload.len() % 4);
        let d = wire::parse_datagram(&bytes).unwrap();
        prop_assert_eq!(d.ip, ip);
        prop_assert_eq!(d.tcp, tcp);
    }
}
