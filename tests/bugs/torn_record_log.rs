//! **A torn record read back as data.** The `db` node appends each record
//! to its log as it arrives, a 4-byte length and the payload, and syncs the
//! log every third record (group commit) before acknowledging the three.
//! The disk tears unsynced writes at 64-byte sectors. A crash of the node (a
//! fault planted with `buggify!`, between two records) can lose a sector of
//! an unsynced record and keep a later one: the log then holds zeros where
//! the lost sector was. Recovery reads records until one is short, and a
//! zero length is a well-formed, empty record: it recovers a record that
//! was never written (and whatever garbage follows it).
//!
//! **Fix:** a checksum per record (over its length and payload), and a
//! recovery that stops at the first record that is short or fails its
//! checksum: that is where the durable log ends.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::AsyncWriteExt;
use seedloop::fs::{self, DiskConfig, File};
use seedloop::{node, sleep};

const RECORDS: u32 = 9;
/// Records synced (and acknowledged) together.
const GROUP: u32 = 3;
/// A record arrives every millisecond.
const EVERY: Duration = Duration::from_millis(1);

fn payload(i: u32) -> Vec<u8> {
    format!("put k{i} {}", "v".repeat(60 + 7 * i as usize)).into_bytes()
}

/// FNV-1a, 32 bits: never 0 for the 4 zero bytes of an empty record.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A record as it goes into the log.
fn encode(payload: &[u8], checksummed: bool) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_le_bytes().to_vec();
    if checksummed {
        let mut summed = out.clone();
        summed.extend_from_slice(payload);
        out.extend_from_slice(&checksum(&summed).to_le_bytes());
    }
    out.extend_from_slice(payload);
    out
}

fn word(log: &[u8], at: usize) -> Option<u32> {
    let bytes = log.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().unwrap()))
}

/// The records of `log`, up to the first short one (or, checksummed, the
/// first that fails its checksum).
fn recover(log: &[u8], checksummed: bool) -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    let mut at = 0;
    while let Some(len) = word(log, at) {
        let header = if checksummed { 8 } else { 4 };
        let start = at + header;
        let Some(body) = start
            .checked_add(len as usize)
            .and_then(|end| log.get(start..end))
        else {
            break; // short: the tail of an unsynced append
        };
        if checksummed {
            let sum = word(log, at + 4);
            let mut summed = log[at..at + 4].to_vec();
            summed.extend_from_slice(body);
            if sum != Some(checksum(&summed)) {
                break; // torn: the durable log ends here
            }
        }
        records.push(body.to_vec());
        at = start + len as usize;
    }
    records
}

/// The server: appends each record as it arrives, syncs every `GROUP`.
async fn server(acked: Rc<Cell<u32>>, checksummed: bool) {
    let mut log = File::options()
        .append(true)
        .create(true)
        .open("/log")
        .await
        .unwrap();
    log.sync_all().await.unwrap();
    fs::sync_dir("/").await.unwrap();
    for i in 0..RECORDS {
        sleep(EVERY).await;
        log.write_all(&encode(&payload(i), checksummed))
            .await
            .unwrap();
        if (i + 1) % GROUP == 0 {
            log.sync_data().await.unwrap();
            acked.set(i + 1);
        }
    }
}

async fn store(checksummed: bool) {
    // The nemesis plans its fault up front: a crash after record 1 to 9, or none.
    let crash_after = (1..=RECORDS).find(|_| seedloop::buggify!());
    let db = node::Builder::new("db")
        .disk(DiskConfig::new().torn_writes(64))
        .build();
    let acked = Rc::new(Cell::new(0));
    let server = node::spawn_on(db, server(acked.clone(), checksummed));
    if let Some(n) = crash_after {
        sleep(EVERY * n + EVERY / 2).await;
        node::restart(db);
    }
    let _ = server.await; // done, or killed by the crash
    let log = node::spawn_on(db, fs::read("/log")).await.unwrap().unwrap();
    let records = recover(&log, checksummed);
    for (i, got) in records.iter().enumerate() {
        assert!(
            *got == payload(i as u32),
            "recovered a garbage record: record {i} reads {:?}",
            String::from_utf8_lossy(got)
        );
    }
    assert!(
        records.len() >= acked.get() as usize,
        "lost an acknowledged record: {} recovered, {} acknowledged",
        records.len(),
        acked.get()
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
