//! The disk's faults, fsync failure, and bad configuration.

use std::io::ErrorKind;
use std::time::Duration;

use futures::AsyncWriteExt;
use seedloop::fs::{self, DiskConfig, File};
use seedloop::{Sim, node};

#[test]
fn past_its_capacity_a_write_fails_with_storage_full() {
    let mut sim = Sim::builder().disk(DiskConfig::new().capacity(10)).build();
    sim.block_on(async {
        fs::write("/a", [1; 8]).await.unwrap();
        let err = fs::write("/b", [1; 3]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StorageFull);
        fs::remove_file("/a").await.unwrap();
        fs::write("/b", [1; 10]).await.unwrap();
        let f = File::options().write(true).open("/b").await.unwrap();
        assert_eq!(
            f.set_len(11).await.unwrap_err().kind(),
            ErrorKind::StorageFull
        );
    });
}

#[test]
fn an_io_error_fails_the_operation_and_changes_nothing() {
    let mut sim = Sim::builder().disk(DiskConfig::new().io_error(1.0)).build();
    sim.block_on(async {
        let err = fs::write("/a", b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        assert!(err.to_string().contains("EIO"), "{err}");
        assert_eq!(
            fs::create_dir("/d").await.unwrap_err().kind(),
            ErrorKind::Other
        );
    });
    let mut sim = Sim::builder()
        .disk(DiskConfig::new().io_error(0.5))
        .seed(2)
        .build();
    let (ok, failed) = sim.block_on(async {
        let (mut ok, mut failed) = (0, 0);
        for i in 0..100 {
            match fs::write(format!("/{i}"), b"x").await {
                Ok(()) => ok += 1,
                Err(_) => failed += 1,
            }
        }
        (ok, failed)
    });
    assert!(ok > 20 && failed > 20, "{ok} ok, {failed} failed");
}

#[test]
fn corruption_flips_one_bit_of_a_read_and_not_the_data() {
    let mut sim = Sim::builder()
        .disk(DiskConfig::new().corruption(1.0))
        .build();
    sim.block_on(async {
        fs::write("/a", [0u8; 64]).await.unwrap();
        for _ in 0..3 {
            let got = fs::read("/a").await.unwrap();
            let ones: u32 = got.iter().map(|b| b.count_ones()).sum();
            assert_eq!(ones, 1, "exactly one bit flipped: {got:?}");
        }
    });
}

#[test]
fn latency_costs_virtual_time() {
    let mut sim = Sim::builder()
        .disk(DiskConfig::new().latency(Duration::from_millis(2)..Duration::from_millis(4)))
        .build();
    let took = sim.block_on(async {
        let start = seedloop::time::Instant::now();
        for i in 0..10 {
            fs::write(format!("/{i}"), b"x").await.unwrap();
        }
        start.elapsed()
    });
    assert!(
        took >= Duration::from_millis(20) && took <= Duration::from_millis(40),
        "{took:?}"
    );
}

#[test]
fn a_failed_fsync_drops_the_writes_and_a_retried_fsync_saves_nothing() {
    // Find a seed where the first sync fails and the retry succeeds.
    let mut seen = false;
    for seed in 0..64 {
        let mut sim = Sim::builder()
            .seed(seed)
            .disk(DiskConfig::new().io_error(0.3).keep_unsynced(0.0))
            .build();
        let out = sim.block_on(async {
            let db = node::Builder::new("db").build();
            let setup = seedloop::node::spawn_on(db, async {
                // Setup without the weather interfering: retry until done.
                loop {
                    let Ok(f) = File::create("/wal").await else {
                        continue;
                    };
                    if f.sync_all().await.is_ok() && fs::sync_dir("/").await.is_ok() {
                        return f;
                    }
                }
            })
            .await
            .unwrap();
            let mut f = setup;
            let pattern = seedloop::node::spawn_on(db, async move {
                while f.write_all(b"record").await.is_err() {}
                let first = f.sync_data().await.is_ok();
                let second = f.sync_data().await.is_ok();
                (first, second)
            })
            .await
            .unwrap();
            node::restart(db);
            let len = seedloop::node::spawn_on(db, async {
                loop {
                    if let Ok(m) = fs::metadata("/wal").await {
                        return m.len();
                    }
                }
            })
            .await
            .unwrap();
            (pattern, len)
        });
        match out {
            ((false, true), len) => {
                assert_eq!(
                    len, 0,
                    "seed {seed}: the retried sync returned Ok but saved nothing"
                );
                seen = true;
            }
            ((true, _), len) => assert_eq!(len, 6, "seed {seed}: a sync that returned Ok saved it"),
            _ => {}
        }
    }
    assert!(seen, "some seed fails the first sync and passes the retry");
}

#[test]
fn bad_configuration_is_a_config_error_naming_the_setting_and_value() {
    let cases = [
        (DiskConfig::new().io_error(1.5), "io_error", "1.5"),
        (DiskConfig::new().corruption(f64::NAN), "corruption", "NaN"),
        (
            DiskConfig::new().keep_unsynced(-0.1),
            "keep_unsynced",
            "-0.1",
        ),
        (DiskConfig::new().torn_writes(0), "torn_writes", "0"),
        (DiskConfig::new().torn_writes(1000), "torn_writes", "1000"),
    ];
    for (cfg, setting, value) in cases {
        let err = Sim::builder().disk(cfg.clone()).try_build().unwrap_err();
        assert_eq!((err.setting(), err.value()), (setting, value));
        let mut sim = Sim::new(1);
        let err =
            sim.block_on(async move { node::Builder::new("n").disk(cfg).try_build().unwrap_err() });
        assert_eq!(err.setting(), setting);
    }
    let err = Sim::builder()
        .disk(DiskConfig::new().latency(Duration::from_secs(2)..Duration::from_secs(1)))
        .try_build()
        .unwrap_err();
    assert_eq!(err.setting(), "latency");
}

#[test]
fn a_nodes_own_disk_config_overrides_the_default() {
    let mut sim = Sim::builder().disk(DiskConfig::new().io_error(1.0)).build();
    sim.block_on(async {
        assert!(
            fs::write("/a", b"x").await.is_err(),
            "main has the default disk"
        );
        let good = node::Builder::new("good").disk(DiskConfig::new()).build();
        let r = seedloop::node::spawn_on(good, async { fs::write("/a", b"x").await })
            .await
            .unwrap();
        assert!(r.is_ok());
    });
}

#[test]
fn the_explorers_swarm_draws_disk_weather_per_seed() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STORMY: AtomicUsize = AtomicUsize::new(0);
    static CALM: AtomicUsize = AtomicUsize::new(0);
    seedloop::explore::Explorer::new("fs::swarm")
        .swarm(true)
        .seeds(64)
        .run(|| async {
            let mut failed = false;
            for i in 0..100 {
                failed |= fs::write(format!("/{i}"), b"x").await.is_err();
            }
            let counter = if failed { &STORMY } else { &CALM };
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    let (stormy, calm) = (STORMY.load(Ordering::Relaxed), CALM.load(Ordering::Relaxed));
    assert!(stormy > 5 && calm > 5, "{stormy} stormy, {calm} calm");
}

#[test]
fn the_swarms_weather_reaches_a_node_with_its_own_disk() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STORMY: AtomicUsize = AtomicUsize::new(0);
    seedloop::explore::Explorer::new("fs::swarm_node")
        .swarm(true)
        .seeds(64)
        .run(|| async {
            let db = node::Builder::new("db").disk(DiskConfig::new()).build();
            let failed = node::spawn_on(db, async {
                let mut failed = false;
                for i in 0..100 {
                    failed |= fs::write(format!("/{i}"), b"x").await.is_err();
                }
                failed
            })
            .await
            .unwrap();
            if failed {
                STORMY.fetch_add(1, Ordering::Relaxed);
            }
        })
        .unwrap();
    assert!(STORMY.load(Ordering::Relaxed) > 5);
}
