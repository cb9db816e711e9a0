//! **A cancellation-unsafe operation.** A transfer debits checking, then
//! awaits the savings lock to credit it, all under a one-second `timeout`.
//! If the statement job holds savings for longer, the timeout drops the
//! transfer future between the debit and the credit: the caller is told
//! "timed out" (nothing happened), but the money has left checking and
//! never arrives.
//!
//! **Fix:** take both locks first, then change both balances with no await
//! in between, so that dropping the future at any await changes nothing.

use std::rc::Rc;
use std::time::Duration;

use seedloop::sync::Mutex;

type Account = Rc<Mutex<i64>>;

async fn transfer(from: Account, to: Account) {
    *from.lock().await -= 50;
    *to.lock().await += 50; // dropped here, the debit stays
}

async fn transfer_fixed(from: Account, to: Account) {
    let (mut src, mut dst) = (from.lock().await, to.lock().await);
    *src -= 50;
    *dst += 50;
}

async fn nightly<F: Future<Output = ()> + 'static>(transfer: fn(Account, Account) -> F) {
    let (checking, savings) = (Rc::new(Mutex::new(100)), Rc::new(Mutex::new(0)));
    let moving = transfer(checking.clone(), savings.clone());
    let mover = seedloop::spawn(async move {
        let _ = seedloop::time::timeout(Duration::from_secs(1), moving).await; // timed out: retry tomorrow
    });
    let s = savings.clone();
    let statement = seedloop::spawn(async move {
        let _savings = s.lock().await;
        seedloop::sleep(Duration::from_secs(5)).await; // printing the statement
    });
    mover.await.unwrap();
    statement.await.unwrap();
    let total = *checking.lock().await + *savings.lock().await;
    assert_eq!(total, 100, "money vanished in a cancelled transfer");
}

/// The buggy program.
pub async fn body() {
    nightly(transfer).await;
}

/// The fixed program.
pub async fn fixed() {
    nightly(transfer_fixed).await;
}
