//! Running a bug of the suite under seedloop, as `benches/exploration.rs`
//! does: one sweep = one `Explorer` of at most N seeds from a base seed, on
//! one thread, stopped by the first failure; no shrinking (it does not
//! change the iteration at which the failure was found).

use seedloop::Strategy;
use seedloop::explore::Explorer;

use crate::suite::Bug;

fn explorer(name: String, strategy: &Strategy, base_seed: u64, seeds: u64) -> Explorer {
    Explorer::new(name)
        .strategy(strategy.clone())
        .base_seed(base_seed)
        .seeds(seeds)
        .jobs(1)
        .shrink_budget(0)
}

/// One sweep of the buggy program: `Ok(Some(iteration))` when it failed as
/// the bug's `Cause` says, `Ok(None)` when every seed passed, `Err` with the
/// report when it failed some other way.
pub fn sweep(
    bug: &Bug,
    strategy: &Strategy,
    base_seed: u64,
    seeds: u64,
) -> Result<Option<u64>, String> {
    match explorer(format!("bugs::{}", bug.name), strategy, base_seed, seeds).run(bug.buggy) {
        Ok(_) => Ok(None),
        Err(failure) if bug.cause.matches(failure.error()) => Ok(Some(
            failure
                .iteration()
                .expect("a sweep's failure has its iteration")
                + 1,
        )),
        Err(failure) => Err(failure.to_string()),
    }
}

/// Runs the fixed program for `seeds` seeds (for the cost table); how many ran.
pub fn run_fixed(bug: &Bug, strategy: &Strategy, seeds: u64) -> u64 {
    match explorer(format!("bugs::{}::fixed", bug.name), strategy, 0, seeds).run(bug.fixed) {
        Ok(report) => report.iterations(),
        Err(failure) => panic!(
            "{}: the fixed program failed under seedloop:\n{failure}",
            bug.name
        ),
    }
}
