//! `sync::watch` and `sync::broadcast`: every method and error path, a
//! model-based property test of broadcast's lag accounting, watch's
//! coalescing and closing, cancel safety, determinism and deadlock reports.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures::poll;
use proptest::prelude::*;
use seedloop::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
use seedloop::sync::watch;
use seedloop::{Error, Sim, Strategy};

/// A random pause drawn from the tape: nothing, a yield, a few yields, or a
/// short virtual sleep.
async fn pace() {
    match seedloop::rand::random_range(0..6u32) {
        0 | 1 => {}
        2 | 3 => seedloop::task::yield_now().await,
        4 => {
            for _ in 0..seedloop::rand::random_range(1..5u32) {
                seedloop::task::yield_now().await;
            }
        }
        _ => seedloop::sleep(Duration::from_millis(seedloop::rand::random_range(1..20))).await,
    }
}

/// `Send` and `Sync` whatever the value, as tokio's are for a `Send`
/// value (thread-checked: they work only on the simulation's thread), and
/// so are the futures of `changed`, `closed` and `recv`.
#[test]
fn the_handles_and_their_futures_are_send_and_sync() {
    fn send<T: Send + Sync>(_: &T) {}
    fn send_future<F: std::future::Future + Send>(_: F) {}
    let (wtx, mut wrx) = watch::channel(std::rc::Rc::new(1u8));
    let (btx, mut brx) = broadcast::channel::<u8>(4);
    send(&wtx);
    send(&wrx);
    send(&btx);
    send(&brx);
    send_future(wrx.changed());
    send_future(wtx.closed());
    send_future(brx.recv());
    send_future(btx.closed());
}

fn is_error<E: std::error::Error>(_: &E) {}

// ---------------------------------------------------------------- watch

#[test]
fn watch_borrow_send_and_versions() {
    let (tx, mut rx) = watch::channel(10);
    assert_eq!(*rx.borrow(), 10);
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow().has_changed());
    tx.send(11).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    {
        let r = rx.borrow();
        assert_eq!(*r, 11);
        assert!(r.has_changed());
        assert_eq!(format!("{r:?}"), "11");
    }
    assert_eq!(rx.has_changed(), Ok(true), "borrow does not mark seen");
    {
        let r = rx.borrow_and_update();
        assert!(r.has_changed(), "it was unseen before this borrow");
        assert_eq!(*r, 11);
    }
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow_and_update().has_changed());
    assert!(!tx.borrow().has_changed());
    assert_eq!(*tx.borrow(), 11);

    // A clone shares the seen state at the time of cloning, then diverges.
    tx.send(12).unwrap();
    let mut copy = rx.clone();
    assert_eq!(copy.has_changed(), Ok(true));
    copy.mark_unchanged();
    assert_eq!(copy.has_changed(), Ok(false));
    assert_eq!(rx.has_changed(), Ok(true));
    rx.mark_unchanged();
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), 12, "mark_changed keeps the value");

    // subscribe counts the current value as seen.
    let sub = tx.subscribe();
    assert_eq!(sub.has_changed(), Ok(false));
    assert!(sub.same_channel(&rx) && rx.same_channel(&copy));
    let (_other_tx, other) = watch::channel(0);
    assert!(!rx.same_channel(&other));
    assert_eq!(tx.receiver_count(), 3);
    assert!(format!("{tx:?}").contains("watch::Sender"));
    assert!(format!("{rx:?}").contains("watch::Receiver"));
}

#[test]
fn watch_send_errors_and_replace() {
    let (tx, rx) = watch::channel(String::from("a"));
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.receiver_count(), 0);
    let err = tx.send("b".into()).unwrap_err();
    assert_eq!(err.0, "b");
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    is_error(&err);
    assert_eq!(*tx.borrow(), "a", "a failed send stores nothing");
    assert_eq!(
        tx.send_replace("c".into()),
        "a",
        "send_replace always stores"
    );
    let rx = tx.subscribe();
    assert!(!tx.is_closed(), "subscribe reopens it");
    assert_eq!(*rx.borrow(), "c");
    tx.send("d".into()).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));

    let lone = watch::Sender::new(1u8);
    assert!(lone.is_closed());
    assert!(lone.send(2).is_err());
    assert_eq!(lone.sender_count(), 1);
}

#[test]
fn watch_modify_notifies_only_when_told() {
    let (tx, mut rx) = watch::channel(vec![1]);
    tx.send_modify(|v| v.push(2));
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), [1, 2]);
    tx.send_modify(|_| {}); // notifies even without a real change
    assert_eq!(rx.has_changed(), Ok(true));
    rx.mark_unchanged();
    assert!(!tx.send_if_modified(|v| {
        v.push(3); // changed, but says it did not: no notification
        false
    }));
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), [1, 2, 3]);
    assert!(tx.send_if_modified(|v| {
        v.clear();
        true
    }));
    assert_eq!(rx.has_changed(), Ok(true));
    // send_modify and send_if_modified work with no receiver too.
    drop(rx);
    tx.send_modify(|v| v.push(9));
    assert_eq!(*tx.borrow(), [9]);
}

#[test]
fn watch_sending_while_a_ref_is_alive_panics_clearly() {
    let (tx, rx) = watch::channel(0);
    let r = rx.borrow();
    let err = catch_unwind(AssertUnwindSafe(|| tx.send(1))).unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(msg.contains("watch::Ref"), "{msg}");
    drop(r);
    tx.send(2).unwrap();
    assert_eq!(*rx.borrow(), 2);
}

#[test]
fn watch_changed_coalesces_and_reports_pending_value_before_closing() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let (tx, mut rx) = watch::channel(0);
        for i in 1..=5 {
            tx.send(i).unwrap();
        }
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 5, "intermediate values are coalesced");
        assert_eq!(rx.has_changed(), Ok(false), "changed marks the value seen");
        let waited = seedloop::time::timeout(Duration::from_secs(1), rx.changed()).await;
        assert!(waited.is_err(), "nothing new: changed waits");
        tx.send(6).unwrap();
        drop(tx);
        assert!(rx.has_changed().is_err(), "has_changed errors once closed");
        assert!(rx.is_closed());
        rx.changed().await.expect("the unseen 6 is reported first");
        assert_eq!(*rx.borrow(), 6);
        let err = rx.changed().await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");
        is_error(&err);
    });
}

#[test]
fn watch_sender_clones_keep_the_channel_open() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let (tx, mut rx) = watch::channel(0);
        let tx2 = tx.clone();
        assert_eq!(tx.sender_count(), 2);
        assert!(tx.same_channel(&tx2));
        drop(tx);
        assert!(!rx.is_closed());
        let waiter = seedloop::spawn(async move { rx.changed().await.map(|()| *rx.borrow()) });
        seedloop::sleep(Duration::from_secs(1)).await;
        tx2.send(7).unwrap();
        assert_eq!(waiter.await.unwrap(), Ok(7));
        let (tx, mut rx) = watch::channel(0);
        let waiter = seedloop::spawn(async move { rx.changed().await });
        seedloop::sleep(Duration::from_secs(1)).await;
        drop(tx); // wakes the waiter with an error
        assert!(waiter.await.unwrap().is_err());
    });
}

#[test]
fn watch_receivers_never_miss_the_final_value() {
    for seed in 0..60 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            const LAST: u32 = 30;
            let (tx, rx) = watch::channel(0u32);
            let mut observers = Vec::new();
            for _ in 0..3 {
                let mut rx = rx.clone();
                observers.push(seedloop::spawn(async move {
                    let mut seen = Vec::new();
                    loop {
                        pace().await;
                        if rx.changed().await.is_err() {
                            return seen;
                        }
                        seen.push(*rx.borrow_and_update());
                    }
                }));
            }
            drop(rx);
            for i in 1..=LAST {
                pace().await;
                tx.send(i).unwrap();
            }
            drop(tx);
            for o in observers {
                let seen = o.await.unwrap();
                assert_eq!(seen.last(), Some(&LAST), "seed {seed}: {seen:?}");
                assert!(
                    seen.windows(2).all(|w| w[0] < w[1]),
                    "seed {seed}: each change seen once, in order: {seen:?}"
                );
            }
        });
    }
}

#[test]
fn watch_wait_for_tests_the_current_value_first() {
    let mut sim = Sim::new(5);
    sim.block_on(async {
        let (tx, mut rx) = watch::channel(3);
        {
            let r = rx.wait_for(|v| *v == 3).await.unwrap();
            assert_eq!(*r, 3);
            assert!(!r.has_changed(), "3 was seen already");
        }
        let producer = seedloop::spawn(async move {
            for i in 4..10 {
                seedloop::sleep(Duration::from_millis(5)).await;
                tx.send(i).unwrap();
            }
        });
        {
            let r = rx.wait_for(|v| *v >= 7).await.unwrap();
            assert_eq!(*r, 7, "each value is tested: none is skipped here");
        }
        producer.await.unwrap();
        assert!(
            rx.wait_for(|v| *v > 100).await.is_err(),
            "closed, never true"
        );
    });
}

#[test]
fn watch_closed_completes_when_the_last_receiver_goes() {
    let mut sim = Sim::new(6);
    sim.block_on(async {
        let (tx, rx) = watch::channel(());
        let rx2 = rx.clone();
        let tx = Rc::new(tx);
        let t = tx.clone();
        let watcher = seedloop::spawn(async move {
            t.closed().await;
            seedloop::time::now()
        });
        seedloop::sleep(Duration::from_secs(1)).await;
        drop(rx);
        seedloop::sleep(Duration::from_secs(1)).await;
        assert!(!watcher.is_finished(), "one receiver is left");
        drop(rx2);
        let when = watcher.await.unwrap();
        assert_eq!(when.elapsed(), Duration::ZERO);
        assert!(tx.is_closed());
        tx.closed().await; // at once when already closed
    });
}

#[test]
fn watch_changed_is_cancel_safe() {
    let mut sim = Sim::new(7);
    sim.block_on(async {
        let (tx, mut rx) = watch::channel(0);
        {
            let mut fut = pin!(rx.changed());
            assert!(poll!(fut.as_mut()).is_pending());
            tx.send(1).unwrap(); // grants the waiter, which is then dropped
        }
        assert_eq!(rx.has_changed(), Ok(true), "the change is not lost");
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 1);
        {
            let mut fut = pin!(rx.changed());
            assert!(poll!(fut.as_mut()).is_pending()); // waiting, then dropped
        }
        tx.send(2).unwrap();
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 2);
    });
    // Racing changed() against timeouts under many schedules.
    for seed in 0..40 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let producer = seedloop::spawn(async move {
                for i in 1..=20 {
                    pace().await;
                    tx.send(i).unwrap();
                }
            });
            let mut last = 0;
            loop {
                let ms = seedloop::rand::random_range(0..4);
                match seedloop::time::timeout(Duration::from_millis(ms), rx.changed()).await {
                    Ok(Ok(())) => {
                        let v = *rx.borrow_and_update();
                        assert!(v > last, "seed {seed}");
                        last = v;
                    }
                    Ok(Err(_)) => break,
                    Err(_) => {}
                }
            }
            assert_eq!(last, 20, "seed {seed}");
            producer.await.unwrap();
        });
    }
}

// ------------------------------------------------------------ broadcast

#[test]
fn broadcast_send_recv_and_counts() {
    let mut sim = Sim::new(8);
    sim.block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        let mut rx2 = tx.subscribe();
        assert_eq!(tx.receiver_count(), 2);
        assert!(tx.is_empty() && rx.is_empty());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(tx.send("a"), Ok(2));
        assert_eq!(tx.send("b"), Ok(2));
        assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 2, 2));
        assert_eq!(rx.recv().await, Ok("a"));
        assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 1, 2));
        assert_eq!(rx2.recv().await, Ok("a"));
        assert_eq!(tx.len(), 1, "a is gone once both took it");
        let tx2 = tx.clone();
        assert!(tx.same_channel(&tx2) && rx.same_channel(&rx2));
        drop(tx);
        assert!(!rx.is_closed());
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(
            rx.recv().await,
            Ok("b"),
            "messages left are still delivered"
        );
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx2.try_recv(), Ok("b"));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
        assert!(format!("{rx:?}").contains("broadcast::Receiver"));
    });
}

#[test]
fn broadcast_send_without_receivers_gives_the_value_back() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    let err = tx.send(vec![1, 2]).unwrap_err();
    assert_eq!(err.0, [1, 2]);
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    is_error(&err);
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(vec![3]), Ok(1));
    assert_eq!(rx.try_recv(), Ok(vec![3]));
    assert!(format!("{tx:?}").contains("capacity: 2"));
}

#[test]
#[should_panic(expected = "capacity above 0")]
fn broadcast_capacity_zero_panics() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
fn broadcast_lag_is_exact_and_resumes_at_the_oldest_kept() {
    let mut sim = Sim::new(9);
    sim.block_on(async {
        let (tx, mut rx) = broadcast::channel(3);
        let mut fast = tx.subscribe();
        for i in 0..10 {
            tx.send(i).unwrap();
            assert_eq!(fast.recv().await, Ok(i));
        }
        assert_eq!(tx.len(), 3);
        assert_eq!(rx.len(), 10, "len counts the overwritten ones, as tokio");
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(7)));
        assert_eq!(rx.len(), 3);
        assert_eq!(rx.recv().await, Ok(7));
        // Lagging again: a second, separate report.
        for i in 10..14 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
        assert_eq!(rx.try_recv(), Ok(11));
        drop(tx);
        assert_eq!(rx.recv().await, Ok(12));
        assert_eq!(rx.recv().await, Ok(13));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        // A lag is reported before the closing.
        let (tx, mut rx) = broadcast::channel(1);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
    assert_eq!(RecvError::Lagged(4).to_string(), "channel lagged by 4");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    is_error(&RecvError::Closed);
    is_error(&TryRecvError::Closed);
}

#[test]
fn broadcast_messages_are_dropped_once_everyone_is_done() {
    let token = Rc::new(());
    let count = || Rc::strong_count(&token) - 1; // copies outside `token`
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    tx.send(token.clone()).unwrap();
    let mut late = tx.subscribe(); // not counted for the message above
    assert_eq!(count(), 1);
    drop(a.try_recv().unwrap());
    assert_eq!(count(), 1, "b has not taken it yet");
    drop(b.try_recv().unwrap());
    assert_eq!(count(), 0, "everyone present took it: dropped");
    assert_eq!(late.try_recv().unwrap_err(), TryRecvError::Empty);

    tx.send(token.clone()).unwrap();
    drop(a);
    drop(b);
    assert_eq!(count(), 1, "late still needs it");
    drop(late);
    assert_eq!(count(), 0, "a dropped receiver lets go of its messages");
    assert!(tx.is_empty());

    let mut r = tx.subscribe();
    for _ in 0..5 {
        tx.send(token.clone()).unwrap();
    }
    assert_eq!(count(), 2, "overwritten messages are dropped");
    assert_eq!(r.try_recv().unwrap_err(), TryRecvError::Lagged(3));
    drop(r.try_recv().unwrap());
    drop(r.try_recv().unwrap());
    assert_eq!(count(), 0);
}

#[test]
fn broadcast_subscribe_and_resubscribe_start_at_the_tail() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut re = rx.resubscribe();
    let mut sub = tx.subscribe();
    assert_eq!(tx.receiver_count(), 3);
    assert!(re.is_empty() && sub.is_empty());
    tx.send(2).unwrap();
    assert_eq!(re.try_recv(), Ok(2));
    assert_eq!(sub.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    drop(re);
    assert_eq!(tx.receiver_count(), 2);
}

#[test]
fn broadcast_wakes_waiting_receivers_in_fifo_order() {
    let mut sim = Sim::builder().strategy(Strategy::Fifo).build();
    let order = sim.block_on(async {
        let (tx, rx) = broadcast::channel(1);
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for id in 0..4 {
            let mut rx = rx.resubscribe();
            let order = order.clone();
            tasks.push(seedloop::spawn(async move {
                rx.recv().await.unwrap();
                order.borrow_mut().push(id);
            }));
            seedloop::task::yield_now().await; // id waits before id + 1
        }
        tx.send(()).unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        order.take()
    });
    assert_eq!(order, [0, 1, 2, 3]);
}

#[test]
fn broadcast_recv_is_cancel_safe() {
    for seed in 0..20 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let (tx, mut rx) = broadcast::channel(4);
            {
                let mut fut = pin!(rx.recv());
                assert!(poll!(fut.as_mut()).is_pending());
                tx.send(1).unwrap(); // grants the waiter, which is then dropped
            }
            {
                let mut fut = pin!(rx.recv());
                // A message waits: either taken at once or yielded at the
                // switch point; dropped in the latter case, nothing is lost.
                if let std::task::Poll::Ready(v) = poll!(fut.as_mut()) {
                    assert_eq!(v, Ok(1));
                    tx.send(1).unwrap();
                }
            }
            assert_eq!(rx.try_recv(), Ok(1));
            {
                let mut fut = pin!(rx.recv());
                assert!(poll!(fut.as_mut()).is_pending()); // waiting, then dropped
            }
            tx.send(2).unwrap();
            assert_eq!(rx.recv().await, Ok(2));
        });
    }
    // Racing recv() against timeouts under many schedules loses nothing.
    for seed in 0..40 {
        let mut sim = Sim::new(seed);
        sim.block_on(async {
            let (tx, mut rx) = broadcast::channel(64);
            let producer = seedloop::spawn(async move {
                for i in 0..30u32 {
                    pace().await;
                    tx.send(i).unwrap();
                }
            });
            let mut got = Vec::new();
            loop {
                let ms = seedloop::rand::random_range(0..4);
                match seedloop::time::timeout(Duration::from_millis(ms), rx.recv()).await {
                    Ok(Ok(v)) => got.push(v),
                    Ok(Err(e)) => {
                        assert_eq!(e, RecvError::Closed, "seed {seed}");
                        break;
                    }
                    Err(_) => {}
                }
            }
            assert_eq!(got, (0..30).collect::<Vec<_>>(), "seed {seed}");
            producer.await.unwrap();
        });
    }
}

// ------------------------------------------------- broadcast model test

#[derive(Clone, Debug, PartialEq)]
enum Event {
    Got(u32),
    Lagged(u64),
    Closed,
}

/// A message that counts its live copies, to check nothing leaks.
#[derive(Debug)]
struct Msg {
    n: u32,
    live: Rc<Cell<i64>>,
}

impl Clone for Msg {
    fn clone(&self) -> Msg {
        self.live.set(self.live.get() + 1);
        Msg {
            n: self.n,
            live: self.live.clone(),
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

/// Runs one random scenario; returns each receiver's log and whether it
/// stopped early.
fn run_broadcast_model(
    seed: u64,
    capacity: usize,
    messages: u32,
    stops: &[Option<usize>],
) -> Vec<(Vec<Event>, bool)> {
    let live = Rc::new(Cell::new(0i64));
    let mut sim = Sim::new(seed);
    let l = live.clone();
    let stops = stops.to_vec();
    let logs = sim.block_on(async move {
        let (tx, first) = broadcast::channel::<Msg>(capacity);
        let alive = Rc::new(Cell::new(stops.len()));
        let mut tasks = Vec::new();
        for (i, stop) in stops.iter().copied().enumerate() {
            let mut rx = if i == 0 {
                first.resubscribe()
            } else {
                tx.subscribe()
            };
            let alive = alive.clone();
            tasks.push(seedloop::spawn(async move {
                let mut log = Vec::new();
                loop {
                    if stop.is_some_and(|s| log.len() >= s) {
                        drop(rx);
                        alive.set(alive.get() - 1);
                        return (log, true);
                    }
                    pace().await;
                    match rx.recv().await {
                        Ok(m) => log.push(Event::Got(m.n)),
                        Err(RecvError::Lagged(n)) => {
                            // Right after a lag, the receiver is exactly a
                            // full buffer behind.
                            assert_eq!(rx.len(), capacity);
                            log.push(Event::Lagged(n));
                        }
                        Err(RecvError::Closed) => {
                            log.push(Event::Closed);
                            alive.set(alive.get() - 1);
                            return (log, false);
                        }
                    }
                }
            }));
        }
        drop(first);
        for n in 0..messages {
            pace().await;
            let msg = Msg { n, live: l.clone() };
            l.set(l.get() + 1);
            match tx.send(msg) {
                Ok(count) => {
                    assert_eq!(count, alive.get(), "queued for every live receiver");
                    assert_eq!(count, tx.receiver_count());
                }
                Err(e) => {
                    assert_eq!(alive.get(), 0, "fails only with no receiver");
                    drop(e);
                }
            }
            assert!(tx.len() <= capacity);
        }
        drop(tx);
        let mut logs = Vec::new();
        for t in tasks {
            logs.push(t.await.unwrap());
        }
        logs
    });
    assert_eq!(live.get(), 0, "every message copy was dropped");
    logs
}

fn check_log(log: &[Event], stopped: bool, messages: u32) {
    let mut expect = 0u64;
    let mut closed = false;
    for ev in log {
        assert!(!closed, "nothing after Closed: {log:?}");
        match *ev {
            Event::Got(v) => {
                assert_eq!(
                    u64::from(v),
                    expect,
                    "in order, no gap, no duplicate: {log:?}"
                );
                expect += 1;
            }
            Event::Lagged(n) => {
                assert!(n > 0, "a lag skips something: {log:?}");
                expect += n; // the next Got must be exactly past the gap
            }
            Event::Closed => closed = true,
        }
    }
    assert!(expect <= u64::from(messages), "{log:?}");
    if !stopped {
        assert!(closed, "{log:?}");
        assert_eq!(
            expect,
            u64::from(messages),
            "every message accounted for: {log:?}"
        );
        if messages > 0 {
            assert_eq!(
                log.iter().rev().nth(1),
                Some(&Event::Got(messages - 1)),
                "the last message is never lost: {log:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn broadcast_model(
        seed in any::<u64>(),
        capacity in 1usize..6,
        messages in 0u32..40,
        stops in prop::collection::vec(prop::option::weighted(0.3, 0usize..20), 1..5),
    ) {
        let mut stops = stops;
        stops[0] = None; // one receiver always stays to the end
        for (log, stopped) in run_broadcast_model(seed, capacity, messages, &stops) {
            check_log(&log, stopped, messages);
        }
    }
}

#[test]
fn broadcast_model_catches_lag_under_a_slow_receiver() {
    // A sanity check of the model itself: a slow receiver does lag.
    let lagged = (0..20).any(|seed| {
        run_broadcast_model(seed, 1, 30, &[None, None])
            .iter()
            .any(|(log, _)| log.iter().any(|e| matches!(e, Event::Lagged(_))))
    });
    assert!(lagged);
}

// -------------------------------------------- determinism and deadlocks

async fn mixed_scenario() -> (Vec<u32>, u32) {
    let (btx, mut brx) = broadcast::channel(3);
    let (wtx, mut wrx) = watch::channel(0u32);
    let listener = seedloop::spawn(async move {
        let mut got = Vec::new();
        loop {
            pace().await;
            match brx.recv().await {
                Ok(v) => got.push(v),
                Err(RecvError::Lagged(n)) => got.push(1000 + n as u32),
                Err(RecvError::Closed) => return got,
            }
        }
    });
    let watcher = seedloop::spawn(async move {
        let mut changes = 0;
        while wrx.changed().await.is_ok() {
            changes += 1;
            pace().await;
        }
        changes
    });
    for i in 0..20 {
        pace().await;
        btx.send(i).unwrap();
        wtx.send(i).unwrap();
    }
    drop((btx, wtx));
    (listener.await.unwrap(), watcher.await.unwrap())
}

#[test]
fn same_seed_same_fingerprint() {
    let mut prints = Vec::new();
    for seed in [1, 2, 3, 4, 5] {
        let mut a = Sim::new(seed);
        let mut b = Sim::new(seed);
        let out_a = a.block_on(mixed_scenario());
        let out_b = b.block_on(mixed_scenario());
        assert_eq!(out_a, out_b);
        assert_eq!(a.fingerprint(), b.fingerprint(), "seed {seed}");
        prints.push(a.fingerprint());
    }
    prints.sort_unstable();
    prints.dedup();
    assert!(prints.len() > 1, "different seeds explore different runs");
    Sim::builder()
        .seed(9)
        .check_determinism(mixed_scenario)
        .unwrap();
}

fn deadlock_waits(run: impl std::future::Future<Output = ()>) -> Vec<String> {
    let mut sim = Sim::builder().seed(1).print_panics(false).build();
    let Err(Error::Deadlock { tasks, .. }) = sim.try_block_on(run) else {
        panic!("expected a deadlock");
    };
    tasks.into_iter().filter_map(|t| t.waiting_on).collect()
}

#[test]
fn deadlock_report_names_broadcast_recv() {
    let waits = deadlock_waits(async {
        let (tx, mut rx) = broadcast::channel::<u32>(4);
        let listener = seedloop::task::Builder::new()
            .name("listener")
            .spawn(async move { rx.recv().await });
        let _ = listener.await;
        drop(tx); // alive, but idle, while the listener waits
    });
    assert!(
        waits.iter().any(|w| w.contains("broadcast::Receiver::recv")
            && w.contains("tests/sync_watch_broadcast.rs")),
        "{waits:?}"
    );
}

#[test]
fn deadlock_report_names_watch_changed_and_closed() {
    let waits = deadlock_waits(async {
        let (tx, mut rx) = watch::channel(0);
        let watcher = seedloop::spawn(async move { rx.changed().await });
        let _ = watcher.await;
        drop(tx);
    });
    assert!(
        waits.iter().any(|w| w.contains("watch::Receiver::changed")
            && w.contains("tests/sync_watch_broadcast.rs")),
        "{waits:?}"
    );
    let waits = deadlock_waits(async {
        let (tx, rx) = watch::channel(0);
        tx.closed().await;
        drop(rx);
    });
    assert!(
        waits
            .iter()
            .any(|w| w.contains("watch::Sender::closed")
                && w.contains("tests/sync_watch_broadcast.rs")),
        "{waits:?}"
    );
}

#[test]
fn cloning_a_broadcast_value_may_touch_its_own_channel() {
    use seedloop::sync::broadcast;
    thread_local! {
        static TX: RefCell<Option<broadcast::Sender<Reentrant>>> = const { RefCell::new(None) };
    }
    #[derive(Debug, PartialEq)]
    struct Reentrant(u32);
    impl Clone for Reentrant {
        fn clone(&self) -> Reentrant {
            // User code inside `T::clone` that uses the same channel.
            TX.with(|tx| tx.borrow().as_ref().map(|tx| tx.receiver_count()));
            Reentrant(self.0)
        }
    }
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    TX.with(|slot| *slot.borrow_mut() = Some(tx.clone()));
    tx.send(Reentrant(3)).unwrap();
    assert_eq!(rx1.try_recv(), Ok(Reentrant(3))); // cloned: rx2 still needs it
    assert_eq!(rx2.try_recv(), Ok(Reentrant(3))); // the last reader takes it
    TX.with(|slot| slot.borrow_mut().take());
}

#[test]
fn broadcast_sender_closed_completes_when_the_last_receiver_goes() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let (tx, rx) = broadcast::channel::<u8>(2);
        let second = rx.resubscribe();
        let tx = Rc::new(tx);
        let t = tx.clone();
        let waiter = seedloop::spawn(async move {
            t.closed().await;
            seedloop::time::Instant::now().since_start()
        });
        seedloop::sleep(Duration::from_secs(1)).await;
        drop(rx);
        seedloop::sleep(Duration::from_secs(1)).await;
        assert!(!waiter.is_finished(), "one receiver is left");
        drop(second);
        assert_eq!(waiter.await.unwrap(), Duration::from_secs(2));
        // No receiver: at once; a cancelled wait leaves no waiter behind.
        tx.closed().await;
        let (tx, rx) = broadcast::channel::<u8>(1);
        assert!(
            seedloop::time::timeout(Duration::from_millis(5), tx.closed())
                .await
                .is_err()
        );
        drop(rx);
        tx.closed().await;
    });
}

#[test]
fn a_sender_waiting_for_its_receivers_to_close_is_named_in_a_deadlock() {
    let mut sim = Sim::builder().seed(1).print_panics(false).build();
    let err = sim
        .try_block_on(async {
            let (tx, _rx) = broadcast::channel::<u8>(1);
            tx.closed().await;
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("broadcast::Sender::closed at tests/sync_watch_broadcast.rs:"),
        "{err}"
    );
}
