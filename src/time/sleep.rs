//! `sleep`, `sleep_until`, `Sleep`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::instant::{Instant, to_nanos};
use super::timers::TimerKey;
use crate::runtime::core::Core;
use crate::runtime::current_core;

/// Waits until `duration` of virtual time has passed (asyncio's `asyncio.sleep`).
/// An hour-long sleep returns at once in wall time: the clock jumps when no
/// task is ready.
///
/// # Panics
///
/// Outside a simulation.
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
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let core = current_core();
    let deadline = core.now().saturating_add(to_nanos(duration));
    Sleep {
        core,
        deadline,
        timer: None,
    }
}

/// Waits until the virtual clock reaches `deadline`.
///
/// # Panics
///
/// Outside a simulation.
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
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        core: current_core(),
        deadline: deadline.as_nanos(),
        timer: None,
    }
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
    core: Rc<Core>,
    deadline: u64,
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
    /// When the sleep ends.
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
        Instant::from_nanos(self.deadline)
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
        self.core.now() >= self.deadline
    }

    /// Moves the deadline (earlier or later); the sleep can be awaited again.
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
        self.cancel();
        self.deadline = deadline.as_nanos();
    }

    fn cancel(&mut self) {
        if let Some(key) = self.timer.take() {
            self.core.timers.borrow_mut().cancel(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.core.now() >= this.deadline {
            this.cancel();
            return Poll::Ready(());
        }
        let mut timers = this.core.timers.borrow_mut();
        match this.timer {
            Some(key) if timers.update_waker(key, cx.waker()) => {}
            _ => this.timer = Some(timers.insert(this.deadline, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}
