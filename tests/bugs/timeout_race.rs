//! **A timeout racing with completion.** A client charges a card through a
//! payment service with a one-second timeout, and retries on timeout. The
//! service takes 250 ms to 1 s, so the timeout "never fires". At exactly
//! one second, though, the service's timer and the client's are due at the
//! same instant: if the client runs first, it sees a timeout although the
//! charge went through, drops the answer, and charges again.
//!
//! **Fix:** make the operation idempotent: the client sends the same
//! payment id on every attempt and the service charges each id once.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use seedloop::sync::{mpsc, oneshot};

type Request = (u64, oneshot::Sender<()>);

/// The payment service; `dedupe` charges each payment id once.
fn service(
    mut requests: mpsc::Receiver<Request>,
    charges: Rc<Cell<u32>>,
    dedupe: bool,
) -> seedloop::task::JoinHandle<()> {
    seedloop::spawn(async move {
        let mut charged = BTreeSet::new();
        while let Some((payment_id, reply)) = requests.recv().await {
            let latency = 250 * seedloop::rand::random_range(1..=4u64);
            seedloop::sleep(Duration::from_millis(latency)).await;
            if charged.insert(payment_id) || !dedupe {
                charges.set(charges.get() + 1);
            }
            let _ = reply.send(()); // the client may have stopped waiting
        }
    })
}

async fn pay(dedupe: bool) {
    let charges = Rc::new(Cell::new(0));
    let (tx, rx) = mpsc::channel(4);
    let serving = service(rx, charges.clone(), dedupe);
    loop {
        let (reply, answer) = oneshot::channel();
        tx.send((42, reply)).await.unwrap();
        if seedloop::time::timeout(Duration::from_secs(1), answer)
            .await
            .is_ok()
        {
            break;
        }
        // timed out: assume the charge failed, and retry
    }
    drop(tx);
    serving.await.unwrap();
    assert_eq!(charges.get(), 1, "the customer was charged twice");
}

/// The buggy program.
pub async fn body() {
    pay(false).await;
}

/// The fixed program.
pub async fn fixed() {
    pay(true).await;
}
