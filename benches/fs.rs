//! Benchmarks of the simulated disk (`seedloop::fs`, issue 14), against a
//! real file under `std::env::temp_dir()` (std's blocking calls) in the
//! same run, on criterion: the time criterion reports is per operation
//! (`write_sync`, `random_read`) or per crash (`crash`), see
//! `benches/common/harness.rs`. Memory (1 GiB of simulated data) is a
//! plain program: `benches/fs_memory.rs`.
//!
//! ```text
//! cargo bench --bench fs                            # every case
//! cargo bench --bench fs -- write_sync              # only cases whose name matches
//! cargo bench --bench fs -- random_read/seedloop    # one case
//! cargo bench --bench fs -- --test                  # smoke run: every case once (CI)
//! cargo bench --bench fs -- --output-format bencher # one line per case (median)
//! ```
//!
//! seedloop runs with its defaults (the `Random` strategy: a quarter of the
//! file operations, each a switch point, yield first; no disk latency, so
//! virtual time does not move). Each run builds its `Sim` and prepares its
//! file outside the timing: the `Instant` is read inside `block_on`, around
//! the operations alone. The real file is written and read with
//! `std::fs::File` on the calling thread (what tokio's `spawn_blocking`
//! would run, without the thread hop).

use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use seedloop::fs::DiskConfig;
use seedloop::{Sim, fs, node};

#[path = "common/harness.rs"]
mod harness;
use harness::per_item;

/// Bytes per write and per read.
const BLOCK: usize = 4096;
/// Writes (each followed by `sync_data`) per run of `write_sync`.
const WRITES: usize = 1_000;
/// The file `random_read` reads from, and the reads per run.
const READ_FILE: u64 = 64 << 20;
const READS: usize = 100_000;
/// Reads per run of `random_read/real_direct` (each one goes to the device).
const DIRECT_READS: usize = 2_000;
/// Unsynced writes pending at the crash of `crash`, and their size.
const PENDING: usize = 10_000;
const SMALL_WRITE: usize = 100;
/// The file size `crash/seedloop_64mib` and `write_sync/seedloop_64mib` start from.
const BIG_FILE: u64 = 64 << 20;

fn sim(seed: u64) -> Sim {
    Sim::builder().seed(seed).step_limit(u64::MAX).build()
}

/// A path under the temp dir, unique to this process and `what`.
fn temp_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("seedloop-bench-fs-{}-{what}", std::process::id()))
}

/// The block-aligned offsets of `n` random reads of a `len`-byte file,
/// from a fixed seed (the same for seedloop and the real file).
fn offsets(n: usize, len: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let blocks = len / BLOCK as u64;
    (0..n)
        .map(|_| rng.random_range(0..blocks) * BLOCK as u64)
        .collect()
}

/// A block of bytes that are not all zeros.
fn block(fill: u8) -> Vec<u8> {
    (0..BLOCK).map(|i| (i as u8).wrapping_add(fill)).collect()
}

/// Writes `len` bytes to `f` (1 MiB at a time) and syncs its data.
async fn fill_sim(f: &mut fs::File, len: u64) {
    let chunk = vec![0xa5u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).await.unwrap();
        left -= n as u64;
    }
    f.sync_data().await.unwrap();
}

/// `write_sync`: append a 4 KiB block and `sync_data`, 1,000 times, to a
/// file created, synced and with its entry synced before the timing; per
/// write + sync. `seedloop` and `real` start from an empty file (it grows
/// to 4 MiB); `seedloop_4mib`, `_16mib` and `_64mib` start from a file
/// that already holds that much synced data, and `seedloop_in_place`
/// rewrites the first block of a one-block file instead of appending
/// (a seek to 0 before each write): the cost of a sync grows with the
/// size of the file (see docs/PERFORMANCE.md, "Files").
fn write_sync(c: &mut Criterion) {
    let mut group = harness::group(c, "write_sync");
    let cases = [
        ("seedloop", 0, false),
        ("seedloop_in_place", 0, true),
        ("seedloop_4mib", 4 << 20, false),
        ("seedloop_16mib", 16 << 20, false),
        ("seedloop_64mib", BIG_FILE, false),
    ];
    for (name, start_len, in_place) in cases {
        let mut seed = 0;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                per_item(&mut seed, iters, WRITES, |seed| {
                    sim(seed).block_on(async move {
                        let mut f = fs::File::create("/wal").await.unwrap();
                        fill_sim(&mut f, start_len).await;
                        f.sync_all().await.unwrap();
                        fs::sync_dir("/").await.unwrap();
                        let data = block(1);
                        let start = Instant::now();
                        for _ in 0..WRITES {
                            if in_place {
                                f.seek(std::io::SeekFrom::Start(0)).await.unwrap();
                            }
                            f.write_all(&data).await.unwrap();
                            f.sync_data().await.unwrap();
                        }
                        let took = start.elapsed();
                        let len = f.metadata().await.unwrap().len();
                        let grown = if in_place { BLOCK } else { WRITES * BLOCK };
                        assert_eq!(len, start_len + grown as u64);
                        took
                    })
                })
            })
        });
    }
    let path = temp_path("wal");
    let mut runs = 0;
    group.bench_function("real", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, WRITES, |_| {
                let mut f = std::fs::File::create(&path).unwrap();
                f.sync_all().unwrap();
                std::fs::File::open(std::env::temp_dir())
                    .unwrap()
                    .sync_all()
                    .unwrap();
                let data = block(1);
                let start = Instant::now();
                for _ in 0..WRITES {
                    f.write_all(&data).unwrap();
                    f.sync_data().unwrap();
                }
                let took = start.elapsed();
                assert_eq!(
                    f.metadata().unwrap().len(),
                    (WRITES * BLOCK) as u64,
                    "the real file holds every block"
                );
                took
            })
        })
    });
    let _ = std::fs::remove_file(&path);
    group.finish();
}

/// `random_read`: 100,000 reads of 4 KiB at random block-aligned offsets
/// (fixed seed) of a 64 MiB file written and synced before the timing;
/// seedloop seeks and reads (`AsyncSeekExt::seek`, `read_exact`), the real
/// file is read with `FileExt::read_at` (`pread`), from the page cache,
/// and, in `real_direct`, 2,000 reads with `O_DIRECT`, from the device.
/// Per read.
fn random_read(c: &mut Criterion) {
    let mut group = harness::group(c, "random_read");
    let offs = offsets(READS, READ_FILE);
    let mut seed = 0;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, READS, |seed| {
                let offs = offs.clone();
                sim(seed).block_on(async move {
                    let mut f = fs::File::options()
                        .read(true)
                        .write(true)
                        .create(true)
                        .open("/data")
                        .await
                        .unwrap();
                    fill_sim(&mut f, READ_FILE).await;
                    let mut buf = vec![0u8; BLOCK];
                    let mut sum = 0u64;
                    let start = Instant::now();
                    for &off in &offs {
                        f.seek(std::io::SeekFrom::Start(off)).await.unwrap();
                        f.read_exact(&mut buf).await.unwrap();
                        sum += u64::from(buf[0]);
                    }
                    let took = start.elapsed();
                    assert_eq!(sum, 0xa5 * READS as u64);
                    took
                })
            })
        })
    });

    let path = temp_path("data");
    {
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0xa5u8; 1 << 20];
        for _ in 0..READ_FILE / (1 << 20) {
            f.write_all(&chunk).unwrap();
        }
        f.sync_all().unwrap();
    }
    let f = std::fs::File::open(&path).unwrap();
    let mut runs = 0;
    group.bench_function("real", |b| {
        b.iter_custom(|iters| {
            per_item(&mut runs, iters, READS, |_| {
                let mut buf = vec![0u8; BLOCK];
                let mut sum = 0u64;
                let start = Instant::now();
                for &off in &offs {
                    f.read_exact_at(&mut buf, off).unwrap();
                    sum += u64::from(buf[0]);
                }
                let took = start.elapsed();
                assert_eq!(sum, 0xa5 * READS as u64);
                took
            })
        })
    });
    // O_DIRECT (Linux, x86-64 and aarch64: 0o40000): the page cache is
    // bypassed, so each read waits for the device. The buffer and the
    // offsets are 4 KiB aligned, as O_DIRECT wants.
    const O_DIRECT: i32 = 0o40000;
    match std::fs::File::options()
        .read(true)
        .custom_flags(O_DIRECT)
        .open(&path)
    {
        Ok(direct) => {
            let mut runs = 0;
            let offs = &offs[..DIRECT_READS];
            group.bench_function("real_direct", |b| {
                b.iter_custom(|iters| {
                    per_item(&mut runs, iters, DIRECT_READS, |_| {
                        let mut raw = vec![0u8; 2 * BLOCK];
                        let at = raw.as_ptr().align_offset(BLOCK);
                        let buf = &mut raw[at..at + BLOCK];
                        let mut sum = 0u64;
                        let start = Instant::now();
                        for &off in offs {
                            direct.read_exact_at(buf, off).unwrap();
                            sum += u64::from(buf[0]);
                        }
                        let took = start.elapsed();
                        assert_eq!(sum, 0xa5 * DIRECT_READS as u64);
                        took
                    })
                })
            });
        }
        Err(e) => println!("random_read/real_direct skipped: O_DIRECT open failed: {e}"),
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    group.finish();
}

/// `crash`: a node writes 10,000 unsynced 100-byte blocks to a file whose
/// creation is durable, then `node::kill` crashes its disk; the time of
/// the `kill` call alone, per crash. `seedloop` has the default disk (a
/// coin per pending write, `keep_unsynced(0.5)`); `seedloop_torn` writes
/// 4 KiB blocks on a disk with `torn_writes(512)` (8 coins per write);
/// `seedloop_64mib` is `seedloop` on a file that holds 64 MiB of synced
/// data before the 10,000 writes.
fn crash(c: &mut Criterion) {
    let mut group = harness::group(c, "crash");
    let cases: [(&str, DiskConfig, usize, u64); 3] = [
        ("seedloop", DiskConfig::new(), SMALL_WRITE, 0),
        (
            "seedloop_torn",
            DiskConfig::new().torn_writes(512),
            BLOCK,
            0,
        ),
        ("seedloop_64mib", DiskConfig::new(), SMALL_WRITE, BIG_FILE),
    ];
    for (name, disk, size, start_len) in cases {
        let mut seed = 0;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                per_item(&mut seed, iters, 1, |seed| {
                    let disk = disk.clone();
                    sim(seed).block_on(async move {
                        let db = node::Builder::new("db").disk(disk).build();
                        let writer = node::spawn_on(db, async move {
                            let mut f = fs::File::create("/log").await.unwrap();
                            fill_sim(&mut f, start_len).await;
                            f.sync_all().await.unwrap();
                            fs::sync_dir("/").await.unwrap();
                            let data = vec![7u8; size];
                            for _ in 0..PENDING {
                                f.write_all(&data).await.unwrap();
                            }
                            f
                        });
                        let f = writer.await.unwrap();
                        let start = Instant::now();
                        node::kill(db);
                        let took = start.elapsed();
                        assert!(f.sync_data().await.is_err(), "the handle is stale");
                        took
                    })
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = fs_benches;
    config = harness::config();
    targets = write_sync, random_read, crash
}
criterion_main!(fs_benches);
