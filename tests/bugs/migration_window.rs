//! **A read inside a late, narrow window (a long program).** Rebalancing
//! moves a key from shard A to shard B. The mover copies the key's data to
//! B in 14 rounds while A keeps serving, then deletes the key from A and
//! spends 6 more rounds persisting B before it points the router at B. A
//! reader that routes its lookup during those 6 rounds is sent to A, which
//! no longer has the key. In the plain run the reader looks up at the
//! mover's first yield and finds the key in A.
//!
//! `Random` must keep the reader off the processor for the mover's first
//! 14 yields (about 2^-15 per run); `Pct` needs the mover's priority above
//! the reader's and one change point inside the window (depth 2).
//!
//! **Fix:** point the router at B before deleting the key from A: at every
//! moment the router names a shard that holds the key.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use seedloop::task::yield_now;

const COPY_ROUNDS: u32 = 14;
const PERSIST_ROUNDS: u32 = 6;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shard {
    A,
    B,
}

struct Cluster {
    a: RefCell<BTreeMap<&'static str, u32>>,
    b: RefCell<BTreeMap<&'static str, u32>>,
    router: Cell<Shard>,
}

impl Cluster {
    fn lookup(&self, key: &str) -> Option<u32> {
        let shard = match self.router.get() {
            Shard::A => &self.a,
            Shard::B => &self.b,
        };
        shard.borrow().get(key).copied()
    }
}

async fn rebalance(publish_first: bool) {
    let cluster = Rc::new(Cluster {
        a: RefCell::new(BTreeMap::from([("user:7", 42)])),
        b: RefCell::new(BTreeMap::new()),
        router: Cell::new(Shard::A),
    });
    let c = cluster.clone();
    let mover = seedloop::spawn(async move {
        for _ in 0..COPY_ROUNDS {
            yield_now().await; // one chunk of the copy per round
        }
        c.b.borrow_mut().insert("user:7", 42);
        if publish_first {
            c.router.set(Shard::B);
        }
        c.a.borrow_mut().remove("user:7");
        for _ in 0..PERSIST_ROUNDS {
            yield_now().await; // B's index persisted, one page per round
        }
        c.router.set(Shard::B);
    });
    let reader = seedloop::spawn(async move {
        assert_eq!(
            cluster.lookup("user:7"),
            Some(42),
            "key missing during the cutover"
        );
    });
    mover.await.unwrap();
    reader.await.unwrap();
}

/// The buggy program.
pub async fn body() {
    rebalance(false).await
}

/// The fixed program.
pub async fn fixed() {
    rebalance(true).await
}
