//! `Promise`: a value set once, from anywhere, and awaited by any number of
//! tasks (asyncio's `Future`).
//!
//! A promise is *pending* until it is settled, once: with a value
//! (`set_result`) or by `cancel`. Settling wakes every waiter, in the order
//! they started waiting; each gets a clone of the value. A `wait` begun after
//! the promise was settled finishes at once (after a switch point).

use crate::runtime::footprint::Tracked;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WaitState, WakeGuard};

/// A task blocked here is reported as waiting on `Promise::wait`.
static WAIT: WaitKind = WaitKind::at("Promise::wait");

/// The promise was cancelled before it got a value.
///
/// # Examples
///
/// ```
/// use seedloop::future::{Cancelled, Promise};
///
/// let p: Promise<u8> = Promise::new();
/// p.cancel();
/// assert_eq!(p.result(), Some(Err(Cancelled)));
/// assert_eq!(Cancelled.to_string(), "promise cancelled");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("promise cancelled")
    }
}

impl std::error::Error for Cancelled {}

enum Outcome<T> {
    Pending,
    /// In an `Rc` so that a reader takes it out of the borrowed state
    /// without running `T::clone` (user code, which might touch this very
    /// promise) while the state is borrowed.
    Value(Rc<T>),
    Cancelled,
}

struct State<T> {
    outcome: Outcome<T>,
    waiters: WaitList<()>,
}

impl<T> State<T> {
    /// The settled result (a handle on the value), or `None` while pending.
    /// Clone the value with [`cloned`] once the state is no longer borrowed.
    fn result(&self) -> Option<Result<Rc<T>, Cancelled>> {
        match &self.outcome {
            Outcome::Pending => None,
            Outcome::Value(v) => Some(Ok(v.clone())),
            Outcome::Cancelled => Some(Err(Cancelled)),
        }
    }
}

/// The value of a settled result, cloned (call with no borrow held).
fn cloned<T: Clone>(result: Result<Rc<T>, Cancelled>) -> Result<T, Cancelled> {
    result.map(|v| T::clone(&v))
}

/// A settable future, asyncio's `Future`: set once from anywhere, awaited
/// by many.
///
/// `Promise` is a cheap handle (an `Rc` inside): clones share one promise.
/// One side calls [`set_result`](Promise::set_result) (or
/// [`cancel`](Promise::cancel)); any number of tasks call
/// [`wait`](Promise::wait) and each receives a clone of the value, which is
/// why reading the value needs `T: Clone` (wrap a large value in an `Rc`).
/// Only the first settlement counts.
///
/// Single-threaded: neither `Send` nor `Sync`.
///
/// # Determinism
///
/// A `wait` on a promise that is already settled is a switch point (a
/// choice on the tape, 0 = proceed). Waiters are woken in the order they
/// started waiting. A task blocked in `wait` is named (`Promise::wait`),
/// with the call site, in a deadlock report.
///
/// # Examples
///
/// ```
/// use seedloop::future::Promise;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let config: Promise<String> = Promise::new();
///     let readers: Vec<_> = (0..3)
///         .map(|i| {
///             let config = config.clone();
///             seedloop::spawn(async move { format!("{i}:{}", config.wait().await.unwrap()) })
///         })
///         .collect();
///     config.set_result("ready".to_string()).unwrap();
///     for (i, r) in readers.into_iter().enumerate() {
///         assert_eq!(r.await.unwrap(), format!("{i}:ready"));
///     }
/// });
/// ```
pub struct Promise<T> {
    inner: Rc<Tracked<State<T>>>,
}

impl<T> Clone for Promise<T> {
    /// Another handle to the same promise.
    fn clone(&self) -> Promise<T> {
        Promise {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Promise<T> {
    /// A pending promise, as [`Promise::new`].
    fn default() -> Promise<T> {
        Promise::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.borrow();
        let mut d = f.debug_struct("Promise");
        match &s.outcome {
            Outcome::Pending => d.field("state", &"pending"),
            Outcome::Value(v) => d.field("state", &"done").field("value", v),
            Outcome::Cancelled => d.field("state", &"cancelled"),
        };
        d.field("waiters", &s.waiters.len()).finish()
    }
}

impl<T> Promise<T> {
    /// A pending promise.
    ///
    /// ```
    /// let p: seedloop::future::Promise<u32> = seedloop::future::Promise::new();
    /// assert!(!p.is_done());
    /// ```
    pub fn new() -> Promise<T> {
        Promise {
            inner: Rc::new(Tracked::new(State {
                outcome: Outcome::Pending,
                waiters: WaitList::default(),
            })),
        }
    }

    /// Settles the promise with `value` and wakes every waiter.
    ///
    /// # Errors
    ///
    /// Gives `value` back if the promise was already settled (set before, or
    /// cancelled); the first settlement stands.
    ///
    /// ```
    /// use seedloop::future::Promise;
    ///
    /// let p = Promise::new();
    /// assert_eq!(p.set_result(1), Ok(()));
    /// assert_eq!(p.set_result(2), Err(2)); // the first value stays
    /// assert_eq!(p.result(), Some(Ok(1)));
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), T> {
        if self.is_done() {
            return Err(value);
        }
        self.settle(Outcome::Value(Rc::new(value)));
        Ok(())
    }

    /// Cancels a pending promise: every waiter, and every later `wait`,
    /// gets [`Cancelled`]. Returns `false`, doing nothing, if the promise
    /// was already settled (as asyncio's `Future.cancel`).
    ///
    /// ```
    /// use seedloop::future::{Cancelled, Promise};
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let p: Promise<u8> = Promise::new();
    ///     let waiter = {
    ///         let p = p.clone();
    ///         seedloop::spawn(async move { p.wait().await })
    ///     };
    ///     assert!(p.cancel());
    ///     assert!(!p.cancel()); // already settled
    ///     assert_eq!(waiter.await.unwrap(), Err(Cancelled));
    ///     assert_eq!(p.set_result(5), Err(5));
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        if self.is_done() {
            return false;
        }
        self.settle(Outcome::Cancelled);
        true
    }

    /// Settles the pending promise and wakes every waiter, in the order they
    /// started waiting.
    fn settle(&self, outcome: Outcome<T>) {
        let mut s = WakeGuard::new(self.inner.borrow_mut());
        debug_assert!(
            matches!(s.outcome, Outcome::Pending),
            "a promise is settled once"
        );
        s.outcome = outcome;
        s.grant_all(|s| &mut s.waiters);
    }

    /// True once the promise is settled: it has a value or was cancelled.
    ///
    /// ```
    /// let p = seedloop::future::Promise::new();
    /// p.set_result(()).unwrap();
    /// assert!(p.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        !matches!(self.inner.borrow().outcome, Outcome::Pending)
    }

    /// True if the promise was cancelled.
    ///
    /// ```
    /// let p = seedloop::future::Promise::<u8>::new();
    /// p.cancel();
    /// assert!(p.is_cancelled() && p.is_done());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.borrow().outcome, Outcome::Cancelled)
    }
}

impl<T: Clone> Promise<T> {
    /// Waits until the promise is settled and returns a clone of its value.
    ///
    /// # Errors
    ///
    /// [`Cancelled`] if the promise was cancelled.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value stays in the promise.
    ///
    /// # Determinism
    ///
    /// A switch point when the promise is already settled. A blocked wait
    /// is named (`Promise::wait`), with this call site, in a deadlock report.
    ///
    /// ```
    /// use seedloop::future::Promise;
    ///
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let p = Promise::new();
    ///     let setter = p.clone();
    ///     seedloop::spawn(async move {
    ///         seedloop::sleep(std::time::Duration::from_secs(1)).await;
    ///         setter.set_result(42).unwrap();
    ///     });
    ///     assert_eq!(p.wait().await, Ok(42));
    ///     assert_eq!(p.wait().await, Ok(42)); // settled: at once
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Wait<'_, T> {
        Wait {
            promise: self,
            state: WaitState::Init,
            switch: Switch::default(),
            at: Location::caller(),
        }
    }

    /// The result without waiting: `None` while pending, then a clone of
    /// the value, or [`Cancelled`].
    ///
    /// ```
    /// use seedloop::future::Promise;
    ///
    /// let p = Promise::new();
    /// assert_eq!(p.result(), None);
    /// p.set_result("done").unwrap();
    /// assert_eq!(p.result(), Some(Ok("done")));
    /// ```
    pub fn result(&self) -> Option<Result<T, Cancelled>> {
        let result = self.inner.borrow().result();
        result.map(cloned)
    }
}

/// The future of [`Promise::wait`].
///
/// # Panics
///
/// If polled again after it completed.
///
/// # Examples
///
/// ```
/// use seedloop::future::{Promise, Wait};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let p = Promise::new();
///     p.set_result('a').unwrap();
///     let wait: Wait<'_, char> = p.wait();
///     assert_eq!(wait.await, Ok('a'));
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<'a, T> {
    promise: &'a Promise<T>,
    state: WaitState,
    switch: Switch,
    at: &'static Location<'static>,
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").finish_non_exhaustive()
    }
}

impl<T: Clone> Future for Wait<'_, T> {
    type Output = Result<T, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let inner = &this.promise.inner;
        match this.state {
            WaitState::Done => panic!("Promise Wait polled after it completed"),
            WaitState::Waiting(key) => {
                let s = WakeGuard::one(inner.borrow_mut());
                if s.waiters.contains(key) {
                    return s.wait_again(|s| &mut s.waiters, key, cx, &WAIT, this.at);
                }
                let out = s
                    .result()
                    .expect("a waiter is woken only once the promise is settled");
                drop(s);
                this.state = WaitState::Done;
                Poll::Ready(cloned(out))
            }
            WaitState::Init => {
                let settled = !matches!(inner.borrow().outcome, Outcome::Pending);
                if settled && this.switch.poll_proceed(cx, &WAIT, this.at).is_pending() {
                    return Poll::Pending;
                }
                let mut s = inner.borrow_mut();
                if let Some(out) = s.result() {
                    drop(s);
                    this.state = WaitState::Done;
                    return Poll::Ready(cloned(out));
                }
                this.state.wait(&mut s.waiters, (), cx, &WAIT, this.at)
            }
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        self.state.cancel(&self.promise.inner, |s| &mut s.waiters);
    }
}
