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

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::task_cell::{JoinTarget, Runnable};

mod join_set;

pub use join_set::JoinSet;

/// A task's id, unique within its simulation and stable across replays.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(async { seedloop::task::id() });
///     let id = task.id();
///     assert_eq!(task.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u64);

impl Id {
    pub(crate) fn from_u64(id: u64) -> Id {
        Id(id)
    }

    /// The id as a number.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let id = sim.block_on(async { seedloop::task::id() });
    /// assert_eq!(id.as_u64(), 1); // the main future is the first task
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

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
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

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
    cell: Rc<dyn JoinTarget<T>>,
    _not_send: PhantomData<*const ()>,
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
            cell,
            _not_send: PhantomData,
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
        self.cell.header().finished.get()
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
            cell: self.cell.clone().runnable(),
        }
    }

    pub(crate) fn on_finish(&self, f: Box<dyn FnOnce()>) {
        if self.is_finished() {
            f();
        } else {
            self.cell
                .header()
                .joiner
                .set(crate::runtime::task_cell::Joiner::Hook(f));
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
    cell: Rc<dyn Runnable>,
}

// An AbortHandle must stay on the simulation's thread: the task's count is
// not thread-safe. (`Rc` already makes it `!Send`; this says why.)

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
        Core::abort(&*self.cell);
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
        self.cell.header().finished.get()
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

enum Repr {
    Cancelled,
    /// In a mutex only to make `JoinError: Sync` (as tokio's), so that it
    /// converts into `Box<dyn Error + Send + Sync>`; it is never contended.
    Panic(std::sync::Mutex<Box<dyn Any + Send + 'static>>),
}

/// Why a task gave no result: it was aborted, or it panicked.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let task = seedloop::spawn(std::future::pending::<()>());
///     task.abort();
///     let err = task.await.unwrap_err();
///     assert!(err.is_cancelled() && !err.is_panic());
///     assert_eq!(err.to_string(), "task 2 was cancelled");
/// });
/// ```
pub struct JoinError {
    inner: Box<(Id, Repr)>,
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            inner: Box::new((id, Repr::Cancelled)),
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            inner: Box::new((id, Repr::Panic(std::sync::Mutex::new(payload)))),
        }
    }

    /// True if the task was aborted.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     t.abort();
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.1, Repr::Cancelled)
    }

    /// True if the task panicked.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder()
    ///     .panic_policy(seedloop::PanicPolicy::ToJoinHandle)
    ///     .print_panics(false)
    ///     .build();
    /// sim.block_on(async {
    ///     assert!(seedloop::spawn(async { panic!() }).await.unwrap_err().is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.1, Repr::Panic(_))
    }

    /// The panic payload, for `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked; see [`JoinError::try_into_panic`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::builder()
    ///     .panic_policy(seedloop::PanicPolicy::ToJoinHandle)
    ///     .print_panics(false)
    ///     .build();
    /// sim.block_on(async {
    ///     let err = seedloop::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task's error")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Errors
    ///
    /// The same `JoinError` when the task was cancelled.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     t.abort();
    ///     assert!(t.await.unwrap_err().try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match *self.inner {
            (_, Repr::Panic(p)) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            (id, Repr::Cancelled) => Err(JoinError::cancelled(id)),
        }
    }

    /// The id of the task that ended.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::spawn(std::future::pending::<()>());
    ///     let id = t.id();
    ///     t.abort();
    ///     assert_eq!(t.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.inner.0
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, repr) = &*self.inner;
        match repr {
            Repr::Cancelled => write!(f, "task {id} was cancelled"),
            Repr::Panic(p) => write!(
                f,
                "task {id} panicked with message {:?}",
                payload_message(p)
            ),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, repr) = &*self.inner;
        match repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({id})"),
            Repr::Panic(p) => write!(f, "JoinError::Panic({id}, {:?})", payload_message(p)),
        }
    }
}

fn payload_message(p: &std::sync::Mutex<Box<dyn Any + Send + 'static>>) -> String {
    match p.lock() {
        Ok(p) => crate::runtime::task_cell::panic_message(&**p),
        Err(e) => crate::runtime::task_cell::panic_message(&**e.into_inner()),
    }
}

impl std::error::Error for JoinError {}
