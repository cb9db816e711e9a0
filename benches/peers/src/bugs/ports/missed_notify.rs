//! shuttle port of `tests/bugs/missed_notify.rs`: a request checks the warm
//! flag and, if the cache is cold, logs and waits; the warmer sets the flag
//! and wakes the waiters that exist at that moment.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | request and warmer tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Cell<bool>` warm flag (no switch point) | `AtomicBool` |
//! | `Mutex::lock().await` on the log | `shuttle::sync::Mutex::lock` |
//! | `Notify::notify_waiters()` | `shuttle::sync::Condvar::notify_all()` |
//! | `Notify::notified().await` | `Condvar::wait(log guard)` |
//!
//! shuttle has no `Notify`. A condition variable's `notify_all` has the
//! semantics this bug depends on: it wakes the threads waiting at that moment
//! and stores nothing, so a waiter that arrives after it waits forever, which
//! shuttle reports as a deadlock. `Condvar::wait` needs a guard; the request
//! already holds the log's, so it waits on that one (the log lock is released
//! as it starts waiting) instead of adding a mutex the program does not have.
//! The window is where it is in seedloop: between the flag check and the
//! start of the wait, across the log lock.
//!
//! The fix cannot be seedloop's (create the `notified()` future before the
//! check: a condition variable has no registration apart from the wait).
//! The port's fix is the condition-variable one that gives the same
//! guarantee: the flag is checked, and set, under the lock the wait releases,
//! so no notification can fall between the check and the wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use shuttle::sync::{Condvar, Mutex};
use shuttle::thread;

#[derive(Default)]
struct Cache {
    warm: AtomicBool,
    warmed: Condvar,
    log: Mutex<Vec<&'static str>>,
}

/// The buggy program.
pub fn body() {
    let cache = Arc::new(Cache::default());
    let c = cache.clone();
    let request = thread::spawn(move || {
        if !c.warm.load(Ordering::SeqCst) {
            let mut log = c.log.lock().unwrap(); // the warmer may run here
            log.push("cache cold, waiting");
            drop(c.warmed.wait(log).unwrap());
        }
    });
    let warming = thread::spawn(move || {
        cache.warm.store(true, Ordering::SeqCst);
        cache.warmed.notify_all();
    });
    request.join().unwrap();
    warming.join().unwrap();
}

/// The fixed program.
pub fn fixed() {
    let cache = Arc::new(Cache::default());
    let c = cache.clone();
    let request = thread::spawn(move || {
        let mut log = c.log.lock().unwrap(); // checked under the lock the wait releases
        if !c.warm.load(Ordering::SeqCst) {
            log.push("cache cold, waiting");
            let warm = |_: &mut Vec<&'static str>| !c.warm.load(Ordering::SeqCst);
            drop(c.warmed.wait_while(log, warm).unwrap());
        }
    });
    let warming = thread::spawn(move || {
        let log = cache.log.lock().unwrap();
        cache.warm.store(true, Ordering::SeqCst);
        drop(log);
        cache.warmed.notify_all();
    });
    request.join().unwrap();
    warming.join().unwrap();
}
