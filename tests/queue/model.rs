//! The model-based property test of the queues (a module of `tests/queue.rs`):
//! several tasks run random sequences of put/get/put_nowait/get_nowait/
//! task_done under random seeds; a sequential model of what they observed
//! checks that no item is lost, duplicated or invented, and that `join`
//! returns only once every item put before it started was marked done.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use seedloop::Sim;
use seedloop::future::{Either, select};
use seedloop::queue::{LifoQueue, PriorityQueue, Queue, QueueFull, TaskDoneError};
use seedloop::time::timeout;

#[derive(Clone, Copy, Debug)]
enum Op {
    Put,
    PutNowait,
    Get,
    GetNowait,
    TaskDone,
    Sleep,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Put),
        2 => Just(Op::PutNowait),
        3 => Just(Op::Get),
        2 => Just(Op::GetNowait),
        2 => Just(Op::TaskDone),
        1 => Just(Op::Sleep),
    ]
}

/// What the tasks observed, in the order operations completed.
#[derive(Default)]
struct Model {
    /// Items whose put returned `Ok` (they entered the queue).
    put: BTreeSet<u32>,
    /// Items refused or abandoned by their put (they must never come out).
    refused: BTreeSet<u32>,
    /// Items handed out, each at most once.
    got: BTreeSet<u32>,
    done: usize,
    joins: u32,
}

/// The three kinds behind one interface for the test.
#[derive(Clone)]
enum AnyQueue {
    Fifo(Queue<u32>),
    Lifo(LifoQueue<u32>),
    Prio(PriorityQueue<u32>),
}

macro_rules! each {
    ($q:expr, $x:ident => $body:expr) => {
        match $q {
            AnyQueue::Fifo($x) => $body,
            AnyQueue::Lifo($x) => $body,
            AnyQueue::Prio($x) => $body,
        }
    };
}

async fn run_case(q: AnyQueue, plans: Vec<Vec<Op>>) {
    let model = Rc::new(RefCell::new(Model::default()));
    let finished = Rc::new(Cell::new(false));
    let joiner = {
        let (q, model, finished) = (q.clone(), model.clone(), finished.clone());
        seedloop::spawn(async move {
            loop {
                let put_before = model.borrow().put.len();
                each!(&q, q => q.join().await);
                {
                    let mut m = model.borrow_mut();
                    assert!(
                        m.done >= put_before,
                        "join returned with {} of {put_before} items done",
                        m.done
                    );
                    m.joins += 1;
                }
                if finished.get() {
                    break;
                }
                seedloop::sleep(Duration::from_millis(3)).await;
            }
        })
    };
    let mut tasks = Vec::new();
    for (t, plan) in plans.into_iter().enumerate() {
        let (q, model) = (q.clone(), model.clone());
        tasks.push(seedloop::spawn(async move {
            for (i, op) in plan.into_iter().enumerate() {
                let item = (t * 1000 + i) as u32;
                let patience = Duration::from_millis(5);
                match op {
                    Op::Put => match timeout(patience, each!(&q, q => q.put(item))).await {
                        Ok(Ok(())) => assert!(model.borrow_mut().put.insert(item)),
                        Ok(Err(_)) => unreachable!("no shutdown in this test"),
                        Err(_) => assert!(model.borrow_mut().refused.insert(item)),
                    },
                    Op::PutNowait => match each!(&q, q => q.put_nowait(item)) {
                        Ok(()) => assert!(model.borrow_mut().put.insert(item)),
                        Err(QueueFull(back)) => {
                            assert_eq!(back, item);
                            assert!(model.borrow_mut().refused.insert(item));
                        }
                    },
                    Op::Get => {
                        // select, so that the sleep may win a tie and drop a
                        // get an item was already promised to.
                        let get = pin!(each!(&q, q => q.get()));
                        let sleep = seedloop::sleep(patience);
                        if let Either::Left((x, _)) = select(get, sleep).await {
                            let x = x.expect("no shutdown in this test");
                            assert!(
                                model.borrow_mut().got.insert(x),
                                "item {x} handed out twice"
                            );
                        }
                    }
                    Op::GetNowait => {
                        if let Ok(x) = each!(&q, q => q.get_nowait()) {
                            assert!(
                                model.borrow_mut().got.insert(x),
                                "item {x} handed out twice"
                            );
                        }
                    }
                    Op::TaskDone => {
                        let mut m = model.borrow_mut();
                        match each!(&q, q => q.task_done()) {
                            Ok(()) => m.done += 1,
                            Err(TaskDoneError) => {
                                // Nothing unfinished: every item whose put
                                // returned was marked done.
                                assert!(m.done >= m.put.len(), "task_done refused with work left")
                            }
                        }
                    }
                    Op::Sleep => seedloop::sleep(Duration::from_millis(1)).await,
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Drain what is left, mark everything done, and check the books.
    finished.set(true);
    {
        let mut m = model.borrow_mut();
        while let Ok(x) = each!(&q, q => q.get_nowait()) {
            assert!(m.got.insert(x), "item {x} handed out twice");
        }
        assert!(each!(&q, q => q.is_empty()));
        assert_eq!(m.got, m.put, "items lost or invented");
        assert!(m.got.is_disjoint(&m.refused), "a refused item came out");
        while each!(&q, q => q.task_done()).is_ok() {
            m.done += 1;
        }
        assert_eq!(m.done, m.put.len());
    }
    joiner.await.unwrap();
    each!(&q, q => q.join().await);
    assert!(model.borrow().joins >= 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn queues_match_a_sequential_model(
        seed in any::<u64>(),
        kind in 0..3u8,
        maxsize in 0..4usize,
        plans in prop::collection::vec(prop::collection::vec(op(), 0..16), 2..5),
    ) {
        let q = match kind {
            0 => AnyQueue::Fifo(Queue::new(maxsize)),
            1 => AnyQueue::Lifo(LifoQueue::new(maxsize)),
            _ => AnyQueue::Prio(PriorityQueue::new(maxsize)),
        };
        let mut sim = Sim::builder().seed(seed).print_panics(false).build();
        if let Err(e) = sim.try_block_on(run_case(q, plans)) {
            return Err(TestCaseError::fail(format!("seed {seed:#x}: {e}")));
        }
    }
}
