//! **A torn two-field update.** A config holds the primary database's host
//! and port. On failover the updater writes the host and the port in two
//! separate write-locked sections (two awaits). A reader that takes the
//! read lock in between sees the new host with the old port, and connects
//! to an address that never existed.
//!
//! **Fix:** update both fields under one write lock (or swap in a whole new
//! value), so that no reader can observe half of the update.

use std::rc::Rc;

use seedloop::sync::RwLock;

struct Primary {
    host: &'static str,
    port: u16,
}

async fn failover(update: impl AsyncFnOnce(&RwLock<Primary>) + 'static) {
    let primary = Rc::new(RwLock::new(Primary {
        host: "db-a",
        port: 5432,
    }));
    let p = primary.clone();
    let updater = seedloop::spawn(async move { update(&p).await });
    let reader = seedloop::spawn(async move {
        let p = primary.read().await;
        let addr = format!("{}:{}", p.host, p.port);
        assert!(
            addr == "db-a:5432" || addr == "db-b:6432",
            "torn read: connecting to {addr}"
        );
    });
    updater.await.unwrap();
    reader.await.unwrap();
}

/// The buggy program.
pub async fn body() {
    failover(async |p| {
        p.write().await.host = "db-b";
        p.write().await.port = 6432; // a reader may run between the two
    })
    .await;
}

/// The fixed program.
pub async fn fixed() {
    failover(async |p| {
        let mut primary = p.write().await;
        (primary.host, primary.port) = ("db-b", 6432);
    })
    .await;
}
