//! shuttle port of `tests/bugs/check_then_act.rs`: two customers check that
//! a seat is left, pay under the ledger lock, then take the seat.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | booking tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Rc<Cell<u32>>` seats (no switch point) | `AtomicU32` |
//! | `Mutex::lock().await` on the ledger | `shuttle::sync::Mutex::lock` |

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use shuttle::sync::Mutex;
use shuttle::thread;

/// The buggy program.
pub fn body() {
    let seats = Arc::new(AtomicU32::new(1));
    let ledger = Arc::new(Mutex::new(0u32));
    let book = |customer: u32| {
        let (seats, ledger) = (seats.clone(), ledger.clone());
        thread::spawn(move || {
            if seats.load(Ordering::SeqCst) == 0 {
                return; // sold out
            }
            *ledger.lock().unwrap() += 100; // charge the customer
            let left = seats.load(Ordering::SeqCst).checked_sub(1);
            let left = left.unwrap_or_else(|| panic!("overbooked: customer {customer} paid"));
            seats.store(left, Ordering::SeqCst);
        })
    };
    let (a, b) = (book(1), book(2));
    a.join().unwrap();
    b.join().unwrap();
}

/// The fixed program.
pub fn fixed() {
    let seats = Arc::new(AtomicU32::new(1));
    let ledger = Arc::new(Mutex::new(0u32));
    let book = || {
        let (seats, ledger) = (seats.clone(), ledger.clone());
        thread::spawn(move || {
            if seats.load(Ordering::SeqCst) == 0 {
                return; // sold out
            }
            // Checked and taken in one step: no shuttle operation in between.
            seats.store(seats.load(Ordering::SeqCst) - 1, Ordering::SeqCst);
            *ledger.lock().unwrap() += 100; // charge the customer
        })
    };
    let (a, b) = (book(), book());
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(*ledger.lock().unwrap(), 100, "exactly one customer paid");
}
