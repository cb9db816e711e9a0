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
