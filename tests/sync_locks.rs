//! Locks and signals: Semaphore, Mutex, RwLock, Notify, Barrier, and the
//! switch points that let the harness find races around them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use seedloop::sync::{Barrier, Mutex, Notify, RwLock, Semaphore, TryAcquireError};
use seedloop::{Error, Sim, Strategy as Schedule};

fn quiet(seed: u64) -> Sim {
    Sim::builder().seed(seed).print_panics(false).build()
}

/// Reads a shared counter outside the lock, then takes an uncontended lock
/// and writes: a lost update, possible only if a task yields at the lock.
async fn read_then_lock(tasks: usize) -> u32 {
    let lock = Rc::new(Mutex::new(()));
    let counter = Rc::new(Cell::new(0u32));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (lock, counter) = (lock.clone(), counter.clone());
        handles.push(seedloop::spawn(async move {
            let read = counter.get();
            let _guard = lock.lock().await; // never contended: no other await
            counter.set(read + 1);
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    counter.get()
}

#[test]
fn the_switch_point_at_an_uncontended_lock_exposes_a_lost_update() {
    // Without switch points, each task runs read, lock, write in one step.
    let mut fifo = Sim::builder().strategy(Schedule::Fifo).build();
    assert_eq!(fifo.block_on(read_then_lock(2)), 2, "Fifo never yields");
    // With them, a sweep finds the interleaving that loses an increment.
    let failing = (0..200u64).find(|&seed| Sim::new(seed).block_on(read_then_lock(2)) != 2);
    let seed = failing.expect("a seed within 200 loses an update");
    // And the failure replays from its tape.
    let mut sim = Sim::new(seed);
    let lost = sim.block_on(read_then_lock(2));
    let mut replay = Sim::builder()
        .strategy(Schedule::Replay(sim.tape().clone()))
        .build();
    assert_eq!(replay.block_on(read_then_lock(2)), lost);
    assert_eq!(replay.fingerprint(), sim.fingerprint());
}

#[test]
fn a_two_lock_deadlock_explains_itself() {
    let mut found = None;
    for seed in 0..100 {
        let mut sim = quiet(seed);
        let r = sim.try_block_on(async {
            let a = Rc::new(Mutex::new(0));
            let b = Rc::new(Mutex::new(0));
            let (a1, b1, a2, b2) = (a.clone(), b.clone(), a.clone(), b.clone());
            let t1 = seedloop::task::Builder::new().name("ab").spawn(async move {
                let _ga = a1.lock().await;
                seedloop::task::yield_now().await;
                let _gb = b1.lock().await;
            });
            let t2 = seedloop::task::Builder::new().name("ba").spawn(async move {
                let _gb = b2.lock().await;
                seedloop::task::yield_now().await;
                let _ga = a2.lock().await;
            });
            let _ = (t1.await, t2.await);
        });
        if let Err(e) = r {
            found = Some(e);
            break;
        }
    }
    let err = found.expect("some seed deadlocks");
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err}")
    };
    for name in ["ab", "ba"] {
        let t = tasks
            .iter()
            .find(|t| t.name.as_deref() == Some(name))
            .unwrap();
        let w = t.waiting_on.as_deref().unwrap_or_default();
        assert!(w.starts_with("Mutex::lock at tests/sync_locks.rs:"), "{w}");
    }
    let main = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("main"))
        .unwrap();
    assert!(
        main.waiting_on.as_deref().unwrap().contains("JoinHandle"),
        "{:?}",
        main.waiting_on
    );
    assert!(
        err.to_string()
            .contains("waiting on Mutex::lock at tests/sync_locks.rs:")
    );
}

#[test]
fn mutex_serves_waiters_in_fifo_order() {
    let mut sim = Sim::new(5);
    let order = sim.block_on(async {
        let m = Rc::new(Mutex::new(Vec::new()));
        let guard = m.lock().await;
        let mut tasks = Vec::new();
        for i in 0..5 {
            let mi = m.clone();
            tasks.push(seedloop::spawn(async move {
                mi.lock().await.push(i);
            }));
            // Let task i queue up before task i + 1 is spawned.
            for _ in 0..5 {
                seedloop::task::yield_now().await;
            }
        }
        drop(guard);
        for t in tasks {
            t.await.unwrap();
        }
        m.lock().await.clone()
    });
    assert_eq!(order, vec![0, 1, 2, 3, 4]);
}

#[test]
// tokio-shaped code puts a mutex in an `Arc` for `lock_owned`; seedloop's
// primitives are single-threaded (not `Sync`), which this lint points out.
#[allow(clippy::arc_with_non_send_sync)]
fn owned_guards_move_between_tasks() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let m = Arc::new(Mutex::new(0));
        let mut g = m.clone().lock_owned().await;
        *g += 1;
        let waiter = {
            let m = m.clone();
            seedloop::spawn(async move { *m.lock().await })
        };
        seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            *g += 1;
        });
        assert_eq!(waiter.await.unwrap(), 2);
        assert!(m.clone().try_lock_owned().is_ok());
    });
}

#[test]
fn a_cancelled_lock_future_takes_nothing() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let m = Mutex::new(0);
        let held = m.lock().await;
        let r = seedloop::time::timeout(Duration::from_secs(1), m.lock()).await;
        assert!(r.is_err(), "still locked");
        drop(held);
        assert!(
            m.try_lock().is_ok(),
            "the cancelled waiter did not keep the lock"
        );
    });
}

#[test]
fn rwlock_readers_share_and_a_waiting_writer_blocks_new_readers() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let lock = Rc::new(RwLock::new(0));
        let r1 = lock.read().await;
        let r2 = lock.read().await;
        let l = lock.clone();
        let writer = seedloop::spawn(async move {
            *l.write().await += 1;
        });
        for _ in 0..5 {
            seedloop::task::yield_now().await;
        }
        assert!(lock.try_read().is_err(), "a queued writer goes first");
        drop((r1, r2));
        writer.await.unwrap();
        assert_eq!(*lock.read().await, 1);
    });
}

#[test]
fn semaphore_close_fails_waiters_and_later_acquires() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let sem = Rc::new(Semaphore::new(1));
        let held = sem.acquire().await.unwrap();
        let s = sem.clone();
        let waiter =
            seedloop::spawn(async move { s.acquire_many(2).await.map(|p| p.num_permits()) });
        seedloop::task::yield_now().await;
        seedloop::task::yield_now().await;
        sem.close();
        assert!(waiter.await.unwrap().is_err());
        assert!(sem.acquire().await.is_err());
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
        drop(held);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_large_request_is_not_overtaken_by_small_ones() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let sem = Rc::new(Semaphore::new(2));
        let first = sem.acquire_many(2).await.unwrap();
        let s = sem.clone();
        let big = seedloop::spawn(async move { s.acquire_many(2).await.unwrap().forget() });
        for _ in 0..3 {
            seedloop::task::yield_now().await;
        }
        drop(first); // both permits go to the big waiter
        assert!(
            sem.try_acquire().is_err(),
            "no barging past the queued waiter"
        );
        big.await.unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn notify_one_stores_a_single_permit_and_notify_waiters_wakes_all() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let n = Rc::new(Notify::new());
        n.notify_one();
        n.notify_one();
        n.notified().await;
        let again = seedloop::time::timeout(Duration::from_secs(1), n.notified()).await;
        assert!(again.is_err(), "only one permit is stored");
        let woken = Rc::new(Cell::new(0));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (n, woken) = (n.clone(), woken.clone());
            tasks.push(seedloop::spawn(async move {
                n.notified().await;
                woken.set(woken.get() + 1);
            }));
        }
        for _ in 0..10 {
            seedloop::task::yield_now().await;
        }
        n.notify_waiters();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(woken.get(), 4);
    });
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let n = Rc::new(Notify::new());
        let got = Rc::new(Cell::new(false));
        let (n1, n2, g) = (n.clone(), n.clone(), got.clone());
        let first = seedloop::spawn(async move {
            let _ = seedloop::time::timeout(Duration::from_secs(1), n1.notified()).await;
        });
        let second = seedloop::spawn(async move {
            seedloop::task::yield_now().await;
            n2.notified().await;
            g.set(true);
        });
        for _ in 0..5 {
            seedloop::task::yield_now().await;
        }
        // Granted to `first` (the front waiter), which is then cancelled by
        // its timeout before it runs: the notification must reach `second`.
        n.notify_one();
        first.abort();
        let _ = first.await;
        second.await.unwrap();
        assert!(got.get());
    });
}

#[test]
fn barrier_rounds_have_one_leader_each() {
    let mut sim = Sim::new(9);
    let leaders = sim.block_on(async {
        let b = Rc::new(Barrier::new(4));
        let leaders = Rc::new(Cell::new(0));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (b, leaders) = (b.clone(), leaders.clone());
            tasks.push(seedloop::spawn(async move {
                for _ in 0..3 {
                    if b.wait().await.is_leader() {
                        leaders.set(leaders.get() + 1);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        leaders.get()
    });
    assert_eq!(leaders, 3);
}

#[test]
fn lock_heavy_runs_are_deterministic() {
    let run = |seed| {
        let mut sim = Sim::new(seed);
        sim.block_on(read_then_lock(8));
        sim.fingerprint()
    };
    for seed in 0..20 {
        assert_eq!(run(seed), run(seed));
    }
}

/// One step of a random program over a semaphore.
#[derive(Clone, Debug)]
enum Op {
    Acquire(u32),
    Yield,
    Sleep(u8),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        (1u32..4).prop_map(Op::Acquire),
        Just(Op::Yield),
        (0u8..3).prop_map(Op::Sleep),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Tasks run random acquire/hold/release programs; the semaphore never
    /// hands out more permits than it has, and they all come back.
    #[test]
    fn semaphore_never_over_grants(
        seed in any::<u64>(),
        permits in 1usize..6,
        programs in proptest::collection::vec(proptest::collection::vec(op(), 1..8), 1..6),
    ) {
        let mut sim = Sim::new(seed);
        let peak = sim.block_on(async move {
            let sem = Rc::new(Semaphore::new(permits));
            let held = Rc::new(Cell::new(0usize));
            let peak = Rc::new(Cell::new(0usize));
            let mut tasks = Vec::new();
            for program in programs {
                let (sem, held, peak) = (sem.clone(), held.clone(), peak.clone());
                tasks.push(seedloop::spawn(async move {
                    for op in program {
                        match op {
                            Op::Acquire(n) => {
                                let n = n.min(permits as u32);
                                let p = sem.acquire_many(n).await.unwrap();
                                held.set(held.get() + n as usize);
                                peak.set(peak.get().max(held.get()));
                                assert!(held.get() <= permits, "over-granted");
                                seedloop::task::yield_now().await;
                                held.set(held.get() - n as usize);
                                drop(p);
                            }
                            Op::Yield => seedloop::task::yield_now().await,
                            Op::Sleep(ms) => seedloop::sleep(Duration::from_millis(ms as u64)).await,
                        }
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(sem.available_permits(), permits, "every permit came back");
            peak.get()
        });
        prop_assert!(peak <= permits);
    }

    /// Tasks take a mutex and check no one else is inside.
    #[test]
    fn mutex_never_admits_two_holders(seed in any::<u64>(), tasks in 2usize..8, rounds in 1usize..5) {
        let mut sim = Sim::new(seed);
        let entries = sim.block_on(async move {
            let m = Rc::new(Mutex::new(()));
            let inside = Rc::new(Cell::new(false));
            let entries = Rc::new(RefCell::new(0));
            let mut handles = Vec::new();
            for _ in 0..tasks {
                let (m, inside, entries) = (m.clone(), inside.clone(), entries.clone());
                handles.push(seedloop::spawn(async move {
                    for _ in 0..rounds {
                        let _g = m.lock().await;
                        assert!(!inside.replace(true), "two holders");
                        *entries.borrow_mut() += 1;
                        if seedloop::rand::random::<bool>() {
                            seedloop::task::yield_now().await;
                        }
                        inside.set(false);
                    }
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
            *entries.borrow()
        });
        prop_assert_eq!(entries, tasks * rounds);
    }
}

#[test]
fn a_notify_one_grant_survives_notify_waiters_before_the_drop() {
    use std::future::Future;
    use std::task::{Context, Waker};
    let n = Notify::new();
    let mut a = Box::pin(n.notified());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    n.notify_one(); // granted to `a`
    n.notify_waiters(); // then a broadcast, before `a` runs
    drop(a); // `a` never returned: its notify_one grant must pass on
    let mut b = Box::pin(n.notified());
    assert!(
        b.as_mut().poll(&mut cx).is_ready(),
        "the grant was stored as a permit"
    );
}

#[test]
fn dropping_a_waiting_acquire_drops_its_waker_with_no_borrow_held() {
    use std::future::Future;
    use std::task::{Context, Wake, Waker};
    thread_local! {
        static SEM: RefCell<Option<Rc<Semaphore>>> = const { RefCell::new(None) };
    }
    struct TouchesOnDrop;
    impl Wake for TouchesOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for TouchesOnDrop {
        fn drop(&mut self) {
            // A waker whose drop re-enters the semaphore.
            SEM.with(|s| s.borrow().as_ref().map(|s| s.available_permits()));
        }
    }
    let sem = Rc::new(Semaphore::new(0));
    SEM.with(|s| *s.borrow_mut() = Some(sem.clone()));
    {
        let waker = Waker::from(Arc::new(TouchesOnDrop));
        let mut cx = Context::from_waker(&waker);
        let mut acquire = Box::pin(sem.acquire());
        assert!(acquire.as_mut().poll(&mut cx).is_pending());
        drop(waker);
        drop(acquire); // drops the stored (last) waker: must not panic
    }
    SEM.with(|s| s.borrow_mut().take());
    assert_eq!(sem.available_permits(), 0);
}

#[test]
#[allow(clippy::arc_with_non_send_sync)] // tokio's owned guards take an Arc
fn owned_rwlock_guards_move_into_other_tasks_and_release_on_drop() {
    let mut sim = Sim::new(9);
    sim.block_on(async {
        let lock = Arc::new(RwLock::new(vec![1]));
        let r1 = lock.clone().read_owned().await;
        let r2 = lock.clone().try_read_owned().unwrap();
        assert!(lock.clone().try_write_owned().is_err(), "readers hold it");
        let reader = seedloop::spawn(async move { r1.len() + r2.len() });
        assert_eq!(reader.await.unwrap(), 2);
        let mut w = lock.clone().write_owned().await;
        assert!(Arc::ptr_eq(w.rwlock(), &lock));
        w.push(2);
        assert!(
            lock.clone().try_read_owned().is_err(),
            "the writer holds it"
        );
        let writer = seedloop::spawn(async move {
            w.push(3);
        });
        writer.await.unwrap();
        assert_eq!(*lock.read().await, [1, 2, 3]);
    });
}

/// The locks, their guards and the futures of their operations are `Send`
/// and `Sync` as tokio's are (thread-checked: they work only on the
/// simulation's thread), so code written for tokio that needs `Send`
/// futures, or keeps a lock in an `Arc` shared by `Send` tasks, compiles.
#[test]
fn locks_guards_and_their_futures_are_send_and_sync_as_tokios_are() {
    use std::sync::Arc;
    fn send<T: Send + Sync>(_: &T) {}
    fn send_future<F: Future + Send>(_: F) {}
    let m = Arc::new(seedloop::sync::Mutex::new(1u8));
    let l = Arc::new(seedloop::sync::RwLock::new(1u8));
    let s = Arc::new(seedloop::sync::Semaphore::new(1));
    let n = seedloop::sync::Notify::new();
    send(&m);
    send(&l);
    send(&s);
    send(&n);
    send_future(m.lock());
    send_future(m.clone().lock_owned());
    send_future(l.read());
    send_future(l.write());
    send_future(s.acquire());
    send_future(s.clone().acquire_owned());
    send_future(n.notified());
    let mut sim = Sim::new(4);
    sim.block_on(async move {
        let g = m.lock().await;
        send(&g);
        drop(g);
        let r = l.read().await;
        send(&r);
    });
}

/// A guard dropped on another thread cannot release its lock there: it
/// leaks it, and the next lock waits for ever (reported as a deadlock),
/// instead of touching the simulation from the wrong thread.
#[test]
fn a_guard_dropped_on_another_thread_leaks_the_lock() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            let m = std::sync::Arc::new(seedloop::sync::Mutex::new(0u8));
            let g = m.clone().lock_owned().await;
            std::thread::spawn(move || drop(g)).join().unwrap();
            let _again = m.lock().await;
        })
        .unwrap_err();
    assert!(err.to_string().contains("deadlock"), "{err}");
}
