//! Segment-level behaviour of one endpoint, fed hand-made segments, in the
//! style of smoltcp's socket tests: a template segment, `send!`-like helpers
//! with `#[track_caller]`, and the endpoint's answers decoded and compared.

use std::net::{Ipv4Addr, SocketAddrV4};
use tcpsim::tcp::{
    syn_cookie, Config, ConnError, ConnId, Endpoint, Event, IsnPolicy, Phase, RejectReason, RetransmitReason, State,
};
use tcpsim::time::{Duration, Instant};
use tcpsim::trace::Segment;
use tcpsim::wire::{self, Ipv4Repr, SeqNumber, TcpFlags, TcpOptions, TcpRepr};

const US: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 10);
const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 5);
const PEER_PORT: u16 = 49152;
const OUR_ISN: u32 = 4500;
const PEER_ISN: u32 = 1000;

const SYN: TcpFlags = TcpFlags::SYN;
const ACK: TcpFlags = TcpFlags::ACK;
const FIN: TcpFlags = TcpFlags::FIN;
const RST: TcpFlags = TcpFlags::RST;
const PSH: TcpFlags = TcpFlags::PSH;

/// What the peer sends: everything but the varying fields.
#[derive(Clone)]
struct Seg {
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    window: u16,
    options: TcpOptions,
    payload: Vec<u8>,
    src_port: u16,
    dst_port: u16,
}

const TEMPLATE: fn() -> Seg = || Seg {
    flags: ACK,
    seq: PEER_ISN + 1,
    ack: OUR_ISN + 1,
    window: 8192,
    options: TcpOptions::default(),
    payload: Vec::new(),
    src_port: PEER_PORT,
    dst_port: 80,
};

struct Host {
    ep: Endpoint,
    now: Instant,
    events: Vec<Event>,
}

impl Host {
    fn new(config: Config) -> Host {
        Host {
            ep: Endpoint::new(config),
            now: Instant::ZERO,
            events: Vec::new(),
        }
    }

    fn server() -> Host {
        Host::new(config())
    }

    #[track_caller]
    fn send(&mut self, seg: Seg) {
        let tcp = TcpRepr {
            src_port: seg.src_port,
            dst_port: seg.dst_port,
            seq: SeqNumber(seg.seq),
            ack: SeqNumber(seg.ack),
            flags: seg.flags,
            window: seg.window,
            urgent: 0,
            options: seg.options,
            payload: &seg.payload,
        };
        let ip = Ipv4Repr {
            src: PEER,
            dst: US,
            ident: 0,
            ttl: 64,
            dscp_ecn: 0,
            dont_fragment: true,
        };
        self.ep
            .handle_datagram(self.now, &wire::emit_datagram(&ip, &tcp))
            .unwrap();
        self.drain_events();
    }

    /// Everything the endpoint wants to send now.
    fn recv(&mut self) -> Vec<Segment> {
        let mut out = Vec::new();
        while let Some(bytes) = self.ep.poll_transmit(self.now) {
            out.push(Segment::decode(&bytes).expect("endpoint emits valid datagrams"));
        }
        self.drain_events();
        out
    }

    #[track_caller]
    fn recv_one(&mut self) -> Segment {
        let out = self.recv();
        assert_eq!(out.len(), 1, "expected one segment, got {out:?}");
        out[0]
    }

    fn advance_to_timeout(&mut self) {
        let at = self.ep.poll_timeout().expect("a timer is running");
        self.now = self.now.max(at);
        self.ep.handle_timeout(self.now);
        self.drain_events();
    }

    fn drain_events(&mut self) {
        while let Some(e) = self.ep.poll_event() {
            self.events.push(e);
        }
    }

    fn conn(&self) -> ConnId {
        self.ep.connections().next().expect("a connection")
    }

    /// LISTEN, then the handshake up to ESTABLISHED.
    fn established() -> (Host, ConnId) {
        Host::established_with(config())
    }

    /// As `established`, with this host configuration.
    fn established_with(config: Config) -> (Host, ConnId) {
        let mut h = Host::new(config);
        h.ep.listen(80).unwrap();
        h.send(syn(PEER_ISN));
        let synack = h.recv_one();
        assert_eq!(
            (synack.flags, synack.seq, synack.ack),
            (SYN | ACK, OUR_ISN, PEER_ISN + 1)
        );
        h.send(TEMPLATE());
        let id = h.conn();
        assert_eq!(h.ep.state(id), State::Established);
        (h, id)
    }

    /// ESTABLISHED, with 7 bytes to send and the peer's window at 0.
    fn waiting_on_zero_window() -> (Host, ConnId) {
        let (mut h, id) = Host::established();
        // The peer acknowledges our SYN but advertises no room.
        h.send(Seg {
            window: 0,
            ..TEMPLATE()
        });
        h.ep.send(id, b"waiting").unwrap();
        assert!(h.recv().is_empty(), "nothing may be sent into a zero window");
        (h, id)
    }
}

fn config() -> Config {
    Config {
        addr: US,
        isn: IsnPolicy::Fixed(OUR_ISN),
        recv_buffer: 4096,
        mss: 536,
        ..Config::default()
    }
}

/// A bare SYN from the peer.
fn syn(seq: u32) -> Seg {
    Seg {
        flags: SYN,
        seq,
        ack: 0,
        ..TEMPLATE()
    }
}

fn flags_seq_ack(s: &Segment) -> (TcpFlags, u32, u32) {
    (s.flags, s.seq, s.ack)
}

#[test]
fn closed_port_answers_rst_in_both_forms() {
    // RFC 9293 §3.10.7.1.
    let mut h = Host::server();
    h.send(syn(77));
    let rst = h.recv_one();
    assert_eq!(flags_seq_ack(&rst), (RST | ACK, 0, 78));
    h.send(Seg {
        flags: ACK,
        seq: 5,
        ack: 999,
        payload: b"xy".to_vec(),
        ..TEMPLATE()
    });
    let rst = h.recv_one();
    assert_eq!((rst.flags, rst.seq), (RST, 999));
    // An RST is never answered.
    h.send(Seg {
        flags: RST,
        ..TEMPLATE()
    });
    assert!(h.recv().is_empty());
}

#[test]
fn listener_answers_bare_ack_with_rst() {
    let mut h = Host::server();
    h.ep.listen(80).unwrap();
    h.send(Seg {
        flags: ACK,
        seq: 10,
        ack: 1234,
        ..TEMPLATE()
    });
    let rst = h.recv_one();
    assert_eq!((rst.flags, rst.seq), (RST, 1234));
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Rejected {
            reason: RejectReason::AckToListener,
            ..
        }
    )));
}

#[test]
fn handshake_negotiates_mss_and_window_scale() {
    let mut h = Host::new(Config {
        window_scale: Some(3),
        ..config()
    });
    h.ep.listen(80).unwrap();
    let options = TcpOptions {
        mss: Some(1460),
        window_scale: Some(2),
        ..TcpOptions::default()
    };
    h.send(Seg {
        flags: SYN,
        seq: PEER_ISN,
        ack: 0,
        options,
        ..TEMPLATE()
    });
    let synack = h.recv_one();
    assert_eq!(synack.options.mss, Some(536));
    assert_eq!(synack.options.window_scale, Some(3));
    h.send(TEMPLATE());
    // Our window field is now scaled by 2^3; the peer's by 2^2.
    h.send(Seg {
        payload: vec![1; 100],
        flags: ACK | PSH,
        ..TEMPLATE()
    });
    let ack = h.recv_one();
    assert_eq!(ack.ack, PEER_ISN + 1 + 100);
    // 3996 free bytes in units of 8, rounded up so no window scales away.
    assert_eq!(ack.window as usize, (4096 - 100usize).div_ceil(8));
}

#[test]
fn no_window_scale_unless_both_offer_it() {
    let mut h = Host::new(Config {
        window_scale: Some(3),
        ..config()
    });
    h.ep.listen(80).unwrap();
    h.send(syn(PEER_ISN));
    assert_eq!(h.recv_one().options.window_scale, None);
}

#[test]
fn data_is_acked_cumulatively_and_out_of_order_data_waits() {
    let (mut h, id) = Host::established();
    let base = PEER_ISN + 1;
    // Second segment first: buffered, and a duplicate ACK says what is missing.
    h.send(Seg {
        seq: base + 10,
        payload: b"klmnopqrst".to_vec(),
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, base);
    assert_eq!(h.ep.readable(id), 0);
    assert!(h.events.iter().any(|e| matches!(e, Event::OutOfOrder { .. })));
    // The gap fills: one cumulative ACK for both, delivered in order.
    h.send(Seg {
        seq: base,
        payload: b"abcdefghij".to_vec(),
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, base + 20);
    let mut buf = [0; 32];
    let n = h.ep.recv(h.now, id, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"abcdefghijklmnopqrst");
}

#[test]
fn duplicate_segment_is_discarded_and_reacked() {
    let (mut h, id) = Host::established();
    let data = Seg {
        seq: PEER_ISN + 1,
        payload: b"hello".to_vec(),
        ..TEMPLATE()
    };
    h.send(data.clone());
    assert_eq!(h.recv_one().ack, PEER_ISN + 6);
    h.send(data);
    assert_eq!(h.recv_one().ack, PEER_ISN + 6, "old data is answered with an ACK");
    assert_eq!(h.ep.readable(id), 5, "and not delivered twice");
    assert!(h.events.iter().any(|e| matches!(e, Event::Duplicate { .. })));
}

#[test]
fn segment_beyond_window_is_not_accepted() {
    let (mut h, id) = Host::established();
    h.send(Seg {
        seq: PEER_ISN + 1 + 50_000,
        payload: b"far".to_vec(),
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, PEER_ISN + 1);
    assert_eq!(h.ep.readable(id), 0);
}

#[test]
fn inexact_rst_gets_a_challenge_ack_and_exact_rst_resets() {
    // RFC 5961 §3.2 as adopted by RFC 9293.
    let (mut h, id) = Host::established();
    h.send(Seg {
        flags: RST,
        seq: PEER_ISN + 5,
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().flags, ACK);
    assert_eq!(h.ep.state(id), State::Established);
    h.send(Seg {
        flags: RST,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Closed);
    assert!(h.events.contains(&Event::Error {
        conn: id,
        error: ConnError::Reset
    }));
}

#[test]
fn syn_on_an_open_connection_gets_a_challenge_ack() {
    let (mut h, id) = Host::established();
    h.send(Seg {
        flags: SYN,
        seq: PEER_ISN + 1,
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().flags, ACK);
    assert_eq!(h.ep.state(id), State::Established);
}

#[test]
fn passive_close_goes_close_wait_then_last_ack_then_closed() {
    let (mut h, id) = Host::established();
    h.send(Seg {
        flags: FIN | ACK,
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, PEER_ISN + 2, "the FIN takes one sequence number");
    assert_eq!(h.ep.state(id), State::CloseWait);
    assert!(h.ep.at_eof(id));
    h.ep.close(h.now, id).unwrap();
    assert_eq!(h.ep.state(id), State::LastAck);
    let fin = h.recv_one();
    assert_eq!(flags_seq_ack(&fin), (FIN | ACK, OUR_ISN + 1, PEER_ISN + 2));
    h.send(Seg {
        seq: PEER_ISN + 2,
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Closed);
}

#[test]
fn active_close_time_wait_reacks_a_retransmitted_fin_and_lasts_2msl() {
    let (mut h, id) = Host::established();
    h.ep.close(h.now, id).unwrap();
    assert_eq!(h.ep.state(id), State::FinWait1);
    assert_eq!(h.recv_one().flags, FIN | ACK);
    h.send(Seg {
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::FinWait2);
    // Half-close: we still receive.
    h.send(Seg {
        payload: b"more".to_vec(),
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, PEER_ISN + 5);
    assert_eq!(h.ep.readable(id), 4);
    let fin = Seg {
        flags: FIN | ACK,
        seq: PEER_ISN + 5,
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    };
    h.send(fin.clone());
    assert_eq!(h.ep.state(id), State::TimeWait);
    assert_eq!(h.recv_one().ack, PEER_ISN + 6);
    // The peer lost our ACK and sends its FIN again, 10 s later.
    h.now += Duration::from_secs(10);
    h.send(fin);
    assert_eq!(h.recv_one().ack, PEER_ISN + 6, "TIME_WAIT answers the old FIN");
    let msl2 = Duration::from_secs(60);
    assert_eq!(h.ep.poll_timeout(), Some(h.now + msl2), "and restarts 2 MSL");
    h.advance_to_timeout();
    assert_eq!(h.ep.state(id), State::Closed);
}

#[test]
fn simultaneous_close_passes_through_closing() {
    let (mut h, id) = Host::established();
    h.ep.close(h.now, id).unwrap();
    assert_eq!(h.recv_one().flags, FIN | ACK);
    // The peer's FIN crosses ours: it does not yet ACK our FIN.
    h.send(Seg {
        flags: FIN | ACK,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Closing);
    assert_eq!(h.recv_one().ack, PEER_ISN + 2);
    h.send(Seg {
        seq: PEER_ISN + 2,
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::TimeWait);
}

/// Our host as the client, from port 80 to the peer's port, so the
/// template's ports fit segments from the peer.
fn client() -> (Host, ConnId) {
    let mut h = Host::new(Config {
        isn: IsnPolicy::Fixed(OUR_ISN),
        ..config()
    });
    let id = h.ep.connect_from(h.now, 80, PEER, PEER_PORT).unwrap();
    let syn = h.recv_one();
    assert_eq!((syn.flags, syn.seq), (SYN, OUR_ISN));
    (h, id)
}

#[test]
fn syn_sent_answers_a_bad_ack_with_rst_and_stays() {
    let (mut h, id) = client();
    h.send(Seg {
        flags: SYN | ACK,
        seq: 9,
        ack: OUR_ISN + 7,
        ..TEMPLATE()
    });
    let rst = h.recv_one();
    assert_eq!((rst.flags, rst.seq), (RST, OUR_ISN + 7));
    assert_eq!(h.ep.state(id), State::SynSent);
}

#[test]
fn rst_to_our_syn_is_connection_refused() {
    let (mut h, id) = client();
    h.send(Seg {
        flags: RST | ACK,
        seq: 0,
        ack: OUR_ISN + 1,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Closed);
    assert!(h.events.contains(&Event::Error {
        conn: id,
        error: ConnError::Refused
    }));
}

#[test]
fn lost_syns_back_off_doubling_then_time_out() {
    let (mut h, id) = client();
    let mut sent_at = vec![h.now];
    while h.ep.state(id) == State::SynSent {
        h.advance_to_timeout();
        for s in h.recv() {
            assert_eq!((s.flags, s.seq), (SYN, OUR_ISN));
            sent_at.push(h.now);
        }
    }
    let gaps: Vec<u64> = sent_at
        .windows(2)
        .map(|w| w[1].saturating_since(w[0]).millis())
        .collect();
    // Initial RTO 1 s (RFC 6298 §2.1), doubled each time (§5.5); 5 retries.
    assert_eq!(gaps, [1000, 2000, 4000, 8000, 16000]);
    assert!(h.events.contains(&Event::Error {
        conn: id,
        error: ConnError::TimedOut
    }));
}

#[test]
fn simultaneous_open_completes_on_the_peers_syn_ack() {
    let (mut h, id) = client();
    // The peer's SYN crosses ours.
    h.send(syn(PEER_ISN));
    assert_eq!(h.ep.state(id), State::SynReceived);
    let synack = h.recv_one();
    assert_eq!(flags_seq_ack(&synack), (SYN | ACK, OUR_ISN, PEER_ISN + 1));
    h.send(Seg {
        flags: SYN | ACK,
        seq: PEER_ISN,
        ack: OUR_ISN + 1,
        ..TEMPLATE()
    });
    // RFC 9293 §3.5 figure 8: the peer's SYN,ACK repeats its SYN and
    // acknowledges ours, so it completes the handshake: four segments, no
    // challenge ACK, no wait for a timeout.
    assert_eq!(h.ep.state(id), State::Established);
    assert!(h.recv().is_empty(), "nothing more to say");
    assert!(!h.events.iter().any(|e| matches!(e, Event::Rejected { .. })));
    // Data flows at once, with the full initial window.
    h.ep.send(id, &[1; 536 * 4]).unwrap();
    assert_eq!(h.recv().len(), 4);
}

#[test]
fn karn_no_rtt_sample_from_a_retransmission() {
    let (mut h, id) = Host::established();
    h.events.clear();
    h.ep.send(id, b"lost").unwrap();
    assert_eq!(h.recv_one().len, 4);
    h.advance_to_timeout();
    let again = h.recv_one();
    assert_eq!((again.seq, again.len), (OUR_ISN + 1, 4));
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Retransmit {
            reason: RetransmitReason::Timeout,
            ..
        }
    )));
    h.now += Duration::from_millis(30);
    h.send(Seg {
        ack: OUR_ISN + 5,
        ..TEMPLATE()
    });
    assert!(
        !h.events.iter().any(|e| matches!(e, Event::RttSample { .. })),
        "ambiguous ACK: no sample"
    );
}

#[test]
fn three_duplicate_acks_trigger_fast_retransmit_before_the_timer() {
    let (mut h, id) = Host::established();
    h.ep.send(id, &[7u8; 536 * 4]).unwrap();
    let first = h.recv();
    assert_eq!(first.len(), 4, "initial window of four 536-byte segments");
    let rto_at = h.ep.poll_timeout().unwrap();
    // Segment 1 lost; 2, 3, 4 each produce a duplicate ACK.
    for _ in 0..2 {
        h.send(TEMPLATE());
        assert!(h.recv().is_empty());
    }
    h.send(TEMPLATE());
    let out = h.recv();
    assert_eq!(
        (out[0].seq, out[0].len),
        (OUR_ISN + 1, 536),
        "fast retransmit of the hole"
    );
    assert!(h.now < rto_at);
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Retransmit {
            reason: RetransmitReason::FastRetransmit,
            ..
        }
    )));
}

#[test]
fn zero_window_stops_the_sender_and_persist_probes_until_it_opens() {
    let (mut h, _) = Host::waiting_on_zero_window();
    assert!(h.events.iter().any(|e| matches!(e, Event::ZeroWindow { .. })));
    let mut probes = Vec::new();
    for _ in 0..3 {
        h.advance_to_timeout();
        let probe = h.recv_one();
        assert_eq!((probe.seq, probe.len), (OUR_ISN + 1, 1));
        probes.push(h.now);
        h.send(Seg {
            window: 0,
            ..TEMPLATE()
        });
    }
    assert!(
        probes[2].saturating_since(probes[1]) > probes[1].saturating_since(probes[0]),
        "probes back off"
    );
    // Window update: the rest flows.
    h.send(Seg {
        window: 1000,
        ..TEMPLATE()
    });
    let data = h.recv_one();
    assert_eq!((data.seq, data.len), (OUR_ISN + 1, 7));
}

#[test]
fn receiver_advertises_zero_window_then_a_window_update() {
    let (mut h, id) = Host::established();
    h.send(Seg {
        payload: vec![1; 4096],
        ..TEMPLATE()
    });
    let ack = h.recv_one();
    assert_eq!((ack.ack, ack.window), (PEER_ISN + 1 + 4096, 0));
    let mut buf = vec![0; 4096];
    assert_eq!(h.ep.recv(h.now, id, &mut buf).unwrap(), 4096);
    let update = h.recv_one();
    assert_eq!((update.flags, update.window), (ACK, 4096));
}

#[test]
fn syn_cookies_let_a_client_in_when_the_backlog_is_full() {
    let mut h = Host::new(Config {
        backlog: 1,
        syn_cookies: true,
        ..config()
    });
    h.ep.listen(80).unwrap();
    // A spoofed SYN fills the backlog (its SYN,ACK goes nowhere).
    h.send(Seg {
        flags: SYN,
        seq: 1,
        ack: 0,
        src_port: 40000,
        ..TEMPLATE()
    });
    h.recv_one();
    // The real client is answered with a cookie, and no state is kept.
    let mss = TcpOptions {
        mss: Some(1460),
        ..TcpOptions::default()
    };
    h.send(Seg {
        flags: SYN,
        seq: PEER_ISN,
        ack: 0,
        options: mss,
        ..TEMPLATE()
    });
    let cookie = h.recv_one();
    assert_eq!((cookie.flags, cookie.ack), (SYN | ACK, PEER_ISN + 1));
    assert_eq!(cookie.options.mss, Some(536), "the SYN-ACK announces our own MSS");
    assert!(h.events.iter().any(|e| matches!(e, Event::SynCookieSent { .. })));
    assert_eq!(h.ep.connections().count(), 1, "only the spoofed half-open connection");
    // Its ACK carries the cookie back: the connection is rebuilt from it.
    h.send(Seg {
        ack: cookie.seq.wrapping_add(1),
        ..TEMPLATE()
    });
    assert!(h.events.iter().any(|e| matches!(e, Event::SynCookieAccepted { .. })));
    let id = h.ep.connections().last().unwrap();
    assert_eq!(h.ep.state(id), State::Established);
    // A forged ACK with a wrong cookie gets RST instead.
    h.send(Seg {
        ack: cookie.seq.wrapping_add(2),
        src_port: 40001,
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().flags, RST);
}

#[test]
fn backlog_full_without_cookies_drops_the_syn() {
    let mut h = Host::new(Config { backlog: 0, ..config() });
    h.ep.listen(80).unwrap();
    h.send(syn(PEER_ISN));
    assert!(h.recv().is_empty());
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Rejected {
            reason: RejectReason::BacklogFull,
            ..
        }
    )));
}

#[test]
fn sequence_numbers_wrap_around_2_32() {
    let mut h = Host::new(Config {
        isn: IsnPolicy::Fixed(u32::MAX - 2),
        ..config()
    });
    h.ep.listen(80).unwrap();
    let peer_isn = u32::MAX - 1;
    h.send(syn(peer_isn));
    h.recv_one();
    let ack = 0u32.wrapping_add(u32::MAX - 1); // our ISN + 1
    h.send(Seg {
        seq: peer_isn.wrapping_add(1),
        ack,
        ..TEMPLATE()
    });
    let id = h.conn();
    assert_eq!(h.ep.state(id), State::Established);
    h.send(Seg {
        seq: u32::MAX,
        ack,
        payload: b"abcd".to_vec(),
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().ack, 3, "u32::MAX + 4 wraps to 3");
    h.ep.send(id, b"xyz").unwrap();
    let out = h.recv_one();
    assert_eq!((out.seq, out.len), (u32::MAX - 1, 3));
    h.send(Seg {
        seq: 3,
        ack: 1,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.unacked(id), 0, "ACK across the wrap acknowledges all three bytes");
}

#[test]
fn a_new_syn_in_syn_received_returns_to_listen() {
    // RFC 9293 §3.10.7.4, fourth step, SYN-RECEIVED from a passive OPEN.
    let mut h = Host::server();
    h.ep.listen(80).unwrap();
    h.send(syn(PEER_ISN));
    h.recv_one();
    let half_open = h.conn();
    h.send(syn(PEER_ISN + 100));
    assert_eq!(h.ep.state(half_open), State::Closed);
    assert!(h.recv().is_empty(), "no challenge ACK, no RST");
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Rejected {
            reason: RejectReason::SynInSynReceived,
            ..
        }
    )));
    // The listener is still there: the next SYN opens a connection.
    h.send(syn(PEER_ISN + 200));
    assert_eq!(flags_seq_ack(&h.recv_one()), (SYN | ACK, OUR_ISN, PEER_ISN + 201));
}

#[test]
fn after_a_lost_syn_data_starts_with_one_segment_and_a_3s_rto() {
    let (mut h, id) = client();
    h.advance_to_timeout();
    assert_eq!(h.recv_one().flags, SYN, "the SYN again after 1 s");
    h.send(Seg {
        flags: SYN | ACK,
        seq: PEER_ISN,
        ack: OUR_ISN + 1,
        options: TcpOptions {
            mss: Some(536),
            ..TcpOptions::default()
        },
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Established);
    assert_eq!(h.recv_one().flags, ACK);
    h.ep.send(id, &[1; 536 * 4]).unwrap();
    // RFC 5681 §3.1: one segment, not the usual four.
    assert_eq!(h.recv().len(), 1);
    // RFC 6298 §5.7: RTO 3 s once data transmission begins.
    let rto = h.ep.poll_timeout().unwrap().saturating_since(h.now);
    assert_eq!(rto, Duration::from_secs(3));
}

#[test]
fn an_ack_sent_while_probing_a_zero_window_carries_rcv_nxt() {
    let (mut h, _) = Host::waiting_on_zero_window();
    h.advance_to_timeout();
    let probe = h.recv_one();
    assert_eq!((probe.seq, probe.len), (OUR_ISN + 1, 1));
    // The peer, window still 0, sends us data: our ACK must not claim the
    // probe byte's number, which lies past the peer's window.
    h.send(Seg {
        window: 0,
        payload: b"hi".to_vec(),
        ..TEMPLATE()
    });
    let ack = h.recv_one();
    assert_eq!(
        (ack.flags, ack.seq, ack.ack, ack.len),
        (ACK, OUR_ISN + 1, PEER_ISN + 3, 0)
    );
}

#[test]
fn fast_recovery_ends_when_only_the_fin_was_left() {
    let (mut h, id) = Host::established();
    h.ep.send(id, &[7u8; 536 * 4]).unwrap();
    h.ep.close(h.now, id).unwrap();
    let sent = h.recv();
    assert_eq!(sent.len(), 4);
    assert!(sent[3].flags.fin(), "the FIN rides on the last segment");
    for _ in 0..3 {
        h.send(TEMPLATE());
    }
    assert_eq!(h.recv_one().seq, OUR_ISN + 1, "fast retransmit");
    // Everything but the FIN, then the FIN.
    let data_end = OUR_ISN + 1 + 536 * 4;
    h.send(Seg {
        ack: data_end,
        ..TEMPLATE()
    });
    h.recv();
    h.events.clear();
    h.send(Seg {
        ack: data_end + 1,
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::FinWait2);
    let phase = h.events.iter().rev().find_map(|e| match e {
        Event::Window { phase, .. } => Some(*phase),
        _ => None,
    });
    assert_eq!(phase, Some(Phase::CongestionAvoidance));
}

/// The peer's ACKs of our data up to `n` bytes, as a template segment.
fn acking(n: u32) -> Seg {
    Seg {
        ack: OUR_ISN + 1 + n,
        ..TEMPLATE()
    }
}

fn count_rejected(h: &Host, reason: RejectReason) -> usize {
    h.events
        .iter()
        .filter(|e| matches!(e, Event::Rejected { reason: r, .. } if *r == reason))
        .count()
}

#[test]
fn abort_after_a_timeout_resets_with_snd_max() {
    // RFC 9293 §3.10.5 with RFC 5961 §3.2: after go-back-N, SND.NXT lies
    // behind what the peer may have received; the RST must carry SND.MAX.
    let (mut h, id) = Host::established();
    h.ep.send(id, &[1; 536 * 3]).unwrap();
    assert_eq!(h.recv().len(), 3);
    h.advance_to_timeout();
    assert_eq!(h.recv_one().seq, OUR_ISN + 1, "go back to the first byte");
    h.ep.abort(h.now, id).unwrap();
    let rst = h.recv_one();
    assert_eq!((rst.flags, rst.seq), (RST, OUR_ISN + 1 + 3 * 536));
}

#[test]
fn without_delayed_ack_every_segment_is_acked_even_when_they_arrive_together() {
    // RFC 9293 §3.8.6.3: with no delay, each segment is acknowledged.
    let (mut h, _) = Host::established();
    for i in 0..3 {
        h.send(Seg {
            seq: PEER_ISN + 1 + i * 100,
            payload: vec![1; 100],
            ..TEMPLATE()
        });
    }
    let acks: Vec<u32> = h.recv().iter().map(|s| s.ack).collect();
    assert_eq!(acks, [PEER_ISN + 101, PEER_ISN + 201, PEER_ISN + 301]);
}

#[test]
fn with_delayed_ack_at_least_every_second_segment_is_acked() {
    // RFC 9293 §3.8.6.3 (SHLD-19), for segments arriving at the same instant.
    let (mut h, _) = Host::established_with(Config {
        delayed_ack: Some(Duration::from_millis(200)),
        ..config()
    });
    for i in 0..5 {
        h.send(Seg {
            seq: PEER_ISN + 1 + i * 536,
            payload: vec![1; 536],
            ..TEMPLATE()
        });
    }
    let acks: Vec<u32> = h.recv().iter().map(|s| s.ack).collect();
    assert_eq!(acks, [PEER_ISN + 1 + 2 * 536, PEER_ISN + 1 + 4 * 536]);
    // The fifth waits for the delayed-ACK timer, at most 200 ms.
    let at = h.ep.poll_timeout().unwrap();
    assert_eq!(at, h.now + Duration::from_millis(200));
    h.advance_to_timeout();
    assert_eq!(h.recv_one().ack, PEER_ISN + 1 + 5 * 536);
}

/// Three segments in flight, the first lost: with Limited Transmit the
/// first two duplicate ACKs each send one new segment, and the third
/// duplicate they bring triggers fast retransmit, with no timeout.
fn small_window_loss(limited_transmit: bool) -> Host {
    let (mut h, id) = Host::established_with(Config {
        initial_cwnd: Some(3),
        limited_transmit,
        ..config()
    });
    h.ep.send(id, &[7; 536 * 6]).unwrap();
    assert_eq!(h.recv().len(), 3, "initial window of three segments");
    h
}

#[test]
fn limited_transmit_sends_a_new_segment_on_each_of_the_first_two_dup_acks() {
    // RFC 3042 §2, RFC 5681 §3.2 step 1.
    let mut h = small_window_loss(true);
    h.send(TEMPLATE());
    let first = h.recv_one();
    assert_eq!((first.seq, first.len), (OUR_ISN + 1 + 3 * 536, 536));
    h.send(TEMPLATE());
    let second = h.recv_one();
    assert_eq!(second.seq, OUR_ISN + 1 + 4 * 536);
    // The two new segments bring the third duplicate: fast retransmit.
    h.send(TEMPLATE());
    assert_eq!(h.recv()[0].seq, OUR_ISN + 1, "the hole, before any timeout");
    // RFC 5681 §3.2 step 2: ssthresh from the flight before Limited Transmit,
    // max(3 × 536 / 2, 2 × 536).
    let ssthresh = h.events.iter().rev().find_map(|e| match e {
        Event::Window { ssthresh, .. } => Some(*ssthresh),
        _ => None,
    });
    assert_eq!(ssthresh, Some(2 * 536));
}

#[test]
fn without_limited_transmit_two_dup_acks_release_nothing() {
    let mut h = small_window_loss(false);
    h.send(TEMPLATE());
    h.send(TEMPLATE());
    assert!(h.recv().is_empty(), "only a timeout can recover now");
}

/// ESTABLISHED with data acknowledged, so cwnd has grown past the initial
/// window, then idle for `idle`; returns how many segments the next write sends.
fn segments_after_idle(idle: Duration, restart_after_idle: bool) -> usize {
    let (mut h, id) = Host::established_with(Config {
        restart_after_idle,
        ..config()
    });
    // Four segments acknowledged one by one: cwnd 4 → 8 segments.
    h.ep.send(id, &[1; 536 * 4]).unwrap();
    assert_eq!(h.recv().len(), 4);
    h.now += Duration::from_millis(100);
    for i in 1..=4 {
        h.send(acking(i * 536));
    }
    h.recv();
    h.now += idle;
    h.ep.send(id, &[2; 536 * 10]).unwrap();
    h.recv().len()
}

#[test]
fn cwnd_restarts_from_the_initial_window_after_an_idle_rto() {
    // RFC 5681 §4.1: after an idle RTO (here 1 s, the minimum), RW = min(IW, cwnd).
    assert_eq!(segments_after_idle(Duration::from_millis(500), true), 8);
    assert_eq!(segments_after_idle(Duration::from_secs(2), true), 4);
    assert_eq!(segments_after_idle(Duration::from_secs(2), false), 8, "switched off");
}

#[test]
fn data_on_a_syn_ack_is_accepted_and_acknowledged() {
    // RFC 9293 §3.10.7.3: "continue processing at the sixth step".
    let (mut h, id) = client();
    h.send(Seg {
        flags: SYN | ACK,
        seq: PEER_ISN,
        ack: OUR_ISN + 1,
        payload: b"early".to_vec(),
        ..TEMPLATE()
    });
    assert_eq!(h.ep.state(id), State::Established);
    let ack = h.recv_one();
    assert_eq!((ack.flags, ack.ack), (ACK, PEER_ISN + 1 + 5));
    let mut buf = [0; 8];
    let n = h.ep.recv(h.now, id, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"early");
}

#[test]
fn persist_gives_up_when_probes_go_unanswered() {
    let (mut h, id) = Host::waiting_on_zero_window();
    let max_retries = config().max_retries;
    for _ in 0..max_retries {
        h.advance_to_timeout();
        assert_eq!(h.recv_one().len, 1, "a probe");
    }
    assert_eq!(h.ep.state(id), State::Established);
    h.advance_to_timeout();
    assert_eq!(h.ep.state(id), State::Closed);
    assert!(h.events.contains(&Event::Error {
        conn: id,
        error: ConnError::TimedOut
    }));
}

#[test]
fn persist_keeps_probing_while_the_peer_answers() {
    // RFC 9293 §3.8.6.1: the window may stay zero indefinitely.
    let (mut h, id) = Host::waiting_on_zero_window();
    for _ in 0..config().max_retries + 5 {
        h.advance_to_timeout();
        h.recv_one();
        h.send(Seg {
            window: 0,
            ..TEMPLATE()
        });
    }
    assert_eq!(h.ep.state(id), State::Established);
}

#[test]
fn with_a_zero_receive_window_only_a_segment_at_rcv_nxt_has_its_ack_used() {
    // RFC 9293 §3.10.7.4: with RCV.WND = 0, a segment is acceptable only
    // if SEG.SEQ = RCV.NXT; from anywhere else its ACK must not count.
    let (mut h, id) = Host::established();
    h.send(Seg {
        payload: vec![1; 4096],
        ..TEMPLATE()
    });
    assert_eq!(h.recv_one().window, 0, "our window is shut");
    h.ep.send(id, b"reply").unwrap();
    assert_eq!(h.recv_one().len, 5);
    let rcv_nxt = PEER_ISN + 1 + 4096;
    // A blind ACK from a made-up sequence number: ignored, answered.
    h.send(Seg {
        seq: rcv_nxt + 1000,
        ..acking(5)
    });
    assert_eq!(h.ep.unacked(id), 5);
    assert_eq!(h.recv_one().ack, rcv_nxt);
    // The same ACK at RCV.NXT counts, though its data cannot be taken.
    h.send(Seg {
        seq: rcv_nxt,
        payload: b"more".to_vec(),
        ..acking(5)
    });
    assert_eq!(h.ep.unacked(id), 0);
    assert_eq!(h.ep.readable(id), 4096);
}

#[test]
fn challenge_acks_are_rate_limited() {
    // RFC 5961 §7.
    let (mut h, _) = Host::established_with(Config {
        challenge_ack_limit: 2,
        ..config()
    });
    let inexact_rst = Seg {
        flags: RST,
        seq: PEER_ISN + 9,
        ..TEMPLATE()
    };
    for _ in 0..5 {
        h.send(inexact_rst.clone());
    }
    assert_eq!(h.recv().len(), 2, "two challenge ACKs this second");
    assert_eq!(count_rejected(&h, RejectReason::RstChallenge), 5);
    h.now += Duration::from_secs(1);
    h.send(inexact_rst);
    assert_eq!(h.recv().len(), 1, "a new second, a new allowance");
}

/// An active close by our side up to TIME_WAIT, with the peer's last byte
/// at `PEER_ISN + 1` (its FIN).
fn in_time_wait() -> (Host, ConnId) {
    let (mut h, id) = Host::established();
    h.ep.close(h.now, id).unwrap();
    h.recv_one();
    h.send(Seg {
        flags: FIN | ACK,
        ack: OUR_ISN + 2,
        ..TEMPLATE()
    });
    h.recv_one();
    assert_eq!(h.ep.state(id), State::TimeWait);
    (h, id)
}

#[test]
fn a_syn_numbered_above_the_old_connection_reopens_it_from_time_wait() {
    // RFC 9293 §3.6.1, RFC 6191 §2.
    let (mut h, old) = in_time_wait();
    h.send(syn(PEER_ISN + 100_000));
    assert_eq!(h.ep.state(old), State::Closed);
    assert!(h.events.contains(&Event::Reopened { conn: old }));
    let synack = h.recv_one();
    assert_eq!((synack.flags, synack.ack), (SYN | ACK, PEER_ISN + 100_001));
    // The new ISS lies past all the old connection used, by a full window.
    assert_eq!(synack.seq, (OUR_ISN + 2).wrapping_add(65_537));
}

#[test]
fn an_old_syn_in_time_wait_is_answered_and_time_wait_goes_on() {
    let (mut h, old) = in_time_wait();
    h.send(syn(PEER_ISN));
    assert_eq!(h.ep.state(old), State::TimeWait);
    let answer = h.recv_one();
    assert_eq!((answer.flags, answer.ack), (ACK, PEER_ISN + 2));
}

#[test]
fn a_cookie_forged_without_the_secret_is_refused() {
    // RFC 4987 §3.6: the cookie must be keyed by a secret the attacker cannot
    // know. The teaching ISN is public; a key derived from it would let
    // anyone forge a cookie and open a connection with no SYN at all.
    let secret = 0x2545_f491_4f6c_dd1d;
    let mut h = Host::new(Config {
        backlog: 0,
        syn_cookies: true,
        cookie_secret: secret,
        ..config()
    });
    h.ep.listen(80).unwrap();
    let local = SocketAddrV4::new(US, 80);
    let remote = SocketAddrV4::new(PEER, PEER_PORT);
    let cookie_with = |key: u64| syn_cookie::make(key, h.now, local, remote, SeqNumber(PEER_ISN), 536).0;
    let guessed = OUR_ISN as u64 ^ 0x5eed_c00c_1e5e_c7e7;
    let forged = cookie_with(guessed);
    let genuine = cookie_with(secret);
    h.send(acking(0).clone_with_ack(forged.0.wrapping_add(1)));
    assert_eq!(h.recv_one().flags, RST, "the forged cookie is refused");
    assert_eq!(h.ep.connections().count(), 0);
    h.send(acking(0).clone_with_ack(genuine.0.wrapping_add(1)));
    assert!(h.events.iter().any(|e| matches!(e, Event::SynCookieAccepted { .. })));
}

impl Seg {
    fn clone_with_ack(&self, ack: u32) -> Seg {
        Seg { ack, ..self.clone() }
    }
}

/// A host that offers SACK and timestamps (RFC 2018, RFC 7323).
fn modern() -> Config {
    Config {
        sack: true,
        timestamps: true,
        ..config()
    }
}

fn ts(val: u32, ecr: u32) -> TcpOptions {
    TcpOptions {
        timestamps: Some((val, ecr)),
        ..TcpOptions::default()
    }
}

/// A SYN offering MSS 536 with `options`, answered; the handshake done
/// with the peer's timestamp `ts_val` on its ACK if timestamps are on.
fn handshake(config: Config, syn_options: TcpOptions) -> (Host, ConnId, Segment) {
    let mut h = Host::new(config);
    h.ep.listen(80).unwrap();
    h.now = Instant::from_millis(5000);
    h.send(Seg {
        options: syn_options,
        ..syn(PEER_ISN)
    });
    let synack = h.recv_one();
    h.now = Instant::from_millis(5100);
    let ack_options = syn_options
        .timestamps
        .map_or(TcpOptions::default(), |(v, _)| ts(v + 100, 5000));
    h.send(Seg {
        options: ack_options,
        ..TEMPLATE()
    });
    let id = h.conn();
    assert_eq!(h.ep.state(id), State::Established);
    (h, id, synack)
}

#[test]
fn sack_and_timestamps_are_used_only_when_both_syns_offer_them() {
    // RFC 2018 §2, RFC 7323 §3.2: the SYN,ACK answers only what the SYN offered.
    let offered = TcpOptions {
        sack_permitted: true,
        ..ts(700, 0)
    };
    let (_, _, synack) = handshake(modern(), offered);
    assert!(synack.options.sack_permitted);
    assert_eq!(
        synack.options.timestamps,
        Some((5000, 700)),
        "TSval is our clock in ms; TSecr echoes the SYN"
    );
    let (mut h, id, synack) = handshake(modern(), TcpOptions::default());
    assert!(!synack.options.sack_permitted && synack.options.timestamps.is_none());
    // Without them, data segments carry no options and use the whole MSS.
    h.ep.send(id, &[7; 2000]).unwrap();
    let data = h.recv();
    assert!(data.iter().all(|s| s.options == TcpOptions::default()));
    assert_eq!(data[0].len, 536);
    // Our host not offering: the peer's offer is declined.
    let (_, _, synack) = handshake(config(), offered);
    assert!(!synack.options.sack_permitted && synack.options.timestamps.is_none());
}

#[test]
fn timestamps_echo_ts_recent_time_every_ack_and_shrink_the_payload() {
    let (mut h, id, _) = handshake(modern(), ts(700, 0));
    h.now = Instant::from_millis(6000);
    h.ep.send(id, &[7; 1200]).unwrap();
    let data = h.recv();
    // RFC 6691: the 12 bytes of the option come out of the 536-byte MSS.
    assert_eq!(data[0].len, 524);
    // RFC 7323 §4.3: TSecr is the TSval of the peer's last in-order segment.
    assert!(data.iter().all(|s| s.options.timestamps == Some((6000, 800))));
    // RFC 7323 §4: an ACK 230 ms later echoing our TSval is a 230 ms sample,
    // and so is the next; RFC 6298 computes the RTO from them.
    h.events.clear();
    h.now = Instant::from_millis(6230);
    h.send(Seg {
        ack: OUR_ISN + 1 + 524,
        options: ts(900, 6000),
        ..TEMPLATE()
    });
    let samples: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::RttSample { rtt, .. } => Some(rtt.millis()),
            _ => None,
        })
        .collect();
    assert_eq!(samples, [230]);
    // The peer's newer TSval is echoed from now on.
    h.ep.send(id, b"more").unwrap();
    let next = h.recv();
    assert_eq!(next[0].options.timestamps, Some((6230, 900)));
}

#[test]
fn paws_drops_a_segment_with_an_old_timestamp_and_acks() {
    // RFC 7323 §5.3: an in-window segment whose TSval is older than TS.Recent
    // is an old duplicate (its sequence numbers may have wrapped): dropped.
    let (mut h, id, _) = handshake(modern(), ts(700, 0));
    h.events.clear();
    h.send(Seg {
        flags: ACK | PSH,
        payload: b"old".to_vec(),
        options: ts(650, 5000),
        ..TEMPLATE()
    });
    assert_eq!(h.ep.readable(id), 0, "the old segment's data is not delivered");
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Rejected {
            reason: RejectReason::Paws,
            ..
        }
    )));
    let ack = h.recv_one();
    assert_eq!((ack.flags, ack.ack), (ACK, PEER_ISN + 1));
    // The same bytes with a current timestamp are taken.
    h.send(Seg {
        flags: ACK | PSH,
        payload: b"new".to_vec(),
        options: ts(801, 5000),
        ..TEMPLATE()
    });
    assert_eq!(h.ep.readable(id), 3);
}

#[test]
fn the_receiver_reports_sack_blocks_newest_first_and_a_dsack_for_a_copy() {
    let offered = TcpOptions {
        sack_permitted: true,
        ..TcpOptions::default()
    };
    let (mut h, _, _) = handshake(modern(), offered);
    let data = |at: u32, len: usize| Seg {
        flags: ACK,
        seq: PEER_ISN + 1 + at,
        payload: vec![1; len],
        ..TEMPLATE()
    };
    let blocks = |s: &Segment| -> Vec<(u32, u32)> { s.options.sack.iter().map(|(l, r)| (l.0, r.0)).collect() };
    let base = PEER_ISN + 1;
    h.send(data(100, 100));
    assert_eq!(blocks(&h.recv_one()), [(base + 100, base + 200)]);
    h.send(data(300, 100));
    assert_eq!(
        blocks(&h.recv_one()),
        [(base + 300, base + 400), (base + 100, base + 200)]
    );
    // Filling between them joins the two blocks into one, reported first.
    h.send(data(200, 100));
    assert_eq!(blocks(&h.recv_one()), [(base + 100, base + 400)]);
    // A copy of held bytes: a D-SACK block first, then the block it lies in (RFC 2883 §4).
    h.send(data(150, 50));
    assert_eq!(
        blocks(&h.recv_one()),
        [(base + 150, base + 200), (base + 100, base + 400)]
    );
    // The gap filled: everything is in order and no block remains.
    h.send(data(0, 100));
    let ack = h.recv_one();
    assert_eq!((ack.ack, blocks(&ack)), (base + 400, vec![]));
    // A copy of old bytes: a D-SACK below the ACK.
    h.send(data(0, 100));
    assert_eq!(blocks(&h.recv_one()), [(base, base + 100)]);
}
