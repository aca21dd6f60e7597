//! pcap writer (classic libpcap format, link type raw IPv4).

use crate::time::Instant;
/// Temporary stub until the real writer lands.
pub struct PcapWriter;
impl PcapWriter {
    pub fn new() -> Self {
        PcapWriter
    }
    pub fn push(&mut self, _: Instant, _: &[u8]) {}
    pub fn finish(self) -> Vec<u8> {
        Vec::new()
    }
}
