//! `Barrier`: `n` tasks wait until all of them arrived (asyncio's `Barrier`).

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;

use std::future::Future;

use crate::runtime::wait::WaitKind;
use crate::runtime::wait::{Switch, WaitList, WakeGuard};

/// A task blocked here is reported as waiting on `Barrier::wait`.
static WAIT: WaitKind = WaitKind::at("Barrier::wait");

struct State {
    arrived: usize,
    generation: u64,
    waiters: WaitList<()>,
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
    state: RefCell<State>,
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
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one task of each round: the last to arrive.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::sync::Barrier::new(1).wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
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
            state: RefCell::new(State {
                arrived: 0,
                generation: 0,
                waiters: WaitList::default(),
            }),
        }
    }

    /// Arrives and waits for the others.
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
        self.wait_at(at)
    }

    async fn wait_at(&self, at: &'static Location<'static>) -> BarrierWaitResult {
        let mut switch = Switch::default();
        std::future::poll_fn(|cx| switch.poll_proceed(cx, &WAIT, at)).await;
        let (generation, key) = {
            let mut s = WakeGuard::new(self.state.borrow_mut());
            s.arrived += 1;
            if s.arrived == self.n {
                s.arrived = 0;
                s.generation += 1;
                s.grant_all(|s| &mut s.waiters);
                return BarrierWaitResult(true);
            }
            let key = s.waiters.push(futures::task::noop_waker(), ());
            (s.generation, key)
        };
        std::future::poll_fn(|cx| {
            let s = WakeGuard::one(self.state.borrow_mut());
            if s.generation != generation {
                return std::task::Poll::Ready(());
            }
            s.wait_again(|s| &mut s.waiters, key, cx, &WAIT, at)
        })
        .await;
        BarrierWaitResult(false)
    }
}
