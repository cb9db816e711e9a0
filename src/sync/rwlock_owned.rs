//! Owned guards of an [`RwLock`] held through an `Arc` (tokio's
//! `read_owned`, `write_owned` and their guards), for a guard that must
//! outlive the borrow: moved into another task, or kept in a struct.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;

use super::mutex::TryLockError;
use super::rwlock::{MAX_READS, READ, RwLock, WRITE};
use super::semaphore::Acquire;

impl<T: ?Sized> RwLock<T> {
    /// As [`read`](RwLock::read), with a guard that owns an `Arc` of the
    /// lock.
    ///
    /// # Cancel safety
    ///
    /// As [`read`](RwLock::read).
    ///
    /// # Determinism
    ///
    /// A switch point when no writer holds or waits for the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let lock = Arc::new(seedloop::sync::RwLock::new(5));
    ///     let guard = lock.clone().read_owned().await;
    ///     let len = seedloop::spawn(async move { *guard }).await.unwrap();
    ///     assert_eq!(len, 5);
    /// });
    /// ```
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let at = Location::caller();
        async move {
            let mut acquire = Acquire::new(&self.sem, 1, &READ, at);
            std::future::poll_fn(|cx| acquire.poll_take(cx))
                .await
                .expect("a lock's semaphore is never closed");
            drop(acquire);
            OwnedRwLockReadGuard { lock: self }
        }
    }

    /// As [`write`](RwLock::write), with a guard that owns an `Arc` of the
    /// lock.
    ///
    /// # Cancel safety
    ///
    /// As [`write`](RwLock::write).
    ///
    /// # Determinism
    ///
    /// A switch point when the lock is free.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let lock = Arc::new(seedloop::sync::RwLock::new(0));
    ///     let mut guard = lock.clone().write_owned().await;
    ///     *guard += 1;
    ///     drop(guard);
    ///     assert_eq!(*lock.read().await, 1);
    /// });
    /// ```
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let at = Location::caller();
        async move {
            let mut acquire = Acquire::new(&self.sem, MAX_READS, &WRITE, at);
            std::future::poll_fn(|cx| acquire.poll_take(cx))
                .await
                .expect("a lock's semaphore is never closed");
            drop(acquire);
            OwnedRwLockWriteGuard { lock: self }
        }
    }

    /// As [`try_read`](RwLock::try_read), owned.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when a writer holds or waits for the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(seedloop::sync::RwLock::new(0));
    /// let _r = lock.clone().try_read_owned().unwrap();
    /// assert!(lock.clone().try_write_owned().is_err());
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let guard = self.try_read()?;
        std::mem::forget(guard);
        Ok(OwnedRwLockReadGuard { lock: self })
    }

    /// As [`try_write`](RwLock::try_write), owned.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when anyone holds the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(seedloop::sync::RwLock::new(0));
    /// let w = lock.clone().try_write_owned().unwrap();
    /// assert!(lock.clone().try_read_owned().is_err());
    /// drop(w);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let guard = self.try_write()?;
        std::mem::forget(guard);
        Ok(OwnedRwLockWriteGuard { lock: self })
    }
}

/// Shared access to an [`RwLock`] held through an `Arc`; released when
/// dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(seedloop::sync::RwLock::new(7));
/// let r: seedloop::sync::OwnedRwLockReadGuard<i32> = lock.clone().try_read_owned().unwrap();
/// assert_eq!(*r, 7);
/// assert!(Arc::ptr_eq(r.rwlock(), &lock));
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

/// Exclusive access to an [`RwLock`] held through an `Arc`; released when
/// dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(seedloop::sync::RwLock::new(7));
/// let mut w: seedloop::sync::OwnedRwLockWriteGuard<i32> = lock.clone().try_write_owned().unwrap();
/// *w = 8;
/// drop(w);
/// assert_eq!(*lock.try_read().unwrap(), 8);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// The lock this guard reads.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(seedloop::sync::RwLock::new(()));
    /// let r = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(r.rwlock(), &lock));
    /// ```
    pub fn rwlock(&self) -> &Arc<RwLock<T>> {
        &self.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(seedloop::sync::RwLock::new(()));
    /// let w = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(w.rwlock(), &lock));
    /// ```
    pub fn rwlock(&self) -> &Arc<RwLock<T>> {
        &self.lock
    }
}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: readers hold at least one permit, so no writer holds all.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the writer holds every permit.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the writer holds every permit.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release_on_drop(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release_on_drop(MAX_READS);
    }
}
