//! Layer 3: `Promise` (asyncio's `Future`) and the tape-driven `select`.

use std::collections::BTreeSet;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures::future::FusedFuture;
use seedloop::future::{Cancelled, Either, Promise, select};
use seedloop::time::timeout;
use seedloop::{Error, Sim, Strategy, Tape};

fn fifo_sim() -> Sim {
    Sim::builder().strategy(Strategy::Fifo).build()
}

// ---- Promise ----

#[test]
fn a_promise_is_set_once_and_a_second_set_hands_the_value_back() {
    let p = Promise::new(); // no simulation needed to set or read
    assert!(!p.is_done() && !p.is_cancelled());
    assert_eq!(p.result(), None);
    assert_eq!(p.set_result(String::from("first")), Ok(()));
    assert_eq!(
        p.set_result(String::from("second")),
        Err(String::from("second"))
    );
    assert!(p.is_done() && !p.is_cancelled());
    assert_eq!(p.result(), Some(Ok(String::from("first"))));
    assert!(!p.cancel(), "a settled promise cannot be cancelled");
    assert_eq!(p.result(), Some(Ok(String::from("first"))));
    let debug = format!("{p:?}");
    assert!(debug.contains("done") && debug.contains("first"), "{debug}");
    let fresh: Promise<u8> = Promise::default();
    assert!(format!("{fresh:?}").contains("pending"));
}

#[test]
fn cancel_fails_the_waiters_and_later_sets() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let p: Promise<u32> = Promise::new();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let p = p.clone();
                seedloop::spawn(async move { p.wait().await })
            })
            .collect();
        seedloop::task::yield_now().await;
        assert!(format!("{p:?}").contains("waiters: 3"));
        assert!(p.cancel());
        assert!(!p.cancel());
        assert!(p.is_cancelled() && p.is_done());
        assert_eq!(p.set_result(9), Err(9));
        for w in waiters {
            assert_eq!(w.await.unwrap(), Err(Cancelled));
        }
        assert_eq!(p.wait().await, Err(Cancelled));
        assert_eq!(p.result(), Some(Err(Cancelled)));
        assert_eq!(Cancelled.to_string(), "promise cancelled");
        let _: &dyn std::error::Error = &Cancelled;
    });
}

#[test]
fn many_waiters_each_get_a_clone() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let p: Promise<Rc<Vec<u32>>> = Promise::new();
            let waiters: Vec<_> = (0..5)
                .map(|_| {
                    let p = p.clone();
                    seedloop::spawn(async move { p.wait().await.unwrap() })
                })
                .collect();
            seedloop::sleep(Duration::from_secs(1)).await;
            let value = Rc::new(vec![1, 2, 3]);
            p.set_result(value.clone()).unwrap();
            for w in waiters {
                let got = w.await.unwrap();
                assert!(Rc::ptr_eq(&got, &value));
            }
            assert_eq!(Rc::strong_count(&value), 2, "the promise and this handle");
        });
    }
}

#[test]
fn wait_after_done_is_immediate_and_a_switch_point() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let p = Promise::new();
        p.set_result(5).unwrap();
        assert_eq!(p.wait().await, Ok(5));
        assert_eq!(p.wait().await, Ok(5));
    });
    assert_eq!(sim.elapsed(), Duration::ZERO);
    assert_eq!(
        sim.tape().len(),
        2,
        "each wait on a settled promise is a switch point"
    );
}

#[test]
fn wait_blocks_until_set_and_is_cancel_safe() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let p = Promise::new();
        assert!(timeout(Duration::from_secs(1), p.wait()).await.is_err());
        assert!(
            format!("{p:?}").contains("waiters: 0"),
            "the dropped wait left"
        );
        let setter = p.clone();
        seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(2)).await;
            setter.set_result("late").unwrap();
        });
        let start = seedloop::time::now();
        assert_eq!(p.wait().await, Ok("late"));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn a_task_blocked_on_a_promise_is_named_in_the_deadlock_report() {
    let mut sim = Sim::new(1);
    let err = sim
        .try_block_on(async {
            let p: Promise<()> = Promise::new();
            p.wait().await
        })
        .unwrap_err();
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err}");
    };
    let waiting = tasks[0].waiting_on.clone().unwrap_or_default();
    assert!(
        waiting.starts_with("Promise::wait at tests/futures.rs:"),
        "{waiting}"
    );
}

// ---- select ----

/// Both branches ready at once: which wins?
async fn tie() -> char {
    match select(std::future::ready('a'), std::future::ready('b')).await {
        Either::Left((x, _)) | Either::Right((x, _)) => x,
    }
}

/// A race between two tasks that finish at the same virtual instant.
async fn task_race() -> &'static str {
    let first = seedloop::spawn(async {
        seedloop::sleep(Duration::from_secs(1)).await;
        "first"
    });
    let second = seedloop::spawn(async {
        seedloop::sleep(Duration::from_secs(1)).await;
        "second"
    });
    seedloop::sleep(Duration::from_secs(2)).await; // both are finished now
    match select(first, second).await {
        Either::Left((x, _)) | Either::Right((x, _)) => x.unwrap(),
    }
}

#[test]
fn under_fifo_the_first_branch_wins_a_tie() {
    for _ in 0..10 {
        assert_eq!(fifo_sim().block_on(tie()), 'a');
        assert_eq!(fifo_sim().block_on(task_race()), "first");
    }
    // Outside a simulation too.
    assert_eq!(futures::executor::block_on(tie()), 'a');
}

#[test]
fn under_random_both_branches_win_sometimes() {
    let mut winners = BTreeSet::new();
    let mut race_winners = BTreeSet::new();
    for seed in 0..64 {
        winners.insert(Sim::new(seed).block_on(tie()));
        race_winners.insert(Sim::new(seed).block_on(task_race()));
    }
    assert_eq!(winners, BTreeSet::from(['a', 'b']));
    assert_eq!(race_winners, BTreeSet::from(["first", "second"]));
}

#[test]
fn replaying_a_tape_reproduces_the_winner() {
    let mut seen = BTreeSet::new();
    for seed in 0..32 {
        let mut sim = Sim::new(seed);
        let winner = sim.block_on(task_race());
        let tape: Tape = sim.tape().clone();
        let mut replay = Sim::builder()
            .strategy(Strategy::Replay(tape.clone()))
            .build();
        assert_eq!(replay.block_on(task_race()), winner, "seed {seed}");
        assert_eq!(replay.tape(), &tape, "seed {seed}");
        // The text form replays too.
        let text: Tape = tape.to_string().parse().unwrap();
        let mut again = Sim::builder().strategy(Strategy::Replay(text)).build();
        assert_eq!(again.block_on(task_race()), winner, "seed {seed}");
        seen.insert(winner);
    }
    assert_eq!(seen.len(), 2, "both winners were replayed");
    // A tape that picks `b` first, then nothing else: `b` wins.
    let b_first = Strategy::Replay(Tape::from_values(vec![1]));
    assert_eq!(
        Sim::builder().strategy(b_first).build().block_on(tie()),
        'b'
    );
}

#[test]
fn same_seed_same_fingerprint() {
    let mut fingerprints = BTreeSet::new();
    for seed in 0..32 {
        let mut a = Sim::new(seed);
        let wa = a.block_on(task_race());
        let mut b = Sim::new(seed);
        let wb = b.block_on(task_race());
        assert_eq!(wa, wb, "seed {seed}");
        assert_eq!(a.fingerprint(), b.fingerprint(), "seed {seed}");
        assert_eq!(a.tape(), b.tape(), "seed {seed}");
        fingerprints.insert(a.fingerprint());
    }
    assert!(fingerprints.len() > 1);
}

#[test]
fn the_only_ready_branch_wins_and_the_loser_is_handed_back() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let slow = pin!(async {
                seedloop::sleep(Duration::from_secs(5)).await;
                "slow"
            });
            let fast = pin!(async {
                seedloop::sleep(Duration::from_secs(1)).await;
                "fast"
            });
            let start = seedloop::time::now();
            let mut race = select(slow, fast);
            assert!(!race.is_terminated());
            match (&mut race).await {
                Either::Right((winner, slow)) => {
                    assert_eq!(winner, "fast");
                    assert_eq!(start.elapsed(), Duration::from_secs(1));
                    assert_eq!(slow.await, "slow");
                }
                Either::Left(_) => panic!("seed {seed}: the slow branch won"),
            }
            assert!(race.is_terminated());
        });
        assert_eq!(sim.elapsed(), Duration::from_secs(5));
    }
}

#[test]
fn select_explores_a_promise_set_exactly_at_its_deadline() {
    // The promise is set at 1 s and the timer fires at 1 s: both outcomes
    // are real, and the tape picks one.
    let run = |seed| {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let p = Promise::new();
            let setter = p.clone();
            seedloop::spawn(async move {
                seedloop::sleep(Duration::from_secs(1)).await;
                setter.set_result(()).unwrap();
            });
            seedloop::sleep(Duration::from_secs(1)).await;
            let wait = pin!(p.wait());
            match select(wait, seedloop::sleep(Duration::ZERO)).await {
                Either::Left(_) => "value",
                Either::Right(_) => "deadline",
            }
        })
    };
    let outcomes: BTreeSet<&str> = (0..64).map(run).collect();
    assert_eq!(outcomes, BTreeSet::from(["deadline", "value"]));
}

#[test]
fn cloning_a_value_may_touch_its_own_promise() {
    use seedloop::future::Promise;
    thread_local! {
        static P: std::cell::RefCell<Option<Promise<Reentrant>>> =
            const { std::cell::RefCell::new(None) };
    }
    #[derive(Debug, PartialEq)]
    struct Reentrant(u32);
    impl Clone for Reentrant {
        fn clone(&self) -> Reentrant {
            // User code inside `T::clone` that uses the same promise.
            P.with(|p| p.borrow().as_ref().map(|p| p.cancel()));
            Reentrant(self.0)
        }
    }
    let p = Promise::new();
    P.with(|slot| *slot.borrow_mut() = Some(p.clone()));
    p.set_result(Reentrant(5)).unwrap();
    assert_eq!(p.result(), Some(Ok(Reentrant(5))));
    let mut sim = seedloop::Sim::new(1);
    let waited = sim.block_on({
        let p = p.clone();
        async move { p.wait().await }
    });
    assert_eq!(waited, Ok(Reentrant(5)));
    P.with(|slot| slot.borrow_mut().take());
}

mod select_macro {
    use std::cell::Cell;
    use std::collections::BTreeSet;
    use std::rc::Rc;
    use std::time::Duration;

    use seedloop::sync::mpsc;
    use seedloop::time::sleep;
    use seedloop::{Sim, Strategy};

    /// Counts drops, to see that losing branches are dropped.
    struct Dropped(Rc<Cell<u32>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn the_first_to_complete_wins_and_the_others_are_dropped() {
        let mut sim = Sim::new(1);
        sim.block_on(async {
            let drops = Rc::new(Cell::new(0));
            let guard = Dropped(drops.clone());
            let slow = async move {
                sleep(Duration::from_secs(5)).await;
                drop(guard);
                "slow"
            };
            let won = seedloop::select! {
                v = slow => v,
                v = async { sleep(Duration::from_millis(1)).await; "fast" } => v,
            };
            assert_eq!(won, "fast");
            assert_eq!(drops.get(), 1, "the losing future was dropped");
            assert_eq!(
                seedloop::time::Instant::now().since_start(),
                Duration::from_millis(1)
            );
        });
    }

    #[test]
    fn a_mismatched_output_disables_its_branch_and_else_runs_when_all_are_disabled() {
        let mut sim = Sim::new(2);
        sim.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            drop(tx); // recv() gives None: `Some(v)` does not match
            let got = seedloop::select! {
                Some(v) = rx.recv() => v,
                _ = sleep(Duration::from_millis(3)) => 99,
            };
            assert_eq!(got, 99);
            let flag = false;
            let got = seedloop::select! {
                _ = sleep(Duration::from_secs(1)), if flag => 1,
                else => 2,
            };
            assert_eq!(
                got, 2,
                "a false precondition disables, and nothing else is left"
            );
        });
    }

    #[test]
    fn with_every_branch_disabled_and_no_else_it_panics() {
        let mut sim = Sim::builder().print_panics(false).build();
        let err = sim
            .try_block_on(async {
                let (tx, mut rx) = mpsc::channel::<u32>(1);
                drop(tx);
                seedloop::select! {
                    Some(v) = rx.recv() => v,
                }
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("every branch is disabled"),
            "{err}"
        );
    }

    /// Two futures ready at once: which wins is the tape's choice, unless biased.
    fn race(
        seed: u64,
        strategy: Option<Strategy>,
        biased: bool,
    ) -> (&'static str, seedloop::explore::Tape) {
        let mut b = Sim::builder().seed(seed);
        if let Some(s) = strategy {
            b = b.strategy(s);
        }
        let mut sim = b.build();
        let won = sim.block_on(async move {
            // Ready at once, with no switch point of their own (a channel's
            // receive may yield first, which is another choice).
            let (a_rx, b_rx) = (std::future::ready(()), std::future::ready(()));
            if biased {
                seedloop::select! {
                    biased;
                    _ = a_rx => "a",
                    _ = b_rx => "b",
                }
            } else {
                seedloop::select! {
                    _ = a_rx => "a",
                    _ = b_rx => "b",
                }
            }
        });
        (won, sim.tape().clone())
    }

    #[test]
    fn which_ready_branch_wins_is_a_choice_on_the_tape_and_biased_keeps_the_order() {
        let winners: BTreeSet<&str> = (0..40).map(|s| race(s, None, false).0).collect();
        assert_eq!(
            winners,
            BTreeSet::from(["a", "b"]),
            "both orders are explored"
        );
        assert_eq!(
            race(0, Some(Strategy::Fifo), false).0,
            "a",
            "0 is the first branch"
        );
        for seed in 0..40 {
            let (won, tape) = race(seed, None, false);
            assert_eq!(
                race(99, Some(Strategy::Replay(tape)), false).0,
                won,
                "replays"
            );
            assert_eq!(race(seed, None, true).0, "a", "biased: written order");
        }
    }

    #[test]
    fn handlers_run_in_the_enclosing_function_with_mut_bindings_and_control_flow() {
        async fn first_even(rx: &mut mpsc::Receiver<u32>) -> Option<u32> {
            loop {
                seedloop::select! {
                    Some(mut v) = rx.recv() => {
                        v += 0;
                        if v % 2 == 0 {
                            return Some(v);
                        }
                        continue;
                    }
                    _ = sleep(Duration::from_secs(1)) => break None,
                }
            }
        }
        let mut sim = Sim::new(3);
        sim.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            for v in [1, 3, 4, 5] {
                tx.send(v).await.unwrap();
            }
            assert_eq!(first_even(&mut rx).await, Some(4));
            drop(tx);
            assert_eq!(
                first_even(&mut rx).await,
                None,
                "5 is odd, then the channel closes"
            );
        });
    }
}
