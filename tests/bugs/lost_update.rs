//! **Lost update across an await.** Two deposits each read the balance,
//! await the audit log (a `Mutex`), then write back `read + amount`. The
//! await splits the read-modify-write: if the second deposit reads the
//! balance before the first writes it back, the first deposit is
//! overwritten and lost.
//!
//! **Fix:** read the balance after the last await, so that the read and the
//! write happen in one step (or keep the balance itself behind the lock).

use std::cell::Cell;
use std::rc::Rc;

use seedloop::sync::Mutex;

/// The buggy program.
pub async fn body() {
    let balance = Rc::new(Cell::new(100u64));
    let audit = Rc::new(Mutex::new(Vec::new()));
    let deposit = |amount: u64| {
        let (balance, audit) = (balance.clone(), audit.clone());
        seedloop::spawn(async move {
            let read = balance.get();
            audit.lock().await.push(format!("deposit {amount}"));
            balance.set(read + amount); // `read` may be stale by now
        })
    };
    let (a, b) = (deposit(10), deposit(20));
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(balance.get(), 130, "a deposit was lost");
}

/// The fixed program.
pub async fn fixed() {
    let balance = Rc::new(Cell::new(100u64));
    let audit = Rc::new(Mutex::new(Vec::new()));
    let deposit = |amount: u64| {
        let (balance, audit) = (balance.clone(), audit.clone());
        seedloop::spawn(async move {
            audit.lock().await.push(format!("deposit {amount}"));
            balance.set(balance.get() + amount); // read and write in one step
        })
    };
    let (a, b) = (deposit(10), deposit(20));
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(balance.get(), 130, "a deposit was lost");
}
