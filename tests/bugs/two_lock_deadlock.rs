//! **Two-lock deadlock.** `transfer(from, to)` locks the source account,
//! then the destination. Two transfers in opposite directions can each take
//! their first lock and then wait forever for the other's.
//!
//! **Fix:** take the two locks in one global order (by account number),
//! whatever the direction of the transfer.

use std::rc::Rc;

use seedloop::sync::Mutex;

struct Account {
    number: u32,
    balance: Mutex<i64>,
}

async fn transfer(from: Rc<Account>, to: Rc<Account>, amount: i64) {
    let mut src = from.balance.lock().await;
    let mut dst = to.balance.lock().await;
    *src -= amount;
    *dst += amount;
}

async fn ordered_transfer(from: Rc<Account>, to: Rc<Account>, amount: i64) {
    let (mut src, mut dst) = if from.number < to.number {
        let src = from.balance.lock().await;
        (src, to.balance.lock().await)
    } else {
        let dst = to.balance.lock().await;
        (from.balance.lock().await, dst)
    };
    *src -= amount;
    *dst += amount;
}

async fn run<F: Future<Output = ()> + 'static>(
    transfer: impl Fn(Rc<Account>, Rc<Account>, i64) -> F,
) {
    let account = |number| {
        Rc::new(Account {
            number,
            balance: Mutex::new(100),
        })
    };
    let (a, b) = (account(1), account(2));
    let t1 = seedloop::spawn(transfer(a.clone(), b.clone(), 10));
    let t2 = seedloop::spawn(transfer(b.clone(), a.clone(), 20));
    t1.await.unwrap();
    t2.await.unwrap();
    assert_eq!(*a.balance.lock().await + *b.balance.lock().await, 200);
}

/// The buggy program.
pub async fn body() {
    run(transfer).await;
}

/// The fixed program.
pub async fn fixed() {
    run(ordered_transfer).await;
}
