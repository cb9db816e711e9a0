//! Virtual time: the clock, sleeps, timeouts and intervals.
//!
//! The clock stands still while any task is ready, and jumps to the next
//! deadline when none is, so `sleep(Duration::from_secs(3600))` returns at once
//! in wall time. Nothing here reads the real clock.
//!
//! ```
//! use std::time::Duration;
//! let mut sim = seedloop::Sim::new(1);
//! sim.block_on(async {
//!     let start = seedloop::time::Instant::now();
//!     seedloop::time::sleep(Duration::from_secs(86_400)).await; // a day
//!     assert_eq!(start.elapsed(), Duration::from_secs(86_400));
//! });
//! ```

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use crate::runtime::parts::Part;

mod instant;
mod interval;
mod sleep;

pub use instant::Instant;
pub(crate) use instant::to_nanos;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};

/// Seconds from the Unix epoch to the simulation's epoch, 2024-01-01T00:00:00Z:
/// [`system_now`] at virtual time zero.
///
/// ```
/// use std::time::UNIX_EPOCH;
/// let mut sim = seedloop::Sim::new(1);
/// let t = sim.block_on(async { seedloop::time::system_now() });
/// assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), seedloop::time::EPOCH_UNIX_SECS);
/// ```
pub const EPOCH_UNIX_SECS: u64 = 1_704_067_200;

/// Errors of the time module.
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// let r = sim.block_on(seedloop::time::timeout(Duration::from_secs(1), std::future::pending::<()>()));
/// let _: seedloop::time::error::Elapsed = r.unwrap_err();
/// ```
pub mod error {
    use std::fmt;

    /// The deadline of a [`timeout`](super::timeout) passed before the future completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let r = seedloop::time::timeout(Duration::from_secs(1), std::future::pending::<()>()).await;
    ///     let err: seedloop::time::error::Elapsed = r.unwrap_err();
    ///     assert_eq!(err.to_string(), "deadline has elapsed");
    /// });
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Elapsed(pub(crate) ());

    impl fmt::Display for Elapsed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("deadline has elapsed")
        }
    }

    impl std::error::Error for Elapsed {}

    impl From<Elapsed> for std::io::Error {
        fn from(_: Elapsed) -> std::io::Error {
            std::io::ErrorKind::TimedOut.into()
        }
    }
}

/// The current virtual time.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async { assert!(seedloop::time::now().since_start().is_zero()) });
/// ```
#[track_caller]
pub fn now() -> Instant {
    Instant::now()
}

/// The simulation's wall clock: [`EPOCH_UNIX_SECS`] (2024-01-01T00:00:00Z)
/// plus the virtual time elapsed, plus the current node's clock skew
/// ([`node::Builder::clock_ahead`](crate::node::Builder::clock_ahead)).
/// Never the real clock.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let mut sim = seedloop::Sim::new(1);
/// let t = sim.block_on(async {
///     seedloop::sleep(Duration::from_secs(60)).await;
///     seedloop::time::system_now()
/// });
/// let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
/// assert_eq!(secs, seedloop::time::EPOCH_UNIX_SECS + 60);
/// ```
#[track_caller]
pub fn system_now() -> SystemTime {
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH_UNIX_SECS) + now().since_start();
    let core = crate::runtime::current_core();
    let skew = core
        .node_part::<ClockSkew>(core.current_node())
        .map_or(0, |s| s.0);
    let by = Duration::from_nanos(u64::try_from(skew.unsigned_abs()).unwrap_or(u64::MAX));
    if skew >= 0 {
        base + by
    } else {
        base.checked_sub(by).unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// How far a node's wall clock runs ahead of the simulation's (negative:
/// behind), in nanoseconds: a per-node setting, given by
/// [`node::Builder::clock_ahead`](crate::node::Builder::clock_ahead).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockSkew(pub(crate) i128);

impl Part for ClockSkew {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Runs `future` with a deadline `duration` from now (asyncio's
/// `asyncio.wait_for` / `asyncio.timeout`). The future is polled first, so one
/// that is ready at the deadline still wins.
///
/// # Errors
///
/// [`error::Elapsed`] if the deadline passes first; the future is then dropped.
///
/// # Panics
///
/// When polled outside a simulation.
///
/// # Cancel safety
///
/// As cancel safe as `future` itself.
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let fast = seedloop::time::timeout(Duration::from_secs(2), seedloop::sleep(Duration::from_secs(1)));
///     assert!(fast.await.is_ok());
///     let slow = seedloop::time::timeout(Duration::from_secs(2), seedloop::sleep(Duration::from_secs(5)));
///     assert!(slow.await.is_err());
/// });
/// assert_eq!(sim.elapsed(), Duration::from_secs(3));
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

/// Runs `future` until the virtual clock reaches `deadline`; see [`timeout`].
///
/// # Errors
///
/// [`error::Elapsed`] if the deadline passes first.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::time::Duration;
/// use seedloop::time::{Instant, timeout_at};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let at = Instant::now() + Duration::from_secs(1);
///     assert!(timeout_at(at, std::future::pending::<()>()).await.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
    }
}

/// The future of [`timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let mut sim = seedloop::Sim::new(1);
/// let r = sim.block_on(seedloop::time::timeout(Duration::from_secs(1), async { 5 }));
/// assert_eq!(r, Ok(5));
/// ```
#[derive(Debug)]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::time::timeout(std::time::Duration::from_secs(1), async { 1 });
    ///     let inner = t.into_inner();
    ///     assert_eq!(inner.await, 1);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// A reference to the wrapped future.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::time::timeout(std::time::Duration::from_secs(1), std::future::ready(1));
    ///     let _: &std::future::Ready<i32> = t.get_ref();
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, error::Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (never moved while pinned:
        // `into_inner` takes `self` by value, which needs `Timeout: Unpin` or
        // an unpinned value); `sleep` is `Unpin` and not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(v) = future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match Pin::new(&mut this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(error::Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}
