//! The sending half of a watch channel.

use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::error::SendError;
use super::wait::Wait;
use super::{CLOSED, Receiver, Ref, Shared, channel, leave};

/// The sending half: stores new values. Cloning it gives another sender;
/// the channel closes for receivers when the last one is dropped.
///
/// ```
/// let (tx, rx) = seedloop::sync::watch::channel(0);
/// tx.send_modify(|v| *v += 5);
/// assert_eq!(*rx.borrow(), 5);
/// ```
pub struct Sender<T> {
    pub(super) shared: Local<Rc<Shared<T>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("version", &self.shared.version.peek())
            .field("receivers", &self.shared.receivers.peek())
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
        if !self.shared.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
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
        Rc::ptr_eq(&*self.shared, &*other.shared)
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
        // An owned (thread-checked) share, so the future is `Send`.
        let shared = self.shared.clone();
        Wait::new(&self.shared, &CLOSED, Location::caller(), move |_| {
            (shared.receivers.get() == 0).then_some(())
        })
    }
}
