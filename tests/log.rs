//! Logging: the stamp of each line, the runtime's events at TRACE, and
//! `log::init`'s writer and colours.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedloop::net::UdpSocket;
use seedloop::{Sim, node, task};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// A writer that keeps what the subscriber writes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// Runs `f` with a subscriber like `log::init`'s at `level`, writing into
/// the returned text.
fn logged<R>(level: Level, f: impl FnOnce() -> R) -> (R, String) {
    let buf = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_timer(seedloop::log::SimStamp)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(false)
        .with_writer(buf.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    (out, buf.text())
}

/// A node `db` whose task `flush` logs at 250 ms, after a datagram to main.
fn run(seed: u64) -> Sim {
    let mut sim = Sim::new(seed);
    sim.block_on(async {
        tracing::info!("starting");
        let inbox = UdpSocket::bind("0.0.0.0:9").await.unwrap();
        node::Builder::new("db").build();
        let flush = node::spawn_on("db", async {
            task::Builder::new()
                .name("flush")
                .spawn(async {
                    let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
                    s.send_to(b"hi", "main:9").await.unwrap();
                    seedloop::sleep(Duration::from_millis(250)).await;
                    tracing::warn!(attempt = 2, "retrying");
                })
                .await
                .unwrap();
        });
        let mut buf = [0; 4];
        inbox.recv_from(&mut buf).await.unwrap();
        flush.await.unwrap();
    });
    sim
}

#[test]
fn each_line_is_stamped_with_virtual_time_seed_node_and_task() {
    let (_, text) = logged(Level::INFO, || run(7));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0].trim_start(),
        "0.000s seed 0x7 main task 1 'main'  INFO starting"
    );
    assert!(
        lines[1]
            .trim_start()
            .starts_with("0.250s seed 0x7 db task 3 'flush'  WARN retrying attempt=2"),
        "{text}"
    );
}

#[test]
fn at_trace_the_runtime_events_show_in_the_trace_words_and_change_nothing() {
    let (logged_sim, text) = logged(Level::TRACE, || run(7));
    for words in [
        "spawn   task 3 'flush' by task 2",
        "poll    task 3",
        "wake    task 1",
        "udp     10.0.0.2:49152 -> 10.0.0.1:9 2 bytes sent",
        "udp     10.0.0.2:49152 -> 10.0.0.1:9 2 bytes delivered",
        "advance clock, 1 timer fired",
        "finish  task 3",
    ] {
        assert!(text.contains(words), "no '{words}' in\n{text}");
    }
    // Runtime lines carry the stamp too: the poll of flush is the event
    // loop's (no task runs yet), its spawn the task's on db.
    assert!(text.contains("seed 0x7 - TRACE poll    task 3\n"), "{text}");
    assert!(
        text.contains("seed 0x7 db task 2 TRACE spawn   task 3"),
        "{text}"
    );
    // Logging reads the run and never changes it.
    let quiet = run(7);
    assert_eq!(logged_sim.fingerprint(), quiet.fingerprint());
    assert_eq!(logged_sim.steps(), quiet.steps());
}

/// The child of the test below: logs one line through `log::init` and
/// passes.
#[test]
#[ignore = "run by init_writes_through_the_test_writer_and_colours_only_a_terminal"]
fn log_child_logs_and_passes() {
    if std::env::var_os("SEEDLOOP_LOG_CHILD").is_none() {
        return;
    }
    assert!(seedloop::log::init());
    assert!(!seedloop::log::init(), "a second init changes nothing");
    let mut sim = Sim::new(0x2a);
    sim.block_on(async {
        seedloop::sleep(Duration::from_millis(5)).await;
        tracing::info!("the child's marker");
    });
}

#[test]
fn init_writes_through_the_test_writer_and_colours_only_a_terminal() {
    let child = |nocapture: bool| {
        let mut args = vec!["--exact", "log_child_logs_and_passes", "--ignored"];
        if nocapture {
            args.push("--nocapture");
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(args)
            .env("SEEDLOOP_LOG_CHILD", "1")
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // Captured: a passing test's log is not shown.
    let captured = child(false);
    assert!(!captured.contains("marker"), "{captured}");
    // Not captured: shown, stamped, and without colour (stdout is a pipe).
    let shown = child(true);
    assert!(
        shown.contains("0.005s seed 0x2a main task 1 'main'  INFO the child's marker"),
        "{shown}"
    );
    assert!(
        !shown.contains('\u{1b}'),
        "no escape codes in a pipe: {shown:?}"
    );
}

/// The run of docs/time-tape-trace.md's logging example, and the log the
/// chapter shows for it.
#[test]
fn the_logging_example_of_the_docs_reads_as_shown() {
    let run = || {
        let mut sim = Sim::builder().seed(7).record_trace(true).build();
        sim.block_on(async {
            tracing::info!("starting");
            let ping = task::Builder::new().name("ping").spawn(async {
                seedloop::sleep(Duration::from_millis(250)).await;
            });
            let pong = task::Builder::new().name("pong").spawn(async {
                task::yield_now().await;
                tracing::warn!(attempt = 2, "retrying");
            });
            ping.await.unwrap();
            pong.await.unwrap();
        });
    };
    let (_, info) = logged(Level::INFO, run);
    assert_eq!(
        info,
        "        0.000s seed 0x7 main task 1 'main'  INFO starting\n        0.000s seed 0x7 main task 3 'pong'  WARN retrying attempt=2\n"
    );
    let (_, trace) = logged(Level::TRACE, run);
    let first: Vec<&str> = trace.lines().take(4).collect();
    assert_eq!(
        first,
        [
            "        0.000s seed 0x7 - TRACE spawn   task 1 'main'",
            "        0.000s seed 0x7 - TRACE poll    task 1",
            "        0.000s seed 0x7 main task 1 'main'  INFO starting",
            "        0.000s seed 0x7 main task 1 'main' TRACE spawn   task 2 'ping' by task 1",
        ]
    );
}
