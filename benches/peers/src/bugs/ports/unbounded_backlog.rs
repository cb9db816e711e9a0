//! shuttle port of `tests/bugs/unbounded_backlog.rs` (a long program): a
//! producer sends 64 records over an unbounded channel, yielding after each;
//! a consumer drains them; the backlog must stay within 48.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | producer and consumer tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `mpsc::unbounded_channel()`: `send` (sync), `recv().await` | `shuttle::sync::mpsc::channel()`: `send`, `recv` |
//! | `Rc<Cell<u32>>` gauge (no switch point) | `AtomicU32` |
//! | `task::yield_now().await` | `shuttle::thread::yield_now()` |
//!
//! Two differences come with shuttle's primitives. Its unbounded `send` is a
//! scheduling point (seedloop's is not); the record is queued and counted in
//! one step either way. And `shuttle::thread::yield_now` tells the scheduler
//! that the thread asks to yield: shuttle's PCT then lowers the thread's
//! priority (as Coyote's does, for spin loops), while seedloop's PCT keeps a
//! yielding task's priority. The `*_plain_switch` variants port `yield_now`
//! as `shuttle::thread::sleep(Duration::ZERO)` instead, a scheduling point
//! without that hint (shuttle has no clock: its `sleep` is only a switch), to
//! show how much of the result is that one choice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use shuttle::sync::mpsc;
use shuttle::thread;

const RECORDS: u32 = 64;
const BUDGET: u32 = 48;

/// A channel's sending half, bounded or not.
enum Tx {
    Unbounded(mpsc::Sender<u32>),
    Bounded(mpsc::SyncSender<u32>),
}

fn backlog(bounded: bool, pause: fn()) {
    let backlog = Arc::new(AtomicU32::new(0));
    let (tx, rx) = if bounded {
        let (tx, rx) = mpsc::sync_channel(BUDGET as usize);
        (Tx::Bounded(tx), rx)
    } else {
        let (tx, rx) = mpsc::channel();
        (Tx::Unbounded(tx), rx)
    };
    let gauge = backlog.clone();
    let producer = thread::spawn(move || {
        for record in 0..RECORDS {
            match &tx {
                Tx::Unbounded(tx) => tx.send(record).unwrap(),
                Tx::Bounded(tx) => tx.send(record).unwrap(), // waits while 48 are queued
            }
            let queued = gauge.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(queued <= BUDGET, "the backlog outgrew its budget");
            pause();
        }
    });
    let consumer = thread::spawn(move || {
        while rx.recv().is_ok() {
            backlog.fetch_sub(1, Ordering::SeqCst);
        }
    });
    producer.join().unwrap();
    consumer.join().unwrap();
}

/// The buggy program.
pub fn body() {
    backlog(false, thread::yield_now);
}

/// The fixed program: a bounded channel of 48.
pub fn fixed() {
    backlog(true, thread::yield_now);
}

/// The buggy program, `yield_now` ported as a plain switch.
pub fn body_plain_switch() {
    backlog(false, super::plain_switch);
}

/// The fixed program, `yield_now` ported as a plain switch.
pub fn fixed_plain_switch() {
    backlog(true, super::plain_switch);
}
