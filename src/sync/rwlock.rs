//! `RwLock`: many readers or one writer (tokio's `sync::RwLock`), built on a
//! [`Semaphore`] with [`MAX_READS`] permits: a reader takes one, a writer
//! takes them all. Waiters are served in FIFO order, so a waiting writer is
//! not starved by a stream of readers.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::mutex::TryLockError;
use super::semaphore::{Acquire, Semaphore};
use crate::runtime::wait::WaitKind;

/// A task blocked here is reported as waiting on `RwLock::read`.
pub(super) static READ: WaitKind = WaitKind::at("RwLock::read");
/// A task blocked here is reported as waiting on `RwLock::write`.
pub(super) static WRITE: WaitKind = WaitKind::at("RwLock::write");

/// How many readers may hold an [`RwLock`] at once.
pub(super) const MAX_READS: u32 = u32::MAX >> 3;

/// A reader-writer lock.
///
/// # Determinism
///
/// `read` and `write` are switch points when the lock is free for them.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::RwLock;
///
/// let mut sim = seedloop::Sim::new(2);
/// sim.block_on(async {
///     let lock = Rc::new(RwLock::new(0));
///     let r1 = lock.read().await;
///     let r2 = lock.read().await; // many readers at once
///     assert_eq!(*r1 + *r2, 0);
///     drop((r1, r2));
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 1);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    pub(super) sem: Semaphore,
    pub(super) data: UnsafeCell<T>,
}

// SAFETY: as tokio's: the data is reached only through guards, which only
// `sem` (thread-checked: it works only on the simulation's thread) hands
// out, to one writer or to readers sharing `&T`; so `T: Send + Sync`
// allows `&RwLock<T>` on several threads.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> RwLock<T> {
    /// A new, unlocked lock.
    ///
    /// ```
    /// let lock = seedloop::sync::RwLock::new(3);
    /// assert_eq!(lock.into_inner(), 3);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            sem: Semaphore::new(MAX_READS as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// The value, consuming the lock.
    ///
    /// ```
    /// assert_eq!(seedloop::sync::RwLock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in effect: dropping the future takes nothing, but loses
    /// its place in the FIFO queue.
    ///
    /// # Determinism
    ///
    /// A switch point when no writer holds or waits for the lock.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let lock = seedloop::sync::RwLock::new(vec![1]);
    ///     assert_eq!(lock.read().await.len(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            acquire: Acquire::new(&self.sem, 1, &READ, Location::caller()),
        }
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    ///
    /// As [`RwLock::read`].
    ///
    /// # Determinism
    ///
    /// A switch point when the lock is free.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let lock = seedloop::sync::RwLock::new(1);
    ///     *lock.write().await = 2;
    ///     assert_eq!(*lock.read().await, 2);
    /// });
    /// ```
    #[track_caller]
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            acquire: Acquire::new(&self.sem, MAX_READS, &WRITE, Location::caller()),
        }
    }

    /// Takes shared access if it is free now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when a writer holds or waits for the lock.
    ///
    /// ```
    /// let lock = seedloop::sync::RwLock::new(0);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => {
                permit.forget();
                Ok(RwLockReadGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes exclusive access if it is free now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when anyone holds the lock.
    ///
    /// ```
    /// let lock = seedloop::sync::RwLock::new(0);
    /// let w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(w);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire_many(MAX_READS) {
            Ok(permit) => {
                permit.forget();
                Ok(RwLockWriteGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through exclusive access to the lock.
    ///
    /// ```
    /// let mut lock = seedloop::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

/// The future of [`RwLock::read`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let lock = seedloop::sync::RwLock::new(0);
///     let read: seedloop::sync::Read<'_, i32> = lock.read();
///     assert_eq!(*read.await, 0);
/// });
/// ```
pub struct Read<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    acquire: Acquire<'a>,
}

/// The future of [`RwLock::write`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let lock = seedloop::sync::RwLock::new(0);
///     let write: seedloop::sync::Write<'_, i32> = lock.write();
///     *write.await = 1;
/// });
/// ```
pub struct Write<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    acquire: Acquire<'a>,
}

impl<T: ?Sized> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write").finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.acquire.poll_take(cx).map(|r| {
            r.expect("a lock's semaphore is never closed");
            RwLockReadGuard { lock: this.lock }
        })
    }
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.acquire.poll_take(cx).map(|r| {
            r.expect("a lock's semaphore is never closed");
            RwLockWriteGuard { lock: this.lock }
        })
    }
}

/// Shared access to an [`RwLock`]'s value.
///
/// # Examples
///
/// ```
/// let lock = seedloop::sync::RwLock::new(7);
/// let r: seedloop::sync::RwLockReadGuard<'_, i32> = lock.try_read().unwrap();
/// assert_eq!(*r, 7);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

/// Exclusive access to an [`RwLock`]'s value.
///
/// # Examples
///
/// ```
/// let lock = seedloop::sync::RwLock::new(7);
/// let mut w: seedloop::sync::RwLockWriteGuard<'_, i32> = lock.try_write().unwrap();
/// *w = 8;
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: readers hold at least one permit, so no writer holds all.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the writer holds every permit.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the writer holds every permit.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release_on_drop(1);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release_on_drop(MAX_READS);
    }
}
