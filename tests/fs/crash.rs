//! The crash model through real node kills and restarts.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use seedloop::fs::{self, DiskConfig, File, OpenOptions};
use seedloop::node::{self, NodeId};
use seedloop::{Sim, Strategy};

/// A sim whose disks lose everything unsynced at a crash.
fn strict() -> Sim {
    Sim::builder()
        .disk(DiskConfig::new().keep_unsynced(0.0))
        .build()
}

async fn on<T: 'static>(n: NodeId, f: impl std::future::Future<Output = T> + 'static) -> T {
    node::spawn_on(n, f).await.unwrap()
}

async fn exists(n: NodeId, p: &'static str) -> bool {
    on(n, async move { fs::try_exists(p).await.unwrap() }).await
}

async fn read(n: NodeId, p: &'static str) -> Vec<u8> {
    on(n, async move { fs::read(p).await.unwrap() }).await
}

#[test]
fn synced_data_and_entries_survive_a_kill_and_unsynced_ones_do_not() {
    strict().block_on(async {
        let db = node::Builder::new("db").build();
        on(db, async {
            let mut f = File::create("/a").await.unwrap();
            f.write_all(b"durable").await.unwrap();
            f.sync_all().await.unwrap();
            fs::sync_dir("/").await.unwrap();
            f.write_all(b" tail").await.unwrap(); // not synced
            fs::write("/b", b"never synced").await.unwrap();
        })
        .await;
        assert_eq!(
            read(db, "/a").await,
            b"durable tail",
            "before the crash the node sees it all"
        );
        node::kill(db);
        node::restart(db);
        assert_eq!(read(db, "/a").await, b"durable");
        assert!(!exists(db, "/b").await);
    });
}

#[test]
fn a_synced_file_whose_directory_was_not_synced_is_gone_after_a_crash() {
    strict().block_on(async {
        let db = node::Builder::new("db").build();
        on(db, async {
            fs::create_dir("/log").await.unwrap();
            fs::sync_dir("/").await.unwrap();
            let f = File::create("/log/segment-1").await.unwrap();
            f.sync_data().await.unwrap();
        })
        .await;
        node::restart(db);
        assert!(exists(db, "/log").await);
        assert!(!exists(db, "/log/segment-1").await);
    });
}

#[test]
fn the_atomic_replace_keeps_old_or_new_and_without_its_sync_can_leave_nothing() {
    for sync_tmp in [true, false] {
        strict().block_on(async move {
            let db = node::Builder::new("db").build();
            on(db, async move {
                fs::write("/cfg", b"old").await.unwrap();
                File::options()
                    .write(true)
                    .open("/cfg")
                    .await
                    .unwrap()
                    .sync_all()
                    .await
                    .unwrap();
                fs::sync_dir("/").await.unwrap();
                let mut tmp = File::create("/cfg.tmp").await.unwrap();
                tmp.write_all(b"new").await.unwrap();
                if sync_tmp {
                    tmp.sync_all().await.unwrap();
                }
                fs::rename("/cfg.tmp", "/cfg").await.unwrap();
                fs::sync_dir("/").await.unwrap();
            })
            .await;
            node::restart(db);
            let want: &[u8] = if sync_tmp { b"new" } else { b"" };
            assert_eq!(read(db, "/cfg").await, want, "sync_tmp = {sync_tmp}");
        });
    }
}

#[test]
fn a_rename_survives_whole_or_not_at_all_whatever_the_coins() {
    let mut outcomes = BTreeSet::new();
    for seed in 0..40 {
        let mut sim = Sim::new(seed);
        let got = sim.block_on(async {
            let db = node::Builder::new("db").build();
            on(db, async {
                for (name, text) in [("/cfg", "old"), ("/cfg.tmp", "new")] {
                    let mut f = File::create(name).await.unwrap();
                    f.write_all(text.as_bytes()).await.unwrap();
                    f.sync_all().await.unwrap();
                }
                fs::sync_dir("/").await.unwrap();
                fs::rename("/cfg.tmp", "/cfg").await.unwrap();
            })
            .await;
            node::restart(db);
            let cfg = read(db, "/cfg").await;
            let tmp = exists(db, "/cfg.tmp").await;
            (String::from_utf8(cfg).unwrap(), tmp)
        });
        assert!(
            got == ("old".into(), true) || got == ("new".into(), false),
            "seed {seed}: {got:?}"
        );
        outcomes.insert(got);
    }
    assert_eq!(
        outcomes.len(),
        2,
        "the coin kept the rename in some seeds, not in others"
    );
}

#[test]
fn pending_operations_survive_on_coins_and_the_zero_tape_keeps_none() {
    let run = |strategy: Strategy, seed: u64| {
        let mut sim = Sim::builder().seed(seed).strategy(strategy).build();
        sim.block_on(async {
            let db = node::Builder::new("db").build();
            on(db, async {
                fs::create_dir("/d").await.unwrap();
                for i in 0..6 {
                    fs::write(format!("/d/{i}"), b"x").await.unwrap();
                }
            })
            .await;
            node::restart(db);
            on(db, async {
                let Ok(mut dir) = fs::read_dir("/d").await else {
                    return 0;
                };
                let mut n = 0;
                while dir.next_entry().await.unwrap().is_some() {
                    n += 1;
                }
                n
            })
            .await
        })
    };
    assert_eq!(
        run(Strategy::Fifo, 0),
        0,
        "0 = lost: the plainest run keeps nothing unsynced"
    );
    let kept: BTreeSet<usize> = (0..30).map(|s| run(Strategy::Random, s)).collect();
    assert!(
        kept.len() > 2,
        "different seeds keep different files: {kept:?}"
    );
}

#[test]
fn torn_writes_leave_zeros_where_a_sector_was_lost() {
    let mut torn = 0;
    for seed in 0..40 {
        let mut sim = Sim::builder()
            .seed(seed)
            .disk(DiskConfig::new().torn_writes(4))
            .build();
        let log = sim.block_on(async {
            let db = node::Builder::new("db").build();
            on(db, async {
                File::create("/log")
                    .await
                    .unwrap()
                    .sync_all()
                    .await
                    .unwrap();
                fs::sync_dir("/").await.unwrap();
                let mut f = OpenOptions::new().append(true).open("/log").await.unwrap();
                f.write_all(b"AAAABBBBCCCC").await.unwrap();
            })
            .await;
            node::restart(db);
            read(db, "/log").await
        });
        for (i, sector) in log.chunks(4).enumerate() {
            let whole = [b"AAAA", b"BBBB", b"CCCC"][i];
            assert!(sector == whole || sector == [0; 4], "seed {seed}: {log:?}");
        }
        if log.len() == 12 && log.chunks(4).any(|s| s == [0; 4]) {
            torn += 1;
        }
    }
    assert!(torn > 0, "some seed tears the record");
}

#[test]
fn a_killed_nodes_open_files_turn_stale_and_a_paused_node_keeps_its_disk() {
    strict().block_on(async {
        let db = node::Builder::new("db").build();
        let f = on(db, async {
            let mut f = File::create("/a").await.unwrap();
            f.write_all(b"unsynced").await.unwrap();
            f
        })
        .await;
        node::pause(db);
        node::resume(db);
        assert_eq!(read(db, "/a").await, b"unsynced", "a pause is no crash");
        node::kill(db);
        let mut f = f;
        let err = f.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleNetworkFileHandle);
        let mut buf = Vec::new();
        assert!(f.read_to_end(&mut buf).await.is_err());
        drop(f);
        node::restart(db);
        assert!(!exists(db, "/a").await);
    });
}

#[test]
fn a_crash_is_a_disk_event_in_the_trace() {
    let mut sim = Sim::builder().record_trace(true).build();
    sim.block_on(async {
        let db = node::Builder::new("db").build();
        on(db, async { fs::write("/x", b"1").await.unwrap() }).await;
        node::restart(db);
        seedloop::sleep(Duration::from_millis(1)).await;
    });
    let text = sim.trace().to_string();
    assert!(text.contains("disk    'db' write /x 1 bytes"), "{text}");
    assert!(text.contains("disk    'db' crash:"), "{text}");
}

#[test]
fn the_same_seed_crashes_the_same_bytes_and_other_seeds_differ() {
    let run = |seed: u64| {
        let mut sim = Sim::builder()
            .seed(seed)
            .disk(DiskConfig::new().torn_writes(512))
            .build();
        let kept = sim.block_on(async {
            let db = node::Builder::new("db").build();
            on(db, async {
                for i in 0..8 {
                    fs::write(format!("/f{i}"), vec![i as u8; 2048])
                        .await
                        .unwrap();
                }
            })
            .await;
            node::restart(db);
            on(db, async {
                let mut all = Vec::new();
                for i in 0..8 {
                    all.push(fs::read(format!("/f{i}")).await.ok());
                }
                all
            })
            .await
        });
        (sim.fingerprint(), kept)
    };
    assert_eq!(run(3), run(3));
    let outcomes: BTreeSet<_> = (0..10).map(|s| run(s).1).collect();
    assert!(outcomes.len() > 5, "{} outcomes", outcomes.len());
}
