//! `Notify`: wake one waiting task, or all of them (asyncio's `Event` and
//! `Condition` cover the same ground; this is tokio's `sync::Notify`).
//!
//! `notify_one` grants the first waiter, or, if no one waits, stores one
//! permit that the next `notified()` consumes at once. `notify_waiters` grants
//! every `Notified` future created before the call (polled yet or not) and
//! stores nothing. A `Notified` granted by `notify_one` but dropped before it
//! returned passes its notification on, so none is lost.

use crate::runtime::footprint::Tracked;
use crate::runtime::footprint::TrackedCell;
use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitKey, WaitList, WaitState, WakeGuard, grant_all};

/// A task blocked here is reported as waiting on `Notify::notified`.
static NOTIFIED: WaitKind = WaitKind::at("Notify::notified");

/// Wakes waiting tasks on demand.
///
/// # Determinism
///
/// A `notified()` that finds a stored permit is a switch point. Waiters are
/// granted in FIFO order.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::Notify;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let ready = Rc::new(Notify::new());
///     let r = ready.clone();
///     let waiter = seedloop::spawn(async move {
///         r.notified().await;
///         "notified"
///     });
///     seedloop::task::yield_now().await;
///     ready.notify_one();
///     assert_eq!(waiter.await.unwrap(), "notified");
/// });
/// ```
#[derive(Default)]
pub struct Notify {
    // Each part thread-checked, so a `Notify` is `Send` and `Sync` as
    // tokio's is; it works only on the simulation's thread.
    permit: Local<TrackedCell<bool>>,
    /// How many times `notify_waiters` was called.
    epoch: Local<TrackedCell<u64>>,
    waiters: Local<Tracked<WaitList<()>>>,
    /// Waiters granted by `notify_one` whose future has not yet seen it: a
    /// future dropped while still here passes its notification on.
    one_grants: Local<Tracked<Vec<WaitKey>>>,
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("permit", &self.permit.peek())
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

impl Notify {
    /// A `Notify` with no stored permit.
    ///
    /// ```
    /// let n = seedloop::sync::Notify::new();
    /// # drop(n);
    /// ```
    pub fn new() -> Notify {
        Notify::default()
    }

    /// A future that completes when this is notified.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a notification granted to a dropped future passes to the
    /// next waiter (or is stored).
    ///
    /// # Determinism
    ///
    /// A switch point when a permit is stored.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let n = seedloop::sync::Notify::new();
    ///     n.notify_one(); // stored
    ///     n.notified().await; // consumes it at once
    /// });
    /// ```
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            epoch: self.epoch.get(),
            state: WaitState::Init,
            switch: Switch::default(),
            at: Location::caller(),
        }
    }

    /// Grants the first waiter, or stores a permit if no one waits (at most one).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let n = seedloop::sync::Notify::new();
    ///     n.notify_one();
    ///     n.notify_one(); // still one permit
    ///     n.notified().await;
    ///     let second = seedloop::time::timeout(std::time::Duration::from_secs(1), n.notified()).await;
    ///     assert!(second.is_err());
    /// });
    /// ```
    pub fn notify_one(&self) {
        let mut waiters = WakeGuard::one(self.waiters.borrow_mut());
        match waiters.front() {
            Some(key) => {
                let (waker, ()) = waiters.pop_front().expect("the front waiter is listed");
                self.one_grants.borrow_mut().push(key);
                waiters.wake(waker);
            }
            None => self.permit.set(true),
        }
    }

    /// Forgets a `notify_one` grant to `key`; true if there was one.
    fn take_one_grant(&self, key: WaitKey) -> bool {
        let mut grants = self.one_grants.borrow_mut();
        match grants.iter().position(|k| *k == key) {
            Some(i) => {
                grants.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Grants every waiting `Notified` (and every one created but not yet
    /// polled); stores no permit.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let n = Rc::new(seedloop::sync::Notify::new());
    ///     let tasks: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let n = n.clone();
    ///             seedloop::spawn(async move { n.notified().await })
    ///         })
    ///         .collect();
    ///     seedloop::task::yield_now().await;
    ///     # for _ in 0..10 { seedloop::task::yield_now().await; }
    ///     n.notify_waiters();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        self.epoch.set(self.epoch.get() + 1);
        grant_all(&self.waiters);
    }
}

/// The future of [`Notify::notified`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let n = seedloop::sync::Notify::new();
///     let fut: seedloop::sync::Notified<'_> = n.notified();
///     n.notify_waiters(); // fut was created before: it is notified
///     fut.await;
/// });
/// ```
pub struct Notified<'a> {
    notify: &'a Notify,
    epoch: u64,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let notify = this.notify;
        match this.state {
            WaitState::Done => Poll::Ready(()),
            WaitState::Waiting(key) => {
                let waiters = WakeGuard::one(notify.waiters.borrow_mut());
                if waiters.contains(key) {
                    waiters.wait_again(|waiters| waiters, key, cx, &NOTIFIED, this.at)
                } else {
                    drop(waiters);
                    notify.take_one_grant(key);
                    this.state = WaitState::Done;
                    Poll::Ready(())
                }
            }
            WaitState::Init => {
                if notify.epoch.get() != this.epoch {
                    this.state = WaitState::Done;
                    return Poll::Ready(());
                }
                if notify.permit.get() {
                    if this
                        .switch
                        .poll_proceed(cx, &NOTIFIED, this.at)
                        .is_pending()
                    {
                        return Poll::Pending;
                    }
                    if notify.permit.replace(false) {
                        this.state = WaitState::Done;
                        return Poll::Ready(());
                    }
                }
                let mut waiters = notify.waiters.borrow_mut();
                this.state.wait(&mut waiters, (), cx, &NOTIFIED, this.at)
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let WaitState::Waiting(key) = self.state else {
            return;
        };
        if !self.notify.waiters.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        let removed = self.notify.waiters.borrow_mut().remove(key);
        if removed.is_none() && self.notify.take_one_grant(key) {
            // Granted by notify_one but never returned: pass it on.
            self.notify.notify_one();
        }
        drop(removed);
    }
}
