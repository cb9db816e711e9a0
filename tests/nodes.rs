//! Nodes: simulated machines with their own tasks, address, clock skew,
//! and a life that tests control (kill, restart, pause, resume).

use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use seedloop::node::{self, NodeId};
use seedloop::time::{EPOCH_UNIX_SECS, Instant, sleep, system_now};
use seedloop::{Error, Sim};

/// Sets its flag when dropped: shows that a task's future was destroyed.
struct Guard(Rc<Cell<bool>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

fn flag() -> Rc<Cell<bool>> {
    Rc::new(Cell::new(false))
}

fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

#[test]
fn automatic_addresses_follow_build_order_and_skip_explicit_ones() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let main = node::current();
        assert_eq!(main.name(), "main");
        assert_eq!(main.ip(), ip(10, 0, 0, 1));

        let a = node::Builder::new("a").build();
        let b = node::Builder::new("b")
            .ip(Ipv4Addr::new(192, 168, 1, 5))
            .build();
        // Taken explicitly before the automatic numbering reaches it.
        let d = node::Builder::new("d").ip(ip(10, 0, 0, 4)).build();
        let c = node::Builder::new("c").build();
        let e = node::Builder::new("e").build();

        assert_eq!(a.ip(), ip(10, 0, 0, 2));
        assert_eq!(b.ip(), ip(192, 168, 1, 5));
        assert_eq!(c.ip(), ip(10, 0, 0, 3));
        assert_eq!(d.ip(), ip(10, 0, 0, 4));
        assert_eq!(e.ip(), ip(10, 0, 0, 5), "10.0.0.4 is d's");
        for (n, name) in [(a, "a"), (b, "b"), (c, "c"), (d, "d"), (e, "e")] {
            assert_eq!(n.name(), name);
            assert_eq!(node::lookup(name), Some(n));
        }
        assert_eq!(node::lookup("main"), Some(main));
        assert_eq!(node::lookup("f"), None);
        let ids: std::collections::BTreeSet<NodeId> = [main, a, b, c, d, e].into();
        assert_eq!(ids.len(), 6, "every node has its own id");
    });
}

#[test]
fn duplicate_or_bad_names_and_addresses_are_config_errors_naming_the_value() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let db = node::Builder::new("db").build();

        let err = node::Builder::new("db").try_build().unwrap_err();
        assert_eq!(err.setting(), "node name");
        assert_eq!(err.value(), "db");
        assert!(err.to_string().contains("db"), "{err}");

        let err = node::Builder::new("other")
            .ip(db.ip())
            .try_build()
            .unwrap_err();
        assert_eq!(err.setting(), "node address");
        assert_eq!(err.value(), "10.0.0.2");
        assert!(err.to_string().contains("'db'"), "names the owner: {err}");

        let err = node::Builder::new("other")
            .ip(ip(10, 0, 0, 1))
            .try_build()
            .unwrap_err();
        assert_eq!(err.value(), "10.0.0.1");
        assert!(err.to_string().contains("'main'"), "{err}");

        let err = node::Builder::new("main").try_build().unwrap_err();
        assert_eq!(err.value(), "main");

        for bad in [
            "",
            "a:b",
            "a b",
            "a/b",
            "localhost",
            "LocalHost",
            "10.0.0.9",
            "8.8.8.8",
        ] {
            let err = node::Builder::new(bad).try_build().unwrap_err();
            assert_eq!(err.setting(), "node name");
            assert_eq!(err.value(), bad);
        }
        for bad in [ip(127, 0, 0, 1), ip(0, 0, 0, 0), ip(224, 0, 0, 1)] {
            let err = node::Builder::new("x").ip(bad).try_build().unwrap_err();
            assert_eq!(err.setting(), "node address");
            assert_eq!(err.value(), bad.to_string());
        }

        // The failed builds took nothing: the name and the next address are free.
        let x = node::Builder::new("x").build();
        assert_eq!(x.ip(), ip(10, 0, 0, 3));
    });
}

#[test]
fn building_a_node_with_a_taken_name_panics_with_the_value() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            node::Builder::new("db").build();
            node::Builder::new("db").build();
        })
        .unwrap_err();
    let Error::Panicked { message, .. } = err else {
        panic!("expected a panic, got {err:?}")
    };
    assert!(message.contains("db"), "{message}");
}

#[test]
fn tasks_spawned_by_a_nodes_task_belong_to_that_node() {
    let mut sim = Sim::new(3);
    sim.block_on(async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let db = node::Builder::new("db")
            .init(move || {
                let log = log.clone();
                async move {
                    log.borrow_mut().push(("init", node::current().name()));
                    let log2 = log.clone();
                    let child = seedloop::spawn(async move {
                        log2.borrow_mut().push(("child", node::current().name()));
                        let log3 = log2.clone();
                        seedloop::spawn(async move {
                            sleep(Duration::from_millis(5)).await;
                            log3.borrow_mut()
                                .push(("grandchild", node::current().name()));
                        })
                        .await
                        .unwrap();
                    });
                    child.await.unwrap();
                }
            })
            .build();
        let _web = node::Builder::new("web").build();
        // From main: main's.
        let from_main = seedloop::spawn(async { node::current().name() });
        assert_eq!(from_main.await.unwrap(), "main");
        // spawn_on a node, and spawn from there: that node's.
        let nested = node::spawn_on("web", async {
            let inner = seedloop::spawn(async { node::current().name() });
            (node::current().name(), inner.await.unwrap())
        });
        assert_eq!(
            nested.await.unwrap(),
            ("web".to_string(), "web".to_string())
        );
        sleep(Duration::from_millis(10)).await;
        let mut seen = seen.borrow().clone();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("child", "db".to_string()),
                ("grandchild", "db".to_string()),
                ("init", "db".to_string()),
            ]
        );
        assert_eq!(node::current().name(), "main", "main stays main");
        let _ = db;
    });
}

#[test]
fn spawn_on_takes_an_id_or_a_name() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let a = node::Builder::new("a").build();
        let b = node::Builder::new("b").build();
        let on_a = node::spawn_on(a, async { (node::current(), node::current().ip()) });
        let on_b = node::spawn_on("b", async { node::current() });
        let on_b2 = node::spawn_on(String::from("b"), async { node::current() });
        assert_eq!(on_a.await.unwrap(), (a, ip(10, 0, 0, 2)));
        assert_eq!(on_b.await.unwrap(), b);
        assert_eq!(on_b2.await.unwrap(), b);
    });
}

#[test]
fn spawn_on_an_unknown_node_panics() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            drop(node::spawn_on("ghost", async {}));
        })
        .unwrap_err();
    assert!(err.to_string().contains("ghost"), "{err}");
}

#[test]
fn kill_drops_every_task_of_the_node_at_once() {
    let mut sim = Sim::new(5);
    let (init_dropped, child_dropped, spawned_dropped, other_dropped) =
        (flag(), flag(), flag(), flag());
    let (a, b, c, d) = (
        init_dropped.clone(),
        child_dropped.clone(),
        spawned_dropped.clone(),
        other_dropped.clone(),
    );
    sim.block_on(async move {
        let a2 = a.clone();
        let b2 = b.clone();
        let db = node::Builder::new("db")
            .init(move || {
                let a = a2.clone();
                let b = b2.clone();
                async move {
                    let _g = Guard(a);
                    let child = seedloop::spawn(async move {
                        let _g = Guard(b);
                        sleep(Duration::from_secs(3600)).await;
                    });
                    child.await.unwrap();
                }
            })
            .build();
        let other = node::Builder::new("other").build();
        let spawned = node::spawn_on(db, async move {
            let _g = Guard(c);
            sleep(Duration::from_secs(7200)).await;
            "finished"
        });
        let survivor = node::spawn_on(other, async move {
            let _g = Guard(d);
            sleep(Duration::from_secs(2)).await;
            "survived"
        });
        sleep(Duration::from_secs(1)).await;
        assert!(!a.get() && !b.get());

        node::kill(db);
        // At once, before any other step.
        assert!(a.get(), "init's future was dropped");
        assert!(b.get(), "its child too");
        let err = spawned.await.unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert_eq!(survivor.await.unwrap(), "survived");
        node::kill(db); // killing a dead node does nothing
        // A task spawned on the dead node never runs.
        let ran = flag();
        let r = ran.clone();
        let late = node::spawn_on(db, async move { r.set(true) });
        assert!(late.await.unwrap_err().is_cancelled());
        assert!(!ran.get());
    });
    assert!(spawned_dropped.get());
    assert!(other_dropped.get());
    assert!(init_dropped.get() && child_dropped.get());
    // The hour-long timers went with their tasks: the clock never went there.
    assert_eq!(sim.elapsed(), Duration::from_secs(2));
    assert_eq!(sim.live_tasks(), 0);
}

#[test]
fn killed_tasks_timers_do_not_advance_the_clock_or_fire() {
    let mut sim = Sim::new(9);
    sim.block_on(async {
        let db = node::Builder::new("db")
            .init(|| async {
                sleep(Duration::from_secs(10)).await;
                panic!("a dead node's timer fired");
            })
            .build();
        sleep(Duration::from_secs(1)).await;
        node::kill(db);
        sleep(Duration::from_secs(30)).await;
    });
    assert_eq!(sim.elapsed(), Duration::from_secs(31));
}

#[test]
fn a_task_killing_its_own_node_stops_at_its_next_await() {
    let mut sim = Sim::new(2);
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        let (before, after_kill, after_await, dropped) = (flag(), flag(), flag(), flag());
        let (b, k, w, g) = (
            before.clone(),
            after_kill.clone(),
            after_await.clone(),
            dropped.clone(),
        );
        let t = node::spawn_on(db, async move {
            let _g = Guard(g);
            b.set(true);
            node::kill(node::current());
            // Still running: a task cannot be dropped in the middle of a poll.
            k.set(true);
            seedloop::task::yield_now().await;
            w.set(true);
        });
        let err = t.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(before.get() && after_kill.get());
        assert!(!after_await.get(), "it ran past its next await");
        assert!(dropped.get());
    });
}

#[test]
fn restart_runs_init_again_with_the_same_name_and_address() {
    let mut sim = Sim::new(4);
    sim.block_on(async {
        let starts = Rc::new(RefCell::new(Vec::new()));
        let log = starts.clone();
        let db = node::Builder::new("db")
            .ip(Ipv4Addr::new(10, 9, 9, 9))
            .init(move || {
                let log = log.clone();
                async move {
                    let me = node::current();
                    log.borrow_mut()
                        .push((me.name(), me.ip(), Instant::now().since_start()));
                    std::future::pending::<()>().await;
                }
            })
            .build();
        sleep(Duration::from_secs(1)).await;
        node::restart(db);
        sleep(Duration::from_secs(1)).await;
        node::kill("db");
        sleep(Duration::from_secs(1)).await;
        assert_eq!(starts.borrow().len(), 2, "no init while dead");
        node::restart("db");
        sleep(Duration::from_secs(1)).await;
        let want_ip = ip(10, 9, 9, 9);
        assert_eq!(
            *starts.borrow(),
            [
                ("db".to_string(), want_ip, Duration::ZERO),
                ("db".to_string(), want_ip, Duration::from_secs(1)),
                ("db".to_string(), want_ip, Duration::from_secs(3)),
            ]
        );
        assert_eq!(node::lookup("db"), Some(db));
        assert_eq!(db.ip(), want_ip);
        // It runs tasks again.
        assert_eq!(node::spawn_on(db, async { 7 }).await.unwrap(), 7);
    });
}

#[test]
fn a_paused_nodes_tasks_are_not_polled_until_resume() {
    let mut sim = Sim::new(6);
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        let ticks = Rc::new(RefCell::new(Vec::new()));
        let t = ticks.clone();
        let ticker = node::spawn_on(db, async move {
            loop {
                sleep(Duration::from_millis(100)).await;
                t.borrow_mut().push(Instant::now().since_start());
            }
        });
        sleep(Duration::from_millis(1050)).await;
        assert_eq!(ticks.borrow().len(), 10);

        node::pause(db);
        let ran = flag();
        let r = ran.clone();
        let fresh = node::spawn_on(db, async move { r.set(true) });
        sleep(Duration::from_secs(5)).await;
        assert_eq!(
            ticks.borrow().len(),
            10,
            "a paused node's timers wake nobody"
        );
        assert!(!ran.get(), "a task spawned on a paused node waits");
        assert!(!fresh.is_finished());

        node::resume(db);
        let resumed = Instant::now().since_start();
        fresh.await.unwrap();
        assert!(ran.get());
        sleep(Duration::from_millis(250)).await;
        let ms = Duration::from_millis;
        assert_eq!(
            ticks.borrow()[9..],
            [
                ms(1000),
                resumed, // the timer due at 1.1 s fired late, once
                resumed + ms(100),
                resumed + ms(200),
            ]
        );
        assert_eq!(resumed, ms(6050));
        ticker.abort();
    });
}

#[test]
fn a_paused_timer_fires_late_by_the_pause() {
    let mut sim = Sim::new(7);
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        let t = node::spawn_on(db, async {
            sleep(Duration::from_secs(1)).await;
            Instant::now().since_start()
        });
        sleep(Duration::from_millis(500)).await;
        node::pause("db");
        node::pause("db"); // twice is once
        sleep(Duration::from_secs(5)).await;
        node::resume("db");
        node::resume("db");
        assert_eq!(t.await.unwrap(), Duration::from_millis(5500));
    });
}

#[test]
fn a_paused_node_can_be_killed_and_restarted() {
    let mut sim = Sim::new(8);
    sim.block_on(async {
        let runs = Rc::new(Cell::new(0u32));
        let r = runs.clone();
        let db = node::Builder::new("db")
            .init(move || {
                let r = r.clone();
                async move {
                    loop {
                        r.set(r.get() + 1);
                        sleep(Duration::from_secs(1)).await;
                    }
                }
            })
            .build();
        sleep(Duration::from_millis(1500)).await;
        assert_eq!(runs.get(), 2);
        let dropped = flag();
        let g = dropped.clone();
        let parked = node::spawn_on(db, async move {
            let _g = Guard(g);
            std::future::pending::<()>().await;
        });
        sleep(Duration::from_millis(1)).await; // it starts, and holds its guard
        node::pause(db);
        sleep(Duration::from_secs(3)).await;
        assert_eq!(runs.get(), 2);
        node::kill(db);
        assert!(dropped.get());
        assert!(parked.await.unwrap_err().is_cancelled());
        node::resume(db); // a dead node stays dead
        sleep(Duration::from_secs(3)).await;
        assert_eq!(runs.get(), 2);
        node::restart(db);
        sleep(Duration::from_millis(1500)).await;
        assert_eq!(runs.get(), 4, "the restarted node runs (it is not paused)");
    });
}

#[test]
fn killing_or_pausing_main_panics() {
    for what in ["kill", "pause", "restart"] {
        let mut sim = Sim::builder().print_panics(false).build();
        let err = sim
            .try_block_on(async move {
                match what {
                    "kill" => node::kill("main"),
                    "pause" => node::pause(node::current()),
                    _ => node::restart("main"),
                }
            })
            .unwrap_err();
        let Error::Panicked { message, .. } = &err else {
            panic!("expected a panic, got {err:?}")
        };
        assert!(message.contains("'main'"), "{what}: {message}");
    }
}

#[test]
fn system_now_includes_the_nodes_clock_skew() {
    let mut sim = Sim::new(1);
    sim.block_on(async {
        let ahead = node::Builder::new("ahead")
            .clock_ahead(Duration::from_secs(5))
            .build();
        let behind = node::Builder::new("behind")
            .clock_behind(Duration::from_millis(2500))
            .build();
        sleep(Duration::from_secs(10)).await;
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap();
        let base = Duration::from_secs(EPOCH_UNIX_SECS + 10);
        assert_eq!(secs(system_now()), base);
        let a = node::spawn_on(ahead, async { system_now() }).await.unwrap();
        let b = node::spawn_on(behind, async { system_now() })
            .await
            .unwrap();
        assert_eq!(secs(a), base + Duration::from_secs(5));
        assert_eq!(secs(b), base - Duration::from_millis(2500));
        // Skew is about timestamps, not speed: Instants agree across nodes.
        let i = node::spawn_on(ahead, async { Instant::now() })
            .await
            .unwrap();
        assert_eq!(i, Instant::now());
        // And it survives a restart.
        node::restart(ahead);
        let a = node::spawn_on(ahead, async { system_now() }).await.unwrap();
        assert_eq!(secs(a), base + Duration::from_secs(5));
    });
}

#[test]
fn deadlock_report_names_the_node_of_each_task() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            node::Builder::new("db")
                .init(std::future::pending::<()>)
                .build();
            let (tx, rx) = seedloop::sync::oneshot::channel::<()>();
            let stuck = node::spawn_on("db", async move {
                let _tx = tx;
                std::future::pending::<()>().await;
            });
            let _ = rx.await;
            stuck.await.unwrap();
        })
        .unwrap_err();
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err:?}")
    };
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    let main = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("main"))
        .unwrap();
    assert_eq!(main.node.as_deref(), Some("main"));
    let init = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("init"))
        .unwrap();
    assert_eq!(init.node.as_deref(), Some("db"));
    assert!(tasks.iter().all(|t| t.node.is_some()));
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.node.as_deref() == Some("db"))
            .count(),
        2
    );
    let text = err.to_string();
    assert!(text.contains("'init' on node 'db'"), "{text}");
}

#[test]
fn deadlock_report_without_nodes_names_none() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim.try_block_on(std::future::pending::<()>()).unwrap_err();
    let Error::Deadlock { tasks, .. } = &err else {
        panic!("expected a deadlock, got {err:?}")
    };
    assert!(tasks.iter().all(|t| t.node.is_none()), "{tasks:?}");
    assert!(!err.to_string().contains("on node"));
}

#[test]
fn panic_report_names_the_node() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            node::Builder::new("x")
                .init(|| async {
                    sleep(Duration::from_millis(10)).await;
                    panic!("boom on x");
                })
                .build();
            sleep(Duration::from_secs(1)).await;
        })
        .unwrap_err();
    let Error::Panicked { task, message, .. } = &err else {
        panic!("expected a panic, got {err:?}")
    };
    assert_eq!(message, "boom on x");
    assert_eq!(task.node.as_deref(), Some("x"));
    assert_eq!(task.name.as_deref(), Some("init"));
    let text = err.to_string();
    assert!(text.contains("on node 'x'"), "{text}");
}

#[test]
fn node_lifecycle_is_in_the_trace() {
    use seedloop::trace::{EventKind, NodeChange};
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        node::pause(db);
        node::resume(db);
        node::kill(db);
        node::restart(db);
    });
    let changes: Vec<(String, NodeChange)> = sim
        .trace()
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Node { node, change } => Some((node.clone(), *change)),
            _ => None,
        })
        .collect();
    let db = |c| ("db".to_string(), c);
    assert_eq!(
        changes,
        [
            db(NodeChange::Started),
            db(NodeChange::Paused),
            db(NodeChange::Resumed),
            db(NodeChange::Killed),
            db(NodeChange::Restarted),
        ]
    );
}

/// Records, when dropped, the node it was dropped on, and spawns a task
/// there (which must never run: the node is dead).
struct Witness {
    seen: Rc<RefCell<Vec<String>>>,
    ran: Rc<Cell<bool>>,
}

impl Drop for Witness {
    fn drop(&mut self) {
        self.seen.borrow_mut().push(node::current().name());
        let ran = self.ran.clone();
        drop(seedloop::spawn(async move { ran.set(true) }));
    }
}

#[test]
fn destructors_of_killed_tasks_run_on_their_node_and_cannot_spawn_there() {
    let mut sim = Sim::new(10);
    sim.block_on(async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let ran = flag();
        let db = node::Builder::new("db").build();
        let w = Witness {
            seen: seen.clone(),
            ran: ran.clone(),
        };
        let t = node::spawn_on(db, async move {
            let _w = w;
            std::future::pending::<()>().await;
        });
        sleep(Duration::from_millis(1)).await;
        node::kill(db);
        assert_eq!(*seen.borrow(), ["db"]);
        assert!(t.await.unwrap_err().is_cancelled());
        sleep(Duration::from_secs(1)).await;
        assert!(!ran.get(), "a task spawned on a dead node never runs");
        assert_eq!(node::current().name(), "main");
    });
    assert_eq!(sim.live_tasks(), 0);
}

#[test]
fn a_node_restarting_itself_runs_init_again_and_its_caller_stops() {
    let mut sim = Sim::new(11);
    sim.block_on(async {
        let starts = Rc::new(Cell::new(0u32));
        let s = starts.clone();
        let db = node::Builder::new("db")
            .init(move || {
                let s = s.clone();
                async move {
                    s.set(s.get() + 1);
                    std::future::pending::<()>().await;
                }
            })
            .build();
        sleep(Duration::from_millis(1)).await;
        let after = flag();
        let a = after.clone();
        let t = node::spawn_on(db, async move {
            node::restart(node::current());
            seedloop::task::yield_now().await;
            a.set(true);
        });
        assert!(t.await.unwrap_err().is_cancelled());
        sleep(Duration::from_millis(1)).await;
        assert!(!after.get());
        assert_eq!(starts.get(), 2);
        assert_eq!(node::spawn_on(db, async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn a_task_waiting_on_a_paused_node_is_a_deadlock_if_nothing_resumes_it() {
    let mut sim = Sim::builder().print_panics(false).build();
    let err = sim
        .try_block_on(async {
            let db = node::Builder::new("db").build();
            node::pause(db);
            node::spawn_on(db, async {}).await.unwrap();
        })
        .unwrap_err();
    let Error::Deadlock { tasks, time } = &err else {
        panic!("expected a deadlock, got {err:?}")
    };
    assert_eq!(*time, Duration::ZERO);
    assert!(tasks.iter().any(|t| t.node.as_deref() == Some("db")));
}

#[test]
fn the_same_seed_replays_node_faults_exactly() {
    let run = |seed| {
        let mut sim = Sim::builder().seed(seed).record_trace(true).build();
        let log = sim.block_on(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            for name in ["a", "b", "c"] {
                let l = log.clone();
                node::Builder::new(name)
                    .init(move || {
                        let l = l.clone();
                        async move {
                            for i in 0.. {
                                let d = seedloop::rand::random::<u64>() % 100;
                                sleep(Duration::from_millis(d)).await;
                                l.borrow_mut().push(format!("{name}{i}"));
                            }
                        }
                    })
                    .build();
            }
            for _ in 0..10 {
                sleep(Duration::from_millis(130)).await;
                node::restart("a");
                node::pause("b");
                sleep(Duration::from_millis(70)).await;
                node::resume("b");
                node::kill("c");
                node::restart("c");
            }
            log.take()
        });
        (sim.fingerprint(), log)
    };
    let (f, log) = run(5);
    assert_eq!(run(5), (f, log.clone()));
    assert!(log.len() > 50);
    assert_ne!(run(6).0, f);
}
