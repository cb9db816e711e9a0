//! The cells of the tables: one bug under one scheduler, `sweeps` sweeps.

use std::panic::{self, AssertUnwindSafe};

use seedloop::Strategy;

use crate::ports::Port;
use crate::quiet::Quiet;
use crate::shuttle_side::{self, Outcome, Sched};
use crate::{ITERATIONS, Opts, SEED_STRIDE, seedloop_side, suite};

/// The sweeps of one bug under one scheduler.
pub struct Cell {
    /// The 1-based iteration of the first failure, for each sweep that found it.
    pub found: Vec<u64>,
    pub sweeps: u64,
}

impl Cell {
    pub fn show(&self) -> String {
        match median(&self.found) {
            None => format!("– (0/{})", self.sweeps),
            Some(m) if m.fract() == 0.0 => format!("{m:.0} ({}/{})", self.found.len(), self.sweeps),
            Some(m) => format!("{m:.1} ({}/{})", self.found.len(), self.sweeps),
        }
    }
}

fn median(values: &[u64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2] as f64),
        _ => Some((v[n / 2 - 1] + v[n / 2]) as f64 / 2.0),
    }
}

/// Runs `f`, turning a panic of the harness into an error message (the
/// panic hook is silent while a sweep runs).
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("{what}: harness panicked: {text}"))
    })
}

pub fn seedloop_cell(bug: &suite::Bug, strategy: &Strategy, sweeps: u64) -> Result<Cell, String> {
    let _quiet = Quiet::new(true);
    guarded(&format!("{} under seedloop {strategy}", bug.name), || {
        let mut found = Vec::new();
        for k in 0..sweeps {
            let hit = seedloop_side::sweep(bug, strategy, k * SEED_STRIDE, ITERATIONS).map_err(
                |report| {
                    format!(
                        "{} under seedloop {strategy}, sweep {k}: unexpected failure\n{report}",
                        bug.name
                    )
                },
            )?;
            found.extend(hit);
        }
        Ok(Cell { found, sweeps })
    })
}

pub fn shuttle_cell(
    port: &Port,
    cause: suite::Cause,
    sched: Sched,
    opts: &Opts,
) -> Result<Cell, String> {
    let _quiet = Quiet::new(opts.keep_stderr);
    let name = port.label();
    let sweeps = opts.sweeps;
    guarded(&format!("{name} under shuttle {sched}"), || {
        let mut found = Vec::new();
        for k in 0..sweeps {
            match shuttle_side::sweep(port.buggy, sched, k * SEED_STRIDE, ITERATIONS as usize) {
                Outcome::Passed(_) => {}
                Outcome::Failed { iteration, message }
                    if shuttle_side::matches(cause, &message) =>
                {
                    found.push(iteration)
                }
                Outcome::Failed { iteration, message } => {
                    return Err(format!(
                        "{name} under shuttle {sched}, sweep {k}, iteration {iteration}: unexpected failure\n{message}"
                    ));
                }
            }
        }
        Ok(Cell { found, sweeps })
    })
}
