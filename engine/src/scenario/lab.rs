//! The lab: a learner's changes to a scenario's wire, hosts and payload.
//! Applied on top of the scenario's own setup before the run; every field
//! left `None` keeps the scenario's choice.

use super::Setup;
use crate::time::Duration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
