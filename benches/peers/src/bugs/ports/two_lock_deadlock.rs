//! shuttle port of `tests/bugs/two_lock_deadlock.rs`: two transfers in
//! opposite directions each lock their source account, then their
//! destination.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | transfer tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Mutex::lock().await` per account | `shuttle::sync::Mutex::lock` |
//! | `Error::Deadlock` (every task blocked, no timer) | shuttle's "deadlock! blocked tasks: ..." panic |

use std::sync::Arc;

use shuttle::sync::Mutex;
use shuttle::thread;

struct Account {
    number: u32,
    balance: Mutex<i64>,
}

fn transfer(from: Arc<Account>, to: Arc<Account>, amount: i64) {
    let mut src = from.balance.lock().unwrap();
    let mut dst = to.balance.lock().unwrap();
    *src -= amount;
    *dst += amount;
}

fn ordered_transfer(from: Arc<Account>, to: Arc<Account>, amount: i64) {
    let (mut src, mut dst) = if from.number < to.number {
        let src = from.balance.lock().unwrap();
        (src, to.balance.lock().unwrap())
    } else {
        let dst = to.balance.lock().unwrap();
        (from.balance.lock().unwrap(), dst)
    };
    *src -= amount;
    *dst += amount;
}

fn run(transfer: fn(Arc<Account>, Arc<Account>, i64)) {
    let account = |number| {
        Arc::new(Account {
            number,
            balance: Mutex::new(100),
        })
    };
    let (a, b) = (account(1), account(2));
    let t1 = {
        let (a, b) = (a.clone(), b.clone());
        thread::spawn(move || transfer(a, b, 10))
    };
    let t2 = {
        let (a, b) = (a.clone(), b.clone());
        thread::spawn(move || transfer(b, a, 20))
    };
    t1.join().unwrap();
    t2.join().unwrap();
    assert_eq!(*a.balance.lock().unwrap() + *b.balance.lock().unwrap(), 200);
}

/// The buggy program.
pub fn body() {
    run(transfer);
}

/// The fixed program.
pub fn fixed() {
    run(ordered_transfer);
}
