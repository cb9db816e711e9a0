//! The exploration harness: strategies, sweeps, shrinking, seeds files.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use seedloop::explore::{Explorer, Failure};
use seedloop::task::yield_now;
use seedloop::{Error, Sim, Strategy, Tape};

fn explorer(strategy: &str) -> Explorer {
    Explorer::new("explore::test")
        .strategy(strategy.parse().unwrap())
        .jobs(1)
}

/// Depth 2: `b` must look while `a` is in its window, steps 20 to 40 of
/// 40. Random almost always lets `b` look early (it runs `b` with
/// probability 1/2 at each of `a`'s yields); PCT needs one change point
/// inside the window.
async fn depth_two() {
    let window = Rc::new(Cell::new(false));
    let w = window.clone();
    let a = seedloop::spawn(async move {
        for i in 0..40 {
            if i == 20 {
                w.set(true);
            }
            yield_now().await;
        }
        w.set(false);
    });
    let w = window.clone();
    let b = seedloop::spawn(async move {
        assert!(!w.get(), "b looked inside a's window");
    });
    a.await.unwrap();
    b.await.unwrap();
}

/// Depth 3: `b` must act inside `a`'s window, and `c` must look inside the
/// window `b` then opens.
async fn depth_three() {
    let a_open = Rc::new(Cell::new(false));
    let b_open = Rc::new(Cell::new(false));
    let (ao, bo) = (a_open.clone(), b_open.clone());
    let a = seedloop::spawn(async move {
        for i in 0..40 {
            if i == 20 {
                ao.set(true);
            }
            yield_now().await;
        }
        ao.set(false);
    });
    let (ao, bo2) = (a_open.clone(), bo.clone());
    let b = seedloop::spawn(async move {
        if ao.get() {
            for i in 0..40 {
                if i == 20 {
                    bo2.set(true);
                }
                yield_now().await;
            }
            bo2.set(false);
        }
    });
    let c = seedloop::spawn(async move {
        assert!(!b_open.get(), "c looked inside b's window");
    });
    a.await.unwrap();
    b.await.unwrap();
    c.await.unwrap();
}

#[test]
fn pct_finds_a_depth_two_bug_that_random_misses() {
    let random = explorer("random").seeds(1000).run(depth_two);
    assert!(random.is_ok(), "random found it after all");
    let pct = explorer("pct:2").seeds(1000).run(depth_two).unwrap_err();
    assert!(
        pct.to_string().contains("b looked inside a's window"),
        "{pct}"
    );
}

#[test]
fn pct_finds_a_depth_three_bug_that_random_and_pct_two_miss() {
    assert!(explorer("random").seeds(1000).run(depth_three).is_ok());
    let pct = explorer("pct:3").seeds(1000).run(depth_three).unwrap_err();
    assert!(
        pct.to_string().contains("c looked inside b's window"),
        "{pct}"
    );
}

/// Two tasks that each yield twice, joined by main: a small space.
async fn small_space() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = Vec::new();
    for name in ["a", "b"] {
        let log = log.clone();
        tasks.push(seedloop::spawn(async move {
            for _ in 0..2 {
                log.borrow_mut().push(name);
                yield_now().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Every schedule of `small_space`, by brute force: every tape of length 10
/// over 0..3 (values clamp to each choice's bound), as fingerprints, with
/// the number of non-zero choices each recorded tape has.
fn brute_force() -> Vec<(u64, usize)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for code in 0..3u32.pow(10) {
        let values: Vec<u32> = (0..10).map(|i| code / 3u32.pow(i) % 3).collect();
        let mut sim = Sim::builder()
            .strategy(Strategy::Replay(Tape::from_values(values)))
            .build();
        sim.block_on(small_space());
        assert!(
            sim.tape().len() <= 10,
            "the tapes of this program are short"
        );
        if seen.insert(sim.fingerprint()) {
            out.push((sim.fingerprint(), sim.tape().nonzero()));
        }
    }
    out
}

#[test]
fn dfs_visits_every_schedule_once_and_knows_when_it_is_done() {
    let all = brute_force();
    assert!(all.len() > 10, "a space worth searching: {}", all.len());
    for k in [0u32, 1, 2, 64] {
        let within = all.iter().filter(|(_, nz)| *nz <= k as usize).count() as u64;
        let report = Explorer::new("dfs")
            .strategy(Strategy::Dfs { max_deviations: k })
            .seeds(100_000)
            .run(small_space)
            .unwrap();
        assert!(report.exhausted(), "k = {k}");
        assert_eq!(report.iterations(), within, "k = {k}: one run per schedule");
        assert_eq!(
            report.distinct_fingerprints(),
            within,
            "k = {k}: no schedule twice"
        );
    }
}

#[test]
fn dfs_stops_at_the_run_limit_without_claiming_exhaustion() {
    let report = Explorer::new("dfs")
        .strategy(Strategy::Dfs { max_deviations: 64 })
        .seeds(3)
        .run(small_space)
        .unwrap();
    assert_eq!(report.iterations(), 3);
    assert!(!report.exhausted());
}

/// Issue 13's example: a program that fails on one random value passed
/// `dfs:1` with "space exhausted". The search holds data choices at 0, so
/// it must not claim a proof; it says what it held.
#[test]
fn dfs_never_claims_exhaustion_while_it_held_data_choices_at_zero() {
    let report = Explorer::new("dfs")
        .strategy(Strategy::Dfs { max_deviations: 1 })
        .seeds(1000)
        .run(|| async {
            let t = seedloop::spawn(async {});
            t.await.unwrap();
            assert_ne!(seedloop::rand::random_range(0..4u32), 3);
        })
        .unwrap();
    assert!(!report.exhausted(), "{report}");
    let (random, cost) = report.data_held().expect("the schedules were all visited");
    assert!(random >= 1 && cost == 0, "{random} {cost}");
    let text = report.to_string();
    assert!(
        text.contains("schedules exhausted with data held at 0"),
        "{text}"
    );
    assert!(!text.contains("space exhausted"), "{text}");
    // Latencies are data too: a network with a latency range is held.
    let report = Explorer::new("dfs-net")
        .strategy(Strategy::Dfs { max_deviations: 1 })
        .seeds(1000)
        .run(|| async {
            seedloop::node::Builder::new("b").build();
            let s = seedloop::net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            s.send_to(b"x", "b:9").await.unwrap();
        })
        .unwrap();
    assert!(!report.exhausted());
    assert!(
        report.data_held().is_some_and(|(_, cost)| cost >= 1),
        "{report}"
    );
    // A program with no data choice is still proved.
    let report = Explorer::new("dfs-pure")
        .strategy(Strategy::Dfs { max_deviations: 1 })
        .seeds(1000)
        .run(small_space)
        .unwrap();
    assert!(report.exhausted() && report.data_held().is_none());
}

/// The lost update of the tour: the minimal failing tape has one non-zero
/// choice (one task must run between the other's read and write).
async fn lost_update() {
    let counter = Rc::new(Cell::new(0));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let counter = counter.clone();
        tasks.push(seedloop::spawn(async move {
            let seen = counter.get();
            yield_now().await;
            counter.set(seen + 1);
        }));
    }
    // Noise: tasks that make many choices without touching the counter.
    for _ in 0..8 {
        tasks.push(seedloop::spawn(async {
            for _ in 0..20 {
                yield_now().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(counter.get(), 2, "lost update");
}

fn replay(failure: &Failure, tape: Tape) -> Sim {
    Sim::builder()
        .seed(failure.seed())
        .strategy(Strategy::Replay(tape))
        .print_panics(false)
        .build()
}

#[test]
fn shrinking_keeps_at_most_twice_the_minimal_non_zero_choices() {
    let failure = explorer("random").seeds(1000).run(lost_update).unwrap_err();
    let text = failure.to_string();
    assert!(text.contains("shrunk: tape of"), "{text}");
    let minimal = 1;
    assert!(failure.tape().nonzero() <= 2 * minimal, "{text}");
    // The shrunk tape replays to the same failure.
    let mut sim = replay(&failure, failure.tape().clone());
    let err = sim.try_block_on(lost_update()).unwrap_err();
    let (Error::Panicked { location: a, .. }, Error::Panicked { location: b, .. }) =
        (&err, failure.error())
    else {
        panic!("expected panics: {err} / {}", failure.error());
    };
    assert_eq!(a, b, "the same panic location");
}

#[test]
fn replay_round_trip_from_the_printed_report() {
    // An explorer that reads the SEEDLOOP_* variables: its replay command
    // is a `cargo test` line.
    let failure = explorer("random")
        .seeds(1000)
        .apply_env()
        .unwrap()
        .run(lost_update)
        .unwrap_err();
    let text = failure.to_string();
    // Parse the tape back out of the printed replay command.
    let command = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: "))
        .expect("a replay line");
    assert_eq!(command, failure.replay_command());
    let tape: Tape = command
        .split_whitespace()
        .find_map(|w| w.strip_prefix("SEEDLOOP_TAPE="))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(&tape, failure.tape());
    // The same failure, and the same fingerprint on every replay.
    let run = |tape: &Tape| {
        let mut sim = replay(&failure, tape.clone());
        let err = sim.try_block_on(lost_update()).unwrap_err();
        (err, sim.fingerprint())
    };
    let (e1, f1) = run(&tape);
    let (e2, f2) = run(&tape);
    assert_eq!((e1.to_string(), f1), (e2.to_string(), f2));
    assert!(e1.to_string().contains("lost update"));
    // The report's numbers are the replayed run's, so its command
    // reproduces them.
    let at = format!(
        "at virtual time {}, step {}, fingerprint {f1:016x}",
        fmt_secs(sim_elapsed(&failure, &tape)),
        sim_steps(&failure, &tape)
    );
    assert!(text.contains(&at), "expected '{at}' in\n{text}");
    // The original seed, run alone, is the run shown as `found as:`.
    let mut original = Sim::builder()
        .seed(failure.seed())
        .print_panics(false)
        .build();
    assert!(original.try_block_on(lost_update()).is_err());
    if failure.tape().values() != original.tape().clone().trimmed().values() {
        let found = text
            .lines()
            .find(|l| l.trim_start().starts_with("found as:"))
            .unwrap_or_else(|| panic!("no 'found as' line in\n{text}"));
        assert!(
            found.contains(&format!("fingerprint {:016x}", original.fingerprint())),
            "{found}"
        );
    }
    assert!(
        command.ends_with("cargo test -- replay_round_trip_from_the_printed_report --exact")
            || command.contains(
                "cargo nextest run -E 'test(=replay_round_trip_from_the_printed_report)'"
            ),
        "the test's own name as the harness knows it: {command}"
    );
}

/// A replay of `tape` for `failure`, its virtual time and steps.
fn sim_elapsed(failure: &Failure, tape: &Tape) -> std::time::Duration {
    let mut sim = replay(failure, tape.clone());
    let _ = sim.try_block_on(lost_update());
    sim.elapsed()
}

fn sim_steps(failure: &Failure, tape: &Tape) -> u64 {
    let mut sim = replay(failure, tape.clone());
    let _ = sim.try_block_on(lost_update());
    sim.steps()
}

/// A virtual time as reports print it (`0.000s`, `1.5s` with three decimals at least).
fn fmt_secs(d: std::time::Duration) -> String {
    let mut frac = format!("{:09}", d.subsec_nanos());
    while frac.len() > 3 && frac.ends_with('0') {
        frac.pop();
    }
    format!("{}.{}s", d.as_secs(), frac)
}

#[test]
fn an_explorer_that_reads_no_variable_prints_its_own_line_to_replay() {
    let failure = explorer("random").seeds(1000).run(lost_update).unwrap_err();
    let command = failure.replay_command();
    assert!(!command.contains("SEEDLOOP_SEED"), "{command}");
    assert!(
        command.starts_with(&format!(
            "Explorer::new(\"explore::test\").only_seed({:#x}).only_tape(\"{}\"",
            failure.seed(),
            failure.tape()
        )),
        "{command}"
    );
    // And that line does replay it.
    let again = explorer("random")
        .only_seed(failure.seed())
        .only_tape(failure.tape().clone())
        .run(lost_update)
        .unwrap_err();
    let (Error::Panicked { location: a, .. }, Error::Panicked { location: b, .. }) =
        (again.error(), failure.error())
    else {
        panic!("expected panics: {} / {}", again.error(), failure.error());
    };
    assert_eq!(a, b);
    assert_eq!(again.tape(), failure.tape());
}

#[test]
fn results_do_not_depend_on_jobs() {
    let one = explorer("random")
        .seeds(1000)
        .jobs(1)
        .run(lost_update)
        .unwrap_err();
    let two = explorer("random")
        .seeds(1000)
        .jobs(2)
        .run(lost_update)
        .unwrap_err();
    assert_eq!(one.seed(), two.seed());
    assert_eq!(one.tape(), two.tape());
    let pass = |jobs| {
        explorer("pct:2")
            .seeds(300)
            .jobs(jobs)
            .run(small_space)
            .unwrap()
            .distinct_fingerprints()
    };
    assert_eq!(pass(1), pass(2));
}

#[test]
fn shards_split_a_sweep_and_report_the_same_failure() {
    let whole = explorer("random").seeds(1000).run(lost_update).unwrap_err();
    let total: u64 = (1..=3)
        .map(|k| {
            explorer("random")
                .seeds(90)
                .shard(k, 3)
                .run(small_space)
                .unwrap()
                .iterations()
        })
        .sum();
    assert_eq!(total, 90);
    let n = 4;
    let k = whole.seed() % n + 1;
    let sharded = explorer("random")
        .seeds(1000)
        .shard(k, n)
        .run(lost_update)
        .unwrap_err();
    assert_eq!(sharded.seed(), whole.seed());
    assert_eq!(sharded.replay_command(), whole.replay_command());
}

#[test]
#[should_panic(expected = "shard")]
fn a_bad_shard_is_a_named_error() {
    let _ = explorer("random").shard(5, 4).run(small_space);
}

#[test]
fn a_buggify_fraction_outside_zero_to_one_is_refused_not_clamped() {
    for bad in [1.5, -0.1, f64::NAN] {
        let result = std::panic::catch_unwind(|| {
            let _ = explorer("random").buggify(bad).seeds(1).run(small_space);
        });
        let payload = result.expect_err("refused");
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(text.contains("buggify"), "{text}");
        assert!(text.contains(&bad.to_string()), "{text}");
    }
}

/// Each key of a std HashMap becomes a task that yields `key % 3` times, in
/// the map's iteration order, which differs between instances: two runs
/// give the same events only if 32 keys come out in the same pattern.
async fn hash_map_order() {
    let map: std::collections::HashMap<u32, u32> = (0..32).map(|i| (i, i)).collect();
    let tasks: Vec<_> = map
        .keys()
        .map(|&k| {
            seedloop::spawn(async move {
                for _ in 0..k % 3 {
                    yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[test]
fn the_determinism_check_catches_a_hash_map() {
    for strategy in ["random", "pct:2", "dfs:1"] {
        let failure = explorer(strategy)
            .seeds(10)
            .run(hash_map_order)
            .unwrap_err();
        assert!(
            matches!(failure.error(), Error::NonDeterminism { .. }),
            "{strategy}: {failure}"
        );
        let text = failure.to_string();
        assert!(text.contains("determinism check"), "{text}");
        // No made-up place in a run: two runs parted, and where.
        assert!(!text.contains("fingerprint 0000000000000000"), "{text}");
        assert!(!text.contains("step 0,"), "{text}");
        assert!(
            text.contains("where: the two runs of seed 0x0 part at event "),
            "{text}"
        );
        // Running the sweep again is what reproduces the check.
        assert!(
            !failure.replay_command().contains("SEEDLOOP_TAPE"),
            "{text}"
        );
    }
}

#[test]
fn one_seed_keeps_the_trace_and_prints_it() {
    let failure = explorer("random")
        .only_seed(0)
        .run(|| async {
            seedloop::spawn(async {}).await.unwrap();
            panic!("always");
        })
        .unwrap_err();
    let text = failure.to_string();
    assert!(text.contains("(SEEDLOOP_SEED"), "{text}");
    assert!(text.contains("last events:"), "{text}");
}

#[test]
fn seeds_files_are_replayed_first_and_survive_a_torn_append() {
    let dir = std::env::temp_dir().join(format!("seedloop-explore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("lost_update.seeds");
    let found = explorer("random")
        .seeds(1000)
        .save_failures(&path)
        .run(lost_update)
        .unwrap_err();
    assert!(found.to_string().contains("saved to"), "{found}");
    // A crash mid-append leaves a partial temporary file beside it.
    std::fs::write(dir.join(".lost_update.seeds.tmp-99-0"), "seed=0x1 strat").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    // The saved line fails again before any new seed runs...
    let again = explorer("random")
        .seeds(1)
        .replay_file(&path)
        .unwrap()
        .run(lost_update)
        .unwrap_err();
    assert!(again.to_string().contains("line 1"), "{again}");
    assert_eq!(again.tape(), found.tape());
    // ...and once fixed, the file passes as a regression test.
    let fixed = explorer("random")
        .seeds(5)
        .replay_file(&path)
        .unwrap()
        .run(|| async {})
        .unwrap();
    assert_eq!(fixed.replayed(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn buggify_fires_only_where_enabled() {
    assert!(!seedloop::buggify!(), "outside a simulation");
    let mut plain = Sim::new(1);
    assert!(!plain.block_on(async { (0..100).any(|_| seedloop::buggify!(1.0)) }));
    // Enabled: a site is on in about a quarter of runs, and then fires
    // with its probability.
    let mut on = 0;
    let mut fired = 0;
    for seed in 0..400 {
        let mut sim = Sim::builder().seed(seed).buggify(true).build();
        let n = sim.block_on(async { (0..100).filter(|_| seedloop::buggify!(0.5)).count() });
        if n > 0 {
            on += 1;
            fired += n;
        }
    }
    assert!((70..=130).contains(&on), "sites on in {on} of 400 runs");
    let rate = fired as f64 / (on as f64 * 100.0);
    assert!((0.4..0.6).contains(&rate), "fire rate {rate}");
}

#[test]
fn a_tape_of_zeros_turns_buggify_off() {
    let mut sim = Sim::builder()
        .buggify(true)
        .strategy(Strategy::Replay(Tape::new()))
        .build();
    assert!(!sim.block_on(async { (0..100).any(|_| seedloop::buggify!(1.0)) }));
}

/// Fails when a drawn number is 500 or more, after as many yields as the
/// number says: shrinking lowers the number, so the shrunk run fails with
/// another message, at another step, than the run the sweep found.
async fn big_draw() {
    let v = seedloop::rand::random_range(0..1000u32);
    let t = seedloop::spawn(async move {
        for _ in 0..v % 7 {
            yield_now().await;
        }
    });
    t.await.unwrap();
    assert!(v < 500, "drew {v}");
}

#[test]
fn the_report_shows_the_shrunk_run_and_the_original_on_its_own_line() {
    let failure = explorer("random").seeds(100).run(big_draw).unwrap_err();
    let text = failure.to_string();
    // The shrunk run, replayed: its cause, step and fingerprint are the report's.
    let mut sim = replay(&failure, failure.tape().clone());
    let err = sim.try_block_on(big_draw()).unwrap_err();
    let cause = err.to_string();
    let drew = cause.split("drew ").nth(1).unwrap().to_string();
    assert!(text.contains(&format!("drew {drew}")), "{text}");
    let at = format!(
        "at virtual time 0.000s, step {}, fingerprint {:016x}",
        sim.steps(),
        sim.fingerprint()
    );
    assert!(text.contains(&at), "expected '{at}' in\n{text}");
    // The sweep's own run differs, and is shown as found.
    let mut original = Sim::builder()
        .seed(failure.seed())
        .print_panics(false)
        .build();
    let first = original.try_block_on(big_draw()).unwrap_err().to_string();
    assert_ne!(first, cause, "shrinking changed the number drawn");
    let found = text
        .lines()
        .find(|l| l.trim_start().starts_with("found as:"))
        .unwrap_or_else(|| panic!("no 'found as' line in\n{text}"));
    assert!(
        found.contains(&format!("fingerprint {:016x}", original.fingerprint())),
        "{found}"
    );
    assert!(
        found.contains(first.split("drew ").nth(1).unwrap()),
        "{found}"
    );
    // The last events are the shrunk run's too.
    assert!(text.contains("last events:"), "{text}");
}
