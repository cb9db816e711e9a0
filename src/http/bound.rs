//! A value bound to the thread that made it, so that it may be `Send` and
//! `Sync` where a library asks for that (hyper's `Timer` does) though the
//! simulation behind it is single-threaded.
//!
//! Every access checks that it runs on the owning thread and panics
//! otherwise; a drop on another thread leaks the value instead of touching
//! it. So the non-thread-safe state inside (`Rc`s of the simulation) is only
//! ever touched by one thread, which is what makes the `unsafe impl`s sound.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// The calling thread's token: the address of a thread-local, unique among
/// the live threads.
fn token() -> usize {
    thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// `T`, usable only on the thread that made it.
pub(crate) struct Bound<T> {
    value: ManuallyDrop<T>,
    owner: usize,
}

// SAFETY: the value is reached only through `Deref`, `DerefMut` and `Drop`,
// each of which checks that it runs on the owning thread (the others panic
// or leak), so `T` is never touched from two threads.
unsafe impl<T> Send for Bound<T> {}
// SAFETY: as above; a shared reference on another thread cannot reach `T`.
unsafe impl<T> Sync for Bound<T> {}

impl<T> Bound<T> {
    pub(crate) fn new(value: T) -> Bound<T> {
        Bound {
            value: ManuallyDrop::new(value),
            owner: token(),
        }
    }

    #[track_caller]
    fn check(&self) {
        assert!(
            self.owner == token(),
            "a seedloop value was used on another thread than its simulation's: \
             the simulation runs on one thread, and its handles stay there"
        );
    }
}

impl<T> Deref for Bound<T> {
    type Target = T;
    #[track_caller]
    fn deref(&self) -> &T {
        self.check();
        &self.value
    }
}

impl<T> DerefMut for Bound<T> {
    #[track_caller]
    fn deref_mut(&mut self) -> &mut T {
        self.check();
        &mut self.value
    }
}

impl<T> Drop for Bound<T> {
    fn drop(&mut self) {
        if self.owner == token() {
            // SAFETY: dropped once, here, on the owning thread.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_owner_reads_it_and_another_thread_panics() {
        let b = Bound::new(Rc::new(5));
        assert_eq!(**b, 5);
        let shared = std::sync::Arc::new(b);
        let other = std::sync::Arc::clone(&shared);
        let r = std::thread::spawn(move || ***other).join();
        assert!(r.is_err(), "another thread must not read it");
        assert_eq!(***shared, 5);
    }

    #[test]
    fn a_drop_on_another_thread_leaks_instead_of_touching_the_count() {
        let rc = Rc::new(1);
        let b = Bound::new(Rc::clone(&rc));
        std::thread::spawn(move || drop(b)).join().unwrap();
        assert_eq!(Rc::strong_count(&rc), 2, "leaked, not decremented");
        drop(Bound::new(Rc::clone(&rc)));
        assert_eq!(Rc::strong_count(&rc), 2, "dropped on its own thread");
    }
}
