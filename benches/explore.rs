//! Harness benchmark (issue 5), on criterion: how fast a sweep runs seeds,
//! on 1 and 2 threads, and what shrinking a long failing tape costs. The
//! time criterion reports is per seed for `sweep`, per run, sweep or shrink
//! for the shrink groups (see `benches/common/harness.rs`). What a shrink
//! leaves (re-runs, non-zero choices, shrunk length) is `benches/shrink.rs`.
//!
//! ```text
//! cargo bench --bench explore                          # every case
//! cargo bench --bench explore -- sweep                 # only cases whose name matches
//! cargo bench --bench explore -- sweep/explorer/2      # one case
//! cargo bench --bench explore -- --test                # smoke run: every case once (CI)
//! cargo bench --bench explore -- --output-format bencher # one line per case (median)
//! ```
//!
//! There is no peer for the harness itself: loom and shuttle explore thread
//! schedules of code written against their own primitives, so this body
//! cannot run on them unchanged, and neither shrinks a tape of choices like
//! this. What is compared, in the same run, is the cost of a fresh runtime
//! per test case elsewhere: the same 10-task body on a fresh tokio
//! current-thread runtime per iteration (as `#[tokio::test]` builds one),
//! on 1 and 2 threads (`sweep/tokio/1`, `sweep/tokio/2`). The same body on
//! a bare `Sim::new(seed)` + `block_on` loop (`sweep/bare/..`, no explorer)
//! shows the explorer's own overhead.
//!
//! Wall-clock time (`std::time::Instant`) is what is measured here.

use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use seedloop::explore::Explorer;
use seedloop::{Sim, Strategy};

#[path = "common/harness.rs"]
mod harness;
#[path = "common/planted.rs"]
mod planted;
use harness::per_item;

/// Seeds per sweep.
const SWEEP_SEEDS: u64 = 200_000;

/// Runs `run(thread, threads)` on `threads` OS threads (the calling thread
/// when there is one) and returns the wall time of the whole.
fn on_threads(threads: usize, run: impl Fn(u64, u64) + Sync) -> Duration {
    let start = Instant::now();
    if threads == 1 {
        run(0, 1);
    } else {
        std::thread::scope(|s| {
            for t in 0..threads {
                let run = &run;
                s.spawn(move || run(t as u64, threads as u64));
            }
        });
    }
    start.elapsed()
}

// ---------------------------------------------------------------------------
// `sweep`: the 10-task test, swept.

/// Tasks of the 10-task test.
const TASKS: u64 = 10;

/// The 10-task test: main spawns 10 tasks that each take a shared `Mutex`,
/// add to it, release it and yield once; main joins them and checks the sum.
async fn ten_tasks() {
    let total = Rc::new(seedloop::sync::Mutex::new(0u64));
    let handles: Vec<_> = (0..TASKS)
        .map(|t| {
            let total = total.clone();
            seedloop::spawn(async move {
                *total.lock().await += t;
                seedloop::task::yield_now().await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*total.lock().await, TASKS * (TASKS - 1) / 2);
}

/// The same body on tokio (`Arc`, because `tokio::spawn` needs `Send`).
async fn ten_tasks_tokio() {
    let total = Arc::new(tokio::sync::Mutex::new(0u64));
    let handles: Vec<_> = (0..TASKS)
        .map(|t| {
            let total = total.clone();
            tokio::spawn(async move {
                *total.lock().await += t;
                tokio::task::yield_now().await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*total.lock().await, TASKS * (TASKS - 1) / 2);
}

/// A fresh runtime per test case, as `#[tokio::test]` builds it (current
/// thread; time is the only driver the dev-dependency enables).
fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

/// `Explorer::new(..).seeds(n).jobs(jobs).run(ten_tasks)`, whole (the
/// determinism check and the report included); run `run` takes the seeds
/// `run * n ..`.
fn explorer_sweep(n: u64, jobs: usize, run: u64) -> Duration {
    let explorer = Explorer::new("bench::ten_tasks")
        .base_seed(run * n)
        .seeds(n)
        .jobs(jobs);
    let start = Instant::now();
    let report = explorer.run(ten_tasks).expect("the 10-task test passes");
    let wall = start.elapsed();
    assert_eq!(report.iterations(), n);
    black_box(report.distinct_fingerprints());
    wall
}

/// The same seeds on bare simulations: `Sim::new(seed)` + `block_on`.
fn bare_sweep(n: u64, threads: usize, run: u64) -> Duration {
    on_threads(threads, |t, of| {
        let mut seed = run * n + t;
        let end = (run + 1) * n;
        while seed < end {
            let mut sim = Sim::new(seed);
            sim.block_on(ten_tasks());
            black_box(sim.fingerprint());
            seed += of;
        }
    })
}

/// The same body, a fresh tokio runtime per iteration.
fn tokio_sweep(n: u64, threads: usize) -> Duration {
    on_threads(threads, |t, of| {
        let mut i = t;
        while i < n {
            let rt = tokio_rt();
            rt.block_on(ten_tasks_tokio());
            drop(rt);
            i += of;
        }
    })
}

/// `sweep`: the 10-task test on 200,000 seeds, on 1 and 2 threads; per
/// seed. `sweep/explorer/2` over `sweep/explorer/1` is the scaling with
/// `jobs`; `sweep/explorer/1` minus `sweep/bare/1` the explorer's overhead.
fn sweep(c: &mut Criterion) {
    let n = SWEEP_SEEDS;
    let mut group = harness::group(c, "sweep");
    type Sweep = fn(u64, usize, u64) -> Duration;
    let runners: [(&str, Sweep); 3] = [
        ("explorer", explorer_sweep),
        ("bare", bare_sweep),
        ("tokio", |n, threads, _| tokio_sweep(n, threads)),
    ];
    for (name, sweep) in runners {
        for threads in [1, 2] {
            let mut run = 0;
            group.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, &threads| {
                b.iter_custom(|iters| {
                    per_item(&mut run, iters, n as usize, |run| sweep(n, threads, run))
                })
            });
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// `shrink_prefix`, `shrink_resync`: shrinking the ~50,000-choice tape of
// the planted bug (`benches/common/planted.rs`).

/// For each variant of the planted bug, the group `shrink_<variant>`:
///
/// - `run`: one quiet run of the planted bug under `Random` (seeds 0, 1,
///   ...), failing or not; per run.
/// - `find`: the sweep that finds it, `Explorer::new(..).seeds(10_000)
///   .jobs(1).shrink_budget(0)`; per sweep.
/// - `shrink/<seed>`, for the first 5 failing seeds: the sweep of that one
///   seed with shrinking (the default budget, 2,000 re-runs) minus the same
///   sweep without (both include the determinism check and the run); per
///   shrink. The shrunk tape is checked to replay the failure (untimed).
///
/// The shrink's work depends on the tape, so one seed is not enough to say
/// what a shrink costs; how many re-runs each took is in `shrink.rs`.
fn shrink(c: &mut Criterion) {
    for resync in [false, true] {
        let mut group = harness::group(c, &format!("shrink_{}", planted::variant(resync)));
        let seeds = planted::failing_seeds(resync, planted::SHRINKS);
        assert!(!seeds.is_empty(), "no failing seed");
        let (fifo_failed, _) = planted::planted_run(resync, 0, Strategy::Fifo);
        assert!(!fifo_failed, "the all-zero schedule must pass");

        let mut seed = 0;
        group.bench_function("run", |b| {
            b.iter_custom(|iters| {
                per_item(&mut seed, iters, 1, |seed| {
                    let start = Instant::now();
                    black_box(planted::planted_run(resync, seed, Strategy::Random));
                    start.elapsed()
                })
            })
        });
        let mut runs = 0;
        group.bench_function("find", |b| {
            b.iter_custom(|iters| {
                per_item(&mut runs, iters, 1, |_| {
                    let start = Instant::now();
                    let failure = planted::find(resync);
                    let elapsed = start.elapsed();
                    assert_eq!(failure.seed(), seeds[0], "the explorer runs what Sim runs");
                    elapsed
                })
            })
        });
        for &seed in &seeds {
            let mut runs = 0;
            let id = BenchmarkId::new("shrink", format!("{seed:#x}"));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    per_item(&mut runs, iters, 1, |_| {
                        let start = Instant::now();
                        black_box(planted::sweep_one(resync, seed, Some(0)));
                        let unshrunk = start.elapsed();
                        let start = Instant::now();
                        let failure = planted::sweep_one(resync, seed, None);
                        let shrunk = start.elapsed();
                        planted::check_replays(resync, &failure);
                        shrunk.saturating_sub(unshrunk)
                    })
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = explore;
    config = harness::config();
    targets = sweep, shrink
}
criterion_main!(explore);
