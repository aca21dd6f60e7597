//! Any bytes: parsing, field description and re-emission never panic, and
//! whatever parses re-emits to bytes that parse to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpsim::wire;

fuzz_target!(|data: &[u8]| {
    let _ = wire::fields::describe(data);
    if let Ok(d) = wire::parse_datagram(data) {
        let again = wire::emit_datagram(&d.ip, &d.tcp);
        let reparsed = wire::parse_datagram(&again).expect("emitted datagram must parse");
        assert_eq!(reparsed.tcp, d.tcp);
        assert_eq!(reparsed.ip, d.ip);
    }
});
