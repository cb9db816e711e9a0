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

/// Registers `seq N`, which prints 1 to N a line each and exits with N,
/// and `count`, which exits with the number of bytes on its stdin and
/// prints them back reversed. The programs are the test's; the code
/// under test only names them.
fn register_seq_and_count() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    seedloop::process::register("seq", |ctx| async move {
        let n: i32 = ctx.args()[0].parse().unwrap();
        let mut out = ctx.stdout();
        for i in 1..=n {
            out.write_all(format!("{i}\n").as_bytes()).await.unwrap();
        }
        n
    });
    seedloop::process::register("count", |ctx| async move {
        let mut all = Vec::new();
        ctx.stdin().read_to_end(&mut all).await.unwrap();
        all.reverse();
        ctx.stdout().write_all(&all).await.unwrap();
        all.len() as i32
    });
}

#[test]
fn a_child_s_piped_stdout_reads_to_its_end_with_tokio_s_traits() {
    use tokio::io::AsyncReadExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        register_seq_and_count();
        let mut child = tokio::process::Command::new("seq")
            .arg("3")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        assert!(child.id().is_some());
        let mut stdout: tokio::process::ChildStdout = child.stdout.take().unwrap();
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).await.unwrap();
        assert_eq!(bytes, b"1\n2\n3\n");
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(!status.success());
        assert_eq!(child.id(), None, "reaped");
    });
}

#[test]
fn what_the_parent_writes_to_child_stdin_is_the_child_s_input() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        register_seq_and_count();
        let mut child = tokio::process::Command::new("count")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin: tokio::process::ChildStdin = child.stdin.take().unwrap();
        // More than a pipe holds: the write waits for the child to read.
        let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut stdout = child.stdout.take().unwrap();
        let reader = tokio::spawn(async move {
            let mut back = Vec::new();
            stdout.read_to_end(&mut back).await.unwrap();
            back
        });
        stdin.write_all(&input).await.unwrap();
        stdin.flush().await.unwrap();
        stdin.shutdown().await.unwrap(); // EOF
        let back = reader.await.unwrap();
        let mut expected = input.clone();
        expected.reverse();
        assert_eq!(back, expected);
        // The exit code is the low byte of the count, as on unix.
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), Some((input.len() % 256) as i32));
        // A child that exited reads no more: a write to its stdin is
        // `BrokenPipe`, as on unix.
        let mut gone = tokio::process::Command::new("seq")
            .arg("0")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = gone.stdin.take().unwrap();
        assert_eq!(gone.wait().await.unwrap().code(), Some(0));
        let e = stdin.write_all(b"late").await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn output_collects_stdout_stderr_and_the_status() {
    use tokio::io::AsyncWriteExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        seedloop::process::register("check", |ctx| async move {
            ctx.stdout().write_all(b"checked 2 files\n").await.unwrap();
            ctx.stderr().write_all(b"b.rs: bad\n").await.unwrap();
            1
        });
        let out = tokio::process::Command::new("check")
            .args(["a.rs", "b.rs"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(out.stdout, b"checked 2 files\n");
        assert_eq!(out.stderr, b"b.rs: bad\n");
        let status = tokio::process::Command::new("check")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(1));
        let e = tokio::process::Command::new("not-registered")
            .output()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn kill_ends_a_child_with_signal_9() {
    use std::os::unix::process::ExitStatusExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        seedloop::process::register("server", |_| std::future::pending());
        let mut child = tokio::process::Command::new("server").spawn().unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(child.try_wait().unwrap(), None, "still running");
        child.kill().await.unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), None);
        assert_eq!(status.signal(), Some(9));
        assert!(!status.success());
        let e = child.start_kill().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "already reaped");
    });
}

/// The usual tokio pattern: wait for a child with a timeout, kill it when
/// the time is up. A sweep of seeds, in virtual time.
#[tokio::test(crate = "seedloop_tokio")]
async fn a_child_that_outlives_its_timeout_is_killed() {
    use std::os::unix::process::ExitStatusExt;
    seedloop::process::register("slow", |ctx| async move {
        let secs: u64 = ctx.args()[0].parse().unwrap();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        0
    });
    let start = tokio::time::Instant::now();
    let mut quick = tokio::process::Command::new("slow")
        .arg("2")
        .spawn()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), quick.wait())
        .await
        .expect("done in 2 s")
        .unwrap();
    assert!(status.success());
    let mut stuck = tokio::process::Command::new("slow")
        .arg("60")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(5), stuck.wait()).await;
    assert!(waited.is_err(), "timed out");
    stuck.kill().await.unwrap();
    assert_eq!(stuck.wait().await.unwrap().signal(), Some(9));
    assert_eq!(start.elapsed(), Duration::from_secs(7));
}

/// `seq 4 | count`, without the `try_into()` of a pipe into a `Stdio`:
/// the parent copies from one child to the other.
#[test]
fn two_children_are_chained_by_copying_between_their_pipes() {
    use tokio::io::AsyncReadExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        register_seq_and_count();
        let piped = std::process::Stdio::piped;
        let mut first = tokio::process::Command::new("seq")
            .arg("4")
            .stdout(piped())
            .spawn()
            .unwrap();
        let mut second = tokio::process::Command::new("count")
            .stdin(piped())
            .stdout(piped())
            .spawn()
            .unwrap();
        let (mut from, mut to) = (first.stdout.take().unwrap(), second.stdin.take().unwrap());
        let copied = tokio::io::copy(&mut from, &mut to).await.unwrap();
        drop(to);
        let mut back = String::new();
        second
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut back)
            .await
            .unwrap();
        assert_eq!((copied, back.as_str()), (8, "\n4\n3\n2\n1"));
        assert_eq!(first.wait().await.unwrap().code(), Some(4));
        assert_eq!(second.wait().await.unwrap().code(), Some(8));
    });
}
