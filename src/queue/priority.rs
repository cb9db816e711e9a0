//! `PriorityQueue`: smallest first (asyncio's `PriorityQueue`).

use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use super::buffer::{Buffer, MinHeap};
use super::error::{QueueEmpty, QueueFull, TaskDoneError, TryGetError, TryPutError};
use super::ops::{Get, Join, Put};
use super::shared::Shared;

/// A queue that hands out its smallest item first, shared by tasks
/// (asyncio's `PriorityQueue`, a binary heap like `heapq`).
///
/// Put `(priority, payload)` tuples to order by priority; equal items come
/// out oldest first. Everything but the
/// order is as in [`Queue`](super::Queue): a cheap handle, clones share one
/// queue, `maxsize` bounds it (`0`: no limit), `task_done`/`join` count the
/// work, `shutdown` ends it. Blocked getters are served in FIFO order. Only
/// [`new`](PriorityQueue::new) needs `T: Ord`. The comparison runs while the
/// queue's state is borrowed, so an `Ord` implementation must not use the
/// same queue (it would panic with a double borrow).
///
/// Single-threaded: neither `Send` nor `Sync`.
///
/// # Determinism
///
/// A `put` with room and a `get` with an item waiting are switch points (a
/// choice on the tape, 0 = proceed). The `_nowait` and `try_` methods never
/// yield.
///
/// # Examples
///
/// ```
/// use seedloop::queue::PriorityQueue;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q = PriorityQueue::new(0);
///     q.put((3, "low")).await.unwrap();
///     q.put((1, "urgent")).await.unwrap();
///     q.put((2, "normal")).await.unwrap();
///     assert_eq!(q.get().await, Ok((1, "urgent"))); // smallest first
///     assert_eq!(q.get().await, Ok((2, "normal")));
///     assert_eq!(q.get().await, Ok((3, "low")));
/// });
/// ```
pub struct PriorityQueue<T> {
    shared: Rc<Shared<T>>,
}

impl<T> Clone for PriorityQueue<T> {
    /// Another handle to the same queue.
    fn clone(&self) -> PriorityQueue<T> {
        PriorityQueue {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Ord> Default for PriorityQueue<T> {
    /// An unbounded queue, as `PriorityQueue::new(0)`.
    fn default() -> PriorityQueue<T> {
        PriorityQueue::new(0)
    }
}

impl<T> fmt::Debug for PriorityQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt_fields("PriorityQueue", f)
    }
}

impl<T: Ord> PriorityQueue<T> {
    /// A queue that holds at most `maxsize` items; `0` means no limit.
    ///
    /// ```
    /// use seedloop::queue::PriorityQueue;
    ///
    /// let bounded: PriorityQueue<u32> = PriorityQueue::new(10);
    /// assert_eq!(bounded.maxsize(), 10);
    /// let unbounded: PriorityQueue<u32> = PriorityQueue::new(0);
    /// assert!(!unbounded.is_full());
    /// ```
    pub fn new(maxsize: usize) -> PriorityQueue<T> {
        PriorityQueue {
            shared: Rc::new(Shared::new(Buffer::new::<MinHeap>(), maxsize)),
        }
    }
}

impl<T> PriorityQueue<T> {
    /// The largest number of items the queue holds (`0`: no limit).
    ///
    /// ```
    /// assert_eq!(seedloop::queue::PriorityQueue::<u8>::new(3).maxsize(), 3);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize()
    }

    /// The number of items in the queue now.
    ///
    /// Items already set aside for a blocked `get` that has not run yet are
    /// still counted (as in asyncio, where the getter takes its item when
    /// it runs).
    ///
    /// ```
    /// let q = seedloop::queue::PriorityQueue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// assert_eq!(q.qsize(), 2);
    /// ```
    pub fn qsize(&self) -> usize {
        self.shared.qsize()
    }

    /// True when the queue holds no item.
    ///
    /// ```
    /// let q = seedloop::queue::PriorityQueue::new(0);
    /// assert!(q.is_empty());
    /// q.put_nowait(1).unwrap();
    /// assert!(!q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True when the queue holds `maxsize` items (never, when unbounded).
    ///
    /// ```
    /// let q = seedloop::queue::PriorityQueue::new(1);
    /// assert!(!q.is_full());
    /// q.put_nowait(1).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.is_full()
    }

    /// True once [`shutdown`](PriorityQueue::shutdown) was called.
    ///
    /// ```
    /// let q = seedloop::queue::PriorityQueue::<u8>::new(0);
    /// q.shutdown(false);
    /// assert!(q.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.shared.is_shut_down()
    }

    /// How many items were put and not yet marked done with
    /// [`task_done`](PriorityQueue::task_done); [`join`](PriorityQueue::join) waits for
    /// this to reach zero.
    ///
    /// ```
    /// let q = seedloop::queue::PriorityQueue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1); // taken, not yet done
    /// q.task_done().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.shared.unfinished_tasks()
    }

    /// Puts an item, waiting while the queue is full.
    ///
    /// Blocked putters are served in the order they started waiting; a
    /// blocked putter's item enters the queue as soon as there is room.
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`](super::QueueShutDown) with the item, if the queue
    /// is shut down before the item could enter.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future while it waits for room drops
    /// the item. (Once the item has entered the queue, dropping the future
    /// does not take it out.)
    ///
    /// # Determinism
    ///
    /// A switch point when there is room at once. A blocked put is named,
    /// with this call site, in a deadlock report.
    ///
    /// ```
    /// use seedloop::queue::PriorityQueue;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let q = PriorityQueue::new(1);
    ///     q.put(1).await.unwrap();
    ///     let q2 = q.clone();
    ///     let putter = seedloop::spawn(async move { q2.put(2).await }); // full: waits
    ///     assert_eq!(q.get().await, Ok(1)); // makes room
    ///     putter.await.unwrap().unwrap();
    ///     assert_eq!(q.get().await, Ok(2));
    /// });
    /// ```
    #[track_caller]
    pub fn put(&self, item: T) -> Put<'_, T> {
        self.shared.put(item, Location::caller())
    }

    /// Puts an item if there is room now, never waiting.
    ///
    /// # Errors
    ///
    /// [`QueueFull`] with the item when the queue is full, and also when it
    /// was shut down; [`try_put`](PriorityQueue::try_put) says which.
    ///
    /// # Determinism
    ///
    /// Never yields.
    ///
    /// ```
    /// use seedloop::queue::{QueueFull, PriorityQueue};
    ///
    /// let q = PriorityQueue::new(1);
    /// assert_eq!(q.put_nowait(1), Ok(()));
    /// assert_eq!(q.put_nowait(2), Err(QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        self.shared.try_put(item).map_err(QueueFull::from)
    }

    /// Puts an item if there is room now, never waiting; the error says
    /// whether the queue was full or shut down.
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] or [`TryPutError::ShutDown`], with the item.
    ///
    /// # Determinism
    ///
    /// Never yields.
    ///
    /// ```
    /// use seedloop::queue::{TryPutError, PriorityQueue};
    ///
    /// let q = PriorityQueue::new(1);
    /// q.try_put(1).unwrap();
    /// assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
    /// q.shutdown(false);
    /// assert_eq!(q.try_put(3), Err(TryPutError::ShutDown(3)));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.shared.try_put(item)
    }

    /// Removes and returns the smallest item, waiting while the queue is
    /// empty.
    ///
    /// Blocked getters are served in the order they started waiting: an
    /// item that arrives while some wait is set aside for the first of them
    /// at once, and no later `get` or `get_nowait` can take it.
    /// (Such an item goes to the getter even if a smaller one arrives
    /// before the getter runs.)
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`](super::QueueShutDown) once the queue is shut down
    /// and has no item left for this getter.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no item is taken unless the future returns it. A getter
    /// dropped after an item was set aside for it puts the item back (as
    /// the oldest item) and the next waiting getter receives it.
    ///
    /// # Determinism
    ///
    /// A switch point when an item is there at once. A blocked get is named
    /// (`Queue::get`), with this call site, in a deadlock report.
    ///
    /// ```
    /// use seedloop::queue::PriorityQueue;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let q = PriorityQueue::new(0);
    ///     let q2 = q.clone();
    ///     let consumer = seedloop::spawn(async move { q2.get().await });
    ///     q.put(7).await.unwrap();
    ///     assert_eq!(consumer.await.unwrap(), Ok(7));
    /// });
    /// ```
    #[track_caller]
    pub fn get(&self) -> Get<'_, T> {
        self.shared.get(Location::caller())
    }

    /// Takes the next item if one is there now, never waiting.
    ///
    /// Items set aside for blocked getters that have not run yet cannot be
    /// taken.
    ///
    /// # Errors
    ///
    /// [`QueueEmpty`] when no item can be taken (also on a shut-down, empty
    /// queue; [`try_get`](PriorityQueue::try_get) says which).
    ///
    /// # Determinism
    ///
    /// Never yields.
    ///
    /// ```
    /// use seedloop::queue::{QueueEmpty, PriorityQueue};
    ///
    /// let q = PriorityQueue::new(0);
    /// q.put_nowait("a").unwrap();
    /// assert_eq!(q.get_nowait(), Ok("a"));
    /// assert_eq!(q.get_nowait(), Err(QueueEmpty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        self.shared.try_get().map_err(QueueEmpty::from)
    }

    /// Takes the next item if one is there now, never waiting; the error
    /// says whether more items may come.
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`] when no item can be taken now;
    /// [`TryGetError::ShutDown`] when the queue is shut down and empty.
    ///
    /// # Determinism
    ///
    /// Never yields.
    ///
    /// ```
    /// use seedloop::queue::{TryGetError, PriorityQueue};
    ///
    /// let q = PriorityQueue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.try_get(), Ok(1)); // items left are still handed out
    /// assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.shared.try_get()
    }

    /// Marks one item taken from the queue as processed.
    ///
    /// Every item put counts as unfinished until `task_done` is called once
    /// for it; [`join`](PriorityQueue::join) waits until none is.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] when called more times than items were put (the
    /// count is left at zero).
    ///
    /// ```
    /// use seedloop::queue::{TaskDoneError, PriorityQueue};
    ///
    /// let q = PriorityQueue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// assert_eq!(q.task_done(), Err(TaskDoneError));
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.shared.task_done()
    }

    /// Waits until every item put has been marked done with
    /// [`task_done`](PriorityQueue::task_done).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Determinism
    ///
    /// A switch point when nothing is unfinished at once. A blocked join is
    /// named (`Queue::join`), with this call site, in a deadlock report.
    ///
    /// ```
    /// use seedloop::queue::PriorityQueue;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let q = PriorityQueue::new(0);
    ///     for job in 0..3 {
    ///         q.put_nowait(job).unwrap();
    ///     }
    ///     let worker = q.clone();
    ///     seedloop::spawn(async move {
    ///         while let Ok(_job) = worker.get().await {
    ///             worker.task_done().unwrap();
    ///         }
    ///     });
    ///     q.join().await;
    ///     assert_eq!(q.unfinished_tasks(), 0);
    ///     q.shutdown(false); // lets the worker end
    /// });
    /// ```
    #[track_caller]
    pub fn join(&self) -> Join<'_, T> {
        self.shared.join(Location::caller())
    }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`).
    ///
    /// From then on every put fails ([`put`](PriorityQueue::put) with
    /// [`QueueShutDown`](super::QueueShutDown), [`put_nowait`](PriorityQueue::put_nowait)
    /// with [`QueueFull`], both handing the item back), and blocked putters
    /// are woken to fail the same way. Getters still receive the items left;
    /// once the queue is empty, blocked and later `get`s fail with
    /// `QueueShutDown`.
    ///
    /// With `immediate`, the items left are removed (and dropped) first,
    /// each counting as done, so that [`join`](PriorityQueue::join) returns once no
    /// other item is unfinished; getters then fail at once. Calling it again
    /// is harmless (`immediate` then still empties the queue).
    ///
    /// ```
    /// use seedloop::queue::{QueueShutDown, PriorityQueue};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let q = PriorityQueue::new(0);
    ///     q.put_nowait(1).unwrap();
    ///     q.put_nowait(2).unwrap();
    ///     q.shutdown(true);
    ///     assert!(q.is_empty());
    ///     q.join().await; // the removed items count as done
    ///     assert_eq!(q.get().await, Err(QueueShutDown(())));
    /// });
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        self.shared.shutdown(immediate);
    }
}
