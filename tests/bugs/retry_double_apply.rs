//! **A retry that re-applies a write whose acknowledgement was lost.** The
//! store appends the entry, then (a fault planted with `buggify!`) may fail
//! to acknowledge it. The client retries every error, so an entry that was
//! written but not acknowledged is appended twice.
//!
//! **Fix:** make the write idempotent: each entry carries its sequence
//! number, and the store ignores a number it already has.

use seedloop::sync::Mutex;

async fn append(log: &Mutex<Vec<u32>>, seq: u32, idempotent: bool) -> Result<(), &'static str> {
    let mut entries = log.lock().await;
    if !(idempotent && entries.contains(&seq)) {
        entries.push(seq);
    }
    drop(entries);
    if seedloop::buggify!() {
        return Err("timed out waiting for the acknowledgement"); // but it was written
    }
    Ok(())
}

async fn write_log(idempotent: bool) {
    let log = Mutex::new(Vec::new());
    for seq in 0..8 {
        while append(&log, seq, idempotent).await.is_err() {
            // retry
        }
    }
    let log = log.into_inner();
    assert_eq!(
        log,
        (0..8).collect::<Vec<_>>(),
        "an entry was applied twice"
    );
}

/// The buggy program.
pub async fn body() {
    write_log(false).await;
}

/// The fixed program.
pub async fn fixed() {
    write_log(true).await;
}
