//! `File` and `OpenOptions`, shaped like tokio's. A `File` keeps no user
//! space buffer: each write changes the node's volatile image at once, and
//! only a sync makes it durable.

use std::future::Future;
use std::io::{self, ErrorKind, SeekFrom};
use std::panic::Location;
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use super::metadata::Metadata;
use super::ops::{fail, flip, locate};
use super::path::show;
use super::state::{Gate, NodeDisk, code, enter, record};
use crate::future::io::impl_io;
use crate::runtime::current_core;
use crate::runtime::local::Local;
use crate::runtime::wait::WaitKind;

static OPEN: WaitKind = WaitKind::at("File::open");
static SYNC: WaitKind = WaitKind::at("File::sync_all");
static SET_LEN: WaitKind = WaitKind::at("File::set_len");
static STAT: WaitKind = WaitKind::at("File::metadata");
static READ: WaitKind = WaitKind::plain("File::read");
static WRITE: WaitKind = WaitKind::plain("File::write");

/// An open file on a node's simulated disk (`tokio::fs::File`). It
/// implements futures' `AsyncRead`, `AsyncWrite` and `AsyncSeek`, and
/// tokio's under the `tokio-io` feature.
///
/// A `File` belongs to the disk of the node that opened it, wherever the
/// handle goes. When that node is killed its disk crashes and the handle
/// turns stale: every operation fails with `StaleNetworkFileHandle`, and
/// dropping it writes nothing.
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let mut f = seedloop::fs::File::create("/log").await.unwrap();
///     f.write_all(b"entry 1\n").await.unwrap();
///     f.sync_data().await.unwrap(); // durable now
///     let mut s = String::new();
///     seedloop::fs::File::open("/log").await.unwrap().read_to_string(&mut s).await.unwrap();
///     assert_eq!(s, "entry 1\n");
/// });
/// ```
pub struct File {
    /// Thread-checked, so a file is `Send` and `Sync` as tokio's is.
    d: Local<Rc<NodeDisk>>,
    ino: u64,
    epoch: u64,
    pos: u64,
    readable: bool,
    writable: bool,
    append: bool,
    path: String,
    gate: Gate,
    at: &'static Location<'static>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("path", &self.path)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

/// How to open a file (`tokio::fs::OpenOptions`, std's semantics).
///
/// ```
/// use futures::AsyncWriteExt;
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     let opts = seedloop::fs::OpenOptions::new().append(true).create(true).clone();
///     opts.open("/log").await.unwrap().write_all(b"a").await.unwrap();
///     opts.open("/log").await.unwrap().write_all(b"b").await.unwrap();
///     assert_eq!(seedloop::fs::read("/log").await.unwrap(), b"ab");
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
}

impl OpenOptions {
    /// All options off.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let err = seedloop::fs::OpenOptions::new().open("/a").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Open for reading.
    ///
    /// ```
    /// let o = seedloop::fs::OpenOptions::new().read(true).clone();
    /// # drop(o);
    /// ```
    pub fn read(&mut self, on: bool) -> &mut OpenOptions {
        self.read = on;
        self
    }

    /// Open for writing.
    ///
    /// ```
    /// let o = seedloop::fs::OpenOptions::new().write(true).clone();
    /// # drop(o);
    /// ```
    pub fn write(&mut self, on: bool) -> &mut OpenOptions {
        self.write = on;
        self
    }

    /// Every write goes to the end of the file (implies `write`).
    ///
    /// ```
    /// let o = seedloop::fs::OpenOptions::new().append(true).clone();
    /// # drop(o);
    /// ```
    pub fn append(&mut self, on: bool) -> &mut OpenOptions {
        self.append = on;
        self
    }

    /// Truncate an existing file to 0 bytes (needs `write`).
    ///
    /// ```
    /// let o = seedloop::fs::OpenOptions::new().write(true).truncate(true).clone();
    /// # drop(o);
    /// ```
    pub fn truncate(&mut self, on: bool) -> &mut OpenOptions {
        self.truncate = on;
        self
    }

    /// Create the file if it is missing (needs `write` or `append`).
    ///
    /// ```
    /// let o = seedloop::fs::OpenOptions::new().write(true).create(true).clone();
    /// # drop(o);
    /// ```
    pub fn create(&mut self, on: bool) -> &mut OpenOptions {
        self.create = on;
        self
    }

    /// Create the file, failing with `AlreadyExists` if it is there.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut o = seedloop::fs::OpenOptions::new();
    ///     o.write(true).create_new(true);
    ///     o.open("/lock").await.unwrap();
    ///     assert_eq!(o.open("/lock").await.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    /// });
    /// ```
    pub fn create_new(&mut self, on: bool) -> &mut OpenOptions {
        self.create_new = on;
        self
    }

    /// Opens `path` on the current node's disk.
    ///
    /// # Errors
    ///
    /// `NotFound` (no file, or no parent to create it in), `AlreadyExists`
    /// (`create_new`), `IsADirectory` (directories are synced with
    /// [`sync_dir`](super::sync_dir), not opened), `NotADirectory`,
    /// `InvalidInput` (no access mode, `create` or `truncate` without
    /// `write`, `truncate` with `append`, a bad path), `StorageFull`, `Other` (an injected EIO).
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
    ///     let err = seedloop::fs::OpenOptions::new().read(true).open("/missing").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    #[track_caller]
    pub fn open<P: AsRef<Path>>(&self, path: P) -> impl Future<Output = io::Result<File>> + use<P> {
        opening(
            self.clone(),
            path.as_ref().to_path_buf(),
            Location::caller(),
        )
    }
}

/// The future of an open: everything it needs, owned.
async fn opening(
    o: OpenOptions,
    path: std::path::PathBuf,
    at: &'static Location<'static>,
) -> io::Result<File> {
    let (core, d, parts) = locate(&path)?;
    let writable = o.write || o.append;
    let invalid = |why: &str| {
        io::Error::new(
            ErrorKind::InvalidInput,
            format!("open {}: {why}", show(&parts)),
        )
    };
    if !o.read && !writable {
        return Err(invalid("neither read, write nor append was asked for"));
    }
    if (o.create || o.create_new || o.truncate) && !writable {
        return Err(invalid("create and truncate need write or append"));
    }
    if o.truncate && o.append {
        return Err(invalid("append and truncate exclude each other"));
    }
    enter(&d, &OPEN, at).await?;
    let now = core.now();
    let ino = {
        let mut disk = d.disk.borrow_mut();
        let ino = match disk.lookup(&parts) {
            Ok(_) if o.create_new => {
                return Err(fail(ErrorKind::AlreadyExists, "open", &parts));
            }
            Ok(ino) => ino,
            Err(ErrorKind::NotFound) if o.create || o.create_new => {
                let (dir, name) = disk.parent(&parts).map_err(|k| fail(k, "open", &parts))?;
                let name = name.to_string();
                disk.create(dir, &name, false, now)
                    .map_err(|k| fail(k, "open", &parts))?
            }
            Err(k) => return Err(fail(k, "open", &parts)),
        };
        if disk.inode(ino).is_ok_and(|n| n.is_dir()) {
            return Err(fail(ErrorKind::IsADirectory, "open", &parts));
        }
        if o.truncate {
            disk.set_len(ino, 0, now)
                .map_err(|k| fail(k, "open", &parts))?;
        }
        disk.open(ino);
        ino
    };
    let epoch = d.disk.borrow().epoch();
    let p = show(&parts);
    record(&core, d.node, code("open", &p, ino), || format!("open {p}"));
    Ok(File {
        d,
        ino,
        epoch,
        pos: 0,
        readable: o.read,
        writable,
        append: o.append,
        path: p,
        gate: Gate::default(),
        at,
    })
}

impl File {
    /// Opens a file for reading.
    ///
    /// # Errors
    ///
    /// As [`OpenOptions::open`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// As [`OpenOptions::open`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::fs::write("/a", b"x").await.unwrap();
    ///     let f = seedloop::fs::File::open("/a").await.unwrap();
    ///     assert_eq!(f.metadata().await.unwrap().len(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn open(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        let o = OpenOptions {
            read: true,
            ..OpenOptions::default()
        };
        opening(o, path.as_ref().to_path_buf(), Location::caller())
    }

    /// Creates a file for writing, truncating it if it exists.
    ///
    /// # Errors
    ///
    /// As [`OpenOptions::open`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// As [`OpenOptions::open`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::fs::write("/a", b"old").await.unwrap();
    ///     seedloop::fs::File::create("/a").await.unwrap();
    ///     assert!(seedloop::fs::read("/a").await.unwrap().is_empty());
    /// });
    /// ```
    #[track_caller]
    pub fn create(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        let o = OpenOptions {
            write: true,
            create: true,
            truncate: true,
            ..OpenOptions::default()
        };
        opening(o, path.as_ref().to_path_buf(), Location::caller())
    }

    /// A new [`OpenOptions`].
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let f = seedloop::fs::File::options().write(true).create(true).open("/a").await;
    ///     assert!(f.is_ok());
    /// });
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    fn check(&self) -> io::Result<()> {
        if self.d.disk.borrow().epoch() == self.epoch {
            Ok(())
        } else {
            Err(io::Error::new(
                ErrorKind::StaleNetworkFileHandle,
                format!(
                    "{}: the node's disk crashed since the file was opened",
                    self.path
                ),
            ))
        }
    }

    /// Makes the file's data and size durable (`fsync`). Its directory
    /// entry is not: that takes [`sync_dir`](super::sync_dir) of its parent.
    ///
    /// # Errors
    ///
    /// `StaleNetworkFileHandle` after its node's crash. `Other` for an
    /// injected EIO, after which the file's pending writes are dropped,
    /// not saved, and a retried sync returns `Ok` without saving them
    /// (Linux after fsyncgate): treat the data as lost.
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
    /// use futures::AsyncWriteExt;
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut f = seedloop::fs::File::create("/a").await.unwrap();
    ///     f.write_all(b"durable").await.unwrap();
    ///     f.sync_all().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn sync_all(&self) -> impl Future<Output = io::Result<()>> + '_ {
        self.sync(Location::caller(), "sync_all")
    }

    /// As [`sync_all`](File::sync_all): in seedloop both make the data and
    /// the size durable.
    ///
    /// # Errors
    ///
    /// As [`sync_all`](File::sync_all).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// As [`sync_all`](File::sync_all).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let f = seedloop::fs::File::create("/a").await.unwrap();
    ///     f.sync_data().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn sync_data(&self) -> impl Future<Output = io::Result<()>> + '_ {
        self.sync(Location::caller(), "sync_data")
    }

    async fn sync(&self, at: &'static Location<'static>, op: &'static str) -> io::Result<()> {
        self.check()?;
        let gate = enter(&self.d, &SYNC, at).await;
        self.check()?;
        let core = current_core();
        if let Err(e) = gate {
            let dropped = self.d.disk.borrow_mut().drop_data(self.ino);
            let p = &self.path;
            record(
                &core,
                self.d.node,
                code("sync failed", p, dropped as u64),
                || format!("{op} {p} failed (EIO): {dropped} pending writes dropped"),
            );
            return Err(e);
        }
        self.d.disk.borrow_mut().sync_data(self.ino);
        let p = &self.path;
        record(&core, self.d.node, code(op, p, 0), || format!("{op} {p}"));
        Ok(())
    }

    /// Truncates or extends (with zeros) the file to `len` bytes.
    ///
    /// # Errors
    ///
    /// `PermissionDenied` (not opened for writing), `StorageFull`,
    /// `StaleNetworkFileHandle`, `Other` (EIO).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// As [`sync_all`](File::sync_all).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let f = seedloop::fs::File::create("/a").await.unwrap();
    ///     f.set_len(10).await.unwrap();
    ///     assert_eq!(seedloop::fs::read("/a").await.unwrap(), vec![0; 10]);
    /// });
    /// ```
    #[track_caller]
    pub fn set_len(&self, len: u64) -> impl Future<Output = io::Result<()>> + '_ {
        let at = Location::caller();
        async move {
            self.check()?;
            if !self.writable {
                return Err(self.denied("set_len"));
            }
            enter(&self.d, &SET_LEN, at).await?;
            self.check()?;
            let core = current_core();
            self.d
                .disk
                .borrow_mut()
                .set_len(self.ino, len, core.now())
                .map_err(|k| io::Error::new(k, format!("set_len {}: {k}", self.path)))?;
            let p = &self.path;
            record(&core, self.d.node, code("set_len", p, len), || {
                format!("set_len {p} {len}")
            });
            Ok(())
        }
    }

    /// The file's metadata.
    ///
    /// # Errors
    ///
    /// `StaleNetworkFileHandle`, `Other` (EIO).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    ///
    /// # Determinism
    ///
    /// As [`sync_all`](File::sync_all).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let f = seedloop::fs::File::create("/a").await.unwrap();
    ///     assert!(f.metadata().await.unwrap().is_file());
    /// });
    /// ```
    #[track_caller]
    pub fn metadata(&self) -> impl Future<Output = io::Result<Metadata>> + '_ {
        let at = Location::caller();
        async move {
            self.check()?;
            enter(&self.d, &STAT, at).await?;
            self.check()?;
            let disk = self.d.disk.borrow();
            let node = disk
                .inode(self.ino)
                .map_err(|k| io::Error::new(k, format!("metadata {}: {k}", self.path)))?;
            Ok(Metadata::of(node))
        }
    }

    fn denied(&self, op: &str) -> io::Error {
        io::Error::new(
            ErrorKind::PermissionDenied,
            format!("{op} {}: the file was not opened for writing", self.path),
        )
    }

    pub(crate) fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        if !self.readable {
            return Poll::Ready(Err(io::Error::new(
                ErrorKind::PermissionDenied,
                format!("read {}: the file was not opened for reading", self.path),
            )));
        }
        ready!(self.gate.poll(cx, &self.d, &READ, self.at))?;
        self.check()?;
        let n = self
            .d
            .disk
            .borrow()
            .read(self.ino, self.pos, buf)
            .map_err(|k| io::Error::new(k, format!("read {}: {k}", self.path)))?;
        flip(&self.d, &mut buf[..n]);
        let core = current_core();
        let (p, at) = (&self.path, self.pos);
        record(
            &core,
            self.d.node,
            code("read", p, at ^ (n as u64) << 40),
            || format!("read {p} {n} bytes at {at}"),
        );
        self.pos += n as u64;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_write_from(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        if !self.writable {
            return Poll::Ready(Err(self.denied("write")));
        }
        ready!(self.gate.poll(cx, &self.d, &WRITE, self.at))?;
        self.check()?;
        let core = current_core();
        let mut disk = self.d.disk.borrow_mut();
        if self.append {
            self.pos = disk.inode(self.ino).map(|n| n.len()).unwrap_or(0);
        }
        disk.write(self.ino, self.pos, buf, core.now())
            .map_err(|k| io::Error::new(k, format!("write {}: {k}", self.path)))?;
        drop(disk);
        let (p, at, n) = (&self.path, self.pos, buf.len());
        record(
            &core,
            self.d.node,
            code("write", p, at ^ (n as u64) << 40),
            || format!("write {p} {n} bytes at {at}"),
        );
        self.pos += n as u64;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn seek_to(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.check()?;
        let len = self
            .d
            .disk
            .borrow()
            .inode(self.ino)
            .map(|n| n.len())
            .unwrap_or(0);
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(
                ErrorKind::InvalidInput,
                format!("seek {}: {to:?} is before the start", self.path),
            )
        })?;
        self.pos = target;
        Ok(target)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if !self.d.is_reachable() {
            return; // dropped on another thread: the handle stays open
        }
        if let Ok(mut disk) = self.d.disk.try_borrow_mut() {
            disk.close(self.ino, self.epoch);
        }
    }
}

impl_io!(read File, |f, cx, buf| f.poll_read_into(cx, buf));
// A file's close does nothing: `sync_all` is what makes it durable.
impl_io!(write File, |f, cx, buf| f.poll_write_from(cx, buf), |_f| ());

impl futures::io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        Poll::Ready(self.get_mut().seek_to(pos))
    }
}

#[cfg(feature = "tokio-io")]
mod tokio_io {
    use super::*;

    impl tokio::io::AsyncSeek for File {
        fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            self.get_mut().seek_to(position).map(drop)
        }

        fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Poll::Ready(Ok(self.pos))
        }
    }
}
