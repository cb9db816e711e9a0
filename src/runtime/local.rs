//! [`Local`]: a value kept on the simulation's thread, so that it can go
//! where a library demands `Send` (axum's handlers and state, hyper's
//! timer) though the simulation is single-threaded.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The calling thread's token: the address of a thread-local (one
/// instruction to compute). Two live threads never share it; a dead
/// thread's may be reused by a new thread, but by then nothing of the dead
/// thread's is touched by any other, so the new one may have it.
#[inline]
fn thread_token() -> usize {
    thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// A value that stays on the thread that made it: `Send` and `Sync`
/// whatever `T` is, because only that thread can reach `T`.
///
/// The simulation lives on one thread, and its handles point into it with
/// reference counts. Libraries written for multi-threaded runtimes ask for
/// `Send` anyway (axum wants `Send` handler futures and `Send + Sync`
/// state), so every seedloop handle keeps its share of the simulation in
/// a `Local`, and is `Send` and `Sync` as tokio's are. A value of your own
/// that is not `Send` (an `Rc`) can be wrapped the same way. Inside a
/// simulation everything runs on the simulation's thread, so this meets
/// the bound soundly:
///
/// - every access (`Deref`, `DerefMut`, `poll`, `clone`, `into_inner`)
///   checks that it runs on the owning thread, and panics otherwise;
/// - a drop on another thread leaks the value rather than touch it.
///
/// As a future (`Local<F>` where `F: Future`) it polls `F`.
///
/// ```
/// use std::time::Duration;
/// use seedloop::task::Local;
///
/// fn needs_send<T: Send + Sync>(_: &T) {}
///
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     // A future that holds an `Rc` is not `Send`; in a `Local` it is.
///     let shared = std::rc::Rc::new(7);
///     let nap = Local::new(async move {
///         seedloop::time::sleep(Duration::from_secs(1)).await;
///         *shared
///     });
///     needs_send(&nap);
///     assert_eq!(nap.await, 7);
///     let counter = Local::new(std::rc::Rc::new(std::cell::Cell::new(1)));
///     needs_send(&counter);
///     counter.set(counter.get() + 1);
///     assert_eq!(counter.get(), 2);
/// });
/// ```
///
/// # Panics
///
/// When reached from another thread than the one that made it.
///
/// # Determinism
///
/// It changes nothing about scheduling: a `Local` future is polled when
/// the task that awaits it is.
pub struct Local<T> {
    value: ManuallyDrop<T>,
    owner: usize,
}

// SAFETY: `T` is reached only through methods that check the owning thread
// first (they panic elsewhere), and a drop elsewhere leaks it, so `T` is
// never touched by two threads.
unsafe impl<T> Send for Local<T> {}
// SAFETY: as above: a shared reference on another thread cannot reach `T`.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    /// Keeps `value` on the calling thread.
    ///
    /// ```
    /// let v = seedloop::task::Local::new(vec![1, 2]);
    /// assert_eq!(v.len(), 2);
    /// ```
    pub fn new(value: T) -> Local<T> {
        Local {
            value: ManuallyDrop::new(value),
            owner: thread_token(),
        }
    }

    /// Whether the calling thread may reach the value.
    ///
    /// ```
    /// let v = seedloop::task::Local::new(5);
    /// assert!(v.is_reachable());
    /// let v = std::sync::Arc::new(v);
    /// let w = v.clone();
    /// assert!(!std::thread::spawn(move || w.is_reachable()).join().unwrap());
    /// ```
    #[inline]
    pub fn is_reachable(&self) -> bool {
        self.owner == thread_token()
    }

    /// The value, unwrapped.
    ///
    /// ```
    /// assert_eq!(seedloop::task::Local::new(5).into_inner(), 5);
    /// ```
    ///
    /// # Panics
    ///
    /// On another thread than the owner.
    pub fn into_inner(self) -> T {
        self.check();
        let mut this = ManuallyDrop::new(self);
        // SAFETY: taken once; `this` is never dropped, so neither is the value again.
        unsafe { ManuallyDrop::take(&mut this.value) }
    }

    #[inline]
    fn check(&self) {
        if !self.is_reachable() {
            foreign();
        }
    }
}

#[cold]
#[inline(never)]
fn foreign() -> ! {
    panic!(
        "a seedloop value was reached from another thread than the one that made it: \
         the simulation runs on one thread, and its handles and values stay there"
    )
}

impl<T> Deref for Local<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.check();
        &self.value
    }
}

impl<T> DerefMut for Local<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.check();
        &mut self.value
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        if self.is_reachable() {
            // SAFETY: dropped once, here, on the owning thread.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}

impl<T: Clone> Clone for Local<T> {
    fn clone(&self) -> Local<T> {
        Local {
            value: ManuallyDrop::new((**self).clone()),
            owner: self.owner,
        }
    }
}

impl<T: Default> Default for Local<T> {
    fn default() -> Local<T> {
        Local::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_reachable() {
            f.debug_tuple("Local").field(&*self.value).finish()
        } else {
            f.write_str("Local(<on another thread>)")
        }
    }
}

impl<F: Future> Future for Local<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.check();
        // SAFETY: structural pinning: the future is never moved out of a
        // pinned `Local` (`into_inner` takes the `Local` by value, so it
        // was not pinned, or `F` is `Unpin`), and it is dropped in place.
        unsafe { self.map_unchecked_mut(|l| &mut *l.value) }.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_owner_reaches_it_and_another_thread_panics() {
        let shared = std::sync::Arc::new(Local::new(Rc::new(5)));
        assert_eq!(***shared, 5);
        let other = std::sync::Arc::clone(&shared);
        let r = std::thread::spawn(move || ***other).join();
        assert!(r.is_err(), "another thread must not reach it");
        assert_eq!(***shared, 5);
    }

    #[test]
    fn a_drop_on_another_thread_leaks_instead_of_touching_the_count() {
        let rc = Rc::new(1);
        let l = Local::new(Rc::clone(&rc));
        std::thread::spawn(move || drop(l)).join().unwrap();
        assert_eq!(Rc::strong_count(&rc), 2, "leaked, not decremented");
        drop(Local::new(Rc::clone(&rc)));
        assert_eq!(Rc::strong_count(&rc), 2, "dropped on its own thread");
    }

    #[test]
    fn a_poll_on_another_thread_panics() {
        let f = Local::new(Box::pin(async { 1 }));
        let r = std::thread::spawn(move || futures::executor::block_on(f)).join();
        assert!(r.is_err());
    }
}
