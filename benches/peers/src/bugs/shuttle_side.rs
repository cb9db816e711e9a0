//! Running a port under shuttle: one sweep = one `Runner` with one scheduler
//! for at most N executions, stopped by the first failure.
//!
//! shuttle reports a failure by panicking out of `Runner::run`: the task's
//! own panic payload, or for a deadlock a `String` starting with
//! `"deadlock!"`. We catch it (`catch_unwind`), and an atomic counter bumped
//! at the start of every execution of the test closure says which 1-based
//! execution failed.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use shuttle::scheduler::{PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId};
use shuttle::{Config, FailurePersistence, Runner};

use crate::suite::Cause;

/// A shuttle scheduler, as the table names it.
#[derive(Clone, Copy)]
pub enum Sched {
    /// `RandomScheduler`: a uniformly random runnable thread at every
    /// scheduling point.
    Random,
    /// `PctScheduler` at this depth (depth - 1 priority change points).
    Pct(usize),
}

impl fmt::Display for Sched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sched::Random => write!(f, "random"),
            Sched::Pct(depth) => write!(f, "pct:{depth}"),
        }
    }
}

/// How a run of a port ended.
pub enum Outcome {
    /// Every execution passed; this many ran.
    Passed(u64),
    /// Execution `iteration` (1-based) failed with this panic message.
    Failed { iteration: u64, message: String },
}

/// Executions of the test closure since the current run began.
static EXECUTIONS: AtomicU64 = AtomicU64::new(0);

/// No failure persistence (no schedule printed or written), no warnings;
/// shuttle's default step bound (1,000,000 per execution).
fn config() -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.silence_warnings = true;
    config
}

/// Runs `test` under `scheduler` until it stops or an execution fails.
pub fn run(test: fn(), scheduler: impl Scheduler + 'static) -> Outcome {
    EXECUTIONS.store(0, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(move || {
            EXECUTIONS.fetch_add(1, Ordering::SeqCst);
            test();
        })
    }));
    let executions = EXECUTIONS.load(Ordering::SeqCst);
    match result {
        Ok(ran) => {
            assert_eq!(
                ran as u64, executions,
                "shuttle ran the closure {executions} times, said {ran}"
            );
            Outcome::Passed(executions)
        }
        Err(payload) => Outcome::Failed {
            iteration: executions,
            message: payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(a panic payload that is not a string)".to_string()),
        },
    }
}

/// One sweep of at most `iterations` executions from `seed`.
pub fn sweep(test: fn(), sched: Sched, seed: u64, iterations: usize) -> Outcome {
    match sched {
        Sched::Random => run(test, RandomScheduler::new_from_seed(seed, iterations)),
        Sched::Pct(depth) => run(test, PctScheduler::new_from_seed(seed, depth, iterations)),
    }
}

/// Whether shuttle's failure `message` is the failure `cause` describes.
pub fn matches(cause: Cause, message: &str) -> bool {
    match cause {
        Cause::Panic(text) => message.contains(text) && !message.starts_with("deadlock!"),
        Cause::Deadlock => message.starts_with("deadlock! blocked tasks"),
    }
}

/// seedloop's plain run (`Strategy::Fifo`: no switch point yields) in
/// shuttle's terms, for checking that a port's bug does not show without
/// help from the scheduler: the running thread goes on until it blocks,
/// yields or ends, then the next runnable thread after it in creation order
/// runs (round robin). One execution.
#[derive(Default)]
pub struct PlainScheduler {
    started: bool,
}

impl Scheduler for PlainScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let Some(current) = current else {
            return Some(runnable[0].id());
        };
        if !is_yielding && runnable.iter().any(|t| t.id() == current) {
            return Some(current);
        }
        let next = runnable
            .iter()
            .find(|t| t.id() > current)
            .unwrap_or(&runnable[0]);
        Some(next.id())
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}
