//! `Queue`: first in, first out (asyncio's `Queue`).

use crate::runtime::local::Local;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use super::api::queue_api;
use super::buffer::{Buffer, Fifo};
use super::error::{QueueEmpty, QueueFull, TaskDoneError, TryGetError, TryPutError};
use super::ops::{Get, Join, Put};
use super::shared::Shared;

/// A first-in, first-out queue shared by tasks (asyncio's `Queue`).
///
/// A `Queue` is a cheap handle: clones share one queue. It holds at most
/// `maxsize` items (`0`: no limit). [`put`](Queue::put) waits while it is
/// full, [`get`](Queue::get) waits while it is empty, and the `_nowait` forms
/// never wait. Every item put counts as unfinished until a consumer calls
/// [`task_done`](Queue::task_done); [`join`](Queue::join) waits until none
/// is. [`shutdown`](Queue::shutdown) ends it.
///
/// Single-threaded: neither `Send` nor `Sync`.
///
/// # Determinism
///
/// A `put` with room and a `get` with an item waiting are switch points (the
/// strategy may make the task yield first; a choice on the tape, 0 =
/// proceed). The `_nowait` and `try_` methods never yield. Blocked getters,
/// and blocked putters, are served in FIFO order.
///
/// # Examples
///
/// ```
/// use seedloop::queue::Queue;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q = Queue::new(2);
///     let producer = {
///         let q = q.clone();
///         seedloop::spawn(async move {
///             for i in 0..5 {
///                 q.put(i).await.unwrap(); // waits while two are queued
///             }
///         })
///     };
///     let mut got = Vec::new();
///     for _ in 0..5 {
///         got.push(q.get().await.unwrap());
///         q.task_done().unwrap();
///     }
///     producer.await.unwrap();
///     assert_eq!(got, [0, 1, 2, 3, 4]); // first in, first out
///     q.join().await;
/// });
/// ```
pub struct Queue<T> {
    shared: Local<Rc<Shared<T>>>,
}

impl<T> Clone for Queue<T> {
    /// Another handle to the same queue.
    fn clone(&self) -> Queue<T> {
        Queue {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Default for Queue<T> {
    /// An unbounded queue, as `Queue::new(0)`.
    fn default() -> Queue<T> {
        Queue::new(0)
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt_fields("Queue", f)
    }
}

impl<T> Queue<T> {
    /// A queue that holds at most `maxsize` items; `0` means no limit.
    ///
    /// ```
    /// use seedloop::queue::Queue;
    ///
    /// let bounded: Queue<u32> = Queue::new(10);
    /// assert_eq!(bounded.maxsize(), 10);
    /// let unbounded: Queue<u32> = Queue::new(0);
    /// assert!(!unbounded.is_full());
    /// ```
    pub fn new(maxsize: usize) -> Queue<T> {
        Queue {
            shared: Local::new(Rc::new(Shared::new(Buffer::new::<Fifo>(), maxsize))),
        }
    }
}

queue_api!(Queue, "oldest");
