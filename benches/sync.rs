//! Benchmarks of layer 6 (sync tools), against tokio's `sync` in the same
//! run, on criterion: each workload is a group with a `seedloop` and a
//! `tokio` case, and the time criterion reports is per operation (lock +
//! unlock, round trip, item), see `benches/common/harness.rs`.
//!
//! ```text
//! cargo bench --bench sync                            # every case
//! cargo bench --bench sync -- mutex                   # only cases whose name matches
//! cargo bench --bench sync -- ping_pong/seedloop      # one case
//! cargo bench --bench sync -- --test                  # smoke run: every case once (CI)
//! cargo bench --bench sync -- --output-format bencher # one line per case (median)
//! ```
//!
//! seedloop runs with the `Random` strategy (switch points included: a
//! quarter of the operations that could proceed at once yield first) and the
//! fingerprint on; tokio runs on its current-thread runtime. The runtime is
//! built and dropped outside the timing.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seedloop::{Sim, Strategy};

#[path = "common/harness.rs"]
mod harness;
use harness::per_item;

fn sim(seed: u64) -> Sim {
    Sim::builder()
        .seed(seed)
        .strategy(Strategy::Random)
        .step_limit(u64::MAX)
        .build()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

/// Times `body` on a fresh `Sim` of `seed`, the `Sim` built outside.
fn on_seedloop<F: Future<Output = ()> + 'static>(seed: u64, body: F) -> Duration {
    let mut sim = sim(seed);
    let start = Instant::now();
    sim.block_on(body);
    start.elapsed()
}

/// Times `body` on a fresh tokio runtime, the runtime built outside.
fn on_tokio<F: Future<Output = ()>>(body: F) -> Duration {
    let rt = tokio_rt();
    let start = Instant::now();
    rt.block_on(body);
    start.elapsed()
}

/// `mutex_uncontended`: 1,000,000 lock + unlock in one task; per lock.
fn mutex_uncontended(c: &mut Criterion) {
    let n = 1_000_000;
    let mut group = harness::group(c, "mutex_uncontended");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                on_seedloop(seed, async move {
                    let m = seedloop::sync::Mutex::new(0u64);
                    for _ in 0..n {
                        *m.lock().await += 1;
                    }
                    assert_eq!(*m.lock().await, n as u64);
                })
            })
        })
    });
    let mut runs = 0;
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, n, |_| {
                on_tokio(async move {
                    let m = tokio::sync::Mutex::new(0u64);
                    for _ in 0..n {
                        *m.lock().await += 1;
                    }
                    assert_eq!(*m.lock().await, n as u64);
                })
            })
        })
    });
    group.finish();
}

/// `mutex_contended`: 8 tasks each take the lock 100,000 times, yield
/// while holding it, release; per lock (800,000 in all).
fn mutex_contended(c: &mut Criterion) {
    let per_task = 100_000;
    let n = per_task * 8;
    let mut group = harness::group(c, "mutex_contended");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                on_seedloop(seed, async move {
                    let m = Rc::new(seedloop::sync::Mutex::new(0usize));
                    let tasks: Vec<_> = (0..8)
                        .map(|_| {
                            let m = m.clone();
                            seedloop::spawn(async move {
                                for _ in 0..per_task {
                                    let mut g = m.lock().await;
                                    *g += 1;
                                    seedloop::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                    assert_eq!(*m.lock().await, n);
                })
            })
        })
    });
    let mut runs = 0;
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, n, |_| {
                on_tokio(async move {
                    let m = Arc::new(tokio::sync::Mutex::new(0usize));
                    let tasks: Vec<_> = (0..8)
                        .map(|_| {
                            let m = m.clone();
                            tokio::spawn(async move {
                                for _ in 0..per_task {
                                    let mut g = m.lock().await;
                                    *g += 1;
                                    tokio::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                    assert_eq!(*m.lock().await, n);
                })
            })
        })
    });
    group.finish();
}

/// `ping_pong`: two tasks pass a token back and forth over two bounded(1)
/// channels, 1,000,000 round trips; per round trip.
fn ping_pong(c: &mut Criterion) {
    let n = 1_000_000;
    let mut group = harness::group(c, "ping_pong");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                on_seedloop(seed, async move {
                    let (tx1, mut rx1) = seedloop::sync::mpsc::channel::<u64>(1);
                    let (tx2, mut rx2) = seedloop::sync::mpsc::channel::<u64>(1);
                    let echo = seedloop::spawn(async move {
                        while let Some(v) = rx1.recv().await {
                            if tx2.send(v + 1).await.is_err() {
                                break;
                            }
                        }
                    });
                    for i in 0..n as u64 {
                        tx1.send(i).await.unwrap();
                        assert_eq!(rx2.recv().await, Some(i + 1));
                    }
                    drop(tx1);
                    echo.await.unwrap();
                })
            })
        })
    });
    let mut runs = 0;
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, n, |_| {
                on_tokio(async move {
                    let (tx1, mut rx1) = tokio::sync::mpsc::channel::<u64>(1);
                    let (tx2, mut rx2) = tokio::sync::mpsc::channel::<u64>(1);
                    let echo = tokio::spawn(async move {
                        while let Some(v) = rx1.recv().await {
                            if tx2.send(v + 1).await.is_err() {
                                break;
                            }
                        }
                    });
                    for i in 0..n as u64 {
                        tx1.send(i).await.unwrap();
                        assert_eq!(rx2.recv().await, Some(i + 1));
                    }
                    drop(tx1);
                    echo.await.unwrap();
                })
            })
        })
    });
    group.finish();
}

/// `queue_throughput`: a producer and a consumer move 1,000,000 items
/// through a bounded(128) buffer: seedloop's asyncio-style `Queue`
/// (`seedloop_queue`) beside its `mpsc` (`seedloop_mpsc`) and tokio's
/// `mpsc` (`tokio_mpsc`); per item, and in items per second (thrpt).
fn queue_throughput(c: &mut Criterion) {
    let n = 1_000_000;
    let expected = (n as u64 - 1) * n as u64 / 2;
    let mut group = harness::group(c, "queue_throughput");
    group.throughput(Throughput::Elements(1));
    let mut seed = 0;
    group.bench_function("seedloop_queue", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                on_seedloop(seed, async move {
                    let q = seedloop::queue::Queue::new(128);
                    let consumer = {
                        let q = q.clone();
                        seedloop::spawn(async move {
                            let mut sum = 0u64;
                            for _ in 0..n {
                                sum += q.get().await.unwrap();
                            }
                            sum
                        })
                    };
                    for i in 0..n as u64 {
                        q.put(i).await.unwrap();
                    }
                    assert_eq!(consumer.await.unwrap(), expected);
                })
            })
        })
    });
    let mut seed = 0;
    group.bench_function("seedloop_mpsc", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                on_seedloop(seed, async move {
                    let (tx, mut rx) = seedloop::sync::mpsc::channel::<u64>(128);
                    let consumer = seedloop::spawn(async move {
                        let mut sum = 0u64;
                        while let Some(v) = rx.recv().await {
                            sum += v;
                        }
                        sum
                    });
                    for i in 0..n as u64 {
                        tx.send(i).await.unwrap();
                    }
                    drop(tx);
                    assert_eq!(consumer.await.unwrap(), expected);
                })
            })
        })
    });
    let mut runs = 0;
    group.bench_function("tokio_mpsc", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, n, |_| {
                on_tokio(async move {
                    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(128);
                    let consumer = tokio::spawn(async move {
                        let mut sum = 0u64;
                        while let Some(v) = rx.recv().await {
                            sum += v;
                        }
                        sum
                    });
                    for i in 0..n as u64 {
                        tx.send(i).await.unwrap();
                    }
                    drop(tx);
                    assert_eq!(consumer.await.unwrap(), expected);
                })
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = sync;
    config = harness::config();
    targets = ping_pong, mutex_uncontended, mutex_contended, queue_throughput
}
criterion_main!(sync);
