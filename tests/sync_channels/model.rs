//! The model-based property test of mpsc: random producer/consumer programs
//! under random seeds keep each sender's order and lose or duplicate nothing.

use super::*;

#[derive(Clone, Copy, Debug)]
enum SendStyle {
    Send,
    TrySendRetry,
    Reserve,
}

#[derive(Clone, Copy, Debug)]
enum RecvStyle {
    Recv,
    RecvMany(usize),
    TryRecvPoll,
    Stream,
}

fn send_style() -> impl proptest::strategy::Strategy<Value = SendStyle> {
    prop_oneof![
        Just(SendStyle::Send),
        Just(SendStyle::TrySendRetry),
        Just(SendStyle::Reserve)
    ]
}

fn recv_style() -> impl proptest::strategy::Strategy<Value = RecvStyle> {
    prop_oneof![
        Just(RecvStyle::Recv),
        (1usize..5).prop_map(RecvStyle::RecvMany),
        Just(RecvStyle::TryRecvPoll),
        Just(RecvStyle::Stream),
    ]
}

/// A random pause drawn from the simulation: nothing, a yield, or a sleep.
async fn jitter() {
    match seedloop::rand::random_range(0..4u32) {
        0 => {}
        1 => yield_now().await,
        2 => seedloop::sleep(Duration::from_micros(seedloop::rand::random_range(0..50))).await,
        _ => {
            for _ in 0..seedloop::rand::random_range(1..4u32) {
                yield_now().await;
            }
        }
    }
}

/// Runs the program; returns every message received, in order.
async fn program(
    buffer: Option<usize>,
    counts: Vec<u32>,
    styles: Vec<SendStyle>,
    recv: RecvStyle,
) -> Vec<(usize, u32)> {
    enum Tx {
        Bounded(mpsc::Sender<(usize, u32)>),
        Unbounded(mpsc::UnboundedSender<(usize, u32)>),
    }
    enum Rx {
        Bounded(mpsc::Receiver<(usize, u32)>),
        Unbounded(mpsc::UnboundedReceiver<(usize, u32)>),
    }
    let (tx, mut rx) = match buffer {
        Some(n) => {
            let (tx, rx) = mpsc::channel(n);
            (Rc::new(Tx::Bounded(tx)), Rx::Bounded(rx))
        }
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            (Rc::new(Tx::Unbounded(tx)), Rx::Unbounded(rx))
        }
    };
    for (id, (&count, &style)) in counts.iter().zip(&styles).enumerate() {
        let tx = match &*tx {
            Tx::Bounded(t) => Tx::Bounded(t.clone()),
            Tx::Unbounded(t) => Tx::Unbounded(t.clone()),
        };
        seedloop::spawn(async move {
            for seq in 0..count {
                jitter().await;
                let msg = (id, seq);
                match (&tx, style) {
                    (Tx::Unbounded(t), _) => t.send(msg).unwrap(),
                    (Tx::Bounded(t), SendStyle::Send) => t.send(msg).await.unwrap(),
                    (Tx::Bounded(t), SendStyle::Reserve) => t.reserve().await.unwrap().send(msg),
                    (Tx::Bounded(t), SendStyle::TrySendRetry) => {
                        let mut msg = msg;
                        loop {
                            match t.try_send(msg) {
                                Ok(()) => break,
                                Err(TrySendError::Full(m)) => {
                                    msg = m;
                                    // A sleep, not a yield: virtual time
                                    // stands still while a task spins, so
                                    // a sleeping receiver would never wake.
                                    seedloop::sleep(Duration::from_micros(5)).await;
                                }
                                Err(TrySendError::Closed(_)) => panic!("closed early"),
                            }
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    let mut got = Vec::new();
    let check_len = |rx: &Rx| {
        if let (Rx::Bounded(r), Some(n)) = (rx, buffer) {
            assert!(r.len() <= n, "{} buffered in a buffer of {n}", r.len());
        }
    };
    loop {
        jitter().await;
        check_len(&rx);
        let batch: Vec<(usize, u32)> = match (&mut rx, recv) {
            (Rx::Bounded(r), RecvStyle::Recv) => r.recv().await.into_iter().collect(),
            (Rx::Unbounded(r), RecvStyle::Recv) => r.recv().await.into_iter().collect(),
            (Rx::Bounded(r), RecvStyle::Stream) => r.next().await.into_iter().collect(),
            (Rx::Unbounded(r), RecvStyle::Stream) => r.next().await.into_iter().collect(),
            (Rx::Bounded(r), RecvStyle::RecvMany(k)) => {
                let mut v = Vec::new();
                r.recv_many(&mut v, k).await;
                assert!(v.len() <= k);
                v
            }
            (Rx::Unbounded(r), RecvStyle::RecvMany(k)) => {
                let mut v = Vec::new();
                r.recv_many(&mut v, k).await;
                assert!(v.len() <= k);
                v
            }
            (rx, RecvStyle::TryRecvPoll) => {
                let r = match rx {
                    Rx::Bounded(r) => r.try_recv(),
                    Rx::Unbounded(r) => r.try_recv(),
                };
                match r {
                    Ok(m) => vec![m],
                    Err(TryRecvError::Empty) => {
                        seedloop::sleep(Duration::from_micros(10)).await;
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => Vec::new(),
                }
            }
        };
        if batch.is_empty() {
            break;
        }
        got.extend(batch);
    }
    got
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn model_every_message_arrives_once_in_per_sender_order(
        seed in any::<u64>(),
        buffer in prop::option::weighted(0.8, 1usize..6),
        senders in prop::collection::vec((0u32..15, send_style()), 1..5),
        recv in recv_style(),
    ) {
        let counts: Vec<u32> = senders.iter().map(|s| s.0).collect();
        let styles: Vec<SendStyle> = senders.iter().map(|s| s.1).collect();
        // A step limit turns a livelock into a failure instead of a hang.
        let mut sim = Sim::builder().seed(seed).print_panics(false).step_limit(200_000).build();
        let got = sim.block_on(program(buffer, counts.clone(), styles, recv));
        // Model: each sender's numbered sequence, exactly once, in order.
        let mut next = vec![0u32; counts.len()];
        for &(id, seq) in &got {
            prop_assert_eq!(seq, next[id], "sender {} out of order or duplicated: {:?}", id, got);
            next[id] += 1;
        }
        prop_assert_eq!(next, counts, "messages lost: {:?}", got);
    }
}
