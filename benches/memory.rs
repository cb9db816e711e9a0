//! Memory benchmark: the resident memory that 1,000,000 parked tasks take
//! on seedloop and on tokio's current-thread runtime (paused clock), each
//! runtime measured in a fresh child process (this binary again). Not a
//! timing, so not on criterion: a plain program (`harness = false`).
//!
//! ```text
//! cargo bench --bench memory                 # 1,000,000 parked tasks per runtime
//! cargo bench --bench memory -- --quick      # 100,000 (CI)
//! ```
//!
//! Memory is the growth of the resident set read from `/proc/self/statm`,
//! so this benchmark is Linux only.

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};

use seedloop::{Sim, Strategy};

#[path = "common/child.rs"]
mod child;
#[path = "common/opts.rs"]
mod opts;
#[path = "common/tokio_paused.rs"]
mod tokio_paused;
use child::{rss_bytes, verdict};
use opts::Opts;

const MIB: f64 = 1024.0 * 1024.0;
/// The memory target: this many parked tasks fit in `MEMORY_BUDGET` bytes.
const MEMORY_TASKS: usize = 1_000_000;
const MEMORY_BUDGET: f64 = 512.0 * MIB;

fn seedloop_sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).strategy(Strategy::Random).build()
}

/// Tasks of the memory case that have been polled (the future captures nothing).
static POLLED: AtomicUsize = AtomicUsize::new(0);

async fn parked() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    pending::<()>().await;
}

/// Set in the child processes: `"<runtime> <tasks>"`.
const MEMORY_CHILD: &str = "SEEDLOOP_BENCH_MEMORY_CHILD";

/// `memory_parked`: resident memory growth of `n` parked tasks, as (n, seedloop, tokio)
/// bytes. Each runtime is measured in a fresh child process (this binary
/// again), because freed heap memory is not returned to the OS: in-process,
/// one measurement would reuse the memory an earlier case left behind.
fn case_memory(opts: &Opts) -> (usize, u64, u64) {
    let n = opts.items(MEMORY_TASKS);
    let measure = |runtime: &str| -> u64 {
        let stdout = child::run(MEMORY_CHILD, &format!("{runtime} {n}"));
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
            let rt = tokio_paused::runtime();
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
    if opts.quick {
        println!("quick: 10x fewer tasks\n");
    }
    if opts.wants("memory_parked") {
        print_memory(case_memory(&opts));
        println!();
    }
    let extra = match opts.args.is_empty() {
        true => String::new(),
        false => format!(" -- {}", opts.args.join(" ")),
    };
    println!("command: cargo bench --bench memory{extra}");
}
