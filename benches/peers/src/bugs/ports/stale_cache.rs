//! shuttle port of `tests/bugs/stale_cache.rs`: on a miss the reader loads
//! the value from the database, then fills the cache; the writer updates the
//! database, then invalidates the cache. Both of the writer's steps can land
//! between the reader's load and its fill.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | reader and writer tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `Mutex::lock().await` on the database and on the cache | `shuttle::sync::Mutex::lock` |

use std::sync::Arc;

use shuttle::sync::Mutex;
use shuttle::thread;

#[derive(Default)]
struct Cache {
    value: Option<u32>,
    generation: u64,
}

struct Store {
    db: Mutex<u32>,
    cache: Mutex<Cache>,
}

fn read_through(store: &Store, lease: bool) {
    let generation = store.cache.lock().unwrap().generation;
    let loaded = *store.db.lock().unwrap(); // miss: load from the database
    let mut cache = store.cache.lock().unwrap(); // the writer may run here
    if !lease || cache.generation == generation {
        cache.value = Some(loaded);
    }
}

fn write(store: &Store) {
    *store.db.lock().unwrap() = 2;
    let mut cache = store.cache.lock().unwrap();
    cache.value = None; // invalidate
    cache.generation += 1;
}

fn race(lease: bool) {
    let store = Arc::new(Store {
        db: Mutex::new(1),
        cache: Mutex::default(),
    });
    let s = store.clone();
    let reader = thread::spawn(move || read_through(&s, lease));
    let s = store.clone();
    let writer = thread::spawn(move || write(&s));
    reader.join().unwrap();
    writer.join().unwrap();
    let (cached, stored) = (store.cache.lock().unwrap().value, *store.db.lock().unwrap());
    assert!(
        cached.is_none_or(|v| v == stored),
        "stale cache: {cached:?} cached, {stored} stored"
    );
}

/// The buggy program.
pub fn body() {
    race(false);
}

/// The fixed program.
pub fn fixed() {
    race(true);
}
