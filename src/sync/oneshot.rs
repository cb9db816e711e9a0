//! A channel for sending one value once (tokio's `sync::oneshot`).
//!
//! # asyncio mapping
//!
//! A oneshot channel is an `asyncio.Future` split in two: the [`Sender`]
//! plays `fut.set_result(x)` ([`Sender::send`]), the [`Receiver`] plays
//! `await fut` (it is itself a future). Dropping the sender without sending
//! is the analogue of `fut.cancel()`: the receiver gets a [`RecvError`]
//! instead of a value. The other way round, the sender can learn that no one
//! will read the result ([`Sender::closed`], [`Sender::is_closed`]) and skip
//! the work. For a future that several tasks await, see
//! [`Promise`](crate::future::Promise).
//!
//! State: the value (once sent); whether the sender is done (sent or
//! dropped); whether the receiver is closed (closed or dropped); one waker
//! per side. A send to a closed receiver hands the value back. Wakes, and
//! drops of values and old wakers, happen with no borrow held.
//!
//! ```
//! use seedloop::sync::oneshot;
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let (tx, rx) = oneshot::channel();
//!     seedloop::spawn(async move {
//!         seedloop::sleep(std::time::Duration::from_secs(1)).await;
//!         tx.send("computed").unwrap();
//!     });
//!     assert_eq!(rx.await, Ok("computed"));
//! });
//! ```

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WakeGuard, mark_waiting, register};

pub mod error {
    //! The errors of a oneshot channel.

    use std::fmt;

    crate::sync::error::recv_error! {
        /// The sender was dropped without sending (or the receiver was closed
        /// before a value arrived): no value will ever come.
        ///
        /// # Examples
        ///
        /// ```
        /// let mut sim = seedloop::Sim::new(1);
        /// sim.block_on(async {
        ///     let (tx, rx) = seedloop::sync::oneshot::channel::<u8>();
        ///     drop(tx);
        ///     let err: seedloop::sync::oneshot::error::RecvError = rx.await.unwrap_err();
        ///     assert_eq!(err.to_string(), "channel closed");
        /// });
        /// ```
    }

    /// Why a [`try_recv`](super::Receiver::try_recv) returned no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use seedloop::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value yet, but the sender may still send one.
        Empty,
        /// No value will ever come: the sender was dropped, the receiver
        /// was closed, or the value was already taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// A task blocked here is reported as waiting on `oneshot::Receiver`.
static RECV: WaitKind = WaitKind::at("oneshot::Receiver");
/// A task blocked here is reported as waiting on `oneshot::Sender::closed`.
static CLOSED: WaitKind = WaitKind::at("oneshot::Sender::closed");

struct Inner<T> {
    value: Option<T>,
    /// The sender sent or was dropped.
    tx_done: bool,
    /// The receiver was closed or dropped.
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

/// A oneshot channel: one value, sent once.
///
/// # Determinism
///
/// Making the channel draws nothing; its call site is the one a deadlock
/// report names for a task blocked on the [`Receiver`] or in
/// [`Sender::poll_closed`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = seedloop::sync::oneshot::channel();
///     tx.send(42).unwrap();
///     assert_eq!(rx.await, Ok(42));
/// });
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let at = Location::caller();
    let inner = Local::new(Rc::new(Tracked::new(Inner {
        value: None,
        tx_done: false,
        rx_closed: false,
        rx_waker: None,
        tx_waker: None,
    })));
    (
        Sender {
            inner: Some(inner.clone()),
            at,
        },
        Receiver {
            inner,
            switch: Switch::default(),
            waited: false,
            done: false,
            at,
        },
    )
}

/// The sending half of a oneshot channel.
///
/// Dropping it without sending makes the receiver fail with [`RecvError`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, rx) = seedloop::sync::oneshot::channel::<u8>();
///     seedloop::spawn(async move { drop(tx) }); // gives up
///     assert!(rx.await.is_err());
/// });
/// ```
pub struct Sender<T> {
    /// `None` once `send` consumed it.
    /// Thread-checked, so the sender is `Send` as tokio's is.
    inner: Option<Local<Rc<Tracked<Inner<T>>>>>,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Sender<T> {
    fn inner(&self) -> &Tracked<Inner<T>> {
        self.inner
            .as_ref()
            .expect("a live sender holds the channel")
    }

    /// Sends the value, waking the receiver.
    ///
    /// # Errors
    ///
    /// The value comes back if the receiver was closed or dropped.
    ///
    /// # Determinism
    ///
    /// Not async: never yields. The receiver's `await` is the switch point.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send("unread"), Err("unread"));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a live sender holds the channel");
        let mut s = WakeGuard::one(inner.borrow_mut());
        s.tx_done = true;
        if s.rx_closed {
            return Err(value);
        }
        s.value = Some(value);
        let receiver = s.rx_waker.take();
        s.wake(receiver);
        Ok(())
    }

    /// Completes once the receiver is closed or dropped, so the value would
    /// go unread.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Determinism
    ///
    /// Never a switch point. A task blocked here is reported as waiting on
    /// `oneshot::Sender::closed` with this call site.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (mut tx, rx) = seedloop::sync::oneshot::channel::<u64>();
    ///     let worker = seedloop::spawn(async move {
    ///         let slow = seedloop::sleep(Duration::from_secs(60));
    ///         futures::pin_mut!(slow);
    ///         match futures::future::select(tx.closed(), slow).await {
    ///             futures::future::Either::Left(_) => "abandoned",
    ///             futures::future::Either::Right(_) => "finished",
    ///         }
    ///     });
    ///     drop(rx); // no longer interested
    ///     assert_eq!(worker.await.unwrap(), "abandoned");
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed {
            sender: self,
            registered: false,
            at: Location::caller(),
        }
    }

    /// Polls for the receiver's closing, for hand-written futures.
    ///
    /// # Determinism
    ///
    /// A task blocked here is reported with the call site of [`channel`].
    ///
    /// ```
    /// use std::task::Poll;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (mut tx, rx) = seedloop::sync::oneshot::channel::<()>();
    ///     drop(rx);
    ///     std::future::poll_fn(|cx| tx.poll_closed(cx)).await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let at = self.at;
        self.poll_closed_at(cx, at)
    }

    fn poll_closed_at(&mut self, cx: &mut Context<'_>, at: &'static Location<'static>) -> Poll<()> {
        {
            let mut s = WakeGuard::one(self.inner().borrow_mut());
            if s.rx_closed {
                return Poll::Ready(());
            }
            let old = register(&mut s.tx_waker, cx.waker());
            s.discard(old);
        }
        mark_waiting(&CLOSED, at);
        Poll::Pending
    }

    /// True once the receiver is closed or dropped.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().borrow().rx_closed
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return; // sent
        };
        if !inner.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
        let mut s = WakeGuard::new(inner.borrow_mut());
        s.tx_done = true;
        let old = s.tx_waker.take();
        s.discard(old);
        let receiver = s.rx_waker.take();
        s.wake(receiver);
    }
}

/// The future of [`Sender::closed`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (mut tx, rx) = seedloop::sync::oneshot::channel::<u8>();
///     drop(rx);
///     let closed: seedloop::sync::oneshot::Closed<'_, u8> = tx.closed();
///     closed.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    sender: &'a mut Sender<T>,
    registered: bool,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").field("at", &self.at).finish()
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let poll = this.sender.poll_closed_at(cx, this.at);
        this.registered = poll.is_pending();
        poll
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        let here = self.sender.inner.as_ref().is_some_and(|i| i.is_reachable());
        if self.registered && here {
            let mut s = WakeGuard::one(self.sender.inner().borrow_mut());
            let old = s.tx_waker.take();
            s.discard(old);
        }
    }
}

/// The receiving half of a oneshot channel; await it for the value.
///
/// # Cancel safety
///
/// Awaiting `&mut rx` is cancel safe: the value leaves the channel only
/// when the poll returns it.
///
/// # Determinism
///
/// Awaiting it when the value is already there is a switch point (a choice
/// on the tape; 0 = proceed). A task blocked on it is reported as waiting on
/// `oneshot::Receiver` with the call site of [`channel`].
///
/// # Panics
///
/// Polling it again after it returned (or after
/// [`try_recv`](Receiver::try_recv) took the value).
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = seedloop::sync::oneshot::channel();
///     let slow = seedloop::time::timeout(std::time::Duration::from_secs(1), &mut rx).await;
///     assert!(slow.is_err()); // nothing yet, and nothing lost
///     tx.send(9).unwrap();
///     assert_eq!(rx.await, Ok(9));
/// });
/// ```
pub struct Receiver<T> {
    /// Thread-checked, as the sender's.
    inner: Local<Rc<Tracked<Inner<T>>>>,
    switch: Switch,
    /// The receive blocked once: it proceeds without a switch when woken.
    waited: bool,
    /// The value (or the error) was returned.
    done: bool,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.borrow();
        f.debug_struct("Receiver")
            .field("has_value", &s.value.is_some())
            .field("sender_done", &s.tx_done)
            .field("closed", &s.rx_closed)
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if the value may still come;
    /// [`TryRecvError::Closed`] if it never will (the sender was dropped,
    /// the receiver closed, or the value already taken).
    ///
    /// ```
    /// use seedloop::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send('v').unwrap();
    /// assert_eq!(rx.try_recv(), Ok('v'));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if self.done {
            return Err(TryRecvError::Closed);
        }
        let mut s = self.inner.borrow_mut();
        match s.value.take() {
            Some(v) => {
                self.done = true;
                Ok(v)
            }
            None if s.tx_done || s.rx_closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel: a later [`Sender::send`] fails and the sender's
    /// [`closed`](Sender::closed) completes. A value sent before the close
    /// can still be received.
    ///
    /// ```
    /// use seedloop::sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        let mut s = WakeGuard::one(self.inner.borrow_mut());
        s.rx_closed = true;
        let sender = s.tx_waker.take();
        s.wake(sender);
    }

    /// True once this receiver returned the value or an error: polling it
    /// again would panic.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = seedloop::sync::oneshot::channel();
    ///     tx.send(()).unwrap();
    ///     assert!(!rx.is_terminated());
    ///     (&mut rx).await.unwrap();
    ///     assert!(rx.is_terminated());
    /// });
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "oneshot::Receiver polled after it returned");
        let (has_value, gone) = {
            let s = this.inner.borrow();
            (s.value.is_some(), s.tx_done || s.rx_closed)
        };
        if has_value {
            if !this.waited && this.switch.poll_proceed(cx, &RECV, this.at).is_pending() {
                return Poll::Pending;
            }
            // Only this receiver takes the value: it is still there.
            let value = this.inner.borrow_mut().value.take();
            this.done = true;
            return Poll::Ready(value.ok_or(RecvError(())));
        }
        if gone {
            this.done = true;
            return Poll::Ready(Err(RecvError(())));
        }
        {
            let mut s = WakeGuard::one(this.inner.borrow_mut());
            let old = register(&mut s.rx_waker, cx.waker());
            s.discard(old);
        }
        this.waited = true;
        mark_waiting(&RECV, this.at);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if !self.inner.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
        // The value's destructor runs last, after the wake.
        let value = {
            let mut s = WakeGuard::new(self.inner.borrow_mut());
            s.rx_closed = true;
            let old = s.rx_waker.take();
            s.discard(old);
            let sender = s.tx_waker.take();
            s.wake(sender);
            s.value.take()
        };
        drop(value);
    }
}
