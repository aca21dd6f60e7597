//! A small seeded pseudo-random generator. All randomness in a simulation
//! comes from one of these, so the same seed gives the same run, bit for bit.
//!
//! The generator is xoshiro256** 1.0 by David Blackman and Sebastiano Vigna
//! (<https://prng.di.unimi.it/xoshiro256starstar.c>), with its 256-bit state
//! filled from the 64-bit seed by SplitMix64 (Steele, Lea and Flood, "Fast
//! splittable pseudorandom number generators", OOPSLA 2014), which is what
//! the xoshiro authors recommend. It is written out here rather than taken
//! from a crate so that the sequence for a seed can never change under us
//! with a dependency update: recorded scenarios must replay identically.
//!
//! Independent streams: a simulation should not feed unrelated decisions
//! from one generator, or turning one knob (say, the duplicate probability)
//! shifts every later draw and changes unrelated outcomes (which datagrams
//! are lost). [`Rng::stream`] derives a separate generator per purpose from
//! the run's seed, so each kind of decision has its own sequence.

use crate::time::Duration;

/// SplitMix64's increment: 2^64 divided by the golden ratio, odd.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijective 64-bit mixer.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A deterministic xoshiro256** generator.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        // Four consecutive SplitMix64 outputs. `mix64` is a bijection, so at
        // most one of the four words can be zero and the state is never the
        // all-zero state xoshiro must avoid.
        let mut x = seed;
        let mut s = [0u64; 4];
        for word in &mut s {
            x = x.wrapping_add(GOLDEN_GAMMA);
            *word = mix64(x);
        }
        Rng { s }
    }

    /// The generator for sub-stream `stream` of a run seeded with `seed`.
    /// Different streams of one seed give unrelated sequences, so each kind
    /// of random decision can use its own and stay unaffected by how often
    /// the others draw.
    pub fn stream(seed: u64, stream: u64) -> Rng {
        // Hashing the stream number spreads nearby numbers (0, 1, 2, ...)
        // across the whole seed space before combining with the seed.
        Rng::new(seed ^ mix64(stream.wrapping_mul(GOLDEN_GAMMA) ^ 0x5851_f42d_4c95_7f2d))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }

    /// The next 32 random bits (the high half, xoshiro's strongest bits).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in [0, 1), with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// True with probability `p`.
    ///
    /// Draws exactly one value when `p > 0` (including `p >= 1`, which is
    /// always true) and nothing when `p <= 0` or `p` is NaN, so a disabled
    /// fault costs nothing and a stream advances once per decision.
    pub fn chance(&mut self, p: f64) -> bool {
        if p.is_nan() || p <= 0.0 {
            return false;
        }
        self.next_f64() < p
    }

    /// Uniform in [0, n); 0 (drawing nothing) when `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Lemire, "Fast Random Integer Generation in an Interval" (2019):
        // multiply into 128 bits and reject the few low products that would
        // make some results more likely than others.
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in [0, max], both ends included; draws nothing if `max` is 0.
    pub fn range_duration(&mut self, max: Duration) -> Duration {
        if max == Duration::ZERO {
            return Duration::ZERO;
        }
        let micros = match max.micros().checked_add(1) {
            Some(n) => self.below(n),
            // [0, u64::MAX] is every u64.
            None => self.next_u64(),
        };
        Duration::from_micros(micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(rng: &mut Rng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_seed_gives_same_sequence() {
        let a = first(&mut Rng::new(42), 100);
        let b = first(&mut Rng::new(42), 100);
        assert_eq!(a, b);
    }

    #[test]
    fn clone_continues_identically() {
        let mut a = Rng::new(7);
        a.next_u64();
        let mut b = a.clone();
        assert_eq!(first(&mut a, 10), first(&mut b, 10));
    }

    #[test]
    fn different_seeds_differ() {
        let a = first(&mut Rng::new(1), 16);
        let b = first(&mut Rng::new(2), 16);
        assert!(a.iter().zip(&b).all(|(x, y)| x != y));
    }

    #[test]
    fn seed_zero_is_usable() {
        let v = first(&mut Rng::new(0), 16);
        assert!(v.iter().any(|&x| x != 0));
    }

    #[test]
    fn streams_of_one_seed_differ_from_each_other_and_the_seed() {
        let base = first(&mut Rng::new(9), 8);
        let s0 = first(&mut Rng::stream(9, 0), 8);
        let s1 = first(&mut Rng::stream(9, 1), 8);
        assert_ne!(s0, s1);
        assert_ne!(s0, base);
        assert_ne!(s1, base);
        assert_eq!(s1, first(&mut Rng::stream(9, 1), 8));
    }

    #[test]
    fn next_u32_is_the_high_half() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        assert_eq!(u64::from(a.next_u32()), b.next_u64() >> 32);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(3);
        let mut seen = [false; 7];
        for _ in 0..10_000 {
            let x = rng.below(7);
            assert!(x < 7);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        for _ in 0..1000 {
            assert!(rng.below(u64::MAX) < u64::MAX);
            assert_eq!(rng.below(1), 0);
        }
    }

    #[test]
    fn below_zero_is_zero_and_draws_nothing() {
        let mut a = Rng::new(11);
        let mut b = Rng::new(11);
        assert_eq!(a.below(0), 0);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn next_f64_is_in_unit_interval_and_roughly_uniform() {
        let mut rng = Rng::new(2024);
        let n = 10_000;
        let mut sum = 0.0;
        let mut low_half = 0;
        for _ in 0..n {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x));
            sum += x;
            if x < 0.5 {
                low_half += 1;
            }
        }
        let mean = sum / f64::from(n);
        assert!((0.45..0.55).contains(&mean), "mean {mean}");
        assert!((4500..5500).contains(&low_half), "{low_half} below 0.5");
    }

    #[test]
    fn chance_extremes() {
        let mut rng = Rng::new(8);
        for _ in 0..1000 {
            assert!(!rng.chance(0.0));
            assert!(!rng.chance(-1.0));
            assert!(!rng.chance(f64::NAN));
            assert!(rng.chance(1.0));
            assert!(rng.chance(2.0));
        }
    }

    #[test]
    fn chance_zero_draws_nothing_positive_draws_once() {
        let mut a = Rng::new(12);
        let mut b = Rng::new(12);
        a.chance(0.0);
        a.chance(1.0);
        b.next_u64();
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn chance_frequency_matches_probability() {
        let mut rng = Rng::new(77);
        let hits = (0..10_000).filter(|_| rng.chance(0.25)).count();
        assert!((2250..2750).contains(&hits), "{hits}");
    }

    #[test]
    fn range_duration_is_inclusive_and_bounded() {
        let mut rng = Rng::new(4);
        let max = Duration::from_micros(3);
        let mut seen = [false; 4];
        for _ in 0..1000 {
            let d = rng.range_duration(max);
            assert!(d <= max);
            seen[d.micros() as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.range_duration(Duration::ZERO), Duration::ZERO);
        // The full range must not overflow.
        rng.range_duration(Duration::from_micros(u64::MAX));
    }

    #[test]
    fn seeding_matches_reference_splitmix64() {
        // The SplitMix64 outputs for seed 1234567 from the reference C code
        // (also the `rand` crate's test vector).
        let rng = Rng::new(1_234_567);
        let expected = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
        ];
        assert_eq!(rng.s, expected);
    }

    #[test]
    fn matches_reference_xoshiro256starstar() {
        // The published test vector for state {1, 2, 3, 4} (also used by
        // the `rand_xoshiro` crate), so a typo in the shifts or rotations
        // cannot hide behind "it looks random".
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let expected = [
            11_520,
            0,
            1_509_978_240,
            1_215_971_899_390_074_240,
            1_216_172_134_540_287_360,
        ];
        for want in expected {
            assert_eq!(rng.next_u64(), want);
        }
    }
}
