//! Keyed hashing for initial sequence numbers (RFC 6528) and SYN cookies
//! (RFC 4987 §3.6).
//!
//! Real stacks use a cryptographic keyed hash (Linux: SipHash). Here the
//! mixer only has to be deterministic and spread bits well, so it is the
//! SplitMix64 finaliser applied word by word; the secret comes from outside.

use crate::time::Instant;
use crate::wire::SeqNumber;
use std::net::SocketAddrV4;

/// MSS values a cookie can encode in its two MSS bits.
const MSS_TABLE: [u16; 4] = [536, 1220, 1440, 1460];
/// The cookie clock ticks every 64 seconds, as Linux's does.
const COOKIE_TICK_US: u64 = 64_000_000;
const HASH_BITS: u32 = 25;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn tuple_word(local: SocketAddrV4, remote: SocketAddrV4) -> [u64; 2] {
    [
        (u32::from(*local.ip()) as u64) << 16 | local.port() as u64,
        (u32::from(*remote.ip()) as u64) << 16 | remote.port() as u64,
    ]
}

pub fn keyed_hash(secret: u64, words: &[u64]) -> u64 {
    words.iter().fold(mix(secret), |h, w| mix(h ^ w))
}

/// RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secret),
/// where M is a timer ticking every 4 microseconds.
pub fn isn(secret: u64, now: Instant, local: SocketAddrV4, remote: SocketAddrV4) -> SeqNumber {
    let f = keyed_hash(secret, &tuple_word(local, remote)) as u32;
    SeqNumber(((now.micros() / 4) as u32).wrapping_add(f))
}

/// Layout: 5 bits of the 64 s counter, 2 bits of MSS index, 25 bits of hash
/// over the connection, the peer's ISN, the counter and the index.
pub fn make(
    secret: u64,
    now: Instant,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    peer_isn: SeqNumber,
    peer_mss: u16,
) -> (SeqNumber, u16) {
    let index = MSS_TABLE.iter().rposition(|&m| m <= peer_mss).unwrap_or(0);
    let tick = now.micros() / COOKIE_TICK_US;
    let hash = cookie_hash(secret, tick, index, local, remote, peer_isn);
    let cookie = ((tick as u32 & 0x1f) << 27) | ((index as u32) << HASH_BITS) | hash;
    (SeqNumber(cookie), MSS_TABLE[index])
}

/// Checks the cookie the peer echoed (its ACK number minus one); returns the
/// MSS it encodes. Cookies from this tick and the previous one are valid.
pub fn check(
    secret: u64,
    now: Instant,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    peer_isn: SeqNumber,
    cookie: SeqNumber,
) -> Option<u16> {
    let tick_now = now.micros() / COOKIE_TICK_US;
    let tick_bits = (cookie.0 >> 27) as u64;
    let index = ((cookie.0 >> HASH_BITS) & 0x3) as usize;
    let hash = cookie.0 & ((1 << HASH_BITS) - 1);
    [tick_now, tick_now.wrapping_sub(1)]
        .into_iter()
        .filter(|t| t & 0x1f == tick_bits)
        .any(|t| cookie_hash(secret, t, index, local, remote, peer_isn) == hash)
        .then_some(MSS_TABLE[index])
}

fn cookie_hash(
    secret: u64,
    tick: u64,
    index: usize,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    peer_isn: SeqNumber,
) -> u32 {
    let [a, b] = tuple_word(local, remote);
    (keyed_hash(secret, &[a, b, peer_isn.0 as u64, tick, index as u64]) as u32) & ((1 << HASH_BITS) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const L: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 2, 10), 80);
    const R: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 1, 5), 49152);

    #[test]
    fn a_cookie_verifies_for_its_connection_only() {
        let now = Instant::from_millis(5_000);
        let (cookie, mss) = make(7, now, L, R, SeqNumber(1000), 1460);
        assert_eq!(mss, 1460);
        assert_eq!(check(7, now, L, R, SeqNumber(1000), cookie), Some(1460));
        assert_eq!(check(8, now, L, R, SeqNumber(1000), cookie), None);
        assert_eq!(check(7, now, L, R, SeqNumber(1001), cookie), None);
        let other = SocketAddrV4::new(*R.ip(), 49153);
        assert_eq!(check(7, now, L, other, SeqNumber(1000), cookie), None);
    }

    #[test]
    fn a_cookie_expires_after_two_ticks() {
        let now = Instant::from_millis(5_000);
        let (cookie, _) = make(7, now, L, R, SeqNumber(1), 1000);
        let later = Instant::from_micros(now.micros() + COOKIE_TICK_US);
        assert_eq!(check(7, later, L, R, SeqNumber(1), cookie), Some(536));
        let much_later = Instant::from_micros(now.micros() + 2 * COOKIE_TICK_US);
        assert_eq!(check(7, much_later, L, R, SeqNumber(1), cookie), None);
    }

    #[test]
    fn isn_moves_with_the_clock_and_differs_per_connection() {
        let a = isn(1, Instant::ZERO, L, R);
        let b = isn(1, Instant::from_micros(400), L, R);
        assert_eq!(b.diff(a), 100);
        assert_ne!(isn(1, Instant::ZERO, L, SocketAddrV4::new(*R.ip(), 49153)), a);
    }
}
