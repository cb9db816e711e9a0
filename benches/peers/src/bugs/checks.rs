//! Checking the ports before measuring them: a port that failed without
//! the scheduler's help, or whose fix did not hold, would make the
//! comparison unfair.

use crate::ITERATIONS;
use crate::ports::Port;
use crate::quiet::Quiet;
use crate::shuttle_side::{self, Outcome, PlainScheduler, Sched};

/// shuttle's PCT refuses a test whose first execution never had two
/// runnable threads at a scheduling point (it has nothing to prioritize).
pub const NO_CONCURRENCY: &str = "test closure did not exercise any concurrency";

/// What checking the ports found.
#[derive(Default)]
pub struct Checks {
    /// Ports that fail a check: the measurement would not be fair.
    pub problems: Vec<String>,
    /// Fixed ports that shuttle's PCT rejects for having no scheduling choice.
    pub no_choice: Vec<String>,
    /// Buggy ports that fail on shuttle PCT's first execution, which is
    /// always the same oldest-thread-first schedule (whatever the seed).
    pub pct_first_fails: Vec<String>,
}

/// Checks a port: the buggy program passes the plain schedule (not checked
/// for the `sleep(0)` variants: without the yield, a schedule that never
/// preempts runs the producer ahead, which is the bug), and the fixed one
/// passes 1,000 random and 1,000 `pct:3` executions.
pub fn check_port(port: &Port, keep_stderr: bool, checks: &mut Checks) {
    let _quiet = Quiet::new(keep_stderr);
    let label = port.label();
    if port.variant.is_empty()
        && let Outcome::Failed { message, .. } =
            shuttle_side::run(port.buggy, PlainScheduler::default())
    {
        checks.problems.push(format!(
            "{label}: the buggy port fails the plain schedule: {message}"
        ));
    }
    if let Outcome::Failed { .. } = shuttle_side::sweep(port.buggy, Sched::Pct(2), 0, 1) {
        checks.pct_first_fails.push(label.clone());
    }
    for sched in [Sched::Random, Sched::Pct(3)] {
        match shuttle_side::sweep(port.fixed, sched, 0, ITERATIONS as usize) {
            Outcome::Passed(_) => {}
            Outcome::Failed { message, .. } if message == NO_CONCURRENCY => {
                checks.no_choice.push(label.clone());
            }
            Outcome::Failed { iteration, message } => checks.problems.push(format!(
                "{label}: the fixed port fails under shuttle {sched} at iteration {iteration}: {message}"
            )),
        }
    }
}

impl Checks {
    /// The checks' summary, under the tables.
    pub fn print(&self, ports: usize) {
        println!(
            "\nport checks ({ports} ports and variants; buggy passes the plain schedule, fixed passes {ITERATIONS} \
             random and {ITERATIONS} pct:3 executions): {}",
            if self.problems.is_empty() {
                "all passed"
            } else {
                "FAILED, see stderr"
            }
        );
        if !self.no_choice.is_empty() {
            println!(
                "- fixed ports with no scheduling choice at all, which shuttle's PCT rejects (\"{NO_CONCURRENCY}\"; \
                 random passes them): {}",
                self.no_choice.join(", ")
            );
        }
        println!(
            "- buggy ports that fail on shuttle PCT's first execution (always the same oldest-thread-first schedule, \
             so every PCT sweep finds them at iteration 1): {}",
            if self.pct_first_fails.is_empty() {
                "none".to_string()
            } else {
                self.pct_first_fails.join(", ")
            }
        );
    }
}
