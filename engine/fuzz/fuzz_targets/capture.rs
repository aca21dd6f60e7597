//! The capture importer on any bytes: reading the file, decoding every
//! frame, the analysis marks and the inferred states must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpsim::capture::{self, analysis, states, Vantage};

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = capture::open(data) {
        let _ = capture.busiest();
        for c in &capture.conversations {
            let _ = (c.bytes(true), c.duration_us(), c.handshake_seen(), c.close_seen());
            let marks = analysis::analyze(c);
            assert_eq!(marks.len(), c.packets.len());
            let timeline = states::infer(c, Vantage::infer(c));
            assert_eq!(timeline.after.len(), c.packets.len());
        }
    }
});
