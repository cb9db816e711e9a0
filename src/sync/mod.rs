//! Layer 6, tools: what tasks coordinate with (asyncio's `Lock`, `Event`,
//! `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier`; tokio's `sync`).
//!
//! Every primitive here is single-threaded, drawn from the tape, and
//! *interleavable*: an operation that could proceed at once (an uncontended
//! lock, a send with room, a receive with a message waiting) is a switch
//! point where the strategy may make the task yield first (a choice on the
//! tape, 0 = proceed). A task blocked on one of them is named, with the call
//! site, in a deadlock report.
//!
//! ```
//! use std::rc::Rc;
//! use seedloop::sync::Mutex;
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let m = Rc::new(Mutex::new(0));
//!     let m2 = m.clone();
//!     seedloop::spawn(async move { *m2.lock().await += 1 }).await.unwrap();
//!     assert_eq!(*m.lock().await, 1);
//! });
//! ```

mod barrier;
mod bounded_semaphore;
pub mod broadcast;
mod condition;
mod error;
mod event;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
mod rwlock;
mod rwlock_owned;
mod semaphore;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult, BrokenBarrierError};
pub use bounded_semaphore::{BoundedReleaseError, BoundedSemaphore};
pub use condition::Condition;
pub use event::{Event, EventWait};
pub use mutex::{Lock, Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{Read, RwLock, RwLockReadGuard, RwLockWriteGuard, Write};
pub use rwlock_owned::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard};
pub use semaphore::{
    Acquire, AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
