//! **Double-checked initialisation without the second check.** Two requests
//! want the shared database connection. Each checks the cache; on a miss
//! it takes the init lock and opens a connection. The check after taking
//! the lock is missing: a request that missed the cache, then waited for
//! the lock, opens a second connection and overwrites the first (leaking
//! it).
//!
//! **Fix:** check the cache again once the lock is held.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use seedloop::sync::Mutex;

#[derive(Default)]
struct Pool {
    conn: RefCell<Option<u32>>,
    init: Mutex<()>,
    opened: Cell<u32>,
}

impl Pool {
    fn open(&self) -> u32 {
        self.opened.set(self.opened.get() + 1);
        *self.conn.borrow_mut() = Some(self.opened.get());
        self.opened.get()
    }

    async fn connection(&self) -> u32 {
        if let Some(conn) = *self.conn.borrow() {
            return conn;
        }
        let _init = self.init.lock().await;
        self.open() // another request may have opened one meanwhile
    }

    async fn connection_fixed(&self) -> u32 {
        if let Some(conn) = *self.conn.borrow() {
            return conn;
        }
        let _init = self.init.lock().await;
        if let Some(conn) = *self.conn.borrow() {
            return conn; // the second check
        }
        self.open()
    }
}

async fn two_requests(fixed: bool) {
    let pool = Rc::new(Pool::default());
    let request = || {
        let pool = pool.clone();
        seedloop::spawn(async move {
            if fixed {
                pool.connection_fixed().await
            } else {
                pool.connection().await
            }
        })
    };
    let (a, b) = (request(), request());
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(pool.opened.get(), 1, "the connection was opened twice");
    assert_eq!(a, b);
}

/// The buggy program.
pub async fn body() {
    two_requests(false).await;
}

/// The fixed program.
pub async fn fixed() {
    two_requests(true).await;
}
