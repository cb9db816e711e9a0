//! `BoundedSemaphore`: a semaphore that refuses to be released past its
//! initial value (asyncio's `BoundedSemaphore`).

use std::fmt;
use std::future::Future;

use super::semaphore::Semaphore;

/// A counting semaphore in asyncio's style: `acquire` takes a unit,
/// `release` gives one back, and releasing more than was ever acquired is
/// an error instead of a silent extra unit (asyncio's `BoundedSemaphore`).
///
/// | asyncio | seedloop |
/// |---|---|
/// | `await sem.acquire()` | [`acquire`](BoundedSemaphore::acquire)`.await` |
/// | `sem.release()` (raises `ValueError` past the bound) | [`release`](BoundedSemaphore::release) returns [`BoundedReleaseError`] |
/// | `sem.locked()` | [`locked`](BoundedSemaphore::locked) |
///
/// # Determinism
///
/// As [`Semaphore`]: an `acquire` that finds a unit is a switch point, and
/// waiters are served in FIFO order.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let sem = seedloop::sync::BoundedSemaphore::new(1);
///     sem.acquire().await;
///     assert!(sem.locked());
///     sem.release().unwrap();
///     let err = sem.release().unwrap_err(); // one more than was acquired
///     assert_eq!(err.bound(), 1);
/// });
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
    bound: usize,
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.sem.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// A [`BoundedSemaphore::release`] that would have raised the count past
/// the bound (asyncio's `ValueError`).
///
/// ```
/// let sem = seedloop::sync::BoundedSemaphore::new(2);
/// let err = sem.release().unwrap_err();
/// assert_eq!(err.to_string(), "BoundedSemaphore released too many times: its bound is 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoundedReleaseError {
    bound: usize,
}

impl BoundedReleaseError {
    /// The semaphore's bound, its initial value.
    ///
    /// ```
    /// let sem = seedloop::sync::BoundedSemaphore::new(3);
    /// assert_eq!(sem.release().unwrap_err().bound(), 3);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl fmt::Display for BoundedReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times: its bound is {}",
            self.bound
        )
    }
}

impl std::error::Error for BoundedReleaseError {}

impl BoundedSemaphore {
    /// A semaphore with `value` units, which is also its bound.
    ///
    /// # Panics
    ///
    /// If `value` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = seedloop::sync::BoundedSemaphore::new(4);
    /// assert_eq!(sem.available_permits(), 4);
    /// ```
    pub fn new(value: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::new(value),
            bound: value,
        }
    }

    /// Takes a unit, waiting for one if none is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a cancelled acquire takes nothing, and its place in the
    /// queue goes to the next waiter.
    ///
    /// # Determinism
    ///
    /// A switch point when a unit is free.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = seedloop::sync::BoundedSemaphore::new(1);
    ///     sem.acquire().await;
    ///     assert_eq!(sem.available_permits(), 0);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = ()> + '_ {
        // Made here, so a deadlock report names the caller's line.
        let acquire = self.sem.acquire();
        async move {
            match acquire.await {
                Ok(permit) => permit.forget(),
                // Nothing can close the inner semaphore.
                Err(_) => unreachable!("a BoundedSemaphore's semaphore is never closed"),
            }
        }
    }

    /// Takes a unit if one is free, without waiting.
    ///
    /// ```
    /// let sem = seedloop::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire());
    /// assert!(!sem.try_acquire());
    /// ```
    pub fn try_acquire(&self) -> bool {
        match self.sem.try_acquire() {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }

    /// Gives a unit back, waking the first waiter if one waits.
    ///
    /// # Errors
    ///
    /// [`BoundedReleaseError`] if every unit is back already: the count
    /// would pass the bound. Nothing changes then.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let sem = seedloop::sync::BoundedSemaphore::new(1);
    ///     sem.acquire().await;
    ///     assert!(sem.release().is_ok());
    ///     assert!(sem.release().is_err());
    /// });
    /// ```
    pub fn release(&self) -> Result<(), BoundedReleaseError> {
        if self.sem.available_permits() >= self.bound {
            return Err(BoundedReleaseError { bound: self.bound });
        }
        self.sem.add_permits(1);
        Ok(())
    }

    /// Whether an `acquire` would wait: no unit is free.
    ///
    /// ```
    /// let sem = seedloop::sync::BoundedSemaphore::new(0);
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.sem.available_permits() == 0
    }

    /// The units free now.
    ///
    /// ```
    /// assert_eq!(seedloop::sync::BoundedSemaphore::new(2).available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// The bound: the initial value, which `release` never passes.
    ///
    /// ```
    /// assert_eq!(seedloop::sync::BoundedSemaphore::new(2).bound(), 2);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}
