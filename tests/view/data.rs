//! The page's data, checked against the trace: lanes, tasks, messages,
//! bands, choices, the failure, the panel, sampling, errors.

use super::*;

#[test]
fn lanes_tasks_and_events_come_from_the_trace() {
    let sim = recorded(1);
    let data = data_of(&sim.view_html().unwrap());
    let names: Vec<&str> = data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main", "server", "replica"]);
    assert_eq!(
        data["events"].as_array().unwrap().len(),
        sim.trace().len(),
        "every event, none sampled"
    );
    assert_eq!(data["sampled"], Value::Null);
    // The checker task runs on the server's lane.
    let server = node_id(&data, "server");
    let checker = data["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[2] == "checker")
        .expect("the checker task");
    assert_eq!(checker[1].as_u64(), Some(server));
    // With its spawn site, for the details.
    assert!(
        checker[4].as_str().unwrap().starts_with("tests/view.rs:"),
        "{checker}"
    );
    // Each event row is at its event's time.
    for (row, e) in data["events"]
        .as_array()
        .unwrap()
        .iter()
        .zip(sim.trace().events())
    {
        assert_eq!(row[0].as_u64().unwrap(), e.time.as_nanos() as u64);
    }
}

#[test]
fn every_delivered_packet_is_one_delivered_message() {
    let sim = recorded(2);
    let data = data_of(&sim.view_html().unwrap());
    let messages = messages(&data);
    let delivered: Vec<&Value> = messages
        .iter()
        .filter(|m| m["fate"] == "delivered")
        .collect();
    assert_eq!(delivered.len(), delivered_packets(&sim));
    for m in &delivered {
        assert!(m["t1"].as_u64().unwrap() >= m["t0"].as_u64().unwrap());
        let (sent, recv) = (m["sent"].as_u64().unwrap(), m["recv"].as_u64().unwrap());
        assert!(sent < recv, "a message is sent before it arrives");
    }
    // The packet sent into the partition is dropped, from main to the replica.
    let (main, replica) = (node_id(&data, "main"), node_id(&data, "replica"));
    let dropped: Vec<&Value> = messages.iter().filter(|m| m["fate"] == "dropped").collect();
    assert!(
        dropped
            .iter()
            .any(|m| m["from"] == main && m["to"] == replica && m["len"] == 4),
        "{dropped:?}"
    );
}

#[test]
fn duplicates_are_their_own_marked_messages() {
    let mut sim = Sim::builder()
        .seed(4)
        .record_trace(true)
        .net(NetConfig::new().duplicate(1.0))
        .build();
    sim.block_on(async {
        node::Builder::new("b").build();
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        s.send_to(b"x", "b:9").await.unwrap();
        seedloop::sleep(Duration::from_secs(1)).await;
    });
    let data = data_of(&sim.view_html().unwrap());
    let messages = messages(&data);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages.iter().filter(|m| m["dup"] == 1).count(), 1);
    assert_ne!(messages[0]["id"], messages[1]["id"]);
}

#[test]
fn faults_and_node_changes_are_bands_over_their_lanes() {
    let sim = recorded(3);
    let data = data_of(&sim.view_html().unwrap());
    let (main, server, replica) = (
        node_id(&data, "main"),
        node_id(&data, "server"),
        node_id(&data, "replica"),
    );
    let bands = data["bands"].as_array().unwrap();
    let band = |kind: &str| {
        bands
            .iter()
            .find(|b| b["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} band in {bands:?}"))
    };
    let p = band("partition");
    assert_eq!(p["nodes"], serde_json::json!([main, replica]));
    let len = p["t1"].as_u64().unwrap() - p["t0"].as_u64().unwrap();
    assert_eq!(len, 20_000_000, "the partition lasts the 20 ms sleep");
    let k = band("killed");
    assert_eq!(k["nodes"], serde_json::json!([replica]));
    assert_eq!(k["t0"], k["t1"], "restarted at once");
    let z = band("paused");
    assert_eq!(z["nodes"], serde_json::json!([server]));
    assert_eq!(
        z["t1"].as_u64().unwrap() - z["t0"].as_u64().unwrap(),
        5_000_000
    );
}

#[test]
fn one_way_cuts_clogs_and_holds_are_drawn_until_lifted_or_the_end() {
    let mut sim = Sim::builder().seed(5).record_trace(true).build();
    sim.block_on(async {
        node::Builder::new("a").build();
        node::Builder::new("b").build();
        net::partition("a", "b");
        seedloop::sleep(Duration::from_millis(1)).await;
        net::repair_oneway("a", "b"); // b -> a stays cut
        net::clog("a");
        net::hold("main", "b");
        seedloop::sleep(Duration::from_millis(1)).await;
        net::unclog("a");
    });
    let data = data_of(&sim.view_html().unwrap());
    let (a, b) = (node_id(&data, "a"), node_id(&data, "b"));
    let bands = data["bands"].as_array().unwrap();
    let kinds: Vec<(&str, &Value, &Value)> = bands
        .iter()
        .map(|x| (x["kind"].as_str().unwrap(), &x["nodes"], &x["t1"]))
        .collect();
    let ms = |n: u64| serde_json::json!(n * 1_000_000);
    assert!(
        kinds.contains(&("partition", &serde_json::json!([a, b]), &ms(1))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("partition", &serde_json::json!([b, a]), &Value::Null)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("clog", &serde_json::json!([a]), &ms(2))),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|k| k.0 == "hold" && *k.2 == Value::Null),
        "{kinds:?}"
    );
}

#[test]
fn the_tapes_non_zero_choices_are_marked_where_they_were_made() {
    // Find a run with a few non-zero choices, then replay its tape.
    let original = recorded(6);
    let tape = original.tape().clone();
    assert!(tape.nonzero() > 0);
    let mut sim = Sim::builder()
        .seed(6)
        .strategy(Strategy::Replay(tape.clone()))
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(partition_story());
    let data = data_of(&sim.view_html().unwrap());
    let marks = choices(&data);
    assert_eq!(marks.len(), tape.nonzero());
    let values = tape.values();
    for c in &marks {
        let at = c["tape"].as_u64().unwrap() as usize;
        assert_eq!(c["value"].as_u64().unwrap(), u64::from(values[at]));
        assert!(c["value"].as_u64().unwrap() < c["of"].as_u64().unwrap());
        assert!(c["event"].as_u64().unwrap() as usize <= sim.trace().len());
    }
    // A tape of zeros but one: exactly one mark.
    let mut one = vec![0u32; values.len()];
    let first = values.iter().position(|&v| v != 0).unwrap();
    one[first] = values[first];
    let mut sim = Sim::builder()
        .seed(6)
        .strategy(Strategy::Replay(Tape::from_values(one)))
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(partition_story());
    let data = data_of(&sim.view_html().unwrap());
    assert_eq!(choices(&data).len(), 1);
    assert_eq!(choices(&data)[0]["tape"].as_u64(), Some(first as u64));
}

#[test]
fn the_failure_names_its_task_message_and_place() {
    let sim = recorded(7);
    let data = data_of(&sim.view_html().unwrap());
    let f = &data["failure"];
    assert!(f["message"].as_str().unwrap().contains("replica diverged"));
    assert!(f["location"].as_str().unwrap().contains("tests/view.rs"));
    assert_eq!(f["node"].as_u64(), Some(node_id(&data, "server")));
    let last = sim.trace().len() as u64 - 1;
    assert_eq!(f["event"].as_u64(), Some(last));
    let task = f["task"].as_u64().unwrap();
    let row = &data["events"][last as usize];
    assert_eq!(
        (row[1].as_str(), row[2].as_u64()),
        (Some("panic"), Some(task))
    );
    // A passing run has none.
    let mut ok = Sim::builder().record_trace(true).build();
    ok.block_on(async {});
    assert_eq!(data_of(&ok.view_html().unwrap())["failure"], Value::Null);
}

#[test]
fn a_failed_linearizability_check_adds_its_calls_panel() {
    let mut sim = Sim::builder()
        .seed(8)
        .record_trace(true)
        .print_panics(false)
        .build();
    let err = sim
        .try_block_on(async {
            let history = History::new();
            let w = history.invoke(1, RegisterOp::Write(7));
            seedloop::sleep(Duration::from_millis(2)).await;
            w.ok(RegisterRet::Written);
            let r = history.invoke(2, RegisterOp::Read);
            seedloop::sleep(Duration::from_millis(1)).await;
            r.ok(RegisterRet::Value(0)); // stale
            check::assert_linearizable(&history, &Register::new(0));
        })
        .unwrap_err();
    assert!(err.to_string().contains("not linearizable"));
    let data = data_of(&sim.view_html().unwrap());
    let calls = data["panel"]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["prefix"], true);
    assert_eq!(calls[1]["bad"], true);
    assert_eq!(calls[1]["t0"].as_u64(), Some(2_000_000));
    assert_eq!(calls[1]["t1"].as_u64(), Some(3_000_000));
    assert!(
        calls[1]["label"]
            .as_str()
            .unwrap()
            .contains("Read -> Value(0)")
    );
}

#[test]
fn the_file_is_a_function_of_the_run_and_recording_changes_nothing() {
    let a = recorded(9).view_html().unwrap();
    let b = recorded(9).view_html().unwrap();
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, recorded(10).view_html().unwrap());
    // The side tables change neither the tape nor the fingerprint.
    let plain = |record| {
        let mut sim = Sim::builder()
            .seed(9)
            .record_trace(record)
            .print_panics(false)
            .build();
        let _ = sim.try_block_on(partition_story());
        (sim.fingerprint(), sim.tape().clone())
    };
    assert_eq!(plain(true), plain(false));
    // And over TCP on a lossy, duplicating link, under every strategy.
    let busy = |seed, strategy: Strategy, record| {
        let mut sim = Sim::builder()
            .seed(seed)
            .strategy(strategy)
            .record_trace(record)
            .print_panics(false)
            .net(NetConfig::new().loss(0.3).duplicate(0.2))
            .build();
        let result = sim.try_block_on(async {
            node::Builder::new("srv")
                .init(|| async {
                    let l = net::TcpListener::bind("0.0.0.0:80").await.unwrap();
                    let (mut s, _) = l.accept().await.unwrap();
                    let mut buf = [0; 64];
                    use futures::{AsyncReadExt, AsyncWriteExt};
                    while let Ok(n @ 1..) = s.read(&mut buf).await {
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                })
                .build();
            seedloop::sleep(Duration::from_millis(1)).await;
            let mut c = net::TcpStream::connect("srv:80").await.unwrap();
            use futures::{AsyncReadExt, AsyncWriteExt};
            for i in 0..5u8 {
                c.write_all(&[i; 10]).await.unwrap();
                let mut back = [0; 10];
                c.read_exact(&mut back).await.unwrap();
                if i == 2 {
                    net::partition("main", "srv");
                    seedloop::sleep(Duration::from_millis(30)).await;
                    net::repair("main", "srv");
                }
            }
        });
        (sim.fingerprint(), sim.tape().clone(), result.err())
    };
    for seed in 0..8 {
        for strategy in [
            Strategy::Random,
            Strategy::Pct { depth: 3 },
            Strategy::Portfolio,
        ] {
            assert_eq!(
                busy(seed, strategy.clone(), true),
                busy(seed, strategy.clone(), false),
                "seed {seed} {strategy}"
            );
        }
    }
}

#[test]
fn names_cannot_break_out_of_the_page() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        seedloop::task::Builder::new()
            .name("</script><script>alert(1)</script>")
            .spawn(async {})
            .await
            .unwrap();
    });
    let html = sim.view_html().unwrap();
    assert!(!html.contains("alert(1)</script>"));
    let data = data_of(&html);
    assert_eq!(data["tasks"][1][2], "</script><script>alert(1)</script>");
}

#[test]
fn the_page_loads_nothing_from_elsewhere() {
    let html = recorded(15).view_html().unwrap();
    for needle in [
        "src=",
        "href=",
        "@import",
        "url(http",
        "url(//",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(needle), "the page holds {needle:?}");
    }
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data and the page's code"
    );
}

#[test]
fn nothing_recorded_or_an_unwritable_path_is_a_typed_error() {
    let mut sim = Sim::new(1);
    sim.block_on(async {});
    assert!(matches!(
        sim.write_view(scratch("never.html")),
        Err(WriteViewError::NotRecorded)
    ));
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {});
    let file = scratch("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let under = file.join("view.html");
    let err = sim.write_view(&under).unwrap_err();
    assert!(matches!(err, WriteViewError::Io { ref path, .. } if *path == under));
    assert!(err.to_string().contains(&under.display().to_string()));
}

#[test]
fn a_long_run_is_sampled_and_says_so() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        for _ in 0..60_000 {
            seedloop::task::yield_now().await;
        }
        node::Builder::new("late").build();
        for _ in 0..60_000 {
            seedloop::task::yield_now().await;
        }
    });
    assert!(sim.trace().len() > 120_000);
    let html = sim.view_html().unwrap();
    assert!(html.len() <= 10 << 20, "{} bytes", html.len());
    let data = data_of(&html);
    let kept = data["events"].as_array().unwrap();
    assert!(
        kept.len() <= 100_000 && kept.len() > 50_000,
        "{}",
        kept.len()
    );
    assert_eq!(
        data["sampled"]["of"].as_u64(),
        Some(sim.trace().len() as u64)
    );
    // Every event but the polls is kept, with its index in the trace.
    let node_row = kept
        .iter()
        .find(|r| r[1] == "node")
        .expect("the node event");
    let i = node_row[5].as_u64().unwrap() as usize;
    assert!(matches!(
        sim.trace().events()[i].kind,
        EventKind::Node { .. }
    ));
}

#[test]
fn a_one_way_cut_made_before_a_two_way_one_keeps_its_start() {
    let mut sim = Sim::builder().seed(17).record_trace(true).build();
    sim.block_on(async {
        node::Builder::new("a").build();
        node::Builder::new("b").build();
        let ms = Duration::from_millis(1);
        net::partition_oneway("a", "b");
        seedloop::sleep(ms).await;
        net::partition("a", "b");
        seedloop::sleep(ms).await;
        net::repair_oneway("b", "a"); // a -> b stays cut, as it was from 0
        seedloop::sleep(ms).await;
        net::repair_all();
    });
    let data = data_of(&sim.view_html().unwrap());
    let (a, b) = (node_id(&data, "a"), node_id(&data, "b"));
    let spans: Vec<(Value, u64, u64)> = data["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["nodes"].clone(),
                x["t0"].as_u64().unwrap(),
                x["t1"].as_u64().unwrap(),
            )
        })
        .collect();
    let ms = 1_000_000;
    assert!(
        spans.contains(&(serde_json::json!([a, b]), 0, 3 * ms)),
        "{spans:?}"
    );
    assert!(
        spans.contains(&(serde_json::json!([a, b]), ms, 2 * ms)),
        "the two-way cut: {spans:?}"
    );
    assert_eq!(spans.len(), 2, "{spans:?}");
}

#[test]
fn packets_let_go_without_an_event_end_as_dropped() {
    // Held for a paused node that is then killed: the transport lets the
    // datagram go when the node dies.
    let mut sim = Sim::builder().seed(18).record_trace(true).build();
    sim.block_on(async {
        node::Builder::new("b").build();
        node::pause("b");
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        s.send_to(b"held", "b:9").await.unwrap();
        seedloop::sleep(Duration::from_millis(50)).await;
        node::kill("b");
        seedloop::sleep(Duration::from_millis(50)).await;
    });
    let data = data_of(&sim.view_html().unwrap());
    let m = &messages(&data)[0];
    assert_eq!(m["fate"], "dropped", "{m:?}");
    assert_eq!(m["t1"].as_u64(), Some(50_000_000));
    // A segment stalled behind a partition that outlasts the timeout: the
    // connection breaks and its segments go.
    let mut sim = Sim::builder()
        .seed(19)
        .record_trace(true)
        .net(NetConfig::new().partition_timeout(Duration::from_secs(1)))
        .build();
    sim.block_on(async {
        node::Builder::new("srv")
            .init(|| async {
                let l = net::TcpListener::bind("0.0.0.0:80").await.unwrap();
                let (_s, _) = l.accept().await.unwrap();
                std::future::pending::<()>().await;
            })
            .build();
        seedloop::sleep(Duration::from_millis(1)).await;
        let mut c = net::TcpStream::connect("srv:80").await.unwrap();
        net::partition("main", "srv");
        use futures::AsyncWriteExt;
        let _ = c.write_all(b"stalled").await;
        seedloop::sleep(Duration::from_secs(2)).await;
    });
    let data = data_of(&sim.view_html().unwrap());
    let stalled: Vec<Value> = messages(&data)
        .into_iter()
        .filter(|m| m["len"] == 7)
        .collect();
    assert_eq!(stalled.len(), 1, "{stalled:?}");
    assert_eq!(stalled[0]["fate"], "dropped", "{stalled:?}");
    assert!(stalled[0]["t1"].as_u64().unwrap() >= 1_000_000_000);
}

#[test]
fn a_packet_event_is_on_the_lane_where_it_happened() {
    let mut sim = Sim::builder().seed(22).record_trace(true).build();
    sim.block_on(async {
        node::Builder::new("b").build(); // no socket on port 9
        let s = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        s.send_to(b"nobody", "b:9").await.unwrap();
        seedloop::sleep(Duration::from_secs(1)).await;
    });
    let data = data_of(&sim.view_html().unwrap());
    let (main, b) = (node_id(&data, "main"), node_id(&data, "b"));
    let lane_of = |fate: &str| {
        let row = data["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[1] == "packet" && r[4].as_str().unwrap().ends_with(fate))
            .unwrap_or_else(|| panic!("no {fate} packet event"));
        row[3].as_u64().unwrap()
    };
    assert_eq!(lane_of(" sent"), main);
    assert_eq!(
        lane_of(" dropped"),
        b,
        "dropped on arrival: no socket there"
    );
}

#[test]
fn the_failure_is_the_panic_not_what_the_main_futures_drop_did() {
    let mut sim = Sim::builder()
        .seed(20)
        .record_trace(true)
        .print_panics(false)
        .build();
    let _ = sim.try_block_on(async {
        node::Builder::new("srv")
            .init(|| async {
                let l = net::TcpListener::bind("0.0.0.0:80").await.unwrap();
                loop {
                    let _ = l.accept().await.unwrap();
                }
            })
            .build();
        seedloop::sleep(Duration::from_millis(1)).await;
        // Dropped with the main future, after the panic: a FIN is sent then.
        let _conn = net::TcpStream::connect("srv:80").await.unwrap();
        seedloop::spawn(async { panic!("first") }).await.unwrap();
    });
    let data = data_of(&sim.view_html().unwrap());
    let i = data["failure"]["event"].as_u64().unwrap() as usize;
    assert!(
        matches!(sim.trace().events()[i].kind, EventKind::Panic { .. }),
        "{}",
        sim.trace().events()[i]
    );
    assert!(i + 1 < sim.trace().len(), "the drop's events come after it");
    // A later passing block_on clears it.
    sim.block_on(async {});
    assert_eq!(data_of(&sim.view_html().unwrap())["failure"], Value::Null);
}

#[test]
fn a_run_of_mostly_non_poll_events_is_sampled_evenly() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        for _ in 0..70_000 {
            seedloop::sleep(Duration::from_millis(1)).await;
        }
    });
    let data = data_of(&sim.view_html().unwrap());
    let kept = data["events"].as_array().unwrap();
    assert!(kept.len() <= 100_000, "{}", kept.len());
    assert!(
        data["sampled"]["why"]
            .as_str()
            .unwrap()
            .starts_with("one event in")
    );
    // Rows carry their step, increasing, and point at the right events.
    let mut last = None;
    for row in kept {
        let step = row[5].as_u64().unwrap() as usize;
        assert!(last < Some(step));
        last = Some(step);
        assert_eq!(
            row[0].as_u64().unwrap(),
            sim.trace().events()[step].time.as_nanos() as u64
        );
    }
}

#[test]
fn a_recorded_sim_draws_even_before_its_events_are_collected() {
    let sim = Sim::builder().record_trace(true).build();
    let _task = sim.spawn(async {});
    assert!(sim.view_html().is_ok());
}
