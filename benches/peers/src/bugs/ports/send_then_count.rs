//! shuttle port of `tests/bugs/send_then_count.rs`: the dispatcher sends a
//! job to the worker, then counts it as pending; the worker decrements the
//! count when it finishes a job.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | worker task, `.await` on its handle | `shuttle::thread::spawn`, `join` |
//! | `mpsc::channel(8)`: `send().await`, `recv().await` | `shuttle::sync::mpsc::sync_channel(8)`: `send`, `recv` |
//! | `Mutex::lock().await` on the pending count | `shuttle::sync::Mutex::lock` |

use std::sync::Arc;

use shuttle::sync::{Mutex, mpsc};
use shuttle::thread;

fn worker(jobs: mpsc::Receiver<u32>, pending: Arc<Mutex<u32>>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while let Ok(job) = jobs.recv() {
            let mut pending = pending.lock().unwrap();
            assert!(
                *pending > 0,
                "job {job} finished before it was counted as pending"
            );
            *pending -= 1;
        }
    })
}

/// The buggy program.
pub fn body() {
    let pending = Arc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::sync_channel(8);
    let working = worker(rx, pending.clone());
    for job in 0..3 {
        tx.send(job).unwrap();
        *pending.lock().unwrap() += 1; // the worker may have finished it already
    }
    drop(tx);
    working.join().unwrap();
}

/// The fixed program.
pub fn fixed() {
    let pending = Arc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::sync_channel(8);
    let working = worker(rx, pending.clone());
    for job in 0..3 {
        *pending.lock().unwrap() += 1; // counted before anyone can see it
        tx.send(job).unwrap();
    }
    drop(tx);
    working.join().unwrap();
    assert_eq!(*pending.lock().unwrap(), 0);
}
