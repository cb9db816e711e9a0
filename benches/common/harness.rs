//! What the criterion benchmarks here share: their configuration, and the
//! timing of a workload of many items as time per item. Shared with
//! `#[path]` by `runtime.rs`, `sync.rs`, `explore.rs` and `net.rs`.
//!
//! Every case is a whole workload (100,000 tasks, 1,000,000 round trips, a
//! sweep of 200,000 seeds...) run many times. Each run times the same span
//! of it as the old hand-rolled loops did (`Instant` around the part that
//! is measured, the setup and teardown outside), and the case hands
//! criterion the sum of those spans divided by the number of items: what
//! criterion reports as "time per iteration" is then the time per item
//! (per task, message, round trip, seed or run), as in the old tables. Each
//! run takes the next seed of its case (0, 1, 2, ... in this process,
//! warm-up runs included), as the old loops gave repetition `r` seed `r`.
//!
//! The defaults below (10 samples, 1 s of warm-up, 3 s of measurement per
//! case, flat sampling) suit workloads of milliseconds to a second; the
//! command line overrides them (`--sample-size`, `--warm-up-time`,
//! `--measurement-time`).
#![allow(dead_code)]

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

/// The configuration of every criterion benchmark here.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

/// A group of the cases of one workload (`spawn_join`, with `seedloop` and
/// `tokio` in it), sampled flat: every sample runs the workload the same
/// number of times, which is what a workload of milliseconds needs.
pub fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat);
    group
}

/// The body of criterion's `iter_custom` for a workload of `items` items:
/// `iters` runs of `run(seed)`, each returning the time of its measured
/// span, with the seeds `*next`, `*next + 1`, ...; returns the sum divided
/// by `items` (rounded to the nanosecond; criterion then divides by
/// `iters`, so the rounding is at most half a nanosecond over all runs).
pub fn per_item(
    next: &mut u64,
    iters: u64,
    items: usize,
    mut run: impl FnMut(u64) -> Duration,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        total += run(*next);
        *next += 1;
    }
    Duration::from_nanos((total.as_nanos() as f64 / items as f64).round() as u64)
}
