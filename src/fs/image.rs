//! One image of a disk: inodes, each a file or a directory, and the
//! operations that change it.
//!
//! A disk keeps two images (see `disk.rs`): the volatile one, what the
//! node sees, and the durable one. The same [`Op`]s change both: the
//! volatile image at once, the durable image when a sync (or a crash that
//! keeps the operation) moves it down. Inode numbers are handed out in
//! order and never reused, so an operation names the same file in both
//! images. The root directory is inode 0.

use std::collections::BTreeMap;

use super::data::Data;

/// The root directory's inode.
pub(crate) const ROOT: u64 = 0;

/// What an inode is.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    File(Data),
    Dir(BTreeMap<String, u64>),
}

/// A file or a directory.
#[derive(Clone, Debug)]
pub(crate) struct Inode {
    pub(crate) kind: Kind,
    /// The virtual time of its last change, in nanoseconds.
    pub(crate) modified: u64,
}

impl Inode {
    pub(crate) fn new(dir: bool, now: u64) -> Inode {
        Inode {
            kind: if dir {
                Kind::Dir(BTreeMap::new())
            } else {
                Kind::File(Data::default())
            },
            modified: now,
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    pub(crate) fn len(&self) -> u64 {
        match &self.kind {
            Kind::File(d) => d.len(),
            Kind::Dir(_) => 0,
        }
    }
}

/// A change to an image.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Bytes written to a file.
    Write {
        ino: u64,
        offset: u64,
        bytes: Vec<u8>,
    },
    /// A file truncated or extended.
    SetLen { ino: u64, len: u64 },
    /// A new file or directory, and its entry.
    Link {
        dir: u64,
        name: String,
        ino: u64,
        is_dir: bool,
    },
    /// An entry removed (`remove_file`, `remove_dir`).
    Unlink { dir: u64, name: String },
    /// An entry moved, replacing what the target named.
    Rename {
        from: (u64, String),
        to: (u64, String),
        ino: u64,
    },
}

impl Op {
    /// The inode whose data the operation changes, if it is a data operation.
    pub(crate) fn data_of(&self) -> Option<u64> {
        match self {
            Op::Write { ino, .. } | Op::SetLen { ino, .. } => Some(*ino),
            _ => None,
        }
    }

    /// The directories whose entries the operation changes.
    pub(crate) fn dirs(&self) -> [Option<u64>; 2] {
        match self {
            Op::Link { dir, .. } | Op::Unlink { dir, .. } => [Some(*dir), None],
            Op::Rename { from, to, .. } if from.0 != to.0 => [Some(from.0), Some(to.0)],
            Op::Rename { from, .. } => [Some(from.0), None],
            _ => [None, None],
        }
    }

    /// The operation in words, for the trace (entries by name, files by
    /// inode: a crash report has no paths at hand).
    pub(crate) fn describe(&self) -> String {
        match self {
            Op::Write { ino, offset, bytes } => {
                format!("write of {} bytes at {offset} to file #{ino}", bytes.len())
            }
            Op::SetLen { ino, len } => format!("set_len {len} of file #{ino}"),
            Op::Link {
                name, is_dir: true, ..
            } => format!("create_dir {name}"),
            Op::Link { name, ino, .. } => format!("create {name} (file #{ino})"),
            Op::Unlink { name, .. } => format!("remove {name}"),
            Op::Rename { from, to, .. } => format!("rename {} -> {}", from.1, to.1),
        }
    }

    /// The entry names the operation reads or changes.
    pub(crate) fn names(&self) -> Vec<(u64, String)> {
        match self {
            Op::Link { dir, name, .. } | Op::Unlink { dir, name } => vec![(*dir, name.clone())],
            Op::Rename { from, to, .. } => vec![from.clone(), to.clone()],
            _ => Vec::new(),
        }
    }
}

/// Inodes by number.
#[derive(Clone, Debug)]
pub(crate) struct Image {
    pub(crate) inodes: BTreeMap<u64, Inode>,
}

impl Default for Image {
    fn default() -> Image {
        Image {
            inodes: BTreeMap::from([(ROOT, Inode::new(true, 0))]),
        }
    }
}

impl Image {
    pub(crate) fn get(&self, ino: u64) -> Option<&Inode> {
        self.inodes.get(&ino)
    }

    pub(crate) fn entries(&self, dir: u64) -> Option<&BTreeMap<String, u64>> {
        match &self.inodes.get(&dir)?.kind {
            Kind::Dir(e) => Some(e),
            Kind::File(_) => None,
        }
    }

    fn entries_mut(&mut self, dir: u64, now: u64) -> &mut BTreeMap<String, u64> {
        let node = self
            .inodes
            .entry(dir)
            .or_insert_with(|| Inode::new(true, now));
        node.modified = now;
        match &mut node.kind {
            Kind::Dir(e) => e,
            Kind::File(_) => unreachable!("seedloop fs: inode {dir} is a file, not a directory"),
        }
    }

    /// The data of file `ino`, created empty if the image does not have it
    /// yet (its data reaches the disk before its entry does).
    pub(crate) fn data_mut(&mut self, ino: u64, now: u64) -> &mut Data {
        let node = self
            .inodes
            .entry(ino)
            .or_insert_with(|| Inode::new(false, now));
        node.modified = now;
        match &mut node.kind {
            Kind::File(d) => d,
            Kind::Dir(_) => unreachable!("seedloop fs: inode {ino} is a directory, not a file"),
        }
    }

    /// Applies `op`, made at virtual time `now`.
    pub(crate) fn apply(&mut self, op: &Op, now: u64) {
        match op {
            Op::Write { ino, offset, bytes } => self.data_mut(*ino, now).write(*offset, bytes),
            Op::SetLen { ino, len } => self.data_mut(*ino, now).set_len(*len),
            Op::Link {
                dir,
                name,
                ino,
                is_dir,
            } => {
                self.inodes
                    .entry(*ino)
                    .or_insert_with(|| Inode::new(*is_dir, now));
                self.entries_mut(*dir, now).insert(name.clone(), *ino);
            }
            Op::Unlink { dir, name } => {
                self.entries_mut(*dir, now).remove(name);
            }
            Op::Rename { from, to, ino } => {
                let source = self.entries_mut(from.0, now);
                if source.get(&from.1) == Some(ino) {
                    source.remove(&from.1);
                }
                self.entries_mut(to.0, now).insert(to.1.clone(), *ino);
            }
        }
    }

    /// Drops every inode no entry reaches from the root (a kernel's orphan
    /// cleanup after a crash).
    pub(crate) fn collect(&mut self) {
        let mut reached = std::collections::BTreeSet::from([ROOT]);
        let mut stack = vec![ROOT];
        while let Some(dir) = stack.pop() {
            if let Some(entries) = self.entries(dir) {
                for &ino in entries.values() {
                    if reached.insert(ino) {
                        stack.push(ino);
                    }
                }
            }
        }
        self.inodes.retain(|ino, _| reached.contains(ino));
    }

    /// The bytes of every file.
    pub(crate) fn used(&self) -> u64 {
        self.inodes.values().map(Inode::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(dir: u64, name: &str, ino: u64, is_dir: bool) -> Op {
        Op::Link {
            dir,
            name: name.into(),
            ino,
            is_dir,
        }
    }

    #[test]
    fn a_rename_moves_an_entry_and_replaces_the_target() {
        let mut img = Image::default();
        img.apply(&link(ROOT, "a", 1, false), 0);
        img.apply(&link(ROOT, "b", 2, false), 0);
        img.apply(
            &Op::Rename {
                from: (ROOT, "a".into()),
                to: (ROOT, "b".into()),
                ino: 1,
            },
            0,
        );
        let root = img.entries(ROOT).unwrap();
        assert_eq!(root.get("b"), Some(&1));
        assert!(!root.contains_key("a"));
        img.collect();
        assert!(img.get(2).is_none(), "the replaced file has no entry left");
    }

    #[test]
    fn data_that_no_entry_reaches_is_collected() {
        let mut img = Image::default();
        img.apply(&link(ROOT, "d", 1, true), 0);
        img.apply(&link(1, "f", 2, false), 0);
        img.apply(
            &Op::Write {
                ino: 3,
                offset: 0,
                bytes: b"orphan".to_vec(),
            },
            0,
        );
        img.collect();
        assert!(img.get(2).is_some());
        assert!(img.get(3).is_none());
        img.apply(
            &Op::Unlink {
                dir: ROOT,
                name: "d".into(),
            },
            0,
        );
        img.collect();
        assert_eq!(img.inodes.len(), 1);
    }
}
