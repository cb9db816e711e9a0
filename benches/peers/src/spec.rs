//! The workloads, written down once so that every peer module (and a seedloop
//! module added later) measures the same thing.
//!
//! Each peer module exposes:
//!
//! - `pub fn udp_echo(n: u64) -> Duration`: one client, one echo server on two
//!   simulated nodes; the client sends a [`PAYLOAD`]-byte datagram and waits
//!   for the echo, `n` times. Link latency is uniform-ish in
//!   [`LATENCY_MIN`]..=[`LATENCY_MAX`] (each simulator's own latency knob), no
//!   loss. Returns the wall time of the whole simulation.
//! - `pub fn tcp_echo(n: u64) -> Duration`: one TCP connection; the client
//!   writes [`PAYLOAD`] bytes and reads them back, `n` times. The simulator's
//!   default latency configuration. Returns the wall time.
//! - `pub fn cluster(n_msgs: u64, loss: f64) -> (f64, f64)`: [`CLUSTER_NODES`]
//!   nodes, each bound to one UDP socket, each sending its share of `n_msgs`
//!   datagrams round-robin to the other nodes, fire-and-forget (nobody waits
//!   for a reply, so loss can never hang the run). A node sends
//!   [`CLUSTER_BURST`] datagrams, then sleeps [`CLUSTER_PACE`] of virtual
//!   time, and so on; when done it sleeps [`CLUSTER_DRAIN`] (longer than the
//!   maximum latency) while its receiver task keeps counting, then stops.
//!   Latency as in `udp_echo`; `loss` is passed to the simulator's own loss
//!   knob. Returns (datagrams sent per wall second, virtual seconds per wall
//!   second) and calls [`crate::record_delivery`] with the sent and received
//!   counts so the harness can print the delivered fraction.
//!
//! Peers that are not simulators (tokio over real loopback) only implement
//! the echo benchmarks.

use std::time::Duration;

/// Bytes per echo request (UDP and TCP) and per cluster datagram.
pub const PAYLOAD: usize = 64;

/// Lower bound of the one-way latency in `udp_echo` and `cluster`.
pub const LATENCY_MIN: Duration = Duration::from_millis(1);
/// Upper bound of the one-way latency in `udp_echo` and `cluster`.
pub const LATENCY_MAX: Duration = Duration::from_millis(10);

/// Port the echo servers and cluster nodes listen on.
pub const PORT: u16 = 9000;

/// Seed for every simulator that takes one.
pub const SEED: u64 = 0x5eed_100f;

/// Number of nodes in the cluster benchmark.
pub const CLUSTER_NODES: usize = 3;
/// Datagrams a cluster node sends back to back before pausing.
pub const CLUSTER_BURST: u64 = 10;
/// Virtual time a cluster node sleeps after each burst.
pub const CLUSTER_PACE: Duration = Duration::from_millis(1);
/// Virtual time a cluster node keeps receiving after its last send.
pub const CLUSTER_DRAIN: Duration = Duration::from_millis(50);

/// How many datagrams node `index` sends when the cluster sends `n_msgs` in
/// total: an even split, the remainder going to the first nodes.
pub fn cluster_share(n_msgs: u64, index: usize) -> u64 {
    let nodes = CLUSTER_NODES as u64;
    n_msgs / nodes + u64::from((index as u64) < n_msgs % nodes)
}

/// The `k`-th destination of node `index`: the other nodes, round-robin.
pub fn cluster_target(index: usize, k: u64) -> usize {
    let others = CLUSTER_NODES - 1;
    (index + 1 + (k % others as u64) as usize) % CLUSTER_NODES
}

/// A virtual duration divided by a wall duration.
pub fn ratio(virt: Duration, wall: Duration) -> f64 {
    virt.as_secs_f64() / wall.as_secs_f64()
}
