//! Reserved slots of a bounded channel: a permit sends one message without
//! waiting, or gives its slot back when dropped unused.

use std::fmt;

use super::chan::Chan;
use super::sender::Sender;

/// One reserved slot of a bounded channel, from [`Sender::reserve`] or
/// [`Sender::try_reserve`]. Sending through it cannot wait nor fail;
/// dropping it unused gives the slot back.
///
/// A permit still sends after the receiver was [closed](super::Receiver::close)
/// (the receiver gets the message); if the receiver was dropped, the
/// message is dropped.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(2);
///     // Reserve both slots first, so the sends cannot fail half-way.
///     let a: mpsc::Permit<'_, u8> = tx.reserve().await.unwrap();
///     let b = tx.reserve().await.unwrap();
///     a.send(1);
///     b.send(2);
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
/// });
/// ```
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<'a, T> Permit<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>) -> Permit<'a, T> {
        Permit { chan }
    }

    /// Sends `value` through the reserved slot, at once.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::mpsc::channel(1);
    /// tx.try_reserve().unwrap().send("now");
    /// assert_eq!(rx.try_recv(), Ok("now"));
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot moves into the message: skip the drop that frees it.
        std::mem::forget(self);
        chan.send_reserved(value);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("chan", self.chan).finish()
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        if !self.chan.inner.is_reachable() {
            return; // dropped on another thread: the slot leaks
        }
        self.chan.drop_reserved();
    }
}

/// A reserved slot that owns its [`Sender`], from
/// [`Sender::reserve_owned`] or [`Sender::try_reserve_owned`], so it can
/// move into another task. Sending through it hands the sender back.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let permit: mpsc::OwnedPermit<i32> = tx.reserve_owned().await.unwrap();
///     let tx = permit.send(10);
///     assert!(!tx.is_closed());
///     assert_eq!(rx.recv().await, Some(10));
/// });
/// ```
pub struct OwnedPermit<T> {
    /// `None` only once used (in `send` or `release`).
    tx: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    pub(super) fn new(tx: Sender<T>) -> OwnedPermit<T> {
        OwnedPermit { tx: Some(tx) }
    }

    /// Sends `value` through the reserved slot and returns the sender.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send('z');
    /// assert_eq!(rx.try_recv(), Ok('z'));
    /// # drop(tx);
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let tx = self.tx.take().expect("an unused permit owns its sender");
        tx.tx.chan.send_reserved(value);
        tx
    }

    /// Gives the slot back unused and returns the sender.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let tx = self.tx.take().expect("an unused permit owns its sender");
        tx.tx.chan.drop_reserved();
        tx
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").field("tx", &self.tx).finish()
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            if tx.tx.chan.is_reachable() {
                tx.tx.chan.drop_reserved();
            }
        }
    }
}
