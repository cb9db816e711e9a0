//! `PriorityQueue`: smallest first (asyncio's `PriorityQueue`).

use crate::runtime::local::Local;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use super::api::queue_api;
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
    shared: Local<Rc<Shared<T>>>,
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
            shared: Local::new(Rc::new(Shared::new(Buffer::new::<MinHeap>(), maxsize))),
        }
    }
}

queue_api!(PriorityQueue, "smallest");
