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
