//! **A backlog without backpressure (a long program).** A producer sends 64
//! records over an unbounded channel, yielding after each one as a good
//! cooperative task does; a consumer drains them. A gauge counts the
//! records sent and not yet consumed, and the service's budget is 48. In
//! the plain run the two tasks alternate and the backlog never exceeds one.
//! It outgrows the budget only when the producer runs 49 sends ahead of the
//! consumer. Under `Random` the consumer, each time it is picked, takes its
//! record unless its `recv` yields at the switch point, so even at the
//! highest yield probability (1/2) the consumer misses with probability 3/4
//! and a window of 49 misses has probability about 10^-6. `Pct` needs no
//! change point at all: a producer with the higher priority runs to its
//! end (probability 1/2).
//!
//! **Fix:** a bounded channel of 48: `send` waits while the consumer is
//! behind, so the backlog stays within the budget on every schedule.

use std::cell::Cell;
use std::rc::Rc;

use seedloop::sync::mpsc;

const RECORDS: u32 = 64;
const BUDGET: u32 = 48;

/// The buggy program.
pub async fn body() {
    let backlog = Rc::new(Cell::new(0u32));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let gauge = backlog.clone();
    let producer = seedloop::spawn(async move {
        for record in 0..RECORDS {
            tx.send(record).unwrap();
            gauge.set(gauge.get() + 1);
            assert!(gauge.get() <= BUDGET, "the backlog outgrew its budget");
            seedloop::task::yield_now().await;
        }
    });
    let consumer = seedloop::spawn(async move {
        while rx.recv().await.is_some() {
            backlog.set(backlog.get() - 1);
        }
    });
    producer.await.unwrap();
    consumer.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let backlog = Rc::new(Cell::new(0u32));
    let (tx, mut rx) = mpsc::channel(BUDGET as usize);
    let gauge = backlog.clone();
    let producer = seedloop::spawn(async move {
        for record in 0..RECORDS {
            tx.send(record).await.unwrap(); // waits while 48 are queued
            gauge.set(gauge.get() + 1);
            assert!(gauge.get() <= BUDGET, "the backlog outgrew its budget");
            seedloop::task::yield_now().await;
        }
    });
    let consumer = seedloop::spawn(async move {
        while rx.recv().await.is_some() {
            backlog.set(backlog.get() - 1);
        }
    });
    producer.await.unwrap();
    consumer.await.unwrap();
}
