//! A tour of seedloop, layer by layer. Run it with
//!
//! ```sh
//! cargo run --release --example tour
//! ```
//!
//! Every line it prints starts with the virtual time at which it happened.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use seedloop::explore::Explorer;
use seedloop::queue::Queue;
use seedloop::sync::Mutex;
use seedloop::task::JoinSet;
use seedloop::time::{Instant, interval, timeout};
use seedloop::{PanicPolicy, Sim, Strategy, Tape};

/// Prints a line stamped with the current virtual time.
fn say(text: impl AsRef<str>) {
    let t = Instant::now().since_start();
    println!(
        "  [{:>4}.{:03}s] {}",
        t.as_secs(),
        t.subsec_millis(),
        text.as_ref()
    );
}

fn heading(title: &str) {
    println!("\n== {title}");
}

fn main() {
    let wall = std::time::Instant::now();

    heading("layer 1-2: coroutines on a seeded event loop");
    let mut sim = Sim::new(0x5eed);
    sim.block_on(async {
        say("block_on runs the main coroutine in virtual time");
        let greeting = async { "coroutines are lazy: nothing ran until this await" };
        say(greeting.await);
    });

    heading("layer 3-4: tasks, and hours of sleep in no wall time");
    let wall_before = std::time::Instant::now();
    sim.block_on(async {
        let mut crew = JoinSet::new();
        for (name, hours) in [("night-shift", 8u64), ("nap", 1), ("commute", 2)] {
            crew.spawn(async move {
                seedloop::sleep(Duration::from_secs(hours * 3600)).await;
                say(format!("task '{name}' woke after {hours}h"));
                hours
            });
        }
        let mut total = 0;
        while let Some(done) = crew.join_next().await {
            total += done.unwrap();
        }
        say(format!("all three done, {total} task-hours of sleep"));
    });
    println!(
        "  (virtual clock: {:?}; wall clock spent: {:?})",
        sim.elapsed(),
        wall_before.elapsed()
    );

    heading("layer 3: a timeout, an interval");
    sim.block_on(async {
        let slow = seedloop::sleep(Duration::from_secs(60));
        match timeout(Duration::from_secs(5), slow).await {
            Ok(()) => say("the slow call finished"),
            Err(e) => say(format!("timeout: {e} (gave up after 5s)")),
        }
        let mut ticks = interval(Duration::from_millis(250));
        for i in 0..3 {
            ticks.tick().await;
            say(format!("interval tick {i}"));
        }
    });

    heading("layer 4: aborting a task");
    sim.block_on(async {
        let heartbeat = seedloop::task::Builder::new()
            .name("heartbeat")
            .spawn(async {
                loop {
                    seedloop::sleep(Duration::from_secs(1)).await;
                    say("heartbeat");
                }
            });
        seedloop::sleep(Duration::from_millis(2500)).await;
        heartbeat.abort();
        let err = heartbeat.await.unwrap_err();
        say(format!("aborted: {err} (dropped at the next step)"));
    });

    heading("layer 4: a panic, caught and reported with its seed");
    let mut risky = Sim::builder().seed(0xbad).print_panics(false).build();
    let failure = risky
        .try_block_on(async {
            seedloop::sleep(Duration::from_millis(1234)).await;
            seedloop::task::Builder::new()
                .name("parser")
                .spawn(async { panic!("unexpected byte 0xff") })
                .await
        })
        .unwrap_err();
    println!("  seed {:#x} failed: {failure}", risky.seed());

    let mut tolerant = Sim::builder()
        .panic_policy(PanicPolicy::ToJoinHandle)
        .print_panics(false)
        .build();
    tolerant.block_on(async {
        let err = seedloop::spawn(async { panic!("handled") })
            .await
            .unwrap_err();
        say(format!(
            "with PanicPolicy::ToJoinHandle the joiner sees: {err}"
        ));
    });

    heading("layer 6: a producer/consumer queue (asyncio.Queue) and a lock");
    sim.block_on(async {
        let jobs: Queue<u32> = Queue::new(2); // bounded: the producer waits for room
        let done = Rc::new(Mutex::new(Vec::new()));
        let mut workers = Vec::new();
        for w in 0..2 {
            let (jobs, done) = (jobs.clone(), done.clone());
            workers.push(seedloop::spawn(async move {
                while let Ok(job) = jobs.get().await {
                    seedloop::sleep(Duration::from_millis(100 * u64::from(job))).await;
                    done.lock().await.push((w, job));
                    jobs.task_done().expect("one task_done per job");
                }
            }));
        }
        for job in 1..=5 {
            jobs.put(job).await.expect("the queue is open");
        }
        say("producer: 5 jobs queued (it waited whenever 2 were pending)");
        jobs.join().await;
        say(format!("join(): every job done: {:?}", done.lock().await));
        jobs.shutdown(false);
        for w in workers {
            w.await.unwrap();
        }
        say("shutdown(): the workers' get() returned QueueShutDown and they exited");
    });

    heading("determinism: the same seed is the same run");
    let run = |seed: u64| {
        let mut sim = Sim::new(seed);
        let order = sim.block_on(race());
        (order, sim.fingerprint(), sim.tape().clone())
    };
    let (order_a, fp_a, _) = run(7);
    let (order_b, fp_b, _) = run(7);
    let (order_c, fp_c, _) = run(8);
    println!("  seed 7: order {order_a:?}, fingerprint {fp_a:016x}");
    println!("  seed 7: order {order_b:?}, fingerprint {fp_b:016x}  (again: identical)");
    println!("  seed 8: order {order_c:?}, fingerprint {fp_c:016x}  (another interleaving)");
    assert_eq!((order_a, fp_a), (order_b, fp_b));

    heading("a bug: a lost update behind an uncontended lock: found, shrunk, saved, replayed");
    println!("  two tasks read a counter, then take a lock nobody else holds, then write;");
    println!("  only a task that yields at the lock (a switch point) lets the other slip in.");
    // A test saves under seeds/ in its crate; the tour uses a scratch folder.
    let seeds_file = std::env::temp_dir()
        .join("seedloop-tour")
        .join("tour__lost_update.seeds");
    let _ = std::fs::remove_file(&seeds_file);
    let failure = Explorer::new("tour::lost_update")
        .seeds(1000)
        .save_failures(&seeds_file)
        .run(lost_update)
        .expect_err("the sweep finds the race");
    println!("  the explorer's report:");
    for line in failure.to_string().lines() {
        println!("  | {line}");
    }
    // Replay 1: the saved line, as the next `cargo test` would before sweeping.
    let again = Explorer::new("tour::lost_update")
        .replay_file(&seeds_file)
        .expect("the seeds file parses")
        .run(lost_update)
        .expect_err("the saved seed fails again");
    println!(
        "  replayed from {}: fails again with the same tape: {}",
        seeds_file.display(),
        again.tape() == failure.tape()
    );
    // Replay 2: the tape's text, in a plain Sim, twice: same failure, same fingerprint.
    let replayed: Tape = failure
        .tape()
        .to_string()
        .parse()
        .expect("a tape's text form parses");
    let replay = || {
        let mut sim = Sim::builder()
            .seed(failure.seed())
            .strategy(Strategy::Replay(replayed.clone()))
            .print_panics(false)
            .build();
        let err = sim.try_block_on(lost_update()).expect_err("the tape fails");
        (err, sim.fingerprint())
    };
    let ((e1, f1), (e2, f2)) = (replay(), replay());
    println!(
        "  replayed the tape {} in a plain Sim twice: same failure: {}, same fingerprint: {} ({f1:016x})",
        failure.tape(),
        e1 == e2,
        f1 == f2
    );
    // The fix, checked three ways: the saved seed, a sweep, and an exhaustive search.
    let fixed = Explorer::new("tour::lost_update")
        .replay_file(&seeds_file)
        .expect("the seeds file parses")
        .seeds(1000)
        .run(fixed_update)
        .expect("the fix holds");
    println!("  fixed (read under the lock): {fixed}");
    let proof = Explorer::new("tour::lost_update")
        .strategy(Strategy::Dfs { max_deviations: 3 })
        .seeds(100_000)
        .run(fixed_update)
        .expect("the fix holds");
    println!("  and every schedule with at most 3 preemptions: {proof}");
    println!("\ntour finished in {:?} of wall time", wall.elapsed());
}

/// Three tasks append to a shared log after a few yields.
async fn race() -> Vec<u32> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..3 {
        let log = log.clone();
        tasks.push(seedloop::spawn(async move {
            seedloop::task::yield_now().await;
            log.borrow_mut().push(i);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    log.take()
}

/// Two tasks increment a counter: they read it, take an uncontended lock,
/// then write. The lock never blocks, so without switch points each task
/// runs read-lock-write in one step and the bug cannot show.
async fn lost_update() {
    let counter = Rc::new(Cell::new(0));
    let lock = Rc::new(Mutex::new(()));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (counter, lock) = (counter.clone(), lock.clone());
        tasks.push(seedloop::spawn(async move {
            let read = counter.get(); // the bug: read outside the lock
            let _guard = lock.lock().await; // the other task may run here
            counter.set(read + 1);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(counter.get(), 2, "an increment was lost");
}

/// The fix: read the counter under the lock.
async fn fixed_update() {
    let counter = Rc::new(Cell::new(0));
    let lock = Rc::new(Mutex::new(()));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (counter, lock) = (counter.clone(), lock.clone());
        tasks.push(seedloop::spawn(async move {
            let _guard = lock.lock().await;
            counter.set(counter.get() + 1);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(counter.get(), 2, "an increment was lost");
}
