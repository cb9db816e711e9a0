//! shuttle port of `tests/bugs/double_checked_init.rs`: two requests check
//! the connection cache and, on a miss, open a connection under the init
//! lock, without checking the cache again once the lock is held.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | request tasks, `.await` on their handles | `shuttle::thread::spawn`, `join` |
//! | `RefCell<Option<u32>>` connection (no switch point) | `std::sync::Mutex`, never held across a shuttle operation |
//! | `Cell<u32>` open counter | `AtomicU32` |
//! | `Mutex::lock().await` on the init lock | `shuttle::sync::Mutex::lock` |

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use shuttle::sync::Mutex;
use shuttle::thread;

#[derive(Default)]
struct Pool {
    conn: std::sync::Mutex<Option<u32>>,
    init: Mutex<()>,
    opened: AtomicU32,
}

impl Pool {
    fn cached(&self) -> Option<u32> {
        *self.conn.lock().unwrap()
    }

    fn open(&self) -> u32 {
        let opened = self.opened.fetch_add(1, Ordering::SeqCst) + 1;
        *self.conn.lock().unwrap() = Some(opened);
        opened
    }

    fn connection(&self) -> u32 {
        if let Some(conn) = self.cached() {
            return conn;
        }
        let _init = self.init.lock().unwrap();
        self.open() // another request may have opened one meanwhile
    }

    fn connection_fixed(&self) -> u32 {
        if let Some(conn) = self.cached() {
            return conn;
        }
        let _init = self.init.lock().unwrap();
        if let Some(conn) = self.cached() {
            return conn; // the second check
        }
        self.open()
    }
}

fn two_requests(fixed: bool) {
    let pool = Arc::new(Pool::default());
    let request = || {
        let pool = pool.clone();
        thread::spawn(move || {
            if fixed {
                pool.connection_fixed()
            } else {
                pool.connection()
            }
        })
    };
    let (a, b) = (request(), request());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(
        pool.opened.load(Ordering::SeqCst),
        1,
        "the connection was opened twice"
    );
    assert_eq!(a, b);
}

/// The buggy program.
pub fn body() {
    two_requests(false);
}

/// The fixed program.
pub fn fixed() {
    two_requests(true);
}
