//! `Instant`: a point in virtual time.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A point in the simulation's virtual time (tokio's and std's `Instant`),
/// counted in nanoseconds from the start of the simulation.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seedloop::time::Instant;
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let start = Instant::now();
///     seedloop::sleep(Duration::from_secs(5)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(5));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    nanos: u64,
}

pub(crate) fn to_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Instant {
    pub(crate) fn from_nanos(nanos: u64) -> Instant {
        Instant { nanos }
    }

    pub(crate) fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// The current virtual time.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// let t = sim.block_on(async { seedloop::time::Instant::now() });
    /// assert_eq!(t.since_start(), std::time::Duration::ZERO);
    /// ```
    #[track_caller]
    pub fn now() -> Instant {
        Instant::from_nanos(crate::runtime::current_core().now())
    }

    /// Time since the start of the simulation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// let t = sim.block_on(async {
    ///     seedloop::sleep(Duration::from_millis(20)).await;
    ///     seedloop::time::Instant::now()
    /// });
    /// assert_eq!(t.since_start(), Duration::from_millis(20));
    /// ```
    pub fn since_start(self) -> Duration {
        Duration::from_nanos(self.nanos)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::time::Instant::now();
    ///     let b = a + Duration::from_secs(2);
    ///     assert_eq!(b.duration_since(a), Duration::from_secs(2));
    ///     assert_eq!(a.duration_since(b), Duration::ZERO);
    /// });
    /// ```
    pub fn duration_since(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::time::Instant::now();
    ///     assert_eq!(a.checked_duration_since(a + Duration::from_secs(1)), None);
    /// });
    /// ```
    pub fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        self.nanos
            .checked_sub(earlier.nanos)
            .map(Duration::from_nanos)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let a = seedloop::time::Instant::now();
    ///     assert!(a.saturating_duration_since(a).is_zero());
    /// });
    /// ```
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.nanos.saturating_sub(earlier.nanos))
    }

    /// Virtual time elapsed since `self`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let t = seedloop::time::Instant::now();
    ///     seedloop::sleep(Duration::from_secs(1)).await;
    ///     assert_eq!(t.elapsed(), Duration::from_secs(1));
    /// });
    /// ```
    #[track_caller]
    pub fn elapsed(self) -> Duration {
        Instant::now().saturating_duration_since(self)
    }

    /// `self + d`, or `None` on overflow.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::time::Instant::now().checked_add(Duration::MAX).is_none());
    /// });
    /// ```
    pub fn checked_add(self, d: Duration) -> Option<Instant> {
        u64::try_from(d.as_nanos())
            .ok()
            .and_then(|n| self.nanos.checked_add(n))
            .map(Instant::from_nanos)
    }

    /// `self - d`, or `None` if that is before the start of the simulation.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::time::Instant::now().checked_sub(Duration::from_nanos(1)).is_none());
    /// });
    /// ```
    pub fn checked_sub(self, d: Duration) -> Option<Instant> {
        u64::try_from(d.as_nanos())
            .ok()
            .and_then(|n| self.nanos.checked_sub(n))
            .map(Instant::from_nanos)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({})", crate::trace::fmt_time(self.since_start()))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the end of representable time rather than overflowing.
    fn add(self, d: Duration) -> Instant {
        Instant::from_nanos(self.nanos.saturating_add(to_nanos(d)))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the start of the simulation.
    fn sub(self, d: Duration) -> Instant {
        Instant::from_nanos(self.nanos.saturating_sub(to_nanos(d)))
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates at zero.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}
