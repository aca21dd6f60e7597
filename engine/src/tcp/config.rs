//! Settings of one host's TCP.

use super::congestion::Algorithm;
use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// Where initial sequence numbers come from. Both are deterministic: the
/// random one uses a secret the caller drew from its own entropy source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsnPolicy {
    /// Every connection starts at this number (teaching mode: easy to read).
    Fixed(u32),
    /// RFC 6528: ISN = M + F(local, remote, secret), M a 4 µs clock.
    Rfc6528 { secret: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub addr: Ipv4Addr,
    /// MSS we announce: the largest segment we accept (RFC 9293 §3.7.1).
    pub mss: u16,
    pub send_buffer: usize,
    /// Receive buffer; the advertised window is its free space.
    pub recv_buffer: usize,
    /// Window-scale shift to offer in SYNs (RFC 7323 §2); `None` = not offered.
    pub window_scale: Option<u8>,
    pub isn: IsnPolicy,
    /// Offer selective acknowledgments in SYNs (RFC 2018) and, when both
    /// sides do, recover from loss with a scoreboard (RFC 6675).
    pub sack: bool,
    /// Offer timestamps in SYNs (RFC 7323): when both sides do, every
    /// segment carries TSval/TSecr, every ACK of new data is an RTT sample
    /// and PAWS drops old duplicates. The clock is simulated milliseconds.
    pub timestamps: bool,
    /// RACK-TLP (RFC 8985), when both sides use SACK: losses found by the
    /// time since a later segment was delivered, and a tail loss probe
    /// after about two round trips of silence.
    pub rack_tlp: bool,
    /// Proportional Rate Reduction (RFC 6937) in SACK recovery: send in
    /// proportion to what is delivered instead of waiting for the pipe to
    /// drain below cwnd.
    pub prr: bool,
    /// First ephemeral port handed out by `connect` (RFC 6335: 49152–65535).
    pub ephemeral_port: u16,
    /// Nagle's algorithm (RFC 9293 §3.7.4). Off by default.
    pub nagle: bool,
    /// Delayed ACK timeout (RFC 9293 §3.8.6.3); `None` = ACK at once.
    pub delayed_ack: Option<Duration>,
    /// Answer SYNs with cookies when the backlog is full (RFC 4987 §3.6).
    pub syn_cookies: bool,
    /// Key of the SYN-cookie hash. The caller draws it from its own entropy
    /// (as the RFC 6528 ISN secret): anyone who knows it can forge cookies.
    pub cookie_secret: u64,
    /// Half-open (SYN_RCVD) connections a listener holds.
    pub backlog: usize,
    pub initial_rto: Duration,
    pub min_rto: Duration,
    pub max_rto: Duration,
    /// SYN retransmissions before "connection timed out".
    pub syn_retries: u32,
    /// SYN-ACK retransmissions before a half-open connection is dropped.
    pub synack_retries: u32,
    /// Data retransmissions before the connection is given up.
    pub max_retries: u32,
    /// Maximum segment lifetime; TIME_WAIT lasts 2 × MSL (RFC 9293 §3.4.2).
    pub msl: Duration,
    /// Initial congestion window in segments; `None` = RFC 5681 §3.1 rule.
    pub initial_cwnd: Option<u32>,
    /// Initial slow-start threshold in segments; `None` = arbitrarily high
    /// (RFC 5681 §3.1). Linux starts from the ssthresh its route cache kept
    /// from an earlier connection to the same host.
    pub initial_ssthresh: Option<u32>,
    /// The congestion control algorithm.
    pub congestion: Algorithm,
    /// Limited Transmit (RFC 3042): the first two duplicate ACKs each
    /// release one new segment.
    pub limited_transmit: bool,
    /// Restart from the initial window after an idle RTO (RFC 5681 §4.1).
    pub restart_after_idle: bool,
    /// Challenge ACKs the host sends per second at most (RFC 5961 §7).
    pub challenge_ack_limit: u32,
    pub ttl: u8,
    /// First IPv4 identification value; incremented per datagram.
    pub ip_ident: u16,
    /// Record timer and congestion events (turn off for raw speed).
    pub verbose_events: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: Ipv4Addr::new(10, 0, 1, 5),
            mss: 1460,
            send_buffer: 256 * 1024,
            recv_buffer: 64 * 1024,
            window_scale: None,
            isn: IsnPolicy::Fixed(1000),
            sack: false,
            timestamps: false,
            rack_tlp: false,
            prr: false,
            ephemeral_port: 49152,
            nagle: false,
            delayed_ack: None,
            syn_cookies: false,
            cookie_secret: 0,
            backlog: 128,
            // RFC 6298 §2.1 and §2.4: 1 s initial and minimum RTO.
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_secs(1),
            max_rto: Duration::from_secs(60),
            syn_retries: 5,
            synack_retries: 5,
            max_retries: 12,
            msl: Duration::from_secs(30),
            initial_cwnd: None,
            initial_ssthresh: None,
            congestion: Algorithm::NewReno,
            limited_transmit: true,
            restart_after_idle: true,
            // Linux's first default (net.ipv4.tcp_challenge_ack_limit).
            challenge_ack_limit: 100,
            ttl: 64,
            ip_ident: 1,
            verbose_events: true,
        }
    }
}

/// A host's TCP as a whole, for choosing per host: the settings the
/// lessons teach with, or those of a modern Linux host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The twelve-packet story's host: MSS only in the SYN, NewReno, the
    /// RFC 5681 initial window, ACK every segment, 1 s minimum RTO
    /// (RFC 6298 §2.4).
    #[default]
    Teaching,
    /// What a Linux host does out of the box (values from the kernel's
    /// `include/net/tcp.h` and `net.ipv4.tcp_*` defaults): SACK,
    /// timestamps, window scale 7, CUBIC, RACK-TLP, PRR, IW10, delayed ACKs of
    /// 40 ms and a 200 ms minimum RTO. Builds without modern TCP keep NewReno.
    ModernLinux,
}

impl Profile {
    /// Sets the settings the profile covers; leaves addresses, buffers,
    /// ISNs and the rest alone.
    pub fn apply(self, config: &mut Config) {
        let teaching = Config::default();
        *config = match self {
            Profile::Teaching => Config {
                sack: teaching.sack,
                timestamps: teaching.timestamps,
                rack_tlp: teaching.rack_tlp,
                prr: teaching.prr,
                window_scale: teaching.window_scale,
                initial_cwnd: teaching.initial_cwnd,
                delayed_ack: teaching.delayed_ack,
                min_rto: teaching.min_rto,
                congestion: teaching.congestion,
                ..config.clone()
            },
            Profile::ModernLinux => Config {
                // net.ipv4.tcp_congestion_control = cubic (RFC 9438).
                #[cfg(feature = "modern")]
                congestion: Algorithm::Cubic,
                // net.ipv4.tcp_sack = 1, net.ipv4.tcp_timestamps = 1.
                sack: true,
                timestamps: true,
                // net.ipv4.tcp_recovery = 1 (RACK), tcp_early_retrans = 3 (TLP).
                rack_tlp: true,
                // Linux's recovery has used PRR since 3.2.
                prr: true,
                // The shift Linux offers for its default maximum receive
                // buffer (net.ipv4.tcp_rmem's 6 MB needs 2^7).
                window_scale: Some(7),
                // TCP_INIT_CWND = 10 (RFC 6928).
                initial_cwnd: Some(10),
                // TCP_DELACK_MIN = 40 ms.
                delayed_ack: Some(Duration::from_millis(40)),
                // TCP_RTO_MIN = 200 ms.
                min_rto: Duration::from_millis(200),
                ..config.clone()
            },
        };
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Teaching => "teaching",
            Profile::ModernLinux => "modern Linux",
        }
    }
}
