//! Swarm testing: a fault profile drawn per seed.
//!
//! A sweep where every run shares one configuration explores the middle of
//! the space; drawing the configuration per seed (Groce, Zhang, Eide, Chen
//! and Regehr, ISSTA 2012) also reaches its corners: runs where switch
//! points never yield, runs where they yield half the time, runs with and
//! without planted faults. The profile derives from the seed alone, so
//! `SEEDLOOP_SEED` replays it.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::strategy::uniform;

/// One seed's profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The probability that a switch point yields, in units of 2^-32.
    pub(crate) yield_p: u32,
    /// The probability that `buggify!` is enabled: 0 or 1 (`u32::MAX`).
    pub(crate) buggify: u32,
}

/// The profile of `seed` (independent of the run's own generator).
pub(crate) fn profile(seed: u64) -> Profile {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_1009_5a4a_f00d);
    let yield_p = [0, 1 << 28, 1 << 30, 1 << 31][uniform(&mut rng, 4) as usize];
    let buggify = if uniform(&mut rng, 2) == 1 {
        u32::MAX
    } else {
        0
    };
    Profile { yield_p, buggify }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_vary_with_the_seed_and_repeat_for_the_same_seed() {
        let all: Vec<Profile> = (0..64).map(profile).collect();
        assert_eq!(all, (0..64).map(profile).collect::<Vec<_>>());
        for y in [0, 1 << 28, 1 << 30, 1 << 31] {
            assert!(all.iter().any(|p| p.yield_p == y), "yield {y} never drawn");
        }
        assert!(all.iter().any(|p| p.buggify == 0));
        assert!(all.iter().any(|p| p.buggify == u32::MAX));
    }
}
