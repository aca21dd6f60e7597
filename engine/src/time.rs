//! The engine's own clock types. Nothing in the engine reads a real clock:
//! every `Instant` comes in from the caller (the simulator, a test, the page).

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use serde::{Deserialize, Serialize};

/// A point on the simulated clock, in whole microseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Instant(pub u64);

/// A span of simulated time, in whole microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Duration(pub u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms * 1000)
    }
    pub const fn micros(self) -> u64 {
        self.0
    }
    pub const fn millis(self) -> u64 {
        self.0 / 1000
    }
    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

/// The earlier of two optional deadlines (`None`: no deadline). A plain
/// function rather than an iterator chain: the page's wasm is smaller.
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_micros(us: u64) -> Self {
        Duration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1000)
    }
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000)
    }
    pub const fn micros(self) -> u64 {
        self.0
    }
    pub const fn millis(self) -> u64 {
        self.0 / 1000
    }
    pub const fn saturating_mul(self, k: u64) -> Duration {
        Duration(self.0.saturating_mul(k))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, d: Duration) -> Duration {
        Duration(self.0.saturating_sub(d.0))
    }
}

impl fmt::Display for Instant {
    /// Seconds with microsecond precision, as tcpdump prints relative times.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Integer arithmetic only: printing floats would pull float
        // formatting into the page's wasm.
        let (whole, frac, digits, unit) = if self.0 >= 1_000_000 && self.0.is_multiple_of(1000) {
            (self.0 / 1_000_000, self.0 % 1_000_000, 6, "s")
        } else {
            (self.0 / 1000, self.0 % 1000, 3, "ms")
        };
        if frac == 0 {
            return write!(f, "{whole}{unit}");
        }
        let frac = format!("{frac:0digits$}");
        write!(f, "{whole}.{}{unit}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod display_tests {
    use super::Duration;

    #[test]
    fn durations_print_like_their_float_values() {
        for (us, text) in [
            (1_500_000, "1.5s"),
            (2_000_000, "2s"),
            (200_000, "200ms"),
            (25_500, "25.5ms"),
            (1_000_001, "1000.001ms"),
            (7, "0.007ms"),
            (0, "0ms"),
        ] {
            assert_eq!(Duration(us).to_string(), text);
        }
    }
}
