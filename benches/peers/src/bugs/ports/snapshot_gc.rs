//! shuttle port of `tests/bugs/snapshot_gc.rs`: a reader takes the latest
//! version number, logs to the audit lock, then reads that version; the
//! writer publishes two more versions, each after a round trip to the
//! replicator, and the store keeps only the last two.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | reader and replicator tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Rc<RefCell<Store>>` (no switch point) | `std::sync::Mutex`, never held across a shuttle operation |
//! | `Mutex::lock().await` on the audit log | `shuttle::sync::Mutex::lock` |
//! | `mpsc::channel(1)`: `send().await`, `recv().await` | `shuttle::sync::mpsc::sync_channel(1)` |
//! | `oneshot::channel()`: `send` (sync), receiver `.await` | a one-use `shuttle::sync::mpsc::channel()`: `send`, `recv` |
//!
//! shuttle has no oneshot channel; an unbounded channel used once is one.
//! Its `send` is a scheduling point where seedloop's oneshot `send` is not:
//! every shuttle channel operation is one.

use std::collections::BTreeMap;
use std::sync::Arc;

use shuttle::sync::{Mutex, mpsc};
use shuttle::thread;

#[derive(Default)]
struct Store {
    versions: BTreeMap<u64, String>,
    pinned: Option<u64>,
}

impl Store {
    fn publish(&mut self, version: u64) {
        self.versions.insert(version, format!("v{version}"));
        let old: Vec<u64> = self.versions.keys().rev().skip(2).copied().collect();
        for v in old.into_iter().filter(|v| Some(*v) != self.pinned) {
            self.versions.remove(&v); // keep the last two (and the pinned one)
        }
    }
}

fn mvcc(pin: bool) {
    let store = Arc::new(std::sync::Mutex::new(Store::default()));
    store.lock().unwrap().publish(0);
    let (s, audit) = (store.clone(), Mutex::new(Vec::new()));
    let reader = thread::spawn(move || {
        let version = *s.lock().unwrap().versions.keys().last().unwrap();
        if pin {
            s.lock().unwrap().pinned = Some(version);
        }
        audit.lock().unwrap().push(format!("read at {version}")); // starved here
        let data = s.lock().unwrap().versions.get(&version).cloned();
        data.unwrap_or_else(|| panic!("snapshot {version} collected while in use"));
        s.lock().unwrap().pinned = None;
    });
    let (tx, rx) = mpsc::sync_channel::<mpsc::Sender<()>>(1);
    let replicator = thread::spawn(move || {
        while let Ok(ack) = rx.recv() {
            ack.send(()).unwrap();
        }
    });
    for version in 1..=2 {
        let (ack, acked) = mpsc::channel();
        tx.send(ack).unwrap();
        acked.recv().unwrap(); // a round trip to the replicator
        store.lock().unwrap().publish(version);
    }
    drop(tx);
    reader.join().unwrap();
    replicator.join().unwrap();
}

/// The buggy program.
pub fn body() {
    mvcc(false);
}

/// The fixed program.
pub fn fixed() {
    mvcc(true);
}
