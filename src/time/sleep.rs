//! `sleep`, `sleep_until`, `Sleep`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::instant::{Instant, to_nanos};
use crate::runtime::core::Core;
use crate::runtime::local::Local;
use crate::runtime::timers::TimerKey;
use crate::runtime::{current_core, try_core};
use std::rc::Rc;

/// Waits until `duration` of virtual time has passed (asyncio's `asyncio.sleep`).
/// An hour-long sleep returns at once in wall time: the clock jumps when no
/// task is ready.
///
/// Created inside a simulation, the sleep counts from its creation (as in
/// tokio). Created outside one, as in `sim.block_on(sleep(d))`, it counts
/// from its first poll.
///
/// # Panics
///
/// When polled outside a simulation.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future cancels its timer.
///
/// # Determinism
///
/// Timers due at the same instant fire in an order that is a choice on the
/// tape (0 = the order they were registered in).
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(seedloop::time::sleep(Duration::from_secs(3600)));
/// assert_eq!(sim.elapsed(), Duration::from_secs(3600));
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    let state = match try_core() {
        Some(core) => {
            let deadline = core.now().saturating_add(to_nanos(duration));
            State::Armed {
                core: Local::new(core),
                deadline,
            }
        }
        None => State::Unarmed(to_nanos(duration)),
    };
    Sleep { state, timer: None }
}

/// Waits until the virtual clock reaches `deadline`.
///
/// # Panics
///
/// When polled outside a simulation.
///
/// # Cancel safety
///
/// Cancel safe, as [`sleep`].
///
/// ```
/// use std::time::Duration;
/// use seedloop::time::{Instant, sleep_until};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let at = Instant::now() + Duration::from_secs(2);
///     sleep_until(at).await;
///     assert_eq!(Instant::now(), at);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    let state = match try_core() {
        Some(core) => State::Armed {
            core: Local::new(core),
            deadline: deadline.as_nanos(),
        },
        None => State::Until(deadline.as_nanos()),
    };
    Sleep { state, timer: None }
}

enum State {
    /// Created outside a simulation: this long from the first poll.
    Unarmed(u64),
    /// Created outside a simulation with an absolute deadline.
    Until(u64),
    Armed {
        core: Local<Rc<Core>>,
        deadline: u64,
    },
}

/// The future of [`sleep`] and [`sleep_until`]. Unlike tokio's, it is `Unpin`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut s = seedloop::time::sleep(Duration::from_secs(1));
///     assert!(!s.is_elapsed());
///     (&mut s).await;
///     assert!(s.is_elapsed());
/// });
/// ```
pub struct Sleep {
    state: State,
    timer: Option<TimerKey>,
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl Sleep {
    /// Binds an unarmed sleep to the current simulation.
    #[track_caller]
    fn arm(&mut self) -> (&Rc<Core>, u64) {
        if let State::Unarmed(after) | State::Until(after) = self.state {
            let core = current_core();
            let deadline = match self.state {
                State::Unarmed(_) => core.now().saturating_add(after),
                _ => after,
            };
            self.state = State::Armed {
                core: Local::new(core),
                deadline,
            };
        }
        match &self.state {
            State::Armed { core, deadline } => (&**core, *deadline),
            _ => unreachable!("armed just above"),
        }
    }

    /// When the sleep ends. For a sleep created outside a simulation and not
    /// yet polled, the deadline counts from now (or from the start, outside
    /// any simulation).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let s = seedloop::time::sleep(Duration::from_secs(4));
    ///     assert_eq!(s.deadline().since_start(), Duration::from_secs(4));
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        Instant::from_nanos(match &self.state {
            State::Armed { deadline, .. } | State::Until(deadline) => *deadline,
            State::Unarmed(after) => try_core().map_or(0, |c| c.now()).saturating_add(*after),
        })
    }

    /// True once the virtual clock reached the deadline.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::time::sleep(std::time::Duration::ZERO).is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Armed { core, deadline } => core.now() >= *deadline,
            _ => try_core().is_some_and(|c| c.now() >= self.deadline().as_nanos()),
        }
    }

    /// Moves the deadline (earlier or later); the sleep can be awaited again.
    /// A task already waiting on the sleep keeps waiting, for the new
    /// deadline (and is woken at once if it has passed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use seedloop::time::Instant;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut s = seedloop::time::sleep(Duration::from_secs(10));
    ///     s.reset(Instant::now() + Duration::from_secs(1));
    ///     (&mut s).await;
    ///     assert_eq!(Instant::now().since_start(), Duration::from_secs(1));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        let waiter = self.cancel();
        match &mut self.state {
            State::Armed { core, deadline: d } => {
                *d = deadline.as_nanos();
                if let Some(waker) = waiter {
                    if core.now() >= *d {
                        waker.wake();
                    } else {
                        let key = core.timers.borrow_mut().insert(*d, waker);
                        self.timer = Some(key);
                    }
                }
            }
            other => *other = State::Until(deadline.as_nanos()),
        }
    }

    /// Cancels the timer, returning the waker that waited on it.
    fn cancel(&mut self) -> Option<Waker> {
        match (self.timer.take(), &self.state) {
            // Edition 2024: the borrow, a temporary of the tail expression,
            // ends with this block, before the caller drops the waker.
            (Some(key), State::Armed { core, .. }) => core.timers.borrow_mut().cancel(key),
            _ => None,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let (core, deadline) = this.arm();
        if core.now() >= deadline {
            this.cancel();
            return Poll::Ready(());
        }
        let core = core.clone();
        let mut timers = core.timers.borrow_mut();
        let old = match this.timer.map(|key| timers.update_waker(key, cx.waker())) {
            Some(Ok(old)) => old,
            _ => {
                this.timer = Some(timers.insert(deadline, cx.waker().clone()));
                None
            }
        };
        drop(timers);
        drop(old);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}
