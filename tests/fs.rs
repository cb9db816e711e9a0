//! Layer 10a: files. Every operation and error kind through the public
//! API, the crash model point by point through real node kills, each
//! fault, the fsync-failure semantics, per-node disks, configuration
//! errors and determinism.

#[path = "fs/crash.rs"]
mod crash;
#[path = "fs/faults.rs"]
mod faults;
#[path = "fs/ops.rs"]
mod ops;
