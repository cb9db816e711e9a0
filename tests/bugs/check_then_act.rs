//! **Check-then-act.** Two customers book the last seat on a flight. Each
//! booking checks that a seat is left, then awaits the payment (a lock on
//! the ledger), then takes the seat. Both can pass the check before either
//! takes the seat, and the flight is overbooked.
//!
//! **Fix:** act on the check in the same step: take the seat before the
//! payment's await (and give it back if the payment fails).

use std::cell::Cell;
use std::rc::Rc;

use seedloop::sync::Mutex;

/// The buggy program.
pub async fn body() {
    let seats = Rc::new(Cell::new(1u32));
    let ledger = Rc::new(Mutex::new(0u32));
    let book = |customer: u32| {
        let (seats, ledger) = (seats.clone(), ledger.clone());
        seedloop::spawn(async move {
            if seats.get() == 0 {
                return; // sold out
            }
            *ledger.lock().await += 100; // charge the customer
            let left = seats.get().checked_sub(1);
            let left = left.unwrap_or_else(|| panic!("overbooked: customer {customer} paid"));
            seats.set(left);
        })
    };
    let (a, b) = (book(1), book(2));
    a.await.unwrap();
    b.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let seats = Rc::new(Cell::new(1u32));
    let ledger = Rc::new(Mutex::new(0u32));
    let book = || {
        let (seats, ledger) = (seats.clone(), ledger.clone());
        seedloop::spawn(async move {
            if seats.get() == 0 {
                return; // sold out
            }
            seats.set(seats.get() - 1); // checked and taken in one step
            *ledger.lock().await += 100; // charge the customer
        })
    };
    let (a, b) = (book(), book());
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(*ledger.lock().await, 100, "exactly one customer paid");
}
