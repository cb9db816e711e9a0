//! `JoinSet`: a set of tasks awaited in completion order (asyncio's
//! `asyncio.as_completed` / `TaskGroup`, tokio's `JoinSet`).

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::{AbortHandle, Id, JoinError, JoinHandle};

#[derive(Default)]
struct Shared {
    done: Tracked<VecDeque<Id>>,
    waker: Tracked<Option<Waker>>,
}

/// A collection of tasks whose results are awaited in the order they finish.
/// Dropping the set aborts every task still in it.
///
/// # Cancel safety
///
/// [`JoinSet::join_next`] is cancel safe: if it is dropped before it
/// completes, no result is lost; the next call returns it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::task::JoinSet;
///
/// let mut sim = seedloop::Sim::new(1);
/// let order = sim.block_on(async {
///     let mut set = JoinSet::new();
///     for secs in [3u64, 1, 2] {
///         set.spawn(async move {
///             seedloop::sleep(Duration::from_secs(secs)).await;
///             secs
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(result) = set.join_next().await {
///         order.push(result.unwrap());
///     }
///     order
/// });
/// assert_eq!(order, vec![1, 2, 3]);
/// ```
pub struct JoinSet<T> {
    tasks: BTreeMap<Id, JoinHandle<T>>,
    /// Thread-checked, so a set is `Send` and `Sync` as tokio's is.
    shared: Local<Rc<Shared>>,
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.tasks.len())
            .finish()
    }
}

impl<T: 'static> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T: 'static> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = seedloop::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: BTreeMap::new(),
            shared: Local::new(Rc::new(Shared::default())),
        }
    }

    /// Spawns a task into the set.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert_eq!(set.len(), 1);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = super::spawn(future);
        self.insert(handle)
    }

    /// Spawns `future` into the set: [`JoinSet::spawn`], since no task of
    /// the simulation needs to be `Send` (tokio's `spawn_local`).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     let local = std::rc::Rc::new(2); // not Send
    ///     set.spawn_local(async move { *local * 3 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 6);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn(future))
    }

    /// Runs `f` as a blocking task of the set: [`spawn_blocking`](super::spawn_blocking),
    /// with its simulated cost (tokio's `JoinSet::spawn_blocking`).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// The cost is a choice on the tape, as for `spawn_blocking`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     set.spawn_blocking(|| (1..=4).product::<u32>());
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 24);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// Adds an already spawned task to the set.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let id = handle.id();
        let shared = self.shared.clone();
        handle.on_finish(Box::new(move || {
            shared.done.borrow_mut().push_back(id);
            let waker = shared.waker.borrow_mut().take();
            if let Some(w) = waker {
                w.wake();
            }
        }));
        let abort = handle.abort_handle();
        self.tasks.insert(id, handle);
        abort
    }

    /// The number of tasks in the set (finished ones not yet joined included).
    ///
    /// ```
    /// assert_eq!(seedloop::task::JoinSet::<u8>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when the set holds no task.
    ///
    /// ```
    /// assert!(seedloop::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Waits for the next task to finish and returns its result; `None` when
    /// the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no result is lost if this future is dropped early.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::<()>::new();
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task; `Ready(None)` when the set is empty.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let mut set = seedloop::task::JoinSet::<()>::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(matches!(set.poll_join_next(&mut cx), Poll::Ready(None)));
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if let Some(result) = self.try_join_next() {
            return Poll::Ready(Some(result));
        }
        if self.tasks.is_empty() {
            return Poll::Ready(None);
        }
        let old = self.shared.waker.borrow_mut().replace(cx.waker().clone());
        drop(old);
        Poll::Pending
    }

    /// The result of a finished task, if one is waiting, without blocking.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     set.spawn(async { 7 });
    ///     assert!(set.try_join_next().is_none()); // not run yet
    ///     while set.try_join_next().is_none() {
    ///         seedloop::task::yield_now().await;
    ///     }
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        loop {
            let id = self.shared.done.borrow_mut().pop_front()?;
            let Some(mut handle) = self.tasks.remove(&id) else {
                continue; // detached before it finished
            };
            let mut cx = Context::from_waker(Waker::noop());
            match Pin::new(&mut handle).poll(&mut cx) {
                Poll::Ready(result) => return Some(result),
                Poll::Pending => {
                    debug_assert!(false, "a finished task's handle is pending");
                    self.tasks.insert(id, handle);
                    return None;
                }
            }
        }
    }

    /// Aborts every task in the set; they stay in it until joined.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for handle in self.tasks.values() {
            handle.abort();
        }
    }

    /// Removes every task from the set without aborting it.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     set.detach_all();
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.tasks.clear();
        self.shared.done.borrow_mut().clear();
    }

    /// Aborts every task and waits until all of them ended.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// If a task panicked (the panic is resumed) or was aborted.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let mut all = sim.block_on(async {
    ///     let mut set = seedloop::task::JoinSet::new();
    ///     for i in 0..4 {
    ///         set.spawn(async move { i });
    ///     }
    ///     set.join_all().await
    /// });
    /// all.sort();
    /// assert_eq!(all, vec![0, 1, 2, 3]);
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(v) => out.push(v),
                Err(e) => match e.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(e) => panic!("JoinSet::join_all: {e}"),
                },
            }
        }
        out
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        if !self.shared.is_reachable() {
            return; // dropped on another thread: its tasks run on
        }
        for handle in self.tasks.values() {
            handle.abort();
        }
    }
}
