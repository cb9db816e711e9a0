//! shuttle port of `tests/bugs/torn_read.rs`: on failover the updater writes
//! the primary's host and port in two separate write-locked sections; a
//! reader may take the read lock in between.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | updater and reader tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `RwLock::write().await`, `RwLock::read().await` | `shuttle::sync::RwLock::write`, `read` |

use std::sync::Arc;

use shuttle::sync::RwLock;
use shuttle::thread;

struct Primary {
    host: &'static str,
    port: u16,
}

fn failover(update: fn(&RwLock<Primary>)) {
    let primary = Arc::new(RwLock::new(Primary {
        host: "db-a",
        port: 5432,
    }));
    let p = primary.clone();
    let updater = thread::spawn(move || update(&p));
    let reader = thread::spawn(move || {
        let p = primary.read().unwrap();
        let addr = format!("{}:{}", p.host, p.port);
        assert!(
            addr == "db-a:5432" || addr == "db-b:6432",
            "torn read: connecting to {addr}"
        );
    });
    updater.join().unwrap();
    reader.join().unwrap();
}

/// The buggy program.
pub fn body() {
    failover(|p| {
        p.write().unwrap().host = "db-b";
        p.write().unwrap().port = 6432; // a reader may run between the two
    });
}

/// The fixed program.
pub fn fixed() {
    failover(|p| {
        let mut primary = p.write().unwrap();
        (primary.host, primary.port) = ("db-b", 6432);
    });
}
