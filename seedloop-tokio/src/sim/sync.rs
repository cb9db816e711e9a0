//! tokio's `sync`: seedloop's primitives, whose every wait and wake is a
//! switch point the harness explores. `OnceCell` and `SetOnce` have no
//! seedloop counterpart; they need no runtime, so they are tokio's own.

pub use seedloop::sync::*;
pub use tokio::sync::{OnceCell, SetError, SetOnce, SetOnceError};

missing_types! {
    /// tokio's `MutexGuard::map` result.
    type MappedMutexGuard = MappedMutexGuardNotSimulated, MappedMutexGuardT,
        "`tokio::sync::MappedMutexGuard` is not simulated by seedloop",
        "keep the `MutexGuard` and reach the field through it (`&mut guard.field`)",
        "let _g: Option<tokio::sync::MappedMutexGuard> = None;";
    /// tokio's `OwnedMutexGuard::map` result.
    type OwnedMappedMutexGuard = OwnedMappedMutexGuardNotSimulated, OwnedMappedMutexGuardT,
        "`tokio::sync::OwnedMappedMutexGuard` is not simulated by seedloop",
        "keep the `OwnedMutexGuard` and reach the field through it",
        "let _g: Option<tokio::sync::OwnedMappedMutexGuard> = None;";
    /// tokio's `RwLockWriteGuard::map` result.
    type RwLockMappedWriteGuard = RwLockMappedWriteGuardNotSimulated, RwLockMappedWriteGuardT,
        "`tokio::sync::RwLockMappedWriteGuard` is not simulated by seedloop",
        "keep the `RwLockWriteGuard` and reach the field through it",
        "let _g: Option<tokio::sync::RwLockMappedWriteGuard> = None;";
    /// tokio's `OwnedRwLockWriteGuard::map` result.
    type OwnedRwLockMappedWriteGuard = OwnedRwLockMappedWriteGuardNotSimulated, OwnedRwLockMappedWriteGuardT,
        "`tokio::sync::OwnedRwLockMappedWriteGuard` is not simulated by seedloop",
        "keep the `OwnedRwLockWriteGuard` and reach the field through it",
        "let _g: Option<tokio::sync::OwnedRwLockMappedWriteGuard> = None;";
}
