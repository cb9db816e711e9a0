//! Channels: `sync::mpsc` (bounded and unbounded) and `sync::oneshot`.
//! Functional tests of every method and error path, a model-based property
//! test of random producer/consumer programs, cancel safety, determinism,
//! switch points, and deadlock reports that name the blocked channel op.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures::future::{Either, select};
use futures::{Stream, StreamExt};
use proptest::prelude::*;
use seedloop::sync::mpsc::{self, error::SendError, error::TryRecvError, error::TrySendError};
use seedloop::sync::oneshot;
use seedloop::task::yield_now;
use seedloop::{Error, Sim};

fn sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).print_panics(false).build()
}

/// Counts drops, to see which messages a channel discarded.
struct Tracked(Rc<Cell<u32>>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// The `waiting_on` lines of a deadlock.
fn deadlock_waits(err: &Error) -> Vec<String> {
    let Error::Deadlock { tasks, .. } = err else {
        panic!("expected a deadlock, got {err}")
    };
    tasks.iter().filter_map(|t| t.waiting_on.clone()).collect()
}

// ---------------------------------------------------------------- mpsc, bounded

#[test]
fn bounded_send_and_recv_keep_order() {
    for seed in 0..20 {
        let got = sim(seed).block_on(async {
            let (tx, mut rx) = mpsc::channel(3);
            let producer = seedloop::spawn(async move {
                for i in 0..20 {
                    tx.send(i).await.unwrap();
                }
            });
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                assert!(rx.len() <= 3);
                got.push(v);
            }
            producer.await.unwrap();
            got
        });
        assert_eq!(got, (0..20).collect::<Vec<_>>(), "seed {seed}");
    }
}

#[test]
fn try_send_reports_full_and_closed() {
    let (tx, mut rx) = mpsc::channel(2);
    assert_eq!(tx.max_capacity(), 2);
    assert_eq!(tx.capacity(), 2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert_eq!(rx.capacity(), 0);
    let full = tx.try_send(3).unwrap_err();
    assert!(full.is_full() && !full.is_closed());
    assert_eq!(full, TrySendError::Full(3));
    assert_eq!(full.to_string(), "no available capacity");
    assert_eq!(format!("{full:?}"), "Full(..)");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1);
    rx.close();
    let closed = tx.try_send(4).unwrap_err();
    assert_eq!(closed, TrySendError::Closed(4));
    assert_eq!(closed.to_string(), "channel closed");
    assert_eq!(closed.into_inner(), 4);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn try_recv_reports_empty_then_disconnected() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    tx.try_send(9).unwrap();
    let tx2 = tx.clone();
    drop(tx);
    assert!(!rx.is_closed(), "a clone is still alive");
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        "receiving on a closed channel"
    );
}

#[test]
fn dropped_receiver_hands_values_back_and_drops_the_buffer() {
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    sim(1).block_on(async move {
        let (tx, rx) = mpsc::channel(2);
        tx.send(Tracked(d.clone())).await.unwrap();
        tx.send(Tracked(d.clone())).await.unwrap();
        // A third sender waits for room; the receiver's drop fails it.
        let tx2 = tx.clone();
        let d2 = d.clone();
        let blocked = seedloop::spawn(async move {
            let SendError(back) = tx2.send(Tracked(d2)).await.unwrap_err();
            back
        });
        for _ in 0..5 {
            yield_now().await;
        }
        assert_eq!(d.get(), 0);
        drop(rx);
        assert_eq!(d.get(), 2, "the buffered messages are dropped");
        let back = blocked.await.unwrap();
        assert_eq!(d.get(), 2, "the blocked value came back, not dropped");
        drop(back);
        assert!(tx.is_closed());
        let err = tx.send(Tracked(d.clone())).await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");
        assert_eq!(format!("{err:?}"), "SendError { .. }");
        assert!(tx.try_send(Tracked(d.clone())).unwrap_err().is_closed());
        assert!(tx.reserve().await.is_err());
    });
    assert_eq!(drops.get(), 5);
}

#[test]
fn a_buffered_message_holding_a_sender_can_be_dropped_with_the_receiver() {
    // Dropping the buffer drops a Sender of the same channel: no borrow of
    // the channel may be held then.
    struct Loop(#[allow(dead_code)] mpsc::UnboundedSender<Loop>);
    let (tx, rx) = mpsc::unbounded_channel::<Loop>();
    tx.send(Loop(tx.clone())).unwrap();
    drop(tx);
    drop(rx);
    let (tx, rx) = mpsc::channel::<mpsc::Sender<u8>>(1);
    let (inner_tx, _inner_rx) = mpsc::channel(1);
    tx.try_send(inner_tx).unwrap();
    drop(rx);
    assert!(tx.is_closed());
}

#[test]
fn close_then_drain() {
    sim(2).block_on(async {
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let permit = tx.clone().reserve_owned().await.unwrap();
        assert!(!tx.is_closed());
        rx.close();
        assert!(tx.is_closed() && rx.is_closed());
        assert!(tx.send(3).await.is_err(), "no new sends after close");
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        // A permit reserved before the close still sends; recv waits for it.
        let late = seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            permit.send(4);
            drop(tx);
        });
        assert_eq!(rx.recv().await, Some(4));
        assert_eq!(rx.recv().await, None);
        late.await.unwrap();
    });
}

#[test]
fn close_ends_recv_once_an_unused_permit_is_dropped() {
    sim(3).block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        rx.close();
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "the permit may still send"
        );
        seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            drop(permit);
        });
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        drop(tx); // alive until here: the end came from the permit
    });
}

#[test]
fn close_fails_the_senders_waiting_for_room() {
    sim(4).block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(0).await.unwrap();
        let waiters: Vec<_> = (1..4)
            .map(|i| {
                let tx = tx.clone();
                seedloop::spawn(async move { tx.send(i).await })
            })
            .collect();
        seedloop::sleep(Duration::from_secs(1)).await;
        rx.close();
        for (i, w) in (1..4).zip(waiters) {
            assert_eq!(w.await.unwrap(), Err(SendError(i)));
        }
        assert_eq!(rx.recv().await, Some(0));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn blocked_senders_are_served_in_fifo_order() {
    for seed in 0..10 {
        let mut sim = sim(seed);
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        for i in 1..=6 {
            let tx = tx.clone();
            sim.spawn(async move { tx.send(i).await.unwrap() });
            sim.run_until_stalled(); // sender i is now queued
        }
        drop(tx);
        let got = sim.block_on(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
                // Whoever is served next, the one after may try to barge.
                yield_now().await;
            }
            got
        });
        assert_eq!(got, [0, 1, 2, 3, 4, 5, 6], "seed {seed}");
    }
}

#[test]
fn try_send_cannot_barge_past_waiting_senders() {
    let mut sim = sim(5);
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let tx2 = tx.clone();
    sim.spawn(async move { tx2.send(1).await.unwrap() });
    sim.run_until_stalled();
    assert_eq!(rx.try_recv(), Ok(0));
    // The freed slot was handed to the waiting sender, not left free.
    assert!(tx.try_send(2).unwrap_err().is_full());
    sim.run_until_stalled();
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn reserve_and_permits() {
    sim(6).block_on(async {
        let (tx, mut rx) = mpsc::channel(2);
        let a = tx.reserve().await.unwrap();
        let b = tx.try_reserve().unwrap();
        assert_eq!(tx.capacity(), 0);
        assert!(tx.try_reserve().unwrap_err().is_full());
        assert!(tx.try_send(0).unwrap_err().is_full());
        b.send(2); // order is the order of sends, not of reservations
        a.send(1);
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(1));

        let p = tx.reserve().await.unwrap();
        assert_eq!(tx.capacity(), 1);
        drop(p);
        assert_eq!(tx.capacity(), 2, "an unused permit gives its slot back");

        let owned = tx.clone().reserve_owned().await.unwrap();
        let other = tx.clone().try_reserve_owned().unwrap();
        match tx.clone().try_reserve_owned() {
            Err(TrySendError::Full(s)) => assert!(s.same_channel(&tx)),
            other => panic!("expected Full, got {other:?}"),
        }
        let task = seedloop::spawn(async move { owned.send(10) });
        let back = task.await.unwrap();
        assert!(back.same_channel(&tx));
        let back2 = other.release();
        assert_eq!(back2.capacity(), 1);
        assert_eq!(rx.recv().await, Some(10));

        // A reserve waiting for room is served when a slot frees up.
        tx.send(20).await.unwrap();
        tx.send(21).await.unwrap();
        let tx2 = tx.clone();
        let waiting = seedloop::spawn(async move {
            let permit = tx2.reserve().await.unwrap();
            permit.send(22);
        });
        seedloop::sleep(Duration::from_secs(1)).await;
        assert!(!waiting.is_finished());
        assert_eq!(rx.recv().await, Some(20));
        waiting.await.unwrap();
        assert_eq!(rx.recv().await, Some(21));
        assert_eq!(rx.recv().await, Some(22));

        // Owned permit dropped unused: slot back.
        let owned = tx.clone().reserve_owned().await.unwrap();
        assert_eq!(tx.capacity(), 1);
        drop(owned);
        assert_eq!(tx.capacity(), 2);
        rx.close();
        assert!(tx.clone().reserve_owned().await.is_err());
        assert!(tx.try_reserve().unwrap_err().is_closed());
        assert!(matches!(
            tx.clone().try_reserve_owned(),
            Err(TrySendError::Closed(_))
        ));
    });
}

#[test]
fn a_permit_to_a_dropped_receiver_drops_its_value() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = mpsc::channel(1);
    let permit = tx.try_reserve().unwrap();
    drop(rx);
    permit.send(Tracked(drops.clone()));
    assert_eq!(drops.get(), 1);
    assert!(tx.is_closed());
}

#[test]
fn closed_completes_when_the_receiver_goes() {
    sim(7).block_on(async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        let tx2 = tx.clone();
        let watcher = seedloop::spawn(async move {
            tx2.closed().await;
            seedloop::time::now()
        });
        seedloop::sleep(Duration::from_secs(3)).await;
        let start = seedloop::time::now();
        drop(rx);
        assert_eq!(watcher.await.unwrap(), start);
        tx.closed().await; // already closed: at once
        assert!(tx.is_closed());

        // A closed() future dropped before completion leaves no trace.
        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let r = seedloop::time::timeout(Duration::from_secs(1), tx.closed()).await;
        assert!(r.is_err());
        rx.close();
        tx.closed().await;
    });
}

#[test]
fn recv_many_takes_batches_up_to_the_limit() {
    sim(8).block_on(async {
        let (tx, mut rx) = mpsc::channel(10);
        for i in 0..7 {
            tx.send(i).await.unwrap();
        }
        let mut buf = vec![-1];
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
        assert_eq!(buf, [-1, 0, 1, 2], "appends, keeping what was there");
        assert_eq!(rx.recv_many(&mut buf, 100).await, 4);
        assert_eq!(buf.len(), 8);
        assert_eq!(tx.capacity(), 10, "every taken message freed its slot");
        // Waits for the first message when empty.
        let tx2 = tx.clone();
        seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            tx2.send(100).await.unwrap();
        });
        let mut more = Vec::new();
        assert_eq!(rx.recv_many(&mut more, 5).await, 1);
        assert_eq!(more, [100]);
        drop(tx);
        assert_eq!(rx.recv_many(&mut more, 5).await, 0, "closed and drained");

        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..4 {
            tx.send(i).unwrap();
        }
        drop(tx);
        let mut out = Vec::new();
        assert_eq!(rx.recv_many(&mut out, 3).await, 3);
        assert_eq!(rx.recv_many(&mut out, 3).await, 1);
        assert_eq!(rx.recv_many(&mut out, 3).await, 0);
        assert_eq!(out, [0, 1, 2, 3]);
    });
}

#[test]
fn receivers_are_streams() {
    sim(9).block_on(async {
        let (tx, rx) = mpsc::channel(2);
        let (utx, urx) = mpsc::unbounded_channel();
        seedloop::spawn(async move {
            for i in 0..5 {
                tx.send(i).await.unwrap();
                utx.send(i * 10).unwrap();
            }
        });
        let a: Vec<i32> = rx.collect().await;
        let b: Vec<i32> = urx.collect().await;
        assert_eq!(a, [0, 1, 2, 3, 4]);
        assert_eq!(b, [0, 10, 20, 30, 40]);

        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!(rx.size_hint(), (2, None));
        drop(tx);
        assert_eq!(rx.size_hint(), (2, Some(2)));
        assert_eq!(rx.next().await, Some(1));
        assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(2));
        assert_eq!(rx.next().await, None);
    });
}

#[test]
fn unbounded_channel_methods() {
    sim(10).block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        assert!(tx.same_channel(&tx2));
        let (other, _orx) = mpsc::unbounded_channel();
        assert!(!tx.same_channel(&other));
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 100);
        assert!(!rx.is_empty());
        assert_eq!(rx.recv().await, Some(0));
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(!tx.is_closed() && !rx.is_closed());
        rx.close();
        assert!(tx.is_closed() && rx.is_closed());
        assert_eq!(tx2.send(1000), Err(SendError(1000)));
        let mut rest = Vec::new();
        while let Some(v) = rx.recv().await {
            rest.push(v);
        }
        assert_eq!(rest, (2..100).collect::<Vec<_>>());
        assert!(rx.is_empty());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn senders_and_receivers_debug_without_t_debug() {
    struct Opaque;
    let (tx, rx) = mpsc::channel::<Opaque>(3);
    let text = format!("{tx:?} {rx:?}");
    assert!(
        text.contains("Sender") && text.contains("Receiver"),
        "{text}"
    );
    let (utx, urx) = mpsc::unbounded_channel::<Opaque>();
    let text = format!("{utx:?} {urx:?}");
    assert!(text.contains("UnboundedSender"), "{text}");
    let (otx, orx) = oneshot::channel::<Opaque>();
    assert!(format!("{otx:?} {orx:?}").contains("Receiver"));
}

#[test]
#[should_panic(expected = "buffer > 0")]
fn a_zero_buffer_panics() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
fn channel_halves_are_unpin_and_send_and_sync_as_tokios_are() {
    fn unpin<T: Unpin>() {}
    unpin::<mpsc::Receiver<std::marker::PhantomPinned>>();
    unpin::<mpsc::UnboundedReceiver<std::marker::PhantomPinned>>();
    unpin::<oneshot::Receiver<std::marker::PhantomPinned>>();

    // `Send` and `Sync` whatever the value, as they work only on the
    // simulation's thread (thread-checked), and so are the futures of
    // their operations: code written for tokio that needs `Send` futures
    // compiles.
    fn send<T: Send + Sync>(_: &T) {}
    fn send_future<F: std::future::Future + Send>(_: F) {}
    let (tx, mut rx) = mpsc::channel::<std::rc::Rc<u8>>(1);
    let (utx, mut urx) = mpsc::unbounded_channel::<std::rc::Rc<u8>>();
    let (otx, orx) = oneshot::channel::<std::rc::Rc<u8>>();
    let orx_rc = orx;
    send(&tx);
    send(&rx);
    send(&utx);
    send(&urx);
    send(&tx.downgrade());
    send(&utx.downgrade());
    send(&otx);
    send(&orx_rc);
    send_future(tx.reserve());
    send_future(tx.clone().reserve_owned());
    send_future(tx.closed());
    send_future(rx.recv());
    send_future(urx.recv());
    // A future that holds a value is `Send` when the value is.
    let (btx, _brx) = mpsc::channel::<u8>(1);
    send_future(btx.send(1));
    let (_otx, orx) = oneshot::channel::<u8>();
    send_future(orx);
}

#[test]
fn a_channel_end_on_another_thread_panics_when_used_and_leaks_when_dropped() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(4);
        let tx2 = tx.clone();
        let used = std::thread::spawn(move || tx2.try_send(1)).join();
        assert!(used.is_err(), "a foreign thread cannot reach the channel");
        let other = tx.clone();
        std::thread::spawn(move || drop(other)).join().unwrap();
        tx.send(2).await.unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Some(2));
        // The foreign drops leaked their sender counts: the channel never
        // closes, and the receiver would wait for ever.
        assert!(rx.try_recv().is_err());
        assert!(!rx.is_closed());
    });
}

// ------------------------------------------------ wakes with no borrow held

thread_local! {
    static ON_WAKE: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// A waker that runs the thread's `ON_WAKE` hook: it re-enters the channel.
struct HookWaker;

impl Wake for HookWaker {
    fn wake(self: Arc<Self>) {
        ON_WAKE.with(|h| {
            if let Some(f) = &*h.borrow() {
                f();
            }
        });
    }
}

#[test]
fn a_waker_may_reenter_the_channel() {
    let waker = Waker::from(Arc::new(HookWaker));
    let mut cx = Context::from_waker(&waker);

    // mpsc: the receiver's waker sends again and reads the state.
    let (tx, mut rx) = mpsc::channel(4);
    let hook_tx = tx.clone();
    ON_WAKE.with(|h| {
        *h.borrow_mut() = Some(Box::new(move || {
            let _ = hook_tx.try_send(99);
            assert!(!hook_tx.is_closed());
            let _ = hook_tx.capacity();
        }))
    });
    {
        let mut recv = pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        tx.try_send(1).unwrap(); // wakes: the hook sends 99
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
    }
    assert_eq!(rx.try_recv(), Ok(99));

    // A sender blocked for room whose waker re-enters when it is granted.
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    tx.try_send(4).unwrap();
    {
        let mut send = pin!(tx.send(5));
        assert!(send.as_mut().poll(&mut cx).is_pending());
        assert_eq!(rx.try_recv(), Ok(1)); // grants the slot, wakes
        assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    }
    ON_WAKE.with(|h| h.borrow_mut().take());

    // closed(): the hook reads the sender's state.
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let probe = tx.clone();
    ON_WAKE.with(|h| *h.borrow_mut() = Some(Box::new(move || assert!(probe.is_closed()))));
    {
        let mut closed = pin!(tx.closed());
        assert!(closed.as_mut().poll(&mut cx).is_pending());
        drop(rx);
        assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
    }
    ON_WAKE.with(|h| h.borrow_mut().take());

    // oneshot: the receiver's waker looks at the sender side.
    let (otx, mut orx) = oneshot::channel::<u8>();
    let (flag_tx, flag_rx) = mpsc::unbounded_channel();
    ON_WAKE.with(|h| {
        *h.borrow_mut() = Some(Box::new(move || {
            flag_tx.send(()).unwrap();
        }))
    });
    assert!(Pin::new(&mut orx).poll(&mut cx).is_pending());
    otx.send(5).unwrap();
    assert_eq!(flag_rx.len(), 1);
    assert_eq!(Pin::new(&mut orx).poll(&mut cx), Poll::Ready(Ok(5)));
    ON_WAKE.with(|h| h.borrow_mut().take());
}

// ---------------------------------------------------------------- oneshot

#[test]
fn oneshot_send_and_receive() {
    for seed in 0..10 {
        sim(seed).block_on(async {
            let (tx, rx) = oneshot::channel();
            seedloop::spawn(async move {
                seedloop::sleep(Duration::from_millis(5)).await;
                tx.send(String::from("value")).unwrap();
            });
            assert_eq!(rx.await.as_deref(), Ok("value"));

            let (tx, rx) = oneshot::channel();
            tx.send(1).unwrap(); // already there: the await is a switch point
            assert_eq!(rx.await, Ok(1));
        });
    }
}

#[test]
fn oneshot_errors() {
    sim(11).block_on(async {
        // Sender dropped without sending.
        let (tx, rx) = oneshot::channel::<u8>();
        seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(1)).await;
            drop(tx);
        });
        let err = rx.await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");

        // Receiver dropped: the value comes back.
        let (tx, rx) = oneshot::channel();
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(vec![1, 2]), Err(vec![1, 2]));

        // try_recv.
        let (tx, mut rx) = oneshot::channel();
        assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty));
        assert_eq!(
            oneshot::error::TryRecvError::Empty.to_string(),
            "channel empty"
        );
        tx.send('x').unwrap();
        assert_eq!(rx.try_recv(), Ok('x'));
        assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
        assert!(rx.is_terminated());

        // close(): later sends fail, an earlier value is still received.
        let (tx, mut rx) = oneshot::channel();
        tx.send(3).unwrap();
        rx.close();
        assert_eq!(rx.await, Ok(3));
        let (tx, mut rx) = oneshot::channel::<u8>();
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send(4), Err(4));
        assert!(rx.await.is_err());
    });
}

#[test]
fn oneshot_dropped_receiver_drops_a_sent_value() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = oneshot::channel();
    tx.send(Tracked(drops.clone()))
        .unwrap_or_else(|_| panic!("receiver alive"));
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);
}

#[test]
fn oneshot_sender_closed() {
    sim(12).block_on(async {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let watcher = seedloop::spawn(async move {
            tx.closed().await;
            assert!(tx.is_closed());
            poll_fn(|cx| tx.poll_closed(cx)).await;
            seedloop::time::now()
        });
        seedloop::sleep(Duration::from_secs(2)).await;
        let at = seedloop::time::now();
        drop(rx);
        assert_eq!(watcher.await.unwrap(), at);

        let (mut tx, mut rx) = oneshot::channel::<u8>();
        let r = seedloop::time::timeout(Duration::from_secs(1), tx.closed()).await;
        assert!(r.is_err(), "still open");
        rx.close();
        tx.closed().await;
    });
}

#[test]
#[should_panic(expected = "polled after it returned")]
fn oneshot_receiver_polled_again_panics() {
    let mut sim = sim(13);
    sim.block_on(async {
        let (tx, mut rx) = oneshot::channel();
        tx.send(1).unwrap();
        (&mut rx).await.unwrap();
        let _ = (&mut rx).await;
    });
}

// ------------------------------------------------------------ cancel safety

#[test]
fn recv_under_timeout_loses_no_message() {
    for seed in 0..30 {
        let got = sim(seed).block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            seedloop::spawn(async move {
                for i in 0..30u32 {
                    let pause = seedloop::rand::random_range(0..3u64);
                    seedloop::sleep(Duration::from_millis(pause)).await;
                    tx.send(i).await.unwrap();
                }
            });
            let mut got = Vec::new();
            let mut timeouts = 0;
            loop {
                let wait = Duration::from_micros(seedloop::rand::random_range(0..1500u64));
                match seedloop::time::timeout(wait, rx.recv()).await {
                    Ok(Some(v)) => got.push(v),
                    Ok(None) => break,
                    Err(_) => timeouts += 1,
                }
            }
            assert!(timeouts > 0, "some receives were cancelled");
            got
        });
        assert_eq!(got, (0..30).collect::<Vec<_>>(), "seed {seed}");
    }
}

#[test]
fn recv_many_and_oneshot_under_select_lose_nothing() {
    for seed in 0..20 {
        sim(seed).block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let (otx, mut orx) = oneshot::channel();
            seedloop::spawn(async move {
                for i in 0..40u32 {
                    seedloop::sleep(Duration::from_micros(seedloop::rand::random_range(0..900)))
                        .await;
                    tx.send(i).unwrap();
                }
                seedloop::sleep(Duration::from_millis(3)).await;
                otx.send("done").unwrap();
            });
            let mut got = Vec::new();
            loop {
                let tick = pin!(seedloop::sleep(Duration::from_micros(500)));
                let mut batch = Vec::new();
                let n = match select(pin!(rx.recv_many(&mut batch, 3)), tick).await {
                    Either::Left((n, _)) => n,
                    Either::Right(_) => continue,
                };
                if n == 0 {
                    break;
                }
                got.extend(batch);
            }
            assert_eq!(got, (0..40).collect::<Vec<_>>());
            loop {
                let tick = pin!(seedloop::sleep(Duration::from_micros(700)));
                if let Either::Left((v, _)) = select(&mut orx, tick).await {
                    assert_eq!(v, Ok("done"));
                    break;
                }
            }
        });
    }
}

#[test]
fn dropping_a_blocked_send_frees_its_place() {
    sim(14).block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(0).await.unwrap();
        // Not cancel safe: the value goes with the future...
        let r = seedloop::time::timeout(Duration::from_secs(1), tx.send(1)).await;
        assert!(r.is_err());
        // ...and the queue does not keep a dead waiter in front.
        let tx2 = tx.clone();
        let next = seedloop::spawn(async move { tx2.send(2).await });
        assert_eq!(rx.recv().await, Some(0));
        next.await.unwrap().unwrap();
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(tx.capacity(), 1);
    });
}

// ------------------------------------------------- determinism, switch points

/// Three producers over a small buffer, one consumer; returns the order of
/// receipt.
async fn channel_heavy() -> Vec<u32> {
    let (tx, mut rx) = mpsc::channel(2);
    let (utx, mut urx) = mpsc::unbounded_channel();
    for p in 0..3u32 {
        let tx = tx.clone();
        let utx = utx.clone();
        seedloop::spawn(async move {
            for i in 0..5 {
                tx.send(p * 100 + i).await.unwrap();
                utx.send(p).unwrap();
            }
        });
    }
    drop((tx, utx));
    let (otx, orx) = oneshot::channel();
    seedloop::spawn(async move {
        let mut acks = 0;
        while urx.recv().await.is_some() {
            acks += 1;
        }
        otx.send(acks).unwrap();
    });
    let mut log = Vec::new();
    while let Some(v) = rx.recv().await {
        log.push(v);
    }
    assert_eq!(orx.await, Ok(15));
    log
}

#[test]
fn same_seed_same_fingerprint_and_different_seeds_differ() {
    let mut orders = BTreeSet::new();
    let mut fingerprints = BTreeSet::new();
    for seed in 0..60 {
        let mut a = sim(seed);
        let log_a = a.block_on(channel_heavy());
        let mut b = sim(seed);
        let log_b = b.block_on(channel_heavy());
        assert_eq!(a.fingerprint(), b.fingerprint(), "seed {seed}");
        assert_eq!(a.tape(), b.tape(), "seed {seed}");
        assert_eq!(log_a, log_b, "seed {seed}");
        orders.insert(log_a);
        fingerprints.insert(a.fingerprint());
    }
    assert!(orders.len() >= 30, "only {} interleavings", orders.len());
    assert!(
        fingerprints.len() >= 50,
        "only {} fingerprints",
        fingerprints.len()
    );
    let checked = Sim::builder().seed(3).check_determinism(channel_heavy);
    assert!(checked.is_ok(), "{checked:?}");
}

/// The number of choices a one-task program draws.
fn choices(f: impl AsyncFnOnce()) -> usize {
    let mut sim = Sim::builder().strategy(seedloop::Strategy::Fifo).build();
    sim.block_on(f());
    sim.tape().len()
}

#[test]
fn send_with_room_and_recv_with_a_message_are_switch_points() {
    let base = choices(async || {});
    let awaited = choices(async || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        rx.recv().await.unwrap();
    });
    assert_eq!(awaited, base + 2, "one switch point for send, one for recv");
    let reserved = choices(async || {
        let (tx, mut rx) = mpsc::channel(4);
        tx.reserve().await.unwrap().send(1);
        let mut v = Vec::new();
        rx.recv_many(&mut v, 4).await;
    });
    assert_eq!(reserved, base + 2);
    let tried = choices(async || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        rx.try_recv().unwrap();
        let (utx, mut urx) = mpsc::unbounded_channel();
        utx.send(1).unwrap();
        urx.try_recv().unwrap();
        let (otx, mut orx) = oneshot::channel();
        otx.send(1).unwrap();
        orx.try_recv().unwrap();
    });
    assert_eq!(tried, base, "try_ and unbounded sends never yield");
    let oneshot_ready = choices(async || {
        let (otx, orx) = oneshot::channel();
        otx.send(1).unwrap();
        orx.await.unwrap();
    });
    assert_eq!(oneshot_ready, base + 1);
    let closed = choices(async || {
        let (tx, rx) = mpsc::channel::<u8>(1);
        drop(rx);
        assert!(tx.send(1).await.is_err()); // nothing to race: no switch
    });
    assert_eq!(closed, base);
}

#[test]
fn racing_senders_arrive_in_either_order_across_seeds() {
    let mut seen = BTreeSet::new();
    for seed in 0..40 {
        let order = sim(seed).block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            for id in ["a", "b"] {
                let tx = tx.clone();
                seedloop::spawn(async move { tx.send(id).await.unwrap() });
            }
            drop(tx);
            let mut order = Vec::new();
            while let Some(id) = rx.recv().await {
                order.push(id);
            }
            order
        });
        seen.insert(order);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}

// --------------------------------------------------------- deadlock reports

#[test]
fn deadlock_names_a_blocked_recv_and_its_call_site() {
    let err = sim(1)
        .try_block_on(async {
            let (_tx, mut rx) = mpsc::channel::<u8>(1);
            rx.recv().await
        })
        .unwrap_err();
    let waits = deadlock_waits(&err);
    assert!(
        waits
            .iter()
            .any(|w| w.contains("mpsc::Receiver::recv") && w.contains("tests/sync_channels.rs")),
        "{waits:?}"
    );
    assert!(err.to_string().contains("mpsc::Receiver::recv"), "{err}");
}

#[test]
fn deadlock_names_blocked_sends_closed_and_oneshot() {
    let err = sim(2)
        .try_block_on(async {
            let (tx, _rx) = mpsc::channel::<u8>(1);
            tx.send(1).await.unwrap();
            let tx2 = tx.clone();
            seedloop::spawn(async move { tx2.send(2).await });
            let tx3 = tx.clone();
            seedloop::spawn(async move { tx3.reserve().await.map(|_| ()) });
            let tx4 = tx.clone();
            seedloop::spawn(async move { tx4.closed().await });
            let (mut otx, orx) = oneshot::channel::<u8>();
            seedloop::spawn(async move { otx.closed().await });
            seedloop::spawn(orx);
            let (_utx, urx) = mpsc::unbounded_channel::<u8>();
            seedloop::spawn(urx.collect::<Vec<_>>());
            std::future::pending::<()>().await
        })
        .unwrap_err();
    let waits = deadlock_waits(&err);
    let has = |op: &str| {
        waits
            .iter()
            .any(|w| w.contains(op) && w.contains("tests/sync_channels.rs"))
    };
    assert!(has("mpsc::Sender::send"), "{waits:?}");
    assert!(has("mpsc::Sender::closed"), "{waits:?}");
    assert!(has("oneshot::Receiver"), "{waits:?}");
    assert!(has("oneshot::Sender::closed"), "{waits:?}");
    assert!(
        has("mpsc::Receiver::recv"),
        "the stream names the channel's call site: {waits:?}"
    );
}

// The model-based property test lives in its own file.
#[path = "sync_channels/model.rs"]
mod model;
#[path = "sync_channels/tokio_extras.rs"]
mod tokio_extras;
