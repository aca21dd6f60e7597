//! TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4).

use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use serde::{Deserialize, Serialize};

/// A sequence number. `PartialOrd` only, never `Ord`: comparison is modulo
/// 2^32, so sorting a set of them as plain integers would be a bug.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// Signed distance `self - other`, correct while the two are less than
    /// 2^31 apart (RFC 9293 §3.4: comparisons use modular arithmetic).
    pub const fn diff(self, other: SeqNumber) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// Bytes from `earlier` up to `self`, or 0 if `self` is not after it.
    /// Never underflows (smoltcp #489, #1048).
    pub fn since(self, earlier: SeqNumber) -> usize {
        self.diff(earlier).max(0) as usize
    }

    pub fn max(self, other: SeqNumber) -> SeqNumber {
        if self > other {
            self
        } else {
            other
        }
    }

    pub fn min(self, other: SeqNumber) -> SeqNumber {
        if self < other {
            self
        } else {
            other
        }
    }
}

impl PartialOrd for SeqNumber {
    fn partial_cmp(&self, other: &SeqNumber) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<usize> for SeqNumber {
    type Output = SeqNumber;
    fn add(self, n: usize) -> SeqNumber {
        // A step of 2^31 or more would make comparisons meaningless; lengths
        // here are bounded by buffer sizes far below that, so wrap silently.
        SeqNumber(self.0.wrapping_add(n as u32))
    }
}

impl AddAssign<usize> for SeqNumber {
    fn add_assign(&mut self, n: usize) {
        *self = *self + n;
    }
}

impl Sub<usize> for SeqNumber {
    type Output = SeqNumber;
    fn sub(self, n: usize) -> SeqNumber {
        SeqNumber(self.0.wrapping_sub(n as u32))
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_wraps_around() {
        let near_top = SeqNumber(u32::MAX - 10);
        let wrapped = near_top + 20;
        assert_eq!(wrapped, SeqNumber(9));
        assert!(wrapped > near_top);
        assert!(near_top < wrapped);
        assert_eq!(wrapped.diff(near_top), 20);
        assert_eq!(near_top.diff(wrapped), -20);
        assert_eq!(wrapped.since(near_top), 20);
        assert_eq!(near_top.since(wrapped), 0);
        assert_eq!(near_top.max(wrapped), wrapped);
        assert_eq!(near_top.min(wrapped), near_top);
    }

    #[test]
    fn equal_numbers_are_neither_less_nor_greater() {
        let (a, b) = (SeqNumber(7), SeqNumber(7));
        assert_eq!(a.partial_cmp(&b), Some(Ordering::Equal));
    }

    #[test]
    fn subtraction_wraps_below_zero() {
        assert_eq!(SeqNumber(3) - 5, SeqNumber(u32::MAX - 1));
    }
}
