//! The crash model, point by point, on the disk alone (no simulation):
//! the coins are scripted.

use super::*;

fn path(p: &str) -> Vec<String> {
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn disk() -> Disk {
    Disk::new(Model::default())
}

fn create(d: &mut Disk, p: &str) -> u64 {
    let parts = path(p);
    let (dir, name) = d.parent(&parts).unwrap();
    let name = name.to_string();
    d.create(dir, &name, false, 0).unwrap()
}

fn mkdir(d: &mut Disk, p: &str) -> u64 {
    let parts = path(p);
    let (dir, name) = d.parent(&parts).unwrap();
    let name = name.to_string();
    d.create(dir, &name, true, 0).unwrap()
}

fn contents(d: &Disk, p: &str) -> Option<Vec<u8>> {
    let ino = d.lookup(&path(p)).ok()?;
    let mut buf = vec![0; d.inode(ino).ok()?.len() as usize];
    d.read(ino, 0, &mut buf).ok()?;
    Some(buf)
}

/// A crash whose coins come from `script` (then tails).
fn crash(d: &mut Disk, script: &[bool]) -> Crashed {
    let mut it = script.iter().copied();
    let mut coin = || it.next().unwrap_or(false);
    d.crash(Some(&mut coin))
}

fn crash_losing_all(d: &mut Disk) -> Crashed {
    d.crash(None)
}

#[test]
fn synced_data_and_entries_survive_and_nothing_else_does() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.write(a, 0, b"durable", 0).unwrap();
    d.sync_data(a);
    d.sync_dir(ROOT);
    d.write(a, 7, b" and more", 0).unwrap();
    let b = create(&mut d, "/b");
    d.write(b, 0, b"never synced", 0).unwrap();
    let out = crash_losing_all(&mut d);
    assert_eq!(out.lost, 3);
    assert_eq!(contents(&d, "/a").unwrap(), b"durable");
    assert!(contents(&d, "/b").is_none());
}

#[test]
fn a_synced_file_without_its_directory_sync_is_gone() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.write(a, 0, b"v1", 0).unwrap();
    d.sync_data(a);
    crash_losing_all(&mut d);
    assert!(
        contents(&d, "/a").is_none(),
        "its entry never reached the disk"
    );
}

#[test]
fn a_directory_sync_without_the_data_sync_keeps_an_empty_file() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.write(a, 0, b"v1", 0).unwrap();
    d.sync_dir(ROOT);
    crash_losing_all(&mut d);
    assert_eq!(contents(&d, "/a").unwrap(), b"");
}

#[test]
fn kept_pending_operations_need_their_prerequisites() {
    let mut d = disk();
    let dir = mkdir(&mut d, "/d");
    let f = create(&mut d, "/d/f");
    d.write(f, 0, b"x", 0).unwrap();
    // mkdir lost: the create and the write are lost without a coin.
    let out = crash(&mut d, &[false, true, true]);
    assert_eq!((out.kept, out.lost), (0, 3));
    assert!(d.lookup(&path("/d")).is_err());
    let _ = dir;
    // Now the mkdir is kept and the create is lost: the write goes too.
    let _ = mkdir(&mut d, "/d");
    let f = create(&mut d, "/d/f");
    d.write(f, 0, b"x", 0).unwrap();
    let out = crash(&mut d, &[true, false]);
    assert_eq!((out.kept, out.lost), (1, 2));
    assert!(d.lookup(&path("/d")).is_ok() && d.lookup(&path("/d/f")).is_err());
}

#[test]
fn writes_to_one_file_survive_independently() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.sync_dir(ROOT);
    d.write(a, 0, b"AAAA", 0).unwrap();
    d.write(a, 4, b"BBBB", 0).unwrap();
    crash(&mut d, &[false, true]);
    assert_eq!(contents(&d, "/a").unwrap(), b"\0\0\0\0BBBB");
}

#[test]
fn a_rename_over_a_file_is_atomic_after_a_crash() {
    for keep in [false, true] {
        let mut d = disk();
        let old = create(&mut d, "/cfg");
        d.write(old, 0, b"old", 0).unwrap();
        d.sync_data(old);
        d.sync_dir(ROOT);
        let new = create(&mut d, "/cfg.tmp");
        d.write(new, 0, b"new", 0).unwrap();
        d.sync_data(new);
        d.rename((ROOT, "cfg.tmp"), (ROOT, "cfg"), 0).unwrap();
        // pending: create cfg.tmp, rename. Keep the create, then the rename or not.
        crash(&mut d, &[true, keep]);
        let want: &[u8] = if keep { b"new" } else { b"old" };
        assert_eq!(contents(&d, "/cfg").unwrap(), want);
    }
}

#[test]
fn a_rename_without_the_data_sync_can_leave_an_empty_target() {
    let mut d = disk();
    let old = create(&mut d, "/cfg");
    d.write(old, 0, b"old", 0).unwrap();
    d.sync_data(old);
    d.sync_dir(ROOT);
    let new = create(&mut d, "/cfg.tmp");
    d.write(new, 0, b"new", 0).unwrap();
    d.rename((ROOT, "cfg.tmp"), (ROOT, "cfg"), 0).unwrap();
    d.sync_dir(ROOT);
    crash_losing_all(&mut d);
    assert_eq!(
        contents(&d, "/cfg").unwrap(),
        b"",
        "the bug the atomic replace recipe avoids"
    );
}

#[test]
fn torn_writes_keep_sectors_on_their_own() {
    let mut d = Disk::new(Model {
        sector: Some(4),
        ..Model::default()
    });
    let a = create(&mut d, "/log");
    d.sync_dir(ROOT);
    d.write(a, 0, b"AAAABBBBCCCC", 0).unwrap();
    let out = crash(&mut d, &[true, false, true]);
    assert_eq!(out.torn, 1);
    assert_eq!(contents(&d, "/log").unwrap(), b"AAAA\0\0\0\0CCCC");
}

#[test]
fn a_failed_sync_drops_the_writes_and_a_retry_saves_nothing() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.sync_dir(ROOT);
    d.write(a, 0, b"lost", 0).unwrap();
    assert_eq!(d.drop_data(a), 1);
    assert_eq!(
        contents(&d, "/a").unwrap(),
        b"lost",
        "the node still reads it"
    );
    d.sync_data(a); // the retry "succeeds"
    d.write(a, 4, b"!", 0).unwrap();
    d.sync_data(a);
    crash_losing_all(&mut d);
    assert_eq!(contents(&d, "/a").unwrap(), b"\0\0\0\0!");
}

#[test]
fn ordered_mode_writes_a_renamed_files_data_first() {
    let mut d = Disk::new(Model {
        ordered: true,
        ..Model::default()
    });
    let new = create(&mut d, "/cfg.tmp");
    d.write(new, 0, b"new", 0).unwrap();
    d.rename((ROOT, "cfg.tmp"), (ROOT, "cfg"), 0).unwrap();
    d.sync_dir(ROOT);
    crash_losing_all(&mut d);
    assert_eq!(contents(&d, "/cfg").unwrap(), b"new");
}

#[test]
fn an_open_unlinked_file_lives_until_closed_and_a_crash_makes_handles_stale() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.write(a, 0, b"x", 0).unwrap();
    d.open(a);
    d.remove(ROOT, "a", false, 0).unwrap();
    assert!(d.inode(a).is_ok(), "still open");
    d.close(a, d.epoch());
    assert!(d.inode(a).is_err());
    let e = d.epoch();
    crash_losing_all(&mut d);
    assert_ne!(d.epoch(), e);
}

#[test]
fn errors_have_the_kinds_of_a_real_file_system() {
    let mut d = disk();
    let f = create(&mut d, "/f");
    mkdir(&mut d, "/d");
    create(&mut d, "/d/x");
    assert_eq!(d.lookup(&path("/f/x")), Err(ErrorKind::NotADirectory));
    assert_eq!(d.lookup(&path("/nope")), Err(ErrorKind::NotFound));
    assert_eq!(d.create(ROOT, "f", false, 0), Err(ErrorKind::AlreadyExists));
    assert_eq!(d.remove(ROOT, "d", false, 0), Err(ErrorKind::IsADirectory));
    assert_eq!(d.remove(ROOT, "f", true, 0), Err(ErrorKind::NotADirectory));
    assert_eq!(
        d.remove(ROOT, "d", true, 0),
        Err(ErrorKind::DirectoryNotEmpty)
    );
    assert_eq!(
        d.rename((ROOT, "f"), (ROOT, "d"), 0),
        Err(ErrorKind::IsADirectory)
    );
    let dd = d.lookup(&path("/d")).unwrap();
    assert_eq!(
        d.rename((ROOT, "d"), (dd, "sub"), 0),
        Err(ErrorKind::InvalidInput)
    );
    assert_eq!(d.read(dd, 0, &mut [0; 1]), Err(ErrorKind::IsADirectory));
    let _ = f;
}

#[test]
fn capacity_counts_the_bytes_of_files() {
    let mut d = Disk::new(Model {
        capacity: Some(10),
        ..Model::default()
    });
    let a = create(&mut d, "/a");
    d.write(a, 0, &[1; 8], 0).unwrap();
    assert_eq!(d.write(a, 8, &[1; 3], 0), Err(ErrorKind::StorageFull));
    d.write(a, 0, &[2; 10], 0).unwrap();
    d.remove(ROOT, "a", false, 0).unwrap();
    let b = create(&mut d, "/b");
    d.write(b, 0, &[3; 10], 0).unwrap();
}

#[test]
fn a_crash_of_ten_thousand_pending_writes_is_applied_in_order() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.sync_dir(ROOT);
    for i in 0..10_000u64 {
        d.write(a, i * 4, &(i as u32).to_le_bytes(), 0).unwrap();
    }
    assert_eq!(d.pending(), 10_000);
    let mut n = 0;
    let mut every_other = || {
        n += 1;
        n % 2 == 0
    };
    let out = d.crash(Some(&mut every_other));
    assert_eq!((out.kept, out.lost), (5_000, 5_000));
    let got = contents(&d, "/a").unwrap();
    assert_eq!(&got[4..8], &1u32.to_le_bytes());
    assert_eq!(&got[0..4], &[0; 4]);
    assert_eq!(d.pending(), 0);
}

#[test]
fn a_crash_counts_the_writes_a_failed_sync_dropped() {
    let mut d = disk();
    let a = create(&mut d, "/a");
    d.sync_dir(ROOT);
    d.write(a, 0, b"x", 0).unwrap();
    d.write(a, 1, b"y", 0).unwrap();
    d.drop_data(a);
    let out = crash_losing_all(&mut d);
    assert_eq!((out.lost, out.dropped), (0, 2));
    assert_eq!(crash_losing_all(&mut d).dropped, 0);
}
