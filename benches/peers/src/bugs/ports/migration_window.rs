//! shuttle port of `tests/bugs/migration_window.rs` (a long program): the
//! mover copies a key from shard A to shard B in 14 rounds, deletes it from
//! A, persists B in 6 more rounds, and only then points the router at B; a
//! reader that looks the key up during those 6 rounds misses it.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | mover and reader tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `RefCell<BTreeMap>` shards, `Cell<Shard>` router (no switch point) | `std::sync::Mutex`es, never held across a shuttle operation |
//! | `task::yield_now().await` (one per round) | `shuttle::thread::yield_now()` |
//!
//! As in `unbounded_backlog`, shuttle's PCT lowers the priority of a thread
//! that calls `yield_now`; the `*_plain_switch` variants use
//! `shuttle::thread::sleep(Duration::ZERO)`, a scheduling point without that
//! hint.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use shuttle::thread;

const COPY_ROUNDS: u32 = 14;
const PERSIST_ROUNDS: u32 = 6;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shard {
    A,
    B,
}

/// Plain shared state: each lock is released before the next shuttle operation.
struct Cluster {
    a: Mutex<BTreeMap<&'static str, u32>>,
    b: Mutex<BTreeMap<&'static str, u32>>,
    router: Mutex<Shard>,
}

impl Cluster {
    fn lookup(&self, key: &str) -> Option<u32> {
        let shard = match *self.router.lock().unwrap() {
            Shard::A => &self.a,
            Shard::B => &self.b,
        };
        shard.lock().unwrap().get(key).copied()
    }
}

fn rebalance(publish_first: bool, pause: fn()) {
    let cluster = Arc::new(Cluster {
        a: Mutex::new(BTreeMap::from([("user:7", 42)])),
        b: Mutex::new(BTreeMap::new()),
        router: Mutex::new(Shard::A),
    });
    let c = cluster.clone();
    let mover = thread::spawn(move || {
        for _ in 0..COPY_ROUNDS {
            pause(); // one chunk of the copy per round
        }
        c.b.lock().unwrap().insert("user:7", 42);
        if publish_first {
            *c.router.lock().unwrap() = Shard::B;
        }
        c.a.lock().unwrap().remove("user:7");
        for _ in 0..PERSIST_ROUNDS {
            pause(); // B's index persisted, one page per round
        }
        *c.router.lock().unwrap() = Shard::B;
    });
    let reader = thread::spawn(move || {
        assert_eq!(
            cluster.lookup("user:7"),
            Some(42),
            "key missing during the cutover"
        );
    });
    mover.join().unwrap();
    reader.join().unwrap();
}

/// The buggy program.
pub fn body() {
    rebalance(false, thread::yield_now);
}

/// The fixed program.
pub fn fixed() {
    rebalance(true, thread::yield_now);
}

/// The buggy program, `yield_now` ported as a plain switch.
pub fn body_plain_switch() {
    rebalance(false, super::plain_switch);
}

/// The fixed program, `yield_now` ported as a plain switch.
pub fn fixed_plain_switch() {
    rebalance(true, super::plain_switch);
}
