//! Layer 5b, subprocesses: commands, children, pipes, and processes that
//! live and die with their nodes.

use std::cell::Cell;
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::rc::Rc;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::process::{self, Command, ProcessConfig, Stdio};
use seedloop::trace::EventKind;
use seedloop::{Error, PanicPolicy, Sim, node};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// `cat`: stdin to stdout, in small reads.
fn cat() {
    process::register("cat", |ctx| async move {
        let (mut input, mut output) = (ctx.stdin(), ctx.stdout());
        let mut buf = [0u8; 7];
        loop {
            match input.read(&mut buf).await {
                Ok(0) => return 0,
                Ok(n) => {
                    if output.write_all(&buf[..n]).await.is_err() {
                        return 1;
                    }
                }
                Err(_) => return 2,
            }
        }
    });
}

/// `spew N`: writes N bytes of `x` to stdout, then exits with 0 (or 1
/// when the write fails: with `BrokenPipe`, 32).
fn spew() {
    process::register("spew", |ctx| async move {
        let n: usize = ctx.args()[0].parse().unwrap();
        match ctx.stdout().write_all(&vec![b'x'; n]).await {
            Ok(()) => 0,
            Err(e) if e.kind() == ErrorKind::BrokenPipe => 32,
            Err(_) => 1,
        }
    });
}

#[test]
fn exit_codes_are_the_low_byte_of_the_programs_result() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        process::register("exit", |ctx| async move { ctx.args()[0].parse().unwrap() });
        for (code, seen) in [(0, 0), (3, 3), (255, 255), (256, 0), (-1, 255)] {
            let status = Command::new("exit")
                .arg(code.to_string())
                .status()
                .await
                .unwrap();
            assert_eq!(status.code(), Some(seen), "exit({code})");
            assert_eq!(status.success(), seen == 0);
            assert_eq!(status.signal(), None);
        }
    });
}

#[test]
fn a_killed_child_reports_sigkill_and_loses_its_tasks() {
    let mut sim = Sim::new(1);
    let ticks = Rc::new(Cell::new(0));
    let t = ticks.clone();
    sim.block_on(async move {
        process::register("daemon", move |_| {
            let t = t.clone();
            async move {
                // A helper task of the process: it dies with it.
                seedloop::spawn(async move {
                    loop {
                        seedloop::sleep(secs(1)).await;
                        t.set(t.get() + 1);
                    }
                });
                std::future::pending::<i32>().await
            }
        });
        let mut child = Command::new("daemon").spawn().unwrap();
        seedloop::sleep(Duration::from_millis(3500)).await;
        assert_eq!(child.try_wait().unwrap(), None);
        child.kill().await.unwrap();
        assert_eq!(child.id(), None, "reaped");
        let err = child.start_kill().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        seedloop::sleep(secs(10)).await;
    });
    assert_eq!(ticks.get(), 3, "the helper stopped with its process");
    assert_eq!(sim.live_tasks(), 0);
}

#[test]
fn start_kill_then_wait_and_a_kill_after_the_exit_keeps_the_exit_code() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        process::register("hang", |_| std::future::pending());
        process::register("quick", |_| async { 4 });
        let mut hang = Command::new("hang").spawn().unwrap();
        hang.start_kill().unwrap();
        let status = hang.wait().await.unwrap();
        assert_eq!((status.code(), status.signal()), (None, Some(9)));
        let mut quick = Command::new("quick").spawn().unwrap();
        seedloop::sleep(secs(1)).await;
        quick.start_kill().unwrap(); // ended, not reaped: nothing changes
        assert_eq!(quick.wait().await.unwrap().code(), Some(4));
    });
}

#[test]
fn pipes_carry_bytes_both_ways_and_eof_follows_the_close() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        cat();
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        stdin.write_all(b"hello, pipe").await.unwrap();
        let mut got = vec![0u8; 11];
        stdout.read_exact(&mut got).await.unwrap();
        assert_eq!(got, b"hello, pipe");
        assert_eq!(child.try_wait().unwrap(), None, "cat waits for more");
        stdin.close().await.unwrap(); // EOF for cat
        let mut rest = Vec::new();
        assert_eq!(stdout.read_to_end(&mut rest).await.unwrap(), 0, "EOF");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn a_child_that_closes_its_stdout_gives_eof_while_it_runs() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        process::register("early", |ctx| async move {
            let mut out = ctx.stdout();
            out.write_all(b"done").await.unwrap();
            out.close().await.unwrap();
            let again = ctx.stdout().write_all(b"more").await.unwrap_err();
            assert_eq!(again.raw_os_error(), Some(9), "EBADF");
            seedloop::sleep(secs(60)).await;
            0
        });
        let mut child = Command::new("early")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut text = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "done");
        assert_eq!(seedloop::time::now().since_start(), Duration::ZERO);
        assert!(child.wait().await.unwrap().success());
        assert_eq!(seedloop::time::now().since_start(), secs(60));
    });
}

#[test]
fn a_full_pipe_holds_its_writer_until_the_reader_reads() {
    let mut sim = Sim::builder()
        .process(ProcessConfig::new().pipe_capacity(16))
        .build();
    sim.block_on(async {
        process::register("writer", |ctx| async move {
            ctx.stdout().write_all(&[7u8; 64]).await.unwrap();
            // When did the last byte go in?
            seedloop::time::now().since_start().as_secs() as i32
        });
        let mut child = Command::new("writer")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut total = 0;
        let mut buf = [0u8; 16];
        for _ in 0..4 {
            seedloop::sleep(secs(1)).await;
            let n = stdout.read(&mut buf).await.unwrap();
            assert!(n <= 16, "a pipe of 16 bytes gives at most 16");
            total += n;
        }
        assert_eq!(total, 64);
        // The 64 bytes fit only after the third read made room.
        assert_eq!(child.wait().await.unwrap().code(), Some(3));
    });
}

#[test]
fn waiting_before_reading_a_full_pipe_is_a_deadlock_that_names_the_pipe() {
    let mut sim = Sim::new(1);
    let err = sim
        .try_block_on(async {
            spew();
            let mut child = Command::new("spew")
                .arg("100000")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let status = child.wait().await.unwrap(); // the bug: stdout is never read
            let mut out = Vec::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_end(&mut out)
                .await
                .unwrap();
            status
        })
        .unwrap_err();
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err}");
    };
    let waits: Vec<String> = tasks.iter().filter_map(|t| t.waiting_on.clone()).collect();
    assert!(
        waits
            .iter()
            .any(|w| w.starts_with("Child::wait at tests/process.rs")),
        "{err}"
    );
    let child = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("spew (pid 2)"))
        .expect("the child's task is listed under its program and pid");
    let wait = child.waiting_on.as_deref().unwrap();
    assert!(
        wait.starts_with("a write to a full pipe: stdout of the child spawned at tests/process.rs"),
        "{wait}"
    );
    // The same program, read while it runs, finishes.
    let mut sim = Sim::new(1);
    let out = sim.block_on(async {
        spew();
        Command::new("spew").arg("100000").output().await.unwrap()
    });
    assert_eq!(out.stdout.len(), 100_000);
}

#[test]
fn broken_pipes_in_both_directions() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        spew();
        let mut child = Command::new("spew")
            .arg("100000")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).await.unwrap();
        drop(stdout); // the reader goes: the child's next write fails
        assert_eq!(child.wait().await.unwrap().code(), Some(32));

        process::register("deaf", |_| async { 0 });
        let mut child = Command::new("deaf").stdin(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        assert!(child.wait().await.unwrap().success());
        let err = stdin.write_all(b"anyone?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        assert!(err.to_string().contains("stdin"), "{err}");
    });
}

#[test]
fn bad_commands_are_typed_errors_that_name_the_value() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let err = Command::new("pg_dump").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("'pg_dump'"), "{err}");
        process::register("ok", |_| async { 0 });
        let err = Command::new("ok").arg("a\0b").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("a\\0b"), "{err}");
        let err = Command::new("ok")
            .env("K\0", "v")
            .status()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let file = std::fs::File::open("Cargo.toml").unwrap();
        let err = Command::new("ok").stdout(file).spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("real file"), "{err}");
    });
    let bad = std::panic::catch_unwind(|| {
        Sim::new(1).block_on(async { process::register("", |_| async { 0 }) })
    });
    assert!(bad.is_err(), "an empty program name is refused");
    sim.block_on(async {
        let err = node::Builder::new("box")
            .program("bad\0name", |_| async { 0 })
            .try_build()
            .unwrap_err();
        assert_eq!(err.setting(), "program");
        assert!(err.value().contains("bad"), "{err}");
    });
    let err = Sim::builder()
        .process(ProcessConfig::new().start_latency(secs(2)..secs(1)))
        .try_build()
        .unwrap_err();
    assert_eq!(err.setting(), "start_latency");
}

#[test]
fn std_stdio_values_convert_to_their_simulated_twins() {
    let show = |s: std::process::Stdio| format!("{:?}", Stdio::from(s));
    assert_eq!(show(std::process::Stdio::piped()), "Stdio(Piped)");
    assert_eq!(show(std::process::Stdio::null()), "Stdio(Null)");
    assert_eq!(show(std::process::Stdio::inherit()), "Stdio(Inherit)");
    let file = std::fs::File::open("Cargo.toml").unwrap();
    assert_eq!(show(file.into()), "Stdio(Real)");
}

async fn run(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().await.unwrap().stdout).unwrap()
}

#[test]
fn environment_and_working_directory_are_inherited_and_changed() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        process::register("show", |ctx| async move {
            let vars: Vec<String> = ctx.envs().map(|(k, v)| format!("{k}={v}")).collect();
            let line = format!("{} {}", ctx.current_dir().display(), vars.join(","));
            ctx.stdout().write_all(line.as_bytes()).await.unwrap();
            0
        });
        // A shell-like parent that changes a few things for its child.
        process::register("sh", |ctx| async move {
            let out = Command::new("show")
                .env("B", "2")
                .env_remove("A")
                .current_dir("sub")
                .output()
                .await
                .unwrap();
            ctx.stdout().write_all(&out.stdout).await.unwrap();
            0
        });
        assert_eq!(run(&mut Command::new("show")).await, "/ ");
        let mut sh = Command::new("sh");
        sh.env("A", "1").env("C", "3").current_dir("/work");
        assert_eq!(run(&mut sh).await, "/work/sub B=2,C=3");
        let mut cleared = Command::new("show");
        cleared.env("A", "1").env_clear().env("Z", "26");
        assert_eq!(run(&mut cleared).await, "/ Z=26");
    });
}

#[test]
fn kill_on_drop_kills_and_a_plain_drop_orphans() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        process::register("nap", |_| async {
            seedloop::sleep(secs(5)).await;
            0
        });
        drop(Command::new("nap").kill_on_drop(true).spawn().unwrap());
        drop(Command::new("nap").spawn().unwrap());
        seedloop::sleep(secs(6)).await;
    });
    let ends: Vec<String> = sim
        .trace()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Process {
                pid, description, ..
            } => Some(format!("{pid} {description}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        [
            "2 start 'nap'",
            "2 killed by signal 9",
            "3 start 'nap'",
            "3 exit 0"
        ]
    );
}

#[test]
fn a_crashed_node_takes_its_processes_and_their_waiters_with_it() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        let box_ = node::Builder::new("worker")
            .program("serve", |_| std::future::pending())
            .build();
        let (tx, rx) = seedloop::sync::oneshot::channel();
        // A waiter on the node itself: dropped with it.
        let local_waiter = node::spawn_on(box_, async move {
            let mut child = Command::new("serve").spawn().unwrap();
            tx.send(child.id().unwrap()).unwrap();
            child.wait().await.unwrap()
        });
        let pid = rx.await.unwrap();
        seedloop::sleep(secs(1)).await;
        node::kill(box_);
        assert!(local_waiter.await.unwrap_err().is_cancelled());
        assert_eq!(pid, 2);
    });
    let text = sim.trace().to_string();
    let killed = text.find("node    'worker' killed").unwrap();
    let died = text
        .find("process 'worker' pid 2 killed by signal 9")
        .unwrap();
    assert!(killed < died, "{text}");
}

#[test]
fn a_waiter_on_another_node_sees_the_crash_as_sigkill() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let worker = node::Builder::new("worker").build();
        process::register("serve", |_| std::future::pending());
        let (tx, rx) = seedloop::sync::oneshot::channel();
        node::spawn_on(worker, async move {
            let child = Command::new("serve").spawn().unwrap();
            tx.send(child).unwrap();
            std::future::pending::<()>().await
        });
        let mut child = rx.await.unwrap();
        node::kill(worker);
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9));
    });
}

#[test]
fn pausing_a_node_pauses_its_children() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let worker = node::Builder::new("worker")
            .program("tick", |_| async {
                seedloop::sleep(secs(1)).await;
                seedloop::time::now().since_start().as_secs() as i32
            })
            .build();
        let status = node::spawn_on(worker, async {
            Command::new("tick").status().await.unwrap()
        });
        seedloop::sleep(Duration::from_millis(500)).await;
        node::pause(worker);
        seedloop::sleep(secs(9)).await;
        node::resume(worker);
        assert_eq!(status.await.unwrap().code(), Some(9), "woke 8.5 s late");
    });
}

#[test]
fn a_start_latency_delays_the_program() {
    let mut sim = Sim::builder()
        .process(ProcessConfig::new().start_latency(secs(2)..secs(2)))
        .build();
    sim.block_on(async {
        process::register("when", |_| async {
            seedloop::time::now().since_start().as_secs() as i32
        });
        assert_eq!(Command::new("when").status().await.unwrap().code(), Some(2));
        let fast = node::Builder::new("fast")
            .process(ProcessConfig::new())
            .build();
        let status = node::spawn_on(fast, async { Command::new("when").status().await.unwrap() });
        assert_eq!(status.await.unwrap().code(), Some(2), "at once, at 2 s");
    });
}

#[test]
fn an_inherited_pipe_closes_when_the_last_holder_exits() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        // The grandchild keeps the pipe its parent passed on: EOF waits for it.
        process::register("late", |ctx| async move {
            seedloop::sleep(secs(3)).await;
            ctx.stdout().write_all(b"late\n").await.unwrap();
            0
        });
        process::register("launcher", |ctx| async move {
            drop(Command::new("late").spawn().unwrap());
            ctx.stdout().write_all(b"launched\n").await.unwrap();
            0
        });
        let out = Command::new("launcher").output().await.unwrap();
        assert_eq!(out.stdout, b"launched\nlate\n");
        assert_eq!(seedloop::time::now().since_start(), secs(3));
    });
}

#[test]
fn a_panicking_program_exits_with_101() {
    let mut sim = Sim::builder()
        .panic_policy(PanicPolicy::ToJoinHandle)
        .print_panics(false)
        .build();
    sim.block_on(async {
        process::register("boom", |_| async { panic!("no config file") });
        let status = Command::new("boom").status().await.unwrap();
        assert_eq!(status.code(), Some(101));
    });
    // With the default policy, the panic fails the run, as a task's does.
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            process::register("boom", |_| async { panic!("no config file") });
            Command::new("boom").status().await
        })
        .unwrap_err();
    assert!(err.to_string().contains("no config file"), "{err}");
}

/// Parent and child trade lines through both pipes; the run's fingerprint.
fn conversation(seed: u64) -> (u64, String) {
    let mut sim = Sim::new(seed);
    let text = sim.block_on(async {
        cat();
        let mut kids = Vec::new();
        for i in 0..3 {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            kids.push(seedloop::spawn(async move {
                for j in 0..3 {
                    stdin
                        .write_all(format!("{i}.{j} ").as_bytes())
                        .await
                        .unwrap();
                    seedloop::task::yield_now().await;
                }
                drop(stdin);
                child.wait_with_output().await.unwrap().stdout
            }));
        }
        let mut all = String::new();
        for k in kids {
            all += &String::from_utf8(k.await.unwrap()).unwrap();
        }
        all
    });
    (sim.fingerprint(), text)
}

#[test]
fn the_same_seed_replays_a_run_with_processes_bit_for_bit() {
    let (a, text) = conversation(7);
    assert_eq!(conversation(7), (a, text.clone()));
    assert_eq!(text, "0.0 0.1 0.2 1.0 1.1 1.2 2.0 2.1 2.2 ");
    let prints: std::collections::BTreeSet<u64> = (0..8).map(|s| conversation(s).0).collect();
    assert!(prints.len() > 1, "seeds reach different interleavings");
    let checked = Sim::builder().seed(3).check_determinism(|| async {
        cat();
        Command::new("cat").output().await.unwrap().status.code()
    });
    assert_eq!(checked.unwrap(), Some(0));
}

/// Drops a task spawn into its own process at its drop.
struct SpawnOnDrop(Rc<Cell<u32>>);

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let ticks = self.0.clone();
        seedloop::spawn(async move {
            loop {
                seedloop::sleep(secs(1)).await;
                ticks.set(ticks.get() + 1);
            }
        });
    }
}

#[test]
fn a_task_spawned_by_a_dying_process_dies_with_it() {
    let mut sim = Sim::new(1);
    let ticks = Rc::new(Cell::new(0));
    let t = ticks.clone();
    sim.block_on(async move {
        process::register("leaky", move |_| {
            let guard = SpawnOnDrop(t.clone());
            async move {
                seedloop::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
                std::future::pending::<i32>().await
            }
        });
        let mut child = Command::new("leaky").spawn().unwrap();
        seedloop::task::yield_now().await;
        child.kill().await.unwrap();
        seedloop::sleep(secs(10)).await;
    });
    assert_eq!(ticks.get(), 0, "the destructor's task never ran");
    assert_eq!(sim.live_tasks(), 0);
}

#[test]
fn a_child_spawned_on_a_node_being_killed_ends_as_killed() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let w = node::Builder::new("w")
            .program("quick", |_| async { 0 })
            .build();
        let (tx, rx) = seedloop::sync::oneshot::channel();
        node::spawn_on(w, async move {
            node::kill(node::current()); // this task stops at its next await
            let child = Command::new("quick").spawn().unwrap();
            let _ = tx.send(child);
            seedloop::task::yield_now().await;
        });
        let mut child = rx.await.unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9), "it never ran");
    });
}

#[test]
fn a_panic_before_the_programs_future_exits_with_101_too() {
    let mut sim = Sim::builder()
        .panic_policy(PanicPolicy::ToJoinHandle)
        .print_panics(false)
        .record_trace(true)
        .build();
    sim.block_on(async {
        process::register("eager", |ctx| {
            let n: i32 = ctx.args()[0].parse().unwrap(); // panics on "x"
            async move { n }
        });
        let bad = Command::new("eager").arg("x").status().await.unwrap();
        assert_eq!((bad.code(), bad.signal()), (Some(101), None));
        let honest = Command::new("eager").arg("101").status().await.unwrap();
        assert_eq!(honest.code(), Some(101));
    });
    let text = sim.trace().to_string();
    assert!(
        text.contains("pid 2 exit 101 (its program panicked)"),
        "{text}"
    );
    assert!(
        text.contains("pid 3 exit 101\n"),
        "a plain 101 is not a panic: {text}"
    );
}

#[test]
fn writes_up_to_pipe_buf_are_never_split_between_writers() {
    for seed in 1..8 {
        let mut sim = Sim::new(seed);
        let text = sim.block_on(async {
            let line = |who: u8| {
                let mut l = vec![who; 99];
                l.push(b'\n');
                l
            };
            process::register("child", move |ctx| async move {
                for _ in 0..300 {
                    ctx.stdout().write_all(&line(b'c')).await.unwrap();
                }
                0
            });
            process::register("parent", move |ctx| async move {
                let kid = Command::new("child").spawn().unwrap(); // inherits stdout
                for _ in 0..300 {
                    ctx.stdout().write_all(&line(b'p')).await.unwrap();
                }
                drop(kid);
                0
            });
            let mut parent = Command::new("parent")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdout = parent.stdout.take().unwrap();
            let mut all = Vec::new();
            let mut buf = [0u8; 777];
            loop {
                seedloop::sleep(Duration::from_millis(1)).await;
                match stdout.read(&mut buf).await.unwrap() {
                    0 => break,
                    n => all.extend_from_slice(&buf[..n]),
                }
            }
            String::from_utf8(all).unwrap()
        });
        assert_eq!(text.lines().count(), 600);
        for l in text.lines() {
            assert!(
                l == "p".repeat(99) || l == "c".repeat(99),
                "seed {seed}: split line {l:?}"
            );
        }
    }
}

#[test]
fn kill_on_drop_works_outside_block_on() {
    let mut sim = Sim::builder().record_trace(true).build();
    let child = sim.block_on(async {
        process::register("late", |_| async {
            seedloop::sleep(secs(1)).await;
            0
        });
        Command::new("late").kill_on_drop(true).spawn().unwrap()
    });
    drop(child);
    sim.block_on(seedloop::sleep(secs(2)));
    let text = sim.trace().to_string();
    assert!(text.contains("pid 2 killed by signal 9"), "{text}");
    assert!(!text.contains("pid 2 exit"), "{text}");
}

#[test]
fn a_stream_the_parent_closed_is_closed_in_the_child() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        process::register("writer", |ctx| async move {
            match ctx.stdout().write_all(b"x").await {
                Err(e) if e.raw_os_error() == Some(9) => 9,
                _ => 0,
            }
        });
        process::register("closer", |ctx| async move {
            ctx.stdout().close().await.unwrap();
            Command::new("writer")
                .status()
                .await
                .unwrap()
                .code()
                .unwrap()
        });
        let out = Command::new("closer").output().await.unwrap();
        assert_eq!(out.status.code(), Some(9), "EBADF in the child");
    });
}

#[test]
fn one_childs_stdout_is_the_next_childs_stdin() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        spew();
        process::register("wc-c", |ctx| async move {
            let mut all = Vec::new();
            ctx.stdin().read_to_end(&mut all).await.unwrap();
            let line = format!("{}\n", all.len());
            ctx.stdout().write_all(line.as_bytes()).await.unwrap();
            0
        });
        // spew 100000 | wc-c: more than a pipe holds, so both must run.
        let mut spew = Command::new("spew")
            .arg("100000")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pipe = spew.stdout.take().unwrap();
        let mut wc = Command::new("wc-c");
        wc.stdin(pipe);
        let out = wc.output().await.unwrap();
        assert_eq!(out.stdout, b"100000\n");
        assert!(spew.wait().await.unwrap().success());
        // A reading end as a child's stdout is refused.
        let mut again = Command::new("spew")
            .arg("1")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let end = again.stdout.take().unwrap();
        let err = Command::new("wc-c").stdout(end).spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    });
}
