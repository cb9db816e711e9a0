//! Network benchmark, on criterion: round trips between two simulated
//! nodes, and a three-node cluster under loss. The time criterion reports
//! is per round trip (`udp_echo`, `tcp_echo`) or per datagram sent
//! (`cluster`), see `benches/common/harness.rs`. The peers (turmoil,
//! madsim, tokio over loopback) run the same workloads in `benches/peers`,
//! a crate of its own (madsim needs its own `--cfg`); its `run.sh` runs
//! seedloop's cases too, in the same process as the peers'.
//!
//! ```text
//! cargo bench --bench net                           # every case
//! cargo bench --bench net -- udp                    # only cases whose name matches
//! cargo bench --bench net -- cluster/seedloop       # one case
//! cargo bench --bench net -- --test                 # smoke run: every case once (CI)
//! cargo bench --bench net -- --output-format bencher  # one line per case (median)
//! ```

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "common/harness.rs"]
mod harness;
#[path = "common/net_workloads.rs"]
mod workloads;
use harness::per_item;

/// Round trips per run of `udp_echo` and `tcp_echo`.
const ROUND_TRIPS: u64 = 100_000;
/// Datagrams per run of `cluster`, and the share of them the links lose.
const CLUSTER_MSGS: u64 = 1_000_000;
const CLUSTER_LOSS: f64 = 0.1;

/// `udp_echo` (64-byte datagrams, latency 1-10 ms each) and `tcp_echo`
/// (64-byte messages, default network): 100,000 round trips; per round
/// trip.
fn echo(c: &mut Criterion) {
    type Echo = fn(u64, u64) -> std::time::Duration;
    let echoes: [(&str, Echo); 2] = [
        ("udp_echo", workloads::udp_echo),
        ("tcp_echo", workloads::tcp_echo),
    ];
    for (name, run) in echoes {
        let mut group = harness::group(c, name);
        let mut seed = 0;
        group.bench_function("seedloop", |b| {
            b.iter_custom(|iters| {
                per_item(&mut seed, iters, ROUND_TRIPS as usize, |seed| {
                    run(seed, ROUND_TRIPS)
                })
            })
        });
        group.finish();
    }
}

/// `cluster`: 3 nodes send 1,000,000 datagrams in all, 10 per millisecond
/// of virtual time, over links that lose 10 %; per datagram sent, and in
/// datagrams per wall second (thrpt). How much virtual time a run covers
/// and how many datagrams arrive (the same on every run of a seed) are
/// printed once, from seed 0; virtual seconds per wall second are those
/// virtual seconds over the wall time of a run (1,000,000 x the time per
/// datagram).
fn cluster(c: &mut Criterion) {
    let mut group = harness::group(c, "cluster");
    group.throughput(Throughput::Elements(1));
    let mut seed = 0;
    let mut shown = false;
    group.bench_function("seedloop", |b| {
        b.iter_custom(|iters| {
            per_item(&mut seed, iters, CLUSTER_MSGS as usize, |seed| {
                let run = workloads::cluster(seed, CLUSTER_MSGS, CLUSTER_LOSS);
                if !shown {
                    shown = true;
                    println!(
                        "cluster (seed {seed}): {} sent, {:.1} % delivered, {:.2} virtual s",
                        run.sent,
                        100.0 * run.delivered as f64 / run.sent as f64,
                        run.virtual_time.as_secs_f64(),
                    );
                }
                run.wall
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = net;
    config = harness::config();
    targets = echo, cluster
}
criterion_main!(net);
