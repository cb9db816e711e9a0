//! The bug suite (`tests/bugs/`) ported to shuttle, one module per bug, each
//! with the buggy program (`body`) and the fixed one (`fixed`).
//!
//! # How a seedloop program becomes a shuttle test
//!
//! **Threads, not futures.** Each seedloop task becomes a
//! `shuttle::thread::spawn` thread, and each `.await` on a seedloop primitive
//! becomes the matching *blocking* shuttle operation. shuttle's futures
//! executor (`shuttle::future`) has no async `Mutex`, `RwLock`, channels or
//! condition variable of its own; porting to it would mean writing those
//! primitives here, and then measuring our primitives rather than shuttle.
//! Its blocking primitives are the ones shuttle is built and tuned around,
//! and every operation on them is a shuttle scheduling point. Awaiting a
//! `JoinHandle` becomes `JoinHandle::join`.
//!
//! **Switch points.** seedloop's switch points (an uncontended `lock`, a
//! `send` with room, a `recv` with a message, `yield_now`) map to the shuttle
//! operation on the same primitive. shuttle has *more* scheduling points than
//! seedloop: before every lock *and* unlock, before every channel send
//! (unbounded too), before every spawn and before a thread exits. Those come
//! with the primitive and are shuttle's model; we add none of our own.
//!
//! **Plain state.** What seedloop keeps in `Rc<Cell>`/`Rc<RefCell>` (no switch
//! point) is kept in `std::sync::atomic` types or in a `std::sync::Mutex`
//! that is locked and released with no shuttle operation in between. shuttle
//! never sees these, so they add no scheduling point: a read-modify-write on
//! them is one step, as in seedloop. (shuttle runs every thread of a test on
//! one OS thread as continuations: a std `Mutex` held across a shuttle
//! operation would hang the process, so none is.)
//!
//! Each module's doc comment lists its own mapping; [`Port::mapping`] is the
//! one-line summary printed under the table.

pub mod check_then_act;
pub mod double_checked_init;
pub mod lost_update;
pub mod migration_window;
pub mod missed_notify;
pub mod order_violation;
pub mod queue_deadlock;
pub mod send_then_count;
pub mod snapshot_gc;
pub mod stale_cache;
pub mod torn_read;
pub mod two_lock_deadlock;
pub mod unbounded_backlog;

/// seedloop's `yield_now` without shuttle's yield hint (which lowers the
/// yielding thread's PCT priority): a plain scheduling point.
fn plain_switch() {
    shuttle::thread::sleep(std::time::Duration::ZERO);
}

/// One bug of the suite, ported to shuttle.
#[derive(Clone, Copy)]
pub struct Port {
    /// The seedloop module's name (the failure it must produce is that
    /// module's `Cause` in `tests/bugs/mod.rs`).
    pub name: &'static str,
    /// A label for a variant of the port (`""` for the port itself).
    pub variant: &'static str,
    /// The buggy program, as a shuttle test body.
    pub buggy: fn(),
    /// The fixed program.
    pub fixed: fn(),
    /// What the seedloop primitives became, in one line.
    pub mapping: &'static str,
}

impl Port {
    /// The bug's name, and the variant's label if any.
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            self.name.to_string()
        } else {
            format!("{} ({})", self.name, self.variant)
        }
    }
}

macro_rules! port {
    ($module:ident, $mapping:expr) => {
        Port {
            name: stringify!($module),
            variant: "",
            buggy: $module::body,
            fixed: $module::fixed,
            mapping: $mapping,
        }
    };
}

/// Every bug that shuttle can express, in the order of `tests/bugs/mod.rs`.
pub const PORTS: &[Port] = &[
    port!(
        lost_update,
        "`Rc<Cell>` balance → `AtomicU64`; audit `Mutex` → `shuttle::sync::Mutex`"
    ),
    port!(
        check_then_act,
        "seats `Rc<Cell>` → `AtomicU32`; ledger `Mutex` → `shuttle::sync::Mutex`"
    ),
    port!(
        order_violation,
        "routes `Rc<RefCell>` → `std::sync::Mutex` (no scheduling point); config `Mutex` → shuttle `Mutex`"
    ),
    port!(
        two_lock_deadlock,
        "account `Mutex`es → shuttle `Mutex`es; deadlock = shuttle's \"deadlock!\" panic"
    ),
    port!(
        missed_notify,
        "`Notify::notify_waiters` → `Condvar::notify_all` (wakes only current waiters, as `notify_waiters` does); \
         the wait is `Condvar::wait` on the log's guard, so no mutex is added; flag → `AtomicBool`"
    ),
    port!(
        double_checked_init,
        "conn `RefCell` → std `Mutex`, counter → `AtomicU32`; init `Mutex` → shuttle `Mutex`"
    ),
    port!(
        send_then_count,
        "`mpsc::channel(8)` → `shuttle::sync::mpsc::sync_channel(8)`; pending `Mutex` → shuttle `Mutex`"
    ),
    port!(
        queue_deadlock,
        "`Queue::new(2)` → `sync_channel(2)` (`put`/`get` → `send`/`recv`); stats `Mutex` → shuttle `Mutex`"
    ),
    port!(torn_read, "`RwLock` → `shuttle::sync::RwLock`"),
    port!(stale_cache, "db and cache `Mutex`es → shuttle `Mutex`es"),
    port!(
        snapshot_gc,
        "store `RefCell` → std `Mutex`; audit `Mutex` → shuttle `Mutex`; `mpsc::channel(1)` → `sync_channel(1)`; \
         `oneshot` → a one-use `mpsc::channel()` (its send is a scheduling point, seedloop's oneshot send is not)"
    ),
    port!(
        unbounded_backlog,
        "`unbounded_channel` → `mpsc::channel()` (its send is a scheduling point, seedloop's is not); \
         `yield_now` → `shuttle::thread::yield_now`; gauge → `AtomicU32`"
    ),
    port!(
        migration_window,
        "`yield_now` → `shuttle::thread::yield_now`; shards and router `RefCell`/`Cell` → std `Mutex`"
    ),
];

/// The two long programs with `yield_now` ported as `shuttle::thread::sleep(ZERO)`
/// instead: a scheduling point *without* the yield hint, which shuttle's PCT
/// takes as "deprioritize this thread" (seedloop's PCT does not lower a
/// yielding task's priority). A sensitivity check for the yield mapping, not
/// part of the main table.
pub const PLAIN_SWITCH_VARIANTS: &[Port] = &[
    Port {
        name: "unbounded_backlog",
        variant: "yield → sleep(0)",
        buggy: unbounded_backlog::body_plain_switch,
        fixed: unbounded_backlog::fixed_plain_switch,
        mapping: "as above, with `yield_now` → `shuttle::thread::sleep(Duration::ZERO)` (a plain switch)",
    },
    Port {
        name: "migration_window",
        variant: "yield → sleep(0)",
        buggy: migration_window::body_plain_switch,
        fixed: migration_window::fixed_plain_switch,
        mapping: "as above, with `yield_now` → `shuttle::thread::sleep(Duration::ZERO)` (a plain switch)",
    },
];

/// The port of the bug called `name`, if shuttle can express it.
pub fn by_name(name: &str) -> Option<&'static Port> {
    PORTS.iter().find(|p| p.name == name)
}

/// Why a bug has no shuttle port: shuttle controls thread interleavings
/// only. It has no clock (its `thread::sleep` is a plain context switch, its
/// `Condvar::wait_timeout` never times out), no timers, no network and no
/// fault injection.
pub const NOT_EXPRESSIBLE: &[(&str, &str)] = &[
    (
        "timeout_race",
        "a 1 s timeout and a 1 s service latency due at the same virtual instant: needs virtual time and timers",
    ),
    (
        "cancel_unsafe",
        "the 1 s `timeout` drops the transfer because the statement's 5 s `sleep` holds savings past it: \
         needs virtual time; an abort from a racing task instead could land at any await, a different bug",
    ),
    (
        "retry_double_apply",
        "one task, no interleaving: the lost ack is a `buggify!` fault; shuttle has no fault injection \
         (a `shuttle::rand` coin would measure the coin, and shuttle's PCT rejects a test with no concurrency)",
    ),
    (
        "duplicate_delivery",
        "the resend is a `buggify!` fault in the relay, not an interleaving; shuttle has no fault injection",
    ),
    (
        "partition_stale_read",
        "simulated UDP nodes, a `buggify!` partition, heartbeats and leases on virtual time",
    ),
    (
        "udp_duplicate_apply",
        "simulated UDP links with loss and duplication, and 100 ms retransmit timeouts",
    ),
    (
        "ack_before_flush",
        "simulated TCP, a `buggify!` node restart, a 100 ms flush timer",
    ),
];
