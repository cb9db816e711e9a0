//! Property tests over schedules: [proptest](https://docs.rs/proptest)
//! strategies whose values are [`Tape`]s (feature `proptest`).
//!
//! A tape is the list of a run's choices, and `0` is always the simplest
//! choice (see [`Tape`]). Given to [`Strategy::Replay`](crate::Strategy::Replay),
//! *any* tape is a valid schedule: a value too large for its choice is clamped
//! to the largest option, and past its end the run continues with zeros. So
//! proptest can generate tapes freely. Shrinking is seedloop's own, the
//! explorer's edits as a proptest value tree: zero chunks of choices (half
//! the tape, a quarter, ... one), delete chunks, delete runs of zeros, then
//! lower each value. A single edit at a time would miss simplifications a
//! chunk makes at once (a schedule choice is a position in the ready queue,
//! so an early edit changes what later choices mean). The result is
//! 1-minimal: zeroing or deleting any of its remaining non-zero choices makes
//! the property pass. It is a short tape with few non-zero choices: the
//! handful of decisions that make the bug happen.
//!
//! | item | what it gives |
//! |---|---|
//! | [`tape()`] | tapes with the default [`TapeParams`]: mostly zeros, some small values, a few large ones, up to 256 choices |
//! | [`tape_with`] | tapes shaped by your own [`TapeParams`] |
//!
//! # Examples
//!
//! A property over every schedule: whatever the interleaving, two tasks that
//! add under a lock add up.
//!
//! ```
//! use std::rc::Rc;
//! use proptest::prelude::*;
//! use seedloop::sync::Mutex;
//! use seedloop::{Sim, Strategy};
//!
//! proptest!(|(tape in seedloop::proptest::tape())| {
//!     let mut sim = Sim::builder()
//!         .strategy(Strategy::Replay(tape))
//!         .print_panics(false)
//!         .build();
//!     let total = sim.try_block_on(async {
//!         let counter = Rc::new(Mutex::new(0));
//!         let tasks: Vec<_> = (0..2)
//!             .map(|_| {
//!                 let counter = counter.clone();
//!                 seedloop::spawn(async move { *counter.lock().await += 1 })
//!             })
//!             .collect();
//!         for task in tasks {
//!             task.await.unwrap();
//!         }
//!         *counter.lock().await
//!     });
//!     prop_assert_eq!(total, Ok(2));
//! });
//! ```
//!
//! When a property fails, proptest reports the simplest tape it reached, for
//! example `minimal failing input: tape = Tape(0,1)`: one deviation from the
//! plainest run, at the second choice. Its text form, `0,1`, replays the run:
//! `SEEDLOOP_TAPE=0,1` for a test that builds its `Sim` with
//! [`Builder::apply_env`](crate::Builder::apply_env), or
//! `Strategy::Replay("0,1".parse().unwrap())` to pin it in a regression test.
//! A reported tape ends with its last deviation: trailing zeros (beyond the
//! minimum length) are dropped, as replay adds them back anyway.
//!
//! Seed sweeps (`#[seedloop::test]`, `explore::Explorer`) search schedules
//! with strategies of their own; a property test instead lets proptest drive
//! the schedule, together with any data it generates, and shrink both.
//!
//! # Determinism
//!
//! A tape decides the whole run: the same tape replays the same run, event for
//! event, whichever seed the [`Sim`](crate::Sim) has. The tapes themselves come
//! from proptest's generator, so they are as repeatable as proptest's own
//! configuration makes them (a fixed `TestRng`, or its persisted failures).

use ::proptest::collection::{self, SizeRange};
use ::proptest::prelude::{BoxedStrategy, Just, Strategy, any};
use ::proptest::strategy::Union;

use crate::tape::Tape;

mod tree;

/// How [`tape_with`] shapes the tapes it generates.
///
/// Each choice of a generated tape is, independently, `0` or, with probability
/// [`nonzero`](TapeParams::nonzero), a non-zero value: most often a small one
/// in `1..=`[`small_max`](TapeParams::small_max) (the next ready task, yield
/// at a switch point, the second timer), and with probability
/// [`large`](TapeParams::large) among the non-zero ones, any `u32` (which
/// replay clamps to the last option of a small choice, and which gives a
/// random word to a `seedloop::rand` draw).
///
/// | setting | default | |
/// |---|---|---|
/// | [`len`](TapeParams::len) | `0..=256` | how many choices; the run continues with zeros past the end |
/// | [`nonzero`](TapeParams::nonzero) | `0.2` | the probability that a choice is not `0` |
/// | [`small_max`](TapeParams::small_max) | `3` | the largest small value |
/// | [`large`](TapeParams::large) | `0.1` | the share of non-zero values drawn from the whole `u32` range |
///
/// # Examples
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use seedloop::proptest::{TapeParams, tape_with};
///
/// // Short tapes with few deviations: three choices, one in ten non-zero.
/// let params = TapeParams::new().len(3).nonzero(0.1).small_max(1).large(0.0);
/// let mut runner = TestRunner::deterministic();
/// let tape = tape_with(params).new_tree(&mut runner).unwrap().current();
/// assert_eq!(tape.len(), 3);
/// assert!(tape.values().iter().all(|v| *v <= 1));
/// ```
#[derive(Clone, Debug)]
pub struct TapeParams {
    len: SizeRange,
    nonzero: f64,
    small_max: u32,
    large: f64,
}

impl Default for TapeParams {
    fn default() -> TapeParams {
        TapeParams {
            len: SizeRange::from(0..=256),
            nonzero: 0.2,
            small_max: 3,
            large: 0.1,
        }
    }
}

impl TapeParams {
    /// The defaults (see the table on [`TapeParams`]); the same as `Default`.
    ///
    /// ```
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    /// use seedloop::proptest::{TapeParams, tape_with};
    ///
    /// let mut runner = TestRunner::deterministic();
    /// let tape = tape_with(TapeParams::new()).new_tree(&mut runner).unwrap().current();
    /// assert!(tape.len() <= 256);
    /// ```
    pub fn new() -> TapeParams {
        TapeParams::default()
    }

    /// How many choices a tape holds: a fixed count (`100`) or a range
    /// (`0..50`, `10..=300`). Shrinking never goes below the range's start.
    /// Zeros at the end of a tape, beyond the range's start, are dropped: a
    /// replay continues with zeros anyway.
    ///
    /// ```
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    /// use seedloop::proptest::{TapeParams, tape_with};
    ///
    /// let strategy = tape_with(TapeParams::new().len(5..=8));
    /// let mut runner = TestRunner::deterministic();
    /// let tape = strategy.new_tree(&mut runner).unwrap().current();
    /// assert!((5..=8).contains(&tape.len()));
    /// ```
    pub fn len(mut self, len: impl Into<SizeRange>) -> TapeParams {
        self.len = len.into();
        self
    }

    /// The probability that a choice is not `0`.
    ///
    /// `0.0` gives only the plainest schedule (all zeros); `1.0` makes every
    /// choice deviate. A low value keeps a run close to the plainest one,
    /// which makes the bugs it finds easier to read; a higher one explores
    /// stranger interleavings.
    ///
    /// # Panics
    ///
    /// If `probability` is not within `0.0..=1.0`, naming it.
    ///
    /// ```
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    /// use seedloop::proptest::{TapeParams, tape_with};
    ///
    /// let strategy = tape_with(TapeParams::new().len(50).nonzero(0.0));
    /// let mut runner = TestRunner::deterministic();
    /// assert_eq!(strategy.new_tree(&mut runner).unwrap().current().nonzero(), 0);
    /// ```
    pub fn nonzero(mut self, probability: f64) -> TapeParams {
        check_probability("nonzero", probability);
        self.nonzero = probability;
        self
    }

    /// The largest *small* non-zero value: small values are drawn evenly from
    /// `1..=max`. Scheduling choices rarely have more than a few options (and
    /// a yield at a switch point has exactly two), so the default is `3`.
    ///
    /// # Panics
    ///
    /// If `max` is `0`.
    ///
    /// ```
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    /// use seedloop::proptest::{TapeParams, tape_with};
    ///
    /// let params = TapeParams::new().len(100).nonzero(1.0).small_max(1).large(0.0);
    /// let mut runner = TestRunner::deterministic();
    /// let tape = tape_with(params).new_tree(&mut runner).unwrap().current();
    /// assert!(tape.values().iter().all(|v| *v == 1));
    /// ```
    pub fn small_max(mut self, max: u32) -> TapeParams {
        assert!(
            max >= 1,
            "seedloop::proptest::TapeParams::small_max: expected at least 1, got 0"
        );
        self.small_max = max;
        self
    }

    /// The share of non-zero values drawn from the whole `u32` range instead
    /// of `1..=small_max`. A large value picks the last option of a small
    /// choice (replay clamps it) and a random word for a `seedloop::rand` draw.
    ///
    /// # Panics
    ///
    /// If `share` is not within `0.0..=1.0`, naming it.
    ///
    /// ```
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    /// use seedloop::proptest::{TapeParams, tape_with};
    ///
    /// let params = TapeParams::new().len(20).large(0.0);
    /// let mut runner = TestRunner::deterministic();
    /// let tape = tape_with(params).new_tree(&mut runner).unwrap().current();
    /// assert!(tape.values().iter().all(|v| *v <= 3));
    /// ```
    pub fn large(mut self, share: f64) -> TapeParams {
        check_probability("large", share);
        self.large = share;
        self
    }

    /// The strategy for one choice: a weighted union whose first (simplest)
    /// alternative is `0`, so that shrinking ends there.
    fn choice(&self) -> Union<BoxedStrategy<u32>> {
        const TOTAL: f64 = 1_000_000.0;
        let nonzero = self.nonzero * TOTAL;
        let weights = [
            ((TOTAL - nonzero).round() as u32, Just(0u32).boxed()),
            (
                (nonzero * (1.0 - self.large)).round() as u32,
                (1..=self.small_max).boxed(),
            ),
            ((nonzero * self.large).round() as u32, any::<u32>().boxed()),
        ];
        // Union refuses a zero weight: an alternative that can never be drawn
        // is left out instead. The weights add up to TOTAL, so one remains.
        Union::new_weighted(weights.into_iter().filter(|(w, _)| *w > 0).collect())
    }
}

fn check_probability(setting: &str, value: f64) {
    assert!(
        (0.0..=1.0).contains(&value),
        "seedloop::proptest::TapeParams::{setting}: expected a probability within 0.0..=1.0, got {value}"
    );
}

/// A proptest strategy over tapes, with the default [`TapeParams`]: up to 256
/// choices, each `0` with probability 0.8, otherwise mostly `1..=3` and now
/// and then any `u32`.
///
/// Give each tape to [`Strategy::Replay`](crate::Strategy::Replay) and check
/// the property on the run. When it fails, proptest shrinks the tape, deleting
/// choices and lowering values toward `0`, and reports the simplest failing
/// schedule it found; `tape.nonzero()` counts its deviations from the plainest
/// run, and its text form replays it with `SEEDLOOP_TAPE=<tape>`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use proptest::prelude::*;
/// use seedloop::{Sim, Strategy};
///
/// proptest!(|(tape in seedloop::proptest::tape())| {
///     let mut sim = Sim::builder()
///         .strategy(Strategy::Replay(tape))
///         .print_panics(false)
///         .build();
///     let order = Rc::new(Cell::new(0u32));
///     let result = sim.try_block_on({
///         let order = order.clone();
///         async move {
///             let tasks: Vec<_> = (1..=3)
///                 .map(|i| {
///                     let order = order.clone();
///                     seedloop::spawn(async move { order.set(order.get() * 10 + i) })
///                 })
///                 .collect();
///             for task in tasks {
///                 task.await.unwrap();
///             }
///         }
///     });
///     prop_assert!(result.is_ok());
///     // Whatever the schedule, each task ran exactly once.
///     let mut digits: Vec<char> = order.get().to_string().chars().collect();
///     digits.sort();
///     prop_assert_eq!(digits, vec!['1', '2', '3']);
/// });
/// ```
///
/// # Determinism
///
/// The values come from proptest's `TestRng`: a `TestRunner` built with a
/// fixed seed (`TestRunner::deterministic()`) yields the same tapes every
/// time. Each tape, replayed, gives the same run whatever the `Sim`'s seed.
pub fn tape() -> impl Strategy<Value = Tape> {
    tape_with(TapeParams::default())
}

/// A proptest strategy over tapes shaped by `params` (see [`TapeParams`]).
///
/// # Examples
///
/// ```
/// use proptest::prelude::*;
/// use seedloop::proptest::{TapeParams, tape_with};
/// use seedloop::{Sim, Strategy};
///
/// // Runs that draw their data from the tape: every value is possible.
/// let params = TapeParams::new().len(0..=8).large(0.5);
/// proptest!(|(tape in tape_with(params))| {
///     let mut sim = Sim::builder().strategy(Strategy::Replay(tape)).build();
///     let n = sim.block_on(async { seedloop::rand::random_range(10..20u32) });
///     prop_assert!((10..20).contains(&n));
/// });
/// ```
///
/// # Determinism
///
/// As for [`tape()`]: the tapes are as repeatable as proptest's `TestRng`,
/// and each tape replays the same run.
pub fn tape_with(params: TapeParams) -> impl Strategy<Value = Tape> {
    // Generated as a list, shrunk as a schedule: see `tree`.
    tree::TapeStrategy {
        min_len: params.len.start(),
        values: collection::vec(params.choice(), params.len.clone()).boxed(),
    }
}
