//! `Condition`: wait for a change made under a lock (asyncio's
//! `Condition`, std's `Condvar`).
//!
//! A waiter hands in the guard of a [`Mutex`]. It is listed as a waiter
//! *before* the lock is released, so a `notify` made by whoever takes the
//! lock next always reaches it; once notified it takes the lock again and
//! gets its guard back. `notify(n)` releases the first `n` waiters,
//! `notify_all` every one. A waiter that was notified but cancelled before
//! it returned passes its notification to the next waiter, so none is
//! lost (asyncio does the same since 3.13).

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::mutex::{Mutex, MutexGuard, OwnedMutexGuard};
use crate::runtime::wait::{WaitKey, WaitKind, WaitList, WaitState, WakeGuard};

/// A task blocked here is reported as waiting on `Condition::wait`.
static WAIT: WaitKind = WaitKind::at("Condition::wait");

#[derive(Default)]
struct State {
    waiters: WaitList<()>,
    /// Waiters notified whose wait has not yet seen it.
    granted: Vec<WaitKey>,
}

/// A condition variable for seedloop's [`Mutex`] (asyncio's
/// `asyncio.Condition`).
///
/// | asyncio | seedloop |
/// |---|---|
/// | `async with cond:` | `let guard = mutex.lock().await;` |
/// | `await cond.wait()` | `guard = cond.wait(guard).await;` |
/// | `await cond.wait_for(pred)` | `guard = cond.wait_for(guard, pred).await;` |
/// | `cond.notify(n)` | [`notify(n)`](Condition::notify) |
/// | `cond.notify_all()` | [`notify_all()`](Condition::notify_all) |
///
/// asyncio binds a condition to its lock and raises if `notify` is called
/// without holding it. Here, as with std's `Condvar`, the lock is the one
/// whose guard each `wait` is given, and `notify` may be called from
/// anywhere; notify while holding the lock to get asyncio's guarantees.
///
/// # Determinism
///
/// Waiters are notified in the order they started waiting. Taking the lock
/// back is a [`Mutex::lock`], with its switch point.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::{Condition, Mutex};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let shared = Rc::new((Mutex::new(Vec::new()), Condition::new()));
///     let s = shared.clone();
///     let consumer = seedloop::spawn(async move {
///         let (items, cond) = &*s;
///         let mut guard = cond.wait_for(items.lock().await, |v| !v.is_empty()).await;
///         guard.pop().unwrap()
///     });
///     let (items, cond) = &*shared;
///     items.lock().await.push("job");
///     cond.notify(1);
///     assert_eq!(consumer.await.unwrap(), "job");
/// });
/// ```
#[derive(Default)]
pub struct Condition {
    /// Thread-checked, so it is `Send` and `Sync`; it works only on the
    /// simulation's thread.
    state: Local<Tracked<State>>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.state.borrow().waiters.len())
            .finish()
    }
}

impl Condition {
    /// A condition with no waiters.
    ///
    /// ```
    /// let c = seedloop::sync::Condition::new();
    /// # drop(c);
    /// ```
    pub fn new() -> Condition {
        Condition::default()
    }

    /// Releases the lock of `guard`, waits to be notified, takes the lock
    /// again and returns its guard.
    ///
    /// # Cancel safety
    ///
    /// Cancelling gives up the guard (the lock stays released). A wait
    /// cancelled after it was notified passes the notification to the
    /// next waiter.
    ///
    /// # Determinism
    ///
    /// Taking the lock back is a switch point when the lock is free.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use seedloop::sync::{Condition, Mutex};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let both = Rc::new((Mutex::new(false), Condition::new()));
    ///     let b = both.clone();
    ///     let waiter = seedloop::spawn(async move {
    ///         let (ready, cond) = &*b;
    ///         let mut guard = ready.lock().await;
    ///         while !*guard {
    ///             guard = cond.wait(guard).await;
    ///         }
    ///     });
    ///     seedloop::task::yield_now().await;
    ///     let (ready, cond) = &*both;
    ///     *ready.lock().await = true;
    ///     cond.notify_all();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn wait<'a, 'm, T: ?Sized>(
        &'a self,
        guard: MutexGuard<'m, T>,
    ) -> impl Future<Output = MutexGuard<'m, T>> + 'a
    where
        'm: 'a,
    {
        let at = Location::caller();
        let mutex = MutexGuard::mutex(&guard);
        let ticket = self.enlist(at);
        drop(guard);
        async move {
            ticket.await;
            mutex.lock().await
        }
    }

    /// As [`wait`](Condition::wait), with the guard of a mutex held
    /// through an `Arc`.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Condition::wait).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use seedloop::sync::{Condition, Mutex};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let m = Arc::new(Mutex::new(0));
    ///     let cond = std::rc::Rc::new(Condition::new());
    ///     let (m2, c2) = (m.clone(), cond.clone());
    ///     let waiter = seedloop::spawn(async move {
    ///         let guard = m2.lock_owned().await;
    ///         *c2.wait_owned(guard).await
    ///     });
    ///     seedloop::task::yield_now().await;
    ///     *m.lock().await = 7;
    ///     cond.notify(1);
    ///     assert_eq!(waiter.await.unwrap(), 7);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_owned<T: ?Sized + 'static>(
        &self,
        guard: OwnedMutexGuard<T>,
    ) -> impl Future<Output = OwnedMutexGuard<T>> + '_ {
        let at = Location::caller();
        let mutex: Arc<Mutex<T>> = guard.mutex().clone();
        let ticket = self.enlist(at);
        drop(guard);
        async move {
            ticket.await;
            mutex.lock_owned().await
        }
    }

    /// Waits, as often as needed, until `pred` holds for the guarded value,
    /// and returns the guard; returns at once if it holds already
    /// (asyncio's `wait_for`).
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Condition::wait).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use seedloop::sync::{Condition, Mutex};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let both = Rc::new((Mutex::new(0), Condition::new()));
    ///     let b = both.clone();
    ///     let waiter = seedloop::spawn(async move {
    ///         let (n, cond) = &*b;
    ///         *cond.wait_for(n.lock().await, |n| *n >= 3).await
    ///     });
    ///     let (n, cond) = &*both;
    ///     for _ in 0..3 {
    ///         *n.lock().await += 1;
    ///         cond.notify_all();
    ///         seedloop::task::yield_now().await;
    ///     }
    ///     assert_eq!(waiter.await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for<'a, 'm, T: ?Sized, F>(
        &'a self,
        guard: MutexGuard<'m, T>,
        mut pred: F,
    ) -> impl Future<Output = MutexGuard<'m, T>> + 'a
    where
        'm: 'a,
        F: FnMut(&mut T) -> bool + 'a,
    {
        let at = Location::caller();
        async move {
            let mut guard = guard;
            while !pred(&mut guard) {
                let mutex = MutexGuard::mutex(&guard);
                let ticket = self.enlist(at);
                drop(guard);
                ticket.await;
                guard = mutex.lock().await;
            }
            guard
        }
    }

    /// Notifies the first `n` waiters (fewer if fewer wait).
    ///
    /// ```
    /// let c = seedloop::sync::Condition::new();
    /// c.notify(2); // nobody waits: nothing is stored
    /// ```
    pub fn notify(&self, n: usize) {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        s.with_wakeups(|s, wakeups| {
            for _ in 0..n {
                let Some(key) = s.waiters.front() else { break };
                let (waker, ()) = s.waiters.pop_front().expect("the front waiter is listed");
                s.granted.push(key);
                wakeups.wake(waker);
            }
        });
    }

    /// Notifies every waiter.
    ///
    /// ```
    /// let c = seedloop::sync::Condition::new();
    /// c.notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }

    /// Lists a new waiter (with a waker that its first poll replaces).
    fn enlist(&self, at: &'static Location<'static>) -> Ticket<'_> {
        let key = self
            .state
            .borrow_mut()
            .waiters
            .push(futures::task::noop_waker(), ());
        Ticket {
            cond: self,
            state: WaitState::Waiting(key),
            at,
        }
    }
}

/// One waiter's place in the list, until it is notified.
struct Ticket<'a> {
    cond: &'a Condition,
    state: WaitState,
    at: &'static Location<'static>,
}

impl Future for Ticket<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let WaitState::Waiting(key) = self.state else {
            return Poll::Ready(());
        };
        let mut s = WakeGuard::one(self.cond.state.borrow_mut());
        if s.waiters.contains(key) {
            return s.wait_again(|s| &mut s.waiters, key, cx, &WAIT, self.at);
        }
        if let Some(i) = s.granted.iter().position(|k| *k == key) {
            s.granted.swap_remove(i);
        }
        drop(s);
        self.state = WaitState::Done;
        Poll::Ready(())
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let WaitState::Waiting(key) = self.state else {
            return;
        };
        if !self.cond.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        let mut s = self.cond.state.borrow_mut();
        let removed = s.waiters.remove(key);
        let granted = s.granted.iter().position(|k| *k == key);
        if let Some(i) = granted {
            s.granted.swap_remove(i);
        }
        drop(s);
        drop(removed);
        if granted.is_some() {
            // Notified but never returned: pass it on.
            self.cond.notify(1);
        }
    }
}
