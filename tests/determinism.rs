//! Determinism: same seed ⇒ same run; tapes replay; the checker catches
//! planted nondeterminism; a snapshot of a small trace.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use seedloop::{Error, Sim, Strategy, Tape};

/// Ten tasks racing to append to a shared log, with yields, sleeps and
/// random draws in between.
async fn race() -> Vec<u32> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..10u32 {
        let log = log.clone();
        handles.push(seedloop::spawn(async move {
            for step in 0..3 {
                log.borrow_mut().push(i * 10 + step);
                if seedloop::rand::random::<bool>() {
                    seedloop::task::yield_now().await;
                } else {
                    seedloop::sleep(Duration::from_micros(seedloop::rand::random_range(0..3)))
                        .await;
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    log.take()
}

fn run(builder: seedloop::Builder) -> (Vec<u32>, u64, Tape, Sim) {
    let mut sim = builder.build();
    let log = sim.block_on(race());
    (log, sim.fingerprint(), sim.tape().clone(), sim)
}

#[test]
fn same_seed_same_fingerprint_over_many_seeds() {
    for seed in 0..200 {
        let (log_a, fp_a, tape_a, _) = run(Sim::builder().seed(seed));
        let (log_b, fp_b, tape_b, _) = run(Sim::builder().seed(seed));
        assert_eq!(fp_a, fp_b, "seed {seed}");
        assert_eq!(log_a, log_b, "seed {seed}");
        assert_eq!(tape_a, tape_b, "seed {seed}");
    }
}

#[test]
fn different_seeds_give_many_distinct_interleavings() {
    let mut logs = BTreeSet::new();
    let mut fingerprints = BTreeSet::new();
    for seed in 0..200 {
        let (log, fp, _, _) = run(Sim::builder().seed(seed));
        logs.insert(log);
        fingerprints.insert(fp);
    }
    assert!(
        logs.len() >= 190,
        "only {} distinct interleavings in 200 seeds",
        logs.len()
    );
    assert!(
        fingerprints.len() >= 190,
        "only {} distinct fingerprints",
        fingerprints.len()
    );
}

#[test]
fn a_tape_replays_to_the_same_run_through_its_text_form() {
    for seed in [1u64, 0x2a, 999] {
        let (log, fp, tape, sim) = run(Sim::builder().seed(seed).record_trace(true));
        let text = tape.to_string();
        let parsed: Tape = text.parse().unwrap();
        assert_eq!(parsed, tape);
        // Replay under a different seed: the tape alone decides.
        let (log2, fp2, tape2, sim2) = run(Sim::builder()
            .seed(seed + 1)
            .strategy(Strategy::Replay(parsed))
            .record_trace(true));
        assert_eq!(log2, log);
        assert_eq!(fp2, fp);
        assert_eq!(tape2, tape);
        assert_eq!(sim2.trace(), sim.trace());
    }
}

#[test]
fn a_short_tape_continues_with_zeros_and_a_tape_of_zeros_is_fifo() {
    let (fifo_log, fifo_fp, fifo_tape, _) = run(Sim::builder().strategy(Strategy::Fifo));
    assert_eq!(fifo_tape.nonzero(), 0);
    let (log, fp, _, _) = run(Sim::builder().strategy(Strategy::Replay(Tape::new())));
    assert_eq!((log, fp), (fifo_log.clone(), fifo_fp));
    // Out-of-range values are clamped, not a panic.
    let huge = Tape::from_values(vec![u32::MAX; 50]);
    let (log, fp, tape, _) = run(Sim::builder().strategy(Strategy::Replay(huge)));
    assert_eq!(log.len(), fifo_log.len());
    assert_ne!(fp, fifo_fp);
    // The run's own tape records the clamped values and replays it exactly.
    let (log2, fp2, _, _) = run(Sim::builder().strategy(Strategy::Replay(tape)));
    assert_eq!((log2, fp2), (log, fp));
}

#[test]
fn check_determinism_passes_a_deterministic_program() {
    let out = Sim::builder().seed(5).check_determinism(race).unwrap();
    assert_eq!(out.len(), 30);
}

#[test]
fn check_determinism_catches_a_planted_hashmap_iteration() {
    let err = Sim::builder()
        .seed(5)
        .check_determinism(|| async {
            // HashMap iteration order differs between two maps (and runs).
            let map: HashMap<u64, u64> = (0..16).map(|k| (k, k)).collect();
            let mut handles = Vec::new();
            for (k, _) in map {
                handles.push(seedloop::spawn(async move {
                    seedloop::sleep(Duration::from_millis(k)).await;
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        })
        .unwrap_err();
    let Error::NonDeterminism {
        seed,
        index,
        first,
        second,
    } = &err
    else {
        panic!("expected NonDeterminism, got {err}")
    };
    assert_eq!(*seed, 5);
    assert_ne!(first, second);
    assert!(*index > 0);
    let text = err.to_string();
    assert!(
        text.contains("first run:") && text.contains("second run:"),
        "{text}"
    );
}

#[test]
fn check_determinism_returns_the_run_error_when_both_runs_fail_alike() {
    let err = Sim::builder()
        .print_panics(false)
        .check_determinism(|| async { panic!("same both times") })
        .unwrap_err();
    assert!(matches!(err, Error::Panicked { .. }), "{err}");
}

#[test]
fn trace_snapshot_of_a_small_run() {
    let mut sim = Sim::builder().seed(0x5eed).record_trace(true).build();
    sim.block_on(async {
        let worker = seedloop::task::Builder::new().name("worker").spawn(async {
            seedloop::sleep(Duration::from_millis(1500)).await;
            7
        });
        let quick = seedloop::task::Builder::new().name("quick").spawn(async {
            seedloop::task::yield_now().await;
        });
        let aborted = seedloop::task::Builder::new()
            .name("doomed")
            .spawn(std::future::pending::<()>());
        aborted.abort();
        quick.await.unwrap();
        let _ = aborted.await;
        worker.await.unwrap()
    });
    insta::assert_snapshot!(sim.trace().to_string());
}

proptest! {
    #[test]
    fn tape_text_round_trips(values in proptest::collection::vec(
        prop_oneof![3 => Just(0u32), 1 => any::<u32>(), 1 => 0u32..4], 0..200)) {
        let tape = Tape::from_values(values.clone());
        let text = tape.to_string();
        prop_assert!(!text.contains(' '));
        let parsed: Tape = text.parse().unwrap();
        prop_assert_eq!(parsed.values(), &values[..]);
    }

    #[test]
    fn tape_parse_never_panics(text in "[0-9z,\\-x ]{0,40}") {
        let _ = text.parse::<Tape>();
    }
}

/// Two tasks each check for a key under one lock and insert it under a
/// second: whether the key is filled once or twice depends on yields at
/// the switch points of `Mutex::lock`.
async fn check_then_act() -> u32 {
    let map = Rc::new(seedloop::sync::Mutex::new(Vec::<u32>::new()));
    let mut handles = Vec::new();
    for _ in 0..2 {
        let map = map.clone();
        handles.push(seedloop::spawn(async move {
            let missing = !map.lock().await.contains(&7);
            if missing {
                map.lock().await.push(7);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    map.lock().await.len() as u32
}

/// Every tape of up to four binary choices, replayed: the outcome, the
/// fingerprint, the tape as made, and the trace.
fn every_short_tape() -> Vec<(u32, u64, Tape, String)> {
    let mut out = Vec::new();
    for len in 0..=4u32 {
        for bits in 0..(1u32 << len) {
            let tape = Tape::from_values((0..len).map(|i| (bits >> i) & 1).collect());
            let mut sim = Sim::builder()
                .strategy(Strategy::Replay(tape))
                .record_trace(true)
                .build();
            let filled = sim.block_on(check_then_act());
            out.push((
                filled,
                sim.fingerprint(),
                sim.tape().clone(),
                sim.trace().to_string(),
            ));
        }
    }
    out
}

#[test]
fn runs_with_one_fingerprint_made_the_same_choices_and_ended_alike() {
    let runs = every_short_tape();
    let mut by_fingerprint: HashMap<u64, (u32, Tape, String)> = HashMap::new();
    for (filled, fp, tape, trace) in &runs {
        if let Some((f0, t0, tr0)) = by_fingerprint.get(fp) {
            assert_eq!(
                t0, tape,
                "fingerprint {fp:016x} shared by tapes {t0} and {tape}"
            );
            assert_eq!(
                f0, filled,
                "fingerprint {fp:016x}: filled {f0} and {filled}"
            );
            assert_eq!(tr0, trace, "fingerprint {fp:016x} shared by two traces");
        } else {
            by_fingerprint.insert(*fp, (*filled, tape.clone(), trace.clone()));
        }
    }
    let outcomes: BTreeSet<u32> = runs.iter().map(|r| r.0).collect();
    assert_eq!(
        outcomes,
        BTreeSet::from([1, 2]),
        "both outcomes are reachable"
    );
    // Runs whose choices differ give different fingerprints.
    let tapes: BTreeSet<String> = runs.iter().map(|r| r.2.to_string()).collect();
    let fps: BTreeSet<u64> = runs.iter().map(|r| r.1).collect();
    assert_eq!(fps.len(), tapes.len());
}

#[test]
fn a_yield_at_a_switch_point_is_an_event_naming_the_task_and_the_site() {
    let runs = every_short_tape();
    let (_, _, _, trace) = runs
        .iter()
        .find(|r| r.0 == 2)
        .expect("some short tape fills the key twice");
    let line = trace
        .lines()
        .find(|l| l.contains("yielded at Mutex::lock"))
        .unwrap_or_else(|| panic!("no yield in the trace:\n{trace}"));
    assert!(line.contains("yield   task "), "{line}");
    assert!(line.contains("tests/determinism.rs:"), "{line}");
}
