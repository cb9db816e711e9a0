//! The futures of a queue's blocking operations: `get`, `put` and `join`.
//!
//! Each is a small state machine: *init* → (a switch point, when it could
//! finish at once) → *done*; or *init* → *waiting* (listed in its wait list,
//! `mark_waiting` noted for deadlock reports) → *done* once the queue grants
//! it (takes it off the list; see `shared` for who is granted when) or, for
//! `get` and `put`, once a shutdown fails it. Dropped while waiting, each
//! leaves its list; dropped after a grant, a `get` puts its item back. Wakers
//! are woken, and items and old wakers dropped, only once the queue's state
//! is no longer borrowed.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::QueueShutDown;
use super::shared::{Shared, State};
use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitKey, WaitState, WakeGuard, mark_waiting};

/// A task blocked here is reported as waiting on `Queue::get`.
static GET: WaitKind = WaitKind::at("Queue::get");
/// A task blocked here is reported as waiting on `Queue::put`.
static PUT: WaitKind = WaitKind::at("Queue::put");
/// A task blocked here is reported as waiting on `Queue::join`.
static JOIN: WaitKind = WaitKind::at("Queue::join");

/// The future of `get` on a [`Queue`](super::Queue),
/// [`LifoQueue`](super::LifoQueue) or [`PriorityQueue`](super::PriorityQueue).
///
/// # Panics
///
/// If polled again after it completed.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Get, Queue};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q = Queue::new(0);
///     q.put_nowait('x').unwrap();
///     let get: Get<'_, char> = q.get();
///     assert_eq!(get.await, Ok('x'));
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Get<'a, T> {
    shared: &'a Shared<T>,
    state: GetState,
    switch: Switch,
    at: &'static Location<'static>,
}

#[derive(Clone, Copy)]
enum GetState {
    Init,
    Waiting { key: WaitKey, ticket: u64 },
    Done,
}

impl<'a, T> Get<'a, T> {
    pub(super) fn new(shared: &'a Shared<T>, at: &'static Location<'static>) -> Get<'a, T> {
        Get {
            shared,
            state: GetState::Init,
            switch: Switch::default(),
            at,
        }
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get").finish_non_exhaustive()
    }
}

impl<T> Future for Get<'_, T> {
    type Output = Result<T, QueueShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = this.shared;
        let out = match this.state {
            GetState::Done => panic!("queue Get polled after it completed"),
            GetState::Waiting { key, ticket } => {
                let mut s = WakeGuard::new(shared.state.borrow_mut());
                if s.getters.contains(key) {
                    if !s.exhausted() {
                        return s.wait_again(|s| &mut s.getters, key, cx, &GET, this.at);
                    }
                    let removed = s.getters.remove(key);
                    s.discard(removed.map(|(waker, _)| waker));
                    Err(QueueShutDown(()))
                } else if let Some((_, item)) = s.handed.remove(&ticket) {
                    s.with_wakeups(State::settle);
                    Ok(item)
                } else {
                    // Granted, then an immediate shutdown removed the item.
                    debug_assert!(s.shut_down, "a granted getter lost its item");
                    Err(QueueShutDown(()))
                }
            }
            GetState::Init => {
                let ready = {
                    let s = shared.state.borrow();
                    if s.exhausted() {
                        drop(s);
                        this.state = GetState::Done;
                        return Poll::Ready(Err(QueueShutDown(())));
                    }
                    !s.buf.is_empty()
                };
                if ready && this.switch.poll_proceed(cx, &GET, this.at).is_pending() {
                    return Poll::Pending;
                }
                let mut s = WakeGuard::new(shared.state.borrow_mut());
                if let Some((_, item)) = s.buf.pop() {
                    s.with_wakeups(State::settle);
                    Ok(item)
                } else if s.exhausted() {
                    Err(QueueShutDown(()))
                } else {
                    let ticket = s.next_ticket;
                    s.next_ticket += 1;
                    let key = s.getters.push(cx.waker().clone(), ticket);
                    this.state = GetState::Waiting { key, ticket };
                    mark_waiting(&GET, this.at);
                    return Poll::Pending;
                }
            } // wakes those the get made room for
        };
        this.state = GetState::Done;
        Poll::Ready(out)
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        let GetState::Waiting { key, ticket } = self.state else {
            return;
        };
        if !self.shared.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        let mut s = WakeGuard::new(self.shared.state.borrow_mut());
        match s.getters.remove(key) {
            Some((waker, _)) => s.discard(Some(waker)),
            None => {
                if let Some(item) = s.handed.remove(&ticket) {
                    // Granted but never returned: the item goes back where
                    // it was, and on to the next getter.
                    s.buf.unget(item);
                    s.with_wakeups(State::settle);
                }
            }
        }
    }
}

/// The future of `put` on a [`Queue`](super::Queue),
/// [`LifoQueue`](super::LifoQueue) or [`PriorityQueue`](super::PriorityQueue).
///
/// It owns the item until the item enters the queue. It is `Unpin` whatever
/// the item type (the item is never pinned).
///
/// # Panics
///
/// If polled again after it completed.
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Put, Queue};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q = Queue::new(1);
///     let put: Put<'_, &str> = q.put("job");
///     put.await.unwrap();
///     assert_eq!(q.qsize(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Put<'a, T> {
    shared: &'a Shared<T>,
    item: Option<T>,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<T> Unpin for Put<'_, T> {}

impl<'a, T> Put<'a, T> {
    pub(super) fn new(
        shared: &'a Shared<T>,
        item: T,
        at: &'static Location<'static>,
    ) -> Put<'a, T> {
        Put {
            shared,
            item: Some(item),
            state: WaitState::Init,
            switch: Switch::default(),
            at,
        }
    }
}

impl<T> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put").finish_non_exhaustive()
    }
}

impl<T> Future for Put<'_, T> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = this.shared;
        match this.state {
            WaitState::Done => panic!("queue Put polled after it completed"),
            WaitState::Waiting(key) => {
                let mut s = WakeGuard::one(shared.state.borrow_mut());
                if !s.putters.contains(key) {
                    this.state = WaitState::Done;
                    return Poll::Ready(Ok(()));
                }
                if s.shut_down {
                    let (waker, item) = s.putters.remove(key).expect("listed");
                    s.discard(Some(waker));
                    this.state = WaitState::Done;
                    return Poll::Ready(Err(QueueShutDown(item)));
                }
                s.wait_again(|s| &mut s.putters, key, cx, &PUT, this.at)
            }
            WaitState::Init => {
                let has_room = {
                    let s = shared.state.borrow();
                    if s.shut_down {
                        drop(s);
                        this.state = WaitState::Done;
                        let item = this
                            .item
                            .take()
                            .expect("Put holds its item until it completes");
                        return Poll::Ready(Err(QueueShutDown(item)));
                    }
                    s.has_room()
                };
                if has_room && this.switch.poll_proceed(cx, &PUT, this.at).is_pending() {
                    return Poll::Pending;
                }
                let item = this
                    .item
                    .take()
                    .expect("Put holds its item until it completes");
                let mut s = WakeGuard::new(shared.state.borrow_mut());
                if s.shut_down {
                    this.state = WaitState::Done;
                    return Poll::Ready(Err(QueueShutDown(item)));
                }
                if s.has_room() {
                    s.insert(item);
                    s.with_wakeups(State::settle);
                    this.state = WaitState::Done;
                    return Poll::Ready(Ok(()));
                }
                this.state.wait(&mut s.putters, item, cx, &PUT, this.at)
            }
        }
    }
}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        if !self.shared.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        // Still listed: the item leaves with the future (dropped here, with
        // no borrow held). Granted: the item is already queued.
        self.state.cancel(&self.shared.state, |s| &mut s.putters);
    }
}

/// The future of `join` on a [`Queue`](super::Queue),
/// [`LifoQueue`](super::LifoQueue) or [`PriorityQueue`](super::PriorityQueue).
///
/// # Examples
///
/// ```
/// use seedloop::queue::{Join, Queue};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let q: Queue<u8> = Queue::new(0);
///     let join: Join<'_, u8> = q.join();
///     join.await; // nothing was put: returns at once
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join<'a, T> {
    shared: &'a Shared<T>,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<'a, T> Join<'a, T> {
    pub(super) fn new(shared: &'a Shared<T>, at: &'static Location<'static>) -> Join<'a, T> {
        Join {
            shared,
            state: WaitState::Init,
            switch: Switch::default(),
            at,
        }
    }
}

impl<T> fmt::Debug for Join<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").finish_non_exhaustive()
    }
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let shared = this.shared;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Waiting(key) => {
                let s = WakeGuard::one(shared.state.borrow_mut());
                if !s.joiners.contains(key) {
                    this.state = WaitState::Done;
                    return Poll::Ready(());
                }
                s.wait_again(|s| &mut s.joiners, key, cx, &JOIN, this.at)
            }
            WaitState::Init => {
                let finished = shared.state.borrow().unfinished == 0;
                if finished && this.switch.poll_proceed(cx, &JOIN, this.at).is_pending() {
                    return Poll::Pending;
                }
                let mut s = shared.state.borrow_mut();
                if s.unfinished == 0 {
                    this.state = WaitState::Done;
                    return Poll::Ready(());
                }
                this.state.wait(&mut s.joiners, (), cx, &JOIN, this.at)
            }
        }
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        if !self.shared.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        self.state.cancel(&self.shared.state, |s| &mut s.joiners);
    }
}
