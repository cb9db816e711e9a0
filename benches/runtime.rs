//! Runtime benchmark: seedloop against tokio's current-thread runtime with a
//! paused clock, both in this process, on criterion. Each workload is a
//! group with a `seedloop` and a `tokio` case; the time criterion reports
//! is per task (per simulation for `sim_lifecycle`), see
//! `benches/common/harness.rs`. Memory is `benches/memory.rs`.
//!
//! ```text
//! cargo bench --bench runtime                           # every case (about 10 samples each)
//! cargo bench --bench runtime -- sleep_random           # only cases whose name matches
//! cargo bench --bench runtime -- spawn_join/tokio       # one case
//! cargo bench --bench runtime -- --test                 # smoke run: every case once (CI)
//! cargo bench --bench runtime -- --output-format bencher  # one line per case (median)
//! ```
//!
//! Wall-clock time (`std::time::Instant`) is what is measured here; the
//! simulations themselves run in virtual time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use seedloop::{Sim, Strategy};

#[path = "common/harness.rs"]
mod harness;
#[path = "common/tokio_paused.rs"]
mod tokio_paused;
use harness::per_item;

/// Tasks of `spawn_join`, `spawn_join_fifo` and `sleep_random`.
const TASKS: usize = 100_000;
/// Simulations of `sim_lifecycle` per run, and tasks in each.
const SIMS: usize = 20_000;
const SIM_TASKS: u64 = 10;

fn seedloop_sim(seed: u64, strategy: Strategy) -> Sim {
    Sim::builder().seed(seed).strategy(strategy).build()
}

/// Sleep durations of `sleep_random`, in nanoseconds: 1 ms up to (not
/// including) 10 s.
const SLEEP_NANOS: std::ops::Range<u64> = 1_000_000..10_000_000_000;

/// Awaits every join handle in order and sums the outputs (either runtime).
macro_rules! join_sum {
    ($handles:expr) => {{
        let mut sum = 0;
        for h in $handles {
            sum += h.await.unwrap();
        }
        sum
    }};
}

/// `spawn_join`: spawn 100,000 tasks, then await every handle in order;
/// per task. `spawn_join_fifo` is the same work under `Fifo` (spawn
/// order), which separates the executor's own cost from the cache misses
/// of random order. The runtime is built and dropped outside the timing.
fn spawn_join(c: &mut Criterion) {
    let n = TASKS;
    let expected = (n as u64 - 1) * n as u64 / 2;
    for (name, strategy) in [
        ("spawn_join", Strategy::Random),
        ("spawn_join_fifo", Strategy::Fifo),
    ] {
        let mut group = harness::group(c, name);
        let mut seed = 0;
        group.bench_function("seedloop", |b| {
            b.iter_custom(|iters| {
                per_item(&mut seed, iters, n, |seed| {
                    let mut sim = seedloop_sim(seed, strategy.clone());
                    let start = Instant::now();
                    let sum = sim.block_on(async move {
                        let handles: Vec<_> = (0..n as u64)
                            .map(|i| seedloop::spawn(async move { i }))
                            .collect();
                        join_sum!(handles)
                    });
                    let elapsed = start.elapsed();
                    assert_eq!(sum, expected);
                    elapsed
                })
            })
        });
        let mut runs = 0;
        group.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                per_item(&mut runs, iters, n, |_| {
                    let rt = tokio_paused::runtime();
                    let start = Instant::now();
                    let sum = rt.block_on(async move {
                        let handles: Vec<_> = (0..n as u64)
                            .map(|i| tokio::spawn(async move { i }))
                            .collect();
                        join_sum!(handles)
                    });
                    let elapsed = start.elapsed();
                    assert_eq!(sum, expected);
                    elapsed
                })
            })
        });
        group.finish();
    }
}

/// `sleep_random`: 100,000 tasks each sleep a pseudo-random 1 ms..10 s,
/// then finish; per task.
fn sleep_random(c: &mut Criterion) {
    let n = TASKS;
    let mut group = harness::group(c, "sleep_random");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                let mut sim = seedloop_sim(seed, Strategy::Random);
                let start = Instant::now();
                sim.block_on(async move {
                    let handles: Vec<_> = (0..n)
                        .map(|_| {
                            let nanos = seedloop::rand::random_range(SLEEP_NANOS);
                            seedloop::spawn(seedloop::sleep(Duration::from_nanos(nanos)))
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
                let elapsed = start.elapsed();
                assert!(sim.elapsed() < Duration::from_nanos(SLEEP_NANOS.end));
                elapsed
            })
        })
    });
    let mut seed = 0;
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, n, |seed| {
                let rt = tokio_paused::runtime();
                // A 64-bit LCG (Knuth's MMIX constants); its high bits are the output.
                let mut x = seed;
                let mut next = move || {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    x >> 16
                };
                let start = Instant::now();
                rt.block_on(async move {
                    let span = SLEEP_NANOS.end - SLEEP_NANOS.start;
                    let handles: Vec<_> = (0..n)
                        .map(|_| {
                            let nanos = SLEEP_NANOS.start + next() % span;
                            tokio::spawn(tokio::time::sleep(Duration::from_nanos(nanos)))
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
                start.elapsed()
            })
        })
    });
    group.finish();
}

/// `sim_lifecycle`: create a runtime, run 10 tasks that yield once, drop
/// it, 20,000 times per run; per runtime, creation and drop included.
fn sim_lifecycle(c: &mut Criterion) {
    let sims = SIMS;
    let mut group = harness::group(c, "sim_lifecycle");
    let mut run = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut run, iters, sims, |run| {
                let start = Instant::now();
                for i in 0..sims as u64 {
                    let mut sim = seedloop_sim(run * sims as u64 + i, Strategy::Random);
                    let sum = sim.block_on(async {
                        let handles: Vec<_> = (0..SIM_TASKS)
                            .map(|t| {
                                seedloop::spawn(async move {
                                    seedloop::task::yield_now().await;
                                    t
                                })
                            })
                            .collect();
                        join_sum!(handles)
                    });
                    black_box(sum);
                    drop(sim);
                }
                start.elapsed()
            })
        })
    });
    let mut run = 0;
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            per_item(&mut run, iters, sims, |_| {
                let start = Instant::now();
                for _ in 0..sims {
                    let rt = tokio_paused::runtime();
                    let sum = rt.block_on(async {
                        let handles: Vec<_> = (0..SIM_TASKS)
                            .map(|t| {
                                tokio::spawn(async move {
                                    tokio::task::yield_now().await;
                                    t
                                })
                            })
                            .collect();
                        join_sum!(handles)
                    });
                    black_box(sum);
                    drop(rt);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = runtime;
    config = harness::config();
    targets = spawn_join, sleep_random, sim_lifecycle
}
criterion_main!(runtime);
