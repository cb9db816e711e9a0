//! How fast each strategy finds each bug of the suite (`tests/bugs/`), and
//! how small the shrunk failure is. `cargo bench --bench exploration`
//! (add `-- --quick` for 5 sweeps instead of 20, or a word to run only the
//! bugs whose name contains it; `-- --rates` prints instead each strategy's
//! failure rate per run on each bug, over 300 seeds, which is what the
//! portfolio's shares are chosen from; `-- --rates=pct:4,random:50` rates
//! the strategies named; `-- --por` prints the partial-order reduction
//! table: `dfs:2` with and without `reduce_orders`, on the fixed programs
//! and the buggy ones).
//!
//! For every bug and strategy (`random`, `pct:2`, `pct:3`, `portfolio`): 20 sweeps of
//! 1,000 seeds each, from base seeds `k * 1_000_003`, on one thread. A sweep
//! stops at its first failure; we record at which iteration, and how many
//! non-zero choices the shrunk tape keeps. `dfs:2` visits its schedules in a
//! fixed order whatever the base seed, so it runs once. The output is the
//! markdown table of `docs/EXPLORATION.md`, then a second table: `dfs:2` on
//! the *fixed* programs, which shows whether their whole 2-deviation space
//! fits in 1,000 runs.

use std::time::{Duration, Instant};

use seedloop::Strategy;
use seedloop::explore::{Explorer, Failure};

#[path = "../tests/bugs/mod.rs"]
mod bugs;

const SEEDS: u64 = 1000;

struct Opts {
    sweeps: u64,
    filter: Option<String>,
    /// `--rates[=a,b,..]`: the strategies of the rates table.
    rates: Option<String>,
    /// `--por`: the partial-order reduction table instead.
    por: bool,
}

impl Opts {
    fn from_args() -> Opts {
        let mut sweeps = 20;
        let mut filter = None;
        let mut rates = None;
        let mut por = false;
        for arg in std::env::args().skip(1) {
            if arg == "--quick" {
                sweeps = 5;
            } else if arg == "--por" {
                por = true;
            } else if arg == "--rates" {
                rates = Some(DEFAULT_RATES.to_string());
            } else if let Some(list) = arg.strip_prefix("--rates=") {
                rates = Some(list.to_string());
            } else if !arg.starts_with("--") {
                filter = Some(arg);
            }
        }
        Opts {
            sweeps,
            filter,
            rates,
            por,
        }
    }
}

/// The 1-based iteration of the sweep at which the failure was found, from
/// its report ("... (iteration 17 of 1000, strategy pct:3)").
fn iteration(failure: &Failure) -> u64 {
    let text = failure.to_string();
    let rest = text
        .split("(iteration ")
        .nth(1)
        .unwrap_or_else(|| panic!("no iteration in the report:\n{text}"));
    let number = rest.split(' ').next().unwrap_or("");
    number
        .parse()
        .unwrap_or_else(|_| panic!("bad iteration {number:?} in the report:\n{text}"))
}

fn median(values: &mut [u64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    })
}

fn show(value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

/// One row: `sweeps` sweeps of one bug under one strategy.
struct Row {
    found: u64,
    sweeps: u64,
    iterations: Vec<u64>,
    nonzero: Vec<u64>,
    /// For a `Dfs` sweep that found nothing: how many schedules it ran,
    /// and whether that was its whole bounded space.
    /// A `Dfs` sweep that found nothing: its runs and what it covered.
    searched: Option<(u64, &'static str)>,
    wall: Duration,
}

fn sweep(bug: &bugs::Bug, strategy: &Strategy, sweeps: u64) -> Row {
    let started = Instant::now();
    let mut row = Row {
        found: 0,
        sweeps,
        iterations: Vec::new(),
        nonzero: Vec::new(),
        searched: None,
        wall: Duration::ZERO,
    };
    for k in 0..sweeps {
        let result = Explorer::new(format!("bugs::{}", bug.name))
            .strategy(strategy.clone())
            .base_seed(k * 1_000_003)
            .seeds(SEEDS)
            .jobs(1)
            .run(bug.buggy);
        match result {
            Ok(report) => {
                let covered = if report.exhausted() {
                    "space exhausted"
                } else if report.data_held().is_some() {
                    "schedules exhausted, data held at 0"
                } else {
                    "not exhausted"
                };
                row.searched = Some((report.iterations(), covered));
            }
            Err(failure) => {
                assert!(
                    bug.cause.matches(failure.error()),
                    "{} under {strategy}: unexpected failure\n{failure}",
                    bug.name
                );
                row.found += 1;
                row.iterations.push(iteration(&failure));
                row.nonzero.push(failure.tape().nonzero() as u64);
            }
        }
    }
    row.wall = started.elapsed();
    row
}

/// The fewest non-zero choices a failing tape of `bug` needs, when `dfs`
/// proves it: the least `K` at which `dfs:K` finds the bug, provided
/// `dfs:K-1` ran out of schedules first (the plain run is `dfs:0`). At most
/// `PROOF_RUNS` schedules per bound.
fn proven_minimum(bug: &bugs::Bug) -> (String, String) {
    const PROOF_RUNS: u64 = 20_000;
    let mut below = "the plain run passes".to_string();
    for k in 1..=3u32 {
        let result = Explorer::new(format!("bugs::{}", bug.name))
            .strategy(Strategy::Dfs { max_deviations: k })
            .seeds(PROOF_RUNS)
            .jobs(1)
            .shrink_budget(0)
            .run(bug.buggy);
        match result {
            Err(failure) if bug.cause.matches(failure.error()) => {
                return (k.to_string(), format!("dfs:{k} found it; {below}"));
            }
            Err(failure) => {
                return (
                    "—".into(),
                    format!("dfs:{k} failed otherwise: {}", failure.error()),
                );
            }
            Ok(report) if report.exhausted() || report.data_held().is_some() => {
                below = format!(
                    "dfs:{k} ran out of schedules in {} runs{}",
                    report.iterations(),
                    if report.exhausted() {
                        ""
                    } else {
                        " (data held at 0)"
                    }
                );
            }
            Ok(report) => {
                return (
                    format!("> {}", k - 1),
                    format!("dfs:{k} not exhausted in {} runs", report.iterations()),
                );
            }
        }
    }
    ("> 3".into(), below)
}

/// The strategies of the rates table unless `--rates=a,b,..` names others.
const DEFAULT_RATES: &str = "random,random:75,random:88,pct:1,pct:2,pct:3,portfolio";

/// Seeds per cell of the rates table.
const RATE_SEEDS: u64 = 300;

/// The failure rate per run of each strategy on each bug: `RATE_SEEDS`
/// one-seed sweeps (seeds `s * 7919`), each its own run, shrinking off.
fn rates(chosen: &[&bugs::Bug], list: &str) {
    let strategies: Vec<Strategy> = list
        .split(',')
        .map(|s| {
            s.parse()
                .unwrap_or_else(|e| panic!("--rates: bad strategy {s:?}: {e}"))
        })
        .collect();
    println!("Failure rate per run ({RATE_SEEDS} seeds, each its own one-seed sweep):\n");
    let names: Vec<String> = strategies.iter().map(|s| s.to_string()).collect();
    println!("| bug | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(names.len()));
    for bug in chosen {
        let mut cells = Vec::new();
        for strategy in &strategies {
            let fails = (0..RATE_SEEDS)
                .filter(|s| {
                    Explorer::new(format!("bugs::{}", bug.name))
                        .strategy(strategy.clone())
                        .base_seed(s * 7919)
                        .seeds(1)
                        .jobs(1)
                        .shrink_budget(0)
                        .run(bug.buggy)
                        .is_err()
                })
                .count();
            cells.push(format!("{:.2}", fails as f64 / RATE_SEEDS as f64));
        }
        println!("| {} | {} |", bug.name, cells.join(" | "));
    }
}

/// The schedule budget of a `--por` search.
const POR_BUDGET: u64 = 20_000;

/// `dfs:2` plain and reduced on `body`: (schedules, classes, whether the
/// space was exhausted) for each, or the 1-based iteration of a failure.
fn dfs2<F, Fut>(name: &str, reduce: bool, body: F) -> Result<(u64, u64, bool), u64>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    Explorer::new(name)
        .strategy(Strategy::Dfs { max_deviations: 2 })
        .seeds(POR_BUDGET)
        .jobs(1)
        .shrink_budget(0)
        .reduce_orders(reduce)
        .run(body)
        .map(|r| {
            let covered = r.exhausted() || r.data_held().is_some();
            (r.iterations(), r.schedule_classes().unwrap_or(0), covered)
        })
        .map_err(|f| f.iteration().map_or(0, |i| i + 1))
}

/// Three tasks, each with a lock of its own (`Explorer::reduce_orders`'s
/// rustdoc example): every order of their steps ends alike.
async fn independent() {
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            seedloop::spawn(async move {
                let own = seedloop::sync::Mutex::new(i);
                *own.lock().await += 1;
                *own.lock().await += 1;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn por_row(
    name: &str,
    fixed: Result<(u64, u64, bool), u64>,
    reduced: Result<(u64, u64, bool), u64>,
    found: String,
) {
    let cell = |r: &Result<(u64, u64, bool), u64>| match r {
        Ok((runs, classes, covered)) => (runs.to_string(), classes.to_string(), *covered, *runs),
        Err(i) => (format!("FAILED at {i}"), "—".into(), false, 0),
    };
    let (p_runs, p_classes, p_cov, p_n) = cell(&fixed);
    let (r_runs, r_classes, r_cov, r_n) = cell(&reduced);
    let ratio = if r_n > 0 {
        format!("{:.1}×", p_n as f64 / r_n as f64)
    } else {
        "—".into()
    };
    let covered = match (p_cov, r_cov) {
        (true, true) => "",
        _ => " (budget hit)",
    };
    println!(
        "| {name} | {p_runs} → {r_runs}{covered} | {p_classes} → {r_classes} | {ratio} | {found} |"
    );
}

fn por(chosen: &[&bugs::Bug]) {
    println!(
        "`dfs:2`, at most {POR_BUDGET} schedules, plain → reduced (`reduce_orders(true)`); the fixed program's schedules and classes up to order, and where the buggy program fails:\n"
    );
    println!("| fixed program | schedules | classes | ratio | buggy program found (iteration) |");
    println!("|---|---|---|---|---|");
    for bug in chosen {
        let name = format!("bugs::{}::fixed", bug.name);
        let found = match (
            dfs2(bug.name, false, bug.buggy),
            dfs2(bug.name, true, bug.buggy),
        ) {
            (Err(a), Err(b)) => format!("{a} → {b}"),
            (Ok(_), Ok(_)) => "not found by either".to_string(),
            (Err(a), Ok(_)) => format!("{a} → NOT FOUND"),
            (Ok(_), Err(b)) => format!("not found → {b}"),
        };
        por_row(
            bug.name,
            dfs2(&name, false, bug.fixed),
            dfs2(&name, true, bug.fixed),
            found,
        );
    }
    por_row(
        "three tasks, a lock each (the rustdoc example)",
        dfs2("independent", false, independent),
        dfs2("independent", true, independent),
        "—".to_string(),
    );
}

fn main() {
    let opts = Opts::from_args();
    let strategies = [
        Strategy::Random,
        Strategy::RandomAt { yield_percent: 75 },
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Portfolio,
        Strategy::Dfs { max_deviations: 2 },
    ];
    let chosen: Vec<&bugs::Bug> = bugs::ALL
        .iter()
        .chain(bugs::LONG.iter().map(|(bug, _)| bug))
        .chain(bugs::STORAGE)
        .filter(|b| opts.filter.as_deref().is_none_or(|f| b.name.contains(f)))
        .collect();
    let started = Instant::now();
    if opts.por {
        por(&chosen);
        eprintln!("\ntotal wall time {:.2?}", started.elapsed());
        return;
    }
    if let Some(list) = &opts.rates {
        rates(&chosen, list);
        eprintln!("\ntotal wall time {:.2?}", started.elapsed());
        return;
    }
    println!(
        "{} sweeps of {SEEDS} seeds per bug and strategy (dfs:2 once: its order does not depend on the seed)\n",
        opts.sweeps
    );
    println!(
        "| bug | strategy | found in | median iterations to first failure | worst | median shrunk non-zero choices | wall |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut shrunk: Vec<(&str, String, String)> = Vec::new();
    for bug in &chosen {
        for strategy in &strategies {
            let sweeps = match strategy {
                Strategy::Dfs { .. } => 1,
                _ => opts.sweeps,
            };
            let mut row = sweep(bug, strategy, sweeps);
            let worst = row.iterations.iter().max().map(|&w| w as f64);
            let mut found = if row.found < row.sweeps {
                format!("**{}/{}**", row.found, row.sweeps)
            } else {
                format!("{}/{}", row.found, row.sweeps)
            };
            if let (Strategy::Dfs { .. }, Some((runs, how))) = (strategy, row.searched) {
                found = format!("{found} ({runs} schedules, {how})");
            }
            let nonzero = show(median(&mut row.nonzero));
            match strategy {
                Strategy::Random => shrunk.push((bug.name, nonzero.clone(), String::new())),
                Strategy::Pct { depth: 2 } => {
                    if let Some(last) = shrunk.last_mut() {
                        last.2 = nonzero.clone();
                    }
                }
                _ => {}
            }
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.2?} |",
                bug.name,
                strategy,
                found,
                show(median(&mut row.iterations)),
                show(worst),
                nonzero,
                row.wall,
            );
        }
    }
    println!("\n`dfs:2` on the fixed programs ({SEEDS} schedules at most):\n");
    println!("| fixed program | schedules run | distinct runs | space exhausted |");
    println!("|---|---|---|---|");
    for bug in &chosen {
        let result = Explorer::new(format!("bugs::{}::fixed", bug.name))
            .strategy(Strategy::Dfs { max_deviations: 2 })
            .seeds(SEEDS)
            .jobs(1)
            .run(bug.fixed);
        match result {
            Ok(report) => println!(
                "| {} | {} | {} | {} |",
                bug.name,
                report.iterations(),
                report.distinct_fingerprints(),
                if report.exhausted() {
                    "yes"
                } else if report.data_held().is_some() {
                    "schedules only (data held at 0)"
                } else {
                    "no"
                }
            ),
            Err(failure) => println!("| {} | FAILED: {} | | |", bug.name, failure.error()),
        }
    }
    println!(
        "\nShrunk sizes against the proven minimum: the fewest non-zero choices any failing tape needs, where `dfs` proves it (`dfs:K` finds the bug and `dfs:K-1` searched its whole space without finding it; `dfs:0` is the plain run, which passes):\n"
    );
    println!("| bug | median shrunk non-zero choices (random) | (pct:2) | proven minimum | how |");
    println!("|---|---|---|---|---|");
    for (bug, (name, random, pct)) in chosen.iter().zip(&shrunk) {
        let (minimum, how) = proven_minimum(bug);
        println!("| {name} | {random} | {pct} | {minimum} | {how} |");
    }
    println!(
        "\n`pct` from a plain `Sim` (no explorer, so no estimate of the run's length: change points drawn log-uniformly), seeds base..base+{SEEDS}:\n"
    );
    println!("| bug | strategy | found in | median iterations to first failure | worst |");
    println!("|---|---|---|---|---|");
    for bug in &chosen {
        for depth in [2, 3] {
            let mut iterations = Vec::new();
            for k in 0..opts.sweeps {
                let base = k * 1_000_003;
                let hit = (0..SEEDS).find(|i| {
                    let mut sim = seedloop::Sim::builder()
                        .seed(base + i)
                        .strategy(Strategy::Pct { depth })
                        .buggify(bug.buggify)
                        .print_panics(false)
                        .build();
                    sim.try_block_on((bug.buggy)()).is_err()
                });
                if let Some(i) = hit {
                    iterations.push(i + 1);
                }
            }
            let found = iterations.len() as u64;
            let worst = iterations.iter().max().map(|&w| w as f64);
            println!(
                "| {} | pct:{depth} (plain Sim) | {} | {} | {} |",
                bug.name,
                if found < opts.sweeps {
                    format!("**{found}/{}**", opts.sweeps)
                } else {
                    format!("{found}/{}", opts.sweeps)
                },
                show(median(&mut iterations)),
                show(worst),
            );
        }
    }
    eprintln!("\ntotal wall time {:.2?}", started.elapsed());
}
