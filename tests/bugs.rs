//! The bug suite (the programs are in `tests/bugs/`, one module per bug).
//!
//! For every bug: the plain run (`Strategy::Fifo`) passes, the default sweep
//! (`Random`, 1,000 seeds) finds it with the expected cause, the shrunk tape
//! replays the same failure in a plain `Sim`, and the fixed program passes
//! the same 1,000 seeds. Then the other strategies: `Pct` finds bugs too, and
//! `Dfs` finds the ones within its deviation bound, in an order that does
//! not depend on the seed, and proves the fixed programs within the bound.

#[path = "bugs/mod.rs"]
mod bugs;

use bugs::Bug;
use seedloop::explore::{Explorer, Failure};
use seedloop::trace::{EventKind, NodeChange, PacketFate};
use seedloop::{Error, Sim, Strategy};

/// The plain run of `body`: Fifo, with buggify as the bug's replay uses it.
fn plain_run(bug: &Bug, body: fn() -> bugs::Body) -> Result<(), Error> {
    Sim::builder()
        .strategy(Strategy::Fifo)
        .buggify(bug.buggify)
        .print_panics(false)
        .build()
        .try_block_on(body())
}

/// Replays `failure`'s shrunk tape in a plain `Sim`. The explorer turns
/// buggify on in a fraction of runs, by a coin asked at the first
/// `buggify!()` reached; a plain `Sim` must have buggify on too for that
/// coin to be asked (and read from the tape), or the tape would misalign.
fn replay(bug: &Bug, failure: &Failure) -> Result<(), Error> {
    Sim::builder()
        .seed(failure.seed())
        .strategy(Strategy::Replay(failure.tape().clone()))
        .buggify(bug.buggify)
        .print_panics(false)
        .build()
        .try_block_on((bug.buggy)())
}

/// The 1-based iteration of the sweep that failed, from the report.
fn iteration(failure: &Failure) -> u64 {
    let text = failure.to_string();
    let rest = text.split("(iteration ").nth(1).expect("a sweep failure");
    rest.split(' ').next().unwrap().parse().unwrap()
}

/// Where a panic happened, to compare two failures.
fn location(error: &Error) -> Option<String> {
    match error {
        Error::Panicked { location, .. } => location.clone(),
        _ => None,
    }
}

/// Everything the suite promises about one bug.
fn check(name: &str) {
    let bug = bugs::by_name(name);
    let cause = bug.cause;

    // The plain schedule hides the bug: it is an interleaving (or fault) bug.
    if let Err(e) = plain_run(&bug, bug.buggy) {
        panic!("{name}: the plain run must pass, but: {e}");
    }
    if bug.buggify {
        let mut sim = Sim::builder().print_panics(false).build(); // buggify off
        sim.try_block_on((bug.buggy)()).unwrap();
    }

    // The default strategy finds it within 1,000 seeds, with the expected cause.
    let failure = Explorer::new(format!("bugs::{name}"))
        .seeds(1000)
        .run(bug.buggy)
        .expect_err("the default sweep of 1,000 seeds finds the bug");
    assert!(
        cause.matches(failure.error()),
        "{name}: expected {cause:?}, got:\n{failure}"
    );
    assert!((1..=1000).contains(&iteration(&failure)));
    assert!(failure.to_string().contains("strategy random"), "{failure}");
    assert!(
        failure.tape().nonzero() >= 1,
        "{name}: the all-zero tape passes, so the failing one has a non-zero choice"
    );

    // The shrunk tape replays the same failure in a plain Sim.
    let replayed = replay(&bug, &failure).expect_err("the shrunk tape replays the failure");
    assert!(cause.matches(&replayed), "{name}: replayed as {replayed}");
    assert_eq!(
        location(&replayed),
        location(failure.error()),
        "{name}: the replay fails at the same place"
    );

    // The fixed program passes the plain run and the same 1,000 seeds.
    plain_run(&bug, bug.fixed).unwrap();
    let report = Explorer::new(format!("bugs::{name}::fixed"))
        .seeds(1000)
        .run(bug.fixed)
        .unwrap_or_else(|f| panic!("{name}: the fixed program failed:\n{f}"));
    assert_eq!(report.iterations(), 1000);
    assert!(report.distinct_fingerprints() > 1, "{report}");
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        /// Every bug of the catalogue has its test above.
        #[test]
        fn every_bug_is_tested() {
            let tested = [$(stringify!($name)),*];
            let listed: Vec<&str> = bugs::ALL.iter().map(|b| b.name).collect();
            assert_eq!(listed, tested);
        }
    };
}

suite!(
    lost_update,
    check_then_act,
    order_violation,
    two_lock_deadlock,
    missed_notify,
    double_checked_init,
    send_then_count,
    timeout_race,
    cancel_unsafe,
    retry_double_apply,
    queue_deadlock,
    torn_read,
    duplicate_delivery,
    stale_cache,
    snapshot_gc,
    partition_stale_read,
    udp_duplicate_apply,
    ack_before_flush,
);

/// The storage bugs (`bugs::STORAGE`): the same promises as the suite's,
/// each bug a planted crash of a node meeting what its disk had not made
/// durable.
macro_rules! storage_suite {
    ($($name:ident),* $(,)?) => {
        mod storage {
            $(
                #[test]
                fn $name() {
                    super::check(stringify!($name));
                }
            )*

            /// Every storage bug has its test above.
            #[test]
            fn every_storage_bug_is_tested() {
                let tested = [$(stringify!($name)),*];
                let listed: Vec<&str> = super::bugs::STORAGE.iter().map(|b| b.name).collect();
                assert_eq!(listed, tested);
            }
        }
    };
}

storage_suite!(
    missing_fsync,
    missing_dir_fsync,
    rename_without_sync,
    fsync_failure_retried,
    torn_record_log,
);

/// The suite has at least ten bugs, and the default sweep finds most of
/// them within 100 seeds (every one within 1,000: see the tests above).
#[test]
fn most_bugs_are_found_within_100_seeds() {
    assert!(bugs::ALL.len() >= 10);
    let quick = bugs::ALL
        .iter()
        .filter(|bug| {
            Explorer::new(bug.name)
                .seeds(100)
                .shrink_budget(0)
                .run(bug.buggy)
                .is_err()
        })
        .count();
    assert!(
        quick * 3 >= bugs::ALL.len() * 2,
        "only {quick} of {} bugs found within 100 seeds",
        bugs::ALL.len()
    );
}

/// `Pct` finds bugs that need one preemption (depth 2) and the starvation
/// bug (a task kept off the processor through several round trips: low
/// priority does that naturally), and its failures replay like any other.
#[test]
fn pct_finds_bugs() {
    for (name, depth) in [("torn_read", 2), ("queue_deadlock", 2), ("snapshot_gc", 3)] {
        let bug = bugs::by_name(name);
        let failure = Explorer::new(format!("bugs::{name}"))
            .strategy(Strategy::Pct { depth })
            .seeds(1000)
            .run(bug.buggy)
            .expect_err("pct finds the bug");
        assert!(bug.cause.matches(failure.error()), "{failure}");
        assert!(
            failure
                .to_string()
                .contains(&format!("strategy pct:{depth}")),
            "{failure}"
        );
        let replayed = replay(&bug, &failure).expect_err("the pct failure replays");
        assert!(
            bug.cause.matches(&replayed),
            "{name}: replayed as {replayed}"
        );
    }
}

/// `Pct` from a plain `Sim` (no explorer, so no estimate of the run's
/// length) still finds the suite's ordering bugs: its change points are
/// drawn log-uniformly, so they fall inside short runs. With the old fixed
/// estimate of 1,000 points they mostly fell after the run had ended.
#[test]
fn pct_from_a_plain_sim_finds_bugs_in_short_runs() {
    for (name, depth) in [("lost_update", 2), ("missed_notify", 3), ("torn_read", 3)] {
        let bug = bugs::by_name(name);
        let found = (0..1000u64).find(|seed| {
            Sim::builder()
                .seed(*seed)
                .strategy(Strategy::Pct { depth })
                .print_panics(false)
                .build()
                .try_block_on((bug.buggy)())
                .is_err()
        });
        assert!(
            found.is_some(),
            "{name}: pct:{depth} from a plain Sim found nothing in 1,000 seeds"
        );
    }
}

/// `Portfolio` finds every bug of the suite within 1,000 seeds, its
/// failures replay from the seed (the member is the seed's), and a sweep's
/// first failure does not depend on the number of jobs.
#[test]
fn the_portfolio_finds_every_bug_and_its_draw_depends_on_the_seed_alone() {
    for bug in bugs::ALL {
        let failure = Explorer::new(format!("bugs::{}", bug.name))
            .strategy(Strategy::Portfolio)
            .seeds(1000)
            .jobs(1)
            .run(bug.buggy)
            .unwrap_err();
        assert!(
            bug.cause.matches(failure.error()),
            "{}: {failure}",
            bug.name
        );
        assert!(
            failure.to_string().contains("strategy portfolio"),
            "{failure}"
        );
        let replayed = replay(bug, &failure).expect_err("the portfolio failure replays");
        assert!(
            bug.cause.matches(&replayed),
            "{}: replayed as {replayed}",
            bug.name
        );
    }
    let first = |jobs| {
        let failure = Explorer::new("bugs::lost_update")
            .strategy(Strategy::Portfolio)
            .seeds(1000)
            .jobs(jobs)
            .run(bugs::by_name("lost_update").buggy)
            .unwrap_err();
        (failure.seed(), iteration(&failure))
    };
    assert_eq!(first(1), first(2));
    assert_eq!(
        "portfolio".parse::<Strategy>().unwrap(),
        Strategy::Portfolio
    );
    assert_eq!(Strategy::Portfolio.to_string(), "portfolio");
}

/// How many of `n` one-seed sweeps (seeds `s * 7919`) fail: a failure rate
/// per run, deterministic for a given strategy and program.
fn failures(bug: &bugs::Bug, strategy: &str, n: u64) -> u64 {
    (0..n)
        .filter(|s| {
            Explorer::new(format!("bugs::{}", bug.name))
                .strategy(strategy.parse().unwrap())
                .base_seed(s * 7919)
                .seeds(1)
                .shrink_budget(0)
                .run(bug.buggy)
                .is_err()
        })
        .count() as u64
}

/// A yield under `Random` hands the processor to another task, which then
/// proceeds at its next switch point; `Pct` yields to a ready task of
/// higher priority. Before issue 13's second round, `random:75` failed
/// `queue_deadlock` in 21% of runs, `random` `lost_update` in 13%, and
/// `pct:1` never failed `queue_deadlock` (its tasks never preempted).
#[test]
fn a_yield_hands_over_and_pct_runs_the_highest_priority_at_switch_points() {
    let queue = bugs::by_name("queue_deadlock");
    let lost = bugs::by_name("lost_update");
    let rate = |bug: &bugs::Bug, strategy: &str| failures(bug, strategy, 200);
    assert!(
        rate(&queue, "random:75") >= 120,
        "random:75 on queue_deadlock"
    );
    assert!(
        rate(&queue, "random:88") >= 140,
        "random:88 on queue_deadlock"
    );
    assert!(rate(&lost, "random:88") >= 140, "random:88 on lost_update");
    assert!(rate(&lost, "random") >= 40, "random on lost_update");
    assert!(rate(&queue, "pct:1") >= 80, "pct:1 on queue_deadlock");
    // `random:0` never yields at a switch point: these two bugs need one.
    assert_eq!(rate(&lost, "random:0"), 0);
}

/// `Dfs` with two deviations finds a bug within its bound, at an iteration
/// that does not depend on the base seed, with a tape of at most two
/// non-zero choices; on the fixed program it searches the whole bounded
/// space and says so.
#[test]
fn dfs_finds_a_bug_within_its_bound_and_proves_the_fix() {
    let bug = bugs::by_name("two_lock_deadlock");
    let dfs = |base_seed| {
        Explorer::new("bugs::two_lock_deadlock")
            .strategy(Strategy::Dfs { max_deviations: 2 })
            .base_seed(base_seed)
            .seeds(1000)
            .run(bug.buggy)
            .expect_err("dfs:2 finds the deadlock")
    };
    let (a, b) = (dfs(0), dfs(12_345));
    assert!(matches!(a.error(), Error::Deadlock { .. }), "{a}");
    assert!(a.to_string().contains("strategy dfs:2"), "{a}");
    assert_eq!(
        iteration(&a),
        iteration(&b),
        "the order is the same for any seed"
    );
    assert_eq!(a.tape(), b.tape());
    assert!(a.tape().nonzero() <= 2, "{a}");
    assert!(
        iteration(&a) > 1,
        "the first schedule is the plain one, which passes"
    );
    let replayed = replay(&bug, &a).expect_err("the dfs failure replays");
    assert!(matches!(replayed, Error::Deadlock { .. }));

    let report = Explorer::new("bugs::two_lock_deadlock::fixed")
        .strategy(Strategy::Dfs { max_deviations: 2 })
        .seeds(1000)
        .run(bug.fixed)
        .unwrap();
    assert!(report.exhausted(), "{report}");
    assert!(report.iterations() < 1000, "{report}");
    assert!(report.to_string().contains("space exhausted"), "{report}");
}

/// `Dfs` with one deviation suffices for a bug that needs one preemption;
/// with none, it runs exactly the plain schedule, which passes.
#[test]
fn dfs_bound_of_one_and_zero() {
    let bug = bugs::by_name("order_violation");
    let failure = Explorer::new("bugs::order_violation")
        .strategy(Strategy::Dfs { max_deviations: 1 })
        .seeds(1000)
        .run(bug.buggy)
        .expect_err("dfs:1 finds the order violation");
    assert!(bug.cause.matches(failure.error()), "{failure}");
    assert_eq!(failure.tape().nonzero(), 1, "{failure}");

    let report = Explorer::new("bugs::order_violation")
        .strategy(Strategy::Dfs { max_deviations: 0 })
        .seeds(1000)
        .run(bug.buggy)
        .expect("the one schedule without deviations is the plain run");
    assert_eq!(report.iterations(), 1);
    assert!(report.exhausted());
}

/// An exhausted `Dfs` proves only its bound: a fault from `buggify!` costs
/// three deviations (buggify on for the run, the site on, the site firing),
/// so `dfs:2` exhausts its space without finding the double apply, and
/// `dfs:3` finds it.
#[test]
fn dfs_exhausted_means_no_bug_within_the_bound_only() {
    let bug = bugs::by_name("retry_double_apply");
    let dfs = |k| {
        Explorer::new("bugs::retry_double_apply")
            .strategy(Strategy::Dfs { max_deviations: k })
            .seeds(1000)
            .run(bug.buggy)
    };
    let report = dfs(2).expect("no failing schedule within two deviations");
    assert!(report.exhausted(), "{report}");
    let failure = dfs(3).expect_err("three deviations reach the fault");
    assert!(bug.cause.matches(failure.error()), "{failure}");
    assert_eq!(failure.tape().nonzero(), 3, "{failure}");
    let replayed = replay(&bug, &failure).expect_err("the dfs failure replays with buggify on");
    assert!(bug.cause.matches(&replayed), "{replayed}");
}

/// The starvation bug needs four ordering decisions: `dfs:3` exhausts its
/// space without a failure, `dfs:4` finds it, and the shrunk tape keeps four
/// non-zero choices.
#[test]
fn dfs_measures_the_depth_of_the_starvation_bug() {
    let bug = bugs::by_name("snapshot_gc");
    let dfs = |k| {
        Explorer::new("bugs::snapshot_gc")
            .strategy(Strategy::Dfs { max_deviations: k })
            .seeds(1000)
            .run(bug.buggy)
    };
    assert!(
        dfs(3)
            .expect("no failure within three deviations")
            .exhausted()
    );
    let failure = dfs(4).expect_err("four deviations starve the reader");
    assert!(bug.cause.matches(failure.error()), "{failure}");
    assert_eq!(failure.tape().nonzero(), 4, "{failure}");
}

/// The distributed bugs fail because of their fault, not because of an
/// unlucky schedule: the shrunk tape keeps only the fault's choices (three
/// for a `buggify!` fault: on for the run, this site on, firing; one coin of
/// the link for the network's), and its replay shows the fault in the trace:
/// the partition, the duplicated or lost datagram, the restart.
#[test]
fn distributed_bugs_shrink_to_their_fault() {
    type Fault = fn(&EventKind) -> bool;
    let cases: [(&str, usize, Fault); 3] = [
        (
            "partition_stale_read",
            3,
            |e| matches!(e, EventKind::Fault { description } if description.contains("partition")),
        ),
        ("udp_duplicate_apply", 1, |e| {
            matches!(
                e,
                EventKind::Packet {
                    fate: PacketFate::Duplicated | PacketFate::Lost,
                    proto: "udp",
                    ..
                }
            )
        }),
        (
            "ack_before_flush",
            3,
            |e| matches!(e, EventKind::Node { node, change: NodeChange::Restarted } if node == "kv"),
        ),
    ];
    for (name, nonzero, fault) in cases {
        let bug = bugs::by_name(name);
        let failure = Explorer::new(format!("bugs::{name}"))
            .seeds(1000)
            .run(bug.buggy)
            .expect_err("the default sweep finds the bug");
        assert_eq!(failure.tape().nonzero(), nonzero, "{failure}");
        let mut sim = Sim::builder()
            .seed(failure.seed())
            .strategy(Strategy::Replay(failure.tape().clone()))
            .buggify(bug.buggify)
            .record_trace(true)
            .print_panics(false)
            .build();
        let replayed = sim
            .try_block_on((bug.buggy)())
            .expect_err("the shrunk tape replays the failure");
        assert!(
            bug.cause.matches(&replayed),
            "{name}: replayed as {replayed}"
        );
        assert!(
            sim.trace().events().iter().any(|e| fault(&e.kind)),
            "{name}: the replay's trace has no fault"
        );
    }
}

/// The fixed programs as `#[seedloop::test]`s, the way a user keeps a bug
/// fixed: each test replays first the line under `seeds/` that found its
/// bug in the buggy program (committed with the fix), then sweeps.
mod fixed {
    macro_rules! fixed_tests {
        ($($name:ident),* $(,)?) => {
            $(
                #[seedloop::test(seeds = 100)]
                async fn $name() {
                    (super::bugs::by_name(stringify!($name)).fixed)().await
                }
            )*
        };
    }

    /// Each committed line still finds its bug: replayed in a plain `Sim`
    /// against the buggy program, it fails with the bug's cause (so the
    /// line is the one that found the bug, not any line).
    #[test]
    fn every_committed_line_fails_the_buggy_program_with_its_cause() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut checked = 0;
        for bug in super::bugs::ALL.iter().filter(|b| !b.buggify) {
            let path = dir.join(format!("bugs__fixed__{}.seeds", bug.name));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let line = text.lines().next().expect("one line");
            let field = |key: &str| {
                line.split_whitespace()
                    .find_map(|f| f.strip_prefix(key))
                    .unwrap_or_else(|| panic!("no {key} in {line}"))
            };
            let seed = u64::from_str_radix(field("seed=0x"), 16).unwrap();
            let tape: seedloop::explore::Tape = field("tape=").parse().unwrap();
            let err = seedloop::Sim::builder()
                .seed(seed)
                .strategy(seedloop::Strategy::Replay(tape))
                .print_panics(false)
                .build()
                .try_block_on((bug.buggy)())
                .expect_err(line);
            assert!(bug.cause.matches(&err), "{}: {err}", bug.name);
            checked += 1;
        }
        assert_eq!(checked, 14);
    }

    fixed_tests!(
        lost_update,
        check_then_act,
        order_violation,
        two_lock_deadlock,
        missed_notify,
        double_checked_init,
        send_then_count,
        timeout_race,
        cancel_unsafe,
        queue_deadlock,
        torn_read,
        stale_cache,
        snapshot_gc,
        udp_duplicate_apply,
    );
}

/// The long-program bugs (`bugs::LONG`, each with its depth): `Pct` at
/// that depth finds each one, from the explorer and from a plain `Sim`,
/// where the default `Random` sweep of 1,000 seeds does not; the plain run
/// and the fixed program pass.
#[test]
fn pct_finds_the_long_program_bugs_that_random_misses() {
    for &(bug, depth) in bugs::LONG {
        let name = bug.name;
        plain_run(&bug, bug.buggy).unwrap_or_else(|e| panic!("{name}: plain run: {e}"));
        plain_run(&bug, bug.fixed).unwrap_or_else(|e| panic!("{name}: fixed: {e}"));
        let random = Explorer::new(format!("bugs::{name}"))
            .seeds(1000)
            .shrink_budget(0)
            .run(bug.buggy);
        assert!(
            random.is_ok(),
            "{name}: random found it, so it is no long-program bug"
        );
        let failure = Explorer::new(format!("bugs::{name}"))
            .strategy(Strategy::Pct { depth })
            .seeds(1000)
            .run(bug.buggy)
            .expect_err("pct finds the bug from the explorer");
        assert!(bug.cause.matches(failure.error()), "{failure}");
        let replayed = replay(&bug, &failure).expect_err("the pct failure replays");
        assert!(
            bug.cause.matches(&replayed),
            "{name}: replayed as {replayed}"
        );
        let plain = (0..1000u64).find(|seed| {
            Sim::builder()
                .seed(*seed)
                .strategy(Strategy::Pct { depth })
                .print_panics(false)
                .build()
                .try_block_on((bug.buggy)())
                .is_err()
        });
        assert!(
            plain.is_some(),
            "{name}: pct:{depth} from a plain Sim found nothing"
        );
        let fixed = Explorer::new(format!("bugs::{name}::fixed"))
            .strategy(Strategy::Pct { depth })
            .seeds(1000)
            .run(bug.fixed);
        assert!(fixed.is_ok(), "{name}: the fixed program failed under pct");
    }
}

/// Partial-order reduction for `dfs:2`: every bug plain `dfs:2` finds it
/// finds too, and on the fixed programs whose tasks share state only
/// through seedloop's primitives it reaches the same classes of runs with
/// fewer schedules.
#[test]
fn reduced_dfs_finds_the_same_bugs_with_fewer_schedules() {
    let dfs = |reduce| {
        Explorer::new("por")
            .strategy(Strategy::Dfs { max_deviations: 2 })
            .seeds(5000)
            .jobs(1)
            .shrink_budget(0)
            .reduce_orders(reduce)
    };
    for bug in bugs::ALL {
        let plain = dfs(false).run(bug.buggy).is_err();
        let reduced = dfs(true).run(bug.buggy).is_err();
        assert!(
            !plain || reduced,
            "{}: plain dfs found it, reduced did not",
            bug.name
        );
    }
    for (name, factor) in [
        ("two_lock_deadlock", 3),
        ("send_then_count", 2),
        ("retry_double_apply", 10),
        // A timeout racing a yield inside a poll: the reduction once put
        // the yielding task to sleep with only its first segment's
        // footprint, and lost one class of ten.
        ("cancel_unsafe", 2),
    ] {
        let bug = bugs::by_name(name);
        let plain = dfs(false).run(bug.fixed).unwrap();
        let reduced = dfs(true).run(bug.fixed).unwrap();
        assert_eq!(
            plain.schedule_classes(),
            reduced.schedule_classes(),
            "{name}"
        );
        assert!(
            reduced.iterations() * factor <= plain.iterations(),
            "{name}: {} schedules reduced, {} plain",
            reduced.iterations(),
            plain.iterations()
        );
    }
}
