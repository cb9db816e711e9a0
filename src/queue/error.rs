//! The errors of queue operations. Each one that refuses an item hands the
//! item back.

use std::fmt;

/// [`put_nowait`](super::Queue::put_nowait) could not add the item; the item
/// is handed back in the field.
///
/// `put_nowait` returns this both when the queue is full and when it was
/// shut down (a shut-down queue refuses every item). To tell the two apart,
/// use [`try_put`](super::Queue::try_put), whose [`TryPutError`] says which,
/// or ask [`is_shut_down`](super::Queue::is_shut_down).
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, QueueFull};
///
/// let q = Queue::new(1);
/// q.put_nowait("first").unwrap();
/// let QueueFull(back) = q.put_nowait("second").unwrap_err();
/// assert_eq!(back, "second");
/// assert_eq!(QueueFull(0).to_string(), "queue full");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// The item that was refused.
    ///
    /// ```
    /// let q = seedloop::queue::Queue::new(1);
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue full")
    }
}

impl<T> std::error::Error for QueueFull<T> {}

/// [`get_nowait`](super::Queue::get_nowait) found no item it could take.
///
/// `get_nowait` returns this also on a queue that was shut down and is
/// empty; [`try_get`](super::Queue::try_get) tells the two cases apart.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, QueueEmpty};
///
/// let q: Queue<u32> = Queue::new(0);
/// assert_eq!(q.get_nowait(), Err(QueueEmpty));
/// assert_eq!(QueueEmpty.to_string(), "queue empty");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue empty")
    }
}

impl std::error::Error for QueueEmpty {}

/// The queue was shut down (see [`Queue::shutdown`](super::Queue::shutdown)).
///
/// [`put`](super::Queue::put) fails with `QueueShutDown<T>`, handing the item
/// back; [`get`](super::Queue::get) fails with `QueueShutDown` (that is,
/// `QueueShutDown<()>`) once the shut-down queue has no item left for it.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, QueueShutDown};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q = Queue::new(0);
///     q.shutdown(false);
///     assert_eq!(q.put("late").await, Err(QueueShutDown("late")));
///     assert_eq!(q.get().await, Err(QueueShutDown(())));
///     assert_eq!(QueueShutDown(()).to_string(), "queue shut down");
/// });
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// The item that was refused (`()` for a failed `get`).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let q = seedloop::queue::Queue::new(0);
    ///     q.shutdown(false);
    ///     assert_eq!(q.put(7).await.unwrap_err().into_inner(), 7);
    /// });
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue shut down")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why [`try_put`](super::Queue::try_put) refused an item, which it hands back.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, TryPutError};
///
/// let q = Queue::new(1);
/// q.try_put(1).unwrap();
/// assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
/// q.shutdown(false);
/// let err = q.try_put(3).unwrap_err();
/// assert_eq!(err.to_string(), "queue shut down");
/// assert_eq!(err.into_inner(), 3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryPutError<T> {
    /// The queue holds `maxsize` items.
    Full(T),
    /// The queue was shut down.
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was refused.
    ///
    /// ```
    /// use seedloop::queue::TryPutError;
    /// assert_eq!(TryPutError::Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }
}

impl<T> From<TryPutError<T>> for QueueFull<T> {
    fn from(err: TryPutError<T>) -> QueueFull<T> {
        QueueFull(err.into_inner())
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("queue full"),
            TryPutError::ShutDown(_) => f.write_str("queue shut down"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why [`try_get`](super::Queue::try_get) returned no item.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, TryGetError};
///
/// let q: Queue<u8> = Queue::new(0);
/// assert_eq!(q.try_get(), Err(TryGetError::Empty));
/// q.shutdown(false);
/// assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
/// assert_eq!(TryGetError::ShutDown.to_string(), "queue shut down");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryGetError {
    /// No item can be taken now (more may come).
    Empty,
    /// The queue was shut down and is empty: no item will ever come.
    ShutDown,
}

impl From<TryGetError> for QueueEmpty {
    fn from(_: TryGetError) -> QueueEmpty {
        QueueEmpty
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("queue empty"),
            TryGetError::ShutDown => f.write_str("queue shut down"),
        }
    }
}

impl std::error::Error for TryGetError {}

/// [`task_done`](super::Queue::task_done) was called more times than items
/// were put (asyncio raises `ValueError` here).
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Queue, TaskDoneError};
///
/// let q: Queue<u8> = Queue::new(0);
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// assert_eq!(
///     TaskDoneError.to_string(),
///     "task_done() called more times than items were put"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were put")
    }
}

impl std::error::Error for TaskDoneError {}
