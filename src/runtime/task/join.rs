//! `JoinHandle` and `AbortHandle`: a task's handles, seen from outside it
//! (public through [`task`](crate::task)).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::runtime::local::Local;
use std::task::{Context, Poll};

use super::JoinError;
use super::cell::{JoinTarget, Runnable};
use crate::runtime::core::Core;
use crate::trace::Id;

/// An owned permission to await a task's result (tokio's `JoinHandle`).
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task was aborted
/// or panicked (under [`PanicPolicy::ToJoinHandle`](crate::PanicPolicy)).
/// Dropping it detaches the task, which keeps running.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `.await` half-way
/// loses nothing, the handle can be awaited again.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(async { "hi" });
///     assert_eq!(task.await.unwrap(), "hi");
/// });
/// ```
pub struct JoinHandle<T> {
    /// Thread-checked: the handle is `Send` (tokio's is), and works only
    /// on the simulation's thread.
    cell: Local<Rc<dyn JoinTarget<T>>>,
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(cell: Rc<dyn JoinTarget<T>>) -> JoinHandle<T> {
        JoinHandle {
            cell: Local::new(cell),
        }
    }

    /// Aborts the task: its future is dropped at the next step boundary (when
    /// the scheduler next picks it) and awaiting the handle gives a cancelled
    /// [`JoinError`]. Aborting a finished task does nothing.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(std::future::pending::<()>());
    ///     task.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        Core::abort(self.cell.as_runnable());
    }

    /// True once the task finished, was aborted or panicked.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(async {});
    ///     assert!(!task.is_finished());
    ///     seedloop::task::yield_now().await;
    ///     seedloop::task::yield_now().await;
    ///     # while !task.is_finished() { seedloop::task::yield_now().await; }
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        let header = self.cell.header();
        crate::runtime::footprint::touch(crate::runtime::footprint::task(header.id.as_u64()));
        header.finished.get()
    }

    /// The task's id.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(async {});
    ///     assert_eq!(task.id().as_u64(), 2);
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.cell.header().id
    }

    /// A handle that can abort the task without owning its result.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(std::future::pending::<()>());
    ///     let abort = task.abort_handle();
    ///     abort.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    ///     assert!(abort.is_finished());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            cell: Local::new(Rc::clone(&self.cell).runnable()),
        }
    }

    pub(crate) fn on_finish(&self, f: Box<dyn FnOnce()>) {
        if self.is_finished() {
            f();
        } else {
            self.cell.header().joiner.set(super::cell::Joiner::Hook(f));
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.cell.poll_join(cx)
    }
}

/// Aborts a task without owning its result.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(std::future::pending::<()>());
///     let abort = task.abort_handle();
///     drop(task);
///     abort.abort();
/// });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    /// Thread-checked, as [`JoinHandle`]'s: the task's count is not
    /// thread-safe, so the handle works only on the simulation's thread.
    cell: Local<Rc<dyn Runnable>>,
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

impl AbortHandle {
    /// Aborts the task; see [`JoinHandle::abort`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(std::future::pending::<()>());
    ///     task.abort_handle().abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        Core::abort(&**self.cell);
    }

    /// True once the task ended.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(async {});
    ///     let abort = task.abort_handle();
    ///     task.await.unwrap();
    ///     assert!(abort.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        let header = self.cell.header();
        crate::runtime::footprint::touch(crate::runtime::footprint::task(header.id.as_u64()));
        header.finished.get()
    }

    /// The task's id.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let task = seedloop::spawn(async {});
    ///     assert_eq!(task.abort_handle().id(), task.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.cell.header().id
    }
}
