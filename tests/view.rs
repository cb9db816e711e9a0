//! The view of a run (`Sim::write_view`, the explorer's `view:` line): the
//! data it draws, checked against the trace, and the page itself, loaded
//! in a real headless Chromium (its DOM after load, driven through the
//! address's filter and zoom, and a screenshot that must not be blank).
//!
//! The browser tests need `chromium`. `.ci/run` installs it and sets
//! `SEEDLOOP_BROWSER_TESTS=1`, which makes a missing browser a failure; a
//! plain `cargo test` on a machine without one says it skips them.
//!
//! One test binary; the tests are in `tests/view/`, one module per subject.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use seedloop::check::{
    self, History,
    models::{Register, RegisterOp, RegisterRet},
};
use seedloop::explore::Explorer;
use seedloop::net::{self, NetConfig, UdpSocket};
use seedloop::node;
use seedloop::trace::{EventKind, PacketFate};
use seedloop::view::WriteViewError;
use seedloop::{Sim, Strategy, Tape};
use serde_json::Value;

#[path = "view/browser.rs"]
mod browser;
#[path = "view/data.rs"]
mod data;
#[path = "view/explorer.rs"]
mod explorer;

// --- runs to draw -------------------------------------------------------------

/// A small distributed run: a server and a replica answer a client over
/// UDP; a partition cuts the replica off for a while (its packets are
/// dropped), the replica is killed and restarted, the server paused and
/// resumed, and the run ends with a panic in a task on the server.
async fn partition_story() {
    for name in ["server", "replica"] {
        node::Builder::new(name)
            .init(|| async {
                let s = UdpSocket::bind("0.0.0.0:9").await.unwrap();
                let mut buf = [0; 64];
                loop {
                    let (n, from) = s.recv_from(&mut buf).await.unwrap();
                    s.send_to(&buf[..n], from).await.unwrap();
                }
            })
            .build();
    }
    seedloop::sleep(Duration::from_millis(1)).await;
    let client = UdpSocket::bind("0.0.0.0:0").await.unwrap();
    let mut buf = [0; 64];
    for i in 0..3u8 {
        client.send_to(&[i], "server:9").await.unwrap();
        client.recv_from(&mut buf).await.unwrap();
    }
    net::partition("main", "replica");
    client.send_to(b"lost", "replica:9").await.unwrap();
    seedloop::sleep(Duration::from_millis(20)).await;
    net::repair("main", "replica");
    client.send_to(b"back", "replica:9").await.unwrap();
    client.recv_from(&mut buf).await.unwrap();
    node::kill("replica");
    node::restart("replica");
    node::pause("server");
    seedloop::sleep(Duration::from_millis(5)).await;
    node::resume("server");
    // A task spawned from a task on the server runs on the server.
    node::spawn_on("server", async {
        seedloop::task::Builder::new()
            .name("checker")
            .spawn(async { panic!("replica diverged") })
            .await
            .unwrap();
    })
    .await
    .unwrap();
}

fn recorded(seed: u64) -> Sim {
    let mut sim = Sim::builder()
        .seed(seed)
        .record_trace(true)
        .print_panics(false)
        .build();
    let err = sim.try_block_on(partition_story()).unwrap_err();
    assert!(err.to_string().contains("replica diverged"), "{err}");
    sim
}

/// The JSON the page carries.
fn data_of(html: &str) -> Value {
    let open = "<script id=\"data\" type=\"application/json\">";
    let start = html.find(open).expect("the data element") + open.len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end]).expect("the data is JSON")
}

fn delivered_packets(sim: &Sim) -> usize {
    sim.trace()
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Packet {
                    fate: PacketFate::Delivered,
                    ..
                } | EventKind::Control {
                    fate: PacketFate::Delivered,
                    ..
                }
            )
        })
        .count()
}

/// The rows of `data[key]` as objects with these keys.
fn rows(data: &Value, key: &str, keys: &[&str]) -> Vec<Value> {
    data[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let row = row.as_array().unwrap();
            assert_eq!(row.len(), keys.len(), "a {key} row");
            Value::Object(
                keys.iter()
                    .map(|k| k.to_string())
                    .zip(row.iter().cloned())
                    .collect(),
            )
        })
        .collect()
}

/// The messages: rows `[id, from, to, t0, t1, sent, recv, fate, proto,
/// len, dup, label]`.
fn messages(data: &Value) -> Vec<Value> {
    let keys = [
        "id", "from", "to", "t0", "t1", "sent", "recv", "fate", "proto", "len", "dup", "label",
    ];
    rows(data, "messages", &keys)
}

/// The non-zero choices: rows `[event, t, task, node, kind, value, of, tape]`.
fn choices(data: &Value) -> Vec<Value> {
    let keys = ["event", "t", "task", "node", "kind", "value", "of", "tape"];
    rows(data, "choices", &keys)
}

fn node_id(data: &Value, name: &str) -> u64 {
    data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("no lane {name}"))["id"]
        .as_u64()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("seedloop-view-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}
