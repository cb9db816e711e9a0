//! One node's disk: the volatile image the node sees, the durable image a
//! crash falls back to, and the operations pending between them (the crash
//! model of `docs/10-files.md`, in code).
//!
//! Every change applies to the volatile image at once and is appended to
//! the pending list with its prerequisites: the pending operations it
//! depends on. `sync_data` moves a file's data operations down to the
//! durable image, `sync_dir` a directory's entry operations (with their
//! prerequisites, as a journal commits in order). A crash decides, oldest
//! first, which pending operations survive, through a coin the caller
//! draws from the tape; one whose prerequisite was lost is lost without a
//! coin. The disk draws nothing itself, so it is tested here without a
//! simulation.

use std::collections::{BTreeMap, BTreeSet};
use std::io::ErrorKind;

use super::data::Data;
use super::image::{Image, Inode, Kind, Op, ROOT};

/// A pending operation.
#[derive(Debug)]
struct Pending {
    op: Op,
    /// The sequence numbers of the pending operations it needs.
    deps: Vec<u64>,
    /// When it was made (virtual nanoseconds).
    at: u64,
}

/// How a crash went, for the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Crashed {
    /// Pending operations that survived whole.
    pub(crate) kept: usize,
    /// Pending operations lost.
    pub(crate) lost: usize,
    /// Pending writes of which some sectors survived and some did not.
    pub(crate) torn: usize,
    /// The first few operations lost, in words.
    pub(crate) lost_ops: Vec<String>,
    /// Writes a failed sync had dropped since the last crash: lost too,
    /// though no longer pending.
    pub(crate) dropped: usize,
}

impl Crashed {
    fn lose(&mut self, op: &Op) {
        self.lost += 1;
        if self.lost_ops.len() < 3 {
            self.lost_ops.push(op.describe());
        }
    }
}

/// The settings of a disk the model needs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Model {
    /// Bytes of file data the disk holds at most.
    pub(crate) capacity: Option<u64>,
    /// Sectors of pending writes survive a crash one by one.
    pub(crate) sector: Option<u64>,
    /// ext4's `data=ordered`: a linked file's writes go before its entry.
    pub(crate) ordered: bool,
}

/// One disk.
#[derive(Debug)]
pub(crate) struct Disk {
    model: Model,
    volatile: Image,
    durable: Image,
    pending: BTreeMap<u64, Pending>,
    next_seq: u64,
    next_ino: u64,
    /// Per file: its pending data operations.
    data_ops: BTreeMap<u64, BTreeSet<u64>>,
    /// Per directory: its pending entry operations.
    dir_ops: BTreeMap<u64, BTreeSet<u64>>,
    /// Per entry name: the last operation on it.
    last_on_name: BTreeMap<(u64, String), u64>,
    /// Per inode: the operation that created it.
    created: BTreeMap<u64, u64>,
    /// Files whose pending writes a failed sync dropped: their volatile
    /// data holds bytes the durable image must never get from a sync.
    dropped: BTreeSet<u64>,
    /// Open handles per inode.
    open: BTreeMap<u64, u32>,
    /// Inodes unlinked while open: gone when their last handle closes.
    orphans: BTreeSet<u64>,
    /// Bytes of file data in the volatile image.
    used: u64,
    /// Writes dropped by failed syncs since the last crash.
    dropped_writes: usize,
    /// Counts the crashes: a handle of an earlier epoch is stale.
    epoch: u64,
}

type Res<T> = Result<T, ErrorKind>;

impl Disk {
    pub(crate) fn new(model: Model) -> Disk {
        Disk {
            model,
            volatile: Image::default(),
            durable: Image::default(),
            pending: BTreeMap::new(),
            next_seq: 0,
            next_ino: ROOT + 1,
            data_ops: BTreeMap::new(),
            dir_ops: BTreeMap::new(),
            last_on_name: BTreeMap::new(),
            created: BTreeMap::new(),
            dropped: BTreeSet::new(),
            open: BTreeMap::new(),
            orphans: BTreeSet::new(),
            used: 0,
            dropped_writes: 0,
            epoch: 0,
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// How many operations wait to be made durable.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    // ----- looking things up (volatile image) -----

    /// The inode at `path` (components from the root).
    pub(crate) fn lookup(&self, path: &[String]) -> Res<u64> {
        let mut ino = ROOT;
        for name in path {
            let entries = self.volatile.entries(ino).ok_or(ErrorKind::NotADirectory)?;
            ino = *entries.get(name).ok_or(ErrorKind::NotFound)?;
        }
        Ok(ino)
    }

    /// The directory that holds `path`, and the last component. The root
    /// has no parent: `InvalidInput`.
    pub(crate) fn parent<'p>(&self, path: &'p [String]) -> Res<(u64, &'p str)> {
        let (name, dirs) = path.split_last().ok_or(ErrorKind::InvalidInput)?;
        let dir = self.lookup(dirs)?;
        if !self.inode(dir)?.is_dir() {
            return Err(ErrorKind::NotADirectory);
        }
        Ok((dir, name))
    }

    pub(crate) fn inode(&self, ino: u64) -> Res<&Inode> {
        self.volatile.get(ino).ok_or(ErrorKind::NotFound)
    }

    fn file(&self, ino: u64) -> Res<&Data> {
        match &self.inode(ino)?.kind {
            Kind::File(d) => Ok(d),
            Kind::Dir(_) => Err(ErrorKind::IsADirectory),
        }
    }

    /// A directory's entries: (name, inode, is a directory), in name order.
    pub(crate) fn list(&self, dir: u64) -> Res<Vec<(String, u64, bool)>> {
        let entries = self.volatile.entries(dir).ok_or(ErrorKind::NotADirectory)?;
        Ok(entries
            .iter()
            .map(|(name, &ino)| {
                let is_dir = self.volatile.get(ino).is_some_and(Inode::is_dir);
                (name.clone(), ino, is_dir)
            })
            .collect())
    }

    /// Reads at `offset` into `buf`.
    pub(crate) fn read(&self, ino: u64, offset: u64, buf: &mut [u8]) -> Res<usize> {
        Ok(self.file(ino)?.read(offset, buf))
    }

    // ----- changing things -----

    /// Creates an empty file or directory named `name` in `dir`.
    pub(crate) fn create(&mut self, dir: u64, name: &str, is_dir: bool, now: u64) -> Res<u64> {
        if self
            .volatile
            .entries(dir)
            .ok_or(ErrorKind::NotADirectory)?
            .contains_key(name)
        {
            return Err(ErrorKind::AlreadyExists);
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.change(
            Op::Link {
                dir,
                name: name.to_string(),
                ino,
                is_dir,
            },
            now,
        );
        Ok(ino)
    }

    /// Writes `bytes` at `offset` of file `ino`.
    pub(crate) fn write(&mut self, ino: u64, offset: u64, bytes: &[u8], now: u64) -> Res<()> {
        let len = self.file(ino)?.len();
        let end = offset
            .checked_add(bytes.len() as u64)
            .ok_or(ErrorKind::InvalidInput)?;
        self.reserve(len, end.max(len))?;
        if !bytes.is_empty() {
            let bytes = bytes.to_vec();
            self.change(Op::Write { ino, offset, bytes }, now);
        }
        Ok(())
    }

    /// Truncates or extends file `ino` to `len` bytes.
    pub(crate) fn set_len(&mut self, ino: u64, len: u64, now: u64) -> Res<()> {
        let old = self.file(ino)?.len();
        self.reserve(old, len)?;
        self.change(Op::SetLen { ino, len }, now);
        Ok(())
    }

    fn reserve(&mut self, old: u64, new: u64) -> Res<()> {
        let used = self.used - old + new;
        if new > old && self.model.capacity.is_some_and(|cap| used > cap) {
            return Err(ErrorKind::StorageFull);
        }
        self.used = used;
        Ok(())
    }

    /// Removes the entry `name` of `dir`: a file (`dir_wanted` false) or
    /// an empty directory (true).
    pub(crate) fn remove(&mut self, dir: u64, name: &str, dir_wanted: bool, now: u64) -> Res<()> {
        let entries = self.volatile.entries(dir).ok_or(ErrorKind::NotADirectory)?;
        let ino = *entries.get(name).ok_or(ErrorKind::NotFound)?;
        match (&self.inode(ino)?.kind, dir_wanted) {
            (Kind::Dir(_), false) => return Err(ErrorKind::IsADirectory),
            (Kind::File(_), true) => return Err(ErrorKind::NotADirectory),
            (Kind::Dir(e), true) if !e.is_empty() => return Err(ErrorKind::DirectoryNotEmpty),
            _ => {}
        }
        let name = name.to_string();
        self.change(Op::Unlink { dir, name }, now);
        self.release(ino);
        Ok(())
    }

    /// Moves `from` to `to`, atomically replacing a file there (or an empty
    /// directory, when `from` is a directory).
    pub(crate) fn rename(&mut self, from: (u64, &str), to: (u64, &str), now: u64) -> Res<()> {
        let ino = *self
            .volatile
            .entries(from.0)
            .ok_or(ErrorKind::NotADirectory)?
            .get(from.1)
            .ok_or(ErrorKind::NotFound)?;
        let is_dir = self.inode(ino)?.is_dir();
        if is_dir && self.inside(to.0, ino) {
            return Err(ErrorKind::InvalidInput);
        }
        let target = self
            .volatile
            .entries(to.0)
            .ok_or(ErrorKind::NotADirectory)?
            .get(to.1)
            .copied();
        if target == Some(ino) {
            return Ok(());
        }
        if let Some(t) = target {
            match (&self.inode(t)?.kind, is_dir) {
                (Kind::Dir(_), false) => return Err(ErrorKind::IsADirectory),
                (Kind::File(_), true) => return Err(ErrorKind::NotADirectory),
                (Kind::Dir(e), true) if !e.is_empty() => {
                    return Err(ErrorKind::DirectoryNotEmpty);
                }
                _ => {}
            }
        }
        let op = Op::Rename {
            from: (from.0, from.1.to_string()),
            to: (to.0, to.1.to_string()),
            ino,
        };
        self.change(op, now);
        if let Some(t) = target {
            self.release(t);
        }
        Ok(())
    }

    /// Whether directory `dir` is `ancestor` or below it.
    fn inside(&self, dir: u64, ancestor: u64) -> bool {
        if dir == ancestor {
            return true;
        }
        let mut stack = vec![ancestor];
        while let Some(d) = stack.pop() {
            for &ino in self
                .volatile
                .entries(d)
                .into_iter()
                .flat_map(|e| e.values())
            {
                if ino == dir {
                    return true;
                }
                stack.push(ino);
            }
        }
        false
    }

    /// An inode lost its entry: it goes when no handle holds it open.
    fn release(&mut self, ino: u64) {
        if self.open.contains_key(&ino) {
            self.orphans.insert(ino);
        } else {
            self.forget(ino);
        }
    }

    fn forget(&mut self, ino: u64) {
        if let Some(node) = self.volatile.inodes.remove(&ino) {
            self.used -= node.len();
        }
    }

    /// A handle opens `ino`.
    pub(crate) fn open(&mut self, ino: u64) {
        *self.open.entry(ino).or_insert(0) += 1;
    }

    /// A handle of `epoch` on `ino` closes.
    pub(crate) fn close(&mut self, ino: u64, epoch: u64) {
        if epoch != self.epoch {
            return;
        }
        if let Some(n) = self.open.get_mut(&ino) {
            *n -= 1;
            if *n == 0 {
                self.open.remove(&ino);
                if self.orphans.remove(&ino) {
                    self.forget(ino);
                }
            }
        }
    }

    /// Applies `op` to the volatile image and appends it to the pending
    /// list with its prerequisites.
    fn change(&mut self, op: Op, now: u64) {
        self.volatile.apply(&op, now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut deps = BTreeSet::new();
        let mut need = |seq: Option<&u64>| {
            if let Some(&s) = seq {
                deps.insert(s);
            }
        };
        if let Some(ino) = op.data_of() {
            need(self.created.get(&ino));
            self.data_ops.entry(ino).or_default().insert(seq);
        }
        for name in op.names() {
            need(self.last_on_name.get(&name));
            self.last_on_name.insert(name, seq);
        }
        for dir in op.dirs().into_iter().flatten() {
            need(self.created.get(&dir));
            self.dir_ops.entry(dir).or_default().insert(seq);
        }
        if let Op::Rename { ino, .. } = &op {
            if self.model.ordered {
                for s in self.data_ops.get(ino).into_iter().flatten() {
                    deps.insert(*s);
                }
            }
        }
        if let Op::Link { ino, .. } = &op {
            self.created.insert(*ino, seq);
        }
        let deps = deps
            .into_iter()
            .filter(|d| self.pending.contains_key(d))
            .collect();
        self.pending.insert(seq, Pending { op, deps, at: now });
    }

    /// Takes `seq` off the pending list and its indexes; its operation.
    fn unpend(&mut self, seq: u64) -> Option<Pending> {
        let p = self.pending.remove(&seq)?;
        if let Some(ino) = p.op.data_of() {
            remove_from(&mut self.data_ops, ino, seq);
        }
        for dir in p.op.dirs().into_iter().flatten() {
            remove_from(&mut self.dir_ops, dir, seq);
        }
        if let Op::Link { ino, .. } = &p.op {
            self.created.remove(ino);
        }
        Some(p)
    }

    /// Makes pending operation `seq` durable. A file or directory whose
    /// durable entry it removed leaves the durable image too, once the
    /// node no longer sees it either (a crash sweeps the rest).
    fn settle(&mut self, seq: u64) {
        let Some(p) = self.unpend(seq) else { return };
        let victim = match &p.op {
            Op::Unlink { dir, name }
            | Op::Rename {
                to: (dir, name), ..
            } => self
                .durable
                .entries(*dir)
                .and_then(|e| e.get(name))
                .copied(),
            _ => None,
        };
        self.durable.apply(&p.op, p.at);
        if let Some(v) = victim {
            let moved = matches!(&p.op, Op::Rename { ino, .. } if *ino == v);
            if !moved && !self.volatile.inodes.contains_key(&v) {
                self.durable.inodes.remove(&v);
            }
        }
    }

    // ----- durability -----

    /// `sync_data` / `sync_all` of file `ino` returned `Ok`: its data is durable.
    pub(crate) fn sync_data(&mut self, ino: u64) {
        let seqs: Vec<u64> = self
            .data_ops
            .get(&ino)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        if self.dropped.contains(&ino) {
            for seq in seqs {
                self.settle(seq);
            }
            return;
        }
        for seq in seqs {
            self.unpend(seq);
        }
        if let Some(node) = self.volatile.get(ino) {
            let (data, at) = match &node.kind {
                Kind::File(d) => (d.clone(), node.modified),
                Kind::Dir(_) => return,
            };
            *self.durable.data_mut(ino, at) = data;
        }
    }

    /// A sync of file `ino` failed: its pending writes are dropped, not
    /// made durable, while the node still reads them (Linux after
    /// fsyncgate). A retried sync then has nothing to save.
    pub(crate) fn drop_data(&mut self, ino: u64) -> usize {
        let seqs: Vec<u64> = self
            .data_ops
            .get(&ino)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for &seq in &seqs {
            self.unpend(seq);
        }
        if !seqs.is_empty() {
            self.dropped.insert(ino);
            self.dropped_writes += seqs.len();
        }
        seqs.len()
    }

    /// `sync_dir` of directory `dir` returned `Ok`: its entry operations
    /// are durable, with every pending operation they depend on.
    pub(crate) fn sync_dir(&mut self, dir: u64) {
        let mut wanted = BTreeSet::new();
        let mut stack: Vec<u64> = self
            .dir_ops
            .get(&dir)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        while let Some(seq) = stack.pop() {
            if wanted.insert(seq) {
                if let Some(p) = self.pending.get(&seq) {
                    stack.extend(p.deps.iter().copied());
                }
            }
        }
        for seq in wanted {
            self.settle(seq);
        }
    }

    /// The disk crashes: each pending operation, oldest first, survives if
    /// its prerequisites did and `coin` says so (`None`: nothing pending
    /// survives, no coin is drawn). With torn writes, each sector of a
    /// write has its own coin. Every open handle turns stale.
    pub(crate) fn crash(&mut self, mut coin: Option<&mut dyn FnMut() -> bool>) -> Crashed {
        let mut out = Crashed {
            dropped: std::mem::take(&mut self.dropped_writes),
            ..Crashed::default()
        };
        let mut lost = BTreeSet::new();
        let pending = std::mem::take(&mut self.pending);
        for (seq, p) in pending {
            let coin = match coin.as_deref_mut() {
                Some(c) if !p.deps.iter().any(|d| lost.contains(d)) => c,
                _ => {
                    lost.insert(seq);
                    out.lose(&p.op);
                    continue;
                }
            };
            match (&p.op, self.model.sector) {
                (Op::Write { ino, offset, bytes }, Some(sector)) => {
                    let (mut kept, mut missed) = (0, 0);
                    let end = offset + bytes.len() as u64;
                    let mut at = *offset;
                    while at < end {
                        let stop = ((at / sector) + 1) * sector;
                        let stop = stop.min(end);
                        if coin() {
                            let part = &bytes[(at - offset) as usize..(stop - offset) as usize];
                            self.durable.data_mut(*ino, p.at).write(at, part);
                            kept += 1;
                        } else {
                            missed += 1;
                        }
                        at = stop;
                    }
                    match (kept, missed) {
                        (0, _) => {
                            lost.insert(seq);
                            out.lose(&p.op);
                        }
                        (_, 0) => out.kept += 1,
                        _ => out.torn += 1,
                    }
                }
                _ if coin() => {
                    self.durable.apply(&p.op, p.at);
                    out.kept += 1;
                }
                _ => {
                    lost.insert(seq);
                    out.lose(&p.op);
                }
            }
        }
        self.durable.collect();
        self.volatile = self.durable.clone();
        self.used = self.volatile.used();
        self.data_ops.clear();
        self.dir_ops.clear();
        self.last_on_name.clear();
        self.created.clear();
        self.dropped.clear();
        self.open.clear();
        self.orphans.clear();
        self.epoch += 1;
        out
    }
}

fn remove_from(map: &mut BTreeMap<u64, BTreeSet<u64>>, key: u64, seq: u64) {
    if let Some(set) = map.get_mut(&key) {
        set.remove(&seq);
        if set.is_empty() {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests;
