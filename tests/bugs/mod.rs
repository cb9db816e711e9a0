//! The bug suite: small async programs, each with a classic concurrency
//! bug that shows only under some interleavings (or some planted faults),
//! and its fixed version.
//!
//! Every program passes in the plain run (`Strategy::Fifo`: the oldest ready
//! task runs, no switch point yields, no fault fires), so each bug is a
//! real interleaving or fault bug, not a bug of the straight-line code.
//! Shared by the test binary `tests/bugs.rs` and the benchmark
//! `benches/exploration.rs`.

#![allow(dead_code)] // each user of the catalog uses a different part of it

use std::future::Future;
use std::pin::Pin;

pub mod ack_before_flush;
pub mod cancel_unsafe;
pub mod check_then_act;
pub mod double_checked_init;
pub mod duplicate_delivery;
pub mod fsync_failure_retried;
pub mod lost_update;
pub mod migration_window;
pub mod missed_notify;
pub mod missing_dir_fsync;
pub mod missing_fsync;
pub mod order_violation;
pub mod partition_stale_read;
pub mod queue_deadlock;
pub mod rename_without_sync;
pub mod retry_double_apply;
pub mod send_then_count;
pub mod snapshot_gc;
pub mod stale_cache;
pub mod timeout_race;
pub mod torn_read;
pub mod torn_record_log;
pub mod two_lock_deadlock;
pub mod udp_duplicate_apply;
pub mod unbounded_backlog;

/// A program of the suite, boxed so that every bug has the same type.
pub type Body = Pin<Box<dyn Future<Output = ()>>>;

/// How a buggy program fails.
#[derive(Clone, Copy, Debug)]
pub enum Cause {
    /// A panic whose message contains this text.
    Panic(&'static str),
    /// `Error::Deadlock`: every task blocked, no timer pending.
    Deadlock,
}

impl Cause {
    /// Whether `error` is this failure.
    pub fn matches(self, error: &seedloop::Error) -> bool {
        match (self, error) {
            (Cause::Panic(text), seedloop::Error::Panicked { message, .. }) => {
                message.contains(text)
            }
            (Cause::Deadlock, seedloop::Error::Deadlock { .. }) => true,
            _ => false,
        }
    }
}

/// One bug of the suite.
#[derive(Clone, Copy)]
pub struct Bug {
    /// The module's name.
    pub name: &'static str,
    /// The buggy program.
    pub buggy: fn() -> Body,
    /// The same program, fixed.
    pub fixed: fn() -> Body,
    /// Whether the bug needs a `buggify!` fault to show.
    pub buggify: bool,
    /// How the buggy program fails.
    pub cause: Cause,
}

macro_rules! bug {
    ($module:ident, $cause:expr, buggify: $buggify:expr) => {
        Bug {
            name: stringify!($module),
            buggy: || Box::pin($module::body()),
            fixed: || Box::pin($module::fixed()),
            buggify: $buggify,
            cause: $cause,
        }
    };
}

/// Every bug of the suite.
pub const ALL: &[Bug] = &[
    bug!(lost_update, Cause::Panic("a deposit was lost"), buggify: false),
    bug!(check_then_act, Cause::Panic("overbooked"), buggify: false),
    bug!(order_violation, Cause::Panic("before the routes were installed"), buggify: false),
    bug!(two_lock_deadlock, Cause::Deadlock, buggify: false),
    bug!(missed_notify, Cause::Deadlock, buggify: false),
    bug!(double_checked_init, Cause::Panic("opened twice"), buggify: false),
    bug!(send_then_count, Cause::Panic("before it was counted"), buggify: false),
    bug!(timeout_race, Cause::Panic("charged twice"), buggify: false),
    bug!(cancel_unsafe, Cause::Panic("money vanished"), buggify: false),
    bug!(retry_double_apply, Cause::Panic("applied twice"), buggify: true),
    bug!(queue_deadlock, Cause::Deadlock, buggify: false),
    bug!(torn_read, Cause::Panic("torn read"), buggify: false),
    bug!(duplicate_delivery, Cause::Panic("applied twice"), buggify: true),
    bug!(stale_cache, Cause::Panic("stale cache"), buggify: false),
    bug!(snapshot_gc, Cause::Panic("collected while in use"), buggify: false),
    bug!(partition_stale_read, Cause::Panic("stale read"), buggify: true),
    bug!(udp_duplicate_apply, Cause::Panic("counted twice"), buggify: false),
    bug!(ack_before_flush, Cause::Panic("lost write"), buggify: true),
];

/// Bugs of long programs, where `Pct` shines and `Random` practically never
/// finds the bug: one task must run far ahead of another, or be preempted
/// inside a narrow window late in the run. They are kept apart from [`ALL`],
/// whose every bug the default sweep finds.
pub const LONG: &[(Bug, u32)] = &[
    (
        bug!(unbounded_backlog, Cause::Panic("outgrew its budget"), buggify: false),
        1,
    ),
    (
        bug!(migration_window, Cause::Panic("missing during the cutover"), buggify: false),
        2,
    ),
];

/// Crash-consistency bugs of programs that store data on a node's
/// simulated disk (`seedloop::fs`): each shows when a planted crash of the
/// node meets what the disk had not made durable. Kept apart from [`ALL`],
/// whose bugs other benchmarks also run on ports to other checkers.
pub const STORAGE: &[Bug] = &[
    bug!(missing_fsync, Cause::Panic("acknowledged put lost"), buggify: true),
    bug!(missing_dir_fsync, Cause::Panic("acknowledged segment vanished"), buggify: true),
    bug!(rename_without_sync, Cause::Panic("empty or partial"), buggify: true),
    bug!(fsync_failure_retried, Cause::Panic("lost after a failed fsync"), buggify: true),
    bug!(torn_record_log, Cause::Panic("garbage record"), buggify: true),
];

/// The bug called `name`.
///
/// # Panics
///
/// If there is none.
pub fn by_name(name: &str) -> Bug {
    *ALL.iter()
        .chain(LONG.iter().map(|(bug, _)| bug))
        .chain(STORAGE)
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no bug called {name}"))
}
