//! The receiving half of a watch channel.

use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::error::RecvError;
use super::wait::Wait;
use super::{CHANGED, Ref, Shared, leave};

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
    pub(super) shared: Local<Rc<Shared<T>>>,
    /// The version last marked seen (0 = marked changed).
    pub(super) seen: u64,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("seen", &self.seen)
            .field("version", &self.shared.version.peek())
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
        if !self.shared.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
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
        Rc::ptr_eq(&*self.shared, &*other.shared)
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
