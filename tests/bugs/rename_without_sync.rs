//! **A config saved empty.** The `db` node saves each new version of its
//! config with the atomic replace: it writes `/config.tmp`, renames it over
//! `/config`, syncs the directory and says "saved". The rename is durable,
//! but the new file's data never was: a crash of the node (a fault planted
//! with `buggify!`, after the 1st, 2nd or 3rd save) can keep the rename and
//! lose the writes, and after the restart `/config` is empty or half
//! written, neither the old config nor the new one.
//!
//! **Fix:** `sync_all` the temporary file before the rename.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::AsyncWriteExt;
use seedloop::fs::{self, File};
use seedloop::{node, sleep};

const VERSIONS: u32 = 3;
/// A new version is saved every 10 ms.
const EVERY: Duration = Duration::from_millis(10);

/// Version `v` of the config, in its two parts.
fn config(v: u32) -> [String; 2] {
    [
        format!("version = {v}\n"),
        format!("peers = a:{v}, b:{v}, c:{v}\n"),
    ]
}

/// Writes `/config` atomically: old or new contents after any crash.
async fn save(v: u32, sync_tmp: bool) {
    let mut tmp = File::create("/config.tmp").await.unwrap();
    for part in config(v) {
        tmp.write_all(part.as_bytes()).await.unwrap();
    }
    if sync_tmp {
        tmp.sync_all().await.unwrap();
    }
    drop(tmp);
    fs::rename("/config.tmp", "/config").await.unwrap();
    fs::sync_dir("/").await.unwrap();
}

/// The node: the first config is durable, then each new version is saved.
async fn server(saved: Rc<Cell<u32>>, sync_tmp: bool) {
    let mut first = File::create("/config").await.unwrap();
    first
        .write_all(config(0).concat().as_bytes())
        .await
        .unwrap();
    first.sync_all().await.unwrap();
    fs::sync_dir("/").await.unwrap();
    for v in 1..=VERSIONS {
        sleep(EVERY).await;
        save(v, sync_tmp).await;
        saved.set(v);
    }
}

async fn configure(sync_tmp: bool) {
    // The nemesis plans its fault up front: a crash after save 1 to 3, or none.
    let crash_after = (1..=VERSIONS).find(|_| seedloop::buggify!());
    let db = node::Builder::new("db").build();
    let saved = Rc::new(Cell::new(0));
    let server = node::spawn_on(db, server(saved.clone(), sync_tmp));
    if let Some(n) = crash_after {
        sleep(EVERY * n + EVERY / 2).await;
        node::restart(db);
    }
    let _ = server.await; // done, or killed by the crash
    let text = node::spawn_on(db, fs::read_to_string("/config"))
        .await
        .unwrap()
        .unwrap();
    // The version said saved, or a later one whose rename made it anyway.
    assert!(
        (saved.get()..=VERSIONS).any(|v| text == config(v).concat()),
        "the saved config is empty or partial after the crash: {text:?} (version {} was saved)",
        saved.get()
    );
}

/// The buggy program.
pub async fn body() {
    configure(false).await;
}

/// The fixed program.
pub async fn fixed() {
    configure(true).await;
}
