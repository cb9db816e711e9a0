//! What shrinking the planted bug's ~50,000-choice tape leaves: how often
//! `Random` fails, at which iteration a sweep finds the bug, and for the
//! first failing seeds the tape's length, the re-runs the shrink took and
//! the non-zero choices left. These are counts, the same on every run of a
//! build, so this is a plain program (`harness = false`), not a criterion
//! benchmark; the time a run, a find or a shrink takes is the `shrink_*`
//! groups of `benches/explore.rs`.
//!
//! ```text
//! cargo bench --bench shrink                   # 200 sample seeds, 5 shrinks per variant
//! cargo bench --bench shrink -- shrink_resync  # one variant (or shrink_prefix)
//! cargo bench --bench shrink -- --quick        # 20 sample seeds, 2 shrinks per variant (CI)
//! ```

use seedloop::Strategy;
use seedloop::explore::Failure;

#[path = "common/opts.rs"]
mod opts;
#[path = "common/planted.rs"]
mod planted;
use opts::Opts;
use planted::{BUG_ITERS, BUG_TASKS};

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

/// What one shrink left.
struct Shrink {
    seed: u64,
    original: u64,
    nonzero: u64,
    reruns: u64,
    tape: seedloop::Tape,
}

fn abbreviated(s: &str, max: usize) -> String {
    if s.len() <= max {
        s.to_string()
    } else {
        format!("{}... ({} chars)", &s[..max], s.len())
    }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// One variant: sample `Random` on the first seeds, find the bug with a
/// sweep, shrink the failures of the first few failing seeds.
fn report(opts: &Opts, resync: bool) {
    let variant = planted::variant(resync);
    let shrinks = if opts.quick { 2 } else { planted::SHRINKS };

    // How often the bug shows under `Random`, and how long its tapes are.
    let sample = (opts.items(200) as u64).max(20);
    let failing: Vec<(u64, usize)> = (0..sample)
        .map(|seed| (seed, planted::planted_run(resync, seed, Strategy::Random)))
        .filter(|(_, (failed, _))| *failed)
        .map(|(seed, (_, len))| (seed, len))
        .collect();
    let (fifo_failed, fifo_len) = planted::planted_run(resync, 0, Strategy::Fifo);
    assert!(!fifo_failed, "the all-zero schedule must pass");
    assert!(!failing.is_empty(), "no failing seed among {sample}");
    let lens = || failing.iter().map(|f| f.1);
    println!(
        "shrink_{variant}: planted lost update ({BUG_TASKS} tasks x {BUG_ITERS} yields, increments {} iterations apart{})",
        planted::spacing(resync),
        if resync {
            ", a barrier every 100 iterations"
        } else {
            ""
        }
    );
    println!(
        "  Random fails on {} of {sample} seeds ({:.0} %); failing tapes {}..{} choices (mean {}); \
         Fifo passes ({fifo_len} choices)",
        failing.len(),
        failing.len() as f64 * 100.0 / sample as f64,
        lens().min().unwrap_or(0),
        lens().max().unwrap_or(0),
        lens().sum::<usize>() / failing.len(),
    );

    // Find it with a sweep, not shrinking.
    let failure = planted::find(resync);
    assert_eq!(
        failure.seed(),
        failing[0].0,
        "the explorer runs what Sim::new runs"
    );
    println!(
        "  found by Explorer .jobs(1) at iteration {} (seed {:#x})",
        found_at(&failure),
        failure.seed(),
    );

    // Shrink the first few failing seeds.
    println!(
        "  {:>6} {:>8} {:>9} {:>12} {:>8}",
        "seed", "choices", "non-zero", "shrunk len", "re-runs"
    );
    let mut done: Vec<Shrink> = Vec::new();
    for &(seed, _) in failing.iter().take(shrinks) {
        let failure = planted::sweep_one(resync, seed, None);
        planted::check_replays(resync, &failure);
        let (original, nonzero, reruns) = shrink_figures(&failure);
        let s = Shrink {
            seed,
            original,
            nonzero,
            reruns,
            tape: failure.tape().clone(),
        };
        println!(
            "  {:>#6x} {:>8} {:>9} {:>12} {:>8}{}",
            s.seed,
            s.original,
            s.nonzero,
            s.tape.len(),
            s.reruns,
            if s.reruns >= 2000 { "*" } else { " " },
        );
        done.push(s);
    }
    let exhausted = done.iter().filter(|s| s.reruns >= 2000).count();
    println!(
        "  median of {}: {} re-runs, {} non-zero choices left; {exhausted} of {} spent the whole \
         budget of 2,000 re-runs (*)",
        done.len(),
        median(done.iter().map(|s| s.reruns).collect()),
        median(done.iter().map(|s| s.nonzero).collect()),
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

fn main() {
    let opts = Opts::from_args();
    if opts.quick {
        println!("quick: 10x fewer sample seeds, 2 shrinks per variant\n");
    }
    for resync in [false, true] {
        if opts.wants(&format!("shrink_{}", planted::variant(resync))) {
            report(&opts, resync);
            println!();
        }
    }
    let extra = match opts.args.is_empty() {
        true => String::new(),
        false => format!(" -- {}", opts.args.join(" ")),
    };
    println!("command: cargo bench --bench shrink{extra}");
}
