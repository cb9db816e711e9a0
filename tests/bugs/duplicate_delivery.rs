//! **A duplicated message applied twice.** Credits travel from the client
//! to the account through a relay with at-least-once delivery: when the
//! relay does not get the downstream acknowledgement (a fault planted with
//! `buggify!`), it sends the message again. The account applies every
//! message it receives, so a resent credit is counted twice.
//!
//! **Fix:** at-least-once delivery needs an idempotent receiver: the
//! account remembers the ids it applied and skips duplicates.

use std::collections::BTreeSet;

use seedloop::sync::mpsc;

#[derive(Clone, Copy)]
struct Credit {
    id: u32,
    amount: u64,
}

async fn credits(dedupe: bool) {
    let (client, mut inbox) = mpsc::channel::<Credit>(8);
    let (outbox, mut account) = mpsc::channel::<Credit>(8);
    let relay = seedloop::spawn(async move {
        while let Some(msg) = inbox.recv().await {
            outbox.send(msg).await.unwrap();
            if seedloop::buggify!() {
                outbox.send(msg).await.unwrap(); // no ack came back: resend
            }
        }
    });
    let ledger = seedloop::spawn(async move {
        let (mut balance, mut applied) = (0, BTreeSet::new());
        while let Some(credit) = account.recv().await {
            if applied.insert(credit.id) || !dedupe {
                balance += credit.amount;
            }
        }
        balance
    });
    for id in 0..5 {
        client.send(Credit { id, amount: 10 }).await.unwrap();
    }
    drop(client);
    relay.await.unwrap();
    assert_eq!(ledger.await.unwrap(), 50, "a credit was applied twice");
}

/// The buggy program.
pub async fn body() {
    credits(false).await;
}

/// The fixed program.
pub async fn fixed() {
    credits(true).await;
}
