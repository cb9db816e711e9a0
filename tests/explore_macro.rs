//! `#[seedloop::test]`: what it accepts, and that the tests it generates run
//! their bodies in the simulation.

use std::rc::Rc;
use std::time::Duration;

use seedloop::sync::Mutex;
use seedloop::time::Instant;

/// Spawned tasks sleep in virtual time and all finish, in every interleaving.
#[seedloop::test]
async fn spawned_sleepers_finish_in_virtual_time() {
    let start = Instant::now();
    let total = Rc::new(Mutex::new(0u64));
    let mut tasks = Vec::new();
    for i in 1..=3u64 {
        let total = total.clone();
        tasks.push(seedloop::spawn(async move {
            seedloop::sleep(Duration::from_secs(3600 * i)).await;
            *total.lock().await += i;
            i
        }));
    }
    let mut finished = Vec::new();
    for t in tasks {
        finished.push(t.await.unwrap());
    }
    assert_eq!(finished, [1, 2, 3]);
    assert_eq!(*total.lock().await, 6);
    assert_eq!(start.elapsed(), Duration::from_secs(3 * 3600));
}

/// A body may return `Result<(), E>` and use `?`.
#[seedloop::test(seeds = 20)]
async fn result_body_uses_question_mark() -> Result<(), String> {
    let handle = seedloop::spawn(async {
        seedloop::sleep(Duration::from_millis(5)).await;
        "42".parse::<u32>()
    });
    let n = handle
        .await
        .map_err(|e| format!("{e:?}"))?
        .map_err(|e| e.to_string())?;
    assert_eq!(n, 42);
    Ok(())
}

/// Every argument at once, in an order other than the documented one.
#[seedloop::test(jobs = 2, time_limit = "30s", strategy = "random", seeds = 10)]
async fn all_arguments() {
    let start = Instant::now();
    seedloop::sleep(Duration::from_secs(10)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

/// The strategy argument reaches the runs: under `fifo` tasks run in spawn order.
#[seedloop::test(strategy = "fifo", seeds = 1)]
async fn fifo_runs_tasks_in_spawn_order() {
    let order = Rc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let order = order.clone();
            seedloop::spawn(async move { order.lock().await.push(i) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // Fifo makes every choice 0: the oldest ready task runs first.
    assert_eq!(*order.lock().await, [0, 1, 2, 3]);
}

/// Other attributes, the visibility and names in the enclosing module all
/// reach the generated test.
pub mod nested {
    fn helper(x: u32) -> u32 {
        x * 2
    }

    #[seedloop::test(seeds = 3)]
    #[allow(clippy::unit_arg)]
    pub async fn sees_module_items() -> Result<(), std::convert::Infallible> {
        assert_eq!(helper(21), 42);
        assert_eq!(super::the_answer().await, 42);
        Ok(())
    }

    #[seedloop::test(seeds = 1)]
    #[ignore = "only checks that #[ignore] is kept"]
    async fn ignored() {
        panic!("an ignored test must not run");
    }
}

async fn the_answer() -> u32 {
    seedloop::sleep(Duration::from_secs(1)).await;
    42
}

/// The generated functions are plain `fn()` tests.
#[test]
fn generated_tests_are_plain_functions() {
    let _: fn() = spawned_sleepers_finish_in_virtual_time;
    let _: fn() = nested::sees_module_items;
}

/// A network no literal can describe, given through `config`: every
/// datagram takes exactly 7 ms.
fn seven_ms_network() -> seedloop::Builder {
    let latency = Duration::from_millis(7);
    seedloop::Sim::builder().net(seedloop::net::NetConfig::new().latency(latency..latency))
}

#[seedloop::test(seeds = 5, config = seven_ms_network)]
async fn config_sets_what_no_literal_can() {
    use seedloop::net::UdpSocket;
    let b = seedloop::node::Builder::new("b").build();
    let echo = seedloop::node::spawn_on(b, async {
        let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        let mut buf = [0; 8];
        let (n, from) = s.recv_from(&mut buf).await.unwrap();
        s.send_to(&buf[..n], from).await.unwrap();
    });
    let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    let start = Instant::now();
    s.send_to(b"ping", "b:9").await.unwrap();
    let mut buf = [0; 8];
    let (n, _) = s.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ping");
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(14),
        "two hops of 7 ms"
    );
    echo.await.unwrap();
}

/// An `Explorer` as the base: its settings hold, and the attribute's
/// literals are applied on top (here `seeds` and `step_limit`).
fn quiet_explorer() -> seedloop::explore::Explorer {
    seedloop::explore::Explorer::new("ignored: the attribute names the test")
        .buggify(0.0)
        .seeds(1_000_000)
}

#[seedloop::test(seeds = 50, step_limit = 1_000, config = quiet_explorer)]
async fn config_explorer_with_literals_on_top() {
    // `buggify(0.0)` from the config: no site ever fires.
    for _ in 0..50 {
        assert!(!seedloop::buggify!());
    }
}

/// The step limit reaches the runs: a task that spins by yielding is
/// stopped at 200 steps, and the report names it. The line that found it
/// is kept in `seeds/`, as users are told to keep theirs.
#[seedloop::test(seeds = 1, step_limit = 200)]
#[should_panic(expected = "step limit: 200 steps taken")]
async fn step_limit_reaches_the_runs() {
    seedloop::task::Builder::new()
        .name("spinner")
        .spawn(async {
            loop {
                seedloop::task::yield_now().await;
            }
        })
        .await
        .unwrap();
}

/// An `Err` returned by the body is reported at the test, not inside seedloop.
#[seedloop::test(seeds = 1)]
#[should_panic(expected = "panicked at tests/explore_macro.rs:")]
async fn an_err_returned_is_reported_at_the_test() -> Result<(), String> {
    Err("the store lost a write".to_string())
}

/// A failure draws its run: the report's `view:` line names the HTML file
/// under the target directory (`target/seedloop/<test>/<seed>.html`).
#[seedloop::test(seeds = 1)]
#[should_panic(expected = "a_failure_names_its_view/0x0.html")]
async fn a_failure_names_its_view() {
    seedloop::spawn(async { panic!("drawn in the view") })
        .await
        .unwrap();
}
