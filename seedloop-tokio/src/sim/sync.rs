//! tokio's `sync`: seedloop's primitives, whose every wait and wake is a
//! switch point the harness explores. `OnceCell` and `SetOnce` have no
//! seedloop counterpart; they need no runtime, so they are tokio's own.

pub use seedloop::sync::*;
pub use tokio::sync::{OnceCell, SetError, SetOnce, SetOnceError};

missing_types! {
    /// tokio's `MutexGuard::map` result.
    type MappedMutexGuard['a, T] = MappedMutexGuardNotSimulated[&'a T], MappedMutexGuardT,
        "`tokio::sync::MappedMutexGuard` is not simulated by seedloop",
        "keep the `MutexGuard` and reach the field through it (`&mut guard.field`)",
        "let _g: Option<tokio::sync::MappedMutexGuard<'static, u32>> = None;";
    /// tokio's `OwnedMutexGuard::map` result.
    type OwnedMappedMutexGuard[T, U = T] = OwnedMappedMutexGuardNotSimulated[T, U], OwnedMappedMutexGuardT,
        "`tokio::sync::OwnedMappedMutexGuard` is not simulated by seedloop",
        "keep the `OwnedMutexGuard` and reach the field through it",
        "let _g: Option<tokio::sync::OwnedMappedMutexGuard<u32>> = None;";
    /// tokio's `RwLockWriteGuard::map` result.
    type RwLockMappedWriteGuard['a, T] = RwLockMappedWriteGuardNotSimulated[&'a T], RwLockMappedWriteGuardT,
        "`tokio::sync::RwLockMappedWriteGuard` is not simulated by seedloop",
        "keep the `RwLockWriteGuard` and reach the field through it",
        "let _g: Option<tokio::sync::RwLockMappedWriteGuard<'static, u32>> = None;";
    /// tokio's `OwnedRwLockWriteGuard::map` result.
    type OwnedRwLockMappedWriteGuard[T, U = T] = OwnedRwLockMappedWriteGuardNotSimulated[T, U], OwnedRwLockMappedWriteGuardT,
        "`tokio::sync::OwnedRwLockMappedWriteGuard` is not simulated by seedloop",
        "keep the `OwnedRwLockWriteGuard` and reach the field through it",
        "let _g: Option<tokio::sync::OwnedRwLockMappedWriteGuard<u32, u8>> = None;";
}

/// seedloop's broadcast channel, tokio's shape.
pub mod broadcast {
    pub use seedloop::sync::broadcast::*;

    missing_types! {
        /// tokio's weak broadcast sender.
        type WeakSender[T] = WeakSenderNotSimulated[T], WeakSenderT,
            "`tokio::sync::broadcast::WeakSender` is not simulated by seedloop",
            "keep a `Sender` clone, or track the channel's life with `Sender::receiver_count`",
            "let _w: Option<tokio::sync::broadcast::WeakSender<u32>> = None;";
    }
}

/// seedloop's mpsc channels, tokio's shape.
pub mod mpsc {
    pub use seedloop::sync::mpsc::*;

    missing_types! {
        /// tokio's iterator of the permits of `Sender::reserve_many`.
        type PermitIterator['a, T] = PermitIteratorNotSimulated[&'a T], PermitIteratorT,
            "`tokio::sync::mpsc::PermitIterator` (`Sender::reserve_many`) is not simulated by seedloop",
            "reserve one permit at a time with `Sender::reserve`",
            "let _p: Option<tokio::sync::mpsc::PermitIterator<'static, u32>> = None;";
    }
}

/// The futures of `Notify`.
pub mod futures {
    pub use seedloop::sync::Notified;

    missing_types! {
        /// tokio's owned `Notified` (`Notify::notified_owned`).
        type OwnedNotified[] = OwnedNotifiedNotSimulated[], OwnedNotifiedT,
            "`tokio::sync::futures::OwnedNotified` (`Notify::notified_owned`) is not simulated by seedloop",
            "keep the `Notify` in an `Arc` and await `notify.notified()` in the task that owns the `Arc`",
            "let _n: Option<tokio::sync::futures::OwnedNotified> = None;";
    }
}
