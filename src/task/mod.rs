//! Layer 4, tasks: asyncio's `create_task` is [`spawn`].
//!
//! Futures need not be `Send`: everything runs on the simulation's thread.
//!
//! ```
//! let mut sim = seedloop::Sim::new(1);
//! let doubled = sim.block_on(async {
//!     let task = seedloop::task::spawn(async { 21 * 2 });
//!     task.await.unwrap()
//! });
//! assert_eq!(doubled, 42);
//! ```

use std::future::Future;
use std::panic::Location;
use std::task::Poll;

use crate::runtime::current_core;

mod join_set;

pub use crate::runtime::local::Local;
pub use crate::runtime::task::{AbortHandle, JoinError, JoinHandle};
pub use crate::trace::id::Id;
pub use join_set::JoinSet;

/// Spawns a task (asyncio's `create_task`): it runs concurrently with the
/// caller, in the same simulation. The returned handle awaits its result;
/// dropping the handle detaches the task.
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// The new task joins the back of the ready queue; when it runs relative to
/// the others is the strategy's choice.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// let sum = sim.block_on(async {
///     let tasks: Vec<_> = (1..=3).map(|i| seedloop::spawn(async move { i * 10 })).collect();
///     let mut sum = 0;
///     for t in tasks {
///         sum += t.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 60);
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    current_core().spawn(future, None, Location::caller())
}

/// Runs a blocking closure (asyncio's `run_in_executor`). In the simulation it
/// runs on the simulation's thread when the task's turn comes, and its handle
/// completes after a simulated cost drawn from
/// [`Builder::blocking_cost`](crate::Builder::blocking_cost).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// The cost is a choice on the tape (0 = the minimum of the range).
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// let n = sim.block_on(async { seedloop::task::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap() });
/// assert_eq!(n, 55);
/// assert!(sim.elapsed() >= Duration::from_millis(1));
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + 'static,
    R: 'static,
{
    let core = current_core();
    let range = core.cfg.blocking_cost.clone();
    let future = async move {
        let out = f();
        let cost = current_core().choose_duration(range.start, range.end);
        crate::time::sleep(cost).await;
        out
    };
    core.spawn(future, Some("blocking".to_string()), Location::caller())
}

/// The id of the task that is running.
///
/// # Panics
///
/// Outside a task; see [`try_id`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async { assert_eq!(seedloop::task::id().as_u64(), 1) });
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("seedloop::task::id() called outside a task")
}

/// The id of the running task, or `None` outside one.
///
/// ```
/// assert!(seedloop::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    crate::runtime::try_core().and_then(|c| c.current_task())
}

/// Yields once: the task goes to the back of the ready queue, so others may run.
///
/// # Determinism
///
/// Which task runs next is the strategy's choice.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async { seedloop::task::yield_now().await });
/// ```
#[track_caller]
pub fn yield_now() -> impl Future<Output = ()> {
    let at = Location::caller();
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            // Named in a step-limit report as the task's last await.
            crate::runtime::wait::mark_waiting(&YIELD, at);
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// What a yielding task last awaited, as a step-limit report names it.
static YIELD: crate::runtime::wait::WaitKind = crate::runtime::wait::WaitKind::at("yield_now");

/// Configures a task before spawning it (tokio's `task::Builder`).
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::task::Builder::new().name("worker").spawn(async { 1 });
///     assert_eq!(task.await.unwrap(), 1);
/// });
/// ```
#[derive(Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    ///
    /// ```
    /// let _ = seedloop::task::Builder::new();
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task; the name appears in traces, deadlock and panic reports.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder().print_panics(false).build();
    /// let err = sim
    ///     .try_block_on(async {
    ///         seedloop::task::Builder::new().name("db").spawn(async { panic!("x") }).await
    ///     })
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("'db'"));
    /// ```
    pub fn name(mut self, name: &'a str) -> Builder<'a> {
        self.name = Some(name);
        self
    }

    /// Spawns the task; see [`spawn`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let v = sim.block_on(async { seedloop::task::Builder::new().spawn(async { 3 }).await });
    /// assert_eq!(v.unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        current_core().spawn(future, self.name.map(str::to_string), Location::caller())
    }
}
