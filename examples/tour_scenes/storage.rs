//! The tour's storage scene (layer 10a): a log-backed store on a node
//! whose disk crashes when the node is killed. The store syncs every
//! record before acknowledging it, but it forgets to sync the directory
//! after creating its log file: the explorer finds the crash that loses the
//! file's entry, shrinks the run, replays it, and a sweep with crashes
//! passes once the directory is synced.

use std::io;

use futures::AsyncWriteExt;
use seedloop::explore::Explorer;
use seedloop::fs::{self, OpenOptions};
use seedloop::node::{self, NodeId};

/// Appends `key=value` to the store's log and makes it durable; creates the
/// log on the first put. The fixed store also syncs the directory then.
async fn put(key: u32, sync_dir: bool) -> io::Result<()> {
    let fresh = !fs::try_exists("/data/log").await?;
    let mut log = OpenOptions::new()
        .append(true)
        .create(true)
        .open("/data/log")
        .await?;
    log.write_all(format!("k{key}=v{key}\n").as_bytes()).await?;
    log.sync_data().await?; // the record is durable...
    if fresh && sync_dir {
        fs::sync_dir("/data").await?; // ...and so is the log's name
    }
    Ok(())
}

async fn on<T: 'static>(n: NodeId, f: impl Future<Output = T> + 'static) -> T {
    node::spawn_on(n, f).await.expect("the store's task ran")
}

/// Four acknowledged puts, with a crash planted after any of them (a
/// `buggify!` fault, off in the plain run); then every acknowledged key
/// must be in the log.
async fn store(sync_dir: bool) {
    let store = node::Builder::new("store").build();
    on(store, async {
        fs::create_dir_all("/data").await.unwrap();
        fs::sync_dir("/").await.unwrap();
    })
    .await;
    let mut acked = Vec::new();
    for key in 0..4 {
        on(store, put(key, sync_dir)).await.unwrap();
        acked.push(key);
        if seedloop::buggify!() {
            node::restart(store); // a power cut: the disk keeps what was durable
        }
    }
    let log = on(store, async {
        fs::read_to_string("/data/log").await.unwrap_or_default()
    })
    .await;
    for key in acked {
        assert!(
            log.contains(&format!("k{key}=v{key}\n")),
            "acknowledged put k{key} lost in a crash"
        );
    }
}

pub fn scene() {
    super::heading("layer 10a: files on a disk that crashes like a real one");
    println!("  a store appends each put to /data/log and syncs it (sync_data) before");
    println!("  acknowledging; a crash may cut the power after any put. It never syncs");
    println!("  the directory after creating the log, so the log's *name* is not durable.");
    let trace = super::sweep_and_replay(
        "tour::store",
        || store(false),
        "the sweep finds the lost log",
    );
    println!("  what the disk did in the replay:");
    for e in trace.events() {
        if let seedloop::trace::EventKind::Disk { node, description } = &e.kind {
            if node == "store" && !description.starts_with("read") {
                println!("  | {:>7.3}s {description}", e.time.as_secs_f64());
            }
        }
    }
    let fixed = Explorer::new("tour::store")
        .seeds(1000)
        .buggify(1.0)
        .run(|| store(true))
        .expect("the fix holds");
    println!("  fixed (sync_dir(\"/data\") after creating the log), with crashes: {fixed}");
}
