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

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WaitState, WakeGuard, grant_all, mark_waiting};

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

use error::{RecvError, SendError};

/// A task blocked here is reported as waiting on `watch::Receiver::changed`.
static CHANGED: WaitKind = WaitKind::at("watch::Receiver::changed");
/// A task blocked here is reported as waiting on `watch::Sender::closed`.
static CLOSED: WaitKind = WaitKind::at("watch::Sender::closed");

/// The state both ends share. The value sits in its own `RefCell` because
/// users borrow it (through [`Ref`]) for as long as they like.
struct Shared<T> {
    value: RefCell<T>,
    /// How many values were sent, starting at 1 (0 is never a version: a
    /// receiver "marked changed" remembers 0).
    version: Cell<u64>,
    senders: Cell<usize>,
    receivers: Cell<usize>,
    /// Receivers in `changed`, all granted at each send.
    changed: RefCell<WaitList<()>>,
    /// Senders in `closed`, all granted when the last receiver goes.
    closed: RefCell<WaitList<()>>,
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
fn leave(count: &Cell<usize>, waiters: &RefCell<WaitList<()>>) {
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
    let shared = Rc::new(Shared {
        value: RefCell::new(init),
        version: Cell::new(1),
        senders: Cell::new(1),
        receivers: Cell::new(1),
        changed: RefCell::new(WaitList::default()),
        closed: RefCell::new(WaitList::default()),
    });
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

/// The sending half: stores new values. Cloning it gives another sender;
/// the channel closes for receivers when the last one is dropped.
///
/// ```
/// let (tx, rx) = seedloop::sync::watch::channel(0);
/// tx.send_modify(|v| *v += 5);
/// assert_eq!(*rx.borrow(), 5);
/// ```
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("version", &self.shared.version.get())
            .field("receivers", &self.shared.receivers.get())
            .finish()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.senders.set(self.shared.senders.get() + 1);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        leave(&self.shared.senders, &self.shared.changed);
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (get some with [`Sender::subscribe`]).
    ///
    /// ```
    /// let tx = seedloop::sync::watch::Sender::new(3);
    /// assert!(tx.is_closed());
    /// let rx = tx.subscribe();
    /// assert_eq!(*rx.borrow(), 3);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        let (tx, rx) = channel(init);
        drop(rx);
        tx
    }

    /// Stores `value` and notifies every receiver.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value when no receiver is left (the stored
    /// value is then unchanged).
    ///
    /// # Panics
    ///
    /// If a [`Ref`] of this channel is alive.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// assert_eq!(*tx.borrow(), 1);
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.get() == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Stores `value` even with no receiver, notifies every receiver, and
    /// returns the value it replaced.
    ///
    /// # Panics
    ///
    /// If a [`Ref`] of this channel is alive.
    ///
    /// ```
    /// let tx = seedloop::sync::watch::Sender::new(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    #[track_caller]
    pub fn send_replace(&self, value: T) -> T {
        let old = std::mem::replace(&mut *self.shared.value_mut(), value);
        self.shared.bump();
        old
    }

    /// Changes the value in place and notifies every receiver, even if `f`
    /// left it as it was.
    ///
    /// # Panics
    ///
    /// If a [`Ref`] of this channel is alive, or if `f` panics (the change
    /// `f` made so far stays, and no one is notified).
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    #[track_caller]
    pub fn send_modify<F: FnOnce(&mut T)>(&self, f: F) {
        self.send_if_modified(|v| {
            f(v);
            true
        });
    }

    /// Changes the value in place; notifies the receivers only if `f`
    /// returns true (it says whether it changed the value). Returns what `f`
    /// returned.
    ///
    /// # Panics
    ///
    /// As [`Sender::send_modify`].
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(5);
    /// assert!(!tx.send_if_modified(|v| if *v < 3 { *v = 3; true } else { false }));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| { *v = 9; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    #[track_caller]
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, f: F) -> bool {
        let modified = f(&mut self.shared.value_mut());
        if modified {
            self.shared.bump();
        }
        modified
    }

    /// Borrows the current value (its [`Ref::has_changed`] is false).
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::watch::channel(4);
    /// assert_eq!(*tx.borrow(), 4);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.borrow(),
            has_changed: false,
        }
    }

    /// A new receiver that counts the current value as seen.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// let rx2 = tx.subscribe();
    /// assert!(!rx2.has_changed().unwrap());
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.set(self.shared.receivers.get() + 1);
        Receiver {
            shared: self.shared.clone(),
            seen: self.shared.version.get(),
        }
    }

    /// How many receivers exist.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(());
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// How many senders exist (clones included).
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::watch::channel(());
    /// let tx2 = tx.clone();
    /// assert_eq!(tx2.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.get()
    }

    /// True when no receiver is left.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.receivers.get() == 0
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::watch::channel(());
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once no receiver is left (at once if none is now).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it takes nothing from the channel.
    ///
    /// # Determinism
    ///
    /// A switch point when no receiver is left at the first poll.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, rx) = seedloop::sync::watch::channel(0);
    ///     seedloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> {
        let shared = &*self.shared;
        Wait::new(&self.shared, &CLOSED, Location::caller(), move |_| {
            (shared.receivers.get() == 0).then_some(())
        })
    }
}

/// The receiving half: reads the value and waits for changes. Clones share
/// nothing but the channel: each remembers what it has seen.
///
/// ```
/// let (tx, mut rx) = seedloop::sync::watch::channel(0);
/// tx.send(1).unwrap();
/// let copy = rx.clone(); // has not seen 1 either
/// assert_eq!(*rx.borrow_and_update(), 1);
/// assert!(!rx.has_changed().unwrap());
/// assert!(copy.has_changed().unwrap());
/// ```
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    /// The version last marked seen (0 = marked changed).
    seen: u64,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("seen", &self.seen)
            .field("version", &self.shared.version.get())
            .finish()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.receivers.set(self.shared.receivers.get() + 1);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        leave(&self.shared.receivers, &self.shared.closed);
    }
}

impl<T> Receiver<T> {
    /// Borrows the current value without marking it seen.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(0);
    /// tx.send(8).unwrap();
    /// assert_eq!(*rx.borrow(), 8);
    /// assert!(rx.has_changed().unwrap()); // still unseen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.borrow(),
            has_changed: self.seen != self.shared.version.get(),
        }
    }

    /// Borrows the current value and marks it seen.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::watch::channel(0);
    /// tx.send(8).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 8);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let version = self.shared.version.get();
        let has_changed = self.seen != version;
        self.seen = version;
        Ref {
            inner: self.shared.value.borrow(),
            has_changed,
        }
    }

    /// Whether a value not yet marked seen is stored.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone, whatever is unseen.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.senders.get() == 0 {
            return Err(RecvError(()));
        }
        Ok(self.seen != self.shared.version.get())
    }

    /// True once every sender is gone.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::watch::channel(0);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.senders.get() == 0
    }

    /// Counts the current value as unseen: `changed` completes at once.
    ///
    /// ```
    /// let (_tx, mut rx) = seedloop::sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        self.seen = 0;
    }

    /// Counts the current value as seen.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.get();
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = seedloop::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until a value not yet seen is stored, then marks it seen (read
    /// it with [`Receiver::borrow`]). Values sent meanwhile coalesce: after
    /// three quick sends, `changed` completes once and the value is the last.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and no unseen value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value is marked seen only when the future returns,
    /// so dropping it (in a `select`, a `timeout`) loses no change.
    ///
    /// # Determinism
    ///
    /// A switch point when an unseen value (or the closing) is there at the
    /// first poll.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = seedloop::sync::watch::channel(0);
    ///     seedloop::spawn(async move { (1..=3).for_each(|i| tx.send(i).unwrap()) });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 3); // the three sends coalesced
    ///     assert!(rx.changed().await.is_err()); // the sender is gone
    /// });
    /// ```
    #[track_caller]
    pub fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> {
        self.changed_at(Location::caller())
    }

    fn changed_at(
        &mut self,
        at: &'static Location<'static>,
    ) -> impl Future<Output = Result<(), RecvError>> {
        let shared = self.shared.clone();
        Wait::new(&shared, &CHANGED, at, move |commit| {
            let version = self.shared.version.get();
            if self.seen != version {
                if commit {
                    self.seen = version;
                }
                Some(Ok(()))
            } else if self.shared.senders.get() == 0 {
                Some(Err(RecvError(())))
            } else {
                None
            }
        })
    }

    /// Waits until the value satisfies `f`, marking each value it looks at
    /// seen, and returns a borrow of the value that satisfied it. The value
    /// stored now is tested first.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and no value satisfied `f`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`Receiver::changed`] (values it rejected stay seen).
    ///
    /// # Determinism
    ///
    /// As [`Receiver::changed`], for each change it waits for.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = seedloop::sync::watch::channel(0);
    ///     seedloop::spawn(async move { (1..=10).for_each(|i| tx.send(i).unwrap()) });
    ///     let v = rx.wait_for(|v| *v >= 5).await.unwrap();
    ///     assert!(*v >= 5);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for<F: FnMut(&T) -> bool>(
        &mut self,
        mut f: F,
    ) -> impl Future<Output = Result<Ref<'_, T>, RecvError>> {
        let at = Location::caller();
        async move {
            let has_changed = loop {
                let (hit, has_changed) = {
                    let r = self.borrow_and_update();
                    (f(&r), r.has_changed())
                };
                if hit {
                    break has_changed;
                }
                self.changed_at(at).await?;
            };
            let this: &Receiver<T> = self;
            Ok(Ref {
                inner: this.shared.value.borrow(),
                has_changed,
            })
        }
    }
}

/// The future of [`Receiver::changed`] (kind `WatchChanged`, on the
/// `changed` list) and of [`Sender::closed`] (kind `WatchClosed`, on the
/// `closed` list): waits until `check` has an outcome. `check(false)` only
/// tells whether there is one; `check(true)` also commits it (marks the
/// value seen), which happens only when the future returns.
struct Wait<T, C> {
    shared: Rc<Shared<T>>,
    kind: &'static WaitKind,
    check: C,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<T, C> Wait<T, C> {
    fn new(
        shared: &Rc<Shared<T>>,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
        check: C,
    ) -> Self {
        Wait {
            shared: shared.clone(),
            kind,
            check,
            state: WaitState::Init,
            switch: Switch::default(),
            at,
        }
    }

    fn list(&self) -> &RefCell<WaitList<()>> {
        if std::ptr::eq(self.kind, &CLOSED) {
            &self.shared.closed
        } else {
            &self.shared.changed
        }
    }
}

impl<T, R, C: FnMut(bool) -> Option<R> + Unpin> Future for Wait<T, C> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = &mut *self;
        match this.state {
            WaitState::Done => panic!("{} polled after it completed", this.kind.label()),
            WaitState::Waiting(key) => {
                let list = WakeGuard::new(this.list().borrow_mut());
                if list.contains(key) {
                    return list.wait_again(|list| list, key, cx, this.kind, this.at);
                }
            }
            WaitState::Init => {
                if (this.check)(false).is_some() && this.switch.poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
            }
        }
        // First poll after the switch point, or granted: decide, or (for a
        // grant that no longer holds, say a new subscriber) wait again.
        if let Some(out) = (this.check)(true) {
            this.state = WaitState::Done;
            return Poll::Ready(out);
        }
        let key = this.list().borrow_mut().push(cx.waker().clone(), ());
        this.state = WaitState::Waiting(key);
        mark_waiting(this.kind, this.at);
        Poll::Pending
    }
}

impl<T, C> Drop for Wait<T, C> {
    fn drop(&mut self) {
        if let WaitState::Waiting(key) = self.state {
            // Granted or not, nothing was taken: every waiter is granted at
            // once, so there is nothing to pass on.
            let removed = self.list().borrow_mut().remove(key);
            drop(removed);
        }
    }
}
