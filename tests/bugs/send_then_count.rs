//! **Atomicity violation between a channel send and a state update.** The
//! dispatcher sends a job to the worker, then counts it as pending (behind
//! a lock, so an await). The worker decrements the count when it finishes
//! a job. If the dispatcher is preempted between the send and the count,
//! the worker finishes a job that was never counted: the count underflows.
//!
//! **Fix:** count the job before sending it, so that the job is never
//! visible to the worker before the state that describes it.

use std::rc::Rc;

use seedloop::sync::{Mutex, mpsc};

fn worker(
    mut jobs: mpsc::Receiver<u32>,
    pending: Rc<Mutex<u32>>,
) -> seedloop::task::JoinHandle<()> {
    seedloop::spawn(async move {
        while let Some(job) = jobs.recv().await {
            let mut pending = pending.lock().await;
            assert!(
                *pending > 0,
                "job {job} finished before it was counted as pending"
            );
            *pending -= 1;
        }
    })
}

/// The buggy program.
pub async fn body() {
    let pending = Rc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::channel(8);
    let working = worker(rx, pending.clone());
    for job in 0..3 {
        tx.send(job).await.unwrap();
        *pending.lock().await += 1; // the worker may have finished it already
    }
    drop(tx);
    working.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let pending = Rc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::channel(8);
    let working = worker(rx, pending.clone());
    for job in 0..3 {
        *pending.lock().await += 1; // counted before anyone can see it
        tx.send(job).await.unwrap();
    }
    drop(tx);
    working.await.unwrap();
    assert_eq!(*pending.lock().await, 0);
}
