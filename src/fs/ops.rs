//! The free functions of `seedloop::fs`, shaped like `tokio::fs`'s. Each
//! resolves its path on the current node's disk, passes the gate (a
//! switch point, the disk's latency, an injected I/O error) and then runs
//! at once on the volatile image.

use std::future::Future;
use std::io::{self, ErrorKind};
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::disk::Disk;
use super::metadata::{Metadata, ReadDir};
use super::path::{parse, show};
use super::state::{NodeDisk, code, corrupt, disk_of, enter, record};
use crate::runtime::core::Core;
use crate::runtime::current_core;
use crate::runtime::local::Local;
use crate::runtime::wait::WaitKind;

static READ: WaitKind = WaitKind::at("fs::read");
static WRITE: WaitKind = WaitKind::at("fs::write");
static COPY: WaitKind = WaitKind::at("fs::copy");
static RENAME: WaitKind = WaitKind::at("fs::rename");
static REMOVE: WaitKind = WaitKind::at("fs::remove");
static MKDIR: WaitKind = WaitKind::at("fs::create_dir");
static STAT: WaitKind = WaitKind::at("fs::metadata");
static READ_DIR: WaitKind = WaitKind::at("fs::read_dir");
static SYNC_DIR: WaitKind = WaitKind::at("fs::sync_dir");

/// An error of `kind` for operation `op` on `parts`, naming the path.
pub(crate) fn fail(kind: ErrorKind, op: &str, parts: &[String]) -> io::Error {
    io::Error::new(kind, format!("{op} {}: {kind}", show(parts)))
}

/// The current node's core and disk, both thread-checked so that the
/// operations' futures are `Send`, and a path's components.
pub(crate) type Located = (Local<Rc<Core>>, Local<Rc<NodeDisk>>, Vec<String>);

/// The current node's disk and the path's components.
pub(crate) fn locate(path: &Path) -> io::Result<Located> {
    let parts = parse(path)?;
    let core = current_core();
    let d = disk_of(&core, core.current_node());
    Ok((Local::new(core), Local::new(d), parts))
}

/// Reads a whole file (`tokio::fs::read`).
///
/// # Errors
///
/// `NotFound`, `IsADirectory`, `NotADirectory` (a component is a file),
/// `InvalidInput` (a bad path), `Other` (an injected I/O error).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// A switch point, then the disk's latency, I/O error and corruption
/// coins when they are configured.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/greeting", "hello").await.unwrap();
///     assert_eq!(seedloop::fs::read("/greeting").await.unwrap(), b"hello");
/// });
/// ```
#[track_caller]
pub fn read(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Vec<u8>>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &READ, at).await?;
        let mut out = {
            let disk = d.disk.borrow();
            let ino = disk.lookup(&parts).map_err(|k| fail(k, "read", &parts))?;
            let len = disk.inode(ino).map(|n| n.len()).unwrap_or(0);
            let mut out = vec![0; len as usize];
            disk.read(ino, 0, &mut out)
                .map_err(|k| fail(k, "read", &parts))?;
            out
        };
        flip(&d, &mut out);
        let p = show(&parts);
        record(&core, d.node, code("read", &p, out.len() as u64), || {
            format!("read {p} {} bytes", out.len())
        });
        Ok(out)
    }
}

/// Flips the bit a corruption coin chose, if any.
pub(crate) fn flip(d: &NodeDisk, buf: &mut [u8]) {
    if let Some(bit) = corrupt(d, buf.len()) {
        buf[(bit / 8) as usize] ^= 1 << (bit % 8);
    }
}

/// Reads a whole file as UTF-8 (`tokio::fs::read_to_string`).
///
/// # Errors
///
/// As [`read`], and `InvalidData` when the bytes are not UTF-8.
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`read`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a.txt", "ä").await.unwrap();
///     assert_eq!(seedloop::fs::read_to_string("/a.txt").await.unwrap(), "ä");
/// });
/// ```
#[track_caller]
pub fn read_to_string(path: impl AsRef<Path>) -> impl Future<Output = io::Result<String>> {
    let read = read(path);
    async move {
        String::from_utf8(read.await?)
            .map_err(|e| io::Error::new(ErrorKind::InvalidData, e.utf8_error()))
    }
}

/// Writes `contents` to `disk`'s file at `parts`, creating it or
/// truncating it first.
fn put(disk: &mut Disk, parts: &[String], contents: &[u8], now: u64, op: &str) -> io::Result<()> {
    let ino = match disk.lookup(parts) {
        Ok(ino) => {
            disk.set_len(ino, 0, now).map_err(|k| fail(k, op, parts))?;
            ino
        }
        Err(ErrorKind::NotFound) => {
            let (dir, name) = disk.parent(parts).map_err(|k| fail(k, op, parts))?;
            disk.create(dir, name, false, now)
                .map_err(|k| fail(k, op, parts))?
        }
        Err(k) => return Err(fail(k, op, parts)),
    };
    disk.write(ino, 0, contents, now)
        .map_err(|k| fail(k, op, parts))
}

/// Writes a whole file, creating it or truncating it first
/// (`tokio::fs::write`). Nothing is durable until it is synced.
///
/// # Errors
///
/// `NotFound` (the parent directory is missing), `IsADirectory`,
/// `NotADirectory`, `StorageFull`, `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// A switch point, then the disk's latency and I/O error coins when configured.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a", b"one").await.unwrap();
///     seedloop::fs::write("/a", b"2").await.unwrap();
///     assert_eq!(seedloop::fs::read("/a").await.unwrap(), b"2");
/// });
/// ```
#[track_caller]
pub fn write(
    path: impl AsRef<Path>,
    contents: impl AsRef<[u8]>,
) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    let contents = contents.as_ref().to_vec();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &WRITE, at).await?;
        put(
            &mut d.disk.borrow_mut(),
            &parts,
            &contents,
            core.now(),
            "write",
        )?;
        let p = show(&parts);
        record(
            &core,
            d.node,
            code("write", &p, contents.len() as u64),
            || format!("write {p} {} bytes", contents.len()),
        );
        Ok(())
    }
}

/// Copies a file's contents to another, creating or truncating it; the
/// bytes copied (`tokio::fs::copy`).
///
/// # Errors
///
/// As [`read`] for `from` and [`write`] for `to`.
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`write`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a", b"abc").await.unwrap();
///     assert_eq!(seedloop::fs::copy("/a", "/b").await.unwrap(), 3);
///     assert_eq!(seedloop::fs::read("/b").await.unwrap(), b"abc");
/// });
/// ```
#[track_caller]
pub fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> impl Future<Output = io::Result<u64>> {
    let at = Location::caller();
    let (from, to) = (from.as_ref().to_path_buf(), to.as_ref().to_path_buf());
    async move {
        let (core, d, src) = locate(&from)?;
        let dst = parse(&to)?;
        enter(&d, &COPY, at).await?;
        let bytes = {
            let disk = d.disk.borrow();
            let ino = disk.lookup(&src).map_err(|k| fail(k, "copy", &src))?;
            let len = disk.inode(ino).map(|n| n.len()).unwrap_or(0);
            let mut out = vec![0; len as usize];
            disk.read(ino, 0, &mut out)
                .map_err(|k| fail(k, "copy", &src))?;
            out
        };
        put(&mut d.disk.borrow_mut(), &dst, &bytes, core.now(), "copy")?;
        let (s, t) = (show(&src), show(&dst));
        record(&core, d.node, code("copy", &t, bytes.len() as u64), || {
            format!("copy {s} -> {t} {} bytes", bytes.len())
        });
        Ok(bytes.len() as u64)
    }
}

/// Renames a file or directory, atomically replacing a file at `to` (or
/// an empty directory, when `from` is one). Durable once `sync_dir` of
/// either parent returns.
///
/// # Errors
///
/// `NotFound`, `IsADirectory` / `NotADirectory` (a file onto a directory,
/// or the reverse), `DirectoryNotEmpty`, `InvalidInput` (a directory into
/// itself, a bad path, the root), `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// A switch point, then the disk's latency and I/O error coins when configured.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/cfg.tmp", b"new").await.unwrap();
///     seedloop::fs::write("/cfg", b"old").await.unwrap();
///     seedloop::fs::rename("/cfg.tmp", "/cfg").await.unwrap();
///     assert_eq!(seedloop::fs::read("/cfg").await.unwrap(), b"new");
///     assert!(!seedloop::fs::try_exists("/cfg.tmp").await.unwrap());
/// });
/// ```
#[track_caller]
pub fn rename(
    from: impl AsRef<Path>,
    to: impl AsRef<Path>,
) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let (from, to) = (from.as_ref().to_path_buf(), to.as_ref().to_path_buf());
    async move {
        let (core, d, src) = locate(&from)?;
        let dst = parse(&to)?;
        enter(&d, &RENAME, at).await?;
        {
            let mut disk = d.disk.borrow_mut();
            let (a, an) = disk.parent(&src).map_err(|k| fail(k, "rename", &src))?;
            let (b, bn) = disk.parent(&dst).map_err(|k| fail(k, "rename", &dst))?;
            let (an, bn) = (an.to_string(), bn.to_string());
            disk.rename((a, &an), (b, &bn), core.now())
                .map_err(|k| fail(k, "rename", &src))?;
        }
        let (s, t) = (show(&src), show(&dst));
        record(&core, d.node, code("rename", &t, 0), || {
            format!("rename {s} -> {t}")
        });
        Ok(())
    }
}

/// One entry removal, recorded.
async fn remove(path: PathBuf, dir: bool, at: &'static Location<'static>) -> io::Result<()> {
    let (core, d, parts) = locate(&path)?;
    enter(&d, &REMOVE, at).await?;
    let op = if dir { "remove_dir" } else { "remove_file" };
    {
        let mut disk = d.disk.borrow_mut();
        let (parent, name) = disk.parent(&parts).map_err(|k| fail(k, op, &parts))?;
        let name = name.to_string();
        disk.remove(parent, &name, dir, core.now())
            .map_err(|k| fail(k, op, &parts))?;
    }
    let p = show(&parts);
    record(&core, d.node, code(op, &p, 0), || format!("{op} {p}"));
    Ok(())
}

/// Removes a file. An open handle keeps reading and writing it until it is
/// dropped. Durable once `sync_dir` of its parent returns.
///
/// # Errors
///
/// `NotFound`, `IsADirectory`, `NotADirectory`, `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a", b"").await.unwrap();
///     seedloop::fs::remove_file("/a").await.unwrap();
///     let err = seedloop::fs::remove_file("/a").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
#[track_caller]
pub fn remove_file(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    remove(path.as_ref().to_path_buf(), false, Location::caller())
}

/// Removes an empty directory.
///
/// # Errors
///
/// `NotFound`, `DirectoryNotEmpty`, `NotADirectory`, `InvalidInput` (the
/// root, a bad path), `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir_all("/a/b").await.unwrap();
///     let err = seedloop::fs::remove_dir("/a").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::DirectoryNotEmpty);
///     seedloop::fs::remove_dir("/a/b").await.unwrap();
///     seedloop::fs::remove_dir("/a").await.unwrap();
/// });
/// ```
#[track_caller]
pub fn remove_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    remove(path.as_ref().to_path_buf(), true, Location::caller())
}

/// Removes a directory and everything below it, deepest entries first
/// (each removal a pending operation of its directory).
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `InvalidInput` (the root, a bad path),
/// `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// One gate (switch point, latency, I/O error) for the whole removal.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir_all("/a/b/c").await.unwrap();
///     seedloop::fs::write("/a/b/f", b"x").await.unwrap();
///     seedloop::fs::remove_dir_all("/a").await.unwrap();
///     assert!(!seedloop::fs::try_exists("/a").await.unwrap());
/// });
/// ```
#[track_caller]
pub fn remove_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &REMOVE, at).await?;
        let op = "remove_dir_all";
        {
            let mut disk = d.disk.borrow_mut();
            let root = disk.lookup(&parts).map_err(|k| fail(k, op, &parts))?;
            if !disk.inode(root).is_ok_and(|n| n.is_dir()) {
                return Err(fail(ErrorKind::NotADirectory, op, &parts));
            }
            disk.parent(&parts).map_err(|k| fail(k, op, &parts))?;
            // Depth first: every directory after its entries.
            let mut order = Vec::new();
            let mut stack = vec![(parts.clone(), true)];
            while let Some((p, is_dir)) = stack.pop() {
                if is_dir {
                    let ino = disk.lookup(&p).map_err(|k| fail(k, op, &p))?;
                    for (name, _, child_dir) in disk.list(ino).map_err(|k| fail(k, op, &p))? {
                        let mut c = p.clone();
                        c.push(name);
                        stack.push((c, child_dir));
                    }
                }
                order.push((p, is_dir));
            }
            for (p, is_dir) in order.into_iter().rev() {
                let (parent, name) = disk.parent(&p).map_err(|k| fail(k, op, &p))?;
                let name = name.to_string();
                disk.remove(parent, &name, is_dir, core.now())
                    .map_err(|k| fail(k, op, &p))?;
            }
        }
        let p = show(&parts);
        record(&core, d.node, code(op, &p, 0), || format!("{op} {p}"));
        Ok(())
    }
}

/// Creates a directory; its parent must exist. Durable once `sync_dir` of
/// the parent returns.
///
/// # Errors
///
/// `AlreadyExists`, `NotFound` (no parent), `NotADirectory`, `InvalidInput`,
/// `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir("/data").await.unwrap();
///     let err = seedloop::fs::create_dir("/data").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
/// });
/// ```
#[track_caller]
pub fn create_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &MKDIR, at).await?;
        {
            let mut disk = d.disk.borrow_mut();
            let (dir, name) = disk
                .parent(&parts)
                .map_err(|k| fail(k, "create_dir", &parts))?;
            let name = name.to_string();
            disk.create(dir, &name, true, core.now())
                .map_err(|k| fail(k, "create_dir", &parts))?;
        }
        let p = show(&parts);
        record(&core, d.node, code("mkdir", &p, 0), || {
            format!("create_dir {p}")
        });
        Ok(())
    }
}

/// Creates a directory and every missing parent; an existing directory is
/// fine.
///
/// # Errors
///
/// `AlreadyExists` or `NotADirectory` (a component is a file),
/// `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// One gate for the whole call.
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir_all("/var/lib/db").await.unwrap();
///     seedloop::fs::create_dir_all("/var/lib").await.unwrap();
///     assert!(seedloop::fs::metadata("/var/lib/db").await.unwrap().is_dir());
/// });
/// ```
#[track_caller]
pub fn create_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &MKDIR, at).await?;
        let op = "create_dir_all";
        {
            let mut disk = d.disk.borrow_mut();
            for i in 1..=parts.len() {
                let p = &parts[..i];
                match disk.lookup(p) {
                    Ok(ino) if disk.inode(ino).is_ok_and(|n| n.is_dir()) => {}
                    Ok(_) if i < parts.len() => return Err(fail(ErrorKind::NotADirectory, op, p)),
                    Ok(_) => return Err(fail(ErrorKind::AlreadyExists, op, p)),
                    Err(ErrorKind::NotFound) => {
                        let (dir, name) = disk.parent(p).map_err(|k| fail(k, op, p))?;
                        let name = name.to_string();
                        disk.create(dir, &name, true, core.now())
                            .map_err(|k| fail(k, op, p))?;
                    }
                    Err(k) => return Err(fail(k, op, p)),
                }
            }
        }
        let p = show(&parts);
        record(&core, d.node, code("mkdir", &p, 1), || format!("{op} {p}"));
        Ok(())
    }
}

/// A file's or directory's metadata.
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a", b"12345").await.unwrap();
///     assert_eq!(seedloop::fs::metadata("/a").await.unwrap().len(), 5);
/// });
/// ```
#[track_caller]
pub fn metadata(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Metadata>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (_core, d, parts) = locate(&path)?;
        enter(&d, &STAT, at).await?;
        let disk = d.disk.borrow();
        let ino = disk
            .lookup(&parts)
            .map_err(|k| fail(k, "metadata", &parts))?;
        let node = disk.inode(ino).map_err(|k| fail(k, "metadata", &parts))?;
        Ok(Metadata::of(node))
    }
}

/// Whether the path exists: `Ok(false)` for `NotFound`, the error for
/// anything else (std's `try_exists`).
///
/// # Errors
///
/// `NotADirectory` (a component is a file), `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     assert!(!seedloop::fs::try_exists("/nope").await.unwrap());
///     assert!(seedloop::fs::try_exists("/").await.unwrap());
/// });
/// ```
#[track_caller]
pub fn try_exists(path: impl AsRef<Path>) -> impl Future<Output = io::Result<bool>> {
    let meta = metadata(path);
    async move {
        match meta.await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The entries of a directory, in name order.
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `InvalidInput`, `Other` (EIO).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/x", b"").await.unwrap();
///     let mut dir = seedloop::fs::read_dir("/").await.unwrap();
///     assert_eq!(dir.next_entry().await.unwrap().unwrap().file_name(), "x");
/// });
/// ```
#[track_caller]
pub fn read_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<ReadDir>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (_core, d, parts) = locate(&path)?;
        enter(&d, &READ_DIR, at).await?;
        let disk = d.disk.borrow();
        let ino = disk
            .lookup(&parts)
            .map_err(|k| fail(k, "read_dir", &parts))?;
        let list = disk.list(ino).map_err(|k| fail(k, "read_dir", &parts))?;
        let entries = list
            .into_iter()
            .filter_map(|(name, ino, dir)| {
                let meta = Metadata::of(disk.inode(ino).ok()?);
                Some((name, dir, meta))
            })
            .collect();
        Ok(ReadDir {
            dir: PathBuf::from(show(&parts)),
            entries,
        })
    }
}

/// Syncs a directory (an `fsync` of its descriptor): the creates, renames
/// and removes in it become durable, with the entry operations they depend
/// on. Its files' data is not synced (use [`File::sync_all`](super::File::sync_all)).
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `InvalidInput`, `Other` (an injected EIO:
/// nothing becomes durable).
///
/// # Panics
///
/// Outside a simulation.
///
/// # Determinism
///
/// As [`rename`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir("/log").await.unwrap();
///     seedloop::fs::sync_dir("/").await.unwrap(); // /log survives a crash now
/// });
/// ```
#[track_caller]
pub fn sync_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    let at = Location::caller();
    let path = path.as_ref().to_path_buf();
    async move {
        let (core, d, parts) = locate(&path)?;
        enter(&d, &SYNC_DIR, at).await?;
        {
            let mut disk = d.disk.borrow_mut();
            let ino = disk
                .lookup(&parts)
                .map_err(|k| fail(k, "sync_dir", &parts))?;
            if !disk.inode(ino).is_ok_and(|n| n.is_dir()) {
                return Err(fail(ErrorKind::NotADirectory, "sync_dir", &parts));
            }
            disk.sync_dir(ino);
        }
        let p = show(&parts);
        record(&core, d.node, code("sync_dir", &p, 0), || {
            format!("sync_dir {p}")
        });
        Ok(())
    }
}
