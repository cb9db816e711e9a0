//! `Portfolio`: each run draws its strategy from a mix, by its seed alone
//! (shuttle's portfolio runner; swarm testing, Groce et al., ISSTA 2012,
//! shows why a mix of settings finds more than the best single one).
//!
//! | member | share |
//! |---|---|
//! | `Random`, the sweep's switch-point yield probability (1/4, or swarm's) | 1/6 |
//! | `Random`, switch points yield with probability 1/16 | 1/6 |
//! | `Random`, switch points yield with probability 1/2 | 1/6 |
//! | `Pct` at depth 1 | 1/6 |
//! | `Pct` at depth 2 | 1/6 |
//! | `Pct` at depth 3 | 1/6 |
//!
//! The member is a function of the seed, so a seed replays the same run
//! and a sweep's results do not depend on how many jobs share it.

use super::{ChoiceKind, Scheduler, Tuning, pct::Pct, random::Random};

/// The mix, and this run's member.
pub(crate) struct Portfolio {
    tuning: Tuning,
    inner: Box<dyn Scheduler>,
}

impl Portfolio {
    pub(crate) fn new(tuning: Tuning) -> Portfolio {
        Portfolio {
            tuning,
            inner: Box::new(Random::new(tuning.yield_p)),
        }
    }
}

/// Which member a seed runs: 0 to 5, as the module's table lists them.
pub(crate) fn member(seed: u64) -> u64 {
    // A mix of the seed's bits (splitmix64's finaliser), so that
    // consecutive seeds spread over the members.
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 6
}

impl Scheduler for Portfolio {
    fn new_run(&mut self, seed: u64) -> bool {
        let steps = self.tuning.steps_hint;
        self.inner = match member(seed) {
            0 => Box::new(Random::new(self.tuning.yield_p)),
            1 => Box::new(Random::new(1 << 28)),
            2 => Box::new(Random::new(1 << 31)),
            m => Box::new(Pct::new((m - 2) as u32, steps)),
        };
        self.inner.new_run(seed)
    }

    fn choose(&mut self, kind: ChoiceKind, n: u64) -> u32 {
        self.inner.choose(kind, n)
    }

    fn pick(&mut self, n: usize, id: &dyn Fn(usize) -> u64) -> u32 {
        self.inner.pick(n, id)
    }

    fn every_step(&self) -> bool {
        self.inner.every_step()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_is_drawn_and_the_draw_depends_on_the_seed_alone() {
        let mut counts = [0u32; 6];
        for seed in 0..6000 {
            counts[member(seed) as usize] += 1;
            assert_eq!(member(seed), member(seed));
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }
}
