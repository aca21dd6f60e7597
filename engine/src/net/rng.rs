//! A small seeded pseudo-random generator. All randomness in a simulation
//! comes from one of these, so the same seed gives the same run, bit for bit.

/// Stub until the net helper lands the real generator.
pub struct Rng;
