//! Network benchmark: round trips between two simulated nodes, and a
//! three-node cluster under loss. The peers (turmoil, madsim, tokio over
//! loopback) run the same workloads in `benches/peers`, a crate of its own
//! (madsim needs its own `--cfg`); its `run.sh` runs seedloop's cases too,
//! in the same process as the peers'.
//!
//! ```text
//! cargo bench --bench net                # every case, 5 repetitions, medians
//! cargo bench --bench net -- udp         # only cases whose name contains "udp"
//! cargo bench --bench net -- --quick     # 1 repetition, 10x fewer items
//! ```

#[path = "common/opts.rs"]
mod opts;
#[path = "common/net_workloads.rs"]
mod workloads;

use opts::Opts;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let opts = Opts::from_args();
    println!(
        "command: cargo bench --bench net -- {}",
        opts.args.join(" ")
    );
    println!("{:<34} {:>14} {:>12}", "case", "seedloop", "target");
    let rt = opts.items(100_000);
    type Echo = fn(u64, u64) -> std::time::Duration;
    let echoes: [(&str, &str, Echo, u32); 2] = [
        (
            "udp_echo",
            "udp_echo (1-10 ms latency) per rt",
            workloads::udp_echo,
            400,
        ),
        (
            "tcp_echo",
            "tcp_echo (64 bytes) per rt",
            workloads::tcp_echo,
            300,
        ),
    ];
    for (case, label, run, target_ns) in echoes {
        if !opts.wants(case) {
            continue;
        }
        let ns = median(
            (0..opts.reps())
                .map(|r| run(r as u64, rt as u64).as_nanos() as f64 / rt as f64)
                .collect(),
        );
        println!("{label:<34} {ns:>11.0} ns {target_ns:>9} ns");
    }
    if opts.wants("cluster") {
        let msgs = opts.items(1_000_000) as u64;
        let runs: Vec<workloads::Cluster> = (0..opts.reps().min(3))
            .map(|r| workloads::cluster(r as u64, msgs, 0.1))
            .collect();
        let rate = median(
            runs.iter()
                .map(|c| c.sent as f64 / c.wall.as_secs_f64())
                .collect(),
        );
        let speed = median(
            runs.iter()
                .map(|c| c.virtual_time.as_secs_f64() / c.wall.as_secs_f64())
                .collect(),
        );
        let c = &runs[0];
        println!(
            "{:<34} {:>11.0} msg/s (virtual {:.0} s per wall s; {} sent, {:.1} % delivered)",
            "cluster 3 nodes, 10% loss",
            rate,
            speed,
            c.sent,
            100.0 * c.delivered as f64 / c.sent as f64
        );
    }
}
