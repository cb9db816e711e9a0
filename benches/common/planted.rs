//! The planted bug whose ~50,000-choice tape the shrink benchmarks shrink:
//! shared with `#[path]` by `explore.rs` (the time a shrink takes, on
//! criterion) and `shrink.rs` (what the shrink leaves: counts, no timing).
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;

use seedloop::explore::{Explorer, Failure};
use seedloop::{Sim, Strategy};

/// Tasks of the planted bug.
pub const BUG_TASKS: usize = 10;
/// Yields per task: the tape of a run is about `BUG_TASKS * BUG_ITERS` choices.
pub const BUG_ITERS: usize = 5_000;
/// The `resync` variant's barrier period, in iterations.
pub const RESYNC_EVERY: usize = 100;
/// Failing seeds shrunk per variant (the first ones, from seed 0 up).
pub const SHRINKS: usize = 5;
/// The seeds the sweep that finds the bug may run.
pub const FIND_SEEDS: u64 = 10_000;

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
pub async fn planted_bug(resync: bool) {
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
pub fn spacing(resync: bool) -> usize {
    if resync { 4 } else { 2 }
}

/// The variant's name: `prefix` or `resync`.
pub fn variant(resync: bool) -> &'static str {
    if resync { "resync" } else { "prefix" }
}

/// The test name the explorer reports for the variant.
pub fn test_name(resync: bool) -> String {
    format!("bench::planted_{}", variant(resync))
}

/// One quiet run of the planted bug: (failed, tape length).
pub fn planted_run(resync: bool, seed: u64, strategy: Strategy) -> (bool, usize) {
    let mut sim = Sim::builder()
        .seed(seed)
        .strategy(strategy)
        .print_panics(false)
        .build();
    let failed = sim.try_block_on(planted_bug(resync)).is_err();
    (failed, sim.tape().len())
}

/// The first `count` seeds, from 0 up, on which `Random` fails.
pub fn failing_seeds(resync: bool, count: usize) -> Vec<u64> {
    (0..FIND_SEEDS)
        .filter(|&seed| planted_run(resync, seed, Strategy::Random).0)
        .take(count)
        .collect()
}

/// The sweep that finds the bug: `FIND_SEEDS` seeds from the default base
/// seed, one job, no shrinking.
pub fn find(resync: bool) -> Failure {
    Explorer::new(test_name(resync))
        .seeds(FIND_SEEDS)
        .jobs(1)
        .shrink_budget(0)
        .run(move || planted_bug(resync))
        .expect_err("the planted bug is found")
}

/// The sweep of the one seed `seed`, shrinking its failure with
/// `shrink_budget` re-runs at most (`None`: the default budget, 2,000).
pub fn sweep_one(resync: bool, seed: u64, shrink_budget: Option<u64>) -> Failure {
    let mut explorer = Explorer::new(test_name(resync))
        .base_seed(seed)
        .seeds(1)
        .jobs(1);
    if let Some(budget) = shrink_budget {
        explorer = explorer.shrink_budget(budget);
    }
    explorer
        .run(move || planted_bug(resync))
        .expect_err("the seed fails")
}

/// Checks that the shrunk tape of `failure` replays the same failure in a
/// plain simulation.
pub fn check_replays(resync: bool, failure: &Failure) {
    let mut sim = Sim::builder()
        .seed(failure.seed())
        .strategy(Strategy::Replay(failure.tape().clone()))
        .print_panics(false)
        .build();
    let err = sim
        .try_block_on(planted_bug(resync))
        .expect_err("the shrunk tape fails");
    assert!(err.to_string().contains("lost update"), "{err}");
}
