//! tokio's `task`: seedloop's tasks, one simulation's, on one thread.
//!
//! `spawn` asks for no `Send` (seedloop has one thread), so `spawn_local`
//! is `spawn`, and a [`LocalSet`] is a group of tasks awaited together.
//! tokio's `task_local!`, `unconstrained` and `coop` need no runtime and
//! are tokio's own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use seedloop::task::{
    AbortHandle, Id, JoinError, JoinHandle, JoinSet, id, spawn, spawn_blocking, try_id, yield_now,
};
pub use tokio::task::{LocalKey, futures};

/// tokio's cooperative budget: it needs no runtime, and in the simulation
/// every await of a seedloop resource is already a switch point, so the
/// budget never has to force one.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(tokio::task::coop::consume_budget());
/// ```
pub mod coop {
    pub use tokio::task::coop::*;
}

/// Spawns a task that need not be `Send`: seedloop's [`spawn`], which
/// never asks for `Send` (tokio's asks that a [`LocalSet`] runs it).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`spawn`]: when the task first runs is a choice on the tape.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// let n = rt.block_on(async {
///     let shared = std::rc::Rc::new(5); // not Send
///     tokio::task::spawn_local(async move { *shared * 2 }).await.unwrap()
/// });
/// assert_eq!(n, 10);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn(future)
}

/// tokio's `LocalSet`: a group of tasks that need not be `Send`. Here
/// every task is local already, so a `LocalSet` only groups: awaiting it
/// waits for the tasks spawned on it, and dropping it aborts them.
///
/// Unlike tokio's, [`LocalSet::spawn_local`] must be called inside the
/// simulation (inside `block_on`), and a task spawned with the free
/// [`spawn_local`] inside [`LocalSet::run_until`] belongs to the runtime,
/// not to the set.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// let local = tokio::task::LocalSet::new();
/// let sum = local.block_on(&rt, async {
///     let a = tokio::task::spawn_local(async { 1 });
///     let b = tokio::task::spawn_local(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 3);
/// ```
#[derive(Debug, Default)]
pub struct LocalSet {
    tasks: std::sync::Mutex<JoinSet<()>>,
}

impl LocalSet {
    /// An empty set.
    ///
    /// ```
    /// let set = seedloop_tokio::task::LocalSet::new();
    /// # drop(set);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet::default()
    }

    /// Spawns `future` as a task of the set.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let set = tokio::task::LocalSet::new();
    ///     let t = set.spawn_local(async { "done" });
    ///     set.await; // every task of the set has finished
    ///     assert!(t.is_finished());
    ///     assert_eq!(t.await.unwrap(), "done");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (done, finished) = seedloop::sync::oneshot::channel::<()>();
        let task = spawn(async move {
            let _done = done; // dropped when the task ends, or is aborted
            future.await
        });
        let abort = AbortOnDrop(task.abort_handle());
        // A watcher in the set: it ends when the task does, and the set
        // dropped aborts it, and so the task.
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.spawn(async move {
            let _abort = abort;
            let _ = finished.await;
        });
        task
    }

    /// Runs `future` to completion (tasks spawned on the set run meanwhile,
    /// as every task does).
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops `future`; the set's tasks go on.
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let set = tokio::task::LocalSet::new();
    ///     assert_eq!(set.run_until(async { 7 }).await, 7);
    /// });
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        future.await
    }

    /// Runs `future` on `rt`, as [`Runtime::block_on`](super::runtime::Runtime::block_on).
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`](super::runtime::Runtime::block_on).
    ///
    /// ```
    /// # use seedloop_tokio as tokio;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let set = tokio::task::LocalSet::new();
    /// assert_eq!(set.block_on(&rt, async { 3 }), 3);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &super::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(future)
    }
}

/// Aborts a task of a [`LocalSet`] when its watcher is dropped (a no-op
/// once the task has finished).
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Awaiting a `LocalSet` waits until every task spawned on it has finished.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match tasks.poll_join_next(cx) {
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

missing_types! {
    /// tokio's guard of `LocalSet::enter`.
    type LocalEnterGuard[] = LocalEnterGuardNotSimulated[], LocalEnterGuardT,
        "`tokio::task::LocalEnterGuard` (`LocalSet::enter`) is not simulated by seedloop",
        "every simulated task may be local already: spawn with `tokio::task::spawn_local` inside `block_on`",
        "let _g: Option<tokio::task::LocalEnterGuard> = None;";
}

missing_fns! {
    /// tokio's `block_in_place`: it moves the worker's other tasks to
    /// another thread, and the simulation has one.
    fn block_in_place(F) => BlockInPlace,
        "`tokio::task::block_in_place` is not simulated by seedloop",
        "the simulation has one thread: use `tokio::task::spawn_blocking(f).await`, which runs `f` with a simulated cost",
        "let n: u32 = tokio::task::block_in_place(|| 1);";
}
