//! **A stale cache fill (a race between fill and invalidation).** On a miss
//! a reader loads the value from the database, then (after an await) fills
//! the cache. A writer updates the database, then invalidates the cache.
//! If the writer's update *and* invalidation both land between the
//! reader's load and its fill, the reader fills the cache with the old
//! value after the invalidation: the cache is stale until the next write,
//! which may never come (memcache's "stale sets", fixed there by leases).
//!
//! **Fix:** a lease: invalidation bumps a generation number; the reader
//! reads it before loading and fills only if it has not changed.

use std::rc::Rc;

use seedloop::sync::Mutex;

#[derive(Default)]
struct Cache {
    value: Option<u32>,
    generation: u64,
}

struct Store {
    db: Mutex<u32>,
    cache: Mutex<Cache>,
}

async fn read_through(store: &Store, lease: bool) {
    let generation = store.cache.lock().await.generation;
    let loaded = *store.db.lock().await; // miss: load from the database
    let mut cache = store.cache.lock().await; // the writer may run here
    if !lease || cache.generation == generation {
        cache.value = Some(loaded);
    }
}

async fn write(store: &Store) {
    *store.db.lock().await = 2;
    let mut cache = store.cache.lock().await;
    cache.value = None; // invalidate
    cache.generation += 1;
}

async fn race(lease: bool) {
    let store = Rc::new(Store {
        db: Mutex::new(1),
        cache: Mutex::default(),
    });
    let s = store.clone();
    let reader = seedloop::spawn(async move { read_through(&s, lease).await });
    let s = store.clone();
    let writer = seedloop::spawn(async move { write(&s).await });
    reader.await.unwrap();
    writer.await.unwrap();
    let (cached, stored) = (store.cache.lock().await.value, *store.db.lock().await);
    assert!(
        cached.is_none_or(|v| v == stored),
        "stale cache: {cached:?} cached, {stored} stored"
    );
}

/// The buggy program.
pub async fn body() {
    race(false).await;
}

/// The fixed program.
pub async fn fixed() {
    race(true).await;
}
