//! A tour of seedloop, layer by layer. Run it with
//!
//! ```sh
//! cargo run --release --example tour
//! ```
//!
//! Every line it prints starts with the virtual time at which it happened.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use seedloop::explore::Explorer;
use seedloop::net::{
    self, LinkConfig, NetConfig, OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream, UdpSocket,
};
use seedloop::node;
use seedloop::queue::Queue;
use seedloop::sync::Mutex;
use seedloop::task::JoinSet;
use seedloop::time::{Instant, interval, now, timeout};
use seedloop::trace::{EventKind, PacketFate};
use seedloop::{PanicPolicy, Sim, Strategy, Tape};

#[path = "tour_scenes/http.rs"]
mod http;
#[path = "tour_scenes/replicated.rs"]
mod replicated;
#[path = "tour_scenes/storage.rs"]
mod storage;
#[path = "tour_scenes/supervisor.rs"]
mod supervisor;

/// Prints a line stamped with the current virtual time.
fn say(text: impl AsRef<str>) {
    println!("{}", stamped(text));
}

/// The line `say` prints.
fn stamped(text: impl AsRef<str>) -> String {
    let t = Instant::now().since_start();
    format!(
        "  [{:>4}.{:03}s] {}",
        t.as_secs(),
        t.subsec_millis(),
        text.as_ref()
    )
}

/// A scene's planted-fault sweep: sweeps `buggy` with `buggify!` on, prints
/// the explorer's report, replays the shrunk tape twice in a plain `Sim`
/// and says whether both replays failed alike with the same fingerprint.
/// The first replay's trace.
fn sweep_and_replay<F, Fut>(name: &str, buggy: F, expect: &str) -> seedloop::trace::Trace
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let failure = Explorer::new(name)
        .seeds(1000)
        .buggify(1.0)
        .run(buggy)
        .expect_err(expect);
    for line in failure.to_string().lines() {
        println!("  | {line}");
    }
    let replay = || {
        let mut sim = Sim::builder()
            .seed(failure.seed())
            .strategy(Strategy::Replay(failure.tape().clone()))
            .buggify(true)
            .print_panics(false)
            .record_trace(true)
            .build();
        let err = sim.try_block_on(buggy()).expect_err("the tape fails");
        (err.to_string(), sim.fingerprint(), sim.trace().clone())
    };
    let ((e1, f1, trace), (e2, f2, _)) = (replay(), replay());
    println!(
        "  replayed the shrunk tape twice: same failure: {}, same fingerprint: {} ({f1:016x})",
        e1 == e2,
        f1 == f2
    );
    trace
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

    heading("layers 5, 7-8: a key-value service on three nodes, over TCP and UDP");
    println!("  three nodes run the same server: a line protocol over TCP on port 7000");
    println!("  (SET key value / GET key / ECHO text) and a UDP health check on 7001.");
    println!("  The client is block_on's future, on the implicit node 'main' (10.0.0.1).");
    let first = kv_run(0x5eed, true);
    // The same seed again: the same lines, the same fingerprint.
    let again = kv_run(0x5eed, false);
    let other = kv_run(0x5eee, false);
    println!(
        "\n  the scenario took {} of virtual time (sim.elapsed()); its trace counts {} TCP",
        short(first.elapsed),
        first.tcp_lost
    );
    println!("  segments lost on the lossy link, each sent again until it got through");
    println!(
        "  seed 0x5eed: fingerprint {:016x}; again: {:016x}, {} identical lines",
        first.fingerprint,
        again.fingerprint,
        first.lines.len()
    );
    println!(
        "  seed 0x5eee: fingerprint {:016x} (other latencies, other losses, same outcome)",
        other.fingerprint
    );
    assert_eq!(first.lines, again.lines, "same seed, same story");
    assert_eq!(first.fingerprint, again.fingerprint, "same seed, same run");
    assert_ne!(first.fingerprint, other.fingerprint);
    assert!(first.tcp_lost > 0, "a 30% lossy link loses TCP segments");

    replicated::scene();
    supervisor::scene();
    storage::scene();
    http::scene();

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
    let view = failure.view().expect("the failing run's view is written");
    println!(
        "  its picture, one self-contained HTML file: open {} in a browser",
        view.display()
    );
    println!("  (a lane per task's node, the yield on the tape marked where it was made)");
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

/// Where the key-value scenario reports: lines stamped like `say`'s,
/// printed when `print` is set, and kept so that two runs can be compared.
#[derive(Clone)]
struct Log {
    print: bool,
    lines: Rc<RefCell<Vec<String>>>,
}

impl Log {
    fn say(&self, text: impl AsRef<str>) {
        self.keep(stamped(text));
    }

    fn step(&self, title: &str) {
        self.keep(format!("  -- {title}"));
    }

    fn keep(&self, line: String) {
        if self.print {
            println!("{line}");
        }
        self.lines.borrow_mut().push(line);
    }
}

/// `12ms`, or `2.345s` from a second on.
fn short(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// What one run of the key-value scenario left behind.
struct KvRun {
    lines: Vec<String>,
    fingerprint: u64,
    elapsed: Duration,
    tcp_lost: usize,
}

/// Runs the key-value scenario in a fresh simulation with this seed.
fn kv_run(seed: u64, print: bool) -> KvRun {
    let log = Log {
        print,
        lines: Rc::default(),
    };
    let mut sim = Sim::builder()
        .seed(seed)
        // Every link's one-way latency: 2 to 8 ms, drawn per packet.
        .net(NetConfig::new().latency(Duration::from_millis(2)..Duration::from_millis(8)))
        .record_trace(true)
        .build();
    sim.block_on(kv_cluster(log.clone()));
    let tcp_lost = sim
        .trace()
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Packet {
                    fate: PacketFate::Lost,
                    proto: "tcp",
                    ..
                }
            )
        })
        .count();
    KvRun {
        lines: log.lines.take(),
        fingerprint: sim.fingerprint(),
        elapsed: sim.elapsed(),
        tcp_lost,
    }
}

/// The client's story: it runs on `main`, the three servers on their nodes.
async fn kv_cluster(log: Log) {
    // Layer 5: a node is a named machine with its own address. `init` is
    // what it runs at boot, and again at every restart.
    for name in ["kv1", "kv2", "kv3"] {
        let node = node::Builder::new(name).init(kv_server).build();
        log.say(format!("node '{name}' booted at {}", node.ip()));
    }

    // Layer 8: sockets, addressed by node name. Each key lives on one node.
    let mut kv1 = Kv::connect("kv1:7000").await.expect("kv1 listens");
    let mut kv2 = Kv::connect("kv2:7000").await.expect("kv2 listens");
    let mut kv3 = Kv::connect("kv3:7000").await.expect("kv3 listens");
    for (kv, key, value) in [
        (&mut kv1, "user:1", "ada"),
        (&mut kv2, "user:2", "grace"),
        (&mut kv3, "user:3", "barbara"),
    ] {
        let sent = now();
        kv.set(key, value).await.expect("the server answers");
        log.say(format!(
            "TCP {}: SET {key} {value} -> OK (round trip {})",
            kv.addr,
            short(sent.elapsed())
        ));
    }
    let udp = UdpSocket::bind("0.0.0.0:0").await.expect("a free port");
    for name in ["kv1", "kv2", "kv3"] {
        let (reply, rtt) = ping(&udp, name).await.expect("every node answers");
        log.say(format!(
            "UDP {name}:7001: ping -> '{reply}' in {}",
            short(rtt)
        ));
    }

    log.step("layer 7: a partition cuts kv2 off");
    net::partition("main", "kv2");
    log.say("net::partition(\"main\", \"kv2\")");
    assert_eq!(ping(&udp, "kv2").await, None, "UDP across a partition");
    log.say("UDP kv2:7001: no pong within 500ms: datagrams across a partition are dropped");
    assert!(ping(&udp, "kv3").await.is_some(), "kv3 is not cut off");
    log.say("UDP kv3:7001: pong: only the link main <-> kv2 is cut");
    // The GET is pinned so that it can be awaited again after the timeout.
    let mut get = pin!(kv2.get("user:2"));
    let waited = timeout(Duration::from_secs(2), get.as_mut()).await;
    assert!(waited.is_err(), "no reply can cross the partition");
    log.say("TCP kv2:7000: GET user:2 -> no reply within 2s (time::timeout); the request stalls, it is not lost");
    net::repair("main", "kv2");
    let repaired = now();
    log.say("net::repair(\"main\", \"kv2\")");
    let value = get.await.expect("the connection survived the partition");
    assert_eq!(value.as_deref(), Some("grace"));
    log.say(format!(
        "TCP kv2:7000: the same GET completes {} after the repair -> grace",
        short(repaired.elapsed())
    ));

    log.step("layer 5: kv1 crashes and restarts");
    node::restart("kv1");
    log.say(
        "node::restart(\"kv1\"): its tasks are dropped, its sockets closed, its init runs again",
    );
    let err = kv1
        .get("user:1")
        .await
        .expect_err("the old connection died with kv1");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    log.say(format!(
        "TCP kv1:7000: GET user:1 on the old connection -> {:?} ({err})",
        err.kind()
    ));
    kv1 = Kv::connect("kv1:7000").await.expect("kv1 listens again");
    log.say("TCP kv1:7000: reconnected");
    let value = kv1.get("user:1").await.expect("kv1 answers");
    assert_eq!(value, None, "kv1 kept its store in memory");
    log.say("TCP kv1:7000: GET user:1 -> not found: the store lived in kv1's memory");
    kv1.set("user:1", "ada").await.expect("kv1 answers");
    let value = kv1.get("user:1").await.expect("kv1 answers");
    assert_eq!(value.as_deref(), Some("ada"));
    log.say("TCP kv1:7000: SET user:1 ada, GET user:1 -> ada: kv1 serves again");

    log.step("layer 7: a lossy link: main <-> kv3 loses 30% of its packets");
    net::set_link("main", "kv3", LinkConfig::new().loss(0.3)).expect("a valid link");
    let sent = now();
    for i in 0..200 {
        // One write, one segment: each is lost, or not, on its own.
        kv3.send(&format!("ECHO line {i}"))
            .await
            .expect("kv3 is up");
    }
    let mut echoed = Vec::new();
    for _ in 0..200 {
        echoed.push(kv3.reply().await.expect("TCP retransmits what is lost"));
    }
    let expected: Vec<String> = (0..200).map(|i| format!("line {i}")).collect();
    assert_eq!(echoed, expected, "TCP delivers every byte, in order");
    log.say(format!(
        "TCP kv3:7000: 200 ECHO lines in 200 writes -> all 200 back, in order, after {}",
        short(sent.elapsed())
    ));
    let mut answered = 0;
    for _ in 0..50 {
        if ping(&udp, "kv3").await.is_some() {
            answered += 1;
        }
    }
    assert!(
        0 < answered && answered < 50,
        "UDP loses datagrams on the link"
    );
    log.say(format!(
        "UDP kv3:7001: {answered} of 50 pings answered (a ping and its pong each get through 70% of the time)"
    ));
}

/// A kv node's `init`: a key-value store served over TCP on port 7000, one
/// request per line (`SET key value` -> `OK`, `GET key` -> `VALUE v` or
/// `NOT_FOUND`, `ECHO text` -> `text`), and a health check over UDP on
/// port 7001 (`ping` -> `pong from <node>`). The store is in memory.
async fn kv_server() {
    let store: Rc<RefCell<BTreeMap<String, String>>> = Rc::default();
    let listener = TcpListener::bind("0.0.0.0:7000")
        .await
        .expect("7000 is free");
    let health = UdpSocket::bind("0.0.0.0:7001").await.expect("7001 is free");
    // Tasks spawned here belong to this node, and die with it.
    seedloop::spawn(async move {
        let pong = format!("pong from {}", node::current().name());
        let mut buf = [0; 16];
        while let Ok((_, from)) = health.recv_from(&mut buf).await {
            let _ = health.send_to(pong.as_bytes(), from).await;
        }
    });
    loop {
        let (stream, _client) = listener.accept().await.expect("accept");
        let store = store.clone();
        seedloop::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut requests = BufReader::new(read).lines();
            while let Some(Ok(request)) = requests.next().await {
                let reply = match request.split_once(' ') {
                    Some(("SET", kv)) => {
                        let (key, value) = kv.split_once(' ').unwrap_or((kv, ""));
                        store.borrow_mut().insert(key.into(), value.into());
                        "OK".to_string()
                    }
                    Some(("GET", key)) => match store.borrow().get(key) {
                        Some(value) => format!("VALUE {value}"),
                        None => "NOT_FOUND".to_string(),
                    },
                    Some(("ECHO", text)) => text.to_string(),
                    _ => format!("ERROR unknown request '{request}'"),
                };
                if write
                    .write_all(format!("{reply}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }
}

/// A connection to one kv node: requests go out as lines, replies come
/// back as lines, in order.
struct Kv {
    addr: String,
    replies: Lines<BufReader<OwnedReadHalf>>,
    requests: OwnedWriteHalf,
}

impl Kv {
    async fn connect(addr: &str) -> io::Result<Kv> {
        let (read, write) = TcpStream::connect(addr).await?.into_split();
        Ok(Kv {
            addr: addr.to_string(),
            replies: BufReader::new(read).lines(),
            requests: write,
        })
    }

    async fn send(&mut self, request: &str) -> io::Result<()> {
        self.requests
            .write_all(format!("{request}\n").as_bytes())
            .await
    }

    async fn reply(&mut self) -> io::Result<String> {
        match self.replies.next().await {
            Some(line) => line,
            None => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }

    async fn set(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.send(&format!("SET {key} {value}")).await?;
        let reply = self.reply().await?;
        assert_eq!(reply, "OK", "SET {key}");
        Ok(())
    }

    async fn get(&mut self, key: &str) -> io::Result<Option<String>> {
        self.send(&format!("GET {key}")).await?;
        let reply = self.reply().await?;
        if reply == "NOT_FOUND" {
            return Ok(None);
        }
        match reply.strip_prefix("VALUE ") {
            Some(value) => Ok(Some(value.to_string())),
            None => panic!("GET {key}: unexpected reply '{reply}'"),
        }
    }
}

/// Pings `node`'s UDP health check: its answer and the round trip, or
/// `None` when no answer comes within 500 ms.
async fn ping(udp: &UdpSocket, node: &str) -> Option<(String, Duration)> {
    let sent = now();
    udp.send_to(b"ping", format!("{node}:7001"))
        .await
        .expect("a valid address");
    let mut buf = [0; 64];
    let (n, _from) = timeout(Duration::from_millis(500), udp.recv_from(&mut buf))
        .await
        .ok()?
        .expect("the socket is open");
    Some((
        String::from_utf8_lossy(&buf[..n]).into_owned(),
        sent.elapsed(),
    ))
}
