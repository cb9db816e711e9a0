//! Swarm testing: a fault profile drawn per seed.
//!
//! A sweep where every run shares one configuration explores the middle of
//! the space; drawing the configuration per seed (Groce, Zhang, Eide, Chen
//! and Regehr, ISSTA 2012) also reaches its corners: runs where switch
//! points never yield, runs where they yield half the time, runs with and
//! without planted faults, calm networks and stormy ones (more loss, more
//! duplication, a wider latency spread). The profile derives from the seed
//! alone, so `SEEDLOOP_SEED` replays it.

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
    /// The least loss probability of every link, in thousandths.
    pub(crate) loss_permille: u16,
    /// The least duplication probability of every link, in thousandths.
    pub(crate) duplicate_permille: u16,
    /// How many times wider each link's latency range becomes.
    pub(crate) latency_spread: u8,
}

impl Profile {
    /// The network of a run: the test's own, made at least as stormy as
    /// the profile says.
    pub(crate) fn network(&self, net: &crate::net::NetConfig) -> crate::net::NetConfig {
        let link = net.link();
        let range = link.latency_range();
        let width = range.end.saturating_sub(range.start);
        let end = range.start + width * u32::from(self.latency_spread);
        net.clone()
            .loss(
                link.loss_probability()
                    .max(f64::from(self.loss_permille) / 1000.0),
            )
            .duplicate(
                link.duplicate_probability()
                    .max(f64::from(self.duplicate_permille) / 1000.0),
            )
            .latency(range.start..end)
    }
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
    let loss_permille = [0, 10, 50, 200][uniform(&mut rng, 4) as usize];
    let duplicate_permille = [0, 0, 10, 50][uniform(&mut rng, 4) as usize];
    let latency_spread = [1, 1, 4, 10][uniform(&mut rng, 4) as usize];
    Profile {
        yield_p,
        buggify,
        loss_permille,
        duplicate_permille,
        latency_spread,
    }
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
        for l in [0, 10, 50, 200] {
            assert!(
                all.iter().any(|p| p.loss_permille == l),
                "loss {l} never drawn"
            );
        }
        assert!(all.iter().any(|p| p.duplicate_permille == 50));
        assert!(all.iter().any(|p| p.latency_spread == 10));
    }

    #[test]
    fn a_profile_only_makes_the_network_stormier() {
        use std::time::Duration;
        let calm = crate::net::NetConfig::new()
            .loss(0.3)
            .latency(Duration::from_millis(2)..Duration::from_millis(4));
        let p = Profile {
            yield_p: 0,
            buggify: 0,
            loss_permille: 10,
            duplicate_permille: 50,
            latency_spread: 10,
        };
        let net = p.network(&calm);
        assert_eq!(
            net.link().loss_probability(),
            0.3,
            "the test's own loss is kept"
        );
        assert_eq!(net.link().duplicate_probability(), 0.05);
        assert_eq!(
            net.link().latency_range(),
            Duration::from_millis(2)..Duration::from_millis(22)
        );
        assert!(net.validate().is_ok());
    }
}
