//! The event loop: block_on, stepping, errors and their reports, limits,
//! foreign-thread wakes, bad configuration.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use seedloop::{Error, Handle, PanicPolicy, Sim, Strategy};

fn quiet(seed: u64) -> Sim {
    Sim::builder().seed(seed).print_panics(false).build()
}

#[test]
fn block_on_returns_the_output_and_counts_steps() {
    let mut sim = Sim::new(3);
    assert_eq!(sim.block_on(async { 40 + 2 }), 42);
    assert_eq!(sim.steps(), 1);
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn block_on_again_keeps_earlier_tasks_running() {
    let mut sim = Sim::new(1);
    let ticks = Rc::new(Cell::new(0u32));
    let t = ticks.clone();
    sim.block_on(async move {
        seedloop::spawn(async move {
            loop {
                seedloop::sleep(Duration::from_secs(1)).await;
                t.set(t.get() + 1);
            }
        });
    });
    assert_eq!(ticks.get(), 0, "the background task has not slept yet");
    sim.block_on(seedloop::sleep(Duration::from_millis(5_500)));
    assert_eq!(ticks.get(), 5);
    sim.block_on(seedloop::sleep(Duration::from_secs(2)));
    assert_eq!(ticks.get(), 7);
    assert_eq!(sim.live_tasks(), 1);
}

#[test]
fn handle_current_outside_a_simulation_panics_clearly() {
    fn text(p: &(dyn std::any::Any + Send)) -> String {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    }
    let err = catch_unwind(Handle::current).unwrap_err();
    assert!(
        text(&*err).contains("inside a simulation"),
        "{}",
        text(&*err)
    );
    assert!(Handle::try_current().is_none());
    let err = catch_unwind(|| seedloop::spawn(async {})).unwrap_err();
    assert!(text(&*err).contains("inside a simulation"));
    let err = catch_unwind(seedloop::time::Instant::now).unwrap_err();
    assert!(text(&*err).contains("inside a simulation"));
}

#[test]
fn step_by_step_api_runs_one_event_at_a_time() {
    let mut sim = Sim::builder().strategy(Strategy::Fifo).build();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let task = sim.spawn(async move {
        l.borrow_mut().push("start");
        seedloop::sleep(Duration::from_secs(10)).await;
        l.borrow_mut().push("woke");
    });
    assert!(sim.step(), "polls the task");
    assert_eq!(*log.borrow(), vec!["start"]);
    assert_eq!(sim.elapsed(), Duration::ZERO);
    assert!(sim.step(), "advances the clock to the timer");
    assert_eq!(sim.elapsed(), Duration::from_secs(10));
    assert!(!task.is_finished());
    assert!(sim.step(), "polls the woken task");
    assert!(task.is_finished());
    assert_eq!(*log.borrow(), vec!["start", "woke"]);
    assert!(!sim.step(), "nothing left");
    assert_eq!(sim.steps(), 3);
}

#[test]
fn run_until_stalled_does_not_advance_the_clock() {
    let mut sim = Sim::new(9);
    let done = Rc::new(Cell::new(0));
    for i in 0..5u64 {
        let done = done.clone();
        sim.spawn(async move {
            seedloop::task::yield_now().await;
            done.set(done.get() + 1);
            seedloop::sleep(Duration::from_secs(i + 1)).await;
            done.set(done.get() + 1);
        });
    }
    sim.run_until_stalled();
    assert_eq!(done.get(), 5);
    assert_eq!(sim.elapsed(), Duration::ZERO);
    while sim.step() {}
    assert_eq!(done.get(), 10);
    assert_eq!(sim.elapsed(), Duration::from_secs(5));
}

#[test]
fn deadlock_report_lists_every_live_task_with_name_and_location() {
    let mut sim = quiet(5);
    let err = sim
        .try_block_on(async {
            let (tx_a, rx_a) = futures::channel::oneshot::channel::<()>();
            let (tx_b, rx_b) = futures::channel::oneshot::channel::<()>();
            let a = seedloop::task::Builder::new()
                .name("alice")
                .spawn(async move {
                    rx_b.await.ok();
                    drop(tx_a);
                });
            let b = seedloop::task::Builder::new()
                .name("bob")
                .spawn(async move {
                    rx_a.await.ok();
                    drop(tx_b);
                });
            // Keep the senders alive inside the tasks: each waits for the other.
            let _ = (a.await, b.await);
        })
        .unwrap_err();
    let Error::Deadlock { tasks, time } = &err else {
        panic!("expected a deadlock, got {err}")
    };
    assert_eq!(*time, Duration::ZERO);
    let names: Vec<_> = tasks
        .iter()
        .map(|t| t.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["main", "alice", "bob"]);
    assert!(
        tasks
            .iter()
            .all(|t| t.spawned_at.contains("tests/runtime.rs")),
        "{tasks:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("deadlock at virtual time 0.000s"),
        "{text}"
    );
    assert!(
        text.contains("task 2 'alice' (spawned at tests/runtime.rs:"),
        "{text}"
    );
    assert!(text.contains("3 live task(s)"), "{text}");
}

#[test]
fn a_pending_main_with_no_timers_is_a_deadlock_not_a_hang() {
    let mut sim = quiet(1);
    let err = sim.try_block_on(std::future::pending::<()>()).unwrap_err();
    assert!(matches!(err, Error::Deadlock { ref tasks, .. } if tasks.len() == 1));
}

#[test]
fn panic_in_a_task_fails_the_run_with_a_full_report() {
    let mut sim = quiet(0x2a);
    let result = catch_unwind(AssertUnwindSafe(|| {
        sim.block_on(async {
            seedloop::sleep(Duration::from_millis(1234)).await;
            let t = seedloop::task::Builder::new()
                .name("client-2")
                .spawn(async {
                    let x = 1;
                    assert_eq!(x, 2, "the invariant broke");
                });
            t.await.unwrap();
        })
    }));
    let payload = result.unwrap_err();
    let report = payload.downcast_ref::<String>().expect("a String payload");
    assert!(
        report.contains("seedloop: run failed at seed 0x2a (strategy random)"),
        "{report}"
    );
    assert!(report.contains("cause: task 2 'client-2'"), "{report}");
    assert!(report.contains("panicked at tests/runtime.rs:"), "{report}");
    assert!(report.contains("the invariant broke"), "{report}");
    assert!(report.contains("at virtual time 1.234s"), "{report}");
    assert!(report.contains("fingerprint"), "{report}");
    // This Sim reads no variable: the replay line is a Builder line, not a
    // command that would run the test with a seed it never reads.
    assert!(
        report.contains("replay: Sim::builder().seed(0x2a) with this Sim's other settings"),
        "{report}"
    );
    assert!(
        !report.contains("SEEDLOOP_SEED=0x2a cargo test"),
        "{report}"
    );
}

#[test]
fn a_sim_that_reads_the_environment_replays_from_the_command_line() {
    let mut sim = seedloop::Sim::builder()
        .seed(0x2a)
        .print_panics(false)
        .apply_env()
        .unwrap()
        .build();
    if std::env::var_os("SEEDLOOP_SEED").is_some() || std::env::var_os("SEEDLOOP_TAPE").is_some() {
        return; // the variables decide this run
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        sim.block_on(async { panic!("boom") });
    }));
    let payload = result.unwrap_err();
    let report = payload.downcast_ref::<String>().expect("a String payload");
    let test = "a_sim_that_reads_the_environment_replays_from_the_command_line";
    assert!(
        report.contains(&format!(
            "replay: SEEDLOOP_SEED=0x2a cargo test -- {test} --exact"
        )) || report.contains(&format!("cargo nextest run -E 'test(={test})'")),
        "{report}"
    );
}

#[test]
fn panic_error_names_task_message_and_location() {
    let mut sim = quiet(1);
    let err = sim
        .try_block_on(async {
            seedloop::task::Builder::new()
                .name("worker")
                .spawn(async { panic!("disk on fire") })
                .await
        })
        .unwrap_err();
    let Error::Panicked {
        task,
        message,
        location,
        ..
    } = err
    else {
        panic!("expected Panicked")
    };
    assert_eq!(task.name.as_deref(), Some("worker"));
    assert_eq!(message, "disk on fire");
    assert!(location.unwrap().starts_with("tests/runtime.rs:"));
}

#[test]
fn panic_of_the_main_future_is_reported_as_main() {
    let mut sim = quiet(1);
    let err = sim
        .try_block_on(async { panic!("main broke") })
        .unwrap_err();
    let Error::Panicked { task, message, .. } = err else {
        panic!()
    };
    assert_eq!(task.name.as_deref(), Some("main"));
    assert_eq!(message, "main broke");
    // The simulation is still usable afterwards.
    assert_eq!(sim.block_on(async { 1 }), 1);
}

#[test]
fn panic_policy_to_join_handle_delivers_the_panic_like_tokio() {
    let mut sim = Sim::builder()
        .panic_policy(PanicPolicy::ToJoinHandle)
        .print_panics(false)
        .build();
    let msg = sim.block_on(async {
        let err = seedloop::spawn(async { panic!("caught") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("caught"));
        *err.into_panic().downcast::<&str>().unwrap()
    });
    assert_eq!(msg, "caught");
}

#[test]
fn step_limit_stops_a_livelock() {
    let mut sim = Sim::builder().step_limit(1_000).build();
    let err = sim
        .try_block_on(async {
            loop {
                seedloop::task::yield_now().await;
            }
        })
        .unwrap_err();
    let Error::StepLimit {
        limit,
        time,
        busiest,
    } = &err
    else {
        panic!("expected the step limit: {err}")
    };
    assert_eq!((*limit, *time), (1_000, Duration::ZERO));
    assert_eq!(busiest.len(), 1, "only the main task ran: {err}");
    assert_eq!(busiest[0].task.name.as_deref(), Some("main"));
    assert_eq!(sim.steps(), 1_000);
}

#[test]
fn step_limit_stops_an_endless_timer_loop() {
    let mut sim = Sim::builder().step_limit(500).build();
    let err = sim
        .try_block_on(async {
            loop {
                seedloop::sleep(Duration::from_millis(1)).await;
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::StepLimit { limit: 500, .. }), "{err}");
}

#[test]
fn time_limit_is_checked_before_the_clock_passes_it() {
    let mut sim = Sim::builder().time_limit(Duration::from_secs(60)).build();
    sim.block_on(seedloop::sleep(Duration::from_secs(60)));
    let err = sim
        .try_block_on(seedloop::sleep(Duration::from_secs(1)))
        .unwrap_err();
    assert_eq!(
        err,
        Error::TimeLimit {
            limit: Duration::from_secs(60)
        }
    );
    assert!(err.to_string().contains("60.000s"));
    assert_eq!(sim.elapsed(), Duration::from_secs(60));
}

#[test]
fn a_wake_from_another_thread_fails_the_run_naming_the_task() {
    let mut sim = quiet(1);
    let err = sim
        .try_block_on(async {
            seedloop::task::Builder::new()
                .name("leaky")
                .spawn(std::future::poll_fn(|cx| {
                    let waker = cx.waker().clone();
                    std::thread::Builder::new()
                        .name("intruder".into())
                        .spawn(move || waker.wake())
                        .unwrap()
                        .join()
                        .unwrap();
                    Poll::<()>::Pending
                }))
                .await
        })
        .unwrap_err();
    let Error::ForeignWake { task, thread } = &err else {
        panic!("got {err}")
    };
    assert_eq!(task.name.as_deref(), Some("leaky"));
    assert_eq!(thread, "intruder");
    assert!(err.to_string().contains("called from thread 'intruder'"));
}

#[test]
fn invalid_builder_values_are_typed_errors_naming_the_value() {
    let err = Sim::builder().step_limit(0).try_build().unwrap_err();
    assert_eq!((err.setting(), err.value()), ("step_limit", "0"));
    let err = Sim::builder()
        .time_limit(Duration::ZERO)
        .try_build()
        .unwrap_err();
    assert_eq!(err.setting(), "time_limit");
    let err = Sim::builder()
        .blocking_cost(Duration::from_secs(3)..Duration::from_secs(1))
        .try_build()
        .unwrap_err();
    assert_eq!(err.setting(), "blocking_cost");
    assert!(err.to_string().contains("inverted"), "{err}");
    let panic = catch_unwind(|| Sim::builder().step_limit(0).build()).unwrap_err();
    assert!(
        panic
            .downcast_ref::<String>()
            .unwrap()
            .contains("invalid step_limit value `0`")
    );
}

#[test]
fn bad_seed_text_is_a_typed_error_naming_the_variable() {
    for bad in ["", "abc", "0x", "0xZZ", "-1", "18446744073709551616", "1.5"] {
        let err = seedloop::parse_seed("SEEDLOOP_SEED", bad).unwrap_err();
        assert_eq!(err.setting(), "SEEDLOOP_SEED");
        assert_eq!(err.value(), bad);
        assert!(
            err.to_string().starts_with("invalid SEEDLOOP_SEED value"),
            "{err}"
        );
    }
    assert_eq!(
        seedloop::parse_seed("S", "0xFFFFFFFFFFFFFFFF"),
        Ok(u64::MAX)
    );
    assert_eq!(
        seedloop::parse_seed("S", "18446744073709551615"),
        Ok(u64::MAX)
    );
}

#[test]
fn strategies_parse_from_text_and_reject_anything_else() {
    assert_eq!("fifo".parse::<Strategy>(), Ok(Strategy::Fifo));
    assert_eq!("random".parse::<Strategy>(), Ok(Strategy::Random));
    let replay: Strategy = "replay:1,z3".parse().unwrap();
    assert_eq!(replay.to_string(), "replay:1,z3");
    let dense: Strategy = "random:75".parse().unwrap();
    assert_eq!(dense, Strategy::RandomAt { yield_percent: 75 });
    assert_eq!(dense.to_string(), "random:75");
    assert_eq!(
        "random:0".parse::<Strategy>(),
        Ok(Strategy::RandomAt { yield_percent: 0 })
    );
    // Built in code with a percent over 100: the builder rejects it.
    let err = Sim::builder()
        .strategy(Strategy::RandomAt { yield_percent: 101 })
        .try_build()
        .map(drop)
        .unwrap_err();
    assert!(err.to_string().contains("random:101"), "{err}");
    for bad in [
        "",
        "FIFO ",
        "rand",
        "replay:",
        "replay:x",
        "random:101",
        "random:-1",
        "random:",
    ] {
        let err = bad.parse::<Strategy>().unwrap_err();
        assert_eq!(err.setting(), "strategy");
        assert_eq!(err.value(), bad);
    }
}

#[test]
fn dropping_a_sim_drops_its_tasks_and_runs_their_destructors() {
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let mut sim = Sim::new(1);
    let flag = Flag(dropped.clone());
    sim.block_on(async move {
        seedloop::spawn(async move {
            let _flag = flag;
            seedloop::sleep(Duration::from_secs(3600)).await;
        });
        seedloop::task::yield_now().await;
    });
    assert!(!dropped.get());
    drop(sim);
    assert!(dropped.get());
}

#[test]
fn tracing_subscriber_prints_virtual_time() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_timer(seedloop::log::VirtualTime)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut sim = Sim::new(1);
        sim.block_on(async {
            seedloop::sleep(Duration::from_millis(2500)).await;
            tracing::info!("hello");
        });
    });
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("2.500s task 1"), "{out}");
    assert!(out.contains("hello"), "{out}");
}

#[test]
fn a_waker_cloned_on_another_thread_still_wakes_from_the_sim_thread() {
    let mut sim = quiet(1);
    let polls = sim
        .try_block_on(async {
            let mut polls = 0;
            std::future::poll_fn(|cx| {
                polls += 1;
                if polls == 1 {
                    // Clone on another thread, bring the clone back, wake here.
                    let original = cx.waker().clone();
                    let clone = std::thread::spawn(move || original.clone()).join().unwrap();
                    clone.wake();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await;
            polls
        })
        .unwrap();
    assert_eq!(
        polls, 2,
        "the wake through the round-tripped clone was delivered"
    );
}

#[test]
fn a_waker_dropped_on_another_thread_is_harmless() {
    let mut sim = quiet(1);
    let out = sim.try_block_on(async {
        let t = seedloop::spawn(async {
            std::future::poll_fn(|cx| {
                let w = cx.waker().clone();
                std::thread::spawn(move || drop(w)).join().unwrap();
                Poll::Ready(7)
            })
            .await
        });
        t.await.unwrap()
    });
    assert_eq!(out, Ok(7));
}

/// Run in a child process by the watchdog test below: a task that never
/// returns from its poll.
#[test]
#[ignore = "run in a child process by the_watchdog_names_a_task_stuck_inside_one_poll"]
fn watchdog_child_spins_inside_one_poll() {
    if std::env::var_os("SEEDLOOP_WATCHDOG_CHILD").is_none() {
        return;
    }
    let mut sim = Sim::new(0x2a);
    sim.block_on(async {
        let stop = std::sync::atomic::AtomicBool::new(false);
        seedloop::task::Builder::new()
            .name("spinner")
            .spawn(async move {
                // Waits for a flag nobody will set, with no `.await`.
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
            .await
            .unwrap();
    });
}

#[test]
fn the_watchdog_names_a_task_stuck_inside_one_poll() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "watchdog_child_spins_inside_one_poll",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SEEDLOOP_WATCHDOG_CHILD", "1")
        .env("SEEDLOOP_POLL_WARN", "100ms")
        .env("SEEDLOOP_POLL_TIMEOUT", "1s")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the child must be aborted:\n{stderr}"
    );
    assert!(
        stderr.contains("seedloop watchdog: task 2 'spinner' (spawned at tests/runtime.rs:"),
        "{stderr}"
    );
    assert!(stderr.contains("has been inside one poll for"), "{stderr}");
    assert!(stderr.contains("seed 0x2a"), "{stderr}");
    assert!(stderr.contains("a loop with no .await"), "{stderr}");
    assert!(
        stderr.contains("aborting the process: SEEDLOOP_POLL_TIMEOUT (1s) passed"),
        "{stderr}"
    );
    // Warned once, before the abort.
    assert_eq!(
        stderr.matches("has been inside one poll").count(),
        2,
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "SIGABRT");
    }
}

#[test]
fn a_bad_watchdog_variable_fails_the_build_naming_it() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "watchdog_child_spins_inside_one_poll",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SEEDLOOP_WATCHDOG_CHILD", "1")
        .env("SEEDLOOP_POLL_WARN", "soonish")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("SEEDLOOP_POLL_WARN"), "{stdout}");
    assert!(stdout.contains("soonish"), "{stdout}");
}

#[test]
fn the_step_limit_names_the_tasks_that_spin_and_where_they_last_awaited() {
    let mut sim = Sim::builder().seed(3).step_limit(50_000).build();
    let err = sim
        .try_block_on(async {
            // A worker that finishes, and one that waits for a flag by yielding.
            let done = Rc::new(Cell::new(false));
            seedloop::task::Builder::new()
                .name("worker")
                .spawn(async { seedloop::sleep(Duration::from_millis(5)).await })
                .await
                .unwrap();
            let flag = done.clone();
            seedloop::task::Builder::new()
                .name("poller")
                .spawn(async move {
                    while !flag.get() {
                        seedloop::task::yield_now().await;
                    }
                })
                .await
                .unwrap();
        })
        .unwrap_err();
    let Error::StepLimit { limit, busiest, .. } = &err else {
        panic!("expected the step limit: {err}")
    };
    assert_eq!(*limit, 50_000);
    assert_eq!(busiest[0].task.name.as_deref(), Some("poller"), "{err}");
    assert!(busiest[0].polls >= 9_000, "{err}");
    assert_eq!(busiest[0].of, 10_000);
    let text = err.to_string();
    assert!(
        text.contains("the tasks that took the most of the last 10000 steps"),
        "{text}"
    );
    assert!(
        text.contains("task 3 'poller' (spawned at tests/runtime.rs:"),
        "{text}"
    );
    assert!(
        text.contains("last awaited yield_now at tests/runtime.rs:"),
        "{text}"
    );
    assert!(
        !text.contains("'worker'"),
        "a finished task took no step: {text}"
    );
}

#[test]
fn a_panic_report_does_not_name_a_wait_the_task_left() {
    let mut sim = seedloop::Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            let lock = std::rc::Rc::new(seedloop::sync::Mutex::new(()));
            let held = lock.lock().await;
            let l = lock.clone();
            let t = seedloop::spawn(async move {
                let mut wait = std::pin::pin!(l.lock());
                // Pending, and noted as the task's wait; then left.
                assert!(futures::poll!(wait.as_mut()).is_pending());
                panic!("gave up on the lock");
            });
            let _ = t.await;
            drop(held);
        })
        .unwrap_err();
    let seedloop::Error::Panicked { task, message, .. } = err else {
        panic!("expected a panic, got {err}");
    };
    assert_eq!(message, "gave up on the lock");
    assert_eq!(task.waiting_on, None, "{task}");
}
