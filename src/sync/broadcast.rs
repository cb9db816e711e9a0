//! `broadcast`: every receiver gets every value, in order, from a bounded
//! ring buffer (tokio's `sync::broadcast`).
//!
//! asyncio has no such class; the usual recipe is one `asyncio.Queue` per
//! subscriber and a publisher that puts each item into all of them. Here the
//! queues share one buffer of `capacity` slots, and a slow subscriber does
//! not slow the publisher down: when it falls more than `capacity` messages
//! behind, the oldest messages are overwritten and its next `recv` reports
//! [`RecvError::Lagged`]`(n)` with the exact number `n` it missed, then goes
//! on from the oldest message still kept.
//!
//! **Positions.** Messages are numbered from 0 in the order they were sent.
//! The buffer keeps a window of them (at most `capacity`); each receiver
//! holds the number of the next message it wants. A message leaves the
//! buffer when every receiver that existed when it was sent has received or
//! skipped it, or when a send overwrites it.
//!
//! **Closing.** When every [`Sender`] is gone, receivers still get the
//! messages left for them, then [`RecvError::Closed`]. With no receiver,
//! [`Sender::send`] fails and hands the value back.
//!
//! **Determinism.** Sends never yield. A `recv` with a message (or a lag,
//! or the closing) waiting is a switch point; at each send the waiting
//! receivers are woken in the order they started waiting.
//!
//! Unlike tokio, the capacity is used as given (tokio rounds it up to a
//! power of two), so lag happens exactly `capacity` messages behind.
//!
//! ```
//! use seedloop::sync::broadcast::{self, error::RecvError};
//!
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let (tx, mut rx) = broadcast::channel(2);
//!     let mut late = tx.subscribe();
//!     for i in 0..5 {
//!         tx.send(i).unwrap();
//!     }
//!     drop(tx);
//!     assert_eq!(late.recv().await, Err(RecvError::Lagged(3))); // 0, 1, 2 were overwritten
//!     assert_eq!(late.recv().await, Ok(3));
//!     assert_eq!(late.recv().await, Ok(4));
//!     assert_eq!(late.recv().await, Err(RecvError::Closed));
//!     # let _ = rx.try_recv();
//! });
//! ```

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WaitState, WakeGuard};

mod closed;
pub use closed::Closed;

/// The errors of a broadcast channel.
pub mod error {
    use std::fmt;

    crate::sync::error::send_error! {
        /// [`Sender::send`](super::Sender::send) failed because no receiver
        /// exists; the value comes back in the field.
        ///
        /// ```
        /// let (tx, rx) = seedloop::sync::broadcast::channel(1);
        /// drop(rx);
        /// let err = tx.send("lost").unwrap_err();
        /// assert_eq!(err.0, "lost");
        /// assert_eq!(err.to_string(), "channel closed");
        /// ```
    }

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
    ///
    /// ```
    /// use seedloop::sync::broadcast::error::RecvError;
    /// assert_eq!(RecvError::Closed.to_string(), "channel closed");
    /// assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RecvError {
        /// Every sender is gone and this receiver has received every
        /// message left for it.
        Closed,
        /// The receiver fell behind: this many messages were overwritten
        /// before it received them. The next receive goes on with the
        /// oldest message still kept.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    ///
    /// ```
    /// use seedloop::sync::broadcast::error::TryRecvError;
    /// assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    /// assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
    /// assert_eq!(TryRecvError::Lagged(2).to_string(), "channel lagged by 2");
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No message is waiting now (but a sender exists).
        Empty,
        /// Every sender is gone and this receiver has received every
        /// message left for it.
        Closed,
        /// The receiver fell behind by this many messages (as
        /// [`RecvError::Lagged`]).
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

/// A task blocked here is reported as waiting on `broadcast::Receiver::recv`.
static RECV: WaitKind = WaitKind::at("broadcast::Receiver::recv");

/// One kept message and how many receivers must still receive or skip it.
/// The value sits in an `Rc` so that a receiver takes it out of the borrowed
/// state without running `T::clone` (user code) under the borrow.
struct Slot<T> {
    value: Rc<T>,
    remaining: usize,
}

/// A taken value: unwrapped if this was its last reader, cloned otherwise.
/// Call with no borrow held.
fn owned<T: Clone>(value: Rc<T>) -> T {
    Rc::try_unwrap(value).unwrap_or_else(|shared| T::clone(&shared))
}

/// The state both ends share.
///
/// Invariants: `buffer.len() <= capacity`; `buffer[i]` is message number
/// `head + i`; every kept message has `remaining > 0`. The last one holds
/// because receivers take messages in order and a live receiver that must
/// take message `p` was present at every later send, so a message reaches
/// `remaining == 0` only at the front.
struct State<T> {
    buffer: VecDeque<Slot<T>>,
    head: u64,
    capacity: usize,
    senders: usize,
    receivers: usize,
    /// Receivers blocked in `recv`, all granted at each send.
    waiters: WaitList<()>,
    /// `Sender::closed` futures, granted when the last receiver goes.
    closed_waiters: WaitList<()>,
}

impl<T> State<T> {
    /// The number the next message sent will get.
    fn tail(&self) -> u64 {
        self.head + self.buffer.len() as u64
    }

    /// Removes the front messages every receiver is done with; the caller
    /// drops them once the state is no longer borrowed.
    fn trim(&mut self, dropped: &mut Vec<Rc<T>>) {
        while self.buffer.front().is_some_and(|s| s.remaining == 0) {
            let slot = self.buffer.pop_front().expect("front exists");
            self.head += 1;
            dropped.push(slot.value);
        }
    }

    fn ready_for(&self, next: u64) -> bool {
        next < self.tail() || self.senders == 0
    }

    /// Takes message `next` for a receiver: the value, its lag, `Empty` or
    /// `Closed`. Messages the receiver is done with are pushed to `dropped`.
    fn take(&mut self, next: &mut u64, dropped: &mut Vec<Rc<T>>) -> Result<Rc<T>, TryRecvError> {
        if *next < self.head {
            // Only overwriting moves `head` past a message a receiver still
            // needs, so the gap is exactly the number of messages it missed.
            let missed = self.head - *next;
            *next = self.head;
            return Err(TryRecvError::Lagged(missed));
        }
        if *next == self.tail() {
            return Err(if self.senders == 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let index = (*next - self.head) as usize;
        *next += 1;
        let slot = &mut self.buffer[index];
        slot.remaining -= 1;
        if slot.remaining > 0 {
            return Ok(slot.value.clone());
        }
        debug_assert_eq!(index, 0, "only the front message can be finished");
        let slot = self.buffer.pop_front().expect("front exists");
        self.head += 1;
        self.trim(dropped);
        Ok(slot.value)
    }
}

struct Shared<T> {
    /// Thread-checked, so that futures holding `&Shared` are `Send`.
    state: Local<Tracked<State<T>>>,
}

/// Creates a broadcast channel that keeps up to `capacity` messages.
///
/// # Panics
///
/// If `capacity` is 0.
///
/// ```
/// let (tx, mut rx) = seedloop::sync::broadcast::channel(16);
/// tx.send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "a broadcast channel needs a capacity above 0");
    let shared = Local::new(Rc::new(Shared {
        state: Local::new(Tracked::new(State {
            buffer: VecDeque::new(),
            head: 0,
            capacity,
            senders: 1,
            receivers: 1,
            waiters: WaitList::default(),
            closed_waiters: WaitList::default(),
        })),
    }));
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, rx)
}

/// The sending half; clone it for more senders.
///
/// ```
/// let (tx, mut rx) = seedloop::sync::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
/// ```
pub struct Sender<T> {
    /// Thread-checked, so the handle is `Send` and `Sync` as tokio's is.
    shared: Local<Rc<Shared<T>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.state.borrow();
        f.debug_struct("broadcast::Sender")
            .field("capacity", &s.capacity)
            .field("len", &s.buffer.len())
            .field("receivers", &s.receivers)
            .finish()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state.borrow_mut().senders += 1;
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
        let mut s = WakeGuard::new(self.shared.state.borrow_mut());
        s.senders -= 1;
        if s.senders == 0 {
            s.grant_all(|s| &mut s.waiters);
        }
    }
}

impl<T> Sender<T> {
    /// Queues `value` for every receiver that exists now and wakes those
    /// waiting. If the buffer is full, the oldest message is overwritten
    /// (receivers that had not taken it will report a lag). Returns the
    /// number of receivers it was queued for.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value when no receiver exists.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::broadcast::channel(1);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.send(10).unwrap(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut s = WakeGuard::new(self.shared.state.borrow_mut());
        if s.receivers == 0 {
            return Err(SendError(value));
        }
        let overwritten = if s.buffer.len() == s.capacity {
            s.head += 1;
            s.buffer.pop_front()
        } else {
            None
        };
        let receivers = s.receivers;
        s.buffer.push_back(Slot {
            value: Rc::new(value),
            remaining: receivers,
        });
        s.grant_all(|s| &mut s.waiters);
        // The overwritten message's destructor runs before the wakes.
        let wakeups = s.unlock();
        drop(overwritten);
        drop(wakeups);
        Ok(receivers)
    }

    /// A new receiver that gets the messages sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Completes once no receiver is left (at once if none is): tokio's
    /// `broadcast::Sender::closed`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Determinism
    ///
    /// A switch point when no receiver is left already.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, rx) = seedloop::sync::broadcast::channel::<u8>(1);
    ///     let listener = seedloop::spawn(async move {
    ///         seedloop::sleep(std::time::Duration::from_secs(1)).await;
    ///         drop(rx);
    ///     });
    ///     tx.closed().await;
    ///     assert_eq!(tx.receiver_count(), 0);
    ///     listener.await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> Closed<'_, T> {
        Closed {
            shared: &self.shared,
            state: WaitState::Init,
            switch: Switch::default(),
            at: Location::caller(),
        }
    }

    /// How many receivers exist.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::broadcast::channel::<()>(1);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.borrow().receivers
    }

    /// How many messages are kept: sent, and not yet received or skipped by
    /// every receiver that existed when they were sent (at most the
    /// capacity).
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::broadcast::channel(2);
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(tx.len(), 2); // 0 was overwritten
    /// let _ = rx.try_recv(); // reports the lag
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.state.borrow().buffer.len()
    }

    /// True when no message is kept.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::broadcast::channel(2);
    /// tx.send(()).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = seedloop::sync::broadcast::channel::<()>(1);
    /// let (other, _rx2) = seedloop::sync::broadcast::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&*self.shared, &*other.shared)
    }
}

fn new_receiver<T>(shared: &Local<Rc<Shared<T>>>) -> Receiver<T> {
    let next = {
        let mut s = shared.state.borrow_mut();
        s.receivers += 1;
        s.tail()
    };
    Receiver {
        shared: shared.clone(),
        next,
    }
}

/// The receiving half: gets every message sent after it was created, in
/// order (or learns how many it missed).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = seedloop::sync::broadcast::channel(8);
///     let mut rx2 = tx.subscribe();
///     tx.send(5).unwrap();
///     assert_eq!(rx.recv().await.unwrap(), 5);
///     assert_eq!(rx2.recv().await.unwrap(), 5);
/// });
/// ```
pub struct Receiver<T> {
    /// Thread-checked, so the handle is `Send` and `Sync` as tokio's is.
    shared: Local<Rc<Shared<T>>>,
    /// The number of the next message this receiver wants.
    next: u64,
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if !self.shared.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
        let mut dropped = Vec::new();
        let wakeups = {
            let mut s = WakeGuard::new(self.shared.state.borrow_mut());
            s.receivers -= 1;
            // This receiver no longer holds the messages it did not take.
            let from = self.next.saturating_sub(s.head) as usize;
            for slot in s.buffer.iter_mut().skip(from) {
                slot.remaining -= 1;
            }
            s.trim(&mut dropped);
            if s.receivers == 0 {
                s.grant_all(|s| &mut s.closed_waiters);
            }
            s.unlock()
        };
        drop(dropped);
        drop(wakeups);
    }
}

impl<T> Receiver<T> {
    /// How many messages sent on the channel this receiver has not taken
    /// yet, counting those already overwritten (that will be reported as a
    /// lag) as tokio does.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.state.borrow().tail() - self.next) as usize
    }

    /// True when [`Receiver::len`] is 0.
    ///
    /// ```
    /// let (tx, mut rx) = seedloop::sync::broadcast::channel(4);
    /// assert!(rx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once every sender is gone (messages may still be left to take).
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::broadcast::channel::<()>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.borrow().senders == 0
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::broadcast::channel::<()>(1);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&*self.shared, &*other.shared)
    }
}

impl<T: Clone> Receiver<T> {
    /// A new receiver of the same channel that gets the messages sent from
    /// now on (not those this one has yet to take).
    ///
    /// ```
    /// let (tx, rx) = seedloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// assert!(fresh.try_recv().is_err());
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Takes the next message if one is waiting, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none is waiting, [`TryRecvError::Lagged`]
    /// if messages were overwritten before this receiver took them, and
    /// [`TryRecvError::Closed`] once every sender is gone and nothing is left.
    ///
    /// # Determinism
    ///
    /// Never yields and draws nothing from the tape.
    ///
    /// ```
    /// use seedloop::sync::broadcast::error::TryRecvError;
    /// let (tx, mut rx) = seedloop::sync::broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut dropped = Vec::new();
        let out = self
            .shared
            .state
            .borrow_mut()
            .take(&mut self.next, &mut dropped);
        drop(dropped);
        out.map(owned)
    }

    /// Waits for the next message.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`]`(n)` if `n` messages were overwritten before
    /// this receiver took them (the next call returns the oldest message
    /// kept); [`RecvError::Closed`] once every sender is gone and nothing is
    /// left for this receiver.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only when the future returns it, so
    /// dropping the future (in a `select`, a `timeout`) loses nothing.
    ///
    /// # Determinism
    ///
    /// A switch point when a message (or a lag, or the closing) is there at
    /// the first poll: the strategy may make the task yield first. Waiting
    /// receivers are all woken, in the order they started waiting, at each
    /// send.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let (tx, mut rx) = seedloop::sync::broadcast::channel(4);
    ///     let listener = seedloop::spawn(async move {
    ///         let mut got = Vec::new();
    ///         while let Ok(v) = rx.recv().await {
    ///             got.push(v);
    ///         }
    ///         got
    ///     });
    ///     tx.send('a').unwrap();
    ///     tx.send('b').unwrap();
    ///     drop(tx);
    ///     assert_eq!(listener.await.unwrap(), ['a', 'b']);
    /// });
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            state: WaitState::Init,
            switch: Switch::default(),
            at: Location::caller(),
        }
    }
}

/// The future of [`Receiver::recv`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = seedloop::sync::broadcast::channel(1);
///     tx.send(3).unwrap();
///     let fut: seedloop::sync::broadcast::Recv<'_, i32> = rx.recv();
///     assert_eq!(fut.await, Ok(3));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv")
            .field("next", &self.rx.next)
            .finish_non_exhaustive()
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = &*this.rx.shared;
        match this.state {
            WaitState::Done => panic!("broadcast::Recv polled after it completed"),
            WaitState::Waiting(key) => {
                let s = WakeGuard::one(shared.state.borrow_mut());
                if s.waiters.contains(key) {
                    return s.wait_again(|s| &mut s.waiters, key, cx, &RECV, this.at);
                }
            }
            WaitState::Init => {
                let ready = shared.state.borrow().ready_for(this.rx.next);
                if ready && this.switch.poll_proceed(cx, &RECV, this.at).is_pending() {
                    return Poll::Pending;
                }
            }
        }
        // First poll after the switch point, or granted: take, or wait.
        let mut dropped = Vec::new();
        let out = {
            let mut s = shared.state.borrow_mut();
            match s.take(&mut this.rx.next, &mut dropped) {
                Ok(v) => Ok(v),
                Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                Err(TryRecvError::Closed) => Err(RecvError::Closed),
                Err(TryRecvError::Empty) => {
                    return this.state.wait(&mut s.waiters, (), cx, &RECV, this.at);
                }
            }
        };
        drop(dropped);
        this.state = WaitState::Done;
        Poll::Ready(out.map(owned))
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if !self.rx.shared.is_reachable() {
            return; // dropped on another thread
        }
        // Granted or not, nothing was taken: a send grants every waiter.
        self.state.cancel(&self.rx.shared.state, |s| &mut s.waiters);
    }
}
