//! The exploration harness: sweep a test over many schedules, shrink what
//! fails, save it under `seeds/`, and print the command that replays it.
//!
//! A test is an async body run on a fresh [`Sim`](crate::Sim) per seed. An
//! [`Explorer`] runs it over a sweep of seeds with a [`Strategy`]; the first
//! failure (a panic, a deadlock, a limit) is shrunk to the simplest tape
//! that fails the same way and returned as a [`Failure`], whose `Display` is
//! the report to print. `#[seedloop::test]` wraps the same machinery for
//! `cargo test`, with a seeds file per test.
//!
//! | step | what happens |
//! |---|---|
//! | saved seeds | every line of the seeds file replays first, so a found bug stays a regression test |
//! | determinism check | the first seed runs twice; a different fingerprint fails with the first differing event |
//! | sweep | seeds `base_seed..base_seed + seeds` (this shard's slice) on `jobs` threads; `Dfs` walks its schedules in order |
//! | shrink | delete chunks, zero chunks, lower values, re-running after each edit, while the failure stays the same |
//! | save | `seed=0x2a strategy=pct:3 tape=... # cause` appended atomically |
//!
//! # Examples
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use seedloop::explore::Explorer;
//! use seedloop::{Sim, Strategy};
//!
//! // A check-then-act race: both tasks may see the slot empty.
//! let body = || async {
//!     let slot = Rc::new(Cell::new(None));
//!     let claim = |who: u32| {
//!         let slot = slot.clone();
//!         seedloop::spawn(async move {
//!             if slot.get().is_none() {
//!                 seedloop::task::yield_now().await;
//!                 assert!(slot.get().is_none(), "slot taken twice");
//!                 slot.set(Some(who));
//!             }
//!         })
//!     };
//!     let (a, b) = (claim(1), claim(2));
//!     a.await.unwrap();
//!     b.await.unwrap();
//! };
//! let failure = Explorer::new("doc::claim").seeds(100).run(body).unwrap_err();
//! // The shrunk tape replays the failure in a plain Sim.
//! let mut sim = Sim::builder()
//!     .seed(failure.seed())
//!     .strategy(Strategy::Replay(failure.tape().clone()))
//!     .buggify(false)
//!     .print_panics(false)
//!     .build();
//! let err = sim.try_block_on(body()).unwrap_err();
//! assert!(err.to_string().contains("slot taken twice"));
//! ```

mod explorer;
mod report;
mod seeds_file;
mod shrink;
mod swarm;
mod sweep;

#[doc(hidden)]
pub mod __private;

pub use crate::strategy::Strategy;
pub use crate::tape::Tape;
pub use explorer::Explorer;
pub use report::{Failure, Report};
pub use seeds_file::SeedsFileError;

/// What a `#[seedloop::test]` body may return: `()`, or a `Result<(), E>`
/// whose `Err` fails the run (as a panic inside the simulation, with the
/// error's `Debug`).
///
/// # Examples
///
/// ```
/// use seedloop::explore::{Explorer, TestOutput};
///
/// async fn body() -> Result<(), String> {
///     Err("refused".to_string())
/// }
/// let failure = Explorer::new("doc::result")
///     .seeds(1)
///     .run(|| async { body().await.check() })
///     .unwrap_err();
/// assert!(failure.to_string().contains("refused"));
/// ```
pub trait TestOutput {
    /// Panics (inside the simulation) when the output is a failure.
    fn check(self);
}

impl TestOutput for () {
    fn check(self) {}
}

impl<E: std::fmt::Debug> TestOutput for Result<(), E> {
    #[track_caller]
    fn check(self) {
        if let Err(e) = self {
            panic!("the test returned Err({e:?})");
        }
    }
}
