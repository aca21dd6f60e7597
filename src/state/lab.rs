//! The lab: a learner's changes to a scenario's wire, hosts and payload.
//! Applied on top of the scenario's own setup before the run; every field
//! left `None` keeps the scenario's choice. The page's model, not the
//! engine's: the engine only ever sees the setup that results.

use tcpsim::scenario::Setup;
use tcpsim::time::Duration;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lab {
    /// One-way delay, both directions (ms).
    pub latency_ms: Option<u64>,
    /// Extra random delay per datagram, up to this (ms).
    pub jitter_ms: Option<u64>,
    /// Chance that a datagram is lost, in percent (0–100).
    pub loss_percent: Option<u8>,
    /// Chance that a datagram is held back and overtaken, in percent.
    pub reorder_percent: Option<u8>,
    /// Bottleneck rate in kbit/s, both directions.
    pub bandwidth_kbps: Option<u64>,
    /// Nagle's algorithm on both hosts (RFC 9293 §3.7.4).
    pub nagle: Option<bool>,
    /// Delayed ACKs (200 ms) on both hosts (RFC 9293 §3.8.6.3).
    pub delayed_ack: Option<bool>,
    /// SYN cookies on the server.
    pub syn_cookies: Option<bool>,
    /// What the client's application sends.
    pub payload: Option<Vec<u8>>,
    /// Each host's TCP as a whole, then its congestion control: (client,
    /// server). Only the build with modern TCP offers them.
    #[cfg(feature = "full")]
    pub profile: [Option<tcpsim::tcp::Profile>; 2],
    #[cfg(feature = "full")]
    pub congestion: [Option<tcpsim::tcp::Algorithm>; 2],
}

impl Lab {
    pub fn apply(&self, setup: &mut Setup) {
        for link in [&mut setup.c2s, &mut setup.s2c] {
            if let Some(ms) = self.latency_ms {
                link.latency = Duration::from_millis(ms);
            }
            if let Some(ms) = self.jitter_ms {
                link.jitter = Duration::from_millis(ms);
            }
            if let Some(p) = self.loss_percent {
                link.loss = f64::from(p.min(100)) / 100.0;
            }
            if let Some(p) = self.reorder_percent {
                link.reorder = f64::from(p.min(100)) / 100.0;
            }
            if let Some(kbps) = self.bandwidth_kbps {
                link.bandwidth_bps = (kbps > 0).then_some(kbps.saturating_mul(1000));
            }
        }
        // A profile first: the choices below are made on top of it.
        #[cfg(feature = "full")]
        for (k, host) in [&mut setup.client, &mut setup.server].into_iter().enumerate() {
            if let Some(profile) = self.profile[k] {
                profile.apply(host);
            }
            if let Some(algorithm) = self.congestion[k] {
                host.congestion = algorithm;
            }
        }
        for host in [&mut setup.client, &mut setup.server] {
            if let Some(on) = self.nagle {
                host.nagle = on;
            }
            if let Some(on) = self.delayed_ack {
                host.delayed_ack = on.then_some(Duration::from_millis(200));
            }
        }
        if let Some(on) = self.syn_cookies {
            setup.server.syn_cookies = on;
        }
        if let Some(data) = &self.payload {
            setup.client_app.set_payload(data.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    //! The lab's settings change the run the way they say.

    use super::*;
    use tcpsim::net::Side;
    use tcpsim::scenario;
    use tcpsim::scenario::RunOptions;
    use tcpsim::trace::{Segment, Trace};

    fn run(lab: Lab) -> Trace {
        let mut setup = (scenario::find("curl").unwrap().setup)();
        lab.apply(&mut setup);
        scenario::run_setup("curl", setup, &RunOptions::default())
    }

    fn segments(trace: &Trace) -> Vec<(u64, Side, Segment)> {
        trace
            .segments()
            .map(|(at, side, _, s)| (at.micros(), side, *s))
            .collect()
    }

    #[cfg(feature = "full")]
    #[test]
    fn each_host_takes_its_own_profile_and_congestion_control() {
        use tcpsim::tcp::{Algorithm, Event, Profile};
        use tcpsim::trace::What;
        let trace = run(Lab {
            profile: [Some(Profile::ModernLinux), None],
            ..Lab::default()
        });
        let segs = segments(&trace);
        // The client's SYN offers everything; the teaching server answers
        // with the MSS alone, so neither SACK nor timestamps are used.
        assert!(segs[0].2.options.sack_permitted && segs[0].2.options.timestamps.is_some());
        assert!(!segs[1].2.options.sack_permitted && segs[1].2.options.timestamps.is_none());
        assert!(segs[2..].iter().all(|s| s.2.options.timestamps.is_none()));
        // CUBIC reports its variables; NewReno has none to report.
        let cubic_reports = |t: &Trace, side: Side| {
            t.records.iter().filter(|r| r.side == side).any(|r| {
                matches!(
                    r.what,
                    What::Engine {
                        event: Event::CongestionVariables { .. }
                    }
                )
            })
        };
        let trace = run(Lab {
            congestion: [None, Some(Algorithm::Cubic)],
            ..Lab::default()
        });
        assert!(cubic_reports(&trace, Side::Server) && !cubic_reports(&trace, Side::Client));
    }

    #[test]
    fn payload_replaces_what_the_client_sends() {
        let request = b"GET /lab HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        let trace = run(Lab {
            payload: Some(request.clone()),
            ..Lab::default()
        });
        let data: Vec<_> = segments(&trace)
            .into_iter()
            .filter(|(_, side, s)| *side == Side::Client && s.len > 0)
            .collect();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].2.len as usize, request.len());
        assert!(trace.received[Side::Server.index()] == request);
    }

    #[test]
    fn latency_sets_the_round_trip() {
        let trace = run(Lab {
            latency_ms: Some(80),
            ..Lab::default()
        });
        let segs = segments(&trace);
        // The SYN-ACK leaves the server one one-way delay after the SYN left.
        assert_eq!(segs[1].0 - segs[0].0, 80_000);
    }

    #[test]
    fn total_loss_means_the_connection_times_out() {
        let trace = run(Lab {
            loss_percent: Some(100),
            ..Lab::default()
        });
        let segs = segments(&trace);
        assert!(
            segs.iter().all(|(_, side, s)| *side == Side::Client && s.flags.syn()),
            "only SYNs are ever sent"
        );
        assert!(segs.len() > 1, "the SYN is retried");
        assert!(trace.received.iter().all(|r| r.is_empty()));
    }

    #[test]
    fn delayed_ack_lets_the_ack_ride_on_data() {
        // With delayed ACKs the server's ACK of the request waits and rides
        // on the response, so the pure ACK (#5 of the default story) goes.
        let plain = segments(&run(Lab::default())).len();
        let delayed = segments(&run(Lab {
            delayed_ack: Some(true),
            ..Lab::default()
        }))
        .len();
        assert!(delayed < plain, "{delayed} segments with delayed ACKs, {plain} without");
    }

    #[test]
    fn no_delayed_ack_acknowledges_each_response_segment() {
        // The story's client delays ACKs, so one ACK covers both response
        // segments; switched off, each gets its own (RFC 9293 §3.8.6.3).
        assert!(crate::state::run("curl", None, &[], &Lab::default()).delays_acks);
        let client_acks = |trace: &Trace| {
            segments(trace)
                .iter()
                .filter(|(_, side, s)| *side == Side::Client && s.len == 0 && !s.flags.syn() && !s.flags.fin())
                .count()
        };
        let story = client_acks(&run(Lab::default()));
        let off = client_acks(&run(Lab {
            delayed_ack: Some(false),
            ..Lab::default()
        }));
        assert_eq!(off, story + 1);
    }
}
