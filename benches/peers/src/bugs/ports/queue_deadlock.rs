//! shuttle port of `tests/bugs/queue_deadlock.rs`: the worker holds the
//! stats lock while it waits for the next job; the producer counts each job
//! under the same lock before putting it in the two-slot queue.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | worker task, `.await` on its handle | `shuttle::thread::spawn`, `join` |
//! | `Queue::new(2)`: `put().await`, `get().await` | `shuttle::sync::mpsc::sync_channel(2)`: `send`, `recv` |
//! | `Mutex::lock().await` on the stats | `shuttle::sync::Mutex::lock` |
//! | `Error::Deadlock` | shuttle's "deadlock! blocked tasks: ..." panic |
//!
//! seedloop's `Queue` is shared by both sides; a shuttle channel has a
//! sender (the producer's) and a receiver (moved into the worker), which is
//! how the program uses the queue anyway.

use std::sync::Arc;

use shuttle::sync::{Mutex, mpsc};
use shuttle::thread;

#[derive(Default)]
struct Stats {
    queued: u32,
    done: u32,
}

fn produce(jobs: &mpsc::SyncSender<u32>, stats: &Mutex<Stats>) {
    for job in 0..3 {
        stats.lock().unwrap().queued += 1;
        jobs.send(job).unwrap();
    }
}

/// The buggy program.
pub fn body() {
    let (jobs, queue) = mpsc::sync_channel(2);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let s = stats.clone();
    let worker = thread::spawn(move || {
        for _ in 0..3 {
            let mut stats = s.lock().unwrap();
            let _job = queue.recv().unwrap(); // waits holding the lock
            stats.done += 1;
        }
    });
    produce(&jobs, &stats);
    worker.join().unwrap();
}

/// The fixed program.
pub fn fixed() {
    let (jobs, queue) = mpsc::sync_channel(2);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let s = stats.clone();
    let worker = thread::spawn(move || {
        for _ in 0..3 {
            let _job = queue.recv().unwrap();
            s.lock().unwrap().done += 1;
        }
    });
    produce(&jobs, &stats);
    worker.join().unwrap();
    let stats = stats.lock().unwrap();
    assert_eq!((stats.queued, stats.done), (3, 3));
}
