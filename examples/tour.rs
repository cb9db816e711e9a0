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

use seedloop::queue::Queue;
use seedloop::sync::Mutex;
use seedloop::task::JoinSet;
use seedloop::time::{Instant, interval, timeout};
use seedloop::{Error, PanicPolicy, Sim, Strategy, Tape};

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

    heading("a bug: a lost update behind an uncontended lock, found by sweeping seeds, replayed");
    println!("  two tasks read a counter, then take a lock nobody else holds, then write;");
    println!("  only a task that yields at the lock (a switch point) lets the other slip in.");
    // One function runs every attempt, so that failures compare equal
    // (a report names the place the main future was started from).
    let attempt = |builder: seedloop::Builder| {
        let mut sim = builder.print_panics(false).build();
        let result = sim.try_block_on(lost_update());
        (result, sim.tape().clone(), sim.fingerprint())
    };
    let (seed, error, tape, fingerprint) = (0..1000u64)
        .find_map(|seed| match attempt(Sim::builder().seed(seed)) {
            (Err(e), tape, fp) => Some((seed, e, tape, fp)),
            (Ok(()), ..) => None,
        })
        .expect("the sweep finds the race");
    let cause = match &error {
        Error::Panicked { message, .. } => message.lines().next().unwrap_or("").to_string(),
        other => other.to_string(),
    };
    println!("  seed {seed:#x} fails: {cause}");
    println!(
        "  its tape has {} choices, {} of them non-zero: {}",
        tape.len(),
        tape.nonzero(),
        tape
    );
    let text = tape.to_string();
    let replayed: Tape = text.parse().expect("a tape's text form parses");
    let (again, _, replay_fingerprint) =
        attempt(Sim::builder().strategy(Strategy::Replay(replayed)));
    println!(
        "  replayed from the tape text: same failure: {}, same fingerprint: {}",
        again.err().as_ref() == Some(&error),
        replay_fingerprint == fingerprint
    );
    println!("  (to replay in a test: SEEDLOOP_TAPE={text} with Builder::apply_env)");
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
