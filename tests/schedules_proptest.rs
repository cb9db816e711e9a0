//! Property tests over schedules: `seedloop::proptest::tape()` finds planted
//! races and shrinks them to the fewest deviations from the plainest run.
#![cfg(feature = "proptest")]

use std::cell::Cell;
use std::rc::Rc;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use seedloop::proptest::{TapeParams, tape, tape_with};
use seedloop::sync::Mutex;
use seedloop::{Sim, Strategy, Tape};

/// A runner whose cases and shrinking are the same on every run: a fixed
/// ChaCha seed, a fixed number of cases, no regression files.
fn runner() -> TestRunner {
    let config = Config {
        cases: 256,
        max_shrink_iters: 10_000,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// A replayed run of `body`, without the standard panic output.
fn replay<T>(tape: &Tape, body: impl Future<Output = T>) -> (T, Sim) {
    let mut sim = Sim::builder()
        .strategy(Strategy::Replay(tape.clone()))
        .print_panics(false)
        .build();
    let out = sim.block_on(body);
    (out, sim)
}

/// The planted bug: each task reads the counter, takes a lock nobody else
/// holds, and writes back what it read plus one. The lock guards nothing it
/// read, so an update is lost whenever a task is preempted at the lock (a
/// switch point: a choice on the tape, 0 = proceed). The plainest schedule
/// does not preempt, so it takes at least one non-zero choice to lose one.
async fn read_lock_write() -> u32 {
    let (lock, counter) = (Rc::new(Mutex::new(())), Rc::new(Cell::new(0)));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            seedloop::spawn(async move {
                let read = counter.get();
                let _guard = lock.lock().await;
                counter.set(read + 1);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    counter.get()
}

/// The same, fixed: the read happens under the lock.
async fn lock_read_write() -> u32 {
    let counter = Rc::new(Mutex::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            seedloop::spawn(async move {
                let mut guard = counter.lock().await;
                let read = *guard;
                seedloop::task::yield_now().await; // hold the lock across a real await
                *guard = read + 1;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    *counter.lock().await
}

/// A lost update that even the plainest schedule shows: `yield_now` always
/// lets the other task read before the write.
async fn read_yield_write() -> u32 {
    let counter = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            seedloop::spawn(async move {
                let read = counter.get();
                seedloop::task::yield_now().await;
                counter.set(read + 1);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    counter.get()
}

/// Every tape with exactly one non-zero value (1 or 2) among its first
/// `len` choices.
fn one_deviation_tapes(len: usize) -> impl Iterator<Item = Tape> {
    (0..len).flat_map(move |at| {
        (1..=2).map(move |value| {
            let mut values = vec![0; len];
            values[at] = value;
            Tape::from_values(values)
        })
    })
}

#[test]
fn planted_lost_update_is_found_and_shrunk_to_one_deviation() {
    // The minimum, by brute force: the plainest run passes, and some run with
    // a single non-zero choice fails. So 1 is the fewest deviations that fail.
    assert_eq!(replay(&Tape::new(), read_lock_write()).0, 2);
    let (plain_len, shortest) = {
        let (_, sim) = replay(&Tape::new(), read_lock_write());
        let len = sim.tape().len();
        let failing = one_deviation_tapes(len)
            .find(|t| replay(t, read_lock_write()).0 != 2)
            .expect("one deviation loses an update");
        (len, failing)
    };
    assert!(plain_len >= 2, "the run makes choices: {plain_len}");

    // proptest finds a failing tape and shrinks it to that minimum.
    let result = runner().run(&tape(), |tape| {
        let (total, _) = replay(&tape, read_lock_write());
        prop_assert_eq!(total, 2);
        Ok(())
    });
    let minimal = match result {
        Err(TestError::Fail(reason, minimal)) => {
            assert!(reason.message().contains("assertion failed"), "{reason}");
            minimal
        }
        other => panic!("the planted race went unnoticed: {other:?}"),
    };
    assert_eq!(minimal.nonzero(), 1, "shrunk to {minimal}");
    // Shrinking also deletes the choices that do not matter: nothing past
    // the deviation, and it sits where the brute force found one.
    assert_eq!(minimal.trimmed(), minimal, "{minimal}");
    assert_eq!(minimal, shortest.trimmed(), "{minimal} vs {shortest}");

    // Replaying it (through its text form, as SEEDLOOP_TAPE reads it) fails
    // the same way, every time, with the same run.
    let text = minimal.to_string();
    let parsed: Tape = text.parse().unwrap();
    let (first, sim1) = replay(&parsed, read_lock_write());
    let (second, sim2) = replay(&parsed, read_lock_write());
    assert_eq!((first, second), (1, 1), "replay of {text}");
    assert_eq!(sim1.fingerprint(), sim2.fingerprint());
    assert_eq!(sim1.tape().trimmed(), minimal);
    let from_env: Strategy = format!("replay:{text}").parse().unwrap();
    assert_eq!(from_env, Strategy::Replay(minimal));
}

#[test]
fn bug_in_the_plainest_schedule_shrinks_to_the_empty_tape() {
    assert_eq!(replay(&Tape::new(), read_yield_write()).0, 1);
    let result = runner().run(&tape(), |tape| {
        prop_assert_eq!(replay(&tape, read_yield_write()).0, 2);
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, minimal)) => {
            assert_eq!(minimal, Tape::new());
            assert_eq!(minimal.to_string(), "-");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_failure_inside_the_run_is_caught_and_shrunk() {
    // The assertion sits in the simulated code: the run fails with a
    // `seedloop::Error`, which the property turns into a test failure.
    let result = runner().run(&tape(), |tape| {
        let mut sim = Sim::builder()
            .strategy(Strategy::Replay(tape))
            .print_panics(false)
            .build();
        let run = sim.try_block_on(async {
            let total = read_lock_write().await;
            assert_eq!(total, 2, "an update was lost");
        });
        run.map_err(|error| TestCaseError::fail(error.to_string()))
    });
    match result {
        Err(TestError::Fail(reason, minimal)) => {
            assert!(reason.message().contains("an update was lost"), "{reason}");
            assert_eq!(minimal.nonzero(), 1, "{minimal}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_correct_program_passes_every_schedule() {
    let mut runner = runner();
    runner
        .run(&tape(), |tape| {
            let (total, sim) = replay(&tape, lock_read_write());
            prop_assert_eq!(total, 2);
            // The run used the tape: what it recorded agrees with what it was
            // given, up to clamping (a value too large becomes the last option).
            for (used, given) in sim.tape().values().iter().zip(tape.values()) {
                prop_assert!(used <= given);
                prop_assert_eq!(*used == 0, *given == 0);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn generated_tapes_round_trip_through_text() {
    runner()
        .run(&tape(), |tape| {
            let text = tape.to_string();
            prop_assert!(!text.contains(' '));
            prop_assert_eq!(text.parse::<Tape>().unwrap(), tape);
            Ok(())
        })
        .unwrap();
}

/// The first `n` tapes a fixed runner draws from `strategy`.
fn sample(strategy: impl proptest::strategy::Strategy<Value = Tape>, n: usize) -> Vec<Tape> {
    let mut runner = runner();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn zeros_dominate_and_a_few_values_are_large() {
    let tapes = sample(tape(), 500);
    let values: Vec<u32> = tapes.iter().flat_map(|t| t.values().to_vec()).collect();
    let zeros = values.iter().filter(|v| **v == 0).count() as f64;
    let small = values.iter().filter(|v| (1..=3).contains(*v)).count() as f64;
    let large = values.iter().filter(|v| **v > 3).count() as f64;
    let total = values.len() as f64;
    assert!(
        (0.75..0.85).contains(&(zeros / total)),
        "zeros {zeros}/{total}"
    );
    assert!(small > 4.0 * large, "small {small}, large {large}");
    assert!(large > 0.0);
    // Lengths spread over 0..=256.
    assert!(tapes.iter().all(|t| t.len() <= 256));
    assert!(tapes.iter().any(|t| t.len() < 20));
    assert!(tapes.iter().any(|t| t.len() > 200));
    // Most tapes stray from the plainest run, none by much.
    let mean_nonzero = tapes.iter().map(Tape::nonzero).sum::<usize>() as f64 / 500.0;
    assert!((15.0..35.0).contains(&mean_nonzero), "{mean_nonzero}");
}

#[test]
fn params_shape_the_tapes() {
    let plain = sample(tape_with(TapeParams::new().len(10).nonzero(0.0)), 50);
    assert!(plain.iter().all(|t| t.len() == 10 && t.nonzero() == 0));

    let busy = sample(
        tape_with(
            TapeParams::new()
                .len(5..=6)
                .nonzero(1.0)
                .small_max(1)
                .large(0.0),
        ),
        50,
    );
    assert!(busy.iter().all(|t| (5..=6).contains(&t.len())));
    assert!(busy.iter().flat_map(|t| t.values()).all(|v| *v == 1));

    let wide = sample(
        tape_with(TapeParams::new().len(100).nonzero(1.0).large(1.0)),
        5,
    );
    let values: Vec<u32> = wide.iter().flat_map(|t| t.values().to_vec()).collect();
    assert!(values.iter().all(|v| *v != 0));
    assert!(values.iter().filter(|v| **v > 1 << 16).count() > values.len() / 2);
}

#[test]
fn the_same_runner_seed_draws_the_same_tapes() {
    assert_eq!(sample(tape(), 20), sample(tape(), 20));
}

#[test]
fn shrinking_never_goes_below_the_minimum_length() {
    let result = runner().run(&tape_with(TapeParams::new().len(4..=40)), |tape| {
        prop_assert_eq!(replay(&tape, read_yield_write()).0, 2);
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, minimal)) => {
            assert_eq!(minimal.values(), &[0, 0, 0, 0]);
            assert_eq!(minimal.to_string(), "z4");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "TapeParams::nonzero: expected a probability within 0.0..=1.0, got 1.5")]
fn a_bad_probability_is_named() {
    let _ = TapeParams::new().nonzero(1.5);
}

#[test]
#[should_panic(expected = "TapeParams::large: expected a probability within 0.0..=1.0, got NaN")]
fn a_nan_share_is_named() {
    let _ = TapeParams::new().large(f64::NAN);
}

#[test]
#[should_panic(expected = "TapeParams::small_max: expected at least 1, got 0")]
fn a_zero_small_max_is_named() {
    let _ = TapeParams::new().small_max(0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The `proptest!` form: any schedule of a correct program passes.
    #[test]
    fn macro_form_over_schedules(tape in tape()) {
        let (total, _) = replay(&tape, lock_read_write());
        prop_assert_eq!(total, 2);
    }
}

/// Two independent deviations, each needed: a task must yield at the lock
/// *and* a second one too. Whatever tape proptest starts from, its result
/// is 1-minimal: zeroing or deleting any remaining non-zero choice passes.
#[test]
fn proptests_result_is_one_minimal() {
    let lost = |tape: &Tape| replay(tape, read_lock_write()).0 != 2;
    for seed in 0..5u8 {
        let mut runner = {
            let config = Config {
                cases: 512,
                max_shrink_iters: 10_000,
                failure_persistence: None,
                rng_algorithm: RngAlgorithm::ChaCha,
                ..Config::default()
            };
            let mut bytes = [0u8; 32];
            bytes[0] = seed;
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
        };
        let result = runner.run(&tape(), |tape| {
            prop_assert!(!lost(&tape));
            Ok(())
        });
        let Err(TestError::Fail(_, minimal)) = result else {
            panic!("seed {seed}: the planted race went unnoticed");
        };
        let values = minimal.values().to_vec();
        for i in (0..values.len()).filter(|&i| values[i] != 0) {
            let mut zeroed = values.clone();
            zeroed[i] = 0;
            assert!(
                !lost(&Tape::from_values(zeroed)),
                "seed {seed}: {minimal}: zeroing {i} still fails"
            );
            let mut deleted = values.clone();
            deleted.remove(i);
            assert!(
                !lost(&Tape::from_values(deleted)),
                "seed {seed}: {minimal}: deleting {i} still fails"
            );
        }
    }
}
