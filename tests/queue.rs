//! Queues: every method and error, the three orders, blocking and fairness,
//! shutdown, cancellation, deadlock reports, determinism, and (in
//! `queue/model.rs`) a model-based property test.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use seedloop::queue::{
    LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown, TaskDoneError,
    TryGetError, TryPutError,
};
use seedloop::time::timeout;
use seedloop::{Error, Sim, Strategy};

#[path = "queue/model.rs"]
mod model;

fn fifo_sim() -> Sim {
    Sim::builder().strategy(Strategy::Fifo).build()
}

async fn yields(n: usize) {
    for _ in 0..n {
        seedloop::task::yield_now().await;
    }
}

/// Counts how many of its values were dropped.
struct Tracked(u32, Rc<Cell<u32>>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.set(self.1.get() + 1);
    }
}

#[test]
fn each_kind_hands_out_items_in_its_order() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let input = [5, 1, 4, 1, 3, 9, 2, 6];
        let fifo = Queue::new(0);
        let lifo = LifoQueue::new(0);
        let prio = PriorityQueue::new(0);
        for x in input {
            fifo.put(x).await.unwrap();
            lifo.put(x).await.unwrap();
            prio.put_nowait(x).unwrap();
        }
        let mut got = (Vec::new(), Vec::new(), Vec::new());
        for _ in input {
            got.0.push(fifo.get().await.unwrap());
            got.1.push(lifo.get_nowait().unwrap());
            got.2.push(prio.get().await.unwrap());
        }
        assert_eq!(got.0, input);
        assert_eq!(got.1, [6, 2, 9, 3, 1, 4, 1, 5]);
        assert_eq!(got.2, [1, 1, 2, 3, 4, 5, 6, 9]);
    });
}

#[test]
fn sizes_predicates_clones_and_debug() {
    let q = Queue::new(2);
    assert_eq!(
        (q.maxsize(), q.qsize(), q.is_empty(), q.is_full()),
        (2, 0, true, false)
    );
    let other = q.clone();
    other.put_nowait(1).unwrap();
    assert_eq!((q.qsize(), q.is_empty(), q.is_full()), (1, false, false));
    q.put_nowait(2).unwrap();
    assert!(other.is_full());
    assert_eq!(q.unfinished_tasks(), 2);
    let debug = format!("{q:?}");
    assert!(
        debug.starts_with("Queue {") && debug.contains("qsize: 2"),
        "{debug}"
    );

    let unbounded: LifoQueue<u32> = LifoQueue::default();
    for i in 0..1000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.is_full());
    assert_eq!((unbounded.maxsize(), unbounded.qsize()), (0, 1000));
    let p: PriorityQueue<u8> = PriorityQueue::default();
    assert!(format!("{p:?}").starts_with("PriorityQueue {"));
    assert!(!q.is_shut_down());
}

#[test]
fn nowait_errors_hand_the_item_back() {
    let q = Queue::new(1);
    assert_eq!(q.get_nowait(), Err(QueueEmpty));
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    q.put_nowait("a").unwrap();
    assert_eq!(q.put_nowait("b"), Err(QueueFull("b")));
    assert_eq!(q.try_put("c"), Err(TryPutError::Full("c")));
    assert_eq!(q.put_nowait("d").unwrap_err().into_inner(), "d");
    assert_eq!(q.get_nowait(), Ok("a"));
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(
        q.unfinished_tasks(),
        0,
        "a refused task_done changes nothing"
    );

    // They are all errors with a message.
    let errors: Vec<Box<dyn std::error::Error>> = vec![
        Box::new(QueueFull(1)),
        Box::new(QueueEmpty),
        Box::new(QueueShutDown(())),
        Box::new(TaskDoneError),
        Box::new(TryPutError::ShutDown(1)),
        Box::new(TryGetError::Empty),
    ];
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        text,
        [
            "queue full",
            "queue empty",
            "queue shut down",
            "task_done() called more times than items were put",
            "queue shut down",
            "queue empty"
        ]
    );
    assert_eq!(format!("{:?}", QueueFull(vec![1])), "QueueFull(..)");
}

#[test]
fn put_waits_while_full_and_putters_enter_in_the_order_they_blocked() {
    for seed in 0..40 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let q = Queue::new(1);
            q.put(100).await.unwrap();
            let blocked = Rc::new(RefCell::new(Vec::new()));
            let mut putters = Vec::new();
            for id in 0..5 {
                let (q, blocked) = (q.clone(), blocked.clone());
                putters.push(seedloop::spawn(async move {
                    blocked.borrow_mut().push(id);
                    q.put(id).await // full: blocks in this same poll
                }));
            }
            while blocked.borrow().len() < 5 {
                seedloop::task::yield_now().await;
            }
            assert!(q.is_full());
            assert_eq!(q.qsize(), 1);
            let mut got = Vec::new();
            for _ in 0..6 {
                got.push(q.get().await.unwrap());
            }
            let mut want = vec![100];
            want.extend(blocked.borrow().iter().copied());
            assert_eq!(got, want, "seed {seed}");
            for p in putters {
                assert_eq!(p.await.unwrap(), Ok(()));
            }
            assert_eq!(q.unfinished_tasks(), 6);
        });
    }
}

#[test]
fn getters_are_served_in_the_order_they_blocked() {
    for seed in 0..40 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let q = Queue::new(0);
            let blocked = Rc::new(RefCell::new(Vec::new()));
            let mut getters = Vec::new();
            for id in 0..5u32 {
                let (q, blocked) = (q.clone(), blocked.clone());
                getters.push(seedloop::spawn(async move {
                    blocked.borrow_mut().push(id);
                    (id, q.get().await.unwrap())
                }));
            }
            while blocked.borrow().len() < 5 {
                seedloop::task::yield_now().await;
            }
            for item in 0..5u32 {
                q.put_nowait(item).unwrap();
                // promised to a waiting getter: not for get_nowait
                assert_eq!(q.get_nowait(), Err(QueueEmpty));
            }
            let order = blocked.borrow().clone();
            for g in getters {
                let (id, item) = g.await.unwrap();
                let position = order.iter().position(|&x| x == id).unwrap() as u32;
                assert_eq!(item, position, "seed {seed}: getter {id}");
            }
        });
    }
}

#[test]
fn blocked_putters_feed_a_priority_queue_in_priority_order() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = PriorityQueue::new(2);
        q.put(50).await.unwrap();
        q.put(40).await.unwrap();
        let putters: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|x| {
                let q = q.clone();
                seedloop::spawn(async move { q.put(x).await })
            })
            .collect();
        yields(3).await;
        assert_eq!(q.qsize(), 2);
        assert_eq!(q.get().await, Ok(40)); // 30 enters
        assert_eq!(q.get().await, Ok(30)); // 10 enters
        assert_eq!(q.get().await, Ok(10)); // 20 enters
        assert_eq!(q.get().await, Ok(20));
        assert_eq!(q.get().await, Ok(50));
        for p in putters {
            p.await.unwrap().unwrap();
        }
    });
}

#[test]
fn join_waits_for_every_task_done() {
    let mut sim = Sim::new(9);
    sim.block_on(async {
        let q = Queue::new(0);
        q.join().await; // nothing put: at once
        let done = Rc::new(Cell::new(0));
        for i in 0..3u64 {
            q.put_nowait(i).unwrap();
        }
        let worker = {
            let (q, done) = (q.clone(), done.clone());
            seedloop::spawn(async move {
                for _ in 0..3 {
                    q.get().await.unwrap();
                    seedloop::sleep(Duration::from_secs(1)).await;
                    done.set(done.get() + 1);
                    q.task_done().unwrap();
                }
            })
        };
        let start = seedloop::time::now();
        q.join().await;
        assert_eq!(done.get(), 3, "join returned before every task_done");
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(q.task_done(), Err(TaskDoneError));
        worker.await.unwrap();
    });
}

#[test]
fn graceful_shutdown_keeps_items_for_getters_and_fails_puts() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = Queue::new(2);
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        let putter = {
            let q = q.clone();
            seedloop::spawn(async move { q.put(3).await })
        };
        yields(2).await;
        q.shutdown(false);
        assert!(q.is_shut_down());
        assert_eq!(
            putter.await.unwrap(),
            Err(QueueShutDown(3)),
            "blocked put fails with its item"
        );
        assert_eq!(q.put(4).await, Err(QueueShutDown(4)));
        assert_eq!(q.put_nowait(5), Err(QueueFull(5)));
        assert_eq!(q.try_put(6), Err(TryPutError::ShutDown(6)));
        // items left are still handed out
        assert_eq!(q.get().await, Ok(1));
        assert_eq!(q.get_nowait(), Ok(2));
        assert_eq!(q.get().await, Err(QueueShutDown(())));
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
        // a graceful shutdown does not release join
        assert_eq!(q.unfinished_tasks(), 2);
        assert!(timeout(Duration::from_secs(1), q.join()).await.is_err());
        q.task_done().unwrap();
        q.task_done().unwrap();
        q.join().await;
    });
}

#[test]
fn shutdown_wakes_blocked_getters_once_the_queue_is_empty() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q: Queue<u32> = Queue::new(0);
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                seedloop::spawn(async move { q.get().await })
            })
            .collect();
        yields(3).await;
        q.put_nowait(7).unwrap(); // promised to the first getter
        q.shutdown(false);
        let results: Vec<_> = futures::future::join_all(getters)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            results,
            [Ok(7), Err(QueueShutDown(())), Err(QueueShutDown(()))]
        );
    });
}

#[test]
fn immediate_shutdown_drops_the_items_counts_them_done_and_releases_join() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let dropped = Rc::new(Cell::new(0));
        let q = Queue::new(0);
        for i in 0..4 {
            q.put_nowait(Tracked(i, dropped.clone())).unwrap();
        }
        let first = q.get().await.unwrap();
        assert_eq!(first.0, 0);
        let joiner = {
            let q = q.clone();
            seedloop::spawn(async move { q.join().await })
        };
        yields(2).await;
        assert!(!joiner.is_finished());
        q.shutdown(true);
        assert_eq!(dropped.get(), 3, "the three items left were dropped");
        assert!(q.is_empty());
        assert_eq!(
            q.unfinished_tasks(),
            1,
            "the item taken is still unfinished"
        );
        assert!(matches!(q.get().await, Err(QueueShutDown(()))));
        q.task_done().unwrap();
        joiner.await.unwrap();
        drop(first);
        assert_eq!(dropped.get(), 4);
    });
}

#[test]
fn immediate_shutdown_voids_an_item_promised_to_a_getter() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = Queue::new(0);
        let getter = {
            let q = q.clone();
            seedloop::spawn(async move { q.get().await })
        };
        yields(2).await;
        q.put_nowait(1).unwrap(); // promised; the getter has not run yet
        q.shutdown(true);
        assert_eq!(getter.await.unwrap(), Err(QueueShutDown(())));
        assert_eq!(q.unfinished_tasks(), 0);
        q.join().await;
    });
}

#[test]
fn get_is_cancel_safe() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = Queue::new(0);
        // Dropped while waiting: it leaves no trace.
        assert!(timeout(Duration::from_secs(1), q.get()).await.is_err());
        q.put_nowait(1).unwrap();
        assert_eq!(q.get_nowait(), Ok(1));

        // Dropped after an item was promised to it: the promise passes on.
        let g1 = {
            let q = q.clone();
            seedloop::spawn(async move { q.get().await })
        };
        let g2 = {
            let q = q.clone();
            seedloop::spawn(async move { q.get().await })
        };
        yields(3).await;
        q.put_nowait(2).unwrap(); // promised to g1, which has not run
        g1.abort();
        assert!(g1.await.unwrap_err().is_cancelled());
        assert_eq!(g2.await.unwrap(), Ok(2));

        // The same with nobody else waiting: the item becomes available again.
        let g3 = {
            let q = q.clone();
            seedloop::spawn(async move { q.get().await })
        };
        yields(2).await;
        q.put_nowait(3).unwrap();
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        g3.abort();
        assert!(g3.await.is_err());
        assert_eq!(q.get_nowait(), Ok(3));
    });
}

#[test]
fn a_put_cancelled_while_waiting_drops_its_item() {
    let mut sim = fifo_sim();
    sim.block_on(async {
        let dropped = Rc::new(Cell::new(0));
        let q = Queue::new(1);
        q.put_nowait(Tracked(1, dropped.clone())).unwrap();
        let put = timeout(Duration::from_secs(1), q.put(Tracked(2, dropped.clone())));
        assert!(put.await.is_err());
        assert_eq!(dropped.get(), 1, "the cancelled put dropped its item");
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get().await.unwrap().0, 1);
        assert_eq!(q.unfinished_tasks(), 1);
    });
}

#[test]
fn ready_operations_are_switch_points_and_nowait_ones_never_yield() {
    // Each choice is recorded on the tape; one task alone makes no
    // scheduling choices, so the tape counts the switch points.
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = Queue::new(0);
        q.put_nowait(1).unwrap();
        q.get_nowait().unwrap();
        q.task_done().unwrap();
    });
    assert_eq!(sim.tape().len(), 0);
    let mut sim = fifo_sim();
    sim.block_on(async {
        let q = LifoQueue::new(0);
        q.put(1).await.unwrap();
        q.get().await.unwrap();
        q.task_done().unwrap();
        q.join().await;
    });
    assert_eq!(sim.tape().len(), 3, "put, get and join were switch points");
    // A strategy that always yields makes each of them yield once.
    let all_yield = Strategy::Replay(seedloop::Tape::from_values(vec![1; 3]));
    let mut sim = Sim::builder().strategy(all_yield).build();
    sim.block_on(async {
        let q = PriorityQueue::new(0);
        q.put(1).await.unwrap();
        q.get().await.unwrap();
    });
    assert_eq!(sim.tape().values(), [1, 1]);
}

#[test]
fn deadlock_reports_name_the_queue_operation_and_call_site() {
    let mut sim = Sim::new(1);
    let err = sim
        .try_block_on(async {
            let q: Queue<u32> = Queue::new(0);
            q.get().await
        })
        .unwrap_err();
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err}");
    };
    let waiting = tasks[0].waiting_on.clone().unwrap_or_default();
    assert!(
        waiting.starts_with("Queue::get at tests/queue.rs:"),
        "{waiting}"
    );
    assert!(
        err.to_string().contains("Queue::get at tests/queue.rs:"),
        "{err}"
    );

    let mut sim = Sim::new(2);
    let err = sim
        .try_block_on(async {
            let q = Queue::new(1);
            q.put(1).await.unwrap();
            let q2 = q.clone();
            let t = seedloop::spawn(async move { q2.put(2).await });
            q.join().await;
            t.await.unwrap()
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Queue::join at tests/queue.rs:"), "{text}");
    assert!(text.contains("Queue::put at tests/queue.rs:"), "{text}");
}

/// Two producers and two consumers with random sleeps.
async fn workload() -> Vec<(u32, u32)> {
    let q = Queue::new(2);
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut producers = Vec::new();
    for p in 0..2u32 {
        let q = q.clone();
        producers.push(seedloop::spawn(async move {
            for i in 0..10 {
                q.put(p * 100 + i).await.unwrap();
            }
        }));
    }
    let mut consumers = Vec::new();
    for c in 0..2u32 {
        let (q, log) = (q.clone(), log.clone());
        consumers.push(seedloop::spawn(async move {
            while let Ok(x) = q.get().await {
                log.borrow_mut().push((c, x));
                let jitter = seedloop::rand::random_range(0..3u64);
                seedloop::sleep(Duration::from_micros(jitter)).await;
                q.task_done().unwrap();
            }
        }));
    }
    for p in producers {
        p.await.unwrap();
    }
    q.join().await;
    assert_eq!(
        log.borrow().len(),
        20,
        "join returned before every item was done"
    );
    q.shutdown(false);
    for c in consumers {
        c.await.unwrap();
    }
    log.take()
}

#[test]
fn same_seed_same_run_and_seeds_differ() {
    let mut logs = BTreeSet::new();
    for seed in 0..30 {
        let mut a = Sim::new(seed);
        let log_a = a.block_on(workload());
        let mut b = Sim::new(seed);
        let log_b = b.block_on(workload());
        assert_eq!(log_a, log_b, "seed {seed}");
        assert_eq!(a.fingerprint(), b.fingerprint(), "seed {seed}");
        let mut items: Vec<u32> = log_a.iter().map(|&(_, x)| x).collect();
        items.sort_unstable();
        let want: Vec<u32> = (0..10).chain(100..110).collect();
        assert_eq!(items, want, "seed {seed}: lost or duplicated items");
        logs.insert(log_a);
    }
    assert!(
        logs.len() > 10,
        "only {} distinct interleavings",
        logs.len()
    );
}

#[test]
fn cancelled_getters_put_their_items_back_in_order() {
    use std::future::Future;
    use std::task::{Context, Waker};
    let mut cx = Context::from_waker(Waker::noop());
    let fifo: Queue<u32> = Queue::new(0);
    let lifo: seedloop::queue::LifoQueue<u32> = seedloop::queue::LifoQueue::new(0);
    {
        let mut g1 = Box::pin(fifo.get());
        let mut g2 = Box::pin(fifo.get());
        assert!(g1.as_mut().poll(&mut cx).is_pending());
        assert!(g2.as_mut().poll(&mut cx).is_pending());
        fifo.put_nowait(1).unwrap(); // handed to g1
        fifo.put_nowait(2).unwrap(); // handed to g2
        drop(g1);
        drop(g2); // put back after 1, not in front of it
    }
    assert_eq!(fifo.get_nowait(), Ok(1));
    assert_eq!(fifo.get_nowait(), Ok(2));
    {
        let mut g1 = Box::pin(lifo.get());
        let mut g2 = Box::pin(lifo.get());
        assert!(g1.as_mut().poll(&mut cx).is_pending());
        assert!(g2.as_mut().poll(&mut cx).is_pending());
        lifo.put_nowait(1).unwrap();
        lifo.put_nowait(2).unwrap();
        drop(g2);
        drop(g1);
    }
    assert_eq!(
        lifo.get_nowait(),
        Ok(2),
        "newest first, as if never handed out"
    );
    assert_eq!(lifo.get_nowait(), Ok(1));
}
