//! `watch`: one value, many observers; each observer learns that the value
//! changed and reads the latest one (tokio's `sync::watch`).
//!
//! asyncio has no direct equivalent. The nearest is an `asyncio.Event` that
//! carries a value: the sender stores a new value and sets the event; a
//! receiver waits for the event, reads the value and clears its own copy of
//! the flag. Values sent while a receiver was busy are *coalesced*: it only
//! ever sees the latest one, never a queue of them.
//!
//! **Versions.** The channel counts the values sent (its version). Each
//! receiver remembers the version it last marked as seen; the value "has
//! changed" for it while the two differ. [`Receiver::changed`] waits for
//! that, then marks the value seen; [`Receiver::borrow_and_update`] marks it
//! seen while reading it; [`Receiver::borrow`] only reads.
//!
//! **Closing.** When every [`Sender`] is gone, `changed` still reports a value
//! not yet seen, then fails with [`error::RecvError`]. When every
//! [`Receiver`] is gone, [`Sender::send`] fails (handing the value back) and
//! [`Sender::closed`] completes.
//!
//! **Borrows.** A [`Ref`] borrows the value in place. Sending while a `Ref` of
//! the same channel is alive panics (tokio would deadlock instead), so keep
//! `Ref`s short and never hold one across an `.await`.
//!
//! **Determinism.** Sends never yield. `changed` and `closed` finding their
//! outcome at once are switch points; waiters are woken in FIFO order.
//!
//! ```
//! use std::time::Duration;
//! use seedloop::sync::watch;
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let observer = seedloop::spawn(async move {
//!         let mut seen = Vec::new();
//!         while rx.changed().await.is_ok() {
//!             seen.push(*rx.borrow_and_update());
//!         }
//!         seen
//!     });
//!     seedloop::sleep(Duration::from_secs(1)).await;
//!     tx.send("ready").unwrap();
//!     drop(tx); // closes the channel: the observer stops after "ready"
//!     assert_eq!(observer.await.unwrap(), vec!["ready"]);
//! });
//! ```

mod receiver;
mod sender;
mod wait;

use crate::runtime::footprint::Tracked;
use crate::runtime::footprint::TrackedCell;
use crate::runtime::local::Local;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{WaitList, grant_all};

pub use receiver::Receiver;
pub use sender::Sender;

/// The errors of a watch channel.
pub mod error {
    crate::sync::error::send_error! {
        /// [`Sender::send`](super::Sender::send) failed because no receiver is
        /// left; the value comes back in the field.
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::watch::channel(0);
        /// drop(rx);
        /// let err = tx.send(7).unwrap_err();
        /// assert_eq!(err.0, 7);
        /// assert_eq!(err.to_string(), "channel closed");
        /// ```
    }

    crate::sync::error::recv_error! {
        /// Every sender is gone (and, for `changed`, no unseen value is left).
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::watch::channel(0);
        /// drop(tx);
        /// let err: seedloop::sync::watch::error::RecvError = rx.has_changed().unwrap_err();
        /// assert_eq!(err.to_string(), "channel closed");
        /// ```
    }
}

/// A task blocked here is reported as waiting on `watch::Receiver::changed`.
static CHANGED: WaitKind = WaitKind::at("watch::Receiver::changed");
/// A task blocked here is reported as waiting on `watch::Sender::closed`.
static CLOSED: WaitKind = WaitKind::at("watch::Sender::closed");

/// The state both ends share. The value sits in its own `RefCell` because
/// users borrow it (through [`Ref`]) for as long as they like.
struct Shared<T> {
    value: Tracked<T>,
    /// How many values were sent, starting at 1 (0 is never a version: a
    /// receiver "marked changed" remembers 0).
    version: TrackedCell<u64>,
    senders: TrackedCell<usize>,
    receivers: TrackedCell<usize>,
    /// Receivers in `changed`, all granted at each send.
    changed: Tracked<WaitList<()>>,
    /// Senders in `closed`, all granted when the last receiver goes.
    closed: Tracked<WaitList<()>>,
}

impl<T> Shared<T> {
    #[track_caller]
    fn value_mut(&self) -> std::cell::RefMut<'_, T> {
        self.value.try_borrow_mut().unwrap_or_else(|_| {
            panic!("watch value changed while a watch::Ref of it is alive (drop the Ref first)")
        })
    }

    /// A new version: every waiting `changed` is granted.
    fn bump(&self) {
        self.version.set(self.version.get() + 1);
        grant_all(&self.changed);
    }
}

/// A handle of one side went away (`count` is its side's): when it was the
/// last, every waiter on `waiters` (the other side's) is granted.
fn leave(count: &TrackedCell<usize>, waiters: &Tracked<WaitList<()>>) {
    let left = count.get() - 1;
    count.set(left);
    if left == 0 {
        grant_all(waiters);
    }
}

/// Creates a watch channel holding `init`; the receiver counts `init` as
/// already seen.
///
/// ```
/// let (tx, rx) = seedloop::sync::watch::channel(1);
/// assert_eq!(*rx.borrow(), 1);
/// assert!(!rx.has_changed().unwrap());
/// tx.send(2).unwrap();
/// assert!(rx.has_changed().unwrap());
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Local::new(Rc::new(Shared {
        value: Tracked::new(init),
        version: TrackedCell::new(1),
        senders: TrackedCell::new(1),
        receivers: TrackedCell::new(1),
        changed: Tracked::new(WaitList::default()),
        closed: Tracked::new(WaitList::default()),
    }));
    let rx = Receiver {
        shared: shared.clone(),
        seen: 1,
    };
    (Sender { shared }, rx)
}

/// A borrow of the channel's value; it derefs to `T`.
///
/// Sending on the channel while a `Ref` is alive panics: drop it soon, and
/// never keep it across an `.await`.
///
/// ```
/// let (_tx, rx) = seedloop::sync::watch::channel(String::from("hi"));
/// let r: seedloop::sync::watch::Ref<'_, String> = rx.borrow();
/// assert_eq!(r.len(), 2);
/// ```
pub struct Ref<'a, T> {
    inner: std::cell::Ref<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// True if the value was unseen by the receiver that borrowed it (before
    /// the borrow, for `borrow_and_update`); false for [`Sender::borrow`].
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}
