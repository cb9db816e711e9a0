//! tokio's mpsc extras: weak senders and `send_timeout`, as tokio
//! documents them.

use std::time::Duration;

use seedloop::Sim;
use seedloop::sync::mpsc::{self, error::SendTimeoutError};
use seedloop::time::Instant;

#[test]
fn a_weak_sender_does_not_keep_the_channel_open_and_upgrades_only_while_a_sender_lives() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
        let upgraded = weak.upgrade().expect("a sender lives");
        assert_eq!(tx.strong_count(), 2);
        upgraded.send(1).await.unwrap();
        drop(upgraded);
        drop(tx);
        assert!(weak.upgrade().is_none() && weak2.upgrade().is_none());
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None, "closed with weak senders alive");

        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let weak = tx.downgrade();
        assert_eq!(tx.weak_count(), 1);
        weak.upgrade().unwrap().send(2).unwrap();
        drop(tx);
        assert!(weak.upgrade().is_none());
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn send_timeout_waits_in_virtual_time_and_hands_the_value_back() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let (tx, mut rx) = mpsc::channel::<String>(1);
        tx.send_timeout("first".into(), Duration::from_secs(1))
            .await
            .unwrap();
        let start = Instant::now();
        let err = tx
            .send_timeout("second".into(), Duration::from_millis(250))
            .await
            .unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(Instant::now() - start, Duration::from_millis(250));
        assert_eq!(err.into_inner(), "second", "the value comes back");
        // Room made while it waits: it sends.
        let waiting = {
            let tx = tx.clone();
            seedloop::spawn(async move {
                tx.send_timeout("third".into(), Duration::from_secs(5))
                    .await
            })
        };
        seedloop::sleep(Duration::from_secs(1)).await;
        assert_eq!(rx.recv().await.as_deref(), Some("first"));
        waiting.await.unwrap().unwrap();
        assert_eq!(rx.recv().await.as_deref(), Some("third"));
        // The receiver goes: Closed, with the value.
        drop(rx);
        let err = tx
            .send_timeout("lost?".into(), Duration::from_secs(1))
            .await
            .unwrap_err();
        assert_eq!(err, SendTimeoutError::Closed("lost?".to_string()));
    });
}
