//! `Barrier`: `n` tasks wait until all of them arrived (asyncio's `Barrier`).

use crate::runtime::footprint::Tracked;
use crate::runtime::local::Local;
use std::fmt;
use std::panic::Location;

use std::future::Future;

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitKey, WaitList, WakeGuard};

/// A task blocked here is reported as waiting on `Barrier::wait`.
static WAIT: WaitKind = WaitKind::at("Barrier::wait");

struct State {
    arrived: usize,
    generation: u64,
    waiters: WaitList<()>,
    /// Aborted: every wait fails until `reset`.
    broken: bool,
    /// Waiters released by a `reset` or `abort` whose wait has not yet
    /// seen it: they fail with `BrokenBarrierError`.
    broken_keys: Vec<WaitKey>,
}

/// A barrier for `n` tasks: each `wait()` returns once `n` tasks called it;
/// exactly one of them is told it is the leader. The barrier then resets for
/// the next round.
///
/// # Determinism
///
/// `wait` is a switch point before the task arrives; which task arrives last
/// (the leader) depends on the schedule.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::Barrier;
///
/// let mut sim = seedloop::Sim::new(1);
/// let leaders = sim.block_on(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             seedloop::spawn(async move { b.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for t in tasks {
///         leaders += t.await.unwrap() as u32;
///     }
///     leaders
/// });
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    n: usize,
    /// Thread-checked, so it is `Send` and `Sync`; it works only on the
    /// simulation's thread.
    state: Local<Tracked<State>>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &s.arrived)
            .finish()
    }
}

/// What [`Barrier::wait`] returns.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::sync::Barrier::new(1);
///     let r: seedloop::sync::BarrierWaitResult = b.wait().await;
///     assert!(r.is_leader());
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
    index: usize,
}

impl BarrierWaitResult {
    /// The order in which this task arrived in its round, from `0` to
    /// `n - 1` (what asyncio's `Barrier.wait()` returns): different for
    /// each task of a round; the leader's is `n - 1`.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let b = std::rc::Rc::new(seedloop::sync::Barrier::new(2));
    ///     let b2 = b.clone();
    ///     let other = seedloop::spawn(async move { b2.wait().await.index() });
    ///     let mine = b.wait().await.index();
    ///     let mut both = [mine, other.await.unwrap()];
    ///     both.sort();
    ///     assert_eq!(both, [0, 1]);
    /// });
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// True for exactly one task of each round: the last to arrive.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::sync::Barrier::new(1).wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`0` behaves as `1`).
    ///
    /// ```
    /// let b = seedloop::sync::Barrier::new(4);
    /// # drop(b);
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Local::new(Tracked::new(State {
                arrived: 0,
                generation: 0,
                waiters: WaitList::default(),
                broken: false,
                broken_keys: Vec::new(),
            })),
        }
    }

    /// Arrives and waits for the others (tokio's `Barrier::wait`).
    ///
    /// # Panics
    ///
    /// If the barrier is broken, or breaks while this task waits
    /// ([`abort`](Barrier::abort), [`reset`](Barrier::reset)): tokio's
    /// barrier cannot break, so code that breaks one uses
    /// [`wait_or_broken`](Barrier::wait_or_broken), asyncio's behaviour.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a task that arrived and is then cancelled still
    /// counts as arrived for this round.
    ///
    /// # Determinism
    ///
    /// A switch point before arriving.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let b = std::rc::Rc::new(seedloop::sync::Barrier::new(2));
    ///     let b2 = b.clone();
    ///     let other = seedloop::spawn(async move { b2.wait().await });
    ///     let mine = b.wait().await;
    ///     let theirs = other.await.unwrap();
    ///     assert_ne!(mine.is_leader(), theirs.is_leader());
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = BarrierWaitResult> + '_ {
        let at = Location::caller();
        async move {
            match self.wait_at(at).await {
                Ok(result) => result,
                Err(BrokenBarrierError(())) => panic!(
                    "Barrier::wait at {at}: the barrier is broken (abort or reset); use wait_or_broken to handle it"
                ),
            }
        }
    }

    /// Arrives and waits for the others, or fails if the barrier is or
    /// becomes broken (asyncio's `Barrier.wait()`).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier was aborted, or if it was
    /// aborted or reset while this task waited.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Barrier::wait).
    ///
    /// # Determinism
    ///
    /// A switch point before arriving.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let b = Rc::new(seedloop::sync::Barrier::new(3));
    ///     let b2 = b.clone();
    ///     let waiter = seedloop::spawn(async move { b2.wait_or_broken().await });
    ///     seedloop::task::yield_now().await;
    ///     # for _ in 0..10 { seedloop::task::yield_now().await; }
    ///     b.abort();
    ///     assert!(waiter.await.unwrap().is_err());
    ///     assert!(b.wait_or_broken().await.is_err(), "broken until reset");
    /// });
    /// ```
    #[track_caller]
    pub fn wait_or_broken(
        &self,
    ) -> impl Future<Output = Result<BarrierWaitResult, BrokenBarrierError>> + '_ {
        self.wait_at(Location::caller())
    }

    /// Breaks the barrier: every task waiting now, and every later wait,
    /// fails with [`BrokenBarrierError`] until [`reset`](Barrier::reset)
    /// (asyncio's `abort`).
    ///
    /// ```
    /// let b = seedloop::sync::Barrier::new(2);
    /// b.abort();
    /// assert!(b.is_broken());
    /// ```
    pub fn abort(&self) {
        self.release_broken(true);
    }

    /// Empties the barrier: tasks waiting now fail with
    /// [`BrokenBarrierError`], and the next round starts with no task
    /// arrived; an aborted barrier works again (asyncio's `reset`).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let b = seedloop::sync::Barrier::new(1);
    ///     b.abort();
    ///     b.reset();
    ///     assert!(!b.is_broken());
    ///     assert!(b.wait_or_broken().await.is_ok());
    /// });
    /// ```
    pub fn reset(&self) {
        self.release_broken(false);
    }

    /// Whether the barrier is broken (asyncio's `broken`).
    ///
    /// ```
    /// assert!(!seedloop::sync::Barrier::new(2).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.borrow().broken
    }

    /// How many tasks a round needs (asyncio's `parties`).
    ///
    /// ```
    /// assert_eq!(seedloop::sync::Barrier::new(3).parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.n
    }

    /// How many tasks of the current round arrived and wait (asyncio's
    /// `n_waiting`).
    ///
    /// ```
    /// assert_eq!(seedloop::sync::Barrier::new(3).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.borrow().arrived
    }

    /// Ends the round with every waiter failing; `broken` says whether
    /// the barrier stays broken.
    fn release_broken(&self, broken: bool) {
        let mut s = WakeGuard::new(self.state.borrow_mut());
        s.with_wakeups(|s, wakeups| {
            while let Some(key) = s.waiters.front() {
                let (waker, ()) = s.waiters.pop_front().expect("the front waiter is listed");
                s.broken_keys.push(key);
                wakeups.wake(waker);
            }
            s.arrived = 0;
            s.generation += 1;
            s.broken = broken;
        });
    }

    async fn wait_at(
        &self,
        at: &'static Location<'static>,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let mut switch = Switch::default();
        std::future::poll_fn(|cx| switch.poll_proceed(cx, &WAIT, at)).await;
        let (key, index) = {
            let mut s = WakeGuard::new(self.state.borrow_mut());
            if s.broken {
                return Err(BrokenBarrierError(()));
            }
            let index = s.arrived;
            s.arrived += 1;
            if s.arrived == self.n {
                s.arrived = 0;
                s.generation += 1;
                s.grant_all(|s| &mut s.waiters);
                return Ok(BarrierWaitResult {
                    leader: true,
                    index,
                });
            }
            let key = s.waiters.push(futures::task::noop_waker(), ());
            (key, index)
        };
        let mut arrival = Arrival {
            barrier: self,
            key: Some(key),
        };
        let broke = std::future::poll_fn(|cx| {
            let s = WakeGuard::one(self.state.borrow_mut());
            if s.waiters.contains(key) {
                return s.wait_again(|s| &mut s.waiters, key, cx, &WAIT, at);
            }
            drop(s);
            std::task::Poll::Ready(arrival.take_broken())
        })
        .await;
        if broke {
            return Err(BrokenBarrierError(()));
        }
        Ok(BarrierWaitResult {
            leader: false,
            index,
        })
    }
}

/// A waiting arrival: dropped before it saw its round end, it leaves no
/// trace of itself in the barrier's list of broken waiters.
struct Arrival<'a> {
    barrier: &'a Barrier,
    key: Option<WaitKey>,
}

impl Arrival<'_> {
    /// The round ended: whether it ended broken for this arrival.
    fn take_broken(&mut self) -> bool {
        let Some(key) = self.key.take() else {
            return false;
        };
        let mut s = self.barrier.state.borrow_mut();
        match s.broken_keys.iter().position(|k| *k == key) {
            Some(i) => {
                s.broken_keys.swap_remove(i);
                true
            }
            None => false,
        }
    }
}

impl Drop for Arrival<'_> {
    fn drop(&mut self) {
        if !self.barrier.state.is_reachable() {
            return; // dropped on another thread: the arrival leaks
        }
        if let Some(key) = self.key {
            let mut s = self.barrier.state.borrow_mut();
            let removed = s.waiters.remove(key);
            if let Some(i) = s.broken_keys.iter().position(|k| *k == key) {
                s.broken_keys.swap_remove(i);
            }
            drop(s);
            drop(removed);
        }
    }
}

/// A wait on a broken [`Barrier`] (asyncio's `BrokenBarrierError`).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let b = seedloop::sync::Barrier::new(2);
///     b.abort();
///     let err: seedloop::sync::BrokenBarrierError = b.wait_or_broken().await.unwrap_err();
///     assert_eq!(err.to_string(), "the barrier is broken");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenBarrierError(());

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl std::error::Error for BrokenBarrierError {}
