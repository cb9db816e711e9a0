//! `LifoQueue`: last in, first out (asyncio's `LifoQueue`).

use crate::runtime::local::Local;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use super::api::queue_api;
use super::buffer::{Buffer, Lifo};
use super::error::{QueueEmpty, QueueFull, TaskDoneError, TryGetError, TryPutError};
use super::ops::{Get, Join, Put};
use super::shared::Shared;

/// A last-in, first-out queue (a stack) shared by tasks (asyncio's
/// `LifoQueue`).
///
/// Everything but the order is as in [`Queue`](super::Queue): a cheap
/// handle, clones share one queue, `maxsize` bounds it (`0`: no limit),
/// `task_done`/`join` count the work, `shutdown` ends it. Blocked getters
/// are still served in FIFO order; the order of *items* is newest first.
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
/// use seedloop::queue::LifoQueue;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let stack = LifoQueue::new(0);
///     for page in ["home", "search", "result"] {
///         stack.put(page).await.unwrap();
///     }
///     assert_eq!(stack.get().await, Ok("result")); // newest first
///     assert_eq!(stack.get().await, Ok("search"));
///     assert_eq!(stack.get().await, Ok("home"));
/// });
/// ```
pub struct LifoQueue<T> {
    shared: Local<Rc<Shared<T>>>,
}

impl<T> Clone for LifoQueue<T> {
    /// Another handle to the same queue.
    fn clone(&self) -> LifoQueue<T> {
        LifoQueue {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Default for LifoQueue<T> {
    /// An unbounded queue, as `LifoQueue::new(0)`.
    fn default() -> LifoQueue<T> {
        LifoQueue::new(0)
    }
}

impl<T> fmt::Debug for LifoQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt_fields("LifoQueue", f)
    }
}

impl<T> LifoQueue<T> {
    /// A queue that holds at most `maxsize` items; `0` means no limit.
    ///
    /// ```
    /// use seedloop::queue::LifoQueue;
    ///
    /// let bounded: LifoQueue<u32> = LifoQueue::new(10);
    /// assert_eq!(bounded.maxsize(), 10);
    /// let unbounded: LifoQueue<u32> = LifoQueue::new(0);
    /// assert!(!unbounded.is_full());
    /// ```
    pub fn new(maxsize: usize) -> LifoQueue<T> {
        LifoQueue {
            shared: Local::new(Rc::new(Shared::new(Buffer::new::<Lifo>(), maxsize))),
        }
    }
}

queue_api!(LifoQueue, "newest");
