//! `Random`: every choice drawn from ChaCha8 seeded with the run's seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChoiceKind, Scheduler, uniform};

pub(crate) struct Random {
    rng: ChaCha8Rng,
    /// The probability that a switch point yields, in units of 2^-32.
    yield_p: u32,
}

impl Random {
    pub(crate) fn new(yield_p: u32) -> Random {
        Random {
            rng: ChaCha8Rng::seed_from_u64(0),
            yield_p,
        }
    }
}

impl Scheduler for Random {
    /// The generator starts again from the run's seed.
    fn new_run(&mut self, seed: u64) -> bool {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        true
    }

    #[inline]
    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32 {
        debug_assert!((2..=1 << 32).contains(&n), "choice bound {n} out of range");
        match kind {
            // A switch point yields with probability 1/4 by default: often
            // enough to expose races around locks and channels, rarely
            // enough that runs still make progress at a good pace.
            ChoiceKind::Yield => u32::from(self.rng.next_u32() < self.yield_p),
            ChoiceKind::Coin { p } => u32::from(p == u32::MAX || self.rng.next_u32() < p),
            _ => uniform(&mut self.rng, n) as u32,
        }
    }
}
