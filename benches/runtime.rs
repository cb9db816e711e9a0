//! Runtime benchmark: seedloop against tokio's current-thread runtime with a
//! paused clock. The timing cases run both in this process; the memory case
//! measures each runtime in a fresh child process.
//!
//! ```text
//! cargo bench --bench runtime                # every case, 5 repetitions, medians
//! cargo bench --bench runtime -- sleep       # only cases whose name contains "sleep"
//! cargo bench --bench runtime -- --quick     # 1 repetition, 10x fewer items
//! ```
//!
//! Wall-clock time (`std::time::Instant`) is what is measured here; the
//! simulations themselves run in virtual time. Memory is the growth of the
//! resident set read from `/proc/self/statm`, so the memory case is Linux only.

use std::future::pending;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use seedloop::{Sim, Strategy};
use tokio::runtime::Runtime;

#[path = "common/opts.rs"]
mod opts;
use opts::Opts;

const MIB: f64 = 1024.0 * 1024.0;
/// The memory target: this many parked tasks fit in `MEMORY_BUDGET` bytes.
const MEMORY_TASKS: usize = 1_000_000;
const MEMORY_BUDGET: f64 = 512.0 * MIB;

/// A timing case: runs both runtimes and gives its row.
type TimingCase = fn(&Opts) -> Row;

/// One row of the timing table (nanoseconds per item, medians).
struct Row {
    case: String,
    seedloop: f64,
    tokio: f64,
    target_ns: f64,
}

/// The median over `reps` runs of `run()`'s time divided by `items`.
fn median_ns(reps: usize, items: usize, mut run: impl FnMut(usize) -> Duration) -> f64 {
    let mut per_item: Vec<f64> = (0..reps)
        .map(|rep| run(rep).as_nanos() as f64 / items as f64)
        .collect();
    per_item.sort_by(f64::total_cmp);
    per_item[per_item.len() / 2]
}

fn seedloop_sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).strategy(Strategy::Random).build()
}

fn seedloop_fifo_sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).strategy(Strategy::Fifo).build()
}

fn tokio_rt() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}

/// Sleep durations of case 2, in nanoseconds: 1 ms up to (not including) 10 s.
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

/// Case 1: spawn `n` tasks, then await every handle in order.
fn case_spawn_join(opts: &Opts) -> Row {
    spawn_join_with(opts, "spawn_join", seedloop_sim)
}

/// Case 1 under `Fifo`: the same work in spawn order, which separates the
/// executor's own cost from the cache misses of random order.
fn case_spawn_join_fifo(opts: &Opts) -> Row {
    spawn_join_with(opts, "spawn_join_fifo", seedloop_fifo_sim)
}

fn spawn_join_with(opts: &Opts, name: &str, make: fn(u64) -> Sim) -> Row {
    let n = opts.items(100_000);
    let expected = (n as u64 - 1) * n as u64 / 2;
    let seedloop = median_ns(opts.reps(), n, |rep| {
        let mut sim = make(rep as u64);
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
    });
    let tokio = median_ns(opts.reps(), n, |_| {
        let rt = tokio_rt();
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
    });
    Row {
        case: format!("{name} ({n} tasks)"),
        seedloop,
        tokio,
        target_ns: 100.0,
    }
}

/// Case 2: `n` tasks each sleep a pseudo-random 1 ms..10 s, then finish.
fn case_sleep(opts: &Opts) -> Row {
    let n = opts.items(100_000);
    let seedloop = median_ns(opts.reps(), n, |rep| {
        let mut sim = seedloop_sim(rep as u64);
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
    });
    let tokio = median_ns(opts.reps(), n, |rep| {
        let rt = tokio_rt();
        // A 64-bit LCG (Knuth's MMIX constants); its high bits are the output.
        let mut x = rep as u64;
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
    });
    Row {
        case: format!("sleep_random ({n} tasks)"),
        seedloop,
        tokio,
        target_ns: 300.0,
    }
}

/// Case 3: create a runtime, run 10 tasks that yield once, drop it; per runtime.
fn case_sim_lifecycle(opts: &Opts) -> Row {
    const TASKS: u64 = 10;
    let sims = opts.items(20_000);
    let seedloop = median_ns(opts.reps(), sims, |rep| {
        let start = Instant::now();
        for i in 0..sims {
            let mut sim = seedloop_sim((rep * sims + i) as u64);
            let sum = sim.block_on(async {
                let handles: Vec<_> = (0..TASKS)
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
    });
    let tokio = median_ns(opts.reps(), sims, |_| {
        let start = Instant::now();
        for _ in 0..sims {
            let rt = tokio_rt();
            let sum = rt.block_on(async {
                let handles: Vec<_> = (0..TASKS)
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
    });
    Row {
        case: format!("sim_lifecycle ({sims} sims x {TASKS} tasks)"),
        seedloop,
        tokio,
        target_ns: 5_000.0,
    }
}

/// Tasks of the memory case that have been polled (the future captures nothing).
static POLLED: AtomicUsize = AtomicUsize::new(0);

async fn parked() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    pending::<()>().await;
}

/// Resident set size in bytes, from `/proc/self/statm` (pages of 4096 bytes).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages in /proc/self/statm");
    pages * 4096
}

/// Set in the child processes of case 4: `"<runtime> <tasks>"`.
const MEMORY_CHILD: &str = "SEEDLOOP_BENCH_MEMORY_CHILD";

/// Case 4: resident memory growth of `n` parked tasks, as (n, seedloop, tokio)
/// bytes. Each runtime is measured in a fresh child process (this binary
/// again), because freed heap memory is not returned to the OS: in-process,
/// one measurement would reuse the memory an earlier case left behind.
fn case_memory(opts: &Opts) -> (usize, u64, u64) {
    let n = opts.items(MEMORY_TASKS);
    let measure = |runtime: &str| -> u64 {
        let exe = std::env::current_exe().expect("path of the benchmark binary");
        let out = std::process::Command::new(exe)
            .env(MEMORY_CHILD, format!("{runtime} {n}"))
            .output()
            .expect("run the memory child process");
        assert!(
            out.status.success(),
            "memory child ({runtime}) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout.trim().parse().expect("bytes from the memory child")
    };
    (n, measure("seedloop"), measure("tokio"))
}

/// In a child process: spawn `n` parked tasks, poll each once, and return the
/// growth of the resident set; the runtime is dropped afterwards.
fn parked_rss_growth(runtime: &str, n: usize) -> u64 {
    POLLED.store(0, Ordering::Relaxed);
    let growth = match runtime {
        "seedloop" => {
            let mut sim = seedloop_sim(1);
            let before = rss_bytes();
            for _ in 0..n {
                drop(sim.spawn(parked())); // detached: the task stays parked
            }
            sim.run_until_stalled();
            let after = rss_bytes();
            assert_eq!(sim.live_tasks(), n);
            drop(sim);
            after.saturating_sub(before)
        }
        "tokio" => {
            let rt = tokio_rt();
            let before = rss_bytes();
            for _ in 0..n {
                drop(rt.spawn(parked()));
            }
            // Each yield lets the scheduler poll a batch of the spawned tasks.
            rt.block_on(async {
                while POLLED.load(Ordering::Relaxed) < n {
                    tokio::task::yield_now().await;
                }
            });
            let after = rss_bytes();
            drop(rt);
            after.saturating_sub(before)
        }
        other => panic!("unknown runtime {other:?}"),
    };
    assert_eq!(POLLED.load(Ordering::Relaxed), n, "every task polled once");
    growth
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn print_timing(rows: &[Row]) {
    println!(
        "{:<38} {:>17} {:>14} {:>9}  target",
        "case", "seedloop ns/item", "tokio ns/item", "ratio"
    );
    for r in rows {
        println!(
            "{:<38} {:>17.1} {:>14.1} {:>9.2}  <= {} ns ({})",
            r.case,
            r.seedloop,
            r.tokio,
            r.seedloop / r.tokio,
            r.target_ns,
            verdict(r.seedloop <= r.target_ns),
        );
    }
}

fn print_memory((n, seedloop, tokio): (usize, u64, u64)) {
    let per_task = |bytes: u64| bytes as f64 / n as f64;
    let projected = per_task(seedloop) * MEMORY_TASKS as f64;
    println!(
        "{:<38} {:>12} {:>7} {:>12} {:>7} {:>9}  target",
        "case", "seedloop MiB", "B/task", "tokio MiB", "B/task", "ratio"
    );
    println!(
        "{:<38} {:>12.1} {:>7.0} {:>12.1} {:>7.0} {:>9.2}  {}M tasks <= {} MiB ({})",
        format!("memory_parked ({n} tasks)"),
        seedloop as f64 / MIB,
        per_task(seedloop),
        tokio as f64 / MIB,
        per_task(tokio),
        seedloop as f64 / tokio as f64,
        MEMORY_TASKS / 1_000_000,
        MEMORY_BUDGET / MIB,
        verdict(projected <= MEMORY_BUDGET),
    );
}

fn main() {
    if let Ok(spec) = std::env::var(MEMORY_CHILD) {
        let (runtime, n) = spec.split_once(' ').expect("\"<runtime> <tasks>\"");
        let growth = parked_rss_growth(runtime, n.parse().expect("task count"));
        println!("{growth}");
        return;
    }
    let opts = Opts::from_args();
    let quick = match opts.quick {
        true => ", quick: 10x fewer items",
        false => "",
    };
    let reps = opts.reps();
    println!("seedloop vs tokio (current-thread, paused clock): median of {reps} run(s){quick}\n");
    let cases: [(&str, TimingCase); 4] = [
        ("spawn_join", case_spawn_join),
        ("spawn_join_fifo", case_spawn_join_fifo),
        ("sleep_random", case_sleep),
        ("sim_lifecycle", case_sim_lifecycle),
    ];
    let rows: Vec<Row> = cases
        .iter()
        .filter(|(name, _)| opts.wants(name))
        .map(|(_, case)| case(&opts))
        .collect();
    if !rows.is_empty() {
        print_timing(&rows);
        println!();
    }
    // Memory last, each runtime in a fresh process (see `case_memory`).
    if opts.wants("memory_parked") {
        print_memory(case_memory(&opts));
        println!();
    }
    let extra = match opts.args.is_empty() {
        true => String::new(),
        false => format!(" -- {}", opts.args.join(" ")),
    };
    println!("command: cargo bench --bench runtime{extra}");
}
