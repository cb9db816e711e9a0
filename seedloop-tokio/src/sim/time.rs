//! tokio's `time`: seedloop's virtual clock. Time never passes on its
//! own: it jumps to the next timer when every task waits, so an hour's
//! `sleep` takes no wall time. It is always what tokio calls paused, and
//! [`pause`], [`resume`] and [`advance`] are there for tests written for
//! tokio's `test-util`.

use std::time::Duration as StdDuration;

pub use seedloop::time::{
    Instant, Interval, MissedTickBehavior, Sleep, Timeout, interval, interval_at, sleep,
    sleep_until, timeout, timeout_at,
};
pub use std::time::Duration;

/// Errors of the time module.
pub mod error {
    pub use seedloop::time::error::Elapsed;

    missing_types! {
        /// tokio's timer error (a runtime shut down, or too many timers).
        type Error[] = ErrorNotSimulated[], TimerError,
            "`tokio::time::error::Error` is not simulated by seedloop",
            "seedloop's timers cannot fail: `sleep` and `interval` never return this error, so there is nothing to match on",
            "let _e: Option<tokio::time::error::Error> = None;";
    }
}

/// tokio's `time::pause`. seedloop's clock is always virtual and stands
/// still while any task can run, so this changes nothing.
///
/// # Determinism
///
/// No choice: time moves only when every task waits, in every run.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     tokio::time::pause();
///     let start = tokio::time::Instant::now();
///     tokio::time::sleep(std::time::Duration::from_secs(60)).await;
///     assert_eq!(start.elapsed().as_secs(), 60);
/// });
/// ```
pub fn pause() {}

/// tokio's `time::resume`. seedloop's clock stays virtual: it does not
/// start following the wall clock, which would make runs differ.
///
/// ```
/// # use seedloop_tokio as tokio;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     tokio::time::resume();
///     let start = tokio::time::Instant::now();
///     tokio::task::yield_now().await;
///     assert_eq!(start.elapsed().as_secs(), 0, "no wall time leaks in");
/// });
/// ```
pub fn resume() {}

/// tokio's `time::advance`: moves the clock `duration` forward, firing
/// the timers due meanwhile. Here that is a `sleep` of the caller: the
/// clock jumps when nothing else can run, and timers due before the end
/// fire in order, as in tokio.
///
/// # Cancel safety
///
/// Cancel safe: dropping it before it completes leaves the clock where
/// the other tasks took it.
///
/// ```
/// # use seedloop_tokio as tokio;
/// use std::time::Duration;
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let timer = tokio::spawn(tokio::time::sleep(Duration::from_secs(5)));
///     tokio::time::advance(Duration::from_secs(10)).await;
///     assert!(timer.is_finished());
/// });
/// ```
pub async fn advance(duration: StdDuration) {
    sleep(duration).await;
}
