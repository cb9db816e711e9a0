//! seedloop against shuttle on the bug suite (`tests/bugs/`): how many
//! iterations each tool's schedulers need to find each bug.
//!
//! For every bug and scheduler: 20 sweeps (5 with `--quick`, N with
//! `--sweeps N`) from
//! base seeds `k * 1_000_003`, each of at most 1,000 iterations and stopped by
//! the first failure, which must be the bug's own (`Cause` in
//! `tests/bugs/mod.rs`: a panic message, or a deadlock). A cell of the table
//! is `median (found/sweeps)`: the median, over the sweeps that found the bug,
//! of the 1-based iteration of the first failure, and how many sweeps found
//! it.
//!
//! - seedloop: `Explorer` with `random`, `random:75`, `pct:2`, `pct:3`, `portfolio`, one
//!   job, no shrinking (see `seedloop_side`).
//! - shuttle: `RandomScheduler::new_from_seed(seed, 1000)` and
//!   `PctScheduler::new_from_seed(seed, depth, 1000)` for depths 2 and 3, on
//!   the ports in `ports/` (see `shuttle_side`). Bugs that need virtual time,
//!   a network or fault injection have no port (`ports::NOT_EXPRESSIBLE`).
//!
//! Before measuring, every port is checked: the buggy program passes the
//! plain schedule, and the fixed one passes 1,000 random and 1,000 `pct:3`
//! executions. Then come a sensitivity table for the two long programs (how
//! `yield_now` is ported) and the wall time per iteration of both tools.
//!
//! ```text
//! bugs [--quick | --sweeps N] [--keep-stderr] [NAME]
//! ```
//!
//! `NAME` keeps the bugs whose name contains it; `--keep-stderr` lets
//! shuttle's per-failure stderr lines through. Build and run it with
//! `bugs.sh`.

use std::process::ExitCode;
use std::time::Instant;

use seedloop::Strategy;

mod cells;
mod checks;
mod ports;
mod quiet;
mod seedloop_side;
mod shuttle_side;

// The suite is seedloop's code, written for its MSRV (1.85, before let
// chains); this package declares no MSRV, so clippy would ask it for let chains.
#[allow(clippy::collapsible_if)]
#[path = "../../../../tests/bugs/mod.rs"]
mod suite;

use cells::{Cell, seedloop_cell, shuttle_cell};
use checks::{Checks, check_port};
use ports::Port;
use quiet::Quiet;
use shuttle_side::{Outcome, PlainScheduler, Sched};

/// Iterations per sweep, for both tools.
const ITERATIONS: u64 = 1000;
/// Sweep `k` starts at base seed `k * SEED_STRIDE` (as `benches/exploration.rs`).
const SEED_STRIDE: u64 = 1_000_003;
/// Repetitions of each per-iteration cost measurement (the median is shown).
const COST_REPS: usize = 3;

const SHUTTLE_SCHEDS: [Sched; 3] = [Sched::Random, Sched::Pct(2), Sched::Pct(3)];

fn seedloop_strategies() -> [Strategy; 5] {
    [
        Strategy::Random,
        Strategy::RandomAt { yield_percent: 75 },
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Portfolio,
    ]
}

struct Opts {
    sweeps: u64,
    filter: Option<String>,
    keep_stderr: bool,
}

impl Opts {
    fn from_args() -> Result<Opts, String> {
        let mut opts = Opts {
            sweeps: 20,
            filter: None,
            keep_stderr: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => opts.sweeps = 5,
                "--sweeps" => {
                    let value = args.next().unwrap_or_default();
                    opts.sweeps = match value.parse::<u64>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            return Err(format!("--sweeps wants a positive number, not {value:?}"));
                        }
                    };
                }
                "--keep-stderr" => opts.keep_stderr = true,
                "-h" | "--help" => {
                    println!("usage: bugs [--quick | --sweeps N] [--keep-stderr] [NAME]");
                    std::process::exit(0);
                }
                flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}")),
                name => opts.filter = Some(name.to_string()),
            }
        }
        Ok(opts)
    }

    fn keeps(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }
}

/// The versions of `names` in this package's `Cargo.lock`.
fn versions(names: &[&str]) -> String {
    let lock = include_str!("../../Cargo.lock");
    let mut out = Vec::new();
    for name in names {
        let header = format!("name = \"{name}\"\n");
        let version = lock
            .split("[[package]]\n")
            .find(|entry| entry.starts_with(&header))
            .and_then(|entry| entry.lines().nth(1))
            .and_then(|line| line.strip_prefix("version = \""))
            .map(|v| v.trim_end_matches('"').to_string())
            .unwrap_or_else(|| "?".to_string());
        out.push(format!("{name} {version}"));
    }
    out.join(", ")
}

/// Nanoseconds of wall time per iteration, median of `COST_REPS` runs of
/// `run` (which returns how many iterations it ran, or `None` if one failed).
fn cost(mut run: impl FnMut() -> Option<u64>) -> Option<f64> {
    let mut per_iteration = Vec::new();
    for _ in 0..COST_REPS {
        let started = Instant::now();
        let n = run()?;
        per_iteration.push(started.elapsed().as_nanos() as f64 / n as f64);
    }
    per_iteration.sort_by(f64::total_cmp);
    Some(per_iteration[per_iteration.len() / 2])
}

/// A cell's text; an error goes to `errors` and shows as `ERROR`.
fn show(cell: Result<Cell, String>, errors: &mut Vec<String>) -> String {
    cell.map(|c| c.show()).unwrap_or_else(|e| {
        errors.push(e);
        "ERROR".to_string()
    })
}

/// The main table's rows: every bug, seedloop's four strategies, shuttle's
/// three schedulers ("n/a" without a port).
fn main_table(opts: &Opts, bugs: &[&suite::Bug], errors: &mut Vec<String>) -> Vec<String> {
    let mut rows = Vec::new();
    for (i, bug) in bugs.iter().enumerate() {
        let bug_started = Instant::now();
        let mut cells = Vec::new();
        for strategy in seedloop_strategies() {
            cells.push(show(seedloop_cell(bug, &strategy, opts.sweeps), errors));
        }
        let seedloop_wall = bug_started.elapsed();
        for sched in SHUTTLE_SCHEDS {
            cells.push(match ports::by_name(bug.name) {
                Some(port) => show(shuttle_cell(port, bug.cause, sched, opts), errors),
                None => "n/a".to_string(),
            });
        }
        eprintln!(
            "[{}/{}] {}: seedloop {:.1?}, shuttle {:.1?}",
            i + 1,
            bugs.len(),
            bug.name,
            seedloop_wall,
            bug_started.elapsed() - seedloop_wall
        );
        rows.push(format!("| {} | {} |", bug.name, cells.join(" | ")));
    }
    rows
}

/// The long programs with both ports of `yield_now`, and seedloop's `pct:1`.
fn sensitivity_table(opts: &Opts, errors: &mut Vec<String>) -> Vec<String> {
    let mut rows = Vec::new();
    for (bug, depth) in suite::LONG.iter().filter(|(b, _)| opts.keeps(b.name)) {
        let seedloop_pct1 = show(
            seedloop_cell(bug, &Strategy::Pct { depth: 1 }, opts.sweeps),
            errors,
        );
        let variants = ports::by_name(bug.name).into_iter().chain(
            ports::PLAIN_SWITCH_VARIANTS
                .iter()
                .filter(|p| p.name == bug.name),
        );
        for port in variants {
            let mut cells = vec![seedloop_pct1.clone()];
            for sched in [Sched::Random, Sched::Pct(1), Sched::Pct(2), Sched::Pct(3)] {
                cells.push(show(shuttle_cell(port, bug.cause, sched, opts), errors));
            }
            let mapping = if port.variant.is_empty() {
                "`thread::yield_now()` (main table)"
            } else {
                "`thread::sleep(Duration::ZERO)`"
            };
            rows.push(format!(
                "| {} (paired depth {depth}) | {mapping} | {} |",
                bug.name,
                cells.join(" | ")
            ));
        }
        eprintln!("sensitivity: {} done", bug.name);
    }
    rows
}

/// Wall time per iteration of both tools on fixed programs (every iteration
/// runs to its end).
fn cost_table(opts: &Opts) -> Vec<String> {
    let mut rows = Vec::new();
    for name in ["lost_update", "unbounded_backlog"]
        .into_iter()
        .filter(|n| opts.keeps(n))
    {
        let bug = suite::by_name(name);
        let port = ports::by_name(name).expect("a port");
        let mut cells = Vec::new();
        for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
            let _quiet = Quiet::new(true);
            let ns = cost(|| Some(seedloop_side::run_fixed(&bug, &strategy, ITERATIONS)));
            cells.push(ns.map_or("ERROR".to_string(), |ns| format!("{:.1} µs", ns / 1000.0)));
        }
        for sched in [Sched::Random, Sched::Pct(2)] {
            let _quiet = Quiet::new(opts.keep_stderr);
            let ns =
                cost(
                    || match shuttle_side::sweep(port.fixed, sched, 0, ITERATIONS as usize) {
                        Outcome::Passed(n) => Some(n),
                        Outcome::Failed { .. } => None,
                    },
                );
            cells.push(ns.map_or("ERROR".to_string(), |ns| format!("{:.1} µs", ns / 1000.0)));
        }
        rows.push(format!("| {name} (fixed) | {} |", cells.join(" | ")));
    }
    rows
}

fn print_table(header: &str, rows: &[String]) {
    println!("{header}");
    println!("{}|", "|---".repeat(header.matches('|').count() - 1));
    for row in rows {
        println!("{row}");
    }
}

fn main() -> ExitCode {
    let opts = match Opts::from_args() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("bugs: {e} (try --help)");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("SHUTTLE_RANDOM_SEED").is_some() {
        eprintln!("bugs: SHUTTLE_RANDOM_SEED is set; it would override every shuttle seed");
        return ExitCode::from(2);
    }
    // One shuttle execution installs shuttle's panic hook, which we then replace.
    quiet::install_hook(|| {
        let _ = shuttle_side::run(
            || shuttle::thread::spawn(|| ()).join().unwrap(),
            PlainScheduler::default(),
        );
    });
    let started = Instant::now();
    let mut errors = Vec::new();

    let bugs: Vec<&suite::Bug> = suite::ALL
        .iter()
        .chain(suite::LONG.iter().map(|(bug, _)| bug))
        .filter(|b| opts.keeps(b.name))
        .collect();
    let ports: Vec<&Port> = ports::PORTS
        .iter()
        .chain(ports::PLAIN_SWITCH_VARIANTS)
        .filter(|p| opts.keeps(p.name))
        .collect();

    // Every port is checked before it is measured.
    let mut checks = Checks::default();
    for port in &ports {
        check_port(port, opts.keep_stderr, &mut checks);
    }
    eprintln!(
        "checked {} ports: {} problems",
        ports.len(),
        checks.problems.len()
    );

    let rows = main_table(&opts, &bugs, &mut errors);
    let sensitivity = sensitivity_table(&opts, &mut errors);
    let costs = cost_table(&opts);

    println!("# seedloop vs shuttle on the bug suite\n");
    println!(
        "versions (Cargo.lock): {}",
        versions(&[
            "seedloop",
            "shuttle",
            "shuttle-engine",
            "shuttle-schedulers",
            "shuttle-std"
        ])
    );
    println!(
        "{} sweeps per bug and scheduler, base seeds k * {SEED_STRIDE} (k = 0..{}), at most {ITERATIONS} iterations each; \
         a cell is the median 1-based iteration of the first failure over the sweeps that found the bug (found/sweeps); \
         – = never found; n/a = no shuttle port\n",
        opts.sweeps, opts.sweeps
    );
    print_table(
        "| bug | seedloop random | seedloop random:75 | seedloop pct:2 | seedloop pct:3 | seedloop portfolio | shuttle random | shuttle pct:2 | shuttle pct:3 |",
        &rows,
    );
    let inexpressible: Vec<_> = ports::NOT_EXPRESSIBLE
        .iter()
        .filter(|(n, _)| opts.keeps(n))
        .collect();
    if !inexpressible.is_empty() {
        println!("\nNot expressible in shuttle (seedloop columns only):\n");
        for (name, reason) in inexpressible {
            println!("- **{name}**: {reason}");
        }
    }
    println!(
        "\nHow each port maps seedloop onto shuttle (every task is a `shuttle::thread`; `Rc<Cell>`/`Rc<RefCell>` state \
         is std atomics or a std `Mutex` never held across a shuttle operation; see `src/bugs/ports/`):\n"
    );
    for port in ports::PORTS.iter().filter(|p| opts.keeps(p.name)) {
        println!("- **{}**: {}", port.name, port.mapping);
    }
    if !sensitivity.is_empty() {
        println!(
            "\nThe long programs, with `yield_now` ported two ways: shuttle's `yield_now` tells its PCT to lower \
             the thread's priority; `sleep(ZERO)` is a plain scheduling point (seedloop's PCT keeps a yielding \
             task's priority):\n"
        );
        print_table(
            "| bug | shuttle port of `yield_now` | seedloop pct:1 | shuttle random | shuttle pct:1 | shuttle pct:2 | shuttle pct:3 |",
            &sensitivity,
        );
    }
    if !costs.is_empty() {
        println!(
            "\nWall time per iteration (the fixed program, so every iteration runs to its end: {ITERATIONS} \
             iterations, median of {COST_REPS} runs, one thread):\n"
        );
        print_table(
            "| program | seedloop random | seedloop pct:2 | shuttle random | shuttle pct:2 |",
            &costs,
        );
    }
    checks.print(ports.len());
    errors.extend(checks.problems);
    println!("total wall time {:.1?}", started.elapsed());
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        for e in &errors {
            eprintln!("error: {e}");
        }
        ExitCode::FAILURE
    }
}
