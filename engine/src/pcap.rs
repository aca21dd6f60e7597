//! pcap writer (classic libpcap format, link type raw IPv4).
//!
//! The format: a 24-byte global header, then per packet a 16-byte record
//! header followed by the captured bytes
//! (<https://www.tcpdump.org/manpages/pcap-savefile.5.html>, and
//! draft-ietf-opsawg-pcap). Every field is written little-endian, the byte
//! order tcpdump uses on x86; readers recognise it from the magic number.
//! The whole file is built in memory, since the engine does no I/O.

use crate::time::Instant;

/// The file's first four bytes: 0xa1b2c3d4 (microsecond timestamps)
/// written little-endian.
pub const MAGIC: [u8; 4] = [0xd4, 0xc3, 0xb2, 0xa1];

/// Format version 2.4, the only one in use.
pub const VERSION_MAJOR: u16 = 2;
pub const VERSION_MINOR: u16 = 4;

/// Longest packet kept in full; longer ones are cut to this length and
/// keep their original length in the record header. 65535 is the largest
/// IPv4 datagram, so nothing the simulator sends is ever cut.
pub const SNAPLEN: u32 = 65_535;

/// LINKTYPE_RAW: each packet starts with an IPv4 or IPv6 header, told
/// apart by the version nibble. Chosen over 228 (LINKTYPE_IPV4) because
/// 101 has been understood by tcpdump, Wireshark and libpcap for far
/// longer, and it would also carry IPv6 unchanged.
pub const LINKTYPE_RAW: u32 = 101;

const GLOBAL_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
const MICROS_PER_SEC: u64 = 1_000_000;

/// Builds a pcap file in memory, one datagram at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcapWriter {
    bytes: Vec<u8>,
}

impl PcapWriter {
    /// A file holding just the global header.
    pub fn new() -> Self {
        let mut bytes = Vec::with_capacity(GLOBAL_HEADER_LEN);
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&VERSION_MAJOR.to_le_bytes());
        bytes.extend_from_slice(&VERSION_MINOR.to_le_bytes());
        // thiszone: timestamps are already "UTC" (simulated time from 0).
        bytes.extend_from_slice(&0i32.to_le_bytes());
        // sigfigs: always 0 in practice.
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&SNAPLEN.to_le_bytes());
        bytes.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
        PcapWriter { bytes }
    }

    /// Appends one raw IP datagram seen at simulated time `at`.
    pub fn push(&mut self, at: Instant, datagram: &[u8]) {
        let micros = at.micros();
        // ts_sec is 32 bits: saturate rather than wrap after ~136 years.
        let ts_sec = u32::try_from(micros / MICROS_PER_SEC).unwrap_or(u32::MAX);
        // Below 1_000_000, so it always fits.
        let ts_usec = (micros % MICROS_PER_SEC) as u32;
        let orig_len = u32::try_from(datagram.len()).unwrap_or(u32::MAX);
        let captured = &datagram[..datagram.len().min(SNAPLEN as usize)];
        // At most SNAPLEN, so it fits.
        let incl_len = captured.len() as u32;

        self.bytes.reserve(RECORD_HEADER_LEN + captured.len());
        self.bytes.extend_from_slice(&ts_sec.to_le_bytes());
        self.bytes.extend_from_slice(&ts_usec.to_le_bytes());
        self.bytes.extend_from_slice(&incl_len.to_le_bytes());
        self.bytes.extend_from_slice(&orig_len.to_le_bytes());
        self.bytes.extend_from_slice(captured);
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

impl Default for PcapWriter {
    fn default() -> Self {
        PcapWriter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record as a reader sees it.
    #[derive(Debug, PartialEq)]
    struct Record {
        ts_sec: u32,
        ts_usec: u32,
        orig_len: u32,
        data: Vec<u8>,
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// A minimal reader for little-endian, microsecond, LINKTYPE_RAW files:
    /// written from the format description, independently of the writer.
    fn read(file: &[u8]) -> Vec<Record> {
        assert_eq!(u32_at(file, 0), 0xa1b2_c3d4);
        assert_eq!(u32_at(file, 20), 101);
        let mut records = Vec::new();
        let mut pos = 24;
        while pos < file.len() {
            let incl_len = u32_at(file, pos + 8) as usize;
            let start = pos + 16;
            records.push(Record {
                ts_sec: u32_at(file, pos),
                ts_usec: u32_at(file, pos + 4),
                orig_len: u32_at(file, pos + 12),
                data: file[start..start + incl_len].to_vec(),
            });
            pos = start + incl_len;
        }
        assert_eq!(pos, file.len(), "no trailing bytes");
        records
    }

    #[test]
    fn global_header_is_exact() {
        let file = PcapWriter::new().finish();
        let expected: [u8; 24] = [
            0xd4, 0xc3, 0xb2, 0xa1, // magic
            0x02, 0x00, 0x04, 0x00, // version 2.4
            0x00, 0x00, 0x00, 0x00, // thiszone
            0x00, 0x00, 0x00, 0x00, // sigfigs
            0xff, 0xff, 0x00, 0x00, // snaplen 65535
            0x65, 0x00, 0x00, 0x00, // linktype 101
        ];
        assert_eq!(file, expected);
        assert_eq!(file[..4], MAGIC);
        assert_eq!(PcapWriter::default().finish(), expected);
    }

    #[test]
    fn record_header_fields() {
        let mut w = PcapWriter::new();
        w.push(Instant::from_micros(3_000_042), &[0x45, 0, 0, 20]);
        let file = w.finish();
        let rec = &file[24..];
        assert_eq!(u32_at(rec, 0), 3, "ts_sec");
        assert_eq!(u32_at(rec, 4), 42, "ts_usec");
        assert_eq!(u32_at(rec, 8), 4, "incl_len");
        assert_eq!(u32_at(rec, 12), 4, "orig_len");
        assert_eq!(&rec[16..], &[0x45, 0, 0, 20]);
    }

    #[test]
    fn two_records_round_trip() {
        let mut w = PcapWriter::new();
        w.push(Instant::ZERO, &[1, 2, 3]);
        w.push(Instant::from_micros(12_999_999), &[4; 60]);
        let records = read(&w.finish());
        assert_eq!(
            records,
            vec![
                Record {
                    ts_sec: 0,
                    ts_usec: 0,
                    orig_len: 3,
                    data: vec![1, 2, 3]
                },
                Record {
                    ts_sec: 12,
                    ts_usec: 999_999,
                    orig_len: 60,
                    data: vec![4; 60]
                },
            ]
        );
    }

    #[test]
    fn oversized_datagrams_are_cut_to_snaplen() {
        let mut w = PcapWriter::new();
        w.push(Instant::ZERO, &vec![9; 70_000]);
        let records = read(&w.finish());
        assert_eq!(records[0].orig_len, 70_000);
        assert_eq!(records[0].data.len(), SNAPLEN as usize);
    }

    #[test]
    fn far_future_timestamps_saturate() {
        let mut w = PcapWriter::new();
        w.push(Instant::from_micros(u64::MAX), &[]);
        let records = read(&w.finish());
        assert_eq!(records[0].ts_sec, u32::MAX);
        assert_eq!(u64::from(records[0].ts_usec), u64::MAX % 1_000_000);
    }
}
