//! **A producer/consumer deadlock around a bounded queue.** The worker
//! holds the stats lock while it waits for the next job (so that "taking a
//! job" and "counting it" look atomic). The producer counts each job under
//! the same lock before putting it in the queue. If the worker gets to the
//! queue while it is empty, it waits for a job holding the lock, and the
//! producer waits for the lock before it can put one: a deadlock. In the
//! plain run the producer fills the queue (two slots) first and blocks on
//! the full queue, so the worker always finds a job and the bug hides.
//!
//! **Fix:** never hold a lock across a wait for another task: take the job
//! first, then lock the stats.

use std::rc::Rc;

use seedloop::queue::Queue;
use seedloop::sync::Mutex;

#[derive(Default)]
struct Stats {
    queued: u32,
    done: u32,
}

async fn produce(jobs: &Queue<u32>, stats: &Mutex<Stats>) {
    for job in 0..3 {
        stats.lock().await.queued += 1;
        jobs.put(job).await.unwrap();
    }
}

/// The buggy program.
pub async fn body() {
    let (jobs, stats) = (
        Rc::new(Queue::new(2)),
        Rc::new(Mutex::new(Stats::default())),
    );
    let (q, s) = (jobs.clone(), stats.clone());
    let worker = seedloop::spawn(async move {
        for _ in 0..3 {
            let mut stats = s.lock().await;
            let _job = q.get().await.unwrap(); // waits holding the lock
            stats.done += 1;
        }
    });
    produce(&jobs, &stats).await;
    worker.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let (jobs, stats) = (
        Rc::new(Queue::new(2)),
        Rc::new(Mutex::new(Stats::default())),
    );
    let (q, s) = (jobs.clone(), stats.clone());
    let worker = seedloop::spawn(async move {
        for _ in 0..3 {
            let _job = q.get().await.unwrap();
            s.lock().await.done += 1;
        }
    });
    produce(&jobs, &stats).await;
    worker.await.unwrap();
    let stats = stats.lock().await;
    assert_eq!((stats.queued, stats.done), (3, 3));
}
