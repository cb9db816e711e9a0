//! `Random`: every choice drawn from ChaCha8 seeded with the run's seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChoiceKind, Scheduler};

pub(crate) struct Random {
    rng: ChaCha8Rng,
}

impl Random {
    pub(crate) fn new(seed: u64) -> Random {
        Random {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl Scheduler for Random {
    #[inline]
    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32 {
        debug_assert!((2..=1 << 32).contains(&n), "choice bound {n} out of range");
        if kind == ChoiceKind::Yield {
            // A switch point yields with probability 1/4: often enough to
            // expose races around locks and channels, rarely enough that
            // runs still make progress at a good pace.
            return u32::from(self.rng.next_u32() < 1 << 30);
        }
        // Widening multiply: maps a uniform 64-bit word onto 0..n. The bias is
        // below n / 2^64 <= 2^-32, irrelevant for exploration.
        let x = self.rng.next_u64();
        ((u128::from(x) * u128::from(n)) >> 64) as u32
    }
}
