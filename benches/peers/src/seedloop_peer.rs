//! seedloop, on the workloads of `spec.rs`: the programs of the root crate's
//! `cargo bench --bench net` (one file, shared), in this same process as
//! the other peers.

use std::time::Duration;

use crate::spec::{CLUSTER_BURST, CLUSTER_DRAIN, PAYLOAD, PORT, SEED, ratio};

#[path = "../../common/net_workloads.rs"]
mod workloads;

// The shared workloads follow the spec's parameters.
const _: () = assert!(
    workloads::PAYLOAD == PAYLOAD
        && workloads::PORT == PORT
        && workloads::BURST == CLUSTER_BURST
        && workloads::DRAIN.as_millis() == CLUSTER_DRAIN.as_millis()
);

pub fn udp_echo(n: u64) -> Duration {
    workloads::udp_echo(SEED, n)
}

pub fn tcp_echo(n: u64) -> Duration {
    workloads::tcp_echo(SEED, n)
}

pub fn cluster(n_msgs: u64, loss: f64) -> (f64, f64) {
    let c = workloads::cluster(SEED, n_msgs, loss);
    crate::record_delivery(c.sent, c.delivered);
    (
        c.sent as f64 / c.wall.as_secs_f64(),
        ratio(c.virtual_time, c.wall),
    )
}
