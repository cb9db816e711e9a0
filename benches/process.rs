//! Benchmarks of simulated subprocesses (`seedloop::process`, layer 5b),
//! on criterion: the time criterion reports is per child (per task for
//! the `seedloop-task` floor), see `benches/common/harness.rs`. Beside
//! them, in the same run, the two figures a child is read against: a bare
//! `seedloop::spawn` + join (what a child costs on top of), and a real
//! `fork`/`exec` of `true` through `tokio::process` (for context).
//!
//! ```text
//! cargo bench --bench process                            # every case
//! cargo bench --bench process -- spawn_wait              # only cases whose name matches
//! cargo bench --bench process -- spawn_wait/seedloop     # one case
//! cargo bench --bench process -- --test                  # smoke run: every case once (CI)
//! cargo bench --bench process -- --output-format bencher # one line per case (median)
//! ```
//!
//! seedloop runs with its defaults (the `Random` strategy, no start
//! latency, the fingerprint on, no trace kept). Each run builds its `Sim`
//! outside the timing and registers its program inside `block_on`, before
//! the `Instant` is read: what is timed is the loop of spawns and waits
//! alone.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::AsyncWriteExt;
use seedloop::Sim;
use seedloop::process::{self, Command};

#[path = "common/harness.rs"]
mod harness;
use harness::per_item;

/// Children (or tasks) per run of the seedloop cases.
const CHILDREN: usize = 10_000;
/// Real processes per run of `spawn_wait/tokio-real-process`: each is a
/// `fork` and an `exec`, several hundred times a simulated child.
const REAL_CHILDREN: usize = 50;
/// What the program of `output_16b` writes to its stdout.
const OUTPUT: &[u8; 16] = b"sixteen bytes!!\n";

fn sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).build()
}

/// `true`, simulated: exits with 0 at its first poll.
fn register_true() {
    process::register("true", |_| async { 0 });
}

/// `spawn_wait`: spawn a child of `true` and wait for it, 10,000 times one
/// after the other, in one `Sim` run (`seedloop`); per child. Against it,
/// `tokio-real-process`: `tokio::process::Command::new("true")`, spawned
/// and waited 50 times per run on a current-thread runtime, a real
/// `fork`/`exec`/`wait` each.
fn spawn_wait(c: &mut Criterion) {
    let mut group = harness::group(c, "spawn_wait");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, CHILDREN, |seed| {
                sim(seed).block_on(async {
                    register_true();
                    let start = Instant::now();
                    for _ in 0..CHILDREN {
                        let mut child = Command::new("true").spawn().unwrap();
                        let status = child.wait().await.unwrap();
                        assert!(status.success(), "true exited with {status}");
                    }
                    start.elapsed()
                })
            })
        })
    });
    let mut runs = 0;
    group.bench_function("tokio-real-process", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, REAL_CHILDREN, |_| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..REAL_CHILDREN {
                        let mut child = tokio::process::Command::new("true")
                            .spawn()
                            .expect("spawn true");
                        let status = child.wait().await.expect("wait for true");
                        assert!(status.success(), "true exited with {status}");
                    }
                    start.elapsed()
                })
            })
        })
    });
    group.finish();
}

/// `spawn_then_wait_all`: spawn 10,000 children of `true`, then wait for
/// each in spawn order; per child. They all live at once, so the random
/// schedule picks among up to 10,000 ready tasks (the `spawn_join`
/// workload of `benches/runtime.rs`, in processes).
fn spawn_then_wait_all(c: &mut Criterion) {
    let mut group = harness::group(c, "spawn_then_wait_all");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, CHILDREN, |seed| {
                sim(seed).block_on(async {
                    register_true();
                    let start = Instant::now();
                    let children: Vec<_> = (0..CHILDREN)
                        .map(|_| Command::new("true").spawn().unwrap())
                        .collect();
                    for mut child in children {
                        let status = child.wait().await.unwrap();
                        assert!(status.success(), "true exited with {status}");
                    }
                    start.elapsed()
                })
            })
        })
    });
    group.finish();
}

/// `output_16b`: `Command::output` of a program that writes 16 bytes to
/// its stdout (piped, as `output` sets it; stderr piped and empty, stdin
/// null), 10,000 times one after the other; per child, the pipes, the
/// write and the reads to EOF included.
fn output_16b(c: &mut Criterion) {
    let mut group = harness::group(c, "output_16b");
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, CHILDREN, |seed| {
                sim(seed).block_on(async {
                    process::register("say16", |ctx| async move {
                        match ctx.stdout().write_all(OUTPUT).await {
                            Ok(()) => 0,
                            Err(_) => 1,
                        }
                    });
                    let start = Instant::now();
                    for _ in 0..CHILDREN {
                        let out = Command::new("say16").output().await.unwrap();
                        assert!(out.status.success(), "say16 exited with {}", out.status);
                        assert_eq!(out.stdout, OUTPUT);
                        assert!(out.stderr.is_empty());
                    }
                    start.elapsed()
                })
            })
        })
    });
    group.finish();
}

/// `spawn_join/seedloop-task`: `seedloop::spawn` of a task that returns 0
/// at once and the await of its `JoinHandle`, 10,000 times one after the
/// other: the floor `spawn_wait/seedloop` costs on top of (a child's
/// program is such a task).
fn spawn_join(c: &mut Criterion) {
    let mut group = harness::group(c, "spawn_join");
    let mut seed = 0;
    group.bench_function("seedloop-task", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, CHILDREN, |seed| {
                sim(seed).block_on(async {
                    let start = Instant::now();
                    for _ in 0..CHILDREN {
                        let code = seedloop::spawn(async { 0i32 }).await.unwrap();
                        assert_eq!(code, 0);
                    }
                    start.elapsed()
                })
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = process_benches;
    config = harness::config();
    targets = spawn_wait, spawn_then_wait_all, output_16b, spawn_join
}
criterion_main!(process_benches);
