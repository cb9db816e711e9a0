//! asyncio's tools that tokio lacks: `Event`, `Condition`,
//! `BoundedSemaphore`, and `Barrier`'s arrival index, `abort` and `reset`,
//! each tested against asyncio's documented behaviour.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use seedloop::sync::{Barrier, BoundedSemaphore, Condition, Event, Mutex};
use seedloop::time::{sleep, timeout};
use seedloop::{Error, Sim};

fn quiet(seed: u64) -> Sim {
    Sim::builder().seed(seed).print_panics(false).build()
}

/// Lets every other ready task run for a while.
async fn settle() {
    for _ in 0..20 {
        seedloop::task::yield_now().await;
    }
}

#[test]
fn an_event_releases_every_waiter_and_a_raised_flag_lets_waits_through() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let e = Rc::new(Event::new());
            let released = Rc::new(RefCell::new(Vec::new()));
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let (e, released) = (e.clone(), released.clone());
                    seedloop::spawn(async move {
                        e.wait().await;
                        released.borrow_mut().push(i);
                    })
                })
                .collect();
            settle().await;
            assert!(released.borrow().is_empty(), "nobody passes a lowered flag");
            e.set();
            e.clear(); // asyncio: the waiters released by set still return
            for w in waiters {
                w.await.unwrap();
            }
            assert_eq!(released.borrow().len(), 3);
            // A lowered flag holds a new wait; a raised one does not.
            assert!(timeout(Duration::from_secs(1), e.wait()).await.is_err());
            e.set();
            timeout(Duration::from_secs(1), e.wait()).await.unwrap();
        });
    }
}

#[test]
fn a_cancelled_event_wait_leaves_and_a_stuck_one_is_named_in_the_deadlock() {
    let mut sim = quiet(1);
    let err = sim
        .try_block_on(async {
            let e = Event::new();
            // Cancelled by the timeout: it must not stay listed.
            assert!(timeout(Duration::from_millis(5), e.wait()).await.is_err());
            e.wait().await; // nobody will set it
        })
        .unwrap_err();
    let Error::Deadlock { .. } = &err else {
        panic!("expected a deadlock, got {err}")
    };
    assert!(
        err.to_string()
            .contains("Event::wait at tests/sync_asyncio.rs:"),
        "{err}"
    );
}

#[test]
fn an_event_wait_on_a_raised_flag_is_a_switch_point() {
    let yielded = (0..200).any(|seed| {
        let mut sim = Sim::builder().seed(seed).record_trace(true).build();
        sim.block_on(async {
            let e = Event::new();
            e.set();
            e.wait().await;
        });
        sim.trace().to_string().contains("yielded at Event::wait")
    });
    assert!(yielded, "some seed yields at a raised flag");
}

#[test]
fn condition_notify_n_wakes_the_first_n_waiters_in_order() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let both = Rc::new((Mutex::new(0u32), Condition::new()));
            let woken = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for i in 0..4 {
                let (both, woken) = (both.clone(), woken.clone());
                tasks.push(seedloop::spawn(async move {
                    let (m, c) = &*both;
                    let guard = m.lock().await;
                    let _guard = c.wait(guard).await;
                    woken.borrow_mut().push(i);
                }));
                settle().await; // waiter i is listed before i + 1
            }
            let (_, c) = &*both;
            c.notify(1);
            settle().await;
            assert_eq!(*woken.borrow(), [0]);
            c.notify(1);
            settle().await;
            assert_eq!(*woken.borrow(), [0, 1]);
            // Two at once: the next two waiters (which of them takes the
            // lock back first is the schedule's choice).
            c.notify(2);
            settle().await;
            let mut last = woken.borrow()[2..].to_vec();
            last.sort();
            assert_eq!(last, [2, 3]);
            c.notify_all(); // nobody waits: nothing is stored
            for t in tasks {
                t.await.unwrap();
            }
        });
    }
}

#[test]
fn a_condition_waiter_is_listed_before_the_lock_is_released() {
    // The notifier takes the lock the moment the waiter releases it: the
    // notification must reach the waiter (no lost wakeup), whatever the
    // schedule.
    for seed in 0..200 {
        let mut sim = quiet(seed);
        sim.try_block_on(async {
            let both = Rc::new((Mutex::new(false), Condition::new()));
            let b = both.clone();
            let waiter = seedloop::spawn(async move {
                let (ready, c) = &*b;
                let mut guard = ready.lock().await;
                while !*guard {
                    guard = c.wait(guard).await;
                }
            });
            seedloop::task::yield_now().await;
            let (ready, c) = &*both;
            let mut guard = ready.lock().await;
            *guard = true;
            c.notify(1);
            drop(guard);
            waiter.await.unwrap();
        })
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

#[test]
fn a_waiter_cancelled_after_its_notify_passes_the_notification_on() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let both = Rc::new((Mutex::new(()), Condition::new()));
            let spawn_waiter = |both: Rc<(Mutex<()>, Condition)>| {
                seedloop::spawn(async move {
                    let (m, c) = &*both;
                    let _g = c.wait(m.lock().await).await;
                })
            };
            let first = spawn_waiter(both.clone());
            settle().await;
            let second = spawn_waiter(both.clone());
            settle().await;
            let (_, c) = &*both;
            c.notify(1); // granted to `first`...
            first.abort(); // ...which is cancelled before it returns
            timeout(Duration::from_secs(1), second)
                .await
                .expect("the notification went on to the second waiter")
                .unwrap();
        });
    }
}

#[test]
fn wait_for_returns_at_once_when_the_predicate_holds_and_rechecks_after_each_notify() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let both = Rc::new((Mutex::new(0u32), Condition::new()));
        let (m, c) = &*both;
        // Holds already: no notify needed.
        let g = timeout(
            Duration::from_secs(1),
            c.wait_for(m.lock().await, |n| *n == 0),
        )
        .await
        .unwrap();
        drop(g);
        let checks = Rc::new(std::cell::Cell::new(0));
        let (b, k) = (both.clone(), checks.clone());
        let waiter = seedloop::spawn(async move {
            let (m, c) = &*b;
            let g = c
                .wait_for(m.lock().await, |n| {
                    k.set(k.get() + 1);
                    *n == 2
                })
                .await;
            *g
        });
        for _ in 0..2 {
            settle().await;
            *m.lock().await += 1;
            c.notify_all();
        }
        assert_eq!(waiter.await.unwrap(), 2);
        assert_eq!(checks.get(), 3, "checked at start and after each notify");
    });
}

#[test]
fn a_condition_wait_nobody_notifies_is_named_in_the_deadlock() {
    let mut sim = quiet(2);
    let err = sim
        .try_block_on(async {
            let m = Mutex::new(());
            let c = Condition::new();
            let _g = c.wait(m.lock().await).await;
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Condition::wait at tests/sync_asyncio.rs:"),
        "{err}"
    );
}

#[test]
fn a_bounded_semaphore_refuses_a_release_past_its_bound_and_serves_waiters_in_order() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let sem = Rc::new(BoundedSemaphore::new(1));
        assert_eq!(
            sem.release().unwrap_err().bound(),
            1,
            "nothing acquired yet"
        );
        sem.acquire().await;
        assert!(sem.locked());
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut waiters = Vec::new();
        for i in 0..2 {
            let (sem, order) = (sem.clone(), order.clone());
            waiters.push(seedloop::spawn(async move {
                sem.acquire().await;
                order.borrow_mut().push(i);
                sleep(Duration::from_millis(1)).await;
                sem.release().unwrap();
            }));
            settle().await; // waiter 0 queues before waiter 1
        }
        sem.release().unwrap();
        for w in waiters {
            w.await.unwrap();
        }
        assert_eq!(*order.borrow(), [0, 1]);
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.release().is_err(), "back at its bound");
        assert_eq!(
            sem.available_permits(),
            1,
            "a refused release changes nothing"
        );
    });
}

#[test]
fn barrier_indices_are_the_arrival_order_and_the_leader_arrives_last() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let b = Rc::new(Barrier::new(3));
            assert_eq!(b.parties(), 3);
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let b = b.clone();
                    seedloop::spawn(async move { b.wait_or_broken().await.unwrap() })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            let mut indices: Vec<usize> = results.iter().map(|r| r.index()).collect();
            indices.sort();
            assert_eq!(indices, [0, 1, 2]);
            let leader = results.iter().find(|r| r.is_leader()).unwrap();
            assert_eq!(leader.index(), 2);
            assert_eq!(results.iter().filter(|r| r.is_leader()).count(), 1);
            assert_eq!(b.n_waiting(), 0);
        });
    }
}

#[test]
fn abort_breaks_the_barrier_until_reset_and_reset_fails_only_those_waiting() {
    let mut sim = Sim::new(5);
    sim.block_on(async {
        let b = Rc::new(Barrier::new(3));
        let spawn_wait = |b: Rc<Barrier>| seedloop::spawn(async move { b.wait_or_broken().await });
        // reset: the two waiting fail, the barrier works again.
        let (w1, w2) = (spawn_wait(b.clone()), spawn_wait(b.clone()));
        settle().await;
        assert_eq!(b.n_waiting(), 2);
        b.reset();
        assert!(w1.await.unwrap().is_err() && w2.await.unwrap().is_err());
        assert!(!b.is_broken());
        assert_eq!(b.n_waiting(), 0);
        let round: Vec<_> = (0..3).map(|_| spawn_wait(b.clone())).collect();
        for t in round {
            t.await.unwrap().unwrap();
        }
        // abort: the waiting one fails, and so does every later wait.
        let w = spawn_wait(b.clone());
        settle().await;
        b.abort();
        assert!(w.await.unwrap().is_err());
        assert!(b.is_broken());
        assert!(b.wait_or_broken().await.is_err());
        b.reset();
        assert!(!b.is_broken());
    });
}

#[test]
fn tokio_shaped_wait_on_a_broken_barrier_panics_naming_the_way_out() {
    let mut sim = quiet(6);
    let err = sim
        .try_block_on(async {
            let b = Barrier::new(2);
            b.abort();
            b.wait().await;
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("the barrier is broken"), "{text}");
    assert!(text.contains("wait_or_broken"), "{text}");
}

#[test]
fn the_same_seed_gives_the_same_run_with_the_new_tools() {
    let run = |seed| {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let both = Rc::new((Mutex::new(0u32), Condition::new()));
            let e = Rc::new(Event::new());
            let b = Rc::new(Barrier::new(4));
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let (both, e, b) = (both.clone(), e.clone(), b.clone());
                    seedloop::spawn(async move {
                        e.wait().await;
                        let (m, c) = &*both;
                        let mut g = m.lock().await;
                        *g += 1;
                        c.notify_all();
                        drop(g);
                        b.wait().await.index()
                    })
                })
                .collect();
            e.set();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        sim.fingerprint()
    };
    let distinct: std::collections::BTreeSet<u64> = (0..30).map(run).collect();
    for seed in 0..30 {
        assert_eq!(run(seed), run(seed));
    }
    assert!(distinct.len() > 1, "the schedule varies with the seed");
}
