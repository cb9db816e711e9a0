//! shuttle port of `tests/bugs/lost_update.rs`: two deposits read the
//! balance, log to the audit `Mutex`, then write back `read + amount`.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | `seedloop::spawn` deposit tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Rc<Cell<u64>>` balance (no switch point) | `AtomicU64`, a `load` and a `store` |
//! | `Mutex::lock().await` on the audit log | `shuttle::sync::Mutex::lock` |
//!
//! The window is the same: between the read of the balance and its write
//! the deposit goes through the audit lock (in shuttle: its lock and its
//! unlock, both scheduling points).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shuttle::sync::Mutex;
use shuttle::thread;

/// The buggy program.
pub fn body() {
    let balance = Arc::new(AtomicU64::new(100));
    let audit = Arc::new(Mutex::new(Vec::new()));
    let deposit = |amount: u64| {
        let (balance, audit) = (balance.clone(), audit.clone());
        thread::spawn(move || {
            let read = balance.load(Ordering::SeqCst);
            audit.lock().unwrap().push(format!("deposit {amount}"));
            balance.store(read + amount, Ordering::SeqCst); // `read` may be stale by now
        })
    };
    let (a, b) = (deposit(10), deposit(20));
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(balance.load(Ordering::SeqCst), 130, "a deposit was lost");
}

/// The fixed program.
pub fn fixed() {
    let balance = Arc::new(AtomicU64::new(100));
    let audit = Arc::new(Mutex::new(Vec::new()));
    let deposit = |amount: u64| {
        let (balance, audit) = (balance.clone(), audit.clone());
        thread::spawn(move || {
            audit.lock().unwrap().push(format!("deposit {amount}"));
            // Read and write in one step: no shuttle operation in between.
            balance.store(balance.load(Ordering::SeqCst) + amount, Ordering::SeqCst);
        })
    };
    let (a, b) = (deposit(10), deposit(20));
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(balance.load(Ordering::SeqCst), 130, "a deposit was lost");
}
