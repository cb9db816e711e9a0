//! Multi-producer, single-consumer channels (tokio's `sync::mpsc`), for
//! passing messages between simulated tasks.
//!
//! # asyncio mapping
//!
//! A channel plays the part of an `asyncio.Queue` shared by producers and
//! one consumer:
//!
//! | asyncio | seedloop |
//! |---|---|
//! | `q = asyncio.Queue(maxsize=n)` | `let (tx, rx) = mpsc::channel(n)` |
//! | `q = asyncio.Queue()` | `let (tx, rx) = mpsc::unbounded_channel()` |
//! | `await q.put(x)` | `tx.send(x).await` |
//! | `q.put_nowait(x)` (raises `QueueFull`) | `tx.try_send(x)` (`TrySendError::Full`) |
//! | `await q.get()` | `rx.recv().await` |
//! | `q.get_nowait()` (raises `QueueEmpty`) | `rx.try_recv()` (`TryRecvError::Empty`) |
//! | `q.shutdown()` (3.13) | `rx.close()`, or drop every sender |
//! | `q.qsize()` | `rx.len()` |
//!
//! The differences: the queue is split into sending handles (clonable) and
//! one receiving handle, so ownership says who may do what; the channel
//! ends by itself when every sender is dropped (`recv` returns `None`), and
//! a send to a dropped receiver fails and hands its value back. For a queue
//! with several consumers, `task_done` and `join`, see [`crate::queue`].
//!
//! # Determinism
//!
//! A `send` that finds room and a `recv` that finds a message are switch
//! points: the strategy may make the task yield first (a choice on the tape,
//! 0 = proceed), so the harness explores which side of a race goes first.
//! The `try_` methods and [`UnboundedSender::send`] never yield. Senders
//! waiting for room are served in FIFO order. A task blocked on a channel is
//! named in a deadlock report with the operation and its call site, for
//! example `mpsc::Receiver::recv at src/worker.rs:12:30`.
//!
//! ```
//! use seedloop::sync::mpsc;
//!
//! let mut sim = seedloop::Sim::new(7);
//! let total = sim.block_on(async {
//!     let (tx, mut rx) = mpsc::channel(2);
//!     for worker in 0..3u32 {
//!         let tx = tx.clone();
//!         seedloop::spawn(async move {
//!             for job in 0..4 {
//!                 tx.send(worker * 10 + job).await.unwrap();
//!             }
//!         });
//!     }
//!     drop(tx); // the loop below ends when the workers are done
//!     let mut total = 0;
//!     while let Some(result) = rx.recv().await {
//!         total += result;
//!     }
//!     total
//! });
//! assert_eq!(total, (0 + 10 + 20) * 4 + 3 * (0 + 1 + 2 + 3));
//! ```

mod chan;
mod closed;
pub mod error;
mod permit;
mod receiver;
mod sender;
mod unbounded;
mod weak;

use std::panic::Location;

use crate::sync::Semaphore;

pub use chan::{Recv, RecvMany};
pub use closed::Closed;
pub use permit::{OwnedPermit, Permit};
pub use receiver::{Receiver, UnboundedReceiver};
pub use sender::{Reserve, Sender, Sending};
pub use unbounded::UnboundedSender;
pub use weak::{WeakSender, WeakUnboundedSender};

use chan::{Chan, Rx, Tx};

/// A bounded channel holding at most `buffer` messages: a sender waits
/// while the buffer is full.
///
/// # Panics
///
/// If `buffer` is 0, or more than [`Semaphore::MAX_PERMITS`].
///
/// # Determinism
///
/// Making a channel draws nothing. Its call site is the one named in
/// deadlock reports for [`Receiver::poll_recv`] and the `Stream`
/// implementation.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let producer = seedloop::spawn(async move {
///         tx.send("one").await.unwrap();
///         tx.send("two").await.unwrap(); // waits until "one" is received
///     });
///     assert_eq!(rx.recv().await, Some("one"));
///     assert_eq!(rx.recv().await, Some("two"));
///     producer.await.unwrap();
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= Semaphore::MAX_PERMITS,
        "mpsc bounded channel requires buffer <= {}",
        Semaphore::MAX_PERMITS
    );
    let chan = Chan::new(Some(buffer), Location::caller());
    (
        Sender {
            tx: Tx::new(chan.clone()),
        },
        Receiver { rx: Rx::new(chan) },
    )
}

/// An unbounded channel: sending never waits, the buffer grows as needed.
///
/// # Determinism
///
/// Making a channel draws nothing. Its call site is the one named in
/// deadlock reports for [`UnboundedReceiver::poll_recv`] and the `Stream`
/// implementation.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     for i in 0..1000 {
///         tx.send(i).unwrap(); // never waits
///     }
///     assert_eq!(rx.len(), 1000);
///     assert_eq!(rx.recv().await, Some(0));
/// });
/// ```
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(None, Location::caller());
    (
        UnboundedSender {
            tx: Tx::new(chan.clone()),
        },
        UnboundedReceiver { rx: Rx::new(chan) },
    )
}
