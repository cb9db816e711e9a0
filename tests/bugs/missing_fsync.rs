//! **An acknowledged put lost in a crash.** The `db` node appends each put
//! to its log, `/kv.log`, and acknowledges it as soon as the write returns.
//! The write is in the page cache, not on the platter: nothing synced it. A
//! crash of the node (a fault planted with `buggify!`, after the 1st, 2nd,
//! 3rd or 4th put) keeps each pending write or loses it, and the client,
//! reading back what it was told is stored, misses a put.
//!
//! **Fix:** `sync_data` the log before acknowledging the put.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::AsyncWriteExt;
use seedloop::fs::{self, File};
use seedloop::{node, sleep};

const PUTS: u32 = 4;
/// A put arrives every 10 ms.
const EVERY: Duration = Duration::from_millis(10);

fn entry(i: u32) -> String {
    format!("put k{i} v{i}\n")
}

/// The server: appends each put to the log, then acknowledges it.
async fn server(acked: Rc<RefCell<Vec<u32>>>, sync: bool) {
    // The log and its entry are durable before the first put.
    let mut log = File::options()
        .append(true)
        .create(true)
        .open("/kv.log")
        .await
        .unwrap();
    log.sync_all().await.unwrap();
    fs::sync_dir("/").await.unwrap();
    for i in 0..PUTS {
        sleep(EVERY).await;
        log.write_all(entry(i).as_bytes()).await.unwrap();
        if sync {
            log.sync_data().await.unwrap();
        }
        acked.borrow_mut().push(i);
    }
}

async fn store(sync: bool) {
    // The nemesis plans its fault up front: a crash after put 1 to 4, or none.
    let crash_after = (1..=PUTS).find(|_| seedloop::buggify!());
    let db = node::Builder::new("db").build();
    let acked = Rc::new(RefCell::new(Vec::new()));
    let server = node::spawn_on(db, server(acked.clone(), sync));
    if let Some(n) = crash_after {
        sleep(EVERY * n + EVERY / 2).await;
        node::restart(db);
    }
    let _ = server.await; // done, or killed by the crash
    let log = node::spawn_on(db, fs::read_to_string("/kv.log"))
        .await
        .unwrap()
        .unwrap();
    for &i in acked.borrow().iter() {
        assert!(
            log.contains(&entry(i)),
            "acknowledged put lost: k{i} is not in the log after the crash"
        );
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
