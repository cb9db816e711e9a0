//! Swarm testing: a fault profile drawn per seed.
//!
//! A sweep where every run shares one configuration explores the middle of
//! the space; drawing the configuration per seed (Groce, Zhang, Eide, Chen
//! and Regehr, ISSTA 2012) also reaches its corners: runs where switch
//! points never yield, runs where they yield half the time, runs with and
//! without planted faults, calm networks and stormy ones (more loss, more
//! duplication, a wider latency spread), calm disks and failing ones (I/O
//! errors, torn writes). The profile derives from the seed alone, so
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
    /// The least loss probability of every link, in thousandths.
    pub(crate) loss_permille: u16,
    /// The least duplication probability of every link, in thousandths.
    pub(crate) duplicate_permille: u16,
    /// How many times wider each link's latency range becomes.
    pub(crate) latency_spread: u8,
    /// The least I/O error probability of every disk, in thousandths.
    pub(crate) disk_error_permille: u16,
    /// Torn writes at this sector size on every disk that has none (0: off).
    pub(crate) torn_sector: u16,
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

    /// The weather laid over every disk of a run, whatever its own
    /// settings. Corruption is never added: a program without checksums is
    /// not wrong for trusting its disk's bits.
    pub(crate) fn disk(&self) -> crate::fs::Weather {
        crate::fs::Weather {
            io_error: f64::from(self.disk_error_permille) / 1000.0,
            torn_sector: (self.torn_sector != 0).then_some(u64::from(self.torn_sector)),
        }
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
    // Drawn after the network's, so that those stay as they were.
    let disk_error_permille = [0, 0, 5, 50][uniform(&mut rng, 4) as usize];
    let torn_sector = [0, 0, 512, 4096][uniform(&mut rng, 4) as usize];
    Profile {
        yield_p,
        buggify,
        loss_permille,
        duplicate_permille,
        latency_spread,
        disk_error_permille,
        torn_sector,
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
        assert!(all.iter().any(|p| p.disk_error_permille == 50));
        assert!(all.iter().any(|p| p.torn_sector == 512));
        assert!(all.iter().any(|p| p.torn_sector == 0));
    }

    #[test]
    fn a_profile_only_makes_the_disk_less_reliable() {
        use crate::fs::DiskConfig;
        let mut p = profile(0);
        p.disk_error_permille = 5;
        p.torn_sector = 512;
        let own = DiskConfig::new().io_error(0.2).torn_writes(64);
        let d = p.disk().over(own);
        assert_eq!(d.io_error_probability(), 0.2, "the test's own rate is kept");
        assert_eq!(d.sector_bytes(), Some(64), "and its own sector size");
        let d = p.disk().over(DiskConfig::new());
        assert_eq!(
            (d.io_error_probability(), d.sector_bytes()),
            (0.005, Some(512))
        );
        assert_eq!(d.corruption_probability(), 0.0);
        assert!(d.validate().is_ok());
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
            disk_error_permille: 0,
            torn_sector: 0,
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
