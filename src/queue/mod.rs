//! Layer 6, queues: asyncio's `Queue`, `LifoQueue` and `PriorityQueue`,
//! shutdown included (Python 3.13).
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `asyncio.Queue(maxsize=0)` | [`Queue::new(0)`](Queue::new) (also `LifoQueue`, `PriorityQueue`) |
//! | `await q.put(x)` | `q.put(x).await?` (fails with [`QueueShutDown`] and the item) |
//! | `q.put_nowait(x)` / `QueueFull` | [`q.put_nowait(x)`](Queue::put_nowait) → [`QueueFull`] with the item |
//! | `await q.get()` | `q.get().await?` (fails with [`QueueShutDown`] once shut down and empty) |
//! | `q.get_nowait()` / `QueueEmpty` | [`q.get_nowait()`](Queue::get_nowait) → [`QueueEmpty`] |
//! | `q.task_done()` / `ValueError` | [`q.task_done()`](Queue::task_done) → [`TaskDoneError`] |
//! | `await q.join()` | [`q.join().await`](Queue::join) |
//! | `q.qsize()`, `q.empty()`, `q.full()`, `q.maxsize` | [`qsize`](Queue::qsize), [`is_empty`](Queue::is_empty), [`is_full`](Queue::is_full), [`maxsize`](Queue::maxsize) |
//! | `q.shutdown(immediate=False)` / `QueueShutDown` | [`q.shutdown(false)`](Queue::shutdown) / [`QueueShutDown`] |
//!
//! Differences worth knowing:
//! - A queue is a cheap handle (an `Rc` inside): clone it into every task
//!   that uses it. All methods take `&self`.
//! - Errors hand the item back. [`put_nowait`](Queue::put_nowait) reports
//!   a shut-down queue as [`QueueFull`] too, and
//!   [`get_nowait`](Queue::get_nowait) reports a shut-down, empty queue as
//!   [`QueueEmpty`]; [`try_put`](Queue::try_put) and
//!   [`try_get`](Queue::try_get) say which case it was.
//! - Blocked getters and blocked putters are served strictly in the order
//!   they started waiting. asyncio only wakes the next waiter, which may
//!   then find that another task took the item first; here an item that
//!   arrives while getters wait is set aside for the first of them at once,
//!   and a blocked putter's item enters the queue as soon as there is room.
//! - `get` is cancel safe (no item is lost when it is dropped); `put`
//!   drops its item if it is dropped while waiting for room.
//!
//! Under simulation, a `put` with room, a `get` with an item waiting and a
//! `join` with nothing unfinished are switch points, where the strategy may
//! let other tasks run first (a choice on the tape; 0 = proceed). A task
//! blocked on a queue is named in a deadlock report as `Queue::get`,
//! `Queue::put` or `Queue::join`, with the call site.
//!
//! # Examples
//!
//! Workers and `join`, as in asyncio's documentation:
//!
//! ```
//! use seedloop::queue::Queue;
//!
//! let mut sim = seedloop::Sim::new(7);
//! sim.block_on(async {
//!     let jobs = Queue::new(0);
//!     for n in 1..=10u64 {
//!         jobs.put_nowait(n).unwrap();
//!     }
//!     let total = std::rc::Rc::new(std::cell::Cell::new(0));
//!     for _ in 0..3 {
//!         let (jobs, total) = (jobs.clone(), total.clone());
//!         seedloop::spawn(async move {
//!             while let Ok(n) = jobs.get().await {
//!                 seedloop::sleep(std::time::Duration::from_millis(n)).await;
//!                 total.set(total.get() + n);
//!                 jobs.task_done().unwrap();
//!             }
//!         });
//!     }
//!     jobs.join().await; // every job was marked done
//!     assert_eq!(total.get(), 55);
//!     jobs.shutdown(false); // the workers' next get fails: they end
//! });
//! ```

mod api;
mod buffer;
mod error;
mod fifo;
mod lifo;
mod ops;
mod priority;
mod shared;

pub use error::{QueueEmpty, QueueFull, QueueShutDown, TaskDoneError, TryGetError, TryPutError};
pub use fifo::Queue;
pub use lifo::LifoQueue;
pub use ops::{Get, Join, Put};
pub use priority::PriorityQueue;
