//! Harness benchmark (issue 5): how many seeds per second a sweep runs, how
//! it scales with `jobs`, and what shrinking a long failing tape costs.
//!
//! ```text
//! cargo bench --bench explore                # every case: sweeps 5 times (medians), 5 shrinks per bug
//! cargo bench --bench explore -- sweep       # only cases whose name contains "sweep"
//! cargo bench --bench explore -- --quick     # 1 repetition, 10x fewer seeds, 2 shrinks per bug
//! ```
//!
//! There is no peer for the harness itself: loom and shuttle explore thread
//! schedules of code written against their own primitives, so this body
//! cannot run on them unchanged, and neither shrinks a tape of choices like
//! this. What is compared, in the same run, is the cost of a fresh runtime
//! per test case elsewhere: the same
//! 10-task body on a fresh tokio current-thread runtime per iteration (as
//! `#[tokio::test]` builds one), on 1 and 2 threads. The same body on a bare
//! `Sim::new(seed)` + `block_on` loop (no explorer) shows the explorer's own
//! overhead.
//!
//! Wall-clock time (`std::time::Instant`) is what is measured here.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use seedloop::explore::{Explorer, Failure};
use seedloop::{Sim, Strategy, Tape};

#[path = "common/opts.rs"]
mod opts;
use opts::Opts;

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
// Case 1: the 10-task test, swept.

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

/// Who runs the 10-task test in the sweep case.
#[derive(Clone, Copy, PartialEq)]
enum Runner {
    Explorer,
    Bare,
    Tokio,
}

impl Runner {
    fn label(self) -> &'static str {
        match self {
            Runner::Explorer => "Explorer .jobs(threads)",
            Runner::Bare => "bare Sim::new + block_on",
            Runner::Tokio => "tokio, fresh runtime per case",
        }
    }

    /// One sweep of `n` cases on `threads` threads; `rep` picks the seeds.
    fn sweep(self, n: u64, threads: usize, rep: u64) -> Duration {
        match self {
            Runner::Explorer => explorer_sweep(n, threads, rep),
            Runner::Bare => bare_sweep(n, threads, rep),
            Runner::Tokio => tokio_sweep(n, threads),
        }
    }
}

/// `Explorer::new(..).seeds(n).jobs(jobs).run(ten_tasks)`, whole.
fn explorer_sweep(n: u64, jobs: usize, rep: u64) -> Duration {
    let explorer = Explorer::new("bench::ten_tasks")
        .base_seed(rep * n)
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
fn bare_sweep(n: u64, threads: usize, rep: u64) -> Duration {
    on_threads(threads, |t, of| {
        let mut seed = rep * n + t;
        let end = (rep + 1) * n;
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

fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Case 1: seeds per second of the 10-task test, 1 and 2 jobs. The
/// repetitions are interleaved (each repetition runs every row once, the
/// 1- and 2-thread sweeps of a runner back to back), so that a burst of
/// load from another tenant of the VM hits one repetition of every row
/// rather than every repetition of one row; the scaling is the median of
/// the per-repetition ratios.
fn case_sweep(opts: &Opts) {
    let n = opts.items(200_000) as u64;
    let reps = opts.reps();
    // Warm-up: the first sweep of a process pays for page faults and the
    // allocator growing its arenas; it would flatter whatever runs second.
    explorer_sweep(n / 4, 2, 0);
    let runners = [Runner::Explorer, Runner::Bare, Runner::Tokio];
    // times[runner][threads - 1][rep], in seconds per sweep
    let mut times = vec![[Vec::new(), Vec::new()]; runners.len()];
    for rep in 0..reps {
        for (r, runner) in runners.iter().enumerate() {
            for threads in [1, 2] {
                let wall = runner.sweep(n, threads, rep as u64 + 1);
                times[r][threads - 1].push(wall.as_secs_f64());
            }
        }
    }
    println!("sweep: the 10-task test, {n} seeds, median of {reps} (interleaved)");
    println!(
        "{:<32} {:>7} {:>12} {:>9} {:>13} {:>10}",
        "runner", "threads", "seeds/s", "us/seed", "seeds/s/core", "x 1 thread"
    );
    let mut per_sec = vec![[0.0; 2]; runners.len()];
    let mut scaling = vec![0.0; runners.len()];
    for (r, runner) in runners.iter().enumerate() {
        scaling[r] = median_of(
            times[r][0]
                .iter()
                .zip(&times[r][1])
                .map(|(one, two)| one / two)
                .collect(),
        );
        for threads in [1, 2] {
            let secs = median_of(times[r][threads - 1].clone());
            let rate = n as f64 / secs;
            per_sec[r][threads - 1] = rate;
            println!(
                "{:<32} {:>7} {:>12.0} {:>9.2} {:>13.0} {:>10.2}",
                runner.label(),
                threads,
                rate,
                secs * 1e6 / n as f64,
                rate / threads as f64,
                if threads == 1 { 1.0 } else { scaling[r] },
            );
        }
    }
    let us = |rate: f64| 1e6 / rate;
    let (explorer, bare) = (per_sec[0][0], per_sec[1][0]);
    println!(
        "explorer overhead per seed: {:.2} us ({:.0} % of the bare run)",
        us(explorer) - us(bare),
        (us(explorer) / us(bare) - 1.0) * 100.0
    );
    println!(
        "target: >= 100,000 seeds/s per core ({}), near-linear with jobs: x{:.2} on 2 jobs ({})",
        verdict(explorer >= 100_000.0 && per_sec[0][1] / 2.0 >= 100_000.0),
        scaling[0],
        verdict(scaling[0] >= 1.7),
    );
}

// ---------------------------------------------------------------------------
// Case 2: shrinking the ~50,000-choice tape of a planted bug.

/// Tasks of the planted bug.
const BUG_TASKS: usize = 10;
/// Yields per task: the tape of a run is about `BUG_TASKS * BUG_ITERS` choices.
const BUG_ITERS: usize = 5_000;
/// The `resync` variant's barrier period, in iterations.
const RESYNC_EVERY: usize = 100;

/// The planted bug: 10 tasks yield 5,000 times each; once, at an iteration
/// of its own, each does a read-yield-write increment of a shared counter.
/// The iterations are a few apart (see [`spacing`]), so in lockstep (`Fifo`,
/// the all-zero tape) the increments never overlap; a random schedule lets
/// the tasks drift apart and two of them may overlap: a lost update, caught
/// by main's check after joining everything, so the failing run's tape is
/// the whole run (about 50,000 choices).
///
/// Without `resync`, the drift accumulates from the start, so a couple of
/// choices at the very beginning of the tape suffice to make two increments
/// overlap (an easy shrink). With `resync`, the tasks meet at a `Barrier`
/// every 100 iterations, which cancels the drift: the choices that matter
/// lie in the middle of the tape, after the barrier of iteration 2,500 and
/// before the increments (iterations 2,550-2,586). But the order in which
/// the tasks leave a barrier is the order in which they reached it, so the
/// whole prefix still shapes how the later choices (positions in the ready
/// queue) are read: a harder shrink.
async fn planted_bug(resync: bool) {
    let counter = Rc::new(Cell::new(0usize));
    let barrier = Rc::new(seedloop::sync::Barrier::new(BUG_TASKS));
    let handles: Vec<_> = (0..BUG_TASKS)
        .map(|i| {
            let counter = counter.clone();
            let barrier = barrier.clone();
            seedloop::spawn(async move {
                let critical = BUG_ITERS / 2 + RESYNC_EVERY / 2 + spacing(resync) * i;
                for it in 0..BUG_ITERS {
                    if resync && it % RESYNC_EVERY == 0 {
                        barrier.wait().await;
                    }
                    if it == critical {
                        let seen = counter.get();
                        seedloop::task::yield_now().await;
                        counter.set(seen + 1);
                    }
                    seedloop::task::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(counter.get(), BUG_TASKS, "lost update");
}

/// How many iterations apart the increments of consecutive tasks are: 2
/// (4 with the barrier, which would otherwise fail every seed: after a
/// barrier the tasks leave in arrival order, not in spawn order).
fn spacing(resync: bool) -> usize {
    if resync { 4 } else { 2 }
}

/// One quiet run of the planted bug: (failed, tape length).
fn planted_run(resync: bool, seed: u64, strategy: Strategy) -> (bool, usize) {
    let mut sim = Sim::builder()
        .seed(seed)
        .strategy(strategy)
        .print_panics(false)
        .build();
    let failed = sim.try_block_on(planted_bug(resync)).is_err();
    (failed, sim.tape().len())
}

/// The figures in `Failure`'s line "shrunk: tape of N choices -> K non-zero
/// choices (R re-runs)", as (N, K, R).
fn shrink_figures(failure: &Failure) -> (u64, u64, u64) {
    let text = failure.to_string();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("shrunk: tape of "))
        .unwrap_or_else(|| panic!("no shrink line in:\n{text}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().expect("a number"))
        .collect();
    assert!(numbers.len() >= 3, "unexpected shrink line: {line}");
    (numbers[0], numbers[1], numbers[2])
}

/// The 1-based iteration in "failed at seed 0x.. (iteration I of N".
fn found_at(failure: &Failure) -> u64 {
    let text = failure.to_string();
    let after = text
        .split_once("(iteration ")
        .unwrap_or_else(|| panic!("no iteration in:\n{text}"))
        .1;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("an iteration number")
}

/// One shrink, timed: (N, K, R, shrunk tape, shrink time).
struct Shrink {
    seed: u64,
    original: u64,
    nonzero: u64,
    reruns: u64,
    tape: Tape,
    time: Duration,
}

/// Shrinks the failure of `seed` with the default budget (2,000 re-runs).
/// The time is that of the sweep of this one seed with shrinking minus the
/// same sweep without (both include the determinism check and the run).
fn shrink_seed(name: &str, resync: bool, seed: u64) -> Shrink {
    let one_seed = || Explorer::new(name).base_seed(seed).seeds(1).jobs(1);
    let body = move || planted_bug(resync);
    let start = Instant::now();
    let failure = one_seed()
        .shrink_budget(0)
        .run(body)
        .expect_err("the seed fails");
    let unshrunk = start.elapsed();
    black_box(failure);
    let start = Instant::now();
    let failure = one_seed().run(body).expect_err("the seed fails");
    let shrunk = start.elapsed();
    let (original, nonzero, reruns) = shrink_figures(&failure);

    // The shrunk tape replays the same failure in a plain simulation.
    let tape: Tape = failure.tape().clone();
    let mut sim = Sim::builder()
        .seed(seed)
        .strategy(Strategy::Replay(tape.clone()))
        .print_panics(false)
        .build();
    let err = sim
        .try_block_on(planted_bug(resync))
        .expect_err("the shrunk tape fails");
    assert!(err.to_string().contains("lost update"), "{err}");
    Shrink {
        seed,
        original,
        nonzero,
        reruns,
        tape,
        time: shrunk.saturating_sub(unshrunk),
    }
}

/// Case 2: find the planted bug with `Random`, then shrink the failures of
/// the first few failing seeds (the shrink's work depends on the tape, so
/// one seed is not enough to say what a shrink costs).
fn case_shrink(opts: &Opts, resync: bool) {
    let variant = if resync { "resync" } else { "prefix" };
    let name = format!("bench::planted_{variant}");
    let shrinks = if opts.quick { 2 } else { 5 };

    // How often the bug shows under `Random`, and how long its tapes are.
    let sample = (opts.items(200) as u64).max(20);
    let start = Instant::now();
    let runs: Vec<(bool, usize)> = (0..sample)
        .map(|seed| planted_run(resync, seed, Strategy::Random))
        .collect();
    let per_run = start.elapsed() / sample as u32;
    let failing: Vec<(u64, usize)> = (0..sample)
        .zip(&runs)
        .filter(|(_, r)| r.0)
        .map(|(seed, r)| (seed, r.1))
        .collect();
    let (fifo_failed, fifo_len) = planted_run(resync, 0, Strategy::Fifo);
    assert!(!fifo_failed, "the all-zero schedule must pass");
    assert!(!failing.is_empty(), "no failing seed among {sample}");
    let lens = || failing.iter().map(|f| f.1);
    println!(
        "shrink_{variant}: planted lost update ({BUG_TASKS} tasks x {BUG_ITERS} yields, increments {} iterations apart{})",
        spacing(resync),
        if resync {
            ", a barrier every 100 iterations"
        } else {
            ""
        }
    );
    println!(
        "  Random fails on {} of {sample} seeds ({:.0} %); failing tapes {}..{} choices (mean {}); \
         Fifo passes ({fifo_len} choices); one run {:.2} ms",
        failing.len(),
        failing.len() as f64 * 100.0 / sample as f64,
        lens().min().unwrap_or(0),
        lens().max().unwrap_or(0),
        lens().sum::<usize>() / failing.len(),
        per_run.as_secs_f64() * 1e3,
    );

    // Find it with a sweep, not shrinking.
    let start = Instant::now();
    let failure = Explorer::new(&name)
        .seeds(10_000)
        .jobs(1)
        .shrink_budget(0)
        .run(move || planted_bug(resync))
        .expect_err("the planted bug is found");
    let find = start.elapsed();
    assert_eq!(
        failure.seed(),
        failing[0].0,
        "the explorer runs what Sim::new runs"
    );
    println!(
        "  found by Explorer .jobs(1) at iteration {} (seed {:#x}) in {:.1} ms",
        found_at(&failure),
        failure.seed(),
        find.as_secs_f64() * 1e3
    );

    // Shrink the first few failing seeds.
    println!(
        "  {:>6} {:>8} {:>9} {:>12} {:>8} {:>9} {:>11}",
        "seed", "choices", "non-zero", "shrunk len", "re-runs", "ms", "ms/re-run"
    );
    let mut done: Vec<Shrink> = Vec::new();
    for &(seed, _) in failing.iter().take(shrinks) {
        let s = shrink_seed(&name, resync, seed);
        println!(
            "  {:>#6x} {:>8} {:>9} {:>12} {:>8}{} {:>9.0} {:>11.2}",
            s.seed,
            s.original,
            s.nonzero,
            s.tape.len(),
            s.reruns,
            if s.reruns >= 2000 { "*" } else { " " },
            s.time.as_secs_f64() * 1e3,
            s.time.as_secs_f64() * 1e3 / s.reruns.max(1) as f64,
        );
        done.push(s);
    }
    let mut times: Vec<Duration> = done.iter().map(|s| s.time).collect();
    times.sort();
    let mut reruns: Vec<u64> = done.iter().map(|s| s.reruns).collect();
    reruns.sort();
    let mut nonzero: Vec<u64> = done.iter().map(|s| s.nonzero).collect();
    nonzero.sort();
    let exhausted = done.iter().filter(|s| s.reruns >= 2000).count();
    println!(
        "  median of {}: {:.0} ms, {} re-runs, {} non-zero choices left; {exhausted} of {} spent the whole \
         budget of 2,000 re-runs (*)",
        done.len(),
        times[times.len() / 2].as_secs_f64() * 1e3,
        reruns[reruns.len() / 2],
        nonzero[nonzero.len() / 2],
        done.len(),
    );
    if let Some(best) = done.iter().min_by_key(|s| (s.nonzero, s.tape.len())) {
        println!(
            "  simplest shrunk tape (seed {:#x}): {}",
            best.seed,
            abbreviated(&best.tape.to_string(), 120)
        );
    }
}

fn abbreviated(s: &str, max: usize) -> String {
    if s.len() <= max {
        s.to_string()
    } else {
        format!("{}... ({} chars)", &s[..max], s.len())
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn main() {
    let opts = Opts::from_args();
    let quick = match opts.quick {
        true => " (quick: 10x fewer seeds, 1 repetition)",
        false => "",
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("seedloop harness benchmark, {cores} core(s){quick}\n");
    if opts.wants("sweep") {
        case_sweep(&opts);
        println!();
    }
    for (case, resync) in [("shrink_prefix", false), ("shrink_resync", true)] {
        if opts.wants(case) {
            case_shrink(&opts, resync);
            println!();
        }
    }
    let extra = match opts.args.is_empty() {
        true => String::new(),
        false => format!(" -- {}", opts.args.join(" ")),
    };
    println!("command: cargo bench --bench explore{extra}");
}
