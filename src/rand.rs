//! Randomness for user code, drawn from the tape.
//!
//! Every value is made of 32-bit choices on the run's tape, so a seed or a
//! tape reproduces it. Under [`Strategy::Fifo`](crate::Strategy::Fifo), or
//! past the end of a replayed tape, the words are zero: `random::<u32>()` is
//! 0 and `random_range(a..b)` is `a`, the simplest values.
//!
//! [`rng`] implements the rand crate's generator traits (`rand::Rng` through
//! `TryRng<Error = Infallible>`), so `rand::RngExt` methods, distributions and
//! `SliceRandom::shuffle` work on it.
//!
//! ```
//! let draw = |seed| {
//!     let mut sim = seedloop::Sim::new(seed);
//!     sim.block_on(async { seedloop::rand::random_range(0..1_000_000u32) })
//! };
//! assert_eq!(draw(5), draw(5)); // same seed, same value
//! ```

use std::convert::Infallible;
use std::fmt;
use std::rc::Rc;

use rand::RngExt;
use rand::distr::uniform::{SampleRange, SampleUniform};
use rand::distr::{Distribution, StandardUniform};

use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::strategy::ChoiceKind;

/// The simulation's generator: every word it gives is a choice on the tape.
///
/// # Examples
///
/// ```
/// use rand::RngExt;
///
/// let mut sim = seedloop::Sim::new(3);
/// let roll = sim.block_on(async { seedloop::rand::rng().random_range(1..=6) });
/// assert!((1..=6).contains(&roll));
/// ```
pub struct SimRng {
    core: Rc<Core>,
}

impl fmt::Debug for SimRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimRng").finish_non_exhaustive()
    }
}

impl rand::TryRng for SimRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.core.choose(ChoiceKind::Random, 1 << 32))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.core.choose(ChoiceKind::Random, 1 << 32));
        let hi = u64::from(self.core.choose(ChoiceKind::Random, 1 << 32));
        Ok(hi << 32 | lo)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let word = self.core.choose(ChoiceKind::Random, 1 << 32).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// The current simulation's generator.
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// Each 32-bit word drawn is a choice on the tape.
///
/// ```
/// use rand::Rng;
/// let mut sim = seedloop::Sim::new(1);
/// let word = sim.block_on(async { seedloop::rand::rng().next_u64() });
/// # let _ = word;
/// ```
#[track_caller]
pub fn rng() -> SimRng {
    SimRng {
        core: current_core(),
    }
}

/// A random value of type `T` (as `rand::random`).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// Drawn from the tape; zero-like under `Fifo`.
///
/// ```
/// let mut sim = seedloop::Sim::builder().strategy(seedloop::Strategy::Fifo).build();
/// let (a, b) = sim.block_on(async { (seedloop::rand::random::<u64>(), seedloop::rand::random::<bool>()) });
/// assert_eq!((a, b), (0, false)); // Fifo: the simplest values
/// ```
#[track_caller]
pub fn random<T>() -> T
where
    StandardUniform: Distribution<T>,
{
    rng().random()
}

/// A random value in `range` (as `rand::random_range`).
///
/// # Panics
///
/// If the range is empty, or outside a simulation.
///
/// # Determinism
///
/// Drawn from the tape; the range's start under `Fifo`.
///
/// ```
/// let mut sim = seedloop::Sim::new(11);
/// let v = sim.block_on(async { seedloop::rand::random_range(10..20) });
/// assert!((10..20).contains(&v));
/// ```
#[track_caller]
pub fn random_range<T, R>(range: R) -> T
where
    T: SampleUniform,
    R: SampleRange<T>,
{
    rng().random_range(range)
}
