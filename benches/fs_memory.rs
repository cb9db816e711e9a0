//! Memory benchmark of the simulated disk (issue 14): the resident memory
//! that 1 GiB of file data takes on a node's simulated disk, each case in
//! a fresh child process (this binary again), as `benches/memory.rs` does
//! for parked tasks; and, on that full disk, what a crash with 10,000
//! pending writes costs. Not a timing on criterion: a plain program
//! (`harness = false`).
//!
//! ```text
//! cargo bench --bench fs_memory                 # 1 GiB per case
//! cargo bench --bench fs_memory -- --quick      # 102.4 MiB per case (CI)
//! cargo bench --bench fs_memory -- sync_1m      # only cases whose name matches
//! ```
//!
//! The cases write the data to one file of a node's disk (default
//! `DiskConfig`): `sync_1m` in 1 MiB writes, each followed by `sync_data`;
//! `sync_4k` in 4 KiB writes, each followed by `sync_data` (262,144 syncs
//! of a file that grows to 1 GiB: a sync costs one count per MiB of the
//! file, see docs/PERFORMANCE.md); `unsynced_1m` in 1 MiB
//! writes never synced, for comparison (a pending write keeps a copy of
//! its bytes until a sync or a crash). Memory is the growth of the
//! resident set (`/proc/self/statm`) from just before the first write to
//! just after the last, so this benchmark is Linux only. The synced cases
//! then write 10,000 unsynced 100-byte blocks and `node::kill` the node;
//! the time of that call (wall clock, `Instant`) is the crash column.

use std::time::{Duration, Instant};

use futures::AsyncWriteExt;
use seedloop::{Sim, fs, node};

#[path = "common/child.rs"]
mod child;
#[path = "common/opts.rs"]
mod opts;
use child::{rss_bytes, verdict};
use opts::Opts;

const MIB: f64 = 1024.0 * 1024.0;
/// The memory target: this much file data costs at most `BUDGET` times
/// as much resident memory.
const DATA: u64 = 1 << 30;
const BUDGET: f64 = 1.1;
/// The crash target: a crash with this many pending operations costs at
/// most `CRASH_BUDGET`.
const PENDING: usize = 10_000;
const SMALL_WRITE: usize = 100;
const CRASH_BUDGET: Duration = Duration::from_millis(10);

/// Set in the child processes: `"<case> <bytes>"`.
const CHILD: &str = "SEEDLOOP_BENCH_FS_MEMORY_CHILD";

const CASES: [&str; 3] = ["sync_1m", "sync_4k", "unsynced_1m"];

/// What a child measured.
struct Measured {
    data: u64,
    growth: u64,
    write: Duration,
    crash: Option<Duration>,
}

/// In a child process: write `data` bytes as `case` says to a file of a
/// node's disk, and measure the resident set growth; for the synced
/// cases, then crash the node with 10,000 writes pending.
fn child(case: &str, data: u64) -> Measured {
    let (write_size, sync_every, crash) = match case {
        "sync_1m" => (1 << 20, Some(1), true),
        "sync_4k" => (4096, Some(1), true),
        "unsynced_1m" => (1 << 20, None, false),
        other => panic!("unknown case {other:?}"),
    };
    let mut sim = Sim::new(1);
    sim.block_on(async move {
        let db = node::Builder::new("db").build();
        let writer = node::spawn_on(db, async move {
            let chunk: Vec<u8> = (0..write_size).map(|i| (i % 251) as u8).collect();
            let mut f = fs::File::create("/data").await.unwrap();
            f.sync_all().await.unwrap();
            fs::sync_dir("/").await.unwrap();
            let before = rss_bytes();
            let start = Instant::now();
            let writes = data / write_size as u64;
            for i in 1..=writes {
                f.write_all(&chunk).await.unwrap();
                if sync_every.is_some_and(|n| i % n == 0) {
                    f.sync_data().await.unwrap();
                }
            }
            let write = start.elapsed();
            let growth = rss_bytes().saturating_sub(before);
            assert_eq!(
                f.metadata().await.unwrap().len(),
                writes * write_size as u64
            );
            if crash {
                let small = [7u8; SMALL_WRITE];
                for _ in 0..PENDING {
                    f.write_all(&small).await.unwrap();
                }
            }
            (f, writes * write_size as u64, growth, write)
        });
        let (f, data, growth, write) = writer.await.unwrap();
        let crash = crash.then(|| {
            let start = Instant::now();
            node::kill(db);
            start.elapsed()
        });
        drop(f);
        Measured {
            data,
            growth,
            write,
            crash,
        }
    })
}

/// Runs `case` in a fresh child process (this binary again): freed heap is
/// not returned to the OS, so in-process one case would reuse the memory
/// of the one before.
fn measure(case: &str, data: u64) -> Measured {
    let stdout = child::run(CHILD, &format!("{case} {data}"));
    let f: Vec<u64> = stdout
        .split_whitespace()
        .map(|w| w.parse().expect("numbers from the memory child"))
        .collect();
    assert_eq!(f.len(), 4, "child output: {stdout:?}");
    Measured {
        data: f[0],
        growth: f[1],
        write: Duration::from_nanos(f[2]),
        crash: (f[3] != u64::MAX).then(|| Duration::from_nanos(f[3])),
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        let (case, data) = spec.split_once(' ').expect("\"<case> <bytes>\"");
        let m = child(case, data.parse().expect("byte count"));
        let crash = m.crash.map_or(u64::MAX, |d| d.as_nanos() as u64);
        println!(
            "{} {} {} {crash}",
            m.data,
            m.growth,
            m.write.as_nanos() as u64
        );
        return;
    }
    let opts = Opts::from_args();
    let data = if opts.quick { DATA / 10 } else { DATA };
    if opts.quick {
        println!("quick: a tenth of the data\n");
    }
    println!(
        "{:<12} {:>10} {:>10} {:>7} {:>8} {:>9} {:>10}  target",
        "case", "data MiB", "RSS MiB", "ratio", "write s", "MiB/s", "crash ms"
    );
    for case in CASES {
        if !opts.wants(case) {
            continue;
        }
        let m = measure(case, data);
        let ratio = m.growth as f64 / m.data as f64;
        let crash = m
            .crash
            .map_or("-".to_string(), |d| format!("{:.2}", d.as_secs_f64() * 1e3));
        let target = match (case.starts_with("sync"), m.crash) {
            (true, Some(c)) => format!(
                "RSS <= {BUDGET} x data ({}); crash <= {} ms ({})",
                verdict(ratio <= BUDGET),
                CRASH_BUDGET.as_millis(),
                verdict(c <= CRASH_BUDGET),
            ),
            _ => "none (for comparison)".to_string(),
        };
        println!(
            "{:<12} {:>10.1} {:>10.1} {:>7.3} {:>8.2} {:>9.0} {:>10}  {target}",
            case,
            m.data as f64 / MIB,
            m.growth as f64 / MIB,
            ratio,
            m.write.as_secs_f64(),
            m.data as f64 / MIB / m.write.as_secs_f64(),
            crash,
        );
    }
    let extra = match opts.args.is_empty() {
        true => String::new(),
        false => format!(" -- {}", opts.args.join(" ")),
    };
    println!("\ncommand: cargo bench --bench fs_memory{extra}");
}
