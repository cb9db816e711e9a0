//! What `metadata` and `read_dir` return.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::image::Inode;

/// A file's or directory's metadata, as of the call (`std::fs::Metadata`'s
/// role; std's cannot be made by a library).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/a", b"hello").await.unwrap();
///     let m = seedloop::fs::metadata("/a").await.unwrap();
///     assert_eq!((m.len(), m.is_file(), m.is_dir()), (5, true, false));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    len: u64,
    dir: bool,
    modified: u64,
}

impl Metadata {
    pub(crate) fn of(node: &Inode) -> Metadata {
        Metadata {
            len: node.len(),
            dir: node.is_dir(),
            modified: node.modified,
        }
    }

    /// The size in bytes (0 for a directory).
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::fs::create_dir("/d").await.unwrap();
    ///     assert_eq!(seedloop::fs::metadata("/d").await.unwrap().len(), 0);
    /// });
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is a regular file.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(!seedloop::fs::metadata("/").await.unwrap().is_file());
    /// });
    /// ```
    pub fn is_file(&self) -> bool {
        !self.dir
    }

    /// Whether it is a directory.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     assert!(seedloop::fs::metadata("/").await.unwrap().is_dir());
    /// });
    /// ```
    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// The last change, in the simulation's wall clock (its epoch plus the
    /// virtual time of the change; no node's clock skew).
    ///
    /// # Errors
    ///
    /// Never: the `Result` is std's shape.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     seedloop::sleep(Duration::from_secs(5)).await;
    ///     seedloop::fs::write("/a", b"x").await.unwrap();
    ///     let t = seedloop::fs::metadata("/a").await.unwrap().modified().unwrap();
    ///     let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    ///     assert_eq!(secs, seedloop::time::EPOCH_UNIX_SECS + 5);
    /// });
    /// ```
    pub fn modified(&self) -> io::Result<SystemTime> {
        Ok(SystemTime::UNIX_EPOCH
            + Duration::from_secs(crate::time::EPOCH_UNIX_SECS)
            + Duration::from_nanos(self.modified))
    }
}

/// The entries of a directory, in name order, as of the `read_dir` call
/// (tokio's `ReadDir`).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/b", b"").await.unwrap();
///     seedloop::fs::create_dir("/a").await.unwrap();
///     let mut dir = seedloop::fs::read_dir("/").await.unwrap();
///     let mut names = Vec::new();
///     while let Some(e) = dir.next_entry().await.unwrap() {
///         names.push(e.file_name().into_string().unwrap());
///     }
///     assert_eq!(names, ["a", "b"]);
/// });
/// ```
#[derive(Debug)]
pub struct ReadDir {
    pub(crate) dir: PathBuf,
    pub(crate) entries: VecDeque<(String, bool, Metadata)>,
}

impl ReadDir {
    /// The next entry, or `None` after the last.
    ///
    /// # Errors
    ///
    /// Never in this version: the entries are read at `read_dir`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it never waits.
    ///
    /// ```
    /// let mut sim = seedloop::Sim::new(1);
    /// sim.block_on(async {
    ///     let mut dir = seedloop::fs::read_dir("/").await.unwrap();
    ///     assert!(dir.next_entry().await.unwrap().is_none());
    /// });
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        Ok(self.entries.pop_front().map(|(name, dir, meta)| DirEntry {
            path: self.dir.join(&name),
            name,
            dir,
            meta,
        }))
    }
}

/// One entry of a [`ReadDir`].
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::create_dir_all("/var/log").await.unwrap();
///     let e = seedloop::fs::read_dir("/var").await.unwrap().next_entry().await.unwrap().unwrap();
///     assert_eq!(e.path(), std::path::Path::new("/var/log"));
///     assert!(e.file_type().await.unwrap().is_dir());
/// });
/// ```
#[derive(Clone, Debug)]
pub struct DirEntry {
    path: PathBuf,
    name: String,
    dir: bool,
    meta: Metadata,
}

/// Whether an entry is a file or a directory (`std::fs::FileType`'s role).
///
/// ```
/// let mut sim = seedloop::Sim::new(1);
/// sim.block_on(async {
///     seedloop::fs::write("/f", b"").await.unwrap();
///     let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
///     let t = e.file_type().await.unwrap();
///     assert!(t.is_file() && !t.is_dir());
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileType {
    dir: bool,
}

impl FileType {
    /// A regular file.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::write("/f", b"").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert!(e.file_type().await.unwrap().is_file());
    /// # });
    /// ```
    pub fn is_file(&self) -> bool {
        !self.dir
    }

    /// A directory.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::create_dir("/d").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert!(e.file_type().await.unwrap().is_dir());
    /// # });
    /// ```
    pub fn is_dir(&self) -> bool {
        self.dir
    }
}

impl DirEntry {
    /// The entry's full path.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::write("/f", b"").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert_eq!(e.path(), std::path::Path::new("/f"));
    /// # });
    /// ```
    pub fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The entry's name.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::write("/f", b"").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert_eq!(e.file_name(), "f");
    /// # });
    /// ```
    pub fn file_name(&self) -> OsString {
        OsString::from(&self.name)
    }

    /// The entry's metadata, as of the `read_dir` call.
    ///
    /// # Errors
    ///
    /// Never in this version.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::write("/f", b"abc").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert_eq!(e.metadata().await.unwrap().len(), 3);
    /// # });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        Ok(self.meta)
    }

    /// Whether it is a file or a directory.
    ///
    /// # Errors
    ///
    /// Never in this version.
    ///
    /// ```
    /// # let mut sim = seedloop::Sim::new(1);
    /// # sim.block_on(async {
    /// # seedloop::fs::create_dir("/d").await.unwrap();
    /// let e = seedloop::fs::read_dir("/").await.unwrap().next_entry().await.unwrap().unwrap();
    /// assert!(e.file_type().await.unwrap().is_dir());
    /// # });
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        Ok(FileType { dir: self.dir })
    }
}
