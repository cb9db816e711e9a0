//! Peer benchmarks for seedloop's simulated network.
//!
//! Every peer is one module with the functions described in [`spec`]:
//! `udp_echo(n) -> Duration`, `tcp_echo(n) -> Duration` and, for simulators,
//! `cluster(n_msgs, loss) -> (msgs_per_sec, virt_secs_per_wall_sec)`. The
//! harness runs each measurement several times and prints the median, min and
//! max. Usage:
//!
//! ```text
//! peers [--quick] [--reps N] [--loss RATE] [--only PEER,...] [--bench udp_echo,tcp_echo,cluster]
//! ```
//!
//! `--quick` divides every iteration count by 10; `--loss` changes the
//! cluster's loss rate (default 0.1); `--reps` defaults to 5. Build and run it
//! through `run.sh`, which makes the `--cfg madsim` build that the madsim peer
//! needs.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod cli;
mod seedloop_peer;
mod spec;
mod tokio_loopback;
mod turmoil_peer;

#[cfg(madsim)]
mod madsim_peer;

/// Round trips in `udp_echo` and `tcp_echo` (full run).
const ECHO_ROUND_TRIPS: u64 = 100_000;
/// Datagrams in `cluster` (full run).
const CLUSTER_MSGS: u64 = 1_000_000;
/// Loss rate in `cluster` unless `--loss` says otherwise.
const CLUSTER_LOSS: f64 = 0.10;

/// `udp_echo` / `tcp_echo`: round trips -> wall time.
type EchoFn = fn(u64) -> Duration;
/// `cluster`: (messages, loss) -> (messages per wall second, virtual seconds
/// per wall second).
type ClusterFn = fn(u64, f64) -> (f64, f64);

/// One peer's entry points; `None` where the peer has no such benchmark.
struct Peer {
    name: &'static str,
    /// A simulator (virtual time, latency/loss knobs) rather than real sockets.
    simulated: bool,
    udp_echo: Option<EchoFn>,
    tcp_echo: Option<EchoFn>,
    cluster: Option<ClusterFn>,
}

/// The peers compiled into this binary, in the order they run.
///
/// Adding a peer: write a module with the same three functions as
/// `turmoil_peer`, declare it above and push it here. Nothing else in the
/// harness needs to change. seedloop runs first.
fn peers() -> Vec<Peer> {
    let mut peers = vec![Peer {
        name: "seedloop",
        simulated: true,
        udp_echo: Some(seedloop_peer::udp_echo),
        tcp_echo: Some(seedloop_peer::tcp_echo),
        cluster: Some(seedloop_peer::cluster),
    }];
    peers.push(Peer {
        name: "turmoil",
        simulated: true,
        udp_echo: Some(turmoil_peer::udp_echo),
        tcp_echo: Some(turmoil_peer::tcp_echo),
        cluster: Some(turmoil_peer::cluster),
    });
    #[cfg(madsim)]
    peers.push(Peer {
        name: "madsim",
        simulated: true,
        udp_echo: Some(madsim_peer::udp_echo),
        tcp_echo: Some(madsim_peer::tcp_echo),
        cluster: Some(madsim_peer::cluster),
    });
    peers.push(Peer {
        name: "tokio-loopback",
        simulated: false,
        udp_echo: Some(tokio_loopback::udp_echo),
        tcp_echo: Some(tokio_loopback::tcp_echo),
        cluster: None,
    });
    peers
}

/// Peers that exist but are compiled only into another build of this package.
const ELSEWHERE: &[(&str, &str)] = if cfg!(madsim) {
    &[]
} else {
    &[(
        "madsim",
        "needs a build with RUSTFLAGS=\"--cfg madsim\" (run.sh does unless given --no-madsim-cfg)",
    )]
};

static SENT: AtomicU64 = AtomicU64::new(0);
static DELIVERED: AtomicU64 = AtomicU64::new(0);

/// Called by a peer's `cluster` at the end of a run: how many datagrams were
/// sent and how many arrived, so the table can show the delivered fraction.
pub fn record_delivery(sent: u64, delivered: u64) {
    SENT.store(sent, Ordering::Relaxed);
    DELIVERED.store(delivered, Ordering::Relaxed);
}

struct Options {
    quick: bool,
    reps: usize,
    loss: f64,
    only: Option<Vec<String>>,
    benches: Vec<String>,
}

const BENCHES: [&str; 3] = ["udp_echo", "tcp_echo", "cluster"];

fn usage() -> &'static str {
    "usage: peers [--quick] [--reps N] [--loss RATE] [--only PEER,...] [--bench udp_echo,tcp_echo,cluster]"
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        reps: 5,
        loss: CLUSTER_LOSS,
        only: None,
        benches: BENCHES.iter().map(|b| b.to_string()).collect(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--reps" => options.reps = cli::reps(args.next())?,
            "--loss" => {
                let value = args.next().ok_or("--loss needs a value")?;
                options.loss = value
                    .parse()
                    .ok()
                    .filter(|l| (0.0..1.0).contains(l))
                    .ok_or(format!("--loss: not a rate in [0, 1): {value}"))?;
            }
            "--only" => options.only = Some(cli::list(args.next(), "--only")?),
            "--bench" => options.benches = cli::benches(args.next(), &BENCHES)?,
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}\n{}", usage())),
        }
    }
    Ok(options)
}

fn echo_line(peer: &str, bench: &str, setting: &str, n: u64, reps: usize, run: EchoFn) {
    let mut ns_per_rt: Vec<f64> = (0..reps)
        .map(|_| run(n).as_nanos() as f64 / n as f64)
        .collect();
    let (median, min, max) = cli::summary(&mut ns_per_rt);
    println!(
        "{peer:<15} {bench:<9} {setting:<18} {n:>8} rt  : median {median:>9.0} ns/rt   (min {min:.0}, max {max:.0}; {reps} reps)"
    );
}

fn cluster_line(peer: &str, n: u64, loss: f64, reps: usize, run: ClusterFn) {
    let mut rates = Vec::with_capacity(reps);
    let mut speeds = Vec::with_capacity(reps);
    let mut delivered = Vec::with_capacity(reps);
    let mut virt_secs = Vec::with_capacity(reps);
    for _ in 0..reps {
        record_delivery(0, 0);
        let (rate, speed) = run(n, loss);
        rates.push(rate);
        speeds.push(speed);
        // wall = n / rate, virtual = speed * wall
        virt_secs.push(speed * n as f64 / rate);
        let sent = SENT.load(Ordering::Relaxed);
        if sent > 0 {
            delivered.push(100.0 * DELIVERED.load(Ordering::Relaxed) as f64 / sent as f64);
        }
    }
    let (rate, rate_min, rate_max) = cli::summary(&mut rates);
    let (speed, speed_min, speed_max) = cli::summary(&mut speeds);
    let (virt, _, _) = cli::summary(&mut virt_secs);
    let delivered = if delivered.is_empty() {
        String::from("delivered n/a")
    } else {
        let (median, _, _) = cli::summary(&mut delivered);
        format!("delivered {median:.1}%")
    };
    let setting = format!("{} nodes, loss {:.0}%", spec::CLUSTER_NODES, loss * 100.0);
    println!(
        "{peer:<15} {bench:<9} {setting:<18} {n:>8} msg : median {rate:>9.0} msgs/s  (min {rate_min:.0}, max {rate_max:.0}); \
         median {speed:.2} virt-s/wall-s (min {speed_min:.2}, max {speed_max:.2}); \
         {virt:.1} virt-s per run; {delivered}; {reps} reps",
        bench = "cluster",
    );
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let scale = if options.quick { 10 } else { 1 };
    let echo_n = ECHO_ROUND_TRIPS / scale;
    let cluster_n = CLUSTER_MSGS / scale;
    let wanted = |name: &str| {
        options
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == name))
    };
    let bench = |name: &str| options.benches.iter().any(|b| b == name);
    let latency = format!(
        "lat {}-{}ms",
        spec::LATENCY_MIN.as_millis(),
        spec::LATENCY_MAX.as_millis()
    );

    let peers = peers();
    let known = |name: &str| {
        peers.iter().any(|p| p.name == name) || ELSEWHERE.iter().any(|(n, _)| *n == name)
    };
    if let Some(unknown) = options.only.iter().flatten().find(|n| !known(n)) {
        eprintln!("unknown peer: {unknown}");
        return ExitCode::from(2);
    }
    for (name, why) in ELSEWHERE.iter().filter(|(n, _)| wanted(n)) {
        println!("{name:<15} skipped: {why}");
    }
    for peer in peers.iter().filter(|p| wanted(p.name)) {
        let (setting_udp, setting_tcp) = if peer.simulated {
            (latency.as_str(), "default latency")
        } else {
            ("real loopback", "real loopback")
        };
        if let (Some(run), true) = (peer.udp_echo, bench("udp_echo")) {
            echo_line(
                peer.name,
                "udp_echo",
                setting_udp,
                echo_n,
                options.reps,
                run,
            );
        }
        if let (Some(run), true) = (peer.tcp_echo, bench("tcp_echo")) {
            echo_line(
                peer.name,
                "tcp_echo",
                setting_tcp,
                echo_n,
                options.reps,
                run,
            );
        }
        if let (Some(run), true) = (peer.cluster, bench("cluster")) {
            cluster_line(peer.name, cluster_n, options.loss, options.reps, run);
        }
    }
    ExitCode::SUCCESS
}
