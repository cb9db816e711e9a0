//! `Mutex`: mutual exclusion across awaits (asyncio's `Lock`, tokio's
//! `sync::Mutex`), built on a one-permit [`Semaphore`], so waiters are served
//! in FIFO order.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::semaphore::{Acquire, Semaphore, SemaphorePermit, TryAcquireError};
use crate::runtime::wait::WaitKind;

/// A task blocked here is reported as waiting on `Mutex::lock`.
static LOCK: WaitKind = WaitKind::at("Mutex::lock");

/// An async mutex: `lock().await` waits, in FIFO order, until no one else
/// holds the guard.
///
/// # Determinism
///
/// Locking an uncontended mutex is a switch point: the strategy may make the
/// task yield first (a choice on the tape; 0 = proceed), which is what lets
/// the harness find races around locks. `try_lock` never yields.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seedloop::sync::Mutex;
///
/// let mut sim = seedloop::Sim::new(3);
/// let total = sim.block_on(async {
///     let counter = Rc::new(Mutex::new(0));
///     let mut tasks = Vec::new();
///     for _ in 0..10 {
///         let counter = counter.clone();
///         tasks.push(seedloop::spawn(async move {
///             let mut n = counter.lock().await;
///             let read = *n;
///             seedloop::task::yield_now().await; // others run, but wait for the lock
///             *n = read + 1;
///         }));
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     let n = *counter.lock().await;
///     n
/// });
/// assert_eq!(total, 10);
/// ```
pub struct Mutex<T: ?Sized> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: as tokio's: the data is reached only through a guard, which only
// a lock on `sem` gives, and `sem` works only on the simulation's thread;
// so `&Mutex<T>` on several threads hands `T` to one at a time, which a
// `T: Send` allows.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

/// The mutex is locked (from [`Mutex::try_lock`]).
///
/// # Examples
///
/// ```
/// let m = seedloop::sync::Mutex::new(1);
/// let _g = m.try_lock().unwrap();
/// let err: seedloop::sync::TryLockError = m.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "operation would block");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    ///
    /// ```
    /// let m = seedloop::sync::Mutex::new(vec![1, 2]);
    /// assert_eq!(m.into_inner(), vec![1, 2]);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// The value, consuming the mutex.
    ///
    /// ```
    /// assert_eq!(seedloop::sync::Mutex::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock and returns its guard; the lock is released when
    /// the guard is dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in effect: dropping the future before it completes takes
    /// nothing, but loses its place in the FIFO queue.
    ///
    /// # Determinism
    ///
    /// A switch point when the mutex is free.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let m = seedloop::sync::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    #[track_caller]
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            acquire: Acquire::new(&self.sem, 1, &LOCK, Location::caller()),
        }
    }

    /// Takes the lock if it is free now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when someone holds it.
    ///
    /// ```
    /// let m = seedloop::sync::Mutex::new(0);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => {
                permit.forget();
                Ok(MutexGuard {
                    mutex: self,
                    _value: PhantomData,
                })
            }
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => Err(TryLockError(())),
        }
    }

    /// The value, through exclusive access to the mutex (no locking needed).
    ///
    /// ```
    /// let mut m = seedloop::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Waits for the lock; the guard owns an `Arc` of the mutex, so it can
    /// be moved into another task.
    ///
    /// # Cancel safety
    ///
    /// As [`Mutex::lock`].
    ///
    /// # Determinism
    ///
    /// A switch point when the mutex is free.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let m = Arc::new(seedloop::sync::Mutex::new(0));
    ///     let mut guard = m.clone().lock_owned().await;
    ///     seedloop::spawn(async move { *guard += 1 }).await.unwrap();
    ///     assert_eq!(*m.lock().await, 1);
    /// });
    /// ```
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let at = Location::caller();
        async move {
            let mut acquire = Acquire::new(&self.sem, 1, &LOCK, at);
            std::future::poll_fn(|cx| acquire.poll_take(cx))
                .await
                .expect("a mutex's semaphore is never closed");
            drop(acquire);
            OwnedMutexGuard {
                mutex: self,
                _value: PhantomData,
            }
        }
    }

    /// Takes the lock now, owned.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when someone holds it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(seedloop::sync::Mutex::new(0));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.clone().try_lock_owned().is_err());
    /// drop(g);
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let taken = self.sem.try_acquire().map(SemaphorePermit::forget);
        match taken {
            Ok(()) => Ok(OwnedMutexGuard {
                mutex: self,
                _value: PhantomData,
            }),
            Err(_) => Err(TryLockError(())),
        }
    }
}

/// The future of [`Mutex::lock`].
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let m = seedloop::sync::Mutex::new(());
///     let lock: seedloop::sync::Lock<'_, ()> = m.lock();
///     let _guard = lock.await;
/// });
/// ```
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    acquire: Acquire<'a>,
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        match this.acquire.poll_take(cx) {
            Poll::Ready(r) => {
                r.expect("a mutex's semaphore is never closed");
                Poll::Ready(MutexGuard {
                    mutex: this.mutex,
                    _value: PhantomData,
                })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks when dropped.
///
/// # Examples
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let m = seedloop::sync::Mutex::new(String::new());
///     let mut g: seedloop::sync::MutexGuard<'_, String> = m.lock().await;
///     g.push_str("hi");
///     drop(g);
///     assert_eq!(*m.lock().await, "hi");
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Makes the guard `Sync` only for a `T` that is (it hands out `&T`).
    _value: PhantomData<T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks (tokio's `MutexGuard::mutex`; an
    /// associated function, so it never shadows a method of `T`).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let m = seedloop::sync::Mutex::new(1);
    ///     let g = m.lock().await;
    ///     assert!(std::ptr::eq(seedloop::sync::MutexGuard::mutex(&g), &m));
    /// });
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the mutex's only permit.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.sem.release_on_drop(1);
    }
}

/// Exclusive access to a [`Mutex`] held through an `Arc`; unlocks when dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let m = Arc::new(seedloop::sync::Mutex::new(1));
/// let mut g: seedloop::sync::OwnedMutexGuard<i32> = m.clone().try_lock_owned().unwrap();
/// *g += 1;
/// assert!(Arc::ptr_eq(g.mutex(), &m));
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    mutex: Arc<Mutex<T>>,
    /// As [`MutexGuard`]'s.
    _value: PhantomData<T>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(seedloop::sync::Mutex::new(()));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(g.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the mutex's only permit.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.mutex.sem.release_on_drop(1);
    }
}
