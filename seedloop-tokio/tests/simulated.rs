//! What the facade promises under `--cfg seedloop` beyond the names:
//! `select!`'s order is on the tape, the runtime is seeded and
//! deterministic, tokio's panic semantics hold, and what cannot nest
//! says so.
#![cfg(seedloop)]

use std::time::Duration;

use seedloop::{Sim, Strategy};
use seedloop_tokio as tokio;

/// Runs `select!` over two ready branches under the tape `tape`.
fn winner(tape: &str, biased: bool) -> &'static str {
    let mut sim = Sim::builder()
        .strategy(Strategy::Replay(tape.parse().unwrap()))
        .build();
    sim.block_on(async move {
        if biased {
            tokio::select! { biased; _ = async {} => "first", _ = async {} => "second" }
        } else {
            tokio::select! { _ = async {} => "first", _ = async {} => "second" }
        }
    })
}

#[test]
fn which_ready_branch_wins_is_a_choice_on_the_tape_unless_biased() {
    assert_eq!(winner("0", false), "first", "0 is the written order");
    assert_eq!(winner("1", false), "second");
    assert_eq!(winner("1", true), "first", "biased; asks no choice");
}

/// Five tasks that yield at random points; the order they finish in.
fn race(seed: u64) -> Vec<u32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .simulation(seedloop::Builder::new().seed(seed))
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..5 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                tx.send(i).unwrap();
            });
        }
        drop(tx);
        let mut order = Vec::new();
        while let Some(i) = rx.recv().await {
            order.push(i);
        }
        order
    })
}

#[test]
fn the_runtime_is_seeded_and_a_seed_replays() {
    // The variables override the builder's seed: then every run is the same one.
    if ["SEEDLOOP_SEED", "SEEDLOOP_TAPE", "SEEDLOOP_STRATEGY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        return;
    }
    let orders: Vec<Vec<u32>> = (0..8).map(race).collect();
    for (seed, order) in orders.iter().enumerate() {
        assert_eq!(&race(seed as u64), order, "seed {seed} replays");
    }
    assert!(
        orders.iter().any(|o| o != &orders[0]),
        "different seeds interleave differently: {orders:?}"
    );
}

#[test]
fn an_hour_of_sleep_is_an_hour_of_virtual_time() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (slept, advanced) = rt.block_on(async {
        let start = tokio::time::Instant::now();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let slept = start.elapsed();
        tokio::time::advance(Duration::from_secs(60)).await;
        (slept, start.elapsed() - slept)
    });
    assert_eq!(slept, Duration::from_secs(3600));
    assert_eq!(advanced, Duration::from_secs(60));
}

#[test]
fn a_task_panic_goes_to_its_handle_as_in_tokio() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async { tokio::spawn(async { panic!("boom") }).await.unwrap_err() });
    assert!(err.is_panic());
    // Also with the simulation's own settings, whose default fails the run.
    let rt = tokio::runtime::Builder::new_current_thread()
        .simulation(seedloop::Builder::new().seed(3))
        .build()
        .unwrap();
    let err = rt.block_on(async { tokio::spawn(async { panic!("boom") }).await.unwrap_err() });
    assert!(err.is_panic());
}

#[tokio::main(worker_threads = 2, crate = "seedloop_tokio")]
async fn main_with_workers() -> u32 {
    tokio::spawn(async { 7 }).await.unwrap()
}

#[test]
fn main_takes_tokio_s_multi_thread_arguments() {
    assert_eq!(main_with_workers(), 7);
}

#[test]
fn block_on_inside_a_runtime_panics_with_tokio_s_message() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let inner = tokio::runtime::Runtime::new().unwrap();
    let caught = rt.block_on(async move {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.block_on(async {})))
    });
    let message = caught.unwrap_err();
    let text = message
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| message.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("");
    assert!(
        text.starts_with("Cannot start a runtime from within a runtime"),
        "{text}"
    );
    let e = tokio::runtime::Handle::try_current().unwrap_err();
    assert!(e.is_missing_context());
}

#[test]
fn a_local_set_waits_for_its_tasks_and_aborts_them_when_dropped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let set = tokio::task::LocalSet::new();
        let slow = set.spawn_local(tokio::time::sleep(Duration::from_secs(5)));
        let start = tokio::time::Instant::now();
        set.await;
        assert!(slow.is_finished() && start.elapsed() >= Duration::from_secs(5));

        let set = tokio::task::LocalSet::new();
        let forever = set.spawn_local(std::future::pending::<()>());
        drop(set);
        assert!(forever.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn signals_reach_only_the_node_they_are_sent_to() {
    use tokio::signal::unix::{SignalKind, signal};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let a = seedloop::node::Builder::new("a").build();
        let b = seedloop::node::Builder::new("b").build();
        let listen = |node| {
            seedloop::node::spawn_on(node, async {
                let mut term = signal(SignalKind::terminate()).unwrap();
                term.recv().await
            })
        };
        let (on_a, on_b) = (listen(a), listen(b));
        tokio::time::sleep(Duration::from_secs(1)).await; // both listen
        seedloop::node::send_signal(a, 15);
        assert_eq!(on_a.await.unwrap(), Some(()));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!on_b.is_finished(), "b heard nothing");
        let e = signal(SignalKind::from_raw(9)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    });
}
