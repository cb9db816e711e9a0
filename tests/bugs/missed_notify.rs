//! **Missed notification (lost wake-up).** A request waits for the cache to
//! be warm: it checks a flag and, if the cache is cold, logs and then waits
//! on a `Notify`. The warmer sets the flag and calls `notify_waiters`,
//! which wakes only the waiters that exist at that moment. If the warmer
//! runs between the check and the creation of the `notified()` future, the
//! notification is gone and the request waits forever.
//!
//! **Fix:** create the `notified()` future *before* checking the flag:
//! `notify_waiters` also wakes futures created before it and not yet polled.

use std::cell::Cell;
use std::rc::Rc;

use seedloop::sync::{Mutex, Notify};

#[derive(Default)]
struct Cache {
    warm: Cell<bool>,
    warmed: Notify,
    log: Mutex<Vec<&'static str>>,
}

fn warmer(cache: Rc<Cache>) -> seedloop::task::JoinHandle<()> {
    seedloop::spawn(async move {
        cache.warm.set(true);
        cache.warmed.notify_waiters();
    })
}

/// The buggy program.
pub async fn body() {
    let cache = Rc::new(Cache::default());
    let c = cache.clone();
    let request = seedloop::spawn(async move {
        if !c.warm.get() {
            c.log.lock().await.push("cache cold, waiting"); // the warmer may run here
            c.warmed.notified().await;
        }
    });
    let warming = warmer(cache);
    request.await.unwrap();
    warming.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let cache = Rc::new(Cache::default());
    let c = cache.clone();
    let request = seedloop::spawn(async move {
        let warmed = c.warmed.notified(); // registered before the check
        if !c.warm.get() {
            c.log.lock().await.push("cache cold, waiting");
            warmed.await;
        }
    });
    let warming = warmer(cache);
    request.await.unwrap();
    warming.await.unwrap();
}
