//! The state shared by the halves of a channel, and the receiving futures
//! that both flavours (bounded and unbounded) share: [`Recv`] and
//! [`RecvMany`].
//!
//! **State.** A queue of messages; the number of live sender handles; the
//! number of reserved but unused slots (`Permit`s); whether the receiver was
//! closed or dropped; the receiver's waker (there is one receiver, so one
//! waker); and the list of `Sender::closed` waiters. A bounded channel also
//! has a semaphore with one permit per free slot: a message in the queue
//! holds one permit, and receiving it gives the permit back, which hands it
//! to the first sender waiting for room (FIFO).
//!
//! **Drained.** The receiver sees the end of the stream when the queue is
//! empty and no message can come any more: every sender is gone, or the
//! receiver was closed and no reserved slot is outstanding.
//!
//! **Closing.** Closing the receiver marks the state closed, closes the
//! semaphore (failing the senders waiting for room) and wakes the
//! `closed()` waiters; dropping it also drops the buffered messages. Every
//! wake, and every drop of a message or an old waker, happens after the
//! `RefCell` borrow is released: either can run arbitrary code.

use crate::runtime::footprint::Tracked;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;

use crate::runtime::local::Local;
use std::task::{Context, Poll, Waker};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WakeGuard, mark_waiting, register};
use crate::sync::Semaphore;

use super::closed::Closed;
use super::error::TryRecvError;

/// A task blocked here is reported as waiting on `mpsc::Receiver::recv`.
static RECV: WaitKind = WaitKind::at("mpsc::Receiver::recv");

pub(super) struct Inner<T> {
    pub(super) queue: VecDeque<T>,
    /// Live sender handles (a `Permit` borrows one, an `OwnedPermit` owns one).
    pub(super) senders: usize,
    /// Slots reserved by permits not yet used.
    pub(super) reserved: usize,
    pub(super) rx_closed: bool,
    pub(super) rx_dropped: bool,
    rx_waker: Option<Waker>,
    pub(super) closed_waiters: WaitList<()>,
}

impl<T> Inner<T> {
    /// No message can be added any more: every sender is gone, or the
    /// receiver was closed and no reserved slot is outstanding.
    fn finished(&self) -> bool {
        self.senders == 0 || (self.rx_closed && self.reserved == 0)
    }

    /// No message is buffered and none can come any more.
    fn drained(&self) -> bool {
        self.queue.is_empty() && self.finished()
    }
}

pub(super) struct Chan<T> {
    /// Thread-checked, so that futures holding `&Chan` are `Send`.
    pub(super) inner: Local<Tracked<Inner<T>>>,
    /// One permit per free slot; `None` for an unbounded channel.
    pub(super) bound: Option<Semaphore>,
    /// The buffer size of a bounded channel (0 for an unbounded one).
    pub(super) max: usize,
    /// Where the channel was made: the call site named for operations that
    /// have none of their own (`poll_recv`, `Stream::poll_next`).
    pub(super) created_at: &'static Location<'static>,
}

impl<T> Chan<T> {
    pub(super) fn new(bound: Option<usize>, created_at: &'static Location<'static>) -> Rc<Chan<T>> {
        Rc::new(Chan {
            inner: Local::new(Tracked::new(Inner {
                queue: VecDeque::new(),
                senders: 1,
                reserved: 0,
                rx_closed: false,
                rx_dropped: false,
                rx_waker: None,
                closed_waiters: WaitList::default(),
            })),
            bound: bound.map(Semaphore::new),
            max: bound.unwrap_or(0),
            created_at,
        })
    }

    /// The semaphore of a bounded channel.
    pub(super) fn sem(&self) -> &Semaphore {
        self.bound
            .as_ref()
            .expect("only a bounded channel's halves ask for its semaphore")
    }

    /// Gives `n` slots back (a bounded channel's message left the queue, or
    /// a reserved slot went unused). Call with no borrow held.
    pub(super) fn release(&self, n: usize) {
        if let (Some(sem), true) = (&self.bound, n > 0) {
            sem.release(u32::try_from(n).expect("a channel holds at most MAX_PERMITS slots"));
        }
    }

    pub(super) fn is_rx_closed(&self) -> bool {
        self.inner.borrow().rx_closed
    }

    /// Queues a message that already holds its slot and wakes the receiver.
    /// Hands the value back, without queuing it, if the receiver was dropped
    /// (or, with `refuse_if_closed`, closed); the caller frees the slot.
    pub(super) fn push(&self, value: T, refuse_if_closed: bool) -> Result<(), T> {
        let mut inner = WakeGuard::one(self.inner.borrow_mut());
        if inner.rx_dropped || (refuse_if_closed && inner.rx_closed) {
            return Err(value);
        }
        inner.queue.push_back(value);
        let receiver = inner.rx_waker.take();
        inner.wake(receiver);
        Ok(())
    }

    /// One reserved slot is used (`sent`) or given up; wakes the receiver
    /// if that was the last thing it waited for after a `close`.
    pub(super) fn unreserve(&self) {
        let mut inner = WakeGuard::one(self.inner.borrow_mut());
        debug_assert!(inner.reserved > 0, "a permit was counted in `reserved`");
        inner.reserved -= 1;
        if inner.drained() {
            let receiver = inner.rx_waker.take();
            inner.wake(receiver);
        }
    }

    /// Turns a slot just acquired into a reserved one; false (the caller
    /// frees the slot) if the receiver closed meanwhile.
    pub(super) fn claim_reserved(&self) -> bool {
        let mut inner = self.inner.borrow_mut();
        if inner.rx_closed {
            return false;
        }
        inner.reserved += 1;
        true
    }

    /// Uses a reserved slot: queues the value, or drops it if the receiver
    /// is gone (a closed but live receiver still gets it).
    pub(super) fn send_reserved(&self, value: T) {
        let refused = self.push(value, false).err();
        if refused.is_some() {
            self.release(1);
        }
        drop(refused);
        self.unreserve();
    }

    /// Gives up a reserved slot unused.
    pub(super) fn drop_reserved(&self) {
        self.release(1);
        self.unreserve();
    }

    /// A sender handle came or went.
    pub(super) fn add_sender(&self) {
        self.inner.borrow_mut().senders += 1;
    }

    pub(super) fn drop_sender(&self) {
        let mut inner = WakeGuard::one(self.inner.borrow_mut());
        inner.senders -= 1;
        if inner.senders == 0 {
            let receiver = inner.rx_waker.take();
            inner.wake(receiver);
        }
    }

    /// Closes the receiving side; `dropped` also discards the buffer.
    fn close_rx(&self, dropped: bool) {
        let (wakeups, discarded) = {
            let mut inner = WakeGuard::new(self.inner.borrow_mut());
            inner.rx_closed = true;
            let discarded = if dropped {
                inner.rx_dropped = true;
                std::mem::take(&mut inner.queue)
            } else {
                VecDeque::new()
            };
            inner.grant_all(|inner| &mut inner.closed_waiters);
            let old = inner.rx_waker.take();
            inner.discard(old);
            (inner.unlock(), discarded)
        };
        // The senders waiting for room fail first; then the `closed()`
        // waiters are woken and the old waker is dropped.
        if let Some(sem) = &self.bound {
            sem.close();
        }
        drop(wakeups);
        let n = discarded.len();
        drop(discarded);
        self.release(n);
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.borrow();
        let mut d = f.debug_struct("Chan");
        d.field("buffered", &inner.queue.len())
            .field("senders", &inner.senders)
            .field("closed", &inner.rx_closed);
        if let Some(sem) = &self.bound {
            d.field("free_slots", &sem.available_permits());
        }
        d.finish()
    }
}

/// A sender handle's share of the channel: counts itself in `senders`.
pub(super) struct Tx<T> {
    /// Thread-checked, so a sender is `Send` and `Sync` as tokio's are.
    pub(super) chan: Local<Rc<Chan<T>>>,
}

impl<T> Tx<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Tx<T> {
        Tx {
            chan: Local::new(chan),
        }
    }

    pub(super) fn same_channel(&self, other: &Tx<T>) -> bool {
        Rc::ptr_eq(&*self.chan, &*other.chan)
    }

    pub(super) fn closed(&self, at: &'static Location<'static>) -> Closed<'_, T> {
        Closed::new(&self.chan, at)
    }

    /// A reference to the channel that keeps no sender alive.
    pub(super) fn downgrade(&self) -> std::rc::Weak<Chan<T>> {
        Rc::downgrade(&*self.chan)
    }

    /// A sender again, if the channel still has one (tokio: a weak sender
    /// upgrades only while some sender lives).
    pub(super) fn upgrade(weak: &std::rc::Weak<Chan<T>>) -> Option<Tx<T>> {
        let chan = weak.upgrade()?;
        if chan.inner.borrow().senders == 0 {
            return None;
        }
        chan.add_sender();
        Some(Tx {
            chan: Local::new(chan),
        })
    }

    /// Live sender handles, and weak ones.
    pub(super) fn counts(&self) -> (usize, usize) {
        (
            self.chan.inner.borrow().senders,
            Rc::weak_count(&*self.chan),
        )
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Tx<T> {
        self.chan.add_sender();
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Tx<T> {
    fn drop(&mut self) {
        if !self.chan.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
        self.chan.drop_sender();
    }
}

/// The switch-point state of one receive: the switch, and whether the
/// receive already blocked (then it proceeds at once when woken, as a
/// granted waiter of the other primitives does).
#[derive(Debug, Default)]
pub(super) struct Turn {
    switch: Switch,
    waited: bool,
}

impl Turn {
    /// A receive dropped while it waited forgets its waker, so a later send
    /// does not wake a task that stopped waiting.
    fn withdraw<T>(&self, chan: &Chan<T>) {
        if self.waited {
            let mut inner = WakeGuard::one(chan.inner.borrow_mut());
            let old = inner.rx_waker.take();
            inner.discard(old);
        }
    }
}

/// The receiver's share of the channel; dropping it closes the channel.
pub(super) struct Rx<T> {
    /// Thread-checked, as the sender's.
    pub(super) chan: Local<Rc<Chan<T>>>,
    /// The turn of `poll_recv` / `Stream::poll_next`, which have no future
    /// of their own to keep it in.
    turn: Turn,
}

impl<T> Rx<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Rx<T> {
        Rx {
            chan: Local::new(chan),
            turn: Turn::default(),
        }
    }

    /// Receives up to `limit` (≥ 1) messages with `put`, returning how many;
    /// 0 once drained.
    fn poll_take(
        chan: &Chan<T>,
        cx: &mut Context<'_>,
        turn: &mut Turn,
        at: &'static Location<'static>,
        limit: usize,
        mut put: impl FnMut(T),
    ) -> Poll<usize> {
        debug_assert!(limit > 0, "a receive takes at least one message");
        let has_message = {
            let inner = chan.inner.borrow();
            if inner.drained() {
                return Poll::Ready(0);
            }
            !inner.queue.is_empty()
        };
        if has_message {
            if !turn.waited && turn.switch.poll_proceed(cx, &RECV, at).is_pending() {
                return Poll::Pending;
            }
            // Only the receiver takes messages, and it is borrowed by this
            // receive: what was there is still there.
            // `put` only moves the messages into place: no user code runs
            // under the borrow.
            let n = {
                let mut inner = chan.inner.borrow_mut();
                let n = limit.min(inner.queue.len());
                inner.queue.drain(..n).for_each(&mut put);
                n
            };
            debug_assert!(n > 0, "the message seen before the switch is still queued");
            chan.release(n);
            *turn = Turn::default();
            return Poll::Ready(n);
        }
        {
            let mut inner = WakeGuard::one(chan.inner.borrow_mut());
            let old = register(&mut inner.rx_waker, cx.waker());
            inner.discard(old);
        }
        turn.waited = true;
        mark_waiting(&RECV, at);
        Poll::Pending
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut out = None;
        let at = self.chan.created_at;
        Rx::poll_take(&self.chan, cx, &mut self.turn, at, 1, |v| out = Some(v)).map(|_| out)
    }

    pub(super) fn recv(&mut self, at: &'static Location<'static>) -> Recv<'_, T> {
        // A receive of its own: whatever `poll_recv` left half-done is moot.
        self.turn = Turn::default();
        Recv {
            rx: self,
            turn: Turn::default(),
            at,
        }
    }

    pub(super) fn recv_many<'a>(
        &'a mut self,
        buffer: &'a mut Vec<T>,
        limit: usize,
        at: &'static Location<'static>,
    ) -> RecvMany<'a, T> {
        self.turn = Turn::default();
        RecvMany {
            rx: self,
            buffer,
            limit,
            turn: Turn::default(),
            at,
        }
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let taken = {
            let mut inner = self.chan.inner.borrow_mut();
            match inner.queue.pop_front() {
                Some(v) => v,
                None if inner.drained() => return Err(TryRecvError::Disconnected),
                None => return Err(TryRecvError::Empty),
            }
        };
        self.chan.release(1);
        Ok(taken)
    }

    pub(super) fn close(&mut self) {
        self.chan.close_rx(false);
    }

    pub(super) fn len(&self) -> usize {
        self.chan.inner.borrow().queue.len()
    }

    /// The receiver's `is_closed`: every sender is gone or it was closed.
    pub(super) fn is_closed(&self) -> bool {
        let inner = self.chan.inner.borrow();
        inner.rx_closed || inner.senders == 0
    }

    pub(super) fn size_hint(&self) -> (usize, Option<usize>) {
        let inner = self.chan.inner.borrow();
        let n = inner.queue.len();
        (n, if inner.finished() { Some(n) } else { None })
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        if !self.chan.is_reachable() {
            return; // dropped on another thread: the count leaks
        }
        self.chan.close_rx(true);
    }
}

/// The future of `recv` on a [`Receiver`](super::Receiver) or an
/// [`UnboundedReceiver`](super::UnboundedReceiver): the next message, or
/// `None` once the channel is closed and drained.
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     tx.send("hi").await.unwrap();
///     let next: mpsc::Recv<'_, &str> = rx.recv();
///     assert_eq!(next.await, Some("hi"));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    rx: &'a mut Rx<T>,
    turn: Turn,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").field("at", &self.at).finish()
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        let mut out = None;
        Rx::poll_take(&this.rx.chan, cx, &mut this.turn, this.at, 1, |v| {
            out = Some(v)
        })
        .map(|_| out)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if !self.rx.chan.is_reachable() {
            return; // dropped on another thread
        }
        self.turn.withdraw(&self.rx.chan);
    }
}

/// The future of `recv_many`: appends up to `limit` messages to a vector
/// and returns how many it appended (0 once the channel is closed and
/// drained, or when `limit` is 0).
///
/// # Examples
///
/// ```
/// use seedloop::sync::mpsc;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     for i in 0..3 {
///         tx.send(i).unwrap();
///     }
///     let mut got = Vec::new();
///     let batch: mpsc::RecvMany<'_, i32> = rx.recv_many(&mut got, 10);
///     assert_eq!(batch.await, 3);
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvMany<'a, T> {
    rx: &'a mut Rx<T>,
    buffer: &'a mut Vec<T>,
    limit: usize,
    turn: Turn,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for RecvMany<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvMany")
            .field("limit", &self.limit)
            .field("at", &self.at)
            .finish()
    }
}

impl<T> Future for RecvMany<'_, T> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = &mut *self;
        if this.limit == 0 {
            return Poll::Ready(0);
        }
        let buffer = &mut *this.buffer;
        buffer.reserve(this.limit.min(this.rx.len()));
        Rx::poll_take(
            &this.rx.chan,
            cx,
            &mut this.turn,
            this.at,
            this.limit,
            |v| buffer.push(v),
        )
    }
}

impl<T> Drop for RecvMany<'_, T> {
    fn drop(&mut self) {
        if !self.rx.chan.is_reachable() {
            return; // dropped on another thread
        }
        self.turn.withdraw(&self.rx.chan);
    }
}
