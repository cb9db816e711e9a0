//! **A synced log segment that vanished.** The `db` node writes each batch
//! of puts to a new log segment, `/wal/000N.seg`: it creates the file,
//! writes the batch, `sync_data`s it and acknowledges the batch. The data is
//! durable, but the new file's directory entry is not: nothing synced
//! `/wal`. A crash of the node (a fault planted with `buggify!`, after the
//! 1st, 2nd or 3rd batch) can lose the entry, and a file that no entry
//! reaches is cleaned up: an acknowledged batch is gone, whole.
//!
//! **Fix:** `sync_dir` the segment's directory once the segment is
//! created, before acknowledging anything stored in it.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::rc::Rc;
use std::time::Duration;

use futures::AsyncWriteExt;
use seedloop::fs::{self, File};
use seedloop::{node, sleep};

const BATCHES: u32 = 3;
/// A batch is flushed every 10 ms.
const EVERY: Duration = Duration::from_millis(10);

fn segment(n: u32) -> String {
    format!("/wal/{n:04}.seg")
}

fn batch(n: u32) -> String {
    (0..3).map(|i| format!("put k{n}.{i} v{i}\n")).collect()
}

/// The server: one new segment per batch, synced, then acknowledged.
async fn server(acked: Rc<RefCell<Vec<u32>>>, sync_dir: bool) {
    // The log's directory is durable before the first batch.
    fs::create_dir("/wal").await.unwrap();
    fs::sync_dir("/").await.unwrap();
    for n in 0..BATCHES {
        sleep(EVERY).await;
        let mut seg = File::create(segment(n)).await.unwrap();
        seg.write_all(batch(n).as_bytes()).await.unwrap();
        seg.sync_data().await.unwrap();
        if sync_dir {
            fs::sync_dir("/wal").await.unwrap();
        }
        acked.borrow_mut().push(n);
    }
}

async fn store(sync_dir: bool) {
    // The nemesis plans its fault up front: a crash after batch 1 to 3, or none.
    let crash_after = (1..=BATCHES).find(|_| seedloop::buggify!());
    let db = node::Builder::new("db").build();
    let acked = Rc::new(RefCell::new(Vec::new()));
    let server = node::spawn_on(db, server(acked.clone(), sync_dir));
    if let Some(n) = crash_after {
        sleep(EVERY * n + EVERY / 2).await;
        node::restart(db);
    }
    let _ = server.await; // done, or killed by the crash
    let acked = acked.borrow().clone();
    for n in acked {
        let read = node::spawn_on(db, fs::read_to_string(segment(n)))
            .await
            .unwrap();
        match read {
            Ok(text) => assert_eq!(text, batch(n), "segment {n} holds another batch"),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                panic!(
                    "acknowledged segment vanished: {} is gone after the crash",
                    segment(n)
                )
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// The buggy program.
pub async fn body() {
    store(false).await;
}

/// The fixed program.
pub async fn fixed() {
    store(true).await;
}
