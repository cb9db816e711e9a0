//! `buggify!`: faults planted in user code, fired by the simulation.
//!
//! FoundationDB's rule. In a run where buggify is enabled, each call site is
//! switched on (once, the first time it is reached) with probability 1/4, and
//! a switched-on site fires with its probability (1/4 unless given) each
//! time it is reached. Sites that stay off never fire, so a run explores a
//! few faults in depth instead of every fault a little.
//!
//! Whether buggify is enabled in a run is itself decided at the first site
//! reached: always with [`Builder::buggify(true)`](crate::Builder::buggify),
//! in a chosen fraction of runs under the explorer
//! ([`Explorer::buggify`](crate::explore::Explorer::buggify)), never by
//! default. Outside a simulation `buggify!` is always false, so planted
//! faults cost nothing in production builds beyond a thread-local read.

use crate::runtime::footprint::Tracked;
use std::any::Any;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::Location;

use crate::runtime::Builder;
use crate::runtime::core::Core;
use crate::runtime::parts::Part;
use crate::runtime::state::{PerRun, Slot};
use crate::strategy::ChoiceKind;

/// Per-run state, owned by the simulation.
#[derive(Debug, Default)]
struct State {
    /// Whether buggify is enabled in this run, once asked.
    enabled: Cell<Option<bool>>,
    /// Switched-on state of every site reached, by `file:line:column`.
    sites: Tracked<BTreeMap<(&'static str, u32, u32), bool>>,
}

impl PerRun for State {
    fn new(_: &Core) -> State {
        State::default()
    }
}

static STATE: Slot<State> = Slot::new();

/// The probability that `buggify!` is enabled in a run (asked at the first
/// site reached), in units of 2^-32; `u32::MAX` counts as 1. Unset: 0.
#[derive(Clone, Copy, Debug)]
struct Enabled(u32);

impl Part for Enabled {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Builder {
    /// Turns [`buggify!`](macro@crate::buggify) on for this run: each call site
    /// is switched on with probability 1/4 the first time it is reached, and
    /// a switched-on site fires with its probability (default 1/4) each time.
    /// Off by default, and then every `buggify!` is false.
    ///
    /// # Determinism
    ///
    /// Both decisions are choices on the tape (0 = off), so a replayed tape
    /// fires the same sites at the same moments.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().seed(3).buggify(true).build();
    /// let fired = sim.block_on(async { (0..200).filter(|_| seedloop::buggify!()).count() });
    /// // The one site here is on in about a quarter of seeds; off, it never fires.
    /// assert!(fired == 0 || (20..=80).contains(&fired), "{fired}");
    /// ```
    pub fn buggify(self, enabled: bool) -> Builder {
        self.with_part(Enabled(if enabled { u32::MAX } else { 0 }))
    }

    /// The probability (in units of 2^-32) that `buggify!` is on for a run,
    /// set by the explorer.
    pub(crate) fn buggify_fraction(self, p: u32) -> Builder {
        self.with_part(Enabled(p))
    }
}

/// `true` when a planted fault should fire here.
///
/// `buggify!()` fires a switched-on site with probability 1/4;
/// `buggify!(p)` with probability `p` (clamped to `0.0..=1.0`). See the
/// [module documentation](mod@crate::buggify) for the rule.
///
/// # Determinism
///
/// Whether the run has buggify on, whether this site is on, and whether it
/// fires this time are each a choice on the tape (0 = no fault), asked only
/// when needed. A replayed tape fires the same faults at the same moments,
/// and shrinking a tape turns faults off.
///
/// # Examples
///
/// ```
/// use seedloop::Sim;
///
/// async fn write_block(log: &mut Vec<&'static str>) -> Result<(), &'static str> {
///     if seedloop::buggify!() {
///         return Err("injected disk error");
///     }
///     log.push("block");
///     Ok(())
/// }
///
/// // Off unless the simulation turns it on: the plain run never fails.
/// let mut sim = Sim::new(1);
/// let mut log = Vec::new();
/// for _ in 0..100 {
///     sim.block_on(write_block(&mut log)).unwrap();
/// }
/// assert_eq!(log.len(), 100);
/// assert!(!seedloop::buggify!(), "always false outside a simulation");
///
/// // On, some seeds switch the site on and see injected errors.
/// let failing_seeds = (0..40)
///     .filter(|&seed| {
///         let mut sim = Sim::builder().seed(seed).buggify(true).build();
///         sim.block_on(async {
///             let mut log = Vec::new();
///             let mut failed = false;
///             for _ in 0..20 {
///                 failed |= write_block(&mut log).await.is_err();
///             }
///             failed
///         })
///     })
///     .count();
/// assert!((3..=20).contains(&failing_seeds), "{failing_seeds}");
/// ```
#[macro_export]
macro_rules! buggify {
    () => {
        $crate::buggify::__reached(0.25)
    };
    ($p:expr) => {
        $crate::buggify::__reached($p)
    };
}

/// The probability `p` in units of 2^-32 (0 and 1 exactly representable as
/// "never asked" and "always").
pub(crate) fn to_units(p: f64) -> u32 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        u32::MAX
    } else {
        ((p * 4_294_967_296.0) as u64).min(u64::from(u32::MAX - 1)) as u32
    }
}

/// A coin with probability `p` (units of 2^-32). An impossible outcome is
/// not asked; a certain one is, so that a tape of zeros (and shrinking)
/// can still turn the fault off.
fn coin(core: &Core, p: u32) -> bool {
    p != 0 && core.choose(ChoiceKind::Coin { p }, 2) == 1
}

#[doc(hidden)]
#[track_caller]
pub fn __reached(p: f64) -> bool {
    let at = Location::caller();
    crate::runtime::with_core(|core| {
        let Some(core) = core else { return false };
        let state = core.state(&STATE);
        let enabled = state.enabled.get().unwrap_or_else(|| {
            let p = core.cfg.parts.get::<Enabled>().map_or(0, |e| e.0);
            let on = coin(core, p);
            state.enabled.set(Some(on));
            on
        });
        if !enabled {
            return false;
        }
        let key = (at.file(), at.line(), at.column());
        let site = state.sites.borrow().get(&key).copied();
        let site = site.unwrap_or_else(|| {
            let on = coin(core, 1 << 30);
            state.sites.borrow_mut().insert(key, on);
            on
        });
        site && coin(core, to_units(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_map_onto_units() {
        assert_eq!(to_units(0.0), 0);
        assert_eq!(to_units(-1.0), 0);
        assert_eq!(to_units(f64::NAN), 0);
        assert_eq!(to_units(1.0), u32::MAX);
        assert_eq!(to_units(0.25), 1 << 30);
    }
}
