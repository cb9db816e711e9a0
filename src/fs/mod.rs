//! Layer 10a: files on a simulated disk per node that crashes like a real
//! one (aiofiles' role), shaped like `tokio::fs`.
//!
//! Every node, `main` included, has its own disk; paths are absolute from
//! the node's root. Writes change what the node sees at once but are
//! durable only once synced: a file's data by [`File::sync_all`] or
//! [`File::sync_data`], a directory's entries (creates, renames, removes)
//! by [`sync_dir`]. A node's kill crashes its disk: what was durable
//! survives, and each operation that was not is lost or (a choice on the
//! tape, 0 = lost) kept. The whole model, with pictures and the recipes
//! that are correct under it, is in `docs/10-files.md`.
//!
//! ```
//! use std::time::Duration;
//! use futures::AsyncWriteExt;
//! use seedloop::{fs, node};
//!
//! let mut sim = seedloop::Sim::new(7);
//! sim.block_on(async {
//!     let db = node::Builder::new("db").build();
//!     seedloop::node::spawn_on(db, async {
//!         let mut f = fs::File::create("/synced").await.unwrap();
//!         f.write_all(b"kept").await.unwrap();
//!         f.sync_all().await.unwrap(); // the data is durable
//!         fs::sync_dir("/").await.unwrap(); // and so is its entry
//!         fs::write("/unsynced", b"maybe").await.unwrap();
//!     });
//!     seedloop::sleep(Duration::from_millis(1)).await;
//!     node::restart(db); // a kill crashes the disk, then the node starts again
//!     let read = seedloop::node::spawn_on(db, async { fs::read("/synced").await.unwrap() });
//!     assert_eq!(read.await.unwrap(), b"kept");
//! });
//! ```
//!
//! # Determinism
//!
//! Every operation is a switch point, and draws its latency and its I/O
//! error from the tape when the disk has them; a crash draws one coin per
//! pending operation (or sector). All of it is in the trace as `disk`
//! events.

mod config;
mod data;
mod disk;
mod file;
mod image;
mod metadata;
mod ops;
mod path;
mod state;

pub use config::DiskConfig;
pub(crate) use config::Weather;
pub use file::{File, OpenOptions};
pub use metadata::{DirEntry, FileType, Metadata, ReadDir};
pub use ops::{
    copy, create_dir, create_dir_all, metadata, read, read_dir, read_to_string, remove_dir,
    remove_dir_all, remove_file, rename, sync_dir, try_exists, write,
};
