//! **A snapshot garbage-collected while in use.** A multi-version store
//! keeps the last two versions. A reader takes the latest version number,
//! awaits (the audit log), then reads that version. The writer publishes a
//! version only after the replicator acknowledges it, a round trip per
//! version. If the reader stays preempted through two whole round trips,
//! its version is collected before it reads it. Unlike the other bugs, this
//! one needs a task to be *starved* through several scheduling decisions,
//! not just preempted once.
//!
//! **Fix:** pin the snapshot while it is in use; collection skips pinned
//! versions.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use seedloop::sync::{Mutex, mpsc, oneshot};

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

async fn mvcc(pin: bool) {
    let store = Rc::new(RefCell::new(Store::default()));
    store.borrow_mut().publish(0);
    let (s, audit) = (store.clone(), Mutex::new(Vec::new()));
    let reader = seedloop::spawn(async move {
        let version = *s.borrow().versions.keys().last().unwrap();
        if pin {
            s.borrow_mut().pinned = Some(version);
        }
        audit.lock().await.push(format!("read at {version}")); // starved here
        let data = s.borrow().versions.get(&version).cloned();
        data.unwrap_or_else(|| panic!("snapshot {version} collected while in use"));
        s.borrow_mut().pinned = None;
    });
    let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(1);
    let replicator = seedloop::spawn(async move {
        while let Some(ack) = rx.recv().await {
            ack.send(()).unwrap();
        }
    });
    for version in 1..=2 {
        let (ack, acked) = oneshot::channel();
        tx.send(ack).await.unwrap();
        acked.await.unwrap(); // a round trip to the replicator
        store.borrow_mut().publish(version);
    }
    drop(tx);
    reader.await.unwrap();
    replicator.await.unwrap();
}

/// The buggy program.
pub async fn body() {
    mvcc(false).await;
}

/// The fixed program.
pub async fn fixed() {
    mvcc(true).await;
}
