//! The simulated API, under tokio's paths (compiled with `--cfg seedloop`).

#[macro_use]
mod missing;

pub mod fs;
pub mod io;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use task::spawn;

/// seedloop itself, for the expansions of `#[tokio::test]` and `select!`.
#[doc(hidden)]
pub use seedloop as __seedloop;

/// Runs the test as `#[seedloop::test]`: a sweep of seeds, each a fresh
/// simulation, that shrinks the first failure to a minimal schedule, saves
/// it under `seeds/` and prints the command that replays it
/// (`SEEDLOOP_SEED=0x.. cargo test -- name`).
///
/// tokio's arguments are accepted and change nothing: `flavor =
/// "multi_thread"` and `worker_threads` still run on the simulation's one
/// thread, and `start_paused = true` is what time always is here (virtual,
/// and it jumps to the next timer when every task waits). `crate = "path"`
/// names this crate when it is not called `tokio`.
///
/// # Panics
///
/// The generated test panics with the failure report when a seed fails.
///
/// ```
/// # fn main() {}
/// # use seedloop_tokio as tokio;
/// #[tokio::test(flavor = "multi_thread", worker_threads = 2, crate = "seedloop_tokio")]
/// async fn one_hour_in_no_time() {
///     let start = tokio::time::Instant::now();
///     tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(start.elapsed().as_secs(), 3600);
/// }
/// ```
pub use seedloop_macros::__tokio_test as test;

/// Runs `async fn main` on a [`runtime::Runtime`]: one simulation, seeded
/// from `SEEDLOOP_SEED` (0 when unset). tokio's arguments are accepted
/// and change nothing, as for [`test`].
///
/// # Panics
///
/// When `SEEDLOOP_SEED` (or another `SEEDLOOP_*` variable) does not parse,
/// and when the run fails: a task panics, every task waits forever, or a
/// limit is hit. The report names the seed.
///
/// ```
/// # use seedloop_tokio as tokio;
/// #[tokio::main(crate = "seedloop_tokio")]
/// async fn main() {
///     let answer = tokio::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
pub use seedloop_macros::__tokio_main as main;

/// Waits on several futures and runs the branch of the first to complete,
/// with tokio's syntax (`pattern = future, if condition => handler`,
/// `else => handler`, `biased;`).
///
/// # Determinism
///
/// Which ready branch is polled first is a choice on the tape (0 = the
/// first in written order), where tokio draws it at random: the harness
/// explores each order and replays the one that failed. `biased;` polls
/// in written order, as in tokio.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (tx, mut rx) = tokio::sync::mpsc::channel(1);
///     tx.send("ping").await.unwrap();
///     let got = tokio::select! {
///         biased;
///         Some(m) = rx.recv() => m,
///         _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => "timeout",
///     };
///     assert_eq!(got, "ping");
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_in!(($crate::__seedloop) $($tokens)*)
    };
}

#[doc(hidden)]
pub use seedloop_macros::__select_in;

/// tokio's `join!`, `try_join!`, `pin!` and `task_local!`: they poll
/// futures and keep task-local values without a runtime, so they are
/// tokio's own, and deterministic (`join!` polls in written order).
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// let (a, b) = rt.block_on(async { tokio::join!(async { 1 }, async { 2 }) });
/// assert_eq!((a, b), (1, 2));
/// ```
pub use tokio::{join, pin, task_local, try_join};

/// tokio's `stream` module: empty in tokio too (streams are in
/// `tokio-stream`, which works over the simulated types).
pub mod stream {}
