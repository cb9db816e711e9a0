//! **An fsync failure retried (fsyncgate).** The `db` node appends each
//! record to its log and syncs it before acknowledging; its disk fails one
//! operation in ten with EIO, and the node retries every failed operation.
//! For a write that is right: a failed write changed nothing. For
//! `sync_data` it is not: a failed sync drops the file's pending writes
//! (Linux since fsyncgate), so the retried sync has nothing left to save
//! and returns `Ok`. The record is acknowledged while only the page cache
//! holds it, and a crash of the node (a fault planted with `buggify!`,
//! after the 1st to 4th record) loses it.
//!
//! **Fix:** treat a failed fsync as data lost: write the record again from
//! the node's own copy, at its offset, and sync again (PostgreSQL crashes
//! and replays its WAL instead).

use std::cell::RefCell;
use std::io::{self, SeekFrom};
use std::rc::Rc;
use std::time::Duration;

use futures::{AsyncSeekExt, AsyncWriteExt};
use seedloop::fs::{self, DiskConfig, File};
use seedloop::{node, sleep};

const RECORDS: u32 = 4;
/// A record arrives every 10 ms.
const EVERY: Duration = Duration::from_millis(10);

fn record(i: u32) -> String {
    format!("record {i}\n")
}

/// Retries an operation that failed with an injected EIO (kind `Other`).
macro_rules! retry {
    ($op:expr) => {
        loop {
            match $op.await {
                Ok(v) => break v,
                Err(e) if e.kind() == io::ErrorKind::Other => {}
                Err(e) => panic!("{e}"),
            }
        }
    };
}

/// Writes `bytes` at `offset`, retrying: a failed write changes nothing.
async fn write_at(log: &mut File, offset: u64, bytes: &[u8]) {
    log.seek(SeekFrom::Start(offset)).await.unwrap();
    retry!(log.write_all(bytes));
}

/// The server: appends each record, syncs it, then acknowledges it.
async fn server(acked: Rc<RefCell<Vec<u32>>>, rewrite: bool) {
    // The log and its entry are durable before the first record.
    let mut log = retry!(File::options().write(true).create(true).open("/log"));
    retry!(log.sync_all());
    retry!(fs::sync_dir("/"));
    let mut end = 0;
    for i in 0..RECORDS {
        sleep(EVERY).await;
        let bytes = record(i).into_bytes();
        write_at(&mut log, end, &bytes).await;
        while let Err(e) = log.sync_data().await {
            assert_eq!(e.kind(), io::ErrorKind::Other, "{e}");
            if rewrite {
                // The failed sync dropped the record's pages: write it again.
                write_at(&mut log, end, &bytes).await;
            }
        }
        end += bytes.len() as u64;
        acked.borrow_mut().push(i);
    }
}

async fn store(rewrite: bool) {
    // The nemesis plans its fault up front: a crash after record 1 to 4, or none.
    let crash_after = (1..=RECORDS).find(|_| seedloop::buggify!());
    let db = node::Builder::new("db")
        .disk(DiskConfig::new().io_error(0.1))
        .build();
    let acked = Rc::new(RefCell::new(Vec::new()));
    let server = node::spawn_on(db, server(acked.clone(), rewrite));
    if let Some(n) = crash_after {
        sleep(EVERY * n + EVERY / 2).await;
        node::restart(db);
    }
    let _ = server.await; // done, or killed by the crash
    let log = node::spawn_on(db, async { retry!(fs::read("/log")) })
        .await
        .unwrap();
    let expected: String = acked.borrow().iter().map(|&i| record(i)).collect();
    assert!(
        log.starts_with(expected.as_bytes()),
        "an acknowledged record was lost after a failed fsync: the log holds {:?}, {:?} was acknowledged",
        String::from_utf8_lossy(&log),
        expected
    );
}

/// The buggy program.
pub async fn body() {
    store(false).await;
}

/// The fixed program.
pub async fn fixed() {
    store(true).await;
}
