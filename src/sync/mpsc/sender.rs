//! The sending half of a bounded channel, and its futures.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::runtime::wait::WaitKind;
use crate::sync::{Acquire, TryAcquireError};

use super::chan::{Chan, Tx};
use super::closed::Closed;
use super::error::{SendError, SendTimeoutError, TrySendError};
use super::permit::{OwnedPermit, Permit};

/// A task blocked here is reported as waiting on `mpsc::Sender::send`.
static SEND: WaitKind = WaitKind::at("mpsc::Sender::send");
/// A task blocked here is reported as waiting on `mpsc::Sender::reserve`.
static RESERVE: WaitKind = WaitKind::at("mpsc::Sender::reserve");

/// The sending half of a bounded channel, made by [`channel`](super::channel).
///
/// Clone it to get more producers; the channel closes for the receiver once
/// every clone is dropped (and the buffer is drained).
///
/// # Determinism
///
/// A [`send`](Sender::send) or [`reserve`](Sender::reserve) that finds a free
/// slot is a switch point (a choice on the tape; 0 = proceed). Senders that
/// wait for room are served in FIFO order. [`try_send`](Sender::try_send)
/// never yields.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     for id in 0..3 {
///         let tx = tx.clone();
///         seedloop::spawn(async move { tx.send(id).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
pub struct Sender<T> {
    pub(super) tx: Tx<T>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("chan", &*self.tx.chan)
            .finish()
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting at most `timeout` (virtual time) for a free
    /// slot (tokio's `send_timeout`).
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if no slot came free in time,
    /// [`SendTimeoutError::Closed`] if the receiver is (or gets) closed;
    /// both hand the value back.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the value (it waits for a
    /// slot with [`reserve`](Sender::reserve), so a timeout keeps it).
    ///
    /// # Determinism
    ///
    /// As [`send`](Sender::send); the timeout is a virtual-time timer.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = seedloop::sync::mpsc::channel(1);
    ///     tx.send_timeout(1, Duration::from_secs(1)).await.unwrap();
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    #[track_caller]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: std::time::Duration,
    ) -> impl Future<Output = Result<(), SendTimeoutError<T>>> + '_ {
        let reserve = self.reserve();
        async move {
            match crate::time::timeout(timeout, reserve).await {
                Ok(Ok(permit)) => {
                    permit.send(value);
                    Ok(())
                }
                Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
                Err(_) => Err(SendTimeoutError::Timeout(value)),
            }
        }
    }

    /// Sends `value`, waiting for a free slot if the buffer is full.
    ///
    /// # Errors
    ///
    /// [`SendError`], with the value, if the receiver is (or gets, while this
    /// waits) closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the value unsent, and a
    /// sender waiting for room loses its place in the queue. To keep the
    /// value when racing against something else, [`reserve`](Sender::reserve)
    /// first, then send with the permit.
    ///
    /// # Determinism
    ///
    /// A switch point when a slot is free at once.
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     let second = seedloop::spawn(async move { tx.send(2).await }); // waits for room
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     second.await.unwrap().unwrap();
    ///     assert_eq!(rx.recv().await, Some(2));
    /// });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Sending<'_, T> {
        let chan = &*self.tx.chan;
        Sending {
            chan,
            value: Some(value),
            acquire: Acquire::new(chan.sem(), 1, &SEND, Location::caller()),
        }
    }

    /// Sends `value` if a slot is free now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when the buffer is full (or senders are already
    /// waiting for room), [`TrySendError::Closed`] when the receiver is
    /// closed or dropped; both hand the value back.
    ///
    /// ```
    /// use seedloop::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(tx.try_send('a'), Ok(()));
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b')));
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// rx.close();
    /// assert_eq!(tx.try_send('c'), Err(TrySendError::Closed('c')));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let chan = &*self.tx.chan;
        match chan.sem().try_acquire() {
            Ok(permit) => permit.forget(), // the message holds it until received
            Err(TryAcquireError::Closed) => return Err(TrySendError::Closed(value)),
            Err(TryAcquireError::NoPermits) => return Err(TrySendError::Full(value)),
        }
        chan.push(value, true).map_err(|value| {
            chan.release(1);
            TrySendError::Closed(value)
        })
    }

    /// Waits for a free slot and reserves it: the returned [`Permit`] sends
    /// one message without waiting (or gives the slot back when dropped).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is or gets closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe apart from fairness: dropping the future loses its place
    /// in the queue of waiting senders, nothing else.
    ///
    /// # Determinism
    ///
    /// A switch point when a slot is free at once. A task blocked here is
    /// reported as waiting on `mpsc::Sender::reserve` (with this call site).
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 0); // the slot is taken by the permit
    ///     permit.send("reserved");
    ///     assert_eq!(rx.recv().await, Some("reserved"));
    /// });
    /// ```
    #[track_caller]
    pub fn reserve(&self) -> Reserve<'_, T> {
        let chan = &*self.tx.chan;
        Reserve {
            chan,
            acquire: Acquire::new(chan.sem(), 1, &RESERVE, Location::caller()),
        }
    }

    /// Reserves a slot if one is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`] (carrying `()`).
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().unwrap_err().is_full());
    /// drop(permit); // the slot comes back
    /// assert!(tx.try_reserve().is_ok());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        let chan = &*self.tx.chan;
        try_claim(chan)?;
        Ok(Permit::new(chan))
    }

    /// As [`reserve`](Sender::reserve), but the permit owns this sender, so
    /// it can move into another task.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is or gets closed or dropped (this
    /// sender is dropped then).
    ///
    /// # Cancel safety
    ///
    /// As [`reserve`](Sender::reserve) (the sender is dropped with the future).
    ///
    /// # Determinism
    ///
    /// A switch point when a slot is free at once.
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let permit = tx.reserve_owned().await.unwrap();
    ///     seedloop::spawn(async move {
    ///         let tx = permit.send(5); // the sender comes back
    ///         drop(tx);
    ///     });
    ///     assert_eq!(rx.recv().await, Some(5));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn reserve_owned(self) -> impl Future<Output = Result<OwnedPermit<T>, SendError<()>>> {
        let at = Location::caller();
        async move {
            let chan = &*self.tx.chan;
            let reserve = Reserve {
                chan,
                acquire: Acquire::new(chan.sem(), 1, &RESERVE, at),
            };
            // The slot moves into the owned permit: skip the drop that frees it.
            std::mem::forget(reserve.await?);
            Ok(OwnedPermit::new(self))
        }
    }

    /// As [`try_reserve`](Sender::try_reserve), with a permit that owns this
    /// sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], handing the sender back.
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.send(1);
    /// assert!(tx.try_reserve_owned().unwrap_err().is_full());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match try_claim(&self.tx.chan) {
            Ok(()) => Ok(OwnedPermit::new(self)),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Completes once the receiver is closed or dropped: nothing sent from
    /// then on can be received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Determinism
    ///
    /// Never a switch point. A task blocked here is reported as waiting on
    /// `mpsc::Sender::closed` with this call site.
    ///
    /// ```
    /// use seedloop::sync::mpsc;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = mpsc::channel::<()>(1);
    ///     let watcher = seedloop::spawn(async move {
    ///         tx.closed().await;
    ///         "receiver gone"
    ///     });
    ///     rx.close();
    ///     assert_eq!(watcher.await.unwrap(), "receiver gone");
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> Closed<'_, T> {
        self.tx.closed(Location::caller())
    }

    /// True once the receiver is closed or dropped.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.chan.is_rx_closed()
    }

    /// How many slots are free now (the buffer size minus buffered messages
    /// and reserved slots).
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.tx.chan.sem().available_permits()
    }

    /// The buffer size the channel was made with.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::mpsc::channel::<u8>(4);
    /// assert_eq!(tx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.tx.chan.max
    }

    /// True if both senders feed the same channel.
    ///
    /// ```
    /// let (a, _rx) = seedloop::sync::mpsc::channel::<u8>(1);
    /// let (c, _rx2) = seedloop::sync::mpsc::channel::<u8>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&c));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

/// Takes a free slot and reserves it, or says why not.
fn try_claim<T>(chan: &Chan<T>) -> Result<(), TrySendError<()>> {
    match chan.sem().try_acquire() {
        Ok(permit) => permit.forget(),
        Err(TryAcquireError::Closed) => return Err(TrySendError::Closed(())),
        Err(TryAcquireError::NoPermits) => return Err(TrySendError::Full(())),
    }
    if chan.claim_reserved() {
        Ok(())
    } else {
        chan.release(1);
        Err(TrySendError::Closed(()))
    }
}

/// The future of [`Sender::send`].
///
/// State machine: waiting for a slot (the semaphore's acquire: FIFO, a
/// switch point if a slot is free at once) → the value is queued and the
/// receiver woken, or handed back in an error if the receiver is gone.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let sending: mpsc::Sending<'_, u32> = tx.send(7);
///     sending.await.unwrap();
///     assert_eq!(rx.recv().await, Some(7));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sending<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    acquire: Acquire<'a>,
}

// The value is never pinned: it only moves into the queue or an error.
impl<T> Unpin for Sending<'_, T> {}

impl<T> fmt::Debug for Sending<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sending")
            .field("done", &self.value.is_none())
            .finish()
    }
}

impl<T> Future for Sending<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(
            this.value.is_some(),
            "mpsc `Sending` polled after it completed"
        );
        let acquired = ready!(this.acquire.poll_take(cx));
        let value = this.value.take().expect("checked above");
        if acquired.is_err() {
            return Poll::Ready(Err(SendError(value)));
        }
        // The slot's permit now travels with the message.
        Poll::Ready(this.chan.push(value, true).map_err(|value| {
            this.chan.release(1);
            SendError(value)
        }))
    }
}

/// The future of [`Sender::reserve`].
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let reserve: mpsc::Reserve<'_, &str> = tx.reserve();
///     reserve.await.unwrap().send("x");
///     assert_eq!(rx.recv().await, Some("x"));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Reserve<'a, T> {
    chan: &'a Chan<T>,
    acquire: Acquire<'a>,
}

impl<T> fmt::Debug for Reserve<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve").finish_non_exhaustive()
    }
}

impl<'a, T> Future for Reserve<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if ready!(this.acquire.poll_take(cx)).is_err() {
            return Poll::Ready(Err(SendError(())));
        }
        if this.chan.claim_reserved() {
            Poll::Ready(Ok(Permit::new(this.chan)))
        } else {
            this.chan.release(1);
            Poll::Ready(Err(SendError(())))
        }
    }
}
