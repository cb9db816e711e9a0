//! `Semaphore`: counting permits, granted in FIFO order (asyncio's
//! `Semaphore`, tokio's `sync::Semaphore`).
//!
//! State machine of an acquire: *init* → (switch point, if the permits are
//! there at once) → *done*; or *init* → *waiting* (listed in the wait list;
//! released permits are assigned to the front waiter, partially if it needs
//! more than are free, so no later waiter can barge ahead) → *done* when its
//! last permit arrives. Dropped while waiting, it hands back the permits it
//! was already assigned; dropped after it was granted but before it returned,
//! it hands back all of them. `close` wakes every waiter with an error.

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{
    Switch, WaitKey, WaitList, WaitState, WakeGuard, Wakeups, mark_waiting,
};

/// A task blocked here is reported as waiting on `Semaphore::acquire`.
static ACQUIRE: WaitKind = WaitKind::at("Semaphore::acquire");

/// What a waiter needs: how many permits, how many are still missing, and
/// whether the semaphore was closed under it.
struct Need {
    wanted: u32,
    missing: u32,
    closed: bool,
}

struct State {
    permits: usize,
    closed: bool,
    waiters: WaitList<Need>,
}

impl State {
    fn remove_waiter(&mut self, key: WaitKey) -> Option<(Waker, Need)> {
        self.waiters.remove(key)
    }

    /// Assigns free permits to the front waiters; those now complete are
    /// woken (once the state is no longer borrowed).
    fn assign(&mut self, granted: &mut Wakeups) {
        if self.closed {
            return; // the waiters left are failing with an error
        }
        while self.permits > 0 {
            let Some(key) = self.waiters.front() else {
                break;
            };
            let need = self.waiters.data_mut(key).expect("front waiter is listed");
            let take = need
                .missing
                .min(u32::try_from(self.permits).unwrap_or(u32::MAX));
            need.missing -= take;
            self.permits -= take as usize;
            if need.missing > 0 {
                break;
            }
            let (waker, _) = self.waiters.pop_front().expect("front waiter is listed");
            granted.wake(waker);
        }
    }
}

/// A counting semaphore with FIFO fairness: permits go to waiters in the
/// order they started waiting, and a waiter that needs many permits is not
/// overtaken by later ones that need few.
///
/// # Determinism
///
/// An `acquire` that finds its permits free is a switch point: the strategy
/// may make the task yield first (a choice on the tape; 0 = proceed). The
/// `try_` methods never yield.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::Semaphore;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let sem = Rc::new(Semaphore::new(2));
///     let mut tasks = Vec::new();
///     for _ in 0..5 {
///         let sem = sem.clone();
///         tasks.push(seedloop::spawn(async move {
///             let _permit = sem.acquire().await.unwrap();
///             assert!(sem.available_permits() <= 1); // at most two holders
///             seedloop::task::yield_now().await;
///         }));
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(sem.available_permits(), 2);
/// });
/// ```
pub struct Semaphore {
    /// Thread-checked, so a semaphore (and a `Mutex` on it) is `Send` and
    /// `Sync` as tokio's are; it works only on the simulation's thread.
    state: Local<Tracked<State>>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("permits", &s.permits)
            .field("waiters", &s.waiters.len())
            .field("closed", &s.closed)
            .finish()
    }
}

/// The semaphore was closed.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let sem = seedloop::sync::Semaphore::new(0);
///     sem.close();
///     let err: seedloop::sync::AcquireError = sem.acquire().await.unwrap_err();
///     assert_eq!(err.to_string(), "semaphore closed");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire` failed.
///
/// # Examples
///
/// ```
/// use seedloop::sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free now.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// The largest number of permits a semaphore can hold.
    ///
    /// ```
    /// assert!(seedloop::sync::Semaphore::MAX_PERMITS >= u32::MAX as usize >> 3);
    /// ```
    pub const MAX_PERMITS: usize = (u32::MAX >> 3) as usize;

    /// A semaphore with `permits` free permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore holds at most {} permits",
            Self::MAX_PERMITS
        );
        Semaphore {
            state: Local::new(Tracked::new(State {
                permits,
                closed: false,
                waiters: WaitList::default(),
            })),
        }
    }

    /// The number of free permits.
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.borrow().permits
    }

    /// Adds `n` permits; waiters are served first, in FIFO order.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        assert!(
            s.permits + n <= Self::MAX_PERMITS,
            "a semaphore holds at most {} permits",
            Self::MAX_PERMITS
        );
        s.permits += n;
        s.with_wakeups(State::assign);
    }

    /// Removes up to `n` free permits for good; returns how many were removed.
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.forget_permits(5), 3);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        let mut s = self.state.borrow_mut();
        let removed = n.min(s.permits);
        s.permits -= removed;
        removed
    }

    /// Closes the semaphore: waiting and future acquires fail with
    /// [`AcquireError`]; permits already held stay valid.
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// ```
    pub fn close(&self) {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        s.closed = true;
        // Waiters stay listed, marked closed: each future removes itself
        // and reports the error. Permits already assigned come back.
        s.with_wakeups(|s, woken| {
            for key in s.waiters.keys() {
                let need = s.waiters.data_mut(key).expect("listed");
                s.permits += (need.wanted - need.missing) as usize;
                need.missing = need.wanted;
                need.closed = true;
                woken.wake(s.waiters.waker(key));
            }
        });
    }

    /// True once [`Semaphore::close`] was called.
    ///
    /// ```
    /// assert!(!seedloop::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or gets closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in effect: dropping the future gives back any permits it
    /// was assigned, but it loses its place in the queue.
    ///
    /// # Determinism
    ///
    /// A switch point when the permit is free at once.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = seedloop::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(self, 1, &ACQUIRE, Location::caller())
    }

    /// Waits for `n` permits at once (they arrive as one grant).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or gets closed.
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Determinism
    ///
    /// A switch point when the permits are free at once.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = seedloop::sync::Semaphore::new(5);
    ///     let permits = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(permits.num_permits(), 3);
    ///     assert_eq!(sem.available_permits(), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire::new(self, n, &ACQUIRE, Location::caller())
    }

    /// Takes one permit if one is free now.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(p);
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free now.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit { sem: self, n })
    }

    fn try_take(&self, n: u32) -> Result<(), TryAcquireError> {
        let mut s = self.state.borrow_mut();
        if s.closed {
            return Err(TryAcquireError::Closed);
        }
        // Free permits exist only when no one waits (they are assigned to
        // waiters as they come back), so taking them cannot barge.
        if s.permits >= n as usize {
            s.permits -= n as usize;
            Ok(())
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }

    /// Waits for one permit, owned: it keeps the semaphore alive.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or gets closed.
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Determinism
    ///
    /// A switch point when the permit is free at once.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = Arc::new(seedloop::sync::Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await.unwrap();
    ///     seedloop::spawn(async move { drop(permit) }).await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits, owned.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or gets closed.
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Determinism
    ///
    /// A switch point when the permits are free at once.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = Arc::new(seedloop::sync::Semaphore::new(4));
    ///     let p = sem.clone().acquire_many_owned(4).await.unwrap();
    ///     assert_eq!(p.num_permits(), 4);
    /// });
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let permit = self.acquire_many(n).await?;
        permit.forget();
        Ok(OwnedSemaphorePermit { sem: self, n })
    }

    /// Takes one permit now, owned.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(seedloop::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(p.num_permits(), 1);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(1)?;
        Ok(OwnedSemaphorePermit { sem: self, n: 1 })
    }

    /// Gives back `n` permits (a permit's drop).
    #[inline]
    /// [`release`](Semaphore::release) from a destructor: on another
    /// thread than the simulation's it does nothing (the permits leak)
    /// rather than panic in a drop.
    pub(crate) fn release_on_drop(&self, n: u32) {
        if self.state.is_reachable() {
            self.release(n);
        }
    }

    pub(crate) fn release(&self, n: u32) {
        let mut s = self.state.borrow_mut();
        s.permits += n as usize;
        if s.waiters.is_empty() {
            return; // the uncontended unlock: nothing to decide, nothing to wake
        }
        WakeGuard::new(s).with_wakeups(State::assign);
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let sem = seedloop::sync::Semaphore::new(1);
///     let acquire: seedloop::sync::Acquire<'_> = sem.acquire();
///     let _permit = acquire.await.unwrap();
/// });
/// ```
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    n: u32,
    state: WaitState,
    switch: Switch,
    kind: &'static WaitKind,
    at: &'static Location<'static>,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("n", &self.n).finish()
    }
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(
        sem: &'a Semaphore,
        n: u32,
        kind: &'static WaitKind,
        at: &'static Location<'static>,
    ) -> Acquire<'a> {
        Acquire {
            sem,
            n,
            state: WaitState::Init,
            switch: Switch::default(),
            kind,
            at,
        }
    }

    /// Polls for the permits without building a permit object (the caller
    /// owns `n` permits on `Ready(Ok)`).
    pub(crate) fn poll_take(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        match self.state {
            WaitState::Done => panic!("Acquire polled after it completed"),
            WaitState::Waiting(key) => {
                let mut s = WakeGuard::one(self.sem.state.borrow_mut());
                match s.waiters.data_mut(key) {
                    Some(need) if need.closed => {
                        let removed = s.waiters.remove(key);
                        s.discard(removed.map(|(waker, _)| waker));
                        self.state = WaitState::Done;
                        Poll::Ready(Err(AcquireError(())))
                    }
                    Some(_) => s.wait_again(|s| &mut s.waiters, key, cx, self.kind, self.at),
                    None => {
                        self.state = WaitState::Done;
                        Poll::Ready(Ok(()))
                    }
                }
            }
            WaitState::Init => {
                {
                    let mut s = self.sem.state.borrow_mut();
                    if s.closed {
                        self.state = WaitState::Done;
                        return Poll::Ready(Err(AcquireError(())));
                    }
                    if s.permits >= self.n as usize {
                        // The switch point runs no user code, so the borrow
                        // may stay held across it.
                        if self
                            .switch
                            .poll_proceed(cx, self.kind, self.at)
                            .is_pending()
                        {
                            return Poll::Pending;
                        }
                        s.permits -= self.n as usize;
                        self.state = WaitState::Done;
                        return Poll::Ready(Ok(()));
                    }
                    let mut s = WakeGuard::new(s);
                    let key = s.waiters.push(
                        cx.waker().clone(),
                        Need {
                            wanted: self.n,
                            missing: self.n,
                            closed: false,
                        },
                    );
                    self.state = WaitState::Waiting(key);
                    // Free permits (fewer than needed) go to the front waiter.
                    s.with_wakeups(State::assign);
                    if !s.waiters.contains(key) {
                        self.state = WaitState::Done;
                    }
                } // wakes those granted
                if matches!(self.state, WaitState::Done) {
                    return Poll::Ready(Ok(()));
                }
                mark_waiting(self.kind, self.at);
                Poll::Pending
            }
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.poll_take(cx).map_ok(|()| SemaphorePermit {
            sem: this.sem,
            n: this.n,
        })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let WaitState::Waiting(key) = self.state else {
            return;
        };
        if !self.sem.state.is_reachable() {
            return; // dropped on another thread: the wait leaks
        }
        let removed = self.sem.state.borrow_mut().remove_waiter(key);
        let back = match &removed {
            // Still waiting: give back what it was assigned so far.
            Some((_, need)) if !need.closed => need.wanted - need.missing,
            Some(_) => 0,
            // Granted, never returned: give all of it back.
            None => self.n,
        };
        // The waker is dropped only now, with no borrow held.
        drop(removed);
        if back > 0 {
            self.sem.release(back);
        }
    }
}

/// Permits borrowed from a [`Semaphore`]; dropping it gives them back.
///
/// # Examples
///
/// ```
/// let sem = seedloop::sync::Semaphore::new(1);
/// {
///     let _permit = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "a permit is given back as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: u32,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("n", &self.n)
            .finish()
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> u32 {
        self.n
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// let sem = seedloop::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release_on_drop(self.n);
        }
    }
}

/// Permits owned together with an `Arc` of their [`Semaphore`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(seedloop::sync::Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "a permit is given back as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    n: u32,
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("n", &self.n)
            .finish()
    }
}

impl OwnedSemaphorePermit {
    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(seedloop::sync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> u32 {
        self.n
    }

    /// The semaphore the permits belong to.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(seedloop::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(p.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(seedloop::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release_on_drop(self.n);
        }
    }
}
