//! Tasks: spawn, join, abort, JoinSet, spawn_blocking, names and ids.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use seedloop::task::{self, JoinSet};
use seedloop::{PanicPolicy, Sim, Strategy};

struct OnDrop(Rc<Cell<u32>>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn spawned_tasks_run_concurrently_and_return_values() {
    let mut sim = Sim::new(4);
    let v = sim.block_on(async {
        let a = seedloop::spawn(async {
            seedloop::sleep(Duration::from_secs(2)).await;
            2
        });
        let b = seedloop::spawn(async {
            seedloop::sleep(Duration::from_secs(2)).await;
            3
        });
        a.await.unwrap() * b.await.unwrap()
    });
    assert_eq!(v, 6);
    assert_eq!(sim.elapsed(), Duration::from_secs(2), "the sleeps overlap");
}

#[test]
fn fifo_runs_tasks_in_spawn_order() {
    let mut sim = Sim::builder().strategy(Strategy::Fifo).build();
    let order = sim.block_on(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let log = log.clone();
                seedloop::spawn(async move { log.borrow_mut().push(i) })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        log.take()
    });
    assert_eq!(order, vec![0, 1, 2, 3, 4]);
}

#[test]
fn abort_drops_the_future_at_the_next_step_and_wakes_the_joiner() {
    let mut sim = Sim::new(1);
    let drops = Rc::new(Cell::new(0));
    let polls = Rc::new(Cell::new(0));
    let (d, p) = (drops.clone(), polls.clone());
    sim.block_on(async move {
        let p2 = p.clone();
        let task = seedloop::spawn(async move {
            let p = p2;
            let _guard = OnDrop(d);
            loop {
                p.set(p.get() + 1);
                seedloop::sleep(Duration::from_secs(1)).await;
            }
        });
        seedloop::sleep(Duration::from_millis(2500)).await;
        let polls_before = p.get();
        assert_eq!(polls_before, 3);
        task.abort();
        assert!(
            !task.is_finished(),
            "dropped at a step boundary, not inside abort()"
        );
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(
            p.get(),
            polls_before,
            "an aborted task is never polled again"
        );
    });
    assert_eq!(drops.get(), 1, "the future's destructor ran");
}

#[test]
fn aborting_a_finished_task_keeps_its_result() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let task = seedloop::spawn(async { 9 });
        while !task.is_finished() {
            task::yield_now().await;
        }
        task.abort();
        assert_eq!(task.await.unwrap(), 9);
    });
}

#[test]
fn a_task_can_abort_itself() {
    let mut sim = Sim::new(1);
    let reached = Rc::new(Cell::new(false));
    let r = reached.clone();
    sim.block_on(async move {
        let slot: Rc<RefCell<Option<task::AbortHandle>>> = Rc::default();
        let s = slot.clone();
        let t = seedloop::spawn(async move {
            let me = s.borrow_mut().take().unwrap();
            me.abort();
            task::yield_now().await;
            r.set(true);
        });
        *slot.borrow_mut() = Some(t.abort_handle());
        assert!(t.await.unwrap_err().is_cancelled());
    });
    assert!(!reached.get());
}

#[test]
fn dropping_a_join_handle_detaches_the_task() {
    let mut sim = Sim::new(1);
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    sim.block_on(async move {
        drop(seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            d.set(true);
        }));
        seedloop::sleep(Duration::from_secs(2)).await;
    });
    assert!(done.get());
}

#[test]
fn task_ids_are_sequential_and_visible_inside() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        assert_eq!(task::id().as_u64(), 1);
        let t = seedloop::spawn(async { task::id() });
        assert_eq!(t.id().as_u64(), 2);
        assert_eq!(t.await.unwrap().as_u64(), 2);
    });
    assert!(task::try_id().is_none());
}

#[test]
fn join_set_returns_results_in_completion_order() {
    let mut sim = Sim::new(1);
    let order = sim.block_on(async {
        let mut set = JoinSet::new();
        for ms in [30u64, 10, 20] {
            set.spawn(async move {
                seedloop::sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        order
    });
    assert_eq!(order, vec![10, 20, 30]);
}

#[test]
fn join_set_abort_all_and_drop_cancel_every_task() {
    let mut sim = Sim::new(1);
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    sim.block_on(async move {
        let mut set = JoinSet::new();
        for _ in 0..4 {
            let g = OnDrop(d.clone());
            set.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
        }
        set.abort_all();
        let mut cancelled = 0;
        while let Some(r) = set.join_next().await {
            assert!(r.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 4);
        let mut set2 = JoinSet::new();
        for _ in 0..3 {
            let g = OnDrop(d.clone());
            set2.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
        }
        task::yield_now().await;
        drop(set2);
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(drops.get(), 7);
}

#[test]
fn join_set_join_next_is_cancel_safe() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async {
            seedloop::sleep(Duration::from_secs(2)).await;
            "late"
        });
        // Give up on join_next after 1s; the result must still come later.
        let r = seedloop::time::timeout(Duration::from_secs(1), set.join_next()).await;
        assert!(r.is_err());
        assert_eq!(set.len(), 1);
        assert_eq!(set.join_next().await.unwrap().unwrap(), "late");
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn join_set_shutdown_waits_for_all() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..5 {
            set.spawn(seedloop::sleep(Duration::from_secs(100)));
        }
        set.shutdown().await;
        assert!(set.is_empty());
    });
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn spawn_blocking_runs_the_closure_and_costs_virtual_time() {
    let cost = Duration::from_millis(1)..Duration::from_millis(50);
    let mut costs = std::collections::BTreeSet::new();
    for seed in 0..20 {
        let mut sim = Sim::builder()
            .seed(seed)
            .blocking_cost(cost.clone())
            .build();
        let v = sim.block_on(async { task::spawn_blocking(|| 7 * 6).await.unwrap() });
        assert_eq!(v, 42);
        assert!(cost.contains(&sim.elapsed()), "{:?}", sim.elapsed());
        costs.insert(sim.elapsed());
    }
    assert!(costs.len() > 10, "the cost is drawn from the tape");
    let mut fifo = Sim::builder()
        .strategy(Strategy::Fifo)
        .blocking_cost(cost.clone())
        .build();
    fifo.block_on(async { task::spawn_blocking(|| ()).await.unwrap() });
    assert_eq!(fifo.elapsed(), cost.start, "0 = the minimum cost");
}

#[test]
fn a_panicking_destructor_after_abort_does_not_take_the_run_down() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb");
        }
    }
    let mut sim = Sim::builder()
        .print_panics(false)
        .panic_policy(PanicPolicy::ToJoinHandle)
        .build();
    sim.block_on(async {
        let t = seedloop::spawn(async {
            let _b = Bomb;
            std::future::pending::<()>().await
        });
        task::yield_now().await;
        t.abort();
        assert!(t.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn many_tasks_finish() {
    let mut sim = Sim::new(77);
    let n = sim.block_on(async {
        let handles: Vec<_> = (0..10_000u64)
            .map(|i| {
                seedloop::spawn(async move {
                    seedloop::sleep(Duration::from_millis(i % 97)).await;
                    task::yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(n, (0..10_000u64).sum::<u64>());
    assert_eq!(sim.live_tasks(), 0);
}

/// tokio's `Sleep`, `JoinHandle` and `AbortHandle` are `Send`, and code
/// written for tokio boxes futures that hold them as `Send`: seedloop's
/// are `Send` too (thread-checked: they work only on the simulation's
/// thread).
#[test]
fn sleeps_and_join_handles_are_send_and_work_in_send_boxed_futures() {
    fn send<T: Send + Sync>(_: &T) {}
    let mut sim = Sim::new(7);
    let v = sim.block_on(async {
        let boxed: std::pin::Pin<Box<dyn Future<Output = u32> + Send>> = Box::pin(async {
            let nap = seedloop::time::sleep(Duration::from_secs(1));
            send(&nap);
            nap.await;
            let task = seedloop::spawn(async { 41 });
            send(&task);
            send(&task.abort_handle());
            let timed = seedloop::time::timeout(Duration::from_secs(1), task);
            timed.await.unwrap().unwrap() + 1
        });
        boxed.await
    });
    assert_eq!(v, 42);
    assert_eq!(sim.elapsed(), Duration::from_secs(1));
}

#[test]
fn a_join_handle_on_another_thread_panics_when_used_and_leaks_when_dropped() {
    let mut sim = Sim::new(8);
    sim.block_on(async {
        let a = seedloop::spawn(std::future::pending::<()>());
        let b = seedloop::spawn(async { 5 });
        let used = std::thread::spawn(move || a.is_finished()).join();
        assert!(used.is_err(), "a foreign thread cannot reach the task");
        let dropped = std::thread::spawn(move || drop(b)).join();
        assert!(dropped.is_ok(), "a foreign drop leaks quietly");
    });
}
