//! Regression tests for the runtime's memory-safety and wake invariants:
//! tasks that wake themselves as they end, destructors that wake, panic or
//! touch timers, pinned futures dropped in place, waker resets.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use seedloop::{Error, PanicPolicy, Sim};

fn quiet() -> Sim {
    Sim::builder().print_panics(false).build()
}

fn self_wake_then_ready() -> impl Future<Output = u64> {
    poll_fn(|cx| {
        cx.waker().wake_by_ref();
        Poll::Ready(7u64)
    })
}

#[test]
fn a_task_that_wakes_itself_in_its_last_poll_is_not_polled_again() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let h = seedloop::spawn(self_wake_then_ready());
        for _ in 0..50 {
            seedloop::task::yield_now().await;
        }
        h.await.unwrap()
    });
    assert_eq!(r, Ok(7));
}

#[test]
fn a_detached_task_that_wakes_itself_as_it_ends_leaves_no_dangling_entry() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        drop(seedloop::spawn(self_wake_then_ready()));
        // Fill the allocator with fresh cells where the ended task lived.
        let others: Vec<_> = (0..64).map(|i| seedloop::spawn(async move { i })).collect();
        for _ in 0..50 {
            seedloop::task::yield_now().await;
        }
        let mut sum = 0;
        for o in others {
            sum += o.await.unwrap();
        }
        sum
    });
    assert_eq!(r, Ok((0..64).sum()));
    assert_eq!(sim.live_tasks(), 0);
}

#[test]
fn a_main_future_that_wakes_itself_as_it_ends_does_not_haunt_the_next_block_on() {
    let mut sim = quiet();
    assert_eq!(sim.block_on(self_wake_then_ready()), 7);
    let junk: Vec<Box<[u8; 64]>> = (0..64).map(|_| Box::new([0xAB; 64])).collect();
    let r = sim.try_block_on(async {
        seedloop::sleep(Duration::from_secs(1)).await;
        1
    });
    drop(junk);
    assert_eq!(r, Ok(1));
}

#[test]
fn a_task_aborting_itself_in_its_last_poll_keeps_its_result() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let slot: Rc<RefCell<Option<seedloop::task::AbortHandle>>> = Rc::default();
        let s2 = slot.clone();
        let h = seedloop::spawn(async move {
            seedloop::task::yield_now().await;
            s2.borrow().as_ref().unwrap().abort();
            5
        });
        *slot.borrow_mut() = Some(h.abort_handle());
        for _ in 0..50 {
            seedloop::task::yield_now().await;
        }
        h.await
    });
    assert_eq!(r.unwrap().unwrap(), 5);
}

struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("drop panics");
    }
}

#[test]
fn abort_of_a_task_whose_destructor_panics_still_reports_cancelled() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let started = Rc::new(Cell::new(false));
        let st = started.clone();
        let h = seedloop::spawn(async move {
            let _g = PanicOnDrop;
            st.set(true);
            std::future::pending::<()>().await
        });
        while !started.get() {
            seedloop::task::yield_now().await;
        }
        h.abort();
        h.await
    });
    assert!(r.unwrap().unwrap_err().is_cancelled());
}

struct PollsSleepOnDrop;
impl Drop for PollsSleepOnDrop {
    fn drop(&mut self) {
        let mut s = seedloop::sleep(Duration::from_secs(5));
        let _ = Pin::new(&mut s).poll(&mut Context::from_waker(Waker::noop()));
    }
}

#[test]
fn a_waker_released_by_a_cancelled_timer_may_run_code_that_uses_timers() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let shared: Rc<RefCell<Option<seedloop::time::Sleep>>> = Rc::default();
        let s2 = shared.clone();
        drop(seedloop::spawn(async move {
            let mut s = seedloop::sleep(Duration::from_secs(10));
            let _ = futures::poll!(&mut s); // the timer now holds this task's waker
            *s2.borrow_mut() = Some(s);
            PollsSleepOnDrop
        }));
        for _ in 0..3 {
            seedloop::task::yield_now().await;
        }
        // Cancelling drops the last count of the ended task: its output's
        // destructor polls a new Sleep.
        drop(shared.borrow_mut().take());
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn resetting_a_sleep_another_task_waits_on_keeps_that_task_waiting() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let sl = Rc::new(RefCell::new(seedloop::sleep(Duration::from_secs(10))));
        let s2 = sl.clone();
        let waiter = seedloop::spawn(async move {
            poll_fn(|cx| Pin::new(&mut *s2.borrow_mut()).poll(cx)).await;
            seedloop::time::Instant::now().since_start()
        });
        seedloop::task::yield_now().await;
        seedloop::task::yield_now().await;
        let at = seedloop::time::Instant::now() + Duration::from_secs(1);
        sl.borrow_mut().reset(at);
        waiter.await.unwrap()
    });
    assert_eq!(r, Ok(Duration::from_secs(1)));
}

#[test]
fn a_panicking_output_destructor_is_reported_not_unwound() {
    let mut sim = quiet();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sim.try_block_on(async {
            drop(seedloop::spawn(async { PanicOnDrop }));
            seedloop::task::yield_now().await;
            seedloop::task::yield_now().await;
        })
    }));
    let result = r.expect("try_block_on returns, it does not unwind");
    let Err(Error::Panicked { message, .. }) = result else {
        panic!("expected the destructor's panic as an error, got {result:?}")
    };
    assert_eq!(message, "drop panics");
}

#[test]
fn a_panicking_main_future_destructor_is_reported() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let _g = PanicOnDrop;
        seedloop::task::yield_now().await;
    });
    assert!(matches!(r, Err(Error::Panicked { ref message, .. }) if message == "drop panics"));
}

#[test]
fn the_main_future_is_dropped_as_the_current_task() {
    struct NeedsTask(Rc<Cell<bool>>);
    impl Drop for NeedsTask {
        fn drop(&mut self) {
            self.0.set(seedloop::task::try_id().is_some());
        }
    }
    let saw = Rc::new(Cell::new(false));
    let s = saw.clone();
    let mut sim = quiet();
    sim.block_on(async move {
        let _g = NeedsTask(s);
    });
    assert!(saw.get());
}

struct WakeOnDrop(Option<Waker>);
impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if let Some(w) = self.0.take() {
            w.wake();
        }
    }
}

#[test]
fn a_destructor_that_wakes_its_own_task_during_abort_is_harmless() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let started = Rc::new(Cell::new(false));
        let st = started.clone();
        let h = seedloop::spawn(async move {
            let mut g = WakeOnDrop(None);
            poll_fn(|cx| {
                g.0 = Some(cx.waker().clone());
                st.set(true);
                Poll::<()>::Pending
            })
            .await;
        });
        while !started.get() {
            seedloop::task::yield_now().await;
        }
        h.abort();
        drop(h);
        for _ in 0..50 {
            seedloop::task::yield_now().await;
        }
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn a_stale_wake_never_touches_a_task_that_reused_the_slot() {
    let mut sim = Sim::builder()
        .print_panics(false)
        .panic_policy(PanicPolicy::ToJoinHandle)
        .build();
    let r = sim.try_block_on(async {
        let h = seedloop::spawn(self_wake_then_ready());
        seedloop::task::yield_now().await;
        let other = seedloop::spawn(async {
            seedloop::sleep(Duration::from_secs(1)).await;
            9
        });
        for _ in 0..50 {
            seedloop::task::yield_now().await;
        }
        (h.await.unwrap(), other.await.unwrap())
    });
    assert_eq!(r, Ok((7, 9)));
}

#[test]
fn abort_drops_a_pinned_intrusive_future_in_place() {
    let mut sim = quiet();
    let r = sim.try_block_on(async {
        let notify = Rc::new(tokio::sync::Notify::new());
        let n2 = notify.clone();
        let started = Rc::new(Cell::new(false));
        let st = started.clone();
        let h = seedloop::spawn(async move {
            let fut = n2.notified();
            st.set(true);
            fut.await; // linked into the Notify's waiter list
        });
        while !started.get() {
            seedloop::task::yield_now().await;
        }
        seedloop::task::yield_now().await;
        h.abort();
        drop(h);
        for _ in 0..10 {
            seedloop::task::yield_now().await;
        }
        notify.notify_waiters(); // walks the list: must not find a moved node
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn dropping_the_sim_drops_pinned_futures_in_place() {
    let notify = Rc::new(tokio::sync::Notify::new());
    {
        let mut sim = quiet();
        let n2 = notify.clone();
        drop(sim.spawn(async move { n2.notified().await }));
        sim.run_until_stalled();
    }
    notify.notify_waiters();
}

#[test]
fn run_until_stalled_never_advances_the_clock() {
    let mut sim = quiet();
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let s2 = slot.clone();
    let t = sim.spawn(poll_fn(move |cx| {
        let w = cx.waker();
        let detached = std::thread::scope(|s| s.spawn(move || w.clone()).join().unwrap());
        *s2.borrow_mut() = Some(detached);
        Poll::Ready(())
    }));
    sim.run_until_stalled();
    assert!(t.is_finished());
    let _sleeper = sim.spawn(seedloop::sleep(Duration::from_secs(5)));
    sim.run_until_stalled();
    slot.borrow().as_ref().unwrap().wake_by_ref(); // an id wake of an ended task
    sim.run_until_stalled();
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn join_error_is_send_and_sync_like_tokios() {
    fn boxed(e: seedloop::task::JoinError) -> Box<dyn std::error::Error + Send + Sync> {
        Box::new(e)
    }
    let mut sim = quiet();
    let err = sim.block_on(async {
        let t = seedloop::spawn(std::future::pending::<()>());
        t.abort();
        t.await.unwrap_err()
    });
    assert!(boxed(err).to_string().contains("cancelled"));
}
