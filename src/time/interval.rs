//! `interval`, `Interval`, `MissedTickBehavior`.

use std::future::Future;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::instant::{Instant, to_nanos};
use super::sleep::{Sleep, sleep_until};

/// What an [`Interval`] does when ticks were missed (the task was busy past
/// one or more deadlines). The same three behaviours as tokio.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::time::{Instant, MissedTickBehavior, interval};
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut ticks = interval(Duration::from_secs(1));
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     ticks.tick().await; // t = 0
///     seedloop::sleep(Duration::from_millis(3500)).await; // miss three ticks
///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(1)); // the late tick
///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(4)); // back on the grid
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up (the default).
    #[default]
    Burst,
    /// Start the period again from the late tick.
    Delay,
    /// Skip the missed ticks; the next one is on the original grid.
    Skip,
}

impl MissedTickBehavior {
    fn next(self, missed: u64, now: u64, period: u64) -> u64 {
        match self {
            MissedTickBehavior::Burst => missed.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => now.saturating_add(period - (now - missed) % period),
        }
    }
}

/// Ticks every `period` of virtual time; the first tick completes at once.
///
/// # Panics
///
/// If `period` is zero, or outside a simulation.
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut ticks = seedloop::time::interval(Duration::from_millis(100));
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
/// });
/// assert_eq!(sim.elapsed(), Duration::from_millis(200));
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero, or outside a simulation.
///
/// ```
/// use std::time::Duration;
/// use seedloop::time::{Instant, interval_at};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut ticks = interval_at(Instant::now() + Duration::from_secs(5), Duration::from_secs(1));
///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(5));
/// });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "seedloop::time::interval: the period must be non-zero"
    );
    Interval {
        sleep: sleep_until(start),
        period: to_nanos(period),
        missed: MissedTickBehavior::Burst,
    }
}

/// The ticker of [`interval`] (asyncio has no direct equivalent; it is the
/// `while True: ...; await asyncio.sleep(p)` loop, without drift).
///
/// # Cancel safety
///
/// [`Interval::tick`] is cancel safe: a tick is consumed only when it is returned.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut ticks = seedloop::time::interval(Duration::from_secs(2));
///     assert_eq!(ticks.period(), Duration::from_secs(2));
///     ticks.tick().await;
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: u64,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(Duration::from_secs(1));
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::ZERO);
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(std::time::Duration::from_secs(1));
    ///     let mut cx = Context::from_waker(Waker::noop());
    ///     assert!(ticks.poll_tick(&mut cx).is_ready()); // the first tick is immediate
    ///     assert!(ticks.poll_tick(&mut cx).is_pending());
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let due = self.sleep.deadline().as_nanos();
        let now = Instant::now().as_nanos();
        let next = if now > due {
            self.missed.next(due, now, self.period)
        } else {
            due.saturating_add(self.period)
        };
        self.sleep.reset(Instant::from_nanos(next));
        Poll::Ready(Instant::from_nanos(due))
    }

    /// Restarts the period from now: the next tick is one period away.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(Duration::from_secs(1));
    ///     ticks.reset();
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(1));
    /// });
    /// ```
    pub fn reset(&mut self) {
        let next = Instant::now() + Duration::from_nanos(self.period);
        self.sleep.reset(next);
    }

    /// Makes the next tick due now (tokio's `reset_immediately`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(Duration::from_secs(10));
    ///     ticks.tick().await;
    ///     ticks.reset_immediately();
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::ZERO);
    /// });
    /// ```
    pub fn reset_immediately(&mut self) {
        self.sleep.reset(Instant::now());
    }

    /// Makes the next tick due `after` from now (tokio's `reset_after`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(Duration::from_secs(10));
    ///     ticks.reset_after(Duration::from_secs(3));
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(3));
    ///     assert_eq!(ticks.tick().await.since_start(), Duration::from_secs(13));
    /// });
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        self.sleep.reset(Instant::now() + after);
    }

    /// Makes the next tick due at `deadline` (tokio's `reset_at`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let start = seedloop::time::Instant::now();
    ///     let mut ticks = seedloop::time::interval(Duration::from_secs(10));
    ///     ticks.reset_at(start + Duration::from_secs(4));
    ///     assert_eq!(ticks.tick().await - start, Duration::from_secs(4));
    /// });
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.sleep.reset(deadline);
    }

    /// The period.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let ticks = seedloop::time::interval(std::time::Duration::from_millis(5));
    ///     assert_eq!(ticks.period().as_millis(), 5);
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        Duration::from_nanos(self.period)
    }

    /// What happens to missed ticks (default [`MissedTickBehavior::Burst`]).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let ticks = seedloop::time::interval(std::time::Duration::from_millis(5));
    ///     assert_eq!(ticks.missed_tick_behavior(), seedloop::time::MissedTickBehavior::Burst);
    /// });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what happens to missed ticks.
    ///
    /// ```
    /// use seedloop::time::MissedTickBehavior;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut ticks = seedloop::time::interval(std::time::Duration::from_millis(5));
    ///     ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ///     assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}
